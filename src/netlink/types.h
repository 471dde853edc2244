// File: types.h
//
// Plain value types for the rtnetlink objects this project manages (links, addresses, routes,
// rules, neighbours) and Op, one idempotent change to the kernel's state. Ops are what the
// node-state diff produces and what NetlinkOps::Apply() executes (in one batch on the real
// kernel). Everything here is pure; ToString() renders `ip`-like text used in golden tests
// and error messages.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/result.h"
#include "net/ip.h"

namespace vpccni::netlink {

// Address families as in <sys/socket.h>; kept numeric so the type stays header-light.
inline constexpr uint8_t kFamilyV4 = 2;   // AF_INET
inline constexpr uint8_t kFamilyV6 = 10;  // AF_INET6

// Well-known routing tables and scopes (values from <linux/rtnetlink.h>).
inline constexpr uint32_t kTableMain = 254;
inline constexpr uint32_t kTableLocal = 255;
inline constexpr uint8_t kScopeUniverse = 0;
inline constexpr uint8_t kScopeLink = 253;
inline constexpr uint8_t kScopeHost = 254;

// An address of either family with a prefix length ("10.0.0.0/16", "fe80::1/128").
struct IpPrefix {
  net::IpAddress addr;
  int len = 0;

  // A single-host prefix (/32 or /128).
  static IpPrefix Host(const net::IpAddress& a) { return {a, a.IsV4() ? 32 : 128}; }

  // Parses "a.b.c.d/n", "x::y/n"; a bare address only when allow_bare (then /32 or /128).
  static Result<IpPrefix> Parse(std::string_view s, bool allow_bare = false);

  uint8_t Family() const { return addr.IsV4() ? kFamilyV4 : kFamilyV6; }

  // The prefix with host bits cleared.
  IpPrefix Masked() const;
  std::string ToString() const;
  auto operator<=>(const IpPrefix&) const = default;
};

// A network interface as the kernel reports it (RTM_NEWLINK).
struct Link {
  int index = 0;
  std::string name;
  net::MacAddress mac;
  uint32_t mtu = 0;
  uint32_t flags = 0;      // IFF_* (IFF_UP = 1)
  uint8_t oper_state = 0;  // IF_OPER_*
  std::string kind;        // "veth", "vlan", "dummy", "" for physical
  int parent_index = 0;    // IFLA_LINK (veth peer index in its netns, vlan parent)
  int master_index = 0;    // IFLA_MASTER
  uint16_t vlan_id = 0;    // for kind == "vlan"
  int link_netnsid = -1;   // IFLA_LINK_NETNSID when the peer/parent is in another netns

  bool IsUp() const { return (flags & 1U) != 0; }

  auto operator<=>(const Link&) const = default;
};

// An interface address (RTM_NEWADDR).
struct Address {
  int index = 0;
  IpPrefix prefix;  // address + prefix length, e.g. 10.0.1.5/24
  uint8_t scope = kScopeUniverse;
  uint32_t flags = 0;  // IFA_F_* (IFA_F_NODAD = 0x02, IFA_F_TENTATIVE = 0x40)

  std::string ToString() const;
  auto operator<=>(const Address&) const = default;
};

// A route (RTM_NEWROUTE). Identity for replace/delete: family, table, dst, tos(0), priority.
struct Route {
  uint32_t table = kTableMain;
  IpPrefix dst;  // len 0 = default route
  std::optional<net::IpAddress> gateway;
  int oif = 0;  // output ifindex, 0 = unspecified
  std::optional<net::IpAddress> prefsrc;
  uint8_t scope = kScopeUniverse;
  uint8_t protocol = 3;   // RTPROT_BOOT (what `ip route add` uses); KERNEL = 2
  uint8_t type = 1;       // RTN_UNICAST
  uint32_t priority = 0;  // metric

  uint8_t Family() const { return dst.Family(); }

  std::string ToString() const;
  auto operator<=>(const Route&) const = default;
};

// A policy routing rule (RTM_NEWRULE). Unset fields (nullopt / 0 / "") are wildcards on delete.
struct Rule {
  uint8_t family = kFamilyV4;
  uint32_t priority = 0;
  std::optional<IpPrefix> src;
  std::optional<IpPrefix> dst;
  uint32_t table = 0;  // 0 = none (on delete: any)
  uint32_t fwmark = 0;
  uint32_t fwmask = 0;
  std::string iif;
  std::string oif;
  uint8_t action = 1;  // FR_ACT_TO_TBL

