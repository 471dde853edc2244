// File: model.h
//
// VpcModel: the single in-memory model of one region of an AWS VPC deployment (VPCs, CIDR
// blocks, subnets, security groups, instances, ENIs, IPv4/IPv6 addresses and prefixes, subnet
// CIDR reservations, tags, trunk/branch associations), with EC2's limits and error codes, API
// throttling, fault injection and call counters. It is the engine behind the `vpc-emulator`
// server (src/vpcsim/query_*, imds_*) and the in-process fake EC2 (ModelEc2Api). Pure: no I/O.
//
// Threading: NOT thread-safe. Callers serialize access (the server and ModelEc2Api wrap the
// model in a mutex). Const methods may run concurrently with each other only.
//
// Time: the model never reads a clock. Every action takes `WallTime now`, the caller's current
// time. At the start of each action the model first advances time-driven state to `now`
// (Advance(now): attaching -> attached, detaching -> available, pending -> running, token
// bucket refills); that step is not part of the action's atomicity. Times must not go
// backwards; an earlier `now` is treated as the latest time seen.
//
// Errors: every failure is an Error whose `reason` is the exact EC2 error code string
// ("InvalidNetworkInterfaceID.NotFound", "InsufficientCidrBlocks", "RequestLimitExceeded", ...)
// and whose `message` follows EC2's wording where known; `code` is the matching canonical
// ErrorCode (kNotFound, kInvalidArgument, kResourceExhausted, kFailedPrecondition,
// kUnavailable for throttling, kInternal for injected InternalError, ...). The server maps
// `reason` to the XML <Code> and HTTP status (HttpStatusForReason()).
//
// Atomicity: a failed action changes no resource state (everything is validated before any
// mutation). Call counters, token buckets and fault counters do change on failed calls.
//
// IDs look like EC2's (vpc-/subnet-/eni-/i-/sg-/eni-attach-/trunk-assoc-/subnet-cr-/r-/
// vpc-cidr-assoc-/subnet-cidr-assoc- followed by 17 lower-case hex digits) and are a
// deterministic function of Options::seed and the creation order. A malformed ID gets
// Invalid<Thing>ID.Malformed, an unknown one Invalid<Thing>ID.NotFound.
//
// Snapshot: ToJson()/FromJson() round-trip the whole model exactly (resources, ID generators,
// IMDS history, throttle/fault/counter state); see docs/vpcsim.md for the layout.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/result.h"
#include "cloud/instance_limits.h"
#include "net/ip.h"
#include "net/range_set.h"
#include "vpcsim/model_types.h"

namespace vpccni::vpcsim {

// Maps an EC2 error code string to the canonical ErrorCode the model uses for it (unknown codes
// map to kInvalidArgument, "InternalError"/"InternalFailure" to kInternal,
// "RequestLimitExceeded"/"Unavailable"/"ServiceUnavailable" to kUnavailable).
ErrorCode ErrorCodeForReason(std::string_view reason);

// The HTTP status real EC2 answers with for an error code: 503 for RequestLimitExceeded and
// Unavailable/ServiceUnavailable, 500 for InternalError/InternalFailure, 400 otherwise.
int HttpStatusForReason(std::string_view reason);

// Builds an Error with code ErrorCodeForReason(reason), the given reason and message.
Error Ec2Error(std::string_view reason, std::string message);

// True if `value` matches the EC2 filter pattern (`*` any run, `?` one char, `\` escapes).
bool FilterValueMatches(std::string_view pattern, std::string_view value);

// Token bucket parameters: capacity tokens, refilled at refill_per_second (continuous).
struct BucketSpec {
  double capacity = 0;
  double refill_per_second = 0;
  bool operator==(const BucketSpec&) const = default;
};

// Throttle categories of the EC2 request token bucket scheme (see docs/vpcsim.md for sources).
enum class ThrottleCategory {
  kMutating,               // Create*/Delete*/Assign*/Attach*/Modify*/...
  kNonMutating,            // Describe*/Get* with filters or pagination
  kUnfilteredNonMutating,  // Describe*/Get* with neither filters, IDs nor MaxResults
  kResourceIntensive,      // RunInstances, TerminateInstances
};

// Fault injection rule for one action ("*" = every action). Rules are checked in insertion
// order after throttling; the first rule that fires answers the call.
struct FaultRule {
  std::string action = "*";
  // Forced error: the next `remaining` calls (-1 = unlimited) fail with `error_code`.
  std::string error_code;  // e.g. "InternalError", "RequestLimitExceeded"
  std::string message;     // default: a generic message for the code
  int remaining = 0;
  // Random errors: each call fails with probability error_rate (0..1) with error_code
  // (default "InternalError"), drawn from the model's seeded generator.
  double error_rate = 0;
  // Extra latency the server should add to this action's responses (reported, not slept).
  Duration extra_latency{0};
  bool operator==(const FaultRule&) const = default;
};

struct CallStats {
  int64_t calls = 0;      // every call, including failed ones
  int64_t errors = 0;     // calls that returned an error (any cause)
  int64_t throttled = 0;  // of which RequestLimitExceeded from the token bucket
  int64_t injected = 0;   // of which injected faults
  bool operator==(const CallStats&) const = default;
};

class VpcModel {
 public:
  struct Options {
    std::string region = "us-west-2";
    std::string account_id = "123456789012";
    uint64_t seed = 1;
    // Create the default VPC 172.31.0.0/16 with a default /20 subnet per AZ (a, b, c) and its
    // default security group, as new AWS accounts have.
    bool create_default_vpc = false;
    // attaching -> attached, and detaching -> available, after these delays.
    Duration attach_delay = std::chrono::milliseconds(0);
    Duration detach_delay = std::chrono::milliseconds(0);
    // pending -> running after this delay.
    Duration instance_start_delay = std::chrono::milliseconds(0);
    // How long IMDS view history is kept (bounds the lag GetImdsView can answer exactly).
    // Views less than 10 ms apart are coalesced and at most 1024 are kept per instance.
    Duration imds_history = std::chrono::seconds(60);
    // API throttling (RequestLimitExceeded) by token bucket; off by default.
    bool throttling_enabled = false;
  };

