#include "ipamd/config.h"

#include <optional>

#include "base/strings.h"

namespace vpccni::ipamd {
namespace {

Error VarError(std::string_view var, std::string_view value, std::string_view why) {
  Error e = MakeError(ErrorCode::kInvalidArgument, "invalid {}=\"{}\": {}", var, value, why);
  e.reason = std::string(var);
  return e;
}

std::optional<std::string> Get(const EnvMap& env, const std::string& key) {
  auto it = env.find(key);
  if (it == env.end()) {
    return std::nullopt;
  }
  return it->second;
}

// Unset or empty -> `def`.
Result<bool> GetBool(const EnvMap& env, const std::string& key, bool def) {
  auto v = Get(env, key);
  if (!v || strings::Trim(*v).empty()) {
    return def;
  }
  auto b = strings::ParseBool(strings::Trim(*v));
  if (!b) {
    return VarError(key, *v, "not a boolean (use true/false/1/0/t/f)");
  }
  return *b;
}

Result<int> GetInt(const EnvMap& env, const std::string& key, int def, int min, int max) {
  auto v = Get(env, key);
  if (!v || strings::Trim(*v).empty()) {
    return def;
  }
  auto n = strings::ParseInt(*v);
  if (!n) {
    return VarError(key, *v, "not an integer");
  }
  if (*n < min || *n > max) {
    return VarError(key, *v, fmt::format("must be between {} and {}", min, max));
  }
  return static_cast<int>(*n);
}

std::string GetString(const EnvMap& env, const std::string& key, std::string def) {
  auto v = Get(env, key);
  if (!v || v->empty()) {
    return def;
  }
  return *v;
}

Result<std::vector<net::Ipv4Cidr>> GetCidrList(const EnvMap& env, const std::string& key) {
  std::vector<net::Ipv4Cidr> out;
  auto v = Get(env, key);
  if (!v) {
    return out;
  }
  for (const auto& part : strings::Split(*v, ',', /*skip_empty=*/true)) {
    std::string_view p = strings::Trim(part);
    if (p.empty()) {
      continue;
    }
    auto c = net::Ipv4Cidr::Parse(p, /*allow_bare=*/false);
    if (!c) {
      return VarError(key, *v, fmt::format("'{}' is not an IPv4 CIDR", p));
    }
    out.push_back(c->Masked());
  }
  return out;
}

Result<uint32_t> ParseConnmark(const std::string& key, const std::string& raw) {
  std::string_view s = strings::Trim(raw);
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  } else if (s.size() > 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
    base = 2;
    s.remove_prefix(2);
  } else if (s.size() > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
    base = 8;
    s.remove_prefix(2);
  } else if (s.size() > 1 && s[0] == '0') {
    base = 8;
    s.remove_prefix(1);
  }
  if (s.empty()) {
    return VarError(key, raw, "not an integer");
  }
  uint64_t v = 0;
  for (char c : s) {
    int d = -1;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    }
    if (d < 0 || d >= base) {
      return VarError(key, raw, "not an integer");
    }
    v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
    if (v > 0xffffffffULL) {
      return VarError(key, raw, "must fit in 32 bits");
    }
  }
  if (v == 0) {
    return VarError(key, raw, "must be greater than 0");
  }
  return static_cast<uint32_t>(v);
}

std::string_view RandomizeName(RandomizeSnat r) {
  switch (r) {
    case RandomizeSnat::kNone:
      return "none";
    case RandomizeSnat::kHashRandom:
      return "hashrandom";
    case RandomizeSnat::kPrng:
      return "prng";
  }
  return "prng";
}

std::vector<std::string> CidrStrings(const std::vector<net::Ipv4Cidr>& cidrs) {
  std::vector<std::string> out;
  for (const auto& c : cidrs) {
    out.push_back(c.ToString());
  }
  return out;
}

}  // namespace

