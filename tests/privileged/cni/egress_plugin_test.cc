// The REAL egress-cni binary (label privileged, root) in a throw-away node netns: IPv4 egress
// for an IPv6-cluster pod with SNAT proven by a TCP connection to an "outside" netns that must
// see the node's address; IPv6 egress wiring for an IPv4-cluster pod; DEL idempotency and the
// flock'ed IPAM state.
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "netlink/netns.h"
#include "plugin_runner.h"
#include "testing/result_matchers.h"
#include "testing/temp_dir.h"

namespace vpccni::cnitest {
namespace {

using nlohmann::json;

std::string EgressPath() {
  return std::string(VPCCNI_BINARY_DIR) + "/bin/egress-cni";
}

class EgressPluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) {
      GTEST_SKIP() << "needs root (network namespaces, nftables)";
    }
    ASSERT_EQ(::access(EgressPath().c_str(), X_OK), 0);
    std::string base = "vpccni-egt-" + std::to_string(::getpid());
    node_ = base + "-n";
    pod_ = base + "-p";
    ext_ = base + "-x";
    for (const auto& ns : {node_, pod_, ext_}) {
      ASSERT_OK(netlink::Netns::CreateNamed(ns));
    }
  }

  void TearDown() override {
    for (const auto& ns : {pod_, ext_, node_}) {
      if (!ns.empty()) {
        (void)netlink::Netns::DeleteNamed(ns);
      }
    }
  }

  std::string Conf(bool v4, const json& prev, const std::string& node_ip) {
    json j = {
        {"cniVersion", "1.0.0"},
        {"name", "aws-cni"},
        {"type", "egress-cni"},
        {"mtu", "9001"},
        {"enabled", "true"},
        {"randomizeSNAT", "prng"},
        {"nodeIP", node_ip},
        {"ipam",
         {{"ranges",
           json::array({json::array({{{"subnet", v4 ? "169.254.172.0/22" : "fd00::ac:00/118"}}})})},
          {"routes", json::array({{{"dst", v4 ? "0.0.0.0/0" : "::/0"}}})},
          {"dataDir", dir_.path()}}}};
    if (!prev.is_null()) {
      j["prevResult"] = prev;
    }
    return j.dump();
  }

  PluginRun Run(const std::string& cmd, const std::string& conf, const std::string& netns) {
    return RunPlugin(EgressPath(),
                     {{"CNI_COMMAND", cmd},
                      {"CNI_CONTAINERID", "egress-ctr"},
                      {"CNI_NETNS", netns.empty() ? "" : "/var/run/netns/" + netns},
                      {"CNI_IFNAME", "eth0"},
                      {"CNI_PATH", "/opt/cni/bin"}},
                     conf, "/var/run/netns/" + node_);
  }

  // Wires the node to the outside namespace: up0 (node_addr) <-> down0 (ext_addr), both up
  // (IPv6 addresses without DAD). Returns the shell status.
  int LinkOutside(const std::string& node_addr, const std::string& ext_addr) {
    const std::string nodad = node_addr.find(':') != std::string::npos ? " nodad" : "";
    return Sh("ip -n " + node_ + " link add up0 type veth peer name down0 netns " + ext_ +
              " && ip -n " + node_ + " addr add " + node_addr + " dev up0" + nodad + " && ip -n " +
              node_ + " link set up0 up && ip -n " + ext_ + " addr add " + ext_addr + " dev down0" +
              nodad + " && ip -n " + ext_ + " link set down0 up && ip -n " + ext_ +
              " link set lo up");
  }

  // Connects from the pod to a TCP server in the outside namespace on `server_ip`; returns the
  // source address the server saw ("" when no connection was made within 5 s).
  std::string PeerSeenOutside(const std::string& server_ip, int port) {
    const bool v6 = server_ip.find(':') != std::string::npos;
    std::string peer_file = dir_.File("peer-" + std::to_string(port));
    std::string server = "ip netns exec " + ext_ + " timeout 10 python3 -c \"import socket;" +
                         "s=socket.socket(socket." + (v6 ? "AF_INET6" : "AF_INET") + ");" +
                         "s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);" + "s.bind(('" +
                         server_ip + "'," + std::to_string(port) + "));s.listen(1);" +
                         "c,a=s.accept();open('" + peer_file + "','w').write(a[0])\" &";
    if (Sh(server) != 0) {
      return "";
    }
    int connected = 1;
    for (int i = 0; i < 50 && connected != 0; ++i) {
      connected = Sh("ip netns exec " + pod_ + " python3 -c \"import socket;" +
                     "socket.create_connection(('" + server_ip + "'," + std::to_string(port) +
                     "),1)\" 2>/dev/null");
      if (connected != 0) {
        ::usleep(100000);
      }
    }
    std::string peer;
    for (int i = 0; connected == 0 && i < 50 && peer.empty(); ++i) {
      std::ifstream in(peer_file);
      std::getline(in, peer);
      if (peer.empty()) {
        ::usleep(100000);
      }
    }
    return peer;
  }

  testing::TempDir dir_;
  std::string node_, pod_, ext_;
  // The pod's VPC side as vpc-cni would have reported it (an IPv6 cluster pod).
  json prev_v6_ = json::parse(R"({"cniVersion":"1.0.0",
      "interfaces":[{"name":"eni0123456789a"},{"name":"eth0","sandbox":"/x"}],
      "ips":[{"address":"2600:1f13::5/128","interface":1}]})");
};

