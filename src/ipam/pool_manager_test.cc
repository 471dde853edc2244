#include "ipam/pool_manager.h"

#include <gtest/gtest.h>

#include <memory>

#include "testing/fake_clock.h"
#include "testing/result_matchers.h"
#include "vpcsim/model.h"
#include "vpcsim/model_ec2_api.h"

namespace vpccni::ipam {
namespace {

using std::chrono::seconds;

class PoolManagerTest : public ::testing::Test {
 protected:
  // Builds a node of `type` with the config from env.
  void Start(const std::string& type, std::map<std::string, std::string> env,
             int max_pods = 110) {
    vpcsim::VpcModel model(vpcsim::VpcModel::Options{}, clock_.Now());
    vpcsim::CreateVpcRequest vr;
    vr.cidr_block = "10.0.0.0/16";
    auto vpc = model.CreateVpc(vr, clock_.Now());
    ASSERT_TRUE(vpc.has_value()) << vpc.error().ToString();
    vpcsim::CreateSubnetRequest sr;
    sr.vpc_id = vpc->vpc.vpc_id;
    sr.cidr_block = subnet_cidr_;
    auto subnet = model.CreateSubnet(sr, clock_.Now());
    ASSERT_TRUE(subnet.has_value()) << subnet.error().ToString();
    subnet_id_ = subnet->subnet.subnet_id;
    vpcsim::RunInstancesRequest rr;
    rr.image_id = "ami-0123456789abcdef0";
    rr.instance_type = type;
    rr.subnet_id = subnet_id_;
    auto run = model.RunInstances(rr, clock_.Now());
    ASSERT_TRUE(run.has_value()) << run.error().ToString();
    instance_ = run->instances.front();
    ec2_ = std::make_unique<vpcsim::ModelEc2Api>(std::move(model), clock_);

    auto config = PoolConfig::FromEnv(env);
    ASSERT_TRUE(config.has_value()) << config.error().ToString();
    auto limits = cloud::InstanceLimitsTable::BuiltIn().Lookup(type);
    ASSERT_TRUE(limits.has_value());
    auto pool_limits = PoolLimits::Derive(*limits, *config);
    ASSERT_TRUE(pool_limits.has_value());
    Datastore ds(Datastore::Options{});
    EniSpec primary;
    primary.id = instance_.primary_network_interface_id;
    primary.is_primary = true;
    primary.primary_ip = instance_.private_ip_address;
    ASSERT_OK(ds.AddEni(primary, clock_.Now()));
    PoolManager::Options o;
    o.config = *config;
    o.limits = *pool_limits;
    o.max_pods = max_pods;
    o.node.instance_id = instance_.instance_id;
    o.node.subnet_id = subnet_id_;
    o.node.cluster_name = "prod";
    o.node.additional_tags = {{"team", "net"}, {"x.k8s.amazonaws.com/y", "dropped"}};
    manager_ = std::make_unique<PoolManager>(*ec2_, clock_, std::move(ds), o);
  }

  cloud::NetworkInterface Describe(const std::string& id) {
    cloud::DescribeNetworkInterfacesRequest req;
    req.network_interface_ids = {id};
    auto page = ec2_->DescribeNetworkInterfaces(req);
    EXPECT_TRUE(page.has_value()) << page.error().ToString();
    if (!page || page->network_interfaces.empty()) {
      return {};
    }
    return page->network_interfaces.front();
  }

  int SecondaryIps(const std::string& id) {
    int n = 0;
    for (const auto& p : Describe(id).private_ips) {
      n += p.primary ? 0 : 1;
    }
    return n;
  }

  void Inject(const std::string& action, const std::string& code, int count) {
    ec2_->model().With([&](vpcsim::VpcModel& m) { m.InjectError(action, code, count); });
  }

  int64_t Calls(const std::string& action) {
    return ec2_->model().With([&](vpcsim::VpcModel& m) { return m.CallCounter(action).calls; });
  }

  Result<Assignment> AddPod(const std::string& id) {
    return manager_->WithDatastore([&](Datastore& ds) {
      return ds.Assign({"aws-cni", id, "eth0"}, {}, clock_.Now());
    });
  }

