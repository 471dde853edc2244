#include "cloud/imds_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cloud/fake_http_client.h"
#include "cloud/imds_parsers.h"
#include "testing/fake_clock.h"
#include "testing/result_matchers.h"

namespace vpccni::cloud {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::FakeHttpClient;
using testing::Reply;

// An in-memory IMDSv2: token flow with TTL, paths from a map, 404 otherwise.
class FakeImds {
 public:
  std::map<std::string, std::string> paths;
  int token_puts = 0;
  int gets = 0;
  bool require_token = true;
  std::string current_token = "tok-1";
  int fail_next = 0;  // answer this many requests with 503

  Result<HttpResponse> Handle(const HttpRequest& req) {
    if (fail_next > 0) {
      --fail_next;
      return Reply(503, "busy");
    }
    auto url = ParseUrl(req.url);
    if (!url.has_value()) {
      return Reply(400, "");
    }
    if (url->path == "/latest/api/token") {
      if (req.method != "PUT") {
        return Reply(405, "");
      }
      bool has_ttl = false;
      for (const auto& [k, v] : req.headers) {
        has_ttl |= k == "X-aws-ec2-metadata-token-ttl-seconds" && v == "21600";
      }
      if (!has_ttl) {
        return Reply(400, "missing ttl");
      }
      ++token_puts;
      current_token = fmt::format("tok-{}", token_puts);
      return Reply(200, current_token, {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}});
    }
    ++gets;
    if (require_token) {
      std::string tok;
      for (const auto& [k, v] : req.headers) {
        if (k == "X-aws-ec2-metadata-token") {
          tok = v;
        }
      }
      if (tok != current_token) {
        return Reply(401, "");
      }
    }
    std::string p = url->path.substr(std::string("/latest/meta-data/").size());
    auto it = paths.find(p);
    if (it == paths.end()) {
      return Reply(404, "<html>404 - Not Found</html>");
    }
    return Reply(200, it->second);
  }
};

class ImdsClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http_.SetHandler([this](const HttpRequest& r) { return imds_.Handle(r); });
    const std::string m1 = "network/interfaces/macs/02:00:00:00:00:01/";
    const std::string m2 = "network/interfaces/macs/0a:00:00:00:00:02/";
    imds_.paths = {
        {"instance-id", "i-0123456789abcdef0"},
        {"instance-type", "m5.large"},
        {"local-ipv4", "10.0.0.10"},
        {"mac", "02:00:00:00:00:01"},
        {"placement/availability-zone", "us-west-2a"},
        {"network/interfaces/macs/", "0a:00:00:00:00:02/\n02:00:00:00:00:01/"},
        {m1 + "interface-id", "eni-0aaa"},
        {m1 + "device-number", "3"},  // forced to 0 for the primary
        {m1 + "subnet-id", "subnet-1"},
        {m1 + "vpc-id", "vpc-1"},
        {m1 + "subnet-ipv4-cidr-block", "10.0.0.0/24"},
        {m1 + "vpc-ipv4-cidr-blocks", "10.0.0.0/16\n100.64.0.0/16\n"},
        {m1 + "local-ipv4s", "10.0.0.10\n10.0.0.11\n10.0.0.12"},
        {m1 + "security-group-ids", "sg-1\nsg-2"},
        {m2 + "interface-id", "eni-0bbb"},
        {m2 + "device-number", "1"},
        {m2 + "network-card", "0"},
        {m2 + "subnet-id", "subnet-2"},
        {m2 + "local-ipv4s", "10.0.1.5"},
        {m2 + "ipv4-prefix", "10.0.1.16/28\n10.0.1.32/28"},
        {m2 + "ipv6s", "2600:1f14::5"},
        {m2 + "ipv6-prefix", "2600:1f14:0:1::/80"},
        {m2 + "subnet-ipv6-cidr-blocks", "2600:1f14::/64"},
    };
  }

  vpccni::testing::FakeClock clock_;
  SeededRng rng_{3};
  FakeImds imds_;
  FakeHttpClient http_;
  ImdsClient client_{http_, clock_, rng_, ImdsOptions{"http://169.254.169.254/"}};
};

