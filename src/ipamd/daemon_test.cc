// In-process tests of the daemon: the real Daemon, PoolManager and datastore against the VPC
// model (vpcsim::ModelEc2Api for EC2, the model's IMDS view for metadata), a fake clock and a
// temp checkpoint. No host networking, no sockets.
#include "ipamd/daemon.h"

#include <gtest/gtest.h>

#include "ipam/checkpoint.h"
#include "ipam/checkpoint_file.h"
#include "testing/fake_clock.h"
#include "testing/result_matchers.h"
#include "testing/temp_dir.h"
#include "vpcsim/model_ec2_api.h"

namespace vpccni::ipamd {
namespace {

// IMDS from the model's current view of one instance.
class ModelMetadata : public NodeMetadata {
 public:
  ModelMetadata(vpcsim::ModelEc2Api& ec2, std::string instance_id)
      : ec2_(ec2), instance_id_(std::move(instance_id)) {}
  Result<InstanceIdentity> Identity() override {
    ASSIGN_OR_RETURN(auto view, View());
    InstanceIdentity id;
    id.instance_id = view.instance_id;
    id.instance_type = view.instance_type;
    id.region = view.region;
    id.availability_zone = view.availability_zone;
    id.local_ipv4 = view.local_ipv4;
    id.primary_mac = view.mac;
    return id;
  }
  Result<std::vector<AttachedEni>> AttachedEnis() override {
    ASSIGN_OR_RETURN(auto view, View());
    std::vector<AttachedEni> out;
    for (const auto& i : view.interfaces) {
      AttachedEni e;
      e.mac = i.mac;
      e.interface_id = i.interface_id;
      e.device_number = i.device_number;
      e.network_card = i.network_card;
      e.primary = i.mac == view.mac;
      e.subnet_id = i.subnet_id;
      e.vpc_id = i.vpc_id;
      e.subnet_ipv4_cidr = i.subnet_ipv4_cidr_block;
      e.vpc_ipv4_cidrs = i.vpc_ipv4_cidr_blocks;
      e.local_ipv4s = i.local_ipv4s;
      e.ipv4_prefixes = i.ipv4_prefixes;
      e.ipv6_prefixes = i.ipv6_prefixes;
      e.security_group_ids = i.security_group_ids;
      out.push_back(e);
    }
    return out;
  }

 private:
  Result<vpcsim::ImdsView> View() {
    return ec2_.model().With(
        [&](vpcsim::VpcModel& m) { return m.CurrentImdsView(instance_id_); });
  }
  vpcsim::ModelEc2Api& ec2_;
  std::string instance_id_;
};

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vpcsim::VpcModel::Options mo;
    mo.create_default_vpc = true;
    ec2_ = std::make_unique<vpcsim::ModelEc2Api>(vpcsim::VpcModel(mo, clock_.Now()), clock_);
    vpcsim::RunInstancesRequest run;
    run.image_id = "ami-0123456789abcdef0";
    run.instance_type = "c5.large";
    auto reply = ec2_->model().With(
        [&](vpcsim::VpcModel& m) { return m.RunInstances(run, clock_.Now()); });
    ASSERT_TRUE(reply.has_value()) << reply.error().ToString();
    instance_id_ = reply->instances.front().instance_id;
    metadata_ = std::make_unique<ModelMetadata>(*ec2_, instance_id_);
    auto m = metrics::AwsCniMetrics::Create(registry_, "test");
    ASSERT_TRUE(m.has_value());
    metrics_ = *m;
  }

  std::unique_ptr<Daemon> MakeDaemon(EnvMap env = {}) {
    env["AWS_VPC_K8S_CNI_BACKING_STORE"] = dir_.File("ipam.json");
    env.emplace("IP_COOLDOWN_PERIOD", "0");
    DaemonOptions opts;
    auto cfg = ParseConfig(env);
    EXPECT_TRUE(cfg.has_value());
    opts.config = *cfg;
    auto pool = ipam::PoolConfig::FromEnv(env);
    EXPECT_TRUE(pool.has_value());
    opts.pool = *pool;
    opts.bootstrap_timeout = std::chrono::seconds(1);
    DaemonPorts ports;
    ports.ec2 = ec2_.get();
    ports.metadata = metadata_.get();
    ports.clock = &clock_;
    ports.registry = &registry_;
    ports.metrics = &metrics_;
    return std::make_unique<Daemon>(opts, ports);
  }

