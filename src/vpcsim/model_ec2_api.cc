// File: model_ec2_api.cc
#include "vpcsim/model_ec2_api.h"

#include <utility>

namespace vpccni::vpcsim {

namespace {

std::vector<Filter> Filters(const std::vector<cloud::Filter>& in) {
  std::vector<Filter> out;
  out.reserve(in.size());
  for (const auto& f : in) {
    out.push_back(Filter{f.name, f.values});
  }
  return out;
}

template <typename T>
Result<T> Convert(Result<T> r) {
  if (!r.has_value()) {
    return ToCloudError(r.error());
  }
  return r;
}

std::vector<cloud::GroupIdentifier> Groups(const std::vector<GroupIdentifier>& in) {
  std::vector<cloud::GroupIdentifier> out;
  for (const auto& g : in) {
    out.push_back(cloud::GroupIdentifier{g.group_id, g.group_name});
  }
  return out;
}

}  // namespace

Error ToCloudError(const Error& e) {
  if (e.reason.empty()) {
    return e;
  }
  Error out = cloud::MakeEc2Error(e.reason, e.message, HttpStatusForReason(e.reason));
  out.context = e.context;
  return out;
}

cloud::NetworkInterface ToCloud(const NetworkInterface& e) {
  cloud::NetworkInterface c;
  c.id = e.network_interface_id;
  c.mac = e.mac_address;
  c.subnet_id = e.subnet_id;
  c.vpc_id = e.vpc_id;
  c.availability_zone = e.availability_zone;
  c.description = e.description;
  c.status = e.status;
  c.interface_type = e.interface_type;
  c.owner_id = e.owner_id;
  if (e.attachment) {
    const auto& a = *e.attachment;
    c.attachment = cloud::NetworkInterfaceAttachment{a.attachment_id, a.instance_id,
                                                     a.device_index,  a.network_card_index,
                                                     a.status,        a.delete_on_termination};
  }
  c.primary_ip = e.private_ip_address;
  for (const auto& ip : e.private_ip_addresses) {
    c.private_ips.push_back(cloud::PrivateIpAddress{ip.address, ip.primary});
  }
  c.ipv4_prefixes = e.ipv4_prefixes;
  c.ipv6_addresses = e.ipv6_addresses;
  c.ipv6_prefixes = e.ipv6_prefixes;
  c.groups = Groups(e.groups);
  c.tags = e.tags;
  c.requester_managed = e.requester_managed;
  c.source_dest_check = e.source_dest_check;
  return c;
}

cloud::Subnet ToCloud(const Subnet& s) {
  cloud::Subnet c;
  c.id = s.subnet_id;
  c.vpc_id = s.vpc_id;
  c.availability_zone = s.availability_zone;
  c.availability_zone_id = s.availability_zone_id;
  c.state = s.state;
  c.cidr = s.cidr_block;
  if (s.ipv6_cidr_block) {
    c.ipv6_cidrs.push_back(*s.ipv6_cidr_block);
  }
  c.available_ip_address_count = s.available_ip_address_count;
  c.default_for_az = s.default_for_az;
  c.tags = s.tags;
  return c;
}

cloud::Instance ToCloud(const Instance& i) {
  cloud::Instance c;
  c.id = i.instance_id;
  c.instance_type = i.instance_type;
  c.availability_zone = i.availability_zone;
  c.subnet_id = i.subnet_id;
  c.vpc_id = i.vpc_id;
  c.private_ip = i.private_ip_address;
  c.state = i.state.name;
  for (const auto& e : i.network_interfaces) {
    c.network_interfaces.push_back(ToCloud(e));
  }
  c.tags = i.tags;
  return c;
}

cloud::SecurityGroup ToCloud(const SecurityGroup& g) {
  return cloud::SecurityGroup{g.group_id, g.group_name, g.description,
                              g.vpc_id,   g.owner_id,   g.tags};
}

cloud::TrunkInterfaceAssociation ToCloud(const TrunkInterfaceAssociation& a) {
  return cloud::TrunkInterfaceAssociation{a.association_id, a.branch_interface_id,
                                          a.trunk_interface_id, a.vlan_id, a.interface_protocol};
}

Result<cloud::NetworkInterface> ModelEc2Api::CreateNetworkInterface(
    const cloud::CreateNetworkInterfaceRequest& req) {
  CreateNetworkInterfaceRequest r;
  r.subnet_id = req.subnet_id;
  r.group_ids = req.security_group_ids;
  r.description = req.description;
  r.tags = req.tags;
  r.interface_type = req.interface_type;
  if (req.primary_ip) {
    r.private_ip_address = req.primary_ip->ToString();
  }
  r.secondary_private_ip_address_count = req.secondary_private_ip_count.value_or(0);
  r.ipv4_prefix_count = req.ipv4_prefix_count.value_or(0);
  r.ipv6_address_count = req.ipv6_address_count.value_or(0);
  r.ipv6_prefix_count = req.ipv6_prefix_count.value_or(0);
  r.client_token = req.client_token;
  WallTime now = clock_.Now();
  auto res = model_->With([&](VpcModel& m) { return m.CreateNetworkInterface(r, now); });
  if (!res.has_value()) {
    return ToCloudError(res.error());
  }
  return ToCloud(res->network_interface);
}

Result<cloud::AttachNetworkInterfaceReply> ModelEc2Api::AttachNetworkInterface(
    const cloud::AttachNetworkInterfaceRequest& req) {
  AttachNetworkInterfaceRequest r{req.network_interface_id, req.instance_id, req.device_index,
                                  req.network_card_index};
  WallTime now = clock_.Now();
  auto res = model_->With([&](VpcModel& m) { return m.AttachNetworkInterface(r, now); });
  if (!res.has_value()) {
    return ToCloudError(res.error());
  }
  return cloud::AttachNetworkInterfaceReply{res->attachment_id, res->network_card_index};
}

Result<void> ModelEc2Api::DetachNetworkInterface(const cloud::DetachNetworkInterfaceRequest& req) {
  DetachNetworkInterfaceRequest r{req.attachment_id, req.force};
  WallTime now = clock_.Now();
  return Convert(model_->With([&](VpcModel& m) { return m.DetachNetworkInterface(r, now); }));
}

Result<void> ModelEc2Api::DeleteNetworkInterface(const std::string& network_interface_id) {
  DeleteNetworkInterfaceRequest r{network_interface_id};
  WallTime now = clock_.Now();
  return Convert(model_->With([&](VpcModel& m) { return m.DeleteNetworkInterface(r, now); }));
}

Result<void> ModelEc2Api::ModifyNetworkInterfaceAttribute(
    const cloud::ModifyNetworkInterfaceAttributeRequest& req) {
  ModifyNetworkInterfaceAttributeRequest r;
  r.network_interface_id = req.network_interface_id;
  r.description = req.description;
  r.source_dest_check = req.source_dest_check;
  r.group_ids = req.security_group_ids;
  if (req.attachment) {
    r.attachment_id = req.attachment->attachment_id;
    r.delete_on_termination = req.attachment->delete_on_termination;
  }
  WallTime now = clock_.Now();
  return Convert(
      model_->With([&](VpcModel& m) { return m.ModifyNetworkInterfaceAttribute(r, now); }));
}

Result<cloud::AssignPrivateIpAddressesReply> ModelEc2Api::AssignPrivateIpAddresses(
    const cloud::AssignPrivateIpAddressesRequest& req) {
  AssignPrivateIpAddressesRequest r;
  r.network_interface_id = req.network_interface_id;
  for (const auto& a : req.ips)
    r.private_ip_addresses.push_back(a.ToString());
  for (const auto& p : req.prefixes)
    r.ipv4_prefixes.push_back(p.ToString());
  r.secondary_private_ip_address_count = req.secondary_private_ip_count.value_or(0);
  r.ipv4_prefix_count = req.ipv4_prefix_count.value_or(0);
  r.allow_reassignment = req.allow_reassignment;
  WallTime now = clock_.Now();
  auto res = model_->With([&](VpcModel& m) { return m.AssignPrivateIpAddresses(r, now); });
  if (!res.has_value()) {
    return ToCloudError(res.error());
  }
  return cloud::AssignPrivateIpAddressesReply{
      res->network_interface_id, res->assigned_private_ip_addresses, res->assigned_ipv4_prefixes};
}

Result<void> ModelEc2Api::UnassignPrivateIpAddresses(
    const cloud::UnassignPrivateIpAddressesRequest& req) {
  UnassignPrivateIpAddressesRequest r;
  r.network_interface_id = req.network_interface_id;
  for (const auto& a : req.ips)
    r.private_ip_addresses.push_back(a.ToString());
  for (const auto& p : req.prefixes)
    r.ipv4_prefixes.push_back(p.ToString());
  WallTime now = clock_.Now();
  return Convert(model_->With([&](VpcModel& m) { return m.UnassignPrivateIpAddresses(r, now); }));
}

Result<cloud::AssignIpv6AddressesReply> ModelEc2Api::AssignIpv6Addresses(
    const cloud::AssignIpv6AddressesRequest& req) {
  AssignIpv6AddressesRequest r;
  r.network_interface_id = req.network_interface_id;
  for (const auto& a : req.addresses)
    r.ipv6_addresses.push_back(a.ToString());
  for (const auto& p : req.prefixes)
    r.ipv6_prefixes.push_back(p.ToString());
  r.ipv6_address_count = req.address_count.value_or(0);
  r.ipv6_prefix_count = req.prefix_count.value_or(0);
  WallTime now = clock_.Now();
  auto res = model_->With([&](VpcModel& m) { return m.AssignIpv6Addresses(r, now); });
  if (!res.has_value()) {
    return ToCloudError(res.error());
  }
  return cloud::AssignIpv6AddressesReply{res->network_interface_id, res->assigned_ipv6_addresses,
                                         res->assigned_ipv6_prefixes};
}

Result<cloud::UnassignIpv6AddressesReply> ModelEc2Api::UnassignIpv6Addresses(
    const cloud::UnassignIpv6AddressesRequest& req) {
  UnassignIpv6AddressesRequest r;
  r.network_interface_id = req.network_interface_id;
  for (const auto& a : req.addresses)
    r.ipv6_addresses.push_back(a.ToString());
  for (const auto& p : req.prefixes)
    r.ipv6_prefixes.push_back(p.ToString());
  WallTime now = clock_.Now();
  auto res = model_->With([&](VpcModel& m) { return m.UnassignIpv6Addresses(r, now); });
  if (!res.has_value()) {
    return ToCloudError(res.error());
  }
  return cloud::UnassignIpv6AddressesReply{
      res->network_interface_id, res->unassigned_ipv6_addresses, res->unassigned_ipv6_prefixes};
}

Result<cloud::DescribeNetworkInterfacesPage> ModelEc2Api::DescribeNetworkInterfaces(
    const cloud::DescribeNetworkInterfacesRequest& req) {
  DescribeNetworkInterfacesRequest r;
  r.network_interface_ids = req.network_interface_ids;
  r.filters = Filters(req.filters);
  r.max_results = req.max_results;
  r.next_token = req.next_token;
  WallTime now = clock_.Now();
  auto res = model_->With([&](VpcModel& m) { return m.DescribeNetworkInterfaces(r, now); });
  if (!res.has_value()) {
    return ToCloudError(res.error());
  }
  cloud::DescribeNetworkInterfacesPage page;
  for (const auto& e : res->network_interfaces)
    page.network_interfaces.push_back(ToCloud(e));
  page.next_token = res->next_token;
  return page;
}

Result<cloud::DescribeInstancesPage> ModelEc2Api::DescribeInstances(
    const cloud::DescribeInstancesRequest& req) {
  DescribeInstancesRequest r;
  r.instance_ids = req.instance_ids;
  r.filters = Filters(req.filters);
  r.max_results = req.max_results;
  r.next_token = req.next_token;
  WallTime now = clock_.Now();
  auto res = model_->With([&](VpcModel& m) { return m.DescribeInstances(r, now); });
  if (!res.has_value()) {
    return ToCloudError(res.error());
  }
  cloud::DescribeInstancesPage page;
  for (const auto& resv : res->reservations) {
    for (const auto& i : resv.instances)
      page.instances.push_back(ToCloud(i));
  }
  page.next_token = res->next_token;
  return page;
}

Result<cloud::DescribeInstanceTypesPage> ModelEc2Api::DescribeInstanceTypes(
    const cloud::DescribeInstanceTypesRequest& req) {
  DescribeInstanceTypesRequest r;
  r.instance_types = req.instance_types;
  r.filters = Filters(req.filters);
  r.max_results = req.max_results;
  r.next_token = req.next_token;
  WallTime now = clock_.Now();
  auto res = model_->With([&](VpcModel& m) { return m.DescribeInstanceTypes(r, now); });
  if (!res.has_value()) {
    return ToCloudError(res.error());
  }
  return cloud::DescribeInstanceTypesPage{std::move(res->instance_types), res->next_token};
}

Result<cloud::DescribeSubnetsPage> ModelEc2Api::DescribeSubnets(
    const cloud::DescribeSubnetsRequest& req) {
  DescribeSubnetsRequest r;
  r.subnet_ids = req.subnet_ids;
  r.filters = Filters(req.filters);
  r.max_results = req.max_results;
  r.next_token = req.next_token;
  WallTime now = clock_.Now();
  auto res = model_->With([&](VpcModel& m) { return m.DescribeSubnets(r, now); });
  if (!res.has_value()) {
    return ToCloudError(res.error());
  }
  cloud::DescribeSubnetsPage page;
  for (const auto& s : res->subnets)
    page.subnets.push_back(ToCloud(s));
  page.next_token = res->next_token;
  return page;
}

Result<cloud::DescribeSecurityGroupsPage> ModelEc2Api::DescribeSecurityGroups(
    const cloud::DescribeSecurityGroupsRequest& req) {
  DescribeSecurityGroupsRequest r;
  r.group_ids = req.group_ids;
  r.filters = Filters(req.filters);
  r.max_results = req.max_results;
  r.next_token = req.next_token;
  WallTime now = clock_.Now();
  auto res = model_->With([&](VpcModel& m) { return m.DescribeSecurityGroups(r, now); });
  if (!res.has_value()) {
    return ToCloudError(res.error());
  }
  cloud::DescribeSecurityGroupsPage page;
  for (const auto& g : res->security_groups)
    page.security_groups.push_back(ToCloud(g));
  page.next_token = res->next_token;
  return page;
}

Result<void> ModelEc2Api::CreateTags(const cloud::CreateTagsRequest& req) {
  CreateTagsRequest r{req.resource_ids, req.tags};
  WallTime now = clock_.Now();
  return Convert(model_->With([&](VpcModel& m) { return m.CreateTags(r, now); }));
}

Result<void> ModelEc2Api::DeleteTags(const cloud::DeleteTagsRequest& req) {
  DeleteTagsRequest r{req.resource_ids, req.tags};
  WallTime now = clock_.Now();
  return Convert(model_->With([&](VpcModel& m) { return m.DeleteTags(r, now); }));
}

Result<cloud::TrunkInterfaceAssociation> ModelEc2Api::AssociateTrunkInterface(
    const cloud::AssociateTrunkInterfaceRequest& req) {
  AssociateTrunkInterfaceRequest r{req.branch_interface_id, req.trunk_interface_id, req.vlan_id,
                                   req.client_token};
  WallTime now = clock_.Now();
  auto res = model_->With([&](VpcModel& m) { return m.AssociateTrunkInterface(r, now); });
  if (!res.has_value()) {
    return ToCloudError(res.error());
  }
  return ToCloud(res->interface_association);
}

Result<void> ModelEc2Api::DisassociateTrunkInterface(const std::string& association_id) {
  DisassociateTrunkInterfaceRequest r{association_id, ""};
  WallTime now = clock_.Now();
  return Convert(model_->With([&](VpcModel& m) { return m.DisassociateTrunkInterface(r, now); }));
}

Result<cloud::DescribeTrunkInterfaceAssociationsPage>
ModelEc2Api::DescribeTrunkInterfaceAssociations(
    const cloud::DescribeTrunkInterfaceAssociationsRequest& req) {
  DescribeTrunkInterfaceAssociationsRequest r;
  r.association_ids = req.association_ids;
  r.filters = Filters(req.filters);
  r.max_results = req.max_results;
  r.next_token = req.next_token;
  WallTime now = clock_.Now();
  auto res =
      model_->With([&](VpcModel& m) { return m.DescribeTrunkInterfaceAssociations(r, now); });
  if (!res.has_value()) {
    return ToCloudError(res.error());
  }
  cloud::DescribeTrunkInterfaceAssociationsPage page;
  for (const auto& a : res->interface_associations)
    page.associations.push_back(ToCloud(a));
  page.next_token = res->next_token;
  return page;
}

}  // namespace vpccni::vpcsim
