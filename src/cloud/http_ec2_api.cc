#include "cloud/http_ec2_api.h"

#include <algorithm>

#include "base/log.h"
#include "base/strings.h"
#include "cloud/sigv4.h"

namespace vpccni::cloud {
namespace {

constexpr char kComponent[] = "cloud";

std::string ActionOf(const codec::QueryParams& params) {
  for (const auto& [k, v] : params) {
    if (k == "Action") {
      return v;
    }
  }
  return "";
}

template <typename T, typename Decode>
Result<T> Decoded(Result<std::string> body, Decode decode) {
  if (!body.has_value()) {
    return std::move(body.error());
  }
  return decode(*body);
}

Result<void> DecodedVoid(std::string_view action, Result<std::string> body) {
  if (!body.has_value()) {
    return std::move(body.error());
  }
  return codec::DecodeReturn(action, *body);
}

}  // namespace

bool IsRetryableEc2Error(const Error& e) {
  return e.code == ErrorCode::kUnavailable || e.code == ErrorCode::kDeadlineExceeded;
}

Result<std::unique_ptr<HttpEc2Api>> HttpEc2Api::Create(HttpEc2ApiOptions options,
                                                       HttpClient& http,
                                                       CredentialsProvider& credentials,
                                                       Clock& clock, std::unique_ptr<Rng> rng) {
  Result<ParsedUrl> url = ParseUrl(options.endpoint);
  if (!url.has_value()) {
    return WithContext(Result<std::unique_ptr<HttpEc2Api>>(std::move(url.error())),
                       "EC2 endpoint");
  }
  if (options.region.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "EC2 client needs a signing region");
  }
  if (options.retry.max_attempts < 1) {
    options.retry.max_attempts = 1;
  }
  if (rng == nullptr) {
    rng = std::make_unique<SeededRng>(SeededRng::FromEntropy());
  }
  return std::unique_ptr<HttpEc2Api>(new HttpEc2Api(std::move(options), std::move(*url), http,
                                                    credentials, clock, std::move(rng)));
}

HttpEc2Api::HttpEc2Api(HttpEc2ApiOptions options, ParsedUrl url, HttpClient& http,
                       CredentialsProvider& credentials, Clock& clock, std::unique_ptr<Rng> rng)
    : options_(std::move(options)),
      url_(std::move(url)),
      http_(http),
      credentials_(credentials),
      clock_(clock),
      bucket_(options_.rate_per_sec, options_.burst, clock.Mono()),
      rng_(std::move(rng)) {}

void HttpEc2Api::SetEventCallback(std::function<void(const Ec2CallEvent&)> cb) {
  std::lock_guard<std::mutex> lock(mu_);
  event_cb_ = std::move(cb);
}

std::map<std::string, Ec2ActionStats> HttpEc2Api::Stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

std::string HttpEc2Api::NewClientToken() {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t a = rng_->Next();
  uint64_t b = rng_->Next();
  // RFC 4122 version 4 layout.
  a = (a & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;
  b = (b & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xFFFF,
                     a & 0xFFFF, b >> 48, b & 0xFFFFFFFFFFFFULL);
}

Duration HttpEc2Api::NextBackoff(int attempt) {
  std::lock_guard<std::mutex> lock(mu_);
  return BackoffDelay(options_.retry, attempt, *rng_);
}

void HttpEc2Api::Record(const Ec2CallEvent& ev, bool final_attempt) {
  std::function<void(const Ec2CallEvent&)> cb;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Ec2ActionStats& s = stats_[ev.action];
    if (ev.attempt == 0) {
      ++s.calls;
    } else {
      ++s.retries;
    }
    ++s.attempts;
    s.total_latency += ev.latency;
    s.max_latency = std::max(s.max_latency, ev.latency);
    if (IsThrottlingErrorCode(ev.error) || ev.http_status == 429) {
      ++s.throttles;
    }
    if (final_attempt && ev.code != ErrorCode::kOk) {
      ++s.errors;
      ++s.errors_by_code[ev.error.empty() ? std::string(ErrorCodeName(ev.code)) : ev.error];
    }
    cb = event_cb_;
  }
  if (cb) {
    cb(ev);
  }
}

