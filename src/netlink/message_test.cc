#include "netlink/message.h"

#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "base/strings.h"
#include "testing/result_matchers.h"

namespace vpccni::netlink {
namespace {

std::string Hex(const std::vector<uint8_t>& b) {
  return strings::HexEncode(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
}

net::IpAddress Ip(std::string_view s) {
  return *net::IpAddress::Parse(s);
}

net::MacAddress Mac(std::string_view s) {
  return *net::MacAddress::Parse(s);
}

// Splits one message; keeps its bytes alive for the rest of the test binary (RawMessage points
// into them).
RawMessage Single(std::vector<uint8_t> owned) {
  static std::deque<std::vector<uint8_t>> keep;
  keep.push_back(std::move(owned));
  const auto& bytes = keep.back();
  auto msgs = SplitMessages(bytes);
  EXPECT_TRUE(msgs.has_value());
  EXPECT_EQ(msgs->size(), 1U);
  return msgs->at(0);
}

TEST(MessageGolden, RuleTo512) {
  Rule r;
  r.priority = 512;
  r.dst = IpPrefix::Host(Ip("10.0.0.5"));
  r.table = kTableMain;
  auto bytes = EncodeRule(RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, r);
  EXPECT_EQ(Hex(bytes),
            "34000000200000060000000000000000"  // nlmsghdr: len 52, RTM_NEWRULE, CREATE|EXCL
            "02200000fe00000100000000"          // fib_rule_hdr: inet, dst_len 32, table 254
            "0800060000020000"                  // FRA_PRIORITY 512
            "080001000a000005"                  // FRA_DST 10.0.0.5
            "08000f00fe000000");                // FRA_TABLE 254
}

TEST(MessageGolden, RouteReplaceHostScopeLink) {
  Route r;
  r.dst = IpPrefix::Host(Ip("10.0.0.5"));
  r.oif = 7;
  r.scope = kScopeLink;
  auto bytes = EncodeRoute(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, r);
  EXPECT_EQ(Hex(bytes),
            "34000000180000050000000000000000"  // len 52, RTM_NEWROUTE, CREATE|REPLACE
            "02200000fe03fd0100000000"          // rtmsg: inet /32 table main boot link unicast
            "08000f00fe000000"                  // RTA_TABLE 254
            "080001000a000005"                  // RTA_DST
            "0800040007000000");                // RTA_OIF 7
}

TEST(MessageGolden, RouteDeleteMatchesAnyScopeAndProtocol) {
  Route r;
  r.dst = IpPrefix::Host(Ip("10.0.0.5"));
  auto bytes = EncodeRoute(RTM_DELROUTE, 0, r);
  auto m = Single(bytes);
  rtmsg rt{};
  std::memcpy(&rt, m.payload.data(), sizeof(rt));
  EXPECT_EQ(rt.rtm_scope, RT_SCOPE_NOWHERE);
  EXPECT_EQ(rt.rtm_protocol, 0);
  EXPECT_EQ(rt.rtm_type, 0);
}

TEST(MessageGolden, NeighborPermanent) {
  Neighbor n;
  n.index = 2;
  n.ip = Ip("169.254.1.1");
  n.mac = Mac("02:aa:bb:cc:dd:ee");
  auto bytes = EncodeNeighbor(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, n);
  EXPECT_EQ(Hex(bytes),
            "300000001c0000050000000000000000"  // len 48, RTM_NEWNEIGH, CREATE|REPLACE
            "020000000200000080000000"          // ndmsg: inet, ifindex 2, NUD_PERMANENT
            "08000100a9fe0101"                  // NDA_DST
            "0a00020002aabbccddee0000");        // NDA_LLADDR (padded)
}

TEST(MessageGolden, VethWithPeerInNetns) {
  VethSpec v;
  v.name = "enib5faff8a083";
  v.mac = Mac("02:00:00:00:00:01");
  v.mtu = 9001;
  v.peer_name = "eth0";
  v.peer_mtu = 9001;
  v.peer_netns_fd = 5;
  auto bytes = EncodeNewVeth(v);
  auto m = Single(bytes);
  EXPECT_EQ(m.type, RTM_NEWLINK);
  EXPECT_EQ(m.flags, NLM_F_CREATE | NLM_F_EXCL);
  ASSERT_OK_AND_ASSIGN(auto attrs, SplitAttrs(m.payload.subspan(sizeof(ifinfomsg))));
  ASSERT_EQ(attrs.size(), 4U);
  EXPECT_EQ(attrs[0].type, IFLA_IFNAME);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(attrs[0].data.data())), "enib5faff8a083");
  EXPECT_EQ(attrs[1].type, IFLA_ADDRESS);
  EXPECT_EQ(attrs[2].type, IFLA_MTU);
  ASSERT_EQ(attrs[3].type, IFLA_LINKINFO);
  ASSERT_OK_AND_ASSIGN(auto info, SplitAttrs(attrs[3].data));
  ASSERT_EQ(info.size(), 2U);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(info[0].data.data())), "veth");
  ASSERT_OK_AND_ASSIGN(auto data, SplitAttrs(info[1].data));
  ASSERT_EQ(data.size(), 1U);
  EXPECT_EQ(data[0].type, VETH_INFO_PEER);
  ASSERT_OK_AND_ASSIGN(auto peer, SplitAttrs(data[0].data.subspan(sizeof(ifinfomsg))));
  ASSERT_EQ(peer.size(), 3U);
  EXPECT_EQ(peer[0].type, IFLA_IFNAME);
  EXPECT_EQ(peer[1].type, IFLA_MTU);
  EXPECT_EQ(peer[2].type, IFLA_NET_NS_FD);
  uint32_t fd = 0;
  std::memcpy(&fd, peer[2].data.data(), 4);
  EXPECT_EQ(fd, 5U);
  // The nested lengths add up to the message length.
  EXPECT_EQ(bytes.size(), 16 + sizeof(ifinfomsg) + 20 + 12 + 8 + attrs[3].data.size() + 4);
}

