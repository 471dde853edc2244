// File: nft_render.h
//
// Renders the desired per-node policy state into nftables commands (libnftables / `nft -f`
// syntax). Pure. The kernel layout, all in table `inet vpccni_netpol`:
//
//   chain forward (hook forward, priority filter - 5, policy accept):
//     ct state established,related counter accept      # replies and established flows
//     ip saddr vmap @egress_pods                         # source is a local enforced pod
//     ip daddr vmap @ingress_pods                        # destination is a local enforced pod
//   per pod P and direction D (i = ingress, e = egress; <hex> = pod IPv4 in hex):
//     set  D_<hex>_p  ipv4_addr . inet_proto . inet_service, interval: the allow cells (split
//                     into D_<hex>_p0 .. _pN-1 when large; see NftShardCount)
//     set  D_<hex>_o  ipv4_addr, interval: remotes allowed for other protocols (ICMP, ...)
//     chain D_<hex>:  <remote> . l4proto . th dport @D_<hex>_p counter accept|return (per shard)
//                     l4proto not tcp/udp/sctp and <remote> @D_<hex>_o counter accept|return
//                     counter drop
//   (ingress chains accept; egress chains return so the destination's ingress chain runs next.)
//
// The node's own traffic to and from its pods uses the input/output hooks, so the own node is
// always reachable. Every rendering is meant to run as ONE libnftables transaction: the kernel
// applies all of it or nothing, and packets see either the old or the new state.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/ip.h"
#include "policy/compiler.h"

namespace vpccni::policy {

inline constexpr std::string_view kNftTable = "vpccni_netpol";

// Desired kernel state for one local pod.
struct PodProgram {
  std::string key;  // namespace/name (informational)
  DirectionRules ingress;
  DirectionRules egress;
  bool operator==(const PodProgram&) const = default;
};

// Keyed by the pod's IPv4 address (host order).
using NodeProgram = std::map<uint32_t, PodProgram>;

// Replaces the whole table (start-up, or recovery after a failed incremental update).
std::string RenderNftFull(const NodeProgram& desired);

// The commands turning `current` into `desired`; empty when they are equal. Unchanged pods and
// directions produce no commands; changed sets get element deletions and additions; a direction
// whose shard count changes is deleted and created again (all in one transaction).
std::string RenderNftDiff(const NodeProgram& current, const NodeProgram& desired);

// A change confined to the allow cells of one existing `<chain>_p` set.
struct CellSetChange {
  std::string set;  // "i_0a000105_p"
  std::vector<AllowCell> removed;
  std::vector<AllowCell> added;
};

// The cell changes turning `current` into `desired` when nothing else differs (the same pods
// with the same keys and enforced directions, the same other-protocol ranges): what the netlink
// fast path (nft_netlink.h) applies. Empty when the programs are equal; nullopt when anything
// else changed (RenderNftDiff's job).
std::optional<std::vector<CellSetChange>> CellOnlyDiff(const NodeProgram& current,
                                                       const NodeProgram& desired);

// Removes the table (agent shutdown with --cleanup, tests).
std::string RenderNftDelete();

// Large allow-cell sets are split into shards (the kernel's interval-concatenation set type
// spends time proportional to an element's position when it deletes it: ~5 us per element before
// it, so one change in a 1,000-cell set cost ~5 ms). A direction with n cells gets the smallest
// power of two of shards that keeps them at kNftCellsPerShard each on average (at most
// kNftMaxShards); its chain has one lookup rule per shard. One shard keeps the plain `_p` name.
// A change that alters the shard count re-creates the direction in the same transaction.
inline constexpr size_t kNftCellsPerShard = 128;
inline constexpr int kNftMaxShards = 64;
int NftShardCount(size_t cells);
// The shard (0 .. shards-1) a cell belongs to: a hash of the cell, stable across updates.
int NftCellShard(const AllowCell& cell, int shards);
// "i_0a000105_p" (one shard) or "i_0a000105_p3".
std::string NftCellSetName(uint32_t ip, Direction dir, int shard, int shards);

// Chain name of a pod direction ("i_0a000105").
std::string NftChainName(uint32_t ip, Direction dir);

}  // namespace vpccni::policy
