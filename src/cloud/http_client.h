// File: http_client.h
//
// The HTTP transport port used by the EC2, STS, container-credentials and IMDS clients. One
// production implementation (CurlHttpClient, curl_http_client.h) and test fakes. The codec,
// signing, retry and credential logic above it never touches sockets.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/result.h"

namespace vpccni::cloud {

struct HttpRequest {
  std::string method = "GET";
  // Absolute URL: scheme://host[:port]/path[?query].
  std::string url;
  // Sent as given (curl adds nothing but Host, Content-Length and Accept-Encoding if absent).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Whole-request timeout (connect + send + receive).
  Duration timeout = std::chrono::seconds(10);
  // Connect timeout; 0 = same as timeout.
  Duration connect_timeout = Duration::zero();
};

struct HttpResponse {
  int status = 0;
  // Header names as received.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // Value of the first header named `name` (case-insensitive), or "".
  std::string Header(std::string_view name) const;
};

// Sends one request and returns the response, whatever its status (4xx/5xx are responses, not
// errors). Errors: kDeadlineExceeded when the timeout expires, kUnavailable when the connection
// cannot be made or breaks (refused, reset, DNS failure, TLS failure), kInvalidArgument for a
// malformed URL. Thread-safety: implementations are safe to call from several threads.
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual Result<HttpResponse> Send(const HttpRequest& req) = 0;
};

// Splits an absolute URL into scheme, host[:port] (the Host header value) and the path+query
// ("/" when empty). kInvalidArgument when the URL has no scheme or host. Pure.
struct ParsedUrl {
  std::string scheme;
  std::string host_port;
  std::string host;
  int port = 0;  // 0 when not given
  std::string path;   // without query, at least "/"
  std::string query;  // without '?'
};
Result<ParsedUrl> ParseUrl(std::string_view url);

}  // namespace vpccni::cloud
