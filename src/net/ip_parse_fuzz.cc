// Fuzz target: every address/CIDR/MAC parser must accept or reject any input without crashing,
// and accepted values must round-trip through ToString().
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "net/ip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view s(reinterpret_cast<const char*>(data), size);
  using namespace vpccni::net;  // NOLINT(google-build-using-namespace)
  if (auto a = IpAddress::Parse(s)) {
    auto again = IpAddress::Parse(a->ToString());
    if (!again || *again != *a) {
      std::abort();
    }
  }
  if (auto c = Ipv4Cidr::Parse(s)) {
    if (*Ipv4Cidr::Parse(c->ToString()) != *c) {
      std::abort();
    }
  }
  if (auto c = Ipv6Cidr::Parse(s)) {
    if (*Ipv6Cidr::Parse(c->ToString()) != *c) {
      std::abort();
    }
  }
  (void)MacAddress::Parse(s);
  return 0;
}
