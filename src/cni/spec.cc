#include "cni/spec.h"

#include <cctype>

#include "base/strings.h"
#include "cni/errors.h"
#include "cni/spec_json.h"

namespace vpccni::cni {
namespace {

using nlohmann::json;

Result<std::vector<int>> VersionParts(std::string_view v) {
  auto parts = strings::Split(v, '.');
  if (parts.empty() || parts.size() > 3) {
    return CniError(kCodeIncompatibleVersion, fmt::format("invalid CNI version \"{}\"", v));
  }
  std::vector<int> out;
  for (const auto& p : parts) {
    if (p.empty() || p.size() > 6 ||
        !std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return CniError(kCodeIncompatibleVersion, fmt::format("invalid CNI version \"{}\"", v));
    }
    out.push_back(std::stoi(p));
  }
  out.resize(3, 0);
  return out;
}

bool ValidContainerId(std::string_view id) {
  if (id.empty() || !std::isalnum(static_cast<unsigned char>(id[0]))) {
    return false;
  }
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

bool ValidIfName(std::string_view n) {
  if (n.empty() || n.size() > 15 || n == "." || n == "..") {
    return false;
  }
  return std::all_of(n.begin(), n.end(), [](char c) {
    return c != '/' && c != ':' && !std::isspace(static_cast<unsigned char>(c)) && c != '\0';
  });
}

Result<void> TypeError(std::string_view where, const char* key, std::string_view expected,
                       int code) {
  return CniError(code, fmt::format("{}.{} must be {}", where, key, expected));
}

Result<std::vector<std::string>> StringList(const json& obj, const char* key,
                                            std::string_view where) {
  std::vector<std::string> out;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    return out;
  }
  if (!it->is_array()) {
    return CniError(kCodeDecodeFailure, fmt::format("{}.{} must be a list of strings", where, key));
  }
  for (const auto& e : *it) {
    if (!e.is_string()) {
      return CniError(kCodeDecodeFailure,
                      fmt::format("{}.{} must be a list of strings", where, key));
    }
    out.push_back(e.get<std::string>());
  }
  return out;
}

Result<void> GetOptInt(const json& obj, const char* key, std::optional<int>* out,
                       std::string_view where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    return Ok();
  }
  if (!it->is_number_integer() || it->get<int64_t>() < INT32_MIN ||
      it->get<int64_t>() > INT32_MAX) {
    return TypeError(where, key, "an integer", kCodeDecodeFailure);
  }
  *out = static_cast<int>(it->get<int64_t>());
  return Ok();
}

}  // namespace

Result<int> CompareVersions(std::string_view a, std::string_view b) {
  ASSIGN_OR_RETURN(auto pa, VersionParts(a));
  ASSIGN_OR_RETURN(auto pb, VersionParts(b));
  return pa < pb ? -1 : (pa == pb ? 0 : 1);
}

bool IsSupportedVersion(std::string_view v) {
  return std::find(std::begin(kSupportedVersions), std::end(kSupportedVersions), v) !=
         std::end(kSupportedVersions);
}

