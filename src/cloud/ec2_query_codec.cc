#include "cloud/ec2_query_codec.h"

#include <algorithm>
#include <functional>
#include <map>

#include <pugixml.hpp>

#include "base/strings.h"

namespace vpccni::cloud::codec {
namespace {

// ---------------------------------------------------------------- encoding helpers

Error Invalid(std::string message) {
  Error e = MakeErrorValue(ErrorCode::kInvalidArgument, std::move(message));
  e.reason = "InvalidParameterValue";
  return e;
}

class ParamBuilder {
 public:
  explicit ParamBuilder(std::string_view action) {
    params_.emplace_back("Action", std::string(action));
    params_.emplace_back("Version", std::string(kEc2ApiVersion));
  }

  void Add(std::string key, std::string value) {
    params_.emplace_back(std::move(key), std::move(value));
  }
  void AddIfNotEmpty(std::string key, const std::string& value) {
    if (!value.empty()) {
      Add(std::move(key), value);
    }
  }
  void AddBool(std::string key, bool v) { Add(std::move(key), v ? "true" : "false"); }
  void AddInt(std::string key, const std::optional<int>& v) {
    if (v.has_value()) {
      Add(std::move(key), std::to_string(*v));
    }
  }
  // Name.1=..., Name.2=... (nothing for an empty list).
  template <typename T>
  void AddList(const std::string& name, const std::vector<T>& values) {
    int i = 1;
    for (const auto& v : values) {
      if constexpr (std::is_same_v<T, std::string>) {
        Add(fmt::format("{}.{}", name, i++), v);
      } else {
        Add(fmt::format("{}.{}", name, i++), v.ToString());
      }
    }
  }
  void AddFilters(const std::vector<Filter>& filters) {
    int n = 1;
    for (const Filter& f : filters) {
      Add(fmt::format("Filter.{}.Name", n), f.name);
      int m = 1;
      for (const std::string& v : f.values) {
        Add(fmt::format("Filter.{}.Value.{}", n, m++), v);
      }
      ++n;
    }
  }
  void AddPaging(const PageRequest& p) {
    AddFilters(p.filters);
    AddInt("MaxResults", p.max_results);
    AddIfNotEmpty("NextToken", p.next_token);
  }

  QueryParams Take() { return std::move(params_); }

 private:
  QueryParams params_;
};

Result<void> RequireId(std::string_view field, const std::string& value) {
  if (value.empty()) {
    return Invalid(fmt::format("{} is required", field));
  }
  return Ok();
}

Result<void> RequireNonNegative(std::string_view field, const std::optional<int>& v) {
  if (v.has_value() && *v < 0) {
    return Invalid(fmt::format("{} must not be negative (got {})", field, *v));
  }
  return Ok();
}

Result<void> ValidatePaging(const PageRequest& p) {
  if (p.max_results.has_value() && *p.max_results <= 0) {
    return Invalid(fmt::format("MaxResults must be positive (got {})", *p.max_results));
  }
  for (const Filter& f : p.filters) {
    if (f.name.empty()) {
      return Invalid("a filter has an empty name");
    }
  }
  return Ok();
}

// ---------------------------------------------------------------- decoding helpers

Error Malformed(std::string message) {
  Error e = MakeErrorValue(ErrorCode::kDataLoss, "malformed EC2 reply: " + message);
  e.reason = "MalformedReply";
  return e;
}

std::string_view LocalName(const char* name) {
  std::string_view s(name);
  size_t colon = s.find(':');
  return colon == std::string_view::npos ? s : s.substr(colon + 1);
}

pugi::xml_node Child(const pugi::xml_node& n, std::string_view name) {
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && LocalName(c.name()) == name) {
      return c;
    }
  }
  return {};
}

std::string NodeText(const pugi::xml_node& n) {
  return std::string(strings::Trim(n.child_value()));
}

std::string Text(const pugi::xml_node& n, std::string_view name) { return NodeText(Child(n, name)); }

// The <item> children of the child `set` of n.
std::vector<pugi::xml_node> Items(const pugi::xml_node& n, std::string_view set) {
  std::vector<pugi::xml_node> out;
  pugi::xml_node s = Child(n, set);
  for (pugi::xml_node c = s.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && LocalName(c.name()) == "item") {
      out.push_back(c);
    }
  }
  return out;
}

Result<bool> ParseBoolText(std::string_view field, const std::string& v, bool dflt) {
  if (v.empty()) {
    return dflt;
  }
  if (v == "true") {
    return true;
  }
  if (v == "false") {
    return false;
  }
  return Malformed(fmt::format("{} is '{}', not true/false", field, v));
}

Result<int64_t> ParseIntText(std::string_view field, const std::string& v, int64_t dflt) {
  if (v.empty()) {
    return dflt;
  }
  Result<int64_t> r = strings::ParseInt(v);
  if (!r.has_value()) {
    return Malformed(fmt::format("{} is '{}', not an integer", field, v));
  }
  return *r;
}

Result<int> ParseSmallInt(std::string_view field, const std::string& v, int dflt) {
  ASSIGN_OR_RETURN(int64_t x, ParseIntText(field, v, dflt));
  if (x < -1'000'000 || x > 1'000'000) {
    return Malformed(fmt::format("{} is out of range ({})", field, x));
  }
  return static_cast<int>(x);
}

template <typename T>
Result<T> ParseTyped(std::string_view field, const std::string& v) {
  Result<T> r = T::Parse(v);
  if (!r.has_value()) {
    return Malformed(fmt::format("{} '{}': {}", field, v, r.error().message));
  }
  return *r;
}

