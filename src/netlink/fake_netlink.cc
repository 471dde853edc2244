#include "netlink/fake_netlink.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "netlink/socket.h"

namespace vpccni::netlink {
namespace {

bool PrefixContains(const IpPrefix& p, const net::IpAddress& a) {
  if (p.addr.IsV4() != a.IsV4()) {
    return false;
  }
  if (a.IsV4()) {
    return net::Ipv4Cidr(p.addr.V4(), p.len).Contains(a.V4());
  }
  return net::Ipv6Cidr(p.addr.V6(), p.len).Contains(a.V6());
}

Link MakeLoopback() {
  Link lo;
  lo.index = 1;
  lo.name = "lo";
  lo.mtu = 65536;
  lo.flags = 0x8;  // IFF_LOOPBACK, down
  return lo;
}

void AddDefaultRules(FakeKernel::Namespace& ns) {
  for (uint8_t fam : {kFamilyV4, kFamilyV6}) {
    Rule local;
    local.family = fam;
    local.priority = 0;
    local.table = kTableLocal;
    ns.rules.push_back(local);
    Rule main = local;
    main.priority = 32766;
    main.table = kTableMain;
    ns.rules.push_back(main);
    if (fam == kFamilyV4) {
      Rule def = local;
      def.priority = 32767;
      def.table = 253;
      ns.rules.push_back(def);
    }
  }
}

// Kernel-style MAC for links created without one: deterministic per (ns, index).
net::MacAddress GeneratedMac(int ns, int index) {
  return net::MacAddress({0x02, 0xfa, static_cast<uint8_t>(ns), 0x00,
                          static_cast<uint8_t>(index >> 8), static_cast<uint8_t>(index)});
}

Link* FindLink(FakeKernel::Namespace& ns, int index) {
  for (auto& l : ns.links) {
    if (l.index == index) {
      return &l;
    }
  }
  return nullptr;
}

Link* FindLinkByName(FakeKernel::Namespace& ns, std::string_view name) {
  for (auto& l : ns.links) {
    if (l.name == name) {
      return &l;
    }
  }
  return nullptr;
}

// The routes the kernel derives from an IPv4 address on an up link (prefix route in main).
std::optional<Route> PrefixRoute(const Address& a) {
  if (!a.prefix.addr.IsV4() || a.prefix.len >= 32) {
    return std::nullopt;
  }
  Route r;
  r.table = kTableMain;
  r.dst = a.prefix.Masked();
  r.oif = a.index;
  r.prefsrc = a.prefix.addr;
  r.scope = kScopeLink;
  r.protocol = 2;  // RTPROT_KERNEL
  return r;
}

void RemoveLinkState(FakeKernel::Namespace& ns, int index) {
  std::erase_if(ns.addresses, [&](const Address& a) { return a.index == index; });
  std::erase_if(ns.routes, [&](const Route& r) { return r.oif == index; });
  std::erase_if(ns.neighbors, [&](const Neighbor& n) { return n.index == index; });
}

bool RuleMatchesForDelete(const Rule& want, const Rule& have) {
  if (want.family != have.family) {
    return false;
  }
  if (want.priority != 0 && want.priority != have.priority) {
    return false;
  }
  if (want.src && want.src != have.src) {
    return false;
  }
  if (want.dst && want.dst != have.dst) {
    return false;
  }
  if (want.table != 0 && want.table != have.table) {
    return false;
  }
  if (want.fwmark != 0 && (want.fwmark != have.fwmark || want.fwmask != have.fwmask)) {
    return false;
  }
  if (!want.iif.empty() && want.iif != have.iif) {
    return false;
  }
  return want.oif.empty() || want.oif == have.oif;
}

bool SameRouteKey(const Route& a, const Route& b) {
  return a.table == b.table && a.dst.Masked() == b.dst.Masked() && a.priority == b.priority;
}

}  // namespace

FakeKernel::FakeKernel() {
  Namespace& host = namespaces_[0];
  host.links.push_back(MakeLoopback());
  AddDefaultRules(host);
}

int FakeKernel::AddNamespace() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  int id = next_ns_++;
  Namespace& ns = namespaces_[id];
  ns.links.push_back(MakeLoopback());
  AddDefaultRules(ns);
  return id;
}

