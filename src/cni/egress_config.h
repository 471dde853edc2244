// File: egress_config.h
//
// egress-cni's request config (§7.7/§7.8 of the reference): the conflist entry rendered by
// RenderConflist plus cniVersion, name and prevResult. Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "base/result.h"
#include "cni/spec.h"
#include "net/ip.h"

namespace vpccni::cni {

struct EgressConf {
  std::string cni_version;
  std::string name;
  uint32_t mtu = 9001;                 // "mtu" (number or string)
  bool enabled = false;                // "enabled": "true" / true
  std::string randomize_snat = "prng"; // prng | hashrandom | none
  std::string node_ip;                 // "nodeIP": SNAT source (family of the egress subnet)
  bool v4 = true;                      // egress family: subnet is IPv4 (IPv6 clusters)
  net::Ipv4Cidr subnet_v4;             // ipam.ranges[0][0].subnet when v4
  net::Ipv6Cidr subnet_v6;             // ... when v6
  std::vector<std::string> route_dsts; // ipam.routes[].dst (default: 0.0.0.0/0 or ::/0)
  std::string data_dir;                // ipam.dataDir
  std::string plugin_log_file;
  log::Level plugin_log_level = log::Level::kInfo;
  std::optional<CniResult> prev_result;
  std::string raw_prev_result;         // prevResult as received (pass-through when disabled)
};

// Codes: 6 not JSON, 1 unsupported version, 7 invalid/missing values (names the key). When
// enabled, nodeIP must be an address of the subnet's family and the subnet at least a /30
// (/126). ADD/CHECK need prevResult (egress-cni is always chained): code 7 otherwise.
Result<EgressConf> ParseEgressConf(std::string_view stdin_json, Command command);

}  // namespace vpccni::cni
