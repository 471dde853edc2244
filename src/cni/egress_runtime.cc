#include "cni/egress_runtime.h"

#include <nftables/libnftables.h>

#include "cni/egress_ipam.h"
#include "netlink/netns.h"
#include "netlink/rtnl_ops.h"
#include "netlink/sysctl.h"

namespace vpccni::cni {
namespace {

class StoreIpam : public EgressIpamPort {
 public:
  explicit StoreIpam(const EgressConf& c)
      : store_(c.data_dir, c.name, EgressSubnet{c.v4, c.subnet_v4, c.subnet_v6}) {}
  Result<net::IpAddress> Allocate(const std::string& owner) override {
    return store_.Allocate(owner);
  }
  Result<std::optional<net::IpAddress>> Release(const std::string& owner) override {
    return store_.Release(owner);
  }
  Result<std::optional<net::IpAddress>> Lookup(const std::string& owner) override {
    return store_.Lookup(owner);
  }
  Result<std::map<std::string, net::IpAddress>> List() override {
    ASSIGN_OR_RETURN(EgressIpamState s, store_.Snapshot());
    std::map<std::string, net::IpAddress> out;
    for (const auto& [a, o] : s.owners) {
      out[o] = net::IpAddress::Parse(a).value_or(net::IpAddress());
    }
    return out;
  }

