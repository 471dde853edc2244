// File: model_vpc.cc
//
// VPCs, CIDR blocks, subnets, availability zones, security groups, subnet CIDR reservations and
// tags.
#include <algorithm>

#include <fmt/format.h>

#include "vpcsim/model.h"
#include "vpcsim/model_internal.h"

namespace vpccni::vpcsim {

namespace {

Result<net::Ipv4Cidr> ParseV4Cidr(std::string_view text, std::string_view param) {
  auto c = net::Ipv4Cidr::Parse(text);
  if (!c.has_value()) {
    return InvalidParameterValue(fmt::format(
        "Value ({}) for parameter {} is invalid. This is not a valid CIDR block.", text, param));
  }
  if (c->Masked() != *c) {
    return InvalidParameterValue(fmt::format(
        "Value ({}) for parameter {} is invalid. This is not a valid CIDR block.", text, param));
  }
  return *c;
}

Result<net::Ipv6Cidr> ParseV6Cidr(std::string_view text, std::string_view param) {
  auto c = net::Ipv6Cidr::Parse(text);
  if (!c.has_value() || c->Masked() != *c) {
    return InvalidParameterValue(fmt::format(
        "Value ({}) for parameter {} is invalid. This is not a valid CIDR block.", text, param));
  }
  return *c;
}

// An Amazon-provided /56 for a VPC: 2600:1f<region byte>:<16 bits>:<8 bits>00::/56.
net::Ipv6Cidr AmazonIpv6Block(VpcModel::State& s, uint64_t seed) {
  for (;;) {
    uint64_t h = Mix64(seed ^ 0x1f6ULL, s.id_counter++);
    std::array<uint8_t, 16> b{};
    b[0] = 0x26;
    b[1] = 0x00;
    b[2] = 0x1f;
    b[3] = static_cast<uint8_t>(0x10 | (h & 0xf));
    b[4] = static_cast<uint8_t>(h >> 8);
    b[5] = static_cast<uint8_t>(h >> 16);
    b[6] = static_cast<uint8_t>(h >> 24);
    net::Ipv6Cidr c(net::Ipv6Address(b), 56);
    bool clash = false;
    for (const auto& [id, v] : s.vpcs) {
      for (const auto& a : v.ipv6_cidr_block_associations) {
        clash = clash || a.cidr.Overlaps(c);
      }
    }
    if (!clash) {
      return c;
    }
  }
}

std::optional<std::vector<std::string>> VpcField(const Vpc& v, std::string_view name) {
  if (name == "vpc-id")
    return std::vector<std::string>{v.vpc_id};
  if (name == "cidr" || name == "cidr-block")
    return std::vector<std::string>{v.cidr_block.ToString()};
  if (name == "cidr-block-association.cidr-block") {
    std::vector<std::string> out;
    for (const auto& a : v.cidr_block_associations)
      out.push_back(a.cidr.ToString());
    return out;
  }
  if (name == "cidr-block-association.association-id") {
    std::vector<std::string> out;
    for (const auto& a : v.cidr_block_associations)
      out.push_back(a.association_id);
    return out;
  }
  if (name == "ipv6-cidr-block-association.ipv6-cidr-block") {
    std::vector<std::string> out;
    for (const auto& a : v.ipv6_cidr_block_associations)
      out.push_back(a.cidr.ToString());
    return out;
  }
  if (name == "is-default" || name == "isDefault")
    return std::vector<std::string>{BoolStr(v.is_default)};
  if (name == "state")
    return std::vector<std::string>{v.state};
  if (name == "owner-id")
    return std::vector<std::string>{v.owner_id};
  return std::nullopt;
}

std::optional<std::vector<std::string>> SubnetField(const Subnet& s, std::string_view name) {
  using V = std::vector<std::string>;
  if (name == "subnet-id" || name == "subnetId")
    return V{s.subnet_id};
  if (name == "vpc-id" || name == "vpcId")
    return V{s.vpc_id};
  if (name == "availability-zone" || name == "availabilityZone")
    return V{s.availability_zone};
  if (name == "availability-zone-id" || name == "availabilityZoneId")
    return V{s.availability_zone_id};
  if (name == "cidr-block" || name == "cidr" || name == "cidrBlock")
    return V{s.cidr_block.ToString()};
  if (name == "default-for-az" || name == "defaultForAz")
    return V{BoolStr(s.default_for_az)};
  if (name == "state")
    return V{s.state};
  if (name == "owner-id")
    return V{s.owner_id};
  if (name == "subnet-arn")
    return V{s.subnet_arn};
  if (name == "available-ip-address-count")
    return V{std::to_string(s.available_ip_address_count)};
  if (name == "map-public-ip-on-launch")
    return V{BoolStr(s.map_public_ip_on_launch)};
  if (name == "ipv6-cidr-block-association.ipv6-cidr-block") {
    return s.ipv6_cidr_block ? V{s.ipv6_cidr_block->ToString()} : V{};
  }
  if (name == "ipv6-cidr-block-association.association-id") {
    return s.ipv6_cidr_block ? V{s.ipv6_association_id} : V{};
  }
  return std::nullopt;
}

std::optional<std::vector<std::string>> GroupField(const SecurityGroup& g, std::string_view name) {
  using V = std::vector<std::string>;
  if (name == "group-id")
    return V{g.group_id};
  if (name == "group-name")
    return V{g.group_name};
  if (name == "vpc-id")
    return V{g.vpc_id};
  if (name == "description")
    return V{g.description};
  if (name == "owner-id")
    return V{g.owner_id};
  return std::nullopt;
}

std::optional<std::vector<std::string>> ZoneField(const AvailabilityZone& z,
                                                  std::string_view name) {
  using V = std::vector<std::string>;
  if (name == "zone-name")
    return V{z.zone_name};
  if (name == "zone-id")
    return V{z.zone_id};
  if (name == "region-name")
    return V{z.region_name};
  if (name == "state")
    return V{z.state};
  if (name == "zone-type")
    return V{z.zone_type};
  if (name == "group-name")
    return V{z.group_name};
  if (name == "opt-in-status")
    return V{z.opt_in_status};
  return std::nullopt;
}

std::optional<std::vector<std::string>> ReservationField(const SubnetCidrReservation& r,
                                                         std::string_view name) {
  using V = std::vector<std::string>;
  if (name == "reservationType")
    return V{r.reservation_type};
  if (name == "subnet-id")
    return V{r.subnet_id};
  if (name == "owner-id")
    return V{r.owner_id};
  return std::nullopt;
}

std::optional<std::vector<std::string>> TagField(const TagDescription& t, std::string_view name) {
  using V = std::vector<std::string>;
  if (name == "resource-id")
    return V{t.resource_id};
  if (name == "resource-type")
    return V{t.resource_type};
  if (name == "key")
    return V{t.key};
  if (name == "value")
    return V{t.value};
  return std::nullopt;
}

}  // namespace

Result<void> ValidateTags(const TagMap& tags, const TagMap* existing) {
  size_t total = tags.size();
  for (const auto& [k, v] : tags) {
    if (k.empty()) {
      return InvalidParameterValue("Tag keys must not be empty");
    }
    if (k.size() > 128) {
      return InvalidParameterValue(
          fmt::format("Tag key exceeds the maximum length of 128 characters: {}", k));
    }
    if (v.size() > 256) {
      return InvalidParameterValue(
          fmt::format("Tag value exceeds the maximum length of 256 characters: {}", k));
    }
    if (k.rfind("aws:", 0) == 0) {
      return InvalidParameterValue(
          fmt::format("Tag keys starting with 'aws:' are reserved for internal use: {}", k));
    }
    if (existing != nullptr && existing->count(k) != 0) {
      --total;
    }
  }
  if (existing != nullptr) {
    total += existing->size();
  }
  if (total > 50) {
    return Ec2Error("TagLimitExceeded",
                    "The maximum number of Tags for a resource has been reached.");
  }
  return Ok();
}

// ---------------------------------------------------------------------------------------------
// VPCs
// ---------------------------------------------------------------------------------------------

Result<CreateVpcReply> VpcModel::CreateVpc(const CreateVpcRequest& req, WallTime now) {
  return RunAction<CreateVpcReply>("CreateVpc", now, true, [&](WallTime) -> Result<CreateVpcReply> {
    State& s = *state_;
    if (req.cidr_block.empty()) {
      return MissingParameter("cidrBlock");
    }
    ASSIGN_OR_RETURN(net::Ipv4Cidr cidr, ParseV4Cidr(req.cidr_block, "cidrBlock"));
    if (cidr.PrefixLen() < 16 || cidr.PrefixLen() > 28) {
      return Ec2Error("InvalidVpc.Range", fmt::format("The CIDR '{}' is invalid.", req.cidr_block));
    }
    if (!req.instance_tenancy.empty() && req.instance_tenancy != "default" &&
        req.instance_tenancy != "dedicated") {
      return InvalidParameterValue(fmt::format(
          "Value ({}) for parameter instanceTenancy is invalid.", req.instance_tenancy));
    }
    RETURN_IF_ERROR(ValidateTags(req.tags, nullptr));
    Vpc v;
    v.vpc_id = NewId(s, options_.seed, "vpc");
    v.owner_id = options_.account_id;
    v.cidr_block = cidr;
    v.cidr_block_associations.push_back(
        VpcCidrAssociation{NewId(s, options_.seed, "vpc-cidr-assoc"), cidr, "associated"});
    if (req.amazon_provided_ipv6_cidr_block) {
      v.ipv6_cidr_block_associations.push_back(
          VpcIpv6CidrAssociation{NewId(s, options_.seed, "vpc-cidr-assoc"),
                                 AmazonIpv6Block(s, options_.seed), options_.region, "associated"});
    }
    if (!req.instance_tenancy.empty()) {
      v.instance_tenancy = req.instance_tenancy;
    }
    v.tags = req.tags;
    // Every VPC gets its default security group.
    SecurityGroup g;
    g.group_id = NewId(s, options_.seed, "sg");
    g.group_name = "default";
    g.description = "default VPC security group";
    g.vpc_id = v.vpc_id;
    g.owner_id = options_.account_id;
    s.groups[g.group_id] = g;
    s.vpcs[v.vpc_id] = v;
    return CreateVpcReply{v};
  });
}

Result<void> VpcModel::DeleteVpc(const DeleteVpcRequest& req, WallTime now) {
  return RunAction<void>("DeleteVpc", now, true, [&](WallTime) -> Result<void> {
    State& s = *state_;
    ASSIGN_OR_RETURN(Vpc * v, LookupId(s.vpcs, req.vpc_id, kVpcIdKind));
    for (const auto& [id, sn] : s.subnets) {
      if (sn.subnet.vpc_id == v->vpc_id) {
        return Ec2Error(
            "DependencyViolation",
            fmt::format("The vpc '{}' has dependencies and cannot be deleted.", v->vpc_id));
      }
    }
    std::vector<std::string> default_groups;
    for (const auto& [id, g] : s.groups) {
      if (g.vpc_id == v->vpc_id) {
        if (g.group_name != "default") {
          return Ec2Error(
              "DependencyViolation",
              fmt::format("The vpc '{}' has dependencies and cannot be deleted.", v->vpc_id));
        }
        default_groups.push_back(id);
      }
    }
    for (const auto& id : default_groups) {
      s.groups.erase(id);
    }
    s.vpcs.erase(req.vpc_id);
    return Ok();
  });
}

Result<AssociateVpcCidrBlockReply> VpcModel::AssociateVpcCidrBlock(
    const AssociateVpcCidrBlockRequest& req, WallTime now) {
  return RunAction<AssociateVpcCidrBlockReply>(
      "AssociateVpcCidrBlock", now, true, [&](WallTime) -> Result<AssociateVpcCidrBlockReply> {
        State& s = *state_;
        ASSIGN_OR_RETURN(Vpc * v, LookupId(s.vpcs, req.vpc_id, kVpcIdKind));
        bool v4 = req.cidr_block.has_value() && !req.cidr_block->empty();
        if (v4 == req.amazon_provided_ipv6_cidr_block) {
          return InvalidParameterCombination(
              "Exactly one of CidrBlock and AmazonProvidedIpv6CidrBlock must be specified");
        }
        AssociateVpcCidrBlockReply reply;
        reply.vpc_id = v->vpc_id;
        if (v4) {
          ASSIGN_OR_RETURN(net::Ipv4Cidr cidr, ParseV4Cidr(*req.cidr_block, "cidrBlock"));
          if (cidr.PrefixLen() < 16 || cidr.PrefixLen() > 28) {
            return Ec2Error("InvalidVpc.Range",
                            fmt::format("The CIDR '{}' is invalid.", *req.cidr_block));
          }
          for (const auto& a : v->cidr_block_associations) {
            if (a.cidr.Overlaps(cidr)) {
              return Ec2Error("InvalidVpc.CidrConflict",
                              fmt::format("The CIDR '{}' conflicts with the CIDR '{}' of VPC '{}'.",
                                          cidr.ToString(), a.cidr.ToString(), v->vpc_id));
            }
          }
          if (v->cidr_block_associations.size() >= 5) {
            return Ec2Error("CidrLimitExceeded",
                            fmt::format("This network '{}' has met its maximum number of allowed "
                                        "CIDRs: 5",
                                        v->vpc_id));
          }
          VpcCidrAssociation a{NewId(s, options_.seed, "vpc-cidr-assoc"), cidr, "associated"};
          v->cidr_block_associations.push_back(a);
          reply.cidr_block_association = a;
        } else {
          if (!v->ipv6_cidr_block_associations.empty()) {
            return Ec2Error("CidrLimitExceeded",
                            fmt::format("This network '{}' has met its maximum number of allowed "
                                        "IPv6 CIDRs: 1",
                                        v->vpc_id));
          }
          VpcIpv6CidrAssociation a{NewId(s, options_.seed, "vpc-cidr-assoc"),
                                   AmazonIpv6Block(s, options_.seed), options_.region,
                                   "associated"};
          v->ipv6_cidr_block_associations.push_back(a);
          reply.ipv6_cidr_block_association = a;
        }
        for (const auto& [id, inst] : s.instances) {
          if (inst.vpc_id == v->vpc_id) {
            s.dirty_instances.insert(id);
          }
        }
        return reply;
      });
}

Result<DescribeVpcsReply> VpcModel::DescribeVpcs(const DescribeVpcsRequest& req, WallTime now) {
  bool shaped = !req.filters.empty() || !req.vpc_ids.empty() || req.max_results.has_value();
  return RunAction<DescribeVpcsReply>(
      "DescribeVpcs", now, shaped, [&](WallTime) -> Result<DescribeVpcsReply> {
        State& s = *state_;
        FieldFn<Vpc> fields = VpcField;
        RETURN_IF_ERROR(ValidateFilters<Vpc>(req.filters, fields, true));
        RETURN_IF_ERROR(CheckMaxResults(req.max_results, 5, 1000));
        if (!req.vpc_ids.empty() && req.max_results.has_value()) {
          return InvalidParameterCombination("The parameter vpcSet cannot be used with maxResults");
        }
        for (const auto& id : req.vpc_ids) {
          RETURN_IF_ERROR(LookupId(s.vpcs, id, kVpcIdKind));
        }
        std::vector<Vpc> items;
        for (const auto& [id, v] : s.vpcs) {
          if (!req.vpc_ids.empty() &&
              std::find(req.vpc_ids.begin(), req.vpc_ids.end(), id) == req.vpc_ids.end()) {
            continue;
          }
          if (MatchFilters(v, req.filters, fields, &v.tags)) {
            items.push_back(v);
          }
        }
        DescribeVpcsReply reply;
        ASSIGN_OR_RETURN(
            reply.vpcs, Paginate<Vpc>(
                            std::move(items), [](const Vpc& v) { return v.vpc_id; }, "DescribeVpcs",
                            req.max_results, req.next_token, &reply.next_token));
        return reply;
      });
}

// ---------------------------------------------------------------------------------------------
// Subnets and zones
// ---------------------------------------------------------------------------------------------

Result<CreateSubnetReply> VpcModel::CreateSubnet(const CreateSubnetRequest& req, WallTime now) {
  return RunAction<CreateSubnetReply>(
      "CreateSubnet", now, true, [&](WallTime) -> Result<CreateSubnetReply> {
        State& s = *state_;
        ASSIGN_OR_RETURN(Vpc * v, LookupId(s.vpcs, req.vpc_id, kVpcIdKind));
        if (req.cidr_block.empty()) {
          return MissingParameter("cidrBlock");
        }
        ASSIGN_OR_RETURN(net::Ipv4Cidr cidr, ParseV4Cidr(req.cidr_block, "cidrBlock"));
        bool inside = false;
        for (const auto& a : v->cidr_block_associations) {
          inside = inside || a.cidr.Contains(cidr);
        }
        if (!inside || cidr.PrefixLen() < 16 || cidr.PrefixLen() > 28) {
          return Ec2Error("InvalidSubnet.Range",
                          fmt::format("The CIDR '{}' is invalid.", req.cidr_block));
        }
        for (const auto& [id, sn] : s.subnets) {
          if (sn.subnet.vpc_id == v->vpc_id && sn.subnet.cidr_block.Overlaps(cidr)) {
            return Ec2Error(
                "InvalidSubnet.Conflict",
                fmt::format("The CIDR '{}' conflicts with another subnet", req.cidr_block));
          }
        }
        std::vector<AvailabilityZone> zones = AvailabilityZones();
        AvailabilityZone zone = zones.front();
        if (!req.availability_zone.empty() || !req.availability_zone_id.empty()) {
          const std::string& want =
              req.availability_zone.empty() ? req.availability_zone_id : req.availability_zone;
          auto z = FindZone(zones, want);
          if (!z) {
            std::vector<std::string> names;
            for (const auto& zz : zones)
              names.push_back(zz.zone_name);
            return InvalidParameterValue(fmt::format(
                "Value ({}) for parameter availabilityZone is invalid. Subnets can currently only "
                "be created in the following availability zones: {}.",
                want, fmt::join(names, ", ")));
          }
          zone = *z;
        }
        std::optional<net::Ipv6Cidr> v6;
        if (req.ipv6_cidr_block.has_value() && !req.ipv6_cidr_block->empty()) {
          ASSIGN_OR_RETURN(net::Ipv6Cidr c6, ParseV6Cidr(*req.ipv6_cidr_block, "ipv6CidrBlock"));
          if (c6.PrefixLen() != 64) {
            return InvalidParameterValue(fmt::format(
                "The IPv6 CIDR '{}' is invalid: subnets take a /64.", *req.ipv6_cidr_block));
          }
          bool in_vpc = false;
          for (const auto& a : v->ipv6_cidr_block_associations) {
            in_vpc = in_vpc || a.cidr.Contains(c6);
          }
          if (!in_vpc) {
            return Ec2Error("InvalidSubnet.Range",
                            fmt::format("The IPv6 CIDR '{}' is invalid.", *req.ipv6_cidr_block));
          }
          for (const auto& [id, sn] : s.subnets) {
            if (sn.subnet.ipv6_cidr_block && sn.subnet.ipv6_cidr_block->Overlaps(c6)) {
              return Ec2Error(
                  "InvalidSubnet.Conflict",
                  fmt::format("The CIDR '{}' conflicts with another subnet", *req.ipv6_cidr_block));
            }
          }
          v6 = c6;
        }
        RETURN_IF_ERROR(ValidateTags(req.tags, nullptr));
        SubnetState ss;
        Subnet& sn = ss.subnet;
        sn.subnet_id = NewId(s, options_.seed, "subnet");
        sn.subnet_arn = fmt::format("arn:aws:ec2:{}:{}:subnet/{}", options_.region,
                                    options_.account_id, sn.subnet_id);
        sn.owner_id = options_.account_id;
        sn.vpc_id = v->vpc_id;
        sn.availability_zone = zone.zone_name;
        sn.availability_zone_id = zone.zone_id;
        sn.cidr_block = cidr;
        if (v6) {
          sn.ipv6_cidr_block = v6;
          sn.ipv6_association_id = NewId(s, options_.seed, "subnet-cidr-assoc");
        }
        sn.tags = req.tags;
        std::string id = sn.subnet_id;
        s.subnets[id] = std::move(ss);
        CreateSubnetReply reply;
        reply.subnet = *GetSubnet(id);
        return reply;
      });
}

Result<void> VpcModel::DeleteSubnet(const DeleteSubnetRequest& req, WallTime now) {
  return RunAction<void>("DeleteSubnet", now, true, [&](WallTime) -> Result<void> {
    State& s = *state_;
    ASSIGN_OR_RETURN(SubnetState * ss, LookupId(s.subnets, req.subnet_id, kSubnetIdKind));
    if (!ss->eni_ids.empty()) {
      return Ec2Error(
          "DependencyViolation",
          fmt::format("The subnet '{}' has dependencies and cannot be deleted.", req.subnet_id));
    }
    for (const auto& [rid, r] : ss->reservations) {
      s.reservation_to_subnet.erase(rid);
    }
    s.subnets.erase(req.subnet_id);
    return Ok();
  });
}

Result<DescribeSubnetsReply> VpcModel::DescribeSubnets(const DescribeSubnetsRequest& req,
                                                       WallTime now) {
  bool shaped = !req.filters.empty() || !req.subnet_ids.empty() || req.max_results.has_value();
  return RunAction<DescribeSubnetsReply>(
      "DescribeSubnets", now, shaped, [&](WallTime) -> Result<DescribeSubnetsReply> {
        State& s = *state_;
        FieldFn<Subnet> fields = SubnetField;
        RETURN_IF_ERROR(ValidateFilters<Subnet>(req.filters, fields, true));
        RETURN_IF_ERROR(CheckMaxResults(req.max_results, 5, 1000));
        if (!req.subnet_ids.empty() && req.max_results.has_value()) {
          return InvalidParameterCombination(
              "The parameter subnetIds cannot be used with maxResults");
        }
        for (const auto& id : req.subnet_ids) {
          RETURN_IF_ERROR(LookupId(s.subnets, id, kSubnetIdKind));
        }
        std::vector<Subnet> items;
        for (const auto& [id, ss] : s.subnets) {
          if (!req.subnet_ids.empty() &&
              std::find(req.subnet_ids.begin(), req.subnet_ids.end(), id) == req.subnet_ids.end()) {
            continue;
          }
          Subnet sn = *GetSubnet(id);
          if (MatchFilters(sn, req.filters, fields, &sn.tags)) {
            items.push_back(std::move(sn));
          }
        }
        DescribeSubnetsReply reply;
        ASSIGN_OR_RETURN(
            reply.subnets,
            Paginate<Subnet>(
                std::move(items), [](const Subnet& x) { return x.subnet_id; }, "DescribeSubnets",
                req.max_results, req.next_token, &reply.next_token));
        return reply;
      });
}

Result<DescribeAvailabilityZonesReply> VpcModel::DescribeAvailabilityZones(
    const DescribeAvailabilityZonesRequest& req, WallTime now) {
  bool shaped = !req.filters.empty() || !req.zone_names.empty() || !req.zone_ids.empty();
  return RunAction<DescribeAvailabilityZonesReply>(
      "DescribeAvailabilityZones", now, shaped,
      [&](WallTime) -> Result<DescribeAvailabilityZonesReply> {
        FieldFn<AvailabilityZone> fields = ZoneField;
        RETURN_IF_ERROR(ValidateFilters<AvailabilityZone>(req.filters, fields, false));
        std::vector<AvailabilityZone> zones = AvailabilityZones();
        for (const auto& n : req.zone_names) {
          if (!FindZone(zones, n)) {
            return InvalidParameterValue(fmt::format("The zone '{}' does not exist.", n));
          }
        }
        for (const auto& n : req.zone_ids) {
          if (!FindZone(zones, n)) {
            return InvalidParameterValue(fmt::format("The zone ID '{}' does not exist.", n));
          }
        }
        DescribeAvailabilityZonesReply reply;
        for (const auto& z : zones) {
          bool named = req.zone_names.empty() && req.zone_ids.empty();
          named =
              named ||
              std::find(req.zone_names.begin(), req.zone_names.end(), z.zone_name) !=
                  req.zone_names.end() ||
              std::find(req.zone_ids.begin(), req.zone_ids.end(), z.zone_id) != req.zone_ids.end();
          if (named && MatchFilters(z, req.filters, fields, nullptr)) {
            reply.availability_zones.push_back(z);
          }
        }
        return reply;
      });
}

// ---------------------------------------------------------------------------------------------
// Security groups
// ---------------------------------------------------------------------------------------------

Result<CreateSecurityGroupReply> VpcModel::CreateSecurityGroup(
    const CreateSecurityGroupRequest& req, WallTime now) {
  return RunAction<CreateSecurityGroupReply>(
      "CreateSecurityGroup", now, true, [&](WallTime) -> Result<CreateSecurityGroupReply> {
        State& s = *state_;
        if (req.group_name.empty()) {
          return MissingParameter("groupName");
        }
        if (req.description.empty()) {
          return MissingParameter("groupDescription");
        }
        if (req.group_name.rfind("sg-", 0) == 0) {
          return InvalidParameterValue(fmt::format(
              "Value ({}) for parameter groupName is invalid. Group names may not be in the "
              "format sg-*.",
              req.group_name));
        }
        if (req.group_name.size() > 255 || req.description.size() > 255) {
          return InvalidParameterValue("Group name and description are limited to 255 characters");
        }
        std::string vpc_id = req.vpc_id;
        if (vpc_id.empty()) {
          auto d = DefaultVpcId();
          if (!d) {
            return Ec2Error("VPCIdNotSpecified", "No default VPC for this user");
          }
          vpc_id = *d;
        }
        RETURN_IF_ERROR(LookupId(s.vpcs, vpc_id, kVpcIdKind));
        for (const auto& [id, g] : s.groups) {
          if (g.vpc_id == vpc_id && g.group_name == req.group_name) {
            return Ec2Error("InvalidGroup.Duplicate",
                            fmt::format("The security group '{}' already exists for VPC '{}'",
                                        req.group_name, vpc_id));
          }
        }
        RETURN_IF_ERROR(ValidateTags(req.tags, nullptr));
        SecurityGroup g;
        g.group_id = NewId(s, options_.seed, "sg");
        g.group_name = req.group_name;
        g.description = req.description;
        g.vpc_id = vpc_id;
        g.owner_id = options_.account_id;
        g.tags = req.tags;
        s.groups[g.group_id] = g;
        return CreateSecurityGroupReply{g.group_id, g.tags};
      });
}

Result<void> VpcModel::DeleteSecurityGroup(const DeleteSecurityGroupRequest& req, WallTime now) {
  return RunAction<void>("DeleteSecurityGroup", now, true, [&](WallTime) -> Result<void> {
    State& s = *state_;
    std::string id = req.group_id;
    if (id.empty()) {
      if (req.group_name.empty()) {
        return MissingParameter("groupId");
      }
      auto d = DefaultVpcId();
      for (const auto& [gid, g] : s.groups) {
        if (d && g.vpc_id == *d && g.group_name == req.group_name) {
          id = gid;
        }
      }
      if (id.empty()) {
        return Ec2Error("InvalidGroup.NotFound",
                        fmt::format("The security group '{}' does not exist in default VPC '{}'",
                                    req.group_name, d.value_or("none")));
      }
    }
    ASSIGN_OR_RETURN(SecurityGroup * g, LookupId(s.groups, id, kGroupIdKind));
    if (g->group_name == "default") {
      return Ec2Error("CannotDelete",
                      fmt::format("the specified group: \"{}\" name: \"default\" cannot be "
                                  "deleted by a user",
                                  id));
    }
    for (const auto& [eid, eni] : s.enis) {
      for (const auto& gi : eni.groups) {
        if (gi.group_id == id) {
          return Ec2Error("DependencyViolation",
                          fmt::format("resource {} has a dependent object", id));
        }
      }
    }
    s.groups.erase(id);
    return Ok();
  });
}

Result<DescribeSecurityGroupsReply> VpcModel::DescribeSecurityGroups(
    const DescribeSecurityGroupsRequest& req, WallTime now) {
  bool shaped = !req.filters.empty() || !req.group_ids.empty() || !req.group_names.empty() ||
                req.max_results.has_value();
  return RunAction<DescribeSecurityGroupsReply>(
      "DescribeSecurityGroups", now, shaped, [&](WallTime) -> Result<DescribeSecurityGroupsReply> {
        State& s = *state_;
        FieldFn<SecurityGroup> fields = GroupField;
        RETURN_IF_ERROR(ValidateFilters<SecurityGroup>(req.filters, fields, true));
        RETURN_IF_ERROR(CheckMaxResults(req.max_results, 5, 1000));
        for (const auto& id : req.group_ids) {
          RETURN_IF_ERROR(LookupId(s.groups, id, kGroupIdKind));
        }
        for (const auto& n : req.group_names) {
          bool found = false;
          for (const auto& [id, g] : s.groups) {
            found = found || g.group_name == n;
          }
          if (!found) {
            return Ec2Error("InvalidGroup.NotFound",
                            fmt::format("The security group '{}' does not exist", n));
          }
        }
        std::vector<SecurityGroup> items;
        for (const auto& [id, g] : s.groups) {
          if (!req.group_ids.empty() &&
              std::find(req.group_ids.begin(), req.group_ids.end(), id) == req.group_ids.end()) {
            continue;
          }
          if (!req.group_names.empty() && std::find(req.group_names.begin(), req.group_names.end(),
                                                    g.group_name) == req.group_names.end()) {
            continue;
          }
          if (MatchFilters(g, req.filters, fields, &g.tags)) {
            items.push_back(g);
          }
        }
        DescribeSecurityGroupsReply reply;
        ASSIGN_OR_RETURN(
            reply.security_groups,
            Paginate<SecurityGroup>(
                std::move(items), [](const SecurityGroup& g) { return g.group_id; },
                "DescribeSecurityGroups", req.max_results, req.next_token, &reply.next_token));
        return reply;
      });
}

// ---------------------------------------------------------------------------------------------
// Subnet CIDR reservations
// ---------------------------------------------------------------------------------------------

Result<CreateSubnetCidrReservationReply> VpcModel::CreateSubnetCidrReservation(
    const CreateSubnetCidrReservationRequest& req, WallTime now) {
  return RunAction<CreateSubnetCidrReservationReply>(
      "CreateSubnetCidrReservation", now, true,
      [&](WallTime) -> Result<CreateSubnetCidrReservationReply> {
        State& s = *state_;
        ASSIGN_OR_RETURN(SubnetState * ss, LookupId(s.subnets, req.subnet_id, kSubnetIdKind));
        if (req.cidr.empty()) {
          return MissingParameter("Cidr");
        }
        if (req.reservation_type.empty()) {
          return MissingParameter("ReservationType");
        }
        if (req.reservation_type != "prefix" && req.reservation_type != "explicit") {
          return InvalidParameterValue(fmt::format(
              "Value ({}) for parameter reservationType is invalid. Valid values: prefix, "
              "explicit",
              req.reservation_type));
        }
        SubnetCidrReservation r;
        r.subnet_id = req.subnet_id;
        r.reservation_type = req.reservation_type;
        r.description = req.description;
        r.owner_id = options_.account_id;
        r.tags = req.tags;
        if (req.cidr.find(':') == std::string::npos) {
          ASSIGN_OR_RETURN(net::Ipv4Cidr c, ParseV4Cidr(req.cidr, "cidr"));
          if (!ss->subnet.cidr_block.Contains(c)) {
            return InvalidParameterValue(fmt::format("The CIDR {} is not within the subnet CIDR {}",
                                                     req.cidr, ss->subnet.cidr_block.ToString()));
          }
          for (const auto& [id, o] : ss->reservations) {
            if (o.ipv4_cidr && o.ipv4_cidr->Overlaps(c)) {
              return InvalidParameterValue(
                  fmt::format("The CIDR {} overlaps with the existing reservation {} ({})",
                              req.cidr, id, o.ipv4_cidr->ToString()));
            }
          }
          if (ss->used.Intersects(c)) {
            return InvalidParameterValue(
                fmt::format("The CIDR {} contains addresses that are in use in subnet {}", req.cidr,
                            req.subnet_id));
          }
          r.ipv4_cidr = c;
        } else {
          ASSIGN_OR_RETURN(net::Ipv6Cidr c, ParseV6Cidr(req.cidr, "cidr"));
          if (!ss->subnet.ipv6_cidr_block || !ss->subnet.ipv6_cidr_block->Contains(c)) {
            return InvalidParameterValue(
                fmt::format("The CIDR {} is not within the subnet's IPv6 CIDR", req.cidr));
          }
          for (const auto& [id, o] : ss->reservations) {
            if (o.ipv6_cidr && o.ipv6_cidr->Overlaps(c)) {
              return InvalidParameterValue(
                  fmt::format("The CIDR {} overlaps with the existing reservation {} ({})",
                              req.cidr, id, o.ipv6_cidr->ToString()));
            }
          }
          auto lo = ss->used6.lower_bound(c.Network());
          bool used = lo != ss->used6.end() && c.Contains(*lo);
          for (const auto& p : ss->prefixes6) {
            used = used || p.Overlaps(c);
          }
          if (used) {
            return InvalidParameterValue(
                fmt::format("The CIDR {} contains addresses that are in use in subnet {}", req.cidr,
                            req.subnet_id));
          }
          r.ipv6_cidr = c;
        }
        RETURN_IF_ERROR(ValidateTags(req.tags, nullptr));
        r.subnet_cidr_reservation_id = NewId(s, options_.seed, "subnet-cr");
        ss->reservations[r.subnet_cidr_reservation_id] = r;
        s.reservation_to_subnet[r.subnet_cidr_reservation_id] = req.subnet_id;
        return CreateSubnetCidrReservationReply{r};
      });
}

Result<DeleteSubnetCidrReservationReply> VpcModel::DeleteSubnetCidrReservation(
    const DeleteSubnetCidrReservationRequest& req, WallTime now) {
  return RunAction<DeleteSubnetCidrReservationReply>(
      "DeleteSubnetCidrReservation", now, true,
      [&](WallTime) -> Result<DeleteSubnetCidrReservationReply> {
        State& s = *state_;
        ASSIGN_OR_RETURN(
            std::string * sid,
            LookupId(s.reservation_to_subnet, req.subnet_cidr_reservation_id, kReservationIdKind));
        SubnetState& ss = s.subnets.at(*sid);
        DeleteSubnetCidrReservationReply reply;
        reply.deleted = ss.reservations.at(req.subnet_cidr_reservation_id);
        ss.reservations.erase(req.subnet_cidr_reservation_id);
        s.reservation_to_subnet.erase(req.subnet_cidr_reservation_id);
        return reply;
      });
}

Result<GetSubnetCidrReservationsReply> VpcModel::GetSubnetCidrReservations(
    const GetSubnetCidrReservationsRequest& req, WallTime now) {
  return RunAction<GetSubnetCidrReservationsReply>(
      "GetSubnetCidrReservations", now, true,
      [&](WallTime) -> Result<GetSubnetCidrReservationsReply> {
        State& s = *state_;
        ASSIGN_OR_RETURN(SubnetState * ss, LookupId(s.subnets, req.subnet_id, kSubnetIdKind));
        FieldFn<SubnetCidrReservation> fields = ReservationField;
        RETURN_IF_ERROR(ValidateFilters<SubnetCidrReservation>(req.filters, fields, true));
        RETURN_IF_ERROR(CheckMaxResults(req.max_results, 5, 1000));
        std::vector<SubnetCidrReservation> items;
        for (const auto& [id, r] : ss->reservations) {
          if (MatchFilters(r, req.filters, fields, &r.tags)) {
            items.push_back(r);
          }
        }
        GetSubnetCidrReservationsReply reply;
        ASSIGN_OR_RETURN(
            std::vector<SubnetCidrReservation> page,
            Paginate<SubnetCidrReservation>(
                std::move(items),
                [](const SubnetCidrReservation& r) { return r.subnet_cidr_reservation_id; },
                "GetSubnetCidrReservations", req.max_results, req.next_token, &reply.next_token));
        for (auto& r : page) {
          (r.ipv4_cidr ? reply.subnet_ipv4_cidr_reservations : reply.subnet_ipv6_cidr_reservations)
              .push_back(std::move(r));
        }
        return reply;
      });
}

// ---------------------------------------------------------------------------------------------
// Tags
// ---------------------------------------------------------------------------------------------

namespace {

// Resolves a taggable resource ID to its tag map and resource type.
Result<std::pair<TagMap*, std::string>> ResolveTaggable(VpcModel::State& s, std::string_view id) {
  auto starts = [&](std::string_view p) {
    return id.size() > p.size() && id.substr(0, p.size()) == p && id[p.size()] == '-';
  };
  if (starts("subnet-cr")) {
    ASSIGN_OR_RETURN(std::string * sid, LookupId(s.reservation_to_subnet, id, kReservationIdKind));
    return std::pair<TagMap*, std::string>{
        &s.subnets.at(*sid).reservations.at(std::string(id)).tags, "subnet-cidr-reservation"};
  }
  if (starts("trunk-assoc")) {
    ASSIGN_OR_RETURN(auto* a, LookupId(s.trunk_assocs, id, kTrunkAssocIdKind));
    return std::pair<TagMap*, std::string>{&a->tags, "trunk-interface-association"};
  }
  if (starts("eni-attach")) {
    return Ec2Error("InvalidID", fmt::format("The ID '{}' is not valid", id));
  }
  if (starts("vpc") && !starts("vpc-cidr-assoc")) {
    ASSIGN_OR_RETURN(Vpc * v, LookupId(s.vpcs, id, kVpcIdKind));
    return std::pair<TagMap*, std::string>{&v->tags, "vpc"};
  }
  if (starts("subnet")) {
    ASSIGN_OR_RETURN(SubnetState * ss, LookupId(s.subnets, id, kSubnetIdKind));
    return std::pair<TagMap*, std::string>{&ss->subnet.tags, "subnet"};
  }
  if (starts("sg")) {
    ASSIGN_OR_RETURN(SecurityGroup * g, LookupId(s.groups, id, kGroupIdKind));
    return std::pair<TagMap*, std::string>{&g->tags, "security-group"};
  }
  if (starts("i")) {
    ASSIGN_OR_RETURN(Instance * i, LookupId(s.instances, id, kInstanceIdKind));
    return std::pair<TagMap*, std::string>{&i->tags, "instance"};
  }
  if (starts("eni")) {
    ASSIGN_OR_RETURN(NetworkInterface * e, LookupId(s.enis, id, kEniIdKind));
    return std::pair<TagMap*, std::string>{&e->tags, "network-interface"};
  }
  return Ec2Error("InvalidID", fmt::format("The ID '{}' is not valid", id));
}

}  // namespace

Result<void> VpcModel::CreateTags(const CreateTagsRequest& req, WallTime now) {
  return RunAction<void>("CreateTags", now, true, [&](WallTime) -> Result<void> {
    State& s = *state_;
    if (req.resource_ids.empty()) {
      return MissingParameter("resourceIdSet");
    }
    if (req.tags.empty()) {
      return MissingParameter("tagSet");
    }
    std::vector<TagMap*> targets;
    for (const auto& id : req.resource_ids) {
      ASSIGN_OR_RETURN(auto t, ResolveTaggable(s, id));
      RETURN_IF_ERROR(ValidateTags(req.tags, t.first));
      targets.push_back(t.first);
    }
    for (TagMap* t : targets) {
      for (const auto& [k, v] : req.tags) {
        (*t)[k] = v;
      }
    }
    return Ok();
  });
}

Result<void> VpcModel::DeleteTags(const DeleteTagsRequest& req, WallTime now) {
  return RunAction<void>("DeleteTags", now, true, [&](WallTime) -> Result<void> {
    State& s = *state_;
    if (req.resource_ids.empty()) {
      return MissingParameter("resourceIdSet");
    }
    std::vector<TagMap*> targets;
    for (const auto& id : req.resource_ids) {
      ASSIGN_OR_RETURN(auto t, ResolveTaggable(s, id));
      targets.push_back(t.first);
    }
    for (TagMap* t : targets) {
      if (req.tags.empty()) {
        t->clear();
        continue;
      }
      for (const auto& [k, v] : req.tags) {
        auto it = t->find(k);
        if (it != t->end() && (!v.has_value() || *v == it->second)) {
          t->erase(it);
        }
      }
    }
    return Ok();
  });
}

Result<DescribeTagsReply> VpcModel::DescribeTags(const DescribeTagsRequest& req, WallTime now) {
  bool shaped = !req.filters.empty() || req.max_results.has_value();
  return RunAction<DescribeTagsReply>(
      "DescribeTags", now, shaped, [&](WallTime) -> Result<DescribeTagsReply> {
        State& s = *state_;
        FieldFn<TagDescription> fields = TagField;
        RETURN_IF_ERROR(ValidateFilters<TagDescription>(req.filters, fields, false));
        RETURN_IF_ERROR(CheckMaxResults(req.max_results, 5, 1000));
        std::vector<TagDescription> items;
        auto add = [&](const std::string& id, const std::string& type, const TagMap& tags) {
          for (const auto& [k, v] : tags) {
            TagDescription t{id, type, k, v};
            if (MatchFilters(t, req.filters, fields, nullptr)) {
              items.push_back(std::move(t));
            }
          }
        };
        for (const auto& [id, v] : s.vpcs)
          add(id, "vpc", v.tags);
        for (const auto& [id, ss] : s.subnets) {
          add(id, "subnet", ss.subnet.tags);
          for (const auto& [rid, r] : ss.reservations)
            add(rid, "subnet-cidr-reservation", r.tags);
        }
        for (const auto& [id, g] : s.groups)
          add(id, "security-group", g.tags);
        for (const auto& [id, i] : s.instances)
          add(id, "instance", i.tags);
        for (const auto& [id, e] : s.enis)
          add(id, "network-interface", e.tags);
        for (const auto& [id, a] : s.trunk_assocs)
          add(id, "trunk-interface-association", a.tags);
        std::sort(items.begin(), items.end(), [](const TagDescription& a, const TagDescription& b) {
          return std::tie(a.resource_id, a.key) < std::tie(b.resource_id, b.key);
        });
        DescribeTagsReply reply;
        ASSIGN_OR_RETURN(reply.tags,
                         Paginate<TagDescription>(
                             std::move(items),
                             [](const TagDescription& t) { return t.resource_id + "\x1f" + t.key; },
                             "DescribeTags", req.max_results, req.next_token, &reply.next_token));
        return reply;
      });
}

}  // namespace vpccni::vpcsim
