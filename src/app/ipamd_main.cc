// ipamd: the node daemon. Thin main: flags + env -> configuration, wire the ports, run.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include <CLI/CLI.hpp>

#include "base/log.h"
#include "cloud/credentials.h"
#include "cloud/curl_http_client.h"
#include "cloud/endpoints.h"
#include "cloud/http_ec2_api.h"
#include "cloud/imds_client.h"
#include "ipam/config.h"
#include "ipamd/config.h"
#include "ipamd/daemon.h"
#include "ipamd/host_net.h"
#include "ipamd/http_server.h"
#include "ipamd/metered_ec2.h"
#include "ipamd/node_metadata.h"
#include "k8s/dir_source.h"
#include "metrics/awscni.h"
#include "rpc/protocol.h"
#include "rpc/unix_server.h"

extern char** environ;

namespace {

using vpccni::Result;
namespace ipamd = vpccni::ipamd;

constexpr int kExitConfig = 2;
constexpr int kExitRuntime = 1;

int Fail(int code, const std::string& what, const vpccni::Error& e) {
  std::cerr << "ipamd: " << what << ": " << e.ToString() << "\n";
  LOG_ERROR("ipamd", "{}: {}", what, e.ToString());
  return code;
}

int Main(int argc, char** argv) {
  ipamd::EnvMap env = ipamd::EnvFromEnviron(environ);

  std::string socket_path = std::string(vpccni::rpc::kDefaultSocketPath);
  if (auto it = env.find(std::string(vpccni::rpc::kSocketPathEnv)); it != env.end() &&
                                                                   !it->second.empty()) {
    socket_path = it->second;
  }
  std::string metrics_addr = ":61678";
  std::string introspection_addr;
  std::string reconcile_interval = "5s";
  std::string node_reconcile_interval = "60s";
  std::string leaked_eni_interval = "1h";
  std::string leaked_eni_min_age = "5m";
  std::string k8s_source;
  std::string node_name;
  std::string ready_file;
  int max_pods = 0;
  bool no_host_network = false;

  CLI::App app{"ipamd: vpc-cni node daemon (warm pool of VPC addresses, plugin RPC, metrics)"};
  app.add_option("--socket", socket_path, "plugin RPC Unix socket (env VPCCNI_IPAMD_SOCKET)");
  app.add_option("--metrics-addr", metrics_addr, "metrics listen address (default :61678)");
  app.add_option("--introspection-addr", introspection_addr,
                 "introspection listen address (default INTROSPECTION_BIND_ADDRESS or "
                 "127.0.0.1:61679)");
  app.add_option("--reconcile-interval", reconcile_interval, "warm-pool pass period (5s)");
  app.add_option("--node-reconcile-interval", node_reconcile_interval,
                 "IMDS/EC2 reconciliation period (60s)");
  app.add_option("--leaked-eni-interval", leaked_eni_interval, "leaked-ENI clean-up period (1h)");
  app.add_option("--leaked-eni-min-age", leaked_eni_min_age,
                 "age after which an available ENI of this cluster counts as leaked (5m)");
  app.add_option("--k8s-source", k8s_source, "Kubernetes object source, dir:PATH");
  app.add_option("--node-name", node_name, "node object name (default MY_NODE_NAME)");
  app.add_option("--ready-file", ready_file, "file created once ipamd can assign addresses");
  app.add_option("--max-pods", max_pods, "override the computed max-pods");
  app.add_flag("--no-host-network", no_host_network,
               "do not touch host networking (routes, rules, SNAT)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  auto config = ipamd::ParseConfig(env);
  if (!config) {
    return Fail(kExitConfig, "invalid configuration", config.error());
  }
  auto pool_config = vpccni::ipam::PoolConfig::FromEnv(env);
  if (!pool_config) {
    return Fail(kExitConfig, "invalid configuration", pool_config.error());
  }
  ipamd::DaemonOptions opts;
  opts.config = *config;
  opts.pool = *pool_config;
  opts.node_name = !node_name.empty() ? node_name : config->my_node_name;
  if (max_pods > 0) {
    opts.max_pods = max_pods;
  }
  if (!config->vpc_cni_version.empty()) {
    opts.version = config->vpc_cni_version;
  }
  struct NamedDuration {
    const char* flag;
    const std::string& text;
    vpccni::Duration* out;
  };
  for (const NamedDuration& d :
       {NamedDuration{"--reconcile-interval", reconcile_interval, &opts.pool_interval},
        NamedDuration{"--node-reconcile-interval", node_reconcile_interval,
                      &opts.node_reconcile_interval},
        NamedDuration{"--leaked-eni-interval", leaked_eni_interval, &opts.leaked_eni_interval},
        NamedDuration{"--leaked-eni-min-age", leaked_eni_min_age, &opts.leaked_eni_min_age}}) {
    auto parsed = ipamd::ParseDuration(d.text);
    if (!parsed) {
      return Fail(kExitConfig, std::string("invalid ") + d.flag, parsed.error());
    }
    *d.out = *parsed;
  }
  if (introspection_addr.empty()) {
    introspection_addr = config->introspection_bind_address;
  }

  // Logging: JSON lines to stderr or AWS_VPC_K8S_CNI_LOG_FILE.
  vpccni::log::SetLevel(config->log_level);
  if (config->log_file != "stderr" && config->log_file != "stdout") {
    auto sink = vpccni::log::OpenFileSink(config->log_file);
    if (!sink) {
      return Fail(kExitConfig, "AWS_VPC_K8S_CNI_LOG_FILE", sink.error());
    }
    vpccni::log::SetSink(*sink);
  } else if (config->log_file == "stdout") {
    vpccni::log::SetSink(std::make_shared<vpccni::log::FdSink>(1));
  }

  // Signals go to a dedicated thread (blocked everywhere else, before any thread starts).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  vpccni::Clock& clock = vpccni::SystemClock::Get();
  vpccni::SeededRng rng = vpccni::SeededRng::FromEntropy();
  vpccni::cloud::CurlHttpClient http;

  vpccni::cloud::ImdsOptions imds_opts;
  auto imds_endpoint = vpccni::cloud::ResolveImdsEndpoint(env);
  if (!imds_endpoint) {
    return Fail(kExitConfig, "AWS_EC2_METADATA_SERVICE_ENDPOINT", imds_endpoint.error());
  }
  imds_opts.endpoint = *imds_endpoint;
  vpccni::cloud::ImdsClient imds(http, clock, rng, imds_opts);
  auto region = vpccni::cloud::ResolveRegion(env, [&] { return imds.Region(); });
  if (!region) {
    return Fail(kExitRuntime, "region", region.error());
  }
  auto ec2_endpoint = vpccni::cloud::ResolveEc2Endpoint(env, *region);
  if (!ec2_endpoint) {
    return Fail(kExitConfig, "AWS_ENDPOINT_URL_EC2", ec2_endpoint.error());
  }
  auto creds = vpccni::cloud::MakeDefaultCredentialsChain(env, *region, http, &imds, clock);
  if (!creds) {
    return Fail(kExitConfig, "AWS credentials", creds.error());
  }
  vpccni::cloud::HttpEc2ApiOptions ec2_opts;
  ec2_opts.endpoint = *ec2_endpoint;
  ec2_opts.region = *region;
  ec2_opts.request_timeout = std::chrono::seconds(config->http_timeout_s);
  ec2_opts.user_agent = "amazon-vpc-cni-k8s/" + opts.version + " vpc-cni-ipamd";
  auto http_ec2 = vpccni::cloud::HttpEc2Api::Create(
      ec2_opts, http, **creds, clock,
      std::make_unique<vpccni::SeededRng>(vpccni::SeededRng::FromEntropy()));
  if (!http_ec2) {
    return Fail(kExitConfig, "EC2 client", http_ec2.error());
  }

  vpccni::metrics::Registry registry;
  auto metric_set = vpccni::metrics::AwsCniMetrics::Create(registry, opts.version);
  if (!metric_set) {
    return Fail(kExitRuntime, "metrics", metric_set.error());
  }
  ipamd::MeteredEc2Api ec2(**http_ec2, *metric_set, clock);
  ipamd::ImdsNodeMetadata metadata(imds);

  std::unique_ptr<ipamd::KernelHostNetworking> host;
  if (!no_host_network) {
    auto h = ipamd::KernelHostNetworking::Create();
    if (!h) {
      return Fail(kExitRuntime, "host networking", h.error());
    }
    host = std::move(*h);
  }
  std::unique_ptr<vpccni::k8s::DirectorySource> k8s;
  if (!k8s_source.empty()) {
    auto dir = vpccni::k8s::ParseDirSourceSpec(k8s_source);
    if (!dir) {
      return Fail(kExitConfig, "--k8s-source", dir.error());
    }
    k8s = std::make_unique<vpccni::k8s::DirectorySource>(*dir);
  }
  opts.leaked_eni_first_delay =
      std::chrono::seconds(60 + static_cast<int64_t>(rng.Uniform(300)));
  if (opts.leaked_eni_interval < opts.leaked_eni_first_delay) {
    opts.leaked_eni_first_delay = opts.leaked_eni_interval;
  }

  ipamd::DaemonPorts ports;
  ports.ec2 = &ec2;
  ports.metadata = &metadata;
  ports.clock = &clock;
  ports.registry = &registry;
  ports.metrics = &*metric_set;
  ports.host = host.get();
  ports.k8s = k8s.get();
  ipamd::Daemon daemon(opts, ports);

  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    LOG_INFO("ipamd", "signal {}: finishing in-flight work and exiting", sig);
    daemon.Stop();
  });
  auto stop_signal_thread = [&] {
    pthread_kill(signal_thread.native_handle(), SIGTERM);
    signal_thread.join();
  };

