// File: model.cc
//
// VpcModel core: construction, IDs, errors, filters, pagination, throttling, fault injection,
// time advance, IMDS history bookkeeping and read accessors.
#include "vpcsim/model.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "base/strings.h"
#include "vpcsim/model_internal.h"

namespace vpccni::vpcsim {

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

ErrorCode ErrorCodeForReason(std::string_view reason) {
  if (reason == "RequestLimitExceeded" || reason == "Unavailable" ||
      reason == "ServiceUnavailable" || reason == "EC2ThrottledException") {
    return ErrorCode::kUnavailable;
  }
  if (reason == "InternalError" || reason == "InternalFailure") {
    return ErrorCode::kInternal;
  }
  if (reason.ends_with(".NotFound") || reason == "InvalidInstanceType") {
    return ErrorCode::kNotFound;
  }
  if (reason == "InsufficientFreeAddressesInSubnet" || reason == "InsufficientCidrBlocks" ||
      reason == "AttachmentLimitExceeded" || reason == "PrivateIpAddressLimitExceeded" ||
      reason == "InvalidInterface.IpAddressLimitExceeded" || reason == "CidrLimitExceeded" ||
      reason == "NetworkInterfaceLimitExceeded" || reason == "TagLimitExceeded" ||
      reason == "InsufficientInstanceCapacity") {
    return ErrorCode::kResourceExhausted;
  }
  if (reason == "InvalidNetworkInterface.InUse" || reason == "InvalidIPAddress.InUse" ||
      reason == "DependencyViolation" || reason == "OperationNotPermitted" ||
      reason == "IncorrectInstanceState" || reason == "IncorrectState" ||
      reason == "CannotDelete" || reason == "Resource.AlreadyAssigned") {
    return ErrorCode::kFailedPrecondition;
  }
  if (reason.ends_with(".Duplicate") || reason == "InvalidSubnet.Conflict" ||
      reason == "InvalidVpc.CidrConflict") {
    return ErrorCode::kAlreadyExists;
  }
  if (reason == "UnauthorizedOperation" || reason == "AuthFailure") {
    return ErrorCode::kPermissionDenied;
  }
  return ErrorCode::kInvalidArgument;
}

int HttpStatusForReason(std::string_view reason) {
  if (reason == "RequestLimitExceeded" || reason == "Unavailable" ||
      reason == "ServiceUnavailable" || reason == "EC2ThrottledException") {
    return 503;
  }
  if (reason == "InternalError" || reason == "InternalFailure") {
    return 500;
  }
  return 400;
}

Error Ec2Error(std::string_view reason, std::string message) {
  Error e = MakeErrorValue(ErrorCodeForReason(reason), std::move(message));
  e.reason = std::string(reason);
  return e;
}

Error MissingParameter(std::string_view name) {
  return Ec2Error("MissingParameter",
                  fmt::format("The request must contain the parameter {}", name));
}

Error InvalidParameterValue(std::string message) {
  return Ec2Error("InvalidParameterValue", std::move(message));
}

Error InvalidParameterCombination(std::string message) {
  return Ec2Error("InvalidParameterCombination", std::move(message));
}

// ---------------------------------------------------------------------------------------------
// IDs
// ---------------------------------------------------------------------------------------------

uint64_t Mix64(uint64_t seed, uint64_t counter) {
  uint64_t z = seed * 0x9E3779B97F4A7C15ULL + (counter + 1) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::string NewId(VpcModel::State& s, uint64_t seed, std::string_view prefix) {
  uint64_t a = Mix64(seed, s.id_counter++);
  uint64_t b = Mix64(seed ^ 0x5bd1e995ULL, s.id_counter);
  return fmt::format("{}-{:016x}{:01x}", prefix, a, b & 0xf);
}

Result<void> CheckIdShape(std::string_view id, std::string_view prefix,
                          std::string_view malformed_reason) {
  auto malformed = [&] {
    return Ec2Error(malformed_reason,
                    fmt::format("Invalid id: \"{}\" (expecting \"{}-...\")", id, prefix));
  };
  if (id.size() <= prefix.size() + 1 || id.substr(0, prefix.size()) != prefix ||
      id[prefix.size()] != '-') {
    return malformed();
  }
  std::string_view hex = id.substr(prefix.size() + 1);
  if (hex.size() != 8 && hex.size() != 17) {
    return malformed();
  }
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return malformed();
    }
  }
  return Ok();
}

