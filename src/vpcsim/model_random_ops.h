// File: model_random_ops.h (test-only)
//
// Drives a VpcModel with random operations for the property test and the fuzz target. The
// choices come from an OpSource (a seeded generator, or fuzzer bytes), so runs are
// reproducible. Header-only; used by model_property_test.cc and model_fuzz.cc.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "base/clock.h"
#include "vpcsim/model.h"

namespace vpccni::vpcsim::testing_ops {

// Source of choices. Uniform(n) returns a value in [0, n) (0 when n == 0).
class OpSource {
 public:
  virtual ~OpSource() = default;
  virtual uint64_t Uniform(uint64_t n) = 0;

  virtual bool Done() const { return false; }

  bool Chance(int percent) { return Uniform(100) < static_cast<uint64_t>(percent); }
};

class RngSource : public OpSource {
 public:
  explicit RngSource(uint64_t seed) : rng_(seed) {}

  uint64_t Uniform(uint64_t n) override { return rng_.Uniform(n); }

 private:
  SeededRng rng_;
};

// Consumes bytes; once they run out every choice is 0 and Done() is true.
class ByteSource : public OpSource {
 public:
  ByteSource(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  uint64_t Uniform(uint64_t n) override {
    if (n == 0 || pos_ >= size_) {
      ++pos_;
      return 0;
    }
    return data_[pos_++] % n;
  }

  bool Done() const override { return pos_ >= size_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

struct World {
  std::string vpc;
  std::vector<std::string> subnets;
  std::vector<std::string> groups;
};

inline WallTime Epoch() {
  return FromUnixNanos(1'800'000'000LL * 1'000'000'000LL);
}

// A VPC with IPv6, three small subnets (two in zone a, one in b, the first with IPv6), an
// extra security group and four instances of small types.
inline World BuildWorld(VpcModel& m) {
  World w;
  CreateVpcRequest v;
  v.cidr_block = "10.0.0.0/16";
  v.amazon_provided_ipv6_cidr_block = true;
  auto vpc = m.CreateVpc(v, Epoch());
  if (!vpc.has_value())
    return w;
  w.vpc = vpc->vpc.vpc_id;
  net::Ipv6Cidr block = vpc->vpc.ipv6_cidr_block_associations.at(0).cidr;
  const char* cidrs[] = {"10.0.0.0/26", "10.0.1.0/27", "10.0.2.0/27"};
  const char* zones[] = {"a", "a", "b"};
  for (int i = 0; i < 3; ++i) {
    CreateSubnetRequest s;
    s.vpc_id = w.vpc;
    s.cidr_block = cidrs[i];
    s.availability_zone = m.region() + zones[i];
    if (i == 0)
      s.ipv6_cidr_block = net::Ipv6Cidr(block.Network(), 64).ToString();
    auto sn = m.CreateSubnet(s, Epoch());
    if (sn.has_value())
      w.subnets.push_back(sn->subnet.subnet_id);
  }
  CreateSecurityGroupRequest g{"extra", "extra group", w.vpc, {}};
  auto sg = m.CreateSecurityGroup(g, Epoch());
  if (sg.has_value())
    w.groups.push_back(sg->group_id);
  const char* types[] = {"t3.micro", "t3.micro", "m5.large", "c5.large"};
  const int where[] = {0, 0, 1, 2};
  for (int i = 0; i < 4 && w.subnets.size() == 3; ++i) {
    RunInstancesRequest r;
    r.image_id = "ami-0123456789abcdef0";
    r.instance_type = types[i];
    r.subnet_id = w.subnets[static_cast<size_t>(where[i])];
    (void)m.RunInstances(r, Epoch());
  }
  return w;
}

template <typename T>
const T& Pick(OpSource& src, const std::vector<T>& v) {
  return v[src.Uniform(v.size())];
}

// A random address of a subnet (sometimes outside it) as text.
inline std::string RandomAddress(VpcModel& m, OpSource& src, const std::string& subnet) {
  auto s = m.GetSubnet(subnet);
  if (!s)
    return "10.0.0.1";
  if (src.Chance(5))
    return "10.9.9.9";
  return s->cidr_block.At(src.Uniform(s->cidr_block.Size())).ToString();
}

inline std::string RandomPrefix(VpcModel& m, OpSource& src, const std::string& subnet) {
  auto s = m.GetSubnet(subnet);
  if (!s)
    return "10.0.0.0/28";
  uint64_t blocks = s->cidr_block.Size() / 16;
  return net::Ipv4Cidr(s->cidr_block.At(16 * src.Uniform(blocks)), 28).ToString();
}

struct OpOutcome {
  std::string action;
  bool ok = false;
  bool read_only = false;
  std::string error;
};

template <typename R>
OpOutcome Outcome(std::string action, const R& r, bool read_only = false) {
  OpOutcome o{std::move(action), r.has_value(), read_only, ""};
  if (!r.has_value())
    o.error = r.error().reason + ": " + r.error().message;
  return o;
}

// Runs one random operation at time `now`.
inline OpOutcome RunRandomOp(VpcModel& m, const World& w, OpSource& src, WallTime now) {
  if (w.subnets.empty())
    return OpOutcome{"none", true, true, ""};
  std::vector<std::string> enis = m.NetworkInterfaceIds();
  std::vector<std::string> instances = m.InstanceIds();
  auto pick_eni = [&]() -> std::string {
    if (enis.empty() || src.Chance(3))
      return "eni-0123456789abcdef0";
    return Pick(src, enis);
  };
  switch (src.Uniform(16)) {
    case 0: {
      CreateNetworkInterfaceRequest r;
      r.subnet_id = Pick(src, w.subnets);
      r.secondary_private_ip_address_count = static_cast<int>(src.Uniform(4));
      r.ipv4_prefix_count = static_cast<int>(src.Uniform(3));
      if (src.Chance(15))
        r.private_ip_address = RandomAddress(m, src, r.subnet_id);
      if (src.Chance(20))
        r.ipv6_address_count = static_cast<int>(src.Uniform(3));
      if (src.Chance(20))
        r.interface_type = "trunk";
      if (src.Chance(20) && !w.groups.empty())
        r.group_ids = {w.groups[0]};
      r.description = "aws-K8S-test";
      return Outcome("CreateNetworkInterface", m.CreateNetworkInterface(r, now));
    }
    case 1: {
      if (instances.empty())
        return OpOutcome{"none", true, true, ""};
      AttachNetworkInterfaceRequest r;
      std::vector<std::string> available;
      for (const auto& id : enis) {
        auto e = m.GetNetworkInterface(id);
        if (e && e->status == "available")
          available.push_back(id);
      }
      r.network_interface_id =
          !available.empty() && src.Chance(70) ? Pick(src, available) : pick_eni();
      r.instance_id = Pick(src, instances);
      r.device_index = src.Chance(10) ? 0 : 1 + static_cast<int>(src.Uniform(4));
      if (src.Chance(10))
        r.network_card_index = static_cast<int>(src.Uniform(2));
      return Outcome("AttachNetworkInterface", m.AttachNetworkInterface(r, now));
    }
    case 2: {
      std::vector<std::string> attachments;
      for (const auto& id : enis) {
        auto e = m.GetNetworkInterface(id);
        if (e && e->attachment)
          attachments.push_back(e->attachment->attachment_id);
      }
      DetachNetworkInterfaceRequest r;
      r.attachment_id = attachments.empty() || src.Chance(5) ? "eni-attach-0123456789abcdef0"
                                                             : Pick(src, attachments);
      return Outcome("DetachNetworkInterface", m.DetachNetworkInterface(r, now));
    }
    case 3:
      return Outcome("DeleteNetworkInterface", m.DeleteNetworkInterface({pick_eni()}, now));
    case 4: {
      AssignPrivateIpAddressesRequest r;
      r.network_interface_id = pick_eni();
      auto e = m.GetNetworkInterface(r.network_interface_id);
      std::string subnet = e ? e->subnet_id : w.subnets[0];
      if (src.Chance(25)) {
        for (uint64_t k = src.Uniform(3) + 1; k > 0; --k) {
          r.private_ip_addresses.push_back(RandomAddress(m, src, subnet));
        }
        r.allow_reassignment = src.Chance(50);
      } else {
        r.secondary_private_ip_address_count = static_cast<int>(src.Uniform(5));
      }
      if (src.Chance(15)) {
        r.ipv4_prefixes.push_back(RandomPrefix(m, src, subnet));
      } else {
        r.ipv4_prefix_count = static_cast<int>(src.Uniform(3));
      }
      return Outcome("AssignPrivateIpAddresses", m.AssignPrivateIpAddresses(r, now));
    }
    case 5: {
      UnassignPrivateIpAddressesRequest r;
      r.network_interface_id = pick_eni();
      auto e = m.GetNetworkInterface(r.network_interface_id);
      if (e) {
        for (const auto& ip : e->private_ip_addresses) {
          if ((!ip.primary && src.Chance(50)) || (ip.primary && src.Chance(5))) {
            r.private_ip_addresses.push_back(ip.address.ToString());
          }
        }
        for (const auto& p : e->ipv4_prefixes) {
          if (src.Chance(50))
            r.ipv4_prefixes.push_back(p.ToString());
        }
        if (src.Chance(5))
          r.private_ip_addresses.push_back(RandomAddress(m, src, e->subnet_id));
      }
      return Outcome("UnassignPrivateIpAddresses", m.UnassignPrivateIpAddresses(r, now));
    }
    case 6: {
      AssignIpv6AddressesRequest r;
      r.network_interface_id = pick_eni();
      r.ipv6_address_count = static_cast<int>(src.Uniform(3));
      r.ipv6_prefix_count = static_cast<int>(src.Uniform(2));
      return Outcome("AssignIpv6Addresses", m.AssignIpv6Addresses(r, now));
    }
    case 7: {
      UnassignIpv6AddressesRequest r;
      r.network_interface_id = pick_eni();
      auto e = m.GetNetworkInterface(r.network_interface_id);
      if (e) {
        for (const auto& a : e->ipv6_addresses) {
          if (src.Chance(50))
            r.ipv6_addresses.push_back(a.ToString());
        }
        for (const auto& p : e->ipv6_prefixes) {
          if (src.Chance(50))
            r.ipv6_prefixes.push_back(p.ToString());
        }
      }
      return Outcome("UnassignIpv6Addresses", m.UnassignIpv6Addresses(r, now));
    }
    case 8: {
      CreateSubnetCidrReservationRequest r;
      r.subnet_id = Pick(src, w.subnets);
      auto s = m.GetSubnet(r.subnet_id);
      int len = 28 + static_cast<int>(src.Uniform(3));
      uint64_t n = s ? s->cidr_block.Size() >> (32 - len) : 1;
      uint64_t size = uint64_t{1} << (32 - len);
      r.cidr = s ? net::Ipv4Cidr(s->cidr_block.At(size * src.Uniform(n)), len).ToString()
                 : "10.0.0.0/28";
      r.reservation_type = src.Chance(50) ? "prefix" : "explicit";
      return Outcome("CreateSubnetCidrReservation", m.CreateSubnetCidrReservation(r, now));
    }
    case 9: {
      auto got = m.GetSubnetCidrReservations({Pick(src, w.subnets), {}, {}, ""}, now);
      if (!got.has_value() || got->subnet_ipv4_cidr_reservations.empty()) {
        return Outcome("DeleteSubnetCidrReservation",
                       m.DeleteSubnetCidrReservation({"subnet-cr-0123456789abcdef0"}, now));
      }
      const auto& res = Pick(src, got->subnet_ipv4_cidr_reservations);
      return Outcome("DeleteSubnetCidrReservation",
                     m.DeleteSubnetCidrReservation({res.subnet_cidr_reservation_id}, now));
    }
    case 10: {
      if (instances.empty() || !src.Chance(20))
        return OpOutcome{"none", true, true, ""};
      return Outcome("TerminateInstances", m.TerminateInstances({{Pick(src, instances)}}, now));
    }
    case 11: {
      if (!src.Chance(30))
        return OpOutcome{"none", true, true, ""};
      RunInstancesRequest r;
      r.image_id = "ami-0123456789abcdef0";
      static const std::vector<std::string> kTypes = {"t3.micro", "m5.large", "c5.large",
                                                      "p4d.24xlarge"};
      r.instance_type = Pick(src, kTypes);
      r.subnet_id = Pick(src, w.subnets);
      r.secondary_private_ip_address_count = static_cast<int>(src.Uniform(3));
      return Outcome("RunInstances", m.RunInstances(r, now));
    }
    case 12: {
      if (src.Chance(50)) {
        CreateTagsRequest r;
        r.resource_ids = {pick_eni()};
        if (src.Chance(30))
          r.resource_ids.push_back(Pick(src, w.subnets));
        r.tags = {{fmt::format("k{}", src.Uniform(4)), fmt::format("v{}", src.Uniform(4))}};
        return Outcome("CreateTags", m.CreateTags(r, now));
      }
      DeleteTagsRequest r;
      r.resource_ids = {pick_eni()};
      r.tags = {{fmt::format("k{}", src.Uniform(4)), std::nullopt}};
      return Outcome("DeleteTags", m.DeleteTags(r, now));
    }
    case 13: {
      ModifyNetworkInterfaceAttributeRequest r;
      r.network_interface_id = pick_eni();
      auto e = m.GetNetworkInterface(r.network_interface_id);
      if (e && e->attachment && src.Chance(60)) {
        r.attachment_id = e->attachment->attachment_id;
        r.delete_on_termination = src.Chance(50);
      } else if (src.Chance(50) && !w.groups.empty()) {
        r.group_ids = std::vector<std::string>{Pick(src, w.groups)};
      } else {
        r.description = "d";
      }
      return Outcome("ModifyNetworkInterfaceAttribute", m.ModifyNetworkInterfaceAttribute(r, now));
    }
    case 14: {
      DescribeTrunkInterfaceAssociationsRequest q;
      auto assocs = m.DescribeTrunkInterfaceAssociations(q, now);
      if (assocs.has_value() && !assocs->interface_associations.empty() && src.Chance(40)) {
        const auto& a = Pick(src, assocs->interface_associations);
        return Outcome("DisassociateTrunkInterface",
                       m.DisassociateTrunkInterface({a.association_id, ""}, now));
      }
      AssociateTrunkInterfaceRequest r;
      r.branch_interface_id = pick_eni();
      r.trunk_interface_id = pick_eni();
      r.vlan_id = static_cast<int>(src.Uniform(6));
      return Outcome("AssociateTrunkInterface", m.AssociateTrunkInterface(r, now));
    }
    default: {
      DescribeNetworkInterfacesRequest r;
      if (src.Chance(50))
        r.filters.push_back(Filter{"subnet-id", {Pick(src, w.subnets)}});
      if (src.Chance(30))
        r.filters.push_back(Filter{"status", {"available", "in-use"}});
      if (src.Chance(20))
        r.filters.push_back(Filter{"description", {"aws-K8S-*"}});
      if (src.Chance(5))
        r.filters.push_back(Filter{"bogus", {"x"}});
      if (src.Chance(30))
        r.max_results = 4 + static_cast<int>(src.Uniform(4));
      return Outcome("DescribeNetworkInterfaces", m.DescribeNetworkInterfaces(r, now), true);
    }
  }
}

}  // namespace vpccni::vpcsim::testing_ops
