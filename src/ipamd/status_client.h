// File: status_client.h
//
// Client side of ipamd's introspection endpoint, used by `vpcctl status`: fetches JSON over HTTP
// (cpp-httplib, kept out of this header) and turns /v1/enis into per-ENI warm-pool rows.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace vpccni::ipamd {

// Per-ENI row of `vpcctl status`.
struct EniStatusRow {
  int network_card = 0;
  std::string eni_id;
  int device_number = 0;
  bool is_primary = false;
  int secondary_ips = 0;
  int prefixes = 0;
  int ipv6_prefixes = 0;
  int total = 0;
  int assigned = 0;
  int cooling = 0;
  int free = 0;  // total - assigned - cooling
  std::string subnet_id;
};

// Parses a /v1/enis document into rows ordered by (card, device). kDataLoss on an unexpected
// shape (not an object, ENI without ID, CIDR without a mask).
Result<std::vector<EniStatusRow>> ParseEnisStatus(const nlohmann::json& enis);

// GETs base_url + path (base_url like "http://127.0.0.1:61679") and parses the body as JSON.
// kUnavailable when the server cannot be reached, kInternal for a non-200 status, kDataLoss for
// a body that is not JSON, kInvalidArgument for a malformed URL.
Result<nlohmann::json> FetchJson(std::string_view base_url, std::string_view path,
                                 int timeout_ms = 5000);

}  // namespace vpccni::ipamd
