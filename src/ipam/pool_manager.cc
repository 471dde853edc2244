#include "ipam/pool_manager.h"

#include <algorithm>
#include <ctime>
#include <set>

#include <fmt/format.h>

#include "base/log.h"

namespace vpccni::ipam {

namespace {

constexpr const char* kLog = "ipam";
constexpr int kMaxDeviceIndex = 100;

bool IsInsufficientCidr(const Error& e) {
  return e.reason == "InsufficientCidrBlocks" || e.reason == "InsufficientFreeAddressesInSubnet";
}

std::string Rfc3339(WallTime t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

}  // namespace

bool PassReport::ok() const {
  return std::all_of(outcomes.begin(), outcomes.end(),
                     [](const ActionOutcome& o) { return !o.error.has_value(); });
}

bool PassReport::changed() const {
  return std::any_of(outcomes.begin(), outcomes.end(),
                     [](const ActionOutcome& o) { return o.changed > 0; });
}

PoolManager::PoolManager(cloud::Ec2Api& ec2, Clock& clock, Datastore datastore, Options options)
    : ec2_(ec2), clock_(clock), options_(std::move(options)), datastore_(std::move(datastore)) {
  datastore_.SetPrefixDelegation(options_.config.prefix_delegation);
  datastore_.SetCooldown(options_.config.ip_cooldown);
}

PolicyInput PoolManager::Input() const {
  PolicyInput in;
  in.now = clock_.Now();
  in.stats = datastore_.Stats(in.now);
  in.config = options_.config;
  in.limits = options_.limits;
  in.max_pods = options_.max_pods;
  in.timers = timers_;
  in.network_card = options_.network_card;
  in.unmanaged_enis = unmanaged_enis_;
  in.node_unschedulable = unschedulable_;
  in.terminating = terminating_;
  in.prefix_fallback = !fallback_reason_.empty();
  return in;
}

Plan PoolManager::PlanNow() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ComputePlan(Input());
}

PoolStats PoolManager::Stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return datastore_.Stats(clock_.Now());
}

PoolTimers PoolManager::timers() const {
  std::lock_guard<std::mutex> lock(mu_);
  return timers_;
}

std::string PoolManager::prefix_fallback_reason() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fallback_reason_;
}

void PoolManager::ResetPrefixFallback() {
  std::lock_guard<std::mutex> lock(mu_);
  fallback_reason_.clear();
  fallback_since_.reset();
}

void PoolManager::SetMaxPods(int max_pods) {
  std::lock_guard<std::mutex> lock(mu_);
  options_.max_pods = max_pods;
}

void PoolManager::SetNodeUnschedulable(bool unschedulable) {
  std::lock_guard<std::mutex> lock(mu_);
  unschedulable_ = unschedulable;
}

void PoolManager::SetTerminating(bool terminating) {
  std::lock_guard<std::mutex> lock(mu_);
  terminating_ = terminating;
}

void PoolManager::SetUnmanagedEnis(int count) {
  std::lock_guard<std::mutex> lock(mu_);
  unmanaged_enis_ = count;
}

PassReport PoolManager::RunOnce() {
  PassReport report;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (fallback_since_ && clock_.Now() - *fallback_since_ >= options_.prefix_retry_interval) {
      LOG_INFO(kLog, "retrying prefix delegation after the /32 fallback");
      fallback_reason_.clear();
      fallback_since_.reset();
    }
    report.plan = ComputePlan(Input());
  }
  const Plan& plan = report.plan;
  for (size_t i = 0; i < plan.actions.size(); ++i) {
    ActionOutcome out = Execute(plan.actions[i]);
    const bool was_assign = plan.actions[i].kind == ActionKind::kAssignIps ||
                            plan.actions[i].kind == ActionKind::kAssignPrefixes;
    report.outcomes.push_back(out);
    // Upstream attaches a new ENI when the assign added nothing, except after an
    // insufficient-address error (the subnet is the problem, not the ENI).
    const bool subnet_short = out.error && IsInsufficientCidr(*out.error);
    if (i == 0 && was_assign && out.changed == 0 && plan.fallback_attach && !subnet_short) {
      report.outcomes.push_back(Execute(*plan.fallback_attach));
    }
  }
  return report;
}

Result<int> PoolManager::RunUntilStable(int max_passes, bool stop_on_error) {
  int active = 0;
  for (int i = 0; i < max_passes; ++i) {
    PassReport r = RunOnce();
    if (r.plan.Empty()) {
      return active;
    }
    ++active;
    if (stop_on_error) {
      for (const auto& o : r.outcomes) {
        if (o.error) {
          return *o.error;
        }
      }
    }
  }
  return MakeError(ErrorCode::kAborted, "warm pool did not reach a fixed point in {} passes",
                   max_passes);
}

