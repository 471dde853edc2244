#include "net/range_set.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace vpccni::net {
namespace {

Ipv4Address A(const char* s) { return *Ipv4Address::Parse(s); }
Ipv4Cidr C(const char* s) { return *Ipv4Cidr::Parse(s); }

TEST(RangeSetTest, AddRemoveCoalesce) {
  Ipv4RangeSet s;
  EXPECT_EQ(s.Add(A("10.0.0.1"), A("10.0.0.3")), 3U);
  EXPECT_EQ(s.Add(A("10.0.0.4")), 1U);  // touching: coalesces
  EXPECT_EQ(s.Ranges().size(), 1U);
  EXPECT_EQ(s.Add(A("10.0.0.2")), 0U);  // already present
  EXPECT_EQ(s.Size(), 4U);
  EXPECT_EQ(s.Remove(A("10.0.0.2")), 1U);
  EXPECT_EQ(s.Ranges().size(), 2U);
  EXPECT_FALSE(s.Contains(A("10.0.0.2")));
  EXPECT_TRUE(s.Contains(A("10.0.0.3")));
  EXPECT_EQ(s.CountIn(C("10.0.0.0/30")), 2U);  // .1 and .3 (.2 removed)
}

TEST(RangeSetTest, AlignedBlockNeedsWholeFreeBlock) {
  Ipv4RangeSet used;
  Ipv4Cidr subnet = C("10.0.0.0/26");  // 64 addresses, 4 aligned /28s
  // One used address in each /28: 60 addresses free, but no free /28.
  for (int i = 0; i < 4; ++i) {
    used.Add(subnet.At(static_cast<uint64_t>(i * 16 + 5)));
  }
  EXPECT_EQ(used.FindFreeAlignedBlock(subnet, 28), std::nullopt);
  used.Remove(subnet.At(37));
  auto block = used.FindFreeAlignedBlock(subnet, 28);
  ASSERT_TRUE(block.has_value());
  EXPECT_EQ(block->ToString(), "10.0.0.32/28");
  EXPECT_EQ(used.FreeAlignedBlocks(subnet, 28, 10).size(), 1U);
  EXPECT_EQ(used.FirstFree(subnet)->ToString(), "10.0.0.0");
}

TEST(RangeSetTest, MatchesBruteForceModel) {
  std::mt19937 rng(42);
  Ipv4Cidr subnet = C("10.1.0.0/24");
  Ipv4RangeSet s;
  std::set<uint32_t> model;
  for (int step = 0; step < 3000; ++step) {
    uint32_t a = static_cast<uint32_t>(rng() % 256);
    uint32_t b = std::min<uint32_t>(255, a + static_cast<uint32_t>(rng() % 8));
    Ipv4Address first = subnet.At(a);
    Ipv4Address last = subnet.At(b);
    uint64_t changed = 0;
    if (rng() % 2 == 0) {
      for (uint32_t i = a; i <= b; ++i) {
        changed += model.insert(subnet.At(i).ToUint()).second ? 1 : 0;
      }
      EXPECT_EQ(s.Add(first, last), changed);
    } else {
      for (uint32_t i = a; i <= b; ++i) {
        changed += model.erase(subnet.At(i).ToUint());
      }
      EXPECT_EQ(s.Remove(first, last), changed);
    }
    ASSERT_EQ(s.Size(), model.size());
    // Free aligned /28 blocks agree with brute force.
    size_t free_blocks = 0;
    for (uint32_t blk = 0; blk < 16; ++blk) {
      bool free = true;
      for (uint32_t i = 0; i < 16; ++i) {
        free = free && model.count(subnet.At(blk * 16 + i).ToUint()) == 0;
      }
      free_blocks += free ? 1 : 0;
    }
    ASSERT_EQ(s.FreeAlignedBlocks(subnet, 28, 100).size(), free_blocks);
  }
}

}  // namespace
}  // namespace vpccni::net
