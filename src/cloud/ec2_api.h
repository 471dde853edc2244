// File: ec2_api.h
//
// The EC2 port: one method per EC2 Query API action the node uses, with typed requests and
// replies. Production implementation: cloud::HttpEc2Api (src/cloud/http_ec2_api.h: SigV4, query
// codec, XML, retries, rate limit). Fakes (vpcsim-backed) implement the same interface.
//
// Errors: every method returns Result<T>. On an EC2 error reply, Error.reason holds the EC2 error
// code string verbatim ("InvalidNetworkInterfaceID.NotFound", "RequestLimitExceeded", ...) and
// Error.code is Ec2ErrorCodeToErrorCode(reason, http_status):
//   RequestLimitExceeded / Throttling* / *Throttled*   -> kUnavailable
//   *.NotFound                                         -> kNotFound
//   InsufficientCidrBlocks / InsufficientFreeAddressesInSubnet / *LimitExceeded
//                                                      -> kResourceExhausted
//   InvalidParameter* / MissingParameter / UnknownParameter / *.Malformed / InvalidFilter
//                                                      -> kInvalidArgument
//   UnauthorizedOperation / AuthFailure / SignatureDoesNotMatch / *Credentials*
//                                                      -> kPermissionDenied
//   InvalidIPAddress.InUse / *AlreadyAssigned / *.Duplicate / *AlreadyExists -> kAlreadyExists
//   other *.InUse / OperationNotPermitted / IncorrectState / DependencyViolation
//                                                      -> kFailedPrecondition
//   InvalidAction / UnsupportedOperation / NotImplemented -> kUnimplemented
//   anything else: 5xx -> kUnavailable, else kInternal (reason still carries the code)
// Transport failures: timeouts -> kDeadlineExceeded, connection errors -> kUnavailable (reason
// empty). A reply that cannot be decoded -> kDataLoss.
//
// Thread-safety: implementations are safe to call from several threads at once.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "cloud/instance_limits.h"
#include "net/ip.h"

