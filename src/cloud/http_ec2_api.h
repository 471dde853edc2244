// File: http_ec2_api.h
//
// HttpEc2Api: the production Ec2Api. Each call encodes the request (ec2_query_codec.h), takes a
// token from the client-side token bucket, signs it with SigV4 using the credentials provider,
// POSTs it through the HttpClient port, and decodes the XML reply or the EC2 error document.
//
// Retries: only throttling (RequestLimitExceeded and the other throttling codes, HTTP 429),
// HTTP 5xx, timeouts and connection errors are retried, up to options.retry.max_attempts
// attempts in total, sleeping BackoffDelay() (capped exponential backoff with full jitter)
// between attempts. 4xx client errors are never retried. Non-idempotent creates
// (CreateNetworkInterface, AssociateTrunkInterface) get a ClientToken when the caller gave none,
// so a retry after a timeout cannot create a second ENI.
//
// Metrics: every HTTP attempt is reported to the event callback (action, attempt, latency, HTTP
// status, error code), and per-action totals are kept for Stats(). ipamd exports them as
// awscni_aws_api_latency_ms and awscni_aws_api_error_count.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/backoff.h"
#include "base/clock.h"
#include "cloud/credentials.h"
#include "cloud/ec2_api.h"
#include "cloud/ec2_query_codec.h"
#include "cloud/http_client.h"
#include "cloud/token_bucket.h"

namespace vpccni::cloud {

struct HttpEc2ApiOptions {
  // e.g. "https://ec2.us-west-2.amazonaws.com" (ResolveEc2Endpoint()).
  std::string endpoint;
  // Signing region, e.g. "us-west-2".
  std::string region;
  // Attempts include the first; base/cap bound each sleep.
  BackoffPolicy retry{std::chrono::milliseconds(100), std::chrono::seconds(20), 5};
  // Client-side rate limit (requests/s) and burst; rate <= 0 disables it.
  double rate_per_sec = 20.0;
  double burst = 40.0;
  Duration request_timeout = std::chrono::seconds(10);
  std::string user_agent = "vpc-cni/0.1 (ipamd)";
};

// One HTTP attempt, reported to the event callback.
struct Ec2CallEvent {
  std::string action;
  int attempt = 0;  // 0-based
  Duration latency{};
  int http_status = 0;  // 0 when the transport failed
  ErrorCode code = ErrorCode::kOk;
  // EC2 error code, "Timeout"/"ConnectionError", or "" on success.
  std::string error;
  bool will_retry = false;
};

// Per-action totals since creation (calls = logical calls, not attempts).
struct Ec2ActionStats {
  uint64_t calls = 0;
  uint64_t attempts = 0;
  uint64_t errors = 0;     // calls that finally failed
  uint64_t retries = 0;    // attempts after the first
  uint64_t throttles = 0;  // attempts answered with a throttling error
  Duration total_latency{};  // sum over attempts
  Duration max_latency{};
  // Final error count by EC2 error code (or transport reason).
  std::map<std::string, uint64_t> errors_by_code;
};

class HttpEc2Api : public Ec2Api {
 public:
  // http, credentials and clock must outlive the client. kInvalidArgument for a bad endpoint or
  // an empty region.
  static Result<std::unique_ptr<HttpEc2Api>> Create(HttpEc2ApiOptions options, HttpClient& http,
                                                    CredentialsProvider& credentials, Clock& clock,
                                                    std::unique_ptr<Rng> rng);

  // Called synchronously for every attempt, from the calling thread; set before first use.
  void SetEventCallback(std::function<void(const Ec2CallEvent&)> cb);
  std::map<std::string, Ec2ActionStats> Stats() const;
  const HttpEc2ApiOptions& options() const { return options_; }

  Result<NetworkInterface> CreateNetworkInterface(
      const CreateNetworkInterfaceRequest& req) override;
  Result<AttachNetworkInterfaceReply> AttachNetworkInterface(
      const AttachNetworkInterfaceRequest& req) override;
  Result<void> DetachNetworkInterface(const DetachNetworkInterfaceRequest& req) override;
  Result<void> DeleteNetworkInterface(const std::string& network_interface_id) override;
  Result<void> ModifyNetworkInterfaceAttribute(
      const ModifyNetworkInterfaceAttributeRequest& req) override;
  Result<AssignPrivateIpAddressesReply> AssignPrivateIpAddresses(
      const AssignPrivateIpAddressesRequest& req) override;
  Result<void> UnassignPrivateIpAddresses(const UnassignPrivateIpAddressesRequest& req) override;
  Result<AssignIpv6AddressesReply> AssignIpv6Addresses(
      const AssignIpv6AddressesRequest& req) override;
  Result<UnassignIpv6AddressesReply> UnassignIpv6Addresses(
      const UnassignIpv6AddressesRequest& req) override;
  Result<DescribeNetworkInterfacesPage> DescribeNetworkInterfaces(
      const DescribeNetworkInterfacesRequest& req) override;
  Result<DescribeInstancesPage> DescribeInstances(const DescribeInstancesRequest& req) override;
  Result<DescribeInstanceTypesPage> DescribeInstanceTypes(
      const DescribeInstanceTypesRequest& req) override;
  Result<DescribeSubnetsPage> DescribeSubnets(const DescribeSubnetsRequest& req) override;
  Result<DescribeSecurityGroupsPage> DescribeSecurityGroups(
      const DescribeSecurityGroupsRequest& req) override;
  Result<void> CreateTags(const CreateTagsRequest& req) override;
  Result<void> DeleteTags(const DeleteTagsRequest& req) override;
  Result<TrunkInterfaceAssociation> AssociateTrunkInterface(
      const AssociateTrunkInterfaceRequest& req) override;
  Result<void> DisassociateTrunkInterface(const std::string& association_id) override;
  Result<DescribeTrunkInterfaceAssociationsPage> DescribeTrunkInterfaceAssociations(
      const DescribeTrunkInterfaceAssociationsRequest& req) override;

  // Sends an already-encoded request (Action/Version first) and returns the 200 body. Used by
  // the typed methods and by `vpcctl ec2 raw`.
  Result<std::string> Call(const codec::QueryParams& params);

 private:
  HttpEc2Api(HttpEc2ApiOptions options, ParsedUrl url, HttpClient& http,
             CredentialsProvider& credentials, Clock& clock, std::unique_ptr<Rng> rng);
  Result<std::string> CallEncoded(Result<codec::QueryParams> params);
  std::string NewClientToken();
  Duration NextBackoff(int attempt);
  void Record(const Ec2CallEvent& ev, bool final_attempt);

  HttpEc2ApiOptions options_;
  ParsedUrl url_;
  HttpClient& http_;
  CredentialsProvider& credentials_;
  Clock& clock_;
  TokenBucket bucket_;
  std::function<void(const Ec2CallEvent&)> event_cb_;
  mutable std::mutex mu_;
  std::unique_ptr<Rng> rng_;
  std::map<std::string, Ec2ActionStats> stats_;
};

// True if an error from an EC2 call may succeed when retried: throttling, 5xx, timeouts,
// connection errors. Pure; used by HttpEc2Api and by callers that add their own retry loops.
bool IsRetryableEc2Error(const Error& e);

}  // namespace vpccni::cloud