 private:
  EgressIpamStore store_;
};

netlink::IpPrefix Host(const net::IpAddress& a) { return netlink::IpPrefix::Host(a); }

constexpr uint32_t kIfaNoDad = 0x02;

std::string Family(const net::IpAddress& ip) { return ip.IsV4() ? "ip" : "ip6"; }

std::string ChainName(const net::IpAddress& ip) {
  std::string s = ip.ToString();
  for (char& ch : s) {
    if (ch == '.' || ch == ':') {
      ch = '-';
    }
  }
  return "snat-" + s;
}

// Runs an nft script; returns the error text on failure.
Result<void> RunNft(const std::string& script) {
  nft_ctx* ctx = nft_ctx_new(NFT_CTX_DEFAULT);
  if (ctx == nullptr) {
    return MakeError(ErrorCode::kInternal, "libnftables: cannot create a context");
  }
  nft_ctx_buffer_output(ctx);
  nft_ctx_buffer_error(ctx);
  int rc = nft_run_cmd_from_buffer(ctx, script.c_str());
  std::string err = nft_ctx_get_error_buffer(ctx) != nullptr ? nft_ctx_get_error_buffer(ctx) : "";
  nft_ctx_free(ctx);
  if (rc != 0) {
    Error e = MakeError(ErrorCode::kInternal, "nft: {}", err.empty() ? "command failed" : err);
    if (err.find("No such file or directory") != std::string::npos) {
      e.code = ErrorCode::kNotFound;
    }
    return e;
  }
  return Ok();
}

}  // namespace

EgressIpamFactory FileIpamFactory() {
  return [](const EgressConf& c) -> std::unique_ptr<EgressIpamPort> {
    return std::make_unique<StoreIpam>(c);
  };
}

Result<void> NetlinkEgressWiring::EnableForwarding(bool v4) {
  netlink::ProcSysctl sysctl;
  return v4 ? sysctl.Write("net/ipv4/ip_forward", "1")
            : sysctl.Write("net/ipv6/conf/all/forwarding", "1");
}

Result<WiringResult> NetlinkEgressWiring::Setup(const EgressWiringSpec& spec) {
  ASSIGN_OR_RETURN(netlink::Netns pod_ns, netlink::Netns::OpenPath(spec.netns));
  ASSIGN_OR_RETURN(netlink::Netns host_ns, netlink::Netns::Current());
  ASSIGN_OR_RETURN(netlink::RtnlOps host, netlink::RtnlOps::Open());
  ASSIGN_OR_RETURN(netlink::RtnlOps pod, netlink::RtnlOps::OpenInNetns(pod_ns));
  if (auto stale = host.GetLinkByName(spec.host_veth_name); stale.has_value()) {
    RETURN_IF_ERROR(host.DeleteLink(stale->index));
  }
  bool v4 = spec.ip.IsV4();
  if (!v4) {
    netlink::NetnsSysctl pod_sysctl(pod_ns.fd());
    // The pod's IPv6 may be off in an IPv4 cluster; the egress interface needs it.
    (void)pod_sysctl.Write("net/ipv6/conf/all/disable_ipv6", "0");
    (void)pod_sysctl.Write("net/ipv6/conf/default/disable_ipv6", "0");
  }
  netlink::VethSpec veth;
  veth.name = spec.ifname;
  veth.mtu = spec.mtu;
  veth.peer_name = spec.host_veth_name;
  veth.peer_mtu = spec.mtu;
  veth.peer_netns_fd = host_ns.fd();
  ASSIGN_OR_RETURN(netlink::Link cont, pod.CreateVeth(veth));
  auto cleanup = [&] {
    if (auto h = host.GetLinkByName(spec.host_veth_name); h.has_value()) {
      (void)host.DeleteLink(h->index);
    }
  };
  auto host_link = host.GetLinkByName(spec.host_veth_name);
  if (!host_link.has_value()) {
    cleanup();
    return host_link.error();
  }
  // Pod side: up, <ip>/32 (/128 nodad), <gw> scope link, routes via gw.
  std::vector<netlink::Op> pod_ops;
  pod_ops.push_back(netlink::Op::SetLink({cont.index, true, std::nullopt, std::nullopt,
                                          std::nullopt}));
  netlink::Address addr;
  addr.index = cont.index;
  addr.prefix = Host(spec.ip);
  addr.flags = v4 ? 0 : kIfaNoDad;
  pod_ops.push_back(netlink::Op::AddAddr(addr));
  netlink::Route gw_route;
  gw_route.dst = Host(spec.gateway);
  gw_route.oif = cont.index;
  gw_route.scope = netlink::kScopeLink;
  gw_route.prefsrc = spec.ip;
  pod_ops.push_back(netlink::Op::ReplaceRoute(gw_route));
  for (const auto& dst : spec.route_dsts) {
    auto p = netlink::IpPrefix::Parse(dst);
    if (!p.has_value()) {
      cleanup();
      return p.error();
    }
    netlink::Route r;
    r.dst = p->Masked();
    r.gateway = spec.gateway;
    r.oif = cont.index;
    r.prefsrc = spec.ip;
    pod_ops.push_back(netlink::Op::ReplaceRoute(r));
  }
  if (auto r = pod.Apply(pod_ops); !r.has_value()) {
    cleanup();
    return WithContext(r, "pod netns {}", spec.netns).error();
  }
  // Host side: gateway address (so the pod's neighbour resolution is answered), up, route.
  std::vector<netlink::Op> host_ops;
  netlink::Address gw_addr;
  gw_addr.index = host_link->index;
  gw_addr.prefix = Host(spec.gateway);
  gw_addr.scope = netlink::kScopeLink;
  gw_addr.flags = v4 ? 0 : kIfaNoDad;
  host_ops.push_back(netlink::Op::AddAddr(gw_addr));
  host_ops.push_back(netlink::Op::SetLink({host_link->index, true, std::nullopt, std::nullopt,
                                           std::nullopt}));
  netlink::Route to_pod;
  to_pod.dst = Host(spec.ip);
  to_pod.oif = host_link->index;
  to_pod.scope = netlink::kScopeLink;
  host_ops.push_back(netlink::Op::ReplaceRoute(to_pod));
  if (auto r = host.Apply(host_ops); !r.has_value()) {
    cleanup();
    return WithContext(r, "host side of {}", spec.host_veth_name).error();
  }
  return WiringResult{host_link->mac.ToString(), cont.mac.ToString()};
}

Result<void> NetlinkEgressWiring::Teardown(const net::IpAddress& ip,
                                           const std::string& host_veth_name) {
  ASSIGN_OR_RETURN(netlink::RtnlOps host, netlink::RtnlOps::Open());
  netlink::Route r;
  r.dst = Host(ip);
  if (!host_veth_name.empty()) {
    auto link = host.GetLinkByName(host_veth_name);
    if (!link.has_value()) {
      return Ok();  // the veth (and its route) went with the pod netns
    }
    r.oif = link->index;
  }
  r.scope = netlink::kScopeLink;
  return host.Apply({netlink::Op::DelRoute(r)});
}

Result<void> NetlinkEgressWiring::Check(const EgressWiringSpec& spec) {
  ASSIGN_OR_RETURN(netlink::Netns pod_ns, netlink::Netns::OpenPath(spec.netns));
  ASSIGN_OR_RETURN(netlink::RtnlOps pod, netlink::RtnlOps::OpenInNetns(pod_ns));
  ASSIGN_OR_RETURN(netlink::RtnlOps host, netlink::RtnlOps::Open());
  auto link = pod.GetLinkByName(spec.ifname);
  if (!link.has_value()) {
    return MakeError(ErrorCode::kNotFound, "{} missing in {}", spec.ifname, spec.netns);
  }
  ASSIGN_OR_RETURN(auto addrs, pod.ListAddresses(spec.ip.IsV4() ? netlink::kFamilyV4
                                                                : netlink::kFamilyV6,
                                                 link->index));
  bool found = false;
  for (const auto& a : addrs) {
    found |= a.prefix.addr == spec.ip;
  }
  if (!found) {
    return MakeError(ErrorCode::kNotFound, "address {} missing on {}", spec.ip.ToString(),
                     spec.ifname);
  }
  auto hl = host.GetLinkByName(spec.host_veth_name);
  if (!hl.has_value()) {
    return MakeError(ErrorCode::kNotFound, "host veth {} missing", spec.host_veth_name);
  }
  ASSIGN_OR_RETURN(auto routes, host.ListRoutes(spec.ip.IsV4() ? netlink::kFamilyV4
                                                               : netlink::kFamilyV6,
                                                netlink::kTableMain));
  for (const auto& r : routes) {
    if (r.dst == Host(spec.ip) && r.oif == hl->index) {
      return Ok();
    }
  }
  return MakeError(ErrorCode::kNotFound, "host route {} dev {} missing", spec.ip.ToString(),
                   spec.host_veth_name);
}

std::string EgressSnatScript(const net::IpAddress& ip, const std::string& node_ip,
                             const std::string& randomize) {
  const std::string fam = Family(ip);
  const std::string chain = ChainName(ip);
  const bool v4 = ip.IsV4();
  std::string flags = randomize == "prng" ? " fully-random" : randomize == "hashrandom" ? " random"
                                                                                          : "";
  std::string s;
  s += "add table " + fam + " vpccni-egress\n";
  s += "add map " + fam + " vpccni-egress pods { type " + (v4 ? "ipv4_addr" : "ipv6_addr") +
       " : verdict ; }\n";
  s += "add chain " + fam +
       " vpccni-egress postrouting { type nat hook postrouting priority srcnat ; policy accept ; }\n";
  s += "flush chain " + fam + " vpccni-egress postrouting\n";
  s += "add rule " + fam + " vpccni-egress postrouting " + fam + " saddr vmap @pods\n";
  s += "add chain " + fam + " vpccni-egress " + chain + "\n";
  s += "flush chain " + fam + " vpccni-egress " + chain + "\n";
  s += "add rule " + fam + " vpccni-egress " + chain + " " + fam + " daddr " +
       (v4 ? "224.0.0.0/4" : "ff00::/8") + " accept\n";
  s += "add rule " + fam + " vpccni-egress " + chain + " snat " + (v4 ? "ip" : "ip6") + " to " +
       node_ip + flags + "\n";
  s += "add element " + fam + " vpccni-egress pods { " + ip.ToString() + " : jump " + chain +
       " }\n";
  return s;
}

Result<void> NftEgressSnat::Add(const net::IpAddress& ip, const std::string& node_ip,
                                const std::string& randomize) {
  return RunNft(EgressSnatScript(ip, node_ip, randomize));
}

Result<void> NftEgressSnat::Del(const net::IpAddress& ip) {
  const std::string fam = Family(ip);
  // Each step separately: earlier DELs (or a missing table) make them no-ops.
  for (const std::string& cmd :
       {"delete element " + fam + " vpccni-egress pods { " + ip.ToString() + " }",
        "flush chain " + fam + " vpccni-egress " + ChainName(ip),
        "delete chain " + fam + " vpccni-egress " + ChainName(ip)}) {
    auto r = RunNft(cmd);
    if (!r.has_value() && r.error().code != ErrorCode::kNotFound) {
      return r;
    }
  }
  return Ok();
}

Result<bool> NftEgressSnat::Has(const net::IpAddress& ip) {
  auto r = RunNft("get element " + Family(ip) + " vpccni-egress pods { " + ip.ToString() + " }");
  if (!r.has_value()) {
    if (r.error().code == ErrorCode::kNotFound) {
      return false;
    }
    return r.error();
  }
  return true;
}

}  // namespace vpccni::cni
