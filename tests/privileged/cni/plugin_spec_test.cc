// CNI spec tests of the REAL vpc-cni binary (label privileged, root): every verb in every
// supported cniVersion, chained prevResult, double DEL, DEL and ADD with ipamd stopped,
// malformed input, GC/STATUS and 30 concurrent ADDs. The plugin runs inside a throw-away "node"
// netns and talks over a real Unix socket to an in-process rpc::UnixServer serving
// DatastoreIpamService (a real ipam::Datastore). tests/e2e/cni runs it against the real ipamd.
#include <unistd.h>

#include <atomic>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "datastore_ipam_service.h"
#include "netlink/netns.h"
#include "plugin_runner.h"
#include "rpc/unix_server.h"
#include "testing/result_matchers.h"
#include "testing/temp_dir.h"

namespace vpccni::cnitest {
namespace {

using nlohmann::json;

std::string PluginPath() { return std::string(VPCCNI_BINARY_DIR) + "/bin/vpc-cni"; }

class PluginSpecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) {
      GTEST_SKIP() << "needs root (network namespaces)";
    }
    ASSERT_EQ(::access(PluginPath().c_str(), X_OK), 0) << PluginPath() << " not built";
    node_ = "vpccni-cnit-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++);
    ASSERT_OK(netlink::Netns::CreateNamed(node_));
    socket_ = dir_.File("ipamd.sock");
    ASSERT_OK_AND_ASSIGN(service_, DatastoreIpamService::Create("10.0.0.10", 100));
    StartServer();
  }

  void TearDown() override {
    if (server_) {
      server_->Shutdown();
    }
    for (const auto& p : pods_) {
      (void)netlink::Netns::DeleteNamed(p);
    }
    if (!node_.empty()) {
      (void)netlink::Netns::DeleteNamed(node_);
    }
  }

  void StartServer() {
    rpc::UnixServerOptions opts;
    opts.path = socket_;
    auto s = rpc::UnixServer::Start(service_.get(), opts);
    ASSERT_TRUE(s.has_value()) << s.error().ToString();
    server_ = std::move(*s);
  }
  void StopServer() {
    server_->Shutdown();
    server_.reset();
  }

  std::string NewPod() {
    std::string name = node_ + "-p" + std::to_string(pods_.size());
    EXPECT_OK(netlink::Netns::CreateNamed(name));
    pods_.push_back(name);
    return name;
  }

  std::string Conf(const std::string& version, const json& prev = nullptr,
                   const json& extra = json::object()) {
    json j{{"cniVersion", version}, {"name", "aws-cni"},   {"type", "vpc-cni"},
           {"vethPrefix", "eni"},   {"mtu", "9001"},       {"pluginLogLevel", "debug"},
           {"ipamdSocket", socket_}};
    if (!prev.is_null()) {
      j["prevResult"] = prev;
    }
    for (const auto& [k, v] : extra.items()) {
      j[k] = v;
    }
    return j.dump();
  }

  PluginRun Run(const std::string& cmd, const std::string& cid, const std::string& pod_ns,
                const std::string& conf, const std::string& pod_name = "web") {
    std::map<std::string, std::string> env{{"CNI_COMMAND", cmd}, {"CNI_PATH", "/opt/cni/bin"}};
    if (!cid.empty()) {
      env["CNI_CONTAINERID"] = cid;
      env["CNI_IFNAME"] = "eth0";
      env["CNI_NETNS"] = pod_ns.empty() ? "" : "/var/run/netns/" + pod_ns;
      env["CNI_ARGS"] = "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=" + pod_name +
                        ";K8S_POD_INFRA_CONTAINER_ID=" + cid + ";K8S_POD_UID=uid-" + cid;
    }
    return RunPlugin(PluginPath(), env, conf, "/var/run/netns/" + node_);
  }

  // Rules in the node netns mentioning ip (as src or dst).
  int RulesFor(const std::string& ip, int prio) {
    int n = 0;
    for (const auto& r : IpJson(node_, "rule show")) {
      if (r.value("priority", -1) == prio &&
          (r.value("src", "") == ip || r.value("dst", "") == ip)) {
        ++n;
      }
    }
    return n;
  }
  bool HostRoute(const std::string& ip, const std::string& dev) {
    for (const auto& r : IpJson(node_, "route show table main")) {
      if (r.value("dst", "") == ip && (dev.empty() || r.value("dev", "") == dev)) {
        return true;
      }
    }
    return false;
  }

  static inline int counter_ = 0;
  testing::TempDir dir_;
  std::string node_;
  std::string socket_;
  std::vector<std::string> pods_;
  std::unique_ptr<DatastoreIpamService> service_;
  std::unique_ptr<rpc::UnixServer> server_;
};

