// File: config.h
//
// PoolConfig: the warm-pool configuration, parsed from an environment map with the upstream
// variable names and defaults (reference §5). Pure: the caller passes the map (never getenv).
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "base/clock.h"
#include "base/result.h"

namespace vpccni::ipam {

// Name of our own switch that restores the upstream accounting where addresses in cool-down
// count as available (issue #2896). Default false.
inline constexpr const char* kCooldownCountsAsAvailableEnv = "IP_COOLDOWN_COUNTS_AS_AVAILABLE";

struct PoolConfig {
  // WARM_ENI_TARGET (default 1).
  int warm_eni_target = 1;
  // WARM_IP_TARGET (0 = unset).
  int warm_ip_target = 0;
  // MINIMUM_IP_TARGET (0 = unset).
  int minimum_ip_target = 0;
  // WARM_PREFIX_TARGET. Upstream's code default is 0 but the shipped manifest sets 1 and the
  // entrypoint refuses 0 with prefix delegation and no IP targets, so an unset variable means 1.
  int warm_prefix_target = 1;
  // ENABLE_PREFIX_DELEGATION.
  bool prefix_delegation = false;
  // MAX_ENI; <= 0 means the instance limit (upstream default -1).
  int max_eni = -1;
  // AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: no pod addresses on the primary ENI.
  bool custom_networking = false;
  // ENABLE_POD_ENI: reserve an ENI slot for the trunk.
  bool enable_pod_eni = false;
  // ENABLE_IPv6.
  bool ipv6 = false;
  // AWS_MANAGE_ENIS_NON_SCHEDULABLE.
  bool manage_enis_non_schedulable = false;
  // IP_COOLDOWN_PERIOD (seconds, default 30).
  Duration ip_cooldown = std::chrono::seconds(30);
  // IP_COOLDOWN_COUNTS_AS_AVAILABLE (ours): true restores the upstream accounting.
  bool cooldown_counts_as_available = false;

  // Timing constants of the reference (not configurable by env upstream).
  Duration min_eni_age = std::chrono::seconds(60);
  Duration decrease_interval = std::chrono::seconds(30);
  Duration insufficient_cidr_backoff = std::chrono::seconds(120);

  bool WarmIpTargetsDefined() const { return warm_ip_target != 0 || minimum_ip_target != 0; }

  // Parses the variables above from env; absent variables keep their defaults. Errors are
  // kInvalidArgument and name the variable: a non-integer or negative number (MAX_ENI accepts
  // -1), a boolean that is not one of Go's ParseBool spellings, prefix delegation with
  // WARM_PREFIX_TARGET=0 and no IP targets, IPv6 without prefix delegation or with custom
  // networking.
  static Result<PoolConfig> FromEnv(const std::map<std::string, std::string>& env);

  // The semantic checks of FromEnv on an already-built config.
  Result<void> Validate() const;

  // name -> value of every field, with the env variable names (for introspection and logs).
  std::map<std::string, std::string> ToEnvMap() const;
};

}  // namespace vpccni::ipam
