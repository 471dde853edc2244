#include "ipam/warm_pool.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

namespace vpccni::ipam {

namespace {

constexpr int kIpsPerPrefix = 16;

int DivCeil(int x, int y) { return (x + y - 1) / y; }

bool ConfiguredPd(const PolicyInput& in) {
  return in.config.prefix_delegation && !in.config.ipv6;
}

// Growth uses /28 prefixes (false: /32 secondary addresses).
bool GrowPrefixes(const PolicyInput& in) { return ConfiguredPd(in) && !in.prefix_fallback; }

bool TargetsDefined(const PolicyInput& in) {
  return in.network_card > 0 || in.config.WarmIpTargetsDefined();
}

int FreePrefixes(const PolicyInput& in) {
  return in.config.cooldown_counts_as_available ? in.stats.free_prefixes : in.stats.idle_prefixes;
}

bool Allocatable(const PolicyInput& in, const EniStats& e) {
  if (e.spec.is_trunk || e.spec.is_excluded) {
    return false;
  }
  if (e.spec.is_primary && in.config.custom_networking) {
    return false;
  }
  return e.cidr_count < in.limits.slots_per_eni;
}

// A CIDR may be released when nothing is assigned (and, by default, nothing is cooling).
bool Releasable(const PolicyInput& in, const CidrStats& c) {
  return c.assigned == 0 && (in.config.cooldown_counts_as_available || c.cooling == 0);
}

DeletableEniParams DeletableParams(const PolicyInput& in) {
  DeletableEniParams p;
  if (in.network_card > 0) {
    p.warm_ip_target = 1;
    p.minimum_ip_target = 1;
  } else {
    p.warm_ip_target = in.config.warm_ip_target;
    p.minimum_ip_target = in.config.minimum_ip_target;
  }
  p.warm_prefix_target = in.config.warm_prefix_target;
  p.min_eni_age = in.config.min_eni_age;
  p.count_cooling = in.config.cooldown_counts_as_available;
  return p;
}

}  // namespace

Result<PoolLimits> PoolLimits::Derive(const cloud::InstanceLimits& limits,
                                      const PoolConfig& config, int network_card) {
  PoolLimits out;
  int enis = limits.eni_limit;
  if (network_card != limits.default_network_card_index) {
    auto card = std::find_if(limits.network_cards.begin(), limits.network_cards.end(),
                             [&](const cloud::NetworkCardLimit& c) { return c.index == network_card; });
    if (card == limits.network_cards.end()) {
      return MakeError(ErrorCode::kInvalidArgument, "instance type {} has no network card {}",
                       limits.instance_type, network_card);
    }
    enis = card->max_enis;
  }
  if (config.max_eni >= 1) {
    enis = std::min(enis, config.max_eni);
  }
  if (enis < 1 || limits.ipv4_per_eni < 2) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "instance type {} has no room for pod addresses ({} ENIs, {} IPv4 per ENI)",
                     limits.instance_type, enis, limits.ipv4_per_eni);
  }
  if ((config.prefix_delegation || config.ipv6) && !limits.SupportsPrefixDelegation()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "ENABLE_PREFIX_DELEGATION: instance type {} (hypervisor {}) does not support "
                     "prefix delegation",
                     limits.instance_type, limits.hypervisor);
  }
  out.max_enis = enis;
  out.slots_per_eni = limits.ipv4_per_eni - 1;
  const bool pd = config.prefix_delegation && !config.ipv6;
  out.max_ips_per_eni = pd ? out.slots_per_eni * kIpsPerPrefix : out.slots_per_eni;
  out.max_prefixes_per_eni = pd ? out.slots_per_eni : 0;
  out.trunking_compatible = limits.IsTrunkingCompatible();
  return out;
}

