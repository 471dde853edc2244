// Privileged tests (root): wire pods into their own network namespaces from a "node" namespace
// with the real kernel, observe the result with our own netlink reads and with `ip`, ping between
// pods, tear down, and wire many pods concurrently. Every namespace is removed, even on failure.
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "netlink/netns.h"
#include "netlink/rtnl_ops.h"
#include "netlink/sysctl.h"
#include "node/host_network.h"
#include "node/names.h"
#include "node/pod_network.h"
#include "testing/result_matchers.h"

namespace vpccni::node {
namespace {

using netlink::Netns;
using netlink::ScopedNetns;

net::IpAddress Ip(std::string_view s) {
  return *net::IpAddress::Parse(s);
}

std::string UniqueName(std::string_view tag) {
  static std::atomic<int> n{0};
  return fmt::format("vt-{}-{}-{}", getpid(), tag, n++);
}

// A named netns that is removed when this object goes away.
class TestNetns {
 public:
  explicit TestNetns(std::string_view tag) : name_(UniqueName(tag)) {
    ok_ = Netns::CreateNamed(name_).has_value();
  }

  ~TestNetns() { (void)Netns::DeleteNamed(name_); }

  TestNetns(const TestNetns&) = delete;
  TestNetns& operator=(const TestNetns&) = delete;

  bool ok() const { return ok_; }

  const std::string& name() const { return name_; }

  std::string path() const { return std::string(netlink::kNetnsRunDir) + "/" + name_; }

 private:
  std::string name_;
  bool ok_ = false;
};

std::string RunCmd(const std::string& cmd) {
  std::string out;
  FILE* f = popen((cmd + " 2>&1").c_str(), "r");
  if (f == nullptr) {
    return out;
  }
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
    out.append(buf, n);
  }
  pclose(f);
  return out;
}

bool Contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

class PodNetworkPrivilegedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) {
      GTEST_SKIP() << "needs root (network namespaces)";
    }
    node_ = std::make_unique<TestNetns>("node");
    ASSERT_TRUE(node_->ok()) << "cannot create netns";
  }

  PodNetworkConfig PodConfig(const TestNetns& pod, std::string_view pod_name, std::string_view ip,
                             uint32_t table) {
    PodNetworkConfig cfg;
    cfg.netns_path = pod.path();
    cfg.host_veth_name = HostVethName("eni", "default", pod_name);
    cfg.pod_ip = Ip(ip);
    cfg.mtu = 9001;
    cfg.route_table = table;
    return cfg;
  }

  std::unique_ptr<TestNetns> node_;
};

TEST_F(PodNetworkPrivilegedTest, WireTwoPodsPingTeardownAndCheck) {
  TestNetns pod1("pod");
  TestNetns pod2("pod");
  ASSERT_TRUE(pod1.ok() && pod2.ok());
  ASSERT_OK_AND_ASSIGN(auto node_ns, Netns::OpenByName(node_->name()));
  ASSERT_OK_AND_ASSIGN(auto in_node, ScopedNetns::Enter(node_ns));
  netlink::ProcSysctl sysctl;
  ASSERT_OK(sysctl.Write("net/ipv4/ip_forward", "1"));

  auto cfg1 = PodConfig(pod1, "web-1", "10.0.0.5", netlink::kTableMain);
  auto cfg2 = PodConfig(pod2, "web-2", "10.0.1.6", 2);
  ASSERT_OK_AND_ASSIGN(auto res1, SetupPodNetwork(cfg1));
  ASSERT_OK_AND_ASSIGN(auto res2, SetupPodNetwork(cfg2));
  EXPECT_EQ(res1.host_veth_name, HostVethName("eni", "default", "web-1"));
  EXPECT_EQ(res1.container_ifname, "eth0");
  ASSERT_OK(CheckPodNetwork(cfg1));
  ASSERT_OK(CheckPodNetwork(cfg2));

  // Observed with iproute2 as well.
  std::string n = "ip -n " + node_->name() + " ";
  std::string rules = RunCmd(n + "rule");
  EXPECT_TRUE(Contains(rules, "512:\tfrom all to 10.0.0.5 lookup main")) << rules;
  EXPECT_TRUE(Contains(rules, "512:\tfrom all to 10.0.1.6 lookup main")) << rules;
  EXPECT_TRUE(Contains(rules, "1536:\tfrom 10.0.1.6 lookup 2")) << rules;
  EXPECT_FALSE(Contains(rules, "1536:\tfrom 10.0.0.5")) << rules;
  std::string routes = RunCmd(n + "route");
  EXPECT_TRUE(Contains(routes, "10.0.0.5 dev " + res1.host_veth_name + " scope link")) << routes;
  std::string pod_routes = RunCmd("ip -n " + pod1.name() + " route");
  EXPECT_TRUE(Contains(pod_routes, "default via 169.254.1.1 dev eth0")) << pod_routes;
  EXPECT_TRUE(Contains(pod_routes, "169.254.1.1 dev eth0 scope link")) << pod_routes;
  std::string neigh = RunCmd("ip -n " + pod1.name() + " neigh");
  EXPECT_TRUE(Contains(
      neigh, "169.254.1.1 dev eth0 lladdr " + res1.host_veth_mac.ToString() + " PERMANENT"))
      << neigh;
  std::string link = RunCmd("ip -n " + pod1.name() + " link show eth0");
  EXPECT_TRUE(Contains(link, "mtu 9001")) << link;
  EXPECT_EQ(*sysctl.Read("net/ipv6/conf/" + res1.host_veth_name + "/accept_ra"), "0");

  // Pod to pod through the node namespace.
  std::string ping = RunCmd("ip netns exec " + pod1.name() + " ping -c 1 -W 2 10.0.1.6");
  EXPECT_TRUE(Contains(ping, "1 received")) << ping;

  // DEL: rules and route go, veth stays; twice.
  PodTeardownConfig td{cfg2.pod_ip, cfg2.host_veth_name, cfg2.netns_path};
  ASSERT_OK(TeardownPodNetwork(td));
  ASSERT_OK(TeardownPodNetwork(td));
  rules = RunCmd(n + "rule");
  EXPECT_FALSE(Contains(rules, "10.0.1.6")) << rules;
  routes = RunCmd(n + "route");
  EXPECT_FALSE(Contains(routes, "10.0.1.6")) << routes;
  EXPECT_TRUE(Contains(RunCmd(n + "link show " + cfg2.host_veth_name), cfg2.host_veth_name));
  auto check2 = CheckPodNetwork(cfg2);
  ASSERT_FALSE(check2.has_value());
  EXPECT_EQ(check2.error().code, ErrorCode::kNotFound);

  // CHECK detects a missing host route.
  RunCmd(n + "route del 10.0.0.5/32");
  auto check1 = CheckPodNetwork(cfg1);
  ASSERT_FALSE(check1.has_value());
  EXPECT_EQ(check1.error().message,
            "host route 10.0.0.5/32 dev " + cfg1.host_veth_name + " missing");
  // ADD again repairs (deletes the stale veth and recreates everything).
  ASSERT_OK(SetupPodNetwork(cfg1));
  ASSERT_OK(CheckPodNetwork(cfg1));
}

