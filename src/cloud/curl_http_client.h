// File: curl_http_client.h
//
// CurlHttpClient: the production HttpClient over libcurl. HTTPS verifies peers against the
// system CA store; the standard proxy variables (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, lower-case
// forms) are honoured by libcurl itself. Connections are reused: idle easy handles (each with
// its own connection cache) are kept in a pool and handed to the next request, so a steady
// stream of calls from one or several threads rides on kept-alive connections.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "cloud/http_client.h"

namespace vpccni::cloud {

struct CurlHttpClientOptions {
  // Largest response body accepted; bigger replies fail with kResourceExhausted.
  size_t max_response_bytes = 64 << 20;
  // Idle handles kept for reuse.
  size_t max_idle_handles = 16;
  // Value of User-Agent when the request sets none.
  std::string user_agent = "vpc-cni";
};

// Thread-safe. Owns its curl handles; destroying it closes every idle connection.
class CurlHttpClient : public HttpClient {
 public:
  explicit CurlHttpClient(CurlHttpClientOptions options = {});
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  Result<HttpResponse> Send(const HttpRequest& req) override;

  // Number of connections libcurl opened so far (for the connection-reuse benchmark/test).
  long ConnectionsOpened() const;

 private:
  void* Acquire();
  void Release(void* handle);

  CurlHttpClientOptions options_;
  mutable std::mutex mu_;
  std::vector<void*> idle_;
  long connections_opened_ = 0;
};

}  // namespace vpccni::cloud