Result<TagMap> DecodeTags(const pugi::xml_node& n) {
  TagMap tags;
  for (const pugi::xml_node& item : Items(n, "tagSet")) {
    std::string key = Text(item, "key");
    if (key.empty()) {
      return Malformed("tag without a key");
    }
    tags[key] = Text(item, "value");
  }
  return tags;
}

// Loads xml and returns its root element, which must be <expected_root>.
Result<pugi::xml_node> LoadRoot(pugi::xml_document& doc, std::string_view xml,
                                std::string_view expected_root) {
  pugi::xml_parse_result pr =
      doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!pr) {
    return Malformed(fmt::format("not XML ({} at offset {})", pr.description(), pr.offset));
  }
  pugi::xml_node root = doc.document_element();
  if (!root || LocalName(root.name()) != expected_root) {
    return Malformed(fmt::format("root element is <{}>, expected <{}>",
                                 root ? root.name() : "", expected_root));
  }
  return root;
}

Result<NetworkInterfaceAttachment> DecodeAttachment(const pugi::xml_node& a) {
  NetworkInterfaceAttachment out;
  out.attachment_id = Text(a, "attachmentId");
  out.instance_id = Text(a, "instanceId");
  ASSIGN_OR_RETURN(out.device_index, ParseSmallInt("deviceIndex", Text(a, "deviceIndex"), 0));
  ASSIGN_OR_RETURN(out.network_card_index,
                   ParseSmallInt("networkCardIndex", Text(a, "networkCardIndex"), 0));
  out.status = Text(a, "status");
  ASSIGN_OR_RETURN(out.delete_on_termination,
                   ParseBoolText("deleteOnTermination", Text(a, "deleteOnTermination"), false));
  return out;
}

Result<NetworkInterface> DecodeEni(const pugi::xml_node& n) {
  NetworkInterface e;
  e.id = Text(n, "networkInterfaceId");
  if (e.id.empty()) {
    return Malformed("network interface without networkInterfaceId");
  }
  if (std::string mac = Text(n, "macAddress"); !mac.empty()) {
    ASSIGN_OR_RETURN(e.mac, ParseTyped<net::MacAddress>("macAddress", mac));
  }
  e.subnet_id = Text(n, "subnetId");
  e.vpc_id = Text(n, "vpcId");
  e.availability_zone = Text(n, "availabilityZone");
  e.description = Text(n, "description");
  e.status = Text(n, "status");
  e.interface_type = Text(n, "interfaceType");
  e.owner_id = Text(n, "ownerId");
  if (pugi::xml_node a = Child(n, "attachment");
      a && (!Text(a, "attachmentId").empty() || !Text(a, "instanceId").empty())) {
    ASSIGN_OR_RETURN(e.attachment, DecodeAttachment(a));
  }
  if (std::string ip = Text(n, "privateIpAddress"); !ip.empty()) {
    ASSIGN_OR_RETURN(e.primary_ip, ParseTyped<net::Ipv4Address>("privateIpAddress", ip));
  }
  for (const pugi::xml_node& item : Items(n, "privateIpAddressesSet")) {
    PrivateIpAddress p;
    ASSIGN_OR_RETURN(p.address,
                     ParseTyped<net::Ipv4Address>("privateIpAddress", Text(item, "privateIpAddress")));
    ASSIGN_OR_RETURN(p.primary, ParseBoolText("primary", Text(item, "primary"), false));
    e.private_ips.push_back(p);
  }
  for (const pugi::xml_node& item : Items(n, "ipv4PrefixSet")) {
    ASSIGN_OR_RETURN(net::Ipv4Cidr c, ParseTyped<net::Ipv4Cidr>("ipv4Prefix", Text(item, "ipv4Prefix")));
    e.ipv4_prefixes.push_back(c);
  }
  for (const pugi::xml_node& item : Items(n, "ipv6AddressesSet")) {
    ASSIGN_OR_RETURN(net::Ipv6Address a,
                     ParseTyped<net::Ipv6Address>("ipv6Address", Text(item, "ipv6Address")));
    e.ipv6_addresses.push_back(a);
  }
  for (const pugi::xml_node& item : Items(n, "ipv6PrefixSet")) {
    ASSIGN_OR_RETURN(net::Ipv6Cidr c, ParseTyped<net::Ipv6Cidr>("ipv6Prefix", Text(item, "ipv6Prefix")));
    e.ipv6_prefixes.push_back(c);
  }
  for (const pugi::xml_node& item : Items(n, "groupSet")) {
    e.groups.push_back({Text(item, "groupId"), Text(item, "groupName")});
  }
  ASSIGN_OR_RETURN(e.tags, DecodeTags(n));
  ASSIGN_OR_RETURN(e.requester_managed,
                   ParseBoolText("requesterManaged", Text(n, "requesterManaged"), false));
  ASSIGN_OR_RETURN(e.source_dest_check,
                   ParseBoolText("sourceDestCheck", Text(n, "sourceDestCheck"), true));
  return e;
}

