#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/vpcctl_test_util.h"

namespace vpccni::cli {
namespace {

using testing::RunVpcctlCaptured;

TEST(WarmPoolCmd, JsonSteps) {
  auto r =
      RunVpcctlCaptured({"warm-pool", "--instance-type", "t3.small", "--env", "WARM_IP_TARGET=2",
                         "--env", "MINIMUM_IP_TARGET=5", "--pods", "0,5,9", "--output", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_array()) << r.out;
  ASSERT_EQ(j.size(), 3u);
  EXPECT_EQ(j[0]["pods"], 0);
  EXPECT_EQ(j[0]["enis"], 2);
  EXPECT_EQ(j[0]["total_ips"], 5);
  EXPECT_EQ(j[0]["ips_per_eni"], nlohmann::json::array({3, 2}));
  EXPECT_EQ(j[1]["total_ips"], 7);
  EXPECT_EQ(j[1]["unused"], 2);
  EXPECT_EQ(j[1]["ips_per_eni"], nlohmann::json::array({3, 3, 1}));
  EXPECT_EQ(j[2]["assigned"], 9);
  EXPECT_EQ(j[2]["unused"], 0);
  for (const auto& key :
       {"pods", "enis", "total_ips", "assigned", "unused", "ips_per_eni", "prefixes_per_eni"}) {
    EXPECT_TRUE(j[2].contains(key)) << key;
  }
}

TEST(WarmPoolCmd, TableAndErrors) {
  auto r = RunVpcctlCaptured({"warm-pool", "--instance-type", "m5.large", "--pods", "0,1"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("max-pods 29"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[9,9]"), std::string::npos) << r.out;
  r = RunVpcctlCaptured({"warm-pool", "--instance-type", "nope.x", "--pods", "1"});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("nope.x"), std::string::npos);
  r = RunVpcctlCaptured(
      {"warm-pool", "--instance-type", "m5.large", "--env", "WARM_IP_TARGET=x", "--pods", "1"});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("WARM_IP_TARGET"), std::string::npos);
  r = RunVpcctlCaptured({"warm-pool", "--instance-type", "m5.large", "--pods", "1,a"});
  EXPECT_NE(r.code, 0);
}

}  // namespace
}  // namespace vpccni::cli
