#include "node/pod_network.h"

#include <linux/if_addr.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <mutex>
#include <thread>

#include "base/log.h"
#include "netlink/netns.h"
#include "netlink/rtnl_ops.h"

namespace vpccni::node {
namespace {

using netlink::Address;
using netlink::IpPrefix;
using netlink::kFamilyV4;
using netlink::kFamilyV6;
using netlink::kScopeLink;
using netlink::kTableMain;
using netlink::LinkChange;
using netlink::Neighbor;
using netlink::Op;
using netlink::Route;
using netlink::Rule;

constexpr std::string_view kComponent = "node";
constexpr uint32_t kIfaNoDad = 0x02;
// Deletes of the `from <ip>` rule per DEL batch; old layouts could hold several.
constexpr int kFromRuleDeletesPerBatch = 2;
constexpr int kMaxFromRuleBatches = 16;

uint8_t FamilyOf(const net::IpAddress& ip) {
  return ip.IsV4() ? kFamilyV4 : kFamilyV6;
}

uint32_t PodTable(int interface_index) {
  return interface_index == 0 ? kTableMain : static_cast<uint32_t>(interface_index);
}

Result<void> ValidateIfName(std::string_view what, const std::string& name) {
  if (name.empty() || name.size() > 15 || name.find('/') != std::string::npos ||
      name.find(' ') != std::string::npos || name == "." || name == "..") {
    return MakeError(ErrorCode::kInvalidArgument, "invalid {} '{}'", what, name);
  }
  return Ok();
}

Result<void> Validate(const PodNetworkConfig& cfg) {
  RETURN_IF_ERROR(ValidateIfName("host veth name", cfg.host_veth_name));
  RETURN_IF_ERROR(ValidateIfName("container interface name", cfg.container_ifname));
  if (cfg.netns_path.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "pod netns path is empty");
  }
  if (cfg.interface_index < 0 || cfg.interface_index > 250) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid interface index {}",
                     cfg.interface_index);
  }
  uint32_t min_mtu = cfg.pod_ip.IsV4() ? 576 : 1280;
  if (cfg.mtu < min_mtu || cfg.mtu > 9001) {
    return MakeError(ErrorCode::kInvalidArgument, "MTU {} out of range {}-9001", cfg.mtu, min_mtu);
  }
  bool unspecified =
      cfg.pod_ip.IsV4() ? cfg.pod_ip.V4().ToUint() == 0 : cfg.pod_ip.V6() == net::Ipv6Address();
  if (unspecified) {
    return MakeError(ErrorCode::kInvalidArgument, "pod IP is unspecified");
  }
  if (cfg.route_table == 0) {
    return MakeError(ErrorCode::kInvalidArgument, "route table 0 is invalid");
  }
  return Ok();
}

net::MacAddress DefaultRandomMac() {
  static std::mutex mu;
  static SeededRng rng = SeededRng::FromEntropy();
  std::lock_guard<std::mutex> lock(mu);
  return RandomLocalMac(rng);
}

}  // namespace

net::IpAddress PodGateway(bool ipv6, int interface_index) {
  auto last = static_cast<uint32_t>(interface_index + 1);
  if (!ipv6) {
    return net::Ipv4Address((169U << 24) | (254U << 16) | (1U << 8) | (last & 0xffU));
  }
  std::array<uint8_t, 16> b{};
  b[0] = 0xfe;
  b[1] = 0x80;
  b[14] = static_cast<uint8_t>(last >> 8);
  b[15] = static_cast<uint8_t>(last);
  return net::Ipv6Address(b);
}

std::vector<Rule> PodHostRules(const net::IpAddress& pod_ip, uint32_t route_table) {
  std::vector<Rule> rules;
  Rule to;
  to.family = FamilyOf(pod_ip);
  to.priority = kPrioPodToRule;
  to.dst = IpPrefix::Host(pod_ip);
  to.table = kTableMain;
  rules.push_back(to);
  if (route_table != kTableMain) {
    Rule from;
    from.family = FamilyOf(pod_ip);
    from.priority = kPrioPodFromRule;
    from.src = IpPrefix::Host(pod_ip);
    from.table = route_table;
    rules.push_back(from);
  }
  return rules;
}

