// Tests of ModelEc2Api, the in-process fake EC2 over the VPC model.
#include "vpcsim/model_ec2_api.h"

#include <thread>

#include <gtest/gtest.h>

#include "testing/fake_clock.h"
#include "testing/result_matchers.h"
#include "vpcsim/model_test_util.h"

namespace vpccni::vpcsim {
namespace {

class ModelEc2ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    VpcModel::Options o;
    o.attach_delay = std::chrono::seconds(1);
    VpcModel m(o, clock_.Now());
    CreateVpcRequest v;
    v.cidr_block = "10.0.0.0/16";
    auto vpc = m.CreateVpc(v, clock_.Now());
    ASSERT_TRUE(vpc.has_value());
    CreateSubnetRequest s;
    s.vpc_id = vpc->vpc.vpc_id;
    s.cidr_block = "10.0.0.0/26";
    s.availability_zone = "us-west-2a";
    auto sn = m.CreateSubnet(s, clock_.Now());
    ASSERT_TRUE(sn.has_value());
    subnet_ = sn->subnet.subnet_id;
    RunInstancesRequest r;
    r.image_id = "ami-12345678";
    r.instance_type = "m5.large";
    r.subnet_id = subnet_;
    auto inst = m.RunInstances(r, clock_.Now());
    ASSERT_TRUE(inst.has_value());
    instance_ = inst->instances[0].instance_id;
    api_ = std::make_unique<ModelEc2Api>(std::move(m), clock_);
  }

  testing::FakeClock clock_;
  std::unique_ptr<ModelEc2Api> api_;
  std::string subnet_, instance_;
};

TEST_F(ModelEc2ApiTest, NodeLifecycleThroughThePort) {
  cloud::CreateNetworkInterfaceRequest c;
  c.subnet_id = subnet_;
  c.description = "aws-K8S-" + instance_;
  c.tags = {{"node.k8s.amazonaws.com/instance_id", instance_}};
  c.ipv4_prefix_count = 1;
  ASSERT_OK_AND_ASSIGN(cloud::NetworkInterface eni, api_->CreateNetworkInterface(c));
  EXPECT_EQ(eni.status, "available");
  EXPECT_EQ(eni.ipv4_prefixes.size(), 1u);
  EXPECT_EQ(eni.primary_ip->ToString(), "10.0.0.5");
  ASSERT_OK_AND_ASSIGN(auto att,
                       api_->AttachNetworkInterface({eni.id, instance_, 1, std::nullopt}));
  cloud::DescribeNetworkInterfacesRequest d;
  d.network_interface_ids = {eni.id};
  ASSERT_OK_AND_ASSIGN(auto page, api_->DescribeNetworkInterfaces(d));
  EXPECT_EQ(page.network_interfaces.at(0).attachment->status, "attaching");
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_OK_AND_ASSIGN(page, api_->DescribeNetworkInterfaces(d));
  EXPECT_EQ(page.network_interfaces.at(0).attachment->status, "attached");
  EXPECT_EQ(page.network_interfaces.at(0).status, "in-use");
  cloud::ModifyNetworkInterfaceAttributeRequest mod;
  mod.network_interface_id = eni.id;
  mod.attachment =
      cloud::ModifyNetworkInterfaceAttributeRequest::AttachmentChange{att.attachment_id, true};
  ASSERT_OK(api_->ModifyNetworkInterfaceAttribute(mod));
  cloud::AssignPrivateIpAddressesRequest a;
  a.network_interface_id = eni.id;
  a.secondary_private_ip_count = 3;
  ASSERT_OK_AND_ASSIGN(auto got, api_->AssignPrivateIpAddresses(a));
  EXPECT_EQ(got.assigned_ips.size(), 3u);
  ASSERT_OK(api_->UnassignPrivateIpAddresses({eni.id, {got.assigned_ips[0]}, {}}));
  ASSERT_OK(api_->DetachNetworkInterface({att.attachment_id, false}));
  ASSERT_OK(api_->DeleteNetworkInterface(eni.id));
  auto all = cloud::DescribeAllNetworkInterfaces(*api_, {});
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->size(), 1u);  // the primary
  EXPECT_EQ(api_->model().With(
                [](VpcModel& m) { return m.CallCounter("AssignPrivateIpAddresses").calls; }),
            1);
}

