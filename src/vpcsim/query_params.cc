#include "vpcsim/query_params.h"

#include <algorithm>
#include <charconv>

#include "base/strings.h"

namespace vpccni::vpcsim {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// Parses a 1-based list index ("1".."100000"); nullopt when not one.
std::optional<int64_t> ParseIndex(std::string_view s) {
  if (s.empty() || s.size() > 7) {
    return std::nullopt;
  }
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v < 1 || v > kMaxListIndex) {
    return std::nullopt;
  }
  return v;
}

Error BadIndex(std::string_view key) {
  return QueryError("InvalidParameterValue",
                    fmt::format("The parameter '{}' has an invalid list index", key));
}

}  // namespace

Error QueryError(std::string_view ec2_code, std::string message, ErrorCode code) {
  Error e = MakeErrorValue(code, std::move(message));
  e.reason = std::string(ec2_code);
  return e;
}

Result<std::string> FormDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= s.size()) {
        return QueryError("MalformedQueryString", "Truncated percent escape in the query string");
      }
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) {
        return QueryError("MalformedQueryString", "Invalid percent escape in the query string");
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string FormEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

Result<QueryParams> QueryParams::Parse(std::string_view encoded) {
  if (encoded.size() > kMaxQueryBytes) {
    return QueryError("MalformedQueryString", "The request is too large");
  }
  std::map<std::string, std::string> values;
  size_t start = 0;
  while (start <= encoded.size()) {
    size_t amp = encoded.find('&', start);
    std::string_view part =
        encoded.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    if (!part.empty()) {
      size_t eq = part.find('=');
      std::string_view raw_key = part.substr(0, eq);
      std::string_view raw_value =
          eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
      ASSIGN_OR_RETURN(std::string key, FormDecode(raw_key));
      if (key.empty()) {
        return QueryError("MalformedQueryString", "A query parameter has an empty name");
      }
      ASSIGN_OR_RETURN(std::string value, FormDecode(raw_value));
      values[std::move(key)] = std::move(value);
      if (values.size() > kMaxQueryParams) {
        return QueryError("MalformedQueryString", "The request has too many parameters");
      }
    }
    if (amp == std::string_view::npos) {
      break;
    }
    start = amp + 1;
  }
  return QueryParams(std::move(values));
}

void QueryParams::MergeMissing(const QueryParams& other) {
  for (const auto& [k, v] : other.values_) {
    values_.emplace(k, v);
  }
}

bool QueryParams::Has(std::string_view key) const {
  return values_.find(std::string(key)) != values_.end();
}

std::optional<std::string> QueryParams::Get(std::string_view key) const {
  auto it = values_.find(std::string(key));
  if (it == values_.end()) {
    return std::nullopt;
  }
  return it->second;
}

Result<std::string> QueryParams::Require(std::string_view key) const {
  auto v = Get(key);
  if (!v.has_value() || v->empty()) {
    return QueryError("MissingParameter",
                      fmt::format("The request must contain the parameter {}", key));
  }
  return *v;
}

Result<std::optional<int64_t>> QueryParams::GetInt(std::string_view key, int64_t min,
                                                   int64_t max) const {
  auto v = Get(key);
  if (!v.has_value()) {
    return std::optional<int64_t>();
  }
  int64_t n = 0;
  const std::string& s = *v;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) {
    return QueryError("InvalidParameterValue",
                      fmt::format("Invalid value '{}' for {}: not an integer", s, key));
  }
  if (n < min || n > max) {
    return QueryError(
        "InvalidParameterValue",
        fmt::format("Invalid value '{}' for {}: must be between {} and {}", s, key, min, max));
  }
  return std::optional<int64_t>(n);
}

Result<int64_t> QueryParams::RequireInt(std::string_view key, int64_t min, int64_t max) const {
  RETURN_IF_ERROR(Require(key));
  ASSIGN_OR_RETURN(auto v, GetInt(key, min, max));
  return *v;
}

Result<std::optional<bool>> QueryParams::GetBool(std::string_view key) const {
  auto v = Get(key);
  if (!v.has_value()) {
    return std::optional<bool>();
  }
  std::string lower = strings::ToLower(*v);
  if (lower == "true") {
    return std::optional<bool>(true);
  }
  if (lower == "false") {
    return std::optional<bool>(false);
  }
  return QueryError("InvalidParameterValue",
                    fmt::format("Invalid value '{}' for {}: expected true or false", *v, key));
}

