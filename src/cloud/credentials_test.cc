#include "cloud/credentials.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/log.h"
#include "cloud/endpoints.h"
#include "cloud/fake_http_client.h"
#include "testing/fake_clock.h"
#include "testing/result_matchers.h"

namespace vpccni::cloud {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::FakeHttpClient;
using testing::Reply;

constexpr char kSecret[] = "SECRETwJalrXUtnFEMIK7MDENG";
constexpr char kSession[] = "SESSIONTOKENabc123";
constexpr char kJwt[] = "eyJhbGciOiJSUzI1NiJ9.JWTPAYLOAD.JWTSIG";
constexpr char kPodIdentityToken[] = "PODIDENTITYTOKEN42";

class CapturingSink : public log::Sink {
 public:
  void Write(std::string_view line) override {
    std::lock_guard<std::mutex> lock(mu);
    lines.emplace_back(line);
  }
  std::string All() {
    std::lock_guard<std::mutex> lock(mu);
    std::string s;
    for (const auto& l : lines) {
      s += l + "\n";
    }
    return s;
  }
  std::mutex mu;
  std::vector<std::string> lines;
};

std::string StsXml(const std::string& expiration) {
  return fmt::format(
      "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
      "<AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIAWEBID</AccessKeyId>"
      "<SecretAccessKey>{}</SecretAccessKey><SessionToken>{}</SessionToken><Expiration>{}"
      "</Expiration></Credentials></AssumeRoleWithWebIdentityResult>"
      "</AssumeRoleWithWebIdentityResponse>",
      kSecret, kSession, expiration);
}

std::string CredsJson(const std::string& key, const std::string& expiration) {
  return fmt::format(
      R"({{"Code":"Success","AccessKeyId":"{}","SecretAccessKey":"{}","Token":"{}",)"
      R"("Expiration":"{}"}})",
      key, kSecret, kSession, expiration);
}

FileReader Files(std::map<std::string, std::string> files) {
  return [files](const std::string& path) -> Result<std::string> {
    auto it = files.find(path);
    if (it == files.end()) {
      return MakeError(ErrorCode::kNotFound, "no file {}", path);
    }
    return it->second;
  };
}

TEST(Rfc3339, Forms) {
  ASSERT_OK_AND_ASSIGN(WallTime a, ParseRfc3339("2026-11-26T06:54:49Z"));
  ASSERT_OK_AND_ASSIGN(WallTime b, ParseRfc3339("2026-11-26T06:54:49.123Z"));
  ASSERT_OK_AND_ASSIGN(WallTime c, ParseRfc3339("2026-11-26T08:54:49+02:00"));
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, c);
  for (const char* bad : {"", "2026-11-26", "2026-11-26T06:54:49", "2026-13-26T06:54:49Z",
                          "2026-11-26T06:54:49.Z", "2026-11-26T06:54:49+0200",
                          "4052-11-26T06:54:49Z" /* fuzz: ns overflow */}) {
    SCOPED_TRACE(bad);
    EXPECT_ERROR_CODE(ParseRfc3339(bad), ErrorCode::kInvalidArgument);
  }
}

