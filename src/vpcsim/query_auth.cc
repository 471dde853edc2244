#include "vpcsim/query_auth.h"

#include "base/strings.h"
#include "vpcsim/query_params.h"

namespace vpccni::vpcsim {
namespace {

Error Incomplete(std::string_view what) {
  return QueryError("IncompleteSignature",
                    fmt::format("Authorization header is incomplete or malformed: {}", what));
}

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<AuthorizationHeader> ParseAuthorizationHeader(std::string_view value) {
  value = strings::Trim(value);
  size_t sp = value.find(' ');
  if (sp == std::string_view::npos) {
    return Incomplete("no algorithm");
  }
  AuthorizationHeader h;
  h.algorithm = std::string(value.substr(0, sp));
  if (h.algorithm != "AWS4-HMAC-SHA256") {
    return Incomplete(fmt::format("unsupported algorithm '{}'", h.algorithm));
  }
  bool have_credential = false;
  bool have_signed = false;
  bool have_signature = false;
  for (const std::string& raw : strings::Split(value.substr(sp + 1), ',', true)) {
    std::string_view part = strings::Trim(raw);
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      return Incomplete(fmt::format("'{}' is not key=value", part));
    }
    std::string_view key = part.substr(0, eq);
    std::string_view val = part.substr(eq + 1);
    if (key == "Credential") {
      std::vector<std::string> scope = strings::Split(val, '/');
      if (scope.size() != 5 || scope[0].empty() || scope[1].size() != 8 || scope[2].empty() ||
          scope[3].empty() || scope[4] != "aws4_request") {
        return Incomplete("Credential must be AK/YYYYMMDD/region/service/aws4_request");
      }
      h.access_key = scope[0];
      h.date = scope[1];
      h.region = scope[2];
      h.service = scope[3];
      h.terminal = scope[4];
      have_credential = true;
    } else if (key == "SignedHeaders") {
      h.signed_headers = strings::Split(val, ';', true);
      if (h.signed_headers.empty()) {
        return Incomplete("empty SignedHeaders");
      }
      have_signed = true;
    } else if (key == "Signature") {
      if (val.size() != 64 || !IsLowerHex(val)) {
        return Incomplete("Signature must be 64 lower-case hex digits");
      }
      h.signature = std::string(val);
      have_signature = true;
    }
  }
  if (!have_credential) {
    return Incomplete("missing Credential");
  }
  if (!have_signed) {
    return Incomplete("missing SignedHeaders");
  }
  if (!have_signature) {
    return Incomplete("missing Signature");
  }
  return h;
}

}  // namespace vpccni::vpcsim
