// Fuzz target: the checkpoint decoder must return a value or an error for any input, and any
// decoded checkpoint must re-encode to text that decodes to the same allocations.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ipam/checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto cp = vpccni::ipam::DecodeCheckpoint(text);
  if (!cp.has_value()) {
    if (cp.error().message.empty()) {
      std::abort();
    }
    return 0;
  }
  auto again = vpccni::ipam::DecodeCheckpoint(vpccni::ipam::EncodeCheckpoint(*cp));
  if (!again.has_value() || again->allocations.size() != cp->allocations.size() ||
      again->cooldowns.size() != cp->cooldowns.size()) {
    std::abort();
  }
  return 0;
}
