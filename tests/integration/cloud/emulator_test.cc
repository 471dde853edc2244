// Integration tests: the cloud client against vpc-emulator (<build>/bin/vpc-emulator), which
// covers what moto lacks: MaxResults/NextToken pagination, throttling, injected 5xx and latency,
// prefixes, trunk association, server-side SigV4 verification, and IMDSv2 for an emulated
// instance. Each test starts its own emulator (--listen 127.0.0.1:0) and reads the JSON ready
// line. Skipped with a message when the binary has not been built.
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cloud/credentials.h"
#include "cloud/curl_http_client.h"
#include "cloud/http_ec2_api.h"
#include "cloud/imds_client.h"
#include "server_process.h"
#include "testing/result_matchers.h"

namespace vpccni::cloud {
namespace {

using ::testing::HasSubstr;
using testing::ServerProcess;

constexpr char kAccessKey[] = "AKIDEMULATOR";
constexpr char kSecretKey[] = "emu/secret+key=with~chars";

std::string XmlField(const std::string& xml, const std::string& tag) {
  size_t start = xml.find("<" + tag + ">");
  if (start == std::string::npos) {
    return "";
  }
  start += tag.size() + 2;
  size_t end = xml.find("</" + tag + ">", start);
  return xml.substr(start, end - start);
}

class EmulatorTest : public ::testing::Test {
 protected:
  void StartEmulator(std::vector<std::string> extra = {}) {
    std::string bin = std::string(VPCCNI_BINARY_DIR) + "/bin/vpc-emulator";
    if (!std::filesystem::exists(bin)) {
      GTEST_SKIP() << "vpc-emulator is not built (" << bin
                   << "); build target vpc-emulator to run the emulator integration tests";
    }
    std::vector<std::string> argv = {bin,          "--listen",     "127.0.0.1:0",
                                     "--access-key", kAccessKey,   "--secret-key",
                                     kSecretKey,    "--log-level", "warn"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    ASSERT_TRUE(server_.Start(argv));
    std::optional<std::string> line = server_.ReadLine(std::chrono::seconds(20));
    ASSERT_TRUE(line.has_value()) << "vpc-emulator printed no ready line";
    nlohmann::json ready = nlohmann::json::parse(*line, nullptr, false);
    ASSERT_FALSE(ready.is_discarded()) << *line;
    ASSERT_TRUE(ready.contains("ec2")) << *line;
    endpoint_ = ready["ec2"].get<std::string>();
    api_ = MakeApi(kSecretKey, options_);
  }

  std::unique_ptr<HttpEc2Api> MakeApi(const std::string& secret, HttpEc2ApiOptions opts) {
    // Each client keeps its own provider alive for the fixture's lifetime.
    creds_.push_back(std::make_unique<StaticCredentialsProvider>(
        AwsCredentials{kAccessKey, secret, "", std::nullopt, "static"}));
    opts.endpoint = endpoint_;
    opts.region = "us-west-2";
    auto api = HttpEc2Api::Create(opts, http_, *creds_.back(), SystemClock::Get(),
                                  std::make_unique<SeededRng>(5));
    EXPECT_TRUE(api.has_value());
    return api.has_value() ? std::move(*api) : nullptr;
  }

  void TearDown() override { server_.Stop(); }

  std::string Raw(codec::QueryParams params) {
    params.insert(params.begin() + 1, {"Version", std::string(kEc2ApiVersion)});
    Result<std::string> body = api_->Call(params);
    EXPECT_TRUE(body.has_value()) << body.error().ToString();
    return body.has_value() ? *body : "";
  }

  // POSTs to the admin API; the region defaults to the one the client signs for.
  Result<nlohmann::json> Admin(const std::string& path, nlohmann::json body) {
    if (body.is_object() && !body.contains("region")) {
      body["region"] = "us-west-2";
    }
    HttpRequest req;
    req.method = "POST";
    req.url = endpoint_ + path;
    req.headers = {{"Content-Type", "application/json"}};
    req.body = body.dump();
    ASSIGN_OR_RETURN(HttpResponse resp, http_.Send(req));
    if (resp.status != 200) {
      return MakeError(ErrorCode::kInternal, "admin {} -> HTTP {}: {}", path, resp.status,
                       resp.body);
    }
    nlohmann::json j = nlohmann::json::parse(resp.body, nullptr, false);
    return j.is_discarded() ? nlohmann::json::object() : j;
  }

  struct World {
    std::string vpc, subnet, subnet2, sg, instance;
  };

  World MakeWorld() {
    World w;
    w.vpc = XmlField(Raw({{"Action", "CreateVpc"}, {"CidrBlock", "10.0.0.0/16"}}), "vpcId");
    w.subnet = XmlField(Raw({{"Action", "CreateSubnet"},
                             {"VpcId", w.vpc},
                             {"CidrBlock", "10.0.0.0/20"},
                             {"AvailabilityZone", "us-west-2a"}}),
                        "subnetId");
    w.subnet2 = XmlField(Raw({{"Action", "CreateSubnet"},
                              {"VpcId", w.vpc},
                              {"CidrBlock", "10.0.16.0/20"},
                              {"AvailabilityZone", "us-west-2b"}}),
                         "subnetId");
    w.sg = XmlField(Raw({{"Action", "CreateSecurityGroup"},
                         {"GroupName", "pods"},
                         {"GroupDescription", "pods"},
                         {"VpcId", w.vpc}}),
                    "groupId");
    w.instance = XmlField(Raw({{"Action", "RunInstances"},
                               {"ImageId", "ami-12345678"},
                               {"MinCount", "1"},
                               {"MaxCount", "1"},
                               {"InstanceType", "m5.large"},
                               {"SubnetId", w.subnet},
                               {"SecurityGroupId.1", w.sg}}),
                          "instanceId");
    EXPECT_FALSE(w.vpc.empty());
    EXPECT_FALSE(w.subnet.empty());
    EXPECT_FALSE(w.instance.empty());
    return w;
  }

  ServerProcess server_;
  std::string endpoint_;
  CurlHttpClient http_;
  std::vector<std::unique_ptr<StaticCredentialsProvider>> creds_;
  HttpEc2ApiOptions options_ = [] {
    HttpEc2ApiOptions o;
    o.rate_per_sec = 0;
    o.retry = {std::chrono::milliseconds(20), std::chrono::milliseconds(200), 5};
    return o;
  }();
  std::unique_ptr<HttpEc2Api> api_;
};

TEST_F(EmulatorTest, PaginatedDescribeFollowsNextToken) {
  StartEmulator();
  World w = MakeWorld();
  for (int i = 0; i < 12; ++i) {
    CreateNetworkInterfaceRequest c;
    c.subnet_id = w.subnet;
    c.security_group_ids = {w.sg};
    c.tags = {{"batch", "p"}};
    ASSERT_OK(api_->CreateNetworkInterface(c));
  }
  DescribeNetworkInterfacesRequest req;
  req.filters = {{"tag:batch", {"p"}}};
  req.max_results = 5;
  ASSERT_OK_AND_ASSIGN(DescribeNetworkInterfacesPage first, api_->DescribeNetworkInterfaces(req));
  EXPECT_EQ(first.network_interfaces.size(), 5U);
  EXPECT_FALSE(first.next_token.empty());
  ASSERT_OK_AND_ASSIGN(std::vector<NetworkInterface> all, DescribeAllNetworkInterfaces(*api_, req));
  EXPECT_EQ(all.size(), 12U);
  std::set<std::string> ids;
  for (const auto& e : all) {
    ids.insert(e.id);
  }
  EXPECT_EQ(ids.size(), 12U);
  EXPECT_GE(api_->Stats()["DescribeNetworkInterfaces"].calls, 4U);

  DescribeSubnetsRequest sreq;
  sreq.filters = {{"vpc-id", {w.vpc}}};
  sreq.max_results = 5;
  ASSERT_OK_AND_ASSIGN(auto subnets, DescribeAllSubnets(*api_, sreq));
  EXPECT_EQ(subnets.size(), 2U);
}

TEST_F(EmulatorTest, InjectedThrottlingAnd5xxAreRetriedClientErrorsAreNot) {
  StartEmulator();
  World w = MakeWorld();
  ASSERT_OK(Admin("/_emulator/faults", {{"action", "DescribeSubnets"},
                                        {"error_code", "RequestLimitExceeded"},
                                        {"count", 2}}));
  ASSERT_OK(api_->DescribeSubnets({}));
  auto s = api_->Stats()["DescribeSubnets"];
  EXPECT_EQ(s.attempts, 3U);
  EXPECT_EQ(s.throttles, 2U);

  ASSERT_OK(Admin("/_emulator/faults", {{"action", "DescribeInstances"},
                                        {"error_code", "InternalError"},
                                        {"count", 2}}));
  ASSERT_OK(api_->DescribeInstances({}));
  EXPECT_EQ(api_->Stats()["DescribeInstances"].attempts, 3U);

  ASSERT_OK(Admin("/_emulator/faults", {{"action", "DescribeSecurityGroups"},
                                        {"error_code", "InvalidParameterValue"},
                                        {"count", 3}}));
  auto bad = api_->DescribeSecurityGroups({});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(api_->Stats()["DescribeSecurityGroups"].attempts, 1U);

  // Persistent throttling: the client gives up after max_attempts with kUnavailable.
  ASSERT_OK(Admin("/_emulator/faults", {{"action", "DescribeVpcs"},
                                        {"error_code", "RequestLimitExceeded"},
                                        {"count", 100}}));
  auto r = api_->Call({{"Action", "DescribeVpcs"}, {"Version", "2016-11-15"}});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(r.error().reason, "RequestLimitExceeded");
  EXPECT_EQ(api_->Stats()["DescribeVpcs"].attempts, 5U);
  ASSERT_OK(Admin("/_emulator/faults", {{"clear", true}}));
}

TEST_F(EmulatorTest, SlowRepliesTimeOutAndAreRetriedBoundedly) {
  options_.request_timeout = std::chrono::milliseconds(300);
  options_.retry = {std::chrono::milliseconds(50), std::chrono::milliseconds(200), 3};
  StartEmulator();
  // The emulator's latency rules apply to every matching call until cleared.
  ASSERT_OK(Admin("/_emulator/faults", {{"action", "DescribeSubnets"}, {"latency_ms", 800}}));
  std::vector<Ec2CallEvent> events;
  api_->SetEventCallback([&events](const Ec2CallEvent& ev) { events.push_back(ev); });
  auto start = std::chrono::steady_clock::now();
  auto slow = api_->DescribeSubnets({});
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(slow.has_value());
  EXPECT_EQ(slow.error().code, ErrorCode::kDeadlineExceeded);
  ASSERT_EQ(events.size(), 3U);
  EXPECT_TRUE(events[0].will_retry);
  EXPECT_TRUE(events[1].will_retry);
  EXPECT_FALSE(events[2].will_retry);
  for (const Ec2CallEvent& ev : events) {
    EXPECT_EQ(ev.code, ErrorCode::kDeadlineExceeded);
  }
  // 3 x 300 ms timeouts + at most 50 + 100 ms of backoff, with slack for a loaded machine.
  EXPECT_LT(took, std::chrono::seconds(5));
  ASSERT_OK(Admin("/_emulator/faults", {{"clear", true}}));
  events.clear();
  ASSERT_OK(api_->DescribeSubnets({}));
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].code, ErrorCode::kOk);
}

TEST_F(EmulatorTest, ThrottleModeIsSurvivedWithRetriesAndTheTokenBucket) {
  options_.rate_per_sec = 0;  // no client limit: provoke the server's limiter
  options_.retry = {std::chrono::milliseconds(20), std::chrono::milliseconds(200), 4};
  StartEmulator({"--throttle"});
  // Unfiltered Describe calls share EC2's 50-token bucket refilled at 5/s.
  int ok = 0;
  for (int i = 0; i < 70; ++i) {
    if (api_->DescribeNetworkInterfaces({}).has_value()) {
      ++ok;
    }
  }
  auto s = api_->Stats()["DescribeNetworkInterfaces"];
  EXPECT_GT(s.throttles, 0U);
  EXPECT_GT(ok, 50);
  // Every call either succeeded (possibly after retries) or failed as throttled.
  EXPECT_EQ(static_cast<uint64_t>(ok) + s.errors, 70U);
  for (const auto& [code, n] : s.errors_by_code) {
    EXPECT_EQ(code, "RequestLimitExceeded") << n;
  }
  RecordProperty("throttled_attempts", static_cast<int>(s.throttles));
  RecordProperty("succeeded", ok);

  // A client whose token bucket stays under the server's refill rate is never throttled, even
  // with the server's bucket drained.
  HttpEc2ApiOptions limited = options_;
  limited.rate_per_sec = 4;
  limited.burst = 1;
  std::unique_ptr<HttpEc2Api> polite = MakeApi(kSecretKey, limited);
  // The first call may still meet the drained bucket (and be retried); after it the client's
  // spacing (250 ms) is longer than the server's refill (200 ms per token).
  ASSERT_OK(polite->DescribeNetworkInterfaces({}));
  uint64_t first = polite->Stats()["DescribeNetworkInterfaces"].throttles;
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(polite->DescribeNetworkInterfaces({}));
  }
  EXPECT_EQ(polite->Stats()["DescribeNetworkInterfaces"].throttles, first);
}