  testing::FakeClock clock_;
  std::string subnet_cidr_ = "10.0.0.0/16";
  std::string subnet_id_;
  vpcsim::Instance instance_;
  std::unique_ptr<vpcsim::ModelEc2Api> ec2_;
  std::unique_ptr<PoolManager> manager_;
};

TEST_F(PoolManagerTest, FillsPrimaryThenAttachesTaggedEni) {
  Start("m5.large", {});
  ASSERT_OK_AND_ASSIGN(int passes, manager_->RunUntilStable(10));
  EXPECT_EQ(passes, 1);
  EXPECT_EQ(SecondaryIps(instance_.primary_network_interface_id), 9);
  EXPECT_EQ(manager_->Stats().total, 9);

  ASSERT_OK(AddPod("c1"));
  PassReport r = manager_->RunOnce();
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.outcomes.size(), 1u);
  const std::string eni_id = r.outcomes[0].new_eni_id;
  ASSERT_FALSE(eni_id.empty()) << r.plan.ToString();
  cloud::NetworkInterface eni = Describe(eni_id);
  EXPECT_EQ(eni.description, "aws-K8S-" + instance_.instance_id);
  EXPECT_EQ(eni.tags["node.k8s.amazonaws.com/instance_id"], instance_.instance_id);
  EXPECT_EQ(eni.tags["cluster.k8s.amazonaws.com/name"], "prod");
  EXPECT_EQ(eni.tags["eks:eni:owner"], "amazon-vpc-cni");
  EXPECT_EQ(eni.tags["team"], "net");
  EXPECT_EQ(eni.tags.count("x.k8s.amazonaws.com/y"), 0u);
  EXPECT_EQ(eni.tags["node.k8s.amazonaws.com/createdAt"].size(), 20u);
  ASSERT_TRUE(eni.attachment.has_value());
  EXPECT_EQ(eni.attachment->device_index, 1);
  EXPECT_TRUE(eni.attachment->delete_on_termination);
  EXPECT_EQ(SecondaryIps(eni_id), 9);
  auto stats = manager_->Stats();
  EXPECT_EQ(stats.total, 18);
  ASSERT_EQ(stats.enis.size(), 2u);
  EXPECT_EQ(stats.enis[1].spec.device_number, 1);
  EXPECT_TRUE(manager_->PlanNow().Empty());
}

TEST_F(PoolManagerTest, ScaleDownDeletesEnisInEc2) {
  Start("m5.large", {{"WARM_IP_TARGET", "2"}, {"WARM_ENI_TARGET", "0"}});
  ASSERT_OK(manager_->RunUntilStable(10));
  for (int i = 0; i < 12; ++i) {
    ASSERT_OK(AddPod("c" + std::to_string(i)));
    ASSERT_OK(manager_->RunUntilStable(10));
  }
  auto stats = manager_->Stats();
  ASSERT_EQ(stats.eni_count, 2);
  const std::string second = stats.enis[1].spec.id;
  for (int i = 0; i < 12; ++i) {
    ASSERT_OK(manager_->WithDatastore([&](Datastore& ds) {
      return ds.Release({"aws-cni", "c" + std::to_string(i), "eth0"}, clock_.Now());
    }));
  }
  // Everything cools for 30 s; then releases (rate-limited to one per 30 s) and the free ENI.
  for (int i = 0; i < 20; ++i) {
    clock_.Advance(seconds(31));
    (void)manager_->RunOnce();
  }
  stats = manager_->Stats();
  EXPECT_EQ(stats.eni_count, 1);
  EXPECT_EQ(stats.total, 2);
  cloud::DescribeNetworkInterfacesRequest req;
  req.network_interface_ids = {second};
  auto gone = ec2_->DescribeNetworkInterfaces(req);
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error().reason, "InvalidNetworkInterfaceID.NotFound");
  EXPECT_EQ(SecondaryIps(instance_.primary_network_interface_id), 2);
}

TEST_F(PoolManagerTest, RetriesWithOneAfterFailure) {
  Start("m5.large", {});
  Inject("AssignPrivateIpAddresses", "InternalError", 1);
  PassReport r = manager_->RunOnce();
  ASSERT_EQ(r.outcomes.size(), 1u);
  EXPECT_FALSE(r.outcomes[0].error.has_value());
  EXPECT_EQ(r.outcomes[0].changed, 1);
  EXPECT_EQ(Calls("AssignPrivateIpAddresses"), 2);
  EXPECT_EQ(manager_->Stats().total, 1);
}