std::string EncodeVersionReply(std::string_view requested) {
  json j;
  j["cniVersion"] = std::string(requested.empty() ? kLatestVersion : requested);
  json list = json::array();
  for (auto v : kSupportedVersions) {
    list.push_back(std::string(v));
  }
  j["supportedVersions"] = std::move(list);
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string_view CommandName(Command c) {
  switch (c) {
    case Command::kAdd:
      return "ADD";
    case Command::kDel:
      return "DEL";
    case Command::kCheck:
      return "CHECK";
    case Command::kVersion:
      return "VERSION";
    case Command::kGc:
      return "GC";
    case Command::kStatus:
      return "STATUS";
  }
  return "?";
}

Result<CniEnv> ParseEnv(const std::function<const char*(const char*)>& getenv) {
  auto get = [&](const char* k) {
    const char* v = getenv(k);
    return std::string(v != nullptr ? v : "");
  };
  CniEnv env;
  std::string cmd = get("CNI_COMMAND");
  if (cmd.empty()) {
    return CniError(kCodeInvalidEnv, "required env variables [CNI_COMMAND] missing");
  }
  static constexpr Command kAll[] = {Command::kAdd,     Command::kDel, Command::kCheck,
                                     Command::kVersion, Command::kGc,  Command::kStatus};
  bool found = false;
  for (Command c : kAll) {
    if (CommandName(c) == cmd) {
      env.command = c;
      found = true;
    }
  }
  if (!found) {
    return CniError(kCodeInvalidEnv, fmt::format("unknown CNI_COMMAND: {}", cmd));
  }
  env.container_id = get("CNI_CONTAINERID");
  env.netns = get("CNI_NETNS");
  env.ifname = get("CNI_IFNAME");
  env.args = get("CNI_ARGS");
  env.path = get("CNI_PATH");
  if (env.command != Command::kAdd && env.command != Command::kDel &&
      env.command != Command::kCheck) {
    return env;
  }
  std::vector<std::string> missing;
  if (env.container_id.empty()) {
    missing.emplace_back("CNI_CONTAINERID");
  }
  if (env.netns.empty() && env.command != Command::kDel) {
    missing.emplace_back("CNI_NETNS");
  }
  if (env.ifname.empty()) {
    missing.emplace_back("CNI_IFNAME");
  }
  if (!missing.empty()) {
    return CniError(kCodeInvalidEnv, fmt::format("required env variables [{}] missing",
                                                 strings::Join(missing, ",")));
  }
  if (!ValidContainerId(env.container_id)) {
    return CniError(kCodeInvalidEnv,
                    fmt::format("invalid characters in CNI_CONTAINERID \"{}\"", env.container_id));
  }
  if (!ValidIfName(env.ifname)) {
    return CniError(kCodeInvalidEnv,
                    fmt::format("invalid interface name in CNI_IFNAME \"{}\"", env.ifname));
  }
  return env;
}

Result<K8sArgs> ParseCniArgs(std::string_view args) {
  K8sArgs out;
  bool ignore_unknown = false;
  std::vector<std::string> unknown;
  for (const auto& pair : strings::Split(args, ';', /*skip_empty=*/true)) {
    auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) {
      return CniError(kCodeInvalidEnv, fmt::format("CNI_ARGS: invalid pair \"{}\"", pair));
    }
    std::string key = pair.substr(0, eq);
    std::string value = pair.substr(eq + 1);
    if (key == "IgnoreUnknown") {
      auto b = strings::ParseBool(value);
      if (!b.has_value()) {
        return CniError(kCodeInvalidEnv,
                        fmt::format("CNI_ARGS: IgnoreUnknown=\"{}\" is not a boolean", value));
      }
      ignore_unknown = *b;
    } else if (key == "K8S_POD_NAME") {
      out.pod_name = value;
    } else if (key == "K8S_POD_NAMESPACE") {
      out.pod_namespace = value;
    } else if (key == "K8S_POD_INFRA_CONTAINER_ID") {
      out.infra_container_id = value;
    } else if (key == "K8S_POD_UID") {
      out.pod_uid = value;
    } else {
      unknown.push_back(pair);
    }
  }
  if (!unknown.empty() && !ignore_unknown) {
    return CniError(kCodeInvalidEnv, fmt::format("CNI_ARGS: unknown args [{}]",
                                                 strings::Join(unknown, " ")));
  }
  return out;
}

Result<void> GetString(const json& obj, const char* key, std::string* out, std::string_view where,
                       int code) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    return Ok();
  }
  if (!it->is_string()) {
    return TypeError(where, key, "a string", code);
  }
  *out = it->get<std::string>();
  return Ok();
}

Result<void> GetBool(const json& obj, const char* key, bool* out, std::string_view where,
                     int code) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    return Ok();
  }
  if (!it->is_boolean()) {
    return TypeError(where, key, "a boolean", code);
  }
  *out = it->get<bool>();
  return Ok();
}

