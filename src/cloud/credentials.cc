#include "cloud/credentials.h"

#include <fstream>
#include <iterator>
#include <sstream>

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "base/log.h"
#include "base/strings.h"
#include "cloud/ec2_api.h"
#include "cloud/ec2_query_codec.h"

namespace vpccni::cloud {
namespace {

constexpr char kComponent[] = "cloud";

std::string EnvGet(const EnvMap& env, const std::string& key) {
  auto it = env.find(key);
  return it == env.end() ? "" : std::string(strings::Trim(it->second));
}

Error BadReply(std::string_view provider, std::string_view why) {
  Error e = MakeError(ErrorCode::kDataLoss, "{} credentials reply is malformed: {}", provider, why);
  e.reason = "MalformedCredentials";
  return e;
}

std::string_view LocalName(const char* name) {
  std::string_view s(name);
  size_t colon = s.find(':');
  return colon == std::string_view::npos ? s : s.substr(colon + 1);
}

pugi::xml_node Child(const pugi::xml_node& n, std::string_view name) {
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && LocalName(c.name()) == name) {
      return c;
    }
  }
  return {};
}

std::string Text(const pugi::xml_node& n, std::string_view name) {
  return std::string(strings::Trim(Child(n, name).child_value()));
}

int Digits(std::string_view s, size_t pos, size_t n, bool* ok) {
  int v = 0;
  if (pos + n > s.size()) {
    *ok = false;
    return 0;
  }
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') {
      *ok = false;
      return 0;
    }
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// An error reply from STS or a container endpoint, mapped like EC2 errors.
Error HttpFailure(std::string_view what, const HttpResponse& resp) {
  if (std::optional<codec::ErrorReply> er = codec::DecodeErrorReply(resp.body); er.has_value()) {
    Error e = MakeEc2Error(er->code, er->message, resp.status, er->request_id);
    e.AddContext(std::string(what));
    return e;
  }
  ErrorCode code = resp.status >= 500 || resp.status == 429 ? ErrorCode::kUnavailable
                   : resp.status == 401 || resp.status == 403 ? ErrorCode::kPermissionDenied
                   : resp.status == 404                        ? ErrorCode::kNotFound
                                                               : ErrorCode::kInternal;
  if (code == ErrorCode::kNotFound) {
    // Not "not configured": the endpoint was configured but has nothing. Keep the chain from
    // skipping it.
    code = ErrorCode::kFailedPrecondition;
  }
  Error e = MakeError(code, "{}: HTTP {}", what, resp.status);
  e.reason = "HttpError";
  return e;
}

bool AllowedContainerHost(const ParsedUrl& u) {
  if (u.scheme == "https") {
    return true;
  }
  const std::string& h = u.host;
  return h == "localhost" || h.rfind("127.", 0) == 0 || h == "[::1]" || h == "169.254.170.2" ||
         h == "169.254.170.23" || h == "[fd00:ec2::23]";
}

}  // namespace

Result<std::string> ReadFileToString(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return MakeSysError(errno, "cannot read {}", path);
  }
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return data;
}

std::string RedactedKeyId(const std::string& access_key_id) {
  return access_key_id.substr(0, std::min<size_t>(4, access_key_id.size())) + "****";
}

Result<WallTime> ParseRfc3339(std::string_view s) {
  s = strings::Trim(s);
  bool ok = s.size() >= 19 && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == 't' ||
                                                               s[10] == ' ') &&
            s[13] == ':' && s[16] == ':';
  struct tm t {};
  t.tm_year = Digits(s, 0, 4, &ok) - 1900;
  t.tm_mon = Digits(s, 5, 2, &ok) - 1;
  t.tm_mday = Digits(s, 8, 2, &ok);
  t.tm_hour = Digits(s, 11, 2, &ok);
  t.tm_min = Digits(s, 14, 2, &ok);
  t.tm_sec = Digits(s, 17, 2, &ok);
  size_t pos = 19;
  if (ok && pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      ++pos;
    }
    ok = pos > start;
  }
  int offset_secs = 0;
  if (ok && pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (ok && pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int sign = s[pos] == '+' ? 1 : -1;
    ok = pos + 6 == s.size() && s[pos + 3] == ':';
    int hh = Digits(s, pos + 1, 2, &ok);
    int mm = Digits(s, pos + 4, 2, &ok);
    offset_secs = sign * (hh * 3600 + mm * 60);
    pos += 6;
  } else {
    ok = false;
  }
  // system_clock counts nanoseconds: years past 2262 would overflow, so bound them.
  if (!ok || pos != s.size() || t.tm_year < 70 || t.tm_year > 300 || t.tm_mon < 0 || t.tm_mon > 11 || t.tm_mday < 1 ||
      t.tm_mday > 31 || t.tm_hour > 23 || t.tm_min > 59 || t.tm_sec > 60) {
    return MakeError(ErrorCode::kInvalidArgument, "'{}' is not an RFC 3339 time",
                     s.substr(0, 40));
  }
  time_t secs = timegm(&t) - offset_secs;
  return std::chrono::system_clock::from_time_t(secs);
}

