#include "cloud/imds_parsers.h"

#include "base/strings.h"

namespace vpccni::cloud::imds {
namespace {

std::string Quote(std::string_view text) {
  constexpr size_t kMax = 80;
  std::string s(text.substr(0, kMax));
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      c = '?';
    }
  }
  if (text.size() > kMax) {
    s += "...";
  }
  return s;
}

Error Bad(std::string_view path, std::string_view text, std::string_view why) {
  Error e = MakeError(ErrorCode::kDataLoss, "IMDS {} returned '{}': {}", path, Quote(text), why);
  e.reason = "MalformedImdsReply";
  return e;
}

template <typename T>
Result<std::vector<T>> ParseList(std::string_view path, std::string_view text) {
  std::vector<T> out;
  for (const std::string& line : SplitLines(text)) {
    Result<T> v = T::Parse(line);
    if (!v.has_value()) {
      return Bad(path, line, v.error().message);
    }
    out.push_back(*v);
  }
  return out;
}

template <typename T>
Result<T> ParseOne(std::string_view path, std::string_view text) {
  std::vector<std::string> lines = SplitLines(text);
  if (lines.size() != 1) {
    return Bad(path, text, fmt::format("expected one value, got {} lines", lines.size()));
  }
  Result<T> v = T::Parse(lines[0]);
  if (!v.has_value()) {
    return Bad(path, text, v.error().message);
  }
  return *v;
}

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

}  // namespace

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> out;
  for (const std::string& line : strings::Split(text, '\n')) {
    std::string_view t = strings::Trim(line);
    if (!t.empty() && t.back() == '\r') {
      t.remove_suffix(1);
      t = strings::Trim(t);
    }
    if (!t.empty()) {
      out.emplace_back(t);
    }
  }
  return out;
}

std::vector<std::string> ParseListing(std::string_view text) {
  std::vector<std::string> out;
  for (std::string line : SplitLines(text)) {
    while (!line.empty() && line.back() == '/') {
      line.pop_back();
    }
    if (!line.empty()) {
      out.push_back(std::move(line));
    }
  }
  return out;
}

Result<std::vector<net::MacAddress>> ParseMacList(std::string_view path, std::string_view text) {
  std::vector<net::MacAddress> out;
  for (const std::string& entry : ParseListing(text)) {
    if (entry.size() != 17) {
      return Bad(path, entry, "not a MAC address");
    }
    Result<net::MacAddress> m = net::MacAddress::Parse(entry);
    if (!m.has_value()) {
      return Bad(path, entry, m.error().message);
    }
    out.push_back(*m);
  }
  return out;
}

Result<std::vector<net::Ipv4Address>> ParseIpv4List(std::string_view path, std::string_view text) {
  return ParseList<net::Ipv4Address>(path, text);
}

Result<std::vector<net::Ipv4Cidr>> ParseIpv4CidrList(std::string_view path,
                                                     std::string_view text) {
  std::vector<net::Ipv4Cidr> out;
  for (const std::string& line : SplitLines(text)) {
    if (line.find('/') == std::string::npos) {
      return Bad(path, line, "not a CIDR (no prefix length)");
    }
    Result<net::Ipv4Cidr> c = net::Ipv4Cidr::Parse(line);
    if (!c.has_value()) {
      return Bad(path, line, c.error().message);
    }
    out.push_back(*c);
  }
  return out;
}

Result<std::vector<net::Ipv6Address>> ParseIpv6List(std::string_view path, std::string_view text) {
  return ParseList<net::Ipv6Address>(path, text);
}

Result<std::vector<net::Ipv6Cidr>> ParseIpv6CidrList(std::string_view path,
                                                     std::string_view text) {
  std::vector<net::Ipv6Cidr> out;
  for (const std::string& line : SplitLines(text)) {
    if (line.find('/') == std::string::npos) {
      return Bad(path, line, "not a CIDR (no prefix length)");
    }
    Result<net::Ipv6Cidr> c = net::Ipv6Cidr::Parse(line);
    if (!c.has_value()) {
      return Bad(path, line, c.error().message);
    }
    out.push_back(*c);
  }
  return out;
}

Result<net::Ipv4Address> ParseIpv4(std::string_view path, std::string_view text) {
  return ParseOne<net::Ipv4Address>(path, text);
}

Result<net::Ipv6Address> ParseIpv6(std::string_view path, std::string_view text) {
  return ParseOne<net::Ipv6Address>(path, text);
}

