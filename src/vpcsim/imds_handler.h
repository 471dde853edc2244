// File: imds_handler.h
//
// The IMDSv2 request handler of vpc-emulator, pure: a request (method, path, headers) plus the
// instance's ImdsView and the current time gives a status and a body. It implements the token
// flow (PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds 1..21600, 401 on GETs
// without a valid unexpired token), the meta-data tree the VPC CNI reads (instance identity,
// placement, and network/interfaces/macs/<mac>/... per attached ENI), directory listings,
// 404 for missing keys and the instance identity document.
//
// Thread-safety: ImdsTokenStore and ImdsHandler are not thread-safe; the server serializes
// access per instance.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "vpcsim/model_types.h"

namespace vpccni::vpcsim {

inline constexpr std::string_view kImdsTokenHeader = "X-aws-ec2-metadata-token";
inline constexpr std::string_view kImdsTtlHeader = "X-aws-ec2-metadata-token-ttl-seconds";
inline constexpr int kImdsMaxTtlSeconds = 21600;
// Tokens kept per instance; the oldest are dropped beyond this.
inline constexpr size_t kImdsMaxTokens = 4096;

struct ImdsRequest {
  std::string method;  // "GET", "PUT", ...
  std::string path;    // "/latest/meta-data/mac" (no query string)
  // Header values by lower-case name (only the ones the handler reads are needed).
  std::map<std::string, std::string> headers;
};

struct ImdsReply {
  int status = 200;
  std::string body;
  std::string content_type = "text/plain";
  // Extra response headers.
  std::map<std::string, std::string> headers;
};

// Issued session tokens with their expiry times.
class ImdsTokenStore {
 public:
  // Records `token` valid until now + ttl; drops expired tokens and, beyond kImdsMaxTokens, the
  // oldest.
  void Issue(const std::string& token, WallTime now, std::chrono::seconds ttl);
  // True if the token was issued and has not expired at `now`.
  bool Valid(std::string_view token, WallTime now) const;

  size_t Size() const { return expiry_.size(); }

 private:
  std::map<std::string, WallTime, std::less<>> expiry_;
};

// Builds the flattened meta-data tree of a view: "meta-data/instance-id" -> value, ... and
// "dynamic/instance-identity/document" -> JSON. Keys never start or end with '/'.
std::map<std::string, std::string> BuildImdsTree(const ImdsView& view);

// Answers a GET of `relative` (the path after "/latest/", e.g. "meta-data/mac" or
// "meta-data/network/interfaces/macs/") from a tree: the leaf's value, a directory listing
// (children one per line, sub-directories with a trailing '/'), or 404.
ImdsReply LookupImdsTree(const std::map<std::string, std::string>& tree, std::string_view relative);

// Generates IMDS tokens (a port so tests are deterministic).
class ImdsTokenSource {
 public:
  virtual ~ImdsTokenSource() = default;
  virtual std::string NewToken() = 0;
};

// Handles one IMDS request. `view` is the (lagged) state of the instance; it is only consulted
// for authorized GETs. Never fails: errors are HTTP statuses (400 bad TTL, 401 missing/invalid
// token, 403 PUT through a proxy (X-Forwarded-For), 404 unknown path, 405 bad method).
ImdsReply HandleImdsRequest(const ImdsRequest& request, WallTime now, ImdsTokenStore& tokens,
                            ImdsTokenSource& token_source, const Result<ImdsView>& view);

}  // namespace vpccni::vpcsim