ActionOutcome PoolManager::Execute(const PlanAction& action) {
  ActionOutcome out;
  switch (action.kind) {
    case ActionKind::kAssignIps:
    case ActionKind::kAssignPrefixes:
      out = AssignOnEni(action);
      break;
    case ActionKind::kAttachEni:
      out = AttachEni(action);
      break;
    case ActionKind::kReleaseIps:
    case ActionKind::kReleasePrefixes:
      out = Release(action);
      break;
    case ActionKind::kFreeEni:
      out = FreeEni(action);
      break;
    case ActionKind::kAssignIpv6Prefix:
      out = AssignIpv6Prefix(action);
      break;
  }
  if (out.error) {
    LOG_WARN(kLog, "{} failed: {}", action.ToString(), out.error->ToString());
  } else {
    LOG_INFO(kLog, "{}: {} changed", action.ToString(), out.changed);
  }
  return out;
}

void PoolManager::NoteEc2Error(const Error& e, bool prefixes) {
  std::lock_guard<std::mutex> lock(mu_);
  if (prefixes && e.reason == "InsufficientCidrBlocks" && fallback_reason_.empty()) {
    // The subnet has free addresses but no free aligned /28: grow with /32s meanwhile.
    fallback_reason_ = "InsufficientCidrBlocks: no free /28 block in the subnet; using /32 "
                       "secondary addresses";
    fallback_since_ = clock_.Now();
    datastore_.SetMixed(true);
    LOG_WARN(kLog, "prefix delegation falls back to /32 addresses: {}", e.ToString());
    return;
  }
  if (IsInsufficientCidr(e)) {
    timers_.last_insufficient_cidr = clock_.Now();
  }
}

int PoolManager::AddCidrs(const std::string& eni_id, const std::vector<net::Ipv4Address>& ips,
                          const std::vector<net::Ipv4Cidr>& prefixes) {
  std::lock_guard<std::mutex> lock(mu_);
  const EniSpec* spec = datastore_.Eni(eni_id);
  int added = 0;
  for (const auto& ip : ips) {
    if (spec != nullptr && spec->primary_ip == ip) {
      continue;
    }
    if (datastore_.AddIpv4Cidr(eni_id, net::Ipv4Cidr(ip, 32), false)) {
      ++added;
    }
  }
  for (const auto& p : prefixes) {
    if (datastore_.AddIpv4Cidr(eni_id, p.Masked(), true)) {
      ++added;
    }
  }
  return added;
}

Result<int> PoolManager::ResyncEni(const std::string& eni_id) {
  cloud::DescribeNetworkInterfacesRequest req;
  req.network_interface_ids = {eni_id};
  ASSIGN_OR_RETURN(auto page, ec2_.DescribeNetworkInterfaces(req));
  if (page.network_interfaces.empty()) {
    return MakeError(ErrorCode::kNotFound, "{} not found in EC2", eni_id);
  }
  const auto& ni = page.network_interfaces.front();
  std::vector<net::Ipv4Address> ips;
  for (const auto& p : ni.private_ips) {
    if (!p.primary) {
      ips.push_back(p.address);
    }
  }
  return AddCidrs(eni_id, ips, ni.ipv4_prefixes);
}

ActionOutcome PoolManager::AssignOnEni(const PlanAction& action) {
  ActionOutcome out;
  out.action = action;
  const bool prefixes = action.kind == ActionKind::kAssignPrefixes;
  auto request = [&](int count) {
    cloud::AssignPrivateIpAddressesRequest req;
    req.network_interface_id = action.eni_id;
    if (prefixes) {
      req.ipv4_prefix_count = count;
    } else {
      req.secondary_private_ip_count = count;
    }
    return ec2_.AssignPrivateIpAddresses(req);
  };
  if (action.count < 1) {
    return out;
  }
  auto r = request(action.count);
  if (!r && r.error().reason != "PrivateIpAddressLimitExceeded" && action.count > 1) {
    NoteEc2Error(r.error(), prefixes);
    if (prefixes && !prefix_fallback_reason().empty()) {
      out.error = r.error();
      return out;
    }
    r = request(1);
  }
  if (!r) {
    if (r.error().reason == "PrivateIpAddressLimitExceeded") {
      // The ENI holds more than the datastore knows: trust EC2.
      auto synced = ResyncEni(action.eni_id);
      out.changed = synced.value_or(0);
      if (!synced) {
        out.error = synced.error();
      }
      return out;
    }
    NoteEc2Error(r.error(), prefixes);
    out.error = r.error();
    return out;
  }
  out.changed = AddCidrs(action.eni_id, r->assigned_ips, r->assigned_prefixes);
  return out;
}

