// File: model_internal.h (private to the vpcsim model library)
//
// VpcModel::State: the stored resources plus derived indexes, and helpers shared by the model's
// translation units (IDs, errors, filters, pagination, address planning). Not part of the
// public API; only model*.cc include it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "cloud/instance_limits.h"
#include "net/ip.h"
#include "net/range_set.h"
#include "vpcsim/model.h"
#include "vpcsim/model_types.h"

namespace vpccni::vpcsim {

struct SubnetState {
  Subnet subnet;  // available_ip_address_count is computed on output
  // IPv4 addresses held by ENIs (primaries, secondaries and /28 prefixes). Never contains the
  // five AWS-reserved addresses.
  net::Ipv4RangeSet used;
  // IPv6 addresses and /80 prefixes held by ENIs.
  std::set<net::Ipv6Address> used6;
  std::set<net::Ipv6Cidr> prefixes6;
  // Subnet CIDR reservations of this subnet by ID.
  std::map<std::string, SubnetCidrReservation> reservations;
  // ENIs in this subnet.
  std::set<std::string> eni_ids;
};

struct TokenBucket {
  double tokens = 0;
  WallTime last{};
  double capacity = 0;
  bool operator==(const TokenBucket&) const = default;
};

struct VpcModel::State {
  // ---- primary data (serialized) ----
  std::map<std::string, Vpc> vpcs;
  std::map<std::string, SubnetState> subnets;
  std::map<std::string, SecurityGroup> groups;
  std::map<std::string, Instance> instances;  // network_interfaces left empty in storage
  std::map<std::string, NetworkInterface> enis;
  std::map<std::string, TrunkInterfaceAssociation> trunk_assocs;
  std::map<std::string, std::string> client_tokens;  // CreateNetworkInterface token -> ENI id
  std::map<std::string, std::vector<ImdsView>> imds_history;
  uint64_t id_counter = 0;
  uint64_t rng_counter = 0;
  WallTime last_now{};
  // Instance types: BuiltIn() plus rows added by UpsertInstanceType (shared, copy on write).
  std::shared_ptr<const cloud::InstanceLimitsTable> types;
  std::vector<cloud::InstanceLimits> extra_types;
  std::map<ThrottleCategory, BucketSpec> category_buckets;
  std::map<std::string, BucketSpec> action_buckets;
  std::map<std::string, TokenBucket> buckets;  // by action (+ "/unfiltered")

  // ---- derived indexes (rebuilt by RebuildIndexes) ----
  std::map<std::string, std::string> attachment_to_eni;
  std::map<std::string, std::string> reservation_to_subnet;
  std::set<net::MacAddress> macs;
  int max_ipv4_per_eni = 0;  // over all instance types
  int max_ipv6_per_eni = 0;
  // ENIs with an attaching/detaching attachment and pending instances (time-driven work).
  std::set<std::string> pending_enis;
  std::set<std::string> pending_instances;