namespace vpccni::cloud {

// The EC2 API version every request carries.
inline constexpr std::string_view kEc2ApiVersion = "2016-11-15";

// Tag key -> value. Sorted, so serialization is deterministic.
using TagMap = std::map<std::string, std::string>;

// A Describe* filter: the values are ORed, several filters are ANDed.
struct Filter {
  std::string name;
  std::vector<std::string> values;
  bool operator==(const Filter&) const = default;
};

struct GroupIdentifier {
  std::string id;
  std::string name;
  bool operator==(const GroupIdentifier&) const = default;
};

struct NetworkInterfaceAttachment {
  std::string attachment_id;
  std::string instance_id;
  int device_index = 0;
  int network_card_index = 0;
  // "attaching" | "attached" | "detaching" | "detached".
  std::string status;
  bool delete_on_termination = false;
  bool operator==(const NetworkInterfaceAttachment&) const = default;
};

struct PrivateIpAddress {
  net::Ipv4Address address;
  bool primary = false;
  bool operator==(const PrivateIpAddress&) const = default;
};

struct NetworkInterface {
  std::string id;
  net::MacAddress mac;
  std::string subnet_id;
  std::string vpc_id;
  std::string availability_zone;
  std::string description;
  // "available" | "in-use" | "attaching" | "detaching" | "associated".
  std::string status;
  // "interface" | "trunk" | "branch" | "efa" | "efa-only" | ...
  std::string interface_type;
  std::string owner_id;
  std::optional<NetworkInterfaceAttachment> attachment;
  // Absent for IPv6-only interfaces.
  std::optional<net::Ipv4Address> primary_ip;
  // All IPv4 addresses, the primary included (flagged), in EC2's order.
  std::vector<PrivateIpAddress> private_ips;
  std::vector<net::Ipv4Cidr> ipv4_prefixes;
  std::vector<net::Ipv6Address> ipv6_addresses;
  std::vector<net::Ipv6Cidr> ipv6_prefixes;
  std::vector<GroupIdentifier> groups;
  TagMap tags;
  bool requester_managed = false;
  bool source_dest_check = true;
  bool operator==(const NetworkInterface&) const = default;
};

struct Subnet {
  std::string id;
  std::string vpc_id;
  std::string availability_zone;
  std::string availability_zone_id;
  // "pending" | "available" | ...
  std::string state;
  // Absent for IPv6-only subnets.
  std::optional<net::Ipv4Cidr> cidr;
  // Associated IPv6 blocks.
  std::vector<net::Ipv6Cidr> ipv6_cidrs;
  int64_t available_ip_address_count = 0;
  bool default_for_az = false;
  TagMap tags;
  bool operator==(const Subnet&) const = default;
};

struct Instance {
  std::string id;
  std::string instance_type;
  std::string availability_zone;
  std::string subnet_id;
  std::string vpc_id;
  std::optional<net::Ipv4Address> private_ip;
  // "pending" | "running" | "stopping" | "stopped" | "shutting-down" | "terminated".
  std::string state;
  // The attached interfaces as DescribeInstances reports them (attachment filled in).
  std::vector<NetworkInterface> network_interfaces;
  TagMap tags;
  bool operator==(const Instance&) const = default;
};

struct SecurityGroup {
  std::string id;
  std::string name;
  std::string description;
  std::string vpc_id;
  std::string owner_id;
  TagMap tags;
  bool operator==(const SecurityGroup&) const = default;
};

struct TrunkInterfaceAssociation {
  std::string association_id;
  std::string branch_interface_id;
  std::string trunk_interface_id;
  int vlan_id = 0;
  // "VLAN" | "GRE".
  std::string interface_protocol;
  bool operator==(const TrunkInterfaceAssociation&) const = default;
};

// ---- Requests and replies ----

struct CreateNetworkInterfaceRequest {
  std::string subnet_id;                      // required
  std::vector<std::string> security_group_ids;  // empty: the VPC default group
  std::string description;
  // Tags applied at creation (TagSpecification ResourceType=network-interface).
  TagMap tags;
  // Empty: a normal interface; else "trunk", "efa", "efa-only", "branch".
  std::string interface_type;
  // Explicit primary IPv4 address; EC2 picks one when absent.
  std::optional<net::Ipv4Address> primary_ip;
  std::optional<int> secondary_private_ip_count;
  std::optional<int> ipv4_prefix_count;
  std::optional<int> ipv6_address_count;
  std::optional<int> ipv6_prefix_count;
  // Idempotency token; empty: none sent.
  std::string client_token;
};

struct AttachNetworkInterfaceRequest {
  std::string network_interface_id;
  std::string instance_id;
  int device_index = 0;
  std::optional<int> network_card_index;
};

struct AttachNetworkInterfaceReply {
  std::string attachment_id;
  int network_card_index = 0;
};

struct DetachNetworkInterfaceRequest {
  std::string attachment_id;
  bool force = false;
};

// EC2 changes one attribute per call: set exactly one of the optional members.
struct ModifyNetworkInterfaceAttributeRequest {
  std::string network_interface_id;
  struct AttachmentChange {
    std::string attachment_id;
    bool delete_on_termination = true;
  };
  std::optional<AttachmentChange> attachment;
  std::optional<std::vector<std::string>> security_group_ids;
  std::optional<bool> source_dest_check;
  std::optional<std::string> description;
};

// Secondary IPv4 addresses and/or /28 prefixes: either explicit lists or counts.
struct AssignPrivateIpAddressesRequest {
  std::string network_interface_id;
  std::vector<net::Ipv4Address> ips;
  std::optional<int> secondary_private_ip_count;
  std::vector<net::Ipv4Cidr> prefixes;
  std::optional<int> ipv4_prefix_count;
  bool allow_reassignment = false;
};

struct AssignPrivateIpAddressesReply {
  std::string network_interface_id;
  // What this call assigned (real EC2 lists only the new ones; moto lists all).
  std::vector<net::Ipv4Address> assigned_ips;
  std::vector<net::Ipv4Cidr> assigned_prefixes;
};

struct UnassignPrivateIpAddressesRequest {
  std::string network_interface_id;
  std::vector<net::Ipv4Address> ips;
  std::vector<net::Ipv4Cidr> prefixes;
};

struct AssignIpv6AddressesRequest {
  std::string network_interface_id;
  std::vector<net::Ipv6Address> addresses;
  std::optional<int> address_count;
  std::vector<net::Ipv6Cidr> prefixes;
  std::optional<int> prefix_count;
};

struct AssignIpv6AddressesReply {
  std::string network_interface_id;
  std::vector<net::Ipv6Address> assigned_addresses;
  std::vector<net::Ipv6Cidr> assigned_prefixes;
};

struct UnassignIpv6AddressesRequest {
  std::string network_interface_id;
  std::vector<net::Ipv6Address> addresses;
  std::vector<net::Ipv6Cidr> prefixes;
};

struct UnassignIpv6AddressesReply {
  std::string network_interface_id;
  std::vector<net::Ipv6Address> unassigned_addresses;
  std::vector<net::Ipv6Cidr> unassigned_prefixes;
};

// Common paging fields: max_results unset = server default; next_token empty = first page.
struct PageRequest {
  std::vector<Filter> filters;
  std::optional<int> max_results;
  std::string next_token;
};

struct DescribeNetworkInterfacesRequest : PageRequest {
  std::vector<std::string> network_interface_ids;
};

struct DescribeNetworkInterfacesPage {
  std::vector<NetworkInterface> network_interfaces;
  std::string next_token;  // empty on the last page
};

struct DescribeInstancesRequest : PageRequest {
  std::vector<std::string> instance_ids;
};

struct DescribeInstancesPage {
  std::vector<Instance> instances;
  std::string next_token;
};

struct DescribeInstanceTypesRequest : PageRequest {
  std::vector<std::string> instance_types;
};

struct DescribeInstanceTypesPage {
  // eni_limit = MaximumNetworkInterfaces of the default card, ipv4_per_eni, ipv6_per_eni,
  // network_cards, hypervisor ("" -> "unknown"), bare_metal, vcpus (DefaultVCpus).
  std::vector<InstanceLimits> instance_types;
  std::string next_token;
};

struct DescribeSubnetsRequest : PageRequest {
  std::vector<std::string> subnet_ids;
};

struct DescribeSubnetsPage {
  std::vector<Subnet> subnets;
  std::string next_token;
};

struct DescribeSecurityGroupsRequest : PageRequest {
  std::vector<std::string> group_ids;
};

struct DescribeSecurityGroupsPage {
  std::vector<SecurityGroup> security_groups;
  std::string next_token;
};

struct CreateTagsRequest {
  std::vector<std::string> resource_ids;
  TagMap tags;
};

struct DeleteTagsRequest {
  std::vector<std::string> resource_ids;
  // Key -> value to delete; a nullopt value deletes the key whatever its value.
  std::map<std::string, std::optional<std::string>> tags;
};

struct AssociateTrunkInterfaceRequest {
  std::string branch_interface_id;
  std::string trunk_interface_id;
  int vlan_id = 0;
  std::string client_token;
};

struct DescribeTrunkInterfaceAssociationsRequest : PageRequest {
  std::vector<std::string> association_ids;
};

struct DescribeTrunkInterfaceAssociationsPage {
  std::vector<TrunkInterfaceAssociation> associations;
  std::string next_token;
};

// The EC2 port. Each method issues one EC2 action (an implementation may retry it). Describe*
// methods return one page per call; the DescribeAll* helpers below follow NextToken.
class Ec2Api {
 public:
  virtual ~Ec2Api() = default;

