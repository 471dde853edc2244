// File: http_server.h
//
// A minimal GET-only HTTP server (cpp-httplib underneath, kept out of this header) for ipamd's
// metrics and introspection endpoints. One listening thread plus httplib's worker pool.
//
// Listen addresses: "HOST:PORT", ":PORT" (all interfaces, 0.0.0.0) or "PORT"; PORT 0 picks a
// free port (see port()).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "base/result.h"

namespace vpccni::ipamd {

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// Called from httplib worker threads: must be thread-safe.
using HttpHandler = std::function<HttpResponse(std::string_view path)>;

struct ListenAddress {
  std::string host;
  int port = 0;
};

// Parses the forms above. kInvalidArgument names the text ("unix:" paths are not supported).
Result<ListenAddress> ParseListenAddress(std::string_view text);

class HttpServer {
 public:
  // Binds and starts serving. kUnavailable when the address cannot be bound.
  static Result<std::unique_ptr<HttpServer>> Start(std::string_view listen, HttpHandler handler,
                                                  std::string name);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound port (the real one when 0 was asked).
  int port() const { return port_; }
  const std::string& host() const { return host_; }
  // Stops accepting and joins the thread; idempotent.
  void Stop();

 private:
  HttpServer() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
  std::string host_;
  int port_ = 0;
  std::atomic<bool> stopped_{false};
};

}  // namespace vpccni::ipamd