TEST(MessageGolden, VlanAndDummy) {
  VlanSpec v;
  v.name = "vlan.eth.5";
  v.parent_index = 3;
  v.vlan_id = 5;
  v.mac = Mac("02:00:00:00:00:05");
  auto vm = Single(EncodeNewVlan(v));
  ASSERT_OK_AND_ASSIGN(auto attrs, SplitAttrs(vm.payload.subspan(sizeof(ifinfomsg))));
  ASSERT_EQ(attrs.size(), 4U);
  EXPECT_EQ(attrs[1].type, IFLA_LINK);
  uint32_t parent = 0;
  std::memcpy(&parent, attrs[1].data.data(), 4);
  EXPECT_EQ(parent, 3U);
  ASSERT_EQ(attrs[3].type, IFLA_LINKINFO);
  ASSERT_OK_AND_ASSIGN(auto info, SplitAttrs(attrs[3].data));
  ASSERT_EQ(info.size(), 2U);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(info[0].data.data())), "vlan");
  ASSERT_OK_AND_ASSIGN(auto data, SplitAttrs(info[1].data));
  ASSERT_EQ(data.size(), 1U);
  EXPECT_EQ(data[0].type, IFLA_VLAN_ID);
  uint16_t id = 0;
  std::memcpy(&id, data[0].data.data(), 2);
  EXPECT_EQ(id, 5);

  DummySpec d{"dm0", std::nullopt, 9001};
  auto dm = Single(EncodeNewDummy(d));
  EXPECT_EQ(dm.flags, NLM_F_CREATE | NLM_F_EXCL);
  ASSERT_OK_AND_ASSIGN(auto dattrs, SplitAttrs(dm.payload.subspan(sizeof(ifinfomsg))));
  ASSERT_EQ(dattrs.size(), 3U);  // name, mtu, linkinfo{kind dummy}
  ASSERT_OK_AND_ASSIGN(auto dinfo, SplitAttrs(dattrs[2].data));
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(dinfo[0].data.data())), "dummy");
}

TEST(MessageGolden, SetLinkUpByIndex) {
  LinkChange c;
  c.index = 3;
  c.up = true;
  EXPECT_EQ(Hex(EncodeSetLink(c)),
            "20000000100000000000000000000000"  // len 32, RTM_NEWLINK, no flags
            "0000000003000000"
            "0100000001000000");  // ifi_index 3, flags UP, change UP
}

