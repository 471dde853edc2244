#include "netlink/fake_netlink.h"

#include <cerrno>

#include <gtest/gtest.h>

#include "testing/result_matchers.h"

namespace vpccni::netlink {
namespace {

net::IpAddress Ip(std::string_view s) {
  return *net::IpAddress::Parse(s);
}

class FakeNetlinkTest : public ::testing::Test {
 protected:
  FakeKernel kernel_;
  FakeNetlink host_{kernel_, 0};
};

TEST_F(FakeNetlinkTest, VethPeerLandsInOtherNamespace) {
  int pod_ns = kernel_.AddNamespace();
  FakeNetlink pod(kernel_, pod_ns);
  VethSpec v{"veth0", std::nullopt, 9001, "eth0", std::nullopt, 9001, pod_ns};
  ASSERT_OK_AND_ASSIGN(auto host_end, host_.CreateVeth(v));
  EXPECT_EQ(host_end.mtu, 9001U);
  ASSERT_OK_AND_ASSIGN(auto peer, pod.GetLinkByName("eth0"));
  EXPECT_EQ(peer.parent_index, host_end.index);
  EXPECT_EQ(host_.CreateVeth(v).error().code, ErrorCode::kAlreadyExists);
  // Deleting one end removes the other.
  ASSERT_OK(host_.DeleteLink(host_end.index));
  EXPECT_ERROR_CODE(pod.GetLinkByName("eth0"), ErrorCode::kNotFound);
}

TEST_F(FakeNetlinkTest, RoutesNeedUpLinkAndReachableGateway) {
  ASSERT_OK_AND_ASSIGN(auto d, host_.CreateDummy({"eth1", std::nullopt, 0}));
  Route r;
  r.dst = IpPrefix::Host(Ip("10.0.0.5"));
  r.oif = d.index;
  r.scope = kScopeLink;
  auto down = host_.AddRoute(r);
  ASSERT_FALSE(down.has_value());
  EXPECT_EQ(down.error().sys_errno, ENETDOWN);
  ASSERT_OK(host_.SetLinkUp(d.index, true));
  ASSERT_OK(host_.AddRoute(r));
  EXPECT_ERROR_CODE(host_.AddRoute(r), ErrorCode::kAlreadyExists);
  Route def;
  def.dst = IpPrefix{Ip("0.0.0.0"), 0};
  def.gateway = Ip("10.0.1.1");
  def.oif = d.index;
  def.table = 2;
  auto unreachable = host_.AddRoute(def);
  ASSERT_FALSE(unreachable.has_value());
  EXPECT_EQ(unreachable.error().sys_errno, ENETUNREACH);
  Route gw;
  gw.dst = IpPrefix::Host(Ip("10.0.1.1"));
  gw.oif = d.index;
  gw.scope = kScopeLink;
  gw.table = 2;
  ASSERT_OK(host_.Apply({Op::AddRoute(gw), Op::AddRoute(def)}));
  ASSERT_OK_AND_ASSIGN(auto t2, host_.ListRoutes(kFamilyV4, 2));
  EXPECT_EQ(t2.size(), 2U);
  // Link down flushes its routes, as the kernel does.
  ASSERT_OK(host_.SetLinkUp(d.index, false));
  ASSERT_OK_AND_ASSIGN(auto all, host_.ListRoutes(kFamilyV4, 0));
  EXPECT_TRUE(all.empty());
}

TEST_F(FakeNetlinkTest, AddressAddsPrefixRouteOnUpLink) {
  ASSERT_OK_AND_ASSIGN(auto d, host_.CreateDummy({"eth1", std::nullopt, 0}));
  ASSERT_OK(host_.SetLinkUp(d.index, true));
  Address a{d.index, IpPrefix{Ip("10.0.1.5"), 24}, kScopeUniverse, 0};
  ASSERT_OK(host_.AddAddress(a));
  EXPECT_ERROR_CODE(host_.AddAddress(a), ErrorCode::kAlreadyExists);
  ASSERT_OK_AND_ASSIGN(auto main, host_.ListRoutes(kFamilyV4, kTableMain));
  ASSERT_EQ(main.size(), 1U);
  EXPECT_EQ(main[0].ToString(), "10.0.1.0/24 dev #2 src 10.0.1.5 scope link table main");
}

TEST_F(FakeNetlinkTest, RulesExclusiveAddAndWildcardDelete) {
  Rule r;
  r.priority = 1536;
  r.src = IpPrefix::Host(Ip("10.0.0.5"));
  r.table = 2;
  ASSERT_OK(host_.AddRule(r));
  EXPECT_ERROR_CODE(host_.AddRule(r), ErrorCode::kAlreadyExists);
  r.table = 3;
  ASSERT_OK(host_.AddRule(r));  // a second 1536 rule for the same source (old layouts)
  Rule del;
  del.priority = 1536;
  del.src = r.src;
  ASSERT_OK(host_.DeleteRule(del));
  ASSERT_OK(host_.DeleteRule(del));
  EXPECT_ERROR_CODE(host_.DeleteRule(del), ErrorCode::kNotFound);
  ASSERT_OK(host_.Apply({Op::DelRule(del)}));  // tolerated
}

TEST_F(FakeNetlinkTest, InjectedFailureReportsOpAndErrno) {
  kernel_.FailNextOp(OpKind::kRuleAdd, EPERM);
  Rule r;
  r.priority = 512;
  r.dst = IpPrefix::Host(Ip("10.0.0.5"));
  r.table = kTableMain;
  auto res = host_.Apply({Op::AddRule(r)});
  ASSERT_FALSE(res.has_value());
  EXPECT_EQ(res.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(res.error().context.at(0), "rule add prio 512 to 10.0.0.5/32 lookup main");
}

TEST_F(FakeNetlinkTest, SysctlKeysFollowLinks) {
  FakeSysctl sysctl(kernel_, 0);
  EXPECT_ERROR_CODE(sysctl.Write("net/ipv6/conf/eni1/accept_ra", "0"), ErrorCode::kNotFound);
  ASSERT_OK(host_.CreateDummy({"eni1", std::nullopt, 0}));
  ASSERT_OK(sysctl.Write("net/ipv6/conf/eni1/accept_ra", "0"));
  ASSERT_OK_AND_ASSIGN(auto v, sysctl.Read("net/ipv6/conf/eni1/accept_ra"));
  EXPECT_EQ(v, "0");
  std::vector<SysctlSetting> s = {{"net/ipv6/conf/missing/accept_ra", "0", true},
                                  {"net/ipv4/conf/eni1/rp_filter", "2", false}};
  ASSERT_OK(ApplySysctls(sysctl, s));
  s[0].tolerate_missing = false;
  EXPECT_ERROR_CODE(ApplySysctls(sysctl, s), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace vpccni::netlink
