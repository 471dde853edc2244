#include "ipamd/status_client.h"

#include <algorithm>
#include <tuple>

#include <httplib.h>

#include "base/strings.h"
#include "net/ip.h"

namespace vpccni::ipamd {

namespace {

Result<std::vector<EniStatusRow>> ParseEnisStatusUnchecked(const nlohmann::json& doc) {
  if (!doc.is_object()) {
    return MakeError(ErrorCode::kDataLoss, "/v1/enis: not a JSON object");
  }
  std::vector<EniStatusRow> rows;
  for (const auto& [card_key, card] : doc.items()) {
    if (!card.is_object() || !card.contains("ENIs") || !card["ENIs"].is_object()) {
      return MakeError(ErrorCode::kDataLoss, "/v1/enis: card {} has no ENIs object", card_key);
    }
    auto card_index_r = strings::ParseInt(card_key);
    if (!card_index_r) {
      return MakeError(ErrorCode::kDataLoss, "/v1/enis: card key '{}' is not a number",
                       card_key);
    }
    int card_index = static_cast<int>(*card_index_r);
    for (const auto& [eni_key, eni] : card["ENIs"].items()) {
      if (!eni.is_object() || !eni.contains("ID") || !eni["ID"].is_string()) {
        return MakeError(ErrorCode::kDataLoss, "/v1/enis: ENI {} has no ID", eni_key);
      }
      EniStatusRow r;
      r.network_card = card_index;
      r.eni_id = eni["ID"].get<std::string>();
      r.device_number = eni.value("DeviceNumber", 0);
      r.is_primary = eni.value("IsPrimary", false);
      r.subnet_id = eni.value("SubnetID", "");
      int computed_total = 0;
      int computed_assigned = 0;
      int computed_cooling = 0;
      if (eni.contains("AvailableIPv4Cidrs") && eni["AvailableIPv4Cidrs"].is_object()) {
        for (const auto& [ck, c] : eni["AvailableIPv4Cidrs"].items()) {
          if (!c.is_object()) {
            return MakeError(ErrorCode::kDataLoss, "/v1/enis: CIDR {} is not an object", ck);
          }
          bool is_prefix = c.value("IsPrefix", false);
          auto parsed = net::Ipv4Cidr::Parse(ck);
          if (!parsed) {
            return MakeError(ErrorCode::kDataLoss, "/v1/enis: bad CIDR key '{}'", ck);
          }
          if (is_prefix) {
            ++r.prefixes;
          } else {
            ++r.secondary_ips;
          }
          computed_total += static_cast<int>(parsed->Size());
          if (c.contains("IPAddresses") && c["IPAddresses"].is_object()) {
            for (const auto& [ak, a] : c["IPAddresses"].items()) {
              bool assigned = a.is_object() && a.contains("IPAMKey") &&
                              a["IPAMKey"].is_object() &&
                              !a["IPAMKey"].value("networkName", "").empty();
              if (assigned) {
                ++computed_assigned;
              } else {
                ++computed_cooling;
              }
            }
          }
        }
      }
      if (eni.contains("IPv6Cidrs") && eni["IPv6Cidrs"].is_object()) {
        r.ipv6_prefixes = static_cast<int>(eni["IPv6Cidrs"].size());
      }
      r.total = eni.value("TotalIPs", computed_total);
      r.assigned = eni.value("AssignedIPs", computed_assigned);
      r.cooling = eni.value("CoolingIPs", computed_cooling);
      r.free = std::max(0, r.total - r.assigned - r.cooling);
      rows.push_back(std::move(r));
    }
  }
  std::sort(rows.begin(), rows.end(), [](const EniStatusRow& a, const EniStatusRow& b) {
    return std::tie(a.network_card, a.device_number, a.eni_id) <
           std::tie(b.network_card, b.device_number, b.eni_id);
  });
  return rows;
}

}  // namespace

Result<std::vector<EniStatusRow>> ParseEnisStatus(const nlohmann::json& doc) {
  try {
    return ParseEnisStatusUnchecked(doc);
  } catch (const nlohmann::json::exception& e) {
    return MakeError(ErrorCode::kDataLoss, "/v1/enis: unexpected value type: {}", e.what());
  }
}

Result<nlohmann::json> FetchJson(std::string_view base_url, std::string_view path,
                                 int timeout_ms) {
  std::string url(strings::Trim(base_url));
  if (url.rfind("http://", 0) != 0) {
    return MakeError(ErrorCode::kInvalidArgument, "introspection URL '{}' must start with http://",
                     base_url);
  }
  while (!url.empty() && url.back() == '/') {
    url.pop_back();
  }
  httplib::Client client(url);
  client.set_connection_timeout(timeout_ms / 1000, (timeout_ms % 1000) * 1000);
  client.set_read_timeout(timeout_ms / 1000, (timeout_ms % 1000) * 1000);
  auto res = client.Get(std::string(path).c_str());
  if (!res) {
    return MakeError(ErrorCode::kUnavailable, "GET {}{}: {}", url, path,
                     httplib::to_string(res.error()));
  }
  if (res->status != 200) {
    return MakeError(ErrorCode::kInternal, "GET {}{}: HTTP {}", url, path, res->status);
  }
  auto j = nlohmann::json::parse(res->body, nullptr, false);
  if (j.is_discarded()) {
    return MakeError(ErrorCode::kDataLoss, "GET {}{}: body is not JSON", url, path);
  }
  return j;
}

}  // namespace vpccni::ipamd
