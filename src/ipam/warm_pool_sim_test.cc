#include "ipam/warm_pool_sim.h"

#include <gtest/gtest.h>

#include "testing/result_matchers.h"

namespace vpccni::ipam {
namespace {

WarmPoolSimResult Sim(const std::string& type, std::map<std::string, std::string> env,
                      std::vector<int> pods, std::optional<int> max_pods = std::nullopt) {
  WarmPoolSimOptions o;
  o.instance_type = type;
  o.env = std::move(env);
  o.pods = std::move(pods);
  o.max_pods = max_pods;
  auto r = RunWarmPoolSim(o);
  EXPECT_TRUE(r.has_value()) << r.error().ToString();
  return r.value_or(WarmPoolSimResult{});
}

// Reference §4.7 rows, this time through PoolManager and the VPC model.
TEST(WarmPoolSim, M5LargeDefault) {
  auto r = Sim("m5.large", {}, {0, 1, 9, 10, 18, 27, 28});
  EXPECT_EQ(r.max_pods, 29);
  ASSERT_EQ(r.steps.size(), 7u);
  const int enis[] = {1, 2, 2, 3, 3, 3, 3};
  const int total[] = {9, 18, 18, 27, 27, 27, 27};
  const int unused[] = {9, 17, 9, 17, 9, 0, 0};
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(r.steps[i].enis, enis[i]) << i;
    EXPECT_EQ(r.steps[i].total_ips, total[i]) << i;
    EXPECT_EQ(r.steps[i].unused, unused[i]) << i;
  }
  EXPECT_EQ(r.steps[6].assigned, 27) << "the 28th pod gets no address";
  EXPECT_EQ(r.steps[5].ips_per_eni, (std::vector<int>{9, 9, 9}));
}

TEST(WarmPoolSim, T3SmallPrefixes) {
  auto r = Sim("t3.small", {{"ENABLE_PREFIX_DELEGATION", "true"}, {"WARM_PREFIX_TARGET", "1"}},
               {0, 5, 16, 17, 58});
  EXPECT_EQ(r.max_pods, 110);
  const int total[] = {16, 32, 32, 48, 80};
  for (size_t i = 0; i < r.steps.size(); ++i) {
    EXPECT_EQ(r.steps[i].total_ips, total[i]) << i;
  }
  EXPECT_EQ(r.steps.back().prefixes_per_eni, (std::vector<int>{3, 2}));
}

TEST(WarmPoolSim, ScaleDownReturnsToTheWarmTarget) {
  auto r = Sim("t3.small", {{"WARM_IP_TARGET", "2"}, {"MINIMUM_IP_TARGET", "5"}}, {0, 9, 0});
  ASSERT_EQ(r.steps.size(), 3u);
  EXPECT_EQ(r.steps[0].total_ips, 5);
  EXPECT_EQ(r.steps[1].total_ips, 9);
  EXPECT_EQ(r.steps[2].total_ips, 5);
  EXPECT_EQ(r.steps[2].enis, 2);
}

TEST(WarmPoolSim, JsonAndTable) {
  auto r = Sim("m5.large", {}, {0, 1}, 29);
  auto j = RenderWarmPoolJson(r);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[1]["pods"], 1);
  EXPECT_EQ(j[1]["enis"], 2);
  EXPECT_EQ(j[1]["total_ips"], 18);
  EXPECT_EQ(j[1]["assigned"], 1);
  EXPECT_EQ(j[1]["unused"], 17);
  EXPECT_EQ(j[1]["ips_per_eni"], nlohmann::json::array({9, 9}));
  EXPECT_EQ(j[1]["prefixes_per_eni"], nlohmann::json::array({0, 0}));
  std::string table = RenderWarmPoolTable(r);
  EXPECT_NE(table.find("PODS"), std::string::npos);
  EXPECT_NE(table.find("[9,9]"), std::string::npos);
}

TEST(WarmPoolSim, TestOnlyLimitsRow) {
  cloud::InstanceLimitsTable table = cloud::InstanceLimitsTable::BuiltIn();
  cloud::InstanceLimits row = *table.Lookup("m5.xlarge");
  row.instance_type = "test.twenty";
  row.ipv4_per_eni = 21;
  row.ipv6_per_eni = 21;
  table.Upsert(row);
  WarmPoolSimOptions o;
  o.instance_type = "test.twenty";
  o.env = {{"WARM_IP_TARGET", "5"}, {"WARM_ENI_TARGET", "0"}};
  o.pods = {15, 16};
  o.max_pods = 80;
  o.table = &table;
  ASSERT_OK_AND_ASSIGN(auto r, RunWarmPoolSim(o));
  EXPECT_EQ(r.steps[0].enis, 1);
  EXPECT_EQ(r.steps[1].enis, 2);
}

TEST(WarmPoolSim, Errors) {
  WarmPoolSimOptions o;
  o.instance_type = "nope.large";
  o.pods = {1};
  EXPECT_ERROR_CODE(RunWarmPoolSim(o), ErrorCode::kNotFound);
  o.instance_type = "m5.large";
  o.env = {{"WARM_IP_TARGET", "-3"}};
  EXPECT_ERROR_CODE(RunWarmPoolSim(o), ErrorCode::kInvalidArgument);
  o.env = {};
  o.pods = {};
  EXPECT_ERROR_CODE(RunWarmPoolSim(o), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vpccni::ipam
