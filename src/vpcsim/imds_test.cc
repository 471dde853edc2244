#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "testing/result_matchers.h"
#include "vpcsim/imds_handler.h"

namespace vpccni::vpcsim {
namespace {

class CountingTokens : public ImdsTokenSource {
 public:
  std::string NewToken() override { return "token-" + std::to_string(++n_); }

 private:
  int n_ = 0;
};

ImdsView TestView() {
  ImdsView v;
  v.instance_id = "i-0123456789abcdef0";
  v.instance_type = "m5.large";
  v.image_id = "ami-12345678";
  v.account_id = "123456789012";
  v.region = "us-west-2";
  v.availability_zone = "us-west-2a";
  v.availability_zone_id = "usw2-az1";
  v.local_ipv4 = *net::Ipv4Address::Parse("10.0.1.4");
  v.local_hostname = "ip-10-0-1-4.us-west-2.compute.internal";
  v.mac = *net::MacAddress::Parse("02:00:00:00:00:01");
  ImdsInterface primary;
  primary.mac = v.mac;
  primary.interface_id = "eni-0000000000000000a";
  primary.device_number = 0;
  primary.subnet_id = "subnet-1";
  primary.subnet_ipv4_cidr_block = *net::Ipv4Cidr::Parse("10.0.1.0/24");
  primary.vpc_id = "vpc-1";
  primary.vpc_ipv4_cidr_blocks = {*net::Ipv4Cidr::Parse("10.0.0.0/16"),
                                  *net::Ipv4Cidr::Parse("100.64.0.0/16")};
  primary.local_ipv4s = {v.local_ipv4, *net::Ipv4Address::Parse("10.0.1.5")};
  primary.security_group_ids = {"sg-1", "sg-2"};
  primary.owner_id = "123456789012";
  ImdsInterface second = primary;
  second.mac = *net::MacAddress::Parse("02:00:00:00:00:02");
  second.interface_id = "eni-0000000000000000b";
  second.device_number = 1;
  second.local_ipv4s = {*net::Ipv4Address::Parse("10.0.1.20")};
  second.ipv4_prefixes = {*net::Ipv4Cidr::Parse("10.0.1.32/28")};
  v.interfaces = {primary, second};
  return v;
}

struct Fixture : ::testing::Test {
  ImdsReply Get(const std::string& path, const std::string& token, WallTime now) {
    ImdsRequest r{"GET", path, {{"x-aws-ec2-metadata-token", token}}};
    return HandleImdsRequest(r, now, store, source, view);
  }

  std::string Token(WallTime now, const std::string& ttl = "60") {
    ImdsRequest r{"PUT", "/latest/api/token", {{"x-aws-ec2-metadata-token-ttl-seconds", ttl}}};
    ImdsReply reply = HandleImdsRequest(r, now, store, source, view);
    EXPECT_EQ(reply.status, 200);
    return reply.body;
  }

