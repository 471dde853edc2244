// File: spec_json.h (internal to the cni libraries)
//
// nlohmann::json forms of the spec result, for code that already holds parsed JSON (config
// parsing with prevResult, egress-cni passing prevResult through).
#pragma once

#include <nlohmann/json.hpp>

#include "cni/spec.h"

namespace vpccni::cni {

Result<CniResult> ResultFromJson(const nlohmann::json& j);
nlohmann::json ResultToJson(const CniResult& r, std::string_view version);

// Typed field helpers: a missing or null key leaves *out unchanged; a key of the wrong type is
// an error of CNI code `code` naming `where`.`key`.
Result<void> GetString(const nlohmann::json& obj, const char* key, std::string* out,
                       std::string_view where, int code);
Result<void> GetBool(const nlohmann::json& obj, const char* key, bool* out,
                     std::string_view where, int code);
// Accepts a JSON integer or a string holding a base-10 integer (upstream writes "mtu":"9001").
Result<void> GetIntLoose(const nlohmann::json& obj, const char* key, int64_t* out,
                         std::string_view where, int code);
// Accepts a JSON boolean or a string "true"/"false" (Go ParseBool spellings).
Result<void> GetBoolLoose(const nlohmann::json& obj, const char* key, bool* out,
                          std::string_view where, int code);

}  // namespace vpccni::cni
