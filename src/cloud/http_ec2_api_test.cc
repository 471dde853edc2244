#include "cloud/http_ec2_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cloud/fake_http_client.h"
#include "cloud/sigv4.h"
#include "testing/fake_clock.h"
#include "testing/result_matchers.h"

namespace vpccni::cloud {
namespace {

using ::testing::HasSubstr;
using testing::FakeHttpClient;
using testing::Reply;

constexpr char kSecret[] = "test-secret/with+special=chars";

// A FakeClock that also records every sleep.
class RecordingClock : public vpccni::testing::FakeClock {
 public:
  void SleepFor(Duration d) override {
    sleeps.push_back(d);
    FakeClock::SleepFor(d);
  }
  std::vector<Duration> sleeps;
};

// Decodes the form body of an EC2 request.
std::map<std::string, std::string> Form(const HttpRequest& req) {
  auto parsed = ParseQueryString(req.body, /*plus_is_space=*/false);
  EXPECT_TRUE(parsed.has_value());
  std::map<std::string, std::string> out;
  for (auto& [k, v] : *parsed) {
    out[k] = v;
  }
  return out;
}

// Verifies the request's SigV4 signature the way a server would.
Result<ParsedAuthorization> VerifyAsServer(const HttpRequest& req) {
  auto url = ParseUrl(req.url);
  EXPECT_TRUE(url.has_value());
  SigV4Request s;
  s.method = req.method;
  s.path = url->path;
  s.headers = req.headers;
  s.body = req.body;
  return VerifyRequest(s, kSecret);
}

std::string ErrorXml(std::string_view code, std::string_view message) {
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{}</Code>"
      "<Message>{}</Message></Error></Errors><RequestID>req-1</RequestID></Response>",
      code, message);
}

constexpr char kSubnetsXml[] =
    "<DescribeSubnetsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>r"
    "</requestId><subnetSet><item><subnetId>subnet-1</subnetId><vpcId>vpc-1</vpcId><cidrBlock>"
    "10.0.0.0/24</cidrBlock><availableIpAddressCount>250</availableIpAddressCount></item>"
    "</subnetSet></DescribeSubnetsResponse>";

class HttpEc2ApiTest : public ::testing::Test {
 protected:
  void SetUp() override { MakeApi({}); }

  void MakeApi(HttpEc2ApiOptions opts) {
    opts.endpoint = opts.endpoint.empty() ? "http://127.0.0.1:9999" : opts.endpoint;
    opts.region = "us-west-2";
    if (opts.rate_per_sec == 20.0) {
      opts.rate_per_sec = 0;  // unlimited unless a test asks
    }
    ASSERT_OK_AND_ASSIGN(api_, HttpEc2Api::Create(opts, http_, creds_, clock_,
                                                  std::make_unique<SeededRng>(7)));
    api_->SetEventCallback([this](const Ec2CallEvent& ev) { events_.push_back(ev); });
  }

  RecordingClock clock_;
  StaticCredentialsProvider creds_{
      AwsCredentials{"AKIDTEST", kSecret, "session/token+x=", std::nullopt, "static"}};
  FakeHttpClient http_;
  std::unique_ptr<HttpEc2Api> api_;
  std::vector<Ec2CallEvent> events_;
};

TEST_F(HttpEc2ApiTest, RequestsAreSignedAndVerifiableBySigV4) {
  http_.SetHandler([](const HttpRequest& req) -> Result<HttpResponse> {
    Result<ParsedAuthorization> auth = VerifyAsServer(req);
    if (!auth.has_value()) {
      return Reply(403, ErrorXml("SignatureDoesNotMatch", auth.error().message));
    }
    EXPECT_EQ(auth->region, "us-west-2");
    EXPECT_EQ(auth->service, "ec2");
    EXPECT_THAT(auth->signed_headers,
                ::testing::ElementsAre("content-type", "host", "x-amz-date",
                                       "x-amz-security-token"));
    return Reply(200, kSubnetsXml);
  });
  DescribeSubnetsRequest req;
  req.filters = {{"tag:Name", {"a b+c/d=e~f \xe2\x82\xac"}}, {"vpc-id", {"vpc-1"}}};
  ASSERT_OK_AND_ASSIGN(DescribeSubnetsPage page, api_->DescribeSubnets(req));
  ASSERT_EQ(page.subnets.size(), 1U);
  EXPECT_EQ(page.subnets[0].available_ip_address_count, 250);
  ASSERT_EQ(http_.Count(), 1U);
  HttpRequest sent = http_.Requests()[0];
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.url, "http://127.0.0.1:9999/");
  std::map<std::string, std::string> form = Form(sent);
  EXPECT_EQ(form["Action"], "DescribeSubnets");
  EXPECT_EQ(form["Version"], "2016-11-15");
  EXPECT_EQ(form["Filter.1.Value.1"], "a b+c/d=e~f \xe2\x82\xac");
  // The body starts with Action then Version, as botocore sends it.
  EXPECT_EQ(sent.body.rfind("Action=DescribeSubnets&Version=2016-11-15&", 0), 0U);
}

