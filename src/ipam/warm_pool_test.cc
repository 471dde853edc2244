#include "ipam/warm_pool.h"

#include <gtest/gtest.h>

#include "ipam/pure_node_testing.h"
#include "testing/result_matchers.h"

// Designated initializers leave the other members at their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace vpccni::ipam {
namespace {

using testing::PureNode;

cloud::InstanceLimits Type(const std::string& name) {
  auto r = cloud::InstanceLimitsTable::BuiltIn().Lookup(name);
  EXPECT_TRUE(r.has_value()) << name;
  return r.value_or(cloud::InstanceLimits{});
}

cloud::InstanceLimits Synthetic(int enis, int ipv4_per_eni) {
  cloud::InstanceLimits l;
  l.instance_type = "test.synthetic";
  l.eni_limit = enis;
  l.ipv4_per_eni = ipv4_per_eni;
  l.ipv6_per_eni = ipv4_per_eni;
  l.network_cards = {{0, enis}};
  l.hypervisor = "nitro";
  l.vcpus = 64;
  l.branch_interfaces = 10;
  return l;
}

PoolConfig Config(std::map<std::string, std::string> env) {
  auto c = PoolConfig::FromEnv(env);
  EXPECT_TRUE(c.has_value()) << c.error().ToString();
  return c.value_or(PoolConfig{});
}

struct Row {
  int pods;
  int enis;
  int total;
  int unused;
};

void ExpectRows(PureNode& node, const std::vector<Row>& rows) {
  for (const auto& r : rows) {
    node.SetPods(r.pods);
    EXPECT_EQ(node.Enis(), r.enis) << "pods " << r.pods;
    EXPECT_EQ(node.Total(), r.total) << "pods " << r.pods;
    EXPECT_EQ(node.Unused(), r.unused) << "pods " << r.pods;
  }
}

// ---- Reference §4.7 worked examples ----

TEST(WorkedExamples, T3SmallWarmEni1) {
  PureNode node(Type("t3.small"), Config({}), 11);
  ExpectRows(node, {{0, 1, 3, 3}, {5, 3, 9, 4}, {9, 3, 9, 0}});
  EXPECT_EQ(node.TotalsPerEni(), (std::vector<int>{3, 3, 3}));
}

TEST(WorkedExamples, T3SmallWip1Min1) {
  PureNode node(Type("t3.small"), Config({{"WARM_IP_TARGET", "1"}, {"MINIMUM_IP_TARGET", "1"}}),
                11);
  node.SetPods(0);
  EXPECT_EQ(node.TotalsPerEni(), (std::vector<int>{1}));
  ExpectRows(node, {{0, 1, 1, 1}, {5, 2, 6, 1}});
  EXPECT_EQ(node.TotalsPerEni(), (std::vector<int>{3, 3}));
  ExpectRows(node, {{9, 3, 9, 0}});
  EXPECT_EQ(node.TotalsPerEni(), (std::vector<int>{3, 3, 3}));
}

TEST(WorkedExamples, T3SmallWip2Min5) {
  PureNode node(Type("t3.small"), Config({{"WARM_IP_TARGET", "2"}, {"MINIMUM_IP_TARGET", "5"}}),
                11);
  ExpectRows(node, {{0, 2, 5, 5}});
  EXPECT_EQ(node.TotalsPerEni(), (std::vector<int>{3, 2}));
  ExpectRows(node, {{5, 3, 7, 2}});
  EXPECT_EQ(node.TotalsPerEni(), (std::vector<int>{3, 3, 1}));
  ExpectRows(node, {{9, 3, 9, 0}});
}

TEST(WorkedExamples, P3dnWarmEni1) {
  PureNode node(Type("p3dn.24xlarge"), Config({}), 250);
  ExpectRows(node, {{0, 1, 49, 49}, {3, 2, 98, 95}, {95, 3, 147, 52}});
}

TEST(WorkedExamples, P3dnWip5Min10) {
  PureNode node(Type("p3dn.24xlarge"),
                Config({{"WARM_IP_TARGET", "5"}, {"MINIMUM_IP_TARGET", "10"}}), 250);
  ExpectRows(node, {{0, 1, 10, 10}, {7, 1, 12, 5}, {15, 1, 20, 5}, {45, 2, 50, 5}});
  EXPECT_EQ(node.TotalsPerEni(), (std::vector<int>{49, 1}));
}

TEST(WorkedExamples, M5LargeDefault) {
  PureNode node(Type("m5.large"), Config({}), 29);
  ExpectRows(node, {{0, 1, 9, 9},
                    {1, 2, 18, 17},
                    {9, 2, 18, 9},
                    {10, 3, 27, 17},
                    {18, 3, 27, 9},
                    {27, 3, 27, 0}});
  // The 28th pod fails: 29 = 27 pod addresses + 2 host-network pods.
  auto r = node.datastore().Assign({"aws-cni", "pod-28", "eth0"}, {}, node.now());
  EXPECT_ERROR_CODE(r, ErrorCode::kResourceExhausted);
}

TEST(WorkedExamples, T3SmallPdWpt1) {
  PureNode node(Type("t3.small"),
                Config({{"ENABLE_PREFIX_DELEGATION", "true"}, {"WARM_PREFIX_TARGET", "1"}}), 110);
  ExpectRows(node, {{0, 1, 16, 16}, {5, 1, 32, 27}, {16, 1, 32, 16}, {17, 1, 48, 31},
                    {58, 2, 80, 22}});
  EXPECT_EQ(node.PrefixesPerEni(), (std::vector<int>{3, 2}));
}

TEST(WorkedExamples, T3SmallPdWip1Min1) {
  PureNode node(Type("t3.small"), Config({{"ENABLE_PREFIX_DELEGATION", "true"},
                                          {"WARM_IP_TARGET", "1"},
                                          {"MINIMUM_IP_TARGET", "1"}}),
                110);
  ExpectRows(node, {{0, 1, 16, 16}, {5, 1, 16, 11}, {17, 1, 32, 15}, {58, 2, 64, 6}});
  EXPECT_EQ(node.PrefixesPerEni(), (std::vector<int>{3, 1}));
}

TEST(WorkedExamples, T3SmallPdWip7Min20) {
  // The doc row for 0 pods says "1 prefix, 16 unused"; the code (and this) keeps 2 prefixes.
  PureNode node(Type("t3.small"), Config({{"ENABLE_PREFIX_DELEGATION", "true"},
                                          {"WARM_IP_TARGET", "7"},
                                          {"MINIMUM_IP_TARGET", "20"}}),
                110);
  ExpectRows(node, {{0, 1, 32, 32}, {5, 1, 32, 27}, {17, 1, 32, 15}, {58, 2, 80, 22}});
}

TEST(WorkedExamples, P3dnPdWpt1) {
  // The doc lists 2 ENIs for the p3dn PD rows; the code keeps 1 (stale doc cells).
  PureNode node(Type("p3dn.24xlarge"),
                Config({{"ENABLE_PREFIX_DELEGATION", "true"}, {"WARM_PREFIX_TARGET", "1"}}), 250);
  ExpectRows(node, {{0, 1, 16, 16}, {3, 1, 32, 29}, {95, 1, 112, 17}});
  EXPECT_EQ(node.PrefixesPerEni(), (std::vector<int>{7}));
}

TEST(WorkedExamples, P3dnPdWip5Min10) {
  PureNode node(Type("p3dn.24xlarge"), Config({{"ENABLE_PREFIX_DELEGATION", "true"},
                                               {"WARM_IP_TARGET", "5"},
                                               {"MINIMUM_IP_TARGET", "10"}}),
                250);
  ExpectRows(node, {{0, 1, 16, 16}, {7, 1, 16, 9}, {15, 1, 32, 17}, {45, 1, 64, 19}});
}

TEST(WorkedExamples, M5LargePdWpt1) {
  PureNode node(Type("m5.large"),
                Config({{"ENABLE_PREFIX_DELEGATION", "true"}, {"WARM_PREFIX_TARGET", "1"}}), 110);
  ExpectRows(node, {{0, 1, 16, 16},
                    {1, 1, 32, 31},
                    {16, 1, 32, 16},
                    {17, 1, 48, 31},
                    {40, 1, 64, 24},
                    {110, 1, 112, 2}});
}

// ---- EKS guide examples ----

TEST(EksGuide, ThreeC5LargeNodesHold43WarmIps) {
  int warm = 0;
  for (int pods : {1, 1, 0}) {
    PureNode node(Type("c5.large"), Config({}), 29);
    node.SetPods(pods);
    warm += node.Unused();
  }
  EXPECT_EQ(warm, 17 + 17 + 9);
}

TEST(EksGuide, WarmIp5On20AddressEnis) {
  PureNode node(Synthetic(4, 21), Config({{"WARM_IP_TARGET", "5"}, {"WARM_ENI_TARGET", "0"}}),
                250);
  node.SetPods(0);
  EXPECT_EQ(node.Enis(), 1);
  EXPECT_EQ(node.Total(), 5);
  node.SetPods(15);
  EXPECT_EQ(node.Enis(), 1) << "15 pods + 5 warm = 20 fit on one ENI";
  EXPECT_EQ(node.Total(), 20);
  node.SetPods(16);
  EXPECT_EQ(node.Enis(), 2) << "the 16th pod address needs a second ENI";
  EXPECT_EQ(node.Total(), 21);
}

TEST(EksGuide, MinimumIpTarget100AttachesEnisAtOnce) {
  PureNode node(Synthetic(15, 11), Config({{"MINIMUM_IP_TARGET", "100"}}), 250);
  node.SetPods(0);
  EXPECT_EQ(node.Total(), 100);
  EXPECT_EQ(node.Enis(), 10);
  // ... or up to the instance limit.
  PureNode small(Synthetic(4, 11), Config({{"MINIMUM_IP_TARGET", "100"}}), 250);
  small.SetPods(0);
  EXPECT_EQ(small.Enis(), 4);
  EXPECT_EQ(small.Total(), 40);
}

// ---- Reference §12.3 vectors ----

PolicyInput SipInput(int max_ips, int warm_eni, int warm_ip, int total, int used, int max_pods) {
  PolicyInput in;
  in.config.warm_eni_target = warm_eni;
  in.config.warm_ip_target = warm_ip;
  in.limits.max_enis = 4;
  in.limits.slots_per_eni = max_ips;
  in.limits.max_ips_per_eni = max_ips;
  in.stats.total = total;
  in.stats.assigned = used;
  in.max_pods = max_pods;
  return in;
}

TEST(Vectors, A_PoolTooLowSip) {
  EXPECT_TRUE(PoolTooLow(SipInput(14, 1, 0, 0, 0, 500)));
  EXPECT_TRUE(PoolTooLow(SipInput(14, 0, 0, 0, 0, 500)));
  EXPECT_TRUE(PoolTooLow(SipInput(14, 0, 3, 0, 0, 500)));
  EXPECT_FALSE(PoolTooLow(SipInput(3, 1, 1, 3, 0, 500)));
  EXPECT_TRUE(PoolTooLow(SipInput(3, 1, 0, 3, 1, 500)));
  EXPECT_FALSE(PoolTooLow(SipInput(3, 0, 0, 3, 1, 500)));
  EXPECT_TRUE(PoolTooLow(SipInput(3, 1, 0, 3, 3, 500)));
  EXPECT_TRUE(PoolTooLow(SipInput(3, 0, 0, 3, 3, 500)));
  EXPECT_FALSE(PoolTooLow(SipInput(3, 0, 5, 3, 3, 3)));
}

PolicyInput PdInput(int wpt, int prefixes, int used, int max_pods) {
  PolicyInput in;
  in.config.prefix_delegation = true;
  in.config.warm_prefix_target = wpt;
  in.limits.max_enis = 4;
  in.limits.slots_per_eni = 16;
  in.limits.max_prefixes_per_eni = 16;
  in.limits.max_ips_per_eni = 256;
  in.stats.prefix_delegation = true;
  in.stats.total = 16 * prefixes;
  in.stats.assigned = used;
  in.stats.total_prefixes = prefixes;
  in.stats.free_prefixes = (prefixes > 0 && used == 0) ? prefixes : 0;
  in.stats.idle_prefixes = in.stats.free_prefixes;
  in.max_pods = max_pods;
  return in;
}

TEST(Vectors, B_PoolTooLowPd) {
  EXPECT_TRUE(PoolTooLow(PdInput(1, 0, 0, 500)));
  EXPECT_TRUE(PoolTooLow(PdInput(0, 0, 0, 500)));
  EXPECT_FALSE(PoolTooLow(PdInput(1, 1, 0, 500)));
  EXPECT_TRUE(PoolTooLow(PdInput(1, 1, 1, 500)));
  EXPECT_FALSE(PoolTooLow(PdInput(0, 1, 1, 500)));
  EXPECT_TRUE(PoolTooLow(PdInput(1, 1, 3, 500)));
  EXPECT_FALSE(PoolTooLow(PdInput(0, 1, 3, 500)));
  EXPECT_FALSE(PoolTooLow(PdInput(1, 1, 3, 4)));
}

TEST(Vectors, C_TargetStateSip) {
  auto in = SipInput(14, 1, 5, 0, 0, 500);
  auto t = ComputeTargetState(in);
  EXPECT_TRUE(t.enabled);
  EXPECT_EQ(t.short_count, 5);
  EXPECT_EQ(t.over_count, 0);
  in.stats.total = 2;
  t = ComputeTargetState(in);
  EXPECT_EQ(t.short_count, 3);
  EXPECT_EQ(t.over_count, 0);
  in.stats.total = 5;
  t = ComputeTargetState(in);
  EXPECT_EQ(t.short_count, 0);
  EXPECT_EQ(t.over_count, 0);
  EXPECT_FALSE(ComputeTargetState(SipInput(14, 1, 0, 5, 0, 500)).enabled);
}

TEST(Vectors, D_TargetStatePd) {
  auto in = PdInput(1, 0, 0, 500);
  in.config.warm_ip_target = 5;
  auto t = ComputeTargetState(in);
  EXPECT_EQ(t.short_count, 1);
  EXPECT_EQ(t.over_count, 0);
  in = PdInput(1, 2, 0, 500);
  in.config.warm_ip_target = 5;
  t = ComputeTargetState(in);
  EXPECT_EQ(t.short_count, 0);
  EXPECT_EQ(t.over_count, 1);
  in = PdInput(1, 1, 0, 500);
  in.config.warm_ip_target = 5;
  t = ComputeTargetState(in);
  EXPECT_EQ(t.short_count, 0);
  EXPECT_EQ(t.over_count, 0);
}

TEST(Vectors, E_DecreaseReleasesOneThenNothing) {
  Datastore ds(Datastore::Options{});
  WallTime now = FromUnixNanos(1'800'000'000'000'000'000);
  ASSERT_OK(ds.AddEni({.id = "eni-a", .device_number = 0, .is_primary = true}, now));
  ASSERT_OK(ds.AddEni({.id = "eni-b", .device_number = 1}, now));
  for (const char* ip : {"10.0.0.1", "10.0.0.2"}) {
    ASSERT_OK(ds.AddIpv4Cidr("eni-a", *net::Ipv4Cidr::Parse(std::string(ip) + "/32"), false));
  }
  for (const char* ip : {"10.0.0.11", "10.0.0.12"}) {
    ASSERT_OK(ds.AddIpv4Cidr("eni-b", *net::Ipv4Cidr::Parse(std::string(ip) + "/32"), false));
  }
  ASSERT_OK(ds.AssignAddress({"n", "c1", "eth0"}, {}, *net::IpAddress::Parse("10.0.0.1"), now));
  ASSERT_OK(ds.AssignAddress({"n", "c2", "eth0"}, {}, *net::IpAddress::Parse("10.0.0.11"), now));
  PolicyInput in;
  in.config.warm_ip_target = 1;
  in.limits = {4, 2, 2, 0, false};
  in.now = now + std::chrono::minutes(5);
  in.stats = ds.Stats(in.now);
  auto t = ComputeTargetState(in);
  EXPECT_EQ(t.short_count, 0);
  EXPECT_EQ(t.over_count, 1);
  Plan plan = ComputePlan(in);
  ASSERT_FALSE(plan.actions.empty());
  EXPECT_EQ(plan.actions[0].kind, ActionKind::kReleaseIps);
  ASSERT_EQ(plan.actions[0].cidrs.size(), 1u);
  ASSERT_OK(ds.RemoveIpv4Cidr(plan.actions[0].eni_id, plan.actions[0].cidrs[0], false));
  in.stats = ds.Stats(in.now);
  EXPECT_EQ(ComputeTargetState(in).over_count, 0);
  plan = ComputePlan(in);
  for (const auto& a : plan.actions) {
    EXPECT_NE(a.kind, ActionKind::kReleaseIps) << plan.ToString();
  }
}

TEST(Vectors, F_DeletableEni) {
  Datastore ds(Datastore::Options{});
  WallTime t0 = FromUnixNanos(1'800'000'000'000'000'000);
  WallTime now = t0 + std::chrono::minutes(2);
  auto add = [&](const EniSpec& spec, std::vector<std::string> ips) {
    ASSERT_OK(ds.AddEni(spec, t0));
    for (const auto& ip : ips) {
      ASSERT_OK(ds.AddIpv4Cidr(spec.id, *net::Ipv4Cidr::Parse(ip + "/32"), false));
    }
  };
  add({.id = "eni-1", .device_number = 0, .is_primary = true}, {"10.0.0.1", "10.0.0.2"});
  add({.id = "eni-2", .device_number = 1}, {"10.0.0.3", "10.0.0.4"});
  add({.id = "eni-3", .device_number = 2}, {"10.0.0.5"});
  ASSERT_OK(ds.AssignAddress({"n", "a", "e"}, {}, *net::IpAddress::Parse("10.0.0.1"), t0));
  ASSERT_OK(ds.AssignAddress({"n", "b", "e"}, {}, *net::IpAddress::Parse("10.0.0.2"), t0));
  auto pick = [&](int wip, int min) {
    return ds.FindDeletableEni({.warm_ip_target = wip, .minimum_ip_target = min}, now);
  };
  EXPECT_EQ(pick(3, 1), std::nullopt);
  EXPECT_EQ(pick(1, 5), std::nullopt);
  EXPECT_EQ(pick(2, 4), "eni-3");
  ASSERT_OK(ds.RemoveEni("eni-3", false));
  EXPECT_EQ(pick(0, 3), std::nullopt);
  EXPECT_EQ(pick(0, 2), "eni-2");
  ASSERT_OK(ds.RemoveEni("eni-2", false));
  add({.id = "eni-4", .device_number = 3, .is_trunk = true}, {"10.0.0.6"});
  add({.id = "eni-5", .device_number = 4, .is_efa = true}, {"10.0.0.7"});
  EXPECT_EQ(pick(0, 2), std::nullopt);
  add({.id = "eni-6", .device_number = 5}, {});
  EXPECT_EQ(pick(0, 2), "eni-6");
  // Youth: an ENI younger than 60 s is never deletable.
  EXPECT_EQ(ds.FindDeletableEni({}, t0 + std::chrono::seconds(30)), std::nullopt);
}

TEST(Vectors, G_EmptyNodeIntegrationExpectations) {
  auto enis = [](std::map<std::string, std::string> env) {
    PureNode node(Type("m5.xlarge"), Config(env), 58);
    node.SetPods(0);
    return node.Enis();
  };
  EXPECT_EQ(enis({{"WARM_ENI_TARGET", "3"}, {"MAX_ENI", "2"}}), 2);
  EXPECT_EQ(enis({{"WARM_ENI_TARGET", "3"}}), 3);
  EXPECT_EQ(enis({{"WARM_ENI_TARGET", "2"}}), 2);
  auto ips = [](std::map<std::string, std::string> env) {
    PureNode node(Type("m5.4xlarge"), Config(env), 234);
    node.SetPods(0);
    return node.Total();
  };
  EXPECT_EQ(ips({{"WARM_IP_TARGET", "2"}}), 2);
  EXPECT_EQ(ips({{"WARM_IP_TARGET", "16"}}), 16);
  EXPECT_EQ(ips({{"MINIMUM_IP_TARGET", "2"}}), 2);
  EXPECT_EQ(ips({{"MINIMUM_IP_TARGET", "16"}}), 16);
  EXPECT_EQ(ips({{"WARM_IP_TARGET", "6"}, {"MINIMUM_IP_TARGET", "10"}}), 10);
  auto prefixes = [](std::map<std::string, std::string> env) {
    env["ENABLE_PREFIX_DELEGATION"] = "true";
    PureNode node(Type("m5.4xlarge"), Config(env), 234);
    node.SetPods(0);
    int n = 0;
    for (int p : node.PrefixesPerEni()) {
      n += p;
    }
    return n;
  };
  EXPECT_EQ(prefixes({{"WARM_IP_TARGET", "2"}}), 1);
  EXPECT_EQ(prefixes({{"WARM_IP_TARGET", "16"}}), 1);
  EXPECT_EQ(prefixes({{"MINIMUM_IP_TARGET", "16"}}), 1);
  EXPECT_EQ(prefixes({{"WARM_PREFIX_TARGET", "2"}}), 2);
  EXPECT_EQ(prefixes({{"WARM_IP_TARGET", "2"}, {"WARM_PREFIX_TARGET", "1"}}), 1);
  EXPECT_EQ(prefixes({{"WARM_IP_TARGET", "16"}, {"WARM_PREFIX_TARGET", "0"}}), 1);
  EXPECT_EQ(prefixes({{"MINIMUM_IP_TARGET", "2"}, {"WARM_PREFIX_TARGET", "2"}}), 1);
  EXPECT_EQ(prefixes({{"WARM_IP_TARGET", "6"}, {"MINIMUM_IP_TARGET", "10"},
                      {"WARM_PREFIX_TARGET", "1"}}),
            1);
}

// ---- Individual rules ----

TEST(Rules, ScaleDownFreesEnisAfterYouthAndCooldown) {
  PureNode node(Type("m5.large"), Config({}), 29);
  node.SetPods(18);
  EXPECT_EQ(node.Enis(), 3);
  // Remove all pods without jumping the clock: cooling addresses block ENI removal.
  while (!node.pods().empty()) {
    ASSERT_OK(node.datastore().Release(node.pods().back(), node.now()));
    node.pods().pop_back();
  }
  node.Converge(/*jump=*/false);
  EXPECT_EQ(node.Enis(), 3) << "addresses in cool-down keep their ENIs";
  node.Advance(std::chrono::seconds(31));
  node.Converge(/*jump=*/false);
  EXPECT_EQ(node.Enis(), 1) << "avail 27 >= 2 x 9: free ENIs until avail < 18";
  EXPECT_EQ(node.Total(), 9);
}

TEST(Rules, WarmEniZeroLowOnlyWhenEmpty) {
  PureNode node(Type("m5.large"), Config({{"WARM_ENI_TARGET", "0"}}), 29);
  node.SetPods(0);
  EXPECT_EQ(node.Total(), 9) << "avail 0 with target 0 is low: fill the primary";
  node.SetPods(9);
  EXPECT_EQ(node.Enis(), 2);
  EXPECT_EQ(node.Unused(), 9);
}

TEST(Rules, MaxPodsCapsGrowth) {
  PureNode node(Type("m5.large"), Config({{"WARM_IP_TARGET", "5"}}), 10);
  node.SetPods(8);
  EXPECT_EQ(node.Total(), 10) << "pool is never low once total >= max pods";
}

TEST(Rules, MaxEniLimitsAttach) {
  PureNode node(Type("m5.large"), Config({{"MAX_ENI", "2"}}), 29);
  node.SetPods(17);
  EXPECT_EQ(node.Enis(), 2);
  EXPECT_EQ(node.Total(), 18);
  auto plan = ComputePlan(node.Input());
  EXPECT_TRUE(plan.too_low);
  EXPECT_TRUE(plan.Empty());
  EXPECT_NE(plan.note.find("no room"), std::string::npos);
}

TEST(Rules, CustomNetworkingSkipsPrimary) {
  auto config = Config({{"AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG", "true"}});
  PureNode node(Type("m5.large"), config, 20);
  node.SetPods(0);
  auto stats = node.datastore().Stats(node.now());
  ASSERT_EQ(stats.enis.size(), 2u);
  EXPECT_EQ(stats.enis[0].total, 0) << "no pod addresses on the primary ENI";
  EXPECT_EQ(stats.enis[1].total, 9);
}

TEST(Rules, TrunkReserveAndUnmanagedEnisTakeSlots) {
  auto limits = Type("m5.large");
  ASSERT_TRUE(limits.IsTrunkingCompatible());
  PureNode node(limits, Config({{"ENABLE_POD_ENI", "true"}}), 29);
  node.SetPods(17);
  EXPECT_EQ(node.Enis(), 2) << "one of 3 ENI slots is reserved for the trunk";
  PureNode unmanaged(limits, Config({}), 29);
  unmanaged.unmanaged_enis = 2;
  unmanaged.SetPods(8);
  EXPECT_EQ(unmanaged.Enis(), 1);
}

TEST(Rules, DecreaseIsRateLimited) {
  PureNode node(Type("m5.large"), Config({{"WARM_IP_TARGET", "1"}}), 29);
  node.SetPods(5);
  while (node.pods().size() > 1) {
    ASSERT_OK(node.datastore().Release(node.pods().back(), node.now()));
    node.pods().pop_back();
  }
  node.Advance(std::chrono::seconds(31));
  node.timers().last_decrease = node.now() - std::chrono::seconds(10);
  auto plan = ComputePlan(node.Input());
  EXPECT_TRUE(plan.too_high);
  EXPECT_TRUE(plan.Empty());
  EXPECT_EQ(plan.note, "decrease rate-limited");
  node.Advance(std::chrono::seconds(21));
  plan = ComputePlan(node.Input());
  ASSERT_FALSE(plan.Empty());
  EXPECT_EQ(plan.actions[0].kind, ActionKind::kReleaseIps);
}

TEST(Rules, InsufficientCidrBackoff) {
  PureNode node(Type("m5.large"), Config({}), 29);
  node.timers().last_insufficient_cidr = node.now() - std::chrono::seconds(100);
  auto in = node.Input();
  in.stats.enis[0].cidr_count = 0;
  // The primary starts empty: the pool is low but the back-off holds.
  auto plan = ComputePlan(in);
  EXPECT_TRUE(plan.too_low);
  EXPECT_TRUE(plan.Empty());
  in.now += std::chrono::seconds(21);
  plan = ComputePlan(in);
  EXPECT_FALSE(plan.Empty());
}

TEST(Rules, UnschedulableAndTerminatingDoNothing) {
  PureNode node(Type("m5.large"), Config({}), 29);
  auto in = node.Input();
  in.node_unschedulable = true;
  EXPECT_TRUE(ComputePlan(in).Empty());
  in.config.manage_enis_non_schedulable = true;
  EXPECT_FALSE(ComputePlan(in).Empty());
  in.terminating = true;
  EXPECT_TRUE(ComputePlan(in).Empty());
}

TEST(Rules, AssignPlanCarriesFallbackAttach) {
  PureNode node(Type("m5.large"), Config({}), 29);
  auto plan = ComputePlan(node.Input());
  ASSERT_EQ(plan.actions.size(), 1u);
  EXPECT_EQ(plan.actions[0].kind, ActionKind::kAssignIps);
  EXPECT_EQ(plan.actions[0].eni_id, "eni-0");
  EXPECT_EQ(plan.actions[0].count, 9);
  ASSERT_TRUE(plan.fallback_attach.has_value());
  EXPECT_EQ(plan.fallback_attach->kind, ActionKind::kAttachEni);
  EXPECT_EQ(plan.fallback_attach->count, 9);
}

// Issue #2896: WIP=2 MIN=23, 19 assigned + 4 cooling.
TEST(Rules, CooldownDoesNotCountAsAvailableByDefault) {
  PolicyInput in = SipInput(49, 1, 2, 23, 19, 110);
  in.config.minimum_ip_target = 23;
  in.stats.cooling = 4;
  auto t = ComputeTargetState(in);
  EXPECT_EQ(t.short_count, 2) << "no usable address: allocate the warm target";
  EXPECT_TRUE(PoolTooLow(in));
  in.config.cooldown_counts_as_available = true;
  t = ComputeTargetState(in);
  EXPECT_EQ(t.short_count, 0) << "upstream: cooling addresses count as available";
  EXPECT_FALSE(PoolTooLow(in));
}

TEST(Rules, CoolingCidrsAreNotReleased) {
  PureNode node(Type("m5.large"), Config({{"WARM_IP_TARGET", "1"}}), 29);
  node.SetPods(6);
  while (!node.pods().empty()) {
    ASSERT_OK(node.datastore().Release(node.pods().back(), node.now()));
    node.pods().pop_back();
  }
  auto plan = ComputePlan(node.Input());
  for (const auto& a : plan.actions) {
    for (const auto& c : a.cidrs) {
      EXPECT_FALSE(node.datastore().InCooldown(c.Address(), node.now())) << c.ToString();
    }
  }
  node.Converge();
  EXPECT_EQ(node.Total(), 1);
}

TEST(Rules, PdFallbackGrowsWithSecondaryIps) {
  auto config = Config({{"ENABLE_PREFIX_DELEGATION", "true"}});
  PureNode node(Type("m5.large"), config, 110);
  auto in = node.Input();
  in.prefix_fallback = true;
  auto plan = ComputePlan(in);
  ASSERT_EQ(plan.actions.size(), 1u);
  EXPECT_EQ(plan.actions[0].kind, ActionKind::kAssignIps);
  EXPECT_EQ(plan.actions[0].count, 9) << "16 warm addresses wanted, 9 slots on the primary";
}

TEST(Rules, Ipv6AssignsOnePrefixOnPrimary) {
  auto config = Config({{"ENABLE_PREFIX_DELEGATION", "true"}, {"ENABLE_IPv6", "true"}});
  Datastore ds(Datastore::Options{0, true, false, true});
  WallTime now = FromUnixNanos(1'800'000'000'000'000'000);
  ASSERT_OK(ds.AddEni({.id = "eni-0", .is_primary = true}, now));
  PolicyInput in;
  in.config = config;
  in.stats = ds.Stats(now);
  auto plan = ComputePlan(in);
  ASSERT_EQ(plan.actions.size(), 1u);
  EXPECT_EQ(plan.actions[0].kind, ActionKind::kAssignIpv6Prefix);
  ASSERT_OK(ds.AddIpv6Prefix("eni-0", *net::Ipv6Cidr::Parse("2001:db8:1:2:3::/80")));
  in.stats = ds.Stats(now);
  EXPECT_TRUE(ComputePlan(in).Empty());
}

TEST(Limits, DeriveFromInstanceType) {
  ASSERT_OK_AND_ASSIGN(auto l, PoolLimits::Derive(Type("m5.large"), Config({})));
  EXPECT_EQ(l.max_enis, 3);
  EXPECT_EQ(l.max_ips_per_eni, 9);
  EXPECT_EQ(l.max_prefixes_per_eni, 0);
  ASSERT_OK_AND_ASSIGN(l, PoolLimits::Derive(Type("m5.large"),
                                             Config({{"ENABLE_PREFIX_DELEGATION", "true"},
                                                     {"MAX_ENI", "2"}})));
  EXPECT_EQ(l.max_enis, 2);
  EXPECT_EQ(l.max_ips_per_eni, 144);
  EXPECT_EQ(l.max_prefixes_per_eni, 9);
  auto xen = Type("m4.large");
  EXPECT_ERROR_CODE(PoolLimits::Derive(xen, Config({{"ENABLE_PREFIX_DELEGATION", "true"}})),
                    ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vpccni::ipam
