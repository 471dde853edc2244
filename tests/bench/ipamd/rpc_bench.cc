// bench_ipamd_rpc: AddNetwork+DelNetwork round trips per second and latency percentiles over a
// running ipamd's Unix socket, one connection per call (as the CNI plugin does).
//
//   bench_ipamd_rpc --socket PATH [--iterations N] [--warmup N] [--pods K]
//
// Each iteration adds one pod and deletes it again (K pods rotate so the datastore's
// idempotency path is not what is measured). Prints one JSON line:
//   {"iterations":N,"round_trips_per_sec":...,"add_p50_us":...,"add_p99_us":...,
//    "del_p50_us":...,"del_p99_us":...,"pair_p99_us":...}
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "rpc/unix_client.h"

namespace {

using Clock = std::chrono::steady_clock;

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) {
    return 0;
  }
  std::sort(v.begin(), v.end());
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  return v[i];
}

}  // namespace

int main(int argc, char** argv) {
  std::string socket_path = "/var/run/aws-node/ipamd.sock";
  int iterations = 5000;
  int warmup = 200;
  int pods = 16;
  CLI::App app{"ipamd RPC benchmark"};
  app.add_option("--socket", socket_path);
  app.add_option("--iterations", iterations);
  app.add_option("--warmup", warmup);
  app.add_option("--pods", pods);
  CLI11_PARSE(app, argc, argv);

  vpccni::rpc::UnixClientOptions opts;
  opts.path = socket_path;
  std::vector<double> add_us;
  std::vector<double> del_us;
  std::vector<double> pair_us;
  add_us.reserve(iterations);
  del_us.reserve(iterations);
  pair_us.reserve(iterations);
  auto one = [&](int i, bool record) -> bool {
    vpccni::rpc::AddNetworkRequest add;
    add.client_version = "bench";
    add.container_id = "bench-" + std::to_string(i % pods);
    add.if_name = "eth0";
    add.network_name = "aws-cni";
    add.k8s_pod_namespace = "bench";
    add.k8s_pod_name = add.container_id;
    auto t0 = Clock::now();
    auto c1 = vpccni::rpc::UnixClient::Connect(opts);
    if (!c1) {
      std::fprintf(stderr, "connect: %s\n", c1.error().ToString().c_str());
      return false;
    }
    auto r1 = c1->AddNetwork(add);
    auto t1 = Clock::now();
    if (!r1 || !r1->status.success) {
      std::fprintf(stderr, "AddNetwork failed: %s\n",
                   r1 ? r1->status.error_message.c_str() : r1.error().ToString().c_str());
      return false;
    }
    vpccni::rpc::DelNetworkRequest del;
    del.client_version = "bench";
    del.container_id = add.container_id;
    del.if_name = "eth0";
    del.network_name = "aws-cni";
    del.reason = "PodDeleted";
    auto c2 = vpccni::rpc::UnixClient::Connect(opts);
    if (!c2) {
      return false;
    }
    auto r2 = c2->DelNetwork(del);
    auto t2 = Clock::now();
    if (!r2 || !r2->status.success) {
      std::fprintf(stderr, "DelNetwork failed\n");
      return false;
    }
    if (record) {
      add_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
      del_us.push_back(std::chrono::duration<double, std::micro>(t2 - t1).count());
      pair_us.push_back(std::chrono::duration<double, std::micro>(t2 - t0).count());
    }
    return true;
  };
  for (int i = 0; i < warmup; ++i) {
    if (!one(i, false)) {
      return 1;
    }
  }
  auto start = Clock::now();
  for (int i = 0; i < iterations; ++i) {
    if (!one(i, true)) {
      return 1;
    }
  }
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf(
      "{\"iterations\":%d,\"round_trips_per_sec\":%.0f,\"add_p50_us\":%.1f,\"add_p99_us\":%.1f,"
      "\"del_p50_us\":%.1f,\"del_p99_us\":%.1f,\"pair_p50_us\":%.1f,\"pair_p99_us\":%.1f}\n",
      iterations, iterations / secs, Percentile(add_us, 0.5), Percentile(add_us, 0.99),
      Percentile(del_us, 0.5), Percentile(del_us, 0.99), Percentile(pair_us, 0.5),
      Percentile(pair_us, 0.99));
  return 0;
}
