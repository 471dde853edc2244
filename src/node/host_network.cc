#include "node/host_network.h"

#include <algorithm>
#include <map>

#include "netlink/socket.h"
#include "node/names.h"
#include "node/pod_network.h"

namespace vpccni::node {
namespace {

using netlink::Address;
using netlink::IpPrefix;
using netlink::kFamilyV4;
using netlink::kFamilyV6;
using netlink::kScopeLink;
using netlink::kScopeUniverse;
using netlink::kTableMain;
using netlink::Link;
using netlink::LinkChange;
using netlink::Op;
using netlink::Route;
using netlink::Rule;

uint8_t FamilyOf(const net::IpAddress& ip) {
  return ip.IsV4() ? kFamilyV4 : kFamilyV6;
}

net::IpAddress DefaultGateway(const EniNetwork& eni) {
  if (eni.gateway) {
    return *eni.gateway;
  }
  if (eni.primary_address.addr.IsV4()) {
    return net::Ipv4Cidr(eni.primary_address.addr.V4(), eni.primary_address.len).Network().Plus(1);
  }
  return *net::IpAddress::Parse("fe80:ec2::1");
}

bool SameRule(const Rule& a, const Rule& b) {
  return a.family == b.family && a.priority == b.priority && a.src == b.src && a.dst == b.dst &&
         a.table == b.table && a.fwmark == b.fwmark && a.fwmask == b.fwmask && a.iif == b.iif &&
         a.oif == b.oif && a.action == b.action;
}

bool Contains(const std::vector<Rule>& rules, const Rule& r) {
  return std::any_of(rules.begin(), rules.end(), [&](const Rule& x) { return SameRule(x, r); });
}

bool RouteMatches(const Route& have, const Route& want) {
  return have.table == want.table && have.dst.Masked() == want.dst.Masked() &&
         have.oif == want.oif && have.gateway == want.gateway &&
         (want.scope == kScopeUniverse || have.scope == want.scope);
}

const Link* FindByMac(const std::vector<Link>& links, const net::MacAddress& mac) {
  for (const auto& l : links) {
    if (l.mac == mac && l.kind != "vlan") {
      return &l;
    }
  }
  return nullptr;
}

// Ops grouped by phase so the list is ordered: links, addresses, routes, route deletes, rules.
struct Phases {
  std::vector<Op> links;
  std::vector<Op> addr_dels;
  std::vector<Op> addr_adds;
  std::vector<Op> routes;
  std::vector<Op> route_dels;
  std::vector<Op> rule_dels;
  std::vector<Op> rule_adds;