Result<int> PoolManager::LowestFreeDeviceIndex() {
  cloud::DescribeInstancesRequest req;
  req.instance_ids = {options_.node.instance_id};
  ASSIGN_OR_RETURN(auto instances, cloud::DescribeAllInstances(ec2_, req));
  std::set<int> used;
  for (const auto& inst : instances) {
    for (const auto& ni : inst.network_interfaces) {
      if (ni.attachment && ni.attachment->network_card_index == options_.network_card) {
        used.insert(ni.attachment->device_index);
      }
    }
  }
  {
    // ENIs the datastore knows (a describe may lag an attach).
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& e : datastore_.Enis()) {
      used.insert(e.device_number);
    }
  }
  for (int i = 0; i < kMaxDeviceIndex; ++i) {
    if (used.count(i) == 0) {
      return i;
    }
  }
  return MakeError(ErrorCode::kResourceExhausted, "no free device index on network card {}",
                   options_.network_card);
}

ActionOutcome PoolManager::AttachEni(const PlanAction& action) {
  ActionOutcome out;
  out.action = action;
  EniPlacement placement{options_.node.subnet_id, options_.node.security_group_ids};
  if (options_.placement) {
    auto p = options_.placement();
    if (!p) {
      out.error = p.error();
      return out;
    }
    placement = *p;
  }
  cloud::CreateNetworkInterfaceRequest create;
  create.subnet_id = placement.subnet_id;
  create.security_group_ids = placement.security_group_ids;
  std::sort(create.security_group_ids.begin(), create.security_group_ids.end());
  create.description = "aws-K8S-" + options_.node.instance_id;
  for (const auto& [k, v] : options_.node.additional_tags) {
    if (k.find("k8s.amazonaws.com") == std::string::npos) {
      create.tags[k] = v;
    }
  }
  create.tags["node.k8s.amazonaws.com/instance_id"] = options_.node.instance_id;
  create.tags["node.k8s.amazonaws.com/createdAt"] = Rfc3339(clock_.Now());
  if (!options_.node.cluster_name.empty()) {
    create.tags["cluster.k8s.amazonaws.com/name"] = options_.node.cluster_name;
    create.tags["eks:eni:owner"] = "amazon-vpc-cni";
  }
  const int count = std::min(action.count, options_.limits.slots_per_eni);
  if (count > 0) {
    if (action.prefixes) {
      create.ipv4_prefix_count = count;
    } else {
      create.secondary_private_ip_count = count;
    }
  }
  auto eni = ec2_.CreateNetworkInterface(create);
  if (!eni) {
    NoteEc2Error(eni.error(), action.prefixes);
    out.error = eni.error();
    return out;
  }
  auto fail = [&](Error e, bool delete_eni) {
    if (delete_eni) {
      auto d = ec2_.DeleteNetworkInterface(eni->id);
      if (!d && d.error().code != ErrorCode::kNotFound) {
        LOG_WARN(kLog, "cleanup of {} failed: {}", eni->id, d.error().ToString());
      }
    }
    out.error = std::move(e);
    return out;
  };
  auto device = LowestFreeDeviceIndex();
  if (!device) {
    return fail(device.error(), true);
  }
  cloud::AttachNetworkInterfaceRequest attach;
  attach.network_interface_id = eni->id;
  attach.instance_id = options_.node.instance_id;
  attach.device_index = *device;
  attach.network_card_index = options_.network_card;
  auto attached = ec2_.AttachNetworkInterface(attach);
  if (!attached) {
    return fail(attached.error(), true);
  }
  cloud::ModifyNetworkInterfaceAttributeRequest modify;
  modify.network_interface_id = eni->id;
  modify.attachment = cloud::ModifyNetworkInterfaceAttributeRequest::AttachmentChange{
      attached->attachment_id, true};
  auto modified = ec2_.ModifyNetworkInterfaceAttribute(modify);
  if (!modified) {
    Error e = modified.error();
    auto freed = DetachAndDelete(eni->id);
    if (!freed) {
      LOG_WARN(kLog, "cleanup of {} failed: {}", eni->id, freed.error().ToString());
    }
    out.error = std::move(e);
    return out;
  }
  out.new_eni_id = eni->id;
  EniSpec spec;
  spec.id = eni->id;
  spec.device_number = *device;
  spec.network_card = options_.network_card;
  spec.subnet_id = eni->subnet_id;
  spec.primary_ip = eni->primary_ip;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto added = datastore_.AddEni(spec, clock_.Now());
    if (!added) {
      out.error = added.error();
      return out;
    }
  }
  std::vector<net::Ipv4Address> ips;
  for (const auto& p : eni->private_ips) {
    if (!p.primary) {
      ips.push_back(p.address);
    }
  }
  int cidrs = AddCidrs(eni->id, ips, eni->ipv4_prefixes);
  if (cidrs == 0 && count > 0) {
    // The create reply did not list the addresses: read them back.
    cidrs = ResyncEni(eni->id).value_or(0);
  }
  out.changed = 1 + cidrs;
  return out;
}

