#include "ipam/max_pods.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "base/strings.h"
#include "testing/result_matchers.h"

// Designated initializers leave the other members at their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace vpccni::ipam {
namespace {

const cloud::InstanceLimitsTable& Table() { return cloud::InstanceLimitsTable::BuiltIn(); }

int MaxPods(const std::string& type, MaxPodsOptions o) {
  auto r = ComputeMaxPods(Table(), type, o);
  EXPECT_TRUE(r.has_value()) << type << ": " << r.error().ToString();
  return r.value_or(-1);
}

TEST(MaxPods, CalculatorExamples) {
  MaxPodsOptions o{.cni_version = "1.9.0"};
  EXPECT_EQ(MaxPods("m5.large", o), 29);
  o.prefix_delegation = true;
  EXPECT_EQ(MaxPods("m5.large", o), 110) << "434 capped at 110 (2 vCPUs)";
  o.show_max_allowed = true;
  EXPECT_EQ(MaxPods("m5.large", o), 434);
  o = {.cni_version = "1.9.0", .custom_networking = true};
  EXPECT_EQ(MaxPods("m5.large", o), 20);
  o = {.cni_version = "1.9.0"};
  EXPECT_EQ(MaxPods("c5.18xlarge", o), 250) << "737 capped at 250 (72 vCPUs)";
  o.show_max_allowed = true;
  EXPECT_EQ(MaxPods("c5.18xlarge", o), 737);
  o = {.cni_version = "1.9.0", .max_eni = 2};
  EXPECT_EQ(MaxPods("m5.large", o), 20);
  o.max_eni = 10;
  EXPECT_EQ(MaxPods("m5.large", o), 29);
}

TEST(MaxPods, PrefixDelegationNeedsNitroAndCni19) {
  MaxPodsOptions o{.cni_version = "1.8.0", .prefix_delegation = true, .show_max_allowed = true};
  EXPECT_EQ(MaxPods("m5.large", o), 29) << "1.8 is not > 1.8";
  o.cni_version = "v1.12.6-eksbuild.2";
  EXPECT_EQ(MaxPods("m5.large", o), 434);
  o.cni_version = "2.0";
  EXPECT_EQ(MaxPods("m5.large", o), 434);
  // Xen: never PD.
  EXPECT_EQ(MaxPods("m4.large", o), 20);
}

TEST(MaxPods, Errors) {
  MaxPodsOptions o{.cni_version = "1.9.0"};
  auto r = ComputeMaxPods(Table(), "zz9.mega", o);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_NE(r.error().message.find("zz9.mega"), std::string::npos);
  o.cni_version = "latest";
  EXPECT_ERROR_CODE(ComputeMaxPods(Table(), "m5.large", o), ErrorCode::kInvalidArgument);
  o.cni_version = "";
  EXPECT_ERROR_CODE(ComputeMaxPods(Table(), "m5.large", o), ErrorCode::kInvalidArgument);
  o = {.cni_version = "1.9.0", .max_eni = 0};
  EXPECT_ERROR_CODE(ComputeMaxPods(Table(), "m5.large", o), ErrorCode::kInvalidArgument);
}

// Every row of upstream's eni-max-pods.txt equals the computed uncapped value, and the capped
// value is min(row, 110 or 250).
TEST(MaxPods, MatchesUpstreamTableForAllRows) {
  std::ifstream in(std::string(VPCCNI_SOURCE_DIR) + "/data/eni-max-pods.txt");
  ASSERT_TRUE(in.good());
  std::string line;
  int rows = 0;
  int checked = 0;
  while (std::getline(in, line)) {
    auto t = strings::Trim(line);
    if (t.empty() || t[0] == '#') {
      continue;
    }
    auto parts = strings::Split(t, ' ', true);
    ASSERT_EQ(parts.size(), 2u) << line;
    ++rows;
    const auto* limits = Table().Find(parts[0]);
    if (limits == nullptr) {
      ADD_FAILURE() << "type missing from the built-in table: " << parts[0];
      continue;
    }
    auto want = strings::ParseInt(parts[1]);
    ASSERT_TRUE(want.has_value());
    MaxPodsOptions o{.cni_version = "1.20.0", .show_max_allowed = true};
    ASSERT_OK_AND_ASSIGN(int got, ComputeMaxPods(*limits, o));
    EXPECT_EQ(got, *want) << parts[0];
    o.show_max_allowed = false;
    ASSERT_OK_AND_ASSIGN(int capped, ComputeMaxPods(*limits, o));
    EXPECT_EQ(capped, std::min<int64_t>(*want, limits->vcpus > 30 ? 250 : 110)) << parts[0];
    ++checked;
  }
  EXPECT_GT(rows, 1000);
  EXPECT_EQ(checked, rows);
}

}  // namespace
}  // namespace vpccni::ipam