Route PodHostRoute(const net::IpAddress& pod_ip, int host_veth_index) {
  Route r;
  r.table = kTableMain;
  r.dst = IpPrefix::Host(pod_ip);
  r.oif = host_veth_index;
  r.scope = kScopeLink;
  return r;
}

std::vector<Op> PodContainerOps(const PodNetworkConfig& cfg, int container_index,
                                const net::MacAddress& host_veth_mac) {
  const bool v6 = cfg.pod_ip.IsV6();
  const net::IpAddress gw = PodGateway(v6, cfg.interface_index);
  const uint32_t table = PodTable(cfg.interface_index);
  std::vector<Op> ops;
  LinkChange up;
  up.index = container_index;
  up.up = true;
  ops.push_back(Op::SetLink(up));
  Address addr;
  addr.index = container_index;
  addr.prefix = IpPrefix::Host(cfg.pod_ip);
  addr.flags = v6 ? kIfaNoDad : 0;  // the VPC guarantees uniqueness; skip the DAD wait
  ops.push_back(Op::AddAddr(addr));
  Route gw_route;
  gw_route.table = table;
  gw_route.dst = IpPrefix::Host(gw);
  gw_route.oif = container_index;
  gw_route.scope = kScopeLink;
  ops.push_back(Op::ReplaceRoute(gw_route));
  Route def;
  def.table = table;
  def.dst =
      IpPrefix{v6 ? net::IpAddress(net::Ipv6Address()) : net::IpAddress(net::Ipv4Address()), 0};
  def.gateway = gw;
  def.oif = container_index;
  ops.push_back(Op::ReplaceRoute(def));
  Neighbor n;
  n.index = container_index;
  n.ip = gw;
  n.mac = host_veth_mac;
  ops.push_back(Op::ReplaceNeigh(n));
  if (cfg.interface_index > 0) {
    Rule r;
    r.family = FamilyOf(cfg.pod_ip);
    r.priority = kPrioPodExtraIfRule;
    r.src = IpPrefix::Host(cfg.pod_ip);
    r.table = table;
    ops.push_back(Op::AddRule(r));
  }
  return ops;
}

std::vector<Op> PodHostOps(const PodNetworkConfig& cfg, int host_veth_index) {
  std::vector<Op> ops;
  LinkChange up;
  up.index = host_veth_index;
  up.up = true;
  ops.push_back(Op::SetLink(up));
  ops.push_back(Op::ReplaceRoute(PodHostRoute(cfg.pod_ip, host_veth_index)));
  auto rules = PodHostRules(cfg.pod_ip, cfg.route_table);
  ops.push_back(Op::AddRule(rules[0]));
  // A stale `from` rule of an earlier owner of this IP may point to another table.
  Rule any_from;
  any_from.family = FamilyOf(cfg.pod_ip);
  any_from.priority = kPrioPodFromRule;
  any_from.src = IpPrefix::Host(cfg.pod_ip);
  ops.push_back(Op::DelRule(any_from));
  if (rules.size() > 1) {
    ops.push_back(Op::AddRule(rules[1]));
  }
  return ops;
}

Result<void> WaitForNoTentativeAddresses(netlink::NetlinkOps& pod, int pod_index,
                                         netlink::NetlinkOps& host, int host_index) {
  constexpr auto kPoll = std::chrono::milliseconds(50);
  constexpr int kPolls = 200;  // 10 s
  auto tentative = [](netlink::NetlinkOps& ops, int index) -> Result<bool> {
    ASSIGN_OR_RETURN(auto addrs, ops.ListAddresses(AF_INET6, index));
    return std::any_of(addrs.begin(), addrs.end(),
                       [](const netlink::Address& a) { return (a.flags & IFA_F_TENTATIVE) != 0; });
  };
  for (int i = 0; i < kPolls; ++i) {
    ASSIGN_OR_RETURN(bool in_pod, tentative(pod, pod_index));
    ASSIGN_OR_RETURN(bool on_host, tentative(host, host_index));
    if (!in_pod && !on_host) {
      return Ok();
    }
    std::this_thread::sleep_for(kPoll);
  }
  return MakeError(ErrorCode::kDeadlineExceeded,
                   "IPv6 addresses of the pod veth still tentative after 10 s");
}