  virtual Result<NetworkInterface> CreateNetworkInterface(
      const CreateNetworkInterfaceRequest& req) = 0;
  virtual Result<AttachNetworkInterfaceReply> AttachNetworkInterface(
      const AttachNetworkInterfaceRequest& req) = 0;
  virtual Result<void> DetachNetworkInterface(const DetachNetworkInterfaceRequest& req) = 0;
  virtual Result<void> DeleteNetworkInterface(const std::string& network_interface_id) = 0;
  virtual Result<void> ModifyNetworkInterfaceAttribute(
      const ModifyNetworkInterfaceAttributeRequest& req) = 0;

  virtual Result<AssignPrivateIpAddressesReply> AssignPrivateIpAddresses(
      const AssignPrivateIpAddressesRequest& req) = 0;
  virtual Result<void> UnassignPrivateIpAddresses(
      const UnassignPrivateIpAddressesRequest& req) = 0;
  virtual Result<AssignIpv6AddressesReply> AssignIpv6Addresses(
      const AssignIpv6AddressesRequest& req) = 0;
  virtual Result<UnassignIpv6AddressesReply> UnassignIpv6Addresses(
      const UnassignIpv6AddressesRequest& req) = 0;

  virtual Result<DescribeNetworkInterfacesPage> DescribeNetworkInterfaces(
      const DescribeNetworkInterfacesRequest& req) = 0;
  virtual Result<DescribeInstancesPage> DescribeInstances(const DescribeInstancesRequest& req) = 0;
  virtual Result<DescribeInstanceTypesPage> DescribeInstanceTypes(
      const DescribeInstanceTypesRequest& req) = 0;
  virtual Result<DescribeSubnetsPage> DescribeSubnets(const DescribeSubnetsRequest& req) = 0;
  virtual Result<DescribeSecurityGroupsPage> DescribeSecurityGroups(
      const DescribeSecurityGroupsRequest& req) = 0;

