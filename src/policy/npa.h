// File: npa.h
//
// The plugin -> netpol-agent protocol on a Unix stream socket (default
// /var/run/aws-node/npa.sock): the CNI plugin tells the agent about a pod during CNI ADD, before
// the pod's containers run, so strict mode can deny it (or its policies can be programmed) first.
//
// Wire format (the same framing as the ipamd socket):
//   frame   = 4-byte big-endian payload length N (1 <= N <= 65536) + N bytes of JSON
//   request = {"Version":1,"Method":"EnforceNpToPod"|"DeletePodNp",
//              "Request":{"K8S_POD_NAME":"a","K8S_POD_NAMESPACE":"x","PodIP":"10.0.0.5",
//                         "IfName":"eni0a1b2c3d4e5"}}
//   reply   = {"Version":1,"Method":<same>,"Reply":{"Success":true,"State":"policies-applied"}}
//           | {"Version":1,"Method":<same>,"Reply":{"Success":false,"ErrorMessage":"..."}}
// States: "policies-applied" (the pod's computed rules are in the kernel), "default-deny"
// (strict mode, pod not yet known: all traffic except the own node denied), "default-allow"
// (standard mode, pod not yet known), "deleted". One request/reply per connection.
//
// Codec functions are pure; NpaServer and CallNpa do socket I/O.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "base/result.h"

namespace vpccni::policy {

inline constexpr std::string_view kDefaultNpaSocketPath = "/var/run/aws-node/npa.sock";
inline constexpr std::string_view kNpaEnforce = "EnforceNpToPod";
inline constexpr std::string_view kNpaDelete = "DeletePodNp";
inline constexpr uint32_t kNpaMaxFrame = 65536;

struct NpaRequest {
  std::string method;  // kNpaEnforce or kNpaDelete
  std::string pod_name;
  std::string pod_namespace;
  std::string pod_ip;   // may be empty for DeletePodNp
  std::string if_name;  // host-side interface, informational
};

struct NpaReply {
  bool success = false;
  std::string state;
  std::string error_message;
};

std::string EncodeNpaRequest(const NpaRequest& r);
// Errors: kInvalidArgument (not JSON, unknown method, missing pod name/namespace, bad IP).
Result<NpaRequest> DecodeNpaRequest(std::string_view json);
std::string EncodeNpaReply(std::string_view method, const NpaReply& r);
Result<NpaReply> DecodeNpaReply(std::string_view json);

// Sends one request and waits for the reply. Errors: kUnavailable (cannot connect / I/O),
// kDeadlineExceeded, kInvalidArgument (bad reply).
Result<NpaReply> CallNpa(const std::string& socket_path, const NpaRequest& request,
                         std::chrono::milliseconds timeout);

// Serves the protocol: one thread accepts and answers connections one at a time (each bounded by
// a 2 s I/O deadline). The socket is created with mode 0600 (parent directory created 0755); a
// stale socket file is replaced. Shutdown() (also run by the destructor) stops the thread and
// unlinks the socket. The handler runs on the server thread.
class NpaServer {
 public:
  using Handler = std::function<NpaReply(const NpaRequest&)>;
  // Errors: kInternal with sys_errno for socket/bind/listen failures.
  static Result<std::unique_ptr<NpaServer>> Start(const std::string& path, Handler handler);
  ~NpaServer();
  NpaServer(const NpaServer&) = delete;
  NpaServer& operator=(const NpaServer&) = delete;
  void Shutdown();

 private:
  NpaServer(std::string path, Handler handler, int listen_fd, int wake_r, int wake_w);
  void Loop();
  void ServeOne(int fd);

  std::string path_;
  Handler handler_;
  int listen_fd_;
  int wake_r_;
  int wake_w_;
  std::atomic<bool> stopped_{false};
  std::thread thread_;
};

}  // namespace vpccni::policy