std::vector<netlink::SysctlSetting> HostVethSysctls(const std::string& host_veth_name,
                                                    bool ipv6_pod) {
  std::string base = "net/ipv6/conf/" + host_veth_name + "/";
  std::vector<netlink::SysctlSetting> out = {{base + "accept_ra", "0", true},
                                             {base + "accept_redirects", "1", true},
                                             {base + "forwarding", "0", true}};
  if (ipv6_pod) {
    // No duplicate address detection on a two-ended veth: the link-local the node talks to an
    // IPv6 pod from is usable at once, not ~2 s after ADD returned.
    out.push_back({base + "accept_dad", "0", true});
  }
  return out;
}

std::vector<Op> PodTeardownOps(const net::IpAddress& pod_ip, int host_veth_index,
                               int extra_from_rules) {
  std::vector<Op> ops;
  Rule to;
  to.family = FamilyOf(pod_ip);
  to.priority = kPrioPodToRule;
  to.dst = IpPrefix::Host(pod_ip);
  to.table = kTableMain;
  ops.push_back(Op::DelRule(to));
  Rule from;
  from.family = FamilyOf(pod_ip);
  from.priority = kPrioPodFromRule;
  from.src = IpPrefix::Host(pod_ip);
  for (int i = 0; i <= extra_from_rules; ++i) {
    ops.push_back(Op::DelRule(from));
  }
  Route r = PodHostRoute(pod_ip, host_veth_index);
  r.scope = netlink::kScopeUniverse;  // deletes match any scope
  ops.push_back(Op::DelRoute(r));
  return ops;
}

net::MacAddress RandomLocalMac(Rng& rng) {
  uint64_t v = rng.Next();
  std::array<uint8_t, 6> b{};
  for (size_t i = 0; i < 6; ++i) {
    b[i] = static_cast<uint8_t>(v >> (8 * i));
  }
  b[0] = static_cast<uint8_t>((b[0] & 0xfeU) | 0x02U);
  return net::MacAddress(b);
}

