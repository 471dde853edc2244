// Fuzz target: DecodeManifests on arbitrary bytes must never crash, hang or throw.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "k8s/decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto out = vpccni::k8s::DecodeManifests(text, "fuzz");
  if (out) {
    for (const auto& np : out->objects.network_policies) {
      (void)np.pod_selector.ToString();
    }
  }
  return 0;
}