TEST_F(PoolManagerTest, LimitExceededResyncsFromEc2) {
  Start("m5.large", {});
  // Someone assigned the addresses behind the datastore's back.
  cloud::AssignPrivateIpAddressesRequest req;
  req.network_interface_id = instance_.primary_network_interface_id;
  req.secondary_private_ip_count = 9;
  ASSERT_OK(ec2_->AssignPrivateIpAddresses(req));
  PassReport r = manager_->RunOnce();
  ASSERT_EQ(r.outcomes.size(), 1u);
  EXPECT_EQ(r.outcomes[0].changed, 9) << (r.outcomes[0].error ? r.outcomes[0].error->ToString()
                                                               : std::string());
  EXPECT_EQ(manager_->Stats().total, 9);
}

TEST_F(PoolManagerTest, InsufficientAddressesBacksOff) {
  Start("m5.large", {});
  Inject("AssignPrivateIpAddresses", "InsufficientFreeAddressesInSubnet", 2);
  PassReport r = manager_->RunOnce();
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.outcomes.size(), 1u) << "no ENI attach after an insufficient-address error";
  EXPECT_TRUE(manager_->timers().last_insufficient_cidr.has_value());
  Plan plan = manager_->PlanNow();
  EXPECT_TRUE(plan.Empty());
  EXPECT_NE(plan.note.find("insufficient"), std::string::npos) << plan.ToString();
  clock_.Advance(seconds(121));
  EXPECT_FALSE(manager_->PlanNow().Empty());
}

TEST_F(PoolManagerTest, FragmentedSubnetFallsBackToSecondaryIps) {
  Start("m5.large", {{"ENABLE_PREFIX_DELEGATION", "true"}});
  Inject("AssignPrivateIpAddresses", "InsufficientCidrBlocks", 1);
  PassReport r = manager_->RunOnce();
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(manager_->prefix_fallback_reason().empty());
  ASSERT_OK(manager_->RunUntilStable(10));
  auto stats = manager_->Stats();
  ASSERT_GE(stats.enis.size(), 1u);
  EXPECT_GT(stats.enis[0].secondary_ips, 0);
  EXPECT_EQ(stats.enis[0].prefixes, 0);
  ASSERT_OK_AND_ASSIGN(auto a, AddPod("c1"));
  EXPECT_TRUE(a.address.IsV4());
  // After the retry interval prefixes are tried again.
  clock_.Advance(std::chrono::minutes(11));
  (void)manager_->RunOnce();
  EXPECT_TRUE(manager_->prefix_fallback_reason().empty());
}

TEST_F(PoolManagerTest, AttachFailureDeletesTheNewEni) {
  Start("m5.large", {});
  ASSERT_OK(manager_->RunUntilStable(10));
  ASSERT_OK(AddPod("c1"));
  Inject("AttachNetworkInterface", "InternalError", 1);
  PassReport r = manager_->RunOnce();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(Calls("DeleteNetworkInterface"), 1);
  EXPECT_EQ(manager_->Stats().eni_count, 1);
  auto count = ec2_->model().With(
      [](vpcsim::VpcModel& m) { return m.NetworkInterfaceIds().size(); });
  EXPECT_EQ(count, 1u);
}

TEST_F(PoolManagerTest, PrefixModeAssignsPrefixes) {
  Start("m5.large", {{"ENABLE_PREFIX_DELEGATION", "true"}, {"WARM_PREFIX_TARGET", "1"}});
  ASSERT_OK(manager_->RunUntilStable(10));
  auto eni = Describe(instance_.primary_network_interface_id);
  EXPECT_EQ(eni.ipv4_prefixes.size(), 1u);
  EXPECT_EQ(manager_->Stats().total, 16);
  ASSERT_OK(AddPod("c1"));
  ASSERT_OK(manager_->RunUntilStable(10));
  EXPECT_EQ(manager_->Stats().total, 32);
}

}  // namespace
}  // namespace vpccni::ipam
