#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cli/vpcctl_test_util.h"

namespace vpccni::cli {
namespace {

using testing::RunVpcctlCaptured;

TEST(MaxPodsCmd, PrintsOneNumber) {
  auto r = RunVpcctlCaptured({"max-pods", "--instance-type", "m5.large", "--cni-version", "1.9.0"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "29\n");
  r = RunVpcctlCaptured({"max-pods", "--instance-type", "m5.large", "--cni-version", "1.9.0",
                         "--cni-prefix-delegation-enabled"});
  EXPECT_EQ(r.out, "110\n");
  r = RunVpcctlCaptured({"max-pods", "--instance-type", "m5.large", "--cni-version", "1.9.0",
                         "--cni-prefix-delegation-enabled", "--show-max-allowed"});
  EXPECT_EQ(r.out, "434\n");
  r = RunVpcctlCaptured({"max-pods", "--instance-type", "m5.large", "--cni-version", "1.9.0",
                         "--cni-custom-networking-enabled"});
  EXPECT_EQ(r.out, "20\n");
  r = RunVpcctlCaptured({"max-pods", "--instance-type", "c5.18xlarge", "--cni-version", "1.9.0",
                         "--cni-max-eni", "4"});
  EXPECT_EQ(r.out, "198\n");
}

TEST(MaxPodsCmd, UnknownTypeFailsNamingIt) {
  auto r =
      RunVpcctlCaptured({"max-pods", "--instance-type", "nope.huge", "--cni-version", "1.9.0"});
  EXPECT_NE(r.code, 0);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find("nope.huge"), std::string::npos) << r.err;
}

TEST(MaxPodsCmd, BadVersionFails) {
  auto r = RunVpcctlCaptured({"max-pods", "--instance-type", "m5.large", "--cni-version", "x"});
  EXPECT_NE(r.code, 0);
}

TEST(MaxPodsCmd, AllListsEveryType) {
  auto r = RunVpcctlCaptured({"max-pods", "--all", "--cni-version", "1.9.0", "--show-max-allowed"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("m5.large 29\n"), std::string::npos);
  EXPECT_NE(r.out.find("c5.18xlarge 737\n"), std::string::npos);
  size_t lines = 0;
  for (char c : r.out) {
    lines += c == '\n' ? 1 : 0;
  }
  EXPECT_GT(lines, 1000u);
}

}  // namespace
}  // namespace vpccni::cli
