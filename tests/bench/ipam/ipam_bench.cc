// Benchmarks of the IPAM hot path on a full node: one pod assign + release (what every CNI
// ADD/DEL costs inside ipamd, before the checkpoint write), stats, the warm-pool plan and the
// checkpoint encode.
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "ipam/checkpoint.h"
#include "ipam/datastore.h"
#include "ipam/warm_pool.h"

namespace vpccni::ipam {
namespace {

const WallTime kT0 = FromUnixNanos(1'800'000'000'000'000'000);

// A node with `enis` ENIs, each holding `cidrs` prefixes (PD) or /32s, and `pods` pods.
Datastore FullNode(bool pd, int enis, int cidrs, int pods) {
  Datastore ds(Datastore::Options{0, pd, false, false, std::chrono::seconds(30)});
  uint32_t next = 0x0A000000u;
  for (int e = 0; e < enis; ++e) {
    EniSpec spec;
    spec.id = "eni-" + std::to_string(e);
    spec.device_number = e;
    spec.is_primary = e == 0;
    (void)ds.AddEni(spec, kT0);
    for (int c = 0; c < cidrs; ++c) {
      (void)ds.AddIpv4Cidr(spec.id, net::Ipv4Cidr(net::Ipv4Address(next), pd ? 28 : 32), pd);
      next += pd ? 16 : 1;
    }
  }
  for (int p = 0; p < pods; ++p) {
    (void)ds.Assign({"aws-cni", "pod-" + std::to_string(p), "eth0"}, {"ns", "pod", 1}, kT0);
  }
  return ds;
}

// Assign + release of one pod; the clock moves 10 s per operation, so released addresses cool
// down while the pool stays usable.
void AssignRelease(benchmark::State& state, Datastore ds) {
  WallTime now = kT0 + std::chrono::minutes(5);
  int64_t i = 0;
  for (auto _ : state) {
    IpamKey key{"aws-cni", "churn-" + std::to_string(i++ % 1024), "eth0"};
    auto a = ds.Assign(key, {"ns", "churn", 1}, now);
    if (!a) {
      state.SkipWithError(a.error().ToString().c_str());
      break;
    }
    auto r = ds.Release(key, now);
    benchmark::DoNotOptimize(r);
    now += std::chrono::seconds(10);
  }
  state.SetItemsProcessed(state.iterations());
}

// 250 pods on prefixes: m5.4xlarge-like, one ENI with 16 /28s (256 addresses).
void BM_AssignRelease_Prefixes250(benchmark::State& state) {
  AssignRelease(state, FullNode(true, 1, 16, 250));
}

BENCHMARK(BM_AssignRelease_Prefixes250);

// 250 pods on prefixes spread over 4 ENIs with 4 prefixes each.
void BM_AssignRelease_Prefixes250_4Enis(benchmark::State& state) {
  AssignRelease(state, FullNode(true, 4, 4, 250));
}

BENCHMARK(BM_AssignRelease_Prefixes250_4Enis);

// 730 pods on /32 secondary addresses: c5.18xlarge-like, 15 ENIs x 49.
void BM_AssignRelease_SecondaryIps730(benchmark::State& state) {
  AssignRelease(state, FullNode(false, 15, 49, 730));
}

BENCHMARK(BM_AssignRelease_SecondaryIps730);

void BM_Stats_Prefixes250(benchmark::State& state) {
  Datastore ds = FullNode(true, 1, 16, 250);
  for (auto _ : state) {
    benchmark::DoNotOptimize(ds.Stats(kT0));
  }
}

BENCHMARK(BM_Stats_Prefixes250);

void BM_ComputePlan_SecondaryIps730(benchmark::State& state) {
  Datastore ds = FullNode(false, 15, 49, 730);
  PolicyInput in;
  in.config.warm_ip_target = 5;
  in.limits = {15, 49, 49, 0, true};
  in.max_pods = 737;
  in.now = kT0;
  for (auto _ : state) {
    in.stats = ds.Stats(kT0);
    benchmark::DoNotOptimize(ComputePlan(in));
  }
}

BENCHMARK(BM_ComputePlan_SecondaryIps730);

void BM_EncodeCheckpoint_Prefixes250(benchmark::State& state) {
  Datastore ds = FullNode(true, 1, 16, 250);
  for (auto _ : state) {
    benchmark::DoNotOptimize(EncodeCheckpoint(SnapshotDatastore(ds, kT0)));
  }
}

BENCHMARK(BM_EncodeCheckpoint_Prefixes250);

// ipamd's encoder on its first call (nothing cached yet).
void BM_CachingEncoderCold_Prefixes250(benchmark::State& state) {
  Datastore ds = FullNode(true, 1, 16, 250);
  for (auto _ : state) {
    benchmark::DoNotOptimize(CheckpointEncoder().Encode(ds, kT0));
  }
}

BENCHMARK(BM_CachingEncoderCold_Prefixes250);

// ipamd's steady state: one pod changed since the previous checkpoint.
void BM_CachingEncoderOneChange_Prefixes250(benchmark::State& state) {
  Datastore ds = FullNode(true, 1, 16, 250);
  CheckpointEncoder enc;
  (void)enc.Encode(ds, kT0);
  IpamKey key{"aws-cni", "churn", "eth0"};
  WallTime now = kT0;
  for (auto _ : state) {
    now += std::chrono::seconds(1);
    (void)ds.Assign(key, {"ns", "churn", 1}, now);
    benchmark::DoNotOptimize(enc.Encode(ds, now));
    (void)ds.Release(key, now);
  }
}

BENCHMARK(BM_CachingEncoderOneChange_Prefixes250);

void BM_SnapshotOnly_Prefixes250(benchmark::State& state) {
  Datastore ds = FullNode(true, 1, 16, 250);
  for (auto _ : state) {
    benchmark::DoNotOptimize(SnapshotDatastore(ds, kT0));
  }
}

BENCHMARK(BM_SnapshotOnly_Prefixes250);

}  // namespace
}  // namespace vpccni::ipam

BENCHMARK_MAIN();