Result<Config> ParseConfig(const EnvMap& env) {
  Config c;
  ASSIGN_OR_RETURN(c.enable_ipv6, GetBool(env, "ENABLE_IPv6", false));
  ASSIGN_OR_RETURN(c.enable_ipv4, GetBool(env, "ENABLE_IPv4", !c.enable_ipv6));
  if (c.enable_ipv4 && c.enable_ipv6) {
    return VarError("ENABLE_IPv4", "true",
                    "ENABLE_IPv4 and ENABLE_IPv6 are both true; dual stack is not supported");
  }
  if (!c.enable_ipv4 && !c.enable_ipv6) {
    return VarError("ENABLE_IPv4", "false",
                    "ENABLE_IPv4 and ENABLE_IPv6 are both false; enable exactly one");
  }
  ASSIGN_OR_RETURN(c.enable_prefix_delegation, GetBool(env, "ENABLE_PREFIX_DELEGATION", false));
  ASSIGN_OR_RETURN(c.custom_network_cfg,
                   GetBool(env, "AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG", false));
  if (c.enable_ipv6 && !c.enable_prefix_delegation) {
    return VarError("ENABLE_IPv6", "true", "IPv6 requires ENABLE_PREFIX_DELEGATION=true");
  }
  if (c.enable_ipv6 && c.custom_network_cfg) {
    return VarError("AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG", "true",
                    "custom networking is not supported with ENABLE_IPv6=true");
  }
  ASSIGN_OR_RETURN(c.enable_subnet_discovery, GetBool(env, "ENABLE_SUBNET_DISCOVERY", true));
  ASSIGN_OR_RETURN(c.enable_pod_eni, GetBool(env, "ENABLE_POD_ENI", false));
  {
    std::string mode = strings::ToLower(GetString(env, "POD_SECURITY_GROUP_ENFORCING_MODE", "strict"));
    if (mode == "strict") {
      c.pod_sg_enforcing_mode = SgEnforcingMode::kStrict;
    } else if (mode == "standard") {
      c.pod_sg_enforcing_mode = SgEnforcingMode::kStandard;
    } else {
      return VarError("POD_SECURITY_GROUP_ENFORCING_MODE", mode, "must be strict or standard");
    }
  }
  ASSIGN_OR_RETURN(c.enable_multi_nic, GetBool(env, "ENABLE_MULTI_NIC", false));
  {
    std::string mode = strings::ToLower(GetString(env, "NETWORK_POLICY_ENFORCING_MODE", ""));
    if (mode != "" && mode != "none" && mode != "strict" && mode != "standard") {
      return VarError("NETWORK_POLICY_ENFORCING_MODE", mode,
                      "must be empty, none, strict or standard");
    }
    c.network_policy_enforcing_mode = mode;
  }

  constexpr int kMaxInt = 1 << 30;
  ASSIGN_OR_RETURN(c.warm_eni_target, GetInt(env, "WARM_ENI_TARGET", 1, 0, kMaxInt));
  ASSIGN_OR_RETURN(c.warm_ip_target, GetInt(env, "WARM_IP_TARGET", 0, 0, kMaxInt));
  ASSIGN_OR_RETURN(c.minimum_ip_target, GetInt(env, "MINIMUM_IP_TARGET", 0, 0, kMaxInt));
  ASSIGN_OR_RETURN(c.warm_prefix_target, GetInt(env, "WARM_PREFIX_TARGET", 1, 0, kMaxInt));
  ASSIGN_OR_RETURN(c.max_eni, GetInt(env, "MAX_ENI", -1, -1, kMaxInt));
  if (c.max_eni == 0) {
    c.max_eni = -1;  // upstream: values < 1 mean "instance limit"
  }
  ASSIGN_OR_RETURN(c.ip_cooldown_period_s, GetInt(env, "IP_COOLDOWN_PERIOD", 30, 0, 86400));
  if (c.enable_prefix_delegation && c.enable_ipv4 && c.warm_prefix_target == 0 &&
      !c.WarmIpTargetsDefined()) {
    return VarError("WARM_PREFIX_TARGET", "0",
                    "with ENABLE_PREFIX_DELEGATION=true set WARM_PREFIX_TARGET >= 1 or "
                    "WARM_IP_TARGET/MINIMUM_IP_TARGET");
  }
  ASSIGN_OR_RETURN(c.manage_enis_non_schedulable,
                   GetBool(env, "AWS_MANAGE_ENIS_NON_SCHEDULABLE", false));

  c.eni_config_label_def =
      GetString(env, "ENI_CONFIG_LABEL_DEF", "k8s.amazonaws.com/eniConfig");
  c.eni_config_annotation_def =
      GetString(env, "ENI_CONFIG_ANNOTATION_DEF", "k8s.amazonaws.com/eniConfig");

  ASSIGN_OR_RETURN(c.disable_network_resource_provisioning,
                   GetBool(env, "DISABLE_NETWORK_RESOURCE_PROVISIONING", false));
  ASSIGN_OR_RETURN(c.enable_imds_only_mode, GetBool(env, "ENABLE_IMDS_ONLY_MODE", false));
  ASSIGN_OR_RETURN(c.disable_leaked_eni_cleanup, GetBool(env, "DISABLE_LEAKED_ENI_CLEANUP", false));
  ASSIGN_OR_RETURN(c.manage_untagged_eni, GetBool(env, "MANAGE_UNTAGGED_ENI", true));
  c.cluster_name = GetString(env, "CLUSTER_NAME", "");
  if (auto tags = Get(env, "ADDITIONAL_ENI_TAGS"); tags && !strings::Trim(*tags).empty()) {
    auto j = nlohmann::json::parse(*tags, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return VarError("ADDITIONAL_ENI_TAGS", *tags, "must be a JSON object of strings");
    }
    for (const auto& [k, v] : j.items()) {
      if (!v.is_string()) {
        return VarError("ADDITIONAL_ENI_TAGS", *tags,
                        fmt::format("value of '{}' is not a string", k));
      }
      if (k.find("k8s.amazonaws.com") != std::string::npos) {
        continue;  // reserved keys are dropped, as upstream does
      }
      c.additional_eni_tags[k] = v.get<std::string>();
    }
  }
  c.vpc_cni_version = GetString(env, "VPC_CNI_VERSION", "");
  ASSIGN_OR_RETURN(c.http_timeout_s, GetInt(env, "HTTP_TIMEOUT", 10, 0, 3600));
  if (c.http_timeout_s < 10) {
    c.http_timeout_s = 10;  // upstream ignores values below 10 s
  }

  c.backing_store =
      GetString(env, "AWS_VPC_K8S_CNI_BACKING_STORE", "/var/run/aws-node/ipam.json");
  c.my_node_name = GetString(env, "MY_NODE_NAME", "");
  ASSIGN_OR_RETURN(c.disable_metrics, GetBool(env, "DISABLE_METRICS", false));
  ASSIGN_OR_RETURN(c.disable_introspection, GetBool(env, "DISABLE_INTROSPECTION", false));
  c.introspection_bind_address =
      GetString(env, "INTROSPECTION_BIND_ADDRESS", "127.0.0.1:61679");
  {
    std::string lvl = GetString(env, "AWS_VPC_K8S_CNI_LOGLEVEL", "debug");
    if (strings::ToLower(lvl) == "fatal") {
      lvl = "error";
    }
    auto parsed = log::ParseLevel(lvl);
    if (!parsed) {
      return VarError("AWS_VPC_K8S_CNI_LOGLEVEL", lvl, "must be DEBUG, INFO, WARN, ERROR or FATAL");
    }
    c.log_level = *parsed;
  }
  c.log_file = GetString(env, "AWS_VPC_K8S_CNI_LOG_FILE", "stderr");

  ASSIGN_OR_RETURN(c.external_snat, GetBool(env, "AWS_VPC_K8S_CNI_EXTERNALSNAT", false));
  ASSIGN_OR_RETURN(c.exclude_snat_cidrs, GetCidrList(env, "AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS"));
  ASSIGN_OR_RETURN(c.external_service_cidrs, GetCidrList(env, "AWS_EXTERNAL_SERVICE_CIDRS"));
  {
    std::string r = strings::ToLower(GetString(env, "AWS_VPC_K8S_CNI_RANDOMIZESNAT", "prng"));
    if (r == "none") {
      c.randomize_snat = RandomizeSnat::kNone;
    } else if (r == "hashrandom") {
      c.randomize_snat = RandomizeSnat::kHashRandom;
    } else if (r == "prng") {
      c.randomize_snat = RandomizeSnat::kPrng;
    } else {
      return VarError("AWS_VPC_K8S_CNI_RANDOMIZESNAT", r, "must be none, hashrandom or prng");
    }
  }
  ASSIGN_OR_RETURN(c.node_port_support, GetBool(env, "AWS_VPC_CNI_NODE_PORT_SUPPORT", true));
  if (auto m = Get(env, "AWS_VPC_K8S_CNI_CONNMARK"); m && !strings::Trim(*m).empty()) {
    ASSIGN_OR_RETURN(c.connmark, ParseConnmark("AWS_VPC_K8S_CNI_CONNMARK", *m));
  }
  ASSIGN_OR_RETURN(c.eni_mtu, GetInt(env, "AWS_VPC_ENI_MTU", 9001, 0, 1 << 20));
  {
    int min_mtu = c.enable_ipv6 ? 1280 : 576;
    if (c.eni_mtu < min_mtu || c.eni_mtu > 9001) {
      return VarError("AWS_VPC_ENI_MTU", std::to_string(c.eni_mtu),
                      fmt::format("must be between {} and 9001", min_mtu));
    }
  }
  c.veth_prefix = GetString(env, "AWS_VPC_K8S_CNI_VETHPREFIX", "eni");
  if (c.veth_prefix.size() > 4 || c.veth_prefix == "eth" || c.veth_prefix == "lo" ||
      c.veth_prefix == "vlan") {
    return VarError("AWS_VPC_K8S_CNI_VETHPREFIX", c.veth_prefix,
                    "must be at most 4 characters and not eth, lo or vlan");
  }
  for (char ch : c.veth_prefix) {
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
          ch == '-' || ch == '_' || ch == '.')) {
      return VarError("AWS_VPC_K8S_CNI_VETHPREFIX", c.veth_prefix,
                      "must contain only letters, digits, '-', '_' or '.'");
    }
  }
  ASSIGN_OR_RETURN(c.enable_v6_egress, GetBool(env, "ENABLE_V6_EGRESS", false));
  return c;
}

