// Load generator for tests/bench/emulator/run.sh: T threads, each with one keep-alive HTTP
// connection and its own ENI, alternate AssignPrivateIpAddresses (SecondaryPrivateIpAddressCount=1)
// and UnassignPrivateIpAddresses (the address just assigned) for a fixed duration against an EC2
// Query endpoint (vpc-emulator or moto_server). Requests carry a fixed, well-formed SigV4
// Authorization header (neither server verifies it; both route on its credential scope).
//
// usage: emulator_bench_client URL SECONDS ENI_ID [ENI_ID...]
// prints one JSON line:
// {"calls":N,"errors":E,"seconds":S,"calls_per_second":R,"p50_us":..,"p99_us":..}
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Stats {
  int64_t calls = 0;
  int64_t errors = 0;
  std::vector<int64_t> latencies_us;
};

// The last <privateIpAddress> of an Assign reply: our emulator lists only the new address; moto
// lists every address of the ENI with the new one last.
std::string LastIp(const std::string& body) {
  const std::string open = "<privateIpAddress>";
  size_t p = body.rfind(open);
  if (p == std::string::npos) {
    return "";
  }
  p += open.size();
  size_t e = body.find('<', p);
  return e == std::string::npos ? "" : body.substr(p, e - p);
}

void Worker(const std::string& host, int port, const std::string& eni,
            std::chrono::steady_clock::time_point end, Stats* stats) {
  httplib::Client cli(host, port);
  cli.set_keep_alive(true);
  cli.set_tcp_nodelay(true);
  cli.set_read_timeout(10, 0);
  httplib::Headers headers = {
      {"X-Amz-Date", "20261126T000000Z"},
      {"Authorization",
       "AWS4-HMAC-SHA256 Credential=test/20261126/us-west-2/ec2/aws4_request, "
       "SignedHeaders=content-type;host;x-amz-date, "
       "Signature=0000000000000000000000000000000000000000000000000000000000000000"}};
  const std::string type = "application/x-www-form-urlencoded; charset=utf-8";
  const std::string assign =
      "Action=AssignPrivateIpAddresses&Version=2016-11-15&"
      "NetworkInterfaceId=" +
      eni + "&SecondaryPrivateIpAddressCount=1";
  const std::string unassign_prefix =
      "Action=UnassignPrivateIpAddresses&Version=2016-11-15&"
      "NetworkInterfaceId=" +
      eni + "&PrivateIpAddress.1=";
  while (std::chrono::steady_clock::now() < end) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = cli.Post("/", headers, assign, type.c_str());
    auto t1 = std::chrono::steady_clock::now();
    ++stats->calls;
    stats->latencies_us.push_back(
        std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count());
    if (!r || r->status != 200) {
      ++stats->errors;
      continue;
    }
    std::string ip = LastIp(r->body);
    auto r2 = cli.Post("/", headers, unassign_prefix + ip, type.c_str());
    auto t2 = std::chrono::steady_clock::now();
    ++stats->calls;
    stats->latencies_us.push_back(
        std::chrono::duration_cast<std::chrono::microseconds>(t2 - t1).count());
    if (!r2 || r2->status != 200) {
      ++stats->errors;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s URL SECONDS ENI_ID [ENI_ID...]\n", argv[0]);
    return 2;
  }
  std::string url = argv[1];
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) == 0) {
    url = url.substr(scheme.size());
  }
  size_t colon = url.rfind(':');
  std::string host = url.substr(0, colon);
  int port = std::atoi(url.substr(colon + 1).c_str());
  double seconds = std::atof(argv[2]);
  std::vector<std::string> enis(argv + 3, argv + argc);
  std::vector<Stats> stats(enis.size());
  std::vector<std::thread> threads;
  auto start = std::chrono::steady_clock::now();
  auto end = start + std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
  for (size_t i = 0; i < enis.size(); ++i) {
    threads.emplace_back(Worker, host, port, enis[i], end, &stats[i]);
  }
  for (auto& t : threads) {
    t.join();
  }
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  Stats all;
  for (auto& s : stats) {
    all.calls += s.calls;
    all.errors += s.errors;
    all.latencies_us.insert(all.latencies_us.end(), s.latencies_us.begin(), s.latencies_us.end());
  }
  std::sort(all.latencies_us.begin(), all.latencies_us.end());
  auto pct = [&](double p) -> int64_t {
    if (all.latencies_us.empty()) {
      return 0;
    }
    return all
        .latencies_us[static_cast<size_t>(p * static_cast<double>(all.latencies_us.size() - 1))];
  };
  std::printf(
      "{\"calls\":%lld,\"errors\":%lld,\"seconds\":%.2f,\"calls_per_second\":%.0f,"
      "\"p50_us\":%lld,\"p99_us\":%lld}\n",
      static_cast<long long>(all.calls), static_cast<long long>(all.errors), elapsed,
      static_cast<double>(all.calls - all.errors) / elapsed, static_cast<long long>(pct(0.5)),
      static_cast<long long>(pct(0.99)));
  return all.errors > all.calls / 2 ? 1 : 0;
}
