// File: warm_pool.h
//
// The warm-pool policy: a pure function from (pool stats, configuration, instance limits,
// max-pods, now, timers) to a Plan, reproducing upstream ipamd's pool math (reference §4) with
// deterministic choices. One call corresponds to one pass of upstream's updateIPPoolIfRequired:
// at most one increase step (assign on one existing ENI, or attach one new ENI), or one decrease
// step (release addresses/prefixes), then at most one ENI to free. The caller executes the plan
// (PoolManager), refreshes the stats and calls again; repeated calls converge.
//
// Deliberate difference from upstream (default; PoolConfig::cooldown_counts_as_available
// restores upstream): addresses in cool-down do not count as available, and CIDRs holding
// cooling addresses are not released.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "cloud/instance_limits.h"
#include "ipam/config.h"
#include "ipam/datastore.h"
#include "net/ip.h"

namespace vpccni::ipam {

// Per-instance limits derived from the instance type and the config (reference §4.1).
struct PoolLimits {
  // min(ENIs of the network card, MAX_ENI when >= 1).
  int max_enis = 0;
  // Secondary-address slots per ENI (IPv4 addresses per ENI - 1).
  int slots_per_eni = 0;
  // Pod addresses per ENI: slots (SIP) or slots * 16 (PD).
  int max_ips_per_eni = 0;
  // Prefixes per ENI: slots (PD) or 0 (SIP).
  int max_prefixes_per_eni = 0;
  bool trunking_compatible = false;

  // kInvalidArgument when the type has no ENIs or no secondary slots, or prefix delegation is
  // asked on a type that does not support it.
  static Result<PoolLimits> Derive(const cloud::InstanceLimits& limits, const PoolConfig& config,
                                   int network_card = 0);
};

// Times of past events the policy rate-limits on.
struct PoolTimers {
  std::optional<WallTime> last_decrease;
  // Last InsufficientCidrBlocks / InsufficientFreeAddressesInSubnet error.
  std::optional<WallTime> last_insufficient_cidr;
};

struct PolicyInput {
  PoolStats stats;
  PoolConfig config;
  PoolLimits limits;
  // Pods the node may run (node capacity); the pool is never "low" once total >= max_pods.
  int max_pods = 110;
  WallTime now{};
  PoolTimers timers;
  int network_card = 0;
  // Attached ENIs that ipamd does not manage (no_manage tag / untagged with
  // MANAGE_UNTAGGED_ENI=false); they take ENI slots.
  int unmanaged_enis = 0;
  // The node carries node.kubernetes.io/unschedulable:NoSchedule.
  bool node_unschedulable = false;
  // ipamd is shutting down.
  bool terminating = false;
  // The /28 -> /32 fallback is active (subnet too fragmented for prefixes): grow with /32s.
  bool prefix_fallback = false;
};

enum class ActionKind {
  kAssignIps,         // count secondary /32s on eni_id
  kAssignPrefixes,    // count /28 prefixes on eni_id
  kAssignIpv6Prefix,  // one IPv6 /80 on eni_id
  kAttachEni,         // a new ENI with count addresses (or prefixes when `prefixes`)
  kReleaseIps,        // cidrs (/32s) of eni_id
  kReleasePrefixes,   // cidrs (/28s) of eni_id
  kFreeEni,           // detach and delete eni_id
};

std::string_view ActionKindName(ActionKind kind);

struct PlanAction {
  ActionKind kind = ActionKind::kAssignIps;
  std::string eni_id;
  int count = 0;
  bool prefixes = false;
  std::vector<net::Ipv4Cidr> cidrs;

  // "assign 3 ips on eni-1", "attach eni with 2 prefixes", ...
  std::string ToString() const;
  bool operator==(const PlanAction&) const = default;
};

// Upstream datastoreTargetState: shortfall and surplus against WARM_IP_TARGET/MINIMUM_IP_TARGET,
// in IPs (SIP) or prefixes (PD).
struct TargetState {
  int short_count = 0;
  int over_count = 0;
  bool enabled = false;
};

struct Plan {
  std::vector<PlanAction> actions;
  // When the first action is an assign on an existing ENI and it adds nothing, the executor
  // attaches a new ENI with this instead (upstream increaseDatastorePool step 2).
  std::optional<PlanAction> fallback_attach;
  bool too_low = false;
  bool too_high = false;
  TargetState target;
  // Why nothing was done when the pool is low (max ENIs reached, back-off, ...); empty otherwise.
  std::string note;

  bool Empty() const { return actions.empty(); }
  std::string ToString() const;
};

// The pieces of the policy, exposed for tests and introspection.
TargetState ComputeTargetState(const PolicyInput& in);
bool PoolTooLow(const PolicyInput& in);
bool PoolTooHigh(const PolicyInput& in);
bool ShouldRemoveExtraEnis(const PolicyInput& in);
bool HasRoomForEni(const PolicyInput& in);
// Available addresses as the policy counts them (config.cooldown_counts_as_available).
int AvailableForPolicy(const PolicyInput& in);

// The plan for one pass. Pure and deterministic.
Plan ComputePlan(const PolicyInput& in);

}  // namespace vpccni::ipam
