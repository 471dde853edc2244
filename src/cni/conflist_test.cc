#include "cni/conflist.h"

#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "testing/result_matchers.h"

namespace vpccni::cni {
namespace {

using Env = std::map<std::string, std::string>;

Result<ConflistParams> FromEnv(const Env& env, std::string node_ip = "") {
  return ConflistParamsFromEnv(
      [&](const char* k) -> const char* {
        auto it = env.find(k);
        return it == env.end() ? nullptr : it->second.c_str();
      },
      std::move(node_ip));
}

// deploy/10-aws.conflist is the rendering of the defaults (IPv4 cluster, no v6 egress).
// Regenerate with VPCCNI_UPDATE_GOLDEN=1.
TEST(ConflistTest, DeployedFileIsTheDefaultRendering) {
  ASSERT_OK_AND_ASSIGN(ConflistParams p, FromEnv({}));
  std::string rendered = RenderConflist(p);
  std::string path = std::string(VPCCNI_SOURCE_DIR) + "/deploy/10-aws.conflist";
  if (std::getenv("VPCCNI_UPDATE_GOLDEN") != nullptr) {  // NOLINT
    std::ofstream(path) << rendered;
  }
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), rendered);
}

TEST(ConflistTest, Ipv6ClusterGetsV4Egress) {
  ASSERT_OK_AND_ASSIGN(ConflistParams p,
                       FromEnv({{"ENABLE_IPv6", "true"}, {"AWS_VPC_ENI_MTU", "1500"},
                                {"AWS_VPC_K8S_CNI_VETHPREFIX", "vx"}},
                               "10.0.0.10"));
  auto j = nlohmann::json::parse(RenderConflist(p));
  EXPECT_EQ(j["name"], "aws-cni");
  EXPECT_EQ(j["cniVersion"], "0.4.0");
  EXPECT_EQ(j["disableCheck"], true);
  ASSERT_EQ(j["plugins"].size(), 3u);
  EXPECT_EQ(j["plugins"][0]["type"], "vpc-cni");
  EXPECT_EQ(j["plugins"][0]["vethPrefix"], "vx");
  EXPECT_EQ(j["plugins"][0]["mtu"], "1500");
  const auto& eg = j["plugins"][1];
  EXPECT_EQ(eg["type"], "egress-cni");
  EXPECT_EQ(eg["enabled"], "true");
  EXPECT_EQ(eg["nodeIP"], "10.0.0.10");
  EXPECT_EQ(eg["ipam"]["ranges"][0][0]["subnet"], "169.254.172.0/22");
  EXPECT_EQ(eg["ipam"]["routes"][0]["dst"], "0.0.0.0/0");
  EXPECT_EQ(eg["ipam"]["dataDir"], "/run/cni/v6pd/egress-v4-ipam");
  EXPECT_EQ(j["plugins"][2]["type"], "portmap");
  EXPECT_EQ(j["plugins"][2]["capabilities"]["portMappings"], true);
}

TEST(ConflistTest, V6EgressNeedsNodeAddressAndOptionalPlugins) {
  ASSERT_OK_AND_ASSIGN(ConflistParams no_ip, FromEnv({{"ENABLE_V6_EGRESS", "true"}}));
  EXPECT_EQ(nlohmann::json::parse(RenderConflist(no_ip))["plugins"][1]["enabled"], "false");
  ASSERT_OK_AND_ASSIGN(ConflistParams p,
                       FromEnv({{"ENABLE_V6_EGRESS", "true"},
                                {"ENABLE_BANDWIDTH_PLUGIN", "true"},
                                {"DISABLE_POD_V6", "true"}},
                               "2600::1"));
  auto j = nlohmann::json::parse(RenderConflist(p));
  EXPECT_EQ(j["plugins"][1]["enabled"], "true");
  EXPECT_EQ(j["plugins"][1]["ipam"]["ranges"][0][0]["subnet"], "fd00::ac:00/118");
  ASSERT_EQ(j["plugins"].size(), 5u);
  EXPECT_EQ(j["plugins"][3]["type"], "bandwidth");
  EXPECT_EQ(j["plugins"][4]["type"], "tuning");
}

TEST(ConflistTest, BadEnvNamesTheVariable) {
  for (const Env& env : std::vector<Env>{{{"AWS_VPC_K8S_CNI_VETHPREFIX", "toolong"}},
                                         {{"AWS_VPC_K8S_CNI_VETHPREFIX", "eth"}},
                                         {{"AWS_VPC_ENI_MTU", "100"}},
                                         {{"ENABLE_IPv6", "maybe"}},
                                         {{"AWS_VPC_K8S_CNI_RANDOMIZESNAT", "x"}},
                                         {{"POD_SECURITY_GROUP_ENFORCING_MODE", "x"}}}) {
    auto r = FromEnv(env);
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().message.find(env.begin()->first), std::string::npos);
  }
}

}  // namespace
}  // namespace vpccni::cni