Result<Instance> DecodeInstance(const pugi::xml_node& n) {
  Instance i;
  i.id = Text(n, "instanceId");
  if (i.id.empty()) {
    return Malformed("instance without instanceId");
  }
  i.instance_type = Text(n, "instanceType");
  i.availability_zone = Text(Child(n, "placement"), "availabilityZone");
  i.subnet_id = Text(n, "subnetId");
  i.vpc_id = Text(n, "vpcId");
  if (std::string ip = Text(n, "privateIpAddress"); !ip.empty()) {
    ASSIGN_OR_RETURN(i.private_ip, ParseTyped<net::Ipv4Address>("privateIpAddress", ip));
  }
  i.state = Text(Child(n, "instanceState"), "name");
  for (const pugi::xml_node& item : Items(n, "networkInterfaceSet")) {
    ASSIGN_OR_RETURN(NetworkInterface e, DecodeEni(item));
    i.network_interfaces.push_back(std::move(e));
  }
  ASSIGN_OR_RETURN(i.tags, DecodeTags(n));
  return i;
}

Result<InstanceLimits> DecodeInstanceType(const pugi::xml_node& n) {
  InstanceLimits l;
  l.instance_type = Text(n, "instanceType");
  if (l.instance_type.empty()) {
    return Malformed("instance type item without instanceType");
  }
  pugi::xml_node net_info = Child(n, "networkInfo");
  if (!net_info) {
    return Malformed(fmt::format("instance type {} has no networkInfo", l.instance_type));
  }
  ASSIGN_OR_RETURN(int max_enis, ParseSmallInt("maximumNetworkInterfaces",
                                               Text(net_info, "maximumNetworkInterfaces"), -1));
  if (max_enis < 0) {
    return Malformed(fmt::format("instance type {} lacks maximumNetworkInterfaces",
                                 l.instance_type));
  }
  ASSIGN_OR_RETURN(l.ipv4_per_eni, ParseSmallInt("ipv4AddressesPerInterface",
                                                 Text(net_info, "ipv4AddressesPerInterface"), 0));
  ASSIGN_OR_RETURN(l.ipv6_per_eni, ParseSmallInt("ipv6AddressesPerInterface",
                                                 Text(net_info, "ipv6AddressesPerInterface"), 0));
  ASSIGN_OR_RETURN(l.default_network_card_index,
                   ParseSmallInt("defaultNetworkCardIndex",
                                 Text(net_info, "defaultNetworkCardIndex"), 0));
  for (const pugi::xml_node& card : Items(net_info, "networkCards")) {
    NetworkCardLimit c;
    ASSIGN_OR_RETURN(c.index,
                     ParseSmallInt("networkCardIndex", Text(card, "networkCardIndex"), 0));
    ASSIGN_OR_RETURN(c.max_enis, ParseSmallInt("maximumNetworkInterfaces",
                                               Text(card, "maximumNetworkInterfaces"), 0));
    l.network_cards.push_back(c);
  }
  l.eni_limit = max_enis;
  for (const NetworkCardLimit& c : l.network_cards) {
    if (c.index == l.default_network_card_index) {
      l.eni_limit = c.max_enis;
    }
  }
  if (l.network_cards.empty()) {
    l.network_cards.push_back({l.default_network_card_index, max_enis});
  }
  l.hypervisor = Text(n, "hypervisor");
  if (l.hypervisor.empty()) {
    l.hypervisor = "unknown";
  }
  ASSIGN_OR_RETURN(l.bare_metal, ParseBoolText("bareMetal", Text(n, "bareMetal"), false));
  ASSIGN_OR_RETURN(l.vcpus,
                   ParseSmallInt("defaultVCpus", Text(Child(n, "vCpuInfo"), "defaultVCpus"), 0));
  return l;
}

Result<Subnet> DecodeSubnet(const pugi::xml_node& n) {
  Subnet s;
  s.id = Text(n, "subnetId");
  if (s.id.empty()) {
    return Malformed("subnet without subnetId");
  }
  s.vpc_id = Text(n, "vpcId");
  s.availability_zone = Text(n, "availabilityZone");
  s.availability_zone_id = Text(n, "availabilityZoneId");
  s.state = Text(n, "state");
  if (std::string cidr = Text(n, "cidrBlock"); !cidr.empty()) {
    ASSIGN_OR_RETURN(s.cidr, ParseTyped<net::Ipv4Cidr>("cidrBlock", cidr));
  }
  for (const pugi::xml_node& item : Items(n, "ipv6CidrBlockAssociationSet")) {
    std::string state = Text(Child(item, "ipv6CidrBlockState"), "state");
    // Skip blocks on their way out; keep "associated"/"associating" (and moto's malformed state
    // text, which only ever describes associated blocks).
    if (state == "disassociating" || state == "disassociated" || state == "failing" ||
        state == "failed") {
      continue;
    }
    ASSIGN_OR_RETURN(net::Ipv6Cidr c,
                     ParseTyped<net::Ipv6Cidr>("ipv6CidrBlock", Text(item, "ipv6CidrBlock")));
    s.ipv6_cidrs.push_back(c);
  }
  ASSIGN_OR_RETURN(s.available_ip_address_count,
                   ParseIntText("availableIpAddressCount", Text(n, "availableIpAddressCount"), 0));
  ASSIGN_OR_RETURN(s.default_for_az, ParseBoolText("defaultForAz", Text(n, "defaultForAz"), false));
  ASSIGN_OR_RETURN(s.tags, DecodeTags(n));
  return s;
}

Result<SecurityGroup> DecodeSecurityGroup(const pugi::xml_node& n) {
  SecurityGroup g;
  g.id = Text(n, "groupId");
  if (g.id.empty()) {
    return Malformed("security group without groupId");
  }
  g.name = Text(n, "groupName");
  g.description = Text(n, "groupDescription");
  g.vpc_id = Text(n, "vpcId");
  g.owner_id = Text(n, "ownerId");
  ASSIGN_OR_RETURN(g.tags, DecodeTags(n));
  return g;
}