TEST_F(EgressPluginTest, Ipv4EgressIsSnatedToTheNode) {
  // node <-> outside link: the node's IPv4 is 192.0.2.1.
  ASSERT_EQ(LinkOutside("192.0.2.1/24", "192.0.2.2/24"), 0);
  PluginRun add = Run("ADD", Conf(true, prev_v6_, "192.0.2.1"), pod_);
  ASSERT_EQ(add.exit_code, 0) << add.out << add.err;
  ASSERT_EQ(add.json["interfaces"].size(), 4u);
  EXPECT_EQ(add.json["interfaces"][3]["name"], "v4if0");
  EXPECT_EQ(add.json["ips"].size(), 1u);
  auto addrs = IpJson(pod_, "-4 addr show dev v4if0");
  ASSERT_EQ(addrs.size(), 1u);
  EXPECT_EQ(addrs[0]["addr_info"][0]["local"], "169.254.172.2");
  EXPECT_EQ(Sh("ip netns exec " + node_ +
               " nft list table ip vpccni-egress | grep -q "
               "'169.254.172.2 : jump snat-169-254-172-2'"),
            0);
  // A TCP connection from the pod's egress address reaches the outside as the node.
  EXPECT_EQ(PeerSeenOutside("192.0.2.2", 18080), "192.0.2.1")
      << "egress must be SNATed to the node address";

  json final_result = add.json;
  EXPECT_EQ(Run("CHECK", Conf(true, final_result, "192.0.2.1"), pod_).exit_code, 0);
  PluginRun del = Run("DEL", Conf(true, final_result, "192.0.2.1"), pod_);
  EXPECT_EQ(del.exit_code, 0) << del.out << del.err;
  EXPECT_NE(Sh("ip netns exec " + node_ +
               " nft list table ip vpccni-egress | grep -q "
               "169.254.172.2"),
            0);
  PluginRun del2 = Run("DEL", Conf(true, nullptr, "192.0.2.1"), "");
  EXPECT_EQ(del2.exit_code, 0) << del2.out;
  std::ifstream state(dir_.File("aws-cni/state.json"));
  std::stringstream ss;
  ss << state.rdbuf();
  EXPECT_EQ(ss.str().find("egress-ctr"), std::string::npos) << ss.str();
}

TEST_F(EgressPluginTest, Ipv6EgressForIpv4ClusterPods) {
  json prev_v4 = json::parse(R"({"cniVersion":"1.0.0",
      "interfaces":[{"name":"eni0123456789a"},{"name":"eth0","sandbox":"/x"}],
      "ips":[{"address":"10.0.0.5/32","interface":1}]})");
  // node <-> outside link: the node's IPv6 is 2001:db8::1.
  ASSERT_EQ(LinkOutside("2001:db8::1/64", "2001:db8::2/64"), 0);
  PluginRun add = Run("ADD", Conf(false, prev_v4, "2001:db8::1"), pod_);
  ASSERT_EQ(add.exit_code, 0) << add.out << add.err;
  EXPECT_EQ(add.json["interfaces"][3]["name"], "v6if0");
  bool found = false;
  for (const auto& a : IpJson(pod_, "-6 addr show dev v6if0")) {
    for (const auto& i : a["addr_info"]) {
      found |= i["local"] == "fd00::ac:2";
    }
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(Sh("ip netns exec " + node_ +
               " nft list table ip6 vpccni-egress | grep -q "
               "'snat to 2001:db8::1 fully-random'"),
            0);
  // A TCP connection from the pod's IPv6 egress address reaches the outside as the node.
  EXPECT_EQ(PeerSeenOutside("2001:db8::2", 18081), "2001:db8::1")
      << "IPv6 egress must be SNATed to the node address";
  EXPECT_EQ(Run("DEL", Conf(false, add.json, "2001:db8::1"), pod_).exit_code, 0);
}

TEST_F(EgressPluginTest, DisabledIsPassThrough) {
  json conf = json::parse(Conf(true, prev_v6_, "192.0.2.1"));
  conf["enabled"] = "false";
  PluginRun add = Run("ADD", conf.dump(), pod_);
  ASSERT_EQ(add.exit_code, 0) << add.out;
  EXPECT_EQ(add.json["interfaces"].size(), 2u);
  EXPECT_EQ(IpJson(pod_, "link show").size(), 1u);
}

}  // namespace
}  // namespace vpccni::cnitest