std::string_view ActionKindName(ActionKind kind) {
  switch (kind) {
    case ActionKind::kAssignIps:
      return "assign-ips";
    case ActionKind::kAssignPrefixes:
      return "assign-prefixes";
    case ActionKind::kAssignIpv6Prefix:
      return "assign-ipv6-prefix";
    case ActionKind::kAttachEni:
      return "attach-eni";
    case ActionKind::kReleaseIps:
      return "release-ips";
    case ActionKind::kReleasePrefixes:
      return "release-prefixes";
    case ActionKind::kFreeEni:
      return "free-eni";
  }
  return "unknown";
}

std::string PlanAction::ToString() const {
  switch (kind) {
    case ActionKind::kAssignIps:
      return fmt::format("assign {} ips on {}", count, eni_id);
    case ActionKind::kAssignPrefixes:
      return fmt::format("assign {} prefixes on {}", count, eni_id);
    case ActionKind::kAssignIpv6Prefix:
      return fmt::format("assign an ipv6 prefix on {}", eni_id);
    case ActionKind::kAttachEni:
      return fmt::format("attach eni with {} {}", count, prefixes ? "prefixes" : "ips");
    case ActionKind::kReleaseIps:
    case ActionKind::kReleasePrefixes: {
      std::vector<std::string> parts;
      parts.reserve(cidrs.size());
      for (const auto& c : cidrs) {
        parts.push_back(c.ToString());
      }
      return fmt::format("release {} on {}", fmt::join(parts, ","), eni_id);
    }
    case ActionKind::kFreeEni:
      return fmt::format("free {}", eni_id);
  }
  return "unknown";
}

std::string Plan::ToString() const {
  std::vector<std::string> parts;
  parts.reserve(actions.size());
  for (const auto& a : actions) {
    parts.push_back(a.ToString());
  }
  std::string s = parts.empty() ? "no-op" : fmt::format("{}", fmt::join(parts, "; "));
  if (fallback_attach) {
    s += " (else " + fallback_attach->ToString() + ")";
  }
  if (!note.empty()) {
    s += " [" + note + "]";
  }
  return s;
}

int AvailableForPolicy(const PolicyInput& in) {
  return in.stats.Available(in.config.cooldown_counts_as_available);
}

TargetState ComputeTargetState(const PolicyInput& in) {
  TargetState t;
  if (!TargetsDefined(in)) {
    return t;
  }
  t.enabled = true;
  const int w = in.network_card > 0 ? 1 : in.config.warm_ip_target;
  const int m = in.network_card > 0 ? 1 : in.config.minimum_ip_target;
  const int avail = AvailableForPolicy(in);
  const int total = in.stats.total;
  int short_ips = std::max(w - avail, 0);
  short_ips = std::max(short_ips, m - total);
  int over = std::max(avail - w, 0);
  over = std::max(std::min(over, total - m), 0);
  if (in.network_card == 0 && GrowPrefixes(in)) {
    const int need_w = DivCeil(in.stats.assigned + in.config.warm_ip_target, kIpsPerPrefix);
    const int need_m = DivCeil(in.config.minimum_ip_target, kIpsPerPrefix);
    int over_p = std::max(std::min(FreePrefixes(in), in.stats.total_prefixes - need_w), 0);
    over_p = std::max(std::min(over_p, in.stats.total_prefixes - need_m), 0);
    t.short_count = DivCeil(short_ips, kIpsPerPrefix);
    t.over_count = over_p;
    return t;
  }
  t.short_count = short_ips;
  t.over_count = over;
  return t;
}

bool PoolTooLow(const PolicyInput& in) {
  if (in.stats.total >= in.max_pods) {
    return false;
  }
  const int avail = AvailableForPolicy(in);
  if (TargetsDefined(in)) {
    return ComputeTargetState(in).short_count > 0;
  }
  const bool pd = ConfiguredPd(in);
  const int wt = pd ? in.config.warm_prefix_target : in.config.warm_eni_target;
  const int per = pd ? kIpsPerPrefix : in.limits.max_ips_per_eni;
  return avail < per * wt || (wt == 0 && avail == 0);
}

