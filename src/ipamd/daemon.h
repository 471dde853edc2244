// File: daemon.h
//
// The ipamd node daemon (reference §1.3, §2-§4, §6-§8): bootstrap from IMDS + EC2 + checkpoint +
// host, the warm-pool loop through ipam::PoolManager, periodic reconciliation with IMDS/EC2, the
// hourly leaked-ENI clean-up, the plugin-facing rpc::IpamService, metrics and introspection.
//
// Threads: RPC calls arrive on rpc::UnixServer connection threads; Run() drives all periodic
// work on the calling thread (passes never overlap); HTTP handlers run on httplib threads. The
// datastore lives inside the PoolManager and is only touched under its lock
// (PoolManager::WithDatastore); the checkpoint is written under that lock, before the RPC reply.
//
// Ownership: the Daemon borrows every port in DaemonPorts (they must outlive it) and owns the
// PoolManager it builds during Bootstrap().
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "cloud/ec2_api.h"
#include "cloud/instance_limits.h"
#include "ipam/checkpoint.h"
#include "ipam/config.h"
#include "ipam/pool_manager.h"
#include "ipamd/config.h"
#include "ipamd/host_net.h"
#include "ipamd/http_server.h"
#include "ipamd/node_metadata.h"
#include "ipamd/policy.h"
#include "k8s/dir_source.h"
#include "metrics/awscni.h"
#include "metrics/registry.h"
#include "rpc/ipam_service.h"

namespace vpccni::ipamd {

struct DaemonOptions {
  Config config;
  ipam::PoolConfig pool;
  // Warm-pool pass period (upstream 5 s; --reconcile-interval).
  Duration pool_interval = std::chrono::seconds(5);
  // Reconciliation of the datastore with IMDS/EC2 (upstream 60 s).
  Duration node_reconcile_interval = std::chrono::seconds(60);
  // VPC CIDR refresh (SNAT exemptions; upstream 30 s).
  Duration vpc_cidr_interval = std::chrono::seconds(30);
  // Leaked-ENI clean-up period (upstream 1 h) and delay before the first run.
  Duration leaked_eni_interval = std::chrono::hours(1);
  Duration leaked_eni_first_delay = std::chrono::minutes(1);
  // Age after which an available ENI of ours counts as leaked.
  Duration leaked_eni_min_age = std::chrono::minutes(5);
  // Node name (MY_NODE_NAME / --node-name) for the ENIConfig and node object.
  std::string node_name;
  // Overrides the computed max-pods.
  std::optional<int> max_pods;
  // Upstream CNI version used for the max-pods formula and the build info.
  std::string version = "v1.23.1";
  // How long Bootstrap() keeps retrying IMDS/EC2 before giving up.
  Duration bootstrap_timeout = std::chrono::seconds(60);
};

struct DaemonPorts {
  cloud::Ec2Api* ec2 = nullptr;               // required
  NodeMetadata* metadata = nullptr;           // required
  Clock* clock = nullptr;                     // required
  metrics::Registry* registry = nullptr;      // required
  metrics::AwsCniMetrics* metrics = nullptr;  // required
  HostNetworking* host = nullptr;             // null: no host networking (--no-host-network)
  k8s::DirectorySource* k8s = nullptr;        // null: no Kubernetes object source
};

class Daemon : public rpc::IpamService {
 public:
  Daemon(DaemonOptions options, DaemonPorts ports);
  ~Daemon() override;
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Discovers the node, restores the checkpoint, reconciles it with EC2 and the host, sets up host
  // networking and pre-scales the pool. Errors name the failed step; configuration problems
  // discovered here (missing ENIConfig, unsupported prefix delegation) are kInvalidArgument.
  Result<void> Bootstrap();

  // Runs the periodic work until Stop(). Returns after the in-flight pass finished.
  void Run();
  // Asks Run() to return and marks the pool manager terminating (no new EC2 mutations). Safe
  // from any thread and from a signal-handling thread (not from a signal handler itself).
  void Stop();

  // One step of each periodic job (Run() calls them; tests may too).
  ipam::PassReport PoolPass();
  Result<void> NodeReconcile();
  Result<int> CleanupLeakedEnis();
  Result<void> RefreshVpcCidrs();

  // True once bootstrap finished and the pool had a free address at least once.
  bool ready() const { return ready_.load(); }

  // Called once when ready() turns true (the main starts the socket and writes the ready file).
  void OnReady(std::function<void()> fn);

  // Introspection and metrics HTTP handlers (thread-safe).
  HttpResponse Introspect(std::string_view path);
  HttpResponse Metrics(std::string_view path);

  // rpc::IpamService.
  Result<rpc::AddNetworkReply> AddNetwork(const rpc::AddNetworkRequest& req) override;
  Result<rpc::DelNetworkReply> DelNetwork(const rpc::DelNetworkRequest& req) override;
  Result<rpc::GcReply> Gc(const rpc::GcRequest& req) override;
  Result<rpc::StatusReply> Status(const rpc::StatusRequest& req) override;

  // Test access.
  ipam::PoolManager* pool() { return pool_.get(); }

  const InstanceIdentity& identity() const { return identity_; }

 private:
  struct NodeEni;  // an ENI as bootstrap/reconcile learn it

  Result<void> DiscoverNode();
  Result<cloud::InstanceLimits> ResolveLimits();
  Result<std::vector<NodeEni>> DescribeNodeEnis();
  Result<void> BuildPool(const std::vector<NodeEni>& enis);
  Result<void> RestoreCheckpoint();
  Result<void> SetupHost();
  HostSetup DesiredHost() const;
  Result<ipam::EniPlacement> PlaceNewEni();
  // Writes the checkpoint; requires the datastore lock (called inside WithDatastore).
  Result<void> PersistLocked(const ipam::Datastore& ds);
  void UpdateGauges();
  void MaybeBecomeReady();
  void SetupNewEnis(const ipam::PassReport& report);
  std::optional<SelectedEniConfig> CurrentEniConfig(std::string* error);
  void PollK8s();

  DaemonOptions options_;
  DaemonPorts ports_;
  InstanceIdentity identity_;
  cloud::InstanceLimits limits_;
  std::unique_ptr<ipam::PoolManager> pool_;
  ipam::CheckpointEncoder checkpoint_encoder_;  // used under the datastore lock only
  std::string primary_eni_id_;
  std::string primary_subnet_id_;
  std::string vpc_id_;
  std::vector<std::string> primary_security_groups_;

  // Guarded by state_mu_.
  mutable std::mutex state_mu_;
  std::vector<net::Ipv4Cidr> vpc_cidrs_;
  std::vector<std::string> vpc_v6_cidrs_;
  std::map<std::string, net::MacAddress> eni_macs_;  // ENI id -> MAC
  std::set<std::string> host_ready_enis_;            // ENIs whose host networking is set up
  int unmanaged_enis_ = 0;
  std::function<void()> on_ready_;

  // Only touched by the thread running passes.
  bool in_prefix_fallback_ = false;
  std::atomic<bool> bootstrapped_{false};
  std::atomic<bool> ready_{false};
  std::atomic<bool> stopping_{false};
  std::mutex wake_mu_;
  std::condition_variable wake_cv_;
};

}  // namespace vpccni::ipamd