FakeKernel::Namespace& FakeKernel::ns(int id) {
  return namespaces_.at(id);
}

void FakeKernel::RemoveNamespace(int id) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  auto it = namespaces_.find(id);
  if (it == namespaces_.end()) {
    return;
  }
  // veth peers of links in the dying namespace disappear too.
  for (const auto& l : it->second.links) {
    if (l.kind != "veth") {
      continue;
    }
    for (auto& [other_id, other] : namespaces_) {
      if (other_id == id) {
        continue;
      }
      for (const auto& ol : other.links) {
        if (ol.kind == "veth" && ol.link_netnsid == id && ol.parent_index == l.index) {
          RemoveLinkState(other, ol.index);
        }
      }
      std::erase_if(other.links, [&](const Link& ol) {
        return ol.kind == "veth" && ol.link_netnsid == id && ol.parent_index == l.index;
      });
    }
  }
  namespaces_.erase(it);
}

void FakeKernel::FailNextOp(std::optional<OpKind> kind, int err) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  fail_next_ = std::make_pair(kind, err);
}

FakeKernel::Namespace& FakeNetlink::Ns() {
  return kernel_.ns(ns_id_);
}

Result<std::vector<Link>> FakeNetlink::ListLinks() {
  std::lock_guard<std::recursive_mutex> lock(kernel_.mutex());
  ++kernel_.round_trips_;
  return Ns().links;
}

Result<Link> FakeNetlink::GetLinkByName(std::string_view name) {
  std::lock_guard<std::recursive_mutex> lock(kernel_.mutex());
  ++kernel_.round_trips_;
  Link* l = FindLinkByName(Ns(), name);
  if (l == nullptr) {
    return ErrnoToError(ENODEV, fmt::format("get link {}: no such device", name));
  }
  return *l;
}

Result<Link> FakeNetlink::GetLinkByIndex(int index) {
  std::lock_guard<std::recursive_mutex> lock(kernel_.mutex());
  ++kernel_.round_trips_;
  Link* l = FindLink(Ns(), index);
  if (l == nullptr) {
    return ErrnoToError(ENODEV, fmt::format("get link #{}: no such device", index));
  }
  return *l;
}

Result<Link> FakeNetlink::CreateVeth(const VethSpec& spec) {
  std::lock_guard<std::recursive_mutex> lock(kernel_.mutex());
  ++kernel_.round_trips_;
  int peer_ns_id = spec.peer_netns_fd >= 0 ? spec.peer_netns_fd : ns_id_;
  if (!kernel_.HasNamespace(peer_ns_id)) {
    return ErrnoToError(EBADF, "veth peer netns fd invalid");
  }
  auto& ns = Ns();
  auto& peer_ns = kernel_.ns(peer_ns_id);
  if (spec.name.empty() || spec.name.size() > 15 || spec.peer_name.empty() ||
      spec.peer_name.size() > 15) {
    return ErrnoToError(EINVAL, "invalid veth name");
  }
  if (FindLinkByName(ns, spec.name) != nullptr ||
      FindLinkByName(peer_ns, spec.peer_name) != nullptr ||
      (peer_ns_id == ns_id_ && spec.name == spec.peer_name)) {
    return ErrnoToError(EEXIST, fmt::format("create veth {}: file exists", spec.name));
  }
  Link a;
  a.index = ns.next_index++;
  a.name = spec.name;
  a.kind = "veth";
  a.mtu = spec.mtu != 0 ? spec.mtu : 1500;
  a.mac = spec.mac ? *spec.mac : GeneratedMac(ns_id_, a.index);
  Link b;
  b.index = peer_ns.next_index++;
  b.name = spec.peer_name;
  b.kind = "veth";
  b.mtu = spec.peer_mtu != 0 ? spec.peer_mtu : 1500;
  b.mac = spec.peer_mac ? *spec.peer_mac : GeneratedMac(peer_ns_id, b.index);
  a.parent_index = b.index;
  b.parent_index = a.index;
  a.link_netnsid = peer_ns_id;
  b.link_netnsid = ns_id_;
  ns.links.push_back(a);
  kernel_.ns(peer_ns_id).links.push_back(b);
  return a;
}

