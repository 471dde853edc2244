// bench_cloud: how many EC2 calls per second the cloud client (HttpEc2Api over CurlHttpClient,
// SigV4, XML decoding) sustains against vpc-emulator (or moto_server with --moto, or any
// --endpoint), with p50/p99 latency per call, for reads (DescribeSubnets, DescribeNetworkInterfaces
// by ID), writes (AssignPrivateIpAddresses/UnassignPrivateIpAddresses pairs), 1 and N threads,
// and with connection reuse versus a fresh connection per call.
//
// Not a ctest. Run: build/<dir>/bin/bench_cloud [--calls 2000] [--threads 4] [--moto]
// Prints one line per scenario and a JSON summary on the last line.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cloud/credentials.h"
#include "cloud/curl_http_client.h"
#include "cloud/http_ec2_api.h"
#include "server_process.h"

namespace vpccni::cloud {
namespace {

using Clock = std::chrono::steady_clock;

struct Stats {
  std::string name;
  int threads = 1;
  size_t calls = 0;
  size_t errors = 0;
  double seconds = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  long connections = -1;
};

Stats Summarize(std::string name, int threads, std::vector<double> lat_ms, size_t errors,
                double seconds) {
  Stats s;
  s.name = std::move(name);
  s.threads = threads;
  s.calls = lat_ms.size();
  s.errors = errors;
  s.seconds = seconds;
  std::sort(lat_ms.begin(), lat_ms.end());
  if (!lat_ms.empty()) {
    s.p50_ms = lat_ms[lat_ms.size() / 2];
    s.p99_ms = lat_ms[std::min(lat_ms.size() - 1, lat_ms.size() * 99 / 100)];
  }
  return s;
}

void Print(const Stats& s) {
  std::printf("%-36s threads=%d calls=%zu errors=%zu  %8.0f calls/s  p50=%.2f ms  p99=%.2f ms",
              s.name.c_str(), s.threads, s.calls, s.errors, s.calls / s.seconds, s.p50_ms,
              s.p99_ms);
  if (s.connections >= 0) {
    std::printf("  connections=%ld", s.connections);
  }
  std::printf("\n");
}

// Runs `op` `calls` times split over `threads` threads; op(thread_index) returns success.
template <typename Op>
Stats Run(const std::string& name, int threads, int calls, Op op) {
  std::vector<std::vector<double>> lat(threads);
  std::atomic<size_t> errors{0};
  auto start = Clock::now();
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      for (int i = t; i < calls; i += threads) {
        auto a = Clock::now();
        if (!op(t)) {
          ++errors;
        }
        lat[t].push_back(std::chrono::duration<double, std::milli>(Clock::now() - a).count());
      }
    });
  }
  for (auto& th : ts) {
    th.join();
  }
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& v : lat) {
    all.insert(all.end(), v.begin(), v.end());
  }
  return Summarize(name, threads, std::move(all), errors, secs);
}

std::string XmlField(const std::string& xml, const std::string& tag) {
  size_t a = xml.find("<" + tag + ">");
  if (a == std::string::npos) {
    return "";
  }
  a += tag.size() + 2;
  return xml.substr(a, xml.find("</" + tag + ">", a) - a);
}

