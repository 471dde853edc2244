#include "cni/spec.h"

#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cni/errors.h"
#include "testing/result_matchers.h"

namespace vpccni::cni {
namespace {

using Env = std::map<std::string, std::string>;

Result<CniEnv> Parse(const Env& env) {
  return ParseEnv([&](const char* k) -> const char* {
    auto it = env.find(k);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

int CodeOf(const Result<CniEnv>& r) { return r.has_value() ? 0 : CniCodeOf(r.error()); }

TEST(SpecTest, EnvPerVerb) {
  ASSERT_OK_AND_ASSIGN(CniEnv add, Parse({{"CNI_COMMAND", "ADD"},
                                          {"CNI_CONTAINERID", "abc-1.x_y"},
                                          {"CNI_NETNS", "/var/run/netns/a"},
                                          {"CNI_IFNAME", "eth0"},
                                          {"CNI_PATH", "/opt/cni/bin"}}));
  EXPECT_EQ(add.command, Command::kAdd);
  EXPECT_EQ(add.container_id, "abc-1.x_y");
  // DEL without a netns is fine.
  ASSERT_OK_AND_ASSIGN(CniEnv del, Parse({{"CNI_COMMAND", "DEL"},
                                          {"CNI_CONTAINERID", "abc"},
                                          {"CNI_IFNAME", "eth0"}}));
  EXPECT_TRUE(del.netns.empty());
  for (const char* verb : {"VERSION", "GC", "STATUS"}) {
    EXPECT_OK(Parse({{"CNI_COMMAND", verb}}));
  }
}

TEST(SpecTest, EnvErrorsAreCode4AndNameTheVariable) {
  auto none = Parse({});
  EXPECT_EQ(CodeOf(none), 4);
  EXPECT_NE(none.error().message.find("CNI_COMMAND"), std::string::npos);
  auto bogus = Parse({{"CNI_COMMAND", "FROB"}});
  EXPECT_EQ(CodeOf(bogus), 4);
  auto add = Parse({{"CNI_COMMAND", "ADD"}, {"CNI_CONTAINERID", "a"}});
  EXPECT_EQ(CodeOf(add), 4);
  EXPECT_NE(add.error().message.find("CNI_NETNS"), std::string::npos);
  EXPECT_NE(add.error().message.find("CNI_IFNAME"), std::string::npos);
  EXPECT_EQ(CodeOf(Parse({{"CNI_COMMAND", "CHECK"},
                          {"CNI_CONTAINERID", "-x/y"},
                          {"CNI_NETNS", "/n"},
                          {"CNI_IFNAME", "eth0"}})),
            4);
  for (const char* bad : {"a/b", "has space", "waytoolonginterface", "..", "a:b"}) {
    EXPECT_EQ(CodeOf(Parse({{"CNI_COMMAND", "DEL"},
                            {"CNI_CONTAINERID", "c"},
                            {"CNI_IFNAME", bad}})),
              4)
        << bad;
  }
}

TEST(SpecTest, CniArgs) {
  ASSERT_OK_AND_ASSIGN(
      K8sArgs a,
      ParseCniArgs("IgnoreUnknown=1;K8S_POD_NAMESPACE=kube-system;K8S_POD_NAME=coredns-1;"
                   "K8S_POD_INFRA_CONTAINER_ID=abc;K8S_POD_UID=u-1;Other=x"));
  EXPECT_EQ(a.pod_namespace, "kube-system");
  EXPECT_EQ(a.pod_name, "coredns-1");
  EXPECT_EQ(a.infra_container_id, "abc");
  EXPECT_EQ(a.pod_uid, "u-1");
  EXPECT_OK(ParseCniArgs(""));
  auto unknown = ParseCniArgs("K8S_POD_NAME=p;Other=x");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(CniCodeOf(unknown.error()), 4);
  EXPECT_FALSE(ParseCniArgs("novalue").has_value());
  EXPECT_FALSE(ParseCniArgs("IgnoreUnknown=maybe").has_value());
}

TEST(SpecTest, Versions) {
  EXPECT_TRUE(IsSupportedVersion("1.0.0"));
  EXPECT_TRUE(IsSupportedVersion("0.3.1"));
  EXPECT_FALSE(IsSupportedVersion("0.2.0"));
  EXPECT_FALSE(IsSupportedVersion("2.0.0"));
  EXPECT_EQ(*CompareVersions("0.4.0", "1.0.0"), -1);
  EXPECT_EQ(*CompareVersions("1.1.0", "1.1"), 0);
  EXPECT_FALSE(CompareVersions("x.y", "1.0.0").has_value());
  auto j = nlohmann::json::parse(EncodeVersionReply("0.4.0"));
  EXPECT_EQ(j["cniVersion"], "0.4.0");
  EXPECT_EQ(j["supportedVersions"].size(), std::size(kSupportedVersions));
}

constexpr const char* kResult040 = R"({"cniVersion":"0.4.0",
  "interfaces":[{"name":"enib5faff8a083","mac":"aa:bb:cc:dd:ee:ff"},
                {"name":"eth0","mac":"2","sandbox":"/var/run/netns/x"},
                {"name":"dummyb5faff8a083","mac":"0","sandbox":"1"}],
  "ips":[{"version":"4","address":"10.0.1.5/32","interface":1}],
  "dns":{}})";

TEST(SpecTest, ResultAcrossVersions) {
  ASSERT_OK_AND_ASSIGN(CniResult r, ParseResult(kResult040));
  ASSERT_EQ(r.interfaces.size(), 3u);
  ASSERT_EQ(r.ips.size(), 1u);
  EXPECT_EQ(r.ips[0].address, "10.0.1.5/32");
  EXPECT_EQ(*r.ips[0].interface, 1);

  auto old = nlohmann::json::parse(EncodeResult(r, "0.3.1"));
  EXPECT_EQ(old["cniVersion"], "0.3.1");
  EXPECT_EQ(old["ips"][0]["version"], "4");
  auto v1 = nlohmann::json::parse(EncodeResult(r, "1.0.0"));
  EXPECT_EQ(v1["cniVersion"], "1.0.0");
  EXPECT_FALSE(v1["ips"][0].contains("version"));
  EXPECT_EQ(v1["interfaces"][1]["sandbox"], "/var/run/netns/x");

  r.interfaces[0].mtu = 9001;
  r.routes.push_back({"0.0.0.0/0", "169.254.1.1", 1500, std::nullopt, 10, std::nullopt,
                      std::nullopt});
  auto v11 = nlohmann::json::parse(EncodeResult(r, "1.1.0"));
  EXPECT_EQ(v11["interfaces"][0]["mtu"], 9001);
  EXPECT_EQ(v11["routes"][0]["priority"], 10);
  auto v10 = nlohmann::json::parse(EncodeResult(r, "1.0.0"));
  EXPECT_FALSE(v10["interfaces"][0].contains("mtu"));
  EXPECT_FALSE(v10["routes"][0].contains("priority"));
  // Round trip through the newest encoding.
  ASSERT_OK_AND_ASSIGN(CniResult back, ParseResult(EncodeResult(r, "1.1.0")));
  back.cni_version = r.cni_version;
  EXPECT_EQ(back, r);
}

TEST(SpecTest, BadResults) {
  EXPECT_EQ(CniCodeOf(ParseResult("{").error()), 6);
  EXPECT_EQ(CniCodeOf(ParseResult(R"({"ips":{}})").error()), 6);
  EXPECT_EQ(CniCodeOf(ParseResult(R"({"ips":[{"address":"10.0.0.1/32","interface":3}]})").error()),
            7);
  EXPECT_EQ(CniCodeOf(ParseResult(R"({"ips":[{"gateway":"1.1.1.1"}]})").error()), 6);
}

TEST(SpecTest, ErrorObject) {
  Error e = CniError(kCodeTryAgainLater, "ipamd unreachable");
  e.AddContext("ipamd AddNetwork");
  auto j = nlohmann::json::parse(EncodeError("1.0.0", e));
  EXPECT_EQ(j["cniVersion"], "1.0.0");
  EXPECT_EQ(j["code"], 11);
  EXPECT_EQ(j["msg"], "ipamd AddNetwork: ipamd unreachable");
  EXPECT_EQ(CniCodeOf(MakeError(ErrorCode::kUnavailable, "x")), 11);
  EXPECT_EQ(CniCodeOf(MakeError(ErrorCode::kInternal, "x")), 100);
  EXPECT_EQ(CniCodeOf(TagCni(CniError(4, "a"), 102)), 4);
}

}  // namespace
}  // namespace vpccni::cni
