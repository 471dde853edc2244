// File: query_auth.h
//
// Pure parsing of the SigV4 `Authorization` header an EC2 client sends:
//   AWS4-HMAC-SHA256 Credential=AK/20261126/us-west-2/ec2/aws4_request,
//   SignedHeaders=content-type;host;x-amz-date, Signature=<64 hex>
// The emulator takes the region from the credential scope. Errors carry EC2 codes in `reason`
// (IncompleteSignature for a malformed header).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vpccni::vpcsim {

struct AuthorizationHeader {
  std::string algorithm;  // "AWS4-HMAC-SHA256"
  std::string access_key;
  std::string date;  // YYYYMMDD
  std::string region;
  std::string service;                      // "ec2"
  std::string terminal;                     // "aws4_request"
  std::vector<std::string> signed_headers;  // lower case, in header order
  std::string signature;                    // lower-case hex
};

// Parses the header value. IncompleteSignature when a part is missing or malformed.
Result<AuthorizationHeader> ParseAuthorizationHeader(std::string_view value);

}  // namespace vpccni::vpcsim
