// The netlink fast path of policy edits against the real kernel (root): element batches land
// exactly as libnftables would have written them, fail atomically, and NftEnforcer falls back
// when the kernel disagrees with its picture. Each test makes and deletes its own netns.
#include "policy/nft_netlink.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <set>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "policy/nft_enforcer.h"
#include "testing/result_matchers.h"

namespace vpccni::policy {
namespace {

constexpr uint32_t kPod = 0x0afa0002;  // 10.250.0.2

std::string Capture(const std::string& cmd) {
  std::string out;
  FILE* f = ::popen(cmd.c_str(), "r");
  if (f == nullptr) {
    return out;
  }
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) {
    out.append(buf, n);
  }
  ::pclose(f);
  return out;
}

class NftNetlinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) {
      GTEST_SKIP() << "needs root (network namespaces, nftables)";
    }
    ns_ = fmt::format("vpccni-nftnl-{}", ::getpid());
    ASSERT_EQ(std::system(("ip netns add " + ns_).c_str()), 0);
    fd_ = ::open(("/var/run/netns/" + ns_).c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd_, 0);
  }

  void TearDown() override {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    if (!ns_.empty()) {
      (void)std::system(("ip netns del " + ns_).c_str());
    }
  }

  // Runs f on a thread inside the test namespace (both libnftables and the netlink socket bind
  // to the namespace of the thread that opens them).
  void InNs(const std::function<void()>& f) {
    std::thread t([&] {
      ASSERT_EQ(::setns(fd_, CLONE_NEWNET), 0);
      f();
    });
    t.join();
  }

  // The elements of a set as the kernel lists them (nft JSON, one string each, sorted).
  std::set<std::string> Elements(const std::string& set) {
    std::string text =
        Capture(fmt::format("ip netns exec {} nft -j list set inet {} {}", ns_, kNftTable, set));
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    std::set<std::string> out;
    if (j.is_discarded()) {
      ADD_FAILURE() << "nft output: " << text;
      return out;
    }
    for (const auto& item : j["nftables"]) {
      if (item.contains("set") && item["set"].contains("elem")) {
        for (const auto& e : item["set"]["elem"]) {
          out.insert(e.dump());
        }
      }
    }
    return out;
  }

  std::string ns_;
  int fd_ = -1;
};

DirectionRules Rules(std::vector<AllowCell> cells) {
  DirectionRules r;
  r.enforced = true;
  r.cells = std::move(cells);
  r.other = {{0x0afa0001, 0x0afa0001}};
  return r;
}

NodeProgram ProgramA() {
  NodeProgram p;
  p[kPod].key = "x/a";
  p[kPod].ingress = Rules({{{0x0a000005, 0x0a000005}, L4::kSctp, {0, 65535}},
                           {{0x0afa0001, 0x0afa0001}, L4::kTcp, {80, 80}},
                           {{0xac100000, 0xac1000ff}, L4::kUdp, {53, 54}}});
  p[kPod].egress = Rules({{{0x08080808, 0x08080808}, L4::kUdp, {53, 53}}});
  return p;
}

// A: one cell removed, one range grown over a removed cell, one added; egress untouched.
NodeProgram ProgramB() {
  NodeProgram p = ProgramA();
  p[kPod].ingress = Rules({{{0x0a000005, 0x0a000005}, L4::kSctp, {0, 65535}},
                           {{0x0afa0001, 0x0afa0001}, L4::kTcp, {80, 90}},
                           {{0xc0a80000, 0xc0a8ffff}, L4::kTcp, {443, 443}}});
  return p;
}

TEST_F(NftNetlinkTest, BatchWritesWhatLibnftablesWrites) {
  std::set<std::string> expected;
  InNs([&] {
    ASSERT_OK_AND_ASSIGN(auto e, NftEnforcer::Create());
    ASSERT_OK(e->Apply(ProgramB()));
  });
  expected = Elements("i_0afa0002_p");
  ASSERT_EQ(expected.size(), 3U);

  InNs([&] {
    ASSERT_OK_AND_ASSIGN(auto e, NftEnforcer::Create());
    ASSERT_OK(e->Apply(ProgramA()));  // a full replacement
    auto cells = CellOnlyDiff(ProgramA(), ProgramB());
    ASSERT_TRUE(cells.has_value());
    ASSERT_EQ(cells->size(), 1U);
    ASSERT_OK_AND_ASSIGN(auto nl, NftNetlink::Open());
    ASSERT_OK(nl.Apply(kNftTable, *cells));
  });
  EXPECT_EQ(Elements("i_0afa0002_p"), expected);
  EXPECT_EQ(Elements("e_0afa0002_p").size(), 1U);
}

TEST_F(NftNetlinkTest, RefusedBatchChangesNothing) {
  InNs([&] {
    ASSERT_OK_AND_ASSIGN(auto e, NftEnforcer::Create());
    ASSERT_OK(e->Apply(ProgramA()));
  });
  std::set<std::string> before = Elements("i_0afa0002_p");
  InNs([&] {
    ASSERT_OK_AND_ASSIGN(auto nl, NftNetlink::Open());
    // The addition is valid; the deletion names a cell the set does not hold.
    std::vector<CellSetChange> bad = {{"i_0afa0002_p",
                                       {{{0x01020304, 0x01020304}, L4::kTcp, {1, 1}}},
                                       {{{0x05060708, 0x05060708}, L4::kTcp, {2, 2}}}}};
    auto r = nl.Apply(kNftTable, bad);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ErrorCode::kNotFound) << r.error().ToString();
    // A set that does not exist.
    std::vector<CellSetChange> missing = {{"i_ffffffff_p", {}, {{{1, 1}, L4::kTcp, {2, 2}}}}};
    auto m = nl.Apply(kNftTable, missing);
    ASSERT_FALSE(m.has_value());
    EXPECT_EQ(m.error().code, ErrorCode::kNotFound) << m.error().ToString();
    // The socket still works after refusals.
    auto cells = CellOnlyDiff(ProgramA(), ProgramB());
    ASSERT_OK(nl.Apply(kNftTable, *cells));
    ASSERT_OK(nl.Apply(kNftTable, *CellOnlyDiff(ProgramB(), ProgramA())));
  });
  EXPECT_EQ(Elements("i_0afa0002_p"), before);
}

