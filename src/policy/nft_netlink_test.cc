#include "policy/nft_netlink.h"

#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <gtest/gtest.h>

#include "netlink/message.h"
#include "testing/result_matchers.h"

namespace vpccni::policy {
namespace {

using Key = std::array<uint8_t, 12>;

TEST(NftNetlinkTest, CellKeysPadEveryFieldToARegister) {
  AllowCell c{{0x0a000001, 0x0a0000ff}, L4::kUdp, {53, 1053}};
  EXPECT_EQ(NftCellKey(c, false), (Key{10, 0, 0, 1, 17, 0, 0, 0, 0, 53, 0, 0}));
  EXPECT_EQ(NftCellKey(c, true), (Key{10, 0, 0, 255, 17, 0, 0, 0, 0x04, 0x1d, 0, 0}));
  AllowCell sctp{{0xc0a80001, 0xc0a80001}, L4::kSctp, {0, 65535}};
  EXPECT_EQ(NftCellKey(sctp, false), (Key{192, 168, 0, 1, 132, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(NftCellKey(sctp, true), (Key{192, 168, 0, 1, 132, 0, 0, 0, 0xff, 0xff, 0, 0}));
  EXPECT_EQ(NftCellKey({{1, 1}, L4::kTcp, {80, 80}}, false)[4], 6);
}

// The value of the nested NFTA_DATA_VALUE inside a KEY / KEY_END attribute.
Key DataValue(const netlink::RawAttr& a) {
  auto inner = netlink::SplitAttrs(a.data);
  EXPECT_TRUE(inner.has_value());
  Key k{};
  if (inner && inner->size() == 1 && (*inner)[0].type == NFTA_DATA_VALUE &&
      (*inner)[0].data.size() == k.size()) {
    std::copy((*inner)[0].data.begin(), (*inner)[0].data.end(), k.begin());
  }
  return k;
}

TEST(NftNetlinkTest, BatchIsBeginDeletionsAdditionsEnd) {
  std::vector<AllowCell> many;
  for (uint32_t i = 0; i < 600; ++i) {
    many.push_back({{i, i}, L4::kTcp, {80, 80}});
  }
  std::vector<CellSetChange> changes = {
      {"i_0a000105_p", {{{1, 1}, L4::kTcp, {80, 80}}}, many},
      {"e_0a000105_p", {}, {{{2, 3}, L4::kUdp, {53, 54}}}},
  };
  std::vector<uint8_t> batch = EncodeCellBatch("vpccni_netpol", changes, 100);
  ASSERT_OK_AND_ASSIGN(auto msgs, netlink::SplitMessages(batch));
  // begin, 1 deletion, 600 additions split 512 + 88, 1 addition, end.
  ASSERT_EQ(msgs.size(), 6U);
  EXPECT_EQ(msgs[0].type, NFNL_MSG_BATCH_BEGIN);
  EXPECT_EQ(msgs[5].type, NFNL_MSG_BATCH_END);
  const uint16_t del = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_DELSETELEM;
  const uint16_t add = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWSETELEM;
  std::vector<uint16_t> types;
  for (size_t i = 0; i < msgs.size(); ++i) {
    EXPECT_EQ(msgs[i].seq, 100 + i);
    types.push_back(msgs[i].type);
  }
  EXPECT_EQ(types,
            (std::vector<uint16_t>{NFNL_MSG_BATCH_BEGIN, del, add, add, add, NFNL_MSG_BATCH_END}));
  EXPECT_NE(msgs[1].flags & NLM_F_ACK, 0);
  EXPECT_EQ(msgs[1].flags & NLM_F_CREATE, 0);
  EXPECT_NE(msgs[2].flags & NLM_F_CREATE, 0);
  EXPECT_EQ(msgs[0].flags & NLM_F_ACK, 0);

  // The deletion names table and set and carries the cell as KEY / KEY_END.
  ASSERT_OK_AND_ASSIGN(auto attrs, netlink::SplitAttrs(msgs[1].payload.subspan(sizeof(nfgenmsg))));
  ASSERT_EQ(attrs.size(), 3U);
  EXPECT_EQ(attrs[0].type, NFTA_SET_ELEM_LIST_TABLE);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(attrs[0].data.data())), "vpccni_netpol");
  EXPECT_EQ(attrs[1].type, NFTA_SET_ELEM_LIST_SET);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(attrs[1].data.data())), "i_0a000105_p");
  ASSERT_EQ(attrs[2].type, NFTA_SET_ELEM_LIST_ELEMENTS);
  ASSERT_OK_AND_ASSIGN(auto elems, netlink::SplitAttrs(attrs[2].data));
  ASSERT_EQ(elems.size(), 1U);
  ASSERT_OK_AND_ASSIGN(auto keys, netlink::SplitAttrs(elems[0].data));
  ASSERT_EQ(keys.size(), 2U);
  EXPECT_EQ(keys[0].type, NFTA_SET_ELEM_KEY);
  EXPECT_EQ(keys[1].type, NFTA_SET_ELEM_KEY_END);
  EXPECT_EQ(DataValue(keys[0]), NftCellKey(changes[0].removed[0], false));
  EXPECT_EQ(DataValue(keys[1]), NftCellKey(changes[0].removed[0], true));

  ASSERT_OK_AND_ASSIGN(auto first_add,
                       netlink::SplitAttrs(msgs[2].payload.subspan(sizeof(nfgenmsg))));
  ASSERT_OK_AND_ASSIGN(auto first_elems, netlink::SplitAttrs(first_add[2].data));
  EXPECT_EQ(first_elems.size(), 512U);
  ASSERT_OK_AND_ASSIGN(auto second_add,
                       netlink::SplitAttrs(msgs[3].payload.subspan(sizeof(nfgenmsg))));
  ASSERT_OK_AND_ASSIGN(auto second_elems, netlink::SplitAttrs(second_add[2].data));
  EXPECT_EQ(second_elems.size(), 88U);
}

TEST(NftNetlinkTest, EmptyChangeIsAnEmptyBatch) {
  ASSERT_OK_AND_ASSIGN(auto msgs, netlink::SplitMessages(EncodeCellBatch("t", {}, 1)));
  EXPECT_EQ(msgs.size(), 2U);
}

}  // namespace
}  // namespace vpccni::policy
