#include "cloud/imds_client.h"

#include <algorithm>

#include "base/log.h"
#include "base/strings.h"
#include "cloud/imds_parsers.h"

namespace vpccni::cloud {
namespace {

constexpr std::string_view kMetaData = "/latest/meta-data/";
constexpr std::string_view kTokenHeader = "X-aws-ec2-metadata-token";
constexpr std::string_view kTtlHeader = "X-aws-ec2-metadata-token-ttl-seconds";

bool Retryable(int status) { return status == 429 || status >= 500; }

}  // namespace

ImdsClient::ImdsClient(HttpClient& http, Clock& clock, Rng& rng, ImdsOptions options)
    : http_(http), clock_(clock), rng_(rng), options_(std::move(options)) {
  while (!options_.endpoint.empty() && options_.endpoint.back() == '/') {
    options_.endpoint.pop_back();
  }
}

Duration ImdsClient::Jitter(int attempt) {
  std::lock_guard<std::mutex> lock(mu_);
  return BackoffDelay(options_.retry, attempt, rng_);
}

Result<HttpResponse> ImdsClient::SendWithRetry(HttpRequest req, std::string_view what) {
  req.timeout = options_.request_timeout;
  req.connect_timeout = options_.connect_timeout;
  int max_attempts = std::max(1, options_.retry.max_attempts);
  Error last;
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    if (attempt > 0) {
      clock_.SleepFor(Jitter(attempt - 1));
    }
    Result<HttpResponse> r = http_.Send(req);
    if (r.has_value() && !Retryable(r->status)) {
      return r;
    }
    if (r.has_value()) {
      last = MakeError(ErrorCode::kUnavailable, "HTTP {}", r->status);
    } else {
      last = std::move(r.error());
    }
  }
  Error e = MakeError(last.code == ErrorCode::kDeadlineExceeded ? ErrorCode::kDeadlineExceeded
                                                                : ErrorCode::kUnavailable,
                      "IMDS at {} unreachable for {} after {} attempts: {}", options_.endpoint,
                      what, max_attempts, last.message);
  e.reason = "ImdsUnavailable";
  return e;
}

Result<std::string> ImdsClient::Token(bool force_refresh) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (v1_only_) {
      return std::string();
    }
    if (!force_refresh && !token_.empty() && clock_.Mono() < token_refresh_at_) {
      return token_;
    }
  }
  HttpRequest req;
  req.method = "PUT";
  req.url = options_.endpoint + "/latest/api/token";
  long ttl_secs = static_cast<long>(
      std::chrono::duration_cast<std::chrono::seconds>(options_.token_ttl).count());
  req.headers.emplace_back(std::string(kTtlHeader), std::to_string(ttl_secs));
  ASSIGN_OR_RETURN(HttpResponse resp, SendWithRetry(req, "a session token"));
  if (resp.status == 404 || resp.status == 405) {
    std::lock_guard<std::mutex> lock(mu_);
    v1_only_ = true;
    LOG_WARN("cloud", "IMDS at {} has no token endpoint (HTTP {}); using IMDSv1",
             options_.endpoint, resp.status);
    return std::string();
  }
  if (resp.status != 200) {
    Error e = MakeError(resp.status == 403 ? ErrorCode::kPermissionDenied : ErrorCode::kInternal,
                        "IMDS at {} refused a session token: HTTP {}", options_.endpoint,
                        resp.status);
    e.reason = "ImdsTokenRefused";
    return e;
  }
  std::string token(strings::Trim(resp.body));
  if (token.empty() || token.size() > 4096 || token.find('\n') != std::string::npos) {
    Error e = MakeError(ErrorCode::kDataLoss, "IMDS at {} returned an unusable token",
                        options_.endpoint);
    e.reason = "MalformedImdsReply";
    return e;
  }
  Duration ttl = options_.token_ttl;
  if (std::string h = resp.Header(kTtlHeader); !h.empty()) {
    if (Result<int64_t> s = strings::ParseInt(h); s.has_value() && *s > 0) {
      ttl = std::min(ttl, Duration(std::chrono::seconds(*s)));
    }
  }
  // Refresh one minute early (or at half-life for short TTLs).
  Duration margin = std::min<Duration>(std::chrono::minutes(1), ttl / 2);
  std::lock_guard<std::mutex> lock(mu_);
  token_ = token;
  token_refresh_at_ = clock_.Mono() + (ttl - margin);
  return token;
}

