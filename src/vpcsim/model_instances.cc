// File: model_instances.cc
//
// Instances: RunInstances, TerminateInstances, DescribeInstances, DescribeInstanceTypes.
#include <algorithm>

#include <fmt/format.h>

#include "vpcsim/model.h"
#include "vpcsim/model_internal.h"

namespace vpccni::vpcsim {

namespace {

const InstanceState kPending{0, "pending"};
const InstanceState kRunning{16, "running"};
const InstanceState kTerminated{48, "terminated"};

std::optional<std::vector<std::string>> InstanceField(const Instance& i, std::string_view name) {
  using V = std::vector<std::string>;
  if (name == "instance-id")
    return V{i.instance_id};
  if (name == "instance-type")
    return V{i.instance_type};
  if (name == "instance-state-name")
    return V{i.state.name};
  if (name == "instance-state-code")
    return V{std::to_string(i.state.code)};
  if (name == "subnet-id")
    return V{i.subnet_id};
  if (name == "vpc-id")
    return V{i.vpc_id};
  if (name == "availability-zone")
    return V{i.availability_zone};
  if (name == "private-ip-address")
    return V{i.private_ip_address.ToString()};
  if (name == "private-dns-name")
    return V{i.private_dns_name};
  if (name == "image-id")
    return V{i.image_id};
  if (name == "reservation-id")
    return V{i.reservation_id};
  if (name == "owner-id")
    return V{i.owner_id};
  if (name == "key-name")
    return V{i.key_name};
  if (name == "network-interface.network-interface-id") {
    V out;
    for (const auto& e : i.network_interfaces)
      out.push_back(e.network_interface_id);
    return out;
  }
  if (name == "network-interface.addresses.private-ip-address") {
    V out;
    for (const auto& e : i.network_interfaces) {
      for (const auto& ip : e.private_ip_addresses)
        out.push_back(ip.address.ToString());
    }
    return out;
  }
  if (name == "instance.group-id") {
    V out;
    for (const auto& g : i.security_groups)
      out.push_back(g.group_id);
    return out;
  }
  return std::nullopt;
}

std::optional<std::vector<std::string>> TypeField(const cloud::InstanceLimits& t,
                                                  std::string_view name) {
  using V = std::vector<std::string>;
  if (name == "instance-type")
    return V{t.instance_type};
  if (name == "hypervisor")
    return V{t.hypervisor == "unknown" ? "" : t.hypervisor};
  if (name == "bare-metal")
    return V{BoolStr(t.bare_metal)};
  if (name == "network-info.maximum-network-interfaces")
    return V{std::to_string(t.TotalEnis())};
  if (name == "network-info.ipv4-addresses-per-interface")
    return V{std::to_string(t.ipv4_per_eni)};
  if (name == "network-info.ipv6-addresses-per-interface")
    return V{std::to_string(t.ipv6_per_eni)};
  if (name == "network-info.ipv6-supported")
    return V{BoolStr(t.ipv6_per_eni > 0)};
  if (name == "network-info.maximum-network-cards") {
    return V{std::to_string(CardsOf(t).size())};
  }
  if (name == "vcpu-info.default-vcpus")
    return V{std::to_string(t.vcpus)};
  return std::nullopt;
}

std::string PrivateDnsName(const std::string& region, net::Ipv4Address ip) {
  std::string dashed = ip.ToString();
  std::replace(dashed.begin(), dashed.end(), '.', '-');
  if (region == "us-east-1") {
    return fmt::format("ip-{}.ec2.internal", dashed);
  }
  return fmt::format("ip-{}.{}.compute.internal", dashed, region);
}

bool ImageIdOk(std::string_view id) {
  return CheckIdShape(id, "ami", "InvalidAMIID.Malformed").has_value();
}

}  // namespace

Instance FillInstance(const VpcModel::State& s, const Instance& inst) {
  Instance out = inst;
  out.network_interfaces.clear();
  for (const auto& [id, e] : s.enis) {
    if (e.attachment && e.attachment->instance_id == inst.instance_id) {
      out.network_interfaces.push_back(e);
    }
  }
  std::sort(out.network_interfaces.begin(), out.network_interfaces.end(),
            [](const NetworkInterface& a, const NetworkInterface& b) {
              return std::pair(a.attachment->network_card_index, a.attachment->device_index) <
                     std::pair(b.attachment->network_card_index, b.attachment->device_index);
            });
  auto primary = std::find_if(out.network_interfaces.begin(), out.network_interfaces.end(),
                              [&](const NetworkInterface& e) {
                                return e.network_interface_id == inst.primary_network_interface_id;
                              });
  if (primary != out.network_interfaces.end()) {
    out.security_groups = primary->groups;
  }
  return out;
}

Result<RunInstancesReply> VpcModel::RunInstances(const RunInstancesRequest& req, WallTime now) {
  return RunAction<RunInstancesReply>(
      "RunInstances", now, true, [&](WallTime t) -> Result<RunInstancesReply> {
        State& s = *state_;
        if (req.image_id.empty()) {
          return MissingParameter("ImageId");
        }
        if (!ImageIdOk(req.image_id)) {
          return Ec2Error("InvalidAMIID.Malformed",
                          fmt::format("Invalid id: \"{}\" (expecting \"ami-...\")", req.image_id));
        }
        if (req.instance_type.empty()) {
          return MissingParameter("InstanceType");
        }
        const cloud::InstanceLimits* type = FindType(s, req.instance_type);
        if (type == nullptr) {
          return InvalidParameterValue(
              fmt::format("Invalid value '{}' for InstanceType.", req.instance_type));
        }
        if (req.min_count < 1 || req.max_count < req.min_count) {
          return InvalidParameterValue(fmt::format(
              "Invalid counts: MinCount {} and MaxCount {} (expecting 1 <= MinCount <= MaxCount)",
              req.min_count, req.max_count));
        }
        if (req.private_ip_address.has_value() && req.max_count > 1) {
          return InvalidParameterCombination(
              "PrivateIpAddress can only be specified when launching a single instance");
        }
        // Subnet: given, or the default subnet of the default VPC in the requested zone.
        std::string subnet_id = req.subnet_id;
        if (subnet_id.empty()) {
          auto dvpc = DefaultVpcId();
          if (!dvpc) {
            return Ec2Error("VPCIdNotSpecified", "No default VPC for this user");
          }
          std::string zone =
              req.availability_zone.empty() ? options_.region + "a" : req.availability_zone;
          for (const auto& [id, ss] : s.subnets) {
            if (ss.subnet.vpc_id == *dvpc && ss.subnet.default_for_az &&
                ss.subnet.availability_zone == zone) {
              subnet_id = id;
            }
          }
          if (subnet_id.empty()) {
            return InvalidParameterValue(
                fmt::format("Value ({}) for parameter availabilityZone is invalid.", zone));
          }
        }
        ASSIGN_OR_RETURN(SubnetState * ss, LookupId(s.subnets, subnet_id, kSubnetIdKind));
        if (!req.availability_zone.empty() &&
            req.availability_zone != ss->subnet.availability_zone) {
          return InvalidParameterCombination(
              "The specified subnet is not in the specified availability zone");
        }
        std::vector<GroupIdentifier> groups;
        if (req.security_group_ids.empty()) {
          for (const auto& [id, g] : s.groups) {
            if (g.vpc_id == ss->subnet.vpc_id && g.group_name == "default") {
              groups.push_back(GroupIdentifier{g.group_id, g.group_name});
            }
          }
        } else {
          for (const auto& id : req.security_group_ids) {
            ASSIGN_OR_RETURN(SecurityGroup * g, LookupId(s.groups, id, kGroupIdKind));
            if (g->vpc_id != ss->subnet.vpc_id) {
              return InvalidParameterValue(fmt::format(
                  "Security group {} and subnet {} belong to different networks.", id, subnet_id));
            }
            groups.push_back(GroupIdentifier{g->group_id, g->group_name});
          }
        }
        if (req.secondary_private_ip_address_count < 0 || req.ipv6_address_count < 0) {
          return InvalidParameterValue("Counts must not be negative");
        }
        if (1 + req.secondary_private_ip_address_count > type->ipv4_per_eni) {
          return Ec2Error("InvalidInterface.IpAddressLimitExceeded",
                          fmt::format("The number of private IP addresses ({}) exceeds the limit "
                                      "of {} for instance type {}.",
                                      1 + req.secondary_private_ip_address_count,
                                      type->ipv4_per_eni, req.instance_type));
        }
        if (req.ipv6_address_count > type->ipv6_per_eni) {
          return InvalidParameterValue(fmt::format(
              "The number of IPv6 addresses ({}) exceeds the limit of {} for instance type {}.",
              req.ipv6_address_count, type->ipv6_per_eni, req.instance_type));
        }
        if (req.ipv6_address_count > 0 && !ss->subnet.ipv6_cidr_block) {
          return InvalidParameterValue(
              fmt::format("The subnet '{}' has no IPv6 CIDR block", subnet_id));
        }
        RETURN_IF_ERROR(ValidateTags(req.tags, nullptr));
        RETURN_IF_ERROR(ValidateTags(req.network_interface_tags, nullptr));
        // How many fit: each instance takes 1 + secondary addresses.
        SubnetPlanner plan(*ss);
        int per = 1 + req.secondary_private_ip_address_count;
        int count = req.max_count;
        if (!req.private_ip_address.has_value()) {
          uint64_t free = plan.FreeAutoCount();
          count = static_cast<int>(std::min<uint64_t>(static_cast<uint64_t>(req.max_count),
                                                      free / static_cast<uint64_t>(per)));
          if (count < req.min_count) {
            return Ec2Error("InsufficientFreeAddressesInSubnet",
                            fmt::format("There are not enough free addresses in subnet '{}' to "
                                        "satisfy the requested number of instances.",
                                        subnet_id));
          }
        }
        struct Planned {
          std::vector<net::Ipv4Address> ips;
          std::vector<net::Ipv6Address> ipv6s;
        };
        std::vector<Planned> planned(static_cast<size_t>(count));
        for (auto& p : planned) {
          if (req.private_ip_address.has_value()) {
            ASSIGN_OR_RETURN(net::Ipv4Address a, plan.TakeExplicit(*req.private_ip_address));
            p.ips.push_back(a);
          } else {
            ASSIGN_OR_RETURN(net::Ipv4Address a, plan.TakeNext());
            p.ips.push_back(a);
          }
          for (int i = 0; i < req.secondary_private_ip_address_count; ++i) {
            ASSIGN_OR_RETURN(net::Ipv4Address a, plan.TakeNext());
            p.ips.push_back(a);
          }
          for (int i = 0; i < req.ipv6_address_count; ++i) {
            ASSIGN_OR_RETURN(net::Ipv6Address a, plan.TakeNext6());
            p.ipv6s.push_back(a);
          }
        }
        // Mutate.
        plan.Commit(*ss);
        RunInstancesReply reply;
        reply.reservation_id = NewId(s, options_.seed, "r");
        reply.owner_id = options_.account_id;
        const TagMap& eni_tags =
            req.network_interface_tags.empty() ? req.tags : req.network_interface_tags;
        for (auto& p : planned) {
          Instance inst;
          inst.instance_id = NewId(s, options_.seed, "i");
          inst.reservation_id = reply.reservation_id;
          inst.owner_id = options_.account_id;
          inst.image_id = req.image_id;
          inst.instance_type = req.instance_type;
          inst.subnet_id = subnet_id;
          inst.vpc_id = ss->subnet.vpc_id;
          inst.availability_zone = ss->subnet.availability_zone;
          inst.availability_zone_id = ss->subnet.availability_zone_id;
          inst.private_ip_address = p.ips.front();
          if (!p.ipv6s.empty()) {
            inst.ipv6_address = p.ipv6s.front();
          }
          inst.private_dns_name = PrivateDnsName(options_.region, p.ips.front());
          inst.launch_time = t;
          if (options_.instance_start_delay > Duration{0}) {
            inst.state = kPending;
            inst.running_at =
                t + std::chrono::duration_cast<WallTime::duration>(options_.instance_start_delay);
            s.pending_instances.insert(inst.instance_id);
          } else {
            inst.state = kRunning;
            inst.running_at = t;
          }
          inst.key_name = req.key_name;
          inst.user_data = req.user_data;
          inst.tags = req.tags;
          NetworkInterface eni = NewEniRecord(s, options_, *ss, t);
          eni.description = "";
          eni.groups = groups;
          eni.private_ip_address = p.ips.front();
          for (size_t i = 0; i < p.ips.size(); ++i) {
            eni.private_ip_addresses.push_back(PrivateIpAddress{p.ips[i], i == 0});
          }
          eni.ipv6_addresses = p.ipv6s;
          eni.tags = eni_tags;
          NetworkInterfaceAttachment a;
          a.attachment_id = NewId(s, options_.seed, "eni-attach");
          a.instance_id = inst.instance_id;
          a.instance_owner_id = options_.account_id;
          a.device_index = 0;
          a.network_card_index = type->default_network_card_index;
          a.status = "attached";
          a.attach_time = t;
          a.transition_at = t;
          a.delete_on_termination = true;
          eni.attachment = a;
          eni.status = EniStatus(eni);
          inst.primary_network_interface_id = eni.network_interface_id;
          inst.security_groups = groups;
          s.attachment_to_eni[a.attachment_id] = eni.network_interface_id;
          ss->eni_ids.insert(eni.network_interface_id);
          s.macs.insert(eni.mac_address);
          s.enis[eni.network_interface_id] = eni;
          s.instances[inst.instance_id] = inst;
          s.dirty_instances.insert(inst.instance_id);
          reply.instances.push_back(FillInstance(s, inst));
        }
        return reply;
      });
}

Result<TerminateInstancesReply> VpcModel::TerminateInstances(const TerminateInstancesRequest& req,
                                                             WallTime now) {
  return RunAction<TerminateInstancesReply>(
      "TerminateInstances", now, true, [&](WallTime) -> Result<TerminateInstancesReply> {
        State& s = *state_;
        if (req.instance_ids.empty()) {
          return MissingParameter("InstanceId");
        }
        for (const auto& id : req.instance_ids) {
          RETURN_IF_ERROR(LookupId(s.instances, id, kInstanceIdKind));
        }
        TerminateInstancesReply reply;
        std::set<std::string> done;
        for (const auto& id : req.instance_ids) {
          if (!done.insert(id).second) {
            continue;
          }
          Instance& inst = s.instances.at(id);
          InstanceStateChange change{id, inst.state, kTerminated};
          if (inst.state.name != "terminated") {
            std::vector<std::string> attached;
            for (const auto& [eid, e] : s.enis) {
              if (e.attachment && e.attachment->instance_id == id) {
                attached.push_back(eid);
              }
            }
            for (const auto& eid : attached) {
              NetworkInterface& e = s.enis.at(eid);
              if (e.attachment->delete_on_termination) {
                EraseEni(s, eid);
              } else {
                s.attachment_to_eni.erase(e.attachment->attachment_id);
                s.pending_enis.erase(eid);
                e.attachment.reset();
                e.status = EniStatus(e);
              }
            }
            inst.state = kTerminated;
            s.pending_instances.erase(id);
            s.dirty_instances.insert(id);
          }
          reply.terminating_instances.push_back(change);
        }
        return reply;
      });
}

Result<DescribeInstancesReply> VpcModel::DescribeInstances(const DescribeInstancesRequest& req,
                                                           WallTime now) {
  bool shaped = !req.filters.empty() || !req.instance_ids.empty() || req.max_results.has_value();
  return RunAction<DescribeInstancesReply>(
      "DescribeInstances", now, shaped, [&](WallTime) -> Result<DescribeInstancesReply> {
        State& s = *state_;
        FieldFn<Instance> fields = InstanceField;
        RETURN_IF_ERROR(ValidateFilters<Instance>(req.filters, fields, true));
        RETURN_IF_ERROR(CheckMaxResults(req.max_results, 5, 1000));
        if (!req.instance_ids.empty() && req.max_results.has_value()) {
          return InvalidParameterCombination(
              "The parameter instancesSet cannot be used with the parameter maxResults");
        }
        for (const auto& id : req.instance_ids) {
          RETURN_IF_ERROR(LookupId(s.instances, id, kInstanceIdKind));
        }
        std::vector<Instance> items;
        for (const auto& [id, inst] : s.instances) {
          if (!req.instance_ids.empty() &&
              std::find(req.instance_ids.begin(), req.instance_ids.end(), id) ==
                  req.instance_ids.end()) {
            continue;
          }
          Instance full = FillInstance(s, inst);
          if (MatchFilters(full, req.filters, fields, &full.tags)) {
            items.push_back(std::move(full));
          }
        }
        std::string next;
        ASSIGN_OR_RETURN(std::vector<Instance> page,
                         Paginate<Instance>(
                             std::move(items), [](const Instance& i) { return i.instance_id; },
                             "DescribeInstances", req.max_results, req.next_token, &next));
        DescribeInstancesReply reply;
        reply.next_token = next;
        std::map<std::string, size_t> by_reservation;
        for (auto& inst : page) {
          auto [it, inserted] =
              by_reservation.try_emplace(inst.reservation_id, reply.reservations.size());
          if (inserted) {
            reply.reservations.push_back(Reservation{inst.reservation_id, inst.owner_id, {}});
          }
          reply.reservations[it->second].instances.push_back(std::move(inst));
        }
        return reply;
      });
}

Result<DescribeInstanceTypesReply> VpcModel::DescribeInstanceTypes(
    const DescribeInstanceTypesRequest& req, WallTime now) {
  bool shaped = !req.filters.empty() || !req.instance_types.empty() || req.max_results.has_value();
  return RunAction<DescribeInstanceTypesReply>(
      "DescribeInstanceTypes", now, shaped, [&](WallTime) -> Result<DescribeInstanceTypesReply> {
        State& s = *state_;
        FieldFn<cloud::InstanceLimits> fields = TypeField;
        RETURN_IF_ERROR(ValidateFilters<cloud::InstanceLimits>(req.filters, fields, false));
        RETURN_IF_ERROR(CheckMaxResults(req.max_results, 5, 100));
        std::vector<std::string> missing;
        for (const auto& name : req.instance_types) {
          if (FindType(s, name) == nullptr) {
            missing.push_back(name);
          }
        }
        if (!missing.empty()) {
          return Ec2Error("InvalidInstanceType",
                          fmt::format("The following supplied instance types do not exist: [{}]",
                                      fmt::join(missing, ", ")));
        }
        std::vector<cloud::InstanceLimits> items;
        if (!req.instance_types.empty()) {
          std::set<std::string> names(req.instance_types.begin(), req.instance_types.end());
          for (const auto& n : names) {
            const auto* t = FindType(s, n);
            if (MatchFilters(*t, req.filters, fields, nullptr)) {
              items.push_back(*t);
            }
          }
        } else {
          for (const auto& t : s.types->All()) {
            if (MatchFilters(t, req.filters, fields, nullptr)) {
              items.push_back(t);
            }
          }
        }
        DescribeInstanceTypesReply reply;
        ASSIGN_OR_RETURN(
            reply.instance_types,
            Paginate<cloud::InstanceLimits>(
                std::move(items), [](const cloud::InstanceLimits& t) { return t.instance_type; },
                "DescribeInstanceTypes", req.max_results, req.next_token, &reply.next_token));
        return reply;
      });
}

}  // namespace vpccni::vpcsim