Result<net::MacAddress> ParseMac(std::string_view path, std::string_view text) {
  std::vector<std::string> lines = SplitLines(text);
  if (lines.size() != 1 || lines[0].size() != 17) {
    return Bad(path, text, "expected one MAC address");
  }
  return ParseOne<net::MacAddress>(path, text);
}

Result<int> ParseIndex(std::string_view path, std::string_view text, int max) {
  std::vector<std::string> lines = SplitLines(text);
  if (lines.size() != 1) {
    return Bad(path, text, "expected one integer");
  }
  Result<int64_t> v = strings::ParseInt(lines[0]);
  if (!v.has_value() || *v < 0 || *v > max) {
    return Bad(path, text, fmt::format("expected an integer in [0, {}]", max));
  }
  return static_cast<int>(*v);
}

Result<std::string> ParseResourceId(std::string_view path, std::string_view text,
                                    std::string_view prefix) {
  std::vector<std::string> lines = SplitLines(text);
  if (lines.size() != 1) {
    return Bad(path, text, "expected one ID");
  }
  const std::string& id = lines[0];
  if (!prefix.empty()) {
    if (id.compare(0, prefix.size(), prefix) != 0) {
      return Bad(path, text, fmt::format("expected an ID starting with '{}'", prefix));
    }
    std::string_view rest = std::string_view(id).substr(prefix.size());
    if (rest.empty() || rest.size() > 64) {
      return Bad(path, text, "ID has a bad length");
    }
    for (char c : rest) {
      if (!IsLowerAlnum(c)) {
        return Bad(path, text, "ID has characters outside [0-9a-z]");
      }
    }
    return id;
  }
  if (id.size() > 128) {
    return Bad(path, text, "ID is too long");
  }
  for (char c : id) {
    if (!IsLowerAlnum(c) && c != '-') {
      return Bad(path, text, "ID has characters outside [0-9a-z-]");
    }
  }
  return id;
}

Result<std::vector<std::string>> ParseResourceIdList(std::string_view path, std::string_view text,
                                                     std::string_view prefix) {
  std::vector<std::string> out;
  for (const std::string& line : SplitLines(text)) {
    ASSIGN_OR_RETURN(std::string id, ParseResourceId(path, line, prefix));
    out.push_back(std::move(id));
  }
  return out;
}

Result<std::string> ParseInstanceType(std::string_view path, std::string_view text) {
  std::vector<std::string> lines = SplitLines(text);
  if (lines.size() != 1 || lines[0].size() > 64) {
    return Bad(path, text, "expected one instance type");
  }
  const std::string& t = lines[0];
  size_t dot = t.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == t.size() ||
      t.find('.', dot + 1) != std::string::npos) {
    return Bad(path, text, "expected <family>.<size>");
  }
  for (char c : t) {
    if (!IsLowerAlnum(c) && c != '.' && c != '-') {
      return Bad(path, text, "instance type has characters outside [0-9a-z.-]");
    }
  }
  return t;
}

Result<std::string> ParseAvailabilityZone(std::string_view path, std::string_view text) {
  std::vector<std::string> lines = SplitLines(text);
  if (lines.size() != 1 || lines[0].size() > 64) {
    return Bad(path, text, "expected one availability zone");
  }
  const std::string& az = lines[0];
  for (char c : az) {
    if (!IsLowerAlnum(c) && c != '-') {
      return Bad(path, text, "availability zone has characters outside [0-9a-z-]");
    }
  }
  Result<std::string> region = RegionFromAvailabilityZone(az);
  if (!region.has_value()) {
    return Bad(path, text, region.error().message);
  }
  return az;
}

Result<std::string> RegionFromAvailabilityZone(std::string_view az) {
  std::vector<std::string> parts = strings::Split(az, '-');
  std::vector<std::string> out;
  for (const std::string& p : parts) {
    if (p.empty()) {
      break;
    }
    if (p[0] >= '0' && p[0] <= '9') {
      size_t n = 0;
      while (n < p.size() && p[n] >= '0' && p[n] <= '9') {
        ++n;
      }
      if (out.size() < 2) {
        break;
      }
      out.push_back(p.substr(0, n));
      return strings::Join(out, "-");
    }
    for (char c : p) {
      if (c < 'a' || c > 'z') {
        return MakeError(ErrorCode::kDataLoss, "cannot derive a region from zone '{}'", az);
      }
    }
    out.push_back(p);
  }
  return MakeError(ErrorCode::kDataLoss, "cannot derive a region from zone '{}'", az);
}

}  // namespace vpccni::cloud::imds