TEST_F(HttpEc2ApiTest, ThrottlingIsRetriedWithBackoffThenSucceeds) {
  int n = 0;
  http_.SetHandler([&n](const HttpRequest&) -> Result<HttpResponse> {
    if (n++ < 2) {
      return Reply(503, ErrorXml("RequestLimitExceeded", "Request limit exceeded."));
    }
    return Reply(200, kSubnetsXml);
  });
  ASSERT_OK(api_->DescribeSubnets({}));
  EXPECT_EQ(http_.Count(), 3U);
  ASSERT_EQ(events_.size(), 3U);
  EXPECT_EQ(events_[0].error, "RequestLimitExceeded");
  EXPECT_TRUE(events_[0].will_retry);
  EXPECT_EQ(events_[2].code, ErrorCode::kOk);
  EXPECT_EQ(clock_.sleeps.size(), 2U);
  auto stats = api_->Stats();
  EXPECT_EQ(stats["DescribeSubnets"].calls, 1U);
  EXPECT_EQ(stats["DescribeSubnets"].attempts, 3U);
  EXPECT_EQ(stats["DescribeSubnets"].throttles, 2U);
  EXPECT_EQ(stats["DescribeSubnets"].errors, 0U);
}

TEST_F(HttpEc2ApiTest, ClientErrorsAreNeverRetried) {
  for (const auto& [code, status, want] :
       std::vector<std::tuple<std::string, int, ErrorCode>>{
           {"InvalidParameterValue", 400, ErrorCode::kInvalidArgument},
           {"InvalidNetworkInterfaceID.NotFound", 400, ErrorCode::kNotFound},
           {"InsufficientFreeAddressesInSubnet", 400, ErrorCode::kResourceExhausted},
           {"UnauthorizedOperation", 403, ErrorCode::kPermissionDenied},
           {"InvalidNetworkInterface.InUse", 400, ErrorCode::kFailedPrecondition}}) {
    SCOPED_TRACE(code);
    FakeHttpClient http([&](const HttpRequest&) -> Result<HttpResponse> {
      return Reply(status, ErrorXml(code, "nope"));
    });
    RecordingClock clock;
    auto api = HttpEc2Api::Create({"http://127.0.0.1:1", "us-west-2"}, http, creds_, clock,
                                  std::make_unique<SeededRng>(1));
    ASSERT_TRUE(api.has_value());
    auto r = (*api)->DeleteNetworkInterface("eni-1");
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, want);
    EXPECT_EQ(r.error().reason, code);
    EXPECT_THAT(r.error().ToString(), HasSubstr("EC2 DeleteNetworkInterface"));
    EXPECT_EQ(http.Count(), 1U);
    EXPECT_TRUE(clock.sleeps.empty());
    auto stats = (*api)->Stats();
    EXPECT_EQ(stats["DeleteNetworkInterface"].errors_by_code[code], 1U);
  }
}

TEST_F(HttpEc2ApiTest, BackoffIsBoundedAndAttemptsCapped) {
  HttpEc2ApiOptions opts;
  opts.retry = {std::chrono::milliseconds(100), std::chrono::milliseconds(800), 8};
  MakeApi(opts);
  http_.SetHandler([](const HttpRequest&) -> Result<HttpResponse> {
    return Reply(500, "<html>Internal Server Error</html>");  // moto's HTML 500
  });
  auto r = api_->DescribeInstances({});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(r.error().reason, "HTTP500");
  EXPECT_EQ(http_.Count(), 8U);
  ASSERT_EQ(clock_.sleeps.size(), 7U);
  Duration total{};
  for (size_t i = 0; i < clock_.sleeps.size(); ++i) {
    EXPECT_LE(clock_.sleeps[i], BackoffCeiling(opts.retry, static_cast<int>(i)));
    EXPECT_LE(clock_.sleeps[i], opts.retry.cap);
    total += clock_.sleeps[i];
  }
  // 100+200+400+800*4 ms at most.
  EXPECT_LE(total, std::chrono::milliseconds(3900));
}