  int Ec2SecondaryIps() {
    cloud::DescribeNetworkInterfacesRequest req;
    req.filters = {{"attachment.instance-id", {instance_id_}}};
    auto enis = cloud::DescribeAllNetworkInterfaces(*ec2_, req);
    EXPECT_TRUE(enis.has_value());
    int n = 0;
    for (const auto& e : *enis) {
      for (const auto& p : e.private_ips) {
        n += p.primary ? 0 : 1;
      }
    }
    return n;
  }

  static rpc::AddNetworkRequest Add(const std::string& id) {
    rpc::AddNetworkRequest r;
    r.container_id = id;
    r.if_name = "eth0";
    r.network_name = "aws-cni";
    r.k8s_pod_namespace = "default";
    r.k8s_pod_name = "pod-" + id;
    return r;
  }
  static rpc::DelNetworkRequest Del(const std::string& id) {
    rpc::DelNetworkRequest r;
    r.container_id = id;
    r.if_name = "eth0";
    r.network_name = "aws-cni";
    r.reason = "PodDeleted";
    return r;
  }

  testing::FakeClock clock_;
  testing::TempDir dir_;
  std::unique_ptr<vpcsim::ModelEc2Api> ec2_;
  std::unique_ptr<ModelMetadata> metadata_;
  std::string instance_id_;
  metrics::Registry registry_;
  metrics::AwsCniMetrics metrics_;
};

TEST_F(DaemonTest, BootstrapFillsOneEniAndAssignsIdempotently) {
  auto d = MakeDaemon();
  bool ready_called = false;
  d->OnReady([&] { ready_called = true; });
  ASSERT_OK(d->Bootstrap());
  EXPECT_TRUE(d->ready());
  EXPECT_TRUE(ready_called);
  EXPECT_EQ(Ec2SecondaryIps(), 9);  // c5.large: one full ENI (WARM_ENI_TARGET=1)

  ASSERT_OK_AND_ASSIGN(auto a1, d->AddNetwork(Add("c1")));
  ASSERT_TRUE(a1.status.success);
  ASSERT_EQ(a1.ip_allocations.size(), 1u);
  EXPECT_EQ(a1.ip_allocations[0].route_table_id, 254);  // primary ENI: main table
  EXPECT_FALSE(a1.vpc_v4_cidrs.empty());
  ASSERT_OK_AND_ASSIGN(auto again, d->AddNetwork(Add("c1")));
  EXPECT_EQ(again.ip_allocations[0].ipv4_addr, a1.ip_allocations[0].ipv4_addr);

  // The checkpoint holds the assignment when the reply is out.
  ASSERT_OK_AND_ASSIGN(std::string text, ipam::ReadFile(dir_.File("ipam.json")));
  ASSERT_OK_AND_ASSIGN(ipam::Checkpoint cp, ipam::DecodeCheckpoint(text));
  ASSERT_EQ(cp.allocations.size(), 1u);
  EXPECT_EQ(cp.allocations[0].address.ToString(), a1.ip_allocations[0].ipv4_addr);

  // The pool grows to keep a full ENI warm: 17 warm with one pod.
  for (int i = 0; i < 5; ++i) {
    d->PoolPass();
  }
  EXPECT_EQ(Ec2SecondaryIps(), 18);

  ASSERT_OK_AND_ASSIGN(auto del, d->DelNetwork(Del("c1")));
  EXPECT_TRUE(del.status.success);
  EXPECT_EQ(del.ip_allocations[0].ipv4_addr, a1.ip_allocations[0].ipv4_addr);
  auto unknown = d->DelNetwork(Del("c1"));
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().reason, rpc::kErrUnknownPod);
  EXPECT_EQ(metrics_.add_ip_req_count->Get(), 2);
  EXPECT_EQ(metrics_.del_ip_req_count->Get({"PodDeleted"}), 2);
}