TEST(MessageRoundTrip, Route) {
  Route r;
  r.table = 10101;
  r.dst = IpPrefix{Ip("0.0.0.0"), 0};
  r.gateway = Ip("10.0.1.1");
  r.oif = 4;
  auto m = Single(EncodeRoute(RTM_NEWROUTE, NLM_F_CREATE, r));
  ASSERT_OK_AND_ASSIGN(auto back, DecodeRoute(m));
  EXPECT_EQ(back, r);
  EXPECT_EQ(back.ToString(), "default via 10.0.1.1 dev #4 table 10101");
}

TEST(MessageRoundTrip, RouteV6) {
  Route r;
  r.dst = IpPrefix::Host(Ip("2600:1f14::5"));
  r.oif = 9;
  r.scope = kScopeLink;
  r.prefsrc = Ip("2600:1f14::1");
  r.priority = 1024;
  auto m = Single(EncodeRoute(RTM_NEWROUTE, NLM_F_CREATE, r));
  ASSERT_OK_AND_ASSIGN(auto back, DecodeRoute(m));
  EXPECT_EQ(back, r);
}

TEST(MessageRoundTrip, RuleWithFwmarkAndIfaces) {
  Rule r;
  r.family = kFamilyV6;
  r.priority = 1024;
  r.src = IpPrefix{Ip("fd00::"), 8};
  r.fwmark = 0x80;
  r.fwmask = 0x80;
  r.iif = "eth0";
  r.oif = "eth1";
  r.table = 300;
  auto m = Single(EncodeRule(RTM_NEWRULE, NLM_F_CREATE, r));
  ASSERT_OK_AND_ASSIGN(auto back, DecodeRule(m));
  EXPECT_EQ(back, r);
  EXPECT_EQ(back.ToString(),
            "-6 prio 1024 from fd00::/8 fwmark 0x80/0x80 iif eth0 oif eth1 lookup 300");
}

TEST(MessageRoundTrip, AddressAndNeighbor) {
  Address a;
  a.index = 2;
  a.prefix = IpPrefix{Ip("10.0.1.5"), 24};
  a.scope = kScopeUniverse;
  a.flags = 0x02;
  ASSERT_OK_AND_ASSIGN(auto back, DecodeAddress(Single(EncodeAddress(RTM_NEWADDR, a))));
  EXPECT_EQ(back, a);
  Address big = a;
  big.flags = 0x100;  // IFA_F_NOPREFIXROUTE needs IFA_FLAGS
  ASSERT_OK_AND_ASSIGN(back, DecodeAddress(Single(EncodeAddress(RTM_NEWADDR, big))));
  EXPECT_EQ(back.flags, 0x100U);

  Neighbor n;
  n.index = 3;
  n.ip = Ip("fe80::1");
  n.mac = Mac("0a:0b:0c:0d:0e:0f");
  ASSERT_OK_AND_ASSIGN(auto nb, DecodeNeighbor(Single(EncodeNeighbor(RTM_NEWNEIGH, 0, n))));
  EXPECT_EQ(nb, n);
}

TEST(MessageDecode, LinkAsKernelSendsIt) {
  MessageBuilder b(RTM_NEWLINK, 0);
  ifinfomsg ifi{};
  ifi.ifi_index = 12;
  ifi.ifi_flags = IFF_UP | IFF_BROADCAST;
  b.PutHeader(ifi);
  b.PutString(IFLA_IFNAME, "vlan.eth.5");
  b.PutU32(IFLA_MTU, 9001);
  b.PutMac(IFLA_ADDRESS, Mac("02:11:22:33:44:55"));
  b.PutU8(IFLA_OPERSTATE, 6);
  b.PutU32(IFLA_LINK, 2);
  size_t info = b.BeginNested(IFLA_LINKINFO);
  b.PutString(IFLA_INFO_KIND, "vlan");
  size_t data = b.BeginNested(IFLA_INFO_DATA);
  b.PutU16(IFLA_VLAN_ID, 5);
  b.EndNested(data);
  b.EndNested(info);
  auto bytes = std::move(b).Finish();
  ASSERT_OK_AND_ASSIGN(auto l, DecodeLink(Single(bytes)));
  EXPECT_EQ(l.index, 12);
  EXPECT_EQ(l.name, "vlan.eth.5");
  EXPECT_EQ(l.mtu, 9001U);
  EXPECT_TRUE(l.IsUp());
  EXPECT_EQ(l.mac, Mac("02:11:22:33:44:55"));
  EXPECT_EQ(l.kind, "vlan");
  EXPECT_EQ(l.vlan_id, 5);
  EXPECT_EQ(l.parent_index, 2);
  EXPECT_EQ(l.oper_state, 6);
}

