#include "policy/agent.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "k8s/decode.h"
#include "testing/fake_clock.h"
#include "testing/result_matchers.h"

namespace vpccni::policy {
namespace {

class FakeEnforcer : public Enforcer {
 public:
  Result<void> Apply(const NodeProgram& desired) override {
    ++applies;
    if (fail) {
      return MakeError(ErrorCode::kInternal, "injected");
    }
    program = desired;
    return Ok();
  }

  Result<VerdictCounters> Counters() override {
    VerdictCounters c;
    c.packets[{"ingress", "deny"}] = denied;
    return c;
  }

  Result<void> Remove() override {
    program.clear();
    return Ok();
  }

  NodeProgram program;
  int applies = 0;
  bool fail = false;
  uint64_t denied = 0;
};

k8s::ObjectSet Objects(const std::string& yaml) {
  auto out = k8s::DecodeManifests(yaml, "t");
  EXPECT_TRUE(out.has_value());
  EXPECT_TRUE(out->errors.empty());
  return out->objects;
}

constexpr const char* kPods = R"(
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {pod: a}}
spec: {nodeName: node1}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: x, labels: {pod: b}}
spec: {nodeName: node2}
status: {podIP: 10.0.0.2}
---
apiVersion: v1
kind: Pod
metadata: {name: done, namespace: x}
spec: {nodeName: node1}
status: {podIP: 10.0.0.3, phase: Succeeded}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: x}
spec: {podSelector: {}, policyTypes: [Ingress]}
)";

constexpr uint32_t kA = 0x0a000001;

class AgentTest : public ::testing::Test {
 protected:
  AgentTest() {
    auto m = AgentMetrics::Register(registry_);
    EXPECT_TRUE(m.has_value());
    metrics_ = *m;
  }

  metrics::Registry registry_;
  AgentMetrics metrics_;
  FakeEnforcer enforcer_;
  testing::FakeClock clock_;
};

TEST_F(AgentTest, ProgramsOnlyLocalRunningPods) {
  NetpolAgent agent("node1", EnforcingMode::kStandard, &enforcer_, &clock_, &metrics_);
  ASSERT_OK(agent.SetObjects(Objects(kPods), 7));
  ASSERT_EQ(enforcer_.program.size(), 1u);
  const PodProgram& a = enforcer_.program.at(kA);
  EXPECT_EQ(a.key, "x/a");
  EXPECT_TRUE(a.ingress.enforced);
  EXPECT_TRUE(a.ingress.cells.empty() || a.ingress.cells.size() < 4);  // only self/node cells
  EXPECT_FALSE(a.egress.enforced);
  EXPECT_EQ(agent.applied_generation(), 7u);
  std::string text = registry_.Render();
  EXPECT_THAT(text, ::testing::HasSubstr("vpccni_netpol_pods_enforced{direction=\"ingress\"} 1"));
  EXPECT_THAT(text, ::testing::HasSubstr("vpccni_netpol_objects_generation 7"));
  enforcer_.denied = 5;
  agent.RefreshCounters();
  EXPECT_EQ(metrics_.verdicts->Get({"ingress", "deny"}), 5.0);
}

TEST_F(AgentTest, FailedProgrammingKeepsPreviousState) {
  NetpolAgent agent("node1", EnforcingMode::kStandard, &enforcer_, &clock_, &metrics_);
  ASSERT_OK(agent.SetObjects(Objects(kPods), 1));
  enforcer_.fail = true;
  EXPECT_FALSE(agent.SetObjects(Objects(""), 2).has_value());
  EXPECT_EQ(agent.applied_generation(), 1u);
  EXPECT_EQ(agent.applied().size(), 1u);
  EXPECT_EQ(metrics_.programming_errors->Get(), 1.0);
}

TEST_F(AgentTest, StrictModeDeniesUnknownAnnouncedPodsUntilKnown) {
  NetpolAgent agent("node1", EnforcingMode::kStrict, &enforcer_, &clock_, &metrics_);
  ASSERT_OK(agent.SetObjects(Objects(""), 1));
  NpaReply r = agent.HandleNpa({std::string(kNpaEnforce), "a", "x", "10.0.0.1", "eni1"});
  EXPECT_TRUE(r.success);
  EXPECT_EQ(r.state, "default-deny");
  ASSERT_EQ(enforcer_.program.count(kA), 1u);
  EXPECT_TRUE(enforcer_.program[kA].ingress.enforced);
  EXPECT_TRUE(enforcer_.program[kA].ingress.cells.empty());
  EXPECT_TRUE(enforcer_.program[kA].egress.enforced);
  EXPECT_TRUE(enforcer_.program[kA].egress.cells.empty());
  // Objects arrive without policies for the pod: its computed (allow-all) state replaces deny.
  ASSERT_OK(agent.SetObjects(Objects("apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: "
                                     "x}\nspec: {nodeName: node1}\n"),
                             2));
  ASSERT_EQ(enforcer_.program.count(kA), 1u);  // address taken from the announcement
  EXPECT_FALSE(enforcer_.program[kA].ingress.enforced);
  EXPECT_FALSE(enforcer_.program[kA].egress.enforced);
  r = agent.HandleNpa({std::string(kNpaDelete), "a", "x", "", ""});
  EXPECT_TRUE(r.success);
}

TEST_F(AgentTest, StandardModeLeavesUnknownPodsOpenAndProgramsKnownOnesSynchronously) {
  NetpolAgent agent("node1", EnforcingMode::kStandard, &enforcer_, &clock_, &metrics_);
  ASSERT_OK(agent.SetObjects(Objects(kPods), 1));
  NpaReply r = agent.HandleNpa({std::string(kNpaEnforce), "new", "x", "10.0.0.9", ""});
  EXPECT_EQ(r.state, "default-allow");
  EXPECT_EQ(enforcer_.program.count(0x0a000009), 0u);
  r = agent.HandleNpa({std::string(kNpaEnforce), "a", "x", "10.0.0.1", ""});
  EXPECT_EQ(r.state, "policies-applied");
  EXPECT_TRUE(enforcer_.program.at(kA).ingress.enforced);
}

TEST(EnforcingModeTest, Parse) {
  EXPECT_EQ(*ParseEnforcingMode("Strict"), EnforcingMode::kStrict);
  EXPECT_EQ(*ParseEnforcingMode("standard"), EnforcingMode::kStandard);
  EXPECT_FALSE(ParseEnforcingMode("lenient").has_value());
}

}  // namespace
}  // namespace vpccni::policy