  // Builds a model; creates the default VPC when options say so (at time `now`).
  explicit VpcModel(Options options, WallTime now = WallTime{});
  // Deep copies (the copy is independent of the original).
  VpcModel(const VpcModel& other);
  VpcModel& operator=(const VpcModel& other);
  VpcModel(VpcModel&&) noexcept;
  VpcModel& operator=(VpcModel&&) noexcept;
  ~VpcModel();

  const Options& options() const { return options_; }

  const std::string& region() const { return options_.region; }

  // Completes time-driven transitions up to `now` (see the file comment). Every action calls it.
  void Advance(WallTime now);

  // ---- VPCs and subnets ----------------------------------------------------------------------
  // CreateVpc: InvalidVpc.Range (not /16../28), InvalidParameterValue (bad CIDR).
  Result<CreateVpcReply> CreateVpc(const CreateVpcRequest& req, WallTime now);
  // DeleteVpc: DependencyViolation while subnets, instances or non-default SGs remain.
  Result<void> DeleteVpc(const DeleteVpcRequest& req, WallTime now);
  // AssociateVpcCidrBlock: InvalidVpc.Range, InvalidVpc.CidrConflict (overlap),
  // CidrLimitExceeded (5 IPv4 / 1 IPv6 blocks), InvalidParameterCombination (neither/both).
  Result<AssociateVpcCidrBlockReply> AssociateVpcCidrBlock(const AssociateVpcCidrBlockRequest& req,
                                                           WallTime now);
  Result<DescribeVpcsReply> DescribeVpcs(const DescribeVpcsRequest& req, WallTime now);
  // CreateSubnet: InvalidSubnet.Range (outside the VPC's blocks or not /16../28),
  // InvalidSubnet.Conflict (overlap), InvalidParameterValue (AZ of another region, bad IPv6
  // CIDR), InvalidVpcID.*.
  Result<CreateSubnetReply> CreateSubnet(const CreateSubnetRequest& req, WallTime now);
  // DeleteSubnet: DependencyViolation while ENIs remain.
  Result<void> DeleteSubnet(const DeleteSubnetRequest& req, WallTime now);
  Result<DescribeSubnetsReply> DescribeSubnets(const DescribeSubnetsRequest& req, WallTime now);
  Result<DescribeAvailabilityZonesReply> DescribeAvailabilityZones(
      const DescribeAvailabilityZonesRequest& req, WallTime now);

