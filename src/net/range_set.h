// File: range_set.h
//
// Ipv4RangeSet: a set of IPv4 addresses stored as disjoint, coalesced, inclusive ranges. Used for
// "which addresses of a subnet are taken" and for the aligned-block search behind /28 prefix
// allocation. Pure value type; operations are O(log n) in the number of ranges, block searches
// O(ranges within the searched CIDR).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "net/ip.h"

namespace vpccni::net {

class Ipv4RangeSet {
 public:
  // Inserts [first, last]; returns the number of addresses newly added.
  uint64_t Add(Ipv4Address first, Ipv4Address last);
  uint64_t Add(Ipv4Address a) { return Add(a, a); }
  uint64_t Add(const Ipv4Cidr& c) { return Add(c.Network(), c.Broadcast()); }
  // Removes [first, last]; returns the number of addresses removed.
  uint64_t Remove(Ipv4Address first, Ipv4Address last);
  uint64_t Remove(Ipv4Address a) { return Remove(a, a); }
  uint64_t Remove(const Ipv4Cidr& c) { return Remove(c.Network(), c.Broadcast()); }

  bool Contains(Ipv4Address a) const;
  // True if any address of [first, last] is in the set.
  bool Intersects(Ipv4Address first, Ipv4Address last) const;
  bool Intersects(const Ipv4Cidr& c) const { return Intersects(c.Network(), c.Broadcast()); }
  // Number of set addresses inside c.
  uint64_t CountIn(const Ipv4Cidr& c) const;
  uint64_t Size() const { return size_; }
  bool Empty() const { return ranges_.empty(); }

  // The lowest address of c not in the set, if any.
  std::optional<Ipv4Address> FirstFree(const Ipv4Cidr& c) const;
  // The lowest block of prefix length `block_len`, aligned on its size, inside c, with no address
  // in the set. Returns nullopt when none exists (even if enough scattered addresses are free).
  std::optional<Ipv4Cidr> FindFreeAlignedBlock(const Ipv4Cidr& c, int block_len) const;
  // Every free aligned block of that length inside c, lowest first, at most `limit`.
  std::vector<Ipv4Cidr> FreeAlignedBlocks(const Ipv4Cidr& c, int block_len, size_t limit) const;

  // The ranges, lowest first, as (first, last) pairs.
  std::vector<std::pair<Ipv4Address, Ipv4Address>> Ranges() const;

  bool operator==(const Ipv4RangeSet&) const = default;

 private:
  std::map<uint32_t, uint32_t> ranges_;  // first -> last (inclusive)
  uint64_t size_ = 0;
};

}  // namespace vpccni::net