std::string PodIp(const json& result) {
  std::string a = result["ips"][0]["address"];
  return a.substr(0, a.find('/'));
}

TEST_F(PluginSpecTest, EveryVerbInEveryVersion) {
  int n = 0;
  for (std::string version : {"0.3.1", "0.4.0", "1.0.0", "1.1.0"}) {
    SCOPED_TRACE(version);
    std::string pod = NewPod();
    std::string cid = "ctr" + std::to_string(n++);
    PluginRun add = Run("ADD", cid, pod, Conf(version));
    ASSERT_EQ(add.exit_code, 0) << add.out << add.err;
    const json& r = add.json;
    EXPECT_EQ(r["cniVersion"], version);
    EXPECT_EQ(r["ips"][0].contains("version"), version < "1.0.0");
    std::string ip = PodIp(r);
    std::string veth = r["interfaces"][0]["name"];
    EXPECT_EQ(r["interfaces"][1]["sandbox"], "/var/run/netns/" + pod);
    EXPECT_EQ(r["interfaces"][1]["mac"].get<std::string>().size(), 17u);  // a real MAC
    EXPECT_EQ(r["interfaces"][2]["sandbox"], "1");
    // Kernel state (§7.6).
    EXPECT_TRUE(HostRoute(ip, veth));
    EXPECT_EQ(RulesFor(ip, 512), 1);
    EXPECT_EQ(RulesFor(ip, 1536), 1);
    auto addrs = IpJson(pod, "addr show dev eth0");
    ASSERT_EQ(addrs.size(), 1u);
    EXPECT_EQ(addrs[0]["mtu"], 9001);
    bool has_ip = false;
    for (const auto& a : addrs[0]["addr_info"]) {
      has_ip |= a["local"] == ip && a["prefixlen"] == 32;
    }
    EXPECT_TRUE(has_ip);
    bool default_route = false;
    for (const auto& rt : IpJson(pod, "route show")) {
      default_route |= rt.value("dst", "") == "default" && rt.value("gateway", "") == "169.254.1.1";
    }
    EXPECT_TRUE(default_route);
    auto neigh = IpJson(pod, "neigh show 169.254.1.1");
    ASSERT_EQ(neigh.size(), 1u);
    EXPECT_NE(neigh[0]["state"].dump().find("PERMANENT"), std::string::npos);

    if (version >= "0.4.0") {
      PluginRun check = Run("CHECK", cid, pod, Conf(version, r));
      EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
      EXPECT_TRUE(check.out.empty());
    }
    if (version == "1.1.0") {
      PluginRun status = Run("STATUS", "", "", Conf(version));
      EXPECT_EQ(status.exit_code, 0) << status.out;
      json attach = {{"cni.dev/valid-attachments",
                      json::array({{{"containerID", cid}, {"ifname", "eth0"}}})}};
      PluginRun gc = Run("GC", "", "", Conf(version, nullptr, attach));
      EXPECT_EQ(gc.exit_code, 0) << gc.out;
      EXPECT_EQ(service_->Assigned(), 1u) << "GC must keep a valid attachment";
    }
    // StopPodSandbox: DEL with netns and prevResult; RemovePodSandbox: DEL with neither.
    PluginRun del = Run("DEL", cid, pod, Conf(version, r));
    EXPECT_EQ(del.exit_code, 0) << del.out << del.err;
    EXPECT_TRUE(del.out.empty());
    EXPECT_FALSE(HostRoute(ip, ""));
    EXPECT_EQ(RulesFor(ip, 512), 0);
    EXPECT_EQ(RulesFor(ip, 1536), 0);
    PluginRun del2 = Run("DEL", cid, "", Conf(version));
    EXPECT_EQ(del2.exit_code, 0) << del2.out << del2.err;
    EXPECT_EQ(service_->Assigned(), 0u);
  }
}

TEST_F(PluginSpecTest, ChainedPrevResultWithLaterPlugins) {
  std::string pod = NewPod();
  PluginRun add = Run("ADD", "chain1", pod, Conf("1.0.0"));
  ASSERT_EQ(add.exit_code, 0) << add.out << add.err;
  json final_result = add.json;
  // What egress-cni / portmap leave in the final result after vpc-cni.
  final_result["interfaces"].push_back({{"name", "veth1234"}, {"mac", "02:aa:bb:cc:dd:ee"}});
  final_result["interfaces"].push_back(
      {{"name", "v4if0"}, {"mac", "02:aa:bb:cc:dd:ef"}, {"sandbox", "/var/run/netns/" + pod}});
  final_result["ips"].push_back({{"address", "169.254.172.5/22"}, {"interface", 4}});
  PluginRun check = Run("CHECK", "chain1", pod, Conf("1.0.0", final_result));
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  PluginRun del = Run("DEL", "chain1", pod, Conf("1.0.0", final_result));
  EXPECT_EQ(del.exit_code, 0) << del.out << del.err;
  EXPECT_EQ(RulesFor(PodIp(add.json), 512), 0);
}