  // Instances whose IMDS view may have changed during the current action.
  std::set<std::string> dirty_instances;
};

// ---- IDs -------------------------------------------------------------------------------------

// A new EC2-style ID "<prefix>-<17 hex>" from the seed and the state's counter.
std::string NewId(VpcModel::State& s, uint64_t seed, std::string_view prefix);
// 64 pseudo-random bits for (seed, counter) (splitmix64).
uint64_t Mix64(uint64_t seed, uint64_t counter);

// Checks the shape "<prefix>-" + 8 or 17 lower-case hex digits. On failure returns
// `malformed_reason` with EC2's "Invalid id" message.
Result<void> CheckIdShape(std::string_view id, std::string_view prefix,
                          std::string_view malformed_reason);

// Errors used everywhere.
Error MissingParameter(std::string_view name);
Error InvalidParameterValue(std::string message);
Error InvalidParameterCombination(std::string message);

// ---- filters ---------------------------------------------------------------------------------

// Values of one filter field for a resource; nullopt when the filter name is unknown for this
// resource kind. Tag filters (tag:KEY, tag-key, tag-value) are handled by MatchFilters.
template <typename T>
using FieldFn = std::function<std::optional<std::vector<std::string>>(const T&, std::string_view)>;

// Validates filter names against `fields` (called with a default resource) and returns
// InvalidParameterValue for an unknown one.
template <typename T>
Result<void> ValidateFilters(const std::vector<Filter>& filters, const FieldFn<T>& fields,
                             bool has_tags) {
  T probe{};
  for (const Filter& f : filters) {
    if (f.name.empty()) {
      return MissingParameter("Filter.Name");
    }
    if (has_tags &&
        (f.name.rfind("tag:", 0) == 0 || f.name == "tag-key" || f.name == "tag-value")) {
      continue;
    }
    if (!fields(probe, f.name).has_value()) {
      return InvalidParameterValue("The filter '" + f.name + "' is invalid");
    }
  }
  return Ok();
}

bool MatchTagFilter(const TagMap& tags, const Filter& f);
bool AnyValueMatches(const std::vector<std::string>& patterns,
                     const std::vector<std::string>& values);

// True when `r` matches every filter (names already validated).
template <typename T>
bool MatchFilters(const T& r, const std::vector<Filter>& filters, const FieldFn<T>& fields,
                  const TagMap* tags) {
  for (const Filter& f : filters) {
    if (tags != nullptr &&
        (f.name.rfind("tag:", 0) == 0 || f.name == "tag-key" || f.name == "tag-value")) {
      if (!MatchTagFilter(*tags, f)) {
        return false;
      }
      continue;
    }
    auto values = fields(r, f.name);
    if (!values || !AnyValueMatches(f.values, *values)) {
      return false;
    }
  }
  return true;
}

std::string BoolStr(bool b);

// ---- pagination ------------------------------------------------------------------------------

// Validates max_results against [min, max] (InvalidParameterValue otherwise).
Result<void> CheckMaxResults(const std::optional<int>& max_results, int min, int max);
// Opaque token for resuming `action` after key `last_key`.
std::string MakeNextToken(std::string_view action, std::string_view last_key);
// Decodes a token made by MakeNextToken for `action`; InvalidParameterValue otherwise.
Result<std::string> ParseNextToken(std::string_view action, std::string_view token);

// Pages items (sorted by key). Returns the page and fills *next_token.
template <typename T>
Result<std::vector<T>> Paginate(std::vector<T> items,
                                const std::function<std::string(const T&)>& key,
                                std::string_view action, const std::optional<int>& max_results,
                                const std::string& token, std::string* next_token) {
  next_token->clear();
  size_t start = 0;
  if (!token.empty()) {
    ASSIGN_OR_RETURN(std::string after, ParseNextToken(action, token));
    while (start < items.size() && key(items[start]) <= after) {
      ++start;
    }
  }
  size_t end = items.size();
  if (max_results.has_value() && start + static_cast<size_t>(*max_results) < items.size()) {
    end = start + static_cast<size_t>(*max_results);
  }
  std::vector<T> page;
  page.reserve(end - start);
  for (size_t i = start; i < end; ++i) {
    page.push_back(std::move(items[i]));
  }
  if (end < items.size() && !page.empty()) {
    *next_token = MakeNextToken(action, key(page.back()));
  }
  return page;
}

// ---- misc ------------------------------------------------------------------------------------

// The region's zone-ID abbreviation ("us-west-2" -> "usw2").
std::string RegionZoneIdPrefix(std::string_view region);
// AZ record for a zone name of the region, or nullopt.
std::optional<AvailabilityZone> FindZone(const std::vector<AvailabilityZone>& zones,
                                         std::string_view name_or_id);

// Is `a` one of the five addresses AWS reserves in `cidr` (network, +1, +2, +3, broadcast)?
bool IsAwsReserved(const net::Ipv4Cidr& cidr, net::Ipv4Address a);
// Same for IPv6: the first four and the last address of the /64.
bool IsAwsReserved6(const net::Ipv6Cidr& cidr, const net::Ipv6Address& a);

// Number of addresses of the subnet that are not available: the five reserved addresses, ENI
// addresses and addresses in CIDR reservations (union).
int64_t UnavailableCount(const SubnetState& s);

int SlotCount(const NetworkInterface& eni);  // private IPs + /28 prefixes
int Ipv6Count(const NetworkInterface& eni);  // IPv6 addresses + /80 prefixes
// ENI status from the attachment / trunk association.
std::string EniStatus(const NetworkInterface& eni);
// Rebuilds the derived indexes of `s` from its primary data.
void RebuildIndexes(VpcModel::State& s);
// The IMDS view of an instance from the current state (model_imds.cc). nullopt when unknown.
std::optional<ImdsView> BuildImdsView(const VpcModel::State& s, const VpcModel::Options& o,
                                      const std::string& instance_id);
// The instance type row for a name (nullptr when unknown).
const cloud::InstanceLimits* FindType(const VpcModel::State& s, std::string_view name);
// Cards of a type: network_cards, or one card {default index, eni_limit} when the data has none.
std::vector<cloud::NetworkCardLimit> CardsOf(const cloud::InstanceLimits& t);
// Snapshot helpers (model_json.cc).
nlohmann::json ImdsViewToJson(const ImdsView& v);
Result<ImdsView> ImdsViewFromJson(const nlohmann::json& j);

}  // namespace vpccni::vpcsim