TEST_F(HttpEc2ApiTest, TimeoutsAndConnectionErrorsAreRetried) {
  int n = 0;
  http_.SetHandler([&n](const HttpRequest&) -> Result<HttpResponse> {
    ++n;
    if (n == 1) {
      Error e = MakeError(ErrorCode::kDeadlineExceeded, "timed out");
      e.reason = "Timeout";
      return e;
    }
    if (n == 2) {
      return MakeError(ErrorCode::kUnavailable, "connection refused");
    }
    return Reply(200,
                 "<AttachNetworkInterfaceResponse><attachmentId>eni-attach-1</attachmentId>"
                 "<networkCardIndex>1</networkCardIndex></AttachNetworkInterfaceResponse>");
  });
  ASSERT_OK_AND_ASSIGN(AttachNetworkInterfaceReply r,
                       api_->AttachNetworkInterface({"eni-1", "i-1", 1, 1}));
  EXPECT_EQ(r.attachment_id, "eni-attach-1");
  EXPECT_EQ(r.network_card_index, 1);
  EXPECT_EQ(n, 3);

  // When every attempt times out the caller sees kDeadlineExceeded.
  http_.SetHandler([](const HttpRequest&) -> Result<HttpResponse> {
    return MakeError(ErrorCode::kDeadlineExceeded, "timed out");
  });
  EXPECT_ERROR_CODE(api_->DescribeSubnets({}), ErrorCode::kDeadlineExceeded);
}

TEST_F(HttpEc2ApiTest, CreateGetsOneClientTokenReusedAcrossRetries) {
  std::vector<std::string> tokens;
  http_.SetHandler([&tokens](const HttpRequest& req) -> Result<HttpResponse> {
    tokens.push_back(Form(req)["ClientToken"]);
    if (tokens.size() == 1) {
      return MakeError(ErrorCode::kDeadlineExceeded, "timed out");
    }
    return Reply(200,
                 "<CreateNetworkInterfaceResponse><networkInterface><networkInterfaceId>eni-9"
                 "</networkInterfaceId><subnetId>subnet-1</subnetId><macAddress>"
                 "02:00:00:00:00:09</macAddress><privateIpAddress>10.0.0.9</privateIpAddress>"
                 "</networkInterface></CreateNetworkInterfaceResponse>");
  });
  CreateNetworkInterfaceRequest req;
  req.subnet_id = "subnet-1";
  ASSERT_OK_AND_ASSIGN(NetworkInterface eni, api_->CreateNetworkInterface(req));
  EXPECT_EQ(eni.id, "eni-9");
  ASSERT_EQ(tokens.size(), 2U);
  EXPECT_EQ(tokens[0].size(), 36U);
  EXPECT_EQ(tokens[0], tokens[1]);
}

TEST_F(HttpEc2ApiTest, TokenBucketSpacesRequests) {
  HttpEc2ApiOptions opts;
  opts.rate_per_sec = 10;
  opts.burst = 2;
  MakeApi(opts);
  http_.SetHandler([](const HttpRequest&) -> Result<HttpResponse> {
    return Reply(200, kSubnetsXml);
  });
  MonoTime start = clock_.Mono();
  for (int i = 0; i < 6; ++i) {
    ASSERT_OK(api_->DescribeSubnets({}));
  }
  // Two from the burst, then one every 100 ms.
  EXPECT_GE(clock_.Mono() - start, std::chrono::milliseconds(399));
  EXPECT_LE(clock_.Mono() - start, std::chrono::milliseconds(401));
}

TEST_F(HttpEc2ApiTest, MalformedSuccessBodyIsDataLossNotRetried) {
  http_.SetHandler([](const HttpRequest&) -> Result<HttpResponse> {
    return Reply(200, "<DescribeSubnetsResponse><subnetSet><item><cidrBlock>bad</cidrBlock>"
                      "<subnetId>s</subnetId></item></subnetSet></DescribeSubnetsResponse>");
  });
  EXPECT_ERROR_CODE(api_->DescribeSubnets({}), ErrorCode::kDataLoss);
  EXPECT_EQ(http_.Count(), 1U);
}