TEST_F(EmulatorTest, PrefixesTrunkingAndSpecialCharacterSignatures) {
  StartEmulator();
  World w = MakeWorld();

  // Prefix delegation: /28s come back aligned.
  CreateNetworkInterfaceRequest c;
  c.subnet_id = w.subnet;
  c.security_group_ids = {w.sg};
  c.ipv4_prefix_count = 1;
  c.tags = {{"note", "a b+c/d=e~f \xe2\x82\xac"}};
  ASSERT_OK_AND_ASSIGN(NetworkInterface eni, api_->CreateNetworkInterface(c));
  ASSERT_EQ(eni.ipv4_prefixes.size(), 1U);
  ASSERT_OK_AND_ASSIGN(AttachNetworkInterfaceReply att,
                       api_->AttachNetworkInterface({eni.id, w.instance, 1, 0}));
  AssignPrivateIpAddressesRequest a;
  a.network_interface_id = eni.id;
  a.ipv4_prefix_count = 2;
  ASSERT_OK_AND_ASSIGN(AssignPrivateIpAddressesReply ar, api_->AssignPrivateIpAddresses(a));
  ASSERT_EQ(ar.assigned_prefixes.size(), 2U);
  for (const net::Ipv4Cidr& p : ar.assigned_prefixes) {
    EXPECT_EQ(p.PrefixLen(), 28);
    EXPECT_EQ(p.Address(), p.Network());
  }
  ASSERT_OK(api_->UnassignPrivateIpAddresses({eni.id, {}, {ar.assigned_prefixes[0]}}));

  // The server verified every signature so far; the special characters in the tag and in a
  // filter value must sign identically on both sides.
  DescribeNetworkInterfacesRequest f;
  f.filters = {{"tag:note", {"a b+c/d=e~f \xe2\x82\xac"}}};
  ASSERT_OK_AND_ASSIGN(auto found, DescribeAllNetworkInterfaces(*api_, f));
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0].ipv4_prefixes.size(), 2U);

  // A wrong secret is refused by the server and not retried.
  std::unique_ptr<HttpEc2Api> wrong = MakeApi("not-the-secret", options_);
  auto denied = wrong->DescribeSubnets({});
  ASSERT_FALSE(denied.has_value());
  EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(wrong->Stats()["DescribeSubnets"].attempts, 1U);

  // Trunk and branch.
  CreateNetworkInterfaceRequest trunk_req;
  trunk_req.subnet_id = w.subnet;
  trunk_req.interface_type = "trunk";
  ASSERT_OK_AND_ASSIGN(NetworkInterface trunk, api_->CreateNetworkInterface(trunk_req));
  EXPECT_EQ(trunk.interface_type, "trunk");
  ASSERT_OK(api_->AttachNetworkInterface({trunk.id, w.instance, 2, 0}));
  CreateNetworkInterfaceRequest branch_req;
  branch_req.subnet_id = w.subnet;
  branch_req.security_group_ids = {w.sg};
  ASSERT_OK_AND_ASSIGN(NetworkInterface branch, api_->CreateNetworkInterface(branch_req));
  ASSERT_OK_AND_ASSIGN(TrunkInterfaceAssociation assoc,
                       api_->AssociateTrunkInterface({branch.id, trunk.id, 10, ""}));
  EXPECT_EQ(assoc.vlan_id, 10);
  EXPECT_EQ(assoc.trunk_interface_id, trunk.id);
  DescribeTrunkInterfaceAssociationsRequest dq;
  dq.association_ids = {assoc.association_id};
  ASSERT_OK_AND_ASSIGN(auto page, api_->DescribeTrunkInterfaceAssociations(dq));
  ASSERT_EQ(page.associations.size(), 1U);
  EXPECT_EQ(page.associations[0].branch_interface_id, branch.id);
  ASSERT_OK(api_->DisassociateTrunkInterface(assoc.association_id));

  ASSERT_OK(api_->DetachNetworkInterface({att.attachment_id, false}));
}

