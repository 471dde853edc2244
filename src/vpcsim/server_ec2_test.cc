#include "vpcsim/server_ec2.h"

#include <regex>

#include <gtest/gtest.h>

#include "testing/result_matchers.h"

namespace vpccni::vpcsim {
namespace {

// Returns the text of the first <tag>…</tag> in xml ("" when absent).
std::string First(const std::string& xml, const std::string& tag) {
  std::string open = "<" + tag + ">";
  size_t a = xml.find(open);
  if (a == std::string::npos) {
    return "";
  }
  a += open.size();
  size_t b = xml.find("</" + tag + ">", a);
  return b == std::string::npos ? "" : xml.substr(a, b - a);
}

int Count(const std::string& xml, const std::string& tag) {
  int n = 0;
  for (size_t p = xml.find("<" + tag + ">"); p != std::string::npos;
       p = xml.find("<" + tag + ">", p + 1)) {
    ++n;
  }
  return n;
}

class Ec2HandlerTest : public ::testing::Test {
 protected:
  Ec2HandlerTest() : model_(Options(), now_) {}

  static VpcModel::Options Options() {
    VpcModel::Options o;
    o.region = "us-west-2";
    return o;
  }

  Ec2Reply Call(const std::string& body) {
    auto req = ParseEc2Request("", body);
    EXPECT_TRUE(req.has_value()) << body;
    now_ += std::chrono::milliseconds(1);
    return HandleEc2Action(model_, *req, now_, "req-1");
  }

  // Calls and expects success; returns the body.
  std::string Ok(const std::string& body) {
    Ec2Reply r = Call(body);
    EXPECT_EQ(r.http_status, 200) << body << "\n" << r.body;
    return r.body;
  }

  std::string Code(const std::string& body) {
    Ec2Reply r = Call(body);
    EXPECT_NE(r.http_status, 200) << body;
    return First(r.body, "Code");
  }