  virtual Result<void> CreateTags(const CreateTagsRequest& req) = 0;
  virtual Result<void> DeleteTags(const DeleteTagsRequest& req) = 0;

  virtual Result<TrunkInterfaceAssociation> AssociateTrunkInterface(
      const AssociateTrunkInterfaceRequest& req) = 0;
  virtual Result<void> DisassociateTrunkInterface(const std::string& association_id) = 0;
  virtual Result<DescribeTrunkInterfaceAssociationsPage> DescribeTrunkInterfaceAssociations(
      const DescribeTrunkInterfaceAssociationsRequest& req) = 0;
};

// Pagination helpers: call the Describe* method repeatedly, starting from req.next_token and
// following NextToken until it is empty, and return every item. Fail with the first page error,
// or kDataLoss if the server repeats a token (a loop) or more than max_pages pages come back.
Result<std::vector<NetworkInterface>> DescribeAllNetworkInterfaces(
    Ec2Api& api, DescribeNetworkInterfacesRequest req, int max_pages = 10000);
Result<std::vector<Instance>> DescribeAllInstances(Ec2Api& api, DescribeInstancesRequest req,
                                                   int max_pages = 10000);
Result<std::vector<InstanceLimits>> DescribeAllInstanceTypes(Ec2Api& api,
                                                             DescribeInstanceTypesRequest req,
                                                             int max_pages = 10000);
Result<std::vector<Subnet>> DescribeAllSubnets(Ec2Api& api, DescribeSubnetsRequest req,
                                               int max_pages = 10000);
Result<std::vector<SecurityGroup>> DescribeAllSecurityGroups(Ec2Api& api,
                                                             DescribeSecurityGroupsRequest req,
                                                             int max_pages = 10000);

// Maps an EC2 error code (and the HTTP status of the reply, 0 if unknown) to a canonical code,
// following the table at the top of this file. Pure.
ErrorCode Ec2ErrorCodeToErrorCode(std::string_view ec2_code, int http_status);

// True for EC2 codes that mean "slow down": RequestLimitExceeded, Throttling,
// ThrottlingException, EC2ThrottledException, RequestThrottled*, ... Pure.
bool IsThrottlingErrorCode(std::string_view ec2_code);

// Builds the Error for an EC2 error reply: code mapped as above, reason = ec2_code,
// message = "<ec2_code>: <message> (request <request_id>)".
Error MakeEc2Error(std::string_view ec2_code, std::string_view message, int http_status,
                   std::string_view request_id = {});

}  // namespace vpccni::cloud