  // ---- Security groups -------------------------------------------------------------------------
  // CreateSecurityGroup: InvalidGroup.Duplicate, MissingParameter, VPCIdNotSpecified.
  Result<CreateSecurityGroupReply> CreateSecurityGroup(const CreateSecurityGroupRequest& req,
                                                       WallTime now);
  // DeleteSecurityGroup: DependencyViolation when an ENI uses it, CannotDelete for "default".
  Result<void> DeleteSecurityGroup(const DeleteSecurityGroupRequest& req, WallTime now);
  Result<DescribeSecurityGroupsReply> DescribeSecurityGroups(
      const DescribeSecurityGroupsRequest& req, WallTime now);

  // ---- Instances -------------------------------------------------------------------------------
  // RunInstances: InvalidAMIID.Malformed, InvalidParameterValue (unknown type, counts),
  // InsufficientFreeAddressesInSubnet, InvalidSubnetID.*, InvalidGroup.NotFound,
  // VPCIdNotSpecified (no subnet and no default VPC). Each instance gets a primary ENI (device
  // 0, card = default, DeleteOnTermination true, attached at once).
  Result<RunInstancesReply> RunInstances(const RunInstancesRequest& req, WallTime now);
  // TerminateInstances: ENIs with DeleteOnTermination are deleted (and their trunk
  // associations removed), the others detached to `available`.
  Result<TerminateInstancesReply> TerminateInstances(const TerminateInstancesRequest& req,
                                                     WallTime now);
  Result<DescribeInstancesReply> DescribeInstances(const DescribeInstancesRequest& req,
                                                   WallTime now);
  // DescribeInstanceTypes: InvalidInstanceType for unknown names; MaxResults 5..100.
  Result<DescribeInstanceTypesReply> DescribeInstanceTypes(const DescribeInstanceTypesRequest& req,
                                                           WallTime now);

  // ---- ENIs ------------------------------------------------------------------------------------
  // CreateNetworkInterface: InvalidSubnetID.*, InvalidSecurityGroupID.NotFound,
  // InvalidParameterValue (bad interface type/address/prefix, address outside the subnet),
  // InvalidIPAddress.InUse, InsufficientFreeAddressesInSubnet, InsufficientCidrBlocks,
  // PrivateIpAddressLimitExceeded (more than the largest per-ENI limit of any type).
  Result<CreateNetworkInterfaceReply> CreateNetworkInterface(
      const CreateNetworkInterfaceRequest& req, WallTime now);
  // AttachNetworkInterface: status `attaching`, then `attached` after attach_delay.
  // AttachmentLimitExceeded (per-card limit of the type), InvalidParameterValue (device index in
  // use, bad card index), InvalidNetworkInterface.InUse (already attached / branch),
  // InvalidParameterCombination (AZ mismatch), IncorrectInstanceState (not pending/running),
  // PrivateIpAddressLimitExceeded (the ENI holds more than the type allows).
  Result<AttachNetworkInterfaceReply> AttachNetworkInterface(
      const AttachNetworkInterfaceRequest& req, WallTime now);
  // DetachNetworkInterface: `detaching`, then `available` after detach_delay.
  // InvalidAttachmentID.NotFound/.Malformed, OperationNotPermitted (device index 0).
  Result<void> DetachNetworkInterface(const DetachNetworkInterfaceRequest& req, WallTime now);
  // DeleteNetworkInterface: InvalidNetworkInterface.InUse unless `available`.
  Result<void> DeleteNetworkInterface(const DeleteNetworkInterfaceRequest& req, WallTime now);
  // ModifyNetworkInterfaceAttribute: at least one attribute (MissingParameter otherwise);
  // InvalidSecurityGroupID.NotFound, InvalidAttachmentID.NotFound.
  Result<void> ModifyNetworkInterfaceAttribute(const ModifyNetworkInterfaceAttributeRequest& req,
                                               WallTime now);
  // DescribeNetworkInterfaces: InvalidNetworkInterfaceID.* for listed IDs, InvalidParameterValue
  // (unknown filter, MaxResults outside 5..1000, bad NextToken), InvalidParameterCombination
  // (MaxResults with IDs). Sorted by ENI ID; NextToken resumes after the last returned ID.
  Result<DescribeNetworkInterfacesReply> DescribeNetworkInterfaces(
      const DescribeNetworkInterfacesRequest& req, WallTime now);

