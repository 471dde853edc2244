#include "cni/config.h"

#include <gtest/gtest.h>

#include "cni/errors.h"
#include "testing/result_matchers.h"

namespace vpccni::cni {
namespace {

int Code(std::string_view json, Command c = Command::kAdd) {
  auto r = ParseNetConf(json, c);
  return r.has_value() ? 0 : CniCodeOf(r.error());
}

TEST(ConfigTest, UpstreamShapedConfig) {
  ASSERT_OK_AND_ASSIGN(NetConf c, ParseNetConf(R"({
    "cniVersion":"0.4.0","name":"aws-cni","type":"vpc-cni","vethPrefix":"eni","mtu":"9001",
    "podSGEnforcingMode":"standard","pluginLogFile":"/var/log/aws-routed-eni/plugin.log",
    "pluginLogLevel":"DEBUG","capabilities":{"io.kubernetes.cri.pod-annotations":true},
    "ipamdSocket":"/run/x.sock","unknownKey":{"kept":"ignored"},
    "runtimeConfig":{"io.kubernetes.cri.pod-annotations":{"a":"b"}}})",
                                               Command::kAdd));
  EXPECT_EQ(c.cni_version, "0.4.0");
  EXPECT_EQ(c.name, "aws-cni");
  EXPECT_EQ(c.mtu, 9001u);
  EXPECT_EQ(c.pod_sg_enforcing_mode, "standard");
  EXPECT_EQ(c.plugin_log_level, log::Level::kDebug);
  EXPECT_EQ(c.ipamd_socket, "/run/x.sock");
  EXPECT_TRUE(c.capabilities.at("io.kubernetes.cri.pod-annotations"));
  EXPECT_NE(c.runtime_config_json.find("pod-annotations"), std::string::npos);
  EXPECT_FALSE(c.prev_result.has_value());
}

TEST(ConfigTest, Defaults) {
  ASSERT_OK_AND_ASSIGN(NetConf c,
                       ParseNetConf(R"({"cniVersion":"1.0.0","name":"n","type":"vpc-cni"})",
                                    Command::kAdd));
  EXPECT_EQ(c.veth_prefix, "eni");
  EXPECT_EQ(c.mtu, 9001u);
  EXPECT_EQ(c.pod_sg_enforcing_mode, "strict");
  EXPECT_TRUE(c.ipamd_socket.empty());
}

TEST(ConfigTest, PrevResultAndAttachments) {
  ASSERT_OK_AND_ASSIGN(NetConf c, ParseNetConf(R"({"cniVersion":"1.1.0","name":"n",
    "prevResult":{"cniVersion":"1.1.0","interfaces":[{"name":"eth0","sandbox":"/n"}],
                  "ips":[{"address":"10.0.0.2/32","interface":0}]},
    "cni.dev/attachments":[{"containerID":"c1","ifname":"eth0"}]})",
                                               Command::kGc));
  ASSERT_TRUE(c.prev_result.has_value());
  EXPECT_EQ(c.prev_result->ips.at(0).address, "10.0.0.2/32");
  ASSERT_EQ(c.valid_attachments.size(), 1u);
  EXPECT_EQ(c.valid_attachments[0].container_id, "c1");
}

TEST(ConfigTest, Errors) {
  EXPECT_EQ(Code(""), 6);
  EXPECT_EQ(Code("{bad"), 6);
  EXPECT_EQ(Code("[1]"), 6);
  EXPECT_EQ(Code(R"({"name":"n"})"), 7);
  EXPECT_EQ(Code(R"({"cniVersion":"0.2.0","name":"n"})"), 1);
  EXPECT_EQ(Code(R"({"cniVersion":"1.0.0"})"), 7);
  EXPECT_EQ(Code(R"({"cniVersion":"1.0.0","name":"n","vethPrefix":"toolong"})"), 7);
  EXPECT_EQ(Code(R"({"cniVersion":"1.0.0","name":"n","mtu":100})"), 7);
  EXPECT_EQ(Code(R"({"cniVersion":"1.0.0","name":"n","mtu":"lots"})"), 7);
  EXPECT_EQ(Code(R"({"cniVersion":"1.0.0","name":"n","podSGEnforcingMode":"lax"})"), 7);
  EXPECT_EQ(Code(R"({"cniVersion":"1.0.0","name":"n","pluginLogLevel":"loud"})"), 7);
  EXPECT_EQ(Code(R"({"cniVersion":"1.0.0","name":5})"), 7);
  EXPECT_EQ(Code(R"({"cniVersion":"1.0.0","name":"n","capabilities":{"x":1}})"), 7);
  EXPECT_EQ(Code(R"({"cniVersion":"1.0.0","name":"n","prevResult":{"ips":"x"}})"), 6);
  // VERSION needs only an object.
  EXPECT_EQ(Code(R"({"cniVersion":"9.9.9"})", Command::kVersion), 0);
  EXPECT_EQ(Code(R"({"cniVersion":5})", Command::kVersion), 7);
}

}  // namespace
}  // namespace vpccni::cni
