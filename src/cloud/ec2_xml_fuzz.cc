// Fuzz target for the EC2 XML decoders. The first byte picks the decoder (an index into
// codec::KnownActions(), or the error-document / requestId decoders), the rest is the body.
// Every decoder must accept or reject any input without crashing, and decode deterministically.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cloud/ec2_query_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using vpccni::cloud::codec::DecodeAny;
  using vpccni::cloud::codec::DecodeErrorReply;
  using vpccni::cloud::codec::DecodeRequestId;
  using vpccni::cloud::codec::KnownActions;
  if (size == 0) {
    return 0;
  }
  const auto& actions = KnownActions();
  size_t pick = data[0] % (actions.size() + 2);
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  if (pick < actions.size()) {
    auto a = DecodeAny(actions[pick], body);
    auto b = DecodeAny(actions[pick], body);
    if (a.has_value() != b.has_value()) {
      std::abort();
    }
  } else if (pick == actions.size()) {
    auto e = DecodeErrorReply(body);
    if (e.has_value() && e->code.empty()) {
      std::abort();  // an error reply always carries a code
    }
  } else {
    (void)DecodeRequestId(body);
  }
  return 0;
}