TEST_F(ImdsClientTest, IdentityValues) {
  ASSERT_OK_AND_ASSIGN(std::string id, client_.InstanceId());
  EXPECT_EQ(id, "i-0123456789abcdef0");
  ASSERT_OK_AND_ASSIGN(std::string type, client_.InstanceType());
  EXPECT_EQ(type, "m5.large");
  ASSERT_OK_AND_ASSIGN(net::Ipv4Address ip, client_.LocalIpv4());
  EXPECT_EQ(ip.ToString(), "10.0.0.10");
  ASSERT_OK_AND_ASSIGN(std::string region, client_.Region());
  EXPECT_EQ(region, "us-west-2");
  ASSERT_OK_AND_ASSIGN(std::optional<net::Ipv6Address> v6, client_.Ipv6());
  EXPECT_FALSE(v6.has_value());
  // One token served every request.
  EXPECT_EQ(imds_.token_puts, 1);
  EXPECT_EQ(http_.Requests()[0].url, "http://169.254.169.254/latest/api/token");
}

TEST_F(ImdsClientTest, EnisPrimaryFirstWithAllFields) {
  ASSERT_OK_AND_ASSIGN(std::vector<ImdsEni> enis, client_.GetEnis());
  ASSERT_EQ(enis.size(), 2U);
  const ImdsEni& p = enis[0];
  EXPECT_TRUE(p.primary);
  EXPECT_EQ(p.interface_id, "eni-0aaa");
  EXPECT_EQ(p.device_number, 0);
  EXPECT_EQ(p.subnet_ipv4_cidr->ToString(), "10.0.0.0/24");
  EXPECT_EQ(p.vpc_ipv4_cidrs.size(), 2U);
  EXPECT_EQ(p.local_ipv4s.size(), 3U);
  EXPECT_EQ(p.local_ipv4s[0].ToString(), "10.0.0.10");
  EXPECT_THAT(p.security_group_ids, ElementsAre("sg-1", "sg-2"));
  EXPECT_TRUE(p.ipv4_prefixes.empty());
  const ImdsEni& s = enis[1];
  EXPECT_FALSE(s.primary);
  EXPECT_EQ(s.device_number, 1);
  EXPECT_EQ(s.ipv4_prefixes.size(), 2U);
  EXPECT_EQ(s.ipv6s.size(), 1U);
  EXPECT_EQ(s.ipv6_prefixes[0].ToString(), "2600:1f14:0:1::/80");
  EXPECT_EQ(s.subnet_ipv6_cidrs.size(), 1U);
  EXPECT_FALSE(s.subnet_ipv4_cidr.has_value());
  EXPECT_TRUE(s.vpc_id.empty());
}

TEST_F(ImdsClientTest, TokenRefreshedBeforeTtlAndOn401) {
  ASSERT_OK(client_.InstanceId());
  EXPECT_EQ(imds_.token_puts, 1);
  clock_.Advance(std::chrono::hours(5));
  ASSERT_OK(client_.InstanceId());
  EXPECT_EQ(imds_.token_puts, 1);
  clock_.Advance(std::chrono::minutes(59) + std::chrono::seconds(30));  // within the last minute
  ASSERT_OK(client_.InstanceId());
  EXPECT_EQ(imds_.token_puts, 2);
  // IMDS forgets the token (e.g. restarted): 401 -> one fresh token -> success.
  imds_.current_token = "rotated";
  ASSERT_OK(client_.InstanceId());
  EXPECT_EQ(imds_.token_puts, 3);
}

TEST_F(ImdsClientTest, RetriesTransientFailures) {
  imds_.fail_next = 2;
  ASSERT_OK(client_.InstanceType());
}

TEST_F(ImdsClientTest, UnreachableIsAClearError) {
  http_.SetHandler([](const HttpRequest&) -> Result<HttpResponse> {
    return MakeError(ErrorCode::kUnavailable, "Connection refused");
  });
  auto r = client_.InstanceId();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(r.error().message, HasSubstr("IMDS at http://169.254.169.254 unreachable"));
  EXPECT_EQ(http_.Count(), 4U);  // max_attempts
}

TEST_F(ImdsClientTest, NonsenseIsAClearError) {
  imds_.paths["local-ipv4"] = "<html>captive portal</html>";
  auto r = client_.LocalIpv4();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kDataLoss);
  EXPECT_EQ(r.error().reason, "MalformedImdsReply");
  EXPECT_THAT(r.error().message, HasSubstr("local-ipv4"));
  imds_.paths["network/interfaces/macs/"] = "not-a-mac/";
  EXPECT_ERROR_CODE(client_.Macs(), ErrorCode::kDataLoss);
}