Result<Link> FakeNetlink::CreateVlan(const VlanSpec& spec) {
  std::lock_guard<std::recursive_mutex> lock(kernel_.mutex());
  ++kernel_.round_trips_;
  auto& ns = Ns();
  Link* parent = FindLink(ns, spec.parent_index);
  if (parent == nullptr) {
    return ErrnoToError(ENODEV, "vlan parent missing");
  }
  if (FindLinkByName(ns, spec.name) != nullptr) {
    return ErrnoToError(EEXIST, fmt::format("create vlan {}: file exists", spec.name));
  }
  Link l;
  l.index = ns.next_index++;
  l.name = spec.name;
  l.kind = "vlan";
  l.vlan_id = spec.vlan_id;
  l.parent_index = spec.parent_index;
  l.mtu = spec.mtu != 0 ? spec.mtu : parent->mtu;
  l.mac = spec.mac ? *spec.mac : parent->mac;
  ns.links.push_back(l);
  return l;
}

Result<Link> FakeNetlink::CreateDummy(const DummySpec& spec) {
  std::lock_guard<std::recursive_mutex> lock(kernel_.mutex());
  ++kernel_.round_trips_;
  auto& ns = Ns();
  if (FindLinkByName(ns, spec.name) != nullptr) {
    return ErrnoToError(EEXIST, fmt::format("create dummy {}: file exists", spec.name));
  }
  Link l;
  l.index = ns.next_index++;
  l.name = spec.name;
  l.kind = "dummy";
  l.mtu = spec.mtu != 0 ? spec.mtu : 1500;
  l.mac = spec.mac ? *spec.mac : GeneratedMac(ns_id_, l.index);
  ns.links.push_back(l);
  return l;
}

Result<void> FakeNetlink::DeleteLink(int index) {
  std::lock_guard<std::recursive_mutex> lock(kernel_.mutex());
  ++kernel_.round_trips_;
  auto& ns = Ns();
  Link* l = FindLink(ns, index);
  if (l == nullptr) {
    return ErrnoToError(ENODEV, fmt::format("delete link #{}: no such device", index));
  }
  if (l->kind == "veth" && kernel_.HasNamespace(l->link_netnsid)) {
    auto& peer_ns = kernel_.ns(l->link_netnsid);
    int peer = l->parent_index;
    RemoveLinkState(peer_ns, peer);
    std::erase_if(peer_ns.links, [&](const Link& p) { return p.index == peer; });
  }
  RemoveLinkState(ns, index);
  std::erase_if(ns.links, [&](const Link& x) { return x.index == index; });
  return Ok();
}

Result<std::vector<Address>> FakeNetlink::ListAddresses(uint8_t family, int index) {
  std::lock_guard<std::recursive_mutex> lock(kernel_.mutex());
  ++kernel_.round_trips_;
  std::vector<Address> out;
  for (const auto& a : Ns().addresses) {
    if ((family == 0 || a.prefix.Family() == family) && (index == 0 || a.index == index)) {
      out.push_back(a);
    }
  }
  return out;
}

Result<std::vector<Route>> FakeNetlink::ListRoutes(uint8_t family, uint32_t table) {
  std::lock_guard<std::recursive_mutex> lock(kernel_.mutex());
  ++kernel_.round_trips_;
  std::vector<Route> out;
  for (const auto& r : Ns().routes) {
    if ((family == 0 || r.Family() == family) && (table == 0 || r.table == table)) {
      out.push_back(r);
    }
  }
  return out;
}

Result<std::vector<Rule>> FakeNetlink::ListRules(uint8_t family) {
  std::lock_guard<std::recursive_mutex> lock(kernel_.mutex());
  ++kernel_.round_trips_;
  std::vector<Rule> out;
  for (const auto& r : Ns().rules) {
    if (family == 0 || r.family == family) {
      out.push_back(r);
    }
  }
  return out;
}

Result<std::vector<Neighbor>> FakeNetlink::ListNeighbors(uint8_t family, int index) {
  std::lock_guard<std::recursive_mutex> lock(kernel_.mutex());
  ++kernel_.round_trips_;
  std::vector<Neighbor> out;
  for (const auto& n : Ns().neighbors) {
    if ((family == 0 || n.Family() == family) && (index == 0 || n.index == index)) {
      out.push_back(n);
    }
  }
  return out;
}

