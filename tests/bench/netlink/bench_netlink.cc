// Benchmark (root): wire and tear down one pod in a fresh pod netns, from a scratch "node" netns,
// with the real kernel. Reports the median and p90 wall time, and the median thread CPU time, in
// microseconds of SetupPodNetwork and TeardownPodNetwork as counters. Namespace creation/removal is
// outside the timed region.
//
//   sudo build/<dir>/bin/bench_netlink --benchmark_repetitions=1
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "netlink/netns.h"
#include "netlink/rtnl_ops.h"
#include "node/names.h"
#include "node/pod_network.h"

namespace {

using vpccni::netlink::Netns;
using vpccni::netlink::ScopedNetns;
using Clock = std::chrono::steady_clock;

std::string Name(std::string_view tag) {
  static std::atomic<int> n{0};
  return fmt::format("vb-{}-{}-{}", getpid(), tag, n++);
}

// CPU time of the calling thread; netlink requests are processed in the sender's context, so
// this includes the kernel's work on them.
double ThreadCpuUs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) {
    return 0;
  }
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1));
  return v[i];
}

// Runs `iterations` wire+teardown cycles inside a fresh node netns; fills the two sample sets.
struct Samples {
  std::vector<double> setup_us;
  std::vector<double> teardown_us;
  std::vector<double> setup_cpu_us;
  std::vector<double> teardown_cpu_us;
};

bool RunCycles(benchmark::State& state, Samples& s) {
  std::string node = Name("node");
  if (!Netns::CreateNamed(node)) {
    state.SkipWithError("cannot create netns (needs root)");
    return false;
  }
  bool ok = true;
  {
    auto node_ns = Netns::OpenByName(node);
    auto in_node =
        node_ns ? ScopedNetns::Enter(*node_ns) : vpccni::Result<ScopedNetns>(node_ns.error());
    if (!in_node) {
      state.SkipWithError("cannot enter node netns");
      ok = false;
    }
    // All pod namespaces exist before timing starts and go after it ends: removing a netns
    // runs the kernel's cleanup_net under the RTNL lock, which would stall the next iteration.
    std::vector<std::string> pods;
    for (int64_t k = 0; ok && k < static_cast<int64_t>(state.max_iterations); ++k) {
      pods.push_back(Name("pod"));
      if (!Netns::CreateNamed(pods.back())) {
        state.SkipWithError("cannot create pod netns");
        ok = false;
      }
    }
    size_t i = 0;
    for (auto _ : state) {
      if (!ok || i >= pods.size()) {
        break;
      }
      state.PauseTiming();
      const std::string& pod = pods[i];
      vpccni::node::PodNetworkConfig cfg;
      cfg.netns_path = std::string(vpccni::netlink::kNetnsRunDir) + "/" + pod;
      cfg.host_veth_name = vpccni::node::HostVethName("eni", "bench", pod);
      cfg.pod_ip = vpccni::net::Ipv4Address(0x0a000000U + 10U + static_cast<uint32_t>(i++));
      cfg.route_table = 2;
      state.ResumeTiming();

      double c0 = ThreadCpuUs();
      auto t0 = Clock::now();
      auto res = vpccni::node::SetupPodNetwork(cfg);
      auto t1 = Clock::now();
      double c1 = ThreadCpuUs();
      auto td = vpccni::node::TeardownPodNetwork({cfg.pod_ip, cfg.host_veth_name, cfg.netns_path});
      auto t2 = Clock::now();
      double c2 = ThreadCpuUs();

      state.PauseTiming();
      if (!res || !td) {
        state.SkipWithError((res ? td.error() : res.error()).ToString().c_str());
        ok = false;
        break;
      }
      s.setup_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
      s.teardown_us.push_back(std::chrono::duration<double, std::micro>(t2 - t1).count());
      s.setup_cpu_us.push_back(c1 - c0);
      s.teardown_cpu_us.push_back(c2 - c1);
      state.ResumeTiming();
    }
    for (const auto& p : pods) {
      (void)Netns::DeleteNamed(p);
    }
  }
  (void)Netns::DeleteNamed(node);
  return ok;
}

void BM_WireAndTeardownPod(benchmark::State& state) {
  Samples s;
  if (!RunCycles(state, s)) {
    return;
  }
  state.counters["setup_median_us"] = Percentile(s.setup_us, 0.5);
  state.counters["setup_p90_us"] = Percentile(s.setup_us, 0.9);
  state.counters["setup_cpu_median_us"] = Percentile(s.setup_cpu_us, 0.5);
  state.counters["teardown_median_us"] = Percentile(s.teardown_us, 0.5);
  state.counters["teardown_p90_us"] = Percentile(s.teardown_us, 0.9);
  state.counters["teardown_cpu_median_us"] = Percentile(s.teardown_cpu_us, 0.5);
}

BENCHMARK(BM_WireAndTeardownPod)->Iterations(200)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