Result<std::optional<std::string>> ImdsClient::GetWithToken(const std::string& abs_path) {
  for (int round = 0; round < 2; ++round) {
    ASSIGN_OR_RETURN(std::string token, Token(/*force_refresh=*/round > 0));
    HttpRequest req;
    req.method = "GET";
    req.url = options_.endpoint + abs_path;
    if (!token.empty()) {
      req.headers.emplace_back(std::string(kTokenHeader), token);
    }
    ASSIGN_OR_RETURN(HttpResponse resp, SendWithRetry(req, abs_path));
    if (resp.status == 200) {
      return std::optional<std::string>(std::move(resp.body));
    }
    if (resp.status == 404) {
      return std::optional<std::string>();
    }
    if (resp.status == 401 && round == 0) {
      continue;  // token expired or revoked: fetch a new one once
    }
    Error e = MakeError(resp.status == 401 || resp.status == 403 ? ErrorCode::kPermissionDenied
                                                                 : ErrorCode::kInternal,
                        "IMDS {} answered HTTP {}", abs_path, resp.status);
    e.reason = "ImdsHttpError";
    return e;
  }
  return MakeError(ErrorCode::kPermissionDenied, "IMDS {} rejected a fresh token", abs_path);
}

Result<std::optional<std::string>> ImdsClient::GetRawPath(std::string_view abs_path) {
  return GetWithToken(std::string(abs_path));
}

Result<std::optional<std::string>> ImdsClient::GetOptional(std::string_view path) {
  return GetWithToken(std::string(kMetaData) + std::string(path));
}

Result<std::string> ImdsClient::Get(std::string_view path) {
  ASSIGN_OR_RETURN(std::optional<std::string> v, GetOptional(path));
  if (!v.has_value()) {
    Error e = MakeError(ErrorCode::kNotFound, "IMDS has no meta-data/{} (HTTP 404)", path);
    e.reason = "ImdsNotFound";
    return e;
  }
  return std::move(*v);
}

Result<std::string> ImdsClient::InstanceId() {
  ASSIGN_OR_RETURN(std::string v, Get("instance-id"));
  return imds::ParseResourceId("instance-id", v, "i-");
}

Result<std::string> ImdsClient::InstanceType() {
  ASSIGN_OR_RETURN(std::string v, Get("instance-type"));
  return imds::ParseInstanceType("instance-type", v);
}

Result<net::Ipv4Address> ImdsClient::LocalIpv4() {
  ASSIGN_OR_RETURN(std::string v, Get("local-ipv4"));
  return imds::ParseIpv4("local-ipv4", v);
}

Result<std::optional<net::Ipv6Address>> ImdsClient::Ipv6() {
  ASSIGN_OR_RETURN(std::optional<std::string> v, GetOptional("ipv6"));
  if (!v.has_value()) {
    return std::optional<net::Ipv6Address>();
  }
  ASSIGN_OR_RETURN(net::Ipv6Address a, imds::ParseIpv6("ipv6", *v));
  return std::optional<net::Ipv6Address>(a);
}

Result<net::MacAddress> ImdsClient::PrimaryMac() {
  ASSIGN_OR_RETURN(std::string v, Get("mac"));
  return imds::ParseMac("mac", v);
}

Result<std::string> ImdsClient::AvailabilityZone() {
  ASSIGN_OR_RETURN(std::string v, Get("placement/availability-zone"));
  return imds::ParseAvailabilityZone("placement/availability-zone", v);
}

