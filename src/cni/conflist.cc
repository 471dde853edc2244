#include "cni/conflist.h"

#include <nlohmann/json.hpp>

#include "base/strings.h"

namespace vpccni::cni {

Result<ConflistParams> ConflistParamsFromEnv(
    const std::function<const char*(const char*)>& getenv, std::string node_ip) {
  ConflistParams p;
  auto str = [&](const char* k, std::string* out) {
    const char* v = getenv(k);
    if (v != nullptr && v[0] != '\0') {
      *out = v;
    }
  };
  auto boolean = [&](const char* k, bool* out) -> Result<void> {
    const char* v = getenv(k);
    if (v == nullptr || v[0] == '\0') {
      return Ok();
    }
    auto b = strings::ParseBool(v);
    if (!b.has_value()) {
      return MakeError(ErrorCode::kInvalidArgument, "{}=\"{}\" is not a boolean", k, v);
    }
    *out = *b;
    return Ok();
  };
  str("AWS_VPC_K8S_CNI_VETHPREFIX", &p.veth_prefix);
  if (p.veth_prefix.size() > 4 || p.veth_prefix == "eth" || p.veth_prefix == "lo" ||
      p.veth_prefix == "vlan") {
    return MakeError(ErrorCode::kInvalidArgument,
                     "AWS_VPC_K8S_CNI_VETHPREFIX=\"{}\" must be at most 4 characters and not "
                     "eth, lo or vlan",
                     p.veth_prefix);
  }
  for (const char* k : {"AWS_VPC_ENI_MTU", "POD_MTU"}) {
    const char* v = getenv(k);
    if (v == nullptr || v[0] == '\0') {
      continue;
    }
    auto n = strings::ParseInt(v);
    if (!n.has_value() || *n < 576 || *n > 9001) {
      return MakeError(ErrorCode::kInvalidArgument, "{}=\"{}\" must be a number in 576..9001", k,
                       v);
    }
    p.pod_mtu = static_cast<uint32_t>(*n);
  }
  str("POD_SECURITY_GROUP_ENFORCING_MODE", &p.pod_sg_enforcing_mode);
  if (p.pod_sg_enforcing_mode != "strict" && p.pod_sg_enforcing_mode != "standard") {
    return MakeError(ErrorCode::kInvalidArgument,
                     "POD_SECURITY_GROUP_ENFORCING_MODE=\"{}\" must be strict or standard",
                     p.pod_sg_enforcing_mode);
  }
  str("AWS_VPC_K8S_PLUGIN_LOG_FILE", &p.plugin_log_file);
  str("AWS_VPC_K8S_PLUGIN_LOG_LEVEL", &p.plugin_log_level);
  RETURN_IF_ERROR(boolean("ENABLE_IPv6", &p.ipv6_cluster));
  RETURN_IF_ERROR(boolean("ENABLE_V4_EGRESS", &p.v4_egress));
  RETURN_IF_ERROR(boolean("ENABLE_V6_EGRESS", &p.v6_egress));
  RETURN_IF_ERROR(boolean("ENABLE_BANDWIDTH_PLUGIN", &p.bandwidth));
  RETURN_IF_ERROR(boolean("DISABLE_POD_V6", &p.disable_pod_v6));
  str("AWS_VPC_K8S_CNI_RANDOMIZESNAT", &p.randomize_snat);
  if (p.randomize_snat != "prng" && p.randomize_snat != "hashrandom" &&
      p.randomize_snat != "none") {
    return MakeError(ErrorCode::kInvalidArgument,
                     "AWS_VPC_K8S_CNI_RANDOMIZESNAT=\"{}\" must be prng, hashrandom or none",
                     p.randomize_snat);
  }
  str(p.ipv6_cluster ? "AWS_VPC_K8S_EGRESS_V4_PLUGIN_LOG_FILE"
                     : "AWS_VPC_K8S_EGRESS_V6_PLUGIN_LOG_FILE",
      &p.egress_log_file);
  str("VPCCNI_IPAMD_SOCKET", &p.ipamd_socket);
  p.node_ip = std::move(node_ip);
  return p;
}

std::string RenderConflist(const ConflistParams& p) {
  using nlohmann::ordered_json;
  ordered_json vpc;
  vpc["name"] = p.network_name;
  vpc["type"] = "vpc-cni";
  vpc["vethPrefix"] = p.veth_prefix;
  vpc["mtu"] = std::to_string(p.pod_mtu);
  vpc["podSGEnforcingMode"] = p.pod_sg_enforcing_mode;
  vpc["pluginLogFile"] = p.plugin_log_file;
  vpc["pluginLogLevel"] = p.plugin_log_level;
  if (!p.ipamd_socket.empty()) {
    vpc["ipamdSocket"] = p.ipamd_socket;
  }
  vpc["capabilities"] = {{"io.kubernetes.cri.pod-annotations", true}};

  ordered_json egress;
  egress["name"] = "egress-cni";
  egress["type"] = "egress-cni";
  egress["mtu"] = std::to_string(p.pod_mtu);
  bool enabled = p.ipv6_cluster ? p.v4_egress : (p.v6_egress && !p.node_ip.empty());
  egress["enabled"] = enabled ? "true" : "false";
  egress["randomizeSNAT"] = p.randomize_snat;
  egress["nodeIP"] = p.node_ip;
  ordered_json ipam;
  ipam["ranges"] = ordered_json::array(
      {ordered_json::array({{{"subnet", p.ipv6_cluster ? "169.254.172.0/22" : "fd00::ac:00/118"}}})});
  ipam["routes"] = ordered_json::array({{{"dst", p.ipv6_cluster ? "0.0.0.0/0" : "::/0"}}});
  ipam["dataDir"] = p.ipv6_cluster ? "/run/cni/v6pd/egress-v4-ipam" : "/run/cni/v4pd/egress-v6-ipam";
  egress["ipam"] = std::move(ipam);
  egress["pluginLogFile"] =
      !p.egress_log_file.empty()
          ? p.egress_log_file
          : (p.ipv6_cluster ? "/var/log/aws-routed-eni/egress-v4-plugin.log"
                            : "/var/log/aws-routed-eni/egress-v6-plugin.log");
  egress["pluginLogLevel"] = p.plugin_log_level;

  ordered_json portmap;
  portmap["type"] = "portmap";
  portmap["capabilities"] = {{"portMappings", true}};
  portmap["snat"] = true;

  ordered_json plugins = ordered_json::array({vpc, egress, portmap});
  if (p.bandwidth) {
    plugins.push_back({{"type", "bandwidth"}, {"capabilities", {{"bandwidth", true}}}});
  }
  if (p.disable_pod_v6) {
    plugins.push_back({{"type", "tuning"},
                       {"sysctl",
                        {{"net.ipv6.conf.all.disable_ipv6", "1"},
                         {"net.ipv6.conf.default.disable_ipv6", "1"},
                         {"net.ipv6.conf.lo.disable_ipv6", "1"}}}});
  }
  ordered_json list;
  list["cniVersion"] = p.cni_version;
  list["name"] = p.network_name;
  list["disableCheck"] = true;
  list["plugins"] = std::move(plugins);
  return list.dump(2) + "\n";
}

}  // namespace vpccni::cni