Result<std::string> HttpEc2Api::Call(const codec::QueryParams& params) {
  const std::string action = ActionOf(params);
  if (action.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "EC2 request without Action");
  }
  const std::string body = EncodeQueryString(params);
  const int max_attempts = options_.retry.max_attempts;
  Error last;
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    if (attempt > 0) {
      clock_.SleepFor(NextBackoff(attempt - 1));
    }
    if (Duration wait = bucket_.Reserve(clock_.Mono()); wait > Duration::zero()) {
      clock_.SleepFor(wait);
    }
    ASSIGN_OR_RETURN(AwsCredentials creds, WithContext(credentials_.Get(), "EC2 {}", action));

    SigV4Request sreq;
    sreq.method = "POST";
    sreq.path = url_.path;
    sreq.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                    {"Host", url_.host_port}};
    sreq.body = body;
    ASSIGN_OR_RETURN(std::string authorization,
                     SignRequest(sreq, creds, {options_.region, "ec2", clock_.Now()}));
    HttpRequest hreq;
    hreq.method = "POST";
    hreq.url = fmt::format("{}://{}{}", url_.scheme, url_.host_port, url_.path);
    hreq.headers = std::move(sreq.headers);
    hreq.headers.emplace_back("Authorization", std::move(authorization));
    hreq.headers.emplace_back("User-Agent", options_.user_agent);
    hreq.body = body;
    hreq.timeout = options_.request_timeout;

    MonoTime start = clock_.Mono();
    Result<HttpResponse> resp = http_.Send(hreq);
    Ec2CallEvent ev;
    ev.action = action;
    ev.attempt = attempt;
    ev.latency = clock_.Mono() - start;
    if (resp.has_value()) {
      ev.http_status = resp->status;
      if (resp->status == 200) {
        Record(ev, true);
        return std::move(resp->body);
      }
      if (std::optional<codec::ErrorReply> er = codec::DecodeErrorReply(resp->body)) {
        last = MakeEc2Error(er->code, er->message, resp->status, er->request_id);
      } else {
        ErrorCode code = resp->status >= 500 || resp->status == 429 ? ErrorCode::kUnavailable
                                                                    : ErrorCode::kInternal;
        last = MakeError(code, "HTTP {} without an EC2 error document",
                         resp->status);
        last.reason = fmt::format("HTTP{}", resp->status);
      }
    } else {
      last = std::move(resp.error());
      if (last.reason.empty()) {
        last.reason = "ConnectionError";
      }
    }
    bool retry = IsRetryableEc2Error(last) && attempt + 1 < max_attempts;
    ev.code = last.code;
    ev.error = last.reason;
    ev.will_retry = retry;
    Record(ev, !retry);
    if (!retry) {
      break;
    }
    LOG_DEBUG(kComponent, "EC2 {} attempt {} failed ({}); retrying", action, attempt + 1,
              last.reason);
  }
  last.AddContext(fmt::format("EC2 {}", action));
  return last;
}

Result<std::string> HttpEc2Api::CallEncoded(Result<codec::QueryParams> params) {
  if (!params.has_value()) {
    return std::move(params.error());
  }
  return Call(*params);
}

Result<NetworkInterface> HttpEc2Api::CreateNetworkInterface(
    const CreateNetworkInterfaceRequest& req) {
  CreateNetworkInterfaceRequest r = req;
  if (r.client_token.empty()) {
    r.client_token = NewClientToken();
  }
  return Decoded<NetworkInterface>(CallEncoded(codec::EncodeCreateNetworkInterface(r)),
                                   codec::DecodeCreateNetworkInterface);
}

Result<AttachNetworkInterfaceReply> HttpEc2Api::AttachNetworkInterface(
    const AttachNetworkInterfaceRequest& req) {
  return Decoded<AttachNetworkInterfaceReply>(
      CallEncoded(codec::EncodeAttachNetworkInterface(req)), codec::DecodeAttachNetworkInterface);
}

Result<void> HttpEc2Api::DetachNetworkInterface(const DetachNetworkInterfaceRequest& req) {
  return DecodedVoid("DetachNetworkInterface",
                     CallEncoded(codec::EncodeDetachNetworkInterface(req)));
}

Result<void> HttpEc2Api::DeleteNetworkInterface(const std::string& network_interface_id) {
  return DecodedVoid("DeleteNetworkInterface",
                     CallEncoded(codec::EncodeDeleteNetworkInterface(network_interface_id)));
}

Result<void> HttpEc2Api::ModifyNetworkInterfaceAttribute(
    const ModifyNetworkInterfaceAttributeRequest& req) {
  return DecodedVoid("ModifyNetworkInterfaceAttribute",
                     CallEncoded(codec::EncodeModifyNetworkInterfaceAttribute(req)));
}

