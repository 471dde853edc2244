// File: ip.h
//
// IPv4/IPv6 address, CIDR and MAC value types with parsing, formatting and subnet arithmetic.
// All pure; parse functions return kInvalidArgument with the offending text.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>

#include "base/result.h"

namespace vpccni::net {

__extension__ using Uint128 = unsigned __int128;

class Ipv4Address {
 public:
  constexpr Ipv4Address() = default;
  constexpr explicit Ipv4Address(uint32_t host_order) : v_(host_order) {}
  static Result<Ipv4Address> Parse(std::string_view s);
  // From 4 bytes in network order.
  static Ipv4Address FromBytes(const uint8_t* b);

  constexpr uint32_t ToUint() const { return v_; }
  std::array<uint8_t, 4> ToBytes() const;
  std::string ToString() const;
  // Address plus n (wrapping).
  constexpr Ipv4Address Plus(uint32_t n) const { return Ipv4Address(v_ + n); }

  constexpr auto operator<=>(const Ipv4Address&) const = default;

 private:
  uint32_t v_ = 0;
};

class Ipv6Address {
 public:
  constexpr Ipv6Address() = default;
  explicit Ipv6Address(const std::array<uint8_t, 16>& b) : b_(b) {}
  static Result<Ipv6Address> Parse(std::string_view s);

  const std::array<uint8_t, 16>& Bytes() const { return b_; }
  // RFC 5952 canonical text (lower case, longest zero run compressed).
  std::string ToString() const;
  Uint128 ToU128() const;
  static Ipv6Address FromU128(Uint128 v);
  Ipv6Address Plus(Uint128 n) const { return FromU128(ToU128() + n); }

  auto operator<=>(const Ipv6Address&) const = default;

 private:
  std::array<uint8_t, 16> b_{};
};

// Either family. Parse() accepts both textual forms.
class IpAddress {
 public:
  IpAddress() = default;
  IpAddress(Ipv4Address a) : v_(a) {}  // NOLINT(google-explicit-constructor)
  IpAddress(Ipv6Address a) : v_(a) {}  // NOLINT(google-explicit-constructor)
  static Result<IpAddress> Parse(std::string_view s);

  bool IsV4() const { return std::holds_alternative<Ipv4Address>(v_); }
  bool IsV6() const { return !IsV4(); }
  const Ipv4Address& V4() const { return std::get<Ipv4Address>(v_); }
  const Ipv6Address& V6() const { return std::get<Ipv6Address>(v_); }
  std::string ToString() const;

  auto operator<=>(const IpAddress&) const = default;

 private:
  std::variant<Ipv4Address, Ipv6Address> v_;
};

class Ipv4Cidr {
 public:
  Ipv4Cidr() = default;
  // Keeps the address as given; use Masked() for the network.
  Ipv4Cidr(Ipv4Address addr, int prefix_len) : addr_(addr), len_(prefix_len) {}
  // Parses "a.b.c.d/n". A bare address parses as /32 only when allow_bare is true.
  static Result<Ipv4Cidr> Parse(std::string_view s, bool allow_bare = false);
  // Like Parse, but fails when host bits are set ("10.0.0.1/24").
  static Result<Ipv4Cidr> ParseStrict(std::string_view s);

  Ipv4Address Address() const { return addr_; }
  int PrefixLen() const { return len_; }
  uint32_t Mask() const { return len_ == 0 ? 0 : ~uint32_t{0} << (32 - len_); }
  Ipv4Address Network() const { return Ipv4Address(addr_.ToUint() & Mask()); }
  Ipv4Address Broadcast() const { return Ipv4Address(Network().ToUint() | ~Mask()); }
  Ipv4Cidr Masked() const { return {Network(), len_}; }
  // Number of addresses (2^(32-len)).
  uint64_t Size() const { return uint64_t{1} << (32 - len_); }
  // The i-th address of the block (i < Size()).
  Ipv4Address At(uint64_t i) const { return Network().Plus(static_cast<uint32_t>(i)); }
  bool Contains(Ipv4Address a) const { return (a.ToUint() & Mask()) == Network().ToUint(); }
  bool Contains(const Ipv4Cidr& c) const { return c.len_ >= len_ && Contains(c.Network()); }
  bool Overlaps(const Ipv4Cidr& c) const { return Contains(c) || c.Contains(*this); }
  std::string ToString() const;