TEST_F(PluginSpecTest, CheckFailsWhenWiringIsBroken) {
  std::string pod = NewPod();
  PluginRun add = Run("ADD", "brk", pod, Conf("1.0.0"));
  ASSERT_EQ(add.exit_code, 0) << add.out << add.err;
  std::string ip = PodIp(add.json);
  ASSERT_EQ(Sh("ip -n " + node_ + " rule del priority 512 to " + ip), 0);
  PluginRun check = Run("CHECK", "brk", pod, Conf("1.0.0", add.json));
  EXPECT_NE(check.exit_code, 0);
  EXPECT_EQ(check.Code(), 103) << check.out;
}

TEST_F(PluginSpecTest, DelWithIpamdStoppedUsesPrevResult) {
  std::string pod = NewPod();
  PluginRun add = Run("ADD", "down1", pod, Conf("1.0.0"));
  ASSERT_EQ(add.exit_code, 0) << add.out << add.err;
  std::string ip = PodIp(add.json);
  StopServer();
  PluginRun del = Run("DEL", "down1", pod, Conf("1.0.0", add.json));
  EXPECT_EQ(del.exit_code, 0) << del.out << del.err;
  EXPECT_EQ(RulesFor(ip, 512), 0);
  EXPECT_EQ(RulesFor(ip, 1536), 0);
  EXPECT_FALSE(HostRoute(ip, ""));
  PluginRun del2 = Run("DEL", "down1", "", Conf("1.0.0"));
  EXPECT_EQ(del2.exit_code, 0) << del2.out << del2.err;
}

TEST_F(PluginSpecTest, AddWithIpamdStoppedIsTryAgainAndLeavesNothing) {
  StopServer();
  std::string pod = NewPod();
  PluginRun add = Run("ADD", "down2", pod, Conf("1.0.0"));
  EXPECT_NE(add.exit_code, 0);
  EXPECT_EQ(add.Code(), 11) << add.out;
  EXPECT_EQ(add.json["cniVersion"], "1.0.0");
  EXPECT_EQ(IpJson(node_, "link show").size(), 1u) << "only lo in the node netns";
  EXPECT_EQ(IpJson(pod, "link show").size(), 1u) << "only lo in the pod netns";
  PluginRun status = Run("STATUS", "", "", Conf("1.1.0"));
  EXPECT_EQ(status.Code(), 50) << status.out;
  PluginRun gc = Run("GC", "", "", Conf("1.1.0"));
  EXPECT_EQ(gc.Code(), 11) << gc.out;
}

TEST_F(PluginSpecTest, SetupFailureReleasesTheAddress) {
  // The netns does not exist: ipamd assigns, wiring fails, the address must come back.
  PluginRun add = Run("ADD", "nons", node_ + "-missing", Conf("1.0.0"));
  EXPECT_NE(add.exit_code, 0);
  EXPECT_EQ(add.Code(), 102) << add.out;
  EXPECT_EQ(service_->Assigned(), 0u);
  EXPECT_EQ(IpJson(node_, "link show").size(), 1u);
}

TEST_F(PluginSpecTest, MalformedInput) {
  std::string pod = NewPod();
  // Env: missing variables (4), bad container id (4), unknown CNI_ARGS (4).
  PluginRun no_env = RunPlugin(PluginPath(), {}, Conf("1.0.0"), "/var/run/netns/" + node_);
  EXPECT_EQ(no_env.Code(), 4) << no_env.out;
  PluginRun no_ifname = RunPlugin(
      PluginPath(),
      {{"CNI_COMMAND", "ADD"}, {"CNI_CONTAINERID", "x"}, {"CNI_NETNS", "/var/run/netns/" + pod}},
      Conf("1.0.0"), "/var/run/netns/" + node_);
  EXPECT_EQ(no_ifname.Code(), 4);
  EXPECT_NE(no_ifname.out.find("CNI_IFNAME"), std::string::npos);
  PluginRun bad_id = Run("ADD", "-x.y", pod, Conf("1.0.0"));
  EXPECT_EQ(bad_id.Code(), 4);
  // I/O failure reading stdin (5).
  PluginRun io = RunPlugin(PluginPath(), {{"CNI_COMMAND", "VERSION"}}, "", "", true);
  EXPECT_EQ(io.Code(), 5) << io.out;
  // Decode failure (6), invalid config (7), incompatible version (1).
  EXPECT_EQ(Run("ADD", "m1", pod, "{not json").Code(), 6);
  EXPECT_EQ(Run("ADD", "m1", pod, Conf("1.0.0", nullptr, {{"mtu", 70000}})).Code(), 7);
  EXPECT_EQ(Run("ADD", "m1", pod, Conf("1.0.0", nullptr, {{"vethPrefix", "abcdef"}})).Code(), 7);
  EXPECT_EQ(Run("ADD", "m1", pod, Conf("0.2.0")).Code(), 1);
  EXPECT_EQ(service_->Assigned(), 0u);
  EXPECT_EQ(IpJson(pod, "link show").size(), 1u);
  // Errors never mix logs into stdout: stdout is exactly one JSON object.
  PluginRun bad = Run("ADD", "m1", pod, "{not json");
  EXPECT_FALSE(bad.json.is_discarded()) << bad.out;
}

