#include "ipamd/config.h"

#include <gtest/gtest.h>

#include "testing/result_matchers.h"

namespace vpccni::ipamd {
namespace {

// Asserts that `env` is rejected with a message naming `var`.
void ExpectRejected(const EnvMap& env, const std::string& var) {
  auto c = ParseConfig(env);
  ASSERT_FALSE(c.has_value()) << "expected " << var << " to be rejected";
  EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(c.error().message.find(var), std::string::npos) << c.error().message;
}

TEST(ConfigTest, Defaults) {
  ASSERT_OK_AND_ASSIGN(Config c, ParseConfig({}));
  EXPECT_TRUE(c.enable_ipv4);
  EXPECT_FALSE(c.enable_ipv6);
  EXPECT_FALSE(c.enable_prefix_delegation);
  EXPECT_EQ(c.warm_eni_target, 1);
  EXPECT_EQ(c.warm_ip_target, 0);
  EXPECT_EQ(c.minimum_ip_target, 0);
  EXPECT_EQ(c.warm_prefix_target, 1);
  EXPECT_EQ(c.max_eni, -1);
  EXPECT_EQ(c.ip_cooldown_period_s, 30);
  EXPECT_TRUE(c.enable_subnet_discovery);
  EXPECT_TRUE(c.manage_untagged_eni);
  EXPECT_EQ(c.backing_store, "/var/run/aws-node/ipam.json");
  EXPECT_EQ(c.introspection_bind_address, "127.0.0.1:61679");
  EXPECT_EQ(c.randomize_snat, RandomizeSnat::kPrng);
  EXPECT_EQ(c.connmark, 0x80u);
  EXPECT_EQ(c.eni_mtu, 9001);
  EXPECT_EQ(c.veth_prefix, "eni");
  EXPECT_TRUE(c.node_port_support);
  EXPECT_FALSE(c.external_snat);
  EXPECT_EQ(c.eni_config_label_def, "k8s.amazonaws.com/eniConfig");
  EXPECT_FALSE(c.WarmIpTargetsDefined());
  EXPECT_TRUE(c.LeakedEniCleanupEnabled());
}

TEST(ConfigTest, GoParseBoolSpellings) {
  for (const char* t : {"1", "t", "T", "TRUE", "true", "True"}) {
    ASSERT_OK_AND_ASSIGN(Config c, ParseConfig({{"AWS_VPC_K8S_CNI_EXTERNALSNAT", t}}));
    EXPECT_TRUE(c.external_snat) << t;
  }
  for (const char* f : {"0", "f", "F", "FALSE", "false", "False"}) {
    ASSERT_OK_AND_ASSIGN(Config c, ParseConfig({{"ENABLE_SUBNET_DISCOVERY", f}}));
    EXPECT_FALSE(c.enable_subnet_discovery) << f;
  }
  ExpectRejected({{"ENABLE_SUBNET_DISCOVERY", "yes"}}, "ENABLE_SUBNET_DISCOVERY");
  ExpectRejected({{"AWS_VPC_K8S_CNI_EXTERNALSNAT", "tRuE"}}, "AWS_VPC_K8S_CNI_EXTERNALSNAT");
}

TEST(ConfigTest, Targets) {
  ASSERT_OK_AND_ASSIGN(Config c, ParseConfig({{"WARM_IP_TARGET", "5"},
                                              {"MINIMUM_IP_TARGET", "10"},
                                              {"WARM_ENI_TARGET", "0"},
                                              {"MAX_ENI", "2"},
                                              {"IP_COOLDOWN_PERIOD", "0"}}));
  EXPECT_EQ(c.warm_ip_target, 5);
  EXPECT_EQ(c.minimum_ip_target, 10);
  EXPECT_EQ(c.warm_eni_target, 0);
  EXPECT_EQ(c.max_eni, 2);
  EXPECT_EQ(c.ip_cooldown_period_s, 0);
  EXPECT_TRUE(c.WarmIpTargetsDefined());
  ExpectRejected({{"WARM_IP_TARGET", "-1"}}, "WARM_IP_TARGET");
  ExpectRejected({{"WARM_ENI_TARGET", "abc"}}, "WARM_ENI_TARGET");
  ExpectRejected({{"IP_COOLDOWN_PERIOD", "-5"}}, "IP_COOLDOWN_PERIOD");
  ExpectRejected({{"MINIMUM_IP_TARGET", "1.5"}}, "MINIMUM_IP_TARGET");
}

TEST(ConfigTest, FamilyModes) {
  ExpectRejected({{"ENABLE_IPv4", "true"}, {"ENABLE_IPv6", "true"},
                  {"ENABLE_PREFIX_DELEGATION", "true"}},
                 "ENABLE_IPv4");
  ExpectRejected({{"ENABLE_IPv4", "false"}}, "ENABLE_IPv4");
  ExpectRejected({{"ENABLE_IPv6", "true"}}, "ENABLE_PREFIX_DELEGATION");
  ExpectRejected({{"ENABLE_IPv6", "true"}, {"ENABLE_PREFIX_DELEGATION", "true"},
                  {"AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG", "true"}},
                 "AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG");
  ASSERT_OK_AND_ASSIGN(Config v6, ParseConfig({{"ENABLE_IPv6", "true"},
                                               {"ENABLE_PREFIX_DELEGATION", "true"}}));
  EXPECT_TRUE(v6.enable_ipv6);
  EXPECT_FALSE(v6.enable_ipv4);
  EXPECT_FALSE(v6.LeakedEniCleanupEnabled());
}

TEST(ConfigTest, PrefixDelegationNeedsATarget) {
  ExpectRejected({{"ENABLE_PREFIX_DELEGATION", "true"}, {"WARM_PREFIX_TARGET", "0"}},
                 "WARM_PREFIX_TARGET");
  EXPECT_OK(ParseConfig({{"ENABLE_PREFIX_DELEGATION", "true"}, {"WARM_PREFIX_TARGET", "0"},
                         {"WARM_IP_TARGET", "3"}}));
  EXPECT_OK(ParseConfig({{"ENABLE_PREFIX_DELEGATION", "true"}}));
  EXPECT_OK(ParseConfig({{"WARM_PREFIX_TARGET", "0"}}));  // PD off: irrelevant
}

TEST(ConfigTest, Enums) {
  ASSERT_OK_AND_ASSIGN(Config a, ParseConfig({{"AWS_VPC_K8S_CNI_RANDOMIZESNAT", "hashrandom"}}));
  EXPECT_EQ(a.randomize_snat, RandomizeSnat::kHashRandom);
  ASSERT_OK_AND_ASSIGN(Config b, ParseConfig({{"AWS_VPC_K8S_CNI_RANDOMIZESNAT", "none"}}));
  EXPECT_EQ(b.randomize_snat, RandomizeSnat::kNone);
  ExpectRejected({{"AWS_VPC_K8S_CNI_RANDOMIZESNAT", "fully"}}, "AWS_VPC_K8S_CNI_RANDOMIZESNAT");
  ExpectRejected({{"POD_SECURITY_GROUP_ENFORCING_MODE", "loose"}},
                 "POD_SECURITY_GROUP_ENFORCING_MODE");
  ExpectRejected({{"NETWORK_POLICY_ENFORCING_MODE", "on"}}, "NETWORK_POLICY_ENFORCING_MODE");
  ExpectRejected({{"AWS_VPC_K8S_CNI_LOGLEVEL", "verbose"}}, "AWS_VPC_K8S_CNI_LOGLEVEL");
  ASSERT_OK_AND_ASSIGN(Config c, ParseConfig({{"AWS_VPC_K8S_CNI_LOGLEVEL", "FATAL"}}));
  EXPECT_EQ(c.log_level, log::Level::kError);
}

TEST(ConfigTest, NetworkSettings) {
  ASSERT_OK_AND_ASSIGN(Config c,
                       ParseConfig({{"AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS", "10.1.0.0/16, 192.168.0.0/24"},
                                    {"AWS_VPC_K8S_CNI_CONNMARK", "0x100"},
                                    {"AWS_VPC_ENI_MTU", "1500"},
                                    {"AWS_VPC_K8S_CNI_VETHPREFIX", "abc"}}));
  ASSERT_EQ(c.exclude_snat_cidrs.size(), 2u);
  EXPECT_EQ(c.exclude_snat_cidrs[1].ToString(), "192.168.0.0/24");
  EXPECT_EQ(c.connmark, 0x100u);
  EXPECT_EQ(c.eni_mtu, 1500);
  ExpectRejected({{"AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS", "10.1.0.0/16,nope"}},
                 "AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS");
  ExpectRejected({{"AWS_VPC_ENI_MTU", "575"}}, "AWS_VPC_ENI_MTU");
  ExpectRejected({{"AWS_VPC_ENI_MTU", "9002"}}, "AWS_VPC_ENI_MTU");
  ExpectRejected({{"ENABLE_IPv6", "true"}, {"ENABLE_PREFIX_DELEGATION", "true"},
                  {"AWS_VPC_ENI_MTU", "1000"}},
                 "AWS_VPC_ENI_MTU");
  ExpectRejected({{"AWS_VPC_K8S_CNI_VETHPREFIX", "vlan"}}, "AWS_VPC_K8S_CNI_VETHPREFIX");
  ExpectRejected({{"AWS_VPC_K8S_CNI_VETHPREFIX", "toolong"}}, "AWS_VPC_K8S_CNI_VETHPREFIX");
  ExpectRejected({{"AWS_VPC_K8S_CNI_CONNMARK", "0"}}, "AWS_VPC_K8S_CNI_CONNMARK");
  ExpectRejected({{"AWS_VPC_K8S_CNI_CONNMARK", "0x1ffffffff"}}, "AWS_VPC_K8S_CNI_CONNMARK");
}

TEST(ConfigTest, AdditionalTags) {
  ASSERT_OK_AND_ASSIGN(
      Config c, ParseConfig({{"ADDITIONAL_ENI_TAGS",
                              R"({"team":"net","node.k8s.amazonaws.com/x":"dropped"})"}}));
  EXPECT_EQ(c.additional_eni_tags.size(), 1u);
  EXPECT_EQ(c.additional_eni_tags.at("team"), "net");
  ExpectRejected({{"ADDITIONAL_ENI_TAGS", "{not json"}}, "ADDITIONAL_ENI_TAGS");
  ExpectRejected({{"ADDITIONAL_ENI_TAGS", R"({"a":1})"}}, "ADDITIONAL_ENI_TAGS");
}

TEST(ConfigTest, EnvSettingsRendering) {
  ASSERT_OK_AND_ASSIGN(Config c, ParseConfig({{"WARM_IP_TARGET", "3"},
                                              {"AWS_VPC_K8S_CNI_RANDOMIZESNAT", "hashrandom"}}));
  auto ipamd = c.IpamdEnvSettings();
  EXPECT_EQ(ipamd["WARM_IP_TARGET"], "3");
  EXPECT_EQ(ipamd["WARM_ENI_TARGET"], "1");
  EXPECT_EQ(ipamd["AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG"], "false");
  EXPECT_EQ(ipamd["ENABLE_SUBNET_DISCOVERY"], "true");
  auto nu = c.NetworkUtilsEnvSettings();
  EXPECT_EQ(nu["AWS_VPC_K8S_CNI_CONNMARK"], 128);
  EXPECT_EQ(nu["AWS_VPC_K8S_CNI_RANDOMIZESNAT"], 1);
  EXPECT_EQ(nu["AWS_VPC_ENI_MTU"], 9001);
  EXPECT_EQ(nu["AWS_VPC_K8S_CNI_EXTERNALSNAT"], false);
}

TEST(DurationTest, Parse) {
  ASSERT_OK_AND_ASSIGN(Duration a, ParseDuration("200ms"));
  EXPECT_EQ(a, std::chrono::milliseconds(200));
  ASSERT_OK_AND_ASSIGN(Duration b, ParseDuration("5s"));
  EXPECT_EQ(b, std::chrono::seconds(5));
  ASSERT_OK_AND_ASSIGN(Duration c, ParseDuration("2m"));
  EXPECT_EQ(c, std::chrono::minutes(2));
  ASSERT_OK_AND_ASSIGN(Duration d, ParseDuration("7"));
  EXPECT_EQ(d, std::chrono::seconds(7));
  EXPECT_ERROR_CODE(ParseDuration("fast"), ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(ParseDuration("5 days"), ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(ParseDuration("-1s"), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vpccni::ipamd