// ---------------------------------------------------------------------------------------------
// Filters and pagination
// ---------------------------------------------------------------------------------------------

bool FilterValueMatches(std::string_view pattern, std::string_view value) {
  // Iterative glob with backtracking over the last '*'.
  size_t p = 0;
  size_t v = 0;
  size_t star_p = std::string_view::npos;
  size_t star_v = 0;
  while (v < value.size()) {
    if (p < pattern.size()) {
      char c = pattern[p];
      if (c == '\\' && p + 1 < pattern.size()) {
        if (pattern[p + 1] == value[v]) {
          p += 2;
          ++v;
          continue;
        }
      } else if (c == '*') {
        star_p = p++;
        star_v = v;
        continue;
      } else if (c == '?' || c == value[v]) {
        ++p;
        ++v;
        continue;
      }
    }
    if (star_p == std::string_view::npos) {
      return false;
    }
    p = star_p + 1;
    v = ++star_v;
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

bool AnyValueMatches(const std::vector<std::string>& patterns,
                     const std::vector<std::string>& values) {
  for (const auto& pat : patterns) {
    for (const auto& v : values) {
      if (FilterValueMatches(pat, v)) {
        return true;
      }
    }
  }
  return false;
}

bool MatchTagFilter(const TagMap& tags, const Filter& f) {
  if (f.name.rfind("tag:", 0) == 0) {
    auto it = tags.find(f.name.substr(4));
    return it != tags.end() && AnyValueMatches(f.values, {it->second});
  }
  std::vector<std::string> vals;
  for (const auto& [k, v] : tags) {
    vals.push_back(f.name == "tag-key" ? k : v);
  }
  return AnyValueMatches(f.values, vals);
}

std::string BoolStr(bool b) {
  return b ? "true" : "false";
}

Result<void> CheckMaxResults(const std::optional<int>& max_results, int min, int max) {
  if (max_results.has_value() && (*max_results < min || *max_results > max)) {
    return InvalidParameterValue(fmt::format(
        "Value ( {} ) for parameter maxResults is invalid. Expecting a value between {} and {}.",
        *max_results, min, max));
  }
  return Ok();
}

std::string MakeNextToken(std::string_view action, std::string_view last_key) {
  std::string plain = fmt::format("vpcsim1|{}|{}", action, last_key);
  return strings::HexEncode(plain);
}

Result<std::string> ParseNextToken(std::string_view action, std::string_view token) {
  auto bad = [&] {
    return InvalidParameterValue(fmt::format("The token '{}' is invalid.", token));
  };
  if (token.size() % 2 != 0) {
    return bad();
  }
  std::string plain;
  plain.reserve(token.size() / 2);
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < token.size(); i += 2) {
    int hi = nib(token[i]);
    int lo = nib(token[i + 1]);
    if (hi < 0 || lo < 0) {
      return bad();
    }
    plain.push_back(static_cast<char>(hi * 16 + lo));
  }
  std::string prefix = fmt::format("vpcsim1|{}|", action);
  if (plain.rfind(prefix, 0) != 0 || plain.size() == prefix.size()) {
    return bad();
  }
  return plain.substr(prefix.size());
}

// ---------------------------------------------------------------------------------------------
// Zones, reserved addresses, counts
// ---------------------------------------------------------------------------------------------

std::string RegionZoneIdPrefix(std::string_view region) {
  std::vector<std::string> parts = strings::Split(region, '-');
  if (parts.size() < 3) {
    return std::string(region);
  }
  std::string out = parts[0];
  for (size_t i = 1; i + 1 < parts.size(); ++i) {
    const std::string& p = parts[i];
    static const std::pair<const char*, const char*> kCompass[] = {
        {"northeast", "ne"}, {"southeast", "se"}, {"northwest", "nw"}, {"southwest", "sw"}};
    bool done = false;
    for (const auto& [word, abbr] : kCompass) {
      if (p == word) {
        out += abbr;
        done = true;
      }
    }
    if (!done && !p.empty()) {
      out += p[0];
    }
  }
  out += parts.back();
  return out;
}

std::optional<AvailabilityZone> FindZone(const std::vector<AvailabilityZone>& zones,
                                         std::string_view name_or_id) {
  for (const auto& z : zones) {
    if (z.zone_name == name_or_id || z.zone_id == name_or_id) {
      return z;
    }
  }
  return std::nullopt;
}

bool IsAwsReserved(const net::Ipv4Cidr& cidr, net::Ipv4Address a) {
  uint32_t off = a.ToUint() - cidr.Network().ToUint();
  return off <= 3 || a == cidr.Broadcast();
}

bool IsAwsReserved6(const net::Ipv6Cidr& cidr, const net::Ipv6Address& a) {
  net::Uint128 off = a.ToU128() - cidr.Network().ToU128();
  net::Uint128 last = ~cidr.Mask();
  return off <= 3 || off == last;
}

int64_t UnavailableCount(const SubnetState& s) {
  const net::Ipv4Cidr& c = s.subnet.cidr_block;
  int64_t n = static_cast<int64_t>(s.used.Size()) + 5;
  for (const auto& [id, r] : s.reservations) {
    if (!r.ipv4_cidr) {
      continue;
    }
    const net::Ipv4Cidr& rc = *r.ipv4_cidr;
    int64_t extra = static_cast<int64_t>(rc.Size()) - static_cast<int64_t>(s.used.CountIn(rc));
    for (uint32_t off : {0u, 1u, 2u, 3u}) {
      if (rc.Contains(c.Network().Plus(off))) {
        --extra;
      }
    }
    if (rc.Contains(c.Broadcast())) {
      --extra;
    }
    n += extra;
  }
  return n;
}

int SlotCount(const NetworkInterface& eni) {
  return static_cast<int>(eni.private_ip_addresses.size() + eni.ipv4_prefixes.size());
}

int Ipv6Count(const NetworkInterface& eni) {
  return static_cast<int>(eni.ipv6_addresses.size() + eni.ipv6_prefixes.size());
}

std::string EniStatus(const NetworkInterface& eni) {
  if (eni.attachment.has_value()) {
    if (eni.attachment->status == "attaching") {
      return "attaching";
    }
    if (eni.attachment->status == "detaching") {
      return "detaching";
    }
    return "in-use";
  }
  if (!eni.trunk_association_id.empty()) {
    return "in-use";
  }
  return "available";
}

const cloud::InstanceLimits* FindType(const VpcModel::State& s, std::string_view name) {
  return s.types->Find(name);
}

std::vector<cloud::NetworkCardLimit> CardsOf(const cloud::InstanceLimits& t) {
  if (!t.network_cards.empty()) {
    return t.network_cards;
  }
  return {cloud::NetworkCardLimit{t.default_network_card_index, t.eni_limit}};
}

void RebuildIndexes(VpcModel::State& s) {
  s.attachment_to_eni.clear();
  s.reservation_to_subnet.clear();
  s.macs.clear();
  s.pending_enis.clear();
  s.pending_instances.clear();
  for (auto& [sid, ss] : s.subnets) {
    ss.used = net::Ipv4RangeSet();
    ss.used6.clear();
    ss.prefixes6.clear();
    ss.eni_ids.clear();
    for (const auto& [rid, r] : ss.reservations) {
      s.reservation_to_subnet[rid] = sid;
    }
  }
  for (const auto& [id, eni] : s.enis) {
    s.macs.insert(eni.mac_address);
    if (eni.attachment) {
      s.attachment_to_eni[eni.attachment->attachment_id] = id;
      if (eni.attachment->status == "attaching" || eni.attachment->status == "detaching") {
        s.pending_enis.insert(id);
      }
    }
    auto it = s.subnets.find(eni.subnet_id);
    if (it == s.subnets.end()) {
      continue;
    }
    SubnetState& ss = it->second;
    ss.eni_ids.insert(id);
    for (const auto& ip : eni.private_ip_addresses) {
      ss.used.Add(ip.address);
    }
    for (const auto& p : eni.ipv4_prefixes) {
      ss.used.Add(p);
    }
    for (const auto& a : eni.ipv6_addresses) {
      ss.used6.insert(a);
    }
    for (const auto& p : eni.ipv6_prefixes) {
      ss.prefixes6.insert(p);
    }
  }
  for (const auto& [id, inst] : s.instances) {
    if (inst.state.name == "pending") {
      s.pending_instances.insert(id);
    }
  }
  s.max_ipv4_per_eni = 0;
  s.max_ipv6_per_eni = 0;
  for (const auto& t : s.types->All()) {
    s.max_ipv4_per_eni = std::max(s.max_ipv4_per_eni, t.ipv4_per_eni);
    s.max_ipv6_per_eni = std::max(s.max_ipv6_per_eni, t.ipv6_per_eni);
  }
}

// ---------------------------------------------------------------------------------------------
// Construction
// ---------------------------------------------------------------------------------------------

namespace {

constexpr Duration kImdsResolution = std::chrono::milliseconds(10);
constexpr size_t kMaxImdsHistory = 1024;

void DefaultBuckets(VpcModel::State& s) {
  // Sources: EC2 developer guide, "Request throttling for the Amazon EC2 API", request token
  // bucket table (non-mutating actions: 100 tokens, refill 20/s, as in its DescribeHosts
  // example; mutating, unfiltered-and-unpaginated non-mutating and resource-intensive actions:
  // 50 tokens, refill 5/s). See docs/vpcsim.md.
  s.category_buckets[ThrottleCategory::kMutating] = BucketSpec{50, 5};
  s.category_buckets[ThrottleCategory::kNonMutating] = BucketSpec{100, 20};
  s.category_buckets[ThrottleCategory::kUnfilteredNonMutating] = BucketSpec{50, 5};
  s.category_buckets[ThrottleCategory::kResourceIntensive] = BucketSpec{50, 5};
}

}  // namespace

VpcModel::VpcModel(Options options, WallTime now)
    : options_(std::move(options)), state_(std::make_unique<State>()) {
  state_->types = std::shared_ptr<const cloud::InstanceLimitsTable>(
      &cloud::InstanceLimitsTable::BuiltIn(), [](const cloud::InstanceLimitsTable*) {});
  state_->last_now = now;
  DefaultBuckets(*state_);
  RebuildIndexes(*state_);
  if (options_.create_default_vpc) {
    // Default VPC: 172.31.0.0/16, one default /20 per AZ, the default security group.
    CreateVpcRequest vreq;
    vreq.cidr_block = "172.31.0.0/16";
    auto vpc = CreateVpc(vreq, now);
    if (vpc.has_value()) {
      state_->vpcs[vpc->vpc.vpc_id].is_default = true;
      int i = 0;
      for (const auto& z : AvailabilityZones()) {
        CreateSubnetRequest sreq;
        sreq.vpc_id = vpc->vpc.vpc_id;
        sreq.cidr_block = fmt::format("172.31.{}.0/20", 16 * i++);
        sreq.availability_zone = z.zone_name;
        auto sn = CreateSubnet(sreq, now);
        if (sn.has_value()) {
          state_->subnets[sn->subnet.subnet_id].subnet.default_for_az = true;
          state_->subnets[sn->subnet.subnet_id].subnet.map_public_ip_on_launch = true;
        }
      }
    }
    ResetCallCounters();
    state_->buckets.clear();
  }
}

VpcModel::VpcModel(const VpcModel& other)
    : options_(other.options_),
      state_(std::make_unique<State>(*other.state_)),
      faults_(other.faults_),
      counters_(other.counters_) {}

VpcModel& VpcModel::operator=(const VpcModel& other) {
  if (this != &other) {
    options_ = other.options_;
    state_ = std::make_unique<State>(*other.state_);
    faults_ = other.faults_;
    counters_ = other.counters_;
  }
  return *this;
}

VpcModel::VpcModel(VpcModel&&) noexcept = default;
VpcModel& VpcModel::operator=(VpcModel&&) noexcept = default;
VpcModel::~VpcModel() = default;

// ---------------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------------

void VpcModel::Advance(WallTime now) {
  State& s = *state_;
  if (now < s.last_now) {
    now = s.last_now;
  }
  s.last_now = now;
  if (s.pending_enis.empty() && s.pending_instances.empty()) {
    return;
  }

  // Collect due transitions, apply them in time order, recording IMDS views at each time.
  struct Due {
    WallTime at;
    int kind;  // 0 eni, 1 instance
    std::string id;
  };

  std::vector<Due> due;
  for (const auto& id : s.pending_enis) {
    const auto& eni = s.enis.at(id);
    if (eni.attachment && eni.attachment->transition_at <= now) {
      due.push_back({eni.attachment->transition_at, 0, id});
    }
  }
  for (const auto& id : s.pending_instances) {
    const auto& inst = s.instances.at(id);
    if (inst.running_at <= now) {
      due.push_back({inst.running_at, 1, id});
    }
  }
  std::sort(due.begin(), due.end(), [](const Due& a, const Due& b) {
    return std::tie(a.at, a.kind, a.id) < std::tie(b.at, b.kind, b.id);
  });
  for (const Due& d : due) {
    s.dirty_instances.clear();
    if (d.kind == 0) {
      NetworkInterface& eni = s.enis.at(d.id);
      s.pending_enis.erase(d.id);
      std::string instance_id = eni.attachment->instance_id;
      if (eni.attachment->status == "attaching") {
        eni.attachment->status = "attached";
      } else {
        s.attachment_to_eni.erase(eni.attachment->attachment_id);
        eni.attachment.reset();
      }
      eni.status = EniStatus(eni);
      s.dirty_instances.insert(instance_id);
    } else {
      Instance& inst = s.instances.at(d.id);
      s.pending_instances.erase(d.id);
      inst.state = InstanceState{16, "running"};
      s.dirty_instances.insert(d.id);
    }
    FlushImds(d.at);
  }
}

void VpcModel::FlushImds(WallTime at) {
  State& s = *state_;
  for (const auto& id : s.dirty_instances) {
    auto view = BuildImdsView(s, options_, id);
    if (!view) {
      continue;
    }
    auto& hist = s.imds_history[id];
    if (!hist.empty()) {
      ImdsView last = hist.back();
      last.as_of = view->as_of;
      if (last == *view) {
        continue;
      }
    }
    view->as_of = at;
    // Coalesce bursts: views closer together than kImdsResolution replace the newest entry
    // (a lagged read may then see a view up to kImdsResolution newer), and at most
    // kMaxImdsHistory views are kept per instance.
    if (hist.size() >= 2 && at - hist[hist.size() - 2].as_of < kImdsResolution) {
      hist.back() = std::move(*view);
    } else {
      hist.push_back(std::move(*view));
    }
    if (hist.size() > kMaxImdsHistory) {
      hist.erase(hist.begin(),
                 hist.begin() + static_cast<std::ptrdiff_t>(hist.size() - kMaxImdsHistory));
    }
    // Keep views newer than the retention window plus the newest one older than it.
    WallTime horizon = at - options_.imds_history;
    size_t keep_from = 0;
    for (size_t i = 0; i + 1 < hist.size(); ++i) {
      if (hist[i + 1].as_of <= horizon) {
        keep_from = i + 1;
      }
    }
    if (keep_from > 0) {
      hist.erase(hist.begin(), hist.begin() + static_cast<std::ptrdiff_t>(keep_from));
    }
  }
  s.dirty_instances.clear();
}

// ---------------------------------------------------------------------------------------------
// Throttling, faults, counters
// ---------------------------------------------------------------------------------------------

ThrottleCategory VpcModel::CategoryOf(std::string_view action, bool filtered_or_paginated) {
  if (action == "RunInstances" || action == "TerminateInstances") {
    return ThrottleCategory::kResourceIntensive;
  }
  if (action.starts_with("Describe") || action.starts_with("Get")) {
    return filtered_or_paginated ? ThrottleCategory::kNonMutating
                                 : ThrottleCategory::kUnfilteredNonMutating;
  }
  return ThrottleCategory::kMutating;
}

void VpcModel::SetThrottlingEnabled(bool enabled) {
  options_.throttling_enabled = enabled;
}

void VpcModel::SetCategoryBucket(ThrottleCategory category, BucketSpec spec) {
  state_->category_buckets[category] = spec;
  state_->buckets.clear();
}

void VpcModel::SetActionBucket(const std::string& action, BucketSpec spec) {
  state_->action_buckets[action] = spec;
  for (auto it = state_->buckets.begin(); it != state_->buckets.end();) {
    if (it->first == action || it->first == action + "/unfiltered") {
      it = state_->buckets.erase(it);
    } else {
      ++it;
    }
  }
}

BucketSpec VpcModel::CategoryBucket(ThrottleCategory category) const {
  auto it = state_->category_buckets.find(category);
  return it == state_->category_buckets.end() ? BucketSpec{} : it->second;
}

Result<void> VpcModel::AddFault(FaultRule rule) {
  if (rule.action.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "fault rule needs an action (or \"*\")");
  }
  if (!(rule.error_rate >= 0 && rule.error_rate <= 1)) {
    return MakeError(ErrorCode::kInvalidArgument, "error rate {} is outside [0, 1]",
                     rule.error_rate);
  }
  if (rule.remaining < -1) {
    return MakeError(ErrorCode::kInvalidArgument, "remaining must be >= -1");
  }
  faults_.push_back(std::move(rule));
  return Ok();
}