TEST_F(PodNetworkPrivilegedTest, TeardownToleratesMissingNetnsAndObjects) {
  ASSERT_OK_AND_ASSIGN(auto node_ns, Netns::OpenByName(node_->name()));
  ASSERT_OK_AND_ASSIGN(auto in_node, ScopedNetns::Enter(node_ns));
  PodTeardownConfig td{Ip("10.0.0.77"), "eninotthere1", "/run/netns/does-not-exist"};
  ASSERT_OK(TeardownPodNetwork(td));
  PodNetworkConfig cfg;
  cfg.netns_path = "/run/netns/does-not-exist";
  cfg.host_veth_name = "eninotthere1";
  cfg.pod_ip = Ip("10.0.0.77");
  EXPECT_ERROR_CODE(SetupPodNetwork(cfg), ErrorCode::kNotFound);
  EXPECT_ERROR_CODE(CheckPodNetwork(cfg), ErrorCode::kNotFound);
}

TEST_F(PodNetworkPrivilegedTest, Ipv6Pod) {
  TestNetns pod("pod6");
  ASSERT_TRUE(pod.ok());
  ASSERT_OK_AND_ASSIGN(auto node_ns, Netns::OpenByName(node_->name()));
  ASSERT_OK_AND_ASSIGN(auto in_node, ScopedNetns::Enter(node_ns));
  auto cfg = PodConfig(pod, "v6-pod", "2600:1f14::5", netlink::kTableMain);
  ASSERT_OK(SetupPodNetwork(cfg));
  ASSERT_OK(CheckPodNetwork(cfg));
  std::string r = RunCmd("ip -n " + pod.name() + " -6 route");
  EXPECT_TRUE(Contains(r, "default via fe80::1 dev eth0")) << r;
  std::string a = RunCmd("ip -n " + pod.name() + " -6 addr show dev eth0");
  EXPECT_TRUE(Contains(a, "2600:1f14::5/128 scope global nodad \n")) << a;  // no DAD wait
}