  std::vector<Op> Flatten() && {
    std::vector<Op> out;
    for (auto* v : {&links, &addr_dels, &addr_adds, &routes, &route_dels, &rule_dels, &rule_adds}) {
      for (auto& op : *v) {
        out.push_back(std::move(op));
      }
    }
    return out;
  }
};

Result<void> PlanEni(const HostNetworkConfig& cfg, const EniNetwork& eni,
                     const ObservedHostNetwork& obs, Phases& ph, HostNetworkPlan& plan) {
  const Link* link = FindByMac(obs.links, eni.mac);
  if (link == nullptr) {
    return MakeError(ErrorCode::kNotFound, "no link with MAC {} for ENI device {} card {}",
                     eni.mac.ToString(), eni.device_number, eni.network_card);
  }
  if (eni.is_primary) {
    plan.primary_ifname = link->name;
  }
  LinkChange change;
  change.index = link->index;
  bool link_goes_up = !link->IsUp();
  if (link->mtu != cfg.mtu) {
    change.mtu = cfg.mtu;
  }
  if (link_goes_up) {
    change.up = true;
  }
  if (change.mtu || change.up) {
    ph.links.push_back(Op::SetLink(change));
  }
  if (eni.is_primary) {
    return Ok();
  }
  const uint8_t family = FamilyOf(eni.primary_address.addr);
  const uint32_t table = RouteTableId(eni.device_number, eni.network_card);
  const net::IpAddress gw = DefaultGateway(eni);

  // Addresses: exactly the ENI primary address among the link's global ones.
  bool have_addr = false;
  for (const auto& a : obs.addresses) {
    if (a.index != link->index || a.prefix.Family() != family || a.scope != kScopeUniverse) {
      continue;
    }
    if (a.prefix == eni.primary_address) {
      have_addr = true;
    } else {
      ph.addr_dels.push_back(Op::DelAddr(a));
    }
  }
  Address want;
  want.index = link->index;
  want.prefix = eni.primary_address;
  if (!have_addr) {
    ph.addr_adds.push_back(Op::AddAddr(want));
  }

  // Table routes: <gw>/32 scope link, default via <gw>.
  Route gw_route;
  gw_route.table = table;
  gw_route.dst = IpPrefix::Host(gw);
  gw_route.oif = link->index;
  gw_route.scope = kScopeLink;
  Route def;
  def.table = table;
  def.dst = IpPrefix{
      gw.IsV4() ? net::IpAddress(net::Ipv4Address()) : net::IpAddress(net::Ipv6Address()), 0};
  def.gateway = gw;
  def.oif = link->index;
  bool flushed = link_goes_up;  // a link coming up has no routes yet
  for (const Route* r : {&gw_route, &def}) {
    bool present = !flushed && std::any_of(obs.routes.begin(), obs.routes.end(),
                                           [&](const Route& x) { return RouteMatches(x, *r); });
    if (!present) {
      ph.routes.push_back(Op::ReplaceRoute(*r));
    }
  }

  // The kernel's main-table subnet route for a secondary ENI goes (it reappears whenever the
  // address is added or the link comes up, so delete it in those cases too).
  if (family == kFamilyV4 && eni.primary_address.len < 32) {
    Route subnet;
    subnet.table = kTableMain;
    subnet.dst = eni.primary_address.Masked();
    subnet.oif = link->index;
    bool observed = std::any_of(obs.routes.begin(), obs.routes.end(), [&](const Route& x) {
      return x.table == kTableMain && x.dst == subnet.dst && x.oif == link->index;
    });
    if (observed || !have_addr || link_goes_up) {
      ph.route_dels.push_back(Op::DelRoute(subnet));
    }
  }

  // Rule 32765 from <eniIP> lookup <table> (not for trunk ENIs).
  if (!eni.is_trunk) {
    Rule r;
    r.family = family;
    r.priority = kPrioEniRule;
    r.src = IpPrefix::Host(eni.primary_address.addr);
    r.table = table;
    for (const auto& x : obs.rules) {
      if (x.family == family && x.priority == kPrioEniRule && x.src == r.src && !SameRule(x, r)) {
        ph.rule_dels.push_back(Op::DelRule(x));
      }
    }
    if (!Contains(obs.rules, r)) {
      ph.rule_adds.push_back(Op::AddRule(r));
    }
  }
  return Ok();
}

Result<HostNetworkPlan> Plan(const HostNetworkConfig& cfg, const ObservedHostNetwork& obs,
                             const std::optional<net::MacAddress>& only_eni) {
  const uint8_t family = cfg.ipv6 ? kFamilyV6 : kFamilyV4;
  int primaries = 0;
  for (const auto& eni : cfg.enis) {
    primaries += eni.is_primary ? 1 : 0;
    if (FamilyOf(eni.primary_address.addr) != family) {
      return MakeError(ErrorCode::kInvalidArgument, "ENI {} address {} does not match {} mode",
                       eni.mac.ToString(), eni.primary_address.ToString(),
                       cfg.ipv6 ? "IPv6" : "IPv4");
    }
  }
  if (primaries > 1) {
    return MakeError(ErrorCode::kInvalidArgument, "{} ENIs are marked primary", primaries);
  }
  if (cfg.mtu < 576 || cfg.mtu > 9001) {
    return MakeError(ErrorCode::kInvalidArgument, "MTU {} out of range 576-9001", cfg.mtu);
  }
  HostNetworkPlan plan;
  Phases ph;
  std::vector<const EniNetwork*> enis;
  for (const auto& eni : cfg.enis) {
    if (!only_eni || eni.mac == *only_eni || eni.is_primary) {
      enis.push_back(&eni);
    }
  }
  std::stable_sort(enis.begin(), enis.end(), [](const EniNetwork* a, const EniNetwork* b) {
    return std::make_pair(a->network_card, a->device_number) <
           std::make_pair(b->network_card, b->device_number);
  });
  for (const auto* eni : enis) {
    if (only_eni && eni->is_primary && eni->mac != *only_eni) {
      // Only to learn the primary interface name.
      if (const Link* l = FindByMac(obs.links, eni->mac)) {
        plan.primary_ifname = l->name;
      }
      continue;
    }
    RETURN_IF_ERROR(PlanEni(cfg, *eni, obs, ph, plan));
  }

  if (!only_eni) {
    // Rule 1024: fwmark <mark>/<mark> lookup main.
    const bool want_fwmark = cfg.node_port_support || !cfg.external_snat;
    Rule fw;
    fw.family = family;
    fw.priority = kPrioFwmarkRule;
    fw.fwmark = cfg.connmark;
    fw.fwmask = cfg.connmark;
    fw.table = kTableMain;
    for (const auto& x : obs.rules) {
      if (x.family == family && x.priority == kPrioFwmarkRule &&
          (!want_fwmark || !SameRule(x, fw))) {
        ph.rule_dels.push_back(Op::DelRule(x));
      }
    }
    if (want_fwmark && !Contains(obs.rules, fw)) {
      ph.rule_adds.push_back(Op::AddRule(fw));
    }
    // Rules 1535: to <cidr> lookup main, exactly for the configured CIDRs of this family.
    std::vector<Rule> wanted;
    for (const auto& c : cfg.external_service_cidrs) {
      if (c.Family() != family) {
        continue;
      }
      Rule r;
      r.family = family;
      r.priority = kPrioExternalServiceRule;
      r.dst = c.Masked();
      r.table = kTableMain;
      if (!Contains(wanted, r)) {
        wanted.push_back(r);
      }
    }
    for (const auto& x : obs.rules) {
      if (x.family == family && x.priority == kPrioExternalServiceRule && !Contains(wanted, x)) {
        ph.rule_dels.push_back(Op::DelRule(x));
      }
    }
    for (const auto& r : wanted) {
      if (!Contains(obs.rules, r)) {
        ph.rule_adds.push_back(Op::AddRule(r));
      }
    }
    // Sysctls (§7.9).
    if (!plan.primary_ifname.empty()) {
      if (cfg.set_rp_filter) {
        plan.sysctls.push_back({"net/ipv4/conf/" + plan.primary_ifname + "/rp_filter", "2", false});
      }
      if (cfg.ipv6) {
        plan.sysctls.push_back({"net/ipv6/conf/all/disable_ipv6", "0", true});
        plan.sysctls.push_back({"net/ipv6/conf/all/forwarding", "1", true});
        plan.sysctls.push_back({"net/ipv6/conf/" + plan.primary_ifname + "/accept_ra", "2", true});
      }
    }
  }
  plan.ops = std::move(ph).Flatten();
  return plan;
}

}  // namespace

Result<HostNetworkPlan> PlanHostNetwork(const HostNetworkConfig& cfg,
                                        const ObservedHostNetwork& observed) {
  return Plan(cfg, observed, std::nullopt);
}

Result<ObservedHostNetwork> ObserveHostNetwork(netlink::NetlinkOps& ops, uint8_t family) {
  ObservedHostNetwork o;
  ASSIGN_OR_RETURN(o.links, ops.ListLinks());
  ASSIGN_OR_RETURN(o.addresses, ops.ListAddresses(family, 0));
  ASSIGN_OR_RETURN(o.routes, ops.ListRoutes(family, 0));
  ASSIGN_OR_RETURN(o.rules, ops.ListRules(family));
  return o;
}

Result<HostNetworkPlan> HostNetworkApplier::Apply(const HostNetworkConfig& cfg) {
  ASSIGN_OR_RETURN(auto obs, ObserveHostNetwork(ops_, cfg.ipv6 ? kFamilyV6 : kFamilyV4));
  ASSIGN_OR_RETURN(auto plan, Plan(cfg, obs, std::nullopt));
  RETURN_IF_ERROR(WithContext(ops_.Apply(plan.ops), "host network"));
  RETURN_IF_ERROR(netlink::ApplySysctls(sysctl_, plan.sysctls));
  return plan;
}

Result<HostNetworkPlan> HostNetworkApplier::ApplyEni(const HostNetworkConfig& cfg,
                                                     const net::MacAddress& mac) {
  ASSIGN_OR_RETURN(auto obs, ObserveHostNetwork(ops_, cfg.ipv6 ? kFamilyV6 : kFamilyV4));
  ASSIGN_OR_RETURN(auto plan, Plan(cfg, obs, mac));
  RETURN_IF_ERROR(WithContext(ops_.Apply(plan.ops), "ENI {}", mac.ToString()));
  return plan;
}

std::vector<PodRuleState> PodRulesFromObserved(const std::vector<Rule>& rules) {
  std::map<net::IpAddress, uint32_t> by_ip;
  for (const auto& r : rules) {
    if (r.priority == kPrioPodToRule && r.dst && r.dst->len == (r.dst->addr.IsV4() ? 32 : 128) &&
        r.table == kTableMain) {
      by_ip.emplace(r.dst->addr, kTableMain);
    }
  }
  for (const auto& r : rules) {
    if (r.priority == kPrioPodFromRule && r.src && r.src->len == (r.src->addr.IsV4() ? 32 : 128)) {
      by_ip[r.src->addr] = r.table;
    }
  }
  std::vector<PodRuleState> out;
  for (const auto& [ip, table] : by_ip) {
    out.push_back({ip, table});
  }
  return out;
}

std::vector<Op> ReconcilePodRulesOps(const std::vector<Rule>& observed,
                                     const std::vector<PodRuleState>& live) {
  std::map<net::IpAddress, uint32_t> live_map;
  for (const auto& p : live) {
    live_map[p.pod_ip] = p.route_table;
  }
  std::vector<Op> dels;
  std::vector<Op> adds;
  // Delete pod rules of IPs that are not live, and 1536 rules pointing to a wrong table.
  for (const auto& r : observed) {
    const bool is_to = r.priority == kPrioPodToRule && r.dst;
    const bool is_from = r.priority == kPrioPodFromRule && r.src;
    if (!is_to && !is_from) {
      continue;
    }
    const net::IpAddress& ip = is_to ? r.dst->addr : r.src->addr;
    auto it = live_map.find(ip);
    if (it == live_map.end()) {
      dels.push_back(Op::DelRule(r));
    } else if (is_from && r.table != it->second) {
      dels.push_back(Op::DelRule(r));
    }
  }
  for (const auto& [ip, table] : live_map) {
    for (const auto& want : PodHostRules(ip, table)) {
      if (!Contains(observed, want)) {
        adds.push_back(Op::AddRule(want));
      }
    }
  }
  dels.insert(dels.end(), adds.begin(), adds.end());
  return dels;
}

Result<void> EnsurePodRules(netlink::NetlinkOps& ops, const net::IpAddress& pod_ip,
                            uint32_t route_table) {
  std::vector<Op> batch;
  for (const auto& r : PodHostRules(pod_ip, route_table)) {
    batch.push_back(Op::AddRule(r));
  }
  return ops.Apply(batch);
}

Result<void> RemovePodRules(netlink::NetlinkOps& ops, const net::IpAddress& pod_ip) {
  auto check = [](const std::vector<Op>& batch, const std::vector<int>& errs) -> Result<void> {
    for (size_t i = 0; i < batch.size() && i < errs.size(); ++i) {
      if (errs[i] != 0 && !netlink::IsMissingErrno(errs[i])) {
        return netlink::ErrnoToError(errs[i], "remove pod rules: " + batch[i].ToString());
      }
    }
    return Ok();
  };
  auto all = PodTeardownOps(pod_ip, 0, 1);
  all.pop_back();  // rules only, not the host route
  ASSIGN_OR_RETURN(auto errs, ops.ApplyBatch(all));
  RETURN_IF_ERROR(check(all, errs));
  const std::vector<Op> from_only(all.begin() + 1, all.end());
  for (int round = 0; round < 16 && errs.back() == 0; ++round) {
    ASSIGN_OR_RETURN(errs, ops.ApplyBatch(from_only));
    RETURN_IF_ERROR(check(from_only, errs));
  }
  return Ok();
}

}  // namespace vpccni::node