  std::string ToString() const;
  auto operator<=>(const Rule&) const = default;
};

// A neighbour entry (RTM_NEWNEIGH).
struct Neighbor {
  int index = 0;
  net::IpAddress ip;
  net::MacAddress mac;
  uint16_t state = 0x80;  // NUD_PERMANENT

  uint8_t Family() const { return ip.IsV4() ? kFamilyV4 : kFamilyV6; }

  std::string ToString() const;
  auto operator<=>(const Neighbor&) const = default;
};

// Changes to an existing link; unset fields are left alone.
struct LinkChange {
  int index = 0;
  std::optional<bool> up;
  std::optional<uint32_t> mtu;
  std::optional<net::MacAddress> mac;
  std::optional<int> netns_fd;  // move the link into this netns

  std::string ToString() const;
  auto operator<=>(const LinkChange&) const = default;
};

// A veth pair. The local end `name` is created in the netns of the socket; the peer in
// peer_netns_fd (or the same netns when < 0).
struct VethSpec {
  std::string name;
  std::optional<net::MacAddress> mac;
  uint32_t mtu = 0;  // 0 = kernel default
  std::string peer_name;
  std::optional<net::MacAddress> peer_mac;
  uint32_t peer_mtu = 0;
  int peer_netns_fd = -1;
};

// An 802.1Q link on parent_index.
struct VlanSpec {
  std::string name;
  int parent_index = 0;
  uint16_t vlan_id = 0;
  std::optional<net::MacAddress> mac;
  uint32_t mtu = 0;
};

// A dummy link (used by the emulator to stand for an ENI).
struct DummySpec {
  std::string name;
  std::optional<net::MacAddress> mac;
  uint32_t mtu = 0;
};

enum class OpKind {
  kLinkSet,
  kAddrAdd,
  kAddrDel,
  kRouteAdd,
  kRouteReplace,
  kRouteDel,
  kRuleAdd,
  kRuleDel,
  kNeighReplace,
  kNeighDel,
};

// One change. `tolerate_exists` turns EEXIST into success (adds); `tolerate_missing` turns
// ENOENT/ESRCH/ENODEV/EADDRNOTAVAIL into success (deletes). Builders below set the usual
// idempotent choices.
struct Op {
  OpKind kind = OpKind::kLinkSet;
  std::variant<LinkChange, Address, Route, Rule, Neighbor> obj;
  bool tolerate_exists = false;
  bool tolerate_missing = false;

  static Op SetLink(LinkChange c) { return {OpKind::kLinkSet, std::move(c), false, false}; }

  static Op AddAddr(Address a) { return {OpKind::kAddrAdd, std::move(a), true, false}; }

  static Op DelAddr(Address a) { return {OpKind::kAddrDel, std::move(a), false, true}; }

  static Op AddRoute(Route r) { return {OpKind::kRouteAdd, std::move(r), true, false}; }

  static Op ReplaceRoute(Route r) { return {OpKind::kRouteReplace, std::move(r), false, false}; }

  static Op DelRoute(Route r) { return {OpKind::kRouteDel, std::move(r), false, true}; }

  static Op AddRule(Rule r) { return {OpKind::kRuleAdd, std::move(r), true, false}; }

  static Op DelRule(Rule r) { return {OpKind::kRuleDel, std::move(r), false, true}; }

  static Op ReplaceNeigh(Neighbor n) { return {OpKind::kNeighReplace, std::move(n), false, false}; }

  static Op DelNeigh(Neighbor n) { return {OpKind::kNeighDel, std::move(n), false, true}; }

  // `ip`-like text, e.g. "rule add prio 512 to 10.0.0.5/32 lookup 254".
  std::string ToString() const;
  bool operator==(const Op&) const = default;
};

// True when op.obj holds the type op.kind needs (LinkChange for kLinkSet, Address for kAddr*, ...).
bool OpIsWellFormed(const Op& op);

// Renders each op on its own line (for golden tests).
std::string OpsToString(const std::vector<Op>& ops);

}  // namespace vpccni::netlink
