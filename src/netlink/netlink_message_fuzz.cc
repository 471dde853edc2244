// Fuzz target: arbitrary bytes from the kernel must never crash the reply parser. Every message
// is run through every decoder, and nested attribute areas are walked recursively.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "netlink/message.h"

namespace {

void WalkAttrs(std::span<const uint8_t> area, int depth) {
  if (depth > 4) {
    return;
  }
  auto attrs = vpccni::netlink::SplitAttrs(area);
  if (!attrs) {
    return;
  }
  for (const auto& a : *attrs) {
    if (a.data.data() < area.data() || a.data.data() + a.data.size() > area.data() + area.size()) {
      std::abort();
    }
    WalkAttrs(a.data, depth + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vpccni::netlink;  // NOLINT(google-build-using-namespace)
  std::span<const uint8_t> buf(data, size);
  auto msgs = SplitMessages(buf);
  if (!msgs) {
    return 0;
  }
  for (auto m : *msgs) {
    (void)DecodeErrorCode(m);
    (void)DecodeExtAckMessage(m);
    // Try every decoder regardless of the type, forcing the type each expects.
    m.type = 16;  // RTM_NEWLINK
    (void)DecodeLink(m);
    m.type = 20;  // RTM_NEWADDR
    (void)DecodeAddress(m);
    m.type = 24;  // RTM_NEWROUTE
    if (auto r = DecodeRoute(m)) {
      (void)r->ToString();
    }
    m.type = 32;  // RTM_NEWRULE
    if (auto r = DecodeRule(m)) {
      (void)r->ToString();
    }
    m.type = 28;  // RTM_NEWNEIGH
    (void)DecodeNeighbor(m);
    m.type = 2;  // NLMSG_ERROR with ext ack TLVs
    m.flags = 0x300;
    (void)DecodeExtAckMessage(m);
    m.flags = 0x200;
    (void)DecodeExtAckMessage(m);
    WalkAttrs(m.payload, 0);
  }
  return 0;
}
