// Unit tests of address allocation in the VPC model: secondary IPs, /28 prefixes, limits,
// exhaustion, fragmentation, explicit addresses, reassignment, subnet CIDR reservations and
// IPv6 addresses and /80 prefixes.
#include <gtest/gtest.h>

#include "testing/result_matchers.h"
#include "vpcsim/model.h"
#include "vpcsim/model_test_util.h"

namespace vpccni::vpcsim {
namespace {

using testutil::At;
using testutil::MakeEni;
using testutil::MakeInstance;
using testutil::MakeSubnet;
using testutil::MakeVpc;
using testutil::StateOf;

std::vector<std::string> Strs(const std::vector<net::Ipv4Address>& v) {
  std::vector<std::string> out;
  for (const auto& a : v)
    out.push_back(a.ToString());
  return out;
}

class AddressTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vpc_ = MakeVpc(m_, "10.0.0.0/16", /*ipv6=*/true);
    subnet_ = MakeSubnet(m_, vpc_, "10.0.0.0/24");
    inst_ = MakeInstance(m_, subnet_, "m5.large");  // 10.0.0.4
  }

  // An ENI attached to the m5.large at `device`.
  NetworkInterface Attached(int device, int secondaries = 0) {
    NetworkInterface e = MakeEni(m_, subnet_, secondaries);
    auto a = m_.AttachNetworkInterface(
        {e.network_interface_id, inst_.instance_id, device, std::nullopt}, At(0));
    EXPECT_TRUE(a.has_value()) << a.error().ToString();
    return *m_.GetNetworkInterface(e.network_interface_id);
  }

  AssignPrivateIpAddressesReply Assign(const std::string& eni, int count, int prefixes = 0) {
    AssignPrivateIpAddressesRequest r;
    r.network_interface_id = eni;
    r.secondary_private_ip_address_count = count;
    r.ipv4_prefix_count = prefixes;
    auto res = m_.AssignPrivateIpAddresses(r, At(0));
    EXPECT_TRUE(res.has_value()) << res.error().ToString();
    return res.has_value() ? *res : AssignPrivateIpAddressesReply{};
  }

  VpcModel m_{VpcModel::Options{}};
  std::string vpc_, subnet_;
  Instance inst_;
};

TEST_F(AddressTest, SecondariesAreLowestFreeAndReplyListsOnlyNewOnes) {
  NetworkInterface e = Attached(1);  // primary 10.0.0.5
  auto r1 = Assign(e.network_interface_id, 2);
  EXPECT_EQ(Strs(r1.assigned_private_ip_addresses),
            (std::vector<std::string>{"10.0.0.6", "10.0.0.7"}));
  auto r2 = Assign(e.network_interface_id, 1);
  EXPECT_EQ(Strs(r2.assigned_private_ip_addresses), (std::vector<std::string>{"10.0.0.8"}));
  EXPECT_EQ(m_.GetNetworkInterface(e.network_interface_id)->private_ip_addresses.size(), 4u);
  EXPECT_EQ(m_.GetSubnet(subnet_)->available_ip_address_count, 251 - 5);
  // Freed addresses are reused lowest-first.
  UnassignPrivateIpAddressesRequest u{e.network_interface_id, {"10.0.0.6"}, {}};
  ASSERT_OK(m_.UnassignPrivateIpAddresses(u, At(0)));
  EXPECT_EQ(m_.GetSubnet(subnet_)->available_ip_address_count, 251 - 4);
  auto r3 = Assign(e.network_interface_id, 1);
  EXPECT_EQ(Strs(r3.assigned_private_ip_addresses), (std::vector<std::string>{"10.0.0.6"}));
}

