// vpc-emulator: EC2 Query API + IMDSv2 server over the VPC model (see src/vpcsim/server_emulator.h
// and docs/emulator.md). Prints one JSON line with its addresses on stdout when ready, serves
// until SIGTERM/SIGINT, then saves the snapshot (when configured) and exits 0.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>

#include "base/clock.h"
#include "base/log.h"
#include "vpcsim/scenario_file.h"
#include "vpcsim/server_emulator.h"
#ifdef VPCCNI_HAVE_BINDING
#include "vpcsim/binding_netns.h"
#endif

namespace {

int Fail(const std::string& what) {
  std::fprintf(stderr, "vpc-emulator: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using vpccni::vpcsim::EmulatorConfig;
  EmulatorConfig config;
  std::string scenario_path;
  std::string log_level = "info";
  int64_t attach_delay_ms = 0;
  int64_t imds_lag_ms = 0;
  int64_t snapshot_interval_s = 30;
  bool no_default_vpc = false;

  CLI::App app{"vpc-emulator: an EC2 Query API + IMDSv2 server with faithful VPC semantics"};
  app.add_option("--listen", config.listen, "EC2 + admin listen address host:port (port 0 = any)")
      ->capture_default_str();
  app.add_option("--region", config.default_region, "region for requests without a SigV4 scope")
      ->capture_default_str();
  app.add_option("--scenario", scenario_path, "scenario YAML file")->check(CLI::ExistingFile);
  app.add_option("--snapshot", config.snapshot_path,
                 "state file: loaded at start if present, saved periodically and on SIGTERM");
  app.add_option("--snapshot-interval-s", snapshot_interval_s, "seconds between snapshots")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
  app.add_flag("--throttle", config.throttle, "enable EC2 API throttling (token buckets)");
  app.add_option("--attach-delay-ms", attach_delay_ms, "attaching->attached delay")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, int64_t{600000}));
  app.add_option("--imds-lag-ms", imds_lag_ms, "IMDS reflects EC2 state this much later")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, int64_t{600000}));
  app.add_option("--imds-listen", config.imds_listen, "default IMDS listen address per instance")
      ->capture_default_str();
  app.add_option("--access-key", config.access_key, "verify SigV4 signatures with this key");
  app.add_option("--secret-key", config.secret_key, "secret for --access-key");
  app.add_option("--seed", config.seed, "seed for IDs and random faults")->capture_default_str();
  app.add_flag("--no-default-vpc", no_default_vpc, "new regions start without a default VPC");
  app.add_option("--log-level", log_level, "debug|info|warn|error|off")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  auto level = vpccni::log::ParseLevel(log_level);
  if (!level.has_value()) {
    return Fail(level.error().ToString());
  }
  vpccni::log::SetLevel(*level);
  config.attach_delay = std::chrono::milliseconds(attach_delay_ms);
  config.imds_lag = std::chrono::milliseconds(imds_lag_ms);
  config.snapshot_interval = std::chrono::seconds(snapshot_interval_s);
  config.default_vpc = !no_default_vpc;
  if (!scenario_path.empty()) {
    std::ifstream in(scenario_path);
    std::stringstream ss;
    ss << in.rdbuf();
    auto spec = vpccni::vpcsim::ParseScenario(ss.str());
    if (!spec.has_value()) {
      return Fail(scenario_path + ": " + spec.error().ToString());
    }
    config.scenario = std::move(*spec);
  }

  // Block the stop signals before any thread starts; the main thread waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<vpccni::vpcsim::NodeBinder> binder;
#ifdef VPCCNI_HAVE_BINDING
  binder = vpccni::vpcsim::MakeNetnsBinderIfPrivileged();
#endif
  auto emulator = vpccni::vpcsim::Emulator::Create(std::move(config), vpccni::SystemClock::Get(),
                                                   std::move(binder));
  if (!emulator.has_value()) {
    return Fail(emulator.error().ToString());
  }
  auto started = (*emulator)->Start();
  if (!started.has_value()) {
    return Fail(started.error().ToString());
  }
  std::cout << (*emulator)->ReadyLine() << std::endl;

  int sig = 0;
  sigwait(&stop_signals, &sig);
  LOG_INFO("vpc-emulator", "signal {}: stopping", sig);
  (*emulator)->Stop();
  return 0;
}
