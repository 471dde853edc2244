// File: nft_netlink.h
//
// The fast path of a policy edit: adds and deletes allow-cell elements of the per-pod
// `<chain>_p` sets (nft_render.h) as ONE nf_tables netlink transaction (an NFNL batch), without
// libnftables. libnftables must read back every element of an interval set before it deletes one
// from it, which made a one-rule change in a 1,000-rule policy cost ~6-9 ms; the batch costs
// what the change costs. Anything else (new pods, chains, other-protocol sets) still goes through
// libnftables (NftEnforcer).
//
// Element encoding (the `ipv4_addr . inet_proto . inet_service` concatenation, each field padded
// to a 32-bit register as nft does): address (4 bytes, network order), protocol number (1 byte +
// 3 zero), port (2 bytes, network order + 2 zero); an interval element carries its first cell
// value as KEY and its last as KEY_END.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "netlink/socket.h"
#include "policy/compiler.h"
#include "policy/nft_render.h"

namespace vpccni::policy {

// The 12-byte set key of a cell's first (end = false) or last (end = true) value.
std::array<uint8_t, 12> NftCellKey(const AllowCell& cell, bool end);

// One complete batch (BATCH_BEGIN, DELSETELEM/NEWSETELEM messages with NLM_F_ACK, BATCH_END) for
// table inet `table`, messages numbered from `seq`. Deletions come before additions.
std::vector<uint8_t> EncodeCellBatch(std::string_view table,
                                     const std::vector<CellSetChange>& changes, uint32_t seq);

// A NETLINK_NETFILTER socket bound in the calling thread's network namespace.
class NftNetlink {
 public:
  // kInternal with sys_errno when the socket cannot be opened.
  static Result<NftNetlink> Open();

  // Applies the changes in one transaction: all or nothing. Errors: the kernel's errno and
  // extended-ack text for the first message it refused (kNotFound for a missing element, set or
  // table; kAlreadyExists for an overlapping element), kInternal for transport failures.
  Result<void> Apply(std::string_view table, const std::vector<CellSetChange>& changes);

 private:
  explicit NftNetlink(netlink::NetlinkSocket socket) : socket_(std::move(socket)) {}

  netlink::NetlinkSocket socket_;
  uint32_t seq_ = 1;
};

}  // namespace vpccni::policy