TEST(MessageDecode, ErrorCode) {
  MessageBuilder b(NLMSG_ERROR, 0);
  nlmsgerr e{};
  e.error = -17;
  b.PutHeader(e);
  ASSERT_OK_AND_ASSIGN(int err, DecodeErrorCode(Single(std::move(b).Finish())));
  EXPECT_EQ(err, 17);
}

TEST(MessageDecode, RejectsMalformedInput) {
  std::vector<uint8_t> short_hdr = {1, 2, 3};
  EXPECT_ERROR_CODE(SplitMessages(short_hdr), ErrorCode::kInvalidArgument);
  // nlmsg_len larger than the buffer.
  std::vector<uint8_t> long_len(16, 0);
  long_len[0] = 0xff;
  EXPECT_ERROR_CODE(SplitMessages(long_len), ErrorCode::kInvalidArgument);
  // nlmsg_len smaller than the header.
  std::vector<uint8_t> tiny_len(16, 0);
  tiny_len[0] = 4;
  EXPECT_ERROR_CODE(SplitMessages(tiny_len), ErrorCode::kInvalidArgument);
  // Attribute overrunning its area.
  std::vector<uint8_t> bad_attr = {0x20, 0x00, 0x01, 0x00, 0xaa, 0xbb};
  EXPECT_ERROR_CODE(SplitAttrs(bad_attr), ErrorCode::kInvalidArgument);
  // Route with a 5-byte RTA_DST.
  MessageBuilder b(RTM_NEWROUTE, 0);
  rtmsg rt{};
  rt.rtm_family = AF_INET;
  rt.rtm_dst_len = 32;
  b.PutHeader(rt);
  uint8_t junk[5] = {1, 2, 3, 4, 5};
  b.PutAttr(RTA_DST, junk, sizeof(junk));
  EXPECT_ERROR_CODE(DecodeRoute(Single(std::move(b).Finish())), ErrorCode::kInvalidArgument);
  // Prefix length out of range.
  MessageBuilder b2(RTM_NEWRULE, 0);
  fib_rule_hdr fh{};
  fh.family = AF_INET;
  fh.dst_len = 33;
  b2.PutHeader(fh);
  EXPECT_ERROR_CODE(DecodeRule(Single(std::move(b2).Finish())), ErrorCode::kInvalidArgument);
  // Truncated family header.
  MessageBuilder b3(RTM_NEWADDR, 0);
  uint8_t two[2] = {2, 24};
  b3.PutRaw(two, 2);
  EXPECT_ERROR_CODE(DecodeAddress(Single(std::move(b3).Finish())), ErrorCode::kInvalidArgument);
  // Unsupported family is kUnimplemented (dumps skip those entries).
  MessageBuilder b4(RTM_NEWNEIGH, 0);
  ndmsg nd{};
  nd.ndm_family = 7;  // AF_BRIDGE
  b4.PutHeader(nd);
  EXPECT_ERROR_CODE(DecodeNeighbor(Single(std::move(b4).Finish())), ErrorCode::kUnimplemented);
}

TEST(MessageEncode, MalformedOpEncodesToNothing) {
  Op bad{OpKind::kRouteAdd, Rule{}, false, false};
  EXPECT_FALSE(OpIsWellFormed(bad));
  EXPECT_TRUE(EncodeOp(bad).empty());
}

TEST(OpText, RendersLikeIp) {
  Rule r;
  r.priority = 1536;
  r.src = IpPrefix::Host(Ip("10.0.0.5"));
  r.table = 2;
  EXPECT_EQ(Op::AddRule(r).ToString(), "rule add prio 1536 from 10.0.0.5/32 lookup 2");
  Route rt;
  rt.dst = IpPrefix{Ip("169.254.1.1"), 32};
  rt.oif = 2;
  rt.scope = kScopeLink;
  EXPECT_EQ(Op::AddRoute(rt).ToString(), "route add 169.254.1.1/32 dev #2 scope link table main");
  LinkChange c;
  c.index = 4;
  c.up = true;
  c.mtu = 9001;
  EXPECT_EQ(Op::SetLink(c).ToString(), "link set dev #4 up mtu 9001");
}

