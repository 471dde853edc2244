// File: imds_client.h
//
// ImdsClient: the instance metadata service (IMDSv2) over the HttpClient port. It fetches a
// session token (PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds), caches it
// until one minute before its TTL ends, sends it on every GET, and on a 401 fetches a fresh token
// and retries once. Transport failures, timeouts, 429 and 5xx are retried with capped, jittered
// exponential backoff. Values are parsed by the pure parsers in imds_parsers.h.
//
// Errors: kUnavailable "IMDS at <endpoint> unreachable ..." when every attempt fails to connect
// or gets 5xx; kDeadlineExceeded when the last attempt timed out; kNotFound for a required path
// that answers 404; kPermissionDenied for 401/403 after a token refresh; kDataLoss
// ("MalformedImdsReply") when a value does not parse.
//
// Thread-safety: all methods may be called concurrently (the token cache is locked).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/backoff.h"
#include "base/clock.h"
#include "base/result.h"
#include "cloud/http_client.h"
#include "cloud/endpoints.h"
#include "net/ip.h"

namespace vpccni::cloud {

struct ImdsOptions {
  std::string endpoint = kDefaultImdsEndpoint;
  Duration token_ttl = std::chrono::seconds(21600);
  Duration request_timeout = std::chrono::seconds(2);
  Duration connect_timeout = std::chrono::milliseconds(500);
  BackoffPolicy retry{std::chrono::milliseconds(50), std::chrono::seconds(1), 4};
};

// One ENI as IMDS sees it (network/interfaces/macs/<mac>/...).
struct ImdsEni {
  net::MacAddress mac;
  std::string interface_id;
  // device-number; forced to 0 for the primary ENI (as upstream does).
  int device_number = 0;
  // network-card (absent on single-card types: 0).
  int network_card = 0;
  bool primary = false;
  std::string subnet_id;
  std::string vpc_id;
  std::optional<net::Ipv4Cidr> subnet_ipv4_cidr;
  std::vector<net::Ipv6Cidr> subnet_ipv6_cidrs;
  std::vector<net::Ipv4Cidr> vpc_ipv4_cidrs;
  std::vector<net::Ipv6Cidr> vpc_ipv6_cidrs;
  // local-ipv4s: the first one is the primary address.
  std::vector<net::Ipv4Address> local_ipv4s;
  std::vector<net::Ipv4Cidr> ipv4_prefixes;
  std::vector<net::Ipv6Address> ipv6s;
  std::vector<net::Ipv6Cidr> ipv6_prefixes;
  std::vector<std::string> security_group_ids;

  bool operator==(const ImdsEni&) const = default;
};

class ImdsClient {
 public:
  // http, clock and rng must outlive the client. rng is used for backoff jitter only and is
  // guarded by the client's lock.
  ImdsClient(HttpClient& http, Clock& clock, Rng& rng, ImdsOptions options = {});

  // GET /latest/meta-data/<path>: the body, or nullopt when IMDS answers 404.
  Result<std::optional<std::string>> GetOptional(std::string_view path);
  // Same, but 404 is kNotFound.
  Result<std::string> Get(std::string_view path);
  // GET of an absolute IMDS path (e.g. "/latest/dynamic/instance-identity/document").
  Result<std::optional<std::string>> GetRawPath(std::string_view abs_path);

  Result<std::string> InstanceId();
  Result<std::string> InstanceType();
  Result<net::Ipv4Address> LocalIpv4();
  // The node's primary IPv6 ("ipv6"); nullopt when absent (404).
  Result<std::optional<net::Ipv6Address>> Ipv6();
  Result<net::MacAddress> PrimaryMac();
  Result<std::string> AvailabilityZone();
  // placement/region, else derived from the availability zone.
  Result<std::string> Region();
  // network/interfaces/macs/ in IMDS order.
  Result<std::vector<net::MacAddress>> Macs();
  // Everything under network/interfaces/macs/<mac>/. Optional fields that answer 404 stay
  // empty (prefixes, IPv6, CIDR lists, network-card).
  Result<ImdsEni> GetEni(const net::MacAddress& mac);
  // All attached ENIs, primary first, then by device number.
  Result<std::vector<ImdsEni>> GetEnis();
  // iam/security-credentials/: the role name; nullopt when the instance has no role.
  Result<std::optional<std::string>> IamRoleName();

  const std::string& endpoint() const { return options_.endpoint; }

 private:
  Result<std::string> Token(bool force_refresh);
  Result<HttpResponse> SendWithRetry(HttpRequest req, std::string_view what);
  Result<std::optional<std::string>> GetWithToken(const std::string& abs_path);
  Duration Jitter(int attempt);

  HttpClient& http_;
  Clock& clock_;
  Rng& rng_;
  ImdsOptions options_;
  std::mutex mu_;
  std::string token_;
  MonoTime token_refresh_at_{};
  // True once the token endpoint answered 404/405 (IMDSv1-only service): no token is sent.
  bool v1_only_ = false;
};

}  // namespace vpccni::cloud