Result<PodNetworkResult> SetupPodNetwork(const PodNetworkConfig& cfg, PodNetworkEnv& env) {
  RETURN_IF_ERROR(Validate(cfg));
  if (env.host == nullptr || env.pod == nullptr || env.host_sysctl == nullptr) {
    return MakeError(ErrorCode::kInvalidArgument, "pod network env is incomplete");
  }
  const net::MacAddress host_mac = cfg.host_veth_mac
                                       ? *cfg.host_veth_mac
                                       : (env.random_mac ? env.random_mac() : DefaultRandomMac());
  netlink::VethSpec veth;
  veth.name = cfg.host_veth_name;
  veth.mac = host_mac;
  veth.mtu = cfg.mtu;
  veth.peer_name = cfg.container_ifname;
  veth.peer_mtu = cfg.mtu;
  veth.peer_netns_fd = env.pod_netns_fd;

  // 1+3. Create the pair with the container end directly in the pod netns. A host link left by
  // an earlier attempt is deleted first, but only when creation reports it (saves a lookup).
  auto created = env.host->CreateVeth(veth);
  if (!created && created.error().code == ErrorCode::kAlreadyExists) {
    auto stale = env.host->GetLinkByName(cfg.host_veth_name);
    if (!stale) {
      Error e = MakeError(ErrorCode::kAlreadyExists, "interface {} already exists in pod netns {}",
                          cfg.container_ifname, cfg.netns_path);
      e.sys_errno = EEXIST;
      return e;
    }
    LOG_INFO(kComponent, "deleting stale host link {} (#{})", stale->name, stale->index);
    RETURN_IF_ERROR(WithContext(env.host->DeleteLink(stale->index), "delete stale link {}",
                                cfg.host_veth_name));
    created = env.host->CreateVeth(veth);
  }
  if (!created) {
    return WithContext(Result<PodNetworkResult>(created.error()), "create veth {} <-> {}",
                       cfg.host_veth_name, cfg.container_ifname);
  }
  const netlink::Link host_link = *created;

  auto fail = [&](Error e) -> Result<PodNetworkResult> {
    // Removing the host end removes the container end too, so a retry starts clean.
    (void)env.host->DeleteLink(host_link.index);
    return e;
  };

  auto container = env.pod->GetLinkByName(cfg.container_ifname);
  if (!container) {
    return fail(container.error().AddContext("find container interface"));
  }
  // 3. Host veth sysctls before the host end goes up (missing IPv6 keys tolerated).
  if (auto r = netlink::ApplySysctls(*env.host_sysctl,
                                     HostVethSysctls(cfg.host_veth_name, cfg.pod_ip.IsV6()));
      !r) {
    return fail(r.error());
  }
  // 4. IPv6 pods need IPv6 enabled on the container interface and lo, without DAD on the
  //    interface (its addresses are usable when ADD returns, as upstream's wait for DAD ensures).
  if (cfg.pod_ip.IsV6() && env.pod_sysctl != nullptr) {
    std::vector<netlink::SysctlSetting> v6 = {
        {"net/ipv6/conf/" + cfg.container_ifname + "/disable_ipv6", "0", true},
        {"net/ipv6/conf/" + cfg.container_ifname + "/accept_dad", "0", true},
        {"net/ipv6/conf/lo/disable_ipv6", "0", true}};
    if (auto r = netlink::ApplySysctls(*env.pod_sysctl, v6); !r) {
      return fail(r.error());
    }
  }
  // 4. Container side in one batch.
  if (auto r = env.pod->Apply(PodContainerOps(cfg, container->index, host_mac)); !r) {
    return fail(r.error().AddContext("pod netns " + cfg.netns_path));
  }
  // 5. Host side in one batch.
  if (auto r = env.host->Apply(PodHostOps(cfg, host_link.index)); !r) {
    return fail(r.error().AddContext("host netns"));
  }
  // 6. IPv6: no address of either veth end may still be tentative when ADD returns (DAD is off
  //    on both, so this normally passes at once; upstream polls the same way).
  if (cfg.pod_ip.IsV6()) {
    if (auto r =
            WaitForNoTentativeAddresses(*env.pod, container->index, *env.host, host_link.index);
        !r) {
      return fail(r.error());
    }
  }
  PodNetworkResult res;
  res.host_veth_name = cfg.host_veth_name;
  res.host_veth_mac = host_mac;
  res.host_veth_index = host_link.index;
  res.container_ifname = cfg.container_ifname;
  res.container_mac = container->mac;
  res.container_index = container->index;
  res.sandbox = cfg.netns_path;
  return res;
}

Result<PodNetworkResult> SetupPodNetwork(const PodNetworkConfig& cfg) {
  RETURN_IF_ERROR(Validate(cfg));
  ASSIGN_OR_RETURN(auto ns, netlink::Netns::OpenPath(cfg.netns_path));
  ASSIGN_OR_RETURN(auto host, netlink::RtnlOps::Open());
  ASSIGN_OR_RETURN(auto pod, netlink::RtnlOps::OpenInNetns(ns));
  netlink::ProcSysctl host_sysctl;
  netlink::NetnsSysctl pod_sysctl(ns.fd());
  PodNetworkEnv env;
  env.host = &host;
  env.pod = &pod;
  env.host_sysctl = &host_sysctl;
  env.pod_sysctl = &pod_sysctl;
  env.pod_netns_fd = ns.fd();
  return SetupPodNetwork(cfg, env);
}

