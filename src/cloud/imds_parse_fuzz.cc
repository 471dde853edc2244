// Fuzz target for the parsers of untrusted metadata text: IMDS values (imds_parsers.h), the
// credentials JSON served by IMDS and container endpoints, STS replies and RFC 3339 times. The
// first byte picks the parser, the rest is the input. Parsers must never crash, and accepted
// values must be well formed.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cloud/credentials.h"
#include "cloud/endpoints.h"
#include "cloud/imds_parsers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace imds = vpccni::cloud::imds;
  namespace cloud = vpccni::cloud;
  if (size == 0) {
    return 0;
  }
  std::string_view s(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 16) {
    case 0: {
      auto r = imds::ParseMacList("p", s);
      if (r.has_value() && r->size() > s.size()) {
        std::abort();
      }
      break;
    }
    case 1:
      (void)imds::ParseIpv4List("p", s);
      break;
    case 2:
      (void)imds::ParseIpv4CidrList("p", s);
      break;
    case 3:
      (void)imds::ParseIpv6List("p", s);
      break;
    case 4:
      (void)imds::ParseIpv6CidrList("p", s);
      break;
    case 5:
      (void)imds::ParseIndex("p", s);
      break;
    case 6:
      (void)imds::ParseResourceId("p", s, "eni-");
      break;
    case 7:
      (void)imds::ParseResourceIdList("p", s, "sg-");
      break;
    case 8:
      (void)imds::ParseInstanceType("p", s);
      break;
    case 9: {
      auto az = imds::ParseAvailabilityZone("p", s);
      if (az.has_value()) {
        auto region = imds::RegionFromAvailabilityZone(*az);
        if (!region.has_value() || !cloud::IsValidRegionName(*region)) {
          std::abort();  // a zone that parses always yields a valid region
        }
      }
      break;
    }
    case 10:
      (void)imds::RegionFromAvailabilityZone(s);
      break;
    case 11: {
      auto c = cloud::ParseCredentialsJson(s, "fuzz");
      if (c.has_value() && (c->access_key_id.empty() || c->secret_access_key.empty())) {
        std::abort();
      }
      break;
    }
    case 12:
      (void)cloud::ParseAssumeRoleWithWebIdentityXml(s);
      break;
    case 13:
      (void)cloud::ParseRfc3339(s);
      break;
    case 14:
      (void)imds::ParseListing(s);
      (void)imds::ParseMac("p", s);
      break;
    default:
      (void)imds::ParseIpv4("p", s);
      (void)imds::ParseIpv6("p", s);
      break;
  }
  return 0;
}