Result<std::string> ImdsClient::Region() {
  ASSIGN_OR_RETURN(std::optional<std::string> v, GetOptional("placement/region"));
  if (v.has_value()) {
    std::vector<std::string> lines = imds::SplitLines(*v);
    if (lines.size() != 1 || !IsValidRegionName(lines[0])) {
      Error e = MakeError(ErrorCode::kDataLoss, "IMDS placement/region returned '{}'",
                          v->substr(0, 64));
      e.reason = "MalformedImdsReply";
      return e;
    }
    return lines[0];
  }
  ASSIGN_OR_RETURN(std::string az, AvailabilityZone());
  return imds::RegionFromAvailabilityZone(az);
}

Result<std::vector<net::MacAddress>> ImdsClient::Macs() {
  ASSIGN_OR_RETURN(std::string v, Get("network/interfaces/macs/"));
  return imds::ParseMacList("network/interfaces/macs/", v);
}

Result<ImdsEni> ImdsClient::GetEni(const net::MacAddress& mac) {
  const std::string base = fmt::format("network/interfaces/macs/{}/", mac.ToString());
  ImdsEni eni;
  eni.mac = mac;
  auto required = [&](std::string_view field) -> Result<std::string> {
    return WithContext(Get(base + std::string(field)), "ENI {}", mac.ToString());
  };
  auto optional = [&](std::string_view field) -> Result<std::optional<std::string>> {
    return WithContext(GetOptional(base + std::string(field)), "ENI {}", mac.ToString());
  };
  auto path = [&](std::string_view field) { return base + std::string(field); };

  ASSIGN_OR_RETURN(std::string id, required("interface-id"));
  ASSIGN_OR_RETURN(eni.interface_id, imds::ParseResourceId(path("interface-id"), id, "eni-"));
  ASSIGN_OR_RETURN(std::string dev, required("device-number"));
  ASSIGN_OR_RETURN(eni.device_number, imds::ParseIndex(path("device-number"), dev));
  ASSIGN_OR_RETURN(std::optional<std::string> card, optional("network-card"));
  if (card.has_value()) {
    ASSIGN_OR_RETURN(eni.network_card, imds::ParseIndex(path("network-card"), *card));
  }
  ASSIGN_OR_RETURN(std::string subnet, required("subnet-id"));
  ASSIGN_OR_RETURN(eni.subnet_id, imds::ParseResourceId(path("subnet-id"), subnet, "subnet-"));
  ASSIGN_OR_RETURN(std::optional<std::string> vpc, optional("vpc-id"));
  if (vpc.has_value()) {
    ASSIGN_OR_RETURN(eni.vpc_id, imds::ParseResourceId(path("vpc-id"), *vpc, "vpc-"));
  }
  ASSIGN_OR_RETURN(std::optional<std::string> s4, optional("subnet-ipv4-cidr-block"));
  if (s4.has_value()) {
    ASSIGN_OR_RETURN(auto cidrs, imds::ParseIpv4CidrList(path("subnet-ipv4-cidr-block"), *s4));
    if (cidrs.size() != 1) {
      Error e = MakeError(ErrorCode::kDataLoss, "IMDS {} returned {} CIDRs, want 1",
                          path("subnet-ipv4-cidr-block"), cidrs.size());
      e.reason = "MalformedImdsReply";
      return e;
    }
    eni.subnet_ipv4_cidr = cidrs[0];
  }
  ASSIGN_OR_RETURN(std::optional<std::string> s6, optional("subnet-ipv6-cidr-blocks"));
  if (s6.has_value()) {
    ASSIGN_OR_RETURN(eni.subnet_ipv6_cidrs,
                     imds::ParseIpv6CidrList(path("subnet-ipv6-cidr-blocks"), *s6));
  }
  ASSIGN_OR_RETURN(std::optional<std::string> v4, optional("vpc-ipv4-cidr-blocks"));
  if (v4.has_value()) {
    ASSIGN_OR_RETURN(eni.vpc_ipv4_cidrs, imds::ParseIpv4CidrList(path("vpc-ipv4-cidr-blocks"), *v4));
  }
  ASSIGN_OR_RETURN(std::optional<std::string> v6, optional("vpc-ipv6-cidr-blocks"));
  if (v6.has_value()) {
    ASSIGN_OR_RETURN(eni.vpc_ipv6_cidrs, imds::ParseIpv6CidrList(path("vpc-ipv6-cidr-blocks"), *v6));
  }
  ASSIGN_OR_RETURN(std::optional<std::string> ips, optional("local-ipv4s"));
  if (ips.has_value()) {
    ASSIGN_OR_RETURN(eni.local_ipv4s, imds::ParseIpv4List(path("local-ipv4s"), *ips));
  }
  ASSIGN_OR_RETURN(std::optional<std::string> p4, optional("ipv4-prefix"));
  if (p4.has_value()) {
    ASSIGN_OR_RETURN(eni.ipv4_prefixes, imds::ParseIpv4CidrList(path("ipv4-prefix"), *p4));
  }
  ASSIGN_OR_RETURN(std::optional<std::string> a6, optional("ipv6s"));
  if (a6.has_value()) {
    ASSIGN_OR_RETURN(eni.ipv6s, imds::ParseIpv6List(path("ipv6s"), *a6));
  }
  ASSIGN_OR_RETURN(std::optional<std::string> p6, optional("ipv6-prefix"));
  if (p6.has_value()) {
    ASSIGN_OR_RETURN(eni.ipv6_prefixes, imds::ParseIpv6CidrList(path("ipv6-prefix"), *p6));
  }
  ASSIGN_OR_RETURN(std::optional<std::string> sgs, optional("security-group-ids"));
  if (sgs.has_value()) {
    ASSIGN_OR_RETURN(eni.security_group_ids,
                     imds::ParseResourceIdList(path("security-group-ids"), *sgs, "sg-"));
  }
  return eni;
}