TEST_F(DaemonTest, RestartRestoresAssignments) {
  std::string ip;
  {
    auto d = MakeDaemon();
    ASSERT_OK(d->Bootstrap());
    ASSERT_OK_AND_ASSIGN(auto a, d->AddNetwork(Add("keep")));
    ip = a.ip_allocations[0].ipv4_addr;
    ASSERT_OK(d->AddNetwork(Add("gone")));
    ASSERT_OK(d->DelNetwork(Del("gone")));
  }
  auto d2 = MakeDaemon();
  ASSERT_OK(d2->Bootstrap());
  ASSERT_OK_AND_ASSIGN(auto again, d2->AddNetwork(Add("keep")));
  EXPECT_EQ(again.ip_allocations[0].ipv4_addr, ip);
  ASSERT_OK_AND_ASSIGN(auto status, d2->Status({}));
  EXPECT_TRUE(status.ready);
  EXPECT_EQ(status.assigned_ips, 1);
  // Introspection shows it, scrubbed.
  HttpResponse r = d2->Introspect("/v1/enis");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find(ip), std::string::npos);
  EXPECT_EQ(r.body.find("\"keep\""), std::string::npos);  // container ID scrubbed
  EXPECT_NE(d2->Introspect("/nope").body.find("AvailableCommands"), std::string::npos);
  EXPECT_NE(d2->Metrics("/metrics").body.find("awscni_assigned_ip_addresses 1\n"),
            std::string::npos);
}

TEST_F(DaemonTest, GcReleasesUnlistedAttachments) {
  auto d = MakeDaemon();
  ASSERT_OK(d->Bootstrap());
  ASSERT_OK(d->AddNetwork(Add("a")));
  ASSERT_OK(d->AddNetwork(Add("b")));
  clock_.Advance(std::chrono::seconds(1));
  rpc::GcRequest gc;
  gc.network_name = "aws-cni";
  gc.valid_attachments = {{"a", "eth0", ""}};
  ASSERT_OK_AND_ASSIGN(auto reply, d->Gc(gc));
  ASSERT_EQ(reply.released.size(), 1u);
  EXPECT_EQ(reply.released[0].container_id, "b");
}

TEST_F(DaemonTest, NodeReconcileFollowsEc2) {
  auto d = MakeDaemon();
  ASSERT_OK(d->Bootstrap());
  int before = d->pool()->Stats().total;
  // An address disappears from the ENI behind ipamd's back (EC2 is the truth).
  cloud::DescribeNetworkInterfacesRequest req;
  req.filters = {{"attachment.instance-id", {instance_id_}}};
  ASSERT_OK_AND_ASSIGN(auto enis, cloud::DescribeAllNetworkInterfaces(*ec2_, req));
  ASSERT_FALSE(enis.empty());
  cloud::UnassignPrivateIpAddressesRequest unassign;
  unassign.network_interface_id = enis.front().id;
  for (const auto& p : enis.front().private_ips) {
    if (!p.primary) {
      unassign.ips = {p.address};
      break;
    }
  }
  ASSERT_OK(ec2_->UnassignPrivateIpAddresses(unassign));
  ASSERT_OK(d->NodeReconcile());
  EXPECT_EQ(d->pool()->Stats().total, before - 1);
  EXPECT_EQ(metrics_.reconcile_count->Get({"eniIPPoolReconcileDel"}), 1);
  // And comes back.
  cloud::AssignPrivateIpAddressesRequest assign;
  assign.network_interface_id = enis.front().id;
  assign.ips = unassign.ips;
  ASSERT_OK(ec2_->AssignPrivateIpAddresses(assign));
  ASSERT_OK(d->NodeReconcile());
  EXPECT_EQ(d->pool()->Stats().total, before);
  EXPECT_EQ(metrics_.reconcile_count->Get({"eniDataStorePoolReconcileAdd"}), 1);
}

TEST_F(DaemonTest, CustomNetworkingWithoutObjectSourceFailsBootstrap) {
  auto d = MakeDaemon({{"AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG", "true"}});
  auto r = d->Bootstrap();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().ToString().find("AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG"), std::string::npos);
}

}  // namespace
}  // namespace vpccni::ipamd
