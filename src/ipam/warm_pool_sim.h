// File: warm_pool_sim.h
//
// The warm-pool what-if behind `vpcctl warm-pool`: one node of a given instance type in an
// in-process VPC model (vpcsim::ModelEc2Api over a VpcModel with one VPC and one /16 subnet),
// driven by the real PoolConfig, Datastore, warm-pool policy and PoolManager. Pods are added or
// removed one at a time towards each requested count; after every pod the reconcile loop runs
// to a fixed point with a clock that jumps past ENI youth, cool-downs and rate limits between
// passes. Deterministic (the model is seeded).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "cloud/instance_limits.h"

namespace vpccni::ipam {

struct WarmPoolSimOptions {
  std::string instance_type;
  // Environment as for ipamd (WARM_ENI_TARGET, ENABLE_PREFIX_DELEGATION, ...).
  std::map<std::string, std::string> env;
  // Node capacity; unset: the max-pods calculator's value for the type and mode.
  std::optional<int> max_pods;
  // The pod counts to visit, in order.
  std::vector<int> pods;
  // Instance types; nullptr: the built-in table. Rows unknown to the model are added to it.
  const cloud::InstanceLimitsTable* table = nullptr;
};

struct WarmPoolStep {
  // Requested pod count.
  int pods = 0;
  int enis = 0;
  // Pod addresses held by the node (mode CIDRs on non-excluded ENIs).
  int total_ips = 0;
  // Pods that got an address (less than `pods` when the node is full).
  int assigned = 0;
  int unused = 0;
  // Per ENI in device order: addresses usable for pods, and /28 prefixes.
  std::vector<int> ips_per_eni;
  std::vector<int> prefixes_per_eni;
};

struct WarmPoolSimResult {
  int max_pods = 0;
  std::vector<WarmPoolStep> steps;
};

// kInvalidArgument for a bad env (naming the variable), an empty pod list or a negative count,
// kNotFound for an unknown instance type; kAborted when the loop does not converge; other errors
// as the VPC model reports them.
Result<WarmPoolSimResult> RunWarmPoolSim(const WarmPoolSimOptions& options);

// Table for people: one row per step.
std::string RenderWarmPoolTable(const WarmPoolSimResult& result);
// JSON array of {"pods","enis","total_ips","assigned","unused","ips_per_eni","prefixes_per_eni"}.
nlohmann::json RenderWarmPoolJson(const WarmPoolSimResult& result);

}  // namespace vpccni::ipam