  WallTime now_ = WallTime{} + std::chrono::hours(24 * 365 * 56);
  VpcModel model_;
};

TEST_F(Ec2HandlerTest, VpcSubnetEniAssignFlow) {
  std::string vpc = Ok("Action=CreateVpc&Version=2016-11-15&CidrBlock=10.0.0.0%2F16");
  EXPECT_NE(vpc.find("xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\""), std::string::npos);
  EXPECT_EQ(First(vpc, "requestId"), "req-1");
  std::string vpc_id = First(vpc, "vpcId");
  ASSERT_FALSE(vpc_id.empty());
  std::string subnet = Ok("Action=CreateSubnet&Version=2016-11-15&VpcId=" + vpc_id +
                          "&CidrBlock=10.0.1.0%2F24&AvailabilityZone=us-west-2a");
  std::string subnet_id = First(subnet, "subnetId");
  EXPECT_EQ(First(subnet, "availableIpAddressCount"), "251");
  std::string eni = Ok("Action=CreateNetworkInterface&Version=2016-11-15&SubnetId=" + subnet_id +
                       "&Description=d&TagSpecification.1.ResourceType=network-interface&"
                       "TagSpecification.1.Tag.1.Key=k&TagSpecification.1.Tag.1.Value=v");
  std::string eni_id = First(eni, "networkInterfaceId");
  ASSERT_FALSE(eni_id.empty());
  EXPECT_EQ(First(eni, "status"), "available");
  std::string assign =
      Ok("Action=AssignPrivateIpAddresses&Version=2016-11-15&NetworkInterfaceId=" + eni_id +
         "&SecondaryPrivateIpAddressCount=2");
  EXPECT_EQ(Count(assign, "privateIpAddress"), 2);  // only the new ones
  std::string prefix =
      Ok("Action=AssignPrivateIpAddresses&Version=2016-11-15&NetworkInterfaceId=" + eni_id +
         "&Ipv4PrefixCount=1");
  std::string p = First(prefix, "ipv4Prefix");
  EXPECT_TRUE(std::regex_match(p, std::regex(R"(10\.0\.1\.\d+/28)"))) << p;
  std::string desc =
      Ok("Action=DescribeNetworkInterfaces&Version=2016-11-15&Filter.1.Name=tag%3Ak&"
         "Filter.1.Value.1=v");
  EXPECT_EQ(Count(desc, "privateIpAddress"), 1 + 3);  // top-level primary + 3 in the set
  EXPECT_EQ(First(desc, "ipv4Prefix"), p);
  std::string subnets = Ok("Action=DescribeSubnets&Version=2016-11-15&SubnetId.1=" + subnet_id);
  EXPECT_EQ(First(subnets, "availableIpAddressCount"), std::to_string(251 - 3 - 16));
  Ok("Action=UnassignPrivateIpAddresses&Version=2016-11-15&NetworkInterfaceId=" + eni_id +
     "&Ipv4Prefix.1=" + FormEncode(p));
  Ok("Action=DeleteNetworkInterface&Version=2016-11-15&NetworkInterfaceId=" + eni_id);
  EXPECT_EQ(Code("Action=DeleteNetworkInterface&Version=2016-11-15&NetworkInterfaceId=" + eni_id),
            "InvalidNetworkInterfaceID.NotFound");
}

TEST_F(Ec2HandlerTest, ProtocolErrors) {
  Ec2Reply unknown = Call("Action=FlyToTheMoon&Version=2016-11-15");
  EXPECT_EQ(unknown.http_status, 400);
  EXPECT_EQ(First(unknown.body, "Code"), "InvalidAction");
  EXPECT_EQ(First(unknown.body, "RequestID"), "req-1");
  EXPECT_EQ(Code("Action=CreateVpc&Version=2016-11-15"), "MissingParameter");
  EXPECT_EQ(Code("Action=AttachNetworkInterface&Version=2016-11-15&NetworkInterfaceId=eni-1&"
                 "InstanceId=i-1&DeviceIndex=x"),
            "InvalidParameterValue");
  EXPECT_EQ(Code("Action=DescribeVpcs&Version=2016-11-15&DryRun=true"), "DryRunOperation");
  EXPECT_EQ(Call("Action=DescribeVpcs&Version=2016-11-15&DryRun=true").http_status, 412);
  EXPECT_EQ(Code("Action=DescribeNetworkInterfaces&Version=2016-11-15&NetworkInterfaceId.1=bogus"),
            "InvalidNetworkInterfaceId.Malformed");
  EXPECT_EQ(Code("Action=CreateVpc&Version=2016-11-15&CidrBlock=10.0.0.0%2F16&"
                 "TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=a"),
            "InvalidParameterValue");
}

TEST_F(Ec2HandlerTest, InstancesAndTypes) {
  std::string vpc_id =
      First(Ok("Action=CreateVpc&Version=2016-11-15&CidrBlock=10.0.0.0%2F16"), "vpcId");
  std::string subnet_id = First(Ok("Action=CreateSubnet&Version=2016-11-15&VpcId=" + vpc_id +
                                   "&CidrBlock=10.0.0.0%2F24&AvailabilityZone=us-west-2a"),
                                "subnetId");
  std::string run =
      Ok("Action=RunInstances&Version=2016-11-15&ImageId=ami-12345678&"
         "InstanceType=m5.large&MinCount=1&MaxCount=1&SubnetId=" +
         subnet_id);
  std::string instance_id = First(run, "instanceId");
  ASSERT_FALSE(instance_id.empty());
  EXPECT_NE(run.find("<networkInterfaceSet><item>"), std::string::npos);
  std::string types = Ok("Action=DescribeInstanceTypes&Version=2016-11-15&InstanceType.1=m5.large");
  EXPECT_EQ(First(types, "maximumNetworkInterfaces"), "3");
  EXPECT_EQ(First(types, "ipv4AddressesPerInterface"), "10");
  std::string term = Ok("Action=TerminateInstances&Version=2016-11-15&InstanceId.1=" + instance_id);
  EXPECT_EQ(First(First(term, "previousState"), "name"), "running");
  EXPECT_EQ(First(First(term, "currentState"), "name"), "terminated");
  EXPECT_EQ(Code("Action=TerminateInstances&Version=2016-11-15"), "MissingParameter");
}

}  // namespace
}  // namespace vpccni::vpcsim