bool PoolTooHigh(const PolicyInput& in) {
  if (TargetsDefined(in)) {
    return ComputeTargetState(in).over_count > 0;
  }
  if (GrowPrefixes(in)) {
    return FreePrefixes(in) > in.config.warm_prefix_target;
  }
  return false;
}

bool ShouldRemoveExtraEnis(const PolicyInput& in) {
  if (TargetsDefined(in)) {
    return true;
  }
  const bool pd = ConfiguredPd(in);
  const int wt = pd ? in.config.warm_prefix_target : in.config.warm_eni_target;
  // Upstream frees when avail >= (T + 1) x per-ENI. With T == 0 that frees a brand-new empty
  // ENI whose removal makes the pool low again (attach/free churn every minute); we require one
  // more available address so the pool stays non-empty after the removal.
  const int churn_guard = wt == 0 ? 1 : 0;
  if (AvailableForPolicy(in) >= (wt + 1) * in.limits.max_ips_per_eni + churn_guard) {
    return true;
  }
  if (pd) {
    // Upstream CheckFreeableENIexists: any non-primary, non-trunk, non-EFA ENI without pods.
    for (const auto& e : in.stats.enis) {
      if (e.spec.is_primary || e.spec.is_trunk || e.spec.is_efa) {
        continue;
      }
      bool used = false;
      for (const auto& c : e.cidrs) {
        used = used || c.assigned > 0;
      }
      if (!used) {
        return true;
      }
    }
  }
  return false;
}

bool HasRoomForEni(const PolicyInput& in) {
  const int trunk_reserve = (in.config.enable_pod_eni && in.network_card == 0 &&
                             in.limits.trunking_compatible && !in.stats.has_trunk)
                                ? 1
                                : 0;
  return in.stats.eni_count + in.unmanaged_enis + trunk_reserve < in.limits.max_enis;
}

namespace {

// Upstream tryAssignCidrs / tryAllocateENI for one pass.
void PlanIncrease(const PolicyInput& in, const TargetState& target, Plan& plan) {
  const bool targets = TargetsDefined(in);
  const bool prefixes = GrowPrefixes(in);
  const int avail = AvailableForPolicy(in);
  int to_allocate = 0;
  if (prefixes) {
    to_allocate = targets ? std::max(1, target.short_count)
                          : std::max(1, in.config.warm_prefix_target - FreePrefixes(in));
  } else if (targets) {
    to_allocate = target.short_count;
  } else if (ConfiguredPd(in)) {
    // /32 fallback of a prefix configuration: the prefix-sized warm amount, in /32s.
    to_allocate = std::max(1, kIpsPerPrefix * in.config.warm_prefix_target - avail);
  } else {
    to_allocate = in.limits.max_ips_per_eni;
  }
  if (to_allocate <= 0) {
    return;
  }
  PlanAction attach;
  attach.kind = ActionKind::kAttachEni;
  attach.prefixes = prefixes;
  attach.count = prefixes ? std::min(to_allocate, in.limits.max_prefixes_per_eni)
                          : std::min(to_allocate, in.limits.slots_per_eni);
  const bool room = HasRoomForEni(in);
  for (const auto& e : in.stats.enis) {
    if (!Allocatable(in, e)) {
      continue;
    }
    PlanAction a;
    a.kind = prefixes ? ActionKind::kAssignPrefixes : ActionKind::kAssignIps;
    a.eni_id = e.spec.id;
    a.count = std::min(in.limits.slots_per_eni - e.cidr_count, to_allocate);
    plan.actions.push_back(a);
    if (room) {
      plan.fallback_attach = attach;
    }
    return;
  }
  if (room) {
    plan.actions.push_back(attach);
    return;
  }
  plan.note = fmt::format("pool low but no room for another ENI ({} of {} in use)",
                          in.stats.eni_count + in.unmanaged_enis, in.limits.max_enis);
}

// Upstream decreaseDatastorePool: release `over` free CIDRs, from the highest device number
// and the highest address down, grouped per ENI.
void PlanDecrease(const PolicyInput& in, int over, Plan& plan) {
  const bool prefixes = GrowPrefixes(in);
  std::map<std::string, PlanAction> by_eni;
  std::vector<std::string> order;
  for (auto it = in.stats.enis.rbegin(); it != in.stats.enis.rend() && over > 0; ++it) {
    for (auto c = it->cidrs.rbegin(); c != it->cidrs.rend() && over > 0; ++c) {
      if (c->is_prefix != prefixes || !Releasable(in, *c)) {
        continue;
      }
      auto [pos, inserted] = by_eni.try_emplace(it->spec.id);
      if (inserted) {
        pos->second.kind = prefixes ? ActionKind::kReleasePrefixes : ActionKind::kReleaseIps;
        pos->second.eni_id = it->spec.id;
        order.push_back(it->spec.id);
      }
      pos->second.cidrs.push_back(c->cidr);
      pos->second.count = static_cast<int>(pos->second.cidrs.size());
      --over;
    }
  }
  for (const auto& id : order) {
    plan.actions.push_back(by_eni[id]);
  }
}

}  // namespace

