// Integration tests: HttpEc2Api, CurlHttpClient and the web-identity credentials provider
// against moto's moto_server (a third-party EC2/STS implementation), started on a free loopback
// port per test and stopped with SIGTERM then SIGKILL. Skipped with a message when moto_server
// is not installed. moto has no pagination, throttling, prefixes or trunking: those run against
// vpc-emulator (emulator_test.cc).
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cloud/credentials.h"
#include "cloud/curl_http_client.h"
#include "cloud/http_ec2_api.h"
#include "server_process.h"
#include "testing/result_matchers.h"
#include "testing/temp_dir.h"

namespace vpccni::cloud {
namespace {

using ::testing::Contains;
using testing::FreeLoopbackPort;
using ::testing::HasSubstr;
using testing::ServerProcess;

// First <tag>value</tag> in xml.
std::string XmlField(const std::string& xml, const std::string& tag) {
  std::smatch m;
  if (std::regex_search(xml, m, std::regex("<" + tag + ">([^<]*)</" + tag + ">"))) {
    return m[1];
  }
  return "";
}

class MotoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string moto = testing::FindOnPath("moto_server");
    if (moto.empty()) {
      GTEST_SKIP() << "moto_server is not installed; skipping the moto integration tests";
    }
    port_ = FreeLoopbackPort();
    ASSERT_GT(port_, 0);
    endpoint_ = fmt::format("http://127.0.0.1:{}", port_);
    ASSERT_TRUE(server_.Start({moto, "-H", "127.0.0.1", "-p", std::to_string(port_)}));
    ASSERT_TRUE(testing::WaitForHttp(endpoint_ + "/moto-api/", std::chrono::seconds(30)))
        << "moto_server did not come up on " << endpoint_;
    HttpEc2ApiOptions opts;
    opts.endpoint = endpoint_;
    opts.region = "us-west-2";
    opts.retry.max_attempts = 2;
    opts.retry.base = std::chrono::milliseconds(50);
    opts.rate_per_sec = 0;
    // moto builds its EC2 backend lazily on the first call (1.5-2 s idle, far more on a loaded
    // machine): allow for it rather than time out.
    opts.request_timeout = std::chrono::seconds(60);
    ASSERT_OK_AND_ASSIGN(api_, HttpEc2Api::Create(opts, http_, creds_, SystemClock::Get(),
                                                  std::make_unique<SeededRng>(1)));
    ASSERT_OK(api_->Call({{"Action", "DescribeVpcs"}, {"Version", std::string(kEc2ApiVersion)}}));
  }

  void TearDown() override { server_.Stop(); }

  // Sends an action the Ec2Api does not model (test setup: VPCs, subnets, instances).
  std::string Raw(codec::QueryParams params) {
    params.insert(params.begin() + 1, {"Version", std::string(kEc2ApiVersion)});
    Result<std::string> body = api_->Call(params);
    EXPECT_TRUE(body.has_value()) << body.error().ToString();
    return body.has_value() ? *body : "";
  }

  struct World {
    std::string vpc, subnet, sg, sg2, instance;
  };

