// File: spec.h
//
// CNI spec plumbing shared by vpc-cni and egress-cni, all pure: supported versions, the
// CNI_* environment, CNI_ARGS with the K8S_POD_* keys, and the result object (parsed from any
// supported version, encoded in the version the runtime asked for). Errors carry CNI codes
// (errors.h).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vpccni::cni {

// Versions both plugins accept in a config and answer in, oldest first.
inline constexpr std::string_view kSupportedVersions[] = {"0.3.0", "0.3.1", "0.4.0", "1.0.0",
                                                          "1.1.0"};
inline constexpr std::string_view kLatestVersion = "1.1.0";

// 3-part numeric version comparison; kInvalidArgument (code 1) for non-numeric text.
Result<int> CompareVersions(std::string_view a, std::string_view b);
bool IsSupportedVersion(std::string_view v);
// {"cniVersion":<requested or latest>,"supportedVersions":[...]}.
std::string EncodeVersionReply(std::string_view requested);

enum class Command { kAdd, kDel, kCheck, kVersion, kGc, kStatus };
std::string_view CommandName(Command c);

// The CNI_* environment of one invocation.
struct CniEnv {
  Command command = Command::kVersion;
  std::string container_id;  // CNI_CONTAINERID
  std::string netns;         // CNI_NETNS (may be empty on DEL)
  std::string ifname;        // CNI_IFNAME
  std::string args;          // CNI_ARGS (raw)
  std::string path;          // CNI_PATH
};

// Reads the environment through `getenv` (returns nullptr for unset). Validates what the verb
// requires: ADD/CHECK need CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME; DEL needs CNI_CONTAINERID and
// CNI_IFNAME; VERSION/GC/STATUS need only CNI_COMMAND. Container ids must match
// [A-Za-z0-9][A-Za-z0-9_.-]*; interface names must be valid Linux names (1-15 bytes, no '/',
// ':', whitespace, not "." or ".."). All failures are code 4 and name the variable.
Result<CniEnv> ParseEnv(const std::function<const char*(const char*)>& getenv);

// CNI_ARGS ("K=V;K=V"). K8S_POD_* keys are extracted; other keys are an error (code 4) unless
// IgnoreUnknown is 1/true.
struct K8sArgs {
  std::string pod_name;            // K8S_POD_NAME
  std::string pod_namespace;       // K8S_POD_NAMESPACE
  std::string infra_container_id;  // K8S_POD_INFRA_CONTAINER_ID
  std::string pod_uid;             // K8S_POD_UID
};
Result<K8sArgs> ParseCniArgs(std::string_view args);

// The spec result object. Optional ints are omitted when unset.
struct Interface {
  std::string name;
  std::string mac;
  std::optional<int> mtu;       // 1.1.0
  std::string sandbox;
  std::string socket_path;      // 1.1.0 "socketPath"
  std::string pci_id;           // 1.1.0 "pciID"
  bool operator==(const Interface&) const = default;
};
struct IpConfig {
  std::string address;          // CIDR text, e.g. "10.0.1.5/32"
  std::string gateway;
  std::optional<int> interface; // index into interfaces
  bool operator==(const IpConfig&) const = default;
};
struct RouteEntry {
  std::string dst;
  std::string gw;
  std::optional<int> mtu, advmss, priority, table, scope;  // 1.1.0
  bool operator==(const RouteEntry&) const = default;
};
struct Dns {
  std::vector<std::string> nameservers;
  std::string domain;
  std::vector<std::string> search;
  std::vector<std::string> options;
  bool operator==(const Dns&) const = default;
};
struct CniResult {
  std::string cni_version;
  std::vector<Interface> interfaces;
  std::vector<IpConfig> ips;
  std::vector<RouteEntry> routes;
  Dns dns;
  bool operator==(const CniResult&) const = default;
};

// Parses a result (or prevResult) of any supported version: 0.3.x/0.4.0 "ips[].version" is
// accepted and dropped. Code 6 for wrong types, code 7 for an interface index out of range.
Result<CniResult> ParseResult(std::string_view json);

// Encodes `r` in `version` (>= 0.3.0): 0.3.x/0.4.0 add "version":"4"/"6" to every ip; fields of
// 1.1.0 (interface mtu/socketPath/pciID, route mtu/advmss/priority/table/scope) are dropped for
// older versions. cniVersion is set to `version`.
std::string EncodeResult(const CniResult& r, std::string_view version);

}  // namespace vpccni::cni
