// Fuzzes the RPC codec: frames, request and reply envelopes. Any decoded message must survive an
// encode/decode round trip unchanged.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "rpc/protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vpccni::rpc;  // NOLINT(google-build-using-namespace)
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t consumed = 0;
  auto frame = DecodeFrame(in, 4096, &consumed);
  if (frame.has_value() && (consumed > size || frame->size() + kFrameHeaderBytes != consumed)) {
    std::abort();
  }
  if (auto req = DecodeRequest(in); req.has_value()) {
    auto again = DecodeRequest(EncodeRequest(*req));
    if (!again.has_value() || !(*again == *req)) {
      std::abort();
    }
  }
  if (auto rep = DecodeReply(in); rep.has_value()) {
    auto again = DecodeReply(EncodeReply(*rep));
    if (!again.has_value() || !(*again == *rep)) {
      std::abort();
    }
  }
  return 0;
}