// Replies captured from the real kernel (also the fuzz seed corpus): a netns with veth h0
// (02:00:00:00:00:01) up with 10.0.1.5/24, rules 512/1024/10 and a v6 1536 rule, a permanent
// neighbour, and an error with extended ack.
std::vector<uint8_t> Captured(const std::string& name) {
  std::ifstream in(std::string(VPCCNI_SOURCE_DIR) + "/tests/fuzz/corpus/netlink_message/" + name,
                   std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return {s.begin(), s.end()};
}

template <typename T, typename F>
std::vector<T> DecodeCaptured(const std::string& name, F decode) {
  auto bytes = Captured(name);
  EXPECT_FALSE(bytes.empty()) << name;
  auto msgs = SplitMessages(bytes);
  EXPECT_TRUE(msgs.has_value()) << name;
  std::vector<T> out;
  for (const auto& m : *msgs) {
    if (m.type == NLMSG_DONE) {
      continue;
    }
    auto v = decode(m);
    EXPECT_TRUE(v.has_value()) << name << ": " << v.error().ToString();
    if (v) {
      out.push_back(*v);
    }
  }
  return out;
}

TEST(MessageDecode, RealKernelReplies) {
  auto links = DecodeCaptured<Link>("links_0", DecodeLink);
  auto more = DecodeCaptured<Link>("links_1", DecodeLink);
  links.insert(links.end(), more.begin(), more.end());
  bool have_h0 = false;
  for (const auto& l : links) {
    if (l.name == "h0") {
      have_h0 = true;
      EXPECT_EQ(l.kind, "veth");
      EXPECT_EQ(l.mac, Mac("02:00:00:00:00:01"));
      EXPECT_TRUE(l.IsUp());
      EXPECT_EQ(l.mtu, 1500U);
    }
  }
  EXPECT_TRUE(have_h0);

  auto addrs = DecodeCaptured<Address>("addrs4_0", DecodeAddress);
  bool have_addr = false;
  for (const auto& a : addrs) {
    have_addr = have_addr || a.prefix == IpPrefix{Ip("10.0.1.5"), 24};
  }
  EXPECT_TRUE(have_addr);

  auto rules = DecodeCaptured<Rule>("rules4_0", DecodeRule);
  std::vector<std::string> texts;
  for (const auto& r : rules) {
    texts.push_back(r.ToString());
  }
  EXPECT_NE(std::find(texts.begin(), texts.end(), "prio 512 to 10.0.0.5/32 lookup main"),
            texts.end());
  EXPECT_NE(std::find(texts.begin(), texts.end(), "prio 1024 fwmark 0x80/0x80 lookup main"),
            texts.end());
  EXPECT_NE(std::find(texts.begin(), texts.end(), "prio 10 iif h0 lookup 101"), texts.end());
  auto rules6 = DecodeCaptured<Rule>("rules6_0", DecodeRule);
  bool have_from6 = false;
  for (const auto& r : rules6) {
    have_from6 = have_from6 || r.ToString() == "-6 prio 1536 from 2600:1f14::5/128 lookup 3";
  }
  EXPECT_TRUE(have_from6);

  auto routes = DecodeCaptured<Route>("routes4_0", DecodeRoute);
  bool have_route = false;
  for (const auto& r : routes) {
    have_route = have_route || r.ToString() == "10.0.0.5/32 dev #3 scope link table main";
  }
  EXPECT_TRUE(have_route) << routes.size();

  auto neighs = DecodeCaptured<Neighbor>("neigh4_0", DecodeNeighbor);
  ASSERT_EQ(neighs.size(), 1U);
  EXPECT_EQ(neighs[0].mac, Mac("02:aa:bb:cc:dd:ee"));
  EXPECT_EQ(neighs[0].state, 0x80);

  auto err_bytes = Captured("error_extack");
  ASSERT_OK_AND_ASSIGN(auto err_msgs, SplitMessages(err_bytes));
  ASSERT_EQ(err_msgs.size(), 1U);
  ASSERT_OK_AND_ASSIGN(int err, DecodeErrorCode(err_msgs[0]));
  EXPECT_EQ(err, EOPNOTSUPP);
  EXPECT_EQ(DecodeExtAckMessage(err_msgs[0]), "Unknown device type");
}

}  // namespace
}  // namespace vpccni::netlink