Result<void> GetIntLoose(const json& obj, const char* key, int64_t* out, std::string_view where,
                         int code) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    return Ok();
  }
  if (it->is_number_integer()) {
    if (it->is_number_unsigned() && it->get<uint64_t>() > INT64_MAX) {
      return TypeError(where, key, "an integer in range", code);
    }
    *out = it->get<int64_t>();
    return Ok();
  }
  if (it->is_string()) {
    auto n = strings::ParseInt(it->get<std::string>());
    if (n.has_value()) {
      *out = *n;
      return Ok();
    }
  }
  return TypeError(where, key, "an integer", code);
}

Result<void> GetBoolLoose(const json& obj, const char* key, bool* out, std::string_view where,
                          int code) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    return Ok();
  }
  if (it->is_boolean()) {
    *out = it->get<bool>();
    return Ok();
  }
  if (it->is_string()) {
    auto b = strings::ParseBool(it->get<std::string>());
    if (b.has_value()) {
      *out = *b;
      return Ok();
    }
  }
  return TypeError(where, key, "a boolean or \"true\"/\"false\"", code);
}

Result<CniResult> ResultFromJson(const json& j) {
  constexpr int kDec = kCodeDecodeFailure;
  if (!j.is_object()) {
    return CniError(kDec, "result must be a JSON object");
  }
  CniResult r;
  RETURN_IF_ERROR(GetString(j, "cniVersion", &r.cni_version, "result", kDec));
  auto arr = [&](const char* key) -> Result<const json*> {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
      return static_cast<const json*>(nullptr);
    }
    if (!it->is_array()) {
      return CniError(kDec, fmt::format("result.{} must be a list", key));
    }
    for (const auto& e : *it) {
      if (!e.is_object()) {
        return CniError(kDec, fmt::format("result.{} must be a list of objects", key));
      }
    }
    return &*it;
  };
  ASSIGN_OR_RETURN(const json* ifs, arr("interfaces"));
  if (ifs != nullptr) {
    for (const auto& e : *ifs) {
      Interface i;
      RETURN_IF_ERROR(GetString(e, "name", &i.name, "interfaces[]", kDec));
      RETURN_IF_ERROR(GetString(e, "mac", &i.mac, "interfaces[]", kDec));
      RETURN_IF_ERROR(GetOptInt(e, "mtu", &i.mtu, "interfaces[]"));
      RETURN_IF_ERROR(GetString(e, "sandbox", &i.sandbox, "interfaces[]", kDec));
      RETURN_IF_ERROR(GetString(e, "socketPath", &i.socket_path, "interfaces[]", kDec));
      RETURN_IF_ERROR(GetString(e, "pciID", &i.pci_id, "interfaces[]", kDec));
      r.interfaces.push_back(std::move(i));
    }
  }
  ASSIGN_OR_RETURN(const json* ips, arr("ips"));
  if (ips != nullptr) {
    for (const auto& e : *ips) {
      IpConfig ip;
      RETURN_IF_ERROR(GetString(e, "address", &ip.address, "ips[]", kDec));
      RETURN_IF_ERROR(GetString(e, "gateway", &ip.gateway, "ips[]", kDec));
      RETURN_IF_ERROR(GetOptInt(e, "interface", &ip.interface, "ips[]"));
      if (ip.interface.has_value() &&
          (*ip.interface < 0 || *ip.interface >= static_cast<int>(r.interfaces.size()))) {
        return CniError(kCodeInvalidConfig,
                        fmt::format("result.ips[].interface {} out of range", *ip.interface));
      }
      if (ip.address.empty()) {
        return CniError(kDec, "result.ips[].address missing");
      }
      r.ips.push_back(std::move(ip));
    }
  }
  ASSIGN_OR_RETURN(const json* routes, arr("routes"));
  if (routes != nullptr) {
    for (const auto& e : *routes) {
      RouteEntry rt;
      RETURN_IF_ERROR(GetString(e, "dst", &rt.dst, "routes[]", kDec));
      RETURN_IF_ERROR(GetString(e, "gw", &rt.gw, "routes[]", kDec));
      RETURN_IF_ERROR(GetOptInt(e, "mtu", &rt.mtu, "routes[]"));
      RETURN_IF_ERROR(GetOptInt(e, "advmss", &rt.advmss, "routes[]"));
      RETURN_IF_ERROR(GetOptInt(e, "priority", &rt.priority, "routes[]"));
      RETURN_IF_ERROR(GetOptInt(e, "table", &rt.table, "routes[]"));
      RETURN_IF_ERROR(GetOptInt(e, "scope", &rt.scope, "routes[]"));
      r.routes.push_back(std::move(rt));
    }
  }
  auto dns = j.find("dns");
  if (dns != j.end() && !dns->is_null()) {
    if (!dns->is_object()) {
      return CniError(kDec, "result.dns must be an object");
    }
    ASSIGN_OR_RETURN(r.dns.nameservers, StringList(*dns, "nameservers", "dns"));
    RETURN_IF_ERROR(GetString(*dns, "domain", &r.dns.domain, "dns", kDec));
    ASSIGN_OR_RETURN(r.dns.search, StringList(*dns, "search", "dns"));
    ASSIGN_OR_RETURN(r.dns.options, StringList(*dns, "options", "dns"));
  }
  return r;
}

