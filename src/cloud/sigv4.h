// File: sigv4.h
//
// AWS Signature Version 4 (header-based signing, AWS4-HMAC-SHA256), pure: canonical request,
// string to sign, signing key, signature and Authorization header, plus parsing of an
// Authorization header so a server (the emulator) can VERIFY a request. Checked against the
// public aws-sig-v4-test-suite vectors (src/cloud/testdata/sigv4/) and the botocore-generated
// vector in moto-ec2.md §3.5.
//
// Path handling follows the generic (non-S3) rules: the path is normalized (".", "..", and
// duplicate slashes removed) and each segment is URI-encoded once (RFC 3986 unreserved set
// A-Z a-z 0-9 - _ . ~ kept). Query parameters are sorted by encoded key then encoded value.
// Header names are lower-cased, values trimmed with inner whitespace runs collapsed, and
// duplicate headers joined with ','.
//
// Thread-safety: all functions are pure and reentrant.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/result.h"

namespace vpccni::cloud {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  // Empty for long-term keys; set for temporary (STS, IMDS, container) credentials.
  std::string session_token;
  // When the credentials stop working; nullopt = never.
  std::optional<WallTime> expiration;
  // Which provider produced them ("env", "web-identity", "container", "imds", "static").
  std::string provider;

  bool operator==(const AwsCredentials&) const = default;
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// The parts of an HTTP request that SigV4 covers.
struct SigV4Request {
  std::string method = "POST";
  // The path as sent, e.g. "/" or "/foo/bar"; percent-escapes in it are decoded before
  // re-encoding, so both raw and encoded paths work.
  std::string path = "/";
  // Raw (decoded) query parameters in any order; may repeat keys.
  std::vector<std::pair<std::string, std::string>> query;
  // Headers to sign (Host is required). Names in any case.
  HeaderList headers;
  // The request body; hashed with SHA-256 into the canonical request.
  std::string body;
};

struct SigV4Scope {
  std::string region;
  std::string service;
  WallTime time;
};

// RFC 3986 percent-encoding of everything except A-Z a-z 0-9 - _ . ~ (upper-case hex). With
// encode_slash false, '/' is kept (for paths). This is botocore's encoding of query/form values.
std::string UriEncode(std::string_view s, bool encode_slash = true);

// Decodes %XX escapes (and nothing else: '+' stays '+'). kInvalidArgument on a bad escape.
Result<std::string> UriDecode(std::string_view s);

// Splits "a=1&b=2" into decoded pairs; "+" decodes to space when plus_is_space. A key without
// '=' gets an empty value. kInvalidArgument on a bad escape.
Result<std::vector<std::pair<std::string, std::string>>> ParseQueryString(std::string_view s,
                                                                          bool plus_is_space);

// Encodes pairs as "k1=v1&k2=v2" in the given order with UriEncode (as the EC2 Query body).
std::string EncodeQueryString(const std::vector<std::pair<std::string, std::string>>& params);

// "20150830T123600Z" and "20150830".
std::string AmzDate(WallTime t);
std::string AmzShortDate(WallTime t);
// Parses "YYYYMMDDTHHMMSSZ". kInvalidArgument otherwise.
Result<WallTime> ParseAmzDate(std::string_view s);

// Lower-case hex SHA-256 of data.
std::string Sha256Hex(std::string_view data);
// Raw HMAC-SHA256.
std::string HmacSha256(std::string_view key, std::string_view data);

// "content-type;host;x-amz-date": sorted lower-case names of req.headers, deduplicated.
std::string SignedHeaderNames(const SigV4Request& req);

// The canonical request over all headers in req.headers.
std::string CanonicalRequest(const SigV4Request& req);

// "AWS4-HMAC-SHA256\n<amz date>\n<scope>\n<hex sha256(canonical request)>".
std::string StringToSign(std::string_view canonical_request, const SigV4Scope& scope);

// "YYYYMMDD/region/service/aws4_request".
std::string CredentialScope(const SigV4Scope& scope);

// HMAC chain "AWS4"+secret -> date -> region -> service -> "aws4_request" (raw bytes).
std::string SigningKey(std::string_view secret, const SigV4Scope& scope);

// Hex signature of req under scope.
std::string Signature(const SigV4Request& req, std::string_view secret, const SigV4Scope& scope);

// The full Authorization header value.
std::string AuthorizationHeader(const SigV4Request& req, const AwsCredentials& creds,
                                const SigV4Scope& scope);

// Signs req in place: adds X-Amz-Date (and X-Amz-Security-Token when creds carry a session
// token) to req.headers, then returns the Authorization header value (the caller adds it; it is
// not part of the signed headers). req.headers must already contain Host.
// kInvalidArgument when Host is missing or the access key / secret is empty.
Result<std::string> SignRequest(SigV4Request& req, const AwsCredentials& creds,
                                const SigV4Scope& scope);

// The fields of an "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..." header.
struct ParsedAuthorization {
  std::string access_key_id;
  std::string date;  // YYYYMMDD
  std::string region;
  std::string service;
  std::vector<std::string> signed_headers;
  std::string signature;
};

// Parses an Authorization header. kInvalidArgument (reason "IncompleteSignature") when it is
// malformed.
Result<ParsedAuthorization> ParseAuthorizationHeader(std::string_view value);

// Server-side verification: recomputes the signature of req (whose headers are ALL received
// headers; only the signed ones are used, Authorization itself is ignored) with secret and
// compares it in constant time. The request time comes from X-Amz-Date (or Date).
// Errors: kInvalidArgument/"IncompleteSignature" (malformed header, missing signed header),
// kPermissionDenied/"SignatureDoesNotMatch", kPermissionDenied/"RequestExpired" when the time
// differs from now by more than max_skew (skipped when now is nullopt).
Result<ParsedAuthorization> VerifyRequest(const SigV4Request& req, std::string_view secret,
                                          std::optional<WallTime> now = std::nullopt,
                                          Duration max_skew = std::chrono::minutes(15));

}  // namespace vpccni::cloud