nlohmann::json Config::IpamdEnvSettings() const {
  nlohmann::json j = nlohmann::json::object();
  j["WARM_IP_TARGET"] = std::to_string(warm_ip_target);
  j["WARM_ENI_TARGET"] = std::to_string(warm_eni_target);
  j["MINIMUM_IP_TARGET"] = std::to_string(minimum_ip_target);
  j["WARM_PREFIX_TARGET"] = std::to_string(warm_prefix_target);
  j["MAX_ENI"] = std::to_string(max_eni);
  j["IP_COOLDOWN_PERIOD"] = std::to_string(ip_cooldown_period_s);
  j["ENABLE_PREFIX_DELEGATION"] = enable_prefix_delegation ? "true" : "false";
  j["ENABLE_IPv4"] = enable_ipv4 ? "true" : "false";
  j["ENABLE_IPv6"] = enable_ipv6 ? "true" : "false";
  j["AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG"] = custom_network_cfg ? "true" : "false";
  j["AWS_MANAGE_ENIS_NON_SCHEDULABLE"] = manage_enis_non_schedulable ? "true" : "false";
  j["ENABLE_SUBNET_DISCOVERY"] = enable_subnet_discovery ? "true" : "false";
  j["ENI_CONFIG_LABEL_DEF"] = eni_config_label_def;
  j["ENI_CONFIG_ANNOTATION_DEF"] = eni_config_annotation_def;
  j["AWS_VPC_K8S_CNI_BACKING_STORE"] = backing_store;
  j["CLUSTER_NAME"] = cluster_name;
  return j;
}

