// File: fake_http_client.h (test-only)
//
// A scripted HttpClient: each Send() records the request and hands it to a handler that returns
// the response (or an error). Thread-safe.
#pragma once

#include <functional>
#include <mutex>
#include <vector>

#include "cloud/http_client.h"

namespace vpccni::cloud::testing {

class FakeHttpClient : public HttpClient {
 public:
  using Handler = std::function<Result<HttpResponse>(const HttpRequest&)>;

  explicit FakeHttpClient(Handler handler = {}) : handler_(std::move(handler)) {}

  void SetHandler(Handler h) {
    std::lock_guard<std::mutex> lock(mu_);
    handler_ = std::move(h);
  }

  Result<HttpResponse> Send(const HttpRequest& req) override {
    Handler h;
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(req);
      h = handler_;
    }
    if (!h) {
      return MakeError(ErrorCode::kUnavailable, "no handler");
    }
    return h(req);
  }

  std::vector<HttpRequest> Requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  size_t Count() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_.size();
  }

 private:
  mutable std::mutex mu_;
  Handler handler_;
  std::vector<HttpRequest> requests_;
};

inline HttpResponse Reply(int status, std::string body,
                          std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

}  // namespace vpccni::cloud::testing
