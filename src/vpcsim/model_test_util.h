// File: model_test_util.h (test-only)
//
// Shared fixture helpers for the VPC model tests: a fixed clock origin, builders for VPCs,
// subnets, instances and ENIs, and an EC2-reason matcher.
#pragma once

#include <string>

#include <gtest/gtest.h>

#include "testing/result_matchers.h"
#include "vpcsim/model.h"

namespace vpccni::vpcsim::testutil {

// Seconds after a fixed epoch (2027-01-15T08:00:00Z).
inline WallTime At(double secs) {
  return FromUnixNanos(1'800'000'000LL * 1'000'000'000LL + static_cast<int64_t>(secs * 1e9));
}

// Asserts that `r` failed with EC2 error code `reason`.
#define EXPECT_EC2_ERROR(expr, want_reason)                                             \
  do {                                                                                  \
    auto&& vpcsim_r_ = (expr);                                                          \
    ASSERT_FALSE(vpcsim_r_.has_value()) << "expected " << (want_reason);                \
    EXPECT_EQ(vpcsim_r_.error().reason, (want_reason)) << vpcsim_r_.error().ToString(); \
  } while (0)

inline std::string MakeVpc(VpcModel& m, const std::string& cidr = "10.0.0.0/16",
                           bool ipv6 = false) {
  CreateVpcRequest r;
  r.cidr_block = cidr;
  r.amazon_provided_ipv6_cidr_block = ipv6;
  auto v = m.CreateVpc(r, At(0));
  EXPECT_TRUE(v.has_value()) << v.error().ToString();
  return v.has_value() ? v->vpc.vpc_id : "";
}

inline std::string MakeSubnet(VpcModel& m, const std::string& vpc, const std::string& cidr,
                              const std::string& az = "us-west-2a",
                              std::optional<std::string> ipv6 = std::nullopt) {
  CreateSubnetRequest r;
  r.vpc_id = vpc;
  r.cidr_block = cidr;
  r.availability_zone = az;
  r.ipv6_cidr_block = ipv6;
  auto s = m.CreateSubnet(r, At(0));
  EXPECT_TRUE(s.has_value()) << s.error().ToString();
  return s.has_value() ? s->subnet.subnet_id : "";
}

inline Instance MakeInstance(VpcModel& m, const std::string& subnet,
                             const std::string& type = "m5.large", double t = 0) {
  RunInstancesRequest r;
  r.image_id = "ami-0123456789abcdef0";
  r.instance_type = type;
  r.subnet_id = subnet;
  auto res = m.RunInstances(r, At(t));
  EXPECT_TRUE(res.has_value()) << res.error().ToString();
  return res.has_value() ? res->instances.at(0) : Instance{};
}

inline NetworkInterface MakeEni(VpcModel& m, const std::string& subnet, int secondaries = 0,
                                int prefixes = 0, double t = 0) {
  CreateNetworkInterfaceRequest r;
  r.subnet_id = subnet;
  r.secondary_private_ip_address_count = secondaries;
  r.ipv4_prefix_count = prefixes;
  auto res = m.CreateNetworkInterface(r, At(t));
  EXPECT_TRUE(res.has_value()) << res.error().ToString();
  return res.has_value() ? res->network_interface : NetworkInterface{};
}

// Resources, IMDS and ID-generator sections of the snapshot (what a failed call must not
// change).
inline nlohmann::json StateOf(const VpcModel& m) {
  nlohmann::json j = m.ToJson();
  return nlohmann::json{{"resources", j["resources"]}, {"imds", j["imds"]}, {"ids", j["ids"]}};
}

}  // namespace vpccni::vpcsim::testutil
