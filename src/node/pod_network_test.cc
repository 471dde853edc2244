#include "node/pod_network.h"

#include <cerrno>

#include <gtest/gtest.h>

#include "netlink/fake_netlink.h"
#include "node/names.h"
#include "testing/result_matchers.h"

namespace vpccni::node {
namespace {

using netlink::FakeKernel;
using netlink::FakeNetlink;
using netlink::FakeSysctl;
using netlink::OpsToString;

net::IpAddress Ip(std::string_view s) {
  return *net::IpAddress::Parse(s);
}

net::MacAddress Mac(std::string_view s) {
  return *net::MacAddress::Parse(s);
}

PodNetworkConfig V4Config() {
  PodNetworkConfig cfg;
  cfg.netns_path = "/var/run/netns/cni-1234";
  cfg.host_veth_name = HostVethName("eni", "default", "sample-pod");
  cfg.pod_ip = Ip("10.0.0.5");
  cfg.mtu = 9001;
  cfg.route_table = 2;
  return cfg;
}

TEST(PodNetworkSpec, ContainerOpsGolden) {
  auto ops = PodContainerOps(V4Config(), 2, Mac("02:aa:bb:cc:dd:ee"));
  EXPECT_EQ(OpsToString(ops),
            "link set dev #2 up\n"
            "addr add 10.0.0.5/32 dev #2\n"
            "route replace 169.254.1.1/32 dev #2 scope link table main\n"
            "route replace default via 169.254.1.1 dev #2 table main\n"
            "neigh replace 169.254.1.1 lladdr 02:aa:bb:cc:dd:ee dev #2 permanent\n");
}

TEST(PodNetworkSpec, ContainerOpsIpv6ExtraInterfaceGolden) {
  PodNetworkConfig cfg = V4Config();
  cfg.pod_ip = Ip("2600:1f14::5");
  cfg.interface_index = 1;
  cfg.container_ifname = ContainerIfName("eth0", 1);
  auto ops = PodContainerOps(cfg, 3, Mac("02:aa:bb:cc:dd:ee"));
  EXPECT_EQ(OpsToString(ops),
            "link set dev #3 up\n"
            "addr add 2600:1f14::5/128 dev #3 nodad\n"
            "route replace fe80::2/128 dev #3 scope link table 1\n"
            "route replace -6 default via fe80::2 dev #3 table 1\n"
            "neigh replace fe80::2 lladdr 02:aa:bb:cc:dd:ee dev #3 permanent\n"
            "rule add -6 prio 1 from 2600:1f14::5/128 lookup 1\n");
}

TEST(PodNetworkSpec, HostOpsGolden) {
  EXPECT_EQ(OpsToString(PodHostOps(V4Config(), 7)),
            "link set dev #7 up\n"
            "route replace 10.0.0.5/32 dev #7 scope link table main\n"
            "rule add prio 512 to 10.0.0.5/32 lookup main\n"
            "rule del prio 1536 from 10.0.0.5/32\n"
            "rule add prio 1536 from 10.0.0.5/32 lookup 2\n");
  PodNetworkConfig main_table = V4Config();
  main_table.route_table = netlink::kTableMain;
  EXPECT_EQ(OpsToString(PodHostOps(main_table, 7)),
            "link set dev #7 up\n"
            "route replace 10.0.0.5/32 dev #7 scope link table main\n"
            "rule add prio 512 to 10.0.0.5/32 lookup main\n"
            "rule del prio 1536 from 10.0.0.5/32\n");
}

TEST(PodNetworkSpec, TeardownOpsGolden) {
  EXPECT_EQ(OpsToString(PodTeardownOps(Ip("10.0.0.5"), 7, 1)),
            "rule del prio 512 to 10.0.0.5/32 lookup main\n"
            "rule del prio 1536 from 10.0.0.5/32\n"
            "rule del prio 1536 from 10.0.0.5/32\n"
            "route del 10.0.0.5/32 dev #7 table main\n");
}

TEST(PodNetworkSpec, GatewayAndSysctls) {
  EXPECT_EQ(PodGateway(false, 0).ToString(), "169.254.1.1");
  EXPECT_EQ(PodGateway(false, 2).ToString(), "169.254.1.3");
  EXPECT_EQ(PodGateway(true, 0).ToString(), "fe80::1");
  auto s = HostVethSysctls("eni123", false);
  ASSERT_EQ(s.size(), 3U);
  EXPECT_EQ(s[0].key, "net/ipv6/conf/eni123/accept_ra");
  EXPECT_EQ(s[0].value, "0");
  EXPECT_EQ(s[1].key, "net/ipv6/conf/eni123/accept_redirects");
  EXPECT_EQ(s[1].value, "1");
  EXPECT_EQ(s[2].key, "net/ipv6/conf/eni123/forwarding");
  EXPECT_EQ(s[2].value, "0");
  auto v6 = HostVethSysctls("eni123", true);
  ASSERT_EQ(v6.size(), 4U);
  EXPECT_EQ(v6[3].key, "net/ipv6/conf/eni123/accept_dad");
  EXPECT_EQ(v6[3].value, "0");
}

TEST(PodNetworkSpec, RandomMacIsLocalUnicast) {
  SeededRng rng(42);
  for (int i = 0; i < 100; ++i) {
    auto m = RandomLocalMac(rng);
    EXPECT_EQ(m.Bytes()[0] & 0x03, 0x02) << m.ToString();
  }
}

class PodNetworkFakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pod_ns_ = kernel_.AddNamespace();
    pod_ = std::make_unique<FakeNetlink>(kernel_, pod_ns_);
    pod_sysctl_ = std::make_unique<FakeSysctl>(kernel_, pod_ns_);
    env_.host = &host_;
    env_.pod = pod_.get();
    env_.host_sysctl = &host_sysctl_;
    env_.pod_sysctl = pod_sysctl_.get();
    env_.pod_netns_fd = pod_ns_;
    env_.random_mac = [] {
      return Mac("02:aa:bb:cc:dd:ee");
    };
  }

