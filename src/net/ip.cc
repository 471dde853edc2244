#include "net/ip.h"

#include <fmt/format.h>

#include <charconv>
#include <vector>

#include "base/strings.h"

namespace vpccni::net {
namespace {

Error BadAddress(std::string_view kind, std::string_view s) {
  return MakeError(ErrorCode::kInvalidArgument, "invalid {} '{}'", kind, s);
}

bool ParseDecimalOctet(std::string_view part, uint32_t& out) {
  if (part.empty() || part.size() > 3) {
    return false;
  }
  if (part.size() > 1 && part[0] == '0') {
    return false;  // No leading zeros (avoids octal ambiguity).
  }
  uint32_t v = 0;
  auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
  if (ec != std::errc() || ptr != part.data() + part.size() || v > 255) {
    return false;
  }
  out = v;
  return true;
}

Result<int> ParsePrefixLen(std::string_view s, int max, std::string_view full) {
  int v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || s.size() > 3 || ec != std::errc() || ptr != s.data() + s.size() || v < 0 ||
      v > max) {
    return BadAddress("CIDR", full);
  }
  return v;
}

}  // namespace

Result<Ipv4Address> Ipv4Address::Parse(std::string_view s) {
  uint32_t v = 0;
  int parts = 0;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    std::string_view part = s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
    uint32_t octet = 0;
    if (!ParseDecimalOctet(part, octet) || ++parts > 4) {
      return BadAddress("IPv4 address", s);
    }
    v = (v << 8) | octet;
    if (dot == std::string_view::npos) {
      break;
    }
    start = dot + 1;
  }
  if (parts != 4) {
    return BadAddress("IPv4 address", s);
  }
  return Ipv4Address(v);
}

Ipv4Address Ipv4Address::FromBytes(const uint8_t* b) {
  return Ipv4Address((uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) |
                     uint32_t{b[3]});
}

std::array<uint8_t, 4> Ipv4Address::ToBytes() const {
  return {static_cast<uint8_t>(v_ >> 24), static_cast<uint8_t>(v_ >> 16),
          static_cast<uint8_t>(v_ >> 8), static_cast<uint8_t>(v_)};
}

std::string Ipv4Address::ToString() const {
  return fmt::format("{}.{}.{}.{}", v_ >> 24, (v_ >> 16) & 0xff, (v_ >> 8) & 0xff, v_ & 0xff);
}

Result<Ipv6Address> Ipv6Address::Parse(std::string_view s) {
  if (s.empty() || s.size() > 45) {
    return BadAddress("IPv6 address", s);
  }
  std::vector<uint16_t> head;
  std::vector<uint16_t> tail;
  bool seen_gap = false;
  std::string_view rest = s;
  if (rest.substr(0, 2) == "::") {
    seen_gap = true;
    rest.remove_prefix(2);
  } else if (!rest.empty() && rest[0] == ':') {
    return BadAddress("IPv6 address", s);
  }
  while (!rest.empty()) {
    size_t colon = rest.find(':');
    std::string_view group = rest.substr(0, colon);
    auto& dst = seen_gap ? tail : head;
    if (group.find('.') != std::string_view::npos) {
      // Embedded IPv4 must be last.
      if (colon != std::string_view::npos) {
        return BadAddress("IPv6 address", s);
      }
      auto v4 = Ipv4Address::Parse(group);
      if (!v4) {
        return BadAddress("IPv6 address", s);
      }
      dst.push_back(static_cast<uint16_t>(v4->ToUint() >> 16));
      dst.push_back(static_cast<uint16_t>(v4->ToUint() & 0xffff));
      rest = {};
      break;
    }
    if (group.empty() || group.size() > 4) {
      return BadAddress("IPv6 address", s);
    }
    uint16_t v = 0;
    auto [ptr, ec] = std::from_chars(group.data(), group.data() + group.size(), v, 16);
    if (ec != std::errc() || ptr != group.data() + group.size()) {
      return BadAddress("IPv6 address", s);
    }
    dst.push_back(v);
    if (colon == std::string_view::npos) {
      rest = {};
      break;
    }
    rest.remove_prefix(colon + 1);
    if (!rest.empty() && rest[0] == ':') {
      if (seen_gap) {
        return BadAddress("IPv6 address", s);
      }
      seen_gap = true;
      rest.remove_prefix(1);
    } else if (rest.empty()) {
      return BadAddress("IPv6 address", s);  // Trailing single colon.
    }
  }
  size_t total = head.size() + tail.size();
  if ((seen_gap && total > 7) || (!seen_gap && total != 8)) {
    return BadAddress("IPv6 address", s);
  }
  std::array<uint8_t, 16> b{};
  size_t i = 0;
  for (uint16_t g : head) {
    b[i++] = static_cast<uint8_t>(g >> 8);
    b[i++] = static_cast<uint8_t>(g & 0xff);
  }
  i = 16 - tail.size() * 2;
  for (uint16_t g : tail) {
    b[i++] = static_cast<uint8_t>(g >> 8);
    b[i++] = static_cast<uint8_t>(g & 0xff);
  }
  return Ipv6Address(b);
}

