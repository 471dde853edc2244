// File: host_network.h
//
// Host networking of a node (reference §7.3-§7.5, §7.9): desired state from the node's ENIs,
// diffed against what the kernel holds into an ordered, idempotent op list (pure, golden-tested),
// and HostNetworkApplier which observes, plans and applies through the NetlinkOps and SysctlOps
// ports. Also the pod-rule helpers ipamd uses when it restores pods from its checkpoint.
//
// Per ENI (primary and secondary alike): MTU, link up. Secondary ENIs (not the primary) also get:
// the ENI primary address (other global addresses removed), in table RouteTableId(dev, card)
// `<gw>/32 dev ethX scope link` and `default via <gw> dev ethX`, the kernel's main-table subnet
// route deleted, and rule 32765 `from <eniIP> lookup <table>` (not for trunk ENIs).
// Node: rule 1024 `fwmark <mark>/<mark> lookup main` when node-port support or !external SNAT;
// rules 1535 `to <cidr> lookup main` per external service CIDR (stale 1535 rules removed);
// net/ipv4/conf/<primary>/rp_filter=2.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "net/ip.h"
#include "netlink/ops.h"
#include "netlink/sysctl.h"
#include "netlink/types.h"

namespace vpccni::node {

inline constexpr uint32_t kPrioFwmarkRule = 1024;
inline constexpr uint32_t kPrioExternalServiceRule = 1535;
inline constexpr uint32_t kPrioEniRule = 32765;
inline constexpr uint32_t kDefaultConnmark = 0x80;

struct EniNetwork {
  net::MacAddress mac;
  int device_number = 0;
  int network_card = 0;
  bool is_primary = false;
  bool is_trunk = false;
  // The ENI's primary address with its subnet prefix length, e.g. 10.0.1.5/24.
  netlink::IpPrefix primary_address;
  // Default: subnet network + 1 (IPv4), fe80:ec2::1 (IPv6).
  std::optional<net::IpAddress> gateway;
};

struct HostNetworkConfig {
  std::vector<EniNetwork> enis;
  uint32_t mtu = 9001;
  bool ipv6 = false;
  bool node_port_support = true;                          // AWS_VPC_CNI_NODE_PORT_SUPPORT
  bool external_snat = false;                             // AWS_VPC_K8S_CNI_EXTERNALSNAT
  uint32_t connmark = kDefaultConnmark;                   // AWS_VPC_K8S_CNI_CONNMARK
  std::vector<netlink::IpPrefix> external_service_cidrs;  // AWS_EXTERNAL_SERVICE_CIDRS
  bool set_rp_filter = true;
};

// What the kernel holds (one family).
struct ObservedHostNetwork {
  std::vector<netlink::Link> links;
  std::vector<netlink::Address> addresses;
  std::vector<netlink::Route> routes;  // all tables
  std::vector<netlink::Rule> rules;
};

struct HostNetworkPlan {
  std::vector<netlink::Op> ops;
  std::vector<netlink::SysctlSetting> sysctls;
  std::string primary_ifname;
};

// Pure: desired state for cfg, diffed against observed. Only missing/wrong objects produce ops,
// so planning against the result of applying a plan yields no ops. kNotFound when an ENI's MAC
// matches no link ("no link with MAC 0a:..:01 for eni device 1"); kInvalidArgument for
// inconsistent config (two primaries, family mismatch).
Result<HostNetworkPlan> PlanHostNetwork(const HostNetworkConfig& cfg,
                                        const ObservedHostNetwork& observed);

// Reads links, addresses, routes (all tables) and rules of one family through ops.
Result<ObservedHostNetwork> ObserveHostNetwork(netlink::NetlinkOps& ops, uint8_t family);

// Applies the host network state through the ports. Not thread-safe; borrows both ports.
class HostNetworkApplier {
 public:
  HostNetworkApplier(netlink::NetlinkOps& ops, netlink::SysctlOps& sysctl)
      : ops_(ops), sysctl_(sysctl) {}

  // Observe -> plan -> apply ops (one batch) -> sysctls. Returns the plan that was applied.
  Result<HostNetworkPlan> Apply(const HostNetworkConfig& cfg);
  // Per-ENI only (used when ipamd attaches a new ENI): same as Apply() restricted to that ENI.
  Result<HostNetworkPlan> ApplyEni(const HostNetworkConfig& cfg, const net::MacAddress& mac);

 private:
  netlink::NetlinkOps& ops_;
  netlink::SysctlOps& sysctl_;
};

// Pod rules in the host netns (rules 512 / 1536) for ipamd's restore and prune.
struct PodRuleState {
  net::IpAddress pod_ip;
  uint32_t route_table = netlink::kTableMain;  // from the 1536 rule, main when none
};

// Pod IPs that have a 512 or 1536 rule, with the table of their 1536 rule.
std::vector<PodRuleState> PodRulesFromObserved(const std::vector<netlink::Rule>& rules);
// Ops that create the rules of live pods that are missing and delete rules of pod IPs not in
// `live` (pure). `live` maps each live pod IP to its ENI table.
std::vector<netlink::Op> ReconcilePodRulesOps(const std::vector<netlink::Rule>& observed,
                                              const std::vector<PodRuleState>& live);
// Adds rules 512 (+1536) for one pod; idempotent.
Result<void> EnsurePodRules(netlink::NetlinkOps& ops, const net::IpAddress& pod_ip,
                            uint32_t route_table);
// Deletes rule 512 and all 1536 rules of one pod; idempotent.
Result<void> RemovePodRules(netlink::NetlinkOps& ops, const net::IpAddress& pod_ip);

}  // namespace vpccni::node