Result<std::vector<int>> FakeNetlink::ApplyBatch(const std::vector<Op>& ops) {
  std::lock_guard<std::recursive_mutex> lock(kernel_.mutex());
  ++kernel_.round_trips_;
  for (const auto& op : ops) {
    if (!OpIsWellFormed(op)) {
      return MakeError(ErrorCode::kInvalidArgument, "malformed op {}", op.ToString());
    }
  }
  std::vector<int> errs;
  errs.reserve(ops.size());
  for (const auto& op : ops) {
    if (kernel_.fail_next_ &&
        (!kernel_.fail_next_->first || *kernel_.fail_next_->first == op.kind)) {
      errs.push_back(kernel_.fail_next_->second);
      kernel_.fail_next_.reset();
    } else {
      errs.push_back(ApplyOne(op));
    }
  }
  return errs;
}

int FakeNetlink::ApplyOne(const Op& op) {
  auto& ns = Ns();
  switch (op.kind) {
    case OpKind::kLinkSet: {
      const auto& c = std::get<LinkChange>(op.obj);
      Link* l = FindLink(ns, c.index);
      if (l == nullptr) {
        return ENODEV;
      }
      if (c.mtu) {
        if (*c.mtu < 68 || *c.mtu > 65535) {
          return EINVAL;
        }
        l->mtu = *c.mtu;
      }
      if (c.mac) {
        l->mac = *c.mac;
      }
      if (c.up) {
        bool was_up = l->IsUp();
        l->flags = *c.up ? (l->flags | 1U) : (l->flags & ~1U);
        if (was_up && !*c.up) {
          std::erase_if(ns.routes, [&](const Route& r) { return r.oif == c.index; });
        }
        if (!was_up && *c.up) {
          for (const auto& a : ns.addresses) {
            if (a.index == c.index) {
              if (auto pr = PrefixRoute(a)) {
                ns.routes.push_back(*pr);
              }
            }
          }
        }
      }
      if (c.netns_fd) {
        if (!kernel_.HasNamespace(*c.netns_fd)) {
          return EBADF;
        }
        auto& target = kernel_.ns(*c.netns_fd);
        if (FindLinkByName(target, l->name) != nullptr) {
          return EEXIST;
        }
        Link moved = *l;
        moved.index = target.next_index++;
        moved.flags &= ~1U;
        RemoveLinkState(ns, c.index);
        std::erase_if(ns.links, [&](const Link& x) { return x.index == c.index; });
        target.links.push_back(moved);
      }
      return 0;
    }
    case OpKind::kAddrAdd: {
      const auto& a = std::get<Address>(op.obj);
      Link* l = FindLink(ns, a.index);
      if (l == nullptr) {
        return ENODEV;
      }
      for (const auto& x : ns.addresses) {
        if (x.index == a.index && x.prefix.addr == a.prefix.addr) {
          return EEXIST;
        }
      }
      ns.addresses.push_back(a);
      if (l->IsUp()) {
        if (auto pr = PrefixRoute(a)) {
          ns.routes.push_back(*pr);
        }
      }
      return 0;
    }
    case OpKind::kAddrDel: {
      const auto& a = std::get<Address>(op.obj);
      auto it = std::find_if(ns.addresses.begin(), ns.addresses.end(), [&](const Address& x) {
        return x.index == a.index && x.prefix.addr == a.prefix.addr;
      });
      if (it == ns.addresses.end()) {
        return EADDRNOTAVAIL;
      }
      if (auto pr = PrefixRoute(*it)) {
        std::erase_if(ns.routes, [&](const Route& r) { return r == *pr; });
      }
      ns.addresses.erase(it);
      return 0;
    }
    case OpKind::kRouteAdd:
    case OpKind::kRouteReplace: {
      const auto& r = std::get<Route>(op.obj);
      if (r.oif != 0) {
        Link* l = FindLink(ns, r.oif);
        if (l == nullptr) {
          return ENODEV;
        }
        if (!l->IsUp()) {
          return ENETDOWN;
        }
      }
      if (r.gateway && r.gateway->IsV4()) {
        bool reachable = false;
        for (const auto& x : ns.routes) {
          if ((x.table == r.table || x.table == kTableMain) && !x.gateway &&
              x.scope == kScopeLink && PrefixContains(x.dst, *r.gateway) &&
              (r.oif == 0 || x.oif == r.oif)) {
            reachable = true;
          }
        }
        if (!reachable) {
          return ENETUNREACH;
        }
      }
      auto it = std::find_if(ns.routes.begin(), ns.routes.end(),
                             [&](const Route& x) { return SameRouteKey(x, r); });
      if (it != ns.routes.end()) {
        if (op.kind == OpKind::kRouteAdd) {
          return EEXIST;
        }
        *it = r;
        return 0;
      }
      ns.routes.push_back(r);
      return 0;
    }
    case OpKind::kRouteDel: {
      const auto& r = std::get<Route>(op.obj);
      auto it = std::find_if(ns.routes.begin(), ns.routes.end(), [&](const Route& x) {
        return x.table == r.table && x.dst.Masked() == r.dst.Masked() &&
               (r.oif == 0 || x.oif == r.oif) && (!r.gateway || x.gateway == r.gateway) &&
               (r.priority == 0 || x.priority == r.priority);
      });
      if (it == ns.routes.end()) {
        return ESRCH;
      }
      ns.routes.erase(it);
      return 0;
    }
    case OpKind::kRuleAdd: {
      const auto& r = std::get<Rule>(op.obj);
      for (const auto& x : ns.rules) {
        if (x == r) {
          return EEXIST;
        }
      }
      auto pos =
          std::upper_bound(ns.rules.begin(), ns.rules.end(), r,
                           [](const Rule& a, const Rule& b) { return a.priority < b.priority; });
      ns.rules.insert(pos, r);
      return 0;
    }
    case OpKind::kRuleDel: {
      const auto& r = std::get<Rule>(op.obj);
      auto it = std::find_if(ns.rules.begin(), ns.rules.end(),
                             [&](const Rule& x) { return RuleMatchesForDelete(r, x); });
      if (it == ns.rules.end()) {
        return ENOENT;
      }
      ns.rules.erase(it);
      return 0;
    }
    case OpKind::kNeighReplace: {
      const auto& n = std::get<Neighbor>(op.obj);
      if (FindLink(ns, n.index) == nullptr) {
        return ENODEV;
      }
      for (auto& x : ns.neighbors) {
        if (x.index == n.index && x.ip == n.ip) {
          x = n;
          return 0;
        }
      }
      ns.neighbors.push_back(n);
      return 0;
    }
    case OpKind::kNeighDel: {
      const auto& n = std::get<Neighbor>(op.obj);
      auto it = std::find_if(ns.neighbors.begin(), ns.neighbors.end(),
                             [&](const Neighbor& x) { return x.index == n.index && x.ip == n.ip; });
      if (it == ns.neighbors.end()) {
        return ENOENT;
      }
      ns.neighbors.erase(it);
      return 0;
    }
  }
  return EINVAL;
}