  // ---- Addresses -------------------------------------------------------------------------------
  // AssignPrivateIpAddresses: lowest free /32s, lowest free aligned /28s (prefix reservations
  // first). PrivateIpAddressLimitExceeded, InsufficientFreeAddressesInSubnet,
  // InsufficientCidrBlocks, InvalidIPAddress.InUse, InvalidParameterValue,
  // MissingParameter (nothing requested). The reply lists only the new addresses/prefixes.
  Result<AssignPrivateIpAddressesReply> AssignPrivateIpAddresses(
      const AssignPrivateIpAddressesRequest& req, WallTime now);
  // UnassignPrivateIpAddresses: InvalidParameterValue for the primary or an address/prefix not
  // on the ENI.
  Result<void> UnassignPrivateIpAddresses(const UnassignPrivateIpAddressesRequest& req,
                                          WallTime now);
  // AssignIpv6Addresses: from the subnet's /64; InvalidParameterValue when the subnet has no
  // IPv6 CIDR or the per-ENI IPv6 limit would be exceeded; InvalidIPAddress.InUse;
  // InsufficientCidrBlocks for /80s.
  Result<AssignIpv6AddressesReply> AssignIpv6Addresses(const AssignIpv6AddressesRequest& req,
                                                       WallTime now);
  Result<UnassignIpv6AddressesReply> UnassignIpv6Addresses(const UnassignIpv6AddressesRequest& req,
                                                           WallTime now);

  // ---- Subnet CIDR reservations ----------------------------------------------------------------
  // CreateSubnetCidrReservation: InvalidParameterValue (outside the subnet, overlapping another
  // reservation or addresses in use, bad type), InvalidSubnetID.*.
  Result<CreateSubnetCidrReservationReply> CreateSubnetCidrReservation(
      const CreateSubnetCidrReservationRequest& req, WallTime now);
  // DeleteSubnetCidrReservation: InvalidSubnetCidrReservationID.NotFound/.Malformed.
  Result<DeleteSubnetCidrReservationReply> DeleteSubnetCidrReservation(
      const DeleteSubnetCidrReservationRequest& req, WallTime now);
  Result<GetSubnetCidrReservationsReply> GetSubnetCidrReservations(
      const GetSubnetCidrReservationsRequest& req, WallTime now);

  // ---- Tags ------------------------------------------------------------------------------------
  // CreateTags/DeleteTags on any resource ID (vpc, subnet, sg, i, eni, subnet-cr, trunk-assoc);
  // an unknown ID fails the whole call with the resource's .NotFound (or .Malformed), and
  // InvalidID for an unrecognised prefix.
  Result<void> CreateTags(const CreateTagsRequest& req, WallTime now);
  Result<void> DeleteTags(const DeleteTagsRequest& req, WallTime now);
  Result<DescribeTagsReply> DescribeTags(const DescribeTagsRequest& req, WallTime now);

  // ---- Trunk / branch --------------------------------------------------------------------------
  // AssociateTrunkInterface: the trunk ENI must have InterfaceType trunk and be attached; the
  // branch must be available and not a trunk; VLAN 1..4094 unique per trunk; both in one VPC.
  // InvalidParameterValue, InvalidNetworkInterface.InUse, InvalidNetworkInterfaceID.*.
  Result<AssociateTrunkInterfaceReply> AssociateTrunkInterface(
      const AssociateTrunkInterfaceRequest& req, WallTime now);
  // DisassociateTrunkInterface: InvalidAssociationID.NotFound.
  Result<void> DisassociateTrunkInterface(const DisassociateTrunkInterfaceRequest& req,
                                          WallTime now);
  Result<DescribeTrunkInterfaceAssociationsReply> DescribeTrunkInterfaceAssociations(
      const DescribeTrunkInterfaceAssociationsRequest& req, WallTime now);

  // ---- IMDS ------------------------------------------------------------------------------------
  // What instance `instance_id`'s IMDS shows at `now` when IMDS lags EC2 by `lag`: the most
  // recent recorded view not newer than now - lag (the oldest retained view if all are newer).
  // Advances time to `now` first, so completed attach/detach transitions are visible.
  // kNotFound (InvalidInstanceID.NotFound) for an unknown instance. Not an API action: no
  // throttling, faults or counting.
  Result<ImdsView> GetImdsView(std::string_view instance_id, WallTime now,
                               Duration lag = Duration{0});
  // The view of the current state (no lag).
  Result<ImdsView> CurrentImdsView(std::string_view instance_id) const;

