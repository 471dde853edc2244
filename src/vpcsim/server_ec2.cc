#include "vpcsim/server_ec2.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <map>

#include "vpcsim/query_xml.h"

namespace vpccni::vpcsim {
namespace {

constexpr int64_t kMaxCount = 100000;
constexpr int64_t kIntMax = std::numeric_limits<int>::max();

// ---- decoding helpers -----------------------------------------------------------------------

Result<std::vector<Filter>> Filters(const QueryParams& p) {
  ASSIGN_OR_RETURN(auto qf, p.GetFilters());
  std::vector<Filter> out;
  out.reserve(qf.size());
  for (auto& f : qf) {
    out.push_back(Filter{std::move(f.name), std::move(f.values)});
  }
  return out;
}

Result<std::optional<int>> OptInt(const QueryParams& p, std::string_view key, int64_t min = 0,
                                  int64_t max = kIntMax) {
  ASSIGN_OR_RETURN(auto v, p.GetInt(key, min, max));
  if (!v.has_value()) {
    return std::optional<int>();
  }
  return std::optional<int>(static_cast<int>(*v));
}

Result<int> IntOr(const QueryParams& p, std::string_view key, int fallback, int64_t min = 0,
                  int64_t max = kMaxCount) {
  ASSIGN_OR_RETURN(auto v, OptInt(p, key, min, max));
  return v.value_or(fallback);
}

Result<bool> BoolOr(const QueryParams& p, std::string_view key, bool fallback) {
  ASSIGN_OR_RETURN(auto v, p.GetBool(key));
  return v.value_or(fallback);
}

// Tags of TagSpecification.N whose ResourceType is one of `types` (the first type is the one
// an empty ResourceType means). `sink[i]` receives the tags of types[i].
Result<void> TagsFor(const QueryParams& p, const std::vector<std::string_view>& types,
                     const std::vector<TagMap*>& sink) {
  ASSIGN_OR_RETURN(auto specs, p.GetTagSpecifications());
  for (const auto& spec : specs) {
    std::string_view type = spec.resource_type.empty() ? types[0] : spec.resource_type;
    auto it = std::find(types.begin(), types.end(), type);
    if (it == types.end()) {
      return Ec2Error("InvalidParameterValue",
                      fmt::format("'{}' is not a valid taggable resource type for this operation.",
                                  spec.resource_type));
    }
    TagMap* target = sink[static_cast<size_t>(it - types.begin())];
    if (target == nullptr) {
      continue;  // accepted and ignored (e.g. volume tags on RunInstances)
    }
    for (const auto& t : spec.tags) {
      (*target)[t.key] = t.value;
    }
  }
  return Ok();
}

Result<TagMap> TagsOf(const QueryParams& p, std::string_view type) {
  TagMap tags;
  RETURN_IF_ERROR(TagsFor(p, {type}, {&tags}));
  return tags;
}

Result<std::optional<int>> MaxResults(const QueryParams& p) {
  return OptInt(p, "MaxResults", std::numeric_limits<int>::min(), kIntMax);
}

// ---- rendering helpers ----------------------------------------------------------------------

void RenderTags(XmlWriter& w, const TagMap& tags) {
  if (tags.empty()) {
    return;
  }
  w.Open("tagSet");
  for (const auto& [k, v] : tags) {
    w.Open("item");
    w.Leaf("key", k);
    w.Leaf("value", v);
    w.Close();
  }
  w.Close();
}

void RenderNextToken(XmlWriter& w, const std::string& token) {
  if (!token.empty()) {
    w.Leaf("nextToken", token);
  }
}

void RenderVpcBody(XmlWriter& w, const Vpc& v) {
  w.Leaf("vpcId", v.vpc_id);
  w.Leaf("ownerId", v.owner_id);
  w.Leaf("state", v.state);
  w.Leaf("cidrBlock", v.cidr_block.ToString());
  w.Open("cidrBlockAssociationSet");
  for (const auto& a : v.cidr_block_associations) {
    w.Open("item");
    w.Leaf("associationId", a.association_id);
    w.Leaf("cidrBlock", a.cidr.ToString());
    w.Open("cidrBlockState");
    w.Leaf("state", a.state);
    w.Close();
    w.Close();
  }
  w.Close();
  w.Open("ipv6CidrBlockAssociationSet");
  for (const auto& a : v.ipv6_cidr_block_associations) {
    w.Open("item");
    w.Leaf("associationId", a.association_id);
    w.Leaf("ipv6CidrBlock", a.cidr.ToString());
    w.Open("ipv6CidrBlockState");
    w.Leaf("state", a.state);
    w.Close();
    w.Leaf("networkBorderGroup", a.network_border_group);
    w.Leaf("ipv6Pool", "Amazon");
    w.Close();
  }
  w.Close();
  w.Leaf("dhcpOptionsId", "default");
  w.Leaf("instanceTenancy", v.instance_tenancy);
  w.Leaf("isDefault", v.is_default);
  RenderTags(w, v.tags);
}

void RenderSubnetBody(XmlWriter& w, const Subnet& s) {
  w.Leaf("subnetId", s.subnet_id);
  w.Leaf("subnetArn", s.subnet_arn);
  w.Leaf("ownerId", s.owner_id);
  w.Leaf("state", s.state);
  w.Leaf("vpcId", s.vpc_id);
  w.Leaf("cidrBlock", s.cidr_block.ToString());
  w.Open("ipv6CidrBlockAssociationSet");
  if (s.ipv6_cidr_block.has_value()) {
    w.Open("item");
    w.Leaf("associationId", s.ipv6_association_id);
    w.Leaf("ipv6CidrBlock", s.ipv6_cidr_block->ToString());
    w.Open("ipv6CidrBlockState");
    w.Leaf("state", "associated");
    w.Close();
    w.Close();
  }
  w.Close();
  w.Leaf("availableIpAddressCount", s.available_ip_address_count);
  w.Leaf("availabilityZone", s.availability_zone);
  w.Leaf("availabilityZoneId", s.availability_zone_id);
  w.Leaf("defaultForAz", s.default_for_az);
  w.Leaf("mapPublicIpOnLaunch", s.map_public_ip_on_launch);
  w.Leaf("assignIpv6AddressOnCreation", s.assign_ipv6_address_on_creation);
  RenderTags(w, s.tags);
}

void RenderGroups(XmlWriter& w, std::string_view name, const std::vector<GroupIdentifier>& gs) {
  w.Open(name);
  for (const auto& g : gs) {
    w.Open("item");
    w.Leaf("groupId", g.group_id);
    w.Leaf("groupName", g.group_name);
    w.Close();
  }
  w.Close();
}

// The ENI fields shared by DescribeNetworkInterfaces/CreateNetworkInterface and the instance's
// networkInterfaceSet.
void RenderEniBody(XmlWriter& w, const NetworkInterface& e) {
  w.Leaf("networkInterfaceId", e.network_interface_id);
  w.Leaf("subnetId", e.subnet_id);
  w.Leaf("vpcId", e.vpc_id);
  w.Leaf("availabilityZone", e.availability_zone);
  w.Leaf("availabilityZoneId", e.availability_zone_id);
  w.Leaf("description", e.description);
  w.Leaf("ownerId", e.owner_id);
  if (!e.requester_id.empty()) {
    w.Leaf("requesterId", e.requester_id);
  }
  w.Leaf("requesterManaged", e.requester_managed);
  w.Leaf("status", e.status);
  w.Leaf("macAddress", e.mac_address.ToString());
  w.Leaf("privateIpAddress", e.private_ip_address.ToString());
  w.Leaf("sourceDestCheck", e.source_dest_check);
  w.Leaf("interfaceType", e.interface_type);
  RenderGroups(w, "groupSet", e.groups);
  if (e.attachment.has_value()) {
    const auto& a = *e.attachment;
    w.Open("attachment");
    w.Leaf("attachmentId", a.attachment_id);
    w.Leaf("instanceId", a.instance_id);
    w.Leaf("instanceOwnerId", a.instance_owner_id);
    w.Leaf("deviceIndex", a.device_index);
    w.Leaf("networkCardIndex", a.network_card_index);
    w.Leaf("status", a.status);
    w.Leaf("attachTime", FormatEc2Time(a.attach_time));
    w.Leaf("deleteOnTermination", a.delete_on_termination);
    w.Close();
  }
  w.Open("privateIpAddressesSet");
  for (const auto& ip : e.private_ip_addresses) {
    w.Open("item");
    w.Leaf("privateIpAddress", ip.address.ToString());
    w.Leaf("primary", ip.primary);
    w.Close();
  }
  w.Close();
  w.Open("ipv4PrefixSet");
  for (const auto& p : e.ipv4_prefixes) {
    w.Open("item");
    w.Leaf("ipv4Prefix", p.ToString());
    w.Close();
  }
  w.Close();
  w.Open("ipv6AddressesSet");
  for (const auto& a : e.ipv6_addresses) {
    w.Open("item");
    w.Leaf("ipv6Address", a.ToString());
    w.Leaf("isPrimaryIpv6", false);
    w.Close();
  }
  w.Close();
  w.Open("ipv6PrefixSet");
  for (const auto& p : e.ipv6_prefixes) {
    w.Open("item");
    w.Leaf("ipv6Prefix", p.ToString());
    w.Close();
  }
  w.Close();
  RenderTags(w, e.tags);
}

void RenderState(XmlWriter& w, std::string_view name, const InstanceState& s) {
  w.Open(name);
  w.Leaf("code", s.code);
  w.Leaf("name", s.name);
  w.Close();
}

void RenderInstance(XmlWriter& w, const Instance& i) {
  w.Open("item");
  w.Leaf("instanceId", i.instance_id);
  w.Leaf("imageId", i.image_id);
  RenderState(w, "instanceState", i.state);
  w.Leaf("privateDnsName", i.private_dns_name);
  w.Leaf("dnsName", "");
  w.Leaf("reason", "");
  if (!i.key_name.empty()) {
    w.Leaf("keyName", i.key_name);
  }
  w.Leaf("amiLaunchIndex", 0);
  w.Leaf("instanceType", i.instance_type);
  w.Leaf("launchTime", FormatEc2Time(i.launch_time));
  w.Open("placement");
  w.Leaf("availabilityZone", i.availability_zone);
  w.Leaf("availabilityZoneId", i.availability_zone_id);
  w.Leaf("groupName", "");
  w.Leaf("tenancy", "default");
  w.Close();
  w.Open("monitoring");
  w.Leaf("state", "disabled");
  w.Close();
  if (!i.subnet_id.empty()) {
    w.Leaf("subnetId", i.subnet_id);
    w.Leaf("vpcId", i.vpc_id);
  }
  if (i.private_ip_address != net::Ipv4Address()) {
    w.Leaf("privateIpAddress", i.private_ip_address.ToString());
  }
  if (i.ipv6_address.has_value()) {
    w.Leaf("ipv6Address", i.ipv6_address->ToString());
  }
  w.Leaf("sourceDestCheck", true);
  RenderGroups(w, "groupSet", i.security_groups);
  w.Leaf("architecture", "x86_64");
  w.Leaf("rootDeviceType", "ebs");
  w.Leaf("rootDeviceName", "/dev/xvda");
  w.Leaf("virtualizationType", "hvm");
  w.Leaf("hypervisor", "xen");
  w.Leaf("enaSupport", true);
  w.Open("networkInterfaceSet");
  for (const auto& e : i.network_interfaces) {
    w.Open("item");
    RenderEniBody(w, e);
    w.Close();
  }
  w.Close();
  RenderTags(w, i.tags);
  w.Close();
}

void RenderReservationBody(XmlWriter& w, const std::string& reservation_id,
                           const std::string& owner_id, const std::vector<Instance>& instances) {
  w.Leaf("reservationId", reservation_id);
  w.Leaf("ownerId", owner_id);
  w.Empty("groupSet");
  w.Open("instancesSet");
  for (const auto& i : instances) {
    RenderInstance(w, i);
  }
  w.Close();
}

void RenderReservation(XmlWriter& w, const SubnetCidrReservation& r) {
  w.Leaf("subnetCidrReservationId", r.subnet_cidr_reservation_id);
  w.Leaf("subnetId", r.subnet_id);
  w.Leaf("cidr", r.CidrString());
  w.Leaf("reservationType", r.reservation_type);
  w.Leaf("ownerId", r.owner_id);
  if (!r.description.empty()) {
    w.Leaf("description", r.description);
  }
  RenderTags(w, r.tags);
}

void RenderTrunkAssociation(XmlWriter& w, const TrunkInterfaceAssociation& a) {
  w.Leaf("associationId", a.association_id);
  w.Leaf("branchInterfaceId", a.branch_interface_id);
  w.Leaf("trunkInterfaceId", a.trunk_interface_id);
  w.Leaf("interfaceProtocol", a.interface_protocol);
  w.Leaf("vlanId", a.vlan_id);
  RenderTags(w, a.tags);
}

void RenderInstanceType(XmlWriter& w, const cloud::InstanceLimits& t) {
  w.Open("item");
  w.Leaf("instanceType", t.instance_type);
  w.Leaf("currentGeneration", true);
  w.Leaf("bareMetal", t.bare_metal);
  if (!t.hypervisor.empty() && t.hypervisor != "unknown") {
    w.Leaf("hypervisor", t.hypervisor);
  }
  if (t.vcpus > 0) {
    w.Open("vCpuInfo");
    w.Leaf("defaultVCpus", t.vcpus);
    w.Close();
  }
  w.Open("networkInfo");
  w.Leaf("maximumNetworkInterfaces", t.TotalEnis());
  w.Leaf("maximumNetworkCards",
         static_cast<int>(t.network_cards.empty() ? 1 : t.network_cards.size()));
  w.Leaf("defaultNetworkCardIndex", t.default_network_card_index);
  w.Open("networkCards");
  if (t.network_cards.empty()) {
    w.Open("item");
    w.Leaf("networkCardIndex", 0);
    w.Leaf("maximumNetworkInterfaces", t.eni_limit);
    w.Close();
  }
  for (const auto& c : t.network_cards) {
    w.Open("item");
    w.Leaf("networkCardIndex", c.index);
    w.Leaf("maximumNetworkInterfaces", c.max_enis);
    w.Close();
  }
  w.Close();
  w.Leaf("ipv4AddressesPerInterface", t.ipv4_per_eni);
  w.Leaf("ipv6AddressesPerInterface", t.ipv6_per_eni);
  w.Leaf("ipv6Supported", t.ipv6_per_eni > 0);
  w.Leaf("enaSupport", t.hypervisor == "nitro" || t.bare_metal ? "required" : "unsupported");
  w.Leaf("efaSupported", false);
  w.Close();
  w.Close();
}

// ---- actions ----------------------------------------------------------------------------------

struct Ctx {
  VpcModel& model;
  const QueryParams& p;
  WallTime now;
  std::string_view action;
  std::string_view rid;
};

using ActionFn = std::function<Result<std::string>(Ctx&)>;

Result<std::string> CreateVpc(Ctx& c) {
  CreateVpcRequest r;
  ASSIGN_OR_RETURN(r.cidr_block, c.p.Require("CidrBlock"));
  ASSIGN_OR_RETURN(r.amazon_provided_ipv6_cidr_block,
                   BoolOr(c.p, "AmazonProvidedIpv6CidrBlock", false));
  r.instance_tenancy = c.p.Get("InstanceTenancy").value_or("");
  ASSIGN_OR_RETURN(r.tags, TagsOf(c.p, "vpc"));
  ASSIGN_OR_RETURN(auto reply, c.model.CreateVpc(r, c.now));
  XmlWriter w(c.action, c.rid);
  w.Open("vpc");
  RenderVpcBody(w, reply.vpc);
  w.Close();
  return std::move(w).Finish();
}

Result<std::string> DeleteVpc(Ctx& c) {
  DeleteVpcRequest r;
  ASSIGN_OR_RETURN(r.vpc_id, c.p.Require("VpcId"));
  RETURN_IF_ERROR(c.model.DeleteVpc(r, c.now));
  return RenderReturnTrue(c.action, c.rid);
}

Result<std::string> AssociateVpcCidrBlock(Ctx& c) {
  AssociateVpcCidrBlockRequest r;
  ASSIGN_OR_RETURN(r.vpc_id, c.p.Require("VpcId"));
  r.cidr_block = c.p.Get("CidrBlock");
  ASSIGN_OR_RETURN(r.amazon_provided_ipv6_cidr_block,
                   BoolOr(c.p, "AmazonProvidedIpv6CidrBlock", false));
  ASSIGN_OR_RETURN(auto reply, c.model.AssociateVpcCidrBlock(r, c.now));
  XmlWriter w(c.action, c.rid);
  w.Leaf("vpcId", reply.vpc_id);
  if (reply.cidr_block_association.has_value()) {
    const auto& a = *reply.cidr_block_association;
    w.Open("cidrBlockAssociation");
    w.Leaf("associationId", a.association_id);
    w.Leaf("cidrBlock", a.cidr.ToString());
    w.Open("cidrBlockState");
    w.Leaf("state", "associating");
    w.Close();
    w.Close();
  }
  if (reply.ipv6_cidr_block_association.has_value()) {
    const auto& a = *reply.ipv6_cidr_block_association;
    w.Open("ipv6CidrBlockAssociation");
    w.Leaf("associationId", a.association_id);
    w.Leaf("ipv6CidrBlock", a.cidr.ToString());
    w.Open("ipv6CidrBlockState");
    w.Leaf("state", "associating");
    w.Close();
    w.Leaf("networkBorderGroup", a.network_border_group);
    w.Leaf("ipv6Pool", "Amazon");
    w.Close();
  }
  return std::move(w).Finish();
}

Result<std::string> DescribeVpcs(Ctx& c) {
  DescribeVpcsRequest r;
  ASSIGN_OR_RETURN(r.vpc_ids, c.p.GetList("VpcId"));
  ASSIGN_OR_RETURN(r.filters, Filters(c.p));
  ASSIGN_OR_RETURN(r.max_results, MaxResults(c.p));
  r.next_token = c.p.Get("NextToken").value_or("");
  ASSIGN_OR_RETURN(auto reply, c.model.DescribeVpcs(r, c.now));
  XmlWriter w(c.action, c.rid);
  w.Open("vpcSet");
  for (const auto& v : reply.vpcs) {
    w.Open("item");
    RenderVpcBody(w, v);
    w.Close();
  }
  w.Close();
  RenderNextToken(w, reply.next_token);
  return std::move(w).Finish();
}

Result<std::string> CreateSubnet(Ctx& c) {
  CreateSubnetRequest r;
  ASSIGN_OR_RETURN(r.vpc_id, c.p.Require("VpcId"));
  ASSIGN_OR_RETURN(r.cidr_block, c.p.Require("CidrBlock"));
  r.ipv6_cidr_block = c.p.Get("Ipv6CidrBlock");
  r.availability_zone = c.p.Get("AvailabilityZone").value_or("");
  r.availability_zone_id = c.p.Get("AvailabilityZoneId").value_or("");
  ASSIGN_OR_RETURN(r.tags, TagsOf(c.p, "subnet"));
  ASSIGN_OR_RETURN(auto reply, c.model.CreateSubnet(r, c.now));
  XmlWriter w(c.action, c.rid);
  w.Open("subnet");
  RenderSubnetBody(w, reply.subnet);
  w.Close();
  return std::move(w).Finish();
}

Result<std::string> DeleteSubnet(Ctx& c) {
  DeleteSubnetRequest r;
  ASSIGN_OR_RETURN(r.subnet_id, c.p.Require("SubnetId"));
  RETURN_IF_ERROR(c.model.DeleteSubnet(r, c.now));
  return RenderReturnTrue(c.action, c.rid);
}

Result<std::string> DescribeSubnets(Ctx& c) {
  DescribeSubnetsRequest r;
  ASSIGN_OR_RETURN(r.subnet_ids, c.p.GetList("SubnetId"));
  ASSIGN_OR_RETURN(r.filters, Filters(c.p));
  ASSIGN_OR_RETURN(r.max_results, MaxResults(c.p));
  r.next_token = c.p.Get("NextToken").value_or("");
  ASSIGN_OR_RETURN(auto reply, c.model.DescribeSubnets(r, c.now));
  XmlWriter w(c.action, c.rid);
  w.Open("subnetSet");
  for (const auto& s : reply.subnets) {
    w.Open("item");
    RenderSubnetBody(w, s);
    w.Close();
  }
  w.Close();
  RenderNextToken(w, reply.next_token);
  return std::move(w).Finish();
}

Result<std::string> DescribeAvailabilityZones(Ctx& c) {
  DescribeAvailabilityZonesRequest r;
  ASSIGN_OR_RETURN(r.zone_names, c.p.GetList("ZoneName"));
  ASSIGN_OR_RETURN(r.zone_ids, c.p.GetList("ZoneId"));
  ASSIGN_OR_RETURN(r.filters, Filters(c.p));
  ASSIGN_OR_RETURN(auto reply, c.model.DescribeAvailabilityZones(r, c.now));
  XmlWriter w(c.action, c.rid);
  w.Open("availabilityZoneInfo");
  for (const auto& z : reply.availability_zones) {
    w.Open("item");
    w.Leaf("zoneName", z.zone_name);
    w.Leaf("zoneId", z.zone_id);
    w.Leaf("zoneState", z.state);
    w.Leaf("regionName", z.region_name);
    w.Leaf("zoneType", z.zone_type);
    w.Leaf("groupName", z.group_name);
    w.Leaf("networkBorderGroup", z.network_border_group);
    w.Leaf("optInStatus", z.opt_in_status);
    w.Empty("messageSet");
    w.Close();
  }
  w.Close();
  return std::move(w).Finish();
}

Result<std::string> CreateSecurityGroup(Ctx& c) {
  CreateSecurityGroupRequest r;
  ASSIGN_OR_RETURN(r.group_name, c.p.Require("GroupName"));
  ASSIGN_OR_RETURN(r.description, c.p.Require("GroupDescription"));
  r.vpc_id = c.p.Get("VpcId").value_or("");
  ASSIGN_OR_RETURN(r.tags, TagsOf(c.p, "security-group"));
  ASSIGN_OR_RETURN(auto reply, c.model.CreateSecurityGroup(r, c.now));
  XmlWriter w(c.action, c.rid);
  w.Leaf("return", true);
  w.Leaf("groupId", reply.group_id);
  RenderTags(w, reply.tags);
  return std::move(w).Finish();
}

Result<std::string> DeleteSecurityGroup(Ctx& c) {
  DeleteSecurityGroupRequest r;
  r.group_id = c.p.Get("GroupId").value_or("");
  r.group_name = c.p.Get("GroupName").value_or("");
  if (r.group_id.empty() && r.group_name.empty()) {
    return Ec2Error("MissingParameter", "The request must contain the parameter GroupId");
  }
  // Resolve the ID first so the reply can echo it.
  std::string group_id = r.group_id;
  RETURN_IF_ERROR(c.model.DeleteSecurityGroup(r, c.now));
  XmlWriter w(c.action, c.rid);
  w.Leaf("return", true);
  if (!group_id.empty()) {
    w.Leaf("groupId", group_id);
  }
  return std::move(w).Finish();
}

Result<std::string> DescribeSecurityGroups(Ctx& c) {
  DescribeSecurityGroupsRequest r;
  ASSIGN_OR_RETURN(r.group_ids, c.p.GetList("GroupId"));
  ASSIGN_OR_RETURN(r.group_names, c.p.GetList("GroupName"));
  ASSIGN_OR_RETURN(r.filters, Filters(c.p));
  ASSIGN_OR_RETURN(r.max_results, MaxResults(c.p));
  r.next_token = c.p.Get("NextToken").value_or("");
  ASSIGN_OR_RETURN(auto reply, c.model.DescribeSecurityGroups(r, c.now));
  XmlWriter w(c.action, c.rid);
  w.Open("securityGroupInfo");
  for (const auto& g : reply.security_groups) {
    w.Open("item");
    w.Leaf("ownerId", g.owner_id);
    w.Leaf("groupId", g.group_id);
    w.Leaf("groupName", g.group_name);
    w.Leaf("groupDescription", g.description);
    w.Leaf("vpcId", g.vpc_id);
    w.Empty("ipPermissions");
    w.Open("ipPermissionsEgress");
    w.Open("item");
    w.Leaf("ipProtocol", "-1");
    w.Empty("groups");
    w.Open("ipRanges");
    w.Open("item");
    w.Leaf("cidrIp", "0.0.0.0/0");
    w.Close();
    w.Close();
    w.Close();
    w.Close();
    RenderTags(w, g.tags);
    w.Close();
  }
  w.Close();
  RenderNextToken(w, reply.next_token);
  return std::move(w).Finish();
}

Result<std::string> RunInstances(Ctx& c) {
  RunInstancesRequest r;
  ASSIGN_OR_RETURN(r.image_id, c.p.Require("ImageId"));
  r.instance_type = c.p.Get("InstanceType").value_or("m1.small");
  ASSIGN_OR_RETURN(auto min_count, c.p.RequireInt("MinCount", 1, kMaxCount));
  ASSIGN_OR_RETURN(auto max_count, c.p.RequireInt("MaxCount", 1, kMaxCount));
  r.min_count = static_cast<int>(min_count);
  r.max_count = static_cast<int>(max_count);
  r.subnet_id = c.p.Get("SubnetId").value_or("");
  r.availability_zone = c.p.Get("Placement.AvailabilityZone").value_or("");
  ASSIGN_OR_RETURN(r.security_group_ids, c.p.GetList("SecurityGroupId"));
  ASSIGN_OR_RETURN(auto group_names, c.p.GetList("SecurityGroup"));
  if (!group_names.empty()) {
    return Ec2Error("InvalidParameterCombination",
                    "The emulator identifies security groups by ID; use SecurityGroupId.N");
  }
  r.private_ip_address = c.p.Get("PrivateIpAddress");
  ASSIGN_OR_RETURN(r.ipv6_address_count, IntOr(c.p, "Ipv6AddressCount", 0));
  r.key_name = c.p.Get("KeyName").value_or("");
  r.user_data = c.p.Get("UserData").value_or("");
  // One NetworkInterface.N spec for device 0 may describe the primary ENI.
  ASSIGN_OR_RETURN(auto nics, c.p.GetMembers("NetworkInterface"));
  for (const auto& nic : nics) {
    ASSIGN_OR_RETURN(int device, IntOr(nic, "DeviceIndex", 0));
    if (device != 0 || nic.Has("NetworkInterfaceId")) {
      return Ec2Error("InvalidParameterValue",
                      "Only a NetworkInterface specification for a new primary interface "
                      "(DeviceIndex 0) is supported; attach further interfaces later");
    }
    if (auto v = nic.Get("SubnetId")) {
      r.subnet_id = *v;
    }
    ASSIGN_OR_RETURN(auto groups, nic.GetList("SecurityGroupId"));
    if (!groups.empty()) {
      r.security_group_ids = groups;
    }
    if (auto v = nic.Get("PrivateIpAddress")) {
      r.private_ip_address = *v;
    }
    ASSIGN_OR_RETURN(r.secondary_private_ip_address_count,
                     IntOr(nic, "SecondaryPrivateIpAddressCount", 0));
    ASSIGN_OR_RETURN(int v6, IntOr(nic, "Ipv6AddressCount", r.ipv6_address_count));
    r.ipv6_address_count = v6;
  }
  RETURN_IF_ERROR(TagsFor(c.p, {"instance", "network-interface", "volume"},
                          {&r.tags, &r.network_interface_tags, nullptr}));
  ASSIGN_OR_RETURN(auto reply, c.model.RunInstances(r, c.now));
  XmlWriter w(c.action, c.rid);
  RenderReservationBody(w, reply.reservation_id, reply.owner_id, reply.instances);
  return std::move(w).Finish();
}

Result<std::string> TerminateInstances(Ctx& c) {
  TerminateInstancesRequest r;
  ASSIGN_OR_RETURN(r.instance_ids, c.p.GetList("InstanceId"));
  if (r.instance_ids.empty()) {
    return Ec2Error("MissingParameter", "The request must contain the parameter InstanceId");
  }
  ASSIGN_OR_RETURN(auto reply, c.model.TerminateInstances(r, c.now));
  XmlWriter w(c.action, c.rid);
  w.Open("instancesSet");
  for (const auto& ch : reply.terminating_instances) {
    w.Open("item");
    w.Leaf("instanceId", ch.instance_id);
    RenderState(w, "currentState", ch.current_state);
    RenderState(w, "previousState", ch.previous_state);
    w.Close();
  }
  w.Close();
  return std::move(w).Finish();
}

Result<std::string> DescribeInstances(Ctx& c) {
  DescribeInstancesRequest r;
  ASSIGN_OR_RETURN(r.instance_ids, c.p.GetList("InstanceId"));
  ASSIGN_OR_RETURN(r.filters, Filters(c.p));
  ASSIGN_OR_RETURN(r.max_results, MaxResults(c.p));
  r.next_token = c.p.Get("NextToken").value_or("");
  ASSIGN_OR_RETURN(auto reply, c.model.DescribeInstances(r, c.now));
  XmlWriter w(c.action, c.rid);
  w.Open("reservationSet");
  for (const auto& res : reply.reservations) {
    w.Open("item");
    RenderReservationBody(w, res.reservation_id, res.owner_id, res.instances);
    w.Close();
  }
  w.Close();
  RenderNextToken(w, reply.next_token);
  return std::move(w).Finish();
}

Result<std::string> DescribeInstanceTypes(Ctx& c) {
  DescribeInstanceTypesRequest r;
  ASSIGN_OR_RETURN(r.instance_types, c.p.GetList("InstanceType"));
  ASSIGN_OR_RETURN(r.filters, Filters(c.p));
  ASSIGN_OR_RETURN(r.max_results, MaxResults(c.p));
  r.next_token = c.p.Get("NextToken").value_or("");
  ASSIGN_OR_RETURN(auto reply, c.model.DescribeInstanceTypes(r, c.now));
  XmlWriter w(c.action, c.rid);
  w.Open("instanceTypeSet");
  for (const auto& t : reply.instance_types) {
    RenderInstanceType(w, t);
  }
  w.Close();
  RenderNextToken(w, reply.next_token);
  return std::move(w).Finish();
}

Result<std::string> CreateNetworkInterface(Ctx& c) {
  CreateNetworkInterfaceRequest r;
  ASSIGN_OR_RETURN(r.subnet_id, c.p.Require("SubnetId"));
  r.description = c.p.Get("Description").value_or("");
  ASSIGN_OR_RETURN(r.group_ids, c.p.GetList("SecurityGroupId"));
  r.private_ip_address = c.p.Get("PrivateIpAddress");
  ASSIGN_OR_RETURN(auto ips, c.p.GetMembers("PrivateIpAddresses"));
  for (const auto& m : ips) {
    ASSIGN_OR_RETURN(std::string text, m.Require("PrivateIpAddress"));
    auto addr = net::Ipv4Address::Parse(text);
    if (!addr.has_value()) {
      return Ec2Error(
          "InvalidParameterValue",
          fmt::format("Invalid value '{}' for PrivateIpAddresses.N.PrivateIpAddress", text));
    }
    ASSIGN_OR_RETURN(bool primary, BoolOr(m, "Primary", false));
    r.private_ip_addresses.push_back(PrivateIpAddress{*addr, primary});
  }
  ASSIGN_OR_RETURN(r.secondary_private_ip_address_count,
                   IntOr(c.p, "SecondaryPrivateIpAddressCount", 0));
  ASSIGN_OR_RETURN(auto v4p, c.p.GetMembers("Ipv4Prefix"));
  for (const auto& m : v4p) {
    ASSIGN_OR_RETURN(std::string s, m.Require("Ipv4Prefix"));
    r.ipv4_prefixes.push_back(std::move(s));
  }
  ASSIGN_OR_RETURN(r.ipv4_prefix_count, IntOr(c.p, "Ipv4PrefixCount", 0));
  ASSIGN_OR_RETURN(auto v6a, c.p.GetMembers("Ipv6Addresses"));
  for (const auto& m : v6a) {
    ASSIGN_OR_RETURN(std::string s, m.Require("Ipv6Address"));
    r.ipv6_addresses.push_back(std::move(s));
  }
  ASSIGN_OR_RETURN(r.ipv6_address_count, IntOr(c.p, "Ipv6AddressCount", 0));
  ASSIGN_OR_RETURN(auto v6p, c.p.GetMembers("Ipv6Prefix"));
  for (const auto& m : v6p) {
    ASSIGN_OR_RETURN(std::string s, m.Require("Ipv6Prefix"));
    r.ipv6_prefixes.push_back(std::move(s));
  }
  ASSIGN_OR_RETURN(r.ipv6_prefix_count, IntOr(c.p, "Ipv6PrefixCount", 0));
  r.interface_type = c.p.Get("InterfaceType").value_or("");
  ASSIGN_OR_RETURN(r.tags, TagsOf(c.p, "network-interface"));
  r.client_token = c.p.Get("ClientToken").value_or("");
  ASSIGN_OR_RETURN(auto reply, c.model.CreateNetworkInterface(r, c.now));
  XmlWriter w(c.action, c.rid);
  w.Open("networkInterface");
  RenderEniBody(w, reply.network_interface);
  w.Close();
  if (!reply.client_token.empty()) {
    w.Leaf("clientToken", reply.client_token);
  }
  return std::move(w).Finish();
}

Result<std::string> AttachNetworkInterface(Ctx& c) {
  AttachNetworkInterfaceRequest r;
  ASSIGN_OR_RETURN(r.network_interface_id, c.p.Require("NetworkInterfaceId"));
  ASSIGN_OR_RETURN(r.instance_id, c.p.Require("InstanceId"));
  ASSIGN_OR_RETURN(auto device, c.p.RequireInt("DeviceIndex", 0, kIntMax));
  r.device_index = static_cast<int>(device);
  ASSIGN_OR_RETURN(r.network_card_index, OptInt(c.p, "NetworkCardIndex"));
  ASSIGN_OR_RETURN(auto reply, c.model.AttachNetworkInterface(r, c.now));
  XmlWriter w(c.action, c.rid);
  w.Leaf("attachmentId", reply.attachment_id);
  w.Leaf("networkCardIndex", reply.network_card_index);
  return std::move(w).Finish();
}

Result<std::string> DetachNetworkInterface(Ctx& c) {
  DetachNetworkInterfaceRequest r;
  ASSIGN_OR_RETURN(r.attachment_id, c.p.Require("AttachmentId"));
  ASSIGN_OR_RETURN(r.force, BoolOr(c.p, "Force", false));
  RETURN_IF_ERROR(c.model.DetachNetworkInterface(r, c.now));
  return RenderReturnTrue(c.action, c.rid);
}

Result<std::string> DeleteNetworkInterface(Ctx& c) {
  DeleteNetworkInterfaceRequest r;
  ASSIGN_OR_RETURN(r.network_interface_id, c.p.Require("NetworkInterfaceId"));
  RETURN_IF_ERROR(c.model.DeleteNetworkInterface(r, c.now));
  return RenderReturnTrue(c.action, c.rid);
}

Result<std::string> ModifyNetworkInterfaceAttribute(Ctx& c) {
  ModifyNetworkInterfaceAttributeRequest r;
  ASSIGN_OR_RETURN(r.network_interface_id, c.p.Require("NetworkInterfaceId"));
  r.description = c.p.Get("Description.Value");
  ASSIGN_OR_RETURN(r.source_dest_check, c.p.GetBool("SourceDestCheck.Value"));
  ASSIGN_OR_RETURN(auto groups, c.p.GetList("SecurityGroupId"));
  if (!groups.empty()) {
    r.group_ids = std::move(groups);
  }
  r.attachment_id = c.p.Get("Attachment.AttachmentId");
  ASSIGN_OR_RETURN(r.delete_on_termination, c.p.GetBool("Attachment.DeleteOnTermination"));
  RETURN_IF_ERROR(c.model.ModifyNetworkInterfaceAttribute(r, c.now));
  return RenderReturnTrue(c.action, c.rid);
}

Result<std::string> DescribeNetworkInterfaces(Ctx& c) {
  DescribeNetworkInterfacesRequest r;
  ASSIGN_OR_RETURN(r.network_interface_ids, c.p.GetList("NetworkInterfaceId"));
  ASSIGN_OR_RETURN(r.filters, Filters(c.p));
  ASSIGN_OR_RETURN(r.max_results, MaxResults(c.p));
  r.next_token = c.p.Get("NextToken").value_or("");
  ASSIGN_OR_RETURN(auto reply, c.model.DescribeNetworkInterfaces(r, c.now));
  XmlWriter w(c.action, c.rid);
  w.Open("networkInterfaceSet");
  for (const auto& e : reply.network_interfaces) {
    w.Open("item");
    RenderEniBody(w, e);
    w.Close();
  }
  w.Close();
  RenderNextToken(w, reply.next_token);
  return std::move(w).Finish();
}

Result<std::string> AssignPrivateIpAddresses(Ctx& c) {
  AssignPrivateIpAddressesRequest r;
  ASSIGN_OR_RETURN(r.network_interface_id, c.p.Require("NetworkInterfaceId"));
  ASSIGN_OR_RETURN(r.private_ip_addresses, c.p.GetList("PrivateIpAddress"));
  ASSIGN_OR_RETURN(r.secondary_private_ip_address_count,
                   IntOr(c.p, "SecondaryPrivateIpAddressCount", 0));
  ASSIGN_OR_RETURN(r.ipv4_prefixes, c.p.GetList("Ipv4Prefix"));
  ASSIGN_OR_RETURN(r.ipv4_prefix_count, IntOr(c.p, "Ipv4PrefixCount", 0));
  ASSIGN_OR_RETURN(r.allow_reassignment, BoolOr(c.p, "AllowReassignment", false));
  ASSIGN_OR_RETURN(auto reply, c.model.AssignPrivateIpAddresses(r, c.now));
  XmlWriter w(c.action, c.rid);
  w.Leaf("networkInterfaceId", reply.network_interface_id);
  w.Open("assignedPrivateIpAddressesSet");
  for (const auto& a : reply.assigned_private_ip_addresses) {
    w.Open("item");
    w.Leaf("privateIpAddress", a.ToString());
    w.Close();
  }
  w.Close();
  w.Open("assignedIpv4PrefixSet");
  for (const auto& p : reply.assigned_ipv4_prefixes) {
    w.Open("item");
    w.Leaf("ipv4Prefix", p.ToString());
    w.Close();
  }
  w.Close();
  w.Leaf("return", true);
  return std::move(w).Finish();
}

Result<std::string> UnassignPrivateIpAddresses(Ctx& c) {
  UnassignPrivateIpAddressesRequest r;
  ASSIGN_OR_RETURN(r.network_interface_id, c.p.Require("NetworkInterfaceId"));
  ASSIGN_OR_RETURN(r.private_ip_addresses, c.p.GetList("PrivateIpAddress"));
  ASSIGN_OR_RETURN(r.ipv4_prefixes, c.p.GetList("Ipv4Prefix"));
  RETURN_IF_ERROR(c.model.UnassignPrivateIpAddresses(r, c.now));
  return RenderReturnTrue(c.action, c.rid);
}

template <typename T>
std::vector<std::string> Strings(const std::vector<T>& v) {
  std::vector<std::string> out;
  out.reserve(v.size());
  for (const auto& x : v) {
    out.push_back(x.ToString());
  }
  return out;
}

Result<std::string> AssignIpv6Addresses(Ctx& c) {
  AssignIpv6AddressesRequest r;
  ASSIGN_OR_RETURN(r.network_interface_id, c.p.Require("NetworkInterfaceId"));
  ASSIGN_OR_RETURN(r.ipv6_addresses, c.p.GetList("Ipv6Addresses"));
  ASSIGN_OR_RETURN(r.ipv6_address_count, IntOr(c.p, "Ipv6AddressCount", 0));
  ASSIGN_OR_RETURN(r.ipv6_prefixes, c.p.GetList("Ipv6Prefix"));
  ASSIGN_OR_RETURN(r.ipv6_prefix_count, IntOr(c.p, "Ipv6PrefixCount", 0));
  ASSIGN_OR_RETURN(auto reply, c.model.AssignIpv6Addresses(r, c.now));
  XmlWriter w(c.action, c.rid);
  w.Leaf("networkInterfaceId", reply.network_interface_id);
  w.StringItems("assignedIpv6Addresses", Strings(reply.assigned_ipv6_addresses));
  w.StringItems("assignedIpv6PrefixSet", Strings(reply.assigned_ipv6_prefixes));
  return std::move(w).Finish();
}

Result<std::string> UnassignIpv6Addresses(Ctx& c) {
  UnassignIpv6AddressesRequest r;
  ASSIGN_OR_RETURN(r.network_interface_id, c.p.Require("NetworkInterfaceId"));
  ASSIGN_OR_RETURN(r.ipv6_addresses, c.p.GetList("Ipv6Addresses"));
  ASSIGN_OR_RETURN(r.ipv6_prefixes, c.p.GetList("Ipv6Prefix"));
  ASSIGN_OR_RETURN(auto reply, c.model.UnassignIpv6Addresses(r, c.now));
  XmlWriter w(c.action, c.rid);
  w.Leaf("networkInterfaceId", reply.network_interface_id);
  w.StringItems("unassignedIpv6Addresses", Strings(reply.unassigned_ipv6_addresses));
  w.StringItems("unassignedIpv6PrefixSet", Strings(reply.unassigned_ipv6_prefixes));
  return std::move(w).Finish();
}

Result<std::string> CreateSubnetCidrReservation(Ctx& c) {
  CreateSubnetCidrReservationRequest r;
  ASSIGN_OR_RETURN(r.subnet_id, c.p.Require("SubnetId"));
  ASSIGN_OR_RETURN(r.cidr, c.p.Require("Cidr"));
  ASSIGN_OR_RETURN(r.reservation_type, c.p.Require("ReservationType"));
  r.description = c.p.Get("Description").value_or("");
  ASSIGN_OR_RETURN(r.tags, TagsOf(c.p, "subnet-cidr-reservation"));
  ASSIGN_OR_RETURN(auto reply, c.model.CreateSubnetCidrReservation(r, c.now));
  XmlWriter w(c.action, c.rid);
  w.Open("subnetCidrReservation");
  RenderReservation(w, reply.reservation);
  w.Close();
  return std::move(w).Finish();
}

Result<std::string> DeleteSubnetCidrReservation(Ctx& c) {
  DeleteSubnetCidrReservationRequest r;
  ASSIGN_OR_RETURN(r.subnet_cidr_reservation_id, c.p.Require("SubnetCidrReservationId"));
  ASSIGN_OR_RETURN(auto reply, c.model.DeleteSubnetCidrReservation(r, c.now));
  XmlWriter w(c.action, c.rid);
  w.Open("deletedSubnetCidrReservation");
  RenderReservation(w, reply.deleted);
  w.Close();
  return std::move(w).Finish();
}

Result<std::string> GetSubnetCidrReservations(Ctx& c) {
  GetSubnetCidrReservationsRequest r;
  ASSIGN_OR_RETURN(r.subnet_id, c.p.Require("SubnetId"));
  ASSIGN_OR_RETURN(r.filters, Filters(c.p));
  ASSIGN_OR_RETURN(r.max_results, MaxResults(c.p));
  r.next_token = c.p.Get("NextToken").value_or("");
  ASSIGN_OR_RETURN(auto reply, c.model.GetSubnetCidrReservations(r, c.now));
  XmlWriter w(c.action, c.rid);
  w.Open("subnetIpv4CidrReservationSet");
  for (const auto& res : reply.subnet_ipv4_cidr_reservations) {
    w.Open("item");
    RenderReservation(w, res);
    w.Close();
  }
  w.Close();
  w.Open("subnetIpv6CidrReservationSet");
  for (const auto& res : reply.subnet_ipv6_cidr_reservations) {
    w.Open("item");
    RenderReservation(w, res);
    w.Close();
  }
  w.Close();
  RenderNextToken(w, reply.next_token);
  return std::move(w).Finish();
}

Result<std::string> CreateTags(Ctx& c) {
  CreateTagsRequest r;
  ASSIGN_OR_RETURN(r.resource_ids, c.p.GetList("ResourceId"));
  if (r.resource_ids.empty()) {
    return Ec2Error("MissingParameter", "The request must contain the parameter ResourceId");
  }
  ASSIGN_OR_RETURN(auto tags, c.p.GetTags("Tag"));
  if (tags.empty()) {
    return Ec2Error("MissingParameter", "The request must contain the parameter Tag");
  }
  for (const auto& t : tags) {
    r.tags[t.key] = t.value;
  }
  RETURN_IF_ERROR(c.model.CreateTags(r, c.now));
  return RenderReturnTrue(c.action, c.rid);
}

Result<std::string> DeleteTags(Ctx& c) {
  DeleteTagsRequest r;
  ASSIGN_OR_RETURN(r.resource_ids, c.p.GetList("ResourceId"));
  if (r.resource_ids.empty()) {
    return Ec2Error("MissingParameter", "The request must contain the parameter ResourceId");
  }
  ASSIGN_OR_RETURN(auto members, c.p.GetMembers("Tag"));
  for (const auto& m : members) {
    ASSIGN_OR_RETURN(std::string key, m.Require("Key"));
    r.tags[key] = m.Get("Value");
  }
  RETURN_IF_ERROR(c.model.DeleteTags(r, c.now));
  return RenderReturnTrue(c.action, c.rid);
}

Result<std::string> DescribeTags(Ctx& c) {
  DescribeTagsRequest r;
  ASSIGN_OR_RETURN(r.filters, Filters(c.p));
  ASSIGN_OR_RETURN(r.max_results, MaxResults(c.p));
  r.next_token = c.p.Get("NextToken").value_or("");
  ASSIGN_OR_RETURN(auto reply, c.model.DescribeTags(r, c.now));
  XmlWriter w(c.action, c.rid);
  w.Open("tagSet");
  for (const auto& t : reply.tags) {
    w.Open("item");
    w.Leaf("resourceId", t.resource_id);
    w.Leaf("resourceType", t.resource_type);
    w.Leaf("key", t.key);
    w.Leaf("value", t.value);
    w.Close();
  }
  w.Close();
  RenderNextToken(w, reply.next_token);
  return std::move(w).Finish();
}

Result<std::string> AssociateTrunkInterface(Ctx& c) {
  AssociateTrunkInterfaceRequest r;
  ASSIGN_OR_RETURN(r.branch_interface_id, c.p.Require("BranchInterfaceId"));
  ASSIGN_OR_RETURN(r.trunk_interface_id, c.p.Require("TrunkInterfaceId"));
  ASSIGN_OR_RETURN(auto vlan, OptInt(c.p, "VlanId", std::numeric_limits<int>::min(), kIntMax));
  r.vlan_id = vlan.value_or(0);
  r.client_token = c.p.Get("ClientToken").value_or("");
  ASSIGN_OR_RETURN(auto reply, c.model.AssociateTrunkInterface(r, c.now));
  XmlWriter w(c.action, c.rid);
  w.Open("interfaceAssociation");
  RenderTrunkAssociation(w, reply.interface_association);
  w.Close();
  if (!reply.client_token.empty()) {
    w.Leaf("clientToken", reply.client_token);
  }
  return std::move(w).Finish();
}

Result<std::string> DisassociateTrunkInterface(Ctx& c) {
  DisassociateTrunkInterfaceRequest r;
  ASSIGN_OR_RETURN(r.association_id, c.p.Require("AssociationId"));
  r.client_token = c.p.Get("ClientToken").value_or("");
  RETURN_IF_ERROR(c.model.DisassociateTrunkInterface(r, c.now));
  XmlWriter w(c.action, c.rid);
  w.Leaf("return", true);
  if (!r.client_token.empty()) {
    w.Leaf("clientToken", r.client_token);
  }
  return std::move(w).Finish();
}

Result<std::string> DescribeTrunkInterfaceAssociations(Ctx& c) {
  DescribeTrunkInterfaceAssociationsRequest r;
  ASSIGN_OR_RETURN(r.association_ids, c.p.GetList("AssociationId"));
  ASSIGN_OR_RETURN(r.filters, Filters(c.p));
  ASSIGN_OR_RETURN(r.max_results, MaxResults(c.p));
  r.next_token = c.p.Get("NextToken").value_or("");
  ASSIGN_OR_RETURN(auto reply, c.model.DescribeTrunkInterfaceAssociations(r, c.now));
  XmlWriter w(c.action, c.rid);
  w.Open("interfaceAssociationSet");
  for (const auto& a : reply.interface_associations) {
    w.Open("item");
    RenderTrunkAssociation(w, a);
    w.Close();
  }
  w.Close();
  RenderNextToken(w, reply.next_token);
  return std::move(w).Finish();
}

const std::map<std::string, ActionFn, std::less<>>& ActionTable() {
  static const auto* table = new std::map<std::string, ActionFn, std::less<>>{
      {"AssignIpv6Addresses", AssignIpv6Addresses},
      {"AssignPrivateIpAddresses", AssignPrivateIpAddresses},
      {"AssociateTrunkInterface", AssociateTrunkInterface},
      {"AssociateVpcCidrBlock", AssociateVpcCidrBlock},
      {"AttachNetworkInterface", AttachNetworkInterface},
      {"CreateNetworkInterface", CreateNetworkInterface},
      {"CreateSecurityGroup", CreateSecurityGroup},
      {"CreateSubnet", CreateSubnet},
      {"CreateSubnetCidrReservation", CreateSubnetCidrReservation},
      {"CreateTags", CreateTags},
      {"CreateVpc", CreateVpc},
      {"DeleteNetworkInterface", DeleteNetworkInterface},
      {"DeleteSecurityGroup", DeleteSecurityGroup},
      {"DeleteSubnet", DeleteSubnet},
      {"DeleteSubnetCidrReservation", DeleteSubnetCidrReservation},
      {"DeleteTags", DeleteTags},
      {"DeleteVpc", DeleteVpc},
      {"DescribeAvailabilityZones", DescribeAvailabilityZones},
      {"DescribeInstanceTypes", DescribeInstanceTypes},
      {"DescribeInstances", DescribeInstances},
      {"DescribeNetworkInterfaces", DescribeNetworkInterfaces},
      {"DescribeSecurityGroups", DescribeSecurityGroups},
      {"DescribeSubnets", DescribeSubnets},
      {"DescribeTags", DescribeTags},
      {"DescribeTrunkInterfaceAssociations", DescribeTrunkInterfaceAssociations},
      {"DescribeVpcs", DescribeVpcs},
      {"DetachNetworkInterface", DetachNetworkInterface},
      {"DisassociateTrunkInterface", DisassociateTrunkInterface},
      {"GetSubnetCidrReservations", GetSubnetCidrReservations},
      {"ModifyNetworkInterfaceAttribute", ModifyNetworkInterfaceAttribute},
      {"RunInstances", RunInstances},
      {"TerminateInstances", TerminateInstances},
      {"UnassignIpv6Addresses", UnassignIpv6Addresses},
      {"UnassignPrivateIpAddresses", UnassignPrivateIpAddresses},
  };
  return *table;
}

}  // namespace

const std::vector<std::string>& SupportedEc2Actions() {
  static const auto* names = [] {
    auto* v = new std::vector<std::string>();
    for (const auto& [name, fn] : ActionTable()) {
      v->push_back(name);
    }
    return v;
  }();
  return *names;
}

bool IsSupportedEc2Action(std::string_view action) {
  return ActionTable().find(action) != ActionTable().end();
}

Ec2Reply Ec2ErrorReply(const Error& error, std::string_view request_id) {
  WireError w = ToWireError(error);
  Ec2Reply r;
  r.http_status = w.http_status;
  r.error_code = w.code;
  r.body = RenderErrorXml(w.code, w.message, request_id);
  return r;
}

Ec2Reply HandleEc2Action(VpcModel& model, const Ec2Request& request, WallTime now,
                         std::string_view request_id) {
  auto it = ActionTable().find(request.action);
  if (it == ActionTable().end()) {
    return Ec2ErrorReply(
        Ec2Error("InvalidAction",
                 fmt::format("The action {} is not valid for this web service.", request.action)),
        request_id);
  }
  auto dry_run = request.params.GetBool("DryRun");
  if (!dry_run.has_value()) {
    return Ec2ErrorReply(dry_run.error(), request_id);
  }
  if (dry_run->value_or(false)) {
    return Ec2ErrorReply(
        Ec2Error("DryRunOperation", "Request would have succeeded, but DryRun flag is set."),
        request_id);
  }
  Ctx ctx{model, request.params, now, it->first, request_id};
  Result<std::string> body = it->second(ctx);
  Ec2Reply reply;
  reply.extra_latency = model.ExtraLatency(it->first);
  if (!body.has_value()) {
    Ec2Reply err = Ec2ErrorReply(body.error(), request_id);
    err.extra_latency = reply.extra_latency;
    return err;
  }
  reply.body = std::move(*body);
  return reply;
}

}  // namespace vpccni::vpcsim
