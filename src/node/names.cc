#include "node/names.h"

#include <fmt/format.h>

namespace vpccni::node {
namespace {

constexpr uint32_t Rotl(uint32_t x, int n) {
  return (x << n) | (x >> (32 - n));
}

}  // namespace

std::array<uint8_t, 20> Sha1(std::string_view data) {
  uint32_t h[5] = {0x67452301U, 0xEFCDAB89U, 0x98BADCFEU, 0x10325476U, 0xC3D2E1F0U};
  // Message + 0x80 + zero padding + 64-bit big-endian bit length, in 64-byte blocks.
  const uint64_t bit_len = static_cast<uint64_t>(data.size()) * 8U;
  size_t padded = ((data.size() + 8U) / 64U + 1U) * 64U;
  auto byte_at = [&](size_t i) -> uint8_t {
    if (i < data.size()) {
      return static_cast<uint8_t>(data[i]);
    }
    if (i == data.size()) {
      return 0x80;
    }
    if (i >= padded - 8U) {
      return static_cast<uint8_t>(bit_len >> (8U * (padded - 1U - i)));
    }
    return 0;
  };
  uint32_t w[80];
  for (size_t block = 0; block < padded; block += 64) {
    for (size_t t = 0; t < 16; ++t) {
      size_t o = block + t * 4;
      w[t] = (uint32_t{byte_at(o)} << 24) | (uint32_t{byte_at(o + 1)} << 16) |
             (uint32_t{byte_at(o + 2)} << 8) | uint32_t{byte_at(o + 3)};
    }
    for (size_t t = 16; t < 80; ++t) {
      w[t] = Rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    }
    uint32_t a = h[0];
    uint32_t b = h[1];
    uint32_t c = h[2];
    uint32_t d = h[3];
    uint32_t e = h[4];
    for (size_t t = 0; t < 80; ++t) {
      uint32_t f = 0;
      uint32_t k = 0;
      if (t < 20) {
        f = (b & c) | (~b & d);
        k = 0x5A827999U;
      } else if (t < 40) {
        f = b ^ c ^ d;
        k = 0x6ED9EBA1U;
      } else if (t < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8F1BBCDCU;
      } else {
        f = b ^ c ^ d;
        k = 0xCA62C1D6U;
      }
      uint32_t tmp = Rotl(a, 5) + f + e + k + w[t];
      e = d;
      d = c;
      c = Rotl(b, 30);
      b = a;
      a = tmp;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
  }
  std::array<uint8_t, 20> out{};
  for (size_t i = 0; i < 5; ++i) {
    out[i * 4] = static_cast<uint8_t>(h[i] >> 24);
    out[i * 4 + 1] = static_cast<uint8_t>(h[i] >> 16);
    out[i * 4 + 2] = static_cast<uint8_t>(h[i] >> 8);
    out[i * 4 + 3] = static_cast<uint8_t>(h[i]);
  }
  return out;
}

std::string Sha1Hex(std::string_view data) {
  static constexpr char kHex[] = "0123456789abcdef";
  auto d = Sha1(data);
  std::string s;
  s.reserve(40);
  for (uint8_t b : d) {
    s.push_back(kHex[b >> 4]);
    s.push_back(kHex[b & 0xf]);
  }
  return s;
}

std::string HostVethName(std::string_view prefix, std::string_view pod_namespace,
                         std::string_view pod_name, int interface_index) {
  std::string key = fmt::format("{}.{}", pod_namespace, pod_name);
  if (interface_index > 0) {
    key += fmt::format(".{}", interface_index);
  }
  return std::string(prefix) + Sha1Hex(key).substr(0, 11);
}

std::string ContainerIfName(std::string_view cni_ifname, int interface_index) {
  if (interface_index <= 0) {
    return std::string(cni_ifname);
  }
  return fmt::format("mNicIf{}", interface_index);
}

uint32_t RouteTableId(int device_number, int network_card) {
  if (network_card == 0 && device_number == 0) {
    return 254;
  }
  if (network_card == 0) {
    return static_cast<uint32_t>(device_number) + 1U;
  }
  return 10000U + 100U * static_cast<uint32_t>(network_card) + static_cast<uint32_t>(device_number);
}

}  // namespace vpccni::node