  // ---- Read accessors (no throttling, faults or counting) -----------------------------------
  // Stored resources with computed fields filled; nullptr / nullopt when absent.
  std::optional<Vpc> GetVpc(std::string_view vpc_id) const;
  std::optional<Subnet> GetSubnet(std::string_view subnet_id) const;
  std::optional<NetworkInterface> GetNetworkInterface(std::string_view eni_id) const;
  std::optional<Instance> GetInstance(std::string_view instance_id) const;
  std::optional<SecurityGroup> GetSecurityGroup(std::string_view group_id) const;
  // IDs in sorted order.
  std::vector<std::string> InstanceIds() const;
  std::vector<std::string> NetworkInterfaceIds() const;
  std::vector<std::string> SubnetIds() const;
  std::vector<std::string> VpcIds() const;
  // The instance whose primary private IPv4 is `ip` (for binding an IMDS listener to a node).
  std::optional<std::string> InstanceIdByPrivateIp(net::Ipv4Address ip) const;
  // The default VPC's ID, if one exists.
  std::optional<std::string> DefaultVpcId() const;
  // The three AZs of the region (<region>a/b/c with zone IDs).
  std::vector<AvailabilityZone> AvailabilityZones() const;
  // The instance type table in effect (BuiltIn() plus UpsertInstanceType rows).
  const cloud::InstanceLimitsTable& InstanceTypes() const;
  // Adds or replaces an instance type row (scenario files, tests); kept in snapshots.
  void UpsertInstanceType(cloud::InstanceLimits row);

  // ---- Admin: throttling, faults, counters ---------------------------------------------------
  void SetThrottlingEnabled(bool enabled);

  bool ThrottlingEnabled() const { return options_.throttling_enabled; }

  // Bucket for a category, or for one action (overrides its category). A new spec refills the
  // bucket to capacity.
  void SetCategoryBucket(ThrottleCategory category, BucketSpec spec);
  void SetActionBucket(const std::string& action, BucketSpec spec);
  BucketSpec CategoryBucket(ThrottleCategory category) const;
  // The category an action is throttled under (for the given request shape).
  static ThrottleCategory CategoryOf(std::string_view action, bool filtered_or_paginated);

  // Appends a fault rule. kInvalidArgument for a rate outside [0,1] or an empty action.
  Result<void> AddFault(FaultRule rule);
  // Convenience: the next `count` calls of `action` fail with `error_code`.
  void InjectError(const std::string& action, const std::string& error_code, int count,
                   const std::string& message = "");
  void ClearFaults();

  const std::vector<FaultRule>& Faults() const { return faults_; }

  // Sum of extra_latency of the rules matching `action`.
  Duration ExtraLatency(std::string_view action) const;

  // Per-action call statistics, by action name.
  const std::map<std::string, CallStats>& CallCounters() const { return counters_; }

  CallStats CallCounter(std::string_view action) const;
  void ResetCallCounters();

  // ---- Snapshot --------------------------------------------------------------------------------
  // The whole model as JSON: {"version":1,"options":..,"resources":..,"ids":..,"imds":..,
  // "control":..}. "resources" and "imds" change only on successful mutations.
  nlohmann::json ToJson() const;
  // Restores a model from ToJson() output. kInvalidArgument (kDataLoss for an unsupported
  // version) naming the first bad field; never throws.
  static Result<VpcModel> FromJson(const nlohmann::json& j);
  // Parses text (nlohmann::json::parse without exceptions) then FromJson.
  static Result<VpcModel> FromJsonText(std::string_view text);

  // Checks the model's invariants (addresses unique per subnet, counts, limits, indexes);
  // kInternal describing the first violation. For tests and the fuzzer.
  Result<void> CheckInvariants() const;

  struct State;  // defined in model_internal.h

 private:
  // Runs one API action: advances time, counts the call, applies throttling and faults, runs
  // `body`, counts errors and records IMDS views of instances the action touched. Defined in
  // model_internal.h.
  template <typename R, typename F>
  Result<R> RunAction(std::string_view action, WallTime now, bool filtered_or_paginated, F&& body);
  // Throttling + fault injection for one call; the error to answer with, if any.
  Result<void> Admit(std::string_view action, WallTime now, bool filtered_or_paginated);
  // Records the current IMDS view of every dirty instance at time `at`.
  void FlushImds(WallTime at);

  Options options_;
  std::unique_ptr<State> state_;  // never null
  std::vector<FaultRule> faults_;
  std::map<std::string, CallStats> counters_;
};

}  // namespace vpccni::vpcsim
