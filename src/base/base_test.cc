#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "base/backoff.h"
#include "base/log.h"
#include "base/result.h"
#include "base/strings.h"
#include "testing/result_matchers.h"

namespace vpccni {
namespace {

Result<int> Half(int v) {
  if (v % 2 != 0) {
    return MakeError(ErrorCode::kInvalidArgument, "{} is odd", v);
  }
  return v / 2;
}

Result<int> Quarter(int v) {
  ASSIGN_OR_RETURN(int h, Half(v));
  return WithContext(Half(h), "second half of {}", v);
}

Result<void> CheckEven(int v) {
  RETURN_IF_ERROR(Half(v));
  return Ok();
}

TEST(ResultTest, PropagatesErrorsWithContext) {
  ASSERT_OK_AND_ASSIGN(int q, Quarter(8));
  EXPECT_EQ(q, 2);
  auto r = Quarter(6);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().ToString(), "second half of 6: 3 is odd");
  EXPECT_OK(CheckEven(4));
  EXPECT_ERROR_CODE(CheckEven(5), ErrorCode::kInvalidArgument);
}

TEST(ResultTest, ReasonAndErrnoAppearInText) {
  Error e = MakeSysError(2, "open {}", "/x");
  e.reason = "Enoent";
  EXPECT_EQ(e.ToString(), "open /x [Enoent] (No such file or directory)");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kResourceExhausted), "resource_exhausted");
}

TEST(StringsTest, SplitJoinTrim) {
  EXPECT_EQ(strings::Split("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(strings::Split("a,,b", ',', true), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(strings::Join({"x", "y"}, "-"), "x-y");
  EXPECT_EQ(strings::Trim("  v \n"), "v");
  EXPECT_EQ(strings::ToLower("AbC"), "abc");
}

TEST(StringsTest, ParseNumbersAndBools) {
  EXPECT_EQ(*strings::ParseInt(" -42 "), -42);
  EXPECT_EQ(*strings::ParseInt("+7"), 7);
  EXPECT_FALSE(strings::ParseInt("4x").has_value());
  EXPECT_FALSE(strings::ParseInt("").has_value());
  EXPECT_FALSE(strings::ParseUint("-1").has_value());
  EXPECT_EQ(*strings::ParseUint("18446744073709551615"), 18446744073709551615ULL);
  for (const char* t : {"1", "t", "T", "TRUE", "true", "True"}) {
    EXPECT_TRUE(*strings::ParseBool(t)) << t;
  }
  for (const char* f : {"0", "f", "F", "FALSE", "false", "False"}) {
    EXPECT_FALSE(*strings::ParseBool(f)) << f;
  }
  EXPECT_FALSE(strings::ParseBool("yes").has_value());
}

TEST(StringsTest, JsonEscapeAndHex) {
  EXPECT_EQ(strings::JsonEscape("a\"b\\c\n\x01"), "a\\\"b\\\\c\\n\\u0001");
  EXPECT_EQ(strings::HexEncode(std::string("\x00\xff", 2)), "00ff");
}

class CaptureSink : public log::Sink {
 public:
  void Write(std::string_view line) override { lines.emplace_back(line); }
  std::vector<std::string> lines;
};

TEST(LogTest, EmitsJsonLinesAboveLevel) {
  auto sink = std::make_shared<CaptureSink>();
  log::SetSink(sink);
  log::SetLevel(log::Level::kInfo);
  LOG_DEBUG("test", "hidden {}", 1);
  LOG_INFO("test", "shown {}", "\"q\"");
  log::Emit(log::Level::kWarn, "ipamd", "with fields", {{"eni", "eni-1"}});
  log::SetSink(std::make_shared<log::FdSink>(2));
  ASSERT_EQ(sink->lines.size(), 2U);
  EXPECT_NE(sink->lines[0].find(R"("level":"info","component":"test","msg":"shown \"q\"")"),
            std::string::npos);
  EXPECT_NE(sink->lines[1].find(R"("eni":"eni-1")"), std::string::npos);
  EXPECT_EQ(*log::ParseLevel("WARNING"), log::Level::kWarn);
  EXPECT_FALSE(log::ParseLevel("loud").has_value());
}

TEST(BackoffTest, CeilingDoublesAndCaps) {
  BackoffPolicy p{std::chrono::milliseconds(100), std::chrono::seconds(1), 0};
  EXPECT_EQ(BackoffCeiling(p, 0), std::chrono::milliseconds(100));
  EXPECT_EQ(BackoffCeiling(p, 3), std::chrono::milliseconds(800));
  EXPECT_EQ(BackoffCeiling(p, 4), std::chrono::seconds(1));
  EXPECT_EQ(BackoffCeiling(p, 1000), std::chrono::seconds(1));
  SeededRng rng(7);
  for (int attempt = 0; attempt < 50; ++attempt) {
    Duration d = BackoffDelay(p, attempt, rng);
    EXPECT_GE(d.count(), 0);
    EXPECT_LE(d, BackoffCeiling(p, attempt));
  }
}

}  // namespace
}  // namespace vpccni