// Without CAP_NET_ADMIN the kernel refuses the batch at its first message: a prompt error,
// not a wait for acknowledgements that never come.
TEST_F(NftNetlinkTest, UnprivilegedBatchIsRefusedPromptly) {
  InNs([&] {
    ASSERT_OK_AND_ASSIGN(auto e, NftEnforcer::Create());
    ASSERT_OK(e->Apply(ProgramA()));
    pid_t pid = ::fork();
    if (pid == 0) {
      if (::setgid(65534) != 0 || ::setuid(65534) != 0) {
        ::_exit(3);
      }
      auto nl = NftNetlink::Open();
      if (!nl) {
        ::_exit(4);
      }
      auto start = std::chrono::steady_clock::now();
      auto r = nl->Apply(kNftTable, *CellOnlyDiff(ProgramA(), ProgramB()));
      bool prompt = std::chrono::steady_clock::now() - start < std::chrono::seconds(2);
      ::_exit(!r && r.error().code == ErrorCode::kPermissionDenied && prompt ? 0 : 5);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  });
  EXPECT_EQ(Elements("i_0afa0002_p").size(), 3U);
}

TEST_F(NftNetlinkTest, EnforcerFallsBackWhenTheKernelDisagrees) {
  InNs([&] {
    ASSERT_OK_AND_ASSIGN(auto e, NftEnforcer::Create());
    ASSERT_OK(e->Apply(ProgramA()));
    // Someone removed a cell behind the enforcer's back; B's batch deletes it and is refused.
    ASSERT_OK(e->Run("delete element inet vpccni_netpol i_0afa0002_p { 10.250.0.1 . tcp . 80 }\n"));
    ASSERT_OK(e->Apply(ProgramB()));
  });
  std::set<std::string> got = Elements("i_0afa0002_p");
  InNs([&] {
    ASSERT_OK_AND_ASSIGN(auto e, NftEnforcer::Create());
    ASSERT_OK(e->Apply(ProgramB()));
  });
  EXPECT_EQ(got, Elements("i_0afa0002_p"));
  InNs([&] {
    ASSERT_OK_AND_ASSIGN(auto e, NftEnforcer::Create());
    ASSERT_OK(e->Remove());
  });
}

std::vector<AllowCell> ManyCells(uint32_t n) {
  std::vector<AllowCell> cells;
  for (uint32_t i = 0; i < n; ++i) {
    cells.push_back({{0xac100000 + i, 0xac100000 + i},
                     L4::kTcp,
                     {uint16_t(1000 + i % 7), uint16_t(1000 + i % 7)}});
  }
  return cells;
}

NodeProgram Sized(uint32_t n) {
  NodeProgram p = ProgramA();
  p[kPod].ingress = Rules(ManyCells(n));
  return p;
}

TEST_F(NftNetlinkTest, ShardedSetsFollowEditsAndShardCountChanges) {
  // The union of a direction's shard sets.
  auto all_cells = [&](const NodeProgram& p) {
    std::set<std::string> out;
    int shards = NftShardCount(p.at(kPod).ingress.cells.size());
    for (int i = 0; i < shards; ++i) {
      auto e = Elements(NftCellSetName(kPod, Direction::kIngress, i, shards));
      out.insert(e.begin(), e.end());
    }
    return out;
  };
  NodeProgram edited = Sized(300);
  edited[kPod].ingress.cells[10].ports = {2000, 2001};
  edited[kPod].ingress.cells.erase(edited[kPod].ingress.cells.begin() + 200);
  std::vector<std::pair<std::string, NodeProgram>> steps = {
      {"300 cells (4 shards)", Sized(300)},
      {"one edited, one removed", edited},
      {"100 cells (1 shard)", Sized(100)},
      {"600 cells (8 shards)", Sized(600)},
  };
  // One enforcer through all steps (each Apply after the first is incremental).
  std::vector<std::set<std::string>> incremental;
  InNs([&] {
    ASSERT_OK_AND_ASSIGN(auto e, NftEnforcer::Create());
    ASSERT_OK(e->Apply(ProgramA()));
    for (const auto& [what, program] : steps) {
      SCOPED_TRACE(what);
      ASSERT_OK(e->Apply(program));
      incremental.push_back(all_cells(program));
    }
  });
  ASSERT_EQ(incremental.size(), steps.size());
  for (size_t i = 0; i < steps.size(); ++i) {
    const auto& [what, program] = steps[i];
    SCOPED_TRACE(what);
    EXPECT_EQ(incremental[i].size(), program.at(kPod).ingress.cells.size());
    InNs([&] {
      ASSERT_OK_AND_ASSIGN(auto e, NftEnforcer::Create());
      ASSERT_OK(e->Apply(program));  // a full replacement, as the reference
    });
    EXPECT_EQ(incremental[i], all_cells(program));
  }
}

}  // namespace
}  // namespace vpccni::policy
