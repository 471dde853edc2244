// File: pure_node_testing.h (test-only)
//
// PureNode: a node whose "EC2" is a trivial address counter, used to exercise the warm-pool
// policy and the datastore together without any cloud model. Plans are applied directly to the
// datastore (no failures). The integration with a real Ec2Api lives in pool_manager_test.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ipam/datastore.h"
#include "ipam/warm_pool.h"

namespace vpccni::ipam::testing {

class PureNode {
 public:
  PureNode(const cloud::InstanceLimits& limits, const PoolConfig& config, int max_pods)
      : config_(config),
        max_pods_(max_pods),
        ds_(Datastore::Options{0, config.prefix_delegation, false, false, config.ip_cooldown}) {
    auto l = PoolLimits::Derive(limits, config);
    EXPECT_TRUE(l.has_value()) << l.error().ToString();
    limits_ = l.value_or(PoolLimits{});
    EniSpec primary;
    primary.id = "eni-0";
    primary.is_primary = true;
    primary.primary_ip = net::Ipv4Address(0x0A000000u + 10);
    EXPECT_TRUE(ds_.AddEni(primary, now_).has_value());
  }

  Datastore& datastore() { return ds_; }
  const PoolLimits& limits() const { return limits_; }
  WallTime now() const { return now_; }
  void Advance(Duration d) { now_ += std::chrono::duration_cast<WallTime::duration>(d); }
  PoolTimers& timers() { return timers_; }
  int unmanaged_enis = 0;
  bool has_trunk_spec = false;

  PolicyInput Input() const {
    PolicyInput in;
    in.stats = ds_.Stats(now_);
    in.config = config_;
    in.limits = limits_;
    in.max_pods = max_pods_;
    in.now = now_;
    in.timers = timers_;
    in.unmanaged_enis = unmanaged_enis;
    return in;
  }

  // Applies one plan; returns false when the plan was empty.
  bool Step() {
    Plan plan = ComputePlan(Input());
    if (plan.Empty()) {
      return false;
    }
    bool added = true;
    for (const auto& a : plan.actions) {
      added = Apply(a) && added;
    }
    if (!added && plan.fallback_attach) {
      Apply(*plan.fallback_attach);
    }
    return true;
  }

  // Runs passes until a fixed point, jumping the clock past every youth, cool-down and rate
  // limit between passes. Fails the test when it does not converge.
  void Converge(bool jump = true) {
    for (int i = 0; i < 500; ++i) {
      if (jump) {
        Advance(std::chrono::seconds(121));
      }
      if (!Step()) {
        return;
      }
    }
    ADD_FAILURE() << "warm pool did not converge: " << ComputePlan(Input()).ToString();
  }

  // Adds or removes pods one at a time (converging after each) until `n` run.
  void SetPods(int n) {
    Converge();
    while (static_cast<int>(pods_.size()) < n) {
      IpamKey key{"aws-cni", "c" + std::to_string(next_pod_++), "eth0"};
      auto a = ds_.Assign(key, {}, now_);
      ASSERT_TRUE(a.has_value()) << "pod " << pods_.size() + 1 << ": " << a.error().ToString();
      pods_.push_back(key);
      Converge();
    }
    while (static_cast<int>(pods_.size()) > n) {
      ASSERT_TRUE(ds_.Release(pods_.back(), now_).has_value());
      pods_.pop_back();
      Converge();
    }
  }

  std::vector<IpamKey>& pods() { return pods_; }

  int Enis() const { return static_cast<int>(ds_.Enis().size()); }
  int Total() const { return ds_.Stats(now_).total; }
  int Unused() const {
    auto s = ds_.Stats(now_);
    return s.total - s.assigned;
  }
  std::vector<int> TotalsPerEni() const {
    std::vector<int> out;
    for (const auto& e : ds_.Stats(now_).enis) {
      out.push_back(e.total);
    }
    return out;
  }
  std::vector<int> PrefixesPerEni() const {
    std::vector<int> out;
    for (const auto& e : ds_.Stats(now_).enis) {
      out.push_back(e.prefixes);
    }
    return out;
  }
  int EniAttachments() const { return attachments_; }

  bool Apply(const PlanAction& a) {
    switch (a.kind) {
      case ActionKind::kAssignIps:
      case ActionKind::kAssignPrefixes: {
        const bool prefixes = a.kind == ActionKind::kAssignPrefixes;
        for (int i = 0; i < a.count; ++i) {
          EXPECT_TRUE(ds_.AddIpv4Cidr(a.eni_id, NextCidr(prefixes), prefixes).has_value());
        }
        return a.count > 0;
      }
      case ActionKind::kAttachEni: {
        EniSpec spec;
        spec.id = "eni-" + std::to_string(++next_device_);
        spec.device_number = next_device_;
        EXPECT_TRUE(ds_.AddEni(spec, now_).has_value());
        ++attachments_;
        for (int i = 0; i < a.count; ++i) {
          EXPECT_TRUE(ds_.AddIpv4Cidr(spec.id, NextCidr(a.prefixes), a.prefixes).has_value());
        }
        return true;
      }
      case ActionKind::kReleaseIps:
      case ActionKind::kReleasePrefixes:
        for (const auto& c : a.cidrs) {
          EXPECT_TRUE(ds_.RemoveIpv4Cidr(a.eni_id, c, false).has_value());
        }
        timers_.last_decrease = now_;
        return true;
      case ActionKind::kFreeEni:
        EXPECT_TRUE(ds_.RemoveEni(a.eni_id, false).has_value());
        return true;
      case ActionKind::kAssignIpv6Prefix:
        return false;
    }
    return false;
  }

 private:
  net::Ipv4Cidr NextCidr(bool prefix) {
    if (prefix) {
      net::Ipv4Cidr c(net::Ipv4Address(0x0A008000u + 16 * next_prefix_++), 28);
      return c;
    }
    return net::Ipv4Cidr(net::Ipv4Address(0x0A004000u + next_ip_++), 32);
  }

  PoolConfig config_;
  PoolLimits limits_;
  int max_pods_;
  Datastore ds_;
  WallTime now_ = FromUnixNanos(1'800'000'000'000'000'000);
  PoolTimers timers_;
  std::vector<IpamKey> pods_;
  int next_pod_ = 0;
  int next_device_ = 0;
  uint32_t next_ip_ = 0;
  uint32_t next_prefix_ = 0;
  int attachments_ = 0;
};

}  // namespace vpccni::ipam::testing