TEST_F(HttpEc2ApiTest, InvalidRequestsNeverReachTheWire) {
  EXPECT_ERROR_CODE(api_->AssignPrivateIpAddresses({}), ErrorCode::kInvalidArgument);
  EXPECT_EQ(http_.Count(), 0U);
}

TEST_F(HttpEc2ApiTest, PaginationHelperFollowsTokensAndDetectsLoops) {
  http_.SetHandler([](const HttpRequest& req) -> Result<HttpResponse> {
    std::map<std::string, std::string> f = Form(req);
    int page = f.count("NextToken") != 0U ? std::stoi(f["NextToken"]) : 0;
    std::string next = page < 2 ? fmt::format("<nextToken>{}</nextToken>", page + 1) : "";
    return Reply(200, fmt::format("<DescribeNetworkInterfacesResponse><networkInterfaceSet><item>"
                                  "<networkInterfaceId>eni-{}</networkInterfaceId></item>"
                                  "</networkInterfaceSet>{}</DescribeNetworkInterfacesResponse>",
                                  page, next));
  });
  DescribeNetworkInterfacesRequest req;
  req.max_results = 5;
  ASSERT_OK_AND_ASSIGN(auto all, DescribeAllNetworkInterfaces(*api_, req));
  ASSERT_EQ(all.size(), 3U);
  EXPECT_EQ(all[2].id, "eni-2");

  http_.SetHandler([](const HttpRequest&) -> Result<HttpResponse> {
    return Reply(200, "<DescribeNetworkInterfacesResponse><networkInterfaceSet/><nextToken>same"
                      "</nextToken></DescribeNetworkInterfacesResponse>");
  });
  EXPECT_ERROR_CODE(DescribeAllNetworkInterfaces(*api_, {}), ErrorCode::kDataLoss);
}

TEST_F(HttpEc2ApiTest, CreateRejectsBadEndpointOrRegion) {
  EXPECT_ERROR_CODE(HttpEc2Api::Create({"not a url", "us-west-2"}, http_, creds_, clock_, nullptr),
                    ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(HttpEc2Api::Create({"https://ec2.x", ""}, http_, creds_, clock_, nullptr),
                    ErrorCode::kInvalidArgument);
}

TEST(TokenBucket, BurstThenRate) {
  MonoTime t0{};
  TokenBucket b(5, 3, t0);
  EXPECT_EQ(b.Reserve(t0), Duration::zero());
  EXPECT_EQ(b.Reserve(t0), Duration::zero());
  EXPECT_EQ(b.Reserve(t0), Duration::zero());
  EXPECT_EQ(b.Reserve(t0), std::chrono::milliseconds(200));
  EXPECT_EQ(b.Reserve(t0), std::chrono::milliseconds(400));
  // After 1 s the debt (-2) is repaid and 3 more tokens accrue, capped at the burst.
  EXPECT_NEAR(b.Available(t0 + std::chrono::seconds(1)), 3.0, 1e-9);
  EXPECT_NEAR(b.Available(t0 + std::chrono::seconds(10)), 3.0, 1e-9);
  TokenBucket off(0, 1, t0);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(off.Reserve(t0), Duration::zero());
  }
}

TEST(ParseUrl, Forms) {
  ASSERT_OK_AND_ASSIGN(ParsedUrl u, ParseUrl("https://ec2.us-west-2.amazonaws.com"));
  EXPECT_EQ(u.host_port, "ec2.us-west-2.amazonaws.com");
  EXPECT_EQ(u.path, "/");
  ASSERT_OK_AND_ASSIGN(ParsedUrl v, ParseUrl("http://[::1]:8080/a/b?x=1"));
  EXPECT_EQ(v.host, "[::1]");
  EXPECT_EQ(v.port, 8080);
  EXPECT_EQ(v.path, "/a/b");
  EXPECT_EQ(v.query, "x=1");
  for (const char* bad : {"", "ec2.amazonaws.com", "ftp://x", "http://", "http://h:0",
                          "http://h:99999", "http://u@h/", "http://[::1"}) {
    SCOPED_TRACE(bad);
    EXPECT_ERROR_CODE(ParseUrl(bad), ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace vpccni::cloud