TEST_F(ImdsClientTest, MissingRequiredPathIsNotFound) {
  imds_.paths.erase("instance-type");
  EXPECT_ERROR_CODE(client_.InstanceType(), ErrorCode::kNotFound);
}

TEST_F(ImdsClientTest, ImdsV1OnlyServiceWorksWithoutToken) {
  imds_.require_token = false;
  http_.SetHandler([this](const HttpRequest& r) -> Result<HttpResponse> {
    if (r.url.find("/latest/api/token") != std::string::npos) {
      return Reply(404, "");
    }
    return imds_.Handle(r);
  });
  ASSERT_OK(client_.InstanceId());
  ASSERT_OK(client_.InstanceType());
  int puts = 0;
  for (const auto& r : http_.Requests()) {
    puts += r.method == "PUT" ? 1 : 0;
  }
  EXPECT_EQ(puts, 1);
}

TEST(ImdsParsers, Lists) {
  ASSERT_OK_AND_ASSIGN(auto macs, imds::ParseMacList("m", "02:00:00:00:00:01/\r\n0A:00:00:00:00:02"));
  ASSERT_EQ(macs.size(), 2U);
  EXPECT_EQ(macs[1].ToString(), "0a:00:00:00:00:02");
  EXPECT_ERROR_CODE(imds::ParseMacList("m", "02:00:00:00:00/"), ErrorCode::kDataLoss);
  ASSERT_OK_AND_ASSIGN(auto ips, imds::ParseIpv4List("p", "10.0.0.1\n\n10.0.0.2\n"));
  EXPECT_EQ(ips.size(), 2U);
  EXPECT_ERROR_CODE(imds::ParseIpv4List("p", "10.0.0.1\n10.0.0"), ErrorCode::kDataLoss);
  EXPECT_ERROR_CODE(imds::ParseIpv4CidrList("p", "10.0.0.0"), ErrorCode::kDataLoss);
  EXPECT_ERROR_CODE(imds::ParseIpv6CidrList("p", "2600::"), ErrorCode::kDataLoss);
  ASSERT_OK_AND_ASSIGN(auto sgs, imds::ParseResourceIdList("p", "sg-1\nsg-abc", "sg-"));
  EXPECT_EQ(sgs.size(), 2U);
  EXPECT_ERROR_CODE(imds::ParseResourceIdList("p", "sg-1\nvpc-2", "sg-"), ErrorCode::kDataLoss);
  EXPECT_ERROR_CODE(imds::ParseResourceId("p", "eni-ABC", "eni-"), ErrorCode::kDataLoss);
  EXPECT_ERROR_CODE(imds::ParseIndex("p", "-1"), ErrorCode::kDataLoss);
  EXPECT_ERROR_CODE(imds::ParseIndex("p", "1\n2"), ErrorCode::kDataLoss);
  ASSERT_OK_AND_ASSIGN(int idx, imds::ParseIndex("p", " 7\n"));
  EXPECT_EQ(idx, 7);
  EXPECT_ERROR_CODE(imds::ParseInstanceType("p", "m5"), ErrorCode::kDataLoss);
  EXPECT_ERROR_CODE(imds::ParseInstanceType("p", "m5.large extra"), ErrorCode::kDataLoss);
  EXPECT_THAT(imds::ParseListing("a\nb/\n\nc//"), ElementsAre("a", "b", "c"));
}

TEST(ImdsParsers, RegionFromZone) {
  for (const auto& [az, region] : std::vector<std::pair<std::string, std::string>>{
           {"us-west-2a", "us-west-2"},
           {"us-west-2-lax-1a", "us-west-2"},
           {"us-east-1-wl1-bos-wlz-1", "us-east-1"},
           {"us-gov-west-1b", "us-gov-west-1"},
           {"cn-north-1a", "cn-north-1"},
           {"ap-southeast-1c", "ap-southeast-1"}}) {
    ASSERT_OK_AND_ASSIGN(std::string r, imds::RegionFromAvailabilityZone(az));
    EXPECT_EQ(r, region) << az;
  }
  for (const char* bad : {"", "us", "1a", "us-1a", "us-west-", "US-WEST-2A"}) {
    SCOPED_TRACE(bad);
    EXPECT_ERROR_CODE(imds::RegionFromAvailabilityZone(bad), ErrorCode::kDataLoss);
  }
}

}  // namespace
}  // namespace vpccni::cloud