nlohmann::json Config::NetworkUtilsEnvSettings() const {
  nlohmann::json j = nlohmann::json::object();
  j["AWS_VPC_K8S_CNI_CONNMARK"] = connmark;
  j["AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS"] = CidrStrings(exclude_snat_cidrs);
  j["AWS_VPC_K8S_CNI_EXTERNALSNAT"] = external_snat;
  j["AWS_EXTERNAL_SERVICE_CIDRS"] = CidrStrings(external_service_cidrs);
  j["AWS_VPC_ENI_MTU"] = eni_mtu;
  j["AWS_VPC_K8S_CNI_VETHPREFIX"] = veth_prefix;
  j["AWS_VPC_CNI_NODE_PORT_SUPPORT"] = node_port_support;
  j["AWS_VPC_K8S_CNI_RANDOMIZESNAT"] = static_cast<int>(randomize_snat);
  j["AWS_VPC_K8S_CNI_RANDOMIZESNAT_NAME"] = RandomizeName(randomize_snat);
  return j;
}

Result<Duration> ParseDuration(std::string_view text) {
  std::string_view t = strings::Trim(text);
  size_t digits = 0;
  while (digits < t.size() && t[digits] >= '0' && t[digits] <= '9') {
    ++digits;
  }
  auto n = strings::ParseInt(t.substr(0, digits));
  if (digits == 0 || !n) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid duration '{}'", text);
  }
  std::string_view unit = t.substr(digits);
  if (unit == "ms") {
    return std::chrono::milliseconds(*n);
  }
  if (unit == "s" || unit.empty()) {
    return std::chrono::seconds(*n);
  }
  if (unit == "m") {
    return std::chrono::minutes(*n);
  }
  if (unit == "h") {
    return std::chrono::hours(*n);
  }
  return MakeError(ErrorCode::kInvalidArgument, "invalid duration '{}' (use ms, s, m or h)", text);
}

EnvMap EnvFromEnviron(char** environ_ptr) {
  EnvMap env;
  for (char** e = environ_ptr; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) {
      continue;
    }
    env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

}  // namespace vpccni::ipamd
