#include "cni/config.h"

#include "base/strings.h"
#include "cni/errors.h"
#include "cni/spec_json.h"

namespace vpccni::cni {
namespace {

using nlohmann::json;
constexpr int kCfg = kCodeInvalidConfig;

Result<std::vector<GcAttachment>> ParseAttachments(const json& j, const char* key) {
  std::vector<GcAttachment> out;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    return out;
  }
  if (!it->is_array()) {
    return CniError(kCfg, fmt::format("{} must be a list", key));
  }
  for (const auto& e : *it) {
    if (!e.is_object()) {
      return CniError(kCfg, fmt::format("{} must be a list of objects", key));
    }
    GcAttachment a;
    RETURN_IF_ERROR(GetString(e, "containerID", &a.container_id, key, kCfg));
    RETURN_IF_ERROR(GetString(e, "ifname", &a.ifname, key, kCfg));
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace

Result<NetConf> ParseNetConf(std::string_view stdin_json, Command command) {
  if (strings::Trim(stdin_json).empty()) {
    return CniError(kCodeDecodeFailure, "empty network config on stdin");
  }
  json j = json::parse(stdin_json, nullptr, false);
  if (j.is_discarded()) {
    return CniError(kCodeDecodeFailure, "error decoding network config: not valid JSON");
  }
  if (!j.is_object()) {
    return CniError(kCodeDecodeFailure, "network config must be a JSON object");
  }
  NetConf c;
  RETURN_IF_ERROR(GetString(j, "cniVersion", &c.cni_version, "config", kCfg));
  if (command == Command::kVersion) {
    return c;
  }
  if (c.cni_version.empty()) {
    return CniError(kCfg, "config.cniVersion missing");
  }
  if (!IsSupportedVersion(c.cni_version)) {
    std::vector<std::string> sup(std::begin(kSupportedVersions), std::end(kSupportedVersions));
    return CniError(kCodeIncompatibleVersion,
                    fmt::format("incompatible CNI versions: config is \"{}\", plugin supports [{}]",
                                c.cni_version, strings::Join(sup, " ")));
  }
  RETURN_IF_ERROR(GetString(j, "name", &c.name, "config", kCfg));
  if (c.name.empty()) {
    return CniError(kCfg, "config.name missing");
  }
  RETURN_IF_ERROR(GetString(j, "type", &c.type, "config", kCfg));
  RETURN_IF_ERROR(GetString(j, "vethPrefix", &c.veth_prefix, "config", kCfg));
  if (c.veth_prefix.empty()) {
    c.veth_prefix = "eni";
  }
  if (c.veth_prefix.size() > 4) {
    return CniError(kCfg, fmt::format("config.vethPrefix \"{}\" is longer than 4 characters",
                                      c.veth_prefix));
  }
  int64_t mtu = c.mtu;
  RETURN_IF_ERROR(GetIntLoose(j, "mtu", &mtu, "config", kCfg));
  if (mtu < 576 || mtu > 9001) {
    return CniError(kCfg, fmt::format("config.mtu {} outside 576..9001", mtu));
  }
  c.mtu = static_cast<uint32_t>(mtu);
  RETURN_IF_ERROR(
      GetString(j, "podSGEnforcingMode", &c.pod_sg_enforcing_mode, "config", kCfg));
  if (c.pod_sg_enforcing_mode.empty()) {
    c.pod_sg_enforcing_mode = "strict";
  }
  if (c.pod_sg_enforcing_mode != "strict" && c.pod_sg_enforcing_mode != "standard") {
    return CniError(kCfg, fmt::format("config.podSGEnforcingMode \"{}\" is not strict or standard",
                                      c.pod_sg_enforcing_mode));
  }
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
  RETURN_IF_ERROR(GetString(j, "ipamdSocket", &c.ipamd_socket, "config", kCfg));
  auto caps = j.find("capabilities");
  if (caps != j.end() && !caps->is_null()) {
    if (!caps->is_object()) {
      return CniError(kCfg, "config.capabilities must be an object");
    }
    for (const auto& [k, v] : caps->items()) {
      if (!v.is_boolean()) {
        return CniError(kCfg, fmt::format("config.capabilities.{} must be a boolean", k));
      }
      c.capabilities[k] = v.get<bool>();
    }
  }
  auto rc = j.find("runtimeConfig");
  if (rc != j.end() && !rc->is_null()) {
    if (!rc->is_object()) {
      return CniError(kCfg, "config.runtimeConfig must be an object");
    }
    c.runtime_config_json = rc->dump(-1, ' ', false, json::error_handler_t::replace);
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
  }
  ASSIGN_OR_RETURN(c.valid_attachments, ParseAttachments(j, "cni.dev/valid-attachments"));
  if (c.valid_attachments.empty()) {
    ASSIGN_OR_RETURN(c.valid_attachments, ParseAttachments(j, "cni.dev/attachments"));
  }
  return c;
}

}  // namespace vpccni::cni