  std::vector<std::string> HostRules() {
    std::vector<std::string> out;
    auto rules = host_.ListRules(netlink::kFamilyV4);
    for (const auto& r : *rules) {
      if (r.priority == 512 || r.priority == 1536) {
        out.push_back(r.ToString());
      }
    }
    return out;
  }

  FakeKernel kernel_;
  int pod_ns_ = 0;
  FakeNetlink host_{kernel_, 0};
  FakeSysctl host_sysctl_{kernel_, 0};
  std::unique_ptr<FakeNetlink> pod_;
  std::unique_ptr<FakeSysctl> pod_sysctl_;
  PodNetworkEnv env_;
};

TEST_F(PodNetworkFakeTest, SetupWiresBothNamespacesInFourRoundTrips) {
  int before = kernel_.round_trips();
  ASSERT_OK_AND_ASSIGN(auto res, SetupPodNetwork(V4Config(), env_));
  EXPECT_LE(kernel_.round_trips() - before, 4);
  EXPECT_EQ(res.host_veth_name, "enicc21c2d7785");
  EXPECT_EQ(res.host_veth_mac, Mac("02:aa:bb:cc:dd:ee"));
  EXPECT_EQ(res.container_ifname, "eth0");
  EXPECT_EQ(res.sandbox, "/var/run/netns/cni-1234");

  ASSERT_OK_AND_ASSIGN(auto host_link, host_.GetLinkByName("enicc21c2d7785"));
  EXPECT_TRUE(host_link.IsUp());
  EXPECT_EQ(host_link.mtu, 9001U);
  ASSERT_OK_AND_ASSIGN(auto eth0, pod_->GetLinkByName("eth0"));
  EXPECT_TRUE(eth0.IsUp());
  EXPECT_EQ(eth0.mac, res.container_mac);
  auto& pod_state = kernel_.ns(pod_ns_);
  ASSERT_EQ(pod_state.addresses.size(), 1U);
  EXPECT_EQ(pod_state.addresses[0].prefix.ToString(), "10.0.0.5/32");
  ASSERT_EQ(pod_state.neighbors.size(), 1U);
  EXPECT_EQ(pod_state.neighbors[0].mac, Mac("02:aa:bb:cc:dd:ee"));
  EXPECT_EQ(pod_state.routes.size(), 2U);
  auto host_routes = *host_.ListRoutes(netlink::kFamilyV4, netlink::kTableMain);
  ASSERT_EQ(host_routes.size(), 1U);
  EXPECT_EQ(host_routes[0].oif, host_link.index);
  EXPECT_EQ(HostRules(), (std::vector<std::string>{"prio 512 to 10.0.0.5/32 lookup main",
                                                   "prio 1536 from 10.0.0.5/32 lookup 2"}));
  EXPECT_EQ(*host_sysctl_.Read("net/ipv6/conf/enicc21c2d7785/accept_ra"), "0");
  EXPECT_EQ(*host_sysctl_.Read("net/ipv6/conf/enicc21c2d7785/accept_redirects"), "1");
  ASSERT_OK(CheckPodNetwork(V4Config(), env_));
}

TEST_F(PodNetworkFakeTest, StaleHostLinkIsReplaced) {
  ASSERT_OK(host_.CreateDummy({"enicc21c2d7785", std::nullopt, 0}));
  ASSERT_OK(SetupPodNetwork(V4Config(), env_));
  ASSERT_OK_AND_ASSIGN(auto l, host_.GetLinkByName("enicc21c2d7785"));
  EXPECT_EQ(l.kind, "veth");
}

