#include "cloud/instance_limits.h"

#include <gtest/gtest.h>

#include "testing/result_matchers.h"

namespace vpccni::cloud {
namespace {

TEST(InstanceLimitsTest, BuiltInTableHasEveryRow) {
  const auto& t = InstanceLimitsTable::BuiltIn();
  EXPECT_EQ(t.All().size(), 1391U);
  ASSERT_OK_AND_ASSIGN(auto m5, t.Lookup("m5.large"));
  EXPECT_EQ(m5.eni_limit, 3);
  EXPECT_EQ(m5.ipv4_per_eni, 10);
  EXPECT_EQ(m5.ipv6_per_eni, 10);
  EXPECT_EQ(m5.vcpus, 2);
  EXPECT_EQ(m5.hypervisor, "nitro");
  EXPECT_TRUE(m5.SupportsPrefixDelegation());
  EXPECT_EQ(m5.branch_interfaces, 9);
  ASSERT_OK_AND_ASSIGN(auto c6in, t.Lookup("c6in.32xlarge"));
  ASSERT_EQ(c6in.network_cards.size(), 2U);
  EXPECT_EQ(c6in.TotalEnis(), 16);
  ASSERT_OK_AND_ASSIGN(auto t1, t.Lookup("t1.micro"));
  EXPECT_FALSE(t1.SupportsPrefixDelegation());
  EXPECT_EQ(t1.ipv6_per_eni, 0);
  EXPECT_FALSE(t1.IsTrunkingCompatible());
}

TEST(InstanceLimitsTest, UnknownTypeIsNamed) {
  auto r = InstanceLimitsTable::BuiltIn().Lookup("z9.huge");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_NE(r.error().message.find("z9.huge"), std::string::npos);
}

TEST(InstanceLimitsTest, RejectsMalformedRows) {
  const char* header =
      "instance_type,eni_limit,ipv4_per_eni,default_network_card_index,network_cards,hypervisor,"
      "bare_metal,branch_interfaces,default_vcpus\n";
  EXPECT_OK(InstanceLimitsTable::ParseCsv(std::string(header) + "x.y,2,4,0,0:2,nitro,false,,2\n", ""));
  EXPECT_ERROR_CODE(
      InstanceLimitsTable::ParseCsv(std::string(header) + "x.y,two,4,0,0:2,nitro,false,,2\n", ""),
      ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(
      InstanceLimitsTable::ParseCsv(std::string(header) + "x.y,2,4,0,0-2,nitro,false,,2\n", ""),
      ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(InstanceLimitsTable::ParseCsv("nonsense\n", ""), ErrorCode::kInvalidArgument);
}

TEST(InstanceLimitsTest, UpsertAddsTestRows) {
  InstanceLimitsTable t = InstanceLimitsTable::BuiltIn();
  InstanceLimits row;
  row.instance_type = "test.20ip";
  row.eni_limit = 4;
  row.ipv4_per_eni = 21;
  t.Upsert(row);
  ASSERT_OK_AND_ASSIGN(auto got, t.Lookup("test.20ip"));
  EXPECT_EQ(got.ipv4_per_eni, 21);
  EXPECT_OK(t.Lookup("m5.large"));
}

}  // namespace
}  // namespace vpccni::cloud