void VpcModel::InjectError(const std::string& action, const std::string& error_code, int count,
                           const std::string& message) {
  FaultRule r;
  r.action = action;
  r.error_code = error_code;
  r.message = message;
  r.remaining = count;
  faults_.push_back(std::move(r));
}

void VpcModel::ClearFaults() {
  faults_.clear();
}

Duration VpcModel::ExtraLatency(std::string_view action) const {
  Duration d{0};
  for (const auto& f : faults_) {
    if (f.action == "*" || f.action == action) {
      d += f.extra_latency;
    }
  }
  return d;
}

CallStats VpcModel::CallCounter(std::string_view action) const {
  auto it = counters_.find(std::string(action));
  return it == counters_.end() ? CallStats{} : it->second;
}

void VpcModel::ResetCallCounters() {
  counters_.clear();
}

Result<void> VpcModel::Admit(std::string_view action, WallTime now, bool filtered_or_paginated) {
  State& s = *state_;
  CallStats& stats = counters_[std::string(action)];
  if (options_.throttling_enabled) {
    ThrottleCategory cat = CategoryOf(action, filtered_or_paginated);
    BucketSpec spec = CategoryBucket(cat);
    std::string key(action);
    if (auto it = s.action_buckets.find(key); it != s.action_buckets.end()) {
      spec = it->second;
    } else if (cat == ThrottleCategory::kUnfilteredNonMutating) {
      key += "/unfiltered";
    }
    auto [it, inserted] = s.buckets.try_emplace(key);
    TokenBucket& b = it->second;
    if (inserted || b.capacity != spec.capacity) {
      b = TokenBucket{spec.capacity, now, spec.capacity};
    }
    double elapsed = std::chrono::duration<double>(now - b.last).count();
    if (elapsed > 0) {
      b.tokens = std::min(b.capacity, b.tokens + elapsed * spec.refill_per_second);
      b.last = now;
    }
    if (b.tokens < 1.0) {
      ++stats.throttled;
      return Ec2Error("RequestLimitExceeded", "Request limit exceeded.");
    }
    b.tokens -= 1.0;
  }
  for (auto& f : faults_) {
    if (f.action != "*" && f.action != action) {
      continue;
    }
    if (!f.error_code.empty() && (f.remaining > 0 || f.remaining == -1)) {
      if (f.remaining > 0) {
        --f.remaining;
      }
      ++stats.injected;
      return Ec2Error(f.error_code, f.message.empty()
                                        ? fmt::format("Injected fault: {}", f.error_code)
                                        : f.message);
    }
    if (f.error_rate > 0) {
      double u = static_cast<double>(Mix64(options_.seed ^ 0xfa17ULL, s.rng_counter++) >> 11) *
                 (1.0 / 9007199254740992.0);
      if (u < f.error_rate) {
        ++stats.injected;
        std::string code = f.error_code.empty() ? "InternalError" : f.error_code;
        return Ec2Error(code, f.message.empty() ? fmt::format("Injected fault ({}% of calls): {}",
                                                              f.error_rate * 100, code)
                                                : f.message);
      }
    }
  }
  // Spent forced-error rules are dropped.
  std::erase_if(faults_, [](const FaultRule& f) {
    return !f.error_code.empty() && f.remaining == 0 && f.error_rate == 0 &&
           f.extra_latency == Duration{0};
  });
  return Ok();
}