namespace vpccni::vpcsim {

template <typename R, typename F>
Result<R> VpcModel::RunAction(std::string_view action, WallTime now, bool filtered_or_paginated,
                              F&& body) {
  Advance(now);
  now = state_->last_now;
  CallStats& stats = counters_[std::string(action)];
  ++stats.calls;
  if (auto admitted = Admit(action, now, filtered_or_paginated); !admitted.has_value()) {
    ++stats.errors;
    return admitted.error();
  }
  state_->dirty_instances.clear();
  Result<R> r = body(now);
  if (!r.has_value()) {
    ++stats.errors;
    state_->dirty_instances.clear();
    return r;
  }
  FlushImds(now);
  return r;
}

}  // namespace vpccni::vpcsim

namespace vpccni::vpcsim {

// How a kind of ID is checked and reported.
struct IdKind {
  std::string_view prefix;
  std::string_view malformed;
  std::string_view not_found;
  std::string_view message;  // fmt pattern with one {} for the ID
};

inline constexpr IdKind kVpcIdKind{"vpc", "InvalidVpcID.Malformed", "InvalidVpcID.NotFound",
                                   "The vpc ID '{}' does not exist"};
inline constexpr IdKind kSubnetIdKind{"subnet", "InvalidSubnetID.Malformed",
                                      "InvalidSubnetID.NotFound",
                                      "The subnet ID '{}' does not exist"};
inline constexpr IdKind kEniIdKind{"eni", "InvalidNetworkInterfaceID.Malformed",
                                   "InvalidNetworkInterfaceID.NotFound",
                                   "The networkInterface ID '{}' does not exist"};
inline constexpr IdKind kInstanceIdKind{"i", "InvalidInstanceID.Malformed",
                                        "InvalidInstanceID.NotFound",
                                        "The instance ID '{}' does not exist"};
inline constexpr IdKind kGroupIdKind{"sg", "InvalidGroupId.Malformed", "InvalidGroup.NotFound",
                                     "The security group '{}' does not exist"};
// Security groups named by ENI calls report InvalidSecurityGroupID.NotFound.
inline constexpr IdKind kEniGroupIdKind{"sg", "InvalidGroupId.Malformed",
                                        "InvalidSecurityGroupID.NotFound",
                                        "The securityGroup ID '{}' does not exist"};
inline constexpr IdKind kAttachmentIdKind{"eni-attach", "InvalidAttachmentID.Malformed",
                                          "InvalidAttachmentID.NotFound",
                                          "The attachment ID '{}' does not exist"};
inline constexpr IdKind kReservationIdKind{"subnet-cr", "InvalidSubnetCidrReservationID.Malformed",
                                           "InvalidSubnetCidrReservationID.NotFound",
                                           "The subnet CIDR reservation ID '{}' does not exist"};
inline constexpr IdKind kTrunkAssocIdKind{"trunk-assoc", "InvalidAssociationID.Malformed",
                                          "InvalidAssociationID.NotFound",
                                          "The association ID '{}' does not exist"};

inline Error NotFoundError(const IdKind& k, std::string_view id) {
  return Ec2Error(k.not_found, fmt::format(fmt::runtime(k.message), id));
}

// Looks up `id` of kind `k` in `map`: Malformed / NotFound errors as EC2.
template <typename M>
Result<typename M::mapped_type*> LookupId(M& map, std::string_view id, const IdKind& k) {
  if (id.empty()) {
    return MissingParameter(std::string(k.prefix) + " ID");
  }
  RETURN_IF_ERROR(CheckIdShape(id, k.prefix, k.malformed));
  auto it = map.find(std::string(id));
  if (it == map.end()) {
    return NotFoundError(k, id);
  }
  return &it->second;
}

// Validates tags to add: non-empty keys of at most 128 characters not starting with "aws:",
// values of at most 256, at most 50 per resource (with `existing`).
Result<void> ValidateTags(const TagMap& tags, const TagMap* existing);

}  // namespace vpccni::vpcsim

