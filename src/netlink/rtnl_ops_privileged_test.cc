// Privileged tests (root): RtnlOps, Netns and sysctl against the real kernel, each in its own
// network namespaces (vt-<pid>-...), removed even on failure.
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include <gtest/gtest.h>

#include "netlink/netns.h"
#include "netlink/rtnl_ops.h"
#include "netlink/sysctl.h"
#include "testing/result_matchers.h"

namespace vpccni::netlink {
namespace {

net::IpAddress Ip(std::string_view s) {
  return *net::IpAddress::Parse(s);
}

net::MacAddress Mac(std::string_view s) {
  return *net::MacAddress::Parse(s);
}

IpPrefix Prefix(std::string_view s) {
  return *IpPrefix::Parse(s);
}

Route MakeRoute(uint32_t table, IpPrefix dst, std::optional<net::IpAddress> gw, int oif) {
  Route r;
  r.table = table;
  r.dst = dst;
  r.gateway = gw;
  r.oif = oif;
  return r;
}

std::string UniqueName() {
  static std::atomic<int> n{0};
  return fmt::format("vt-{}-nl-{}", getpid(), n++);
}

class RtnlPrivilegedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) {
      GTEST_SKIP() << "needs root (network namespaces)";
    }
    for (auto* name : {&a_, &b_}) {
      *name = UniqueName();
      ASSERT_OK(Netns::CreateNamed(*name));
      created_.push_back(*name);
    }
    ASSERT_OK_AND_ASSIGN(auto ns, Netns::OpenByName(a_));
    ASSERT_OK_AND_ASSIGN(auto ops, RtnlOps::OpenInNetns(ns));
    ops_ = std::make_unique<RtnlOps>(std::move(ops));
  }

  void TearDown() override {
    ops_.reset();
    for (const auto& n : created_) {
      (void)Netns::DeleteNamed(n);
    }
  }

  std::string a_;
  std::string b_;
  std::vector<std::string> created_;
  std::unique_ptr<RtnlOps> ops_;
};