Result<void> TeardownPodNetwork(const PodTeardownConfig& cfg, netlink::NetlinkOps& host) {
  int host_index = 0;
  if (!cfg.host_veth_name.empty()) {
    auto link = host.GetLinkByName(cfg.host_veth_name);
    if (link) {
      host_index = link->index;
    } else if (link.error().code != ErrorCode::kNotFound &&
               link.error().code != ErrorCode::kInvalidArgument) {
      return link.error();
    }
  }
  auto ops = PodTeardownOps(cfg.pod_ip, host_index, kFromRuleDeletesPerBatch - 1);
  ASSIGN_OR_RETURN(auto errs, host.ApplyBatch(ops));
  for (size_t i = 0; i < ops.size(); ++i) {
    if (errs[i] != 0 && !netlink::IsMissingErrno(errs[i])) {
      Error e = netlink::ErrnoToError(errs[i], "pod teardown");
      e.AddContext(ops[i].ToString());
      return e;
    }
  }
  // Keep deleting `from` rules while the last delete of the batch still found one.
  bool more = errs[kFromRuleDeletesPerBatch] == 0;
  for (int round = 0; more && round < kMaxFromRuleBatches; ++round) {
    std::vector<Op> dels(ops.begin() + 1, ops.begin() + 1 + kFromRuleDeletesPerBatch);
    ASSIGN_OR_RETURN(auto e2, host.ApplyBatch(dels));
    for (size_t i = 0; i < dels.size(); ++i) {
      if (e2[i] != 0 && !netlink::IsMissingErrno(e2[i])) {
        Error e = netlink::ErrnoToError(e2[i], "pod teardown");
        e.AddContext(dels[i].ToString());
        return e;
      }
    }
    more = e2.back() == 0;
  }
  return Ok();
}

Result<void> TeardownPodNetwork(const PodTeardownConfig& cfg) {
  ASSIGN_OR_RETURN(auto host, netlink::RtnlOps::Open());
  return TeardownPodNetwork(cfg, host);
}

namespace {

Error CheckFailed(ErrorCode code, std::string msg) {
  return MakeErrorValue(code, std::move(msg));
}

bool HasRule(const std::vector<Rule>& rules, const Rule& want) {
  for (const auto& r : rules) {
    if (r.priority == want.priority && r.src == want.src && r.dst == want.dst &&
        r.table == want.table && r.fwmark == want.fwmark && r.iif == want.iif &&
        r.oif == want.oif) {
      return true;
    }
  }
  return false;
}

bool HasRoute(const std::vector<Route>& routes, const Route& want) {
  for (const auto& r : routes) {
    if (r.table == want.table && r.dst.Masked() == want.dst.Masked() && r.oif == want.oif &&
        r.gateway == want.gateway) {
      return true;
    }
  }
  return false;
}

}  // namespace

