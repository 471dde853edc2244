#include "ipam/config.h"

#include "base/strings.h"

namespace vpccni::ipam {

namespace {

using Env = std::map<std::string, std::string>;

const std::string* Get(const Env& env, const char* name) {
  auto it = env.find(name);
  if (it == env.end() || strings::Trim(it->second).empty()) {
    return nullptr;
  }
  return &it->second;
}

Result<void> ReadInt(const Env& env, const char* name, int* out, int min_value = 0) {
  const std::string* v = Get(env, name);
  if (v == nullptr) {
    return Ok();
  }
  auto n = strings::ParseInt(*v);
  if (!n) {
    return MakeError(ErrorCode::kInvalidArgument, "{}: '{}' is not an integer", name, *v);
  }
  if (*n < min_value) {
    return MakeError(ErrorCode::kInvalidArgument, "{}: {} is negative (must be >= {})", name, *n,
                     min_value);
  }
  if (*n > 1'000'000) {
    return MakeError(ErrorCode::kInvalidArgument, "{}: {} is too large", name, *n);
  }
  *out = static_cast<int>(*n);
  return Ok();
}

Result<void> ReadBool(const Env& env, const char* name, bool* out) {
  const std::string* v = Get(env, name);
  if (v == nullptr) {
    return Ok();
  }
  auto b = strings::ParseBool(strings::Trim(*v));
  if (!b) {
    return MakeError(ErrorCode::kInvalidArgument, "{}: '{}' is not a boolean (true/false)", name,
                     *v);
  }
  *out = *b;
  return Ok();
}

}  // namespace

Result<PoolConfig> PoolConfig::FromEnv(const std::map<std::string, std::string>& env) {
  PoolConfig c;
  RETURN_IF_ERROR(ReadInt(env, "WARM_ENI_TARGET", &c.warm_eni_target));
  RETURN_IF_ERROR(ReadInt(env, "WARM_IP_TARGET", &c.warm_ip_target));
  RETURN_IF_ERROR(ReadInt(env, "MINIMUM_IP_TARGET", &c.minimum_ip_target));
  RETURN_IF_ERROR(ReadInt(env, "WARM_PREFIX_TARGET", &c.warm_prefix_target));
  RETURN_IF_ERROR(ReadBool(env, "ENABLE_PREFIX_DELEGATION", &c.prefix_delegation));
  RETURN_IF_ERROR(ReadInt(env, "MAX_ENI", &c.max_eni, -1));
  RETURN_IF_ERROR(ReadBool(env, "AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG", &c.custom_networking));
  RETURN_IF_ERROR(ReadBool(env, "ENABLE_POD_ENI", &c.enable_pod_eni));
  RETURN_IF_ERROR(ReadBool(env, "ENABLE_IPv6", &c.ipv6));
  RETURN_IF_ERROR(ReadBool(env, "AWS_MANAGE_ENIS_NON_SCHEDULABLE", &c.manage_enis_non_schedulable));
  RETURN_IF_ERROR(ReadBool(env, kCooldownCountsAsAvailableEnv, &c.cooldown_counts_as_available));
  int cooldown_s = 30;
  RETURN_IF_ERROR(ReadInt(env, "IP_COOLDOWN_PERIOD", &cooldown_s));
  c.ip_cooldown = std::chrono::seconds(cooldown_s);
  RETURN_IF_ERROR(c.Validate());
  return c;
}

Result<void> PoolConfig::Validate() const {
  struct {
    const char* name;
    int value;
  } const ints[] = {{"WARM_ENI_TARGET", warm_eni_target},
                    {"WARM_IP_TARGET", warm_ip_target},
                    {"MINIMUM_IP_TARGET", minimum_ip_target},
                    {"WARM_PREFIX_TARGET", warm_prefix_target}};
  for (const auto& i : ints) {
    if (i.value < 0) {
      return MakeError(ErrorCode::kInvalidArgument, "{}: {} is negative", i.name, i.value);
    }
  }
  if (max_eni < -1) {
    return MakeError(ErrorCode::kInvalidArgument, "MAX_ENI: {} is negative", max_eni);
  }
  if (ip_cooldown < Duration::zero()) {
    return MakeError(ErrorCode::kInvalidArgument, "IP_COOLDOWN_PERIOD: negative");
  }
  if (prefix_delegation && !ipv6 && warm_prefix_target == 0 && warm_ip_target == 0 &&
      minimum_ip_target == 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "WARM_PREFIX_TARGET: 0 is not supported with ENABLE_PREFIX_DELEGATION=true "
                     "unless WARM_IP_TARGET or MINIMUM_IP_TARGET is set");
  }
  if (ipv6 && !prefix_delegation) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "ENABLE_IPv6: IPv6 mode requires ENABLE_PREFIX_DELEGATION=true");
  }
  if (ipv6 && custom_networking) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "ENABLE_IPv6: IPv6 mode does not support AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG");
  }
  return Ok();
}

std::map<std::string, std::string> PoolConfig::ToEnvMap() const {
  auto b = [](bool v) { return std::string(v ? "true" : "false"); };
  return {
      {"WARM_ENI_TARGET", std::to_string(warm_eni_target)},
      {"WARM_IP_TARGET", std::to_string(warm_ip_target)},
      {"MINIMUM_IP_TARGET", std::to_string(minimum_ip_target)},
      {"WARM_PREFIX_TARGET", std::to_string(warm_prefix_target)},
      {"ENABLE_PREFIX_DELEGATION", b(prefix_delegation)},
      {"MAX_ENI", std::to_string(max_eni)},
      {"AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG", b(custom_networking)},
      {"ENABLE_POD_ENI", b(enable_pod_eni)},
      {"ENABLE_IPv6", b(ipv6)},
      {"AWS_MANAGE_ENIS_NON_SCHEDULABLE", b(manage_enis_non_schedulable)},
      {"IP_COOLDOWN_PERIOD",
       std::to_string(std::chrono::duration_cast<std::chrono::seconds>(ip_cooldown).count())},
      {kCooldownCountsAsAvailableEnv, b(cooldown_counts_as_available)},
  };
}

}  // namespace vpccni::ipam