TEST_F(EmulatorTest, ImdsClientReadsAnEmulatedInstance) {
  StartEmulator();
  World w = MakeWorld();
  ASSERT_OK_AND_ASSIGN(nlohmann::json inst,
                       Admin("/_emulator/instances", {{"instance_type", "m5.large"},
                                                      {"subnet_id", w.subnet},
                                                      {"security_group_ids", {w.sg}},
                                                      {"region", "us-west-2"}}));
  ASSERT_TRUE(inst.contains("imds")) << inst.dump();
  std::string instance_id = inst["instance_id"].get<std::string>();
  SeededRng rng(1);
  ImdsOptions io;
  io.endpoint = inst["imds"].get<std::string>();
  ImdsClient imds(http_, SystemClock::Get(), rng, io);
  ASSERT_OK_AND_ASSIGN(std::string id, imds.InstanceId());
  EXPECT_EQ(id, instance_id);
  ASSERT_OK_AND_ASSIGN(std::string type, imds.InstanceType());
  EXPECT_EQ(type, "m5.large");
  ASSERT_OK_AND_ASSIGN(std::string region, imds.Region());
  EXPECT_EQ(region, "us-west-2");

  // Add a secondary ENI with IPs through EC2 and see it in IMDS.
  CreateNetworkInterfaceRequest c;
  c.subnet_id = w.subnet;
  c.security_group_ids = {w.sg};
  c.secondary_private_ip_count = 3;
  ASSERT_OK_AND_ASSIGN(NetworkInterface eni, api_->CreateNetworkInterface(c));
  ASSERT_OK(api_->AttachNetworkInterface({eni.id, instance_id, 1, 0}));
  std::vector<ImdsEni> enis;
  for (int i = 0; i < 100 && enis.size() < 2; ++i) {
    ASSERT_OK_AND_ASSIGN(enis, imds.GetEnis());
    if (enis.size() < 2) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ASSERT_EQ(enis.size(), 2U);
  EXPECT_TRUE(enis[0].primary);
  EXPECT_EQ(enis[0].device_number, 0);
  EXPECT_EQ(enis[0].subnet_id, w.subnet);
  EXPECT_EQ(enis[0].subnet_ipv4_cidr->ToString(), "10.0.0.0/20");
  EXPECT_EQ(enis[1].interface_id, eni.id);
  EXPECT_EQ(enis[1].device_number, 1);
  EXPECT_EQ(enis[1].local_ipv4s.size(), 4U);
  EXPECT_EQ(enis[1].mac, eni.mac);
  EXPECT_THAT(enis[1].security_group_ids, ::testing::ElementsAre(w.sg));
}

}  // namespace
}  // namespace vpccni::cloud

