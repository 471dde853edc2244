// File: pod_network.h
//
// Per-pod wiring (reference §7.6): the desired objects for one pod interface, as pure functions
// that golden tests pin down, and SetupPodNetwork / TeardownPodNetwork / CheckPodNetwork, which
// realise, remove and verify them with as few netlink round trips as possible.
//
// Pod netns:  veth <container_ifname> (MTU), up; <podIP>/32 (/128, no DAD); route
//             <gw>/32 dev <if> scope link; default via <gw> dev <if>; permanent neighbour
//             <gw> lladdr <host veth MAC>; gw = 169.254.1.(i+1) or fe80::(i+1). For interface
//             index i > 0 the two routes go to table i and a rule prio 1 from <podIP> lookup i.
// Host netns: veth <host_veth_name> with a random locally administered MAC, sysctls
//             net/ipv6/conf/<veth>/{accept_ra=0,accept_redirects=1,forwarding=0} (+accept_dad=0
//             for IPv6 pods) before up; route
//             <podIP>/32 dev <veth> scope link (main, replace); rule 512 to <podIP> lookup main;
//             rule 1536 from <podIP> lookup <table> when table != main.
// IPv6 pods:  no DAD on either end (accept_dad=0 before up), and ADD waits until no address of
//             either end is tentative, so the pod is reachable when ADD returns.
//
// The "host" netns is always the calling thread's current netns.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "net/ip.h"
#include "netlink/ops.h"
#include "netlink/sysctl.h"
#include "netlink/types.h"

namespace vpccni::node {

inline constexpr uint32_t kPrioPodToRule = 512;     // to <podIP> lookup main
inline constexpr uint32_t kPrioPodFromRule = 1536;  // from <podIP> lookup <ENI table>
inline constexpr uint32_t kPrioPodExtraIfRule = 1;  // pod netns: from <podIP_i> lookup i

struct PodNetworkConfig {
  std::string netns_path;                 // the sandbox (CNI_NETNS)
  std::string container_ifname = "eth0";  // use ContainerIfName() for index > 0
  std::string host_veth_name;             // use HostVethName()
  net::IpAddress pod_ip;
  int interface_index = 0;
  uint32_t mtu = 9001;
  uint32_t route_table = netlink::kTableMain;    // the ENI's table; 1536 rule only when != main
  std::optional<net::MacAddress> host_veth_mac;  // default: random locally administered
};

struct PodNetworkResult {
  std::string host_veth_name;
  net::MacAddress host_veth_mac;
  int host_veth_index = 0;
  std::string container_ifname;
  net::MacAddress container_mac;
  int container_index = 0;
  std::string sandbox;  // = netns_path
};

// Pure parts (golden-tested).
// Gateway of interface i: 169.254.1.(i+1) for IPv4 pods, fe80::(i+1) for IPv6 pods.
net::IpAddress PodGateway(bool ipv6, int interface_index);
// Rules 512 (and 1536 when table != main) for a pod address in the host netns.
std::vector<netlink::Rule> PodHostRules(const net::IpAddress& pod_ip, uint32_t route_table);
// The host /32 (/128) route to the pod via its host veth.
netlink::Route PodHostRoute(const net::IpAddress& pod_ip, int host_veth_index);
// Ops inside the pod netns once the container end has index container_index.
std::vector<netlink::Op> PodContainerOps(const PodNetworkConfig& cfg, int container_index,
                                         const net::MacAddress& host_veth_mac);
// Ops in the host netns once the host end has index host_veth_index (link up, route, rules).
std::vector<netlink::Op> PodHostOps(const PodNetworkConfig& cfg, int host_veth_index);
// Polls (50 ms, up to 10 s) until neither veth end has a tentative IPv6 address.
// kDeadlineExceeded on timeout; netlink errors as they come.
Result<void> WaitForNoTentativeAddresses(netlink::NetlinkOps& pod, int pod_index,
                                         netlink::NetlinkOps& host, int host_index);
// Host veth sysctls set before it goes up (IPv6 pods: also no DAD on its link-local).
std::vector<netlink::SysctlSetting> HostVethSysctls(const std::string& host_veth_name,
                                                    bool ipv6_pod);
// DEL in the host netns: rule 512, `extra_from_rules` + 1 copies of the 1536 `from` rule (deleted
// until ENOENT), and the host route (restricted to host_veth_index when > 0). All tolerate
// missing objects.
std::vector<netlink::Op> PodTeardownOps(const net::IpAddress& pod_ip, int host_veth_index,
                                        int extra_from_rules = 1);
// A random locally administered unicast MAC (first byte: bit 1 set, bit 0 clear).
net::MacAddress RandomLocalMac(Rng& rng);

// Everything SetupPodNetwork needs, for tests with FakeNetlink/FakeSysctl. None owned; all must
// outlive the call. pod_sysctl is used only for IPv6 pods (disable_ipv6=0 on if and lo).
struct PodNetworkEnv {
  netlink::NetlinkOps* host = nullptr;
  netlink::NetlinkOps* pod = nullptr;
  netlink::SysctlOps* host_sysctl = nullptr;
  netlink::SysctlOps* pod_sysctl = nullptr;
  int pod_netns_fd = -1;
  std::function<net::MacAddress()> random_mac;  // default: RandomLocalMac with a seeded RNG
};

// ADD: steps 1-5 of §7.6. Deletes a stale host link with the same name first. On failure after
// the veth was created, deletes the host veth (best effort) so a retry starts clean.
// Errors: kInvalidArgument (bad config), kNotFound (netns missing), kAlreadyExists (container
// ifname taken in the pod netns), kernel errors as in NetlinkOps.
Result<PodNetworkResult> SetupPodNetwork(const PodNetworkConfig& cfg, PodNetworkEnv& env);
// Same with the real kernel: opens cfg.netns_path and rtnetlink sockets in both namespaces.
Result<PodNetworkResult> SetupPodNetwork(const PodNetworkConfig& cfg);

struct PodTeardownConfig {
  net::IpAddress pod_ip;
  std::string host_veth_name;  // optional: restricts the route delete to this veth
  std::string netns_path;      // optional, unused by DEL (the veth stays)
};

// DEL: deletes rule 512, every 1536 `from <ip>` rule, and the host route. Does not delete the
// veth. Idempotent: missing objects (or a missing host veth) are success. Errors only for
// netlink failures other than "missing".
Result<void> TeardownPodNetwork(const PodTeardownConfig& cfg, netlink::NetlinkOps& host);
Result<void> TeardownPodNetwork(const PodTeardownConfig& cfg);

// CHECK: verifies every object of the desired state in both namespaces. kNotFound or
// kFailedPrecondition with a message naming the first wrong object, e.g. "host route
// 10.0.0.5/32 dev enib5faff8a083 missing".
Result<PodNetworkResult> CheckPodNetwork(const PodNetworkConfig& cfg, PodNetworkEnv& env);
Result<PodNetworkResult> CheckPodNetwork(const PodNetworkConfig& cfg);

}  // namespace vpccni::node
