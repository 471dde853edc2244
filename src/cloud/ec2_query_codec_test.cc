#include "cloud/ec2_query_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cloud/sigv4.h"
#include "testing/result_matchers.h"

namespace vpccni::cloud::codec {
namespace {

net::Ipv4Address V4(std::string_view s) { return *net::Ipv4Address::Parse(s); }
net::Ipv4Cidr C4(std::string_view s) { return *net::Ipv4Cidr::Parse(s); }
net::Ipv6Address V6(std::string_view s) { return *net::Ipv6Address::Parse(s); }
net::Ipv6Cidr C6(std::string_view s) { return *net::Ipv6Cidr::Parse(s); }

std::string Body(const Result<QueryParams>& p) {
  EXPECT_TRUE(p.has_value()) << p.error().ToString();
  return p.has_value() ? EncodeQueryString(*p) : "";
}

// Expected bodies are botocore EC2Serializer output (moto-ec2.md §4.1), except where the
// request differs in an optional member this client never sends.
TEST(Ec2Encode, MatchesBotocoreBodies) {
  AssignPrivateIpAddressesRequest a;
  a.network_interface_id = "eni-1";
  a.ips = {V4("10.0.0.5"), V4("10.0.0.6")};
  a.prefixes = {C4("10.0.0.16/28"), C4("10.0.0.32/28")};
  EXPECT_EQ(Body(EncodeAssignPrivateIpAddresses(a)),
            "Action=AssignPrivateIpAddresses&Version=2016-11-15&NetworkInterfaceId=eni-1"
            "&PrivateIpAddress.1=10.0.0.5&PrivateIpAddress.2=10.0.0.6"
            "&Ipv4Prefix.1=10.0.0.16%2F28&Ipv4Prefix.2=10.0.0.32%2F28");
  AssignPrivateIpAddressesRequest count;
  count.network_interface_id = "eni-1";
  count.secondary_private_ip_count = 3;
  EXPECT_EQ(Body(EncodeAssignPrivateIpAddresses(count)),
            "Action=AssignPrivateIpAddresses&Version=2016-11-15&NetworkInterfaceId=eni-1"
            "&SecondaryPrivateIpAddressCount=3");
  AssignPrivateIpAddressesRequest pcount;
  pcount.network_interface_id = "eni-1";
  pcount.ipv4_prefix_count = 2;
  EXPECT_EQ(Body(EncodeAssignPrivateIpAddresses(pcount)),
            "Action=AssignPrivateIpAddresses&Version=2016-11-15&NetworkInterfaceId=eni-1"
            "&Ipv4PrefixCount=2");

  UnassignPrivateIpAddressesRequest u{"eni-1", {V4("10.0.0.5")}, {C4("10.0.0.16/28")}};
  EXPECT_EQ(Body(EncodeUnassignPrivateIpAddresses(u)),
            "Action=UnassignPrivateIpAddresses&Version=2016-11-15&NetworkInterfaceId=eni-1"
            "&PrivateIpAddress.1=10.0.0.5&Ipv4Prefix.1=10.0.0.16%2F28");

  AssignIpv6AddressesRequest v6;
  v6.network_interface_id = "eni-1";
  v6.addresses = {V6("2600:1f14::5")};
  v6.prefixes = {C6("2600:1f14:0:10::/80")};
  EXPECT_EQ(Body(EncodeAssignIpv6Addresses(v6)),
            "Action=AssignIpv6Addresses&Version=2016-11-15&NetworkInterfaceId=eni-1"
            "&Ipv6Addresses.1=2600%3A1f14%3A%3A5&Ipv6Prefix.1=2600%3A1f14%3A0%3A10%3A%3A%2F80");
  AssignIpv6AddressesRequest v6c;
  v6c.network_interface_id = "eni-1";
  v6c.address_count = 2;
  v6c.prefix_count = 1;
  EXPECT_EQ(Body(EncodeAssignIpv6Addresses(v6c)),
            "Action=AssignIpv6Addresses&Version=2016-11-15&NetworkInterfaceId=eni-1"
            "&Ipv6AddressCount=2&Ipv6PrefixCount=1");

  CreateNetworkInterfaceRequest c;
  c.subnet_id = "subnet-1";
  c.description = "d";
  c.security_group_ids = {"sg-1", "sg-2"};
  c.secondary_private_ip_count = 2;
  c.ipv4_prefix_count = 1;
  c.ipv6_address_count = 1;
  c.interface_type = "trunk";
  c.tags = {{"a", "b"}, {"c", "d"}};
  c.client_token = "tok-1";
  EXPECT_EQ(Body(EncodeCreateNetworkInterface(c)),
            "Action=CreateNetworkInterface&Version=2016-11-15&SubnetId=subnet-1&Description=d"
            "&SecurityGroupId.1=sg-1&SecurityGroupId.2=sg-2&SecondaryPrivateIpAddressCount=2"
            "&Ipv4PrefixCount=1&Ipv6AddressCount=1&InterfaceType=trunk"
            "&TagSpecification.1.ResourceType=network-interface"
            "&TagSpecification.1.Tag.1.Key=a&TagSpecification.1.Tag.1.Value=b"
            "&TagSpecification.1.Tag.2.Key=c&TagSpecification.1.Tag.2.Value=d&ClientToken=tok-1");

  EXPECT_EQ(Body(EncodeAttachNetworkInterface({"eni-1", "i-1", 1, 0})),
            "Action=AttachNetworkInterface&Version=2016-11-15&NetworkInterfaceId=eni-1"
            "&InstanceId=i-1&DeviceIndex=1&NetworkCardIndex=0");
  EXPECT_EQ(Body(EncodeDetachNetworkInterface({"eni-attach-1", true})),
            "Action=DetachNetworkInterface&Version=2016-11-15&AttachmentId=eni-attach-1"
            "&Force=true");
  EXPECT_EQ(Body(EncodeDeleteNetworkInterface("eni-1")),
            "Action=DeleteNetworkInterface&Version=2016-11-15&NetworkInterfaceId=eni-1");

  DescribeNetworkInterfacesRequest d;
  d.network_interface_ids = {"eni-1", "eni-2"};
  d.filters = {{"attachment.instance-id", {"i-1"}}, {"tag:cluster", {"c1", "c2"}}};
  d.max_results = 5;
  d.next_token = "t";
  EXPECT_EQ(Body(EncodeDescribeNetworkInterfaces(d)),
            "Action=DescribeNetworkInterfaces&Version=2016-11-15&NetworkInterfaceId.1=eni-1"
            "&NetworkInterfaceId.2=eni-2&Filter.1.Name=attachment.instance-id"
            "&Filter.1.Value.1=i-1&Filter.2.Name=tag%3Acluster&Filter.2.Value.1=c1"
            "&Filter.2.Value.2=c2&MaxResults=5&NextToken=t");

  DescribeInstanceTypesRequest t;
  t.instance_types = {"m5.large", "c5.large"};
  t.filters = {{"network-info.maximum-network-interfaces", {"3"}}};
  t.max_results = 5;
  EXPECT_EQ(Body(EncodeDescribeInstanceTypes(t)),
            "Action=DescribeInstanceTypes&Version=2016-11-15&InstanceType.1=m5.large"
            "&InstanceType.2=c5.large&Filter.1.Name=network-info.maximum-network-interfaces"
            "&Filter.1.Value.1=3&MaxResults=5");

  ModifyNetworkInterfaceAttributeRequest m;
  m.network_interface_id = "eni-1";
  m.source_dest_check = false;
  EXPECT_EQ(Body(EncodeModifyNetworkInterfaceAttribute(m)),
            "Action=ModifyNetworkInterfaceAttribute&Version=2016-11-15&NetworkInterfaceId=eni-1"
            "&SourceDestCheck.Value=false");
  ModifyNetworkInterfaceAttributeRequest mg;
  mg.network_interface_id = "eni-1";
  mg.security_group_ids = std::vector<std::string>{"sg-1", "sg-2"};
  EXPECT_EQ(Body(EncodeModifyNetworkInterfaceAttribute(mg)),
            "Action=ModifyNetworkInterfaceAttribute&Version=2016-11-15&NetworkInterfaceId=eni-1"
            "&SecurityGroupId.1=sg-1&SecurityGroupId.2=sg-2");
  ModifyNetworkInterfaceAttributeRequest ma;
  ma.network_interface_id = "eni-1";
  ma.attachment = ModifyNetworkInterfaceAttributeRequest::AttachmentChange{"eni-attach-1", true};
  EXPECT_EQ(Body(EncodeModifyNetworkInterfaceAttribute(ma)),
            "Action=ModifyNetworkInterfaceAttribute&Version=2016-11-15&NetworkInterfaceId=eni-1"
            "&Attachment.AttachmentId=eni-attach-1&Attachment.DeleteOnTermination=true");

  EXPECT_EQ(Body(EncodeCreateTags({{"eni-1"}, {{"k", "v"}}})),
            "Action=CreateTags&Version=2016-11-15&ResourceId.1=eni-1&Tag.1.Key=k&Tag.1.Value=v");
  DeleteTagsRequest dt;
  dt.resource_ids = {"eni-1"};
  dt.tags = {{"a", std::nullopt}, {"b", "v"}};
  EXPECT_EQ(Body(EncodeDeleteTags(dt)),
            "Action=DeleteTags&Version=2016-11-15&ResourceId.1=eni-1&Tag.1.Key=a&Tag.2.Key=b"
            "&Tag.2.Value=v");
  EXPECT_EQ(Body(EncodeAssociateTrunkInterface({"eni-b", "eni-t", 10, ""})),
            "Action=AssociateTrunkInterface&Version=2016-11-15&BranchInterfaceId=eni-b"
            "&TrunkInterfaceId=eni-t&VlanId=10");
}

TEST(Ec2Encode, SpecialCharactersArePercentEncodedLikeBotocore) {
  DescribeNetworkInterfacesRequest d;
  d.filters = {{"tag:a b+c/d=e~f", {"\xe2\x82\xac \xe1\x88\xb4+/=~"}}};
  EXPECT_EQ(Body(EncodeDescribeNetworkInterfaces(d)),
            "Action=DescribeNetworkInterfaces&Version=2016-11-15"
            "&Filter.1.Name=tag%3Aa%20b%2Bc%2Fd%3De~f"
            "&Filter.1.Value.1=%E2%82%AC%20%E1%88%B4%2B%2F%3D~");
}

TEST(Ec2Encode, RejectsRequestsEc2WouldRefuse) {
  EXPECT_ERROR_CODE(EncodeCreateNetworkInterface({}), ErrorCode::kInvalidArgument);
  CreateNetworkInterfaceRequest neg;
  neg.subnet_id = "subnet-1";
  neg.ipv4_prefix_count = -1;
  EXPECT_ERROR_CODE(EncodeCreateNetworkInterface(neg), ErrorCode::kInvalidArgument);
  AssignPrivateIpAddressesRequest nothing;
  nothing.network_interface_id = "eni-1";
  EXPECT_ERROR_CODE(EncodeAssignPrivateIpAddresses(nothing), ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(EncodeUnassignPrivateIpAddresses({"eni-1", {}, {}}),
                    ErrorCode::kInvalidArgument);
  ModifyNetworkInterfaceAttributeRequest two;
  two.network_interface_id = "eni-1";
  two.source_dest_check = true;
  two.description = "x";
  EXPECT_ERROR_CODE(EncodeModifyNetworkInterfaceAttribute(two), ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(EncodeAssociateTrunkInterface({"eni-b", "eni-t", 0, ""}),
                    ErrorCode::kInvalidArgument);
  DescribeSubnetsRequest bad_page;
  bad_page.max_results = 0;
  EXPECT_ERROR_CODE(EncodeDescribeSubnets(bad_page), ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(EncodeDeleteNetworkInterface(""), ErrorCode::kInvalidArgument);
}

// Verbatim moto reply (moto-ec2.md §3.2).
constexpr char kMotoDescribeEnis[] =
    R"(<?xml version="1.0" encoding="utf-8"?>
<DescribeNetworkInterfacesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><networkInterfaceSet><item><attachment><attachTime>2026-11-26T05:54:09.000Z</attachTime><attachmentId>eni-attach-5516ea08c71edc9de</attachmentId><deleteOnTermination>false</deleteOnTermination><deviceIndex>1</deviceIndex><networkCardIndex>0</networkCardIndex><instanceId>i-14d59f786d2b5dbd1</instanceId><instanceOwnerId>123456789012</instanceOwnerId><status>attached</status></attachment><availabilityZone>us-west-2a</availabilityZone><description/><groupSet><item><groupId>sg-1916a08f42ef1f59e</groupId><groupName>g</groupName></item></groupSet><interfaceType>interface</interfaceType><ipv6AddressesSet/><macAddress>02:00:00:0a:10:8e</macAddress><networkInterfaceId>eni-b284e29d4193654be</networkInterfaceId><ownerId>123456789012</ownerId><privateIpAddress>10.0.2.192</privateIpAddress><privateIpAddressesSet><item><primary>true</primary><privateIpAddress>10.0.2.192</privateIpAddress></item><item><primary>false</primary><privateIpAddress>10.0.2.230</privateIpAddress></item></privateIpAddressesSet><requesterId>AIDAIT2UOQQY3AUEMOTO</requesterId><requesterManaged>false</requesterManaged><sourceDestCheck>true</sourceDestCheck><status>in-use</status><subnetId>subnet-2bd4b06b8e182a6a5</subnetId><tagSet><item><key>cluster</key><value>c1</value></item></tagSet><vpcId>vpc-c0f18bd4fff2006ee</vpcId></item></networkInterfaceSet><requestId>request-id</requestId></DescribeNetworkInterfacesResponse>)";

TEST(Ec2Decode, MotoDescribeNetworkInterfaces) {
  ASSERT_OK_AND_ASSIGN(DescribeNetworkInterfacesPage page,
                       DecodeDescribeNetworkInterfaces(kMotoDescribeEnis));
  ASSERT_EQ(page.network_interfaces.size(), 1U);
  EXPECT_TRUE(page.next_token.empty());
  const NetworkInterface& e = page.network_interfaces[0];
  EXPECT_EQ(e.id, "eni-b284e29d4193654be");
  EXPECT_EQ(e.mac.ToString(), "02:00:00:0a:10:8e");
  EXPECT_EQ(e.subnet_id, "subnet-2bd4b06b8e182a6a5");
  EXPECT_EQ(e.vpc_id, "vpc-c0f18bd4fff2006ee");
  EXPECT_EQ(e.availability_zone, "us-west-2a");
  EXPECT_EQ(e.status, "in-use");
  EXPECT_EQ(e.interface_type, "interface");
  ASSERT_TRUE(e.attachment.has_value());
  EXPECT_EQ(e.attachment->attachment_id, "eni-attach-5516ea08c71edc9de");
  EXPECT_EQ(e.attachment->instance_id, "i-14d59f786d2b5dbd1");
  EXPECT_EQ(e.attachment->device_index, 1);
  EXPECT_EQ(e.attachment->status, "attached");
  EXPECT_FALSE(e.attachment->delete_on_termination);
  EXPECT_EQ(e.primary_ip, V4("10.0.2.192"));
  ASSERT_EQ(e.private_ips.size(), 2U);
  EXPECT_TRUE(e.private_ips[0].primary);
  EXPECT_EQ(e.private_ips[1].address, V4("10.0.2.230"));
  ASSERT_EQ(e.groups.size(), 1U);
  EXPECT_EQ(e.groups[0].id, "sg-1916a08f42ef1f59e");
  EXPECT_EQ(e.tags.at("cluster"), "c1");
  EXPECT_TRUE(e.source_dest_check);
  EXPECT_FALSE(e.requester_managed);
}

TEST(Ec2Decode, RealEc2AssignReplyWithNamespaceSlashAndReturn) {
  constexpr char kXml[] = R"(<AssignPrivateIpAddressesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>3fb591ba-558c-48f8-ae6b-c2f9d6d06425</requestId>
    <networkInterfaceId>eni-01d32da61c165ac3e</networkInterfaceId>
    <assignedPrivateIpAddressesSet>
      <item><privateIpAddress>10.2.2.7</privateIpAddress></item>
      <item><privateIpAddress>10.2.2.5</privateIpAddress></item>
    </assignedPrivateIpAddressesSet>
    <assignedIpv4PrefixSet><item><ipv4Prefix>10.2.3.16/28</ipv4Prefix></item></assignedIpv4PrefixSet>
    <return>true</return>
  </AssignPrivateIpAddressesResponse>)";
  ASSERT_OK_AND_ASSIGN(AssignPrivateIpAddressesReply r, DecodeAssignPrivateIpAddresses(kXml));
  EXPECT_EQ(r.network_interface_id, "eni-01d32da61c165ac3e");
  EXPECT_THAT(r.assigned_ips, ::testing::ElementsAre(V4("10.2.2.7"), V4("10.2.2.5")));
  EXPECT_THAT(r.assigned_prefixes, ::testing::ElementsAre(C4("10.2.3.16/28")));
  EXPECT_EQ(DecodeRequestId(kXml), "3fb591ba-558c-48f8-ae6b-c2f9d6d06425");
}

TEST(Ec2Decode, ErrorBodiesBothForms) {
  // moto (namespaced) and the documented EC2 form (no namespace).
  for (const char* xml :
       {R"(<?xml version="1.0" encoding="utf-8"?>
<Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><Errors><Error><Code>InvalidNetworkInterfaceID.NotFound</Code><Message>The networkInterface ID 'eni-0123456789abcdef0' does not exist</Message></Error></Errors><RequestID>request-id</RequestID></Response>)",
        R"(<Response><Errors><Error><Code>InvalidNetworkInterfaceID.NotFound</Code><Message>The networkInterface ID 'eni-0123456789abcdef0' does not exist</Message></Error></Errors><RequestID>request-id</RequestID></Response>)"}) {
    std::optional<ErrorReply> e = DecodeErrorReply(xml);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->code, "InvalidNetworkInterfaceID.NotFound");
    EXPECT_THAT(e->message, ::testing::HasSubstr("eni-0123456789abcdef0"));
    EXPECT_EQ(e->request_id, "request-id");
  }
  // STS form.
  std::optional<ErrorReply> sts = DecodeErrorReply(
      "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code>"
      "<Message>bad</Message></Error><RequestId>r1</RequestId></ErrorResponse>");
  ASSERT_TRUE(sts.has_value());
  EXPECT_EQ(sts->code, "InvalidIdentityToken");
  EXPECT_EQ(sts->request_id, "r1");
  EXPECT_FALSE(DecodeErrorReply("<html><body>500</body></html>").has_value());
  EXPECT_FALSE(DecodeErrorReply("not xml").has_value());
}

TEST(Ec2Decode, ReturnFalseAndWrongRootAreErrors) {
  EXPECT_OK(DecodeReturn("DeleteNetworkInterface",
                         "<DeleteNetworkInterfaceResponse><requestId>x</requestId>"
                         "<return>true</return></DeleteNetworkInterfaceResponse>"));
  EXPECT_OK(DecodeReturn("DeleteNetworkInterface",
                         "<DeleteNetworkInterfaceResponse><requestId>x</requestId>"
                         "</DeleteNetworkInterfaceResponse>"));
  EXPECT_ERROR_CODE(DecodeReturn("DeleteNetworkInterface",
                                 "<DeleteNetworkInterfaceResponse><return>false</return>"
                                 "</DeleteNetworkInterfaceResponse>"),
                    ErrorCode::kInternal);
  EXPECT_ERROR_CODE(DecodeReturn("DeleteNetworkInterface", "<CreateTagsResponse/>"),
                    ErrorCode::kDataLoss);
  EXPECT_ERROR_CODE(DecodeDescribeSubnets("<<<"), ErrorCode::kDataLoss);
}

TEST(Ec2Decode, BadAddressesAreDataLossNotCrashes) {
  EXPECT_ERROR_CODE(
      DecodeDescribeNetworkInterfaces(
          "<DescribeNetworkInterfacesResponse><networkInterfaceSet><item>"
          "<networkInterfaceId>eni-1</networkInterfaceId><privateIpAddress>10.0.0.300"
          "</privateIpAddress></item></networkInterfaceSet></DescribeNetworkInterfacesResponse>"),
      ErrorCode::kDataLoss);
  EXPECT_ERROR_CODE(
      DecodeDescribeNetworkInterfaces(
          "<DescribeNetworkInterfacesResponse><networkInterfaceSet><item>"
          "<subnetId>s</subnetId></item></networkInterfaceSet>"
          "</DescribeNetworkInterfacesResponse>"),
      ErrorCode::kDataLoss);
  EXPECT_ERROR_CODE(DecodeAttachNetworkInterface("<AttachNetworkInterfaceResponse/>"),
                    ErrorCode::kDataLoss);
}

TEST(Ec2Decode, InstanceTypesSubnetsInstancesGroupsTrunks) {
  ASSERT_OK_AND_ASSIGN(
      DescribeInstanceTypesPage types,
      DecodeDescribeInstanceTypes(
          "<DescribeInstanceTypesResponse><instanceTypeSet><item><instanceType>p4d.24xlarge"
          "</instanceType><bareMetal>false</bareMetal><hypervisor>nitro</hypervisor>"
          "<vCpuInfo><defaultVCpus>96</defaultVCpus></vCpuInfo><networkInfo>"
          "<maximumNetworkInterfaces>60</maximumNetworkInterfaces><maximumNetworkCards>4"
          "</maximumNetworkCards><defaultNetworkCardIndex>0</defaultNetworkCardIndex>"
          "<networkCards><item><networkCardIndex>0</networkCardIndex><maximumNetworkInterfaces>"
          "15</maximumNetworkInterfaces></item><item><networkCardIndex>1</networkCardIndex>"
          "<maximumNetworkInterfaces>15</maximumNetworkInterfaces></item></networkCards>"
          "<ipv4AddressesPerInterface>50</ipv4AddressesPerInterface>"
          "<ipv6AddressesPerInterface>50</ipv6AddressesPerInterface></networkInfo></item>"
          "<item><instanceType>m5.metal</instanceType><bareMetal>true</bareMetal><networkInfo>"
          "<maximumNetworkInterfaces>15</maximumNetworkInterfaces>"
          "<ipv4AddressesPerInterface>50</ipv4AddressesPerInterface></networkInfo></item>"
          "</instanceTypeSet><nextToken>n2</nextToken></DescribeInstanceTypesResponse>"));
  ASSERT_EQ(types.instance_types.size(), 2U);
  EXPECT_EQ(types.next_token, "n2");
  const InstanceLimits& p4 = types.instance_types[0];
  EXPECT_EQ(p4.eni_limit, 15);
  EXPECT_EQ(p4.ipv4_per_eni, 50);
  EXPECT_EQ(p4.network_cards.size(), 2U);
  EXPECT_EQ(p4.TotalEnis(), 30);
  EXPECT_EQ(p4.hypervisor, "nitro");
  EXPECT_EQ(p4.vcpus, 96);
  const InstanceLimits& metal = types.instance_types[1];
  EXPECT_EQ(metal.hypervisor, "unknown");
  EXPECT_TRUE(metal.bare_metal);
  EXPECT_TRUE(metal.SupportsPrefixDelegation());
  EXPECT_EQ(metal.eni_limit, 15);

  ASSERT_OK_AND_ASSIGN(
      DescribeSubnetsPage subnets,
      DecodeDescribeSubnets(
          "<DescribeSubnetsResponse><subnetSet><item><subnetId>subnet-1</subnetId><state>"
          "available</state><vpcId>vpc-1</vpcId><cidrBlock>10.0.0.0/24</cidrBlock>"
          "<ipv6CidrBlockAssociationSet><item><ipv6CidrBlock>2600:1f14:1::/64</ipv6CidrBlock>"
          "<ipv6CidrBlockState><state>associated</state></ipv6CidrBlockState></item><item>"
          "<ipv6CidrBlock>2600:1f14:2::/64</ipv6CidrBlock><ipv6CidrBlockState><state>"
          "disassociated</state></ipv6CidrBlockState></item></ipv6CidrBlockAssociationSet>"
          "<availableIpAddressCount>251</availableIpAddressCount><availabilityZone>us-west-2a"
          "</availabilityZone><availabilityZoneId>usw2-az1</availabilityZoneId><defaultForAz>"
          "false</defaultForAz><tagSet><item><key>kubernetes.io/role/cni</key><value>1</value>"
          "</item></tagSet></item></subnetSet></DescribeSubnetsResponse>"));
  ASSERT_EQ(subnets.subnets.size(), 1U);
  const Subnet& s = subnets.subnets[0];
  EXPECT_EQ(s.cidr, C4("10.0.0.0/24"));
  EXPECT_THAT(s.ipv6_cidrs, ::testing::ElementsAre(C6("2600:1f14:1::/64")));
  EXPECT_EQ(s.available_ip_address_count, 251);
  EXPECT_EQ(s.availability_zone_id, "usw2-az1");
  EXPECT_EQ(s.tags.at("kubernetes.io/role/cni"), "1");

  ASSERT_OK_AND_ASSIGN(
      DescribeInstancesPage inst,
      DecodeDescribeInstances(
          "<DescribeInstancesResponse><reservationSet><item><instancesSet><item><instanceId>"
          "i-1</instanceId><instanceType>m5.large</instanceType><placement><availabilityZone>"
          "us-west-2a</availabilityZone></placement><instanceState><name>running</name>"
          "</instanceState><subnetId>subnet-1</subnetId><vpcId>vpc-1</vpcId>"
          "<privateIpAddress>10.0.0.10</privateIpAddress><networkInterfaceSet><item>"
          "<networkInterfaceId>eni-1</networkInterfaceId><attachment><attachmentId>a-1"
          "</attachmentId><deviceIndex>0</deviceIndex><status>attached</status></attachment>"
          "</item><item><networkInterfaceId>eni-2</networkInterfaceId><attachment>"
          "<attachmentId>a-2</attachmentId><deviceIndex>2</deviceIndex><networkCardIndex>1"
          "</networkCardIndex></attachment></item></networkInterfaceSet></item></instancesSet>"
          "</item></reservationSet></DescribeInstancesResponse>"));
  ASSERT_EQ(inst.instances.size(), 1U);
  EXPECT_EQ(inst.instances[0].state, "running");
  EXPECT_EQ(inst.instances[0].availability_zone, "us-west-2a");
  ASSERT_EQ(inst.instances[0].network_interfaces.size(), 2U);
  EXPECT_EQ(inst.instances[0].network_interfaces[1].attachment->device_index, 2);
  EXPECT_EQ(inst.instances[0].network_interfaces[1].attachment->network_card_index, 1);

  ASSERT_OK_AND_ASSIGN(
      DescribeSecurityGroupsPage sgs,
      DecodeDescribeSecurityGroups(
          "<DescribeSecurityGroupsResponse><securityGroupInfo><item><groupId>sg-1</groupId>"
          "<groupName>default</groupName><groupDescription>d</groupDescription><vpcId>vpc-1"
          "</vpcId></item></securityGroupInfo></DescribeSecurityGroupsResponse>"));
  ASSERT_EQ(sgs.security_groups.size(), 1U);
  EXPECT_EQ(sgs.security_groups[0].name, "default");

  ASSERT_OK_AND_ASSIGN(
      TrunkInterfaceAssociation ta,
      DecodeAssociateTrunkInterface(
          "<AssociateTrunkInterfaceResponse><interfaceAssociation><associationId>trunk-assoc-1"
          "</associationId><branchInterfaceId>eni-b</branchInterfaceId><trunkInterfaceId>eni-t"
          "</trunkInterfaceId><interfaceProtocol>VLAN</interfaceProtocol><vlanId>10</vlanId>"
          "</interfaceAssociation></AssociateTrunkInterfaceResponse>"));
  EXPECT_EQ(ta.vlan_id, 10);
  EXPECT_EQ(ta.trunk_interface_id, "eni-t");

  ASSERT_OK_AND_ASSIGN(
      AssignIpv6AddressesReply v6,
      DecodeAssignIpv6Addresses(
          "<AssignIpv6AddressesResponse><networkInterfaceId>eni-1</networkInterfaceId>"
          "<assignedIpv6Addresses><item>2600:1f14::5</item></assignedIpv6Addresses>"
          "<assignedIpv6PrefixSet><item>2600:1f14:0:10::/80</item></assignedIpv6PrefixSet>"
          "</AssignIpv6AddressesResponse>"));
  EXPECT_THAT(v6.assigned_addresses, ::testing::ElementsAre(V6("2600:1f14::5")));
  EXPECT_THAT(v6.assigned_prefixes, ::testing::ElementsAre(C6("2600:1f14:0:10::/80")));
}

TEST(Ec2Decode, DecodeAnyKnowsEveryAction) {
  for (std::string_view action : KnownActions()) {
    SCOPED_TRACE(action);
    auto r = DecodeAny(action, "<x/>");
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ErrorCode::kDataLoss);
  }
  EXPECT_ERROR_CODE(DecodeAny("RunInstances", "<x/>"), ErrorCode::kInvalidArgument);
}

