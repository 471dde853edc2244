#include "policy/nft_render.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vpccni::policy {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr uint32_t kIp = 0x0a000105;  // 10.0.1.5

DirectionRules Rules(std::vector<AllowCell> cells, std::vector<IpRange> other = {}) {
  DirectionRules r;
  r.enforced = true;
  r.cells = std::move(cells);
  r.other = std::move(other);
  return r;
}

TEST(NftRenderTest, FullRulesetLayout) {
  NodeProgram p;
  p[kIp].key = "x/a";
  p[kIp].ingress = Rules({{{0x0a000000, 0x0a0000ff}, L4::kTcp, {80, 81}},
                          {{0x0a000202, 0x0a000202}, L4::kSctp, {0, 65535}}},
                         {{0, 0xffffffff}});
  std::string s = RenderNftFull(p);
  EXPECT_THAT(s, HasSubstr("add table inet vpccni_netpol\ndelete table inet vpccni_netpol\n"));
  EXPECT_THAT(s, HasSubstr("ct state established,related counter accept"));
  EXPECT_THAT(s, HasSubstr("add element inet vpccni_netpol i_0a000105_p { "
                           "10.0.0.0-10.0.0.255 . tcp . 80-81, 10.0.2.2 . sctp . 0-65535 }"));
  EXPECT_THAT(s, HasSubstr("add element inet vpccni_netpol i_0a000105_o { "
                           "0.0.0.0-255.255.255.255 }"));
  EXPECT_THAT(s, HasSubstr("ip saddr . meta l4proto . th dport @i_0a000105_p counter accept"));
  EXPECT_THAT(s, HasSubstr("add element inet vpccni_netpol ingress_pods { 10.0.1.5 : jump "
                           "i_0a000105 }"));
  EXPECT_THAT(s, Not(HasSubstr("e_0a000105")));  // egress not enforced: no chain
}

TEST(NftRenderTest, DiffOnlyTouchesChanges) {
  NodeProgram a;
  a[kIp].ingress = Rules({{{1, 1}, L4::kTcp, {80, 80}}});
  a[kIp + 1].egress = Rules({});
  EXPECT_EQ(RenderNftDiff(a, a), "");

  NodeProgram b = a;
  b[kIp].ingress.cells[0].ports = {81, 81};
  std::string s = RenderNftDiff(a, b);
  EXPECT_EQ(s,
            "delete element inet vpccni_netpol i_0a000105_p { 0.0.0.1 . tcp . 80 }\n"
            "add element inet vpccni_netpol i_0a000105_p { 0.0.0.1 . tcp . 81 }\n");

  NodeProgram c = a;
  c.erase(kIp + 1);
  c[kIp].egress = Rules({});
  s = RenderNftDiff(a, c);
  EXPECT_THAT(s, HasSubstr("delete element inet vpccni_netpol egress_pods { 10.0.1.6 }"));
  EXPECT_THAT(s, HasSubstr("delete chain inet vpccni_netpol e_0a000106"));
  EXPECT_THAT(s, HasSubstr("add chain inet vpccni_netpol e_0a000105"));
  EXPECT_THAT(s, HasSubstr("egress_pods { 10.0.1.5 : jump e_0a000105 }"));
  EXPECT_THAT(s, HasSubstr("ip daddr . meta l4proto . th dport @e_0a000105_p counter return"));
}

TEST(NftRenderTest, CellOnlyDiffNamesTheChangedSetsAndNothingElse) {
  NodeProgram a;
  a[kIp].key = "x/a";
  a[kIp].ingress = Rules({{{1, 1}, L4::kTcp, {80, 80}}, {{2, 2}, L4::kUdp, {53, 53}}}, {{7, 7}});
  a[kIp].egress = Rules({{{9, 9}, L4::kTcp, {443, 443}}});
  ASSERT_TRUE(CellOnlyDiff(a, a).has_value());
  EXPECT_TRUE(CellOnlyDiff(a, a)->empty());

  NodeProgram b = a;
  b[kIp].ingress.cells = {{{1, 1}, L4::kTcp, {80, 81}}, {{2, 2}, L4::kUdp, {53, 53}}};
  auto d = CellOnlyDiff(a, b);
  ASSERT_TRUE(d.has_value());
  ASSERT_EQ(d->size(), 1U);
  EXPECT_EQ((*d)[0].set, "i_0a000105_p");
  EXPECT_EQ((*d)[0].removed, (std::vector<AllowCell>{{{1, 1}, L4::kTcp, {80, 80}}}));
  EXPECT_EQ((*d)[0].added, (std::vector<AllowCell>{{{1, 1}, L4::kTcp, {80, 81}}}));

  // Anything beyond allow cells is RenderNftDiff's job.
  NodeProgram other = a;
  other[kIp].ingress.other = {{7, 8}};
  EXPECT_FALSE(CellOnlyDiff(a, other).has_value());
  NodeProgram unenforced = a;
  unenforced[kIp].egress = DirectionRules{};
  EXPECT_FALSE(CellOnlyDiff(a, unenforced).has_value());
  NodeProgram renamed = a;
  renamed[kIp].key = "x/b";
  EXPECT_FALSE(CellOnlyDiff(a, renamed).has_value());
  NodeProgram more = a;
  more[kIp + 1] = a[kIp];
  EXPECT_FALSE(CellOnlyDiff(a, more).has_value());
  EXPECT_FALSE(CellOnlyDiff(more, a).has_value());
  NodeProgram moved;
  moved[kIp + 1] = a[kIp];
  EXPECT_FALSE(CellOnlyDiff(a, moved).has_value());
}

