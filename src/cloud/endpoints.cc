#include "cloud/endpoints.h"

#include "base/strings.h"
#include "cloud/http_client.h"

namespace vpccni::cloud {
namespace {

std::string Get(const EnvMap& env, const std::string& key) {
  auto it = env.find(key);
  return it == env.end() ? "" : std::string(strings::Trim(it->second));
}

bool IgnoreOverrides(const EnvMap& env) {
  return strings::ToLower(Get(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) == "true";
}

Result<std::string> CheckUrl(const std::string& var, std::string url) {
  Result<ParsedUrl> p = ParseUrl(url);
  if (!p.has_value()) {
    Error e = std::move(p.error());
    e.AddContext(var);
    return e;
  }
  while (url.size() > p->scheme.size() + 3 && url.back() == '/') {
    url.pop_back();
  }
  return url;
}

std::string DnsSuffix(const std::string& region) {
  return region.rfind("cn-", 0) == 0 ? "amazonaws.com.cn" : "amazonaws.com";
}

Result<std::string> ServiceEndpoint(const EnvMap& env, const std::string& service_var,
                                    const std::string& service, const std::string& region) {
  if (!IgnoreOverrides(env)) {
    for (const std::string& var : {service_var, std::string("AWS_ENDPOINT_URL")}) {
      if (std::string v = Get(env, var); !v.empty()) {
        return CheckUrl(var, v);
      }
    }
  }
  if (!IsValidRegionName(region)) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid region '{}' for the {} endpoint",
                     region, service);
  }
  return fmt::format("https://{}.{}.{}", service, region, DnsSuffix(region));
}

}  // namespace

bool IsValidRegionName(const std::string& region) {
  if (region.empty() || region.size() > 64 || region.front() == '-' || region.back() == '-') {
    return false;
  }
  for (char c : region) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return false;
    }
  }
  return true;
}

Result<std::string> ResolveRegion(const EnvMap& env,
                                  const std::function<Result<std::string>()>& imds_region) {
  for (const char* var : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    if (std::string v = Get(env, var); !v.empty()) {
      if (!IsValidRegionName(v)) {
        return MakeError(ErrorCode::kInvalidArgument, "{}='{}' is not a region name", var, v);
      }
      return v;
    }
  }
  if (!imds_region) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "no region: set AWS_REGION or AWS_DEFAULT_REGION");
  }
  Result<std::string> r = imds_region();
  if (!r.has_value()) {
    return WithContext(std::move(r), "no AWS_REGION/AWS_DEFAULT_REGION; region from IMDS");
  }
  if (!IsValidRegionName(*r)) {
    return MakeError(ErrorCode::kDataLoss, "IMDS returned an invalid region '{}'", *r);
  }
  return r;
}

Result<std::string> ResolveEc2Endpoint(const EnvMap& env, const std::string& region) {
  return ServiceEndpoint(env, "AWS_ENDPOINT_URL_EC2", "ec2", region);
}

Result<std::string> ResolveStsEndpoint(const EnvMap& env, const std::string& region) {
  return ServiceEndpoint(env, "AWS_ENDPOINT_URL_STS", "sts", region);
}

Result<std::string> ResolveImdsEndpoint(const EnvMap& env) {
  if (std::string v = Get(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT"); !v.empty()) {
    return CheckUrl("AWS_EC2_METADATA_SERVICE_ENDPOINT", v);
  }
  std::string mode = strings::ToLower(Get(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"));
  if (mode == "ipv6") {
    return std::string("http://[fd00:ec2::254]");
  }
  if (!mode.empty() && mode != "ipv4") {
    return MakeError(ErrorCode::kInvalidArgument,
                     "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE='{}' (want IPv4 or IPv6)", mode);
  }
  return std::string(kDefaultImdsEndpoint);
}

}  // namespace vpccni::cloud