TEST_F(AddressTest, PrefixesAreAlignedAndCountSixteen) {
  NetworkInterface e = MakeEni(m_, subnet_);  // 10.0.0.5, unattached (64 slots)
  auto r = Assign(e.network_interface_id, 0, 2);
  ASSERT_EQ(r.assigned_ipv4_prefixes.size(), 2u);
  EXPECT_EQ(r.assigned_ipv4_prefixes[0].ToString(), "10.0.0.16/28");
  EXPECT_EQ(r.assigned_ipv4_prefixes[1].ToString(), "10.0.0.32/28");
  EXPECT_TRUE(r.assigned_private_ip_addresses.empty());
  EXPECT_EQ(m_.GetSubnet(subnet_)->available_ip_address_count, 251 - 2 - 32);
  // /32s skip the prefixes.
  auto s = Assign(e.network_interface_id, 11);
  EXPECT_EQ(s.assigned_private_ip_addresses.back().ToString(), "10.0.0.48");
  UnassignPrivateIpAddressesRequest u{e.network_interface_id, {}, {"10.0.0.16/28"}};
  ASSERT_OK(m_.UnassignPrivateIpAddresses(u, At(0)));
  EXPECT_EQ(m_.GetSubnet(subnet_)->available_ip_address_count, 251 - 2 - 16 - 11);
}