std::vector<AllowCell> ManyCells(uint32_t n, uint16_t port = 80) {
  std::vector<AllowCell> cells;
  for (uint32_t i = 0; i < n; ++i) {
    cells.push_back({{0xac100000 + 2 * i, 0xac100000 + 2 * i}, L4::kTcp, {port, port}});
  }
  return cells;
}

TEST(NftRenderTest, LargeCellSetsAreShardedAndEveryCellLandsOnce) {
  EXPECT_EQ(NftShardCount(0), 1);
  EXPECT_EQ(NftShardCount(128), 1);
  EXPECT_EQ(NftShardCount(129), 2);
  EXPECT_EQ(NftShardCount(1004), 8);
  EXPECT_EQ(NftShardCount(1025), 16);
  EXPECT_EQ(NftShardCount(10'000'000), kNftMaxShards);

  NodeProgram p;
  p[kIp].key = "x/a";
  p[kIp].ingress = Rules(ManyCells(300));
  std::string s = RenderNftFull(p);
  EXPECT_THAT(s, Not(HasSubstr("i_0a000105_p ")));
  std::vector<int> per_shard(4);
  for (const AllowCell& c : p[kIp].ingress.cells) {
    int shard = NftCellShard(c, 4);
    ASSERT_GE(shard, 0);
    ASSERT_LT(shard, 4);
    ++per_shard[static_cast<size_t>(shard)];
    EXPECT_EQ(NftCellShard(c, 4), shard);  // stable
  }
  for (int i = 0; i < 4; ++i) {
    std::string set = fmt::format("i_0a000105_p{}", i);
    EXPECT_THAT(s, HasSubstr("add set inet vpccni_netpol " + set + " {"));
    EXPECT_THAT(s, HasSubstr("th dport @" + set + " counter accept"));
    EXPECT_GT(per_shard[static_cast<size_t>(i)], 30);  // spread, not piled up
  }
  // Each cell appears exactly once in the whole rendering.
  for (const AllowCell& c : p[kIp].ingress.cells) {
    std::string text = net::Ipv4Address(c.remote.lo).ToString() + " . tcp . 80";
    size_t first = s.find(text);
    ASSERT_NE(first, std::string::npos) << text;
    EXPECT_EQ(s.find(text, first + 1), std::string::npos) << text;
  }

  // One cell changed: a change in exactly the shard sets that hold the two cells.
  NodeProgram q = p;
  q[kIp].ingress.cells[7].ports = {81, 81};
  auto d = CellOnlyDiff(p, q);
  ASSERT_TRUE(d.has_value());
  size_t removed = 0;
  size_t added = 0;
  for (const CellSetChange& c : *d) {
    for (const AllowCell& r : c.removed) {
      EXPECT_EQ(c.set, NftCellSetName(kIp, Direction::kIngress, NftCellShard(r, 4), 4));
      ++removed;
    }
    for (const AllowCell& a : c.added) {
      EXPECT_EQ(c.set, NftCellSetName(kIp, Direction::kIngress, NftCellShard(a, 4), 4));
      ++added;
    }
  }
  EXPECT_EQ(removed, 1U);
  EXPECT_EQ(added, 1U);

  // Crossing a shard boundary re-creates the direction (libnftables path, one transaction).
  NodeProgram small = p;
  small[kIp].ingress.cells.resize(100);
  EXPECT_FALSE(CellOnlyDiff(p, small).has_value());
  std::string diff = RenderNftDiff(p, small);
  EXPECT_THAT(diff, HasSubstr("delete chain inet vpccni_netpol i_0a000105\n"));
  EXPECT_THAT(diff, HasSubstr("delete set inet vpccni_netpol i_0a000105_p3\n"));
  EXPECT_THAT(diff, HasSubstr("add set inet vpccni_netpol i_0a000105_p {"));
  EXPECT_LT(diff.find("delete chain"), diff.find("add chain"));
}

}  // namespace
}  // namespace vpccni::policy
