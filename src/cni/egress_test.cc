#include "cni/egress.h"

#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cni/egress_ipam.h"
#include "cni/errors.h"
#include "testing/result_matchers.h"
#include "testing/temp_dir.h"

namespace vpccni::cni {
namespace {

using nlohmann::json;

EgressSubnet V4Subnet(const char* cidr = "169.254.172.0/22") {
  return EgressSubnet{true, *net::Ipv4Cidr::Parse(cidr), {}};
}

TEST(EgressIpamTest, AllocatesSkippingReservedAndIsIdempotent) {
  EgressIpamState s;
  auto sub = V4Subnet("169.254.172.0/30");
  ASSERT_OK_AND_ASSIGN(auto a, EgressAllocate(s, sub, "c1/eth0"));
  EXPECT_EQ(a.ToString(), "169.254.172.2");  // .0 network, .1 gateway, .3 broadcast
  ASSERT_OK_AND_ASSIGN(auto again, EgressAllocate(s, sub, "c1/eth0"));
  EXPECT_EQ(again, a);
  EXPECT_ERROR_CODE(EgressAllocate(s, sub, "c2/eth0"), ErrorCode::kResourceExhausted);
  EXPECT_EQ(EgressRelease(s, "c1/eth0")->ToString(), "169.254.172.2");
  EXPECT_FALSE(EgressRelease(s, "c1/eth0").has_value());
  ASSERT_OK_AND_ASSIGN(auto b, EgressAllocate(s, sub, "c2/eth0"));
  EXPECT_EQ(b.ToString(), "169.254.172.2");
  EXPECT_EQ(sub.Gateway().ToString(), "169.254.172.1");

  EgressSubnet v6{false, {}, *net::Ipv6Cidr::Parse("fd00::ac:00/118")};
  EgressIpamState s6;
  ASSERT_OK_AND_ASSIGN(auto c, EgressAllocate(s6, v6, "c1/eth0"));
  EXPECT_EQ(c.ToString(), "fd00::ac:2");
  EXPECT_EQ(v6.Gateway().ToString(), "fd00::ac:1");
}

TEST(EgressIpamTest, StateCodec) {
  EgressIpamState s;
  s.owners["169.254.172.9"] = "a/eth0";
  ASSERT_OK_AND_ASSIGN(auto back, DecodeEgressState(EncodeEgressState(s)));
  EXPECT_EQ(back, s);
  EXPECT_ERROR_CODE(DecodeEgressState("{"), ErrorCode::kDataLoss);
  EXPECT_ERROR_CODE(DecodeEgressState(R"({"allocations":{"x":"y"}})"), ErrorCode::kDataLoss);
}

TEST(EgressIpamTest, FileStoreConcurrentAllocationsAreDistinct) {
  testing::TempDir dir;
  constexpr int kN = 24;
  std::vector<std::string> got(kN);
  std::vector<std::thread> threads;
  for (int i = 0; i < kN; ++i) {
    threads.emplace_back([&, i] {
      EgressIpamStore store(dir.path(), "aws-cni", V4Subnet());
      auto a = store.Allocate(EgressOwner("c" + std::to_string(i), "eth0"));
      if (a.has_value()) {
        got[i] = a->ToString();
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  std::set<std::string> distinct(got.begin(), got.end());
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kN));
  EXPECT_EQ(distinct.count(""), 0u);
  EgressIpamStore store(dir.path(), "aws-cni", V4Subnet());
  ASSERT_OK_AND_ASSIGN(auto snap, store.Snapshot());
  EXPECT_EQ(snap.owners.size(), static_cast<size_t>(kN));
  ASSERT_OK_AND_ASSIGN(auto released, store.Release(EgressOwner("c0", "eth0")));
  EXPECT_TRUE(released.has_value());
  ASSERT_OK_AND_ASSIGN(auto none, store.Lookup(EgressOwner("c0", "eth0")));
  EXPECT_FALSE(none.has_value());
}

std::string Conf(bool enabled, const json& prev = nullptr, std::string version = "1.0.0") {
  json j = {{"cniVersion", version},
            {"name", "aws-cni"},
            {"type", "egress-cni"},
            {"mtu", "9001"},
            {"enabled", enabled ? "true" : "false"},
            {"randomizeSNAT", "prng"},
            {"nodeIP", "10.0.0.10"},
            {"ipam",
             {{"ranges", json::array({json::array({{{"subnet", "169.254.172.0/22"}}})})},
              {"routes", json::array({{{"dst", "0.0.0.0/0"}}})},
              {"dataDir", "/unused"}}}};
  if (!prev.is_null()) {
    j["prevResult"] = prev;
  }
  return j.dump();
}

TEST(EgressConfigTest, ParsesAndValidates) {
  json prev = {{"cniVersion", "1.0.0"}, {"ips", json::array()}};
  ASSERT_OK_AND_ASSIGN(EgressConf c, ParseEgressConf(Conf(true, prev), Command::kAdd));
  EXPECT_TRUE(c.enabled);
  EXPECT_TRUE(c.v4);
  EXPECT_EQ(c.subnet_v4.ToString(), "169.254.172.0/22");
  EXPECT_EQ(c.route_dsts, std::vector<std::string>{"0.0.0.0/0"});
  // Chained only.
  auto unchained = ParseEgressConf(Conf(true), Command::kAdd);
  ASSERT_FALSE(unchained.has_value());
  EXPECT_EQ(CniCodeOf(unchained.error()), 7);
  // Disabled: nothing else is required.
  EXPECT_OK(ParseEgressConf(R"({"cniVersion":"1.0.0","name":"n","enabled":"false"})",
                            Command::kAdd));
  json bad = json::parse(Conf(true, prev));
  bad["nodeIP"] = "2600::1";
  EXPECT_EQ(CniCodeOf(ParseEgressConf(bad.dump(), Command::kAdd).error()), 7);
  bad = json::parse(Conf(true, prev));
  bad["ipam"]["ranges"][0][0]["subnet"] = "169.254.172.0/31";
  EXPECT_EQ(CniCodeOf(ParseEgressConf(bad.dump(), Command::kAdd).error()), 7);
  bad = json::parse(Conf(true, prev));
  bad["randomizeSNAT"] = "sometimes";
  EXPECT_EQ(CniCodeOf(ParseEgressConf(bad.dump(), Command::kAdd).error()), 7);
}

class MemIpam : public EgressIpamPort {
 public:
  Result<net::IpAddress> Allocate(const std::string& owner) override {
    return EgressAllocate(state, V4Subnet(), owner);
  }
  Result<std::optional<net::IpAddress>> Release(const std::string& owner) override {
    return EgressRelease(state, owner);
  }
  Result<std::optional<net::IpAddress>> Lookup(const std::string& owner) override {
    return EgressLookup(state, owner);
  }
  Result<std::map<std::string, net::IpAddress>> List() override {
    std::map<std::string, net::IpAddress> out;
    for (const auto& [a, o] : state.owners) {
      out[o] = *net::IpAddress::Parse(a);
    }
    return out;
  }
  EgressIpamState state;
};

class FakeEgressWiring : public EgressWiring {
 public:
  Result<void> EnableForwarding(bool v4) override {
    forwarding = v4;
    return Ok();
  }
  Result<WiringResult> Setup(const EgressWiringSpec& spec) override {
    if (fail) {
      return MakeError(ErrorCode::kInternal, "veth create failed");
    }
    wired[spec.ip.ToString()] = spec;
    return WiringResult{"02:00:00:00:00:0a", "02:00:00:00:00:0b"};
  }
  Result<void> Teardown(const net::IpAddress& ip, const std::string&) override {
    wired.erase(ip.ToString());
    return Ok();
  }
  Result<void> Check(const EgressWiringSpec& spec) override {
    if (wired.count(spec.ip.ToString()) == 0) {
      return MakeError(ErrorCode::kNotFound, "v4if0 missing");
    }
    return Ok();
  }
  bool fail = false;
  bool forwarding = false;
  std::map<std::string, EgressWiringSpec> wired;
};

class FakeSnat : public EgressSnat {
 public:
  Result<void> Add(const net::IpAddress& ip, const std::string& node,
                   const std::string&) override {
    rules[ip.ToString()] = node;
    return Ok();
  }
  Result<void> Del(const net::IpAddress& ip) override {
    rules.erase(ip.ToString());
    return Ok();
  }
  Result<bool> Has(const net::IpAddress& ip) override { return rules.count(ip.ToString()) > 0; }
  std::map<std::string, std::string> rules;
};

class EgressCniTest : public ::testing::Test {
 protected:
  Outcome Run(Command cmd, const std::string& conf, const std::string& cid = "c1") {
    Invocation inv;
    inv.env.command = cmd;
    inv.env.container_id = cid;
    inv.env.netns = "/var/run/netns/p";
    inv.env.ifname = "eth0";
    inv.stdin_data = conf;
    return RunEgressCni(
        inv, [&](const EgressConf&) { return std::make_unique<Proxy>(&ipam_); }, wiring_, snat_);
  }
  // The factory hands out a fresh port per run over the same state.
  struct Proxy : EgressIpamPort {
    explicit Proxy(MemIpam* mem) : m(mem) {}
    Result<net::IpAddress> Allocate(const std::string& o) override { return m->Allocate(o); }
    Result<std::optional<net::IpAddress>> Release(const std::string& o) override {
      return m->Release(o);
    }
    Result<std::optional<net::IpAddress>> Lookup(const std::string& o) override {
      return m->Lookup(o);
    }
    Result<std::map<std::string, net::IpAddress>> List() override { return m->List(); }
    MemIpam* m;
  };
  MemIpam ipam_;
  FakeEgressWiring wiring_;
  FakeSnat snat_;
  json prev_ = json::parse(R"({"cniVersion":"1.0.0",
      "interfaces":[{"name":"eni1"},{"name":"eth0","sandbox":"/var/run/netns/p"}],
      "ips":[{"address":"2600::5/128","interface":1}]})");
};

TEST_F(EgressCniTest, AddCheckDelAndPassThrough) {
  Outcome add = Run(Command::kAdd, Conf(true, prev_));
  ASSERT_EQ(add.exit_code, 0) << add.stdout_data;
  json r = json::parse(add.stdout_data);
  ASSERT_EQ(r["interfaces"].size(), 4u);
  EXPECT_EQ(r["interfaces"][3]["name"], "v4if0");
  EXPECT_EQ(r["interfaces"][3]["sandbox"], "/var/run/netns/p");
  EXPECT_EQ(r["interfaces"][2]["name"].get<std::string>().rfind("egv", 0), 0u);
  EXPECT_EQ(r["ips"].size(), 1u) << "the pod's reported address stays the VPC one";
  EXPECT_TRUE(wiring_.forwarding);
  ASSERT_EQ(snat_.rules.count("169.254.172.2"), 1u);
  EXPECT_EQ(snat_.rules["169.254.172.2"], "10.0.0.10");
  EXPECT_EQ(wiring_.wired["169.254.172.2"].gateway.ToString(), "169.254.172.1");
  EXPECT_EQ(Run(Command::kCheck, Conf(true, r)).exit_code, 0);
  EXPECT_EQ(Run(Command::kDel, Conf(true, r)).exit_code, 0);
  EXPECT_TRUE(snat_.rules.empty());
  EXPECT_TRUE(ipam_.state.owners.empty());
  EXPECT_EQ(Run(Command::kDel, Conf(true)).exit_code, 0) << "idempotent, no prevResult";
  // Disabled: the result is prevResult, nothing allocated.
  Outcome pass = Run(Command::kAdd, Conf(false, prev_));
  ASSERT_EQ(pass.exit_code, 0);
  EXPECT_EQ(json::parse(pass.stdout_data)["interfaces"].size(), 2u);
  EXPECT_TRUE(ipam_.state.owners.empty());
}

TEST_F(EgressCniTest, FailuresUndoAndCheckDetects) {
  wiring_.fail = true;
  Outcome add = Run(Command::kAdd, Conf(true, prev_));
  EXPECT_EQ(json::parse(add.stdout_data)["code"], kCodeEgressFailed);
  EXPECT_TRUE(ipam_.state.owners.empty());
  wiring_.fail = false;
  ASSERT_EQ(Run(Command::kAdd, Conf(true, prev_)).exit_code, 0);
  snat_.rules.clear();
  Outcome check = Run(Command::kCheck, Conf(true, prev_));
  EXPECT_EQ(json::parse(check.stdout_data)["code"], kCodeCheckFailed);
}

TEST_F(EgressCniTest, GcReleasesStale) {
  ASSERT_EQ(Run(Command::kAdd, Conf(true, prev_, "1.1.0"), "keep").exit_code, 0);
  ASSERT_EQ(Run(Command::kAdd, Conf(true, prev_, "1.1.0"), "gone").exit_code, 0);
  json gc = json::parse(Conf(true, nullptr, "1.1.0"));
  gc["cni.dev/valid-attachments"] = json::array({{{"containerID", "keep"}, {"ifname", "eth0"}}});
  EXPECT_EQ(Run(Command::kGc, gc.dump()).exit_code, 0);
  ASSERT_EQ(ipam_.state.owners.size(), 1u);
  EXPECT_EQ(ipam_.state.owners.begin()->second, "keep/eth0");
  EXPECT_EQ(snat_.rules.size(), 1u);
}

TEST(EgressNames, HostVethName) {
  std::string n = EgressHostVethName("abc", "eth0");
  EXPECT_EQ(n.size(), 15u);
  EXPECT_EQ(n, EgressHostVethName("abc", "eth0"));
  EXPECT_NE(n, EgressHostVethName("abd", "eth0"));
}

}  // namespace
}  // namespace vpccni::cni