TEST_F(AddressTest, PerEniSlotLimitCountsPrimaryIpsAndPrefixes) {
  NetworkInterface e = Attached(1);  // m5.large: 10 slots, primary takes one
  auto before = StateOf(m_);
  AssignPrivateIpAddressesRequest r;
  r.network_interface_id = e.network_interface_id;
  r.secondary_private_ip_address_count = 10;
  auto over = m_.AssignPrivateIpAddresses(r, At(0));
  EXPECT_EC2_ERROR(over, "PrivateIpAddressLimitExceeded");
  EXPECT_EQ(over.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(StateOf(m_), before);
  Assign(e.network_interface_id, 7, 2);  // 1 + 7 + 2 = 10
  r.secondary_private_ip_address_count = 0;
  r.ipv4_prefix_count = 1;
  EXPECT_EC2_ERROR(m_.AssignPrivateIpAddresses(r, At(0)), "PrivateIpAddressLimitExceeded");
  // An unattached ENI may hold up to the largest per-ENI limit, but cannot then be attached to
  // a smaller type.
  NetworkInterface big = MakeEni(m_, subnet_, 12);
  auto att = m_.AttachNetworkInterface(
      {big.network_interface_id, inst_.instance_id, 2, std::nullopt}, At(0));
  EXPECT_EC2_ERROR(att, "PrivateIpAddressLimitExceeded");
  CreateNetworkInterfaceRequest c;
  c.subnet_id = subnet_;
  c.secondary_private_ip_address_count = 64;
  EXPECT_EC2_ERROR(m_.CreateNetworkInterface(c, At(0)), "PrivateIpAddressLimitExceeded");
}

TEST_F(AddressTest, FragmentationGivesInsufficientCidrBlocks) {
  std::string s = MakeSubnet(m_, vpc_, "10.0.1.0/26");  // blocks .16 and .32 are usable
  NetworkInterface e = MakeEni(m_, s);                  // primary .4
  AssignPrivateIpAddressesRequest r;
  r.network_interface_id = e.network_interface_id;
  r.private_ip_addresses = {"10.0.1.20", "10.0.1.40"};
  ASSERT_OK(m_.AssignPrivateIpAddresses(r, At(0)));
  int64_t free = m_.GetSubnet(s)->available_ip_address_count;
  EXPECT_GE(free, 16);
  auto before = StateOf(m_);
  AssignPrivateIpAddressesRequest p;
  p.network_interface_id = e.network_interface_id;
  p.ipv4_prefix_count = 1;
  auto res = m_.AssignPrivateIpAddresses(p, At(0));
  EXPECT_EC2_ERROR(res, "InsufficientCidrBlocks");
  EXPECT_EQ(res.error().message,
            "The specified subnet does not have enough free cidr blocks to satisfy the request.");
  EXPECT_EQ(StateOf(m_), before);
  // /32s still work.
  p.ipv4_prefix_count = 0;
  p.secondary_private_ip_address_count = 3;
  EXPECT_OK(m_.AssignPrivateIpAddresses(p, At(0)));
}

TEST_F(AddressTest, SubnetExhaustion) {
  std::string s = MakeSubnet(m_, vpc_, "10.0.2.0/28");  // 11 usable
  NetworkInterface e = MakeEni(m_, s, 9);
  EXPECT_EQ(m_.GetSubnet(s)->available_ip_address_count, 1);
  AssignPrivateIpAddressesRequest r;
  r.network_interface_id = e.network_interface_id;
  r.secondary_private_ip_address_count = 2;
  auto before = StateOf(m_);
  EXPECT_EC2_ERROR(m_.AssignPrivateIpAddresses(r, At(0)), "InsufficientFreeAddressesInSubnet");
  EXPECT_EQ(StateOf(m_), before);
  r.secondary_private_ip_address_count = 1;
  ASSERT_OK(m_.AssignPrivateIpAddresses(r, At(0)));
  EXPECT_EQ(m_.GetSubnet(s)->available_ip_address_count, 0);
  CreateNetworkInterfaceRequest c;
  c.subnet_id = s;
  EXPECT_EC2_ERROR(m_.CreateNetworkInterface(c, At(0)), "InsufficientFreeAddressesInSubnet");
}

TEST_F(AddressTest, ExplicitAddresses) {
  NetworkInterface e = Attached(1);
  AssignPrivateIpAddressesRequest r;
  r.network_interface_id = e.network_interface_id;
  r.private_ip_addresses = {"10.0.0.4"};  // the instance's primary
  EXPECT_EC2_ERROR(m_.AssignPrivateIpAddresses(r, At(0)), "InvalidIPAddress.InUse");
  r.private_ip_addresses = {"10.0.9.9"};
  EXPECT_EC2_ERROR(m_.AssignPrivateIpAddresses(r, At(0)), "InvalidParameterValue");
  r.private_ip_addresses = {"10.0.0.2"};
  EXPECT_EC2_ERROR(m_.AssignPrivateIpAddresses(r, At(0)), "InvalidParameterValue");
  r.private_ip_addresses = {"10.0.0.255"};
  EXPECT_EC2_ERROR(m_.AssignPrivateIpAddresses(r, At(0)), "InvalidParameterValue");
  r.private_ip_addresses = {"10.0.0.300"};
  EXPECT_EC2_ERROR(m_.AssignPrivateIpAddresses(r, At(0)), "InvalidParameterValue");
  r.private_ip_addresses = {"10.0.0.100", "10.0.0.101"};
  ASSERT_OK_AND_ASSIGN(auto ok, m_.AssignPrivateIpAddresses(r, At(0)));
  EXPECT_EQ(Strs(ok.assigned_private_ip_addresses),
            (std::vector<std::string>{"10.0.0.100", "10.0.0.101"}));
  r.private_ip_addresses = {"10.0.0.102"};
  r.secondary_private_ip_address_count = 1;
  EXPECT_EC2_ERROR(m_.AssignPrivateIpAddresses(r, At(0)), "InvalidParameterCombination");
  AssignPrivateIpAddressesRequest none;
  none.network_interface_id = e.network_interface_id;
  EXPECT_EC2_ERROR(m_.AssignPrivateIpAddresses(none, At(0)), "MissingParameter");
  AssignPrivateIpAddressesRequest prefix;
  prefix.network_interface_id = e.network_interface_id;
  prefix.ipv4_prefixes = {"10.0.0.96/28"};  // holds .100 and .101
  EXPECT_EC2_ERROR(m_.AssignPrivateIpAddresses(prefix, At(0)), "InvalidIPAddress.InUse");
  prefix.ipv4_prefixes = {"10.0.0.200/28"};
  EXPECT_EC2_ERROR(m_.AssignPrivateIpAddresses(prefix, At(0)), "InvalidParameterValue");
  prefix.ipv4_prefixes = {"10.0.0.0/28"};
  EXPECT_EC2_ERROR(m_.AssignPrivateIpAddresses(prefix, At(0)), "InvalidParameterValue");
  prefix.ipv4_prefixes = {"10.0.0.192/28"};
  ASSERT_OK_AND_ASSIGN(auto pr, m_.AssignPrivateIpAddresses(prefix, At(0)));
  EXPECT_EQ(pr.assigned_ipv4_prefixes.at(0).ToString(), "10.0.0.192/28");
  // Create with an explicit primary.
  CreateNetworkInterfaceRequest c;
  c.subnet_id = subnet_;
  c.private_ip_address = "10.0.0.100";
  EXPECT_EC2_ERROR(m_.CreateNetworkInterface(c, At(0)), "InvalidIPAddress.InUse");
  c.private_ip_address = "10.0.0.150";
  ASSERT_OK_AND_ASSIGN(auto made, m_.CreateNetworkInterface(c, At(0)));
  EXPECT_EQ(made.network_interface.private_ip_address.ToString(), "10.0.0.150");
}

TEST_F(AddressTest, ReassignmentMovesASecondary) {
  NetworkInterface a = Attached(1, 1);  // .5 primary, .6 secondary
  NetworkInterface b = Attached(2);     // .7
  AssignPrivateIpAddressesRequest r;
  r.network_interface_id = b.network_interface_id;
  r.private_ip_addresses = {"10.0.0.6"};
  EXPECT_EC2_ERROR(m_.AssignPrivateIpAddresses(r, At(0)), "InvalidIPAddress.InUse");
  r.allow_reassignment = true;
  ASSERT_OK(m_.AssignPrivateIpAddresses(r, At(0)));
  EXPECT_EQ(m_.GetNetworkInterface(a.network_interface_id)->private_ip_addresses.size(), 1u);
  EXPECT_EQ(m_.GetNetworkInterface(b.network_interface_id)->private_ip_addresses.size(), 2u);
  // A primary cannot be taken even with reassignment.
  r.private_ip_addresses = {"10.0.0.5"};
  EXPECT_EC2_ERROR(m_.AssignPrivateIpAddresses(r, At(0)), "InvalidIPAddress.InUse");
  EXPECT_OK(m_.CheckInvariants());
}

TEST_F(AddressTest, UnassignErrors) {
  NetworkInterface e = Attached(1, 2);
  UnassignPrivateIpAddressesRequest u;
  u.network_interface_id = e.network_interface_id;
  u.private_ip_addresses = {e.private_ip_address.ToString()};
  EXPECT_EC2_ERROR(m_.UnassignPrivateIpAddresses(u, At(0)), "InvalidParameterValue");
  u.private_ip_addresses = {"10.0.0.6", "10.0.0.99"};
  auto before = StateOf(m_);
  EXPECT_EC2_ERROR(m_.UnassignPrivateIpAddresses(u, At(0)), "InvalidParameterValue");
  EXPECT_EQ(StateOf(m_), before);
  u.private_ip_addresses = {};
  u.ipv4_prefixes = {"10.0.0.16/28"};
  EXPECT_EC2_ERROR(m_.UnassignPrivateIpAddresses(u, At(0)), "InvalidParameterValue");
  u.ipv4_prefixes = {};
  EXPECT_EC2_ERROR(m_.UnassignPrivateIpAddresses(u, At(0)), "MissingParameter");
}

TEST_F(AddressTest, ExplicitReservationIsOnlyForExplicitAddresses) {
  CreateSubnetCidrReservationRequest c{subnet_, "10.0.0.0/27", "explicit", "", {}};
  // Overlaps the instance's primary 10.0.0.4.
  EXPECT_EC2_ERROR(m_.CreateSubnetCidrReservation(c, At(0)), "InvalidParameterValue");
  c.cidr = "10.0.0.32/27";
  int64_t before = m_.GetSubnet(subnet_)->available_ip_address_count;
  ASSERT_OK_AND_ASSIGN(auto res, m_.CreateSubnetCidrReservation(c, At(0)));
  EXPECT_EQ(m_.GetSubnet(subnet_)->available_ip_address_count, before - 32);
  NetworkInterface e = MakeEni(m_, subnet_);      // .5
  auto got = Assign(e.network_interface_id, 26);  // .6 - .31
  EXPECT_EQ(got.assigned_private_ip_addresses.back().ToString(), "10.0.0.31");
  // Everything below .32 is used; the next automatic address skips the reservation.
  NetworkInterface e2 = MakeEni(m_, subnet_);
  EXPECT_EQ(e2.private_ip_address.ToString(), "10.0.0.64");
  // Prefixes avoid it too.
  AssignPrivateIpAddressesRequest p;
  p.network_interface_id = e2.network_interface_id;
  p.ipv4_prefix_count = 1;
  ASSERT_OK_AND_ASSIGN(auto pr, m_.AssignPrivateIpAddresses(p, At(0)));
  EXPECT_EQ(pr.assigned_ipv4_prefixes.at(0).ToString(), "10.0.0.80/28");
  // Explicit requests may use it.
  AssignPrivateIpAddressesRequest x;
  x.network_interface_id = e2.network_interface_id;
  x.private_ip_addresses = {"10.0.0.40"};
  ASSERT_OK(m_.AssignPrivateIpAddresses(x, At(0)));
  // Overlapping reservation, reservation outside the subnet, bad type.
  CreateSubnetCidrReservationRequest o{subnet_, "10.0.0.48/28", "prefix", "", {}};
  EXPECT_EC2_ERROR(m_.CreateSubnetCidrReservation(o, At(0)), "InvalidParameterValue");
  o.cidr = "10.0.5.0/28";
  EXPECT_EC2_ERROR(m_.CreateSubnetCidrReservation(o, At(0)), "InvalidParameterValue");
  o.cidr = "10.0.0.224/28";
  o.reservation_type = "other";
  EXPECT_EC2_ERROR(m_.CreateSubnetCidrReservation(o, At(0)), "InvalidParameterValue");
  ASSERT_OK_AND_ASSIGN(auto list, m_.GetSubnetCidrReservations({subnet_, {}, {}, ""}, At(0)));
  ASSERT_EQ(list.subnet_ipv4_cidr_reservations.size(), 1u);
  EXPECT_EQ(list.subnet_ipv4_cidr_reservations[0].reservation_type, "explicit");
  ASSERT_OK(m_.DeleteSubnetCidrReservation({res.reservation.subnet_cidr_reservation_id}, At(0)));
  EXPECT_EC2_ERROR(
      m_.DeleteSubnetCidrReservation({res.reservation.subnet_cidr_reservation_id}, At(0)),
      "InvalidSubnetCidrReservationID.NotFound");
  EXPECT_EC2_ERROR(m_.DeleteSubnetCidrReservation({"subnet-cr-1"}, At(0)),
                   "InvalidSubnetCidrReservationID.Malformed");
  EXPECT_OK(m_.CheckInvariants());
}

TEST_F(AddressTest, PrefixReservationIsPreferredForPrefixesOnly) {
  CreateSubnetCidrReservationRequest c{subnet_, "10.0.0.128/26", "prefix", "pd", {}};
  ASSERT_OK(m_.CreateSubnetCidrReservation(c, At(0)));
  NetworkInterface e = Attached(1);
  auto r = Assign(e.network_interface_id, 2, 2);
  EXPECT_EQ(r.assigned_ipv4_prefixes.at(0).ToString(), "10.0.0.128/28");
  EXPECT_EQ(r.assigned_ipv4_prefixes.at(1).ToString(), "10.0.0.144/28");
  EXPECT_EQ(Strs(r.assigned_private_ip_addresses),
            (std::vector<std::string>{"10.0.0.6", "10.0.0.7"}));
  AssignPrivateIpAddressesRequest x;
  x.network_interface_id = e.network_interface_id;
  x.private_ip_addresses = {"10.0.0.170"};
  EXPECT_EC2_ERROR(m_.AssignPrivateIpAddresses(x, At(0)), "InvalidParameterValue");
  // When the reservation is full, prefixes come from the rest of the subnet.
  Assign(e.network_interface_id, 0, 2);
  auto more = Assign(e.network_interface_id, 0, 1);
  EXPECT_EQ(more.assigned_ipv4_prefixes.at(0).ToString(), "10.0.0.16/28");
  EXPECT_OK(m_.CheckInvariants());
}

TEST_F(AddressTest, Ipv6AddressesAndPrefixes) {
  auto vpc = m_.GetVpc(vpc_);
  ASSERT_EQ(vpc->ipv6_cidr_block_associations.size(), 1u);
  net::Ipv6Cidr block = vpc->ipv6_cidr_block_associations[0].cidr;
  net::Ipv6Cidr sub64(block.Network(), 64);
  std::string s6 = MakeSubnet(m_, vpc_, "10.0.3.0/24", "us-west-2a", sub64.ToString());
  ASSERT_FALSE(s6.empty());
  NetworkInterface e = MakeEni(m_, s6);
  AssignIpv6AddressesRequest r;
  r.network_interface_id = e.network_interface_id;
  r.ipv6_address_count = 2;
  r.ipv6_prefix_count = 1;
  ASSERT_OK_AND_ASSIGN(auto got, m_.AssignIpv6Addresses(r, At(0)));
  ASSERT_EQ(got.assigned_ipv6_addresses.size(), 2u);
  EXPECT_EQ(got.assigned_ipv6_addresses[0], sub64.Network().Plus(4));
  EXPECT_EQ(got.assigned_ipv6_addresses[1], sub64.Network().Plus(5));
  ASSERT_EQ(got.assigned_ipv6_prefixes.size(), 1u);
  EXPECT_EQ(got.assigned_ipv6_prefixes[0].PrefixLen(), 80);
  EXPECT_TRUE(sub64.Contains(got.assigned_ipv6_prefixes[0]));
  EXPECT_FALSE(got.assigned_ipv6_prefixes[0].Contains(sub64.Network()));
  // Explicit address in use, outside, explicit prefix.
  AssignIpv6AddressesRequest x;
  x.network_interface_id = e.network_interface_id;
  x.ipv6_addresses = {got.assigned_ipv6_addresses[0].ToString()};
  EXPECT_EC2_ERROR(m_.AssignIpv6Addresses(x, At(0)), "InvalidIPAddress.InUse");
  x.ipv6_addresses = {"2001:db8::1"};
  EXPECT_EC2_ERROR(m_.AssignIpv6Addresses(x, At(0)), "InvalidParameterValue");
  x.ipv6_addresses = {};
  x.ipv6_prefixes = {got.assigned_ipv6_prefixes[0].ToString()};
  EXPECT_EC2_ERROR(m_.AssignIpv6Addresses(x, At(0)), "InvalidIPAddress.InUse");
  UnassignIpv6AddressesRequest u;
  u.network_interface_id = e.network_interface_id;
  u.ipv6_addresses = {got.assigned_ipv6_addresses[1].ToString()};
  u.ipv6_prefixes = {got.assigned_ipv6_prefixes[0].ToString()};
  ASSERT_OK_AND_ASSIGN(auto un, m_.UnassignIpv6Addresses(u, At(0)));
  EXPECT_EQ(un.unassigned_ipv6_addresses.size(), 1u);
  EXPECT_EQ(un.unassigned_ipv6_prefixes.size(), 1u);
  EXPECT_EC2_ERROR(m_.UnassignIpv6Addresses(u, At(0)), "InvalidParameterValue");
  // A subnet without IPv6.
  NetworkInterface v4only = MakeEni(m_, subnet_);
  r.network_interface_id = v4only.network_interface_id;
  EXPECT_EC2_ERROR(m_.AssignIpv6Addresses(r, At(0)), "InvalidParameterValue");
  // Per-ENI IPv6 limit once attached to a t3.micro (2 per ENI).
  Instance small = MakeInstance(m_, s6, "t3.micro");
  AssignIpv6AddressesRequest lim;
  lim.network_interface_id = small.primary_network_interface_id;
  lim.ipv6_address_count = 3;
  EXPECT_EC2_ERROR(m_.AssignIpv6Addresses(lim, At(0)), "InvalidParameterValue");
  lim.ipv6_address_count = 2;
  EXPECT_OK(m_.AssignIpv6Addresses(lim, At(0)));
  EXPECT_OK(m_.CheckInvariants());
}

}  // namespace
}  // namespace vpccni::vpcsim
