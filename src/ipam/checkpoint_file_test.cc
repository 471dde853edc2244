#include "ipam/checkpoint_file.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "testing/result_matchers.h"
#include "testing/temp_dir.h"

namespace vpccni::ipam {
namespace {

TEST(CheckpointFile, WriteReadReplace) {
  vpccni::testing::TempDir dir;
  const std::string path = dir.File("sub/ipam.json");
  EXPECT_ERROR_CODE(ReadFile(path), ErrorCode::kNotFound);
  ASSERT_OK(WriteFileAtomic(path, "first"));
  ASSERT_OK_AND_ASSIGN(std::string got, ReadFile(path));
  EXPECT_EQ(got, "first");
  ASSERT_OK(WriteFileAtomic(path, std::string(200000, 'x')));
  ASSERT_OK_AND_ASSIGN(got, ReadFile(path));
  EXPECT_EQ(got.size(), 200000u);
  // No temp files left behind.
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.File("sub"))) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
            std::filesystem::perms(0644));
}

TEST(CheckpointFile, ErrorsNameThePath) {
  vpccni::testing::TempDir dir;
  ASSERT_OK(WriteFileAtomic(dir.File("f"), "x"));
  auto r = WriteFileAtomic(dir.File("f/inside"), "y");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().ToString().find(dir.File("f")), std::string::npos) << r.error().ToString();
}

}  // namespace
}  // namespace vpccni::ipam
