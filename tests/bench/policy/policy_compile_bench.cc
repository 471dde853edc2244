// Compile and render benchmarks: 10,000 pods and 1,000 NetworkPolicies (goal: compile < 100 ms),
// rendering the pods of one node, and rendering one pod holding 1,000 rules.
#include <benchmark/benchmark.h>

#include "bench_objects.h"
#include "policy/compiler.h"
#include "policy/nft_render.h"

namespace vpccni::policy::bench {
namespace {

void BM_Compile10kPods1kPolicies(benchmark::State& state) {
  k8s::ObjectSet objects = MakeCluster(100, 100, 1000, 100);
  for (auto _ : state) {
    PolicyModel m = PolicyModel::Compile(objects);
    benchmark::DoNotOptimize(m.pod_count());
  }
  state.counters["pods"] = static_cast<double>(objects.pods.size());
  state.counters["policies"] = static_cast<double>(objects.network_policies.size());
}
BENCHMARK(BM_Compile10kPods1kPolicies)->Unit(benchmark::kMillisecond);

// Compile + render every local pod of one node (100 pods of 10,000) + nft text: what the agent
// does on every change.
void BM_CompileAndRenderOneNode(benchmark::State& state) {
  k8s::ObjectSet objects = MakeCluster(100, 100, 1000, 100);
  size_t rules = 0;
  for (auto _ : state) {
    PolicyModel m = PolicyModel::Compile(objects);
    NodeProgram prog;
    rules = 0;
    for (size_t i = 0; i < m.pod_count(); ++i) {
      if (m.pod(i).node_name != "node7") {
        continue;
      }
      PodProgram p;
      p.ingress = m.Render(i, Direction::kIngress);
      p.egress = m.Render(i, Direction::kEgress);
      rules += p.ingress.RuleCount() + p.egress.RuleCount();
      prog[m.pod(i).Ipv4()->ToUint()] = std::move(p);
    }
    std::string text = RenderNftFull(prog);
    benchmark::DoNotOptimize(text.size());
  }
  state.counters["set_elements"] = static_cast<double>(rules);
}
BENCHMARK(BM_CompileAndRenderOneNode)->Unit(benchmark::kMillisecond);

void BM_RenderPodWith1000Rules(benchmark::State& state) {
  PolicyModel m = PolicyModel::Compile(MakeRuleHeavyPod(1000, "node1"));
  size_t server = *m.FindPod("bench", "server");
  size_t cells = 0;
  for (auto _ : state) {
    DirectionRules r = m.Render(server, Direction::kIngress);
    cells = r.RuleCount();
    benchmark::DoNotOptimize(cells);
  }
  state.counters["set_elements"] = static_cast<double>(cells);
}
BENCHMARK(BM_RenderPodWith1000Rules)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace vpccni::policy::bench

BENCHMARK_MAIN();
