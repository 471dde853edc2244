// File: endpoints.h
//
// Region and endpoint resolution by the AWS SDK conventions, pure: the environment is passed in
// as a map (the library never calls getenv).
//   region: AWS_REGION, else AWS_DEFAULT_REGION, else the caller's fallback (IMDS).
//   EC2:    AWS_ENDPOINT_URL_EC2, else AWS_ENDPOINT_URL, else https://ec2.<region>.<dns suffix>.
//   STS:    AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL, else https://sts.<region>.<dns suffix>.
//   IMDS:   AWS_EC2_METADATA_SERVICE_ENDPOINT, else http://169.254.169.254 (or
//           http://[fd00:ec2::254] when AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6).
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true disables the AWS_ENDPOINT_URL* overrides, as in the
// SDKs. The DNS suffix is amazonaws.com, or amazonaws.com.cn for cn-* regions.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "base/result.h"

namespace vpccni::cloud {

using EnvMap = std::map<std::string, std::string>;

inline constexpr char kDefaultImdsEndpoint[] = "http://169.254.169.254";

// Returns the region from the environment, else from imds_region() when given. Errors:
// kInvalidArgument for a malformed region name; kFailedPrecondition when no source has one
// (and the fallback's own error, with context, when it fails).
Result<std::string> ResolveRegion(const EnvMap& env,
                                  const std::function<Result<std::string>()>& imds_region = {});

// True for names like "us-west-2", "eu-central-1", "cn-north-1", "us-gov-west-1", "local".
bool IsValidRegionName(const std::string& region);

// Endpoint URLs without a trailing slash. kInvalidArgument when an override is not an
// http(s) URL.
Result<std::string> ResolveEc2Endpoint(const EnvMap& env, const std::string& region);
Result<std::string> ResolveStsEndpoint(const EnvMap& env, const std::string& region);
Result<std::string> ResolveImdsEndpoint(const EnvMap& env);

}  // namespace vpccni::cloud
