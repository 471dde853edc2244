// File: pool_manager.h
//
// PoolManager: the reconcile executor. It owns one network card's Datastore, computes the
// warm-pool plan (warm_pool.h) from the datastore's stats and executes it against a
// cloud::Ec2Api, updating the datastore with what EC2 returned. ipamd drives RunOnce() from its
// loop; `vpcctl warm-pool` drives it against the in-process VPC model.
//
// EC2 semantics (reference §4.4, §6.1, §6.2):
//  * assign: AssignPrivateIpAddresses with a count of /32s or /28s; on failure other than
//    PrivateIpAddressLimitExceeded retry once with 1; on PrivateIpAddressLimitExceeded re-read
//    the ENI (DescribeNetworkInterfaces) and add what EC2 holds; when nothing was added, attach a
//    new ENI if the plan allows it;
//  * attach: CreateNetworkInterface (description "aws-K8S-<instance-id>", tags
//    node.k8s.amazonaws.com/instance_id, node.k8s.amazonaws.com/createdAt (RFC 3339),
//    cluster.k8s.amazonaws.com/name + eks:eni:owner=amazon-vpc-cni when a cluster name is set,
//    extra tags without "k8s.amazonaws.com" keys), lowest free device index from
//    DescribeInstances, AttachNetworkInterface (failure: delete the new ENI),
//    ModifyNetworkInterfaceAttribute(DeleteOnTermination=true) (failure: free the ENI);
//  * release: remove the CIDRs from the datastore (never an assigned one), then
//    UnassignPrivateIpAddresses (failure: put them back);
//  * free ENI: remove it from the datastore, DescribeNetworkInterfaces for the attachment,
//    DetachNetworkInterface, wait until `available`, DeleteNetworkInterface (NotFound = done);
//  * InsufficientCidrBlocks / InsufficientFreeAddressesInSubnet start the 120 s back-off, except
//    that InsufficientCidrBlocks on a /28 request switches the pool to /32 addresses (the
//    fallback; the reason is kept for metrics and `vpcctl diagnose`) and retries prefixes after
//    prefix_retry_interval.
//
// Thread-safety: all methods are thread-safe. The datastore is guarded by an internal mutex;
// WithDatastore() runs a callback under it (the RPC path assigns and releases through it). EC2
// calls run without the lock held. RunOnce() calls must not overlap (ipamd runs one loop).
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "cloud/ec2_api.h"
#include "ipam/config.h"
#include "ipam/datastore.h"
#include "ipam/warm_pool.h"

namespace vpccni::ipam {

// Where a new ENI goes: the node's subnet and security groups by default; custom networking and
// subnet discovery supply their own through PoolManager::Options::placement.
struct EniPlacement {
  std::string subnet_id;
  std::vector<std::string> security_group_ids;
};

struct NodeIdentity {
  std::string instance_id;
  // The primary ENI's subnet and security groups (default placement).
  std::string subnet_id;
  std::vector<std::string> security_group_ids;
  // CLUSTER_NAME; empty: no cluster tags.
  std::string cluster_name;
  // ADDITIONAL_ENI_TAGS (keys containing "k8s.amazonaws.com" are dropped).
  cloud::TagMap additional_tags;
};

// What one executed action did.
struct ActionOutcome {
  PlanAction action;
  // Addresses (/32 or /28) or ENIs added or removed.
  int changed = 0;
  // The EC2 ENI id of a new ENI.
  std::string new_eni_id;
  std::optional<Error> error;
};

struct PassReport {
  Plan plan;
  std::vector<ActionOutcome> outcomes;
  // True when every action succeeded.
  bool ok() const;
  // True when the pass changed the datastore's ENIs or CIDRs.
  bool changed() const;
};

class PoolManager {
 public:
  struct Options {
    PoolConfig config;
    PoolLimits limits;
    int max_pods = 110;
    int network_card = 0;
    NodeIdentity node;
    // Placement of new ENIs; unset: node.subnet_id / node.security_group_ids.
    std::function<Result<EniPlacement>()> placement;
    // Detach -> available polling: first delay, doubled each try, at most this many tries.
    Duration detach_poll_initial = std::chrono::milliseconds(200);
    int detach_poll_attempts = 12;
    // How long after a fallback to /32s prefix delegation is tried again.
    Duration prefix_retry_interval = std::chrono::minutes(10);
  };

  // ec2 and clock must outlive the manager. The datastore must serve options.network_card;
  // its mode (prefix delegation, cool-down) is set from options.config.
  PoolManager(cloud::Ec2Api& ec2, Clock& clock, Datastore datastore, Options options);

  // One pass: stats -> plan -> EC2 -> datastore. EC2 failures are reported in the outcomes (and
  // logged), not as an error of the pass.
  PassReport RunOnce();

  // Runs passes until a plan is empty or `max_passes` ran; returns the number of passes that
  // did something. kAborted when max_passes was reached without a fixed point; an action error
  // ends the loop with that error when stop_on_error.
  Result<int> RunUntilStable(int max_passes, bool stop_on_error = false);

  // The plan a pass would execute now (no EC2 calls).
  Plan PlanNow() const;

  // Runs f(Datastore&) under the datastore lock and returns its result.
  template <typename F>
  auto WithDatastore(F&& f) {
    std::lock_guard<std::mutex> lock(mu_);
    return f(datastore_);
  }
  template <typename F>
  auto WithDatastore(F&& f) const {
    std::lock_guard<std::mutex> lock(mu_);
    return f(static_cast<const Datastore&>(datastore_));
  }

  PoolStats Stats() const;
  PoolTimers timers() const;
  // Non-empty while new addresses come as /32s because the subnet had no free /28 block.
  std::string prefix_fallback_reason() const;
  // Forgets the fallback (the next pass asks for prefixes again).
  void ResetPrefixFallback();

  // Inputs that change at run time.
  void SetMaxPods(int max_pods);
  void SetNodeUnschedulable(bool unschedulable);
  void SetTerminating(bool terminating);
  void SetUnmanagedEnis(int count);
  const Options& options() const { return options_; }

 private:
  PolicyInput Input() const;  // requires mu_
  ActionOutcome Execute(const PlanAction& action);
  ActionOutcome AssignOnEni(const PlanAction& action);
  ActionOutcome AttachEni(const PlanAction& action);
  ActionOutcome Release(const PlanAction& action);
  ActionOutcome FreeEni(const PlanAction& action);
  ActionOutcome AssignIpv6Prefix(const PlanAction& action);
  // Adds /32s and /28s EC2 reported for an ENI; returns how many were new.
  int AddCidrs(const std::string& eni_id, const std::vector<net::Ipv4Address>& ips,
               const std::vector<net::Ipv4Cidr>& prefixes);
  // Re-reads an ENI from EC2 and adds what the datastore lacks.
  Result<int> ResyncEni(const std::string& eni_id);
  void NoteEc2Error(const Error& e, bool prefixes);
  Result<void> DetachAndDelete(const std::string& eni_id);
  Result<int> LowestFreeDeviceIndex();

  cloud::Ec2Api& ec2_;
  Clock& clock_;
  Options options_;
  mutable std::mutex mu_;
  Datastore datastore_;
  PoolTimers timers_;
  std::string fallback_reason_;
  std::optional<WallTime> fallback_since_;
  bool unschedulable_ = false;
  bool terminating_ = false;
  int unmanaged_enis_ = 0;
};

}  // namespace vpccni::ipam