TEST(CredentialsJson, ParsesAndRejectsWithoutQuotingSecrets) {
  ASSERT_OK_AND_ASSIGN(AwsCredentials c,
                       ParseCredentialsJson(CredsJson("ASIAX", "2026-11-26T06:54:49Z"), "imds"));
  EXPECT_EQ(c.access_key_id, "ASIAX");
  EXPECT_EQ(c.session_token, kSession);
  EXPECT_TRUE(c.expiration.has_value());
  auto bad = ParseCredentialsJson(
      std::string(R"({"AccessKeyId":"A","SecretAccessKey":")") + kSecret + R"(","Expiration":1})",
      "imds");
  EXPECT_ERROR_CODE(bad, ErrorCode::kDataLoss);  // Expiration must be an RFC 3339 string
  auto missing = ParseCredentialsJson(std::string(R"({"SecretAccessKey":")") + kSecret + "\"}",
                                      "imds");
  ASSERT_FALSE(missing.has_value());
  EXPECT_THAT(missing.error().ToString(), Not(HasSubstr(kSecret)));
  auto not_json = ParseCredentialsJson(std::string("oops ") + kSecret, "container");
  ASSERT_FALSE(not_json.has_value());
  EXPECT_EQ(not_json.error().code, ErrorCode::kDataLoss);
  EXPECT_THAT(not_json.error().ToString(), Not(HasSubstr(kSecret)));
  auto failed = ParseCredentialsJson(R"({"Code":"AssumeRoleUnauthorizedAccess","Message":"no"})",
                                     "imds");
  EXPECT_ERROR_CODE(failed, ErrorCode::kPermissionDenied);
}

TEST(EnvProvider, Keys) {
  EnvCredentialsProvider none(EnvMap{});
  EXPECT_ERROR_CODE(none.Get(), ErrorCode::kNotFound);
  EnvCredentialsProvider half(EnvMap{{"AWS_ACCESS_KEY_ID", "AK"}});
  EXPECT_ERROR_CODE(half.Get(), ErrorCode::kInvalidArgument);
  EnvCredentialsProvider full(
      EnvMap{{"AWS_ACCESS_KEY_ID", "AK"}, {"AWS_SECRET_ACCESS_KEY", "SK"}, {"AWS_SESSION_TOKEN", "T"}});
  ASSERT_OK_AND_ASSIGN(AwsCredentials c, full.Get());
  EXPECT_EQ(c.session_token, "T");
  EXPECT_EQ(c.provider, "env");
}

class ChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sink_ = std::make_shared<CapturingSink>();
    log::SetSink(sink_);
    log::SetLevel(log::Level::kDebug);
  }
  void TearDown() override {
    log::SetSink(std::make_shared<log::FdSink>(2));
    log::SetLevel(log::Level::kInfo);
    // No secret ever reaches a log line.
    std::string all = sink_->All();
    for (const char* secret : {kSecret, kSession, kJwt, kPodIdentityToken}) {
      EXPECT_THAT(all, Not(HasSubstr(secret)));
    }
  }

  std::shared_ptr<CapturingSink> sink_;
  vpccni::testing::FakeClock clock_;
  SeededRng rng_{1};
};

TEST_F(ChainTest, EnvWinsOverEverything) {
  FakeHttpClient http;
  EnvMap env = {{"AWS_ACCESS_KEY_ID", "AKENV"},
                {"AWS_SECRET_ACCESS_KEY", kSecret},
                {"AWS_WEB_IDENTITY_TOKEN_FILE", "/t"},
                {"AWS_ROLE_ARN", "arn:aws:iam::1:role/r"}};
  ASSERT_OK_AND_ASSIGN(auto chain, MakeDefaultCredentialsChain(env, "us-west-2", http, nullptr,
                                                               clock_, Files({})));
  ASSERT_OK_AND_ASSIGN(AwsCredentials c, chain->Get());
  EXPECT_EQ(c.access_key_id, "AKENV");
  EXPECT_EQ(http.Count(), 0U);
}

TEST_F(ChainTest, WebIdentityCallsStsUnsignedAndCachesUntilFiveMinutesBeforeExpiry) {
  WallTime exp = clock_.Now() + std::chrono::hours(1);
  std::string exp_text = AmzDate(exp);  // YYYYMMDDTHHMMSSZ -> RFC 3339 below
  exp_text = fmt::format("{}-{}-{}T{}:{}:{}Z", exp_text.substr(0, 4), exp_text.substr(4, 2),
                         exp_text.substr(6, 2), exp_text.substr(9, 2), exp_text.substr(11, 2),
                         exp_text.substr(13, 2));
  FakeHttpClient http([&](const HttpRequest& req) -> Result<HttpResponse> {
    EXPECT_EQ(req.url, "https://sts.us-west-2.amazonaws.com/");
    for (const auto& [k, v] : req.headers) {
      EXPECT_NE(k, "Authorization");
    }
    auto form = ParseQueryString(req.body, false);
    EXPECT_TRUE(form.has_value());
    std::map<std::string, std::string> f(form->begin(), form->end());
    EXPECT_EQ(f["Action"], "AssumeRoleWithWebIdentity");
    EXPECT_EQ(f["RoleArn"], "arn:aws:iam::123456789012:role/cni");
    EXPECT_EQ(f["RoleSessionName"], "node-1");
    EXPECT_EQ(f["WebIdentityToken"], kJwt);
    return Reply(200, StsXml(exp_text));
  });
  EnvMap env = {{"AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token"},
                {"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/cni"},
                {"AWS_ROLE_SESSION_NAME", "node-1"}};
  ASSERT_OK_AND_ASSIGN(
      auto chain, MakeDefaultCredentialsChain(env, "us-west-2", http, nullptr, clock_,
                                              Files({{"/var/run/token", std::string(kJwt) + "\n"}})));
  ASSERT_OK_AND_ASSIGN(AwsCredentials c, chain->Get());
  EXPECT_EQ(c.access_key_id, "ASIAWEBID");
  EXPECT_EQ(c.provider, "web-identity");
  EXPECT_EQ(chain->Fetches(), 1);
  clock_.Advance(std::chrono::minutes(54));
  ASSERT_OK(chain->Get());
  EXPECT_EQ(chain->Fetches(), 1);
  clock_.Advance(std::chrono::minutes(2));  // 56 min: inside the 5-minute window
  ASSERT_OK(chain->Get());
  EXPECT_EQ(chain->Fetches(), 2);
  EXPECT_EQ(http.Count(), 2U);
}

