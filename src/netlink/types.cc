#include "netlink/types.h"

#include <fmt/format.h>

namespace vpccni::netlink {
namespace {

std::string ScopeName(uint8_t scope) {
  switch (scope) {
    case kScopeUniverse:
      return "global";
    case kScopeLink:
      return "link";
    case kScopeHost:
      return "host";
    default:
      return fmt::format("{}", scope);
  }
}

std::string TableName(uint32_t table) {
  switch (table) {
    case kTableMain:
      return "main";
    case kTableLocal:
      return "local";
    default:
      return fmt::format("{}", table);
  }
}

}  // namespace

Result<IpPrefix> IpPrefix::Parse(std::string_view s, bool allow_bare) {
  if (s.find(':') != std::string_view::npos) {
    ASSIGN_OR_RETURN(auto c, net::Ipv6Cidr::Parse(s, allow_bare));
    return IpPrefix{c.Address(), c.PrefixLen()};
  }
  ASSIGN_OR_RETURN(auto c, net::Ipv4Cidr::Parse(s, allow_bare));
  return IpPrefix{c.Address(), c.PrefixLen()};
}

IpPrefix IpPrefix::Masked() const {
  if (addr.IsV4()) {
    return {net::Ipv4Cidr(addr.V4(), len).Network(), len};
  }
  return {net::Ipv6Cidr(addr.V6(), len).Network(), len};
}

std::string IpPrefix::ToString() const {
  return fmt::format("{}/{}", addr.ToString(), len);
}

std::string Address::ToString() const {
  std::string s = fmt::format("{} dev #{}", prefix.ToString(), index);
  if (scope != kScopeUniverse) {
    s += " scope " + ScopeName(scope);
  }
  if ((flags & 0x02U) != 0) {
    s += " nodad";
  }
  return s;
}

std::string Route::ToString() const {
  std::string s = dst.len == 0 ? std::string("default") : dst.ToString();
  if (dst.len == 0 && Family() == kFamilyV6) {
    s = "-6 default";
  }
  if (gateway) {
    s += " via " + gateway->ToString();
  }
  if (oif != 0) {
    s += fmt::format(" dev #{}", oif);
  }
  if (prefsrc) {
    s += " src " + prefsrc->ToString();
  }
  if (scope != kScopeUniverse) {
    s += " scope " + ScopeName(scope);
  }
  s += " table " + TableName(table);
  if (priority != 0) {
    s += fmt::format(" metric {}", priority);
  }
  if (type != 1) {
    s += fmt::format(" type {}", type);
  }
  return s;
}

std::string Rule::ToString() const {
  std::string s = family == kFamilyV6 ? "-6 " : "";
  s += fmt::format("prio {}", priority);
  if (src) {
    s += " from " + src->ToString();
  }
  if (dst) {
    s += " to " + dst->ToString();
  }
  if (fwmark != 0 || fwmask != 0) {
    s += fmt::format(" fwmark {:#x}/{:#x}", fwmark, fwmask);
  }
  if (!iif.empty()) {
    s += " iif " + iif;
  }
  if (!oif.empty()) {
    s += " oif " + oif;
  }
  if (table != 0) {
    s += " lookup " + TableName(table);
  }
  if (action != 1) {
    s += fmt::format(" action {}", action);
  }
  return s;
}

std::string Neighbor::ToString() const {
  std::string s = fmt::format("{} lladdr {} dev #{}", ip.ToString(), mac.ToString(), index);
  if (state == 0x80) {
    s += " permanent";
  } else {
    s += fmt::format(" state {:#x}", state);
  }
  return s;
}

std::string LinkChange::ToString() const {
  std::string s = fmt::format("dev #{}", index);
  if (up) {
    s += *up ? " up" : " down";
  }
  if (mtu) {
    s += fmt::format(" mtu {}", *mtu);
  }
  if (mac) {
    s += " address " + mac->ToString();
  }
  if (netns_fd) {
    s += fmt::format(" netns fd:{}", *netns_fd);
  }
  return s;
}

std::string Op::ToString() const {
  std::string verb;
  switch (kind) {
    case OpKind::kLinkSet:
      verb = "link set ";
      break;
    case OpKind::kAddrAdd:
      verb = "addr add ";
      break;
    case OpKind::kAddrDel:
      verb = "addr del ";
      break;
    case OpKind::kRouteAdd:
      verb = "route add ";
      break;
    case OpKind::kRouteReplace:
      verb = "route replace ";
      break;
    case OpKind::kRouteDel:
      verb = "route del ";
      break;
    case OpKind::kRuleAdd:
      verb = "rule add ";
      break;
    case OpKind::kRuleDel:
      verb = "rule del ";
      break;
    case OpKind::kNeighReplace:
      verb = "neigh replace ";
      break;
    case OpKind::kNeighDel:
      verb = "neigh del ";
      break;
  }
  return verb + std::visit([](const auto& o) { return o.ToString(); }, obj);
}

bool OpIsWellFormed(const Op& op) {
  switch (op.kind) {
    case OpKind::kLinkSet:
      return std::holds_alternative<LinkChange>(op.obj);
    case OpKind::kAddrAdd:
    case OpKind::kAddrDel:
      return std::holds_alternative<Address>(op.obj);
    case OpKind::kRouteAdd:
    case OpKind::kRouteReplace:
    case OpKind::kRouteDel:
      return std::holds_alternative<Route>(op.obj);
    case OpKind::kRuleAdd:
    case OpKind::kRuleDel:
      return std::holds_alternative<Rule>(op.obj);
    case OpKind::kNeighReplace:
    case OpKind::kNeighDel:
      return std::holds_alternative<Neighbor>(op.obj);
  }
  return false;
}

std::string OpsToString(const std::vector<Op>& ops) {
  std::string out;
  for (const auto& op : ops) {
    out += op.ToString();
    out += '\n';
  }
  return out;
}

}  // namespace vpccni::netlink