ActionOutcome PoolManager::Release(const PlanAction& action) {
  ActionOutcome out;
  out.action = action;
  const bool prefixes = action.kind == ActionKind::kReleasePrefixes;
  std::vector<net::Ipv4Cidr> removed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& c : action.cidrs) {
      // Non-forced: a CIDR a pod took since the plan was made stays.
      if (datastore_.RemoveIpv4Cidr(action.eni_id, c, false)) {
        removed.push_back(c);
      }
    }
    timers_.last_decrease = clock_.Now();
  }
  if (removed.empty()) {
    return out;
  }
  cloud::UnassignPrivateIpAddressesRequest req;
  req.network_interface_id = action.eni_id;
  for (const auto& c : removed) {
    if (prefixes) {
      req.prefixes.push_back(c);
    } else {
      req.ips.push_back(c.Address());
    }
  }
  auto r = ec2_.UnassignPrivateIpAddresses(req);
  if (!r) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& c : removed) {
      (void)datastore_.AddIpv4Cidr(action.eni_id, c, prefixes);
    }
    out.error = r.error();
    return out;
  }
  out.changed = static_cast<int>(removed.size());
  return out;
}

Result<void> PoolManager::DetachAndDelete(const std::string& eni_id) {
  cloud::DescribeNetworkInterfacesRequest req;
  req.network_interface_ids = {eni_id};
  auto page = ec2_.DescribeNetworkInterfaces(req);
  if (!page) {
    if (page.error().code == ErrorCode::kNotFound) {
      return Ok();
    }
    return page.error();
  }
  if (page->network_interfaces.empty()) {
    return Ok();
  }
  const auto& ni = page->network_interfaces.front();
  if (ni.attachment && ni.attachment->status != "detached") {
    cloud::DetachNetworkInterfaceRequest detach;
    detach.attachment_id = ni.attachment->attachment_id;
    auto d = ec2_.DetachNetworkInterface(detach);
    if (!d && d.error().code != ErrorCode::kNotFound) {
      return WithContext(Result<void>(d.error()), "detach {}", eni_id);
    }
    // Wait for `available`.
    Duration delay = options_.detach_poll_initial;
    bool available = false;
    for (int i = 0; i < options_.detach_poll_attempts && !available; ++i) {
      auto again = ec2_.DescribeNetworkInterfaces(req);
      if (!again) {
        if (again.error().code == ErrorCode::kNotFound) {
          return Ok();
        }
      } else if (again->network_interfaces.empty() ||
                 again->network_interfaces.front().status == "available") {
        available = true;
        break;
      }
      clock_.SleepFor(delay);
      delay *= 2;
    }
    if (!available) {
      return MakeError(ErrorCode::kDeadlineExceeded, "{} did not become available after detach",
                       eni_id);
    }
  }
  auto del = ec2_.DeleteNetworkInterface(eni_id);
  if (!del && del.error().code != ErrorCode::kNotFound) {
    return WithContext(Result<void>(del.error()), "delete {}", eni_id);
  }
  return Ok();
}

ActionOutcome PoolManager::FreeEni(const PlanAction& action) {
  ActionOutcome out;
  out.action = action;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto r = datastore_.RemoveEni(action.eni_id, false);
    if (!r) {
      out.error = r.error();
      return out;
    }
  }
  auto freed = DetachAndDelete(action.eni_id);
  if (!freed) {
    // The ENI is out of the datastore either way; a leaked `available` ENI is what the
    // leaked-ENI cleanup collects.
    out.error = freed.error();
  }
  out.changed = 1;
  return out;
}

ActionOutcome PoolManager::AssignIpv6Prefix(const PlanAction& action) {
  ActionOutcome out;
  out.action = action;
  cloud::AssignIpv6AddressesRequest req;
  req.network_interface_id = action.eni_id;
  req.prefix_count = 1;
  auto r = ec2_.AssignIpv6Addresses(req);
  if (!r) {
    NoteEc2Error(r.error(), false);
    out.error = r.error();
    return out;
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& p : r->assigned_prefixes) {
    if (datastore_.AddIpv6Prefix(action.eni_id, p)) {
      ++out.changed;
    }
  }
  return out;
}

}  // namespace vpccni::ipam
