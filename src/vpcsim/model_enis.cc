// File: model_enis.cc
//
// Network interfaces: create, attach, detach, delete, modify, describe; trunk/branch
// associations.
#include <algorithm>

#include <fmt/format.h>

#include "vpcsim/model.h"
#include "vpcsim/model_internal.h"

namespace vpccni::vpcsim {

namespace {

std::string FormatTime(WallTime t) {
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  return std::to_string(secs);
}

std::optional<std::vector<std::string>> EniField(const NetworkInterface& e, std::string_view name) {
  using V = std::vector<std::string>;
  const auto& at = e.attachment;
  if (name == "network-interface-id")
    return V{e.network_interface_id};
  if (name == "subnet-id")
    return V{e.subnet_id};
  if (name == "vpc-id")
    return V{e.vpc_id};
  if (name == "availability-zone")
    return V{e.availability_zone};
  if (name == "description")
    return V{e.description};
  if (name == "interface-type")
    return V{e.interface_type};
  if (name == "mac-address")
    return V{e.mac_address.ToString()};
  if (name == "status")
    return V{e.status};
  if (name == "owner-id")
    return V{e.owner_id};
  if (name == "requester-id")
    return V{e.requester_id};
  if (name == "requester-managed")
    return V{BoolStr(e.requester_managed)};
  if (name == "source-dest-check")
    return V{BoolStr(e.source_dest_check)};
  if (name == "private-ip-address" || name == "addresses.private-ip-address") {
    V out;
    for (const auto& ip : e.private_ip_addresses)
      out.push_back(ip.address.ToString());
    return out;
  }
  if (name == "addresses.primary") {
    V out;
    for (const auto& ip : e.private_ip_addresses)
      out.push_back(BoolStr(ip.primary));
    return out;
  }
  if (name == "ipv6-addresses.ipv6-address" || name == "ipv6-address") {
    V out;
    for (const auto& a : e.ipv6_addresses)
      out.push_back(a.ToString());
    return out;
  }
  if (name == "ipv4-prefix") {
    V out;
    for (const auto& p : e.ipv4_prefixes)
      out.push_back(p.ToString());
    return out;
  }
  if (name == "ipv6-prefix") {
    V out;
    for (const auto& p : e.ipv6_prefixes)
      out.push_back(p.ToString());
    return out;
  }
  if (name == "group-id") {
    V out;
    for (const auto& g : e.groups)
      out.push_back(g.group_id);
    return out;
  }
  if (name == "group-name") {
    V out;
    for (const auto& g : e.groups)
      out.push_back(g.group_name);
    return out;
  }
  if (name == "attachment.instance-id")
    return at ? V{at->instance_id} : V{};
  if (name == "attachment.instance-owner-id")
    return at ? V{at->instance_owner_id} : V{};
  if (name == "attachment.attachment-id")
    return at ? V{at->attachment_id} : V{};
  if (name == "attachment.status")
    return at ? V{at->status} : V{};
  if (name == "attachment.device-index")
    return at ? V{std::to_string(at->device_index)} : V{};
  if (name == "attachment.network-card-index") {
    return at ? V{std::to_string(at->network_card_index)} : V{};
  }
  if (name == "attachment.delete-on-termination") {
    return at ? V{BoolStr(at->delete_on_termination)} : V{};
  }
  if (name == "attachment.attach-time")
    return at ? V{FormatTime(at->attach_time)} : V{};
  return std::nullopt;
}

std::optional<std::vector<std::string>> TrunkField(const TrunkInterfaceAssociation& a,
                                                   std::string_view name) {
  using V = std::vector<std::string>;
  if (name == "trunk-interface-association.id")
    return V{a.association_id};
  if (name == "trunk-interface-association.branch-interface-id")
    return V{a.branch_interface_id};
  if (name == "trunk-interface-association.trunk-interface-id")
    return V{a.trunk_interface_id};
  if (name == "trunk-interface-association.vlan-id")
    return V{std::to_string(a.vlan_id)};
  return std::nullopt;
}

net::MacAddress NewMac(VpcModel::State& s, uint64_t seed) {
  for (;;) {
    uint64_t h = Mix64(seed ^ 0x3ac0ULL, s.id_counter++);
    std::array<uint8_t, 6> b{};
    b[0] = 0x02;  // locally administered, unicast (as EC2's 02:/06:/0a: MACs)
    for (int i = 1; i < 6; ++i) {
      b[i] = static_cast<uint8_t>(h >> (8 * i));
    }
    net::MacAddress m(b);
    if (s.macs.count(m) == 0) {
      return m;
    }
  }
}

// Security groups for an ENI in `vpc_id`: the named ones (validated) or the VPC's default.
Result<std::vector<GroupIdentifier>> ResolveGroups(VpcModel::State& s,
                                                   const std::vector<std::string>& ids,
                                                   const std::string& vpc_id, const IdKind& kind) {
  std::vector<GroupIdentifier> out;
  if (ids.empty()) {
    for (const auto& [id, g] : s.groups) {
      if (g.vpc_id == vpc_id && g.group_name == "default") {
        out.push_back(GroupIdentifier{g.group_id, g.group_name});
      }
    }
    return out;
  }
  for (const auto& id : ids) {
    ASSIGN_OR_RETURN(SecurityGroup * g, LookupId(s.groups, id, kind));
    if (g->vpc_id != vpc_id) {
      return InvalidParameterValue(fmt::format(
          "The security group '{}' and the subnet belong to different networks ({} vs {})", id,
          g->vpc_id, vpc_id));
    }
    bool dup = std::any_of(out.begin(), out.end(),
                           [&](const GroupIdentifier& x) { return x.group_id == id; });
    if (!dup) {
      out.push_back(GroupIdentifier{g->group_id, g->group_name});
    }
  }
  return out;
}

}  // namespace

// Creates an ENI in `ss` with the planned addresses. Shared with RunInstances.
NetworkInterface NewEniRecord(VpcModel::State& s, const VpcModel::Options& o, const SubnetState& ss,
                              WallTime now) {
  NetworkInterface e;
  e.network_interface_id = NewId(s, o.seed, "eni");
  e.subnet_id = ss.subnet.subnet_id;
  e.vpc_id = ss.subnet.vpc_id;
  e.availability_zone = ss.subnet.availability_zone;
  e.availability_zone_id = ss.subnet.availability_zone_id;
  e.mac_address = NewMac(s, o.seed);
  e.owner_id = o.account_id;
  e.requester_id = "AIDAVPCSIMREQUESTER";
  e.create_time = now;
  return e;
}

Result<CreateNetworkInterfaceReply> VpcModel::CreateNetworkInterface(
    const CreateNetworkInterfaceRequest& req, WallTime now) {
  return RunAction<CreateNetworkInterfaceReply>(
      "CreateNetworkInterface", now, true, [&](WallTime t) -> Result<CreateNetworkInterfaceReply> {
        State& s = *state_;
        if (!req.client_token.empty()) {
          auto it = s.client_tokens.find(req.client_token);
          if (it != s.client_tokens.end() && s.enis.count(it->second) != 0) {
            return CreateNetworkInterfaceReply{s.enis.at(it->second), req.client_token};
          }
        }
        ASSIGN_OR_RETURN(SubnetState * ss, LookupId(s.subnets, req.subnet_id, kSubnetIdKind));
        std::string type = req.interface_type.empty() ? "interface" : req.interface_type;
        static const std::set<std::string> kTypes = {"interface", "trunk", "efa", "efa-only",
                                                     "branch"};
        if (kTypes.count(type) == 0) {
          return InvalidParameterValue(fmt::format(
              "Value ({}) for parameter interfaceType is invalid. Valid values: efa, efa-only, "
              "branch, trunk",
              req.interface_type));
        }
        ASSIGN_OR_RETURN(std::vector<GroupIdentifier> groups,
                         ResolveGroups(s, req.group_ids, ss->subnet.vpc_id, kEniGroupIdKind));
        // Primary: PrivateIpAddress or the PrivateIpAddresses entry marked primary.
        std::optional<std::string> primary = req.private_ip_address;
        std::vector<std::string> explicit_secondaries;
        for (const auto& p : req.private_ip_addresses) {
          if (p.primary) {
            if (primary.has_value() && *primary != p.address.ToString()) {
              return InvalidParameterCombination(
                  "Only one primary private IP address can be specified");
            }
            primary = p.address.ToString();
          } else {
            explicit_secondaries.push_back(p.address.ToString());
          }
        }
        if (req.secondary_private_ip_address_count < 0 || req.ipv4_prefix_count < 0 ||
            req.ipv6_address_count < 0 || req.ipv6_prefix_count < 0) {
          return InvalidParameterValue("Counts must not be negative");
        }
        if (!req.ipv4_prefixes.empty() && req.ipv4_prefix_count > 0) {
          return InvalidParameterCombination(
              "Ipv4Prefixes and Ipv4PrefixCount cannot both be specified");
        }
        if (!req.ipv6_addresses.empty() && req.ipv6_address_count > 0) {
          return InvalidParameterCombination(
              "Ipv6Addresses and Ipv6AddressCount cannot both be specified");
        }
        if (!req.ipv6_prefixes.empty() && req.ipv6_prefix_count > 0) {
          return InvalidParameterCombination(
              "Ipv6Prefixes and Ipv6PrefixCount cannot both be specified");
        }
        int slots = 1 + static_cast<int>(explicit_secondaries.size()) +
                    req.secondary_private_ip_address_count +
                    static_cast<int>(req.ipv4_prefixes.size()) + req.ipv4_prefix_count;
        if (slots > s.max_ipv4_per_eni) {
          return Ec2Error("PrivateIpAddressLimitExceeded",
                          fmt::format("Number of private addresses will exceed limit: {} "
                                      "requested, at most {} per network interface.",
                                      slots, s.max_ipv4_per_eni));
        }
        int v6 = static_cast<int>(req.ipv6_addresses.size()) + req.ipv6_address_count +
                 static_cast<int>(req.ipv6_prefixes.size()) + req.ipv6_prefix_count;
        if (v6 > s.max_ipv6_per_eni) {
          return InvalidParameterValue(
              fmt::format("Number of IPv6 addresses and prefixes ({}) exceeds the limit of {}.", v6,
                          s.max_ipv6_per_eni));
        }
        RETURN_IF_ERROR(ValidateTags(req.tags, nullptr));
        SubnetPlanner plan(*ss);
        NetworkInterface e;
        net::Ipv4Address primary_ip;
        if (primary.has_value()) {
          ASSIGN_OR_RETURN(primary_ip, plan.TakeExplicit(*primary));
        } else {
          auto a = plan.TakeNext();
          if (!a.has_value()) {
            return Ec2Error("InsufficientFreeAddressesInSubnet",
                            fmt::format("There are not enough free addresses in subnet '{}' to "
                                        "satisfy the request.",
                                        req.subnet_id));
          }
          primary_ip = *a;
        }
        e.private_ip_addresses.push_back(PrivateIpAddress{primary_ip, true});
        for (const auto& text : explicit_secondaries) {
          ASSIGN_OR_RETURN(net::Ipv4Address a, plan.TakeExplicit(text));
          e.private_ip_addresses.push_back(PrivateIpAddress{a, false});
        }
        for (const auto& text : req.ipv4_prefixes) {
          ASSIGN_OR_RETURN(net::Ipv4Cidr p, plan.TakeExplicitPrefix(text));
          e.ipv4_prefixes.push_back(p);
        }
        for (int i = 0; i < req.secondary_private_ip_address_count; ++i) {
          ASSIGN_OR_RETURN(net::Ipv4Address a, plan.TakeNext());
          e.private_ip_addresses.push_back(PrivateIpAddress{a, false});
        }
        for (int i = 0; i < req.ipv4_prefix_count; ++i) {
          ASSIGN_OR_RETURN(net::Ipv4Cidr p, plan.TakeNextPrefix());
          e.ipv4_prefixes.push_back(p);
        }
        for (const auto& text : req.ipv6_addresses) {
          ASSIGN_OR_RETURN(net::Ipv6Address a, plan.TakeExplicit6(text));
          e.ipv6_addresses.push_back(a);
        }
        for (const auto& text : req.ipv6_prefixes) {
          ASSIGN_OR_RETURN(net::Ipv6Cidr p, plan.TakeExplicitPrefix6(text));
          e.ipv6_prefixes.push_back(p);
        }
        for (int i = 0; i < req.ipv6_address_count; ++i) {
          ASSIGN_OR_RETURN(net::Ipv6Address a, plan.TakeNext6());
          e.ipv6_addresses.push_back(a);
        }
        for (int i = 0; i < req.ipv6_prefix_count; ++i) {
          ASSIGN_OR_RETURN(net::Ipv6Cidr p, plan.TakeNextPrefix6());
          e.ipv6_prefixes.push_back(p);
        }
        // Mutate.
        NetworkInterface rec = NewEniRecord(s, options_, *ss, t);
        rec.description = req.description;
        rec.interface_type = type;
        rec.groups = std::move(groups);
        rec.private_ip_address = primary_ip;
        rec.private_ip_addresses = std::move(e.private_ip_addresses);
        rec.ipv4_prefixes = std::move(e.ipv4_prefixes);
        rec.ipv6_addresses = std::move(e.ipv6_addresses);
        rec.ipv6_prefixes = std::move(e.ipv6_prefixes);
        rec.tags = req.tags;
        rec.status = EniStatus(rec);
        plan.Commit(*ss);
        ss->eni_ids.insert(rec.network_interface_id);
        s.macs.insert(rec.mac_address);
        if (!req.client_token.empty()) {
          s.client_tokens[req.client_token] = rec.network_interface_id;
        }
        s.enis[rec.network_interface_id] = rec;
        return CreateNetworkInterfaceReply{rec, req.client_token};
      });
}

Result<AttachNetworkInterfaceReply> VpcModel::AttachNetworkInterface(
    const AttachNetworkInterfaceRequest& req, WallTime now) {
  return RunAction<AttachNetworkInterfaceReply>(
      "AttachNetworkInterface", now, true, [&](WallTime t) -> Result<AttachNetworkInterfaceReply> {
        State& s = *state_;
        ASSIGN_OR_RETURN(NetworkInterface * eni,
                         LookupId(s.enis, req.network_interface_id, kEniIdKind));
        ASSIGN_OR_RETURN(Instance * inst, LookupId(s.instances, req.instance_id, kInstanceIdKind));
        if (inst->state.name != "pending" && inst->state.name != "running") {
          return Ec2Error("IncorrectInstanceState",
                          fmt::format("The instance '{}' is not in a valid state for this "
                                      "operation.",
                                      inst->instance_id));
        }
        if (eni->attachment.has_value() || !eni->trunk_association_id.empty()) {
          return Ec2Error("InvalidNetworkInterface.InUse",
                          fmt::format("Interface: [{}] in use.", eni->network_interface_id));
        }
        if (eni->availability_zone != inst->availability_zone) {
          return InvalidParameterCombination(
              "You may not attach a network interface to an instance if they are not in the "
              "same availability zone");
        }
        if (eni->vpc_id != inst->vpc_id) {
          return InvalidParameterCombination(
              "You may not attach a network interface to an instance in a different VPC");
        }
        const cloud::InstanceLimits* type = FindType(s, inst->instance_type);
        if (type == nullptr) {
          return Ec2Error("InternalError", fmt::format("instance type {} vanished from the table",
                                                       inst->instance_type));
        }
        std::vector<cloud::NetworkCardLimit> cards = CardsOf(*type);
        int card = req.network_card_index.value_or(type->default_network_card_index);
        auto cit = std::find_if(cards.begin(), cards.end(),
                                [&](const cloud::NetworkCardLimit& c) { return c.index == card; });
        if (cit == cards.end()) {
          return InvalidParameterValue(fmt::format(
              "Invalid value '{}' for NetworkCardIndex: instance type {} has {} network card(s)",
              card, inst->instance_type, cards.size()));
        }
        if (req.device_index < 0) {
          return InvalidParameterValue(
              fmt::format("Invalid value '{}' for DeviceIndex", req.device_index));
        }
        int on_card = 0;
        for (const auto& [id, o] : s.enis) {
          if (!o.attachment || o.attachment->instance_id != inst->instance_id ||
              o.attachment->network_card_index != card) {
            continue;
          }
          ++on_card;
          if (o.attachment->device_index == req.device_index) {
            return InvalidParameterValue(
                fmt::format("Instance '{}' already has an interface attached at device index '{}'.",
                            inst->instance_id, req.device_index));
          }
        }
        if (on_card >= cit->max_enis) {
          return Ec2Error("AttachmentLimitExceeded",
                          fmt::format("Interface count {} exceeds the limit for {}", on_card + 1,
                                      inst->instance_type));
        }
        if (SlotCount(*eni) > type->ipv4_per_eni) {
          return Ec2Error("PrivateIpAddressLimitExceeded",
                          fmt::format("Network interface '{}' holds {} IPv4 addresses and "
                                      "prefixes; {} allows {}.",
                                      eni->network_interface_id, SlotCount(*eni),
                                      inst->instance_type, type->ipv4_per_eni));
        }
        if (Ipv6Count(*eni) > type->ipv6_per_eni) {
          return InvalidParameterValue(fmt::format(
              "Network interface '{}' holds {} IPv6 addresses and prefixes; {} allows {}.",
              eni->network_interface_id, Ipv6Count(*eni), inst->instance_type, type->ipv6_per_eni));
        }
        NetworkInterfaceAttachment a;
        a.attachment_id = NewId(s, options_.seed, "eni-attach");
        a.instance_id = inst->instance_id;
        a.instance_owner_id = options_.account_id;
        a.device_index = req.device_index;
        a.network_card_index = card;
        a.attach_time = t;
        a.delete_on_termination = false;
        if (options_.attach_delay > Duration{0}) {
          a.status = "attaching";
          a.transition_at =
              t + std::chrono::duration_cast<WallTime::duration>(options_.attach_delay);
          s.pending_enis.insert(eni->network_interface_id);
        } else {
          a.status = "attached";
          a.transition_at = t;
        }
        eni->attachment = a;
        eni->status = EniStatus(*eni);
        s.attachment_to_eni[a.attachment_id] = eni->network_interface_id;
        s.dirty_instances.insert(inst->instance_id);
        return AttachNetworkInterfaceReply{a.attachment_id, card};
      });
}

Result<void> VpcModel::DetachNetworkInterface(const DetachNetworkInterfaceRequest& req,
                                              WallTime now) {
  return RunAction<void>("DetachNetworkInterface", now, true, [&](WallTime t) -> Result<void> {
    State& s = *state_;
    ASSIGN_OR_RETURN(std::string * eni_id,
                     LookupId(s.attachment_to_eni, req.attachment_id, kAttachmentIdKind));
    NetworkInterface& eni = s.enis.at(*eni_id);
    NetworkInterfaceAttachment& a = *eni.attachment;
    const Instance& inst = s.instances.at(a.instance_id);
    if (eni.network_interface_id == inst.primary_network_interface_id) {
      return Ec2Error("OperationNotPermitted",
                      fmt::format("The network interface at device index {} and networkCard "
                                  "index {} cannot be detached.",
                                  a.device_index, a.network_card_index));
    }
    if (a.status == "detaching") {
      return Ok();
    }
    s.dirty_instances.insert(a.instance_id);
    if (options_.detach_delay > Duration{0}) {
      a.status = "detaching";
      a.transition_at = t + std::chrono::duration_cast<WallTime::duration>(options_.detach_delay);
      s.pending_enis.insert(eni.network_interface_id);
    } else {
      s.attachment_to_eni.erase(a.attachment_id);
      s.pending_enis.erase(eni.network_interface_id);
      eni.attachment.reset();
    }
    eni.status = EniStatus(eni);
    return Ok();
  });
}

// Deletes an ENI (no checks): releases addresses, trunk associations, indexes.
void EraseEni(VpcModel::State& s, const std::string& eni_id) {
  auto it = s.enis.find(eni_id);
  if (it == s.enis.end()) {
    return;
  }
  NetworkInterface& eni = it->second;
  ReleaseEniAddresses(s, eni);
  if (eni.attachment) {
    s.attachment_to_eni.erase(eni.attachment->attachment_id);
    s.dirty_instances.insert(eni.attachment->instance_id);
  }
  std::vector<std::string> assocs;
  for (const auto& [aid, a] : s.trunk_assocs) {
    if (a.trunk_interface_id == eni_id || a.branch_interface_id == eni_id) {
      assocs.push_back(aid);
    }
  }
  for (const auto& aid : assocs) {
    const auto& a = s.trunk_assocs.at(aid);
    auto other =
        s.enis.find(a.branch_interface_id == eni_id ? a.trunk_interface_id : a.branch_interface_id);
    if (other != s.enis.end() && other->second.trunk_association_id == aid) {
      other->second.trunk_association_id.clear();
      other->second.status = EniStatus(other->second);
    }
    s.trunk_assocs.erase(aid);
  }
  auto sit = s.subnets.find(eni.subnet_id);
  if (sit != s.subnets.end()) {
    sit->second.eni_ids.erase(eni_id);
  }
  s.macs.erase(eni.mac_address);
  s.pending_enis.erase(eni_id);
  std::erase_if(s.client_tokens, [&](const auto& kv) { return kv.second == eni_id; });
  s.enis.erase(it);
}

Result<void> VpcModel::DeleteNetworkInterface(const DeleteNetworkInterfaceRequest& req,
                                              WallTime now) {
  return RunAction<void>("DeleteNetworkInterface", now, true, [&](WallTime) -> Result<void> {
    State& s = *state_;
    ASSIGN_OR_RETURN(NetworkInterface * eni,
                     LookupId(s.enis, req.network_interface_id, kEniIdKind));
    if (eni->attachment.has_value() || !eni->trunk_association_id.empty()) {
      return Ec2Error("InvalidNetworkInterface.InUse",
                      fmt::format("The network interface '{}' is currently in use.",
                                  eni->network_interface_id));
    }
    for (const auto& [aid, a] : s.trunk_assocs) {
      if (a.trunk_interface_id == eni->network_interface_id) {
        return Ec2Error("DependencyViolation",
                        fmt::format("The trunk network interface '{}' has branch interface "
                                    "associations ({}).",
                                    eni->network_interface_id, aid));
      }
    }
    EraseEni(s, req.network_interface_id);
    return Ok();
  });
}

Result<void> VpcModel::ModifyNetworkInterfaceAttribute(
    const ModifyNetworkInterfaceAttributeRequest& req, WallTime now) {
  return RunAction<void>(
      "ModifyNetworkInterfaceAttribute", now, true, [&](WallTime) -> Result<void> {
        State& s = *state_;
        ASSIGN_OR_RETURN(NetworkInterface * eni,
                         LookupId(s.enis, req.network_interface_id, kEniIdKind));
        if (!req.description && !req.source_dest_check && !req.group_ids && !req.attachment_id &&
            !req.delete_on_termination) {
          return MissingParameter("Description, SourceDestCheck, SecurityGroupId or Attachment");
        }
        std::vector<GroupIdentifier> groups;
        if (req.group_ids.has_value()) {
          if (req.group_ids->empty()) {
            return MissingParameter("SecurityGroupId");
          }
          ASSIGN_OR_RETURN(groups, ResolveGroups(s, *req.group_ids, eni->vpc_id, kEniGroupIdKind));
        }
        if (req.attachment_id.has_value() != req.delete_on_termination.has_value()) {
          return MissingParameter(req.attachment_id ? "Attachment.DeleteOnTermination"
                                                    : "Attachment.AttachmentId");
        }
        if (req.attachment_id.has_value()) {
          RETURN_IF_ERROR(CheckIdShape(*req.attachment_id, kAttachmentIdKind.prefix,
                                       kAttachmentIdKind.malformed));
          if (!eni->attachment || eni->attachment->attachment_id != *req.attachment_id) {
            return NotFoundError(kAttachmentIdKind, *req.attachment_id);
          }
        }
        if (req.description)
          eni->description = *req.description;
        if (req.source_dest_check)
          eni->source_dest_check = *req.source_dest_check;
        if (req.group_ids) {
          eni->groups = std::move(groups);
          if (eni->attachment)
            s.dirty_instances.insert(eni->attachment->instance_id);
        }
        if (req.attachment_id)
          eni->attachment->delete_on_termination = *req.delete_on_termination;
        return Ok();
      });
}

Result<DescribeNetworkInterfacesReply> VpcModel::DescribeNetworkInterfaces(
    const DescribeNetworkInterfacesRequest& req, WallTime now) {
  bool shaped =
      !req.filters.empty() || !req.network_interface_ids.empty() || req.max_results.has_value();
  return RunAction<DescribeNetworkInterfacesReply>(
      "DescribeNetworkInterfaces", now, shaped,
      [&](WallTime) -> Result<DescribeNetworkInterfacesReply> {
        State& s = *state_;
        FieldFn<NetworkInterface> fields = EniField;
        RETURN_IF_ERROR(ValidateFilters<NetworkInterface>(req.filters, fields, true));
        RETURN_IF_ERROR(CheckMaxResults(req.max_results, 5, 1000));
        if (!req.network_interface_ids.empty() && req.max_results.has_value()) {
          return InvalidParameterCombination(
              "The parameter NetworkInterfaceIds cannot be used with the parameter MaxResults");
        }
        for (const auto& id : req.network_interface_ids) {
          RETURN_IF_ERROR(LookupId(s.enis, id, kEniIdKind));
        }
        std::vector<NetworkInterface> items;
        auto consider = [&](const NetworkInterface& e) {
          if (MatchFilters(e, req.filters, fields, &e.tags)) {
            items.push_back(e);
          }
        };
        if (!req.network_interface_ids.empty()) {
          std::set<std::string> ids(req.network_interface_ids.begin(),
                                    req.network_interface_ids.end());
          for (const auto& id : ids)
            consider(s.enis.at(id));
        } else {
          for (const auto& [id, e] : s.enis)
            consider(e);
        }
        DescribeNetworkInterfacesReply reply;
        ASSIGN_OR_RETURN(
            reply.network_interfaces,
            Paginate<NetworkInterface>(
                std::move(items), [](const NetworkInterface& e) { return e.network_interface_id; },
                "DescribeNetworkInterfaces", req.max_results, req.next_token, &reply.next_token));
        return reply;
      });
}

// ---------------------------------------------------------------------------------------------
// Trunk / branch
// ---------------------------------------------------------------------------------------------

Result<AssociateTrunkInterfaceReply> VpcModel::AssociateTrunkInterface(
    const AssociateTrunkInterfaceRequest& req, WallTime now) {
  return RunAction<AssociateTrunkInterfaceReply>(
      "AssociateTrunkInterface", now, true, [&](WallTime) -> Result<AssociateTrunkInterfaceReply> {
        State& s = *state_;
        if (!req.client_token.empty()) {
          for (const auto& [aid, a] : s.trunk_assocs) {
            if (a.branch_interface_id == req.branch_interface_id &&
                a.trunk_interface_id == req.trunk_interface_id && a.vlan_id == req.vlan_id) {
              return AssociateTrunkInterfaceReply{a, req.client_token};
            }
          }
        }
        ASSIGN_OR_RETURN(NetworkInterface * branch,
                         LookupId(s.enis, req.branch_interface_id, kEniIdKind));
        ASSIGN_OR_RETURN(NetworkInterface * trunk,
                         LookupId(s.enis, req.trunk_interface_id, kEniIdKind));
        if (trunk->interface_type != "trunk") {
          return InvalidParameterValue(fmt::format(
              "The network interface '{}' is not a trunk interface (interface type '{}').",
              trunk->network_interface_id, trunk->interface_type));
        }
        if (!trunk->attachment.has_value()) {
          return InvalidParameterValue(
              fmt::format("The trunk network interface '{}' must be attached to an instance.",
                          trunk->network_interface_id));
        }
        if (branch->interface_type == "trunk" || branch == trunk) {
          return InvalidParameterValue(
              fmt::format("The network interface '{}' cannot be a branch interface.",
                          branch->network_interface_id));
        }
        if (branch->attachment.has_value() || !branch->trunk_association_id.empty()) {
          return Ec2Error("InvalidNetworkInterface.InUse",
                          fmt::format("Interface: [{}] in use.", branch->network_interface_id));
        }
        if (branch->vpc_id != trunk->vpc_id) {
          return InvalidParameterCombination(
              "The branch and trunk network interfaces must be in the same VPC");
        }
        if (req.vlan_id < 1 || req.vlan_id > 4094) {
          return InvalidParameterValue(
              fmt::format("Invalid value '{}' for VlanId: expecting 1..4094", req.vlan_id));
        }
        int count = 0;
        for (const auto& [aid, a] : s.trunk_assocs) {
          if (a.trunk_interface_id != trunk->network_interface_id) {
            continue;
          }
          ++count;
          if (a.vlan_id == req.vlan_id) {
            return InvalidParameterValue(
                fmt::format("The VLAN ID {} is already in use on trunk interface '{}' ({}).",
                            req.vlan_id, trunk->network_interface_id, aid));
          }
        }
        const Instance& inst = s.instances.at(trunk->attachment->instance_id);
        if (const auto* t = FindType(s, inst.instance_type);
            t != nullptr && t->branch_interfaces.has_value() && count >= *t->branch_interfaces) {
          return InvalidParameterValue(fmt::format(
              "The trunk interface '{}' already has the maximum of {} branch interfaces for {}.",
              trunk->network_interface_id, *t->branch_interfaces, inst.instance_type));
        }
        TrunkInterfaceAssociation a;
        a.association_id = NewId(s, options_.seed, "trunk-assoc");
        a.branch_interface_id = branch->network_interface_id;
        a.trunk_interface_id = trunk->network_interface_id;
        a.vlan_id = req.vlan_id;
        branch->trunk_association_id = a.association_id;
        branch->status = EniStatus(*branch);
        s.trunk_assocs[a.association_id] = a;
        return AssociateTrunkInterfaceReply{a, req.client_token};
      });
}

Result<void> VpcModel::DisassociateTrunkInterface(const DisassociateTrunkInterfaceRequest& req,
                                                  WallTime now) {
  return RunAction<void>("DisassociateTrunkInterface", now, true, [&](WallTime) -> Result<void> {
    State& s = *state_;
    ASSIGN_OR_RETURN(TrunkInterfaceAssociation * a,
                     LookupId(s.trunk_assocs, req.association_id, kTrunkAssocIdKind));
    auto it = s.enis.find(a->branch_interface_id);
    if (it != s.enis.end()) {
      it->second.trunk_association_id.clear();
      it->second.status = EniStatus(it->second);
    }
    s.trunk_assocs.erase(req.association_id);
    return Ok();
  });
}

Result<DescribeTrunkInterfaceAssociationsReply> VpcModel::DescribeTrunkInterfaceAssociations(
    const DescribeTrunkInterfaceAssociationsRequest& req, WallTime now) {
  bool shaped = !req.filters.empty() || !req.association_ids.empty() || req.max_results.has_value();
  return RunAction<DescribeTrunkInterfaceAssociationsReply>(
      "DescribeTrunkInterfaceAssociations", now, shaped,
      [&](WallTime) -> Result<DescribeTrunkInterfaceAssociationsReply> {
        State& s = *state_;
        FieldFn<TrunkInterfaceAssociation> fields = TrunkField;
        RETURN_IF_ERROR(ValidateFilters<TrunkInterfaceAssociation>(req.filters, fields, true));
        RETURN_IF_ERROR(CheckMaxResults(req.max_results, 5, 255));
        for (const auto& id : req.association_ids) {
          RETURN_IF_ERROR(LookupId(s.trunk_assocs, id, kTrunkAssocIdKind));
        }
        std::vector<TrunkInterfaceAssociation> items;
        for (const auto& [id, a] : s.trunk_assocs) {
          if (!req.association_ids.empty() &&
              std::find(req.association_ids.begin(), req.association_ids.end(), id) ==
                  req.association_ids.end()) {
            continue;
          }
          if (MatchFilters(a, req.filters, fields, &a.tags)) {
            items.push_back(a);
          }
        }
        DescribeTrunkInterfaceAssociationsReply reply;
        ASSIGN_OR_RETURN(reply.interface_associations,
                         Paginate<TrunkInterfaceAssociation>(
                             std::move(items),
                             [](const TrunkInterfaceAssociation& a) { return a.association_id; },
                             "DescribeTrunkInterfaceAssociations", req.max_results, req.next_token,
                             &reply.next_token));
        return reply;
      });
}

}  // namespace vpccni::vpcsim
