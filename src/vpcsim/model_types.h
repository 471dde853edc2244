// File: model_types.h
//
// Value types of the VPC model (vpccni::vpcsim): the resources as EC2 describes them, and the
// request/reply structs of every action VpcModel implements. Field names follow the EC2 API
// members (snake_case); the Query server maps them to wire keys and XML paths.
//
// Conventions:
// - std::optional marks an input the caller may omit; an empty vector means "not given".
// - Times are WallTime (system_clock); the model never reads a clock itself.
// - Resource structs are the stored state and, filled in, the Describe* output. Computed fields
//   (status, available_ip_address_count, ...) are filled when returned.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "cloud/instance_limits.h"
#include "net/ip.h"

namespace vpccni::vpcsim {

// Tags of a resource: key -> value (EC2 keys are unique per resource).
using TagMap = std::map<std::string, std::string>;

// One EC2 filter: values are ORed, filters are ANDed. Values may use '*' (any run) and '?' (one
// character) wildcards, '\' escapes them, as EC2 does.
struct Filter {
  std::string name;
  std::vector<std::string> values;
};

// ---------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------

struct VpcCidrAssociation {
  std::string association_id;  // vpc-cidr-assoc-<17 hex>
  net::Ipv4Cidr cidr;
  std::string state = "associated";
  bool operator==(const VpcCidrAssociation&) const = default;
};

struct VpcIpv6CidrAssociation {
  std::string association_id;  // vpc-cidr-assoc-<17 hex>
  net::Ipv6Cidr cidr;          // an Amazon-provided /56
  std::string network_border_group;
  std::string state = "associated";
  bool operator==(const VpcIpv6CidrAssociation&) const = default;
};

struct Vpc {
  std::string vpc_id;
  std::string owner_id;
  net::Ipv4Cidr cidr_block;  // the primary block (first association)
  std::vector<VpcCidrAssociation> cidr_block_associations;
  std::vector<VpcIpv6CidrAssociation> ipv6_cidr_block_associations;
  bool is_default = false;
  std::string state = "available";
  std::string instance_tenancy = "default";
  TagMap tags;
  bool operator==(const Vpc&) const = default;
};

struct Subnet {
  std::string subnet_id;
  std::string subnet_arn;
  std::string owner_id;
  std::string vpc_id;
  std::string availability_zone;
  std::string availability_zone_id;
  net::Ipv4Cidr cidr_block;
  std::optional<net::Ipv6Cidr> ipv6_cidr_block;  // a /64 of the VPC's /56
  std::string ipv6_association_id;               // subnet-cidr-assoc-<17 hex> when ipv6 is set
  // size - 5 AWS-reserved - addresses used by ENIs - addresses in CIDR reservations (computed).
  int64_t available_ip_address_count = 0;
  bool default_for_az = false;
  bool map_public_ip_on_launch = false;
  bool assign_ipv6_address_on_creation = false;
  std::string state = "available";
  TagMap tags;
  bool operator==(const Subnet&) const = default;
};

struct SecurityGroup {
  std::string group_id;  // sg-<17 hex>
  std::string group_name;
  std::string description;
  std::string vpc_id;
  std::string owner_id;
  TagMap tags;
  bool operator==(const SecurityGroup&) const = default;
};

struct GroupIdentifier {
  std::string group_id;
  std::string group_name;
  bool operator==(const GroupIdentifier&) const = default;
};

// Attachment status: "attaching", "attached", "detaching" (then the attachment is removed).
struct NetworkInterfaceAttachment {
  std::string attachment_id;  // eni-attach-<17 hex>
  std::string instance_id;
  std::string instance_owner_id;
  int device_index = 0;
  int network_card_index = 0;
  std::string status;
  WallTime attach_time{};
  bool delete_on_termination = false;
  // When the pending transition (attaching -> attached, detaching -> gone) completes.
  WallTime transition_at{};
  bool operator==(const NetworkInterfaceAttachment&) const = default;
};

struct PrivateIpAddress {
  net::Ipv4Address address;
  bool primary = false;
  bool operator==(const PrivateIpAddress&) const = default;
};

struct NetworkInterface {
  std::string network_interface_id;  // eni-<17 hex>
  std::string subnet_id;
  std::string vpc_id;
  std::string availability_zone;
  std::string availability_zone_id;
  std::string description;
  // "interface", "trunk", "efa", "efa-only", "branch".
  std::string interface_type = "interface";
  net::MacAddress mac_address;
  std::string owner_id;
  std::string requester_id;
  bool requester_managed = false;
  bool source_dest_check = true;
  // Computed: "available", "attaching", "in-use", "detaching".
  std::string status = "available";
  net::Ipv4Address private_ip_address;  // the primary
  // Primary first, then secondaries in assignment order.
  std::vector<PrivateIpAddress> private_ip_addresses;
  std::vector<net::Ipv4Cidr> ipv4_prefixes;  // /28s in assignment order
  std::vector<net::Ipv6Address> ipv6_addresses;
  std::vector<net::Ipv6Cidr> ipv6_prefixes;  // /80s
  std::vector<GroupIdentifier> groups;
  std::optional<NetworkInterfaceAttachment> attachment;
  TagMap tags;
  // Set while this (branch) ENI is associated with a trunk.
  std::string trunk_association_id;
  WallTime create_time{};
  bool operator==(const NetworkInterface&) const = default;
};

// Instance state names as EC2: "pending", "running", "shutting-down", "terminated".
struct InstanceState {
  int code = 0;  // 0 pending, 16 running, 32 shutting-down, 48 terminated
  std::string name;
  bool operator==(const InstanceState&) const = default;
};

struct Instance {
  std::string instance_id;     // i-<17 hex>
  std::string reservation_id;  // r-<17 hex>
  std::string owner_id;
  std::string image_id;
  std::string instance_type;
  std::string subnet_id;
  std::string vpc_id;
  std::string availability_zone;
  std::string availability_zone_id;
  net::Ipv4Address private_ip_address;
  std::optional<net::Ipv6Address> ipv6_address;  // the primary ENI's first IPv6, if any
  std::string private_dns_name;                  // ip-10-0-0-4.<region>.compute.internal
  InstanceState state;
  WallTime launch_time{};
  WallTime running_at{};  // pending -> running at this time
  std::string primary_network_interface_id;
  // ENIs attached (any attachment status), sorted by (card, device index). Computed on output.
  std::vector<NetworkInterface> network_interfaces;
  std::vector<GroupIdentifier> security_groups;
  std::string key_name;
  std::string user_data;  // as given (base64 text)
  TagMap tags;
  bool operator==(const Instance&) const = default;
};

struct SubnetCidrReservation {
  std::string subnet_cidr_reservation_id;  // subnet-cr-<17 hex>
  std::string subnet_id;
  // Exactly one of these is set.
  std::optional<net::Ipv4Cidr> ipv4_cidr;
  std::optional<net::Ipv6Cidr> ipv6_cidr;
  std::string reservation_type;  // "prefix" or "explicit"
  std::string description;
  std::string owner_id;
  TagMap tags;

