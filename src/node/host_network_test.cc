#include "node/host_network.h"

#include <gtest/gtest.h>

#include "netlink/fake_netlink.h"
#include "node/pod_network.h"
#include "testing/result_matchers.h"

namespace vpccni::node {
namespace {

using netlink::FakeKernel;
using netlink::FakeNetlink;
using netlink::FakeSysctl;
using netlink::IpPrefix;
using netlink::OpsToString;

net::IpAddress Ip(std::string_view s) {
  return *net::IpAddress::Parse(s);
}

net::MacAddress Mac(std::string_view s) {
  return *net::MacAddress::Parse(s);
}

IpPrefix Prefix(std::string_view s) {
  return *IpPrefix::Parse(s);
}

class HostNetworkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // eth0: primary ENI, up with its address (as DHCP leaves it); eth1: a new ENI, down.
    auto eth0 = *ops_.CreateDummy({"eth0", Mac("0a:00:00:00:00:01"), 9001});
    ASSERT_OK(ops_.SetLinkUp(eth0.index, true));
    ASSERT_OK(ops_.AddAddress({eth0.index, Prefix("10.0.0.10/24"), 0, 0}));
    auto eth1 = *ops_.CreateDummy({"eth1", Mac("0a:00:00:00:00:02"), 1500});
    (void)eth1;
    netlink::Rule stale;
    stale.priority = kPrioExternalServiceRule;
    stale.dst = Prefix("192.168.0.0/16");
    stale.table = netlink::kTableMain;
    ASSERT_OK(ops_.AddRule(stale));

    cfg_.enis.push_back(
        {Mac("0a:00:00:00:00:01"), 0, 0, true, false, Prefix("10.0.0.10/24"), std::nullopt});
    cfg_.enis.push_back(
        {Mac("0a:00:00:00:00:02"), 1, 0, false, false, Prefix("10.0.1.20/24"), std::nullopt});
    cfg_.external_service_cidrs.push_back(Prefix("172.16.0.0/16"));
  }

  FakeKernel kernel_;
  FakeNetlink ops_{kernel_, 0};
  FakeSysctl sysctl_{kernel_, 0};
  HostNetworkConfig cfg_;
};

TEST_F(HostNetworkTest, PlanGolden) {
  ASSERT_OK_AND_ASSIGN(auto obs, ObserveHostNetwork(ops_, netlink::kFamilyV4));
  ASSERT_OK_AND_ASSIGN(auto plan, PlanHostNetwork(cfg_, obs));
  EXPECT_EQ(OpsToString(plan.ops),
            "link set dev #3 up mtu 9001\n"
            "addr add 10.0.1.20/24 dev #3\n"
            "route replace 10.0.1.1/32 dev #3 scope link table 2\n"
            "route replace default via 10.0.1.1 dev #3 table 2\n"
            "route del 10.0.1.0/24 dev #3 table main\n"
            "rule del prio 1535 to 192.168.0.0/16 lookup main\n"
            "rule add prio 32765 from 10.0.1.20/32 lookup 2\n"
            "rule add prio 1024 fwmark 0x80/0x80 lookup main\n"
            "rule add prio 1535 to 172.16.0.0/16 lookup main\n");
  EXPECT_EQ(plan.primary_ifname, "eth0");
  ASSERT_EQ(plan.sysctls.size(), 1U);
  EXPECT_EQ(plan.sysctls[0].key, "net/ipv4/conf/eth0/rp_filter");
  EXPECT_EQ(plan.sysctls[0].value, "2");
}

TEST_F(HostNetworkTest, ApplyConvergesAndSecondPlanIsEmpty) {
  HostNetworkApplier applier(ops_, sysctl_);
  ASSERT_OK(applier.Apply(cfg_));
  ASSERT_OK_AND_ASSIGN(auto obs, ObserveHostNetwork(ops_, netlink::kFamilyV4));
  ASSERT_OK_AND_ASSIGN(auto plan, PlanHostNetwork(cfg_, obs));
  EXPECT_EQ(OpsToString(plan.ops), "");
  EXPECT_EQ(*sysctl_.Read("net/ipv4/conf/eth0/rp_filter"), "2");
  // The secondary ENI's subnet route is gone from main; table 2 holds gw + default.
  auto main = *ops_.ListRoutes(netlink::kFamilyV4, netlink::kTableMain);
  for (const auto& r : main) {
    EXPECT_NE(r.dst, Prefix("10.0.1.0/24")) << r.ToString();
  }
  EXPECT_EQ(ops_.ListRoutes(netlink::kFamilyV4, 2)->size(), 2U);
  // Applying again is a no-op that succeeds.
  ASSERT_OK(applier.Apply(cfg_));
}

