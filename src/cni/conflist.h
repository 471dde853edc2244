// File: conflist.h
//
// Renders the node's CNI network config list (/etc/cni/net.d/10-aws.conflist) the way the
// reference's entrypoint does (§7.7): vpc-cni, egress-cni, portmap (+ bandwidth, + tuning).
// Pure; ConflistParamsFromEnv reads the upstream variable names through a lookup function.
#pragma once

#include <functional>
#include <string>

#include "base/result.h"

namespace vpccni::cni {

struct ConflistParams {
  std::string cni_version = "0.4.0";
  std::string network_name = "aws-cni";
  std::string veth_prefix = "eni";             // AWS_VPC_K8S_CNI_VETHPREFIX
  uint32_t pod_mtu = 9001;                     // POD_MTU, else AWS_VPC_ENI_MTU
  std::string pod_sg_enforcing_mode = "strict";  // POD_SECURITY_GROUP_ENFORCING_MODE
  std::string plugin_log_file = "/var/log/aws-routed-eni/plugin.log";  // AWS_VPC_K8S_PLUGIN_LOG_FILE
  std::string plugin_log_level = "Debug";      // AWS_VPC_K8S_PLUGIN_LOG_LEVEL
  bool ipv6_cluster = false;                   // ENABLE_IPv6
  bool v4_egress = true;                       // ENABLE_V4_EGRESS (IPv6 clusters)
  bool v6_egress = false;                      // ENABLE_V6_EGRESS (IPv4 clusters)
  std::string randomize_snat = "prng";         // AWS_VPC_K8S_CNI_RANDOMIZESNAT
  std::string node_ip;                         // IMDS local-ipv4 (v6 cluster) or ipv6 (v4 cluster)
  std::string egress_log_file;                 // default depends on the family
  bool bandwidth = false;                      // ENABLE_BANDWIDTH_PLUGIN
  bool disable_pod_v6 = false;                 // DISABLE_POD_V6 -> tuning plugin
  std::string ipamd_socket;                    // written as "ipamdSocket" when non-empty
};

// Reads the upstream variables (see field comments); node_ip is not an env variable upstream
// (it comes from IMDS) and is taken from `node_ip`. Errors (kInvalidArgument naming the variable):
// bad booleans or numbers, MTU out of range, veth prefix longer than 4 or one of eth/lo/vlan,
// unknown RANDOMIZESNAT or enforcing mode.
Result<ConflistParams> ConflistParamsFromEnv(const std::function<const char*(const char*)>& getenv,
                                             std::string node_ip);

// The conflist JSON (2-space indented, trailing newline). In an IPv4 cluster without a node IPv6
// address the egress plugin is rendered disabled (as upstream does, with a warning).
std::string RenderConflist(const ConflistParams& p);

}  // namespace vpccni::cni