Result<TrunkInterfaceAssociation> DecodeTrunkAssociation(const pugi::xml_node& n) {
  TrunkInterfaceAssociation a;
  a.association_id = Text(n, "associationId");
  if (a.association_id.empty()) {
    return Malformed("trunk interface association without associationId");
  }
  a.branch_interface_id = Text(n, "branchInterfaceId");
  a.trunk_interface_id = Text(n, "trunkInterfaceId");
  a.interface_protocol = Text(n, "interfaceProtocol");
  ASSIGN_OR_RETURN(a.vlan_id, ParseSmallInt("vlanId", Text(n, "vlanId"), 0));
  return a;
}

// Decodes every <item> of root/<set> with fn into out.
template <typename T, typename Fn>
Result<void> DecodeItems(const pugi::xml_node& root, std::string_view set, Fn fn,
                         std::vector<T>* out) {
  for (const pugi::xml_node& item : Items(root, set)) {
    ASSIGN_OR_RETURN(T v, fn(item));
    out->push_back(std::move(v));
  }
  return Ok();
}

}  // namespace

// ---------------------------------------------------------------- encoders

Result<QueryParams> EncodeCreateNetworkInterface(const CreateNetworkInterfaceRequest& req) {
  RETURN_IF_ERROR(RequireId("SubnetId", req.subnet_id));
  RETURN_IF_ERROR(RequireNonNegative("SecondaryPrivateIpAddressCount",
                                     req.secondary_private_ip_count));
  RETURN_IF_ERROR(RequireNonNegative("Ipv4PrefixCount", req.ipv4_prefix_count));
  RETURN_IF_ERROR(RequireNonNegative("Ipv6AddressCount", req.ipv6_address_count));
  RETURN_IF_ERROR(RequireNonNegative("Ipv6PrefixCount", req.ipv6_prefix_count));
  ParamBuilder b("CreateNetworkInterface");
  b.Add("SubnetId", req.subnet_id);
  b.AddIfNotEmpty("Description", req.description);
  if (req.primary_ip.has_value()) {
    b.Add("PrivateIpAddress", req.primary_ip->ToString());
  }
  b.AddList("SecurityGroupId", req.security_group_ids);
  b.AddInt("SecondaryPrivateIpAddressCount", req.secondary_private_ip_count);
  b.AddInt("Ipv4PrefixCount", req.ipv4_prefix_count);
  b.AddInt("Ipv6AddressCount", req.ipv6_address_count);
  b.AddInt("Ipv6PrefixCount", req.ipv6_prefix_count);
  b.AddIfNotEmpty("InterfaceType", req.interface_type);
  if (!req.tags.empty()) {
    b.Add("TagSpecification.1.ResourceType", "network-interface");
    int m = 1;
    for (const auto& [k, v] : req.tags) {
      b.Add(fmt::format("TagSpecification.1.Tag.{}.Key", m), k);
      b.Add(fmt::format("TagSpecification.1.Tag.{}.Value", m), v);
      ++m;
    }
  }
  b.AddIfNotEmpty("ClientToken", req.client_token);
  return b.Take();
}

Result<QueryParams> EncodeAttachNetworkInterface(const AttachNetworkInterfaceRequest& req) {
  RETURN_IF_ERROR(RequireId("NetworkInterfaceId", req.network_interface_id));
  RETURN_IF_ERROR(RequireId("InstanceId", req.instance_id));
  if (req.device_index < 0) {
    return Invalid(fmt::format("DeviceIndex must not be negative (got {})", req.device_index));
  }
  RETURN_IF_ERROR(RequireNonNegative("NetworkCardIndex", req.network_card_index));
  ParamBuilder b("AttachNetworkInterface");
  b.Add("NetworkInterfaceId", req.network_interface_id);
  b.Add("InstanceId", req.instance_id);
  b.Add("DeviceIndex", std::to_string(req.device_index));
  b.AddInt("NetworkCardIndex", req.network_card_index);
  return b.Take();
}

Result<QueryParams> EncodeDetachNetworkInterface(const DetachNetworkInterfaceRequest& req) {
  RETURN_IF_ERROR(RequireId("AttachmentId", req.attachment_id));
  ParamBuilder b("DetachNetworkInterface");
  b.Add("AttachmentId", req.attachment_id);
  if (req.force) {
    b.AddBool("Force", true);
  }
  return b.Take();
}

Result<QueryParams> EncodeDeleteNetworkInterface(const std::string& network_interface_id) {
  RETURN_IF_ERROR(RequireId("NetworkInterfaceId", network_interface_id));
  ParamBuilder b("DeleteNetworkInterface");
  b.Add("NetworkInterfaceId", network_interface_id);
  return b.Take();
}

