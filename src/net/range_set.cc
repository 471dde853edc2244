#include "net/range_set.h"

#include <algorithm>

namespace vpccni::net {

uint64_t Ipv4RangeSet::Add(Ipv4Address first_addr, Ipv4Address last_addr) {
  uint32_t first = first_addr.ToUint();
  uint32_t last = last_addr.ToUint();
  if (first > last) {
    return 0;
  }
  uint64_t before = size_;
  // Merge with a range that starts at or before `first` and touches it.
  auto it = ranges_.upper_bound(first);
  if (it != ranges_.begin()) {
    auto prev = std::prev(it);
    if (prev->second >= first || (first > 0 && prev->second == first - 1)) {
      first = prev->first;
      last = std::max(last, prev->second);
      size_ -= uint64_t{prev->second} - prev->first + 1;
      it = ranges_.erase(prev);
    }
  }
  // Absorb following ranges that overlap or touch.
  while (it != ranges_.end() && (it->first <= last || (last < UINT32_MAX && it->first == last + 1))) {
    last = std::max(last, it->second);
    size_ -= uint64_t{it->second} - it->first + 1;
    it = ranges_.erase(it);
  }
  ranges_.emplace(first, last);
  size_ += uint64_t{last} - first + 1;
  return size_ - before;
}

uint64_t Ipv4RangeSet::Remove(Ipv4Address first_addr, Ipv4Address last_addr) {
  uint32_t first = first_addr.ToUint();
  uint32_t last = last_addr.ToUint();
  if (first > last) {
    return 0;
  }
  uint64_t before = size_;
  auto it = ranges_.upper_bound(first);
  if (it != ranges_.begin()) {
    --it;
  }
  while (it != ranges_.end() && it->first <= last) {
    uint32_t rf = it->first;
    uint32_t rl = it->second;
    if (rl < first) {
      ++it;
      continue;
    }
    it = ranges_.erase(it);
    size_ -= uint64_t{rl} - rf + 1;
    if (rf < first) {
      ranges_.emplace(rf, first - 1);
      size_ += uint64_t{first - 1} - rf + 1;
    }
    if (rl > last) {
      it = ranges_.emplace(last + 1, rl).first;
      size_ += uint64_t{rl} - (last + 1) + 1;
      ++it;
    }
  }
  return before - size_;
}

bool Ipv4RangeSet::Contains(Ipv4Address a) const { return Intersects(a, a); }

bool Ipv4RangeSet::Intersects(Ipv4Address first_addr, Ipv4Address last_addr) const {
  uint32_t first = first_addr.ToUint();
  uint32_t last = last_addr.ToUint();
  auto it = ranges_.upper_bound(last);
  if (it == ranges_.begin()) {
    return false;
  }
  --it;
  return it->second >= first;
}

uint64_t Ipv4RangeSet::CountIn(const Ipv4Cidr& c) const {
  uint32_t first = c.Network().ToUint();
  uint32_t last = c.Broadcast().ToUint();
  uint64_t n = 0;
  auto it = ranges_.upper_bound(first);
  if (it != ranges_.begin()) {
    --it;
  }
  for (; it != ranges_.end() && it->first <= last; ++it) {
    uint32_t lo = std::max(first, it->first);
    uint32_t hi = std::min(last, it->second);
    if (lo <= hi) {
      n += uint64_t{hi} - lo + 1;
    }
  }
  return n;
}

std::optional<Ipv4Address> Ipv4RangeSet::FirstFree(const Ipv4Cidr& c) const {
  uint64_t candidate = c.Network().ToUint();
  uint64_t last = c.Broadcast().ToUint();
  auto it = ranges_.upper_bound(static_cast<uint32_t>(candidate));
  if (it != ranges_.begin()) {
    --it;
  }
  for (; it != ranges_.end() && candidate <= last; ++it) {
    if (it->second < candidate) {
      continue;
    }
    if (it->first > candidate) {
      break;
    }
    candidate = uint64_t{it->second} + 1;
  }
  if (candidate > last) {
    return std::nullopt;
  }
  return Ipv4Address(static_cast<uint32_t>(candidate));
}

std::vector<Ipv4Cidr> Ipv4RangeSet::FreeAlignedBlocks(const Ipv4Cidr& c, int block_len,
                                                      size_t limit) const {
  std::vector<Ipv4Cidr> out;
  if (block_len < c.PrefixLen() || block_len > 32 || limit == 0) {
    return out;
  }
  const uint64_t block = uint64_t{1} << (32 - block_len);
  const uint64_t end = uint64_t{c.Broadcast().ToUint()} + 1;
  uint64_t pos = c.Network().ToUint();
  auto it = ranges_.upper_bound(static_cast<uint32_t>(pos));
  if (it != ranges_.begin()) {
    --it;
  }
  // Walk the gaps between used ranges; in each gap take every aligned block that fits.
  while (pos < end && out.size() < limit) {
    while (it != ranges_.end() && it->second < pos) {
      ++it;
    }
    uint64_t gap_end = end;  // exclusive
    if (it != ranges_.end() && it->first <= pos) {
      pos = uint64_t{it->second} + 1;
      ++it;
      continue;
    }
    if (it != ranges_.end()) {
      gap_end = std::min<uint64_t>(end, it->first);
    }
    uint64_t aligned = (pos + block - 1) / block * block;
    while (aligned + block <= gap_end && out.size() < limit) {
      out.emplace_back(Ipv4Address(static_cast<uint32_t>(aligned)), block_len);
      aligned += block;
    }
    pos = gap_end;
  }
  return out;
}

std::optional<Ipv4Cidr> Ipv4RangeSet::FindFreeAlignedBlock(const Ipv4Cidr& c, int block_len) const {
  auto blocks = FreeAlignedBlocks(c, block_len, 1);
  if (blocks.empty()) {
    return std::nullopt;
  }
  return blocks.front();
}

std::vector<std::pair<Ipv4Address, Ipv4Address>> Ipv4RangeSet::Ranges() const {
  std::vector<std::pair<Ipv4Address, Ipv4Address>> out;
  out.reserve(ranges_.size());
  for (const auto& [f, l] : ranges_) {
    out.emplace_back(Ipv4Address(f), Ipv4Address(l));
  }
  return out;
}

}  // namespace vpccni::net
