#include "ipam/config.h"

#include <gtest/gtest.h>

#include "testing/result_matchers.h"

namespace vpccni::ipam {
namespace {

TEST(PoolConfig, Defaults) {
  ASSERT_OK_AND_ASSIGN(auto c, PoolConfig::FromEnv({}));
  EXPECT_EQ(c.warm_eni_target, 1);
  EXPECT_EQ(c.warm_ip_target, 0);
  EXPECT_EQ(c.minimum_ip_target, 0);
  EXPECT_EQ(c.warm_prefix_target, 1);
  EXPECT_FALSE(c.prefix_delegation);
  EXPECT_EQ(c.max_eni, -1);
  EXPECT_EQ(c.ip_cooldown, std::chrono::seconds(30));
  EXPECT_FALSE(c.cooldown_counts_as_available);
  EXPECT_FALSE(c.WarmIpTargetsDefined());
}

TEST(PoolConfig, ParsesUpstreamNames) {
  ASSERT_OK_AND_ASSIGN(auto c, PoolConfig::FromEnv({{"WARM_ENI_TARGET", "2"},
                                                    {"WARM_IP_TARGET", "5"},
                                                    {"MINIMUM_IP_TARGET", "10"},
                                                    {"WARM_PREFIX_TARGET", "0"},
                                                    {"ENABLE_PREFIX_DELEGATION", "True"},
                                                    {"MAX_ENI", "3"},
                                                    {"AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG", "t"},
                                                    {"ENABLE_POD_ENI", "1"},
                                                    {"IP_COOLDOWN_PERIOD", "0"},
                                                    {"IP_COOLDOWN_COUNTS_AS_AVAILABLE", "true"}}));
  EXPECT_EQ(c.warm_eni_target, 2);
  EXPECT_EQ(c.warm_ip_target, 5);
  EXPECT_EQ(c.minimum_ip_target, 10);
  EXPECT_EQ(c.warm_prefix_target, 0);
  EXPECT_TRUE(c.prefix_delegation);
  EXPECT_EQ(c.max_eni, 3);
  EXPECT_TRUE(c.custom_networking);
  EXPECT_TRUE(c.enable_pod_eni);
  EXPECT_EQ(c.ip_cooldown, std::chrono::seconds(0));
  EXPECT_TRUE(c.cooldown_counts_as_available);
  EXPECT_TRUE(c.WarmIpTargetsDefined());
  EXPECT_EQ(c.ToEnvMap().at("WARM_IP_TARGET"), "5");
}

void ExpectErrorNaming(const std::map<std::string, std::string>& env, const std::string& name) {
  auto c = PoolConfig::FromEnv(env);
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(c.error().message.find(name), std::string::npos) << c.error().message;
}

TEST(PoolConfig, ErrorsNameTheVariable) {
  ExpectErrorNaming({{"WARM_IP_TARGET", "-1"}}, "WARM_IP_TARGET");
  ExpectErrorNaming({{"WARM_ENI_TARGET", "abc"}}, "WARM_ENI_TARGET");
  ExpectErrorNaming({{"MINIMUM_IP_TARGET", "1.5"}}, "MINIMUM_IP_TARGET");
  ExpectErrorNaming({{"MAX_ENI", "-2"}}, "MAX_ENI");
  ExpectErrorNaming({{"IP_COOLDOWN_PERIOD", "-5"}}, "IP_COOLDOWN_PERIOD");
  ExpectErrorNaming({{"ENABLE_PREFIX_DELEGATION", "yes"}}, "ENABLE_PREFIX_DELEGATION");
  ExpectErrorNaming({{"ENABLE_PREFIX_DELEGATION", "true"}, {"WARM_PREFIX_TARGET", "0"}},
                    "WARM_PREFIX_TARGET");
  ExpectErrorNaming({{"ENABLE_IPv6", "true"}}, "ENABLE_IPv6");
  EXPECT_OK(PoolConfig::FromEnv({{"MAX_ENI", "-1"}}));
  EXPECT_OK(PoolConfig::FromEnv(
      {{"ENABLE_PREFIX_DELEGATION", "true"}, {"WARM_PREFIX_TARGET", "0"}, {"WARM_IP_TARGET", "3"}}));
}

}  // namespace
}  // namespace vpccni::ipam
