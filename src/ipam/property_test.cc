// Property tests over random pod churn: the datastore and the warm-pool policy together, with
// time moving in small random steps so youth, cool-down and rate limits all matter.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "ipam/pure_node_testing.h"
#include "testing/result_matchers.h"

namespace vpccni::ipam {
namespace {

using testing::PureNode;

struct Scenario {
  std::string type;
  std::map<std::string, std::string> env;
  int max_pods;
};

class ChurnTest : public ::testing::TestWithParam<Scenario> {};

TEST_P(ChurnTest, InvariantsHoldUnderRandomChurn) {
  const Scenario& sc = GetParam();
  auto limits = cloud::InstanceLimitsTable::BuiltIn().Lookup(sc.type);
  ASSERT_TRUE(limits.has_value());
  auto config = PoolConfig::FromEnv(sc.env);
  ASSERT_TRUE(config.has_value()) << config.error().ToString();
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937_64 rng(seed);
    PureNode node(*limits, *config, sc.max_pods);
    const PoolLimits& pl = node.limits();
    std::map<IpamKey, net::IpAddress> pods;
    int next = 0;
    for (int step = 0; step < 400; ++step) {
      node.Advance(std::chrono::milliseconds(rng() % 8000));
      const bool add = pods.empty() || (rng() % 100) < 55;
      if (add) {
        IpamKey key{"aws-cni", "c" + std::to_string(next++), "eth0"};
        auto cooling_before = node.datastore().Cooldowns(node.now());
        auto a = node.datastore().Assign(key, {}, node.now());
        if (a.has_value()) {
          for (const auto& c : cooling_before) {
            ASSERT_NE(c.address, a->address) << "handed out an address in cool-down";
          }
          for (const auto& [k, addr] : pods) {
            ASSERT_NE(addr, a->address) << "two pods on one address";
          }
          pods.emplace(key, a->address);
        } else {
          ASSERT_EQ(a.error().code, ErrorCode::kResourceExhausted);
        }
      } else {
        auto it = pods.begin();
        std::advance(it, static_cast<long>(rng() % pods.size()));
        ASSERT_OK(node.datastore().Release(it->first, node.now()));
        pods.erase(it);
      }
      // One reconcile pass every other step.
      if (step % 2 == 0) {
        node.Step();
      }
      // Invariants after every step.
      auto stats = node.datastore().Stats(node.now());
      ASSERT_LE(stats.eni_count, pl.max_enis);
      for (const auto& e : stats.enis) {
        ASSERT_LE(e.cidr_count, pl.slots_per_eni) << e.spec.id;
      }
      ASSERT_EQ(stats.assigned, static_cast<int>(pods.size()));
      ASSERT_EQ(node.datastore().AssignedCount(), pods.size());
      for (const auto& [k, addr] : pods) {
        auto f = node.datastore().Find(k);
        ASSERT_TRUE(f.has_value());
        ASSERT_EQ(f->address, addr) << "an assignment moved";
      }
    }
    // The plan converges: a fixed point within a bounded number of passes.
    node.Converge();
    EXPECT_TRUE(ComputePlan(node.Input()).Empty());
    std::set<net::IpAddress> unique;
    for (const auto& a : node.datastore().Assignments()) {
      ASSERT_TRUE(unique.insert(a.address).second);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Modes, ChurnTest,
    ::testing::Values(Scenario{"m5.large", {}, 29},
                      Scenario{"t3.small", {{"WARM_IP_TARGET", "2"}, {"MINIMUM_IP_TARGET", "5"}}, 11},
                      Scenario{"m5.xlarge", {{"WARM_ENI_TARGET", "0"}, {"WARM_IP_TARGET", "3"}}, 58},
                      Scenario{"m5.large", {{"ENABLE_PREFIX_DELEGATION", "true"}}, 110},
                      Scenario{"t3.small",
                               {{"ENABLE_PREFIX_DELEGATION", "true"},
                                {"WARM_IP_TARGET", "7"},
                                {"MINIMUM_IP_TARGET", "20"}},
                               110},
                      Scenario{"c5.large",
                               {{"AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG", "true"},
                                {"IP_COOLDOWN_COUNTS_AS_AVAILABLE", "true"}},
                               20},
                      Scenario{"m5.large", {{"MAX_ENI", "2"}, {"WARM_ENI_TARGET", "2"}}, 29}));

}  // namespace
}  // namespace vpccni::ipam