  World MakeWorld() {
    World w;
    w.vpc = XmlField(Raw({{"Action", "CreateVpc"},
                          {"CidrBlock", "10.0.0.0/16"},
                          {"AmazonProvidedIpv6CidrBlock", "true"}}),
                     "vpcId");
    std::string vpcs = Raw({{"Action", "DescribeVpcs"}, {"VpcId.1", w.vpc}});
    std::string v6 = XmlField(vpcs, "ipv6CidrBlock");  // e.g. 2400:6500:....::/56
    EXPECT_FALSE(v6.empty());
    std::string v6_subnet = v6.substr(0, v6.find("::/")) + "::/64";
    w.subnet = XmlField(
        Raw({{"Action", "CreateSubnet"},
             {"VpcId", w.vpc},
             {"CidrBlock", "10.0.0.0/18"},  // moto picks addresses at random: keep collisions rare
             {"Ipv6CidrBlock", v6_subnet},
             {"AvailabilityZone", "us-west-2a"}}),
        "subnetId");
    w.sg = XmlField(Raw({{"Action", "CreateSecurityGroup"},
                         {"GroupName", "pods"},
                         {"GroupDescription", "pods"},
                         {"VpcId", w.vpc}}),
                    "groupId");
    w.sg2 = XmlField(Raw({{"Action", "CreateSecurityGroup"},
                          {"GroupName", "pods2"},
                          {"GroupDescription", "pods2"},
                          {"VpcId", w.vpc}}),
                     "groupId");
    w.instance = XmlField(Raw({{"Action", "RunInstances"},
                               {"ImageId", "ami-12c6146b"},
                               {"MinCount", "1"},
                               {"MaxCount", "1"},
                               {"InstanceType", "m5.large"},
                               {"SubnetId", w.subnet}}),
                          "instanceId");
    EXPECT_FALSE(w.subnet.empty());
    EXPECT_FALSE(w.instance.empty());
    return w;
  }