namespace vpccni::vpcsim {

// Plans the addresses one action takes from one subnet, without changing the subnet, so an
// action can validate everything before mutating. Allocation is deterministic: the lowest free
// address / aligned block. Commit() applies the plan to the subnet's used sets.
class SubnetPlanner {
 public:
  // `reassignable`: addresses currently used in the subnet that this action will free (moved
  // by AllowReassignment); explicit requests may take them.
  explicit SubnetPlanner(const SubnetState& ss, std::set<net::Ipv4Address> reassignable = {})
      : ss_(ss), reassignable_(std::move(reassignable)) {}

  // Explicit /32: InvalidParameterValue (syntax, outside the subnet, AWS-reserved, inside a
  // prefix reservation), InvalidIPAddress.InUse.
  Result<net::Ipv4Address> TakeExplicit(std::string_view text);
  // Lowest free /32 outside every reservation: InsufficientFreeAddressesInSubnet.
  Result<net::Ipv4Address> TakeNext();
  // Explicit /28: InvalidParameterValue (syntax, not /28, outside, reserved, in an explicit
  // reservation), InvalidIPAddress.InUse.
  Result<net::Ipv4Cidr> TakeExplicitPrefix(std::string_view text);
  // Lowest free aligned /28, prefix reservations first: InsufficientCidrBlocks.
  Result<net::Ipv4Cidr> TakeNextPrefix();
  // IPv6 equivalents (subnet /64; /80 prefixes). InvalidParameterValue when the subnet has no
  // IPv6 CIDR.
  Result<net::Ipv6Address> TakeExplicit6(std::string_view text);
  Result<net::Ipv6Address> TakeNext6();
  Result<net::Ipv6Cidr> TakeExplicitPrefix6(std::string_view text);
  Result<net::Ipv6Cidr> TakeNextPrefix6();

  // Free /32s an automatic allocation could take (for RunInstances capacity checks).
  uint64_t FreeAutoCount();

  // Adds the planned addresses to `ss` (which must be the planner's subnet).
  void Commit(SubnetState& ss) const;

 private:
  bool Used4(net::Ipv4Address a) const;
  bool Used4(const net::Ipv4Cidr& c) const;
  bool Used6(const net::Ipv6Address& a) const;
  bool Used6(const net::Ipv6Cidr& c) const;
  const SubnetCidrReservation* Reservation4(const net::Ipv4Cidr& c) const;
  const SubnetCidrReservation* Reservation6(const net::Ipv6Cidr& c) const;
  void BuildBlocked();

  const SubnetState& ss_;
  std::set<net::Ipv4Address> reassignable_;
  std::vector<net::Ipv4Address> planned_ips_;
  std::vector<net::Ipv4Cidr> planned_prefixes_;
  net::Ipv4RangeSet planned_;
  std::set<net::Ipv6Address> planned6_;
  std::set<net::Ipv6Cidr> planned_prefixes6_;
  bool built_ = false;
  net::Ipv4RangeSet blocked32_;  // used ∪ reserved5 ∪ all reservations ∪ planned
  net::Ipv4RangeSet blocked28_;  // used ∪ reserved5 ∪ explicit reservations ∪ planned
};

// Per-ENI limits in effect: the attached instance type's, or the largest of any type while
// the ENI is not attached.
int Ipv4LimitFor(const VpcModel::State& s, const NetworkInterface& eni);
int Ipv6LimitFor(const VpcModel::State& s, const NetworkInterface& eni);
std::string TypeNameFor(const VpcModel::State& s, const NetworkInterface& eni);

// Removes every address of `eni` from its subnet's used sets.
void ReleaseEniAddresses(VpcModel::State& s, const NetworkInterface& eni);

}  // namespace vpccni::vpcsim

namespace vpccni::vpcsim {

// A fresh ENI record in the subnet (ID, MAC, owner, AZ); addresses are set by the caller.
NetworkInterface NewEniRecord(VpcModel::State& s, const VpcModel::Options& o, const SubnetState& ss,
                              WallTime now);
// Deletes an ENI without checks: releases its addresses, trunk associations and indexes.
void EraseEni(VpcModel::State& s, const std::string& eni_id);
// The instance with its attached ENIs filled in (sorted by card, then device index).
Instance FillInstance(const VpcModel::State& s, const Instance& inst);

}  // namespace vpccni::vpcsim