bool FakeSysctl::KeyExists(const std::string& key) {
  auto& ns = kernel_.ns(ns_id_);
  if (ns.sysctls.count(key) != 0) {
    return true;
  }
  for (std::string_view prefix : {"net/ipv4/conf/", "net/ipv6/conf/"}) {
    if (key.rfind(prefix, 0) == 0) {
      std::string rest = key.substr(prefix.size());
      auto slash = rest.find('/');
      if (slash == std::string::npos) {
        return false;
      }
      std::string dev = rest.substr(0, slash);
      return dev == "all" || dev == "default" || FindLinkByName(ns, dev) != nullptr;
    }
  }
  return false;
}

Result<std::string> FakeSysctl::Read(std::string_view key) {
  std::lock_guard<std::recursive_mutex> lock(kernel_.mutex());
  std::string k(key);
  if (!KeyExists(k)) {
    return ErrnoToError(ENOENT, "read sysctl " + k);
  }
  auto& m = kernel_.ns(ns_id_).sysctls;
  auto it = m.find(k);
  return it == m.end() ? std::string("0") : it->second;
}

Result<void> FakeSysctl::Write(std::string_view key, std::string_view value) {
  std::lock_guard<std::recursive_mutex> lock(kernel_.mutex());
  std::string k(key);
  if (k.find("..") != std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid sysctl key '{}'", k);
  }
  if (!KeyExists(k)) {
    return ErrnoToError(ENOENT, "write sysctl " + k);
  }
  kernel_.ns(ns_id_).sysctls[k] = std::string(value);
  return Ok();
}

}  // namespace vpccni::netlink
