#include "cloud/curl_http_client.h"

#include <curl/curl.h>

#include <mutex>

#include "base/strings.h"

namespace vpccni::cloud {
namespace {

std::once_flag g_curl_init;

struct Sink {
  std::string* body;
  std::vector<std::pair<std::string, std::string>>* headers;
  size_t max_bytes;
  bool too_large = false;
};

size_t WriteBody(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* sink = static_cast<Sink*>(userdata);
  size_t n = size * nmemb;
  if (sink->body->size() + n > sink->max_bytes) {
    sink->too_large = true;
    return 0;
  }
  sink->body->append(ptr, n);
  return n;
}

size_t WriteHeader(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* sink = static_cast<Sink*>(userdata);
  size_t n = size * nmemb;
  std::string_view line(ptr, n);
  if (line.substr(0, 5) == "HTTP/") {
    // A new response (redirect or 100-continue): start over.
    sink->headers->clear();
    return n;
  }
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    sink->headers->emplace_back(std::string(strings::Trim(line.substr(0, colon))),
                                std::string(strings::Trim(line.substr(colon + 1))));
  }
  return n;
}

Error CurlError(CURLcode rc, const char* errbuf, const std::string& url) {
  std::string detail = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
  ErrorCode code = ErrorCode::kUnavailable;
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      code = ErrorCode::kDeadlineExceeded;
      break;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      code = ErrorCode::kInvalidArgument;
      break;
    default:
      code = ErrorCode::kUnavailable;
      break;
  }
  Error e = MakeError(code, "HTTP request to {} failed: {}", url, detail);
  e.reason = code == ErrorCode::kDeadlineExceeded ? "Timeout" : "ConnectionError";
  return e;
}

long ToMillis(Duration d) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

}  // namespace

CurlHttpClient::CurlHttpClient(CurlHttpClientOptions options) : options_(std::move(options)) {
  std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

CurlHttpClient::~CurlHttpClient() {
  std::lock_guard<std::mutex> lock(mu_);
  for (void* h : idle_) {
    curl_easy_cleanup(static_cast<CURL*>(h));
  }
}

void* CurlHttpClient::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      void* h = idle_.back();
      idle_.pop_back();
      return h;
    }
  }
  return curl_easy_init();
}

void CurlHttpClient::Release(void* handle) {
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < options_.max_idle_handles) {
    idle_.push_back(handle);
    return;
  }
  curl_easy_cleanup(static_cast<CURL*>(handle));
}

long CurlHttpClient::ConnectionsOpened() const {
  std::lock_guard<std::mutex> lock(mu_);
  return connections_opened_;
}

Result<HttpResponse> CurlHttpClient::Send(const HttpRequest& req) {
  CURL* curl = static_cast<CURL*>(Acquire());
  if (curl == nullptr) {
    return MakeError(ErrorCode::kInternal, "curl_easy_init failed");
  }
  // Keeps the connection cache, drops the previous request's options.
  curl_easy_reset(curl);
  HttpResponse resp;
  Sink sink{&resp.body, &resp.headers, options_.max_response_bytes};
  char errbuf[CURL_ERROR_SIZE] = {0};

  struct curl_slist* headers = nullptr;
  bool has_ua = false;
  for (const auto& [k, v] : req.headers) {
    if (strings::ToLower(k) == "user-agent") {
      has_ua = true;
    }
    std::string line = v.empty() ? k + ";" : k + ": " + v;
    headers = curl_slist_append(headers, line.c_str());
  }
  // No "Expect: 100-continue" round trip, no default Accept.
  headers = curl_slist_append(headers, "Expect:");
  headers = curl_slist_append(headers, "Accept:");

  curl_easy_setopt(curl, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, ToMillis(req.timeout));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   ToMillis(req.connect_timeout > Duration::zero() ? req.connect_timeout
                                                                   : req.timeout));
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  if (!has_ua) {
    curl_easy_setopt(curl, CURLOPT_USERAGENT, options_.user_agent.c_str());
  }
  if (req.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (req.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else {
    if (req.method != "POST") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  }

  CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  long opened = 0;
  curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &opened);
  {
    std::lock_guard<std::mutex> lock(mu_);
    connections_opened_ += opened;
  }
  if (rc != CURLE_OK) {
    Release(curl);
    if (sink.too_large) {
      return MakeError(ErrorCode::kResourceExhausted, "response from {} exceeds {} bytes",
                       req.url, options_.max_response_bytes);
    }
    return CurlError(rc, errbuf, req.url);
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  Release(curl);
  resp.status = static_cast<int>(status);
  return resp;
}

}  // namespace vpccni::cloud