TEST_F(RtnlPrivilegedTest, NamedNetnsLifecycle) {
  EXPECT_TRUE(Netns::NamedExists(a_));
  EXPECT_ERROR_CODE(Netns::CreateNamed(a_), ErrorCode::kAlreadyExists);
  ASSERT_OK_AND_ASSIGN(auto ns, Netns::OpenByName(a_));
  ASSERT_OK_AND_ASSIGN(auto cur, Netns::Current());
  EXPECT_FALSE(ns.SameAs(cur));
  {
    ASSERT_OK_AND_ASSIGN(auto scoped, ScopedNetns::Enter(ns));
    ASSERT_OK_AND_ASSIGN(auto inside, Netns::Current());
    EXPECT_TRUE(inside.SameAs(ns));
  }
  ASSERT_OK_AND_ASSIGN(auto after, Netns::Current());
  EXPECT_TRUE(after.SameAs(cur));
  std::string tmp = UniqueName();
  ASSERT_OK(Netns::CreateNamed(tmp));
  ASSERT_OK(Netns::DeleteNamed(tmp));
  EXPECT_FALSE(Netns::NamedExists(tmp));
  EXPECT_ERROR_CODE(Netns::DeleteNamed(tmp), ErrorCode::kNotFound);
  EXPECT_ERROR_CODE(Netns::OpenByName(tmp), ErrorCode::kNotFound);
  EXPECT_ERROR_CODE(Netns::OpenByName("../etc"), ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(Netns::OpenPath("/etc/hostname"), ErrorCode::kInvalidArgument);
}

TEST_F(RtnlPrivilegedTest, LinksVethAcrossNamespacesAndLinkChanges) {
  ASSERT_OK_AND_ASSIGN(auto nsb, Netns::OpenByName(b_));
  VethSpec v{"h0", Mac("02:00:00:00:aa:01"), 1500, "c0", Mac("02:00:00:00:aa:02"), 9001, nsb.fd()};
  ASSERT_OK_AND_ASSIGN(auto h0, ops_->CreateVeth(v));
  EXPECT_EQ(h0.name, "h0");
  EXPECT_EQ(h0.kind, "veth");
  EXPECT_EQ(h0.mac, Mac("02:00:00:00:aa:01"));
  EXPECT_GE(h0.link_netnsid, 0);
  EXPECT_ERROR_CODE(ops_->CreateVeth(v), ErrorCode::kAlreadyExists);
  ASSERT_OK_AND_ASSIGN(auto b_ops, RtnlOps::OpenInNetns(nsb));
  ASSERT_OK_AND_ASSIGN(auto c0, b_ops.GetLinkByName("c0"));
  EXPECT_EQ(c0.mtu, 9001U);
  EXPECT_EQ(c0.mac, Mac("02:00:00:00:aa:02"));
  EXPECT_EQ(c0.parent_index, h0.index);

  ASSERT_OK(ops_->SetLinkMtu(h0.index, 9001));
  ASSERT_OK(ops_->SetLinkMac(h0.index, Mac("02:00:00:00:aa:03")));
  ASSERT_OK(ops_->SetLinkUp(h0.index, true));
  ASSERT_OK_AND_ASSIGN(auto again, ops_->GetLinkByIndex(h0.index));
  EXPECT_EQ(again.mtu, 9001U);
  EXPECT_TRUE(again.IsUp());
  ASSERT_OK_AND_ASSIGN(auto by_mac, ops_->FindLinkByMac(Mac("02:00:00:00:aa:03")));
  EXPECT_EQ(by_mac.index, h0.index);
  EXPECT_ERROR_CODE(ops_->FindLinkByMac(Mac("02:00:00:00:ff:ff")), ErrorCode::kNotFound);
  EXPECT_ERROR_CODE(ops_->GetLinkByName("nope0"), ErrorCode::kNotFound);
  auto bad_mtu = ops_->SetLinkMtu(h0.index, 10);
  ASSERT_FALSE(bad_mtu.has_value());
  EXPECT_EQ(bad_mtu.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad_mtu.error().sys_errno, EINVAL);

  // Move c0 back next to h0, then delete: both ends disappear.
  ASSERT_OK_AND_ASSIGN(auto nsa, Netns::OpenByName(a_));
  ASSERT_OK(b_ops.MoveLinkToNetns(c0.index, nsa.fd()));
  ASSERT_OK(ops_->GetLinkByName("c0"));
  ASSERT_OK(ops_->DeleteLink(h0.index));
  EXPECT_ERROR_CODE(ops_->GetLinkByName("c0"), ErrorCode::kNotFound);
  EXPECT_ERROR_CODE(ops_->DeleteLink(h0.index), ErrorCode::kNotFound);
}

TEST_F(RtnlPrivilegedTest, DummyAndVlanWhenTheKernelHasThem) {
  auto d = ops_->CreateDummy({"dm0", Mac("02:00:00:00:bb:01"), 9001});
  if (!d && d.error().sys_errno == EOPNOTSUPP) {
    GTEST_SKIP() << "kernel without dummy links: " << d.error().ToString();
  }
  ASSERT_OK(d);
  EXPECT_EQ(d->kind, "dummy");
  auto v = ops_->CreateVlan({"dm0.5", d->index, 5, std::nullopt, 0});
  if (!v && v.error().sys_errno == EOPNOTSUPP) {
    GTEST_SKIP() << "kernel without vlan links";
  }
  ASSERT_OK(v);
  EXPECT_EQ(v->vlan_id, 5);
  EXPECT_EQ(v->parent_index, d->index);
}

TEST_F(RtnlPrivilegedTest, AddressesRoutesRulesNeighboursV4AndV6) {
  ASSERT_OK_AND_ASSIGN(auto e0,
                       ops_->CreateVeth({"e0", std::nullopt, 0, "e0p", std::nullopt, 0, -1}));
  ASSERT_OK(
      ops_->Apply({Op::SetLink({e0.index, true, std::nullopt, std::nullopt, std::nullopt}),
                   Op::AddAddr({e0.index, Prefix("10.0.1.5/24"), kScopeUniverse, 0}),
                   Op::AddAddr({e0.index, Prefix("2600:1f14::5/64"), kScopeUniverse, 0x02})}));
  EXPECT_ERROR_CODE(ops_->AddAddress({e0.index, Prefix("10.0.1.5/24"), kScopeUniverse, 0}),
                    ErrorCode::kAlreadyExists);
  ASSERT_OK_AND_ASSIGN(auto addrs, ops_->ListAddresses(0, e0.index));
  int found = 0;
  for (const auto& a : addrs) {
    found += (a.prefix == Prefix("10.0.1.5/24") || a.prefix == Prefix("2600:1f14::5/64")) ? 1 : 0;
  }
  EXPECT_EQ(found, 2);

  Route gw = MakeRoute(2, IpPrefix::Host(Ip("10.0.1.1")), std::nullopt, e0.index);
  gw.scope = kScopeLink;
  Route def = MakeRoute(2, Prefix("0.0.0.0/0"), Ip("10.0.1.1"), e0.index);
  Route v6 = MakeRoute(kTableMain, Prefix("2600:1f15::/64"), Ip("fe80::1"), e0.index);
  ASSERT_OK(ops_->Apply({Op::ReplaceRoute(gw), Op::ReplaceRoute(def), Op::AddRoute(v6)}));
  EXPECT_ERROR_CODE(ops_->AddRoute(def), ErrorCode::kAlreadyExists);
  // The kernel explains rejected requests (extended ack) in the error message.
  Route unreachable = MakeRoute(3, Prefix("0.0.0.0/0"), Ip("192.0.2.1"), e0.index);
  auto unreach = ops_->AddRoute(unreachable);
  ASSERT_FALSE(unreach.has_value());
  EXPECT_TRUE(unreach.error().sys_errno == ENETUNREACH || unreach.error().sys_errno == EINVAL)
      << unreach.error().ToString();
  EXPECT_NE(unreach.error().message.find("("), std::string::npos) << unreach.error().ToString();
  ASSERT_OK_AND_ASSIGN(auto t2, ops_->ListRoutes(kFamilyV4, 2));
  ASSERT_EQ(t2.size(), 2U);
  ASSERT_OK_AND_ASSIGN(auto v6routes, ops_->ListRoutes(kFamilyV6, kTableMain));
  bool have_v6 = false;
  for (const auto& r : v6routes) {
    have_v6 = have_v6 || (r.dst == v6.dst && r.gateway == v6.gateway && r.oif == e0.index);
  }
  EXPECT_TRUE(have_v6);
  // Kernel subnet route of the /24: protocol kernel, scope link, src.
  ASSERT_OK_AND_ASSIGN(auto main, ops_->ListRoutes(kFamilyV4, kTableMain));
  bool have_subnet = false;
  for (const auto& r : main) {
    if (r.dst == Prefix("10.0.1.0/24")) {
      have_subnet = r.protocol == 2 && r.scope == kScopeLink && r.prefsrc == Ip("10.0.1.5");
    }
  }
  EXPECT_TRUE(have_subnet);
  Route subnet = MakeRoute(kTableMain, Prefix("10.0.1.0/24"), std::nullopt, e0.index);
  ASSERT_OK(ops_->DeleteRoute(subnet));
  EXPECT_ERROR_CODE(ops_->DeleteRoute(subnet), ErrorCode::kNotFound);

  Rule fw;
  fw.priority = 1024;
  fw.fwmark = 0x80;
  fw.fwmask = 0x80;
  fw.table = kTableMain;
  Rule iif;
  iif.priority = 10;
  iif.iif = "e0";
  iif.oif = "e0p";
  iif.table = 101;
  Rule from6;
  from6.family = kFamilyV6;
  from6.priority = 1536;
  from6.src = Prefix("2600:1f14::5/128");
  from6.table = 3;
  ASSERT_OK(ops_->Apply({Op::AddRule(fw), Op::AddRule(iif), Op::AddRule(from6)}));
  EXPECT_ERROR_CODE(ops_->AddRule(fw), ErrorCode::kAlreadyExists);
  ASSERT_OK_AND_ASSIGN(auto rules4, ops_->ListRules(kFamilyV4));
  int matched = 0;
  for (const auto& r : rules4) {
    matched += (r == fw || r == iif) ? 1 : 0;
  }
  EXPECT_EQ(matched, 2);
  ASSERT_OK_AND_ASSIGN(auto rules6, ops_->ListRules(kFamilyV6));
  EXPECT_NE(std::find(rules6.begin(), rules6.end(), from6), rules6.end());
  Rule any_from6;
  any_from6.family = kFamilyV6;
  any_from6.priority = 1536;
  any_from6.src = from6.src;
  ASSERT_OK(ops_->DeleteRule(any_from6));
  EXPECT_ERROR_CODE(ops_->DeleteRule(any_from6), ErrorCode::kNotFound);

  Neighbor n{e0.index, Ip("169.254.1.1"), Mac("02:00:00:00:cc:01")};
  ASSERT_OK(ops_->ReplaceNeighbor(n));
  ASSERT_OK(ops_->ReplaceNeighbor(n));
  ASSERT_OK_AND_ASSIGN(auto neighs, ops_->ListNeighbors(kFamilyV4, e0.index));
  ASSERT_EQ(neighs.size(), 1U);
  EXPECT_EQ(neighs[0], n);
  ASSERT_OK(ops_->DeleteNeighbor(n));
  EXPECT_ERROR_CODE(ops_->DeleteNeighbor(n), ErrorCode::kNotFound);
}

TEST_F(RtnlPrivilegedTest, LargeBatchAndPerOpErrnos) {
  std::vector<Op> ops;
  for (uint32_t i = 0; i < 1000; ++i) {
    Rule r;
    r.priority = 2000 + i;
    r.dst = IpPrefix::Host(net::Ipv4Address(0x0a000000U + i));
    r.table = kTableMain;
    ops.push_back(Op::AddRule(r));
  }
  ASSERT_OK(ops_->Apply(ops));
  ASSERT_OK_AND_ASSIGN(auto errs, ops_->ApplyBatch({ops[0], ops[1]}));
  EXPECT_EQ(errs, (std::vector<int>{EEXIST, EEXIST}));
  ASSERT_OK_AND_ASSIGN(auto rules, ops_->ListRules(kFamilyV4));
  EXPECT_EQ(rules.size(), 1003U);  // + local, main, default
  Op bad{OpKind::kRuleAdd, Route{}, false, false};
  EXPECT_ERROR_CODE(ops_->Apply({bad}), ErrorCode::kInvalidArgument);
}

TEST_F(RtnlPrivilegedTest, SysctlInsideNamespace) {
  ASSERT_OK_AND_ASSIGN(auto ns, Netns::OpenByName(a_));
  NetnsSysctl sysctl(ns.fd());
  ASSERT_OK(sysctl.Write("net/ipv4/ip_forward", "1"));
  ASSERT_OK_AND_ASSIGN(auto v, sysctl.Read("net/ipv4/ip_forward"));
  EXPECT_EQ(v, "1");
  // The caller's namespace is untouched.
  ProcSysctl here;
  ASSERT_OK_AND_ASSIGN(auto nsb, Netns::OpenByName(b_));
  NetnsSysctl sysctl_b(nsb.fd());
  ASSERT_OK_AND_ASSIGN(auto vb, sysctl_b.Read("net/ipv4/ip_forward"));
  EXPECT_EQ(vb, "0");
  EXPECT_ERROR_CODE(sysctl.Read("net/ipv4/conf/nope0/rp_filter"), ErrorCode::kNotFound);
  EXPECT_ERROR_CODE(here.Write("../etc/passwd", "x"), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vpccni::netlink
