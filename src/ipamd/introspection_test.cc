#include "ipamd/introspection.h"
#include "ipamd/status_client.h"

#include <gtest/gtest.h>

#include "testing/result_matchers.h"

namespace vpccni::ipamd {
namespace {

using std::chrono::seconds;

TEST(GoTimeTest, Format) {
  EXPECT_EQ(GoTimeJson(std::nullopt), "0001-01-01T00:00:00Z");
  EXPECT_EQ(GoTimeJson(FromUnixNanos(1'800'000'000'000'000'000)), "2027-01-15T08:00:00Z");
  EXPECT_EQ(GoTimeJson(FromUnixNanos(1'800'000'000'120'000'000)), "2027-01-15T08:00:00.12Z");
}

TEST(IntrospectionTest, AvailableCommands) {
  auto j = AvailableCommandsJson();
  ASSERT_TRUE(j["AvailableCommands"].is_array());
  EXPECT_EQ(j["AvailableCommands"][0], "/v1/enis");
  EXPECT_EQ(j["AvailableCommands"].size(), 4u);
}

class RenderEnisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ipam::Datastore::Options opts;
    opts.cooldown = seconds(30);
    ds_ = std::make_unique<ipam::Datastore>(opts);
    ipam::EniSpec primary;
    primary.id = "eni-primary";
    primary.is_primary = true;
    primary.subnet_id = "subnet-1";
    ASSERT_OK(ds_->AddEni(primary, now_));
    ipam::EniSpec second;
    second.id = "eni-second";
    second.device_number = 1;
    second.subnet_id = "subnet-1";
    ASSERT_OK(ds_->AddEni(second, now_));
    for (const char* ip : {"10.0.1.5/32", "10.0.1.6/32"}) {
      ASSERT_OK(ds_->AddIpv4Cidr("eni-primary", *net::Ipv4Cidr::Parse(ip), false));
    }
    ASSERT_OK(ds_->AddIpv4Cidr("eni-second", *net::Ipv4Cidr::Parse("10.0.1.7/32"), false));
  }
  WallTime now_ = FromUnixNanos(1'800'000'000'000'000'000);
  std::unique_ptr<ipam::Datastore> ds_;
};

TEST_F(RenderEnisTest, ShapeScrubbedAndParsedBack) {
  ipam::IpamKey key{"aws-cni", "container-secret-id", "eth0"};
  ipam::PodMetadata meta{"kube-system", "coredns-1", 1};
  ASSERT_OK_AND_ASSIGN(auto a, ds_->Assign(key, meta, now_));
  ipam::IpamKey key2{"aws-cni", "c2", "eth0"};
  ASSERT_OK_AND_ASSIGN(auto b, ds_->Assign(key2, {}, now_));
  ASSERT_OK(ds_->Release(key2, now_ + seconds(1)));
  nlohmann::json card = RenderEnis(*ds_, now_ + seconds(2));
  std::string text = card.dump();
  EXPECT_EQ(text.find("container-secret-id"), std::string::npos);
  EXPECT_EQ(text.find("\"eth0\""), std::string::npos);
  EXPECT_EQ(card["TotalIPs"], 3);
  EXPECT_EQ(card["AssignedIPs"], 1);
  EXPECT_EQ(card["CoolingIPs"], 1);
  const auto& eni = card["ENIs"]["eni-primary"];
  EXPECT_EQ(eni["ID"], "eni-primary");
  EXPECT_EQ(eni["IsPrimary"], true);
  EXPECT_EQ(eni["RouteTableID"], 1);
  EXPECT_EQ(card["ENIs"]["eni-second"]["RouteTableID"], 2);
  const auto& cidr = eni["AvailableIPv4Cidrs"][a.address.ToString() + "/32"];
  EXPECT_EQ(cidr["Cidr"]["Mask"], "/////w==");
  EXPECT_EQ(cidr["IsPrefix"], false);
  EXPECT_EQ(cidr["AddressFamily"], "4");
  const auto& addr = cidr["IPAddresses"][a.address.ToString()];
  EXPECT_EQ(addr["IPAMKey"]["networkName"], "aws-cni");
  EXPECT_EQ(addr["IPAMKey"]["containerID"], "");
  EXPECT_EQ(addr["IPAMKey"]["ifName"], "");
  EXPECT_EQ(addr["IPAMMetadata"]["k8sPodName"], "coredns-1");
  EXPECT_EQ(addr["UnassignedTime"], "0001-01-01T00:00:00Z");

  nlohmann::json doc = {{"0", card}};
  ASSERT_OK_AND_ASSIGN(auto rows, ParseEnisStatus(doc));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].eni_id, "eni-primary");
  EXPECT_EQ(rows[0].secondary_ips, 2);
  EXPECT_EQ(rows[0].total, 2);
  EXPECT_EQ(rows[0].assigned + rows[0].cooling, 2);
  EXPECT_EQ(rows[0].free, 0);
  EXPECT_EQ(rows[1].device_number, 1);
  EXPECT_EQ(rows[1].free, 1);
}

TEST(ParseEnisStatusTest, RejectsBadShapes) {
  EXPECT_ERROR_CODE(ParseEnisStatus(nlohmann::json::array()), ErrorCode::kDataLoss);
  EXPECT_ERROR_CODE(ParseEnisStatus({{"0", 5}}), ErrorCode::kDataLoss);
  EXPECT_ERROR_CODE(ParseEnisStatus({{"x", {{"ENIs", nlohmann::json::object()}}}}),
                    ErrorCode::kDataLoss);
  EXPECT_ERROR_CODE(ParseEnisStatus({{"0", {{"ENIs", {{"eni-1", {{"DeviceNumber", 1}}}}}}}}),
                    ErrorCode::kDataLoss);
  EXPECT_ERROR_CODE(
      ParseEnisStatus({{"0", {{"ENIs", {{"eni-1", {{"ID", "eni-1"}, {"DeviceNumber", "x"}}}}}}}}),
      ErrorCode::kDataLoss);
}

}  // namespace
}  // namespace vpccni::ipamd
