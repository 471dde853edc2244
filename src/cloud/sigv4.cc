#include "cloud/sigv4.h"

#include <time.h>

#include <algorithm>
#include <array>
#include <map>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/strings.h"

namespace vpccni::cloud {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// Trims and collapses runs of spaces/tabs into one space (SigV4 header value rule).
std::string CanonicalHeaderValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  bool in_space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      in_space = true;
      continue;
    }
    if (in_space && !out.empty()) {
      out.push_back(' ');
    }
    in_space = false;
    out.push_back(c);
  }
  return out;
}

// name (lower) -> values in order of appearance.
std::map<std::string, std::vector<std::string>> GroupHeaders(const HeaderList& headers) {
  std::map<std::string, std::vector<std::string>> grouped;
  for (const auto& [name, value] : headers) {
    grouped[strings::ToLower(strings::Trim(name))].push_back(CanonicalHeaderValue(value));
  }
  return grouped;
}

// Normalizes the path (RFC 3986 dot segments, empty segments) and encodes each segment once.
std::string CanonicalUri(std::string_view path) {
  if (path.empty()) {
    return "/";
  }
  std::vector<std::string> out;
  bool trailing_slash = path.size() > 1 && path.back() == '/';
  for (const std::string& seg : strings::Split(path, '/', /*skip_empty=*/true)) {
    if (seg == ".") {
      continue;
    }
    if (seg == "..") {
      if (!out.empty()) {
        out.pop_back();
      }
      continue;
    }
    Result<std::string> decoded = UriDecode(seg);
    out.push_back(UriEncode(decoded.has_value() ? *decoded : seg));
  }
  std::string uri = "/" + strings::Join(out, "/");
  if (trailing_slash && uri != "/") {
    uri.push_back('/');
  }
  return uri;
}

std::string CanonicalQuery(const std::vector<std::pair<std::string, std::string>>& query) {
  std::vector<std::pair<std::string, std::string>> enc;
  enc.reserve(query.size());
  for (const auto& [k, v] : query) {
    enc.emplace_back(UriEncode(k), UriEncode(v));
  }
  std::sort(enc.begin(), enc.end());
  std::string out;
  for (const auto& [k, v] : enc) {
    if (!out.empty()) {
      out.push_back('&');
    }
    out += k;
    out.push_back('=');
    out += v;
  }
  return out;
}

std::string CanonicalRequestFor(const SigV4Request& req,
                                const std::map<std::string, std::vector<std::string>>& headers) {
  std::string out;
  out += req.method;
  out.push_back('\n');
  out += CanonicalUri(req.path);
  out.push_back('\n');
  out += CanonicalQuery(req.query);
  out.push_back('\n');
  std::vector<std::string> names;
  for (const auto& [name, values] : headers) {
    out += name;
    out.push_back(':');
    out += strings::Join(values, ",");
    out.push_back('\n');
    names.push_back(name);
  }
  out.push_back('\n');
  out += strings::Join(names, ";");
  out.push_back('\n');
  out += Sha256Hex(req.body);
  return out;
}

struct tm ToUtc(WallTime t) {
  time_t secs = std::chrono::system_clock::to_time_t(t);
  struct tm tm_utc {};
  gmtime_r(&secs, &tm_utc);
  return tm_utc;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Error AuthError(ErrorCode code, std::string_view reason, std::string message) {
  Error e = MakeErrorValue(code, std::move(message));
  e.reason = std::string(reason);
  return e;
}

}  // namespace

std::string UriEncode(std::string_view s, bool encode_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3 / 2);
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || (c == '/' && !encode_slash)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

Result<std::string> UriDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) {
      return MakeError(ErrorCode::kInvalidArgument, "truncated percent-escape in '{}'", s);
    }
    int hi = HexValue(s[i + 1]);
    int lo = HexValue(s[i + 2]);
    if (hi < 0 || lo < 0) {
      return MakeError(ErrorCode::kInvalidArgument, "bad percent-escape in '{}'", s);
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> ParseQueryString(std::string_view s,
                                                                          bool plus_is_space) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& part : strings::Split(s, '&', /*skip_empty=*/true)) {
    std::string_view p = part;
    size_t eq = p.find('=');
    std::string key(p.substr(0, eq));
    std::string value(eq == std::string_view::npos ? std::string_view() : p.substr(eq + 1));
    if (plus_is_space) {
      std::replace(key.begin(), key.end(), '+', ' ');
      std::replace(value.begin(), value.end(), '+', ' ');
    }
    ASSIGN_OR_RETURN(std::string dk, UriDecode(key));
    ASSIGN_OR_RETURN(std::string dv, UriDecode(value));
    out.emplace_back(std::move(dk), std::move(dv));
  }
  return out;
}

std::string EncodeQueryString(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) {
      out.push_back('&');
    }
    out += UriEncode(k);
    out.push_back('=');
    out += UriEncode(v);
  }
  return out;
}