Result<AwsCredentials> ParseCredentialsJson(std::string_view body, std::string provider) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return BadReply(provider, "not a JSON object");
  }
  auto str = [&](const char* key) -> std::string {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : "";
  };
  if (std::string code = str("Code"); !code.empty() && code != "Success") {
    Error e = MakeError(ErrorCode::kPermissionDenied, "{} credentials: Code={} {}", provider,
                        code.substr(0, 64), str("Message").substr(0, 200));
    e.reason = code.substr(0, 64);
    return e;
  }
  AwsCredentials c;
  c.access_key_id = str("AccessKeyId");
  c.secret_access_key = str("SecretAccessKey");
  c.session_token = str("Token");
  if (c.session_token.empty()) {
    c.session_token = str("SessionToken");
  }
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return BadReply(provider, "AccessKeyId or SecretAccessKey missing");
  }
  if (j.contains("Expiration")) {
    std::string exp = str("Expiration");
    Result<WallTime> t = ParseRfc3339(exp);
    if (!t.has_value()) {
      return BadReply(provider, "Expiration is not an RFC 3339 time");
    }
    c.expiration = *t;
  }
  c.provider = std::move(provider);
  return c;
}

Result<AwsCredentials> ParseAssumeRoleWithWebIdentityXml(std::string_view xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8)) {
    return BadReply("web-identity", "not XML");
  }
  pugi::xml_node root = doc.document_element();
  if (!root || LocalName(root.name()) != "AssumeRoleWithWebIdentityResponse") {
    return BadReply("web-identity", "root is not AssumeRoleWithWebIdentityResponse");
  }
  pugi::xml_node creds = Child(Child(root, "AssumeRoleWithWebIdentityResult"), "Credentials");
  AwsCredentials c;
  c.access_key_id = Text(creds, "AccessKeyId");
  c.secret_access_key = Text(creds, "SecretAccessKey");
  c.session_token = Text(creds, "SessionToken");
  if (c.access_key_id.empty() || c.secret_access_key.empty() || c.session_token.empty()) {
    return BadReply("web-identity", "Credentials lack AccessKeyId/SecretAccessKey/SessionToken");
  }
  if (std::string exp = Text(creds, "Expiration"); !exp.empty()) {
    Result<WallTime> t = ParseRfc3339(exp);
    if (!t.has_value()) {
      return BadReply("web-identity", "Expiration is not an RFC 3339 time");
    }
    c.expiration = *t;
  }
  c.provider = "web-identity";
  return c;
}

// ---- env

EnvCredentialsProvider::EnvCredentialsProvider(const EnvMap& env)
    : key_id_(EnvGet(env, "AWS_ACCESS_KEY_ID")),
      secret_(EnvGet(env, "AWS_SECRET_ACCESS_KEY")),
      token_(EnvGet(env, "AWS_SESSION_TOKEN")) {}

Result<AwsCredentials> EnvCredentialsProvider::Get() {
  if (key_id_.empty() && secret_.empty()) {
    return MakeError(ErrorCode::kNotFound, "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY not set");
  }
  if (key_id_.empty() || secret_.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together");
  }
  return AwsCredentials{key_id_, secret_, token_, std::nullopt, "env"};
}

// ---- web identity

WebIdentityCredentialsProvider::WebIdentityCredentialsProvider(WebIdentityConfig config,
                                                               HttpClient& http,
                                                               FileReader read_file)
    : config_(std::move(config)), http_(http), read_file_(std::move(read_file)) {}

