#include "ipamd/introspection.h"

#include <ctime>
#include <map>

#include <fmt/format.h>

#include "ipam/types.h"

namespace vpccni::ipamd {
namespace {

std::string Base64(const uint8_t* data, size_t n) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = static_cast<uint32_t>(data[i]) << 16;
    if (i + 1 < n) {
      v |= static_cast<uint32_t>(data[i + 1]) << 8;
    }
    if (i + 2 < n) {
      v |= data[i + 2];
    }
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < n ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < n ? kAlphabet[v & 63] : '=';
  }
  return out;
}

nlohmann::json V4CidrJson(const net::Ipv4Cidr& c) {
  uint32_t mask = c.Mask();
  uint8_t b[4] = {static_cast<uint8_t>(mask >> 24), static_cast<uint8_t>(mask >> 16),
                  static_cast<uint8_t>(mask >> 8), static_cast<uint8_t>(mask)};
  return {{"IP", c.Network().ToString()}, {"Mask", Base64(b, 4)}};
}

nlohmann::json V6CidrJson(const net::Ipv6Cidr& c) {
  net::Ipv6Address m = net::Ipv6Address::FromU128(c.Mask());
  return {{"IP", c.Network().ToString()}, {"Mask", Base64(m.Bytes().data(), 16)}};
}

nlohmann::json AddressJson(const std::string& address, const ipam::Assignment* a,
                           std::optional<WallTime> unassigned) {
  nlohmann::json key = {{"networkName", a != nullptr ? a->key.network_name : ""},
                        {"containerID", ""},
                        {"ifName", ""}};
  nlohmann::json meta = nlohmann::json::object();
  if (a != nullptr) {
    if (!a->metadata.k8s_namespace.empty()) {
      meta["k8sPodNamespace"] = a->metadata.k8s_namespace;
    }
    if (!a->metadata.k8s_name.empty()) {
      meta["k8sPodName"] = a->metadata.k8s_name;
    }
    if (a->metadata.interfaces_count != 0) {
      meta["interfacesCount"] = a->metadata.interfaces_count;
    }
  }
  return {{"Address", address},
          {"IPAMKey", key},
          {"IPAMMetadata", meta},
          {"AssignedTime",
           GoTimeJson(a != nullptr ? std::optional<WallTime>(a->assigned_at) : std::nullopt)},
          {"UnassignedTime", GoTimeJson(unassigned)}};
}

}  // namespace

const std::vector<std::string>& IntrospectionPaths() {
  static const std::vector<std::string> kPaths = {
      "/v1/enis", "/v1/eni-configs", "/v1/networkutils-env-settings", "/v1/ipamd-env-settings"};
  return kPaths;
}

nlohmann::json AvailableCommandsJson() {
  return {{"AvailableCommands", IntrospectionPaths()}};
}

std::string GoTimeJson(std::optional<WallTime> t) {
  if (!t.has_value() || ToUnixNanos(*t) == 0) {
    return "0001-01-01T00:00:00Z";
  }
  int64_t ns = ToUnixNanos(*t);
  std::time_t secs = static_cast<std::time_t>(ns / 1'000'000'000);
  int64_t frac = ns % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  std::string s = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", tm.tm_year + 1900,
                              tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (frac != 0) {
    std::string f = fmt::format("{:09}", frac);
    while (!f.empty() && f.back() == '0') {
      f.pop_back();
    }
    s += "." + f;
  }
  return s + "Z";
}

nlohmann::json RenderEnis(const ipam::Datastore& ds, WallTime now) {
  ipam::PoolStats stats = ds.Stats(now);
  std::map<std::string, ipam::Assignment> by_addr;
  for (const auto& a : ds.Assignments()) {
    by_addr.emplace(a.address.ToString(), a);
  }
  std::map<std::string, WallTime> cooling;
  for (const auto& c : ds.Cooldowns(now)) {
    cooling.emplace(c.address.ToString(), c.until - ds.options().cooldown);
  }
  nlohmann::json enis = nlohmann::json::object();
  for (const auto& es : stats.enis) {
    const ipam::EniSpec& spec = es.spec;
    nlohmann::json v4 = nlohmann::json::object();
    for (const auto& cs : es.cidrs) {
      nlohmann::json addrs = nlohmann::json::object();
      for (uint64_t i = 0; i < cs.cidr.Size(); ++i) {
        std::string ip = cs.cidr.At(i).ToString();
        auto a = by_addr.find(ip);
        auto c = cooling.find(ip);
        if (a != by_addr.end()) {
          addrs[ip] = AddressJson(ip, &a->second, std::nullopt);
        } else if (c != cooling.end()) {
          addrs[ip] = AddressJson(ip, nullptr, c->second);
        }
      }
      v4[cs.cidr.ToString()] = {{"Cidr", V4CidrJson(cs.cidr)},
                                {"IPAddresses", addrs},
                                {"IsPrefix", cs.is_prefix},
                                {"AddressFamily", "4"}};
    }
    nlohmann::json v6 = nlohmann::json::object();
    for (const auto& p : ds.Ipv6Prefixes(spec.id)) {
      nlohmann::json addrs = nlohmann::json::object();
      for (const auto& [ip, a] : by_addr) {
        if (a.address.IsV6() && p.Contains(a.address.V6())) {
          addrs[ip] = AddressJson(ip, &a, std::nullopt);
        }
      }
      v6[p.ToString()] = {{"Cidr", V6CidrJson(p)},
                          {"IPAddresses", addrs},
                          {"IsPrefix", true},
                          {"AddressFamily", "6"}};
    }
    enis[spec.id] = {{"ID", spec.id},
                     {"IsPrimary", spec.is_primary},
                     {"IsTrunk", spec.is_trunk},
                     {"IsEFA", spec.is_efa},
                     {"DeviceNumber", spec.device_number},
                     {"AvailableIPv4Cidrs", v4},
                     {"IPv6Cidrs", v6},
                     {"IsExcludedForPodIPs", spec.is_excluded},
                     {"RouteTableID", ipam::RouteTableFor(spec.device_number, spec.network_card)},
                     {"SubnetID", spec.subnet_id},
                     {"TotalIPs", es.total},
                     {"AssignedIPs", es.assigned + es.ipv6_assigned},
                     {"CoolingIPs", es.cooling}};
  }
  return {{"TotalIPs", stats.total},
          {"AssignedIPs", stats.assigned + stats.ipv6_assigned},
          {"CoolingIPs", stats.cooling},
          {"ENIs", enis}};
}

}  // namespace vpccni::ipamd