TEST(Ec2Errors, CodeMapping) {
  EXPECT_EQ(Ec2ErrorCodeToErrorCode("RequestLimitExceeded", 503), ErrorCode::kUnavailable);
  EXPECT_EQ(Ec2ErrorCodeToErrorCode("Throttling", 400), ErrorCode::kUnavailable);
  EXPECT_EQ(Ec2ErrorCodeToErrorCode("InvalidNetworkInterfaceID.NotFound", 400),
            ErrorCode::kNotFound);
  EXPECT_EQ(Ec2ErrorCodeToErrorCode("InsufficientCidrBlocks", 400),
            ErrorCode::kResourceExhausted);
  EXPECT_EQ(Ec2ErrorCodeToErrorCode("InsufficientFreeAddressesInSubnet", 400),
            ErrorCode::kResourceExhausted);
  EXPECT_EQ(Ec2ErrorCodeToErrorCode("AttachmentLimitExceeded", 400),
            ErrorCode::kResourceExhausted);
  EXPECT_EQ(Ec2ErrorCodeToErrorCode("PrivateIpAddressLimitExceeded", 400),
            ErrorCode::kResourceExhausted);
  EXPECT_EQ(Ec2ErrorCodeToErrorCode("InvalidParameterValue", 400), ErrorCode::kInvalidArgument);
  EXPECT_EQ(Ec2ErrorCodeToErrorCode("MissingParameter", 400), ErrorCode::kInvalidArgument);
  EXPECT_EQ(Ec2ErrorCodeToErrorCode("InvalidNetworkInterfaceId.Malformed", 400),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(Ec2ErrorCodeToErrorCode("UnauthorizedOperation", 403), ErrorCode::kPermissionDenied);
  EXPECT_EQ(Ec2ErrorCodeToErrorCode("AuthFailure", 401), ErrorCode::kPermissionDenied);
  EXPECT_EQ(Ec2ErrorCodeToErrorCode("InternalError", 500), ErrorCode::kUnavailable);
  EXPECT_EQ(Ec2ErrorCodeToErrorCode("Whatever", 502), ErrorCode::kUnavailable);
  EXPECT_EQ(Ec2ErrorCodeToErrorCode("InvalidNetworkInterface.InUse", 400),
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(Ec2ErrorCodeToErrorCode("InvalidIPAddress.InUse", 400), ErrorCode::kAlreadyExists);
  EXPECT_EQ(Ec2ErrorCodeToErrorCode("InvalidAction", 400), ErrorCode::kUnimplemented);
  Error e = MakeEc2Error("InvalidSubnetID.NotFound", "no such subnet", 400, "r-1");
  EXPECT_EQ(e.code, ErrorCode::kNotFound);
  EXPECT_EQ(e.reason, "InvalidSubnetID.NotFound");
  EXPECT_THAT(e.message, ::testing::HasSubstr("r-1"));
}

}  // namespace
}  // namespace vpccni::cloud::codec