std::string AmzDate(WallTime t) {
  struct tm u = ToUtc(t);
  return fmt::format("{:04d}{:02d}{:02d}T{:02d}{:02d}{:02d}Z", u.tm_year + 1900, u.tm_mon + 1,
                     u.tm_mday, u.tm_hour, u.tm_min, u.tm_sec);
}

std::string AmzShortDate(WallTime t) {
  struct tm u = ToUtc(t);
  return fmt::format("{:04d}{:02d}{:02d}", u.tm_year + 1900, u.tm_mon + 1, u.tm_mday);
}

Result<WallTime> ParseAmzDate(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') {
    return MakeError(ErrorCode::kInvalidArgument, "bad X-Amz-Date '{}'", s);
  }
  for (size_t i = 0; i < 15; ++i) {
    if (i != 8 && (s[i] < '0' || s[i] > '9')) {
      return MakeError(ErrorCode::kInvalidArgument, "bad X-Amz-Date '{}'", s);
    }
  }
  auto num = [&](size_t pos, size_t len) {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  struct tm tm_utc {};
  tm_utc.tm_year = num(0, 4) - 1900;
  tm_utc.tm_mon = num(4, 2) - 1;
  tm_utc.tm_mday = num(6, 2);
  tm_utc.tm_hour = num(9, 2);
  tm_utc.tm_min = num(11, 2);
  tm_utc.tm_sec = num(13, 2);
  // system_clock counts nanoseconds: keep years in a range it can represent.
  if (tm_utc.tm_year < 70 || tm_utc.tm_year > 300 || tm_utc.tm_mon > 11 || tm_utc.tm_mday < 1 ||
      tm_utc.tm_mday > 31 || tm_utc.tm_hour > 23 ||
      tm_utc.tm_min > 59 || tm_utc.tm_sec > 60) {
    return MakeError(ErrorCode::kInvalidArgument, "bad X-Amz-Date '{}'", s);
  }
  time_t secs = timegm(&tm_utc);
  return std::chrono::system_clock::from_time_t(secs);
}

std::string Sha256Hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha256(), nullptr);
  return strings::HexEncode(std::string_view(reinterpret_cast<const char*>(md.data()), len));
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md.data(), &len);
  return std::string(reinterpret_cast<const char*>(md.data()), len);
}

std::string SignedHeaderNames(const SigV4Request& req) {
  std::vector<std::string> names;
  for (const auto& [name, values] : GroupHeaders(req.headers)) {
    names.push_back(name);
  }
  return strings::Join(names, ";");
}

std::string CanonicalRequest(const SigV4Request& req) {
  return CanonicalRequestFor(req, GroupHeaders(req.headers));
}

std::string CredentialScope(const SigV4Scope& scope) {
  return fmt::format("{}/{}/{}/aws4_request", AmzShortDate(scope.time), scope.region,
                     scope.service);
}

std::string StringToSign(std::string_view canonical_request, const SigV4Scope& scope) {
  return fmt::format("{}\n{}\n{}\n{}", kAlgorithm, AmzDate(scope.time), CredentialScope(scope),
                     Sha256Hex(canonical_request));
}

std::string SigningKey(std::string_view secret, const SigV4Scope& scope) {
  std::string k = HmacSha256("AWS4" + std::string(secret), AmzShortDate(scope.time));
  k = HmacSha256(k, scope.region);
  k = HmacSha256(k, scope.service);
  return HmacSha256(k, "aws4_request");
}

std::string Signature(const SigV4Request& req, std::string_view secret, const SigV4Scope& scope) {
  return strings::HexEncode(
      HmacSha256(SigningKey(secret, scope), StringToSign(CanonicalRequest(req), scope)));
}

std::string AuthorizationHeader(const SigV4Request& req, const AwsCredentials& creds,
                                const SigV4Scope& scope) {
  return fmt::format("{} Credential={}/{}, SignedHeaders={}, Signature={}", kAlgorithm,
                     creds.access_key_id, CredentialScope(scope), SignedHeaderNames(req),
                     Signature(req, creds.secret_access_key, scope));
}

Result<std::string> SignRequest(SigV4Request& req, const AwsCredentials& creds,
                                const SigV4Scope& scope) {
  if (creds.access_key_id.empty() || creds.secret_access_key.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "cannot sign: empty access key or secret");
  }
  bool has_host = std::any_of(req.headers.begin(), req.headers.end(), [](const auto& h) {
    return strings::ToLower(h.first) == "host";
  });
  if (!has_host) {
    return MakeError(ErrorCode::kInvalidArgument, "cannot sign: no Host header");
  }
  req.headers.emplace_back("X-Amz-Date", AmzDate(scope.time));
  if (!creds.session_token.empty()) {
    req.headers.emplace_back("X-Amz-Security-Token", creds.session_token);
  }
  return AuthorizationHeader(req, creds, scope);
}