Result<QueryParams> EncodeModifyNetworkInterfaceAttribute(
    const ModifyNetworkInterfaceAttributeRequest& req) {
  RETURN_IF_ERROR(RequireId("NetworkInterfaceId", req.network_interface_id));
  int n = static_cast<int>(req.attachment.has_value()) +
          static_cast<int>(req.security_group_ids.has_value()) +
          static_cast<int>(req.source_dest_check.has_value()) +
          static_cast<int>(req.description.has_value());
  if (n != 1) {
    return Invalid(fmt::format(
        "ModifyNetworkInterfaceAttribute changes exactly one attribute ({} given)", n));
  }
  ParamBuilder b("ModifyNetworkInterfaceAttribute");
  b.Add("NetworkInterfaceId", req.network_interface_id);
  if (req.attachment.has_value()) {
    RETURN_IF_ERROR(RequireId("Attachment.AttachmentId", req.attachment->attachment_id));
    b.Add("Attachment.AttachmentId", req.attachment->attachment_id);
    b.AddBool("Attachment.DeleteOnTermination", req.attachment->delete_on_termination);
  }
  if (req.security_group_ids.has_value()) {
    if (req.security_group_ids->empty()) {
      return Invalid("SecurityGroupId list must not be empty");
    }
    b.AddList("SecurityGroupId", *req.security_group_ids);
  }
  if (req.source_dest_check.has_value()) {
    b.AddBool("SourceDestCheck.Value", *req.source_dest_check);
  }
  if (req.description.has_value()) {
    b.Add("Description.Value", *req.description);
  }
  return b.Take();
}

Result<QueryParams> EncodeAssignPrivateIpAddresses(const AssignPrivateIpAddressesRequest& req) {
  RETURN_IF_ERROR(RequireId("NetworkInterfaceId", req.network_interface_id));
  RETURN_IF_ERROR(RequireNonNegative("SecondaryPrivateIpAddressCount",
                                     req.secondary_private_ip_count));
  RETURN_IF_ERROR(RequireNonNegative("Ipv4PrefixCount", req.ipv4_prefix_count));
  if (req.ips.empty() && req.prefixes.empty() && req.secondary_private_ip_count.value_or(0) == 0 &&
      req.ipv4_prefix_count.value_or(0) == 0) {
    return Invalid("AssignPrivateIpAddresses needs addresses, prefixes or a positive count");
  }
  ParamBuilder b("AssignPrivateIpAddresses");
  b.Add("NetworkInterfaceId", req.network_interface_id);
  b.AddList("PrivateIpAddress", req.ips);
  b.AddInt("SecondaryPrivateIpAddressCount", req.secondary_private_ip_count);
  b.AddList("Ipv4Prefix", req.prefixes);
  b.AddInt("Ipv4PrefixCount", req.ipv4_prefix_count);
  if (req.allow_reassignment) {
    b.AddBool("AllowReassignment", true);
  }
  return b.Take();
}

Result<QueryParams> EncodeUnassignPrivateIpAddresses(
    const UnassignPrivateIpAddressesRequest& req) {
  RETURN_IF_ERROR(RequireId("NetworkInterfaceId", req.network_interface_id));
  if (req.ips.empty() && req.prefixes.empty()) {
    return Invalid("UnassignPrivateIpAddresses needs addresses or prefixes");
  }
  ParamBuilder b("UnassignPrivateIpAddresses");
  b.Add("NetworkInterfaceId", req.network_interface_id);
  b.AddList("PrivateIpAddress", req.ips);
  b.AddList("Ipv4Prefix", req.prefixes);
  return b.Take();
}

Result<QueryParams> EncodeAssignIpv6Addresses(const AssignIpv6AddressesRequest& req) {
  RETURN_IF_ERROR(RequireId("NetworkInterfaceId", req.network_interface_id));
  RETURN_IF_ERROR(RequireNonNegative("Ipv6AddressCount", req.address_count));
  RETURN_IF_ERROR(RequireNonNegative("Ipv6PrefixCount", req.prefix_count));
  if (req.addresses.empty() && req.prefixes.empty() && req.address_count.value_or(0) == 0 &&
      req.prefix_count.value_or(0) == 0) {
    return Invalid("AssignIpv6Addresses needs addresses, prefixes or a positive count");
  }
  ParamBuilder b("AssignIpv6Addresses");
  b.Add("NetworkInterfaceId", req.network_interface_id);
  b.AddList("Ipv6Addresses", req.addresses);
  b.AddInt("Ipv6AddressCount", req.address_count);
  b.AddList("Ipv6Prefix", req.prefixes);
  b.AddInt("Ipv6PrefixCount", req.prefix_count);
  return b.Take();
}

Result<QueryParams> EncodeUnassignIpv6Addresses(const UnassignIpv6AddressesRequest& req) {
  RETURN_IF_ERROR(RequireId("NetworkInterfaceId", req.network_interface_id));
  if (req.addresses.empty() && req.prefixes.empty()) {
    return Invalid("UnassignIpv6Addresses needs addresses or prefixes");
  }
  ParamBuilder b("UnassignIpv6Addresses");
  b.Add("NetworkInterfaceId", req.network_interface_id);
  b.AddList("Ipv6Addresses", req.addresses);
  b.AddList("Ipv6Prefix", req.prefixes);
  return b.Take();
}

Result<QueryParams> EncodeDescribeNetworkInterfaces(const DescribeNetworkInterfacesRequest& req) {
  RETURN_IF_ERROR(ValidatePaging(req));
  ParamBuilder b("DescribeNetworkInterfaces");
  b.AddList("NetworkInterfaceId", req.network_interface_ids);
  b.AddPaging(req);
  return b.Take();
}

Result<QueryParams> EncodeDescribeInstances(const DescribeInstancesRequest& req) {
  RETURN_IF_ERROR(ValidatePaging(req));
  ParamBuilder b("DescribeInstances");
  b.AddList("InstanceId", req.instance_ids);
  b.AddPaging(req);
  return b.Take();
}