TEST_F(HostNetworkTest, ExternalSnatWithoutNodePortRemovesFwmarkRule) {
  HostNetworkApplier applier(ops_, sysctl_);
  ASSERT_OK(applier.Apply(cfg_));
  cfg_.external_snat = true;
  cfg_.node_port_support = false;
  cfg_.external_service_cidrs.clear();
  ASSERT_OK_AND_ASSIGN(auto plan, applier.Apply(cfg_));
  EXPECT_EQ(OpsToString(plan.ops),
            "rule del prio 1024 fwmark 0x80/0x80 lookup main\n"
            "rule del prio 1535 to 172.16.0.0/16 lookup main\n");
}

TEST_F(HostNetworkTest, TrunkEniGetsNoEniRuleAndWrongAddressIsReplaced) {
  cfg_.enis[1].is_trunk = true;
  auto eth1 = *ops_.GetLinkByName("eth1");
  ASSERT_OK(ops_.AddAddress({eth1.index, Prefix("10.9.9.9/24"), 0, 0}));
  ASSERT_OK_AND_ASSIGN(auto obs, ObserveHostNetwork(ops_, netlink::kFamilyV4));
  ASSERT_OK_AND_ASSIGN(auto plan, PlanHostNetwork(cfg_, obs));
  std::string text = OpsToString(plan.ops);
  EXPECT_NE(text.find("addr del 10.9.9.9/24 dev #3\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("32765"), std::string::npos) << text;
}

TEST_F(HostNetworkTest, MissingLinkAndBadConfigAreErrors) {
  cfg_.enis.push_back(
      {Mac("0a:00:00:00:00:09"), 2, 0, false, false, Prefix("10.0.2.5/24"), std::nullopt});
  ASSERT_OK_AND_ASSIGN(auto obs, ObserveHostNetwork(ops_, netlink::kFamilyV4));
  auto r = PlanHostNetwork(cfg_, obs);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(r.error().message, "no link with MAC 0a:00:00:00:00:09 for ENI device 2 card 0");
  cfg_.enis.pop_back();
  cfg_.enis[1].is_primary = true;
  EXPECT_ERROR_CODE(PlanHostNetwork(cfg_, obs), ErrorCode::kInvalidArgument);
  cfg_.enis[1].is_primary = false;
  cfg_.ipv6 = true;
  EXPECT_ERROR_CODE(PlanHostNetwork(cfg_, obs), ErrorCode::kInvalidArgument);
}

TEST_F(HostNetworkTest, ApplyEniTouchesOnlyThatEni) {
  HostNetworkApplier applier(ops_, sysctl_);
  ASSERT_OK_AND_ASSIGN(auto plan, applier.ApplyEni(cfg_, Mac("0a:00:00:00:00:02")));
  std::string text = OpsToString(plan.ops);
  EXPECT_EQ(text.find("1024"), std::string::npos) << text;
  EXPECT_NE(text.find("rule add prio 32765 from 10.0.1.20/32 lookup 2"), std::string::npos);
  EXPECT_EQ(plan.primary_ifname, "eth0");
}

TEST(PodRules, ReconcileRestoresLiveAndPrunesDropped) {
  std::vector<netlink::Rule> observed;
  for (const auto& r : PodHostRules(Ip("10.0.0.5"), 2)) {
    observed.push_back(r);  // live, correct
  }
  for (const auto& r : PodHostRules(Ip("10.0.0.6"), 3)) {
    observed.push_back(r);  // dropped pod
  }
  observed.push_back(PodHostRules(Ip("10.0.0.7"), 2)[1]);  // live but wrong table
  auto state = PodRulesFromObserved(observed);
  ASSERT_EQ(state.size(), 3U);
  EXPECT_EQ(state[1].route_table, 3U);
  std::vector<PodRuleState> live = {
      {Ip("10.0.0.5"), 2}, {Ip("10.0.0.7"), 4}, {Ip("10.0.0.8"), netlink::kTableMain}};
  EXPECT_EQ(OpsToString(ReconcilePodRulesOps(observed, live)),
            "rule del prio 512 to 10.0.0.6/32 lookup main\n"
            "rule del prio 1536 from 10.0.0.6/32 lookup 3\n"
            "rule del prio 1536 from 10.0.0.7/32 lookup 2\n"
            "rule add prio 512 to 10.0.0.7/32 lookup main\n"
            "rule add prio 1536 from 10.0.0.7/32 lookup 4\n"
            "rule add prio 512 to 10.0.0.8/32 lookup main\n");
}

TEST(PodRules, EnsureAndRemoveAreIdempotent) {
  FakeKernel kernel;
  FakeNetlink ops(kernel, 0);
  ASSERT_OK(EnsurePodRules(ops, Ip("10.0.0.5"), 2));
  ASSERT_OK(EnsurePodRules(ops, Ip("10.0.0.5"), 2));
  EXPECT_EQ(PodRulesFromObserved(*ops.ListRules(netlink::kFamilyV4)).size(), 1U);
  ASSERT_OK(RemovePodRules(ops, Ip("10.0.0.5")));
  ASSERT_OK(RemovePodRules(ops, Ip("10.0.0.5")));
  EXPECT_TRUE(PodRulesFromObserved(*ops.ListRules(netlink::kFamilyV4)).empty());
}

}  // namespace
}  // namespace vpccni::node
