#include "cloud/ec2_api.h"

#include <set>
#include <utility>

namespace vpccni::cloud {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool Contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

// Follows NextToken for one Describe* method. Fetch(req) returns a page; Items(page) moves the
// page's items out.
template <typename Req, typename Page, typename Item, typename Fetch, typename Items>
Result<std::vector<Item>> FollowPages(Req req, int max_pages, Fetch fetch, Items items) {
  std::vector<Item> all;
  std::set<std::string> seen_tokens;
  for (int page_no = 0;; ++page_no) {
    if (page_no >= max_pages) {
      return MakeError(ErrorCode::kDataLoss, "more than {} pages; giving up", max_pages);
    }
    Result<Page> page = fetch(req);
    if (!page.has_value()) {
      return WithContext(Result<std::vector<Item>>(std::move(page.error())), "page {}", page_no + 1);
    }
    std::vector<Item>& got = items(*page);
    all.insert(all.end(), std::make_move_iterator(got.begin()), std::make_move_iterator(got.end()));
    if (page->next_token.empty()) {
      return all;
    }
    if (!seen_tokens.insert(page->next_token).second) {
      return MakeError(ErrorCode::kDataLoss, "server repeated NextToken '{}' (pagination loop)",
                       page->next_token);
    }
    req.next_token = page->next_token;
  }
}

}  // namespace

Result<std::vector<NetworkInterface>> DescribeAllNetworkInterfaces(
    Ec2Api& api, DescribeNetworkInterfacesRequest req, int max_pages) {
  return FollowPages<DescribeNetworkInterfacesRequest, DescribeNetworkInterfacesPage,
                     NetworkInterface>(
      std::move(req), max_pages,
      [&](const DescribeNetworkInterfacesRequest& r) { return api.DescribeNetworkInterfaces(r); },
      [](DescribeNetworkInterfacesPage& p) -> auto& { return p.network_interfaces; });
}

Result<std::vector<Instance>> DescribeAllInstances(Ec2Api& api, DescribeInstancesRequest req,
                                                   int max_pages) {
  return FollowPages<DescribeInstancesRequest, DescribeInstancesPage, Instance>(
      std::move(req), max_pages,
      [&](const DescribeInstancesRequest& r) { return api.DescribeInstances(r); },
      [](DescribeInstancesPage& p) -> auto& { return p.instances; });
}

Result<std::vector<InstanceLimits>> DescribeAllInstanceTypes(Ec2Api& api,
                                                             DescribeInstanceTypesRequest req,
                                                             int max_pages) {
  return FollowPages<DescribeInstanceTypesRequest, DescribeInstanceTypesPage, InstanceLimits>(
      std::move(req), max_pages,
      [&](const DescribeInstanceTypesRequest& r) { return api.DescribeInstanceTypes(r); },
      [](DescribeInstanceTypesPage& p) -> auto& { return p.instance_types; });
}

Result<std::vector<Subnet>> DescribeAllSubnets(Ec2Api& api, DescribeSubnetsRequest req,
                                               int max_pages) {
  return FollowPages<DescribeSubnetsRequest, DescribeSubnetsPage, Subnet>(
      std::move(req), max_pages,
      [&](const DescribeSubnetsRequest& r) { return api.DescribeSubnets(r); },
      [](DescribeSubnetsPage& p) -> auto& { return p.subnets; });
}

Result<std::vector<SecurityGroup>> DescribeAllSecurityGroups(Ec2Api& api,
                                                             DescribeSecurityGroupsRequest req,
                                                             int max_pages) {
  return FollowPages<DescribeSecurityGroupsRequest, DescribeSecurityGroupsPage, SecurityGroup>(
      std::move(req), max_pages,
      [&](const DescribeSecurityGroupsRequest& r) { return api.DescribeSecurityGroups(r); },
      [](DescribeSecurityGroupsPage& p) -> auto& { return p.security_groups; });
}

bool IsThrottlingErrorCode(std::string_view c) {
  return c == "RequestLimitExceeded" || c == "Throttling" || c == "ThrottlingException" ||
         c == "ThrottledException" || c == "EC2ThrottledException" ||
         c == "RequestThrottledException" || c == "RequestThrottled" ||
         c == "TooManyRequestsException" || c == "SlowDown" || c == "BandwidthLimitExceeded" ||
         c == "PriorRequestNotComplete" || c == "ProvisionedThroughputExceededException";
}

ErrorCode Ec2ErrorCodeToErrorCode(std::string_view c, int http_status) {
  if (IsThrottlingErrorCode(c)) {
    return ErrorCode::kUnavailable;
  }
  if (c == "InsufficientCidrBlocks" || c == "InsufficientFreeAddressesInSubnet" ||
      StartsWith(c, "Insufficient") || EndsWith(c, "LimitExceeded")) {
    return ErrorCode::kResourceExhausted;
  }
  if (EndsWith(c, ".NotFound") || EndsWith(c, "NotFound")) {
    return ErrorCode::kNotFound;
  }
  if (StartsWith(c, "InvalidParameter") || c == "MissingParameter" || c == "UnknownParameter" ||
      EndsWith(c, ".Malformed") || c == "InvalidFilter" || c == "InvalidPaginationToken" ||
      c == "InvalidNextToken" || c == "ValidationError" || c == "InvalidQueryParameter" ||
      c == "MalformedQueryString" || EndsWith(c, ".Range") || EndsWith(c, ".Conflict")) {
    return ErrorCode::kInvalidArgument;
  }
  if (c == "UnauthorizedOperation" || c == "AuthFailure" || c == "SignatureDoesNotMatch" ||
      c == "IncompleteSignature" || c == "InvalidClientTokenId" || c == "MissingAuthenticationToken" ||
      c == "RequestExpired" || c == "AccessDenied" || c == "AccessDeniedException" ||
      c == "ExpiredToken" || c == "InvalidIdentityToken" || c == "OptInRequired" ||
      Contains(c, "Credentials")) {
    return ErrorCode::kPermissionDenied;
  }
  if (c == "InvalidIPAddress.InUse" || Contains(c, "AlreadyAssigned") ||
      EndsWith(c, ".Duplicate") || EndsWith(c, "AlreadyExists")) {
    return ErrorCode::kAlreadyExists;
  }
  if (EndsWith(c, ".InUse") || c == "OperationNotPermitted" || EndsWith(c, "IncorrectState") ||
      c == "DependencyViolation" || c == "DryRunOperation") {
    return ErrorCode::kFailedPrecondition;
  }
  if (c == "InvalidAction" || c == "UnsupportedOperation" || c == "NotImplemented" ||
      c == "Unsupported") {
    return ErrorCode::kUnimplemented;
  }
  if (http_status >= 500) {
    return ErrorCode::kUnavailable;
  }
  if (c == "InternalError" || c == "InternalFailure" || c == "ServiceUnavailable" ||
      c == "Unavailable") {
    return ErrorCode::kUnavailable;
  }
  if (http_status == 429) {
    return ErrorCode::kUnavailable;
  }
  return ErrorCode::kInternal;
}

Error MakeEc2Error(std::string_view ec2_code, std::string_view message, int http_status,
                   std::string_view request_id) {
  Error e;
  e.code = Ec2ErrorCodeToErrorCode(ec2_code, http_status);
  e.reason = std::string(ec2_code);
  e.message = request_id.empty()
                  ? fmt::format("{}: {}", ec2_code, message)
                  : fmt::format("{}: {} (request {})", ec2_code, message, request_id);
  return e;
}

}  // namespace vpccni::cloud