Plan ComputePlan(const PolicyInput& in) {
  Plan plan;
  plan.target = ComputeTargetState(in);
  const bool blocked_unschedulable =
      in.node_unschedulable && !in.config.manage_enis_non_schedulable;
  if (in.terminating || blocked_unschedulable) {
    plan.note = in.terminating ? "terminating" : "node unschedulable";
    return plan;
  }

  if (in.config.ipv6) {
    // IPv6: one /80 on the primary ENI serves every pod; no warm pool.
    for (const auto& e : in.stats.enis) {
      if (e.spec.is_primary && e.ipv6_prefixes == 0) {
        PlanAction a;
        a.kind = ActionKind::kAssignIpv6Prefix;
        a.eni_id = e.spec.id;
        a.count = 1;
        plan.actions.push_back(a);
      }
    }
    return plan;
  }

  plan.too_low = PoolTooLow(in);
  plan.too_high = !plan.too_low && PoolTooHigh(in);
  if (plan.too_low) {
    if (in.timers.last_insufficient_cidr &&
        in.now - *in.timers.last_insufficient_cidr < in.config.insufficient_cidr_backoff) {
      plan.note = "backing off after an insufficient-CIDR error";
    } else {
      PlanIncrease(in, plan.target, plan);
    }
  } else if (plan.too_high) {
    if (in.timers.last_decrease &&
        in.now - *in.timers.last_decrease < in.config.decrease_interval) {
      plan.note = "decrease rate-limited";
    } else {
      int over = TargetsDefined(in)
                     ? plan.target.over_count
                     : std::max(FreePrefixes(in) - in.config.warm_prefix_target, 0);
      PlanDecrease(in, over, plan);
    }
  }

  const bool releasing = std::any_of(plan.actions.begin(), plan.actions.end(), [](const auto& a) {
    return a.kind == ActionKind::kReleaseIps || a.kind == ActionKind::kReleasePrefixes;
  });
  // The ENI to free is chosen on the stats after this pass's releases, i.e. in the next pass.
  if (!releasing && ShouldRemoveExtraEnis(in)) {
    if (auto id = SelectDeletableEni(in.stats, DeletableParams(in), in.now)) {
      const bool target_of_assign =
          !plan.actions.empty() && plan.actions.front().eni_id == *id;
      if (!target_of_assign) {
        PlanAction a;
        a.kind = ActionKind::kFreeEni;
        a.eni_id = *id;
        plan.actions.push_back(a);
      }
    }
  }
  return plan;
}

}  // namespace vpccni::ipam
