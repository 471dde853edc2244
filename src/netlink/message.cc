#include "netlink/message.h"

#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cstring>

namespace vpccni::netlink {
namespace {

constexpr size_t Align4(size_t n) {
  return (n + 3U) & ~size_t{3};
}

Error Malformed(std::string_view what) {
  return MakeError(ErrorCode::kInvalidArgument, "malformed netlink message: {}", what);
}

template <typename T>
Result<T> ReadStruct(std::span<const uint8_t> payload, std::string_view what) {
  if (payload.size() < sizeof(T)) {
    return Malformed(fmt::format("truncated {} ({} < {} bytes)", what, payload.size(), sizeof(T)));
  }
  T t{};
  std::memcpy(&t, payload.data(), sizeof(T));
  return t;
}

std::span<const uint8_t> AttrArea(std::span<const uint8_t> payload, size_t hdr_len) {
  size_t off = Align4(hdr_len);
  if (off >= payload.size()) {
    return {};
  }
  return payload.subspan(off);
}

uint32_t AttrU32(const RawAttr& a) {
  uint32_t v = 0;
  std::memcpy(&v, a.data.data(), std::min<size_t>(a.data.size(), 4));
  return v;
}

Result<uint32_t> AttrU32Checked(const RawAttr& a, std::string_view what) {
  if (a.data.size() < 4) {
    return Malformed(fmt::format("short {} attribute", what));
  }
  return AttrU32(a);
}

std::string AttrString(const RawAttr& a) {
  const auto* p = reinterpret_cast<const char*>(a.data.data());
  size_t n = 0;
  while (n < a.data.size() && p[n] != '\0') {
    ++n;
  }
  return {p, n};
}

Result<net::IpAddress> AttrIp(const RawAttr& a, uint8_t family) {
  if (family == AF_INET && a.data.size() == 4) {
    return net::IpAddress(net::Ipv4Address::FromBytes(a.data.data()));
  }
  if (family == AF_INET6 && a.data.size() == 16) {
    std::array<uint8_t, 16> b{};
    std::memcpy(b.data(), a.data.data(), 16);
    return net::IpAddress(net::Ipv6Address(b));
  }
  return Malformed(
      fmt::format("address attribute of {} bytes for family {}", a.data.size(), family));
}

Result<void> CheckFamily(uint8_t family) {
  if (family != AF_INET && family != AF_INET6) {
    return MakeError(ErrorCode::kUnimplemented, "unsupported address family {}", family);
  }
  return Ok();
}

Result<void> CheckPrefixLen(uint8_t family, unsigned len) {
  if (len > (family == AF_INET ? 32U : 128U)) {
    return Malformed(fmt::format("prefix length {} for family {}", len, family));
  }
  return Ok();
}

// Default (unspecified) address of a family, for prefixes with no address attribute.
net::IpAddress AnyAddress(uint8_t family) {
  if (family == AF_INET6) {
    return net::IpAddress(net::Ipv6Address());
  }
  return net::IpAddress(net::Ipv4Address());
}

uint8_t FamilyOf(const net::IpAddress& a) {
  return a.IsV4() ? AF_INET : AF_INET6;
}

}  // namespace

MessageBuilder::MessageBuilder(uint16_t type, uint16_t flags) {
  nlmsghdr h{};
  h.nlmsg_type = type;
  h.nlmsg_flags = flags;
  buf_.resize(sizeof(h));
  std::memcpy(buf_.data(), &h, sizeof(h));
}

void MessageBuilder::PutRaw(const void* data, size_t len) {
  size_t off = buf_.size();
  buf_.resize(off + Align4(len), 0);
  if (len > 0) {
    std::memcpy(buf_.data() + off, data, len);
  }
}

void MessageBuilder::PutAttr(uint16_t type, const void* data, size_t len) {
  nlattr a{};
  a.nla_len = static_cast<uint16_t>(sizeof(a) + len);
  a.nla_type = type;
  size_t off = buf_.size();
  buf_.resize(off + Align4(sizeof(a) + len), 0);
  std::memcpy(buf_.data() + off, &a, sizeof(a));
  if (len > 0) {
    std::memcpy(buf_.data() + off + sizeof(a), data, len);
  }
}

void MessageBuilder::PutString(uint16_t type, std::string_view s) {
  std::string tmp(s);
  PutAttr(type, tmp.c_str(), tmp.size() + 1);
}

void MessageBuilder::PutIp(uint16_t type, const net::IpAddress& ip) {
  if (ip.IsV4()) {
    auto b = ip.V4().ToBytes();
    PutAttr(type, b.data(), b.size());
  } else {
    PutAttr(type, ip.V6().Bytes().data(), 16);
  }
}

void MessageBuilder::PutMac(uint16_t type, const net::MacAddress& mac) {
  PutAttr(type, mac.Bytes().data(), 6);
}

size_t MessageBuilder::BeginNested(uint16_t type) {
  size_t off = buf_.size();
  PutAttr(static_cast<uint16_t>(type | NLA_F_NESTED), nullptr, 0);
  return off;
}

void MessageBuilder::EndNested(size_t token) {
  auto len = static_cast<uint16_t>(buf_.size() - token);
  std::memcpy(buf_.data() + token, &len, sizeof(len));
}

std::vector<uint8_t> MessageBuilder::Finish() && {
  auto len = static_cast<uint32_t>(buf_.size());
  std::memcpy(buf_.data(), &len, sizeof(len));
  return std::move(buf_);
}

Result<std::vector<RawMessage>> SplitMessages(std::span<const uint8_t> buf) {
  std::vector<RawMessage> out;
  size_t off = 0;
  while (off < buf.size()) {
    if (buf.size() - off < sizeof(nlmsghdr)) {
      return Malformed("truncated message header");
    }
    nlmsghdr h{};
    std::memcpy(&h, buf.data() + off, sizeof(h));
    if (h.nlmsg_len < sizeof(nlmsghdr) || h.nlmsg_len > buf.size() - off) {
      return Malformed(fmt::format("bad message length {} at offset {}", h.nlmsg_len, off));
    }
    RawMessage m;
    m.type = h.nlmsg_type;
    m.flags = h.nlmsg_flags;
    m.seq = h.nlmsg_seq;
    m.pid = h.nlmsg_pid;
    m.payload = buf.subspan(off + sizeof(nlmsghdr), h.nlmsg_len - sizeof(nlmsghdr));
    out.push_back(m);
    off += Align4(h.nlmsg_len);
  }
  return out;
}

Result<std::vector<RawAttr>> SplitAttrs(std::span<const uint8_t> buf) {
  std::vector<RawAttr> out;
  size_t off = 0;
  while (off + sizeof(nlattr) <= buf.size()) {
    nlattr a{};
    std::memcpy(&a, buf.data() + off, sizeof(a));
    if (a.nla_len < sizeof(nlattr) || a.nla_len > buf.size() - off) {
      return Malformed(fmt::format("bad attribute length {} at offset {}", a.nla_len, off));
    }
    out.push_back({static_cast<uint16_t>(a.nla_type & NLA_TYPE_MASK),
                   buf.subspan(off + sizeof(nlattr), a.nla_len - sizeof(nlattr))});
    off += Align4(a.nla_len);
  }
  return out;
}

Result<int> DecodeErrorCode(const RawMessage& m) {
  ASSIGN_OR_RETURN(auto e, ReadStruct<int32_t>(m.payload, "nlmsgerr"));
  if (e > 0 || e < -4095) {
    return Malformed(fmt::format("error code {}", e));
  }
  return -e;
}

std::string DecodeExtAckMessage(const RawMessage& m) {
  if (m.type != NLMSG_ERROR || m.payload.size() < sizeof(nlmsgerr)) {
    return {};
  }
  nlmsgerr e{};
  std::memcpy(&e, m.payload.data(), sizeof(e));
  size_t skip = sizeof(nlmsgerr);
  if ((m.flags & NLM_F_CAPPED) == 0) {
    if (e.msg.nlmsg_len < sizeof(nlmsghdr)) {
      return {};
    }
    skip = sizeof(int32_t) + Align4(e.msg.nlmsg_len);
  }
  if ((m.flags & NLM_F_ACK_TLVS) == 0 || skip >= m.payload.size()) {
    return {};
  }
  auto attrs = SplitAttrs(m.payload.subspan(skip));
  if (!attrs) {
    return {};
  }
  for (const auto& a : *attrs) {
    if (a.type == NLMSGERR_ATTR_MSG) {
      return AttrString(a);
    }
  }
  return {};
}

Result<Link> DecodeLink(const RawMessage& m) {
  if (m.type != RTM_NEWLINK) {
    return Malformed(fmt::format("expected RTM_NEWLINK, got type {}", m.type));
  }
  ASSIGN_OR_RETURN(auto ifi, ReadStruct<ifinfomsg>(m.payload, "ifinfomsg"));
  Link l;
  l.index = ifi.ifi_index;
  l.flags = ifi.ifi_flags;
  ASSIGN_OR_RETURN(auto attrs, SplitAttrs(AttrArea(m.payload, sizeof(ifinfomsg))));
  for (const auto& a : attrs) {
    switch (a.type) {
      case IFLA_IFNAME:
        l.name = AttrString(a);
        break;
      case IFLA_ADDRESS:
        if (a.data.size() == 6) {
          std::array<uint8_t, 6> b{};
          std::memcpy(b.data(), a.data.data(), 6);
          l.mac = net::MacAddress(b);
        }
        break;
      case IFLA_MTU: {
        ASSIGN_OR_RETURN(l.mtu, AttrU32Checked(a, "IFLA_MTU"));
        break;
      }
      case IFLA_OPERSTATE:
        if (!a.data.empty()) {
          l.oper_state = a.data[0];
        }
        break;
      case IFLA_LINK: {
        ASSIGN_OR_RETURN(auto v, AttrU32Checked(a, "IFLA_LINK"));
        l.parent_index = static_cast<int>(v);
        break;
      }
      case IFLA_MASTER: {
        ASSIGN_OR_RETURN(auto v, AttrU32Checked(a, "IFLA_MASTER"));
        l.master_index = static_cast<int>(v);
        break;
      }
      case IFLA_LINK_NETNSID: {
        ASSIGN_OR_RETURN(auto v, AttrU32Checked(a, "IFLA_LINK_NETNSID"));
        l.link_netnsid = static_cast<int>(v);
        break;
      }
      case IFLA_LINKINFO: {
        ASSIGN_OR_RETURN(auto info, SplitAttrs(a.data));
        for (const auto& i : info) {
          if (i.type == IFLA_INFO_KIND) {
            l.kind = AttrString(i);
          }
        }
        for (const auto& i : info) {
          if (i.type == IFLA_INFO_DATA && l.kind == "vlan") {
            ASSIGN_OR_RETURN(auto data, SplitAttrs(i.data));
            for (const auto& d : data) {
              if (d.type == IFLA_VLAN_ID && d.data.size() >= 2) {
                std::memcpy(&l.vlan_id, d.data.data(), 2);
              }
            }
          }
        }
        break;
      }
      default:
        break;
    }
  }
  return l;
}

Result<Address> DecodeAddress(const RawMessage& m) {
  if (m.type != RTM_NEWADDR && m.type != RTM_DELADDR) {
    return Malformed(fmt::format("expected RTM_NEWADDR, got type {}", m.type));
  }
  ASSIGN_OR_RETURN(auto ifa, ReadStruct<ifaddrmsg>(m.payload, "ifaddrmsg"));
  RETURN_IF_ERROR(CheckFamily(ifa.ifa_family));
  RETURN_IF_ERROR(CheckPrefixLen(ifa.ifa_family, ifa.ifa_prefixlen));
  Address out;
  out.index = static_cast<int>(ifa.ifa_index);
  out.scope = ifa.ifa_scope;
  out.flags = ifa.ifa_flags;
  std::optional<net::IpAddress> local;
  std::optional<net::IpAddress> address;
  ASSIGN_OR_RETURN(auto attrs, SplitAttrs(AttrArea(m.payload, sizeof(ifaddrmsg))));
  for (const auto& a : attrs) {
    switch (a.type) {
      case IFA_LOCAL: {
        ASSIGN_OR_RETURN(local, AttrIp(a, ifa.ifa_family));
        break;
      }
      case IFA_ADDRESS: {
        ASSIGN_OR_RETURN(address, AttrIp(a, ifa.ifa_family));
        break;
      }
      case IFA_FLAGS: {
        ASSIGN_OR_RETURN(out.flags, AttrU32Checked(a, "IFA_FLAGS"));
        break;
      }
      default:
        break;
    }
  }
  if (!local && !address) {
    return Malformed("address message without IFA_LOCAL/IFA_ADDRESS");
  }
  out.prefix = {local ? *local : *address, ifa.ifa_prefixlen};
  return out;
}

Result<Route> DecodeRoute(const RawMessage& m) {
  if (m.type != RTM_NEWROUTE && m.type != RTM_DELROUTE) {
    return Malformed(fmt::format("expected RTM_NEWROUTE, got type {}", m.type));
  }
  ASSIGN_OR_RETURN(auto rt, ReadStruct<rtmsg>(m.payload, "rtmsg"));
  RETURN_IF_ERROR(CheckFamily(rt.rtm_family));
  RETURN_IF_ERROR(CheckPrefixLen(rt.rtm_family, rt.rtm_dst_len));
  Route r;
  r.table = rt.rtm_table;
  r.scope = rt.rtm_scope;
  r.protocol = rt.rtm_protocol;
  r.type = rt.rtm_type;
  r.dst = {AnyAddress(rt.rtm_family), rt.rtm_dst_len};
  ASSIGN_OR_RETURN(auto attrs, SplitAttrs(AttrArea(m.payload, sizeof(rtmsg))));
  for (const auto& a : attrs) {
    switch (a.type) {
      case RTA_DST: {
        ASSIGN_OR_RETURN(r.dst.addr, AttrIp(a, rt.rtm_family));
        break;
      }
      case RTA_GATEWAY: {
        ASSIGN_OR_RETURN(r.gateway, AttrIp(a, rt.rtm_family));
        break;
      }
      case RTA_PREFSRC: {
        ASSIGN_OR_RETURN(r.prefsrc, AttrIp(a, rt.rtm_family));
        break;
      }
      case RTA_OIF: {
        ASSIGN_OR_RETURN(auto v, AttrU32Checked(a, "RTA_OIF"));
        r.oif = static_cast<int>(v);
        break;
      }
      case RTA_TABLE: {
        ASSIGN_OR_RETURN(r.table, AttrU32Checked(a, "RTA_TABLE"));
        break;
      }
      case RTA_PRIORITY: {
        ASSIGN_OR_RETURN(r.priority, AttrU32Checked(a, "RTA_PRIORITY"));
        break;
      }
      default:
        break;
    }
  }
  return r;
}

Result<Rule> DecodeRule(const RawMessage& m) {
  if (m.type != RTM_NEWRULE && m.type != RTM_DELRULE) {
    return Malformed(fmt::format("expected RTM_NEWRULE, got type {}", m.type));
  }
  ASSIGN_OR_RETURN(auto fh, ReadStruct<fib_rule_hdr>(m.payload, "fib_rule_hdr"));
  RETURN_IF_ERROR(CheckFamily(fh.family));
  RETURN_IF_ERROR(CheckPrefixLen(fh.family, fh.src_len));
  RETURN_IF_ERROR(CheckPrefixLen(fh.family, fh.dst_len));
  Rule r;
  r.family = fh.family;
  r.table = fh.table;
  r.action = fh.action;
  ASSIGN_OR_RETURN(auto attrs, SplitAttrs(AttrArea(m.payload, sizeof(fib_rule_hdr))));
  for (const auto& a : attrs) {
    switch (a.type) {
      case FRA_PRIORITY: {
        ASSIGN_OR_RETURN(r.priority, AttrU32Checked(a, "FRA_PRIORITY"));
        break;
      }
      case FRA_SRC: {
        ASSIGN_OR_RETURN(auto ip, AttrIp(a, fh.family));
        r.src = IpPrefix{ip, fh.src_len};
        break;
      }
      case FRA_DST: {
        ASSIGN_OR_RETURN(auto ip, AttrIp(a, fh.family));
        r.dst = IpPrefix{ip, fh.dst_len};
        break;
      }
      case FRA_TABLE: {
        ASSIGN_OR_RETURN(r.table, AttrU32Checked(a, "FRA_TABLE"));
        break;
      }
      case FRA_FWMARK: {
        ASSIGN_OR_RETURN(r.fwmark, AttrU32Checked(a, "FRA_FWMARK"));
        break;
      }
      case FRA_FWMASK: {
        ASSIGN_OR_RETURN(r.fwmask, AttrU32Checked(a, "FRA_FWMASK"));
        break;
      }
      case FRA_IIFNAME:
        r.iif = AttrString(a);
        break;
      case FRA_OIFNAME:
        r.oif = AttrString(a);
        break;
      default:
        break;
    }
  }
  return r;
}

Result<Neighbor> DecodeNeighbor(const RawMessage& m) {
  if (m.type != RTM_NEWNEIGH && m.type != RTM_DELNEIGH) {
    return Malformed(fmt::format("expected RTM_NEWNEIGH, got type {}", m.type));
  }
  ASSIGN_OR_RETURN(auto nd, ReadStruct<ndmsg>(m.payload, "ndmsg"));
  RETURN_IF_ERROR(CheckFamily(nd.ndm_family));
  Neighbor n;
  n.index = nd.ndm_ifindex;
  n.state = nd.ndm_state;
  bool have_dst = false;
  ASSIGN_OR_RETURN(auto attrs, SplitAttrs(AttrArea(m.payload, sizeof(ndmsg))));
  for (const auto& a : attrs) {
    if (a.type == NDA_DST) {
      ASSIGN_OR_RETURN(n.ip, AttrIp(a, nd.ndm_family));
      have_dst = true;
    } else if (a.type == NDA_LLADDR && a.data.size() == 6) {
      std::array<uint8_t, 6> b{};
      std::memcpy(b.data(), a.data.data(), 6);
      n.mac = net::MacAddress(b);
    }
  }
  if (!have_dst) {
    return Malformed("neighbour message without NDA_DST");
  }
  return n;
}

// ---- Encoders -------------------------------------------------------------------------------

namespace {

void PutSkipStats(MessageBuilder& b) {
  b.PutU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
}

}  // namespace

std::vector<uint8_t> EncodeGetLinkByName(std::string_view name) {
  MessageBuilder b(RTM_GETLINK, 0);
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  b.PutHeader(ifi);
  PutSkipStats(b);
  b.PutString(IFLA_IFNAME, name);
  return std::move(b).Finish();
}

std::vector<uint8_t> EncodeGetLinkByIndex(int index) {
  MessageBuilder b(RTM_GETLINK, 0);
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = index;
  b.PutHeader(ifi);
  PutSkipStats(b);
  return std::move(b).Finish();
}

std::vector<uint8_t> EncodeDumpLinks() {
  MessageBuilder b(RTM_GETLINK, NLM_F_DUMP);
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  b.PutHeader(ifi);
  PutSkipStats(b);
  return std::move(b).Finish();
}

std::vector<uint8_t> EncodeNewVeth(const VethSpec& spec) {
  MessageBuilder b(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  b.PutHeader(ifi);
  b.PutString(IFLA_IFNAME, spec.name);
  if (spec.mac) {
    b.PutMac(IFLA_ADDRESS, *spec.mac);
  }
  if (spec.mtu != 0) {
    b.PutU32(IFLA_MTU, spec.mtu);
  }
  size_t info = b.BeginNested(IFLA_LINKINFO);
  b.PutString(IFLA_INFO_KIND, "veth");
  size_t data = b.BeginNested(IFLA_INFO_DATA);
  size_t peer = b.BeginNested(VETH_INFO_PEER);
  ifinfomsg pifi{};
  pifi.ifi_family = AF_UNSPEC;
  b.PutHeader(pifi);
  b.PutString(IFLA_IFNAME, spec.peer_name);
  if (spec.peer_mac) {
    b.PutMac(IFLA_ADDRESS, *spec.peer_mac);
  }
  if (spec.peer_mtu != 0) {
    b.PutU32(IFLA_MTU, spec.peer_mtu);
  }
  if (spec.peer_netns_fd >= 0) {
    b.PutU32(IFLA_NET_NS_FD, static_cast<uint32_t>(spec.peer_netns_fd));
  }
  b.EndNested(peer);
  b.EndNested(data);
  b.EndNested(info);
  return std::move(b).Finish();
}

std::vector<uint8_t> EncodeNewVlan(const VlanSpec& spec) {
  MessageBuilder b(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  b.PutHeader(ifi);
  b.PutString(IFLA_IFNAME, spec.name);
  b.PutU32(IFLA_LINK, static_cast<uint32_t>(spec.parent_index));
  if (spec.mac) {
    b.PutMac(IFLA_ADDRESS, *spec.mac);
  }
  if (spec.mtu != 0) {
    b.PutU32(IFLA_MTU, spec.mtu);
  }
  size_t info = b.BeginNested(IFLA_LINKINFO);
  b.PutString(IFLA_INFO_KIND, "vlan");
  size_t data = b.BeginNested(IFLA_INFO_DATA);
  b.PutU16(IFLA_VLAN_ID, spec.vlan_id);
  b.EndNested(data);
  b.EndNested(info);
  return std::move(b).Finish();
}

std::vector<uint8_t> EncodeNewDummy(const DummySpec& spec) {
  MessageBuilder b(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  b.PutHeader(ifi);
  b.PutString(IFLA_IFNAME, spec.name);
  if (spec.mac) {
    b.PutMac(IFLA_ADDRESS, *spec.mac);
  }
  if (spec.mtu != 0) {
    b.PutU32(IFLA_MTU, spec.mtu);
  }
  size_t info = b.BeginNested(IFLA_LINKINFO);
  b.PutString(IFLA_INFO_KIND, "dummy");
  b.EndNested(info);
  return std::move(b).Finish();
}

std::vector<uint8_t> EncodeSetLink(const LinkChange& change, std::string_view name) {
  MessageBuilder b(RTM_NEWLINK, 0);
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = change.index;
  if (change.up) {
    ifi.ifi_flags = *change.up ? IFF_UP : 0;
    ifi.ifi_change = IFF_UP;
  }
  b.PutHeader(ifi);
  if (change.index == 0 && !name.empty()) {
    b.PutString(IFLA_IFNAME, name);
  }
  if (change.mtu) {
    b.PutU32(IFLA_MTU, *change.mtu);
  }
  if (change.mac) {
    b.PutMac(IFLA_ADDRESS, *change.mac);
  }
  if (change.netns_fd) {
    b.PutU32(IFLA_NET_NS_FD, static_cast<uint32_t>(*change.netns_fd));
  }
  return std::move(b).Finish();
}

std::vector<uint8_t> EncodeDelLink(int index, std::string_view name) {
  MessageBuilder b(RTM_DELLINK, 0);
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = index;
  b.PutHeader(ifi);
  if (index == 0 && !name.empty()) {
    b.PutString(IFLA_IFNAME, name);
  }
  return std::move(b).Finish();
}

std::vector<uint8_t> EncodeAddress(uint16_t msg_type, const Address& a) {
  uint16_t flags = msg_type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_EXCL : 0;
  MessageBuilder b(msg_type, flags);
  ifaddrmsg ifa{};
  ifa.ifa_family = FamilyOf(a.prefix.addr);
  ifa.ifa_prefixlen = static_cast<uint8_t>(a.prefix.len);
  ifa.ifa_flags = static_cast<uint8_t>(a.flags & 0xffU);
  ifa.ifa_scope = a.scope;
  ifa.ifa_index = static_cast<uint32_t>(a.index);
  b.PutHeader(ifa);
  b.PutIp(IFA_LOCAL, a.prefix.addr);
  b.PutIp(IFA_ADDRESS, a.prefix.addr);
  if (msg_type == RTM_NEWADDR && a.flags > 0xffU) {
    b.PutU32(IFA_FLAGS, a.flags);
  }
  return std::move(b).Finish();
}

std::vector<uint8_t> EncodeDumpAddresses(uint8_t family) {
  MessageBuilder b(RTM_GETADDR, NLM_F_DUMP);
  ifaddrmsg ifa{};
  ifa.ifa_family = family;
  b.PutHeader(ifa);
  return std::move(b).Finish();
}

std::vector<uint8_t> EncodeRoute(uint16_t msg_type, uint16_t flags, const Route& r) {
  MessageBuilder b(msg_type, flags);
  rtmsg rt{};
  rt.rtm_family = r.Family();
  rt.rtm_dst_len = static_cast<uint8_t>(r.dst.len);
  rt.rtm_table =
      r.table < 256 ? static_cast<uint8_t>(r.table) : static_cast<uint8_t>(RT_TABLE_UNSPEC);
  if (msg_type == RTM_DELROUTE) {
    rt.rtm_scope = RT_SCOPE_NOWHERE;
  } else {
    rt.rtm_scope = r.scope;
    rt.rtm_protocol = r.protocol;
    rt.rtm_type = r.type;
  }
  b.PutHeader(rt);
  b.PutU32(RTA_TABLE, r.table);
  if (r.dst.len > 0) {
    b.PutIp(RTA_DST, r.dst.addr);
  }
  if (r.gateway) {
    b.PutIp(RTA_GATEWAY, *r.gateway);
  }
  if (r.oif != 0) {
    b.PutU32(RTA_OIF, static_cast<uint32_t>(r.oif));
  }
  if (r.prefsrc) {
    b.PutIp(RTA_PREFSRC, *r.prefsrc);
  }
  if (r.priority != 0) {
    b.PutU32(RTA_PRIORITY, r.priority);
  }
  return std::move(b).Finish();
}

std::vector<uint8_t> EncodeDumpRoutes(uint8_t family) {
  MessageBuilder b(RTM_GETROUTE, NLM_F_DUMP);
  rtmsg rt{};
  rt.rtm_family = family;
  b.PutHeader(rt);
  return std::move(b).Finish();
}

std::vector<uint8_t> EncodeRule(uint16_t msg_type, uint16_t flags, const Rule& r) {
  MessageBuilder b(msg_type, flags);
  fib_rule_hdr fh{};
  fh.family = r.family;
  fh.src_len = r.src ? static_cast<uint8_t>(r.src->len) : 0;
  fh.dst_len = r.dst ? static_cast<uint8_t>(r.dst->len) : 0;
  fh.table = r.table < 256 ? static_cast<uint8_t>(r.table) : static_cast<uint8_t>(RT_TABLE_UNSPEC);
  fh.action =
      (msg_type == RTM_DELRULE && r.table == 0) ? static_cast<uint8_t>(FR_ACT_UNSPEC) : r.action;
  b.PutHeader(fh);
  if (r.priority != 0 || msg_type == RTM_NEWRULE) {
    b.PutU32(FRA_PRIORITY, r.priority);
  }
  if (r.src) {
    b.PutIp(FRA_SRC, r.src->addr);
  }
  if (r.dst) {
    b.PutIp(FRA_DST, r.dst->addr);
  }
  if (r.table != 0) {
    b.PutU32(FRA_TABLE, r.table);
  }
  if (r.fwmark != 0 || r.fwmask != 0) {
    b.PutU32(FRA_FWMARK, r.fwmark);
    b.PutU32(FRA_FWMASK, r.fwmask);
  }
  if (!r.iif.empty()) {
    b.PutString(FRA_IIFNAME, r.iif);
  }
  if (!r.oif.empty()) {
    b.PutString(FRA_OIFNAME, r.oif);
  }
  return std::move(b).Finish();
}

std::vector<uint8_t> EncodeDumpRules(uint8_t family) {
  MessageBuilder b(RTM_GETRULE, NLM_F_DUMP);
  fib_rule_hdr fh{};
  fh.family = family;
  b.PutHeader(fh);
  return std::move(b).Finish();
}

std::vector<uint8_t> EncodeNeighbor(uint16_t msg_type, uint16_t flags, const Neighbor& n) {
  MessageBuilder b(msg_type, flags);
  ndmsg nd{};
  nd.ndm_family = n.Family();
  nd.ndm_ifindex = n.index;
  nd.ndm_state = msg_type == RTM_NEWNEIGH ? n.state : 0;
  b.PutHeader(nd);
  b.PutIp(NDA_DST, n.ip);
  if (msg_type == RTM_NEWNEIGH) {
    b.PutMac(NDA_LLADDR, n.mac);
  }
  return std::move(b).Finish();
}

std::vector<uint8_t> EncodeDumpNeighbors(uint8_t family) {
  MessageBuilder b(RTM_GETNEIGH, NLM_F_DUMP);
  ndmsg nd{};
  nd.ndm_family = family;
  b.PutHeader(nd);
  return std::move(b).Finish();
}

std::vector<uint8_t> EncodeOp(const Op& op) {
  if (!OpIsWellFormed(op)) {
    return {};
  }
  switch (op.kind) {
    case OpKind::kLinkSet:
      return EncodeSetLink(std::get<LinkChange>(op.obj));
    case OpKind::kAddrAdd:
      return EncodeAddress(RTM_NEWADDR, std::get<Address>(op.obj));
    case OpKind::kAddrDel:
      return EncodeAddress(RTM_DELADDR, std::get<Address>(op.obj));
    case OpKind::kRouteAdd:
      return EncodeRoute(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, std::get<Route>(op.obj));
    case OpKind::kRouteReplace:
      return EncodeRoute(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, std::get<Route>(op.obj));
    case OpKind::kRouteDel:
      return EncodeRoute(RTM_DELROUTE, 0, std::get<Route>(op.obj));
    case OpKind::kRuleAdd:
      return EncodeRule(RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, std::get<Rule>(op.obj));
    case OpKind::kRuleDel:
      return EncodeRule(RTM_DELRULE, 0, std::get<Rule>(op.obj));
    case OpKind::kNeighReplace:
      return EncodeNeighbor(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, std::get<Neighbor>(op.obj));
    case OpKind::kNeighDel:
      return EncodeNeighbor(RTM_DELNEIGH, 0, std::get<Neighbor>(op.obj));
  }
  return {};
}

}  // namespace vpccni::netlink
