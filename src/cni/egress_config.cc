#include "cni/egress_config.h"

#include "base/strings.h"
#include "cni/errors.h"
#include "cni/spec_json.h"

namespace vpccni::cni {

Result<EgressConf> ParseEgressConf(std::string_view stdin_json, Command command) {
  using nlohmann::json;
  constexpr int kCfg = kCodeInvalidConfig;
  if (strings::Trim(stdin_json).empty()) {
    return CniError(kCodeDecodeFailure, "empty network config on stdin");
  }
  json j = json::parse(stdin_json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return CniError(kCodeDecodeFailure, "error decoding network config: not a JSON object");
  }
  EgressConf c;
  RETURN_IF_ERROR(GetString(j, "cniVersion", &c.cni_version, "config", kCfg));
  if (command == Command::kVersion) {
    return c;
  }
  if (!IsSupportedVersion(c.cni_version)) {
    return CniError(kCodeIncompatibleVersion,
                    fmt::format("incompatible CNI versions: config is \"{}\"", c.cni_version));
  }
  RETURN_IF_ERROR(GetString(j, "name", &c.name, "config", kCfg));
  if (c.name.empty()) {
    return CniError(kCfg, "config.name missing");
  }
  int64_t mtu = c.mtu;
  RETURN_IF_ERROR(GetIntLoose(j, "mtu", &mtu, "config", kCfg));
  if (mtu < 576 || mtu > 9001) {
    return CniError(kCfg, fmt::format("config.mtu {} outside 576..9001", mtu));
  }
  c.mtu = static_cast<uint32_t>(mtu);
  RETURN_IF_ERROR(GetBoolLoose(j, "enabled", &c.enabled, "config", kCfg));
  RETURN_IF_ERROR(GetString(j, "randomizeSNAT", &c.randomize_snat, "config", kCfg));
  if (c.randomize_snat.empty()) {
    c.randomize_snat = "prng";
  }
  if (c.randomize_snat != "prng" && c.randomize_snat != "hashrandom" &&
      c.randomize_snat != "none") {
    return CniError(kCfg, fmt::format("config.randomizeSNAT \"{}\" is not prng, hashrandom or none",
                                      c.randomize_snat));
  }
  RETURN_IF_ERROR(GetString(j, "nodeIP", &c.node_ip, "config", kCfg));
  RETURN_IF_ERROR(GetString(j, "pluginLogFile", &c.plugin_log_file, "config", kCfg));
  std::string level;
  RETURN_IF_ERROR(GetString(j, "pluginLogLevel", &level, "config", kCfg));
  if (!level.empty()) {
    auto l = log::ParseLevel(level);
    if (!l.has_value()) {
      return CniError(kCfg, fmt::format("config.pluginLogLevel \"{}\" is not a log level", level));
    }
    c.plugin_log_level = *l;
  }
  auto prev = j.find("prevResult");
  if (prev != j.end() && !prev->is_null()) {
    auto r = ResultFromJson(*prev);
    if (!r.has_value()) {
      Error e = std::move(r.error());
      e.AddContext("config.prevResult");
      return e;
    }
    c.prev_result = std::move(*r);
    c.raw_prev_result = prev->dump();
  }
  if (!c.enabled) {
    return c;  // pass-through: nothing else is read
  }
  if ((command == Command::kAdd || command == Command::kCheck) && !c.prev_result.has_value()) {
    return CniError(kCfg, "egress-cni must be chained: prevResult missing");
  }
  auto ipam = j.find("ipam");
  if (ipam == j.end() || !ipam->is_object()) {
    return CniError(kCfg, "config.ipam missing or not an object");
  }
  std::string subnet;
  auto ranges = ipam->find("ranges");
  if (ranges != ipam->end() && ranges->is_array() && !ranges->empty() &&
      (*ranges)[0].is_array() && !(*ranges)[0].empty() && (*ranges)[0][0].is_object()) {
    RETURN_IF_ERROR(GetString((*ranges)[0][0], "subnet", &subnet, "ipam.ranges[0][0]", kCfg));
  } else {
    RETURN_IF_ERROR(GetString(*ipam, "subnet", &subnet, "ipam", kCfg));
  }
  if (subnet.empty()) {
    return CniError(kCfg, "ipam.ranges[0][0].subnet missing");
  }
  if (auto v4 = net::Ipv4Cidr::Parse(subnet); v4.has_value()) {
    c.v4 = true;
    c.subnet_v4 = v4->Masked();
    if (c.subnet_v4.PrefixLen() > 30) {
      return CniError(kCfg, fmt::format("ipam subnet {} is smaller than a /30", subnet));
    }
  } else if (auto v6 = net::Ipv6Cidr::Parse(subnet); v6.has_value()) {
    c.v4 = false;
    c.subnet_v6 = v6->Masked();
    if (c.subnet_v6.PrefixLen() > 126) {
      return CniError(kCfg, fmt::format("ipam subnet {} is smaller than a /126", subnet));
    }
  } else {
    return CniError(kCfg, fmt::format("ipam subnet \"{}\" is not a CIDR", subnet));
  }
  auto routes = ipam->find("routes");
  if (routes != ipam->end() && routes->is_array()) {
    for (const auto& r : *routes) {
      std::string dst;
      if (r.is_object()) {
        RETURN_IF_ERROR(GetString(r, "dst", &dst, "ipam.routes[]", kCfg));
      }
      if (dst.empty()) {
        return CniError(kCfg, "ipam.routes[].dst missing");
      }
      bool ok = c.v4 ? net::Ipv4Cidr::Parse(dst).has_value() : net::Ipv6Cidr::Parse(dst).has_value();
      if (!ok) {
        return CniError(kCfg, fmt::format("ipam.routes[].dst \"{}\" is not a CIDR of the "
                                          "subnet's family", dst));
      }
      c.route_dsts.push_back(dst);
    }
  }
  if (c.route_dsts.empty()) {
    c.route_dsts.push_back(c.v4 ? "0.0.0.0/0" : "::/0");
  }
  RETURN_IF_ERROR(GetString(*ipam, "dataDir", &c.data_dir, "ipam", kCfg));
  if (c.data_dir.empty()) {
    c.data_dir = c.v4 ? "/run/cni/v6pd/egress-v4-ipam" : "/run/cni/v4pd/egress-v6-ipam";
  }
  if (command == Command::kAdd) {
    auto node = net::IpAddress::Parse(c.node_ip);
    if (!node.has_value() || node->IsV4() != c.v4) {
      return CniError(kCfg, fmt::format("config.nodeIP \"{}\" is not an IPv{} address", c.node_ip,
                                        c.v4 ? 4 : 6));
    }
  }
  return c;
}

}  // namespace vpccni::cni
