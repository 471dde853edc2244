// Unit tests of the VPC model: VPCs, subnets, security groups, instances, ENIs, tags, trunks,
// zones, throttling, faults, IMDS views and snapshots. Address allocation is in
// model_addresses_test.cc.
#include "vpcsim/model.h"

#include <regex>

#include <gtest/gtest.h>

#include "testing/result_matchers.h"
#include "vpcsim/model_test_util.h"

namespace vpccni::vpcsim {
namespace {

using testutil::At;
using testutil::MakeEni;
using testutil::MakeInstance;
using testutil::MakeSubnet;
using testutil::MakeVpc;
using testutil::StateOf;

class ModelTest : public ::testing::Test {
 protected:
  VpcModel m_{VpcModel::Options{}};
};

// ---- IDs, errors ---------------------------------------------------------------------------

TEST_F(ModelTest, IdsLookLikeEc2AndAreDeterministicPerSeed) {
  std::string vpc = MakeVpc(m_);
  std::string subnet = MakeSubnet(m_, vpc, "10.0.0.0/24");
  Instance i = MakeInstance(m_, subnet);
  EXPECT_TRUE(std::regex_match(vpc, std::regex("vpc-[0-9a-f]{17}")));
  EXPECT_TRUE(std::regex_match(subnet, std::regex("subnet-[0-9a-f]{17}")));
  EXPECT_TRUE(std::regex_match(i.instance_id, std::regex("i-[0-9a-f]{17}")));
  EXPECT_TRUE(std::regex_match(i.primary_network_interface_id, std::regex("eni-[0-9a-f]{17}")));
  EXPECT_TRUE(std::regex_match(i.network_interfaces.at(0).attachment->attachment_id,
                               std::regex("eni-attach-[0-9a-f]{17}")));

  VpcModel same{VpcModel::Options{}};
  EXPECT_EQ(MakeVpc(same), vpc);
  VpcModel::Options other;
  other.seed = 99;
  VpcModel different{other};
  EXPECT_NE(MakeVpc(different), vpc);
}

TEST_F(ModelTest, MalformedAndUnknownIdsGetDistinctCodes) {
  DescribeSubnetsRequest r;
  r.subnet_ids = {"subnet-12"};
  EXPECT_EC2_ERROR(m_.DescribeSubnets(r, At(0)), "InvalidSubnetID.Malformed");
  r.subnet_ids = {"subnet-0123456789abcdef0"};
  auto res = m_.DescribeSubnets(r, At(0));
  EXPECT_EC2_ERROR(res, "InvalidSubnetID.NotFound");
  EXPECT_EQ(res.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(res.error().message, "The subnet ID 'subnet-0123456789abcdef0' does not exist");

  DeleteNetworkInterfaceRequest d{"eni-xyz"};
  EXPECT_EC2_ERROR(m_.DeleteNetworkInterface(d, At(0)), "InvalidNetworkInterfaceID.Malformed");
  d.network_interface_id = "eni-0123456789abcdef0";
  auto nf = m_.DeleteNetworkInterface(d, At(0));
  EXPECT_EC2_ERROR(nf, "InvalidNetworkInterfaceID.NotFound");
  EXPECT_NE(nf.error().message.find("'eni-0123456789abcdef0'"), std::string::npos);
  TerminateInstancesRequest t{{"i-0123456789abcdef0"}};
  EXPECT_EC2_ERROR(m_.TerminateInstances(t, At(0)), "InvalidInstanceID.NotFound");
  t.instance_ids = {"instance-1"};
  EXPECT_EC2_ERROR(m_.TerminateInstances(t, At(0)), "InvalidInstanceID.Malformed");
  DetachNetworkInterfaceRequest det{"eni-attach-0123456789abcdef0", false};
  EXPECT_EC2_ERROR(m_.DetachNetworkInterface(det, At(0)), "InvalidAttachmentID.NotFound");
  DescribeVpcsRequest dv;
  dv.vpc_ids = {"vpc-01234567"};
  EXPECT_EC2_ERROR(m_.DescribeVpcs(dv, At(0)), "InvalidVpcID.NotFound");
}

TEST(ModelErrors, ReasonToCodeAndHttpStatus) {
  EXPECT_EQ(ErrorCodeForReason("RequestLimitExceeded"), ErrorCode::kUnavailable);
  EXPECT_EQ(HttpStatusForReason("RequestLimitExceeded"), 503);
  EXPECT_EQ(ErrorCodeForReason("InternalError"), ErrorCode::kInternal);
  EXPECT_EQ(HttpStatusForReason("InternalError"), 500);
  EXPECT_EQ(ErrorCodeForReason("InsufficientCidrBlocks"), ErrorCode::kResourceExhausted);
  EXPECT_EQ(ErrorCodeForReason("InvalidNetworkInterface.InUse"), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(ErrorCodeForReason("InvalidSubnetID.NotFound"), ErrorCode::kNotFound);
  EXPECT_EQ(ErrorCodeForReason("MissingParameter"), ErrorCode::kInvalidArgument);
  EXPECT_EQ(HttpStatusForReason("InvalidParameterValue"), 400);
}

TEST(ModelFilters, WildcardsAsEc2) {
  EXPECT_TRUE(FilterValueMatches("aws-K8S-*", "aws-K8S-i-0123"));
  EXPECT_FALSE(FilterValueMatches("aws-K8S-*", "aws-k8s-i-0123"));
  EXPECT_TRUE(FilterValueMatches("10.0.?.5", "10.0.1.5"));
  EXPECT_FALSE(FilterValueMatches("10.0.?.5", "10.0.11.5"));
  EXPECT_TRUE(FilterValueMatches("*", ""));
  EXPECT_TRUE(FilterValueMatches("a*b*c", "axxbyyc"));
  EXPECT_FALSE(FilterValueMatches("a*b*c", "axxbyy"));
  EXPECT_TRUE(FilterValueMatches("star\\*", "star*"));
  EXPECT_FALSE(FilterValueMatches("star\\*", "starx"));
  EXPECT_TRUE(FilterValueMatches("exact", "exact"));
  EXPECT_FALSE(FilterValueMatches("exact", "exactly"));
}

// ---- VPCs and subnets ----------------------------------------------------------------------

TEST_F(ModelTest, CreateVpcValidatesRangeAndMakesDefaultGroup) {
  CreateVpcRequest r;
  r.cidr_block = "10.0.0.0/8";
  EXPECT_EC2_ERROR(m_.CreateVpc(r, At(0)), "InvalidVpc.Range");
  r.cidr_block = "10.0.0.0/29";
  EXPECT_EC2_ERROR(m_.CreateVpc(r, At(0)), "InvalidVpc.Range");
  r.cidr_block = "10.0.0.1/16";
  EXPECT_EC2_ERROR(m_.CreateVpc(r, At(0)), "InvalidParameterValue");
  r.cidr_block = "nonsense";
  EXPECT_EC2_ERROR(m_.CreateVpc(r, At(0)), "InvalidParameterValue");
  r.cidr_block = "";
  EXPECT_EC2_ERROR(m_.CreateVpc(r, At(0)), "MissingParameter");
  std::string vpc = MakeVpc(m_);
  DescribeSecurityGroupsRequest g;
  g.filters = {Filter{"vpc-id", {vpc}}};
  ASSERT_OK_AND_ASSIGN(auto groups, m_.DescribeSecurityGroups(g, At(0)));
  ASSERT_EQ(groups.security_groups.size(), 1u);
  EXPECT_EQ(groups.security_groups[0].group_name, "default");
}

TEST_F(ModelTest, AssociateVpcCidrBlocks) {
  std::string vpc = MakeVpc(m_);
  AssociateVpcCidrBlockRequest r;
  r.vpc_id = vpc;
  r.cidr_block = "100.64.0.0/16";
  ASSERT_OK_AND_ASSIGN(auto a, m_.AssociateVpcCidrBlock(r, At(0)));
  EXPECT_EQ(a.cidr_block_association->cidr.ToString(), "100.64.0.0/16");
  EXPECT_EC2_ERROR(m_.AssociateVpcCidrBlock(r, At(0)), "InvalidVpc.CidrConflict");
  r.cidr_block = "100.0.0.0/8";
  EXPECT_EC2_ERROR(m_.AssociateVpcCidrBlock(r, At(0)), "InvalidVpc.Range");
  r.amazon_provided_ipv6_cidr_block = true;
  EXPECT_EC2_ERROR(m_.AssociateVpcCidrBlock(r, At(0)), "InvalidParameterCombination");
  r.cidr_block.reset();
  ASSERT_OK_AND_ASSIGN(auto v6, m_.AssociateVpcCidrBlock(r, At(0)));
  EXPECT_EQ(v6.ipv6_cidr_block_association->cidr.PrefixLen(), 56);
  EXPECT_EC2_ERROR(m_.AssociateVpcCidrBlock(r, At(0)), "CidrLimitExceeded");
  r.amazon_provided_ipv6_cidr_block = false;
  for (int i = 1; i <= 3; ++i) {
    r.cidr_block = fmt::format("10.{}.0.0/16", i);
    ASSERT_OK(m_.AssociateVpcCidrBlock(r, At(0)));
  }
  r.cidr_block = "10.9.0.0/16";
  EXPECT_EC2_ERROR(m_.AssociateVpcCidrBlock(r, At(0)), "CidrLimitExceeded");
  // A subnet in the secondary block.
  std::string s = MakeSubnet(m_, vpc, "100.64.0.0/19");
  EXPECT_FALSE(s.empty());
  ASSERT_OK_AND_ASSIGN(auto vpcs, m_.DescribeVpcs(DescribeVpcsRequest{{vpc}, {}, {}, ""}, At(0)));
  EXPECT_EQ(vpcs.vpcs.at(0).cidr_block_associations.size(), 5u);
}

TEST_F(ModelTest, CreateSubnetRules) {
  std::string vpc = MakeVpc(m_);
  CreateSubnetRequest r;
  r.vpc_id = vpc;
  r.cidr_block = "10.1.0.0/24";
  EXPECT_EC2_ERROR(m_.CreateSubnet(r, At(0)), "InvalidSubnet.Range");
  r.cidr_block = "10.0.0.0/29";
  EXPECT_EC2_ERROR(m_.CreateSubnet(r, At(0)), "InvalidSubnet.Range");
  r.cidr_block = "10.0.0.0/24";
  r.availability_zone = "eu-west-1a";
  EXPECT_EC2_ERROR(m_.CreateSubnet(r, At(0)), "InvalidParameterValue");
  r.availability_zone = "us-west-2b";
  ASSERT_OK_AND_ASSIGN(auto s, m_.CreateSubnet(r, At(0)));
  EXPECT_EQ(s.subnet.available_ip_address_count, 251);
  EXPECT_EQ(s.subnet.availability_zone_id, "usw2-az2");
  r.cidr_block = "10.0.0.128/25";
  EXPECT_EC2_ERROR(m_.CreateSubnet(r, At(0)), "InvalidSubnet.Conflict");
  r.cidr_block = "10.0.1.0/28";
  ASSERT_OK_AND_ASSIGN(auto small, m_.CreateSubnet(r, At(0)));
  EXPECT_EQ(small.subnet.available_ip_address_count, 11);
  r.vpc_id = "vpc-0123456789abcdef0";
  EXPECT_EC2_ERROR(m_.CreateSubnet(r, At(0)), "InvalidVpcID.NotFound");
}

TEST_F(ModelTest, DescribeSubnetsFiltersAndDeleteSubnet) {
  std::string vpc = MakeVpc(m_);
  std::string a = MakeSubnet(m_, vpc, "10.0.0.0/24", "us-west-2a");
  std::string b = MakeSubnet(m_, vpc, "10.0.1.0/24", "us-west-2b");
  DescribeSubnetsRequest r;
  r.filters = {Filter{"vpc-id", {vpc}}, Filter{"availability-zone", {"us-west-2b"}}};
  ASSERT_OK_AND_ASSIGN(auto res, m_.DescribeSubnets(r, At(0)));
  ASSERT_EQ(res.subnets.size(), 1u);
  EXPECT_EQ(res.subnets[0].subnet_id, b);
  r.filters = {Filter{"no-such-filter", {"x"}}};
  EXPECT_EC2_ERROR(m_.DescribeSubnets(r, At(0)), "InvalidParameterValue");
  MakeEni(m_, a);
  EXPECT_EC2_ERROR(m_.DeleteSubnet(DeleteSubnetRequest{a}, At(0)), "DependencyViolation");
  EXPECT_OK(m_.DeleteSubnet(DeleteSubnetRequest{b}, At(0)));
  EXPECT_FALSE(m_.GetSubnet(b).has_value());
}

TEST_F(ModelTest, AvailabilityZonesPerRegion) {
  VpcModel::Options o;
  o.region = "ap-southeast-2";
  VpcModel m(o);
  ASSERT_OK_AND_ASSIGN(auto z, m.DescribeAvailabilityZones({}, At(0)));
  ASSERT_EQ(z.availability_zones.size(), 3u);
  EXPECT_EQ(z.availability_zones[0].zone_name, "ap-southeast-2a");
  EXPECT_EQ(z.availability_zones[2].zone_id, "apse2-az3");
  DescribeAvailabilityZonesRequest r;
  r.zone_names = {"ap-southeast-2z"};
  EXPECT_EC2_ERROR(m.DescribeAvailabilityZones(r, At(0)), "InvalidParameterValue");
}

TEST(ModelDefaultVpc, DefaultVpcWithSubnetsAndGroup) {
  VpcModel::Options o;
  o.create_default_vpc = true;
  VpcModel m(o);
  auto vpc = m.DefaultVpcId();
  ASSERT_TRUE(vpc.has_value());
  EXPECT_EQ(m.GetVpc(*vpc)->cidr_block.ToString(), "172.31.0.0/16");
  EXPECT_EQ(m.SubnetIds().size(), 3u);
  EXPECT_TRUE(m.CallCounters().empty());
  // RunInstances without a subnet lands in the default subnet of zone a.
  RunInstancesRequest r;
  r.image_id = "ami-12345678";
  r.instance_type = "t3.micro";
  ASSERT_OK_AND_ASSIGN(auto res, m.RunInstances(r, At(0)));
  EXPECT_EQ(res.instances[0].availability_zone, "us-west-2a");
  EXPECT_EQ(res.instances[0].private_ip_address.ToString(), "172.31.0.4");
}

// ---- Security groups -----------------------------------------------------------------------

TEST_F(ModelTest, SecurityGroupLifecycle) {
  std::string vpc = MakeVpc(m_);
  std::string subnet = MakeSubnet(m_, vpc, "10.0.0.0/24");
  CreateSecurityGroupRequest c{"pods", "pod sg", vpc, {}};
  ASSERT_OK_AND_ASSIGN(auto sg, m_.CreateSecurityGroup(c, At(0)));
  EXPECT_EC2_ERROR(m_.CreateSecurityGroup(c, At(0)), "InvalidGroup.Duplicate");
  c.group_name = "";
  EXPECT_EC2_ERROR(m_.CreateSecurityGroup(c, At(0)), "MissingParameter");
  CreateSecurityGroupRequest nodef{"x", "y", "", {}};
  EXPECT_EC2_ERROR(m_.CreateSecurityGroup(nodef, At(0)), "VPCIdNotSpecified");

  CreateNetworkInterfaceRequest e;
  e.subnet_id = subnet;
  e.group_ids = {sg.group_id};
  ASSERT_OK_AND_ASSIGN(auto eni, m_.CreateNetworkInterface(e, At(0)));
  EXPECT_EQ(eni.network_interface.groups.at(0).group_name, "pods");
  e.group_ids = {"sg-0123456789abcdef0"};
  EXPECT_EC2_ERROR(m_.CreateNetworkInterface(e, At(0)), "InvalidSecurityGroupID.NotFound");

  DeleteSecurityGroupRequest d;
  d.group_id = sg.group_id;
  EXPECT_EC2_ERROR(m_.DeleteSecurityGroup(d, At(0)), "DependencyViolation");
  ASSERT_OK(m_.DeleteNetworkInterface({eni.network_interface.network_interface_id}, At(0)));
  EXPECT_OK(m_.DeleteSecurityGroup(d, At(0)));
  EXPECT_EC2_ERROR(m_.DeleteSecurityGroup(d, At(0)), "InvalidGroup.NotFound");

  DescribeSecurityGroupsRequest q;
  q.filters = {Filter{"group-name", {"default"}}, Filter{"vpc-id", {vpc}}};
  ASSERT_OK_AND_ASSIGN(auto def, m_.DescribeSecurityGroups(q, At(0)));
  ASSERT_EQ(def.security_groups.size(), 1u);
  d.group_id = def.security_groups[0].group_id;
  EXPECT_EC2_ERROR(m_.DeleteSecurityGroup(d, At(0)), "CannotDelete");
}

// ---- Instances -----------------------------------------------------------------------------

TEST_F(ModelTest, RunInstancesCreatesPrimaryEni) {
  std::string vpc = MakeVpc(m_);
  std::string subnet = MakeSubnet(m_, vpc, "10.0.0.0/24");
  Instance i = MakeInstance(m_, subnet);
  EXPECT_EQ(i.state.name, "running");
  EXPECT_EQ(i.private_ip_address.ToString(), "10.0.0.4");
  EXPECT_EQ(i.private_dns_name, "ip-10-0-0-4.us-west-2.compute.internal");
  ASSERT_EQ(i.network_interfaces.size(), 1u);
  const auto& eni = i.network_interfaces[0];
  EXPECT_EQ(eni.attachment->device_index, 0);
  EXPECT_EQ(eni.attachment->network_card_index, 0);
  EXPECT_TRUE(eni.attachment->delete_on_termination);
  EXPECT_EQ(eni.attachment->status, "attached");
  EXPECT_EQ(eni.status, "in-use");
  EXPECT_EQ(eni.groups.at(0).group_name, "default");
  EXPECT_EQ(m_.GetSubnet(subnet)->available_ip_address_count, 250);

  RunInstancesRequest r;
  r.image_id = "ami-0123456789abcdef0";
  r.subnet_id = subnet;
  r.instance_type = "m99.huge";
  EXPECT_EC2_ERROR(m_.RunInstances(r, At(0)), "InvalidParameterValue");
  r.instance_type = "m5.large";
  r.image_id = "image-1";
  EXPECT_EC2_ERROR(m_.RunInstances(r, At(0)), "InvalidAMIID.Malformed");
  r.image_id = "ami-0123456789abcdef0";
  r.secondary_private_ip_address_count = 10;
  EXPECT_EC2_ERROR(m_.RunInstances(r, At(0)), "InvalidInterface.IpAddressLimitExceeded");
}

TEST_F(ModelTest, RunInstancesExhaustionIsAllOrNothing) {
  std::string vpc = MakeVpc(m_);
  std::string subnet = MakeSubnet(m_, vpc, "10.0.0.0/28");  // 11 usable
  RunInstancesRequest r;
  r.image_id = "ami-0123456789abcdef0";
  r.instance_type = "t3.micro";
  r.subnet_id = subnet;
  r.min_count = 12;
  r.max_count = 12;
  auto before = StateOf(m_);
  auto res = m_.RunInstances(r, At(0));
  EXPECT_EC2_ERROR(res, "InsufficientFreeAddressesInSubnet");
  EXPECT_EQ(res.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(StateOf(m_), before);
  r.min_count = 5;
  r.max_count = 30;
  ASSERT_OK_AND_ASSIGN(auto ok, m_.RunInstances(r, At(0)));
  EXPECT_EQ(ok.instances.size(), 11u);
  EXPECT_EQ(m_.GetSubnet(subnet)->available_ip_address_count, 0);
  ASSERT_OK_AND_ASSIGN(auto d, m_.DescribeInstances({}, At(0)));
  ASSERT_EQ(d.reservations.size(), 1u);
  EXPECT_EQ(d.reservations[0].instances.size(), 11u);
}

TEST_F(ModelTest, TerminateDeletesOrDetachesEnis) {
  std::string vpc = MakeVpc(m_);
  std::string subnet = MakeSubnet(m_, vpc, "10.0.0.0/24");
  Instance i = MakeInstance(m_, subnet);
  NetworkInterface keep = MakeEni(m_, subnet, 2);
  NetworkInterface drop = MakeEni(m_, subnet, 1);
  ASSERT_OK_AND_ASSIGN(auto a1,
                       m_.AttachNetworkInterface(
                           {keep.network_interface_id, i.instance_id, 1, std::nullopt}, At(1)));
  ASSERT_OK_AND_ASSIGN(auto a2,
                       m_.AttachNetworkInterface(
                           {drop.network_interface_id, i.instance_id, 2, std::nullopt}, At(1)));
  ModifyNetworkInterfaceAttributeRequest mod;
  mod.network_interface_id = drop.network_interface_id;
  mod.attachment_id = a2.attachment_id;
  mod.delete_on_termination = true;
  ASSERT_OK(m_.ModifyNetworkInterfaceAttribute(mod, At(1)));
  (void)a1;
  int64_t before = m_.GetSubnet(subnet)->available_ip_address_count;
  ASSERT_OK_AND_ASSIGN(auto t, m_.TerminateInstances({{i.instance_id}}, At(2)));
  EXPECT_EQ(t.terminating_instances.at(0).previous_state.name, "running");
  EXPECT_EQ(t.terminating_instances.at(0).current_state.name, "terminated");
  EXPECT_FALSE(m_.GetNetworkInterface(i.primary_network_interface_id).has_value());
  EXPECT_FALSE(m_.GetNetworkInterface(drop.network_interface_id).has_value());
  auto kept = m_.GetNetworkInterface(keep.network_interface_id);
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->status, "available");
  EXPECT_FALSE(kept->attachment.has_value());
  EXPECT_EQ(m_.GetSubnet(subnet)->available_ip_address_count, before + 1 + 2);
  EXPECT_OK(m_.CheckInvariants());
  // Terminating again reports terminated -> terminated.
  ASSERT_OK_AND_ASSIGN(auto again, m_.TerminateInstances({{i.instance_id}}, At(3)));
  EXPECT_EQ(again.terminating_instances.at(0).previous_state.name, "terminated");
  // The subnet can go once its ENIs are gone; the terminated instance stays describable.
  ASSERT_OK(m_.DeleteNetworkInterface({keep.network_interface_id}, At(4)));
  ASSERT_OK(m_.DeleteSubnet({subnet}, At(4)));
  EXPECT_OK(m_.CheckInvariants());
  EXPECT_OK(VpcModel::FromJson(m_.ToJson()));
  ASSERT_OK_AND_ASSIGN(auto d, m_.DescribeInstances({}, At(4)));
  EXPECT_EQ(d.reservations.at(0).instances.at(0).state.name, "terminated");
}

TEST_F(ModelTest, DescribeInstanceTypesData) {
  DescribeInstanceTypesRequest r;
  r.instance_types = {"m5.large", "p4d.24xlarge"};
  ASSERT_OK_AND_ASSIGN(auto res, m_.DescribeInstanceTypes(r, At(0)));
  ASSERT_EQ(res.instance_types.size(), 2u);
  const auto& m5 = res.instance_types[0];
  EXPECT_EQ(m5.instance_type, "m5.large");
  EXPECT_EQ(m5.TotalEnis(), 3);
  EXPECT_EQ(m5.ipv4_per_eni, 10);
  EXPECT_EQ(m5.ipv6_per_eni, 10);
  EXPECT_EQ(m5.hypervisor, "nitro");
  EXPECT_EQ(res.instance_types[1].network_cards.size(), 4u);
  r.instance_types = {"m5.large", "zz.top"};
  auto bad = m_.DescribeInstanceTypes(r, At(0));
  EXPECT_EC2_ERROR(bad, "InvalidInstanceType");
  EXPECT_NE(bad.error().message.find("zz.top"), std::string::npos);
  DescribeInstanceTypesRequest page;
  page.max_results = 101;
  EXPECT_EC2_ERROR(m_.DescribeInstanceTypes(page, At(0)), "InvalidParameterValue");
  page.max_results = 5;
  page.filters = {Filter{"network-info.maximum-network-interfaces", {"3"}}};
  ASSERT_OK_AND_ASSIGN(auto p1, m_.DescribeInstanceTypes(page, At(0)));
  EXPECT_EQ(p1.instance_types.size(), 5u);
  EXPECT_FALSE(p1.next_token.empty());
  for (const auto& t : p1.instance_types)
    EXPECT_EQ(t.TotalEnis(), 3);
}

// ---- ENIs ----------------------------------------------------------------------------------

class EniTest : public ModelTest {
 protected:
  void SetUp() override {
    vpc_ = MakeVpc(m_);
    subnet_ = MakeSubnet(m_, vpc_, "10.0.0.0/24", "us-west-2a");
    other_az_ = MakeSubnet(m_, vpc_, "10.0.1.0/24", "us-west-2b");
    inst_ = MakeInstance(m_, subnet_, "m5.large");
  }

  std::string vpc_, subnet_, other_az_;
  Instance inst_;
};

TEST_F(EniTest, CreateEniDefaults) {
  CreateNetworkInterfaceRequest r;
  r.subnet_id = subnet_;
  r.description = "aws-K8S-" + inst_.instance_id;
  r.tags = {{"node.k8s.amazonaws.com/instance_id", inst_.instance_id}};
  r.interface_type = "trunk";
  ASSERT_OK_AND_ASSIGN(auto res, m_.CreateNetworkInterface(r, At(0)));
  const auto& e = res.network_interface;
  EXPECT_EQ(e.status, "available");
  EXPECT_EQ(e.interface_type, "trunk");
  EXPECT_EQ(e.private_ip_address.ToString(), "10.0.0.5");
  EXPECT_EQ(e.private_ip_addresses.size(), 1u);
  EXPECT_TRUE(e.private_ip_addresses[0].primary);
  EXPECT_EQ(e.mac_address.Bytes()[0], 0x02);
  EXPECT_NE(e.mac_address, inst_.network_interfaces[0].mac_address);
  r.interface_type = "weird";
  EXPECT_EC2_ERROR(m_.CreateNetworkInterface(r, At(0)), "InvalidParameterValue");
}

TEST_F(EniTest, ClientTokenIsIdempotent) {
  CreateNetworkInterfaceRequest r;
  r.subnet_id = subnet_;
  r.client_token = "tok-1";
  ASSERT_OK_AND_ASSIGN(auto a, m_.CreateNetworkInterface(r, At(0)));
  ASSERT_OK_AND_ASSIGN(auto b, m_.CreateNetworkInterface(r, At(0)));
  EXPECT_EQ(a.network_interface.network_interface_id, b.network_interface.network_interface_id);
  EXPECT_EQ(m_.NetworkInterfaceIds().size(), 2u);
}

TEST_F(EniTest, AttachLimitsDeviceIndexAndInUse) {
  NetworkInterface e1 = MakeEni(m_, subnet_);
  NetworkInterface e2 = MakeEni(m_, subnet_);
  NetworkInterface e3 = MakeEni(m_, subnet_);
  AttachNetworkInterfaceRequest r{e1.network_interface_id, inst_.instance_id, 0, std::nullopt};
  auto dup = m_.AttachNetworkInterface(r, At(0));
  EXPECT_EC2_ERROR(dup, "InvalidParameterValue");
  r.device_index = 1;
  ASSERT_OK_AND_ASSIGN(auto a1, m_.AttachNetworkInterface(r, At(0)));
  EXPECT_EQ(a1.network_card_index, 0);
  EXPECT_EC2_ERROR(m_.AttachNetworkInterface(r, At(0)), "InvalidNetworkInterface.InUse");
  r.network_interface_id = e2.network_interface_id;
  r.device_index = 2;
  ASSERT_OK(m_.AttachNetworkInterface(r, At(0)));
  r.network_interface_id = e3.network_interface_id;
  r.device_index = 3;
  auto over = m_.AttachNetworkInterface(r, At(0));
  EXPECT_EC2_ERROR(over, "AttachmentLimitExceeded");
  EXPECT_EQ(over.error().code, ErrorCode::kResourceExhausted);
  r.network_card_index = 1;
  EXPECT_EC2_ERROR(m_.AttachNetworkInterface(r, At(0)), "InvalidParameterValue");
  // AZ mismatch.
  NetworkInterface far = MakeEni(m_, other_az_);
  AttachNetworkInterfaceRequest fr{far.network_interface_id, inst_.instance_id, 4, std::nullopt};
  EXPECT_EC2_ERROR(m_.AttachNetworkInterface(fr, At(0)), "InvalidParameterCombination");
  // Delete while attached, detach eth0.
  EXPECT_EC2_ERROR(m_.DeleteNetworkInterface({e1.network_interface_id}, At(0)),
                   "InvalidNetworkInterface.InUse");
  auto eth0 = m_.GetNetworkInterface(inst_.primary_network_interface_id);
  auto no = m_.DetachNetworkInterface({eth0->attachment->attachment_id, false}, At(0));
  EXPECT_EC2_ERROR(no, "OperationNotPermitted");
  ASSERT_OK(m_.DetachNetworkInterface({a1.attachment_id, false}, At(0)));
  EXPECT_EQ(m_.GetNetworkInterface(e1.network_interface_id)->status, "available");
  EXPECT_OK(m_.DeleteNetworkInterface({e1.network_interface_id}, At(0)));
  EXPECT_OK(m_.CheckInvariants());
}

TEST_F(EniTest, AttachTransitionsFollowConfiguredDelays) {
  VpcModel::Options o;
  o.attach_delay = std::chrono::seconds(2);
  o.detach_delay = std::chrono::seconds(3);
  VpcModel m(o);
  std::string vpc = MakeVpc(m);
  std::string subnet = MakeSubnet(m, vpc, "10.0.0.0/24");
  Instance i = MakeInstance(m, subnet);
  EXPECT_EQ(i.network_interfaces.at(0).attachment->status, "attached");
  NetworkInterface e = MakeEni(m, subnet, 0, 0, 10);
  ASSERT_OK_AND_ASSIGN(
      auto a,
      m.AttachNetworkInterface({e.network_interface_id, i.instance_id, 1, std::nullopt}, At(10)));
  EXPECT_EQ(m.GetNetworkInterface(e.network_interface_id)->status, "attaching");
  EXPECT_EQ(m.GetNetworkInterface(e.network_interface_id)->attachment->status, "attaching");
  // Not yet in IMDS.
  ASSERT_OK_AND_ASSIGN(auto v0, m.GetImdsView(i.instance_id, At(11)));
  EXPECT_EQ(v0.interfaces.size(), 1u);
  m.Advance(At(11.9));
  EXPECT_EQ(m.GetNetworkInterface(e.network_interface_id)->status, "attaching");
  m.Advance(At(12));
  EXPECT_EQ(m.GetNetworkInterface(e.network_interface_id)->status, "in-use");
  EXPECT_EQ(m.GetNetworkInterface(e.network_interface_id)->attachment->status, "attached");
  ASSERT_OK_AND_ASSIGN(auto v1, m.GetImdsView(i.instance_id, At(12)));
  EXPECT_EQ(v1.interfaces.size(), 2u);
  EXPECT_EQ(v1.as_of, At(12));
  ASSERT_OK(m.DetachNetworkInterface({a.attachment_id, false}, At(20)));
  EXPECT_EQ(m.GetNetworkInterface(e.network_interface_id)->status, "detaching");
  EXPECT_EC2_ERROR(m.DeleteNetworkInterface({e.network_interface_id}, At(21)),
                   "InvalidNetworkInterface.InUse");
  EXPECT_OK(m.DeleteNetworkInterface({e.network_interface_id}, At(23)));
  EXPECT_OK(m.CheckInvariants());
}

TEST_F(EniTest, ImdsViewLagsByTheRequestedDuration) {
  NetworkInterface e = MakeEni(m_, subnet_, 0, 0, 5);
  ASSERT_OK(m_.AttachNetworkInterface({e.network_interface_id, inst_.instance_id, 1, std::nullopt},
                                      At(10)));
  AssignPrivateIpAddressesRequest r;
  r.network_interface_id = e.network_interface_id;
  r.secondary_private_ip_address_count = 2;
  ASSERT_OK(m_.AssignPrivateIpAddresses(r, At(20)));
  ASSERT_OK_AND_ASSIGN(auto now, m_.GetImdsView(inst_.instance_id, At(21)));
  ASSERT_EQ(now.interfaces.size(), 2u);
  EXPECT_EQ(now.interfaces[1].local_ipv4s.size(), 3u);
  EXPECT_EQ(now.interfaces[1].device_number, 1);
  EXPECT_EQ(now.interfaces[1].mac, e.mac_address);
  EXPECT_EQ(now.interfaces[1].subnet_ipv4_cidr_block.ToString(), "10.0.0.0/24");
  EXPECT_EQ(now.interfaces[1].vpc_ipv4_cidr_blocks.at(0).ToString(), "10.0.0.0/16");
  EXPECT_EQ(now.interfaces[0].security_group_ids.size(), 1u);
  EXPECT_EQ(now.region, "us-west-2");
  EXPECT_EQ(now.local_ipv4, inst_.private_ip_address);
  ASSERT_OK_AND_ASSIGN(auto lag5,
                       m_.GetImdsView(inst_.instance_id, At(21), std::chrono::seconds(5)));
  ASSERT_EQ(lag5.interfaces.size(), 2u);
  EXPECT_EQ(lag5.interfaces[1].local_ipv4s.size(), 1u);
  ASSERT_OK_AND_ASSIGN(auto lag15,
                       m_.GetImdsView(inst_.instance_id, At(21), std::chrono::seconds(15)));
  EXPECT_EQ(lag15.interfaces.size(), 1u);
  EXPECT_EC2_ERROR(m_.GetImdsView("i-0123456789abcdef0", At(21)), "InvalidInstanceID.NotFound");
}

TEST_F(EniTest, ModifyAttributes) {
  NetworkInterface e = MakeEni(m_, subnet_);
  CreateSecurityGroupRequest c{"g2", "d", vpc_, {}};
  ASSERT_OK_AND_ASSIGN(auto g2, m_.CreateSecurityGroup(c, At(0)));
  ModifyNetworkInterfaceAttributeRequest r;
  r.network_interface_id = e.network_interface_id;
  EXPECT_EC2_ERROR(m_.ModifyNetworkInterfaceAttribute(r, At(0)), "MissingParameter");
  r.group_ids = std::vector<std::string>{g2.group_id};
  r.description = "new";
  r.source_dest_check = false;
  ASSERT_OK(m_.ModifyNetworkInterfaceAttribute(r, At(0)));
  auto got = m_.GetNetworkInterface(e.network_interface_id);
  EXPECT_EQ(got->groups.at(0).group_id, g2.group_id);
  EXPECT_EQ(got->description, "new");
  EXPECT_FALSE(got->source_dest_check);
  ModifyNetworkInterfaceAttributeRequest bad;
  bad.network_interface_id = e.network_interface_id;
  bad.group_ids = std::vector<std::string>{"sg-0123456789abcdef0"};
  EXPECT_EC2_ERROR(m_.ModifyNetworkInterfaceAttribute(bad, At(0)),
                   "InvalidSecurityGroupID.NotFound");
  bad.group_ids.reset();
  bad.attachment_id = "eni-attach-0123456789abcdef0";
  bad.delete_on_termination = true;
  EXPECT_EC2_ERROR(m_.ModifyNetworkInterfaceAttribute(bad, At(0)), "InvalidAttachmentID.NotFound");
}

TEST_F(EniTest, DescribeFiltersAndPagination) {
  std::vector<std::string> ids;
  for (int k = 0; k < 12; ++k) {
    CreateNetworkInterfaceRequest r;
    r.subnet_id = subnet_;
    r.description = k % 2 == 0 ? "aws-K8S-" + inst_.instance_id : "other";
    if (k % 3 == 0)
      r.tags = {{"cluster.k8s.amazonaws.com/name", "c1"}};
    ASSERT_OK_AND_ASSIGN(auto e, m_.CreateNetworkInterface(r, At(0)));
    ids.push_back(e.network_interface.network_interface_id);
  }
  DescribeNetworkInterfacesRequest r;
  r.filters = {Filter{"description", {"aws-K8S-*"}},
               Filter{"tag:cluster.k8s.amazonaws.com/name", {"c1", "c2"}},
               Filter{"status", {"available"}}};
  ASSERT_OK_AND_ASSIGN(auto res, m_.DescribeNetworkInterfaces(r, At(0)));
  EXPECT_EQ(res.network_interfaces.size(), 2u);  // k = 0, 6
  r.filters = {Filter{"tag-key", {"cluster.k8s.amazonaws.com/name"}}};
  ASSERT_OK_AND_ASSIGN(auto tagged, m_.DescribeNetworkInterfaces(r, At(0)));
  EXPECT_EQ(tagged.network_interfaces.size(), 4u);
  r.filters = {Filter{"attachment.instance-id", {inst_.instance_id}}};
  ASSERT_OK_AND_ASSIGN(auto att, m_.DescribeNetworkInterfaces(r, At(0)));
  ASSERT_EQ(att.network_interfaces.size(), 1u);
  EXPECT_EQ(att.network_interfaces[0].network_interface_id, inst_.primary_network_interface_id);
  r.filters = {Filter{"addresses.private-ip-address", {"10.0.0.7"}}};
  ASSERT_OK_AND_ASSIGN(auto byip, m_.DescribeNetworkInterfaces(r, At(0)));
  EXPECT_EQ(byip.network_interfaces.size(), 1u);
  r.filters = {Filter{"attachment.bogus", {"x"}}};
  EXPECT_EC2_ERROR(m_.DescribeNetworkInterfaces(r, At(0)), "InvalidParameterValue");

  // Pagination over all 13 ENIs, 5 at a time.
  DescribeNetworkInterfacesRequest p;
  p.max_results = 5;
  std::vector<std::string> seen;
  for (int page = 0; page < 10; ++page) {
    ASSERT_OK_AND_ASSIGN(auto res2, m_.DescribeNetworkInterfaces(p, At(0)));
    for (const auto& e : res2.network_interfaces)
      seen.push_back(e.network_interface_id);
    if (res2.next_token.empty())
      break;
    p.next_token = res2.next_token;
  }
  EXPECT_EQ(seen.size(), 13u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  p.next_token = "not-a-token";
  EXPECT_EC2_ERROR(m_.DescribeNetworkInterfaces(p, At(0)), "InvalidParameterValue");
  p.next_token.clear();
  p.max_results = 4;
  EXPECT_EC2_ERROR(m_.DescribeNetworkInterfaces(p, At(0)), "InvalidParameterValue");
  p.max_results = 1001;
  EXPECT_EC2_ERROR(m_.DescribeNetworkInterfaces(p, At(0)), "InvalidParameterValue");
  p.max_results = 5;
  p.network_interface_ids = {ids[0]};
  EXPECT_EC2_ERROR(m_.DescribeNetworkInterfaces(p, At(0)), "InvalidParameterCombination");
  DescribeNetworkInterfacesRequest byid;
  byid.network_interface_ids = {ids[1], ids[0]};
  ASSERT_OK_AND_ASSIGN(auto two, m_.DescribeNetworkInterfaces(byid, At(0)));
  EXPECT_EQ(two.network_interfaces.size(), 2u);
  byid.network_interface_ids.push_back("eni-0123456789abcdef0");
  auto missing = m_.DescribeNetworkInterfaces(byid, At(0));
  EXPECT_EC2_ERROR(missing, "InvalidNetworkInterfaceID.NotFound");
  EXPECT_NE(missing.error().message.find("'eni-0123456789abcdef0'"), std::string::npos);
}

TEST_F(EniTest, TokenResumesAfterDeletion) {
  for (int k = 0; k < 8; ++k)
    MakeEni(m_, subnet_);
  DescribeNetworkInterfacesRequest p;
  p.max_results = 5;
  ASSERT_OK_AND_ASSIGN(auto first, m_.DescribeNetworkInterfaces(p, At(0)));
  ASSERT_FALSE(first.next_token.empty());
  // Deleting an already-returned ENI does not shift the next page.
  std::string gone = first.network_interfaces[1].network_interface_id;
  if (gone != inst_.primary_network_interface_id) {
    ASSERT_OK(m_.DeleteNetworkInterface({gone}, At(0)));
  }
  p.next_token = first.next_token;
  ASSERT_OK_AND_ASSIGN(auto second, m_.DescribeNetworkInterfaces(p, At(0)));
  EXPECT_EQ(second.network_interfaces.size(), 4u);
  EXPECT_GT(second.network_interfaces[0].network_interface_id,
            first.network_interfaces.back().network_interface_id);
}

// ---- Tags ----------------------------------------------------------------------------------

TEST_F(EniTest, TagsOnAnyResourceAndAtomicFailure) {
  NetworkInterface e = MakeEni(m_, subnet_);
  CreateTagsRequest c;
  c.resource_ids = {e.network_interface_id, subnet_, vpc_, inst_.instance_id};
  c.tags = {{"k", "v"}, {"cluster", "c1"}};
  ASSERT_OK(m_.CreateTags(c, At(0)));
  EXPECT_EQ(m_.GetNetworkInterface(e.network_interface_id)->tags.at("k"), "v");
  EXPECT_EQ(m_.GetSubnet(subnet_)->tags.at("cluster"), "c1");
  auto before = StateOf(m_);
  c.resource_ids = {e.network_interface_id, "eni-0123456789abcdef0"};
  c.tags = {{"new", "x"}};
  EXPECT_EC2_ERROR(m_.CreateTags(c, At(0)), "InvalidNetworkInterfaceID.NotFound");
  EXPECT_EQ(StateOf(m_), before);
  c.resource_ids = {"thing-123"};
  EXPECT_EC2_ERROR(m_.CreateTags(c, At(0)), "InvalidID");
  c.resource_ids = {e.network_interface_id};
  c.tags = {{"aws:reserved", "x"}};
  EXPECT_EC2_ERROR(m_.CreateTags(c, At(0)), "InvalidParameterValue");
  DeleteTagsRequest d;
  d.resource_ids = {e.network_interface_id};
  d.tags = {{"k", std::string("wrong")}, {"cluster", std::nullopt}};
  ASSERT_OK(m_.DeleteTags(d, At(0)));
  auto got = m_.GetNetworkInterface(e.network_interface_id);
  EXPECT_EQ(got->tags.count("k"), 1u);
  EXPECT_EQ(got->tags.count("cluster"), 0u);
  DescribeTagsRequest q;
  q.filters = {Filter{"key", {"cluster"}}};
  ASSERT_OK_AND_ASSIGN(auto tags, m_.DescribeTags(q, At(0)));
  EXPECT_EQ(tags.tags.size(), 3u);  // subnet, vpc, instance
}

// ---- Trunk / branch -------------------------------------------------------------------------

TEST_F(EniTest, TrunkBranchAssociations) {
  CreateNetworkInterfaceRequest tr;
  tr.subnet_id = subnet_;
  tr.interface_type = "trunk";
  ASSERT_OK_AND_ASSIGN(auto trunk, m_.CreateNetworkInterface(tr, At(0)));
  std::string trunk_id = trunk.network_interface.network_interface_id;
  NetworkInterface b1 = MakeEni(m_, subnet_);
  NetworkInterface b2 = MakeEni(m_, subnet_);
  AssociateTrunkInterfaceRequest a{b1.network_interface_id, trunk_id, 10, ""};
  EXPECT_EC2_ERROR(m_.AssociateTrunkInterface(a, At(0)), "InvalidParameterValue");  // unattached
  ASSERT_OK(m_.AttachNetworkInterface({trunk_id, inst_.instance_id, 1, std::nullopt}, At(0)));
  ASSERT_OK_AND_ASSIGN(auto assoc, m_.AssociateTrunkInterface(a, At(0)));
  EXPECT_TRUE(std::regex_match(assoc.interface_association.association_id,
                               std::regex("trunk-assoc-[0-9a-f]{17}")));
  EXPECT_EQ(m_.GetNetworkInterface(b1.network_interface_id)->status, "in-use");
  AssociateTrunkInterfaceRequest dupvlan{b2.network_interface_id, trunk_id, 10, ""};
  EXPECT_EC2_ERROR(m_.AssociateTrunkInterface(dupvlan, At(0)), "InvalidParameterValue");
  dupvlan.vlan_id = 4095;
  EXPECT_EC2_ERROR(m_.AssociateTrunkInterface(dupvlan, At(0)), "InvalidParameterValue");
  dupvlan.vlan_id = 11;
  dupvlan.trunk_interface_id = b1.network_interface_id;
  EXPECT_EC2_ERROR(m_.AssociateTrunkInterface(dupvlan, At(0)), "InvalidParameterValue");
  EXPECT_EC2_ERROR(m_.DeleteNetworkInterface({b1.network_interface_id}, At(0)),
                   "InvalidNetworkInterface.InUse");
  DescribeTrunkInterfaceAssociationsRequest q;
  q.filters = {Filter{"trunk-interface-association.trunk-interface-id", {trunk_id}}};
  ASSERT_OK_AND_ASSIGN(auto list, m_.DescribeTrunkInterfaceAssociations(q, At(0)));
  ASSERT_EQ(list.interface_associations.size(), 1u);
  EXPECT_EQ(list.interface_associations[0].vlan_id, 10);
  ASSERT_OK(m_.DisassociateTrunkInterface({assoc.interface_association.association_id, ""}, At(0)));
  EXPECT_EC2_ERROR(
      m_.DisassociateTrunkInterface({assoc.interface_association.association_id, ""}, At(0)),
      "InvalidAssociationID.NotFound");
  EXPECT_OK(m_.DeleteNetworkInterface({b1.network_interface_id}, At(0)));
  EXPECT_OK(m_.CheckInvariants());
}

// ---- Throttling, faults, counters ----------------------------------------------------------

TEST_F(ModelTest, ThrottlingByTokenBucket) {
  std::string vpc = MakeVpc(m_);
  std::string subnet = MakeSubnet(m_, vpc, "10.0.0.0/24");
  NetworkInterface e = MakeEni(m_, subnet);
  m_.SetThrottlingEnabled(true);
  CreateTagsRequest c;
  c.resource_ids = {e.network_interface_id};
  c.tags = {{"k", "v"}};
  for (int k = 0; k < 50; ++k) {
    ASSERT_OK(m_.CreateTags(c, At(10)));
  }
  auto throttled = m_.CreateTags(c, At(10));
  EXPECT_EC2_ERROR(throttled, "RequestLimitExceeded");
  EXPECT_EQ(throttled.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(m_.CallCounter("CreateTags").throttled, 1);
  // Other actions have their own buckets.
  EXPECT_OK(m_.DeleteTags({{e.network_interface_id}, {}}, At(10)));
  // 5 tokens per second come back.
  for (int k = 0; k < 5; ++k) {
    ASSERT_OK(m_.CreateTags(c, At(11)));
  }
  EXPECT_EC2_ERROR(m_.CreateTags(c, At(11)), "RequestLimitExceeded");
  // Unfiltered Describe has the smaller bucket; a custom action bucket overrides.
  m_.SetActionBucket("DescribeVpcs", BucketSpec{2, 1});
  EXPECT_OK(m_.DescribeVpcs({}, At(12)));
  EXPECT_OK(m_.DescribeVpcs({}, At(12)));
  EXPECT_EC2_ERROR(m_.DescribeVpcs({}, At(12)), "RequestLimitExceeded");
  m_.SetThrottlingEnabled(false);
  EXPECT_OK(m_.DescribeVpcs({}, At(12)));
  EXPECT_EQ(VpcModel::CategoryOf("DescribeNetworkInterfaces", false),
            ThrottleCategory::kUnfilteredNonMutating);
  EXPECT_EQ(VpcModel::CategoryOf("RunInstances", true), ThrottleCategory::kResourceIntensive);
  EXPECT_EQ(m_.CategoryBucket(ThrottleCategory::kNonMutating), (BucketSpec{100, 20}));
}

TEST_F(ModelTest, FaultInjectionAndCounters) {
  std::string vpc = MakeVpc(m_);
  std::string subnet = MakeSubnet(m_, vpc, "10.0.0.0/24");
  NetworkInterface e = MakeEni(m_, subnet);
  m_.InjectError("AssignPrivateIpAddresses", "InsufficientFreeAddressesInSubnet", 2);
  AssignPrivateIpAddressesRequest r;
  r.network_interface_id = e.network_interface_id;
  r.secondary_private_ip_address_count = 1;
  auto before = StateOf(m_);
  EXPECT_EC2_ERROR(m_.AssignPrivateIpAddresses(r, At(0)), "InsufficientFreeAddressesInSubnet");
  EXPECT_EC2_ERROR(m_.AssignPrivateIpAddresses(r, At(0)), "InsufficientFreeAddressesInSubnet");
  EXPECT_EQ(StateOf(m_), before);
  EXPECT_OK(m_.AssignPrivateIpAddresses(r, At(0)));
  CallStats st = m_.CallCounter("AssignPrivateIpAddresses");
  EXPECT_EQ(st.calls, 3);
  EXPECT_EQ(st.errors, 2);
  EXPECT_EQ(st.injected, 2);
  EXPECT_TRUE(m_.Faults().empty());

  FaultRule all;
  all.action = "*";
  all.error_rate = 1.0;
  all.extra_latency = std::chrono::milliseconds(250);
  ASSERT_OK(m_.AddFault(all));
  auto failed = m_.DescribeVpcs({}, At(0));
  EXPECT_EC2_ERROR(failed, "InternalError");
  EXPECT_EQ(failed.error().code, ErrorCode::kInternal);
  EXPECT_EQ(m_.ExtraLatency("DescribeVpcs"), std::chrono::milliseconds(250));
  m_.ClearFaults();
  FaultRule half;
  half.action = "DescribeVpcs";
  half.error_rate = 0.5;
  half.error_code = "Unavailable";
  ASSERT_OK(m_.AddFault(half));
  int errors = 0;
  for (int k = 0; k < 400; ++k) {
    errors += m_.DescribeVpcs({}, At(0)).has_value() ? 0 : 1;
  }
  EXPECT_GT(errors, 140);
  EXPECT_LT(errors, 260);
  FaultRule badrate;
  badrate.error_rate = 1.5;
  EXPECT_ERROR_CODE(m_.AddFault(badrate), ErrorCode::kInvalidArgument);
  m_.ResetCallCounters();
  EXPECT_EQ(m_.CallCounter("DescribeVpcs").calls, 0);
}

TEST_F(ModelTest, RemainingErrorCodes) {
  // DeleteVpc: dependencies first, then success (the default group goes with it).
  std::string vpc = MakeVpc(m_);
  std::string subnet = MakeSubnet(m_, vpc, "10.0.0.0/24");
  EXPECT_EC2_ERROR(m_.DeleteVpc({vpc}, At(0)), "DependencyViolation");
  // RunInstances with no subnet and no default VPC.
  RunInstancesRequest r;
  r.image_id = "ami-12345678";
  r.instance_type = "t3.micro";
  EXPECT_EC2_ERROR(m_.RunInstances(r, At(0)), "VPCIdNotSpecified");
  r.subnet_id = subnet;
  r.min_count = 2;
  r.max_count = 1;
  EXPECT_EC2_ERROR(m_.RunInstances(r, At(0)), "InvalidParameterValue");
  r.min_count = r.max_count = 1;
  ASSERT_OK_AND_ASSIGN(auto run, m_.RunInstances(r, At(0)));
  std::string inst = run.instances[0].instance_id;
  ASSERT_OK(m_.TerminateInstances({{inst}}, At(1)));
  NetworkInterface e = MakeEni(m_, subnet, 0, 0, 2);
  EXPECT_EC2_ERROR(
      m_.AttachNetworkInterface({e.network_interface_id, inst, 1, std::nullopt}, At(2)),
      "IncorrectInstanceState");
  // Two different primaries in one CreateNetworkInterface.
  CreateNetworkInterfaceRequest c;
  c.subnet_id = subnet;
  c.private_ip_address = "10.0.0.50";
  auto other = net::Ipv4Address::Parse("10.0.0.51");
  c.private_ip_addresses = {PrivateIpAddress{*other, true}};
  EXPECT_EC2_ERROR(m_.CreateNetworkInterface(c, At(2)), "InvalidParameterCombination");
  // More than 50 tags.
  CreateTagsRequest t;
  t.resource_ids = {e.network_interface_id};
  for (int k = 0; k < 51; ++k)
    t.tags[fmt::format("k{}", k)] = "v";
  EXPECT_EC2_ERROR(m_.CreateTags(t, At(2)), "TagLimitExceeded");
  ASSERT_OK(m_.DeleteNetworkInterface({e.network_interface_id}, At(3)));
  ASSERT_OK(m_.DeleteSubnet({subnet}, At(3)));
  EXPECT_OK(m_.DeleteVpc({vpc}, At(3)));
  EXPECT_FALSE(m_.GetVpc(vpc).has_value());
  EXPECT_EC2_ERROR(m_.DeleteVpc({vpc}, At(3)), "InvalidVpcID.NotFound");
}

TEST(ModelTime, PendingInstancesAndImdsSeeTransitionsWithoutFurtherCalls) {
  VpcModel::Options o;
  o.instance_start_delay = std::chrono::seconds(5);
  o.attach_delay = std::chrono::seconds(2);
  VpcModel m(o);
  std::string vpc = MakeVpc(m);
  std::string subnet = MakeSubnet(m, vpc, "10.0.0.0/24");
  Instance i = MakeInstance(m, subnet, "m5.large", 0);
  EXPECT_EQ(i.state.name, "pending");
  NetworkInterface e = MakeEni(m, subnet, 0, 0, 1);
  ASSERT_OK(
      m.AttachNetworkInterface({e.network_interface_id, i.instance_id, 1, std::nullopt}, At(1)));
  // Only GetImdsView is called: it advances time itself.
  ASSERT_OK_AND_ASSIGN(auto v, m.GetImdsView(i.instance_id, At(10)));
  EXPECT_EQ(v.state, "running");
  EXPECT_EQ(v.interfaces.size(), 2u);
  EXPECT_EQ(m.GetInstance(i.instance_id)->state.code, 16);
  // Time never goes backwards: an older `now` is the latest time seen.
  ASSERT_OK(m.DetachNetworkInterface(
      {m.GetNetworkInterface(e.network_interface_id)->attachment->attachment_id, false}, At(3)));
  EXPECT_EQ(m.GetNetworkInterface(e.network_interface_id)->status, "available");
}

// ---- Snapshot ------------------------------------------------------------------------------

TEST_F(EniTest, SnapshotRoundTripsExactly) {
  NetworkInterface e = MakeEni(m_, subnet_, 2, 1);
  ASSERT_OK(m_.AttachNetworkInterface({e.network_interface_id, inst_.instance_id, 1, std::nullopt},
                                      At(1)));
  CreateSubnetCidrReservationRequest cr{subnet_, "10.0.0.128/26", "prefix", "pd", {}};
  ASSERT_OK(m_.CreateSubnetCidrReservation(cr, At(1)));
  m_.InjectError("DescribeVpcs", "InternalError", 3);
  m_.SetThrottlingEnabled(true);
  ASSERT_OK(m_.DescribeSubnets({}, At(2)));
  nlohmann::json j = m_.ToJson();
  ASSERT_OK_AND_ASSIGN(VpcModel restored, VpcModel::FromJsonText(j.dump()));
  EXPECT_EQ(restored.ToJson(), j);
  EXPECT_OK(restored.CheckInvariants());
  // Both continue identically.
  NetworkInterface a = MakeEni(m_, subnet_, 1, 0, 3);
  NetworkInterface b = MakeEni(restored, subnet_, 1, 0, 3);
  EXPECT_EQ(a, b);
  EXPECT_EQ(restored.ToJson(), m_.ToJson());

  EXPECT_ERROR_CODE(VpcModel::FromJsonText("{not json"), ErrorCode::kInvalidArgument);
  nlohmann::json wrong = j;
  wrong["version"] = 7;
  EXPECT_ERROR_CODE(VpcModel::FromJson(wrong), ErrorCode::kDataLoss);
  nlohmann::json dup = j;
  auto& enis = dup["resources"]["network_interfaces"];
  enis[1]["private_ip_addresses"][0]["address"] = enis[0]["private_ip_addresses"][0]["address"];
  auto r = VpcModel::FromJson(dup);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("twice"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace vpccni::vpcsim
