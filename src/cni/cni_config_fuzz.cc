// Fuzzes everything vpc-cni parses from the runtime: the stdin config (with prevResult), a bare
// result, and CNI_ARGS. Parsed results must re-encode and re-parse to the same value.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cni/config.h"
#include "cni/egress_config.h"
#include "cni/spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vpccni::cni;  // NOLINT(google-build-using-namespace)
  std::string_view in(reinterpret_cast<const char*>(data), size);
  for (Command c : {Command::kAdd, Command::kDel, Command::kVersion, Command::kGc}) {
    (void)ParseNetConf(in, c);
    (void)ParseEgressConf(in, c);
  }
  if (auto r = ParseResult(in); r.has_value()) {
    auto again = ParseResult(EncodeResult(*r, "1.1.0"));
    if (!again.has_value()) {
      std::abort();
    }
    again->cni_version = r->cni_version;
    if (!(*again == *r)) {
      std::abort();
    }
  }
  (void)ParseCniArgs(in);
  return 0;
}