TEST_F(ChainTest, WebIdentityStsErrorStopsTheChain) {
  FakeHttpClient http([](const HttpRequest&) -> Result<HttpResponse> {
    return Reply(400,
                 "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code>"
                 "<Message>bad token</Message></Error><RequestId>r</RequestId></ErrorResponse>");
  });
  EnvMap env = {{"AWS_WEB_IDENTITY_TOKEN_FILE", "/t"},
                {"AWS_ROLE_ARN", "arn:aws:iam::1:role/r"},
                {"AWS_ENDPOINT_URL_STS", "http://127.0.0.1:5000"}};
  ASSERT_OK_AND_ASSIGN(auto chain, MakeDefaultCredentialsChain(env, "us-west-2", http, nullptr,
                                                               clock_, Files({{"/t", kJwt}})));
  auto r = chain->Get();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(r.error().reason, "InvalidIdentityToken");
  EXPECT_EQ(http.Requests()[0].url, "http://127.0.0.1:5000/");
  LOG_ERROR("test", "{}", r.error().ToString());  // what a caller would log
}

TEST_F(ChainTest, HalfConfiguredWebIdentityIsRejected) {
  FakeHttpClient http;
  EXPECT_ERROR_CODE(MakeDefaultCredentialsChain({{"AWS_ROLE_ARN", "arn"}}, "us-west-2", http,
                                                nullptr, clock_),
                    ErrorCode::kInvalidArgument);
}

