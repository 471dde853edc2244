// Spec behaviour of the vpc-cni commands over fake ports (the real binary against a real
// socket and kernel is covered by tests/privileged/cni and tests/e2e/cni).
#include "cni/vpc_cni.h"

#include <map>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cni/errors.h"
#include "testing/result_matchers.h"

namespace vpccni::cni {
namespace {

using nlohmann::json;

class FakeIpam : public IpamBackend {
 public:
  Result<rpc::AddNetworkReply> AddNetwork(const rpc::AddNetworkRequest& req) override {
    last_add = req;
    if (down) {
      return MakeError(ErrorCode::kUnavailable, "connection refused");
    }
    rpc::AddNetworkReply r;
    if (exhausted) {
      r.status.error_reason = std::string(rpc::kErrNoAvailableIp);
      r.status.error_message = "no available IP";
      return r;
    }
    std::string key = req.container_id + "/" + req.if_name;
    auto [it, inserted] = assigned.emplace(key, fmt::format("10.0.1.{}", next));
    if (inserted) {
      ++next;
    }
    r.status.success = true;
    r.ip_allocations = {{it->second, "", 1, 2}};
    r.pod_vlan_id = vlan;
    return r;
  }
  Result<rpc::DelNetworkReply> DelNetwork(const rpc::DelNetworkRequest& req) override {
    dels.push_back(req);
    if (down) {
      return MakeError(ErrorCode::kUnavailable, "connection refused");
    }
    rpc::DelNetworkReply r;
    auto it = assigned.find(req.container_id + "/" + req.if_name);
    if (it == assigned.end()) {
      r.status.error_reason = std::string(rpc::kErrUnknownPod);
      r.status.error_message = "datastore: unknown pod";
      return r;
    }
    r.status.success = true;
    r.ip_allocations = {{it->second, "", 1, 2}};
    assigned.erase(it);
    return r;
  }
  Result<rpc::GcReply> Gc(const rpc::GcRequest& req) override {
    if (down) {
      return MakeError(ErrorCode::kUnavailable, "connection refused");
    }
    std::set<std::string> valid;
    for (const auto& a : req.valid_attachments) {
      valid.insert(a.container_id + "/" + a.if_name);
    }
    rpc::GcReply r;
    r.status.success = true;
    for (auto it = assigned.begin(); it != assigned.end();) {
      if (valid.count(it->first) == 0) {
        r.released.push_back({it->first, "", req.network_name});
        r.released_ips.push_back({it->second, "", 1, 2});
        it = assigned.erase(it);
      } else {
        ++it;
      }
    }
    return r;
  }
  Result<rpc::StatusReply> Status(const rpc::StatusRequest&) override {
    if (down) {
      return MakeError(ErrorCode::kUnavailable, "connection refused");
    }
    rpc::StatusReply r;
    r.status.success = true;
    r.ready = true;
    r.can_assign = !exhausted;
    return r;
  }

