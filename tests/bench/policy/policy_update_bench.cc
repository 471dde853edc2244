// Programming-latency benchmark (root; run inside a scratch network namespace, see
// run_datapath_bench.sh). Modes:
//   install N   : program pod 10.250.0.2 with N ingress rules (plus an allow for the client pod
//                 10.250.0.1) and exit, leaving the table for a traffic run;
//   measure N R : program the same, then R times change one rule and time compile+render and the
//                 nftables transaction separately; prints medians and p90 in microseconds;
//   remove      : delete the table.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench_objects.h"
#include "policy/compiler.h"
#include "policy/nft_enforcer.h"

namespace {

using vpccni::policy::Direction;
using vpccni::policy::NodeProgram;
using vpccni::policy::PolicyModel;
using Clock = std::chrono::steady_clock;

NodeProgram Program(const vpccni::k8s::ObjectSet& objects) {
  PolicyModel m = PolicyModel::Compile(objects);
  NodeProgram prog;
  for (size_t i = 0; i < m.pod_count(); ++i) {
    auto& p = prog[m.pod(i).Ipv4()->ToUint()];
    p.key = m.pod(i).Key();
    p.ingress = m.Render(i, Direction::kIngress);
    p.egress = m.Render(i, Direction::kEgress);
  }
  return prog;
}

double Percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s install N | measure N R | remove\n", argv[0]);
    return 2;
  }
  std::string mode = argv[1];
  auto enforcer = vpccni::policy::NftEnforcer::Create();
  if (!enforcer) {
    std::fprintf(stderr, "%s\n", enforcer.error().ToString().c_str());
    return 1;
  }
  if (mode == "remove") {
    return (*enforcer)->Remove() ? 0 : 1;
  }
  int rules = argc > 2 ? std::atoi(argv[2]) : 1000;
  auto objects = vpccni::policy::bench::MakeRuleHeavyPod(rules, "node1");
  auto t0 = Clock::now();
  NodeProgram prog = Program(objects);
  auto t1 = Clock::now();
  auto r = (*enforcer)->Apply(prog);
  auto t2 = Clock::now();
  if (!r) {
    std::fprintf(stderr, "%s\n", r.error().ToString().c_str());
    return 1;
  }
  size_t elements = 0;
  for (const auto& [ip, p] : prog) {
    elements += p.ingress.RuleCount() + p.egress.RuleCount();
  }
  std::printf("initial install: %d rules -> %zu set elements, compile+render %.2f ms, nft %.2f ms\n",
              rules, elements, std::chrono::duration<double, std::milli>(t1 - t0).count(),
              std::chrono::duration<double, std::milli>(t2 - t1).count());
  if (mode == "install") {
    return 0;
  }
  int rounds = argc > 3 ? std::atoi(argv[3]) : 50;
  std::vector<double> compile_us;
  std::vector<double> nft_us;
  std::vector<double> total_us;
  for (int i = 0; i < rounds; ++i) {
    // One rule changes its port: the kind of edit a user makes.
    auto& port = objects.network_policies[0].ingress[0].ports[0];
    port.port = (i % 2 == 0) ? 2000 : 1000;
    auto a = Clock::now();
    NodeProgram next = Program(objects);
    auto b = Clock::now();
    auto ar = (*enforcer)->Apply(next);
    auto c = Clock::now();
    if (!ar) {
      std::fprintf(stderr, "%s\n", ar.error().ToString().c_str());
      return 1;
    }
    compile_us.push_back(std::chrono::duration<double, std::micro>(b - a).count());
    nft_us.push_back(std::chrono::duration<double, std::micro>(c - b).count());
    total_us.push_back(std::chrono::duration<double, std::micro>(c - a).count());
  }
  std::printf("update (one rule of %d changed), %d rounds: compile+render median %.0f us p90 %.0f "
              "us; nft transaction median %.0f us p90 %.0f us; total median %.0f us p90 %.0f us\n",
              rules, rounds, Percentile(compile_us, 0.5), Percentile(compile_us, 0.9),
              Percentile(nft_us, 0.5), Percentile(nft_us, 0.9), Percentile(total_us, 0.5),
              Percentile(total_us, 0.9));
  return 0;
}
