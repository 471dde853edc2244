#include "ipam/max_pods.h"

#include <algorithm>

#include "base/strings.h"

namespace vpccni::ipam {

Result<CniVersion> ParseCniVersion(std::string_view text) {
  std::string_view s = strings::Trim(text);
  if (!s.empty() && (s.front() == 'v' || s.front() == 'V')) {
    s.remove_prefix(1);
  }
  // Drop a pre-release/build suffix ("-eksbuild.1", "+meta").
  if (auto cut = s.find_first_of("-+"); cut != std::string_view::npos) {
    s = s.substr(0, cut);
  }
  auto parts = strings::Split(s, '.');
  if (parts.size() < 2 || parts.size() > 3) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--cni-version: '{}' is not a version like 1.9.0", text);
  }
  int nums[3] = {0, 0, 0};
  for (size_t i = 0; i < parts.size(); ++i) {
    auto n = strings::ParseInt(parts[i]);
    if (!n || *n < 0 || *n > 100000 || parts[i].empty()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "--cni-version: '{}' is not a version like 1.9.0", text);
    }
    nums[i] = static_cast<int>(*n);
  }
  return CniVersion{nums[0], nums[1], nums[2]};
}

int DefaultCardEnis(const cloud::InstanceLimits& limits) {
  for (const auto& c : limits.network_cards) {
    if (c.index == limits.default_network_card_index) {
      return c.max_enis;
    }
  }
  return limits.eni_limit;
}

Result<int> ComputeMaxPods(const cloud::InstanceLimits& limits, const MaxPodsOptions& options) {
  ASSIGN_OR_RETURN(CniVersion version, ParseCniVersion(options.cni_version));
  int enis = DefaultCardEnis(limits);
  const int ips = limits.ipv4_per_eni;
  if (options.max_eni) {
    if (*options.max_eni < 1) {
      return MakeError(ErrorCode::kInvalidArgument, "--cni-max-eni: {} must be >= 1",
                       *options.max_eni);
    }
    enis = std::min(enis, *options.max_eni);
  }
  if (options.custom_networking) {
    enis -= 1;
  }
  const bool version_supports_pd = version.major > 1 || (version.major == 1 && version.minor > 8);
  const bool pd = limits.hypervisor == "nitro" && options.prefix_delegation && version_supports_pd;
  const int64_t per_eni = pd ? int64_t{ips - 1} * 16 : int64_t{ips - 1};
  const int64_t max_pods = int64_t{enis} * per_eni + 2;
  if (options.show_max_allowed) {
    return static_cast<int>(max_pods);
  }
  const int64_t cap = limits.vcpus > 30 ? 250 : 110;
  return static_cast<int>(std::min(max_pods, cap));
}

Result<int> ComputeMaxPods(const cloud::InstanceLimitsTable& table, std::string_view instance_type,
                           const MaxPodsOptions& options) {
  const cloud::InstanceLimits* row = table.Find(instance_type);
  if (row == nullptr) {
    return MakeError(ErrorCode::kNotFound, "unknown instance type '{}'", instance_type);
  }
  return ComputeMaxPods(*row, options);
}

}  // namespace vpccni::ipam