// ---------------------------------------------------------------------------------------------
// Read accessors
// ---------------------------------------------------------------------------------------------

std::vector<AvailabilityZone> VpcModel::AvailabilityZones() const {
  std::vector<AvailabilityZone> out;
  std::string prefix = RegionZoneIdPrefix(options_.region);
  int i = 1;
  for (char c : {'a', 'b', 'c'}) {
    AvailabilityZone z;
    z.zone_name = options_.region + c;
    z.zone_id = fmt::format("{}-az{}", prefix, i++);
    z.region_name = options_.region;
    z.group_name = options_.region;
    z.network_border_group = options_.region;
    out.push_back(std::move(z));
  }
  return out;
}

std::optional<Vpc> VpcModel::GetVpc(std::string_view vpc_id) const {
  auto it = state_->vpcs.find(std::string(vpc_id));
  if (it == state_->vpcs.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::optional<Subnet> VpcModel::GetSubnet(std::string_view subnet_id) const {
  auto it = state_->subnets.find(std::string(subnet_id));
  if (it == state_->subnets.end()) {
    return std::nullopt;
  }
  Subnet sn = it->second.subnet;
  sn.available_ip_address_count =
      static_cast<int64_t>(sn.cidr_block.Size()) - UnavailableCount(it->second);
  return sn;
}

std::optional<NetworkInterface> VpcModel::GetNetworkInterface(std::string_view eni_id) const {
  auto it = state_->enis.find(std::string(eni_id));
  if (it == state_->enis.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::optional<Instance> VpcModel::GetInstance(std::string_view instance_id) const {
  auto it = state_->instances.find(std::string(instance_id));
  if (it == state_->instances.end()) {
    return std::nullopt;
  }
  return FillInstance(*state_, it->second);
}

std::optional<SecurityGroup> VpcModel::GetSecurityGroup(std::string_view group_id) const {
  auto it = state_->groups.find(std::string(group_id));
  if (it == state_->groups.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::vector<std::string> VpcModel::InstanceIds() const {
  std::vector<std::string> out;
  for (const auto& [id, v] : state_->instances) {
    out.push_back(id);
  }
  return out;
}

std::vector<std::string> VpcModel::NetworkInterfaceIds() const {
  std::vector<std::string> out;
  for (const auto& [id, v] : state_->enis) {
    out.push_back(id);
  }
  return out;
}

std::vector<std::string> VpcModel::SubnetIds() const {
  std::vector<std::string> out;
  for (const auto& [id, v] : state_->subnets) {
    out.push_back(id);
  }
  return out;
}

std::vector<std::string> VpcModel::VpcIds() const {
  std::vector<std::string> out;
  for (const auto& [id, v] : state_->vpcs) {
    out.push_back(id);
  }
  return out;
}

std::optional<std::string> VpcModel::InstanceIdByPrivateIp(net::Ipv4Address ip) const {
  for (const auto& [id, inst] : state_->instances) {
    if (inst.private_ip_address == ip && inst.state.name != "terminated") {
      return id;
    }
  }
  return std::nullopt;
}

std::optional<std::string> VpcModel::DefaultVpcId() const {
  for (const auto& [id, v] : state_->vpcs) {
    if (v.is_default) {
      return id;
    }
  }
  return std::nullopt;
}

const cloud::InstanceLimitsTable& VpcModel::InstanceTypes() const {
  return *state_->types;
}

void VpcModel::UpsertInstanceType(cloud::InstanceLimits row) {
  auto table = std::make_shared<cloud::InstanceLimitsTable>(*state_->types);
  table->Upsert(row);
  state_->types = std::move(table);
  std::erase_if(state_->extra_types, [&](const cloud::InstanceLimits& r) {
    return r.instance_type == row.instance_type;
  });
  state_->extra_types.push_back(std::move(row));
  RebuildIndexes(*state_);
}

}  // namespace vpccni::vpcsim
