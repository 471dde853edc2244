// File: server_tiny_http.h
//
// TinyHttpServer: a small HTTP/1.1 server for the per-instance IMDS listeners. cpp-httplib
// rejects `PUT` requests without Content-Length (what `curl -X PUT` and the AWS docs' IMDSv2
// examples send), and real IMDS accepts them, so IMDS uses this server instead. It supports
// GET/PUT/HEAD/etc. with an optional Content-Length body, keep-alive, and a stop that returns
// within ~100 ms. No chunked request bodies (411), headers up to 16 KiB, bodies up to 64 KiB.
//
// Threading: one accept thread plus one thread per connection (at most kMaxConnections; more are
// answered 503 and closed). The handler runs on connection threads and must be thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"

namespace vpccni::vpcsim {

struct TinyHttpRequest {
  std::string method;
  std::string target;  // as sent, with the query string
  std::string path;    // target without the query string
  // Header names lower-cased; values trimmed.
  std::map<std::string, std::string> headers;
  std::string body;
};

struct TinyHttpResponse {
  int status = 200;
  std::string content_type = "text/plain";
  std::map<std::string, std::string> headers;
  std::string body;
};

class TinyHttpServer {
 public:
  using Handler = std::function<TinyHttpResponse(const TinyHttpRequest&)>;
  static constexpr int kMaxConnections = 32;

  explicit TinyHttpServer(Handler handler) : handler_(std::move(handler)) {}

  ~TinyHttpServer();
  TinyHttpServer(const TinyHttpServer&) = delete;
  TinyHttpServer& operator=(const TinyHttpServer&) = delete;

  // Creates the listening socket on host:port (port 0 = any) in the calling thread's network
  // namespace; returns the bound port. kUnavailable (with errno) when it cannot bind.
  Result<int> Bind(const std::string& host, int port);
  // Starts the accept thread. Requires a successful Bind().
  void Start();
  // Closes the listener and every connection, joins all threads. Idempotent.
  void Stop();

 private:
  void AcceptLoop();
  void Serve(int fd);

  Handler handler_;
  int listen_fd_ = -1;
  int wake_fds_[2] = {-1, -1};  // pipe: written by Stop() to wake poll()
  std::atomic<bool> stopping_{false};
  std::thread accept_thread_;
  std::mutex mu_;  // guards conns_

  struct Conn {
    int fd;
    std::thread thread;
    std::atomic<bool> done{false};
  };

  std::vector<std::unique_ptr<Conn>> conns_;
};

}  // namespace vpccni::vpcsim
