#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/commands.h"

namespace vpccni::cli {
namespace {

struct Run {
  int code;
  std::string out;
  std::string err;
};

Run Vpcctl(std::vector<std::string> args) {
  args.insert(args.begin(), "vpcctl");
  std::vector<char*> argv;
  argv.reserve(args.size());
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  int code = RunVpcctl(static_cast<int>(argv.size()), argv.data());
  Run r{code, ::testing::internal::GetCapturedStdout(), ::testing::internal::GetCapturedStderr()};
  return r;
}

TEST(MaxPodsCmd, PrintsOneNumber) {
  auto r = Vpcctl({"max-pods", "--instance-type", "m5.large", "--cni-version", "1.9.0"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "29\n");
  r = Vpcctl({"max-pods", "--instance-type", "m5.large", "--cni-version", "1.9.0",
              "--cni-prefix-delegation-enabled"});
  EXPECT_EQ(r.out, "110\n");
  r = Vpcctl({"max-pods", "--instance-type", "m5.large", "--cni-version", "1.9.0",
              "--cni-prefix-delegation-enabled", "--show-max-allowed"});
  EXPECT_EQ(r.out, "434\n");
  r = Vpcctl({"max-pods", "--instance-type", "m5.large", "--cni-version", "1.9.0",
              "--cni-custom-networking-enabled"});
  EXPECT_EQ(r.out, "20\n");
  r = Vpcctl({"max-pods", "--instance-type", "c5.18xlarge", "--cni-version", "1.9.0",
              "--cni-max-eni", "4"});
  EXPECT_EQ(r.out, "198\n");
}

TEST(MaxPodsCmd, UnknownTypeFailsNamingIt) {
  auto r = Vpcctl({"max-pods", "--instance-type", "nope.huge", "--cni-version", "1.9.0"});
  EXPECT_NE(r.code, 0);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find("nope.huge"), std::string::npos) << r.err;
}

TEST(MaxPodsCmd, BadVersionFails) {
  auto r = Vpcctl({"max-pods", "--instance-type", "m5.large", "--cni-version", "x"});
  EXPECT_NE(r.code, 0);
}

TEST(MaxPodsCmd, AllListsEveryType) {
  auto r = Vpcctl({"max-pods", "--all", "--cni-version", "1.9.0", "--show-max-allowed"});
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