Result<PodNetworkResult> CheckPodNetwork(const PodNetworkConfig& cfg, PodNetworkEnv& env) {
  RETURN_IF_ERROR(Validate(cfg));
  if (env.host == nullptr || env.pod == nullptr) {
    return MakeError(ErrorCode::kInvalidArgument, "pod network env is incomplete");
  }
  const uint8_t family = FamilyOf(cfg.pod_ip);
  auto container = env.pod->GetLinkByName(cfg.container_ifname);
  if (!container) {
    return CheckFailed(ErrorCode::kNotFound,
                       fmt::format("container interface {} missing in netns {}",
                                   cfg.container_ifname, cfg.netns_path));
  }
  if (!container->IsUp()) {
    return CheckFailed(ErrorCode::kFailedPrecondition,
                       fmt::format("container interface {} is down", cfg.container_ifname));
  }
  if (container->mtu != cfg.mtu) {
    return CheckFailed(ErrorCode::kFailedPrecondition,
                       fmt::format("container interface {} has MTU {}, want {}",
                                   cfg.container_ifname, container->mtu, cfg.mtu));
  }
  auto host_link = env.host->GetLinkByName(cfg.host_veth_name);
  if (!host_link) {
    return CheckFailed(ErrorCode::kNotFound,
                       fmt::format("host veth {} missing", cfg.host_veth_name));
  }
  if (!host_link->IsUp()) {
    return CheckFailed(ErrorCode::kFailedPrecondition,
                       fmt::format("host veth {} is down", cfg.host_veth_name));
  }
  ASSIGN_OR_RETURN(auto addrs, env.pod->ListAddresses(family, container->index));
  bool have_addr = false;
  for (const auto& a : addrs) {
    have_addr = have_addr || (a.prefix == IpPrefix::Host(cfg.pod_ip));
  }
  if (!have_addr) {
    return CheckFailed(ErrorCode::kNotFound,
                       fmt::format("address {} missing on {} in pod netns",
                                   IpPrefix::Host(cfg.pod_ip).ToString(), cfg.container_ifname));
  }
  // Pod routes, neighbour and (for extra interfaces) rule: compare with the desired ops.
  auto desired = PodContainerOps(cfg, container->index, host_link->mac);
  ASSIGN_OR_RETURN(auto pod_routes, env.pod->ListRoutes(family, PodTable(cfg.interface_index)));
  ASSIGN_OR_RETURN(auto neighs, env.pod->ListNeighbors(family, container->index));
  std::vector<Rule> pod_rules;
  if (cfg.interface_index > 0) {
    ASSIGN_OR_RETURN(pod_rules, env.pod->ListRules(family));
  }
  for (const auto& op : desired) {
    if (const auto* r = std::get_if<Route>(&op.obj)) {
      if (!HasRoute(pod_routes, *r)) {
        return CheckFailed(ErrorCode::kNotFound,
                           fmt::format("pod route {} missing", r->ToString()));
      }
    } else if (const auto* n = std::get_if<Neighbor>(&op.obj)) {
      bool ok = false;
      for (const auto& x : neighs) {
        if (x.ip == n->ip) {
          if (x.mac != n->mac) {
            return CheckFailed(ErrorCode::kFailedPrecondition,
                               fmt::format("pod neighbour {} has lladdr {}, want {}",
                                           n->ip.ToString(), x.mac.ToString(), n->mac.ToString()));
          }
          if ((x.state & 0x80U) == 0) {
            return CheckFailed(ErrorCode::kFailedPrecondition,
                               fmt::format("pod neighbour {} is not permanent", n->ip.ToString()));
          }
          ok = true;
        }
      }
      if (!ok) {
        return CheckFailed(ErrorCode::kNotFound,
                           fmt::format("pod neighbour {} missing", n->ToString()));
      }
    } else if (const auto* rule = std::get_if<Rule>(&op.obj)) {
      if (!HasRule(pod_rules, *rule)) {
        return CheckFailed(ErrorCode::kNotFound,
                           fmt::format("pod rule {} missing", rule->ToString()));
      }
    }
  }
  // Host route and rules.
  ASSIGN_OR_RETURN(auto host_routes, env.host->ListRoutes(family, kTableMain));
  Route hr = PodHostRoute(cfg.pod_ip, host_link->index);
  if (!HasRoute(host_routes, hr)) {
    return CheckFailed(ErrorCode::kNotFound,
                       fmt::format("host route {} dev {} missing",
                                   IpPrefix::Host(cfg.pod_ip).ToString(), cfg.host_veth_name));
  }
  ASSIGN_OR_RETURN(auto host_rules, env.host->ListRules(family));
  for (const auto& r : PodHostRules(cfg.pod_ip, cfg.route_table)) {
    if (!HasRule(host_rules, r)) {
      return CheckFailed(ErrorCode::kNotFound, fmt::format("host rule {} missing", r.ToString()));
    }
  }
  PodNetworkResult res;
  res.host_veth_name = cfg.host_veth_name;
  res.host_veth_mac = host_link->mac;
  res.host_veth_index = host_link->index;
  res.container_ifname = cfg.container_ifname;
  res.container_mac = container->mac;
  res.container_index = container->index;
  res.sandbox = cfg.netns_path;
  return res;
}

Result<PodNetworkResult> CheckPodNetwork(const PodNetworkConfig& cfg) {
  RETURN_IF_ERROR(Validate(cfg));
  auto ns = netlink::Netns::OpenPath(cfg.netns_path);
  if (!ns) {
    return CheckFailed(ErrorCode::kNotFound, fmt::format("pod netns {} missing: {}", cfg.netns_path,
                                                         ns.error().ToString()));
  }
  ASSIGN_OR_RETURN(auto host, netlink::RtnlOps::Open());
  ASSIGN_OR_RETURN(auto pod, netlink::RtnlOps::OpenInNetns(*ns));
  PodNetworkEnv env;
  env.host = &host;
  env.pod = &pod;
  env.pod_netns_fd = ns->fd();
  return CheckPodNetwork(cfg, env);
}

}  // namespace vpccni::node