Result<QueryParams> EncodeDescribeInstanceTypes(const DescribeInstanceTypesRequest& req) {
  RETURN_IF_ERROR(ValidatePaging(req));
  ParamBuilder b("DescribeInstanceTypes");
  b.AddList("InstanceType", req.instance_types);
  b.AddPaging(req);
  return b.Take();
}

Result<QueryParams> EncodeDescribeSubnets(const DescribeSubnetsRequest& req) {
  RETURN_IF_ERROR(ValidatePaging(req));
  ParamBuilder b("DescribeSubnets");
  b.AddList("SubnetId", req.subnet_ids);
  b.AddPaging(req);
  return b.Take();
}

Result<QueryParams> EncodeDescribeSecurityGroups(const DescribeSecurityGroupsRequest& req) {
  RETURN_IF_ERROR(ValidatePaging(req));
  ParamBuilder b("DescribeSecurityGroups");
  b.AddList("GroupId", req.group_ids);
  b.AddPaging(req);
  return b.Take();
}

Result<QueryParams> EncodeCreateTags(const CreateTagsRequest& req) {
  if (req.resource_ids.empty() || req.tags.empty()) {
    return Invalid("CreateTags needs at least one resource and one tag");
  }
  ParamBuilder b("CreateTags");
  b.AddList("ResourceId", req.resource_ids);
  int n = 1;
  for (const auto& [k, v] : req.tags) {
    if (k.empty()) {
      return Invalid("tag keys must not be empty");
    }
    b.Add(fmt::format("Tag.{}.Key", n), k);
    b.Add(fmt::format("Tag.{}.Value", n), v);
    ++n;
  }
  return b.Take();
}

Result<QueryParams> EncodeDeleteTags(const DeleteTagsRequest& req) {
  if (req.resource_ids.empty()) {
    return Invalid("DeleteTags needs at least one resource");
  }
  ParamBuilder b("DeleteTags");
  b.AddList("ResourceId", req.resource_ids);
  int n = 1;
  for (const auto& [k, v] : req.tags) {
    b.Add(fmt::format("Tag.{}.Key", n), k);
    if (v.has_value()) {
      b.Add(fmt::format("Tag.{}.Value", n), *v);
    }
    ++n;
  }
  return b.Take();
}

Result<QueryParams> EncodeAssociateTrunkInterface(const AssociateTrunkInterfaceRequest& req) {
  RETURN_IF_ERROR(RequireId("BranchInterfaceId", req.branch_interface_id));
  RETURN_IF_ERROR(RequireId("TrunkInterfaceId", req.trunk_interface_id));
  if (req.vlan_id < 1 || req.vlan_id > 4094) {
    return Invalid(fmt::format("VlanId must be in 1..4094 (got {})", req.vlan_id));
  }
  ParamBuilder b("AssociateTrunkInterface");
  b.Add("BranchInterfaceId", req.branch_interface_id);
  b.Add("TrunkInterfaceId", req.trunk_interface_id);
  b.Add("VlanId", std::to_string(req.vlan_id));
  b.AddIfNotEmpty("ClientToken", req.client_token);
  return b.Take();
}

Result<QueryParams> EncodeDisassociateTrunkInterface(const std::string& association_id) {
  RETURN_IF_ERROR(RequireId("AssociationId", association_id));
  ParamBuilder b("DisassociateTrunkInterface");
  b.Add("AssociationId", association_id);
  return b.Take();
}

Result<QueryParams> EncodeDescribeTrunkInterfaceAssociations(
    const DescribeTrunkInterfaceAssociationsRequest& req) {
  RETURN_IF_ERROR(ValidatePaging(req));
  ParamBuilder b("DescribeTrunkInterfaceAssociations");
  b.AddList("AssociationId", req.association_ids);
  b.AddPaging(req);
  return b.Take();
}

// ---------------------------------------------------------------- decoders

Result<NetworkInterface> DecodeCreateNetworkInterface(std::string_view xml) {
  pugi::xml_document doc;
  ASSIGN_OR_RETURN(pugi::xml_node root, LoadRoot(doc, xml, "CreateNetworkInterfaceResponse"));
  pugi::xml_node eni = Child(root, "networkInterface");
  if (!eni) {
    return Malformed("CreateNetworkInterfaceResponse without networkInterface");
  }
  return DecodeEni(eni);
}

Result<AttachNetworkInterfaceReply> DecodeAttachNetworkInterface(std::string_view xml) {
  pugi::xml_document doc;
  ASSIGN_OR_RETURN(pugi::xml_node root, LoadRoot(doc, xml, "AttachNetworkInterfaceResponse"));
  AttachNetworkInterfaceReply r;
  r.attachment_id = Text(root, "attachmentId");
  if (r.attachment_id.empty()) {
    return Malformed("AttachNetworkInterfaceResponse without attachmentId");
  }
  ASSIGN_OR_RETURN(r.network_card_index,
                   ParseSmallInt("networkCardIndex", Text(root, "networkCardIndex"), 0));
  return r;
}

Result<AssignPrivateIpAddressesReply> DecodeAssignPrivateIpAddresses(std::string_view xml) {
  pugi::xml_document doc;
  ASSIGN_OR_RETURN(pugi::xml_node root, LoadRoot(doc, xml, "AssignPrivateIpAddressesResponse"));
  AssignPrivateIpAddressesReply r;
  r.network_interface_id = Text(root, "networkInterfaceId");
  for (const pugi::xml_node& item : Items(root, "assignedPrivateIpAddressesSet")) {
    ASSIGN_OR_RETURN(net::Ipv4Address a,
                     ParseTyped<net::Ipv4Address>("privateIpAddress", Text(item, "privateIpAddress")));
    r.assigned_ips.push_back(a);
  }
  for (const pugi::xml_node& item : Items(root, "assignedIpv4PrefixSet")) {
    ASSIGN_OR_RETURN(net::Ipv4Cidr c, ParseTyped<net::Ipv4Cidr>("ipv4Prefix", Text(item, "ipv4Prefix")));
    r.assigned_prefixes.push_back(c);
  }
  return r;
}

