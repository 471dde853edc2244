// File: config.h
//
// The request config the runtime sends to vpc-cni on stdin (the plugin's conflist entry plus
// cniVersion, name, runtimeConfig, prevResult, GC's valid attachments). Pure parsing: every
// failure is an Error with a CNI code (errors.h) naming the offending key.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "base/result.h"
#include "cni/spec.h"

namespace vpccni::cni {

inline constexpr std::string_view kDefaultPluginLogFile = "/var/log/aws-routed-eni/plugin.log";

struct GcAttachment {
  std::string container_id;  // "containerID"
  std::string ifname;        // "ifname"
  bool operator==(const GcAttachment&) const = default;
};

struct NetConf {
  std::string cni_version;                 // required; one of kSupportedVersions
  std::string name;                        // network name (required except VERSION)
  std::string type;
  std::string veth_prefix = "eni";         // "vethPrefix", at most 4 characters
  uint32_t mtu = 9001;                     // "mtu" (number or string), 576..9001
  std::string pod_sg_enforcing_mode = "strict";  // "podSGEnforcingMode": strict | standard
  std::string plugin_log_file;             // "pluginLogFile"; empty = stderr
  log::Level plugin_log_level = log::Level::kInfo;  // "pluginLogLevel"
  std::string ipamd_socket;                // "ipamdSocket"; empty = env/default
  std::map<std::string, bool> capabilities;       // "capabilities"
  std::string runtime_config_json;         // "runtimeConfig" re-serialized, "" when absent
  std::optional<CniResult> prev_result;    // "prevResult"
  std::vector<GcAttachment> valid_attachments;  // "cni.dev/valid-attachments" (or "cni.dev/attachments")
};

// Parses stdin. Codes: 6 (not JSON / not an object / prevResult malformed), 1 (cniVersion not
// supported), 7 (missing name or cniVersion, values out of range, wrong types).
// `command` relaxes what VERSION needs (nothing but a parseable object).
Result<NetConf> ParseNetConf(std::string_view stdin_json, Command command);

}  // namespace vpccni::cni
