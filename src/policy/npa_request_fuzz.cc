// Fuzz target: the npa.sock request decoder must reject or accept any bytes without crashing.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/npa.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r =
      vpccni::policy::DecodeNpaRequest(std::string_view(reinterpret_cast<const char*>(data), size));
  if (r) {
    (void)vpccni::policy::EncodeNpaRequest(*r);
  }
  return 0;
}
