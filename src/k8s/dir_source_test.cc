#include "k8s/dir_source.h"

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/result_matchers.h"
#include "testing/temp_dir.h"

namespace vpccni::k8s {
namespace {

using ::testing::HasSubstr;

void Write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::string tmp = path + ".tmp~";
  {
    std::ofstream out(tmp);
    out << text;
  }
  std::filesystem::rename(tmp, path);
}

std::string Ns(const std::string& name) {
  return "apiVersion: v1\nkind: Namespace\nmetadata: {name: " + name + "}\n";
}

TEST(DirSourceTest, ParseSpec) {
  ASSERT_OK_AND_ASSIGN(auto p, ParseDirSourceSpec("dir:/etc/objs"));
  EXPECT_EQ(p, "/etc/objs");
  EXPECT_FALSE(ParseDirSourceSpec("apiserver").has_value());
  EXPECT_FALSE(ParseDirSourceSpec("dir:").has_value());
}

TEST(DirSourceTest, LoadsWatchesAndKeepsPreviousObjectsOnBadFile) {
  testing::TempDir dir;
  Write(dir.File("a.yaml"), Ns("x") + "---\n" + Ns("y"));
  Write(dir.File("sub/b.json"), R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"z"}})");
  Write(dir.File("notes.txt"), "ignored");
  Write(dir.File(".hidden.yaml"), Ns("hidden"));
  DirectorySource src(dir.path());
  ASSERT_OK_AND_ASSIGN(bool changed, src.Poll());
  EXPECT_TRUE(changed);
  EXPECT_EQ(src.snapshot().objects.namespaces.size(), 3u);
  EXPECT_TRUE(src.snapshot().errors.empty());
  uint64_t gen = src.snapshot().generation;

  ASSERT_OK_AND_ASSIGN(changed, src.Poll());
  EXPECT_FALSE(changed);
  EXPECT_EQ(src.snapshot().generation, gen);

  // A syntax error keeps the file's previous objects and is reported.
  Write(dir.File("a.yaml"), "kind: [oops");
  ASSERT_OK_AND_ASSIGN(changed, src.Poll());
  EXPECT_TRUE(changed);
  EXPECT_EQ(src.snapshot().objects.namespaces.size(), 3u);
  ASSERT_EQ(src.snapshot().errors.size(), 1u);
  EXPECT_THAT(src.snapshot().errors[0].ToString(), HasSubstr("a.yaml"));

  // One invalid object: the whole file is not applied (never half-applied).
  Write(dir.File("a.yaml"), Ns("x") + "---\napiVersion: networking.k8s.io/v1\n"
                            "kind: NetworkPolicy\nmetadata: {name: p, namespace: x}\n"
                            "spec: {podSelector: {}, ingress: [{ports: [{port: 0}]}]}\n");
  ASSERT_OK_AND_ASSIGN(changed, src.Poll());
  EXPECT_EQ(src.snapshot().objects.namespaces.size(), 3u);
  EXPECT_TRUE(src.snapshot().objects.network_policies.empty());
  ASSERT_EQ(src.snapshot().errors.size(), 1u);
  EXPECT_THAT(src.snapshot().errors[0].ToString(), HasSubstr("NetworkPolicy x/p"));

  // Fixed: applied; errors cleared.
  Write(dir.File("a.yaml"), Ns("x"));
  ASSERT_OK_AND_ASSIGN(changed, src.Poll());
  EXPECT_TRUE(changed);
  EXPECT_EQ(src.snapshot().objects.namespaces.size(), 2u);
  EXPECT_TRUE(src.snapshot().errors.empty());

  // Removed file: its objects go away.
  std::filesystem::remove(dir.File("sub/b.json"));
  ASSERT_OK_AND_ASSIGN(changed, src.Poll());
  EXPECT_TRUE(changed);
  EXPECT_EQ(src.snapshot().objects.namespaces.size(), 1u);
  EXPECT_GT(src.snapshot().generation, gen);
}

TEST(DirSourceTest, DuplicateObjectsLastFileWins) {
  testing::TempDir dir;
  Write(dir.File("1.yaml"), Ns("x"));
  Write(dir.File("2.yaml"), "apiVersion: v1\nkind: Namespace\n"
                            "metadata: {name: x, labels: {v: two}}\n");
  DirectorySource src(dir.path());
  ASSERT_OK(src.Poll());
  ASSERT_EQ(src.snapshot().objects.namespaces.size(), 1u);
  EXPECT_EQ(src.snapshot().objects.namespaces[0].meta.labels.at("v"), "two");
  EXPECT_EQ(src.snapshot().errors.size(), 1u);
}

TEST(DirSourceTest, MissingDirectory) {
  DirectorySource src("/nonexistent/vpccni-objs");
  EXPECT_ERROR_CODE(src.Poll(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace vpccni::k8s