Result<AssignIpv6AddressesReply> DecodeAssignIpv6Addresses(std::string_view xml) {
  pugi::xml_document doc;
  ASSIGN_OR_RETURN(pugi::xml_node root, LoadRoot(doc, xml, "AssignIpv6AddressesResponse"));
  AssignIpv6AddressesReply r;
  r.network_interface_id = Text(root, "networkInterfaceId");
  for (const pugi::xml_node& item : Items(root, "assignedIpv6Addresses")) {
    ASSIGN_OR_RETURN(net::Ipv6Address a, ParseTyped<net::Ipv6Address>("ipv6Address", NodeText(item)));
    r.assigned_addresses.push_back(a);
  }
  for (const pugi::xml_node& item : Items(root, "assignedIpv6PrefixSet")) {
    ASSIGN_OR_RETURN(net::Ipv6Cidr c, ParseTyped<net::Ipv6Cidr>("ipv6Prefix", NodeText(item)));
    r.assigned_prefixes.push_back(c);
  }
  return r;
}

Result<UnassignIpv6AddressesReply> DecodeUnassignIpv6Addresses(std::string_view xml) {
  pugi::xml_document doc;
  ASSIGN_OR_RETURN(pugi::xml_node root, LoadRoot(doc, xml, "UnassignIpv6AddressesResponse"));
  UnassignIpv6AddressesReply r;
  r.network_interface_id = Text(root, "networkInterfaceId");
  for (const pugi::xml_node& item : Items(root, "unassignedIpv6Addresses")) {
    ASSIGN_OR_RETURN(net::Ipv6Address a, ParseTyped<net::Ipv6Address>("ipv6Address", NodeText(item)));
    r.unassigned_addresses.push_back(a);
  }
  for (const pugi::xml_node& item : Items(root, "unassignedIpv6PrefixSet")) {
    ASSIGN_OR_RETURN(net::Ipv6Cidr c, ParseTyped<net::Ipv6Cidr>("ipv6Prefix", NodeText(item)));
    r.unassigned_prefixes.push_back(c);
  }
  return r;
}

Result<DescribeNetworkInterfacesPage> DecodeDescribeNetworkInterfaces(std::string_view xml) {
  pugi::xml_document doc;
  ASSIGN_OR_RETURN(pugi::xml_node root, LoadRoot(doc, xml, "DescribeNetworkInterfacesResponse"));
  DescribeNetworkInterfacesPage page;
  RETURN_IF_ERROR(DecodeItems(root, "networkInterfaceSet", DecodeEni, &page.network_interfaces));
  page.next_token = Text(root, "nextToken");
  return page;
}

Result<DescribeInstancesPage> DecodeDescribeInstances(std::string_view xml) {
  pugi::xml_document doc;
  ASSIGN_OR_RETURN(pugi::xml_node root, LoadRoot(doc, xml, "DescribeInstancesResponse"));
  DescribeInstancesPage page;
  for (const pugi::xml_node& reservation : Items(root, "reservationSet")) {
    RETURN_IF_ERROR(DecodeItems(reservation, "instancesSet", DecodeInstance, &page.instances));
  }
  page.next_token = Text(root, "nextToken");
  return page;
}

Result<DescribeInstanceTypesPage> DecodeDescribeInstanceTypes(std::string_view xml) {
  pugi::xml_document doc;
  ASSIGN_OR_RETURN(pugi::xml_node root, LoadRoot(doc, xml, "DescribeInstanceTypesResponse"));
  DescribeInstanceTypesPage page;
  RETURN_IF_ERROR(
      DecodeItems(root, "instanceTypeSet", DecodeInstanceType, &page.instance_types));
  page.next_token = Text(root, "nextToken");
  return page;
}

Result<DescribeSubnetsPage> DecodeDescribeSubnets(std::string_view xml) {
  pugi::xml_document doc;
  ASSIGN_OR_RETURN(pugi::xml_node root, LoadRoot(doc, xml, "DescribeSubnetsResponse"));
  DescribeSubnetsPage page;
  RETURN_IF_ERROR(DecodeItems(root, "subnetSet", DecodeSubnet, &page.subnets));
  page.next_token = Text(root, "nextToken");
  return page;
}

Result<DescribeSecurityGroupsPage> DecodeDescribeSecurityGroups(std::string_view xml) {
  pugi::xml_document doc;
  ASSIGN_OR_RETURN(pugi::xml_node root, LoadRoot(doc, xml, "DescribeSecurityGroupsResponse"));
  DescribeSecurityGroupsPage page;
  RETURN_IF_ERROR(
      DecodeItems(root, "securityGroupInfo", DecodeSecurityGroup, &page.security_groups));
  page.next_token = Text(root, "nextToken");
  return page;
}

Result<TrunkInterfaceAssociation> DecodeAssociateTrunkInterface(std::string_view xml) {
  pugi::xml_document doc;
  ASSIGN_OR_RETURN(pugi::xml_node root, LoadRoot(doc, xml, "AssociateTrunkInterfaceResponse"));
  pugi::xml_node a = Child(root, "interfaceAssociation");
  if (!a) {
    return Malformed("AssociateTrunkInterfaceResponse without interfaceAssociation");
  }
  return DecodeTrunkAssociation(a);
}