Result<AwsCredentials> WebIdentityCredentialsProvider::Get() {
  Result<std::string> token = read_file_(config_.token_file);
  if (!token.has_value()) {
    Error e = std::move(token.error());
    e.AddContext("AWS_WEB_IDENTITY_TOKEN_FILE");
    return e;
  }
  std::string jwt(strings::Trim(*token));
  if (jwt.empty()) {
    return MakeError(ErrorCode::kFailedPrecondition, "web identity token file {} is empty",
                     config_.token_file);
  }
  HttpRequest req;
  req.method = "POST";
  req.url = config_.sts_endpoint + "/";
  req.timeout = config_.timeout;
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  req.body = EncodeQueryString({{"Action", "AssumeRoleWithWebIdentity"},
                                {"Version", "2011-06-15"},
                                {"RoleArn", config_.role_arn},
                                {"RoleSessionName", config_.session_name},
                                {"WebIdentityToken", jwt}});
  Result<HttpResponse> resp = http_.Send(req);
  if (!resp.has_value()) {
    return WithContext(Result<AwsCredentials>(std::move(resp.error())),
                       "STS AssumeRoleWithWebIdentity");
  }
  if (resp->status != 200) {
    return HttpFailure("STS AssumeRoleWithWebIdentity", *resp);
  }
  ASSIGN_OR_RETURN(AwsCredentials c, ParseAssumeRoleWithWebIdentityXml(resp->body));
  LOG_INFO(kComponent, "web identity credentials for {} (key {})", config_.role_arn,
           RedactedKeyId(c.access_key_id));
  return c;
}

// ---- container

ContainerCredentialsProvider::ContainerCredentialsProvider(ContainerCredentialsConfig config,
                                                           HttpClient& http, FileReader read_file)
    : config_(std::move(config)), http_(http), read_file_(std::move(read_file)) {}

Result<AwsCredentials> ContainerCredentialsProvider::Get() {
  HttpRequest req;
  req.method = "GET";
  req.url = config_.uri;
  req.timeout = config_.timeout;
  std::string auth = config_.auth_token;
  if (!config_.auth_token_file.empty()) {
    Result<std::string> t = read_file_(config_.auth_token_file);
    if (!t.has_value()) {
      Error e = std::move(t.error());
      e.AddContext("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
      return e;
    }
    auth = std::string(strings::Trim(*t));
  }
  if (auth.find_first_of("\r\n") != std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "container authorization token contains a line break");
  }
  if (!auth.empty()) {
    req.headers.emplace_back("Authorization", auth);
  }
  Result<HttpResponse> resp = http_.Send(req);
  if (!resp.has_value()) {
    return WithContext(Result<AwsCredentials>(std::move(resp.error())),
                       "container credentials endpoint");
  }
  if (resp->status != 200) {
    return HttpFailure("container credentials endpoint", *resp);
  }
  ASSIGN_OR_RETURN(AwsCredentials c, ParseCredentialsJson(resp->body, "container"));
  LOG_INFO(kComponent, "container credentials (key {})", RedactedKeyId(c.access_key_id));
  return c;
}

// ---- IMDS role

Result<AwsCredentials> ImdsCredentialsProvider::Get() {
  Result<std::optional<std::string>> role = imds_.IamRoleName();
  if (!role.has_value()) {
    return WithContext(Result<AwsCredentials>(std::move(role.error())), "IMDS role credentials");
  }
  if (!role->has_value()) {
    return MakeError(ErrorCode::kNotFound, "the instance has no IAM role");
  }
  ASSIGN_OR_RETURN(std::string body, imds_.Get("iam/security-credentials/" + **role));
  ASSIGN_OR_RETURN(AwsCredentials c, ParseCredentialsJson(body, "imds"));
  LOG_INFO(kComponent, "IMDS role {} credentials (key {})", **role,
           RedactedKeyId(c.access_key_id));
  return c;
}

// ---- chain

Result<AwsCredentials> ChainCredentialsProvider::Get() {
  std::vector<std::string> tried;
  for (const auto& p : providers_) {
    Result<AwsCredentials> c = p->Get();
    if (c.has_value()) {
      return c;
    }
    if (c.error().code != ErrorCode::kNotFound) {
      return WithContext(std::move(c), "credentials from {}", p->Name());
    }
    tried.push_back(fmt::format("{} ({})", p->Name(), c.error().message));
  }
  return MakeError(ErrorCode::kNotFound, "no AWS credentials found; tried {}",
                   strings::Join(tried, ", "));
}