  ImdsTokenStore store;
  CountingTokens source;
  Result<ImdsView> view = TestView();
  WallTime t0 = WallTime{} + std::chrono::hours(1000);
};

TEST_F(Fixture, TokenFlowAndExpiry) {
  ImdsRequest no_ttl{"PUT", "/latest/api/token", {}};
  EXPECT_EQ(HandleImdsRequest(no_ttl, t0, store, source, view).status, 400);
  for (const char* bad : {"0", "21601", "abc", ""}) {
    ImdsRequest r{"PUT", "/latest/api/token", {{"x-aws-ec2-metadata-token-ttl-seconds", bad}}};
    EXPECT_EQ(HandleImdsRequest(r, t0, store, source, view).status, 400) << bad;
  }
  ImdsRequest get_token{"GET", "/latest/api/token", {}};
  EXPECT_EQ(HandleImdsRequest(get_token, t0, store, source, view).status, 405);

  EXPECT_EQ(Get("/latest/meta-data/instance-id", "", t0).status, 401);
  EXPECT_EQ(Get("/latest/meta-data/instance-id", "forged", t0).status, 401);
  std::string token = Token(t0, "60");
  ImdsReply ok = Get("/latest/meta-data/instance-id", token, t0);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "i-0123456789abcdef0");
  EXPECT_EQ(Get("/latest/meta-data/instance-id", token, t0 + std::chrono::seconds(59)).status, 200);
  EXPECT_EQ(Get("/latest/meta-data/instance-id", token, t0 + std::chrono::seconds(60)).status, 401);
}

TEST_F(Fixture, MetadataPathsTheCniReads) {
  std::string tok = Token(t0);
  EXPECT_EQ(Get("/latest/meta-data/mac", tok, t0).body, "02:00:00:00:00:01");
  EXPECT_EQ(Get("/latest/meta-data/local-ipv4", tok, t0).body, "10.0.1.4");
  EXPECT_EQ(Get("/latest/meta-data/placement/availability-zone", tok, t0).body, "us-west-2a");
  EXPECT_EQ(Get("/latest/meta-data/placement/region", tok, t0).body, "us-west-2");
  EXPECT_EQ(Get("/latest/meta-data/network/interfaces/macs/", tok, t0).body,
            "02:00:00:00:00:01/\n02:00:00:00:00:02/");
  const std::string m1 = "/latest/meta-data/network/interfaces/macs/02:00:00:00:00:01/";
  const std::string m2 = "/latest/meta-data/network/interfaces/macs/02:00:00:00:00:02/";
  EXPECT_EQ(Get(m1 + "local-ipv4s", tok, t0).body, "10.0.1.4\n10.0.1.5");
  EXPECT_EQ(Get(m1 + "device-number", tok, t0).body, "0");
  EXPECT_EQ(Get(m1 + "interface-id", tok, t0).body, "eni-0000000000000000a");
  EXPECT_EQ(Get(m1 + "vpc-ipv4-cidr-blocks", tok, t0).body, "10.0.0.0/16\n100.64.0.0/16");
  EXPECT_EQ(Get(m1 + "vpc-ipv4-cidr-block", tok, t0).body, "10.0.0.0/16");
  EXPECT_EQ(Get(m1 + "subnet-ipv4-cidr-block", tok, t0).body, "10.0.1.0/24");
  EXPECT_EQ(Get(m1 + "security-group-ids", tok, t0).body, "sg-1\nsg-2");
  EXPECT_EQ(Get(m1 + "network-card", tok, t0).body, "0");
  EXPECT_EQ(Get(m1 + "ipv4-prefix", tok, t0).status, 404);  // no prefixes on this ENI
  EXPECT_EQ(Get(m2 + "ipv4-prefix", tok, t0).body, "10.0.1.32/28");
  EXPECT_EQ(Get(m2 + "device-number", tok, t0).body, "1");
  EXPECT_EQ(Get(m1 + "ipv6s", tok, t0).status, 404);
  EXPECT_EQ(Get("/latest/meta-data/no-such-key", tok, t0).status, 404);
  ImdsReply listing = Get(m1, tok, t0);
  EXPECT_EQ(listing.status, 200);
  EXPECT_NE(listing.body.find("local-ipv4s\n"), std::string::npos);
  EXPECT_EQ(listing.body.find("ipv4-prefix"), std::string::npos);
  ImdsReply top = Get("/latest/meta-data/", tok, t0);
  EXPECT_NE(top.body.find("network/"), std::string::npos);
  EXPECT_NE(top.body.find("instance-id"), std::string::npos);
}

TEST_F(Fixture, IdentityDocument) {
  std::string tok = Token(t0);
  ImdsReply doc = Get("/latest/dynamic/instance-identity/document", tok, t0);
  ASSERT_EQ(doc.status, 200);
  auto j = nlohmann::json::parse(doc.body, nullptr, false);
  ASSERT_FALSE(j.is_discarded());
  EXPECT_EQ(j["region"], "us-west-2");
  EXPECT_EQ(j["instanceId"], "i-0123456789abcdef0");
  EXPECT_EQ(j["privateIp"], "10.0.1.4");
  EXPECT_EQ(j["accountId"], "123456789012");
}

TEST_F(Fixture, UnknownInstanceIs404) {
  std::string tok = Token(t0);
  view = MakeError(ErrorCode::kNotFound, "gone");
  EXPECT_EQ(Get("/latest/meta-data/instance-id", tok, t0).status, 404);
}

}  // namespace
}  // namespace vpccni::vpcsim
