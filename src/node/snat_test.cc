#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "node/snat.h"
#include "testing/result_matchers.h"

namespace vpccni::node {
namespace {

void ExpectGolden(const std::string& name, const std::string& actual) {
  std::string path = std::string(VPCCNI_SOURCE_DIR) + "/src/node/testdata/" + name;
  if (std::getenv("VPCCNI_UPDATE_GOLDEN") != nullptr) {  // NOLINT(concurrency-mt-unsafe)
    std::ofstream(path) << actual;
  }
  std::ifstream in(path);
  ASSERT_TRUE(in.good()) << "missing golden " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), actual);
}

SnatConfig BaseConfig() {
  SnatConfig c;
  c.node_ip = *net::Ipv4Address::Parse("10.0.0.10");
  c.vpc_cidrs = {*net::Ipv4Cidr::Parse("10.0.0.0/16"), *net::Ipv4Cidr::Parse("100.64.0.0/16")};
  c.exclude_cidrs = {*net::Ipv4Cidr::Parse("192.168.7.0/24")};
  return c;
}

TEST(SnatRenderTest, DefaultGolden) {
  ASSERT_OK_AND_ASSIGN(std::string s, RenderSnatScript(BaseConfig()));
  ExpectGolden("snat_default.nft", s);
}

TEST(SnatRenderTest, ExternalSnatGolden) {
  SnatConfig c = BaseConfig();
  c.external_snat = true;
  ASSERT_OK_AND_ASSIGN(std::string s, RenderSnatScript(c));
  ExpectGolden("snat_external.nft", s);
  EXPECT_EQ(s.find("snat to"), std::string::npos);
}

TEST(SnatRenderTest, RandomizationAndMark) {
  SnatConfig c = BaseConfig();
  c.randomize = SnatRandomization::kHashRandom;
  c.connmark = 0x100;
  c.veth_prefix = "abc";
  c.node_port_support = false;
  ASSERT_OK_AND_ASSIGN(std::string s, RenderSnatScript(c));
  EXPECT_NE(s.find("snat to 10.0.0.10 random comment"), std::string::npos) << s;
  EXPECT_EQ(s.find("fully-random"), std::string::npos);
  EXPECT_NE(s.find("ct mark set ct mark | 0x100"), std::string::npos);
  EXPECT_NE(s.find("iifname \"abc*\" jump snat-mark"), std::string::npos);
  EXPECT_EQ(s.find("vlan*\" ct mark"), std::string::npos);  // no node-port rules
  c.randomize = SnatRandomization::kNone;
  ASSERT_OK_AND_ASSIGN(std::string n, RenderSnatScript(c));
  EXPECT_NE(n.find("snat to 10.0.0.10 comment"), std::string::npos) << n;
}

TEST(SnatRenderTest, RejectsUnsafeNames) {
  SnatConfig c = BaseConfig();
  c.veth_prefix = "a\"b";
  EXPECT_ERROR_CODE(RenderSnatScript(c), ErrorCode::kInvalidArgument);
  c = BaseConfig();
  c.primary_ifname = "";
  EXPECT_ERROR_CODE(RenderSnatScript(c), ErrorCode::kInvalidArgument);
  c = BaseConfig();
  c.connmark = 0;
  EXPECT_ERROR_CODE(RenderSnatScript(c), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vpccni::node