Result<AssignPrivateIpAddressesReply> HttpEc2Api::AssignPrivateIpAddresses(
    const AssignPrivateIpAddressesRequest& req) {
  return Decoded<AssignPrivateIpAddressesReply>(
      CallEncoded(codec::EncodeAssignPrivateIpAddresses(req)),
      codec::DecodeAssignPrivateIpAddresses);
}

Result<void> HttpEc2Api::UnassignPrivateIpAddresses(const UnassignPrivateIpAddressesRequest& req) {
  return DecodedVoid("UnassignPrivateIpAddresses",
                     CallEncoded(codec::EncodeUnassignPrivateIpAddresses(req)));
}

Result<AssignIpv6AddressesReply> HttpEc2Api::AssignIpv6Addresses(
    const AssignIpv6AddressesRequest& req) {
  return Decoded<AssignIpv6AddressesReply>(CallEncoded(codec::EncodeAssignIpv6Addresses(req)),
                                           codec::DecodeAssignIpv6Addresses);
}

Result<UnassignIpv6AddressesReply> HttpEc2Api::UnassignIpv6Addresses(
    const UnassignIpv6AddressesRequest& req) {
  return Decoded<UnassignIpv6AddressesReply>(
      CallEncoded(codec::EncodeUnassignIpv6Addresses(req)), codec::DecodeUnassignIpv6Addresses);
}

Result<DescribeNetworkInterfacesPage> HttpEc2Api::DescribeNetworkInterfaces(
    const DescribeNetworkInterfacesRequest& req) {
  return Decoded<DescribeNetworkInterfacesPage>(
      CallEncoded(codec::EncodeDescribeNetworkInterfaces(req)),
      codec::DecodeDescribeNetworkInterfaces);
}

Result<DescribeInstancesPage> HttpEc2Api::DescribeInstances(const DescribeInstancesRequest& req) {
  return Decoded<DescribeInstancesPage>(CallEncoded(codec::EncodeDescribeInstances(req)),
                                        codec::DecodeDescribeInstances);
}

Result<DescribeInstanceTypesPage> HttpEc2Api::DescribeInstanceTypes(
    const DescribeInstanceTypesRequest& req) {
  return Decoded<DescribeInstanceTypesPage>(CallEncoded(codec::EncodeDescribeInstanceTypes(req)),
                                            codec::DecodeDescribeInstanceTypes);
}

Result<DescribeSubnetsPage> HttpEc2Api::DescribeSubnets(const DescribeSubnetsRequest& req) {
  return Decoded<DescribeSubnetsPage>(CallEncoded(codec::EncodeDescribeSubnets(req)),
                                      codec::DecodeDescribeSubnets);
}

Result<DescribeSecurityGroupsPage> HttpEc2Api::DescribeSecurityGroups(
    const DescribeSecurityGroupsRequest& req) {
  return Decoded<DescribeSecurityGroupsPage>(
      CallEncoded(codec::EncodeDescribeSecurityGroups(req)), codec::DecodeDescribeSecurityGroups);
}

Result<void> HttpEc2Api::CreateTags(const CreateTagsRequest& req) {
  return DecodedVoid("CreateTags", CallEncoded(codec::EncodeCreateTags(req)));
}

Result<void> HttpEc2Api::DeleteTags(const DeleteTagsRequest& req) {
  return DecodedVoid("DeleteTags", CallEncoded(codec::EncodeDeleteTags(req)));
}

Result<TrunkInterfaceAssociation> HttpEc2Api::AssociateTrunkInterface(
    const AssociateTrunkInterfaceRequest& req) {
  AssociateTrunkInterfaceRequest r = req;
  if (r.client_token.empty()) {
    r.client_token = NewClientToken();
  }
  return Decoded<TrunkInterfaceAssociation>(
      CallEncoded(codec::EncodeAssociateTrunkInterface(r)), codec::DecodeAssociateTrunkInterface);
}

Result<void> HttpEc2Api::DisassociateTrunkInterface(const std::string& association_id) {
  return DecodedVoid("DisassociateTrunkInterface",
                     CallEncoded(codec::EncodeDisassociateTrunkInterface(association_id)));
}

Result<DescribeTrunkInterfaceAssociationsPage> HttpEc2Api::DescribeTrunkInterfaceAssociations(
    const DescribeTrunkInterfaceAssociationsRequest& req) {
  return Decoded<DescribeTrunkInterfaceAssociationsPage>(
      CallEncoded(codec::EncodeDescribeTrunkInterfaceAssociations(req)),
      codec::DecodeDescribeTrunkInterfaceAssociations);
}

}  // namespace vpccni::cloud
