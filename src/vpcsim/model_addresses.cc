// File: model_addresses.cc
//
// Address planning (SubnetPlanner) and the address actions: Assign/UnassignPrivateIpAddresses,
// Assign/UnassignIpv6Addresses.
#include <algorithm>

#include <fmt/format.h>

#include "vpcsim/model.h"
#include "vpcsim/model_internal.h"

namespace vpccni::vpcsim {

namespace {

constexpr const char* kInsufficientCidrMessage =
    "The specified subnet does not have enough free cidr blocks to satisfy the request.";

Error InsufficientAddresses(const Subnet& sn) {
  return Ec2Error("InsufficientFreeAddressesInSubnet",
                  fmt::format("There are not enough free addresses in subnet '{}' to satisfy the "
                              "requested number of private IP addresses.",
                              sn.subnet_id));
}

Error InUse(std::string_view what) {
  return Ec2Error("InvalidIPAddress.InUse",
                  fmt::format("The specified address {} is already in use.", what));
}

net::Uint128 One128() {
  return 1;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// SubnetPlanner
// ---------------------------------------------------------------------------------------------

bool SubnetPlanner::Used4(net::Ipv4Address a) const {
  if (planned_.Contains(a)) {
    return true;
  }
  return ss_.used.Contains(a) && reassignable_.count(a) == 0;
}

bool SubnetPlanner::Used4(const net::Ipv4Cidr& c) const {
  return planned_.Intersects(c) || ss_.used.Intersects(c);
}

bool SubnetPlanner::Used6(const net::Ipv6Address& a) const {
  if (ss_.used6.count(a) != 0 || planned6_.count(a) != 0) {
    return true;
  }
  for (const auto* set : {&ss_.prefixes6, &planned_prefixes6_}) {
    auto it = set->upper_bound(net::Ipv6Cidr(a, 128));
    if (it != set->begin() && std::prev(it)->Contains(a)) {
      return true;
    }
  }
  return false;
}

bool SubnetPlanner::Used6(const net::Ipv6Cidr& c) const {
  for (const auto* set : {&ss_.used6, &planned6_}) {
    auto it = set->lower_bound(c.Network());
    if (it != set->end() && c.Contains(*it)) {
      return true;
    }
  }
  for (const auto* set : {&ss_.prefixes6, &planned_prefixes6_}) {
    auto it = set->lower_bound(net::Ipv6Cidr(c.Network(), 0));
    if (it != set->end() && it->Overlaps(c)) {
      return true;
    }
    if (it != set->begin() && std::prev(it)->Overlaps(c)) {
      return true;
    }
  }
  return false;
}

const SubnetCidrReservation* SubnetPlanner::Reservation4(const net::Ipv4Cidr& c) const {
  for (const auto& [id, r] : ss_.reservations) {
    if (r.ipv4_cidr && r.ipv4_cidr->Overlaps(c)) {
      return &r;
    }
  }
  return nullptr;
}

const SubnetCidrReservation* SubnetPlanner::Reservation6(const net::Ipv6Cidr& c) const {
  for (const auto& [id, r] : ss_.reservations) {
    if (r.ipv6_cidr && r.ipv6_cidr->Overlaps(c)) {
      return &r;
    }
  }
  return nullptr;
}

void SubnetPlanner::BuildBlocked() {
  if (built_) {
    return;
  }
  built_ = true;
  const net::Ipv4Cidr& c = ss_.subnet.cidr_block;
  blocked28_ = ss_.used;
  for (const auto& [first, last] : planned_.Ranges()) {
    blocked28_.Add(first, last);
  }
  blocked28_.Add(c.Network(), c.Network().Plus(3));
  blocked28_.Add(c.Broadcast());
  for (const auto& a : reassignable_) {
    blocked28_.Remove(a);
  }
  blocked32_ = blocked28_;
  for (const auto& [id, r] : ss_.reservations) {
    if (!r.ipv4_cidr) {
      continue;
    }
    blocked32_.Add(*r.ipv4_cidr);
    if (r.reservation_type == "explicit") {
      blocked28_.Add(*r.ipv4_cidr);
    }
  }
}

Result<net::Ipv4Address> SubnetPlanner::TakeExplicit(std::string_view text) {
  auto parsed = net::Ipv4Address::Parse(text);
  if (!parsed.has_value()) {
    return InvalidParameterValue(
        fmt::format("Invalid value '{}' for IP address. The IPv4 address is malformed.", text));
  }
  net::Ipv4Address a = *parsed;
  const Subnet& sn = ss_.subnet;
  if (!sn.cidr_block.Contains(a)) {
    return InvalidParameterValue(
        fmt::format("Address {} does not fall within the subnet's address range", a.ToString()));
  }
  if (IsAwsReserved(sn.cidr_block, a)) {
    return InvalidParameterValue(
        fmt::format("Address {} is in subnet's reserved address range", a.ToString()));
  }
  if (Used4(a)) {
    return InUse(a.ToString());
  }
  if (const auto* r = Reservation4(net::Ipv4Cidr(a, 32));
      r != nullptr && r->reservation_type == "prefix") {
    return InvalidParameterValue(fmt::format(
        "Address {} is inside the prefix-type subnet CIDR reservation {} ({}); only prefixes "
        "can be assigned from it",
        a.ToString(), r->subnet_cidr_reservation_id, r->CidrString()));
  }
  planned_.Add(a);
  planned_ips_.push_back(a);
  if (built_) {
    blocked32_.Add(a);
    blocked28_.Add(a);
  }
  return a;
}

Result<net::Ipv4Address> SubnetPlanner::TakeNext() {
  BuildBlocked();
  auto a = blocked32_.FirstFree(ss_.subnet.cidr_block);
  if (!a) {
    return InsufficientAddresses(ss_.subnet);
  }
  planned_.Add(*a);
  planned_ips_.push_back(*a);
  blocked32_.Add(*a);
  blocked28_.Add(*a);
  return *a;
}

uint64_t SubnetPlanner::FreeAutoCount() {
  BuildBlocked();
  return ss_.subnet.cidr_block.Size() - blocked32_.CountIn(ss_.subnet.cidr_block);
}

Result<net::Ipv4Cidr> SubnetPlanner::TakeExplicitPrefix(std::string_view text) {
  auto parsed = net::Ipv4Cidr::Parse(text);
  if (!parsed.has_value() || parsed->PrefixLen() != 28 || parsed->Masked() != *parsed) {
    return InvalidParameterValue(
        fmt::format("Invalid value '{}' for Ipv4Prefix: expecting an aligned /28 prefix", text));
  }
  net::Ipv4Cidr p = *parsed;
  const Subnet& sn = ss_.subnet;
  if (!sn.cidr_block.Contains(p)) {
    return InvalidParameterValue(
        fmt::format("Prefix {} does not fall within the subnet's address range", p.ToString()));
  }
  for (uint32_t off : {0u, 1u, 2u, 3u}) {
    if (p.Contains(sn.cidr_block.Network().Plus(off))) {
      return InvalidParameterValue(
          fmt::format("Prefix {} overlaps the subnet's reserved address range", p.ToString()));
    }
  }
  if (p.Contains(sn.cidr_block.Broadcast())) {
    return InvalidParameterValue(
        fmt::format("Prefix {} overlaps the subnet's reserved address range", p.ToString()));
  }
  if (Used4(p)) {
    return InUse(p.ToString());
  }
  for (const auto& [id, r] : ss_.reservations) {
    if (r.ipv4_cidr && r.ipv4_cidr->Overlaps(p) && r.reservation_type == "explicit") {
      return InvalidParameterValue(
          fmt::format("Prefix {} overlaps the explicit subnet CIDR reservation {} ({})",
                      p.ToString(), id, r.CidrString()));
    }
  }
  planned_.Add(p);
  planned_prefixes_.push_back(p);
  if (built_) {
    blocked32_.Add(p);
    blocked28_.Add(p);
  }
  return p;
}

Result<net::Ipv4Cidr> SubnetPlanner::TakeNextPrefix() {
  BuildBlocked();
  std::optional<net::Ipv4Cidr> found;
  for (const auto& [id, r] : ss_.reservations) {
    if (r.ipv4_cidr && r.reservation_type == "prefix" && r.ipv4_cidr->PrefixLen() <= 28) {
      found = blocked28_.FindFreeAlignedBlock(*r.ipv4_cidr, 28);
      if (found) {
        break;
      }
    }
  }
  if (!found) {
    found = blocked28_.FindFreeAlignedBlock(ss_.subnet.cidr_block, 28);
  }
  if (!found) {
    return Ec2Error("InsufficientCidrBlocks", kInsufficientCidrMessage);
  }
  planned_.Add(*found);
  planned_prefixes_.push_back(*found);
  blocked32_.Add(*found);
  blocked28_.Add(*found);
  return *found;
}

Result<net::Ipv6Address> SubnetPlanner::TakeExplicit6(std::string_view text) {
  const Subnet& sn = ss_.subnet;
  if (!sn.ipv6_cidr_block) {
    return InvalidParameterValue(
        fmt::format("The subnet '{}' has no IPv6 CIDR block", sn.subnet_id));
  }
  auto parsed = net::Ipv6Address::Parse(text);
  if (!parsed.has_value()) {
    return InvalidParameterValue(
        fmt::format("Invalid value '{}' for IPv6 address. The IPv6 address is malformed.", text));
  }
  const net::Ipv6Address& a = *parsed;
  if (!sn.ipv6_cidr_block->Contains(a)) {
    return InvalidParameterValue(fmt::format(
        "Address {} does not fall within the subnet's IPv6 address range", a.ToString()));
  }
  if (IsAwsReserved6(*sn.ipv6_cidr_block, a)) {
    return InvalidParameterValue(
        fmt::format("Address {} is in subnet's reserved address range", a.ToString()));
  }
  if (Used6(a)) {
    return InUse(a.ToString());
  }
  if (const auto* r = Reservation6(net::Ipv6Cidr(a, 128));
      r != nullptr && r->reservation_type == "prefix") {
    return InvalidParameterValue(
        fmt::format("Address {} is inside the prefix-type subnet CIDR reservation {}", a.ToString(),
                    r->subnet_cidr_reservation_id));
  }
  planned6_.insert(a);
  return a;
}

Result<net::Ipv6Address> SubnetPlanner::TakeNext6() {
  const Subnet& sn = ss_.subnet;
  if (!sn.ipv6_cidr_block) {
    return InvalidParameterValue(
        fmt::format("The subnet '{}' has no IPv6 CIDR block", sn.subnet_id));
  }
  const net::Ipv6Cidr& c = *sn.ipv6_cidr_block;
  net::Uint128 base = c.Network().ToU128();
  net::Uint128 last = base | ~c.Mask();
  net::Uint128 cur = base + 4;
  // Bounded scan: skip used addresses, allocated /80s and reservations.
  for (int steps = 0; steps < 1'000'000 && cur < last; ++steps) {
    net::Ipv6Address a = net::Ipv6Address::FromU128(cur);
    bool blocked = false;
    for (const std::set<net::Ipv6Cidr>* set : std::initializer_list<const std::set<net::Ipv6Cidr>*>{
             &ss_.prefixes6, &planned_prefixes6_}) {
      auto it = set->upper_bound(net::Ipv6Cidr(a, 128));
      if (it != set->begin() && std::prev(it)->Contains(a)) {
        cur = (std::prev(it)->Network().ToU128() | ~std::prev(it)->Mask()) + One128();
        blocked = true;
        break;
      }
    }
    if (blocked) {
      continue;
    }
    if (const auto* r = Reservation6(net::Ipv6Cidr(a, 128)); r != nullptr) {
      cur = (r->ipv6_cidr->Network().ToU128() | ~r->ipv6_cidr->Mask()) + One128();
      continue;
    }
    if (ss_.used6.count(a) != 0 || planned6_.count(a) != 0) {
      ++cur;
      continue;
    }
    planned6_.insert(a);
    return a;
  }
  return Ec2Error("InsufficientFreeAddressesInSubnet",
                  fmt::format("There are not enough free IPv6 addresses in subnet '{}' to "
                              "satisfy the request.",
                              sn.subnet_id));
}

Result<net::Ipv6Cidr> SubnetPlanner::TakeExplicitPrefix6(std::string_view text) {
  const Subnet& sn = ss_.subnet;
  if (!sn.ipv6_cidr_block) {
    return InvalidParameterValue(
        fmt::format("The subnet '{}' has no IPv6 CIDR block", sn.subnet_id));
  }
  auto parsed = net::Ipv6Cidr::Parse(text);
  if (!parsed.has_value() || parsed->PrefixLen() != 80 || parsed->Masked() != *parsed) {
    return InvalidParameterValue(
        fmt::format("Invalid value '{}' for Ipv6Prefix: expecting an aligned /80 prefix", text));
  }
  net::Ipv6Cidr p = *parsed;
  const net::Ipv6Cidr& c = *sn.ipv6_cidr_block;
  if (!c.Contains(p)) {
    return InvalidParameterValue(fmt::format(
        "Prefix {} does not fall within the subnet's IPv6 address range", p.ToString()));
  }
  if (p.Contains(c.Network()) ||
      p.Contains(net::Ipv6Address::FromU128(c.Network().ToU128() | ~c.Mask()))) {
    return InvalidParameterValue(
        fmt::format("Prefix {} overlaps the subnet's reserved address range", p.ToString()));
  }
  if (Used6(p)) {
    return InUse(p.ToString());
  }
  if (const auto* r = Reservation6(p); r != nullptr && r->reservation_type == "explicit") {
    return InvalidParameterValue(
        fmt::format("Prefix {} overlaps the explicit subnet CIDR reservation {}", p.ToString(),
                    r->subnet_cidr_reservation_id));
  }
  planned_prefixes6_.insert(p);
  return p;
}

Result<net::Ipv6Cidr> SubnetPlanner::TakeNextPrefix6() {
  const Subnet& sn = ss_.subnet;
  if (!sn.ipv6_cidr_block) {
    return InvalidParameterValue(
        fmt::format("The subnet '{}' has no IPv6 CIDR block", sn.subnet_id));
  }
  const net::Ipv6Cidr& c = *sn.ipv6_cidr_block;
  auto usable = [&](const net::Ipv6Cidr& p) {
    if (Used6(p) || p.Contains(c.Network()) ||
        p.Contains(net::Ipv6Address::FromU128(c.Network().ToU128() | ~c.Mask()))) {
      return false;
    }
    const auto* r = Reservation6(p);
    return r == nullptr || r->reservation_type == "prefix";
  };
  // Prefix reservations first.
  for (const auto& [id, r] : ss_.reservations) {
    if (!r.ipv6_cidr || r.reservation_type != "prefix" || r.ipv6_cidr->PrefixLen() > 80) {
      continue;
    }
    net::Uint128 n = One128() << (80 - r.ipv6_cidr->PrefixLen());
    for (net::Uint128 i = 0; i < n && i < 65536; ++i) {
      net::Ipv6Cidr p(net::Ipv6Address::FromU128(r.ipv6_cidr->Network().ToU128() + (i << 48)), 80);
      if (usable(p) && Reservation6(p) == &r) {
        planned_prefixes6_.insert(p);
        return p;
      }
    }
  }
  for (net::Uint128 i = 0; i < 65536; ++i) {
    net::Ipv6Cidr p(net::Ipv6Address::FromU128(c.Network().ToU128() + (i << 48)), 80);
    if (usable(p)) {
      planned_prefixes6_.insert(p);
      return p;
    }
  }
  return Ec2Error("InsufficientCidrBlocks", kInsufficientCidrMessage);
}

void SubnetPlanner::Commit(SubnetState& ss) const {
  for (const auto& [first, last] : planned_.Ranges()) {
    ss.used.Add(first, last);
  }
  for (const auto& a : planned6_) {
    ss.used6.insert(a);
  }
  for (const auto& p : planned_prefixes6_) {
    ss.prefixes6.insert(p);
  }
}

// ---------------------------------------------------------------------------------------------
// Limits and release
// ---------------------------------------------------------------------------------------------

int Ipv4LimitFor(const VpcModel::State& s, const NetworkInterface& eni) {
  if (eni.attachment) {
    auto it = s.instances.find(eni.attachment->instance_id);
    if (it != s.instances.end()) {
      if (const auto* t = FindType(s, it->second.instance_type)) {
        return t->ipv4_per_eni;
      }
    }
  }
  return s.max_ipv4_per_eni;
}

int Ipv6LimitFor(const VpcModel::State& s, const NetworkInterface& eni) {
  if (eni.attachment) {
    auto it = s.instances.find(eni.attachment->instance_id);
    if (it != s.instances.end()) {
      if (const auto* t = FindType(s, it->second.instance_type)) {
        return t->ipv6_per_eni;
      }
    }
  }
  return s.max_ipv6_per_eni;
}

std::string TypeNameFor(const VpcModel::State& s, const NetworkInterface& eni) {
  if (eni.attachment) {
    auto it = s.instances.find(eni.attachment->instance_id);
    if (it != s.instances.end()) {
      return it->second.instance_type;
    }
  }
  return "any instance type";
}

void ReleaseEniAddresses(VpcModel::State& s, const NetworkInterface& eni) {
  auto it = s.subnets.find(eni.subnet_id);
  if (it == s.subnets.end()) {
    return;
  }
  SubnetState& ss = it->second;
  for (const auto& ip : eni.private_ip_addresses) {
    ss.used.Remove(ip.address);
  }
  for (const auto& p : eni.ipv4_prefixes) {
    ss.used.Remove(p);
  }
  for (const auto& a : eni.ipv6_addresses) {
    ss.used6.erase(a);
  }
  for (const auto& p : eni.ipv6_prefixes) {
    ss.prefixes6.erase(p);
  }
}

// ---------------------------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------------------------

namespace {

Error LimitExceeded(const VpcModel::State& s, const NetworkInterface& eni, int limit) {
  return Ec2Error("PrivateIpAddressLimitExceeded",
                  fmt::format("Number of private addresses will exceed limit: the network "
                              "interface '{}' can hold {} IPv4 addresses and prefixes ({}).",
                              eni.network_interface_id, limit, TypeNameFor(s, eni)));
}

void MarkDirty(VpcModel::State& s, const NetworkInterface& eni) {
  if (eni.attachment) {
    s.dirty_instances.insert(eni.attachment->instance_id);
  }
}

}  // namespace

Result<AssignPrivateIpAddressesReply> VpcModel::AssignPrivateIpAddresses(
    const AssignPrivateIpAddressesRequest& req, WallTime now) {
  return RunAction<AssignPrivateIpAddressesReply>(
      "AssignPrivateIpAddresses", now, true,
      [&](WallTime) -> Result<AssignPrivateIpAddressesReply> {
        State& s = *state_;
        ASSIGN_OR_RETURN(NetworkInterface * eni,
                         LookupId(s.enis, req.network_interface_id, kEniIdKind));
        bool ips = !req.private_ip_addresses.empty() || req.secondary_private_ip_address_count > 0;
        bool prefixes = !req.ipv4_prefixes.empty() || req.ipv4_prefix_count > 0;
        if (!ips && !prefixes) {
          return MissingParameter(
              "PrivateIpAddress, SecondaryPrivateIpAddressCount, Ipv4Prefix or Ipv4PrefixCount");
        }
        if (!req.private_ip_addresses.empty() && req.secondary_private_ip_address_count > 0) {
          return InvalidParameterCombination(
              "PrivateIpAddress and SecondaryPrivateIpAddressCount cannot both be specified");
        }
        if (!req.ipv4_prefixes.empty() && req.ipv4_prefix_count > 0) {
          return InvalidParameterCombination(
              "Ipv4Prefix and Ipv4PrefixCount cannot both be specified");
        }
        if (req.secondary_private_ip_address_count < 0 || req.ipv4_prefix_count < 0) {
          return InvalidParameterValue("Counts must not be negative");
        }
        SubnetState& ss = s.subnets.at(eni->subnet_id);
        // AllowReassignment: explicit addresses held as secondaries by other ENIs of the subnet
        // move to this one.
        std::map<net::Ipv4Address, std::string> moves;
        if (req.allow_reassignment) {
          for (const auto& text : req.private_ip_addresses) {
            auto a = net::Ipv4Address::Parse(text);
            if (!a.has_value() || !ss.used.Contains(*a)) {
              continue;
            }
            for (const auto& other_id : ss.eni_ids) {
              if (other_id == eni->network_interface_id) {
                continue;
              }
              const NetworkInterface& o = s.enis.at(other_id);
              for (const auto& ip : o.private_ip_addresses) {
                if (ip.address == *a && !ip.primary) {
                  moves[*a] = other_id;
                }
              }
            }
          }
        }
        std::set<net::Ipv4Address> reassignable;
        for (const auto& [a, from] : moves) {
          reassignable.insert(a);
        }
        int adding = static_cast<int>(req.private_ip_addresses.size()) +
                     req.secondary_private_ip_address_count +
                     static_cast<int>(req.ipv4_prefixes.size()) + req.ipv4_prefix_count;
        int limit = Ipv4LimitFor(s, *eni);
        if (SlotCount(*eni) + adding > limit) {
          return LimitExceeded(s, *eni, limit);
        }
        SubnetPlanner plan(ss, reassignable);
        AssignPrivateIpAddressesReply reply;
        reply.network_interface_id = eni->network_interface_id;
        for (const auto& text : req.private_ip_addresses) {
          ASSIGN_OR_RETURN(net::Ipv4Address a, plan.TakeExplicit(text));
          reply.assigned_private_ip_addresses.push_back(a);
        }
        for (const auto& text : req.ipv4_prefixes) {
          ASSIGN_OR_RETURN(net::Ipv4Cidr p, plan.TakeExplicitPrefix(text));
          reply.assigned_ipv4_prefixes.push_back(p);
        }
        for (int i = 0; i < req.secondary_private_ip_address_count; ++i) {
          ASSIGN_OR_RETURN(net::Ipv4Address a, plan.TakeNext());
          reply.assigned_private_ip_addresses.push_back(a);
        }
        for (int i = 0; i < req.ipv4_prefix_count; ++i) {
          ASSIGN_OR_RETURN(net::Ipv4Cidr p, plan.TakeNextPrefix());
          reply.assigned_ipv4_prefixes.push_back(p);
        }
        // Mutate.
        for (const auto& [a, from] : moves) {
          NetworkInterface& o = s.enis.at(from);
          std::erase_if(o.private_ip_addresses,
                        [&](const PrivateIpAddress& ip) { return ip.address == a; });
          ss.used.Remove(a);
          MarkDirty(s, o);
        }
        plan.Commit(ss);
        for (const auto& a : reply.assigned_private_ip_addresses) {
          eni->private_ip_addresses.push_back(PrivateIpAddress{a, false});
        }
        for (const auto& p : reply.assigned_ipv4_prefixes) {
          eni->ipv4_prefixes.push_back(p);
        }
        MarkDirty(s, *eni);
        return reply;
      });
}

Result<void> VpcModel::UnassignPrivateIpAddresses(const UnassignPrivateIpAddressesRequest& req,
                                                  WallTime now) {
  return RunAction<void>("UnassignPrivateIpAddresses", now, true, [&](WallTime) -> Result<void> {
    State& s = *state_;
    ASSIGN_OR_RETURN(NetworkInterface * eni,
                     LookupId(s.enis, req.network_interface_id, kEniIdKind));
    if (req.private_ip_addresses.empty() && req.ipv4_prefixes.empty()) {
      return MissingParameter("PrivateIpAddress or Ipv4Prefix");
    }
    std::set<net::Ipv4Address> ips;
    for (const auto& text : req.private_ip_addresses) {
      auto a = net::Ipv4Address::Parse(text);
      if (!a.has_value()) {
        return InvalidParameterValue(
            fmt::format("Invalid value '{}' for IP address. The IPv4 address is malformed.", text));
      }
      auto it = std::find_if(eni->private_ip_addresses.begin(), eni->private_ip_addresses.end(),
                             [&](const PrivateIpAddress& ip) { return ip.address == *a; });
      if (it == eni->private_ip_addresses.end()) {
        return InvalidParameterValue(
            fmt::format("Some of the specified addresses are not assigned to interface {}",
                        eni->network_interface_id));
      }
      if (it->primary) {
        return InvalidParameterValue(
            fmt::format("The primary IP address {} of network interface {} cannot be unassigned",
                        a->ToString(), eni->network_interface_id));
      }
      ips.insert(*a);
    }
    std::set<net::Ipv4Cidr> prefixes;
    for (const auto& text : req.ipv4_prefixes) {
      auto p = net::Ipv4Cidr::Parse(text);
      if (!p.has_value() || std::find(eni->ipv4_prefixes.begin(), eni->ipv4_prefixes.end(), *p) ==
                                eni->ipv4_prefixes.end()) {
        return InvalidParameterValue(
            fmt::format("Some of the specified prefixes are not assigned to interface {}",
                        eni->network_interface_id));
      }
      prefixes.insert(*p);
    }
    SubnetState& ss = s.subnets.at(eni->subnet_id);
    std::erase_if(eni->private_ip_addresses,
                  [&](const PrivateIpAddress& ip) { return ips.count(ip.address) != 0; });
    std::erase_if(eni->ipv4_prefixes,
                  [&](const net::Ipv4Cidr& p) { return prefixes.count(p) != 0; });
    for (const auto& a : ips) {
      ss.used.Remove(a);
    }
    for (const auto& p : prefixes) {
      ss.used.Remove(p);
    }
    MarkDirty(s, *eni);
    return Ok();
  });
}

Result<AssignIpv6AddressesReply> VpcModel::AssignIpv6Addresses(
    const AssignIpv6AddressesRequest& req, WallTime now) {
  return RunAction<AssignIpv6AddressesReply>(
      "AssignIpv6Addresses", now, true, [&](WallTime) -> Result<AssignIpv6AddressesReply> {
        State& s = *state_;
        ASSIGN_OR_RETURN(NetworkInterface * eni,
                         LookupId(s.enis, req.network_interface_id, kEniIdKind));
        if (req.ipv6_addresses.empty() && req.ipv6_address_count <= 0 &&
            req.ipv6_prefixes.empty() && req.ipv6_prefix_count <= 0) {
          return MissingParameter("Ipv6Addresses, Ipv6AddressCount, Ipv6Prefix or Ipv6PrefixCount");
        }
        if (!req.ipv6_addresses.empty() && req.ipv6_address_count > 0) {
          return InvalidParameterCombination(
              "Ipv6Addresses and Ipv6AddressCount cannot both be specified");
        }
        if (!req.ipv6_prefixes.empty() && req.ipv6_prefix_count > 0) {
          return InvalidParameterCombination(
              "Ipv6Prefix and Ipv6PrefixCount cannot both be specified");
        }
        if (req.ipv6_address_count < 0 || req.ipv6_prefix_count < 0) {
          return InvalidParameterValue("Counts must not be negative");
        }
        SubnetState& ss = s.subnets.at(eni->subnet_id);
        if (!ss.subnet.ipv6_cidr_block) {
          return InvalidParameterValue(
              fmt::format("The subnet '{}' has no IPv6 CIDR block", ss.subnet.subnet_id));
        }
        int adding = static_cast<int>(req.ipv6_addresses.size()) + req.ipv6_address_count +
                     static_cast<int>(req.ipv6_prefixes.size()) + req.ipv6_prefix_count;
        int limit = Ipv6LimitFor(s, *eni);
        if (Ipv6Count(*eni) + adding > limit) {
          return InvalidParameterValue(fmt::format(
              "Number of IPv6 addresses and prefixes on network interface '{}' would exceed the "
              "limit of {} ({}).",
              eni->network_interface_id, limit, TypeNameFor(s, *eni)));
        }
        SubnetPlanner plan(ss);
        AssignIpv6AddressesReply reply;
        reply.network_interface_id = eni->network_interface_id;
        for (const auto& text : req.ipv6_addresses) {
          ASSIGN_OR_RETURN(net::Ipv6Address a, plan.TakeExplicit6(text));
          reply.assigned_ipv6_addresses.push_back(a);
        }
        for (const auto& text : req.ipv6_prefixes) {
          ASSIGN_OR_RETURN(net::Ipv6Cidr p, plan.TakeExplicitPrefix6(text));
          reply.assigned_ipv6_prefixes.push_back(p);
        }
        for (int i = 0; i < req.ipv6_address_count; ++i) {
          ASSIGN_OR_RETURN(net::Ipv6Address a, plan.TakeNext6());
          reply.assigned_ipv6_addresses.push_back(a);
        }
        for (int i = 0; i < req.ipv6_prefix_count; ++i) {
          ASSIGN_OR_RETURN(net::Ipv6Cidr p, plan.TakeNextPrefix6());
          reply.assigned_ipv6_prefixes.push_back(p);
        }
        plan.Commit(ss);
        for (const auto& a : reply.assigned_ipv6_addresses) {
          eni->ipv6_addresses.push_back(a);
        }
        for (const auto& p : reply.assigned_ipv6_prefixes) {
          eni->ipv6_prefixes.push_back(p);
        }
        MarkDirty(s, *eni);
        return reply;
      });
}

Result<UnassignIpv6AddressesReply> VpcModel::UnassignIpv6Addresses(
    const UnassignIpv6AddressesRequest& req, WallTime now) {
  return RunAction<UnassignIpv6AddressesReply>(
      "UnassignIpv6Addresses", now, true, [&](WallTime) -> Result<UnassignIpv6AddressesReply> {
        State& s = *state_;
        ASSIGN_OR_RETURN(NetworkInterface * eni,
                         LookupId(s.enis, req.network_interface_id, kEniIdKind));
        if (req.ipv6_addresses.empty() && req.ipv6_prefixes.empty()) {
          return MissingParameter("Ipv6Addresses or Ipv6Prefix");
        }
        UnassignIpv6AddressesReply reply;
        reply.network_interface_id = eni->network_interface_id;
        std::set<net::Ipv6Address> addrs;
        for (const auto& text : req.ipv6_addresses) {
          auto a = net::Ipv6Address::Parse(text);
          if (!a.has_value() || std::find(eni->ipv6_addresses.begin(), eni->ipv6_addresses.end(),
                                          *a) == eni->ipv6_addresses.end()) {
            return InvalidParameterValue(
                fmt::format("Some of the specified addresses are not assigned to interface {}",
                            eni->network_interface_id));
          }
          if (addrs.insert(*a).second) {
            reply.unassigned_ipv6_addresses.push_back(*a);
          }
        }
        std::set<net::Ipv6Cidr> prefixes;
        for (const auto& text : req.ipv6_prefixes) {
          auto p = net::Ipv6Cidr::Parse(text);
          if (!p.has_value() || std::find(eni->ipv6_prefixes.begin(), eni->ipv6_prefixes.end(),
                                          *p) == eni->ipv6_prefixes.end()) {
            return InvalidParameterValue(
                fmt::format("Some of the specified prefixes are not assigned to interface {}",
                            eni->network_interface_id));
          }
          if (prefixes.insert(*p).second) {
            reply.unassigned_ipv6_prefixes.push_back(*p);
          }
        }
        SubnetState& ss = s.subnets.at(eni->subnet_id);
        std::erase_if(eni->ipv6_addresses,
                      [&](const net::Ipv6Address& a) { return addrs.count(a) != 0; });
        std::erase_if(eni->ipv6_prefixes,
                      [&](const net::Ipv6Cidr& p) { return prefixes.count(p) != 0; });
        for (const auto& a : addrs) {
          ss.used6.erase(a);
        }
        for (const auto& p : prefixes) {
          ss.prefixes6.erase(p);
        }
        MarkDirty(s, *eni);
        return reply;
      });
}

}  // namespace vpccni::vpcsim
