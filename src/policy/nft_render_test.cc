#include "policy/nft_render.h"

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

}  // namespace
}  // namespace vpccni::policy
