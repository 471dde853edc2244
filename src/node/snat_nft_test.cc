// Privileged: applies the SNAT ruleset in a fresh network namespace and checks it with
// `nft -j list table ip aws-cni`. Skips when not root.
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "node/snat.h"
#include "testing/result_matchers.h"

namespace vpccni::node {
namespace {

SnatConfig BaseConfig() {
  SnatConfig c;
  c.node_ip = *net::Ipv4Address::Parse("10.0.0.10");
  c.vpc_cidrs = {*net::Ipv4Cidr::Parse("10.0.0.0/16"), *net::Ipv4Cidr::Parse("100.64.0.0/16")};
  c.exclude_cidrs = {*net::Ipv4Cidr::Parse("192.168.7.0/24")};
  return c;
}

// Runs `cmd` and returns its stdout.
std::string RunCommand(const std::string& cmd) {
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");  // NOLINT(cert-env33-c)
  if (f == nullptr) {
    return out;
  }
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), f)) > 0) {
    out.append(buf.data(), n);
  }
  pclose(f);
  return out;
}

// A named network namespace created for one test and always removed.
class ScopedNetns {
 public:
  ScopedNetns() : name_("vpccni-snat-" + std::to_string(getpid())) {
    ok_ = std::system(("ip netns add " + name_).c_str()) == 0;  // NOLINT
  }
  ~ScopedNetns() {
    if (ok_) {
      (void)std::system(("ip netns del " + name_).c_str());  // NOLINT
    }
  }
  bool ok() const { return ok_; }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  bool ok_ = false;
};

// Runs fn on a thread that has joined netns `name`.
Result<void> InNetns(const std::string& name, const std::function<Result<void>()>& fn) {
  Result<void> result = Ok();
  std::thread t([&] {
    int fd = open(("/var/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
      result = MakeSysError(errno, "setns {}", name);
      if (fd >= 0) {
        close(fd);
      }
      return;
    }
    close(fd);
    result = fn();
  });
  t.join();
  return result;
}

TEST(SnatPrivilegedTest, AppliesAtomicallyAndIdempotently) {
  if (geteuid() != 0) {
    GTEST_SKIP() << "needs root (network namespaces, nftables)";
  }
  ScopedNetns ns;
  ASSERT_TRUE(ns.ok());
  SnatConfig cfg = BaseConfig();
  ASSERT_OK(InNetns(ns.name(), [&]() -> Result<void> {
    ASSIGN_OR_RETURN(auto applier, NftSnatApplier::Create());
    RETURN_IF_ERROR(ApplySnat(*applier, cfg));
    return ApplySnat(*applier, cfg);  // second apply replaces, not duplicates
  }));
  std::string json = RunCommand("ip netns exec " + ns.name() + " nft -j list table ip aws-cni");
  auto j = nlohmann::json::parse(json, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << json;
  int chains = 0;
  int rules = 0;
  bool snat_seen = false;
  bool fully_random = false;
  for (const auto& item : j["nftables"]) {
    if (item.contains("chain")) {
      ++chains;
    }
    if (item.contains("rule")) {
      ++rules;
      std::string dump = item.dump();
      if (dump.find("\"snat\"") != std::string::npos) {
        snat_seen = dump.find("10.0.0.10") != std::string::npos;
        fully_random = dump.find("fully-random") != std::string::npos;
      }
    }
  }
  EXPECT_EQ(chains, 4);
  // mangle 5, snat-mark 4, nat-prerouting 4, nat-postrouting 4.
  EXPECT_EQ(rules, 17) << json;
  EXPECT_TRUE(snat_seen) << json;
  EXPECT_TRUE(fully_random) << json;

  // Switching to external SNAT leaves no SNAT rule.
  cfg.external_snat = true;
  ASSERT_OK(InNetns(ns.name(), [&]() -> Result<void> {
    ASSIGN_OR_RETURN(auto applier, NftSnatApplier::Create());
    RETURN_IF_ERROR(ApplySnat(*applier, cfg));
    ASSIGN_OR_RETURN(std::string listed, applier->ListTableJson());
    if (listed.find("\"snat\"") != std::string::npos) {
      return MakeError(ErrorCode::kInternal, "snat rule still present: {}", listed);
    }
    return applier->Run(RenderSnatRemoveScript());
  }));
  std::string after = RunCommand("ip netns exec " + ns.name() + " nft list tables");
  EXPECT_EQ(after.find("aws-cni"), std::string::npos) << after;
}

}  // namespace
}  // namespace vpccni::node