Result<DescribeTrunkInterfaceAssociationsPage> DecodeDescribeTrunkInterfaceAssociations(
    std::string_view xml) {
  pugi::xml_document doc;
  ASSIGN_OR_RETURN(pugi::xml_node root,
                   LoadRoot(doc, xml, "DescribeTrunkInterfaceAssociationsResponse"));
  DescribeTrunkInterfaceAssociationsPage page;
  RETURN_IF_ERROR(DecodeItems(root, "interfaceAssociationSet", DecodeTrunkAssociation,
                              &page.associations));
  page.next_token = Text(root, "nextToken");
  return page;
}

Result<void> DecodeReturn(std::string_view action, std::string_view xml) {
  pugi::xml_document doc;
  ASSIGN_OR_RETURN(pugi::xml_node root, LoadRoot(doc, xml, fmt::format("{}Response", action)));
  std::string ret = Text(root, "return");
  if (!ret.empty() && ret != "true") {
    Error e = MakeError(ErrorCode::kInternal, "{} returned '{}'", action, ret);
    e.reason = "ReturnFalse";
    return e;
  }
  return Ok();
}

std::optional<ErrorReply> DecodeErrorReply(std::string_view xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8)) {
    return std::nullopt;
  }
  pugi::xml_node root = doc.document_element();
  if (!root) {
    return std::nullopt;
  }
  pugi::xml_node error;
  std::string request_id;
  std::string_view root_name = LocalName(root.name());
  if (root_name == "Response") {
    error = Child(Child(root, "Errors"), "Error");
    request_id = Text(root, "RequestID");
    if (request_id.empty()) {
      request_id = Text(root, "RequestId");
    }
  } else if (root_name == "ErrorResponse") {
    error = Child(root, "Error");
    request_id = Text(root, "RequestId");
  } else if (root_name == "Error") {
    error = root;
    request_id = Text(root, "RequestId");
  }
  if (!error) {
    return std::nullopt;
  }
  ErrorReply r;
  r.code = Text(error, "Code");
  r.message = Text(error, "Message");
  r.request_id = request_id;
  if (r.code.empty()) {
    return std::nullopt;
  }
  return r;
}

std::string DecodeRequestId(std::string_view xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8)) {
    return "";
  }
  return Text(doc.document_element(), "requestId");
}

const std::vector<std::string_view>& KnownActions() {
  static const std::vector<std::string_view> kActions = {
      "CreateNetworkInterface",    "AttachNetworkInterface",
      "DetachNetworkInterface",    "DeleteNetworkInterface",
      "ModifyNetworkInterfaceAttribute",
      "AssignPrivateIpAddresses",  "UnassignPrivateIpAddresses",
      "AssignIpv6Addresses",       "UnassignIpv6Addresses",
      "DescribeNetworkInterfaces", "DescribeInstances",
      "DescribeInstanceTypes",     "DescribeSubnets",
      "DescribeSecurityGroups",    "CreateTags",
      "DeleteTags",                "AssociateTrunkInterface",
      "DisassociateTrunkInterface", "DescribeTrunkInterfaceAssociations"};
  return kActions;
}

Result<void> DecodeAny(std::string_view action, std::string_view xml) {
  auto drop = [](auto r) -> Result<void> {
    if (!r.has_value()) {
      return std::move(r.error());
    }
    return Ok();
  };
  if (action == "CreateNetworkInterface") {
    return drop(DecodeCreateNetworkInterface(xml));
  }
  if (action == "AttachNetworkInterface") {
    return drop(DecodeAttachNetworkInterface(xml));
  }
  if (action == "AssignPrivateIpAddresses") {
    return drop(DecodeAssignPrivateIpAddresses(xml));
  }
  if (action == "AssignIpv6Addresses") {
    return drop(DecodeAssignIpv6Addresses(xml));
  }
  if (action == "UnassignIpv6Addresses") {
    return drop(DecodeUnassignIpv6Addresses(xml));
  }
  if (action == "DescribeNetworkInterfaces") {
    return drop(DecodeDescribeNetworkInterfaces(xml));
  }
  if (action == "DescribeInstances") {
    return drop(DecodeDescribeInstances(xml));
  }
  if (action == "DescribeInstanceTypes") {
    return drop(DecodeDescribeInstanceTypes(xml));
  }
  if (action == "DescribeSubnets") {
    return drop(DecodeDescribeSubnets(xml));
  }
  if (action == "DescribeSecurityGroups") {
    return drop(DecodeDescribeSecurityGroups(xml));
  }
  if (action == "AssociateTrunkInterface") {
    return drop(DecodeAssociateTrunkInterface(xml));
  }
  if (action == "DescribeTrunkInterfaceAssociations") {
    return drop(DecodeDescribeTrunkInterfaceAssociations(xml));
  }
  if (action == "DetachNetworkInterface" || action == "DeleteNetworkInterface" ||
      action == "ModifyNetworkInterfaceAttribute" || action == "UnassignPrivateIpAddresses" ||
      action == "CreateTags" || action == "DeleteTags" || action == "DisassociateTrunkInterface") {
    return DecodeReturn(action, xml);
  }
  return MakeError(ErrorCode::kInvalidArgument, "unknown EC2 action '{}'", action);
}

}  // namespace vpccni::cloud::codec
