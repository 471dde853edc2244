// Cross-checks our SigV4 signer against botocore's (an implementation no one here wrote) on EC2
// requests whose parameters carry special characters: spaces, '+', '/', '=', '~', '%', '&',
// unicode. Skipped when python3 with botocore is unavailable.
#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cloud/ec2_query_codec.h"
#include "cloud/sigv4.h"
#include "server_process.h"
#include "testing/result_matchers.h"
#include "testing/temp_dir.h"

namespace vpccni::cloud {
namespace {

struct Case {
  std::string host;
  std::string token;
  std::vector<std::string> values;
};

// Runs botocore_sign.py on a list of specs; returns {authorization, x-amz-date} per spec, or
// nullopt when botocore is missing.
std::optional<std::vector<std::pair<std::string, std::string>>> BotocoreSign(
    const nlohmann::json& specs, const std::string& python) {
  vpccni::testing::TempDir dir;
  std::string in = dir.File("spec.json");
  std::ofstream(in) << specs.dump();
  std::string script = std::string(VPCCNI_SOURCE_DIR) + "/tests/integration/cloud/botocore_sign.py";
  std::string cmd = python + " " + script + " < " + in;
  FILE* p = popen(cmd.c_str(), "r");  // NOLINT(cert-env33-c): test-only, fixed command
  if (p == nullptr) {
    return std::nullopt;
  }
  std::vector<std::string> lines;
  char buf[1024];
  while (fgets(buf, sizeof(buf), p) != nullptr) {
    std::string line(buf);
    while (!line.empty() && line.back() == '\n') {
      line.pop_back();
    }
    lines.push_back(line);
  }
  if (pclose(p) != 0 || lines.size() != 2 * specs.size()) {
    return std::nullopt;
  }
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 0; i + 1 < lines.size(); i += 2) {
    out.emplace_back(lines[i], lines[i + 1]);
  }
  return out;
}

TEST(SigV4Botocore, SpecialCharactersSignIdentically) {
  std::string python = testing::FindOnPath("python3");
  if (python.empty()) {
    GTEST_SKIP() << "python3 not found; cannot run botocore's signer";
  }
  const std::vector<Case> cases = {
      {"ec2.us-west-2.amazonaws.com", "", {"a b", "x+y", "p/q", "k=v", "t~ilde"}},
      {"127.0.0.1:5055", "FwoGZXIvYXdzE/session+token==", {"\xe2\x82\xac uro", "caf\xc3\xa9"}},
      {"[::1]:8080", "", {"100%", "a&b", "semi;colon", "*star", "quote'\"", "  lead/trail  "}},
  };
  ASSERT_OK_AND_ASSIGN(WallTime when, ParseAmzDate("20261126T055449Z"));
  nlohmann::json specs = nlohmann::json::array();
  std::vector<SigV4Request> requests;
  std::vector<std::string> ours;
  std::vector<AwsCredentials> creds;
  for (const Case& c : cases) {
    DescribeNetworkInterfacesRequest req;
    req.filters = {{"tag:Name with space+/=~", c.values}, {"description", {"aws-K8S-i-0123"}}};
    ASSERT_OK_AND_ASSIGN(codec::QueryParams params, codec::EncodeDescribeNetworkInterfaces(req));
    SigV4Request s;
    s.method = "POST";
    s.path = "/";
    s.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                 {"Host", c.host}};
    s.body = EncodeQueryString(params);
    creds.push_back(AwsCredentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                   c.token, std::nullopt, "static"});
    ASSERT_OK_AND_ASSIGN(std::string authz,
                         SignRequest(s, creds.back(), {"us-west-2", "ec2", when}));
    ours.push_back(authz);
    requests.push_back(s);
    specs.push_back(
        {{"method", "POST"},
         {"url", "https://" + c.host + "/"},
         {"headers", nlohmann::json::array({nlohmann::json::array(
                         {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"})})},
         {"body", s.body},
         {"region", "us-west-2"},
         {"service", "ec2"},
         {"access_key", creds.back().access_key_id},
         {"secret_key", creds.back().secret_access_key},
         {"token", c.token},
         {"amz_date", "20261126T055449Z"}});
  }
  auto theirs = BotocoreSign(specs, python);
  if (!theirs.has_value()) {
    GTEST_SKIP() << "botocore is not importable by " << python;
  }
  ASSERT_EQ(theirs->size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].host);
    EXPECT_EQ(ours[i], (*theirs)[i].first) << "body: " << requests[i].body;
    EXPECT_EQ((*theirs)[i].second, "20261126T055449Z");
    // And our verifier (the emulator's) accepts what botocore signed.
    SigV4Request verify = requests[i];
    verify.headers.emplace_back("Authorization", (*theirs)[i].first);
    EXPECT_OK(VerifyRequest(verify, creds[i].secret_access_key));
  }
}

}  // namespace
}  // namespace vpccni::cloud