TEST_F(ChainTest, ContainerCredentialsWithTokenFile) {
  FakeHttpClient http([](const HttpRequest& req) -> Result<HttpResponse> {
    EXPECT_EQ(req.url, "http://169.254.170.23/v1/credentials");
    std::string auth;
    for (const auto& [k, v] : req.headers) {
      if (k == "Authorization") {
        auth = v;
      }
    }
    if (auth != kPodIdentityToken) {
      return Reply(401, "");
    }
    return Reply(200, CredsJson("ASIAPOD", "2099-01-01T00:00:00Z"));
  });
  EnvMap env = {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials"},
                {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/pod-identity/token"}};
  ASSERT_OK_AND_ASSIGN(auto chain,
                       MakeDefaultCredentialsChain(
                           env, "us-west-2", http, nullptr, clock_,
                           Files({{"/pod-identity/token", std::string(kPodIdentityToken)}})));
  ASSERT_OK_AND_ASSIGN(AwsCredentials c, chain->Get());
  EXPECT_EQ(c.access_key_id, "ASIAPOD");
  EXPECT_EQ(c.provider, "container");
}

TEST_F(ChainTest, ContainerUriMustBeLocalOrHttps) {
  FakeHttpClient http;
  EXPECT_ERROR_CODE(
      MakeDefaultCredentialsChain({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://evil.example/"}},
                                  "us-west-2", http, nullptr, clock_),
      ErrorCode::kInvalidArgument);
}

TEST_F(ChainTest, ImdsRoleIsTheLastResortAndRefreshFailureKeepsValidCreds) {
  int fail = 0;
  FakeHttpClient http([&](const HttpRequest& req) -> Result<HttpResponse> {
    if (req.url.find("/latest/api/token") != std::string::npos) {
      return Reply(200, "imds-token");
    }
    if (fail > 0) {
      return Reply(500, "");
    }
    if (req.url.ends_with("/iam/security-credentials/")) {
      return Reply(200, "node-role");
    }
    if (req.url.ends_with("/iam/security-credentials/node-role")) {
      return Reply(200, CredsJson("ASIAIMDS", "2027-01-15T09:00:00Z"));
    }
    return Reply(404, "");
  });
  ImdsOptions io;
  io.retry.max_attempts = 1;
  ImdsClient imds(http, clock_, rng_, io);
  ASSERT_OK_AND_ASSIGN(auto chain,
                       MakeDefaultCredentialsChain({}, "us-west-2", http, &imds, clock_));
  ASSERT_OK_AND_ASSIGN(AwsCredentials c, chain->Get());
  EXPECT_EQ(c.access_key_id, "ASIAIMDS");
  EXPECT_EQ(c.provider, "imds");
  // FakeClock starts at 2027-01-15T08:00:00Z; move into the refresh window and fail.
  clock_.Advance(*c.expiration - clock_.Now() - std::chrono::minutes(2));
  fail = 1;
  ASSERT_OK_AND_ASSIGN(AwsCredentials again, chain->Get());
  EXPECT_EQ(again.access_key_id, "ASIAIMDS");
  EXPECT_EQ(chain->Fetches(), 2);
  // Past expiry the failure surfaces.
  clock_.Advance(std::chrono::minutes(3));
  EXPECT_FALSE(chain->Get().has_value());
}

TEST_F(ChainTest, NothingConfiguredIsNotFound) {
  FakeHttpClient http;
  ASSERT_OK_AND_ASSIGN(auto chain, MakeDefaultCredentialsChain({}, "us-west-2", http, nullptr,
                                                               clock_));
  EXPECT_ERROR_CODE(chain->Get(), ErrorCode::kNotFound);
}

TEST(Endpoints, SdkConventions) {
  ASSERT_OK_AND_ASSIGN(std::string r, ResolveRegion({{"AWS_DEFAULT_REGION", "eu-west-1"}}));
  EXPECT_EQ(r, "eu-west-1");
  ASSERT_OK_AND_ASSIGN(std::string r2, ResolveRegion({{"AWS_REGION", "us-east-2"},
                                                      {"AWS_DEFAULT_REGION", "eu-west-1"}}));
  EXPECT_EQ(r2, "us-east-2");
  ASSERT_OK_AND_ASSIGN(std::string r3,
                       ResolveRegion({}, []() -> Result<std::string> { return "ap-south-1"; }));
  EXPECT_EQ(r3, "ap-south-1");
  EXPECT_ERROR_CODE(ResolveRegion({}), ErrorCode::kFailedPrecondition);
  EXPECT_ERROR_CODE(ResolveRegion({{"AWS_REGION", "US WEST"}}), ErrorCode::kInvalidArgument);

  ASSERT_OK_AND_ASSIGN(std::string e, ResolveEc2Endpoint({}, "us-west-2"));
  EXPECT_EQ(e, "https://ec2.us-west-2.amazonaws.com");
  ASSERT_OK_AND_ASSIGN(std::string cn, ResolveEc2Endpoint({}, "cn-north-1"));
  EXPECT_EQ(cn, "https://ec2.cn-north-1.amazonaws.com.cn");
  ASSERT_OK_AND_ASSIGN(std::string o, ResolveEc2Endpoint({{"AWS_ENDPOINT_URL", "http://a:1/"},
                                                          {"AWS_ENDPOINT_URL_EC2", "http://b:2/"}},
                                                         "us-west-2"));
  EXPECT_EQ(o, "http://b:2");
  ASSERT_OK_AND_ASSIGN(std::string g, ResolveEc2Endpoint({{"AWS_ENDPOINT_URL", "http://a:1"}},
                                                         "us-west-2"));
  EXPECT_EQ(g, "http://a:1");
  ASSERT_OK_AND_ASSIGN(std::string ign,
                       ResolveEc2Endpoint({{"AWS_ENDPOINT_URL", "http://a:1"},
                                           {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"}},
                                          "us-west-2"));
  EXPECT_EQ(ign, "https://ec2.us-west-2.amazonaws.com");
  EXPECT_ERROR_CODE(ResolveEc2Endpoint({{"AWS_ENDPOINT_URL_EC2", "ec2.local"}}, "us-west-2"),
                    ErrorCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(std::string sts, ResolveStsEndpoint({}, "eu-west-1"));
  EXPECT_EQ(sts, "https://sts.eu-west-1.amazonaws.com");
  ASSERT_OK_AND_ASSIGN(std::string imds, ResolveImdsEndpoint({}));
  EXPECT_EQ(imds, "http://169.254.169.254");
  ASSERT_OK_AND_ASSIGN(std::string imds6,
                       ResolveImdsEndpoint({{"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6"}}));
  EXPECT_EQ(imds6, "http://[fd00:ec2::254]");
  ASSERT_OK_AND_ASSIGN(std::string imdso, ResolveImdsEndpoint(
                                              {{"AWS_EC2_METADATA_SERVICE_ENDPOINT",
                                                "http://127.0.0.1:1338/"}}));
  EXPECT_EQ(imdso, "http://127.0.0.1:1338");
}

}  // namespace
}  // namespace vpccni::cloud