Result<std::vector<ImdsEni>> ImdsClient::GetEnis() {
  ASSIGN_OR_RETURN(net::MacAddress primary, PrimaryMac());
  ASSIGN_OR_RETURN(std::vector<net::MacAddress> macs, Macs());
  std::vector<ImdsEni> out;
  for (const net::MacAddress& mac : macs) {
    Result<ImdsEni> eni = GetEni(mac);
    if (!eni.has_value()) {
      if (eni.error().code == ErrorCode::kNotFound) {
        // Detached between the listing and the read: skip it, as the reference does.
        LOG_INFO("cloud", "IMDS: ENI {} vanished while reading it", mac.ToString());
        continue;
      }
      return std::move(eni.error());
    }
    if (mac == primary) {
      eni->primary = true;
      eni->device_number = 0;
    }
    out.push_back(std::move(*eni));
  }
  std::stable_sort(out.begin(), out.end(), [](const ImdsEni& a, const ImdsEni& b) {
    if (a.primary != b.primary) {
      return a.primary;
    }
    if (a.network_card != b.network_card) {
      return a.network_card < b.network_card;
    }
    return a.device_number < b.device_number;
  });
  return out;
}

Result<std::optional<std::string>> ImdsClient::IamRoleName() {
  ASSIGN_OR_RETURN(std::optional<std::string> v, GetOptional("iam/security-credentials/"));
  if (!v.has_value()) {
    return std::optional<std::string>();
  }
  std::vector<std::string> roles = imds::ParseListing(*v);
  if (roles.empty()) {
    return std::optional<std::string>();
  }
  for (char c : roles[0]) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == '/' || static_cast<unsigned char>(c) >= 0x7f) {
      Error e = MakeError(ErrorCode::kDataLoss, "IMDS returned a malformed role name");
      e.reason = "MalformedImdsReply";
      return e;
    }
  }
  return std::optional<std::string>(roles[0]);
}

}  // namespace vpccni::cloud