  std::unique_ptr<ipamd::HttpServer> metrics_server;
  std::unique_ptr<ipamd::HttpServer> introspection_server;
  if (!config->disable_metrics) {
    auto s = ipamd::HttpServer::Start(
        metrics_addr, [&](std::string_view p) { return daemon.Metrics(p); }, "metrics");
    if (!s) {
      stop_signal_thread();
      return Fail(kExitRuntime, "metrics server", s.error());
    }
    metrics_server = std::move(*s);
    LOG_INFO("ipamd", "metrics listening on {}:{}", metrics_server->host(),
             metrics_server->port());
  }
  if (!config->disable_introspection) {
    auto s = ipamd::HttpServer::Start(
        introspection_addr, [&](std::string_view p) { return daemon.Introspect(p); },
        "introspection");
    if (!s) {
      stop_signal_thread();
      return Fail(kExitRuntime, "introspection server", s.error());
    }
    introspection_server = std::move(*s);
    LOG_INFO("ipamd", "introspection listening on {}:{}", introspection_server->host(),
             introspection_server->port());
  }

  std::mutex server_mu;
  std::unique_ptr<vpccni::rpc::UnixServer> rpc_server;
  std::optional<vpccni::Error> serve_error;
  daemon.OnReady([&] {
    vpccni::rpc::UnixServerOptions so;
    so.path = socket_path;
    auto s = vpccni::rpc::UnixServer::Start(&daemon, so);
    std::lock_guard<std::mutex> lock(server_mu);
    if (!s) {
      serve_error = s.error();
      daemon.Stop();
      return;
    }
    rpc_server = std::move(*s);
    LOG_INFO("ipamd", "serving the plugin on {}", socket_path);
    if (!ready_file.empty()) {
      std::ofstream(ready_file) << "ready\n";
    }
  });

  auto boot = daemon.Bootstrap();
  int rc = 0;
  if (!boot) {
    rc = boot.error().code == vpccni::ErrorCode::kInvalidArgument ? kExitConfig : kExitRuntime;
    Fail(rc, "bootstrap failed", boot.error());
  } else {
    daemon.Run();
  }
  {
    std::lock_guard<std::mutex> lock(server_mu);
    if (serve_error) {
      rc = Fail(kExitRuntime, "plugin socket", *serve_error);
    }
    if (rpc_server) {
      rpc_server->Shutdown();
    }
  }
  if (introspection_server) {
    introspection_server->Stop();
  }
  if (metrics_server) {
    metrics_server->Stop();
  }
  if (!ready_file.empty()) {
    std::error_code ec;
    std::filesystem::remove(ready_file, ec);
  }
  stop_signal_thread();
  LOG_INFO("ipamd", "exiting with {}", rc);
  return rc;
}

}  // namespace

int main(int argc, char** argv) { return Main(argc, argv); }