Result<ParsedAuthorization> ParseAuthorizationHeader(std::string_view value) {
  auto bad = [&](std::string_view why) {
    return AuthError(ErrorCode::kInvalidArgument, "IncompleteSignature",
                     fmt::format("malformed Authorization header: {}", why));
  };
  value = strings::Trim(value);
  if (value.substr(0, kAlgorithm.size()) != kAlgorithm || value.size() == kAlgorithm.size() ||
      value[kAlgorithm.size()] != ' ') {
    return bad("algorithm is not AWS4-HMAC-SHA256");
  }
  ParsedAuthorization out;
  bool have_cred = false;
  bool have_signed = false;
  bool have_sig = false;
  for (const std::string& part :
       strings::Split(value.substr(kAlgorithm.size() + 1), ',', /*skip_empty=*/true)) {
    std::string_view p = strings::Trim(part);
    size_t eq = p.find('=');
    if (eq == std::string_view::npos) {
      return bad("component without '='");
    }
    std::string_view key = p.substr(0, eq);
    std::string_view val = p.substr(eq + 1);
    if (key == "Credential") {
      std::vector<std::string> f = strings::Split(val, '/');
      if (f.size() != 5 || f[4] != "aws4_request" || f[0].empty() || f[1].size() != 8 ||
          f[2].empty() || f[3].empty()) {
        return bad("Credential is not AKID/YYYYMMDD/region/service/aws4_request");
      }
      out.access_key_id = f[0];
      out.date = f[1];
      out.region = f[2];
      out.service = f[3];
      have_cred = true;
    } else if (key == "SignedHeaders") {
      out.signed_headers = strings::Split(val, ';', /*skip_empty=*/true);
      have_signed = !out.signed_headers.empty();
    } else if (key == "Signature") {
      if (val.size() != 64 || !std::all_of(val.begin(), val.end(), [](char c) {
            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
          })) {
        return bad("Signature is not 64 lower-case hex digits");
      }
      out.signature = std::string(val);
      have_sig = true;
    } else {
      return bad(fmt::format("unknown component '{}'", key));
    }
  }
  if (!have_cred || !have_signed || !have_sig) {
    return bad("Credential, SignedHeaders and Signature are all required");
  }
  return out;
}

Result<ParsedAuthorization> VerifyRequest(const SigV4Request& req, std::string_view secret,
                                          std::optional<WallTime> now, Duration max_skew) {
  std::string auth_value;
  for (const auto& [name, value] : req.headers) {
    if (strings::ToLower(name) == "authorization") {
      auth_value = value;
    }
  }
  if (auth_value.empty()) {
    return AuthError(ErrorCode::kInvalidArgument, "MissingAuthenticationToken",
                     "request has no Authorization header");
  }
  ASSIGN_OR_RETURN(ParsedAuthorization auth, ParseAuthorizationHeader(auth_value));
  std::map<std::string, std::vector<std::string>> all = GroupHeaders(req.headers);
  std::map<std::string, std::vector<std::string>> signed_only;
  for (const std::string& name : auth.signed_headers) {
    auto it = all.find(name);
    if (it == all.end()) {
      return AuthError(ErrorCode::kInvalidArgument, "IncompleteSignature",
                       fmt::format("signed header '{}' is not in the request", name));
    }
    signed_only[name] = it->second;
  }
  if (signed_only.find("host") == signed_only.end()) {
    return AuthError(ErrorCode::kInvalidArgument, "IncompleteSignature",
                     "the Host header must be signed");
  }
  std::string date_text;
  if (auto it = all.find("x-amz-date"); it != all.end() && !it->second.empty()) {
    date_text = it->second.back();
  }
  if (date_text.empty()) {
    return AuthError(ErrorCode::kInvalidArgument, "IncompleteSignature",
                     "request has no X-Amz-Date header");
  }
  Result<WallTime> when = ParseAmzDate(date_text);
  if (!when.has_value()) {
    return AuthError(ErrorCode::kInvalidArgument, "IncompleteSignature", when.error().message);
  }
  if (AmzShortDate(*when) != auth.date) {
    return AuthError(ErrorCode::kPermissionDenied, "SignatureDoesNotMatch",
                     "credential scope date does not match X-Amz-Date");
  }
  if (now.has_value()) {
    Duration skew = *now > *when ? *now - *when : *when - *now;
    if (skew > max_skew) {
      return AuthError(ErrorCode::kPermissionDenied, "RequestExpired",
                       fmt::format("request time {} is too far from the server time", date_text));
    }
  }
  SigV4Scope scope{auth.region, auth.service, *when};
  std::string canonical = CanonicalRequestFor(req, signed_only);
  std::string expected = strings::HexEncode(
      HmacSha256(SigningKey(secret, scope), StringToSign(canonical, scope)));
  if (!ConstantTimeEquals(expected, auth.signature)) {
    return AuthError(ErrorCode::kPermissionDenied, "SignatureDoesNotMatch",
                     "the request signature we calculated does not match the signature you "
                     "provided");
  }
  return auth;
}

}  // namespace vpccni::cloud