int Main(int argc, char** argv) {
  CLI::App app{"bench_cloud: EC2 client throughput and latency"};
  int calls = 2000;
  int threads = 4;
  bool use_moto = false;
  std::string endpoint;
  std::string emulator = std::string(VPCCNI_BINARY_DIR) + "/bin/vpc-emulator";
  app.add_option("--calls", calls, "calls per scenario")->capture_default_str();
  app.add_option("--threads", threads, "threads for the concurrent scenario")->capture_default_str();
  app.add_flag("--moto", use_moto, "benchmark against moto_server instead of vpc-emulator");
  app.add_option("--endpoint", endpoint, "use an already running EC2 endpoint");
  app.add_option("--emulator", emulator, "vpc-emulator binary")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  testing::ServerProcess server;
  std::string peer = "endpoint";
  if (endpoint.empty() && use_moto) {
    std::string moto = testing::FindOnPath("moto_server");
    int port = testing::FreeLoopbackPort();
    endpoint = "http://127.0.0.1:" + std::to_string(port);
    if (moto.empty() || !server.Start({moto, "-H", "127.0.0.1", "-p", std::to_string(port)}) ||
        !testing::WaitForHttp(endpoint + "/moto-api/", std::chrono::seconds(30))) {
      std::fprintf(stderr, "cannot start moto_server\n");
      return 1;
    }
    peer = "moto_server";
  } else if (endpoint.empty()) {
    if (!std::filesystem::exists(emulator) ||
        !server.Start({emulator, "--listen", "127.0.0.1:0", "--log-level", "error"})) {
      std::fprintf(stderr, "cannot start %s (build target vpc-emulator)\n", emulator.c_str());
      return 1;
    }
    auto line = server.ReadLine(std::chrono::seconds(20));
    nlohmann::json ready = nlohmann::json::parse(line.value_or(""), nullptr, false);
    if (ready.is_discarded() || !ready.contains("ec2")) {
      std::fprintf(stderr, "vpc-emulator printed no ready line\n");
      return 1;
    }
    endpoint = ready["ec2"].get<std::string>();
    peer = "vpc-emulator";
  }

  CurlHttpClient http;
  StaticCredentialsProvider creds(AwsCredentials{"AKIDBENCH", "bench-secret", "", {}, "static"});
  HttpEc2ApiOptions opts;
  opts.endpoint = endpoint;
  opts.region = "us-west-2";
  opts.rate_per_sec = 0;  // measure the client, not its limiter
  auto api_or = HttpEc2Api::Create(opts, http, creds, SystemClock::Get(), nullptr);
  if (!api_or.has_value()) {
    std::fprintf(stderr, "%s\n", api_or.error().ToString().c_str());
    return 1;
  }
  HttpEc2Api& api = **api_or;
  auto raw = [&](codec::QueryParams p) {
    p.insert(p.begin() + 1, {"Version", std::string(kEc2ApiVersion)});
    auto r = api.Call(p);
    return r.has_value() ? *r : std::string();
  };
  std::string vpc = XmlField(raw({{"Action", "CreateVpc"}, {"CidrBlock", "10.0.0.0/16"}}), "vpcId");
  std::string subnet = XmlField(raw({{"Action", "CreateSubnet"},
                                     {"VpcId", vpc},
                                     {"CidrBlock", "10.0.0.0/18"},
                                     {"AvailabilityZone", "us-west-2a"}}),
                                "subnetId");
  std::vector<std::string> enis;
  for (int t = 0; t < std::max(1, threads); ++t) {
    CreateNetworkInterfaceRequest c;
    c.subnet_id = subnet;
    auto eni = api.CreateNetworkInterface(c);
    if (!eni.has_value()) {
      std::fprintf(stderr, "setup failed: %s\n", eni.error().ToString().c_str());
      return 1;
    }
    enis.push_back(eni->id);
  }
  std::printf("bench_cloud against %s at %s, %d calls per scenario\n", peer.c_str(),
              endpoint.c_str(), calls);

  std::vector<Stats> results;
  DescribeSubnetsRequest subnets_req;
  subnets_req.filters = {{"vpc-id", {vpc}}};
  auto describe_subnets = [&](int) { return api.DescribeSubnets(subnets_req).has_value(); };
  // Warm up (lazy server init, first connection).
  for (int i = 0; i < 20; ++i) {
    (void)describe_subnets(0);
  }
  long conns_before = http.ConnectionsOpened();
  results.push_back(Run("DescribeSubnets (filtered)", 1, calls, describe_subnets));
  results.back().connections = http.ConnectionsOpened() - conns_before;

  auto describe_eni = [&](int t) {
    DescribeNetworkInterfacesRequest r;
    r.network_interface_ids = {enis[t % enis.size()]};
    return api.DescribeNetworkInterfaces(r).has_value();
  };
  results.push_back(Run("DescribeNetworkInterfaces (by id)", 1, calls, describe_eni));

  std::vector<std::vector<net::Ipv4Address>> assigned(enis.size());
  auto assign_unassign = [&](int t) {
    auto& mine = assigned[t % enis.size()];
    const std::string& id = enis[t % enis.size()];
    if (mine.empty()) {
      AssignPrivateIpAddressesRequest a;
      a.network_interface_id = id;
      a.secondary_private_ip_count = 1;
      auto r = api.AssignPrivateIpAddresses(a);
      if (!r.has_value() || r->assigned_ips.empty()) {
        return false;
      }
      mine.push_back(r->assigned_ips.back());
      return true;
    }
    auto r = api.UnassignPrivateIpAddresses({id, mine, {}});
    mine.clear();
    return r.has_value();
  };
  results.push_back(Run("Assign/Unassign 1 IP (alternating)", 1, calls, assign_unassign));

  conns_before = http.ConnectionsOpened();
  results.push_back(Run("DescribeSubnets (filtered)", threads, calls, describe_subnets));
  results.back().connections = http.ConnectionsOpened() - conns_before;
  results.push_back(Run("Assign/Unassign 1 IP (alternating)", threads, calls, assign_unassign));

  // No connection reuse: a fresh transport (and TCP connection) per call.
  int fresh_calls = std::max(1, calls / 4);
  auto fresh = [&](int) {
    CurlHttpClient one_shot;
    auto a = HttpEc2Api::Create(opts, one_shot, creds, SystemClock::Get(), nullptr);
    return a.has_value() && (*a)->DescribeSubnets(subnets_req).has_value();
  };
  results.push_back(Run("DescribeSubnets, new connection/call", 1, fresh_calls, fresh));
  results.back().connections = fresh_calls;

  nlohmann::json summary = {{"peer", peer}, {"scenarios", nlohmann::json::array()}};
  for (const Stats& s : results) {
    Print(s);
    summary["scenarios"].push_back({{"name", s.name},
                                    {"threads", s.threads},
                                    {"calls", s.calls},
                                    {"errors", s.errors},
                                    {"calls_per_sec", s.calls / s.seconds},
                                    {"p50_ms", s.p50_ms},
                                    {"p99_ms", s.p99_ms},
                                    {"connections", s.connections}});
  }
  std::cout << summary.dump() << std::endl;
  server.Stop();
  return 0;
}

}  // namespace
}  // namespace vpccni::cloud

int main(int argc, char** argv) { return vpccni::cloud::Main(argc, argv); }
