// File: unix_client.h
//
// Client side of the protocol: connect to ipamd's Unix socket with a timeout and exchange
// request/reply frames. Depends on base + nlohmann_json only (the plugin links statically).
// Not thread-safe: one UnixClient per thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "base/result.h"
#include "rpc/protocol.h"

namespace vpccni::rpc {

struct UnixClientOptions {
  std::string path = std::string(kDefaultSocketPath);
  std::chrono::milliseconds connect_timeout{2000};
  // Bound on one request/reply exchange (ipamd answers from its warm pool, no EC2 on this path).
  std::chrono::milliseconds call_timeout{10000};
  uint32_t max_frame_bytes = kMaxFrameBytes;
};

// Socket path from, in order: `configured` (the plugin config key "ipamdSocket") when non-empty,
// env VPCCNI_IPAMD_SOCKET when set and non-empty, else kDefaultSocketPath.
std::string ResolveSocketPath(std::string_view configured);

class UnixClient {
 public:
  // Connects. Errors: kUnavailable when nothing listens / the path is missing / refused (with
  // sys_errno), kDeadlineExceeded after connect_timeout.
  static Result<UnixClient> Connect(UnixClientOptions opts);

  UnixClient(UnixClient&& o) noexcept;
  UnixClient& operator=(UnixClient&& o) noexcept;
  ~UnixClient();

  // One exchange each. Transport errors: kUnavailable (peer closed, I/O error),
  // kDeadlineExceeded (call_timeout), kInvalidArgument (undecodable reply or method mismatch).
  // An Error reply from the server becomes an Error with its code and message. A reply with
  // status.success=false is returned as a value.
  Result<AddNetworkReply> AddNetwork(const AddNetworkRequest& req);
  Result<DelNetworkReply> DelNetwork(const DelNetworkRequest& req);
  Result<GcReply> Gc(const GcRequest& req);
  Result<StatusReply> Status(const StatusRequest& req);

  // Sends any request and returns the decoded reply (an ErrorReply is returned as a value).
  Result<Reply> Call(const Request& req);

 private:
  UnixClient(UnixClientOptions opts, int fd) : opts_(std::move(opts)), fd_(fd) {}
  UnixClientOptions opts_;
  int fd_ = -1;
};

}  // namespace vpccni::rpc
