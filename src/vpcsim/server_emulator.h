// File: server_emulator.h
//
// Emulator: the running vpc-emulator. One EC2 Query endpoint (plus the admin API under
// /_emulator/) on the --listen address, one IMDSv2 listener per emulated instance, one VpcModel
// per region (the region comes from the request's SigV4 credential scope), optional SigV4
// verification, a snapshot file, and optional node binding (see binding.h) through a hook.
//
// Admin API (JSON):
//   GET  /_emulator/state      {"ec2":url,"imds":{id:url},"regions":{region:<model JSON>}}
//   GET  /_emulator/calls      {"actions":{name:{calls,errors,throttled,injected}},
//                               "regions":{region:{name:{...}}}}
//   POST /_emulator/faults     {"action","error_code","count","latency_ms","error_rate",
//                               "message","region"} or {"clear":true}
//   POST /_emulator/throttle   {"enabled":true|false} (or "on"/"off" as the body)
//   POST /_emulator/instances  {"instance_type","subnet_id","image_id","private_ip",
//                               "security_group_ids","tags","imds_listen","netns","region"}
//                              -> {"instance_id","imds","private_ip","region"}
//   POST /_emulator/reset      back to the start state (scenario applied, no snapshot)
//
// Threading: all public methods are thread-safe. HTTP handlers run on httplib worker threads;
// every model access holds one mutex (model calls take microseconds).
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/result.h"
#include "vpcsim/model.h"
#include "vpcsim/scenario_file.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace vpccni::vpcsim {

struct EmulatorConfig {
  // host:port of the EC2 + admin endpoint; port 0 picks a free port.
  std::string listen = "127.0.0.1:0";
  // Region for requests without a SigV4 scope (and for the admin API by default).
  std::string default_region = "us-east-1";
  // When both are set, requests must be signed with them (AuthFailure / SignatureDoesNotMatch).
  std::string access_key;
  std::string secret_key;
  // IMDS shows EC2 state this much later.
  Duration imds_lag{0};
  Duration attach_delay{0};
  bool throttle = false;
  // New regions get a default VPC (172.31.0.0/16), as new AWS accounts have.
  bool default_vpc = true;
  uint64_t seed = 1;
  // Load at start when the file exists; saved by SaveSnapshot(), periodically and on Stop().
  std::string snapshot_path;
  Duration snapshot_interval = std::chrono::seconds(30);
  std::optional<ScenarioSpec> scenario;
  // Default address for IMDS listeners ("127.0.0.1:0").
  std::string imds_listen = "127.0.0.1:0";
  // Upper bound on IMDS listeners (instances beyond it have none).
  int max_imds_listeners = 256;
};

// Hook for node binding (network namespaces). Called outside the emulator's lock.
class NodeBinder {
 public:
  virtual ~NodeBinder() = default;
  // Runs `fn` on a thread that has entered netns `name` (to open listening sockets there).
  virtual Result<void> RunInNetns(const std::string& name, const std::function<void()>& fn) = 0;
  // Makes the namespace's links match `view` (one link per attached ENI, by MAC).
  virtual Result<void> Sync(const std::string& netns, const ImdsView& view) = 0;
  // Removes what Sync created in the namespace.
  virtual void Unbind(const std::string& netns) = 0;
};

class Emulator {
 public:
  // Validates the config, loads the snapshot (if the file exists) or applies the scenario.
  // kInvalidArgument for a bad listen address, scenario or snapshot.
  static Result<std::unique_ptr<Emulator>> Create(EmulatorConfig config, Clock& clock,
                                                  std::unique_ptr<NodeBinder> binder = nullptr);
  ~Emulator();
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  // Binds the EC2 listener and the IMDS listeners of existing instances and starts serving.
  // kUnavailable when an address cannot be bound.
  Result<void> Start();
  // Stops every listener, saves the snapshot (if configured). Idempotent.
  void Stop();

  std::string Ec2Url() const;
  // Instance ID -> IMDS base URL.
  std::map<std::string, std::string> ImdsUrls() const;
  // {"ec2":..., "imds":{...}, "region":...} on one line.
  std::string ReadyLine() const;
  // Writes the snapshot atomically (temp file + rename). kInternal on I/O errors.
  Result<void> SaveSnapshot();

  // Admin operations (also reachable over HTTP).
  nlohmann::json StateJson();
  nlohmann::json CallsJson();

 private:
  struct ImdsListener;

  struct RegionState {
    std::unique_ptr<VpcModel> model;
  };

  Emulator(EmulatorConfig config, Clock& clock, std::unique_ptr<NodeBinder> binder);

  std::unique_ptr<VpcModel> NewModel(const std::string& region) const;
  // Region state, created on first use. Requires mu_.
  VpcModel& ModelLocked(const std::string& region);
  Result<void> InitState();
  Result<void> LoadSnapshotFile(const std::string& text);

  // node_side: the request came through an EC2 listener inside a bound namespace.
  void HandleEc2(const httplib::Request& req, httplib::Response& res, bool node_side);
  // An EC2 Query server (with the /_emulator admin API when with_admin), not yet bound.
  std::unique_ptr<httplib::Server> NewEc2Server(bool with_admin);
  void StopListener(ImdsListener& l);
  void HandleAdmin(const httplib::Request& req, httplib::Response& res);
  // Starts an IMDS listener for an instance; returns its URL.
  Result<std::string> StartImds(const std::string& instance_id, const std::string& region,
                                const std::string& listen, const std::string& netns);
  void StopImds(const std::string& instance_id);
  void StopAllImds();
  // After EC2 mutations: start listeners for new instances, stop them for terminated ones,
  // resync bound namespaces.
  // allow_stops = false leaves listeners of terminated instances running (for a later pass).
  void ReconcileListeners(const std::string& region, bool allow_stops = true);
  void SnapshotLoop();
  void BindingLoop();

  EmulatorConfig config_;
  Clock& clock_;
  std::unique_ptr<NodeBinder> binder_;

  mutable std::mutex mu_;  // guards regions_, imds_
  std::map<std::string, RegionState> regions_;
  std::string scenario_region_;
  // Per-instance listener settings from the scenario (imds_listen, netns).
  std::map<std::string, std::pair<std::string, std::string>> instance_bindings_;
  std::map<std::string, std::unique_ptr<ImdsListener>> imds_;
  std::mutex reconcile_mu_;  // serializes listener start/stop

  std::unique_ptr<httplib::Server> ec2_server_;
  std::thread ec2_thread_;
  std::string ec2_url_;
  std::string ec2_host_;  // the bound --listen address, reused inside bound namespaces
  int ec2_port_ = 0;

  std::atomic<bool> stopping_{false};
  std::mutex snapshot_mu_;
  std::condition_variable snapshot_cv_;
  std::thread snapshot_thread_;
  // Re-syncs bound namespaces periodically (attach/detach complete with time).
  std::thread binding_thread_;
  bool started_ = false;
};

// Splits "host:port" (port 0..65535). kInvalidArgument otherwise.
Result<std::pair<std::string, int>> ParseListenAddress(std::string_view s);

}  // namespace vpccni::vpcsim
