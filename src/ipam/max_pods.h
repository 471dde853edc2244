// File: max_pods.h
//
// max-pods as the EKS AMI's max-pods-calculator.sh computes it (reference §9.2), from the
// project's instance limits table. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "cloud/instance_limits.h"

namespace vpccni::ipam {

struct MaxPodsOptions {
  // --cni-version X.Y.Z (required; a leading "v" is accepted).
  std::string cni_version;
  bool prefix_delegation = false;
  bool custom_networking = false;
  // --cni-max-eni N.
  std::optional<int> max_eni;
  // --show-max-allowed: no 110/250 cap.
  bool show_max_allowed = false;
};

struct CniVersion {
  int major = 0;
  int minor = 0;
  int patch = 0;
};

// Parses "1.9.0", "v1.12", "1.18.3-eksbuild.1". kInvalidArgument naming the text otherwise.
Result<CniVersion> ParseCniVersion(std::string_view text);

// ENIs of the default network card (the script's NetworkCards[DefaultNetworkCardIndex]),
// falling back to the instance ENI limit when the card list lacks that index.
int DefaultCardEnis(const cloud::InstanceLimits& limits);

// enis = min(--cni-max-eni, default-card ENIs) - (custom networking ? 1 : 0);
// PD applies iff hypervisor == "nitro", the flag is set and the CNI version is > 1.8;
// max = PD ? enis * (ips - 1) * 16 + 2 : enis * (ips - 1) + 2; unless show_max_allowed the
// result is capped at 110 (<= 30 vCPUs, also when vCPUs are unknown) or 250.
// kInvalidArgument for a bad version or a max_eni < 1.
Result<int> ComputeMaxPods(const cloud::InstanceLimits& limits, const MaxPodsOptions& options);

// Looks the type up first: kNotFound "unknown instance type 'x'".
Result<int> ComputeMaxPods(const cloud::InstanceLimitsTable& table, std::string_view instance_type,
                           const MaxPodsOptions& options);

}  // namespace vpccni::ipam