  std::string CidrString() const {
    return ipv4_cidr ? ipv4_cidr->ToString() : ipv6_cidr ? ipv6_cidr->ToString() : "";
  }

  bool operator==(const SubnetCidrReservation&) const = default;
};

struct TrunkInterfaceAssociation {
  std::string association_id;  // trunk-assoc-<17 hex>
  std::string branch_interface_id;
  std::string trunk_interface_id;
  std::string interface_protocol = "VLAN";
  int vlan_id = 0;
  TagMap tags;
  bool operator==(const TrunkInterfaceAssociation&) const = default;
};

struct AvailabilityZone {
  std::string zone_name;  // us-west-2a
  std::string zone_id;    // usw2-az1
  std::string region_name;
  std::string state = "available";
  std::string zone_type = "availability-zone";
  std::string group_name;            // the region
  std::string network_border_group;  // the region
  std::string opt_in_status = "opt-in-not-required";
  bool operator==(const AvailabilityZone&) const = default;
};

// One row of DescribeTags.
struct TagDescription {
  std::string resource_id;
  std::string resource_type;  // "vpc", "subnet", "network-interface", "instance", ...
  std::string key;
  std::string value;
  bool operator==(const TagDescription&) const = default;
};

// ---------------------------------------------------------------------------------------------
// Requests and replies. Paginated Describe* calls take max_results/next_token and return
// next_token (empty on the last page).
// ---------------------------------------------------------------------------------------------

struct CreateVpcRequest {
  std::string cidr_block;  // required, /16../28
  bool amazon_provided_ipv6_cidr_block = false;
  std::string instance_tenancy;
  TagMap tags;
};

struct CreateVpcReply {
  Vpc vpc;
};

struct DeleteVpcRequest {
  std::string vpc_id;
};

struct AssociateVpcCidrBlockRequest {
  std::string vpc_id;
  std::optional<std::string> cidr_block;  // a secondary IPv4 block, e.g. 100.64.0.0/16
  bool amazon_provided_ipv6_cidr_block = false;
};

struct AssociateVpcCidrBlockReply {
  std::string vpc_id;
  std::optional<VpcCidrAssociation> cidr_block_association;
  std::optional<VpcIpv6CidrAssociation> ipv6_cidr_block_association;
};

struct DescribeVpcsRequest {
  std::vector<std::string> vpc_ids;
  std::vector<Filter> filters;  // vpc-id, cidr, cidr-block-association.cidr-block, is-default,
                                // state, owner-id, tag:KEY, tag-key, tag-value
  std::optional<int> max_results;
  std::string next_token;
};

struct DescribeVpcsReply {
  std::vector<Vpc> vpcs;
  std::string next_token;
};

struct CreateSubnetRequest {
  std::string vpc_id;
  std::string cidr_block;                      // required (IPv4-only model)
  std::optional<std::string> ipv6_cidr_block;  // a /64 inside the VPC's /56
  std::string availability_zone;               // or availability_zone_id; default <region>a
  std::string availability_zone_id;
  TagMap tags;
};

struct CreateSubnetReply {
  Subnet subnet;
};

struct DeleteSubnetRequest {
  std::string subnet_id;
};

struct DescribeSubnetsRequest {
  std::vector<std::string> subnet_ids;
  // subnet-id, vpc-id, availability-zone, availability-zone-id, cidr-block (cidr,
  // cidrBlock), default-for-az, state, owner-id, ipv6-cidr-block-association.ipv6-cidr-block,
  // available-ip-address-count, tag:KEY, tag-key, tag-value
  std::vector<Filter> filters;
  std::optional<int> max_results;
  std::string next_token;
};

struct DescribeSubnetsReply {
  std::vector<Subnet> subnets;
  std::string next_token;
};

struct CreateSecurityGroupRequest {
  std::string group_name;   // required, unique per VPC
  std::string description;  // required
  std::string vpc_id;       // default VPC when empty
  TagMap tags;
};

struct CreateSecurityGroupReply {
  std::string group_id;
  TagMap tags;
};

struct DeleteSecurityGroupRequest {
  std::string group_id;    // one of group_id / group_name
  std::string group_name;  // looked up in the default VPC
};

struct DescribeSecurityGroupsRequest {
  std::vector<std::string> group_ids;
  std::vector<std::string> group_names;
  // group-id, group-name, vpc-id, description, owner-id, tag:KEY, tag-key, tag-value
  std::vector<Filter> filters;
  std::optional<int> max_results;
  std::string next_token;
};

struct DescribeSecurityGroupsReply {
  std::vector<SecurityGroup> security_groups;
  std::string next_token;
};

struct RunInstancesRequest {
  std::string image_id;       // required, ami-<hex>
  std::string instance_type;  // required, any row of the instance limits table
  int min_count = 1;
  int max_count = 1;
  std::string subnet_id;  // default subnet of the default VPC (in availability_zone) when empty
  std::string availability_zone;                  // Placement.AvailabilityZone
  std::vector<std::string> security_group_ids;    // VPC default SG when empty
  std::optional<std::string> private_ip_address;  // only with max_count == 1
  int secondary_private_ip_address_count = 0;     // on the primary ENI
  int ipv6_address_count = 0;                     // on the primary ENI
  std::string key_name;
  std::string user_data;
  TagMap tags;  // TagSpecification ResourceType=instance (also applied to the primary ENI
                // when network_interface_tags is empty)
  TagMap network_interface_tags;  // TagSpecification ResourceType=network-interface
};

struct RunInstancesReply {
  std::string reservation_id;
  std::string owner_id;
  std::vector<Instance> instances;
};

struct TerminateInstancesRequest {
  std::vector<std::string> instance_ids;
};

struct InstanceStateChange {
  std::string instance_id;
  InstanceState previous_state;
  InstanceState current_state;
};

struct TerminateInstancesReply {
  std::vector<InstanceStateChange> terminating_instances;
};

struct DescribeInstancesRequest {
  std::vector<std::string> instance_ids;
  // instance-id, instance-type, instance-state-name, subnet-id, vpc-id, availability-zone,
  // private-ip-address, image-id, network-interface.network-interface-id, tag:KEY, tag-key,
  // tag-value
  std::vector<Filter> filters;
  std::optional<int> max_results;
  std::string next_token;
};

struct Reservation {
  std::string reservation_id;
  std::string owner_id;
  std::vector<Instance> instances;
};

struct DescribeInstancesReply {
  std::vector<Reservation> reservations;
  std::string next_token;
};

struct DescribeInstanceTypesRequest {
  std::vector<std::string> instance_types;
  // instance-type, hypervisor, bare-metal, network-info.maximum-network-interfaces,
  // network-info.ipv4-addresses-per-interface, network-info.ipv6-addresses-per-interface,
  // network-info.maximum-network-cards, vcpu-info.default-vcpus
  std::vector<Filter> filters;
  std::optional<int> max_results;  // 5..100
  std::string next_token;
};

struct DescribeInstanceTypesReply {
  // NetworkInfo: MaximumNetworkInterfaces = TotalEnis(), Ipv4AddressesPerInterface =
  // ipv4_per_eni, Ipv6AddressesPerInterface = ipv6_per_eni, NetworkCards = network_cards,
  // DefaultNetworkCardIndex, MaximumNetworkCards = network_cards.size(); VCpuInfo.DefaultVCpus
  // = vcpus; Hypervisor ("" when "unknown"); BareMetal.
  std::vector<cloud::InstanceLimits> instance_types;
  std::string next_token;
};

struct CreateNetworkInterfaceRequest {
  std::string subnet_id;  // required
  std::string description;
  std::vector<std::string> group_ids;             // the VPC's default SG when empty
  std::optional<std::string> private_ip_address;  // the primary
  // PrivateIpAddresses.N (one may be primary=true).
  std::vector<PrivateIpAddress> private_ip_addresses;
  int secondary_private_ip_address_count = 0;
  std::vector<std::string> ipv4_prefixes;  // explicit /28s
  int ipv4_prefix_count = 0;
  std::vector<std::string> ipv6_addresses;
  int ipv6_address_count = 0;
  std::vector<std::string> ipv6_prefixes;  // explicit /80s
  int ipv6_prefix_count = 0;
  std::string interface_type;  // "", "interface", "trunk", "efa", "efa-only", "branch"
  TagMap tags;
  std::string client_token;  // idempotency: same token -> same ENI
};

struct CreateNetworkInterfaceReply {
  NetworkInterface network_interface;
  std::string client_token;
};

struct AttachNetworkInterfaceRequest {
  std::string network_interface_id;
  std::string instance_id;
  int device_index = 0;
  std::optional<int> network_card_index;  // the type's default card when absent
};

struct AttachNetworkInterfaceReply {
  std::string attachment_id;
  int network_card_index = 0;
};

struct DetachNetworkInterfaceRequest {
  std::string attachment_id;
  bool force = false;
};

struct DeleteNetworkInterfaceRequest {
  std::string network_interface_id;
};

struct ModifyNetworkInterfaceAttributeRequest {
  std::string network_interface_id;
  std::optional<std::string> description;
  std::optional<bool> source_dest_check;
  std::optional<std::vector<std::string>> group_ids;
  // Attachment.AttachmentId + Attachment.DeleteOnTermination
  std::optional<std::string> attachment_id;
  std::optional<bool> delete_on_termination;
};

struct DescribeNetworkInterfacesRequest {
  std::vector<std::string> network_interface_ids;
  // attachment.instance-id, attachment.attachment-id, attachment.status,
  // attachment.device-index, attachment.network-card-index, attachment.delete-on-termination,
  // tag:KEY, tag-key, tag-value, status, subnet-id, vpc-id, network-interface-id, description,
  // interface-type, mac-address, private-ip-address, addresses.private-ip-address,
  // addresses.primary, ipv6-addresses.ipv6-address, ipv4-prefix, availability-zone, group-id,
  // group-name, owner-id, requester-managed, source-dest-check
  std::vector<Filter> filters;
  std::optional<int> max_results;  // 5..1000, not with network_interface_ids
  std::string next_token;
};

struct DescribeNetworkInterfacesReply {
  std::vector<NetworkInterface> network_interfaces;
  std::string next_token;
};

struct AssignPrivateIpAddressesRequest {
  std::string network_interface_id;
  std::vector<std::string> private_ip_addresses;  // explicit secondaries
  int secondary_private_ip_address_count = 0;
  std::vector<std::string> ipv4_prefixes;  // explicit /28s
  int ipv4_prefix_count = 0;
  // With explicit addresses: move them from another ENI of the same subnet.
  bool allow_reassignment = false;
};

struct AssignPrivateIpAddressesReply {
  std::string network_interface_id;
  std::vector<net::Ipv4Address> assigned_private_ip_addresses;  // only the new ones
  std::vector<net::Ipv4Cidr> assigned_ipv4_prefixes;
};

struct UnassignPrivateIpAddressesRequest {
  std::string network_interface_id;
  std::vector<std::string> private_ip_addresses;
  std::vector<std::string> ipv4_prefixes;
};

struct AssignIpv6AddressesRequest {
  std::string network_interface_id;
  std::vector<std::string> ipv6_addresses;
  int ipv6_address_count = 0;
  std::vector<std::string> ipv6_prefixes;  // explicit /80s
  int ipv6_prefix_count = 0;
};

struct AssignIpv6AddressesReply {
  std::string network_interface_id;
  std::vector<net::Ipv6Address> assigned_ipv6_addresses;
  std::vector<net::Ipv6Cidr> assigned_ipv6_prefixes;
};

struct UnassignIpv6AddressesRequest {
  std::string network_interface_id;
  std::vector<std::string> ipv6_addresses;
  std::vector<std::string> ipv6_prefixes;
};

struct UnassignIpv6AddressesReply {
  std::string network_interface_id;
  std::vector<net::Ipv6Address> unassigned_ipv6_addresses;
  std::vector<net::Ipv6Cidr> unassigned_ipv6_prefixes;
};

struct CreateSubnetCidrReservationRequest {
  std::string subnet_id;
  std::string cidr;              // IPv4 or IPv6 CIDR inside the subnet
  std::string reservation_type;  // "prefix" or "explicit"
  std::string description;
  TagMap tags;
};

struct CreateSubnetCidrReservationReply {
  SubnetCidrReservation reservation;
};

struct DeleteSubnetCidrReservationRequest {
  std::string subnet_cidr_reservation_id;
};

struct DeleteSubnetCidrReservationReply {
  SubnetCidrReservation deleted;
};

struct GetSubnetCidrReservationsRequest {
  std::string subnet_id;  // required
  // reservationType, subnet-id, tag:KEY, tag-key, owner-id
  std::vector<Filter> filters;
  std::optional<int> max_results;
  std::string next_token;
};

struct GetSubnetCidrReservationsReply {
  std::vector<SubnetCidrReservation> subnet_ipv4_cidr_reservations;
  std::vector<SubnetCidrReservation> subnet_ipv6_cidr_reservations;
  std::string next_token;
};

struct CreateTagsRequest {
  std::vector<std::string> resource_ids;
  TagMap tags;
};

struct DeleteTagsRequest {
  std::vector<std::string> resource_ids;
  // key -> optional value; a value, when given, must match for the tag to be deleted. An empty
  // map deletes every tag.
  std::map<std::string, std::optional<std::string>> tags;
};

struct DescribeTagsRequest {
  // resource-id, resource-type, key, value
  std::vector<Filter> filters;
  std::optional<int> max_results;
  std::string next_token;
};

struct DescribeTagsReply {
  std::vector<TagDescription> tags;
  std::string next_token;
};

struct AssociateTrunkInterfaceRequest {
  std::string branch_interface_id;
  std::string trunk_interface_id;
  int vlan_id = 0;  // 1..4094, unique per trunk
  std::string client_token;
};

struct AssociateTrunkInterfaceReply {
  TrunkInterfaceAssociation interface_association;
  std::string client_token;
};

struct DisassociateTrunkInterfaceRequest {
  std::string association_id;
  std::string client_token;
};

struct DescribeTrunkInterfaceAssociationsRequest {
  std::vector<std::string> association_ids;
  // trunk-interface-association.id, trunk-interface-association.branch-interface-id,
  // trunk-interface-association.trunk-interface-id, gre-key? (unsupported -> error)
  std::vector<Filter> filters;
  std::optional<int> max_results;  // 5..255
  std::string next_token;
};

struct DescribeTrunkInterfaceAssociationsReply {
  std::vector<TrunkInterfaceAssociation> interface_associations;
  std::string next_token;
};

struct DescribeAvailabilityZonesRequest {
  std::vector<std::string> zone_names;
  std::vector<std::string> zone_ids;
  // zone-name, zone-id, region-name, state, zone-type
  std::vector<Filter> filters;
};

struct DescribeAvailabilityZonesReply {
  std::vector<AvailabilityZone> availability_zones;
};

// ---------------------------------------------------------------------------------------------
// IMDS view: what an instance's metadata service shows.
// ---------------------------------------------------------------------------------------------

struct ImdsInterface {
  net::MacAddress mac;
  std::string interface_id;
  int device_number = 0;  // attachment device index (forced to 0 for the primary)
  int network_card = 0;
  std::string owner_id;
  std::string subnet_id;
  net::Ipv4Cidr subnet_ipv4_cidr_block;
  std::vector<net::Ipv6Cidr> subnet_ipv6_cidr_blocks;
  std::string vpc_id;
  std::vector<net::Ipv4Cidr> vpc_ipv4_cidr_blocks;  // primary block first
  std::vector<net::Ipv6Cidr> vpc_ipv6_cidr_blocks;
  std::vector<net::Ipv4Address> local_ipv4s;  // primary first
  std::vector<net::Ipv4Cidr> ipv4_prefixes;
  std::vector<net::Ipv6Address> ipv6s;
  std::vector<net::Ipv6Cidr> ipv6_prefixes;
  std::vector<std::string> security_group_ids;
  std::vector<std::string> security_group_names;
  std::string interface_type;
  bool operator==(const ImdsInterface&) const = default;
};

struct ImdsView {
  WallTime as_of{};  // when EC2 state looked like this
  std::string instance_id;
  std::string instance_type;
  std::string image_id;
  std::string reservation_id;
  std::string account_id;
  std::string region;
  std::string availability_zone;
  std::string availability_zone_id;
  std::string state;  // instance state name
  net::Ipv4Address local_ipv4;
  std::optional<net::Ipv6Address> ipv6;
  std::string local_hostname;
  net::MacAddress mac;  // the primary ENI's
  WallTime launch_time{};
  std::vector<std::string> security_group_names;  // the primary ENI's
  // Attached interfaces (status attached or detaching), sorted by (network card, device).
  std::vector<ImdsInterface> interfaces;
  bool operator==(const ImdsView&) const = default;
};

}  // namespace vpccni::vpcsim
