// netpol-agent: watches Kubernetes objects (--k8s-source dir:PATH), compiles NetworkPolicies and
// ClusterNetworkPolicies for the pods of this node and enforces them with nftables; serves the
// plugin socket (npa.sock) and Prometheus metrics. All logic lives in src/policy and src/k8s.
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <httplib.h>

#include "base/log.h"
#include "k8s/dir_source.h"
#include "metrics/registry.h"
#include "policy/agent.h"
#include "policy/nft_enforcer.h"
#include "policy/npa.h"

namespace {

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int /*sig*/) { g_stop = 1; }

std::string EnvOr(const char* name, const std::string& def) {
  const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): before threads start
  return v != nullptr && *v != '\0' ? std::string(v) : def;
}

std::string Hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof(buf) - 1) != 0) {
    return "";
  }
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace vpccni;  // NOLINT(google-build-using-namespace)
  CLI::App app{"netpol-agent: enforces NetworkPolicy and ClusterNetworkPolicy on this node"};
  std::string source;
  std::string node_name = EnvOr("MY_NODE_NAME", Hostname());
  std::string mode_text = EnvOr("NETWORK_POLICY_ENFORCING_MODE", "standard");
  std::string metrics_addr = "127.0.0.1:61680";
  std::string npa_socket(policy::kDefaultNpaSocketPath);
  int poll_ms = 200;
  bool cleanup = false;
  std::string log_level = "info";
  app.add_option("--k8s-source", source, "Object source: dir:PATH")->required();
  app.add_option("--node-name", node_name, "This node's name (default $MY_NODE_NAME or hostname)")
      ->capture_default_str();
  app.add_option("--enforcing-mode", mode_text,
                 "standard or strict (default $NETWORK_POLICY_ENFORCING_MODE or standard)")
      ->capture_default_str();
  app.add_option("--metrics-addr", metrics_addr, "HOST:PORT for /metrics (empty disables)")
      ->capture_default_str();
  app.add_option("--npa-socket", npa_socket, "Plugin socket path (empty disables)")
      ->capture_default_str();
  app.add_option("--poll-interval-ms", poll_ms, "Object source polling interval")
      ->check(CLI::Range(10, 60000))
      ->capture_default_str();
  app.add_flag("--cleanup-on-exit", cleanup, "Remove the nftables table on exit");
  app.add_option("--log-level", log_level, "debug, info, warn, error")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  if (auto lvl = log::ParseLevel(log_level); lvl) {
    log::SetLevel(*lvl);
  }
  auto dir = k8s::ParseDirSourceSpec(source);
  if (!dir) {
    std::cerr << "netpol-agent: --k8s-source: " << dir.error().ToString() << "\n";
    return 2;
  }
  auto mode = policy::ParseEnforcingMode(mode_text);
  if (!mode) {
    std::cerr << "netpol-agent: --enforcing-mode: " << mode.error().ToString() << "\n";
    return 2;
  }
  if (node_name.empty()) {
    std::cerr << "netpol-agent: --node-name is required\n";
    return 2;
  }
  metrics::Registry registry;
  auto agent_metrics = policy::AgentMetrics::Register(registry);
  if (!agent_metrics) {
    std::cerr << "netpol-agent: " << agent_metrics.error().ToString() << "\n";
    return 1;
  }
  auto enforcer = policy::NftEnforcer::Create();
  if (!enforcer) {
    std::cerr << "netpol-agent: " << enforcer.error().ToString() << "\n";
    return 1;
  }
  policy::NetpolAgent agent(node_name, *mode, enforcer->get(), &SystemClock::Get(),
                            &*agent_metrics);
  k8s::DirectorySource objects(*dir);

  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);

  std::unique_ptr<policy::NpaServer> npa;
  if (!npa_socket.empty()) {
    auto s = policy::NpaServer::Start(
        npa_socket, [&agent](const policy::NpaRequest& r) { return agent.HandleNpa(r); });
    if (!s) {
      std::cerr << "netpol-agent: npa socket: " << s.error().ToString() << "\n";
      return 1;
    }
    npa = std::move(*s);
  }

  httplib::Server http;
  std::thread http_thread;
  if (!metrics_addr.empty()) {
    auto colon = metrics_addr.rfind(':');
    std::string host = colon == std::string::npos ? "" : metrics_addr.substr(0, colon);
    int port = std::atoi(metrics_addr.substr(colon == std::string::npos ? 0 : colon + 1).c_str());
    if (host.empty()) {
      host = "0.0.0.0";
    }
    http.Get("/metrics", [&](const httplib::Request&, httplib::Response& res) {
      agent.RefreshCounters();
      res.set_content(registry.Render(), std::string(metrics::Registry::kContentType).c_str());
    });
    http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("ok\n", "text/plain");
    });
    int bound = port == 0 ? http.bind_to_any_port(host) : (http.bind_to_port(host, port) ? port
                                                                                         : -1);
    if (bound < 0) {
      std::cerr << "netpol-agent: cannot listen on " << metrics_addr << "\n";
      return 1;
    }
    LOG_INFO("netpol", "metrics on http://{}:{}/metrics", host, bound);
    http_thread = std::thread([&http] { http.listen_after_bind(); });
  }

  LOG_INFO("netpol", "netpol-agent starting: node {} mode {} source {}", node_name, mode_text,
           *dir);
  while (g_stop == 0) {
    auto changed = objects.Poll();
    if (!changed) {
      LOG_WARN("netpol", "object source: {}", changed.error().ToString());
    } else if (*changed) {
      const auto& snap = objects.snapshot();
      for (const auto& e : snap.errors) {
        LOG_WARN("netpol", "rejected: {}", e.ToString());
      }
      auto r = agent.SetObjects(snap.objects, snap.generation, snap.errors.size());
      if (!r) {
        LOG_ERROR("netpol", "generation {} not applied: {}", snap.generation, r.error().ToString());
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
  }
  LOG_INFO("netpol", "netpol-agent stopping");
  if (npa) {
    npa->Shutdown();
  }
  if (http_thread.joinable()) {
    http.stop();
    http_thread.join();
  }
  if (cleanup) {
    if (auto r = (*enforcer)->Remove(); !r) {
      LOG_WARN("netpol", "cleanup: {}", r.error().ToString());
    }
  }
  return 0;
}
