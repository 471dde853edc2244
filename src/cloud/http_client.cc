#include "cloud/http_client.h"

#include "base/strings.h"

namespace vpccni::cloud {

std::string HttpResponse::Header(std::string_view name) const {
  std::string want = strings::ToLower(name);
  for (const auto& [k, v] : headers) {
    if (strings::ToLower(k) == want) {
      return v;
    }
  }
  return "";
}

Result<ParsedUrl> ParseUrl(std::string_view url) {
  ParsedUrl out;
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) {
    return MakeError(ErrorCode::kInvalidArgument, "URL '{}' has no scheme", url);
  }
  out.scheme = strings::ToLower(url.substr(0, scheme_end));
  if (out.scheme != "http" && out.scheme != "https") {
    return MakeError(ErrorCode::kInvalidArgument, "URL '{}': scheme must be http or https", url);
  }
  std::string_view rest = url.substr(scheme_end + 3);
  size_t path_start = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_start);
  std::string_view path_query =
      path_start == std::string_view::npos ? std::string_view() : rest.substr(path_start);
  if (authority.find('@') != std::string_view::npos) {
    return MakeError(ErrorCode::kInvalidArgument, "URL '{}': user info is not supported", url);
  }
  if (authority.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "URL '{}' has no host", url);
  }
  out.host_port = std::string(authority);
  // [v6]:port, host:port or host.
  std::string_view host = authority;
  std::string_view port;
  if (authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return MakeError(ErrorCode::kInvalidArgument, "URL '{}': unterminated IPv6 host", url);
    }
    host = authority.substr(0, close + 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') {
        return MakeError(ErrorCode::kInvalidArgument, "URL '{}': junk after IPv6 host", url);
      }
      port = authority.substr(close + 2);
    }
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "URL '{}' has no host", url);
  }
  out.host = std::string(host);
  if (!port.empty()) {
    Result<int64_t> p = strings::ParseInt(port);
    if (!p.has_value() || *p < 1 || *p > 65535) {
      return MakeError(ErrorCode::kInvalidArgument, "URL '{}': bad port '{}'", url, port);
    }
    out.port = static_cast<int>(*p);
  }
  size_t hash = path_query.find('#');
  if (hash != std::string_view::npos) {
    path_query = path_query.substr(0, hash);
  }
  size_t q = path_query.find('?');
  std::string_view path = path_query.substr(0, q);
  out.path = path.empty() ? std::string("/") : std::string(path.begin(), path.end());
  if (q != std::string_view::npos) {
    out.query = std::string(path_query.substr(q + 1));
  }
  return out;
}

}  // namespace vpccni::cloud