std::string Ipv6Address::ToString() const {
  std::array<uint16_t, 8> g{};
  for (size_t i = 0; i < 8; ++i) {
    g[i] = static_cast<uint16_t>((b_[2 * i] << 8) | b_[2 * i + 1]);
  }
  int best_start = -1;
  int best_len = 0;
  for (int i = 0; i < 8;) {
    if (g[static_cast<size_t>(i)] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && g[static_cast<size_t>(j)] == 0) {
      ++j;
    }
    if (j - i > best_len && j - i >= 2) {
      best_start = i;
      best_len = j - i;
    }
    i = j;
  }
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (i == best_start) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') {
      out += ':';
    }
    out += fmt::format("{:x}", g[static_cast<size_t>(i)]);
  }
  return out;
}

Uint128 Ipv6Address::ToU128() const {
  Uint128 v = 0;
  for (uint8_t byte : b_) {
    v = (v << 8) | byte;
  }
  return v;
}

Ipv6Address Ipv6Address::FromU128(Uint128 v) {
  std::array<uint8_t, 16> b{};
  for (int i = 15; i >= 0; --i) {
    b[static_cast<size_t>(i)] = static_cast<uint8_t>(v & 0xff);
    v >>= 8;
  }
  return Ipv6Address(b);
}

Result<IpAddress> IpAddress::Parse(std::string_view s) {
  if (s.find(':') != std::string_view::npos) {
    ASSIGN_OR_RETURN(auto v6, Ipv6Address::Parse(s));
    return IpAddress(v6);
  }
  ASSIGN_OR_RETURN(auto v4, Ipv4Address::Parse(s));
  return IpAddress(v4);
}

std::string IpAddress::ToString() const { return IsV4() ? V4().ToString() : V6().ToString(); }

Result<Ipv4Cidr> Ipv4Cidr::Parse(std::string_view s, bool allow_bare) {
  size_t slash = s.find('/');
  if (slash == std::string_view::npos) {
    if (!allow_bare) {
      return BadAddress("CIDR", s);
    }
    ASSIGN_OR_RETURN(auto a, Ipv4Address::Parse(s));
    return Ipv4Cidr(a, 32);
  }
  auto a = Ipv4Address::Parse(s.substr(0, slash));
  if (!a) {
    return BadAddress("CIDR", s);
  }
  ASSIGN_OR_RETURN(int len, ParsePrefixLen(s.substr(slash + 1), 32, s));
  return Ipv4Cidr(*a, len);
}

Result<Ipv4Cidr> Ipv4Cidr::ParseStrict(std::string_view s) {
  ASSIGN_OR_RETURN(auto c, Parse(s));
  if (c.Address() != c.Network()) {
    return MakeError(ErrorCode::kInvalidArgument, "CIDR '{}' has host bits set", s);
  }
  return c;
}

std::string Ipv4Cidr::ToString() const { return fmt::format("{}/{}", addr_.ToString(), len_); }

Result<Ipv6Cidr> Ipv6Cidr::Parse(std::string_view s, bool allow_bare) {
  size_t slash = s.find('/');
  if (slash == std::string_view::npos) {
    if (!allow_bare) {
      return BadAddress("IPv6 CIDR", s);
    }
    ASSIGN_OR_RETURN(auto a, Ipv6Address::Parse(s));
    return Ipv6Cidr(a, 128);
  }
  auto a = Ipv6Address::Parse(s.substr(0, slash));
  if (!a) {
    return BadAddress("IPv6 CIDR", s);
  }
  ASSIGN_OR_RETURN(int len, ParsePrefixLen(s.substr(slash + 1), 128, s));
  return Ipv6Cidr(*a, len);
}

Result<Ipv6Cidr> Ipv6Cidr::ParseStrict(std::string_view s) {
  ASSIGN_OR_RETURN(auto c, Parse(s));
  if (c.Address() != c.Network()) {
    return MakeError(ErrorCode::kInvalidArgument, "IPv6 CIDR '{}' has host bits set", s);
  }
  return c;
}

Uint128 Ipv6Cidr::Mask() const {
  if (len_ == 0) {
    return 0;
  }
  return ~static_cast<Uint128>(0) << (128 - len_);
}

uint64_t Ipv6Cidr::SizeSaturated() const {
  if (128 - len_ >= 64) {
    return ~uint64_t{0};
  }
  return uint64_t{1} << (128 - len_);
}

std::string Ipv6Cidr::ToString() const { return fmt::format("{}/{}", addr_.ToString(), len_); }

Result<MacAddress> MacAddress::Parse(std::string_view s) {
  if (s.size() != 17) {
    return BadAddress("MAC address", s);
  }
  std::array<uint8_t, 6> b{};
  for (size_t i = 0; i < 6; ++i) {
    std::string_view part = s.substr(i * 3, 2);
    if (i < 5 && s[i * 3 + 2] != ':' && s[i * 3 + 2] != '-') {
      return BadAddress("MAC address", s);
    }
    uint8_t v = 0;
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + 2, v, 16);
    if (ec != std::errc() || ptr != part.data() + 2) {
      return BadAddress("MAC address", s);
    }
    b[i] = v;
  }
  return MacAddress(b);
}

std::string MacAddress::ToString() const {
  return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", b_[0], b_[1], b_[2], b_[3], b_[4],
                     b_[5]);
}

}  // namespace vpccni::net