Result<std::vector<std::string>> QueryParams::GetList(std::string_view prefix) const {
  std::string p = std::string(prefix) + ".";
  std::vector<std::pair<int64_t, std::string>> items;
  for (auto it = values_.lower_bound(p); it != values_.end(); ++it) {
    const std::string& key = it->first;
    if (key.compare(0, p.size(), p) != 0) {
      break;
    }
    std::string_view rest = std::string_view(key).substr(p.size());
    if (rest.find('.') != std::string_view::npos) {
      continue;  // a struct member list such as PREFIX.N.Field; not ours
    }
    auto idx = ParseIndex(rest);
    if (!idx.has_value()) {
      return BadIndex(key);
    }
    items.emplace_back(*idx, it->second);
  }
  std::stable_sort(items.begin(), items.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  out.reserve(items.size());
  for (auto& [idx, v] : items) {
    out.push_back(std::move(v));
  }
  return out;
}

Result<std::vector<QueryParams>> QueryParams::GetMembers(std::string_view prefix) const {
  std::string p = std::string(prefix) + ".";
  std::map<int64_t, std::map<std::string, std::string>> groups;
  for (auto it = values_.lower_bound(p); it != values_.end(); ++it) {
    const std::string& key = it->first;
    if (key.compare(0, p.size(), p) != 0) {
      break;
    }
    std::string_view rest = std::string_view(key).substr(p.size());
    size_t dot = rest.find('.');
    if (dot == std::string_view::npos) {
      continue;  // a scalar list item PREFIX.N; not a member
    }
    auto idx = ParseIndex(rest.substr(0, dot));
    std::string_view sub = rest.substr(dot + 1);
    if (!idx.has_value() || sub.empty()) {
      return BadIndex(key);
    }
    groups[*idx].emplace(std::string(sub), it->second);
  }
  std::vector<QueryParams> out;
  out.reserve(groups.size());
  for (auto& [idx, m] : groups) {
    out.emplace_back(std::move(m));
  }
  return out;
}

Result<std::vector<QueryFilter>> QueryParams::GetFilters() const {
  ASSIGN_OR_RETURN(auto members, GetMembers("Filter"));
  std::vector<QueryFilter> out;
  for (const auto& m : members) {
    QueryFilter f;
    auto name = m.Get("Name");
    if (!name.has_value() || name->empty()) {
      return QueryError("MissingParameter", "The request must contain the parameter Filter.N.Name");
    }
    f.name = *name;
    ASSIGN_OR_RETURN(f.values, m.GetList("Value"));
    out.push_back(std::move(f));
  }
  return out;
}

Result<std::vector<QueryTag>> QueryParams::GetTags(std::string_view prefix) const {
  ASSIGN_OR_RETURN(auto members, GetMembers(prefix));
  std::vector<QueryTag> out;
  for (const auto& m : members) {
    auto key = m.Get("Key");
    if (!key.has_value()) {
      return QueryError("MissingParameter",
                        fmt::format("The request must contain the parameter {}.N.Key", prefix));
    }
    out.push_back(QueryTag{*key, m.Get("Value").value_or("")});
  }
  return out;
}

Result<std::vector<QueryTagSpecification>> QueryParams::GetTagSpecifications() const {
  ASSIGN_OR_RETURN(auto members, GetMembers("TagSpecification"));
  std::vector<QueryTagSpecification> out;
  for (const auto& m : members) {
    QueryTagSpecification spec;
    spec.resource_type = m.Get("ResourceType").value_or("");
    ASSIGN_OR_RETURN(spec.tags, m.GetTags("Tag"));
    out.push_back(std::move(spec));
  }
  return out;
}

Result<Ec2Request> ParseEc2Request(std::string_view query_string, std::string_view body) {
  ASSIGN_OR_RETURN(QueryParams params, QueryParams::Parse(body));
  if (!query_string.empty()) {
    ASSIGN_OR_RETURN(QueryParams from_url, QueryParams::Parse(query_string));
    params.MergeMissing(from_url);
  }
  Ec2Request req;
  ASSIGN_OR_RETURN(req.action, params.Require("Action"));
  ASSIGN_OR_RETURN(req.version, params.Require("Version"));
  req.params = std::move(params);
  return req;
}

}  // namespace vpccni::vpcsim