TEST_F(PodNetworkPrivilegedTest, ThirtyPodsFromEightThreads) {
  constexpr int kPods = 30;
  constexpr int kThreads = 8;
  std::vector<std::unique_ptr<TestNetns>> pods;
  for (int i = 0; i < kPods; ++i) {
    pods.push_back(std::make_unique<TestNetns>("cc"));
    ASSERT_TRUE(pods.back()->ok());
  }
  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  std::vector<std::string> errors(kPods);
  std::vector<std::string> names(kPods);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      auto node_ns = Netns::OpenByName(node_->name());
      if (!node_ns) {
        failures++;
        return;
      }
      auto in_node = ScopedNetns::Enter(*node_ns);
      if (!in_node) {
        failures++;
        return;
      }
      for (int i = next++; i < kPods; i = next++) {
        auto cfg = PodConfig(*pods[i], fmt::format("pod-{}", i),
                             fmt::format("10.1.{}.{}", i / 200, 10 + i % 200), 2 + i % 3);
        auto r = SetupPodNetwork(cfg);
        if (!r) {
          errors[i] = r.error().ToString();
          failures++;
        } else {
          names[i] = r->host_veth_name;
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  ASSERT_EQ(failures.load(), 0) << errors[0];
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), size_t{kPods});
  ASSERT_OK_AND_ASSIGN(auto node_ns, Netns::OpenByName(node_->name()));
  ASSERT_OK_AND_ASSIGN(auto ops, netlink::RtnlOps::OpenInNetns(node_ns));
  ASSERT_OK_AND_ASSIGN(auto routes, ops.ListRoutes(netlink::kFamilyV4, netlink::kTableMain));
  int pod_routes = 0;
  for (const auto& r : routes) {
    pod_routes += (r.dst.len == 32 && r.scope == netlink::kScopeLink) ? 1 : 0;
  }
  EXPECT_EQ(pod_routes, kPods);
  ASSERT_OK_AND_ASSIGN(auto rules, ops.ListRules(netlink::kFamilyV4));
  EXPECT_EQ(PodRulesFromObserved(rules).size(), size_t{kPods});
  int from_rules = 0;
  for (const auto& r : rules) {
    from_rules += r.priority == kPrioPodFromRule ? 1 : 0;
  }
  EXPECT_EQ(from_rules, kPods);
}

TEST_F(PodNetworkPrivilegedTest, HostNetworkForTwoEnis) {
  ASSERT_OK_AND_ASSIGN(auto node_ns, Netns::OpenByName(node_->name()));
  ASSERT_OK_AND_ASSIGN(auto in_node, ScopedNetns::Enter(node_ns));
  ASSERT_OK_AND_ASSIGN(auto ops, netlink::RtnlOps::Open());
  auto mac0 = *net::MacAddress::Parse("0a:00:00:00:01:01");
  auto mac1 = *net::MacAddress::Parse("0a:00:00:00:01:02");
  // ENIs stand in as veth pairs (this kernel has no dummy/vlan link types).
  ASSERT_OK_AND_ASSIGN(auto eth0,
                       ops.CreateVeth({"eth0", mac0, 1500, "eth0p", std::nullopt, 1500, -1}));
  ASSERT_OK(ops.CreateVeth({"eth1", mac1, 1500, "eth1p", std::nullopt, 1500, -1}));
  ASSERT_OK(ops.SetLinkUp(eth0.index, true));
  ASSERT_OK(ops.AddAddress({eth0.index, *netlink::IpPrefix::Parse("10.0.0.10/24"), 0, 0}));
  HostNetworkConfig cfg;
  cfg.enis.push_back(
      {mac0, 0, 0, true, false, *netlink::IpPrefix::Parse("10.0.0.10/24"), std::nullopt});
  cfg.enis.push_back(
      {mac1, 1, 0, false, false, *netlink::IpPrefix::Parse("10.0.1.20/24"), std::nullopt});
  cfg.external_service_cidrs.push_back(*netlink::IpPrefix::Parse("172.16.0.0/16"));
  netlink::ProcSysctl sysctl;
  HostNetworkApplier applier(ops, sysctl);
  ASSERT_OK(applier.Apply(cfg));
  std::string n = "ip -n " + node_->name() + " ";
  std::string rules = RunCmd(n + "rule");
  EXPECT_TRUE(Contains(rules, "1024:\tfrom all fwmark 0x80/0x80 lookup main")) << rules;
  EXPECT_TRUE(Contains(rules, "1535:\tfrom all to 172.16.0.0/16 lookup main")) << rules;
  EXPECT_TRUE(Contains(rules, "32765:\tfrom 10.0.1.20 lookup 2")) << rules;
  std::string t2 = RunCmd(n + "route show table 2");
  EXPECT_TRUE(Contains(t2, "default via 10.0.1.1 dev eth1")) << t2;
  EXPECT_TRUE(Contains(t2, "10.0.1.1 dev eth1 scope link")) << t2;
  std::string main = RunCmd(n + "route show table main");
  EXPECT_FALSE(Contains(main, "10.0.1.0/24")) << main;
  EXPECT_TRUE(Contains(RunCmd(n + "link show eth1"), "mtu 9001"));
  EXPECT_EQ(*sysctl.Read("net/ipv4/conf/eth0/rp_filter"), "2");
  // Second run: nothing to do.
  ASSERT_OK_AND_ASSIGN(auto plan, applier.Apply(cfg));
  EXPECT_TRUE(plan.ops.empty()) << netlink::OpsToString(plan.ops);
}

}  // namespace
}  // namespace vpccni::node