  auto operator<=>(const Ipv4Cidr&) const = default;

 private:
  Ipv4Address addr_;
  int len_ = 32;
};

class Ipv6Cidr {
 public:
  Ipv6Cidr() = default;
  Ipv6Cidr(Ipv6Address addr, int prefix_len) : addr_(addr), len_(prefix_len) {}
  static Result<Ipv6Cidr> Parse(std::string_view s, bool allow_bare = false);
  static Result<Ipv6Cidr> ParseStrict(std::string_view s);

  Ipv6Address Address() const { return addr_; }
  int PrefixLen() const { return len_; }
  Uint128 Mask() const;
  Ipv6Address Network() const { return Ipv6Address::FromU128(addr_.ToU128() & Mask()); }
  Ipv6Cidr Masked() const { return {Network(), len_}; }
  // 2^(128-len), saturated at 2^64 - 1 for blocks of /64 and larger.
  uint64_t SizeSaturated() const;
  Ipv6Address At(Uint128 i) const { return Network().Plus(i); }
  bool Contains(const Ipv6Address& a) const {
    return (a.ToU128() & Mask()) == Network().ToU128();
  }
  bool Contains(const Ipv6Cidr& c) const { return c.len_ >= len_ && Contains(c.Network()); }
  bool Overlaps(const Ipv6Cidr& c) const { return Contains(c) || c.Contains(*this); }
  std::string ToString() const;

  auto operator<=>(const Ipv6Cidr&) const = default;

 private:
  Ipv6Address addr_;
  int len_ = 128;
};

class MacAddress {
 public:
  MacAddress() = default;
  explicit MacAddress(const std::array<uint8_t, 6>& b) : b_(b) {}
  // Accepts "0a:1b:2c:3d:4e:5f" (either case, ':' or '-').
  static Result<MacAddress> Parse(std::string_view s);
  const std::array<uint8_t, 6>& Bytes() const { return b_; }
  // Lower case, colon separated.
  std::string ToString() const;
  auto operator<=>(const MacAddress&) const = default;

 private:
  std::array<uint8_t, 6> b_{};
};

}  // namespace vpccni::net

template <>
struct std::hash<vpccni::net::Ipv4Address> {
  size_t operator()(const vpccni::net::Ipv4Address& a) const noexcept {
    return std::hash<uint32_t>()(a.ToUint());
  }
};

template <>
struct fmt::formatter<vpccni::net::Ipv4Address> : fmt::formatter<std::string> {
  auto format(const vpccni::net::Ipv4Address& a, format_context& ctx) const {
    return fmt::formatter<std::string>::format(a.ToString(), ctx);
  }
};
template <>
struct fmt::formatter<vpccni::net::Ipv6Address> : fmt::formatter<std::string> {
  auto format(const vpccni::net::Ipv6Address& a, format_context& ctx) const {
    return fmt::formatter<std::string>::format(a.ToString(), ctx);
  }
};
template <>
struct fmt::formatter<vpccni::net::IpAddress> : fmt::formatter<std::string> {
  auto format(const vpccni::net::IpAddress& a, format_context& ctx) const {
    return fmt::formatter<std::string>::format(a.ToString(), ctx);
  }
};
template <>
struct fmt::formatter<vpccni::net::Ipv4Cidr> : fmt::formatter<std::string> {
  auto format(const vpccni::net::Ipv4Cidr& a, format_context& ctx) const {
    return fmt::formatter<std::string>::format(a.ToString(), ctx);
  }
};
template <>
struct fmt::formatter<vpccni::net::Ipv6Cidr> : fmt::formatter<std::string> {
  auto format(const vpccni::net::Ipv6Cidr& a, format_context& ctx) const {
    return fmt::formatter<std::string>::format(a.ToString(), ctx);
  }
};
template <>
struct fmt::formatter<vpccni::net::MacAddress> : fmt::formatter<std::string> {
  auto format(const vpccni::net::MacAddress& a, format_context& ctx) const {
    return fmt::formatter<std::string>::format(a.ToString(), ctx);
  }
};
