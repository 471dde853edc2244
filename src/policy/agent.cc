#include "policy/agent.h"

#include <algorithm>

#include "base/log.h"
#include "base/strings.h"

namespace vpccni::policy {

Result<EnforcingMode> ParseEnforcingMode(std::string_view s) {
  std::string lower = strings::ToLower(strings::Trim(s));
  if (lower == "standard") {
    return EnforcingMode::kStandard;
  }
  if (lower == "strict") {
    return EnforcingMode::kStrict;
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   "NETWORK_POLICY_ENFORCING_MODE \"{}\" is not standard or strict", s);
}

Result<AgentMetrics> AgentMetrics::Register(metrics::Registry& r) {
  AgentMetrics m;
  ASSIGN_OR_RETURN(
      m.rules_programmed,
      r.AddGauge("vpccni_netpol_rules_programmed",
                 "Allow entries (set elements) programmed, by direction", {"direction"}));
  ASSIGN_OR_RETURN(m.pods_enforced,
                   r.AddGauge("vpccni_netpol_pods_enforced",
                              "Local pods with an enforcement chain, by direction", {"direction"}));
  ASSIGN_OR_RETURN(m.programming_latency,
                   r.AddHistogram("vpccni_netpol_programming_latency_seconds",
                                  "Time to compile, render and program one change", {},
                                  metrics::ExponentialBuckets(0.0005, 2, 14)));
  ASSIGN_OR_RETURN(m.programming_errors, r.AddCounter("vpccni_netpol_programming_errors_total",
                                                      "Failed kernel programming attempts"));
  ASSIGN_OR_RETURN(m.verdicts, r.AddCounter("vpccni_netpol_verdicts_total",
                                            "Packets judged by the enforcement chains",
                                            {"direction", "verdict"}));
  ASSIGN_OR_RETURN(m.objects_generation,
                   r.AddGauge("vpccni_netpol_objects_generation",
                              "Generation of the object snapshot last programmed"));
  ASSIGN_OR_RETURN(m.object_errors,
                   r.AddGauge("vpccni_netpol_object_errors",
                              "Rejected objects or files in the current snapshot"));
  ASSIGN_OR_RETURN(m.npa_requests,
                   r.AddCounter("vpccni_netpol_npa_requests_total", "Plugin requests on npa.sock",
                                {"method", "state"}));
  return m;
}

NetpolAgent::NetpolAgent(std::string node_name, EnforcingMode mode, Enforcer* enforcer,
                         Clock* clock, const AgentMetrics* metrics)
    : node_name_(std::move(node_name)),
      mode_(mode),
      enforcer_(enforcer),
      clock_(clock),
      metrics_(metrics) {}

Result<void> NetpolAgent::SetObjects(const k8s::ObjectSet& objects, uint64_t generation,
                                     size_t object_errors) {
  std::lock_guard<std::mutex> lock(mu_);
  objects_ = objects;
  generation_ = generation;
  has_objects_ = true;
  if (metrics_ != nullptr) {
    metrics_->object_errors->Set(static_cast<double>(object_errors));
  }
  return ReprogramLocked();
}

Result<void> NetpolAgent::ReprogramLocked() {
  MonoTime start = clock_->Mono();
  k8s::ObjectSet objects = objects_;
  // Announced pods the objects know without an address yet get the plugin's address and node.
  std::map<std::string, const Announced*> pending;
  for (const auto& [key, a] : announced_) {
    pending[key] = &a;
  }
  for (auto& pod : objects.pods) {
    auto it = pending.find(pod.Key());
    if (it == pending.end()) {
      continue;
    }
    if (!pod.Ipv4()) {
      pod.pod_ips.insert(pod.pod_ips.begin(), net::IpAddress(net::Ipv4Address(it->second->ip)));
    }
    if (pod.node_name.empty()) {
      pod.node_name = node_name_;
    }
  }
  PolicyModel model = PolicyModel::Compile(objects);
  NodeProgram desired;
  for (size_t i = 0; i < model.pod_count(); ++i) {
    const k8s::Pod& pod = model.pod(i);
    if (pod.node_name != node_name_ || pod.host_network || !pod.Ipv4() ||
        pod.phase == "Succeeded" || pod.phase == "Failed") {
      continue;
    }
    PodProgram prog;
    prog.key = pod.Key();
    prog.ingress = model.Render(i, Direction::kIngress);
    prog.egress = model.Render(i, Direction::kEgress);
    desired[pod.Ipv4()->ToUint()] = std::move(prog);
    pending.erase(pod.Key());
  }
  if (mode_ == EnforcingMode::kStrict) {
    for (const auto& [key, a] : pending) {
      if (desired.find(a->ip) != desired.end()) {
        continue;
      }
      PodProgram deny;
      deny.key = key;
      deny.ingress.enforced = true;
      deny.egress.enforced = true;
      desired[a->ip] = std::move(deny);
    }
  }
  auto r = enforcer_->Apply(desired);
  double secs = std::chrono::duration<double>(clock_->Mono() - start).count();
  if (!r) {
    if (metrics_ != nullptr) {
      metrics_->programming_errors->Inc();
    }
    LOG_ERROR("netpol", "programming failed: {}", r.error().ToString());
    return r;
  }
  applied_ = std::move(desired);
  applied_generation_ = generation_;
  if (metrics_ != nullptr) {
    metrics_->programming_latency->Observe({}, secs);
    size_t rules[2] = {0, 0};
    size_t pods[2] = {0, 0};
    for (const auto& [ip, prog] : applied_) {
      rules[0] += prog.ingress.RuleCount();
      rules[1] += prog.egress.RuleCount();
      pods[0] += prog.ingress.enforced ? 1 : 0;
      pods[1] += prog.egress.enforced ? 1 : 0;
    }
    metrics_->rules_programmed->Set({"ingress"}, static_cast<double>(rules[0]));
    metrics_->rules_programmed->Set({"egress"}, static_cast<double>(rules[1]));
    metrics_->pods_enforced->Set({"ingress"}, static_cast<double>(pods[0]));
    metrics_->pods_enforced->Set({"egress"}, static_cast<double>(pods[1]));
    metrics_->objects_generation->Set(static_cast<double>(generation_));
  }
  LOG_INFO("netpol", "programmed generation {}: {} local pods in {:.3f} ms", generation_,
           applied_.size(), secs * 1e3);
  return Ok();
}

NpaReply NetpolAgent::HandleNpa(const NpaRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string key = request.pod_namespace + "/" + request.pod_name;
  NpaReply reply;
  if (request.method == kNpaDelete) {
    announced_.erase(key);
    auto r = ReprogramLocked();
    reply.success = r.has_value();
    reply.state = "deleted";
    if (!r) {
      reply.error_message = r.error().message;
    }
  } else {
    auto ip = net::Ipv4Address::Parse(request.pod_ip);
    if (!ip) {
      reply.error_message = "bad PodIP";
      return reply;
    }
    announced_[key] = Announced{request.pod_namespace, request.pod_name, ip->ToUint()};
    auto r = ReprogramLocked();
    if (!r) {
      reply.error_message = r.error().message;
    } else {
      reply.success = true;
      bool known = false;
      for (const auto& pod : objects_.pods) {
        known = known || pod.Key() == key;
      }
      reply.state = known ? "policies-applied"
                          : (mode_ == EnforcingMode::kStrict ? "default-deny" : "default-allow");
    }
  }
  if (metrics_ != nullptr) {
    metrics_->npa_requests->Inc({request.method, reply.success ? reply.state : "error"});
  }
  return reply;
}

void NetpolAgent::RefreshCounters() {
  std::lock_guard<std::mutex> lock(mu_);
  auto c = enforcer_->Counters();
  if (!c || metrics_ == nullptr) {
    return;
  }
  for (const auto& [key, packets] : c->packets) {
    uint64_t prev = last_counters_[key];
    // Chains are recreated on changes; a smaller value means the counter restarted.
    uint64_t delta = packets >= prev ? packets - prev : packets;
    if (delta > 0) {
      metrics_->verdicts->Inc({key.first, key.second}, static_cast<double>(delta));
    } else {
      metrics_->verdicts->Touch({key.first, key.second});
    }
    last_counters_[key] = packets;
  }
}

NodeProgram NetpolAgent::applied() const {
  std::lock_guard<std::mutex> lock(mu_);
  return applied_;
}

uint64_t NetpolAgent::applied_generation() const {
  std::lock_guard<std::mutex> lock(mu_);
  return applied_generation_;
}

}  // namespace vpccni::policy
