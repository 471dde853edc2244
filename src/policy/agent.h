// File: agent.h
//
// The node agent core behind `netpol-agent`: holds the latest Kubernetes objects and the pods
// the CNI plugin announced, compiles them (PolicyModel), renders every local pod (pods whose
// spec.nodeName is this node, with an IPv4 address, not hostNetwork, not finished) and programs
// the result through an Enforcer. Every change is one atomic enforcer transaction.
//
// NETWORK_POLICY_ENFORCING_MODE:
//   standard: a pod the agent does not know yet is not restricted until its objects arrive;
//   strict:   a pod announced by the plugin but not yet in the objects is denied in both
//             directions (own node excepted) until its computed rules are programmed.
//
// Thread-safety: all public methods are thread-safe (one mutex); Enforcer calls are serialized.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "k8s/objects.h"
#include "metrics/registry.h"
#include "policy/compiler.h"
#include "policy/enforcer.h"
#include "policy/npa.h"

namespace vpccni::policy {

enum class EnforcingMode { kStandard, kStrict };
// Parses "standard" / "strict" (any case). Errors: kInvalidArgument.
Result<EnforcingMode> ParseEnforcingMode(std::string_view s);

// The agent's metric families, registered on a metrics::Registry (pointers owned by it).
struct AgentMetrics {
  metrics::GaugeFamily* rules_programmed = nullptr;  // {direction}
  metrics::GaugeFamily* pods_enforced = nullptr;     // {direction}
  metrics::HistogramFamily* programming_latency = nullptr;
  metrics::CounterFamily* programming_errors = nullptr;
  metrics::CounterFamily* verdicts = nullptr;  // {direction, verdict} packets
  metrics::GaugeFamily* objects_generation = nullptr;
  metrics::GaugeFamily* object_errors = nullptr;
  metrics::CounterFamily* npa_requests = nullptr;  // {method, state}

  // Errors: those of Registry::Add* (duplicate names).
  static Result<AgentMetrics> Register(metrics::Registry& registry);
};

class NetpolAgent {
 public:
  // `enforcer`, `clock` and `metrics` (may be null) must outlive the agent.
  NetpolAgent(std::string node_name, EnforcingMode mode, Enforcer* enforcer, Clock* clock,
              const AgentMetrics* metrics);

  // Replaces the objects and reprograms. `object_errors` is the number of rejected objects/files
  // (reported as a metric). Errors: the enforcer's; the previous kernel state stays.
  Result<void> SetObjects(const k8s::ObjectSet& objects, uint64_t generation,
                          size_t object_errors = 0);

  // Handles a plugin request (EnforceNpToPod / DeletePodNp); programs synchronously.
  NpaReply HandleNpa(const NpaRequest& request);

  // Adds the kernel's verdict counters to the metrics (call before rendering /metrics).
  void RefreshCounters();

  // The program last applied (for status and tests).
  NodeProgram applied() const;
  uint64_t applied_generation() const;

 private:
  Result<void> ReprogramLocked();

  const std::string node_name_;
  const EnforcingMode mode_;
  Enforcer* enforcer_;
  Clock* clock_;
  const AgentMetrics* metrics_;

  mutable std::mutex mu_;
  k8s::ObjectSet objects_;
  uint64_t generation_ = 0;
  uint64_t applied_generation_ = 0;
  bool has_objects_ = false;

  struct Announced {
    std::string ns;
    std::string name;
    uint32_t ip = 0;
  };

  std::map<std::string, Announced> announced_;  // by namespace/name
  NodeProgram applied_;
  std::map<std::pair<std::string, std::string>, uint64_t> last_counters_;
};

}  // namespace vpccni::policy