  // Describe* with filters, instance types, and error replies.
  void CheckDescribesAndErrors(const World& w) {
    DescribeSubnetsRequest sreq;
    sreq.filters = {{"vpc-id", {w.vpc}}, {"availability-zone", {"us-west-2a"}}};
    ASSERT_OK_AND_ASSIGN(auto subnets, DescribeAllSubnets(*api_, sreq));
    ASSERT_EQ(subnets.size(), 1U);
    EXPECT_EQ(subnets[0].id, w.subnet);
    EXPECT_EQ(subnets[0].cidr->ToString(), "10.0.0.0/18");
    EXPECT_EQ(subnets[0].ipv6_cidrs.size(), 1U);
    EXPECT_EQ(subnets[0].availability_zone, "us-west-2a");
    // 16384 - 5 reserved - the instance's primary address.
    EXPECT_EQ(subnets[0].available_ip_address_count, 16378);

    DescribeSecurityGroupsRequest gq;
    gq.group_ids = {w.sg, w.sg2};
    ASSERT_OK_AND_ASSIGN(auto groups, DescribeAllSecurityGroups(*api_, gq));
    ASSERT_EQ(groups.size(), 2U);
    EXPECT_EQ(groups[0].vpc_id, w.vpc);

    DescribeInstanceTypesRequest tq;
    tq.instance_types = {"m5.large", "c5.18xlarge"};
    ASSERT_OK_AND_ASSIGN(auto types, DescribeAllInstanceTypes(*api_, tq));
    ASSERT_EQ(types.size(), 2U);
    for (const InstanceLimits& t : types) {
      if (t.instance_type == "m5.large") {
        EXPECT_EQ(t.eni_limit, 3);
        EXPECT_EQ(t.ipv4_per_eni, 10);
        EXPECT_EQ(t.ipv6_per_eni, 10);
        EXPECT_EQ(t.hypervisor, "nitro");
      } else {
        EXPECT_EQ(t.eni_limit, 15);
        EXPECT_EQ(t.ipv4_per_eni, 50);
      }
    }
    DescribeInstanceTypesRequest unknown;
    unknown.instance_types = {"x9.nonexistent"};
    auto bad_type = api_->DescribeInstanceTypes(unknown);
    ASSERT_FALSE(bad_type.has_value());
    EXPECT_EQ(bad_type.error().reason, "InvalidInstanceType");

    // Error replies: unknown ENI on unassign (moto-ec2.md §3.3), unknown subnet on create.
    auto before = api_->Stats();
    auto unknown_eni = api_->UnassignPrivateIpAddresses(
        {"eni-0123456789abcdef0", {*net::Ipv4Address::Parse("10.0.2.9")}, {}});
    ASSERT_FALSE(unknown_eni.has_value());
    EXPECT_EQ(unknown_eni.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(unknown_eni.error().reason, "InvalidNetworkInterfaceID.NotFound");
    CreateNetworkInterfaceRequest bad_subnet;
    bad_subnet.subnet_id = "subnet-00000000";
    auto no_subnet = api_->CreateNetworkInterface(bad_subnet);
    ASSERT_FALSE(no_subnet.has_value());
    EXPECT_EQ(no_subnet.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(no_subnet.error().reason, "InvalidSubnetID.NotFound");
    auto no_attachment = api_->DetachNetworkInterface({"eni-attach-00000000", false});
    ASSERT_FALSE(no_attachment.has_value());
    EXPECT_EQ(no_attachment.error().code, ErrorCode::kNotFound);
    // Client errors are not retried: one attempt each.
    auto after = api_->Stats();
    EXPECT_EQ(after["UnassignPrivateIpAddresses"].attempts -
                  before["UnassignPrivateIpAddresses"].attempts,
              1U);
    EXPECT_EQ(after["CreateNetworkInterface"].attempts - before["CreateNetworkInterface"].attempts,
              1U);
    EXPECT_EQ(after["DetachNetworkInterface"].attempts - before["DetachNetworkInterface"].attempts,
              1U);
  }

  ServerProcess server_;
  int port_ = 0;
  std::string endpoint_;
  CurlHttpClient http_;
  StaticCredentialsProvider creds_{
      AwsCredentials{"AKIDMOTO", "moto/secret+key", "", std::nullopt, "static"}};
  std::unique_ptr<HttpEc2Api> api_;
};

TEST_F(MotoTest, EveryImplementedActionAndErrorReplies) {
  World w = MakeWorld();

  CreateNetworkInterfaceRequest create;
  create.subnet_id = w.subnet;
  create.security_group_ids = {w.sg};
  create.description = "aws-K8S-" + w.instance;
  create.tags = {{"node.k8s.amazonaws.com/instance_id", w.instance}, {"cluster", "c 1+/="}};
  create.secondary_private_ip_count = 2;
  ASSERT_OK_AND_ASSIGN(NetworkInterface eni, api_->CreateNetworkInterface(create));
  EXPECT_EQ(eni.subnet_id, w.subnet);
  EXPECT_EQ(eni.vpc_id, w.vpc);
  EXPECT_EQ(eni.description, create.description);
  EXPECT_EQ(eni.private_ips.size(), 3U);
  EXPECT_EQ(eni.tags.at("cluster"), "c 1+/=");
  EXPECT_EQ(eni.groups.at(0).id, w.sg);

  ASSERT_OK_AND_ASSIGN(AttachNetworkInterfaceReply att,
                       api_->AttachNetworkInterface({eni.id, w.instance, 1, 0}));
  EXPECT_THAT(att.attachment_id, HasSubstr("eni-attach-"));

  ModifyNetworkInterfaceAttributeRequest mod;
  mod.network_interface_id = eni.id;
  mod.attachment =
      ModifyNetworkInterfaceAttributeRequest::AttachmentChange{att.attachment_id, true};
  ASSERT_OK(api_->ModifyNetworkInterfaceAttribute(mod));
  ModifyNetworkInterfaceAttributeRequest sdc;
  sdc.network_interface_id = eni.id;
  sdc.source_dest_check = false;
  ASSERT_OK(api_->ModifyNetworkInterfaceAttribute(sdc));
  ModifyNetworkInterfaceAttributeRequest groups;
  groups.network_interface_id = eni.id;
  groups.security_group_ids = std::vector<std::string>{w.sg, w.sg2};
  ASSERT_OK(api_->ModifyNetworkInterfaceAttribute(groups));

  AssignPrivateIpAddressesRequest assign;
  assign.network_interface_id = eni.id;
  assign.secondary_private_ip_count = 2;
  ASSERT_OK_AND_ASSIGN(AssignPrivateIpAddressesReply assigned,
                       api_->AssignPrivateIpAddresses(assign));
  EXPECT_GE(assigned.assigned_ips.size(), 2U);  // moto lists every address on the ENI
  AssignPrivateIpAddressesRequest explicit_ip;
  explicit_ip.network_interface_id = eni.id;
  explicit_ip.ips = {*net::Ipv4Address::Parse("10.0.1.200")};
  ASSERT_OK_AND_ASSIGN(AssignPrivateIpAddressesReply assigned2,
                       api_->AssignPrivateIpAddresses(explicit_ip));
  EXPECT_THAT(assigned2.assigned_ips, Contains(*net::Ipv4Address::Parse("10.0.1.200")));

  AssignIpv6AddressesRequest v6;
  v6.network_interface_id = eni.id;
  v6.address_count = 2;
  ASSERT_OK_AND_ASSIGN(AssignIpv6AddressesReply v6r, api_->AssignIpv6Addresses(v6));
  ASSERT_GE(v6r.assigned_addresses.size(), 2U);

  // Describe by ID and with filters (tag with special characters, attachment, subnet).
  DescribeNetworkInterfacesRequest by_id;
  by_id.network_interface_ids = {eni.id};
  ASSERT_OK_AND_ASSIGN(DescribeNetworkInterfacesPage page, api_->DescribeNetworkInterfaces(by_id));
  ASSERT_EQ(page.network_interfaces.size(), 1U);
  const NetworkInterface& d = page.network_interfaces[0];
  ASSERT_TRUE(d.attachment.has_value());
  EXPECT_EQ(d.attachment->instance_id, w.instance);
  EXPECT_EQ(d.attachment->device_index, 1);
  // moto draws secondary addresses at random and skips an explicit address it already drew, so
  // the count is that of the distinct addresses the replies reported (6 unless a draw collided).
  auto addresses = [](const std::vector<PrivateIpAddress>& ips) {
    std::set<net::Ipv4Address> out;
    for (const PrivateIpAddress& ip : ips)
      out.insert(ip.address);
    return out;
  };
  std::set<net::Ipv4Address> known = addresses(eni.private_ips);
  known.insert(assigned.assigned_ips.begin(), assigned.assigned_ips.end());
  known.insert(assigned2.assigned_ips.begin(), assigned2.assigned_ips.end());
  EXPECT_GE(known.size(), 5U);
  EXPECT_EQ(d.private_ips.size(), known.size());
  EXPECT_EQ(addresses(d.private_ips), known);
  EXPECT_EQ(d.ipv6_addresses.size(), 2U);
  EXPECT_FALSE(d.source_dest_check);
  EXPECT_EQ(d.groups.size(), 2U);

  DescribeNetworkInterfacesRequest filtered;
  filtered.filters = {{"attachment.instance-id", {w.instance}},
                      {"tag:cluster", {"c 1+/=", "other"}},
                      {"subnet-id", {w.subnet}}};
  ASSERT_OK_AND_ASSIGN(auto matches, DescribeAllNetworkInterfaces(*api_, filtered));
  ASSERT_EQ(matches.size(), 1U);
  EXPECT_EQ(matches[0].id, eni.id);
  DescribeNetworkInterfacesRequest none;
  none.filters = {{"tag:cluster", {"nope"}}};
  ASSERT_OK_AND_ASSIGN(auto empty, DescribeAllNetworkInterfaces(*api_, none));
  EXPECT_TRUE(empty.empty());

  // Unassign what was added (IPv4 and IPv6).
  ASSERT_OK(
      api_->UnassignPrivateIpAddresses({eni.id, {*net::Ipv4Address::Parse("10.0.1.200")}, {}}));
  ASSERT_OK_AND_ASSIGN(UnassignIpv6AddressesReply un6,
                       api_->UnassignIpv6Addresses({eni.id, v6r.assigned_addresses, {}}));
  EXPECT_EQ(un6.unassigned_addresses.size(), v6r.assigned_addresses.size());

  // Tags.
  ASSERT_OK(api_->CreateTags({{eni.id}, {{"extra", "1"}, {"k2", "v 2"}}}));
  DeleteTagsRequest del;
  del.resource_ids = {eni.id};
  del.tags = {{"extra", std::nullopt}};
  ASSERT_OK(api_->DeleteTags(del));
  ASSERT_OK_AND_ASSIGN(page, api_->DescribeNetworkInterfaces(by_id));
  EXPECT_EQ(page.network_interfaces[0].tags.count("extra"), 0U);
  EXPECT_EQ(page.network_interfaces[0].tags.at("k2"), "v 2");
  EXPECT_EQ(page.network_interfaces[0].private_ips.size(), known.size() - 1);
  EXPECT_EQ(addresses(page.network_interfaces[0].private_ips)
                .count(*net::Ipv4Address::Parse("10.0.1.200")),
            0U);

  // DescribeInstances shows the new ENI at device index 1.
  DescribeInstancesRequest inst;
  inst.instance_ids = {w.instance};
  ASSERT_OK_AND_ASSIGN(DescribeInstancesPage ip, api_->DescribeInstances(inst));
  ASSERT_EQ(ip.instances.size(), 1U);
  EXPECT_EQ(ip.instances[0].instance_type, "m5.large");
  EXPECT_EQ(ip.instances[0].subnet_id, w.subnet);
  bool seen = false;
  for (const NetworkInterface& n : ip.instances[0].network_interfaces) {
    seen |= n.id == eni.id && n.attachment.has_value() && n.attachment->device_index == 1;
  }
  EXPECT_TRUE(seen);

  // Detach, delete, and the NotFound afterwards.
  ASSERT_OK(api_->DetachNetworkInterface({att.attachment_id, true}));
  ASSERT_OK(api_->DeleteNetworkInterface(eni.id));
  auto gone = api_->DeleteNetworkInterface(eni.id);
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(gone.error().reason, "InvalidNetworkInterfaceID.NotFound");

  CheckDescribesAndErrors(w);

  auto stats = api_->Stats();
  EXPECT_EQ(stats["DeleteNetworkInterface"].calls, 2U);
  EXPECT_EQ(stats["DeleteNetworkInterface"].errors, 1U);
  EXPECT_GE(http_.ConnectionsOpened(), 1);
}

TEST_F(MotoTest, WebIdentityCredentialsFromMotoStsSignEc2Calls) {
  vpccni::testing::TempDir dir;
  std::string token_file = (std::filesystem::path(dir.path()) / "token").string();
  { std::ofstream(token_file) << "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2ln\n"; }
  EnvMap env = {{"AWS_WEB_IDENTITY_TOKEN_FILE", token_file},
                {"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/aws-node"},
                {"AWS_ROLE_SESSION_NAME", "vpc-cni-test"},
                {"AWS_ENDPOINT_URL_STS", endpoint_}};
  ASSERT_OK_AND_ASSIGN(auto chain, MakeDefaultCredentialsChain(env, "us-west-2", http_, nullptr,
                                                               SystemClock::Get()));
  ASSERT_OK_AND_ASSIGN(AwsCredentials c, chain->Get());
  EXPECT_EQ(c.provider, "web-identity");
  EXPECT_FALSE(c.access_key_id.empty());
  EXPECT_FALSE(c.session_token.empty());
  ASSERT_TRUE(c.expiration.has_value());
  EXPECT_GT(*c.expiration, SystemClock::Get().Now());
  // Cached: a second Get does not call STS again.
  ASSERT_OK(chain->Get());
  EXPECT_EQ(chain->Fetches(), 1);

  HttpEc2ApiOptions opts;
  opts.endpoint = endpoint_;
  opts.region = "us-west-2";
  ASSERT_OK_AND_ASSIGN(auto api,
                       HttpEc2Api::Create(opts, http_, *chain, SystemClock::Get(), nullptr));
  ASSERT_OK_AND_ASSIGN(auto subnets, DescribeAllSubnets(*api, {}));
  EXPECT_FALSE(subnets.empty());  // the default VPC's subnets
}

}  // namespace
}  // namespace vpccni::cloud
