// File: vpcctl_test_util.h
//
// Test helper: runs vpcctl in-process (RunVpcctl) with stdout and stderr captured.
#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cli/commands.h"

namespace vpccni::cli::testing {

struct VpcctlRun {
  int code;
  std::string out;
  std::string err;
};

// args without the program name.
inline VpcctlRun RunVpcctlCaptured(std::vector<std::string> args) {
  args.insert(args.begin(), "vpcctl");
  std::vector<char*> argv;
  argv.reserve(args.size());
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  int code = RunVpcctl(static_cast<int>(argv.size()), argv.data());
  return {code, ::testing::internal::GetCapturedStdout(), ::testing::internal::GetCapturedStderr()};
}

}  // namespace vpccni::cli::testing