// ---- cache

CachingCredentialsProvider::CachingCredentialsProvider(std::unique_ptr<CredentialsProvider> inner,
                                                       Clock& clock, Duration refresh_before)
    : inner_(std::move(inner)), clock_(clock), refresh_before_(refresh_before) {}

Result<AwsCredentials> CachingCredentialsProvider::Get() {
  std::lock_guard<std::mutex> lock(mu_);
  WallTime now = clock_.Now();
  if (cached_.has_value() &&
      (!cached_->expiration.has_value() || now + refresh_before_ < *cached_->expiration)) {
    return *cached_;
  }
  ++fetches_;
  Result<AwsCredentials> fresh = inner_->Get();
  if (fresh.has_value()) {
    cached_ = *fresh;
    return fresh;
  }
  if (cached_.has_value() && cached_->expiration.has_value() && now < *cached_->expiration) {
    LOG_WARN(kComponent, "credential refresh failed, using cached credentials until expiry: {}",
             fresh.error().ToString());
    return *cached_;
  }
  return fresh;
}

void CachingCredentialsProvider::Invalidate() {
  std::lock_guard<std::mutex> lock(mu_);
  cached_.reset();
}

int CachingCredentialsProvider::Fetches() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fetches_;
}

Result<std::unique_ptr<CachingCredentialsProvider>> MakeDefaultCredentialsChain(
    const EnvMap& env, const std::string& region, HttpClient& http, ImdsClient* imds,
    Clock& clock, FileReader read_file) {
  std::vector<std::unique_ptr<CredentialsProvider>> chain;
  chain.push_back(std::make_unique<EnvCredentialsProvider>(env));

  std::string token_file = EnvGet(env, "AWS_WEB_IDENTITY_TOKEN_FILE");
  std::string role_arn = EnvGet(env, "AWS_ROLE_ARN");
  if (!token_file.empty() || !role_arn.empty()) {
    if (token_file.empty() || role_arn.empty()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN must be set together");
    }
    WebIdentityConfig wi;
    wi.token_file = token_file;
    wi.role_arn = role_arn;
    wi.session_name = EnvGet(env, "AWS_ROLE_SESSION_NAME");
    if (wi.session_name.empty()) {
      wi.session_name = fmt::format("vpc-cni-{}", ToUnixNanos(clock.Now()) / 1'000'000);
    }
    ASSIGN_OR_RETURN(wi.sts_endpoint, ResolveStsEndpoint(env, region));
    chain.push_back(
        std::make_unique<WebIdentityCredentialsProvider>(std::move(wi), http, read_file));
  }

  std::string full_uri = EnvGet(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
  std::string relative_uri = EnvGet(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  if (!full_uri.empty() || !relative_uri.empty()) {
    ContainerCredentialsConfig cc;
    cc.uri = !relative_uri.empty() ? "http://169.254.170.2" + relative_uri : full_uri;
    Result<ParsedUrl> u = ParseUrl(cc.uri);
    if (!u.has_value()) {
      return WithContext(Result<std::unique_ptr<CachingCredentialsProvider>>(
                             std::move(u.error())),
                         "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    }
    if (!AllowedContainerHost(*u)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "AWS_CONTAINER_CREDENTIALS_FULL_URI host {} is not loopback, the ECS/EKS "
                       "link-local address or https",
                       u->host);
    }
    cc.auth_token_file = EnvGet(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    if (cc.auth_token_file.empty()) {
      cc.auth_token = EnvGet(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
    }
    chain.push_back(
        std::make_unique<ContainerCredentialsProvider>(std::move(cc), http, read_file));
  }

  if (imds != nullptr && strings::ToLower(EnvGet(env, "AWS_EC2_METADATA_DISABLED")) != "true") {
    chain.push_back(std::make_unique<ImdsCredentialsProvider>(*imds));
  }
  return std::make_unique<CachingCredentialsProvider>(
      std::make_unique<ChainCredentialsProvider>(std::move(chain)), clock);
}

}  // namespace vpccni::cloud