namespace vpccni::cloud {
namespace {

// vpcctl ec2 end to end: the CLI configured only by the SDK environment.
TEST_F(EmulatorTest, VpcctlEc2DescribeSubnetsAndEnis) {
  std::string vpcctl = std::string(VPCCNI_BINARY_DIR) + "/bin/vpcctl";
  if (!std::filesystem::exists(vpcctl)) {
    GTEST_SKIP() << "vpcctl is not built (" << vpcctl << ")";
  }
  StartEmulator();
  World w = MakeWorld();
  CreateNetworkInterfaceRequest c;
  c.subnet_id = w.subnet;
  c.tags = {{"who", "vpcctl"}};
  ASSERT_OK_AND_ASSIGN(NetworkInterface eni, api_->CreateNetworkInterface(c));
  auto run = [&](const std::string& args) {
    std::string cmd = fmt::format(
        "env -i AWS_ACCESS_KEY_ID={} 'AWS_SECRET_ACCESS_KEY={}' AWS_REGION=us-west-2 "
        "AWS_ENDPOINT_URL_EC2={} AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:9 {} ec2 {}",
        kAccessKey, kSecretKey, endpoint_, vpcctl, args);
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");  // NOLINT(cert-env33-c): test-only
    char buf[4096];
    while (p != nullptr && fgets(buf, sizeof(buf), p) != nullptr) {
      out += buf;
    }
    int rc = p != nullptr ? pclose(p) : -1;
    return std::make_pair(rc, out);
  };
  auto [rc, out] = run("describe-subnets -o json --filter vpc-id=" + w.vpc);
  ASSERT_EQ(rc, 0) << out;
  nlohmann::json subnets = nlohmann::json::parse(out, nullptr, false);
  ASSERT_TRUE(subnets.is_array()) << out;
  EXPECT_EQ(subnets.size(), 2U);
  auto [rc2, out2] = run("describe-enis -o json --filter tag:who=vpcctl");
  ASSERT_EQ(rc2, 0) << out2;
  nlohmann::json enis = nlohmann::json::parse(out2, nullptr, false);
  ASSERT_TRUE(enis.is_array()) << out2;
  ASSERT_EQ(enis.size(), 1U);
  EXPECT_EQ(enis[0]["id"], eni.id);
  auto [rc3, out3] = run("describe-enis --eni-id eni-doesnotexist1");
  EXPECT_NE(rc3, 0) << out3;
}

}  // namespace
}  // namespace vpccni::cloud