TEST_F(PodNetworkFakeTest, ContainerIfnameTakenIsAlreadyExists) {
  ASSERT_OK(pod_->CreateDummy({"eth0", std::nullopt, 0}));
  EXPECT_ERROR_CODE(SetupPodNetwork(V4Config(), env_), ErrorCode::kAlreadyExists);
  EXPECT_ERROR_CODE(host_.GetLinkByName("enicc21c2d7785"), ErrorCode::kNotFound);
}

TEST_F(PodNetworkFakeTest, FailureAfterVethRemovesIt) {
  kernel_.FailNextOp(netlink::OpKind::kRuleAdd, EPERM);
  auto r = SetupPodNetwork(V4Config(), env_);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied);
  EXPECT_ERROR_CODE(host_.GetLinkByName("enicc21c2d7785"), ErrorCode::kNotFound);
  EXPECT_ERROR_CODE(pod_->GetLinkByName("eth0"), ErrorCode::kNotFound);
  // A retry succeeds from a clean state.
  ASSERT_OK(SetupPodNetwork(V4Config(), env_));
}

TEST_F(PodNetworkFakeTest, InvalidConfigIsRejected) {
  PodNetworkConfig cfg = V4Config();
  cfg.host_veth_name = "a-name-that-is-too-long";
  EXPECT_ERROR_CODE(SetupPodNetwork(cfg, env_), ErrorCode::kInvalidArgument);
  cfg = V4Config();
  cfg.mtu = 100;
  EXPECT_ERROR_CODE(SetupPodNetwork(cfg, env_), ErrorCode::kInvalidArgument);
  cfg = V4Config();
  cfg.pod_ip = Ip("0.0.0.0");
  EXPECT_ERROR_CODE(SetupPodNetwork(cfg, env_), ErrorCode::kInvalidArgument);
}

TEST_F(PodNetworkFakeTest, TeardownRemovesRulesAndRouteButKeepsVethIdempotently) {
  ASSERT_OK(SetupPodNetwork(V4Config(), env_));
  // An older layout left extra 1536 rules for the same IP.
  for (uint32_t t : {3U, 4U, 5U}) {
    netlink::Rule r;
    r.priority = 1536;
    r.src = netlink::IpPrefix::Host(Ip("10.0.0.5"));
    r.table = t;
    ASSERT_OK(host_.AddRule(r));
  }
  PodTeardownConfig td{Ip("10.0.0.5"), "enicc21c2d7785", ""};
  ASSERT_OK(TeardownPodNetwork(td, host_));
  EXPECT_TRUE(HostRules().empty());
  EXPECT_TRUE(host_.ListRoutes(netlink::kFamilyV4, netlink::kTableMain)->empty());
  EXPECT_OK(host_.GetLinkByName("enicc21c2d7785"));
  ASSERT_OK(TeardownPodNetwork(td, host_));
  // Without a veth name, and when nothing exists at all.
  ASSERT_OK(TeardownPodNetwork({Ip("10.0.0.9"), "", ""}, host_));
}

TEST_F(PodNetworkFakeTest, CheckNamesWhatIsWrong) {
  ASSERT_OK_AND_ASSIGN(auto res, SetupPodNetwork(V4Config(), env_));
  ASSERT_OK(host_.DeleteRoute(PodHostRoute(Ip("10.0.0.5"), res.host_veth_index)));
  auto r = CheckPodNetwork(V4Config(), env_);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(r.error().message, "host route 10.0.0.5/32 dev enicc21c2d7785 missing");
  // Re-running ADD repairs it.
  ASSERT_OK(SetupPodNetwork(V4Config(), env_));
  ASSERT_OK(CheckPodNetwork(V4Config(), env_));

  netlink::Neighbor n;
  n.index = res.container_index;
  n.ip = Ip("169.254.1.1");
  ASSERT_OK_AND_ASSIGN(auto eth0, pod_->GetLinkByName("eth0"));
  n.index = eth0.index;
  ASSERT_OK(pod_->DeleteNeighbor(n));
  r = CheckPodNetwork(V4Config(), env_);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("pod neighbour 169.254.1.1"), std::string::npos)
      << r.error().message;

  PodNetworkConfig other = V4Config();
  other.route_table = 3;
  ASSERT_OK(SetupPodNetwork(V4Config(), env_));
  r = CheckPodNetwork(other, env_);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "host rule prio 1536 from 10.0.0.5/32 lookup 3 missing");
}

TEST_F(PodNetworkFakeTest, Ipv6PodEnablesIpv6InPod) {
  PodNetworkConfig cfg = V4Config();
  cfg.pod_ip = Ip("2600:1f14::5");
  cfg.route_table = netlink::kTableMain;
  ASSERT_OK(SetupPodNetwork(cfg, env_));
  EXPECT_EQ(*pod_sysctl_->Read("net/ipv6/conf/eth0/disable_ipv6"), "0");
  ASSERT_OK(CheckPodNetwork(cfg, env_));
}

}  // namespace
}  // namespace vpccni::node
