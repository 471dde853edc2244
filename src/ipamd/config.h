// File: config.h
//
// ipamd configuration: every environment variable of the reference's §5 that ipamd honours,
// parsed from an env map (pure; the main passes environ). Defaults are upstream's; booleans use Go
// strconv.ParseBool spellings. Unlike upstream, a malformed value is an error naming the variable
// (never a silent default), and conflicting modes are rejected up front.
//
// Deliberate differences from upstream defaults (documented in docs/configuration.md):
//  - ENABLE_IPv4 defaults to !ENABLE_IPv6 (upstream code: false, manifest: true);
//  - WARM_PREFIX_TARGET defaults to 1 (the manifest's value; upstream code: 0);
//  - AWS_VPC_K8S_CNI_LOG_FILE defaults to "stderr" (upstream: a host file path).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/log.h"
#include "base/result.h"
#include "net/ip.h"

namespace vpccni::ipamd {

using EnvMap = std::map<std::string, std::string>;

enum class RandomizeSnat { kNone = 0, kHashRandom = 1, kPrng = 2 };
enum class SgEnforcingMode { kStrict, kStandard };

struct Config {
  // Address family / mode.
  bool enable_ipv4 = true;
  bool enable_ipv6 = false;
  bool enable_prefix_delegation = false;
  bool custom_network_cfg = false;
  bool enable_subnet_discovery = true;
  bool enable_pod_eni = false;
  SgEnforcingMode pod_sg_enforcing_mode = SgEnforcingMode::kStrict;
  bool enable_multi_nic = false;
  std::string network_policy_enforcing_mode;  // "", none, strict, standard

  // Warm pool (§4.1).
  int warm_eni_target = 1;
  int warm_ip_target = 0;
  int minimum_ip_target = 0;
  int warm_prefix_target = 1;
  int max_eni = -1;
  int ip_cooldown_period_s = 30;
  bool manage_enis_non_schedulable = false;

  // ENIConfig selection (§11).
  std::string eni_config_label_def = "k8s.amazonaws.com/eniConfig";
  std::string eni_config_annotation_def = "k8s.amazonaws.com/eniConfig";

  // EC2 behaviour.
  bool disable_network_resource_provisioning = false;
  bool enable_imds_only_mode = false;
  bool disable_leaked_eni_cleanup = false;
  bool manage_untagged_eni = true;
  std::string cluster_name;
  std::map<std::string, std::string> additional_eni_tags;
  std::string vpc_cni_version;
  int http_timeout_s = 10;

  // Files, node identity, servers, logs.
  std::string backing_store = "/var/run/aws-node/ipam.json";
  std::string my_node_name;
  bool disable_metrics = false;
  bool disable_introspection = false;
  std::string introspection_bind_address = "127.0.0.1:61679";
  log::Level log_level = log::Level::kDebug;
  std::string log_file = "stderr";

  // Node networking (§7).
  bool external_snat = false;
  std::vector<net::Ipv4Cidr> exclude_snat_cidrs;
  std::vector<net::Ipv4Cidr> external_service_cidrs;
  RandomizeSnat randomize_snat = RandomizeSnat::kPrng;
  bool node_port_support = true;
  uint32_t connmark = 0x80;
  int eni_mtu = 9001;
  std::string veth_prefix = "eni";
  bool enable_v6_egress = false;

  // True when IP targets (WARM_IP_TARGET or MINIMUM_IP_TARGET) drive the pool.
  bool WarmIpTargetsDefined() const { return warm_ip_target != 0 || minimum_ip_target != 0; }
  // True when ipamd may mutate ENIs/addresses through EC2.
  bool ProvisioningEnabled() const {
    return !disable_network_resource_provisioning && !enable_imds_only_mode;
  }
  bool LeakedEniCleanupEnabled() const {
    return ProvisioningEnabled() && !disable_leaked_eni_cleanup && !enable_ipv6;
  }

  // The JSON object of /v1/ipamd-env-settings (upstream keys).
  nlohmann::json IpamdEnvSettings() const;
  // The JSON object of /v1/networkutils-env-settings (upstream keys).
  nlohmann::json NetworkUtilsEnvSettings() const;
};

// Parses and validates ipamd's configuration from `env`. Errors (kInvalidArgument), each naming
// the offending variable: unparsable booleans/integers/CIDRs/JSON, unknown enum values, values out
// of range (MTU, IP_COOLDOWN_PERIOD, VETHPREFIX, CONNMARK), both or neither of ENABLE_IPv4 and
// ENABLE_IPv6, IPv6 without ENABLE_PREFIX_DELEGATION, IPv6 with custom networking, and
// ENABLE_PREFIX_DELEGATION with WARM_PREFIX_TARGET=0 and no IP targets.
Result<Config> ParseConfig(const EnvMap& env);

// Parses a duration flag: "<n>ms", "<n>s", "<n>m", "<n>h" (n a non-negative integer) or a bare
// number of seconds. kInvalidArgument naming the text otherwise.
Result<Duration> ParseDuration(std::string_view text);

// Reads the process environment into an EnvMap (the only effectful helper here).
EnvMap EnvFromEnviron(char** environ_ptr);

}  // namespace vpccni::ipamd