Result<CniResult> ParseResult(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    return CniError(kCodeDecodeFailure, "result is not valid JSON");
  }
  return ResultFromJson(j);
}

json ResultToJson(const CniResult& r, std::string_view version) {
  bool v1 = CompareVersions(version, "1.0.0").value_or(1) >= 0;
  bool v11 = CompareVersions(version, "1.1.0").value_or(1) >= 0;
  json j;
  j["cniVersion"] = std::string(version);
  if (!r.interfaces.empty()) {
    json arr = json::array();
    for (const auto& i : r.interfaces) {
      json e;
      e["name"] = i.name;
      if (!i.mac.empty()) {
        e["mac"] = i.mac;
      }
      if (v11 && i.mtu.has_value()) {
        e["mtu"] = *i.mtu;
      }
      if (!i.sandbox.empty()) {
        e["sandbox"] = i.sandbox;
      }
      if (v11 && !i.socket_path.empty()) {
        e["socketPath"] = i.socket_path;
      }
      if (v11 && !i.pci_id.empty()) {
        e["pciID"] = i.pci_id;
      }
      arr.push_back(std::move(e));
    }
    j["interfaces"] = std::move(arr);
  }
  if (!r.ips.empty()) {
    json arr = json::array();
    for (const auto& ip : r.ips) {
      json e;
      if (!v1) {
        e["version"] = ip.address.find(':') != std::string::npos ? "6" : "4";
      }
      if (ip.interface.has_value()) {
        e["interface"] = *ip.interface;
      }
      e["address"] = ip.address;
      if (!ip.gateway.empty()) {
        e["gateway"] = ip.gateway;
      }
      arr.push_back(std::move(e));
    }
    j["ips"] = std::move(arr);
  }
  if (!r.routes.empty()) {
    json arr = json::array();
    for (const auto& rt : r.routes) {
      json e;
      e["dst"] = rt.dst;
      if (!rt.gw.empty()) {
        e["gw"] = rt.gw;
      }
      if (v11) {
        for (auto [k, v] : {std::pair{"mtu", rt.mtu}, std::pair{"advmss", rt.advmss},
                            std::pair{"priority", rt.priority}, std::pair{"table", rt.table},
                            std::pair{"scope", rt.scope}}) {
          if (v.has_value()) {
            e[k] = *v;
          }
        }
      }
      arr.push_back(std::move(e));
    }
    j["routes"] = std::move(arr);
  }
  json dns = json::object();
  if (!r.dns.nameservers.empty()) {
    dns["nameservers"] = r.dns.nameservers;
  }
  if (!r.dns.domain.empty()) {
    dns["domain"] = r.dns.domain;
  }
  if (!r.dns.search.empty()) {
    dns["search"] = r.dns.search;
  }
  if (!r.dns.options.empty()) {
    dns["options"] = r.dns.options;
  }
  j["dns"] = std::move(dns);
  return j;
}

std::string EncodeResult(const CniResult& r, std::string_view version) {
  return ResultToJson(r, version).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace vpccni::cni
