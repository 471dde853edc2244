// File: instance_limits.h
//
// Per-instance-type ENI and address limits, from the project's own copy of the data
// (data/instance-limits.csv joined with the IPv6 column of data/moto-instance-limits.csv), embedded
// into the binary at build time. Pure: parsing and lookup only. Used by vpcsim (what the emulated
// EC2 enforces), ipam (max-pods, warm-pool limits) and ipamd (bootstrap).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"

namespace vpccni::cloud {

struct NetworkCardLimit {
  int index = 0;
  int max_enis = 0;
  bool operator==(const NetworkCardLimit&) const = default;
};

struct InstanceLimits {
  std::string instance_type;
  // ENIs on the default network card (what upstream calls ENILimit).
  int eni_limit = 0;
  // IPv4 addresses per ENI, primary included.
  int ipv4_per_eni = 0;
  int ipv6_per_eni = 0;
  int default_network_card_index = 0;
  std::vector<NetworkCardLimit> network_cards;
  std::string hypervisor;  // "nitro", "xen" or "unknown"
  bool bare_metal = false;
  // Branch ENIs for security groups for pods; nullopt when the type is not in the trunking table.
  std::optional<int> branch_interfaces;
  // Default vCPUs; 0 when the data does not say.
  int vcpus = 0;

  // Prefix delegation and IPv6 need Nitro or bare metal.
  bool SupportsPrefixDelegation() const { return hypervisor == "nitro" || bare_metal; }
  bool IsTrunkingCompatible() const { return branch_interfaces.value_or(0) > 0; }
  // Sum of max_enis over all network cards.
  int TotalEnis() const;
  bool operator==(const InstanceLimits&) const = default;
};

class InstanceLimitsTable {
 public:
  // Parses the two CSV texts (headers required). Rows of limits_csv define the types; ipv6_csv
  // (may be empty) supplies ipv6_per_eni, defaulting to ipv4_per_eni for types it lacks.
  // kInvalidArgument names the line and column of any malformed cell.
  static Result<InstanceLimitsTable> ParseCsv(std::string_view limits_csv,
                                              std::string_view ipv6_csv);
  // The table compiled into the binary. Thread-safe after first use.
  static const InstanceLimitsTable& BuiltIn();

  // kNotFound "unknown instance type 'x'" when absent.
  Result<InstanceLimits> Lookup(std::string_view instance_type) const;
  const InstanceLimits* Find(std::string_view instance_type) const;
  // All rows sorted by instance type.
  const std::vector<InstanceLimits>& All() const { return rows_; }
  // Adds or replaces a row (for DescribeInstanceTypes results and test-only limit rows).
  void Upsert(InstanceLimits row);

 private:
  std::vector<InstanceLimits> rows_;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace vpccni::cloud