TEST_F(ModelEc2ApiTest, ErrorsMatchTheHttpClientMapping) {
  auto nf = api_->DeleteNetworkInterface("eni-0123456789abcdef0");
  ASSERT_FALSE(nf.has_value());
  EXPECT_EQ(nf.error().reason, "InvalidNetworkInterfaceID.NotFound");
  EXPECT_EQ(nf.error().code, ErrorCode::kNotFound);
  Error want =
      cloud::MakeEc2Error("InvalidNetworkInterfaceID.NotFound",
                          "The networkInterface ID 'eni-0123456789abcdef0' does not exist", 400);
  EXPECT_EQ(nf.error().message, want.message);
  // Fragmented /26: no /28 left.
  cloud::CreateNetworkInterfaceRequest c;
  c.subnet_id = subnet_;
  c.ipv4_prefix_count = 2;
  ASSERT_OK(api_->CreateNetworkInterface(c));
  c.ipv4_prefix_count = 1;
  auto frag = api_->CreateNetworkInterface(c);
  ASSERT_FALSE(frag.has_value());
  EXPECT_EQ(frag.error().reason, "InsufficientCidrBlocks");
  EXPECT_EQ(frag.error().code, ErrorCode::kResourceExhausted);
  api_->model().With([](VpcModel& m) {
    m.InjectError("DescribeSubnets", "RequestLimitExceeded", 1);
    return 0;
  });
  auto thr = api_->DescribeSubnets({});
  ASSERT_FALSE(thr.has_value());
  EXPECT_EQ(thr.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(cloud::IsThrottlingErrorCode(thr.error().reason));
  ASSERT_OK_AND_ASSIGN(auto subnets, api_->DescribeSubnets({}));
  EXPECT_EQ(subnets.subnets.at(0).cidr->ToString(), "10.0.0.0/26");
}

TEST_F(ModelEc2ApiTest, InstanceTypesAndInstances) {
  cloud::DescribeInstanceTypesRequest t;
  t.instance_types = {"m5.large"};
  ASSERT_OK_AND_ASSIGN(auto types, api_->DescribeInstanceTypes(t));
  ASSERT_EQ(types.instance_types.size(), 1u);
  EXPECT_EQ(types.instance_types[0].eni_limit, 3);
  EXPECT_EQ(types.instance_types[0].ipv4_per_eni, 10);
  cloud::DescribeInstancesRequest i;
  i.instance_ids = {instance_};
  ASSERT_OK_AND_ASSIGN(auto inst, api_->DescribeInstances(i));
  ASSERT_EQ(inst.instances.size(), 1u);
  EXPECT_EQ(inst.instances[0].network_interfaces.size(), 1u);
  EXPECT_EQ(inst.instances[0].network_interfaces[0].attachment->device_index, 0);
}

TEST_F(ModelEc2ApiTest, ConcurrentCallersShareOneModel) {
  std::vector<std::string> enis;
  for (int k = 0; k < 2; ++k) {
    cloud::CreateNetworkInterfaceRequest c;
    c.subnet_id = subnet_;
    ASSERT_OK_AND_ASSIGN(auto e, api_->CreateNetworkInterface(c));
    enis.push_back(e.id);
  }
  ModelEc2Api second(api_->shared_model(), clock_);
  auto worker = [&](cloud::Ec2Api* api, const std::string& eni) {
    for (int k = 0; k < 200; ++k) {
      cloud::AssignPrivateIpAddressesRequest a;
      a.network_interface_id = eni;
      a.secondary_private_ip_count = 2;
      auto got = api->AssignPrivateIpAddresses(a);
      if (got.has_value()) {
        (void)api->UnassignPrivateIpAddresses({eni, got->assigned_ips, {}});
      }
    }
  };
  std::thread t1(worker, api_.get(), enis[0]);
  std::thread t2(worker, &second, enis[1]);
  t1.join();
  t2.join();
  EXPECT_OK(api_->model().With([](VpcModel& m) { return m.CheckInvariants(); }));
  EXPECT_EQ(api_->model().With(
                [](VpcModel& m) { return m.CallCounter("AssignPrivateIpAddresses").calls; }),
            400);
}

}  // namespace
}  // namespace vpccni::vpcsim