TEST_F(PluginSpecTest, VersionIsAnsweredWithoutIpamd) {
  StopServer();
  PluginRun v = RunPlugin(PluginPath(), {{"CNI_COMMAND", "VERSION"}}, R"({"cniVersion":"1.0.0"})");
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.json["cniVersion"], "1.0.0");
  EXPECT_EQ(v.json["supportedVersions"].size(), 5u);
}

TEST_F(PluginSpecTest, GcReleasesStaleAttachmentsAndTheirHostState) {
  std::string p1 = NewPod();
  std::string p2 = NewPod();
  PluginRun a1 = Run("ADD", "live", p1, Conf("1.1.0"), "live");
  PluginRun a2 = Run("ADD", "stale", p2, Conf("1.1.0"), "stale");
  ASSERT_EQ(a1.exit_code, 0) << a1.out;
  ASSERT_EQ(a2.exit_code, 0) << a2.out;
  json attach = {{"cni.dev/valid-attachments",
                  json::array({{{"containerID", "live"}, {"ifname", "eth0"}}})}};
  PluginRun gc = Run("GC", "", "", Conf("1.1.0", nullptr, attach));
  EXPECT_EQ(gc.exit_code, 0) << gc.out << gc.err;
  EXPECT_EQ(service_->Assigned(), 1u);
  EXPECT_EQ(RulesFor(PodIp(a2.json), 512), 0);
  EXPECT_EQ(RulesFor(PodIp(a1.json), 512), 1);
}

TEST_F(PluginSpecTest, ThirtyConcurrentAdds) {
  constexpr int kPods = 30;
  std::vector<std::string> pods;
  for (int i = 0; i < kPods; ++i) {
    pods.push_back(NewPod());
  }
  std::vector<PluginRun> runs(kPods);
  std::vector<std::thread> threads;
  for (int i = 0; i < kPods; ++i) {
    threads.emplace_back([&, i] {
      runs[i] = Run("ADD", "cc" + std::to_string(i), pods[i], Conf("1.0.0"),
                    "pod-" + std::to_string(i));
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  std::set<std::string> ips;
  for (int i = 0; i < kPods; ++i) {
    ASSERT_EQ(runs[i].exit_code, 0) << runs[i].out << runs[i].err;
    ips.insert(PodIp(runs[i].json));
  }
  EXPECT_EQ(ips.size(), static_cast<size_t>(kPods)) << "addresses must be distinct";
  auto routes = IpJson(node_, "route show table main");
  auto rules = IpJson(node_, "rule show");
  for (int i = 0; i < kPods; ++i) {
    std::string ip = PodIp(runs[i].json);
    std::string veth = runs[i].json["interfaces"][0]["name"];
    EXPECT_TRUE(HostRoute(ip, veth)) << ip;
    EXPECT_EQ(RulesFor(ip, 512), 1) << ip;
    EXPECT_EQ(RulesFor(ip, 1536), 1) << ip;
  }
  threads.clear();
  for (int i = 0; i < kPods; ++i) {
    threads.emplace_back([&, i] {
      runs[i] = Run("DEL", "cc" + std::to_string(i), pods[i], Conf("1.0.0", runs[i].json),
                    "pod-" + std::to_string(i));
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  for (int i = 0; i < kPods; ++i) {
    EXPECT_EQ(runs[i].exit_code, 0) << runs[i].out;
  }
  EXPECT_EQ(service_->Assigned(), 0u);
  for (const auto& ip : ips) {
    EXPECT_EQ(RulesFor(ip, 512), 0) << ip;
  }
}

}  // namespace
}  // namespace vpccni::cnitest