  bool down = false;
  bool exhausted = false;
  int32_t vlan = 0;
  int next = 5;
  std::map<std::string, std::string> assigned;
  rpc::AddNetworkRequest last_add;
  std::vector<rpc::DelNetworkRequest> dels;
};

class FakeWiring : public PodWiring {
 public:
  std::string HostVethName(std::string_view prefix, std::string_view ns,
                           std::string_view name) override {
    return std::string(prefix) + "h" + std::to_string(std::hash<std::string>()(
                                           std::string(ns) + "." + std::string(name)) %
                                       1000000);
  }
  Result<WiringResult> Setup(const WiringSpec& spec) override {
    if (fail_setup) {
      return MakeError(ErrorCode::kAlreadyExists, "eth0 exists in the pod netns");
    }
    wired[spec.pod_ip] = spec;
    return WiringResult{"02:00:00:00:00:01", "02:00:00:00:00:02"};
  }
  Result<void> Teardown(const std::string& pod_ip, const std::string& veth) override {
    torn_down.push_back(pod_ip + "@" + veth);
    wired.erase(pod_ip);
    return Ok();
  }
  Result<void> Check(const WiringSpec& spec) override {
    auto it = wired.find(spec.pod_ip);
    if (it == wired.end()) {
      return MakeError(ErrorCode::kNotFound, "host route {}/32 missing", spec.pod_ip);
    }
    if (it->second.route_table != spec.route_table || it->second.host_veth_name !=
                                                          spec.host_veth_name) {
      return MakeError(ErrorCode::kFailedPrecondition, "rule 1536 table differs");
    }
    return Ok();
  }
  bool fail_setup = false;
  std::map<std::string, WiringSpec> wired;
  std::vector<std::string> torn_down;
};

std::string Conf(std::string_view version, const json& prev = nullptr) {
  json j{{"cniVersion", version}, {"name", "aws-cni"}, {"type", "vpc-cni"},
         {"vethPrefix", "eni"},   {"mtu", "9001"}};
  if (!prev.is_null()) {
    j["prevResult"] = prev;
  }
  return j.dump();
}

Invocation Inv(Command c, std::string stdin_data, std::string netns = "/var/run/netns/p1",
               std::string cid = "c1") {
  Invocation inv;
  inv.env.command = c;
  inv.env.container_id = std::move(cid);
  inv.env.netns = std::move(netns);
  inv.env.ifname = "eth0";
  inv.env.args = "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web;"
                 "K8S_POD_INFRA_CONTAINER_ID=c1;K8S_POD_UID=uid-1";
  inv.stdin_data = std::move(stdin_data);
  return inv;
}

int ErrorCodeIn(const Outcome& o) {
  auto j = json::parse(o.stdout_data, nullptr, false);
  return j.is_object() && j.contains("code") ? j["code"].get<int>() : -1;
}

class VpcCniTest : public ::testing::TestWithParam<std::string> {
 protected:
  FakeIpam ipam_;
  FakeWiring wiring_;
};

TEST_P(VpcCniTest, AddCheckDelDel) {
  const std::string version = GetParam();
  Outcome add = RunVpcCni(Inv(Command::kAdd, Conf(version)), ipam_, wiring_);
  ASSERT_EQ(add.exit_code, 0) << add.stdout_data;
  json r = json::parse(add.stdout_data);
  EXPECT_EQ(r["cniVersion"], version);
  ASSERT_EQ(r["interfaces"].size(), 3u);
  std::string veth = r["interfaces"][0]["name"];
  EXPECT_EQ(veth.rfind("eni", 0), 0u);
  EXPECT_EQ(r["interfaces"][0]["mac"], "02:00:00:00:00:01");
  EXPECT_EQ(r["interfaces"][1]["name"], "eth0");
  EXPECT_EQ(r["interfaces"][1]["sandbox"], "/var/run/netns/p1");
  EXPECT_EQ(r["interfaces"][1]["mac"], "02:00:00:00:00:02");
  EXPECT_EQ(r["interfaces"][2]["name"], "dummy" + veth.substr(3));
  EXPECT_EQ(r["interfaces"][2]["mac"], "00:00:00:00:00:00");  // VLAN id 0
  EXPECT_EQ(VlanIdAsMac(7), "00:00:00:00:00:07");
  EXPECT_EQ(VlanIdAsMac(300), "00:00:00:00:01:2c");
  EXPECT_EQ(r["interfaces"][2]["sandbox"], "1");  // device number
  EXPECT_EQ(r["ips"][0]["address"], "10.0.1.5/32");
  EXPECT_EQ(r["ips"][0]["interface"], 1);
  EXPECT_EQ(r["ips"][0].contains("version"), version < "1.0.0");
  EXPECT_EQ(ipam_.last_add.k8s_pod_name, "web");
  EXPECT_EQ(ipam_.last_add.k8s_pod_namespace, "default");
  EXPECT_EQ(ipam_.last_add.network_name, "aws-cni");
  EXPECT_EQ(ipam_.last_add.netns, "/var/run/netns/p1");
  ASSERT_EQ(wiring_.wired.count("10.0.1.5"), 1u);
  EXPECT_EQ(wiring_.wired["10.0.1.5"].route_table, 2u);
  EXPECT_EQ(wiring_.wired["10.0.1.5"].mtu, 9001u);

  if (version >= "0.4.0") {
    Outcome check = RunVpcCni(Inv(Command::kCheck, Conf(version, r)), ipam_, wiring_);
    EXPECT_EQ(check.exit_code, 0) << check.stdout_data;
    EXPECT_TRUE(check.stdout_data.empty());
  } else {
    Outcome check = RunVpcCni(Inv(Command::kCheck, Conf(version, r)), ipam_, wiring_);
    EXPECT_EQ(ErrorCodeIn(check), 1);
  }

  // containerd: DEL with netns and prevResult, then DEL with neither.
  Outcome del = RunVpcCni(Inv(Command::kDel, Conf(version, r)), ipam_, wiring_);
  EXPECT_EQ(del.exit_code, 0) << del.stdout_data;
  EXPECT_TRUE(del.stdout_data.empty());
  EXPECT_TRUE(wiring_.wired.empty());
  EXPECT_TRUE(ipam_.assigned.empty());
  ASSERT_EQ(wiring_.torn_down.size(), 1u);
  EXPECT_EQ(wiring_.torn_down[0], "10.0.1.5@" + veth);
  Outcome del2 = RunVpcCni(Inv(Command::kDel, Conf(version), ""), ipam_, wiring_);
  EXPECT_EQ(del2.exit_code, 0) << del2.stdout_data;
  EXPECT_EQ(ipam_.dels.back().reason, rpc::kReasonPodDeleted);
}

INSTANTIATE_TEST_SUITE_P(Versions, VpcCniTest,
                         ::testing::Values("0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"));

TEST(VpcCniCommands, AddWithIpamdDownIsTryAgainAndLeaksNothing) {
  FakeIpam ipam;
  FakeWiring wiring;
  ipam.down = true;
  Outcome add = RunVpcCni(Inv(Command::kAdd, Conf("1.0.0")), ipam, wiring);
  EXPECT_NE(add.exit_code, 0);
  EXPECT_EQ(ErrorCodeIn(add), 11);
  EXPECT_EQ(json::parse(add.stdout_data)["cniVersion"], "1.0.0");
  EXPECT_TRUE(wiring.wired.empty());
  ipam.exhausted = true;
  ipam.down = false;
  EXPECT_EQ(ErrorCodeIn(RunVpcCni(Inv(Command::kAdd, Conf("1.0.0")), ipam, wiring)), 11);
  EXPECT_TRUE(ipam.assigned.empty());
}

TEST(VpcCniCommands, SetupFailureReleasesTheAddress) {
  FakeIpam ipam;
  FakeWiring wiring;
  wiring.fail_setup = true;
  Outcome add = RunVpcCni(Inv(Command::kAdd, Conf("1.0.0")), ipam, wiring);
  EXPECT_EQ(ErrorCodeIn(add), kCodeSetupFailed);
  EXPECT_TRUE(ipam.assigned.empty());
  ASSERT_EQ(ipam.dels.size(), 1u);
  EXPECT_EQ(ipam.dels[0].reason, rpc::kReasonSetupNsFailed);
}

TEST(VpcCniCommands, BranchPodsRefusedAndReleased) {
  FakeIpam ipam;
  FakeWiring wiring;
  ipam.vlan = 7;
  EXPECT_EQ(ErrorCodeIn(RunVpcCni(Inv(Command::kAdd, Conf("1.0.0")), ipam, wiring)),
            kCodeUnsupportedPod);
  EXPECT_TRUE(ipam.assigned.empty());
}

TEST(VpcCniCommands, DelWithIpamdDownUsesPrevResultAndSucceeds) {
  FakeIpam ipam;
  FakeWiring wiring;
  Outcome add = RunVpcCni(Inv(Command::kAdd, Conf("1.0.0")), ipam, wiring);
  ASSERT_EQ(add.exit_code, 0);
  json r = json::parse(add.stdout_data);
  ipam.down = true;
  Outcome del = RunVpcCni(Inv(Command::kDel, Conf("1.0.0", r)), ipam, wiring);
  EXPECT_EQ(del.exit_code, 0) << del.stdout_data;
  EXPECT_TRUE(wiring.wired.empty());
  ASSERT_EQ(wiring.torn_down.size(), 1u);
  EXPECT_EQ(wiring.torn_down[0].substr(0, 9), "10.0.1.5@");
  // No prevResult, no netns, ipamd down: still success, nothing to do.
  Outcome bare = RunVpcCni(Inv(Command::kDel, Conf("1.0.0"), ""), ipam, wiring);
  EXPECT_EQ(bare.exit_code, 0) << bare.stdout_data;
}

TEST(VpcCniCommands, CheckDetectsMissingWiring) {
  FakeIpam ipam;
  FakeWiring wiring;
  Outcome add = RunVpcCni(Inv(Command::kAdd, Conf("1.0.0")), ipam, wiring);
  json r = json::parse(add.stdout_data);
  wiring.wired.clear();
  Outcome check = RunVpcCni(Inv(Command::kCheck, Conf("1.0.0", r)), ipam, wiring);
  EXPECT_EQ(ErrorCodeIn(check), kCodeCheckFailed);
  EXPECT_NE(check.stdout_data.find("host route 10.0.1.5/32 missing"), std::string::npos);
  Outcome noprev = RunVpcCni(Inv(Command::kCheck, Conf("1.0.0")), ipam, wiring);
  EXPECT_EQ(ErrorCodeIn(noprev), 7);
}

TEST(VpcCniCommands, GcReleasesWhatIsNotValid) {
  FakeIpam ipam;
  FakeWiring wiring;
  ASSERT_EQ(RunVpcCni(Inv(Command::kAdd, Conf("1.1.0"), "/n", "keep"), ipam, wiring).exit_code,
            0);
  ASSERT_EQ(RunVpcCni(Inv(Command::kAdd, Conf("1.1.0"), "/n", "stale"), ipam, wiring).exit_code,
            0);
  json gc = json::parse(Conf("1.1.0"));
  gc["cni.dev/valid-attachments"] = json::array({{{"containerID", "keep"}, {"ifname", "eth0"}}});
  Invocation inv = Inv(Command::kGc, gc.dump());
  Outcome out = RunVpcCni(inv, ipam, wiring);
  EXPECT_EQ(out.exit_code, 0) << out.stdout_data;
  EXPECT_TRUE(out.stdout_data.empty());
  ASSERT_EQ(ipam.assigned.size(), 1u);
  EXPECT_EQ(ipam.assigned.begin()->first, "keep/eth0");
  EXPECT_EQ(wiring.wired.size(), 1u);
  // GC needs 1.1.0.
  EXPECT_EQ(ErrorCodeIn(RunVpcCni(Inv(Command::kGc, Conf("1.0.0")), ipam, wiring)), 1);
  ipam.down = true;
  EXPECT_EQ(ErrorCodeIn(RunVpcCni(inv, ipam, wiring)), 11);
}

TEST(VpcCniCommands, Status) {
  FakeIpam ipam;
  FakeWiring wiring;
  EXPECT_EQ(RunVpcCni(Inv(Command::kStatus, Conf("1.1.0")), ipam, wiring).exit_code, 0);
  ipam.exhausted = true;
  EXPECT_EQ(ErrorCodeIn(RunVpcCni(Inv(Command::kStatus, Conf("1.1.0")), ipam, wiring)), 50);
  ipam.exhausted = false;
  ipam.down = true;
  EXPECT_EQ(ErrorCodeIn(RunVpcCni(Inv(Command::kStatus, Conf("1.1.0")), ipam, wiring)), 50);
}

TEST(VpcCniCommands, VersionAndBadInput) {
  FakeIpam ipam;
  FakeWiring wiring;
  Outcome v = RunVpcCni(Inv(Command::kVersion, R"({"cniVersion":"0.4.0"})"), ipam, wiring);
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(json::parse(v.stdout_data)["cniVersion"], "0.4.0");
  EXPECT_EQ(RunVpcCni(Inv(Command::kVersion, ""), ipam, wiring).exit_code, 0);
  EXPECT_EQ(ErrorCodeIn(RunVpcCni(Inv(Command::kVersion, "{x"), ipam, wiring)), 6);
  EXPECT_EQ(ErrorCodeIn(RunVpcCni(Inv(Command::kAdd, "{x"), ipam, wiring)), 6);
  EXPECT_EQ(ErrorCodeIn(RunVpcCni(Inv(Command::kAdd, R"({"cniVersion":"1.0.0"})"), ipam,
                                  wiring)),
            7);
  Outcome old = RunVpcCni(Inv(Command::kAdd, R"({"cniVersion":"0.1.0","name":"x"})"), ipam,
                          wiring);
  EXPECT_EQ(ErrorCodeIn(old), 1);
  Invocation bad_args = Inv(Command::kAdd, Conf("1.0.0"));
  bad_args.env.args = "K8S_POD_NAME=a;Unknown=1";
  EXPECT_EQ(ErrorCodeIn(RunVpcCni(bad_args, ipam, wiring)), 4);
  EXPECT_TRUE(ipam.assigned.empty());
}

}  // namespace
}  // namespace vpccni::cni
