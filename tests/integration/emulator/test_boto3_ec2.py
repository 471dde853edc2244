"""boto3 (retries disabled) against vpc-emulator: every EC2 action the emulator serves, their
results checked with Describe calls, and the EC2 error codes for bad requests.

usage: test_boto3_ec2.py <path to vpc-emulator>
"""
import sys
import time
import unittest

from harness import Emulator, binary_from_argv, error_code

BINARY = None


class Boto3Ec2Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator(BINARY)
        cls.ec2 = cls.emu.client()
        ec2 = cls.ec2
        cls.vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        cls.subnet_a = ec2.create_subnet(VpcId=cls.vpc, CidrBlock="10.0.0.0/24",
                                         AvailabilityZone="us-west-2a")["Subnet"]["SubnetId"]
        cls.sg = ec2.create_security_group(GroupName="nodes", Description="node sg",
                                           VpcId=cls.vpc)["GroupId"]
        res = ec2.run_instances(ImageId="ami-12345678", InstanceType="m5.large", MinCount=1,
                                MaxCount=1, SubnetId=cls.subnet_a, SecurityGroupIds=[cls.sg])
        cls.instance = res["Instances"][0]["InstanceId"]

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()

    def subnet_free(self, subnet):
        return self.ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0][
            "AvailableIpAddressCount"]

    def new_eni(self, subnet=None, **kw):
        return self.ec2.create_network_interface(SubnetId=subnet or self.subnet_a,
                                                 Groups=[self.sg], **kw)["NetworkInterface"]

    def test_availability_zones(self):
        zones = self.ec2.describe_availability_zones()["AvailabilityZones"]
        names = sorted(z["ZoneName"] for z in zones)
        self.assertEqual(names[:3], ["us-west-2a", "us-west-2b", "us-west-2c"])
        self.assertTrue(all(z["RegionName"] == "us-west-2" for z in zones))

    def test_vpcs_and_cidr_blocks(self):
        ec2 = self.ec2
        assoc = ec2.associate_vpc_cidr_block(VpcId=self.vpc, CidrBlock="100.64.0.0/16")
        self.assertEqual(assoc["CidrBlockAssociation"]["CidrBlock"], "100.64.0.0/16")
        v6 = ec2.associate_vpc_cidr_block(VpcId=self.vpc, AmazonProvidedIpv6CidrBlock=True)
        self.assertTrue(v6["Ipv6CidrBlockAssociation"]["Ipv6CidrBlock"].endswith("/56"))
        vpc = ec2.describe_vpcs(VpcIds=[self.vpc])["Vpcs"][0]
        self.assertEqual(vpc["CidrBlock"], "10.0.0.0/16")
        blocks = sorted(a["CidrBlock"] for a in vpc["CidrBlockAssociationSet"])
        self.assertEqual(blocks, ["10.0.0.0/16", "100.64.0.0/16"])
        self.assertEqual(len(vpc["Ipv6CidrBlockAssociationSet"]), 1)
        found = ec2.describe_vpcs(Filters=[{"Name": "cidr-block-association.cidr-block",
                                            "Values": ["100.64.0.0/16"]}])["Vpcs"]
        self.assertEqual([v["VpcId"] for v in found], [self.vpc])
        self.assertEqual(error_code(ec2.associate_vpc_cidr_block, VpcId=self.vpc,
                                    CidrBlock="10.0.0.0/16")[0], "InvalidVpc.CidrConflict")
        self.assertEqual(error_code(ec2.create_vpc, CidrBlock="10.0.0.0/8")[0],
                         "InvalidVpc.Range")
        self.assertEqual(error_code(ec2.describe_vpcs, VpcIds=["vpc-0123456789abcdef0"])[0],
                         "InvalidVpcID.NotFound")

    def test_subnets(self):
        ec2 = self.ec2
        s = ec2.create_subnet(VpcId=self.vpc, CidrBlock="10.0.9.0/27",
                              AvailabilityZone="us-west-2b",
                              TagSpecifications=[{"ResourceType": "subnet",
                                                  "Tags": [{"Key": "role", "Value": "x"}]}])
        sid = s["Subnet"]["SubnetId"]
        self.assertEqual(s["Subnet"]["AvailableIpAddressCount"], 27)
        got = ec2.describe_subnets(Filters=[{"Name": "tag:role", "Values": ["x"]}])["Subnets"]
        self.assertEqual([g["SubnetId"] for g in got], [sid])
        self.assertEqual(got[0]["AvailabilityZone"], "us-west-2b")
        self.assertEqual(error_code(ec2.create_subnet, VpcId=self.vpc, CidrBlock="10.1.0.0/24")[0],
                         "InvalidSubnet.Range")
        self.assertEqual(error_code(ec2.create_subnet, VpcId=self.vpc,
                                    CidrBlock="10.0.9.0/28")[0], "InvalidSubnet.Conflict")
        self.assertEqual(error_code(ec2.create_subnet, VpcId="vpc-0123456789abcdef0",
                                    CidrBlock="10.0.9.0/28")[0], "InvalidVpcID.NotFound")
        self.assertEqual(error_code(ec2.describe_subnets, SubnetIds=["subnet-bad"])[0],
                         "InvalidSubnetID.Malformed")

    def test_security_groups(self):
        ec2 = self.ec2
        gid = ec2.create_security_group(GroupName="temp", Description="t", VpcId=self.vpc)[
            "GroupId"]
        got = ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]
        self.assertEqual((got["GroupName"], got["VpcId"]), ("temp", self.vpc))
        self.assertEqual(error_code(ec2.create_security_group, GroupName="temp", Description="t",
                                    VpcId=self.vpc)[0], "InvalidGroup.Duplicate")
        ec2.delete_security_group(GroupId=gid)
        self.assertIn(error_code(ec2.describe_security_groups, GroupIds=[gid])[0],
                      ("InvalidGroup.NotFound", "InvalidSecurityGroupID.NotFound"))
        self.assertEqual(error_code(ec2.create_network_interface, SubnetId=self.subnet_a,
                                    Groups=["sg-0123456789abcdef0"])[0],
                         "InvalidSecurityGroupID.NotFound")

    def test_instances_and_types(self):
        ec2 = self.ec2
        r = ec2.describe_instances(InstanceIds=[self.instance])["Reservations"]
        inst = r[0]["Instances"][0]
        self.assertEqual(inst["InstanceType"], "m5.large")
        self.assertEqual(inst["SubnetId"], self.subnet_a)
        self.assertEqual(inst["NetworkInterfaces"][0]["Attachment"]["DeviceIndex"], 0)
        t = ec2.describe_instance_types(InstanceTypes=["m5.large"])["InstanceTypes"][0]
        ni = t["NetworkInfo"]
        self.assertEqual((ni["MaximumNetworkInterfaces"], ni["Ipv4AddressesPerInterface"],
                          ni["Ipv6AddressesPerInterface"]), (3, 10, 10))
        self.assertEqual(ni["NetworkCards"][0]["MaximumNetworkInterfaces"], 3)
        self.assertEqual(t["Hypervisor"], "nitro")
        self.assertFalse(t["BareMetal"])
        self.assertEqual(error_code(ec2.describe_instance_types,
                                    InstanceTypes=["m5.huge"])[0], "InvalidInstanceType")
        extra = ec2.run_instances(ImageId="ami-12345678", InstanceType="t3.micro", MinCount=1,
                                  MaxCount=1, SubnetId=self.subnet_a)["Instances"][0]["InstanceId"]
        term = ec2.terminate_instances(InstanceIds=[extra])["TerminatingInstances"][0]
        self.assertEqual(term["InstanceId"], extra)
        self.assertIn(term["CurrentState"]["Name"], ("shutting-down", "terminated"))
        self.assertEqual(error_code(ec2.terminate_instances,
                                    InstanceIds=["i-0123456789abcdef0"])[0],
                         "InvalidInstanceID.NotFound")
        self.assertEqual(error_code(ec2.run_instances, ImageId="ami-12345678",
                                    InstanceType="m5.large", MinCount=1, MaxCount=1,
                                    SubnetId="subnet-0123456789abcdef0")[0],
                         "InvalidSubnetID.NotFound")

    def test_eni_lifecycle_and_addresses(self):
        ec2 = self.ec2
        free0 = self.subnet_free(self.subnet_a)
        eni = self.new_eni(Description="lifecycle", TagSpecifications=[
            {"ResourceType": "network-interface", "Tags": [{"Key": "cluster", "Value": "c1"}]}])
        eid = eni["NetworkInterfaceId"]
        self.assertEqual(eni["Status"], "available")
        self.assertEqual(self.subnet_free(self.subnet_a), free0 - 1)
        att = ec2.attach_network_interface(NetworkInterfaceId=eid, InstanceId=self.instance,
                                           DeviceIndex=1)
        self.assertTrue(att["AttachmentId"].startswith("eni-attach-"))
        got = ec2.describe_network_interfaces(Filters=[
            {"Name": "attachment.instance-id", "Values": [self.instance]},
            {"Name": "tag:cluster", "Values": ["c1", "c2"]}])["NetworkInterfaces"]
        self.assertEqual([g["NetworkInterfaceId"] for g in got], [eid])
        self.assertEqual(got[0]["Attachment"]["Status"], "attached")
        self.assertEqual(got[0]["Status"], "in-use")
        # Secondary IPs: only the new ones come back, the subnet count follows.
        a = ec2.assign_private_ip_addresses(NetworkInterfaceId=eid,
                                            SecondaryPrivateIpAddressCount=2)
        ips = [x["PrivateIpAddress"] for x in a["AssignedPrivateIpAddresses"]]
        self.assertEqual(len(ips), 2)
        self.assertEqual(self.subnet_free(self.subnet_a), free0 - 3)
        # One /28 prefix.
        p = ec2.assign_private_ip_addresses(NetworkInterfaceId=eid, Ipv4PrefixCount=1)
        prefix = p["AssignedIpv4Prefixes"][0]["Ipv4Prefix"]
        self.assertTrue(prefix.endswith("/28"))
        self.assertEqual(self.subnet_free(self.subnet_a), free0 - 3 - 16)
        d = ec2.describe_network_interfaces(NetworkInterfaceIds=[eid])["NetworkInterfaces"][0]
        self.assertEqual(len(d["PrivateIpAddresses"]), 3)
        self.assertEqual([x["Ipv4Prefix"] for x in d["Ipv4Prefixes"]], [prefix])
        # PrivateIpAddressLimitExceeded: m5.large allows 10 per ENI (3 IPs + 1 prefix used).
        self.assertEqual(error_code(ec2.assign_private_ip_addresses, NetworkInterfaceId=eid,
                                    SecondaryPrivateIpAddressCount=7)[0],
                         "PrivateIpAddressLimitExceeded")
        ec2.unassign_private_ip_addresses(NetworkInterfaceId=eid, PrivateIpAddresses=ips,
                                          Ipv4Prefixes=[prefix])
        self.assertEqual(self.subnet_free(self.subnet_a), free0 - 1)
        self.assertEqual(error_code(ec2.unassign_private_ip_addresses, NetworkInterfaceId=eid,
                                    PrivateIpAddresses=ips[:1])[0], "InvalidParameterValue")
        # Attribute changes.
        ec2.modify_network_interface_attribute(NetworkInterfaceId=eid,
                                               SourceDestCheck={"Value": False})
        ec2.modify_network_interface_attribute(NetworkInterfaceId=eid,
                                               Description={"Value": "changed"})
        d = ec2.describe_network_interfaces(NetworkInterfaceIds=[eid])["NetworkInterfaces"][0]
        self.assertFalse(d["SourceDestCheck"])
        self.assertEqual(d["Description"], "changed")
        # In use: cannot delete; eth0 cannot be detached.
        self.assertEqual(error_code(ec2.delete_network_interface, NetworkInterfaceId=eid)[0],
                         "InvalidNetworkInterface.InUse")
        inst = ec2.describe_instances(InstanceIds=[self.instance])["Reservations"][0][
            "Instances"][0]
        eth0 = [n for n in inst["NetworkInterfaces"] if n["Attachment"]["DeviceIndex"] == 0][0]
        self.assertEqual(error_code(ec2.detach_network_interface,
                                    AttachmentId=eth0["Attachment"]["AttachmentId"])[0],
                         "OperationNotPermitted")
        ec2.detach_network_interface(AttachmentId=att["AttachmentId"])
        self.assertEqual(ec2.describe_network_interfaces(NetworkInterfaceIds=[eid])[
            "NetworkInterfaces"][0]["Status"], "available")
        ec2.delete_network_interface(NetworkInterfaceId=eid)
        self.assertEqual(error_code(ec2.describe_network_interfaces,
                                    NetworkInterfaceIds=[eid])[0],
                         "InvalidNetworkInterfaceID.NotFound")
        self.assertEqual(error_code(ec2.detach_network_interface,
                                    AttachmentId="eni-attach-0123456789abcdef0")[0],
                         "InvalidAttachmentID.NotFound")
        self.assertEqual(error_code(ec2.describe_network_interfaces,
                                    NetworkInterfaceIds=["eni-zz"])[0],
                         "InvalidNetworkInterfaceId.Malformed")

    def test_attachment_limit(self):
        ec2 = self.ec2
        r = ec2.run_instances(ImageId="ami-12345678", InstanceType="t3.micro", MinCount=1,
                              MaxCount=1, SubnetId=self.subnet_a)  # 2 ENIs max
        iid = r["Instances"][0]["InstanceId"]
        e1 = self.new_eni()["NetworkInterfaceId"]
        e2 = self.new_eni()["NetworkInterfaceId"]
        ec2.attach_network_interface(NetworkInterfaceId=e1, InstanceId=iid, DeviceIndex=1)
        self.assertEqual(error_code(ec2.attach_network_interface, NetworkInterfaceId=e2,
                                    InstanceId=iid, DeviceIndex=2)[0], "AttachmentLimitExceeded")
        self.assertEqual(error_code(ec2.attach_network_interface, NetworkInterfaceId=e2,
                                    InstanceId="i-0123456789abcdef0", DeviceIndex=1)[0],
                         "InvalidInstanceID.NotFound")
        ec2.terminate_instances(InstanceIds=[iid])
        ec2.delete_network_interface(NetworkInterfaceId=e2)

    def test_subnet_exhaustion_and_fragmentation(self):
        ec2 = self.ec2
        small = ec2.create_subnet(VpcId=self.vpc, CidrBlock="10.0.20.0/28",
                                  AvailabilityZone="us-west-2a")["Subnet"]["SubnetId"]
        enis = [self.new_eni(subnet=small)["NetworkInterfaceId"] for _ in range(5)]
        ec2.assign_private_ip_addresses(NetworkInterfaceId=enis[0],
                                        SecondaryPrivateIpAddressCount=6)
        self.assertEqual(self.subnet_free(small), 0)
        self.assertEqual(error_code(ec2.assign_private_ip_addresses, NetworkInterfaceId=enis[1],
                                    SecondaryPrivateIpAddressCount=1)[0],
                         "InsufficientFreeAddressesInSubnet")
        # A /26 with one address taken in each /28: plenty of addresses, no free /28.
        frag = ec2.create_subnet(VpcId=self.vpc, CidrBlock="10.0.21.0/26",
                                 AvailabilityZone="us-west-2a")["Subnet"]["SubnetId"]
        eni = self.new_eni(subnet=frag, PrivateIpAddress="10.0.21.4")["NetworkInterfaceId"]
        ec2.assign_private_ip_addresses(NetworkInterfaceId=eni,
                                        PrivateIpAddresses=["10.0.21.20", "10.0.21.40"])
        self.assertGreater(self.subnet_free(frag), 30)
        self.assertEqual(error_code(ec2.assign_private_ip_addresses, NetworkInterfaceId=eni,
                                    Ipv4PrefixCount=1)[0], "InsufficientCidrBlocks")
        self.assertEqual(error_code(ec2.assign_private_ip_addresses, NetworkInterfaceId=eni,
                                    PrivateIpAddresses=["10.0.21.20"])[0],
                         "InvalidIPAddress.InUse")

    def test_ipv6(self):
        ec2 = self.ec2
        vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
        block = ec2.describe_vpcs(VpcIds=[vpc["VpcId"]])["Vpcs"][0][
            "Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
        sub64 = block.replace("/56", "/64")
        sid = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.8.1.0/24",
                                Ipv6CidrBlock=sub64, AvailabilityZone="us-west-2a")["Subnet"]
        self.assertEqual(sid["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"], sub64)
        eni = ec2.create_network_interface(SubnetId=sid["SubnetId"])["NetworkInterface"]
        eid = eni["NetworkInterfaceId"]
        a = ec2.assign_ipv6_addresses(NetworkInterfaceId=eid, Ipv6AddressCount=2)
        self.assertEqual(len(a["AssignedIpv6Addresses"]), 2)
        p = ec2.assign_ipv6_addresses(NetworkInterfaceId=eid, Ipv6PrefixCount=1)
        self.assertTrue(p["AssignedIpv6Prefixes"][0].endswith("/80"))
        d = ec2.describe_network_interfaces(NetworkInterfaceIds=[eid])["NetworkInterfaces"][0]
        self.assertEqual(len(d["Ipv6Addresses"]), 2)
        self.assertEqual(len(d["Ipv6Prefixes"]), 1)
        u = ec2.unassign_ipv6_addresses(NetworkInterfaceId=eid,
                                        Ipv6Addresses=a["AssignedIpv6Addresses"][:1],
                                        Ipv6Prefixes=p["AssignedIpv6Prefixes"])
        self.assertEqual(u["UnassignedIpv6Addresses"], a["AssignedIpv6Addresses"][:1])
        v4only = self.new_eni()["NetworkInterfaceId"]
        self.assertEqual(error_code(ec2.assign_ipv6_addresses, NetworkInterfaceId=v4only,
                                    Ipv6AddressCount=1)[0], "InvalidParameterValue")

    def test_tags(self):
        ec2 = self.ec2
        eid = self.new_eni()["NetworkInterfaceId"]
        ec2.create_tags(Resources=[eid, self.subnet_a], Tags=[{"Key": "owner", "Value": "me"}])
        got = ec2.describe_network_interfaces(Filters=[{"Name": "tag:owner",
                                                        "Values": ["me"]}])["NetworkInterfaces"]
        self.assertEqual([g["NetworkInterfaceId"] for g in got], [eid])
        got = ec2.describe_subnets(Filters=[{"Name": "tag-key", "Values": ["owner"]}])["Subnets"]
        self.assertEqual([g["SubnetId"] for g in got], [self.subnet_a])
        ec2.delete_tags(Resources=[eid, self.subnet_a], Tags=[{"Key": "owner"}])
        self.assertEqual(ec2.describe_network_interfaces(Filters=[
            {"Name": "tag:owner", "Values": ["me"]}])["NetworkInterfaces"], [])
        self.assertEqual(error_code(ec2.create_tags, Resources=["eni-0123456789abcdef0"],
                                    Tags=[{"Key": "a", "Value": "b"}])[0],
                         "InvalidNetworkInterfaceID.NotFound")

    def test_subnet_cidr_reservations(self):
        ec2 = self.ec2
        sid = ec2.create_subnet(VpcId=self.vpc, CidrBlock="10.0.30.0/24",
                                AvailabilityZone="us-west-2c")["Subnet"]["SubnetId"]
        free0 = self.subnet_free(sid)
        r = ec2.create_subnet_cidr_reservation(SubnetId=sid, Cidr="10.0.30.64/26",
                                               ReservationType="prefix")
        rid = r["SubnetCidrReservation"]["SubnetCidrReservationId"]
        self.assertEqual(self.subnet_free(sid), free0 - 64)
        got = ec2.get_subnet_cidr_reservations(SubnetId=sid)
        self.assertEqual([x["Cidr"] for x in got["SubnetIpv4CidrReservations"]],
                         ["10.0.30.64/26"])
        # Prefixes come from the prefix reservation first.
        eni = self.new_eni(subnet=sid)["NetworkInterfaceId"]
        p = ec2.assign_private_ip_addresses(NetworkInterfaceId=eni, Ipv4PrefixCount=1)
        self.assertTrue(p["AssignedIpv4Prefixes"][0]["Ipv4Prefix"].startswith("10.0.30.64/"))
        self.assertEqual(error_code(ec2.create_subnet_cidr_reservation, SubnetId=sid,
                                    Cidr="10.0.31.0/28", ReservationType="prefix")[0],
                         "InvalidParameterValue")
        ec2.unassign_private_ip_addresses(NetworkInterfaceId=eni,
                                          Ipv4Prefixes=[p["AssignedIpv4Prefixes"][0][
                                              "Ipv4Prefix"]])
        d = ec2.delete_subnet_cidr_reservation(SubnetCidrReservationId=rid)
        self.assertEqual(d["DeletedSubnetCidrReservation"]["SubnetCidrReservationId"], rid)
        self.assertEqual(ec2.get_subnet_cidr_reservations(SubnetId=sid)[
            "SubnetIpv4CidrReservations"], [])

    def test_trunk_branch(self):
        ec2 = self.ec2
        iid = ec2.run_instances(ImageId="ami-12345678", InstanceType="m5.large", MinCount=1,
                                MaxCount=1, SubnetId=self.subnet_a)["Instances"][0]["InstanceId"]
        trunk = self.new_eni(InterfaceType="trunk")["NetworkInterfaceId"]
        ec2.attach_network_interface(NetworkInterfaceId=trunk, InstanceId=iid, DeviceIndex=1)
        branch = self.new_eni()["NetworkInterfaceId"]
        a = ec2.associate_trunk_interface(BranchInterfaceId=branch, TrunkInterfaceId=trunk,
                                          VlanId=10)["InterfaceAssociation"]
        self.assertEqual((a["VlanId"], a["TrunkInterfaceId"]), (10, trunk))
        other = self.new_eni()["NetworkInterfaceId"]
        self.assertEqual(error_code(ec2.associate_trunk_interface, BranchInterfaceId=other,
                                    TrunkInterfaceId=trunk, VlanId=10)[0],
                         "InvalidParameterValue")
        got = ec2.describe_trunk_interface_associations(AssociationIds=[a["AssociationId"]])
        self.assertEqual(got["InterfaceAssociations"][0]["BranchInterfaceId"], branch)
        ec2.disassociate_trunk_interface(AssociationId=a["AssociationId"])
        self.assertEqual(ec2.describe_trunk_interface_associations(Filters=[
            {"Name": "trunk-interface-association.trunk-interface-id", "Values": [trunk]}])[
            "InterfaceAssociations"], [])

    def test_pagination(self):
        ec2 = self.ec2
        for _ in range(6):
            self.new_eni()
        seen = []
        token = None
        while True:
            kw = {"MaxResults": 5, "Filters": [{"Name": "subnet-id", "Values": [self.subnet_a]}]}
            if token:
                kw["NextToken"] = token
            page = ec2.describe_network_interfaces(**kw)
            self.assertLessEqual(len(page["NetworkInterfaces"]), 5)
            seen += [e["NetworkInterfaceId"] for e in page["NetworkInterfaces"]]
            token = page.get("NextToken")
            if not token:
                break
        self.assertEqual(len(seen), len(set(seen)))
        self.assertGreaterEqual(len(seen), 7)
        # botocore refuses MaxResults < 5 itself; send it raw.
        status, text = self.emu.raw("Action=DescribeNetworkInterfaces&Version=2016-11-15&"
                                    "MaxResults=2")
        self.assertEqual(status, 400)
        self.assertIn("<Code>InvalidParameterValue</Code>", text)

    def test_dry_run_and_unknown_filter(self):
        code, status = error_code(self.ec2.describe_vpcs, DryRun=True)
        self.assertEqual((code, status), ("DryRunOperation", 412))
        self.assertEqual(error_code(self.ec2.describe_network_interfaces,
                                    Filters=[{"Name": "no-such-filter", "Values": ["x"]}])[0],
                         "InvalidParameterValue")

    def test_injected_faults_and_throttling(self):
        ec2 = self.ec2
        status, _ = self.emu.admin("POST", "/_emulator/faults",
                                   {"action": "DescribeSubnets", "error_code": "InternalError",
                                    "count": 1, "region": "us-west-2"})
        self.assertEqual(status, 200)
        self.assertEqual(error_code(ec2.describe_subnets), ("InternalError", 500))
        ec2.describe_subnets()  # the fault fired once only
        self.emu.admin("POST", "/_emulator/faults",
                       {"action": "DescribeSubnets", "error_code": "RequestLimitExceeded",
                        "count": 1, "region": "us-west-2"})
        self.assertEqual(error_code(ec2.describe_subnets), ("RequestLimitExceeded", 503))
        calls = self.emu.admin("GET", "/_emulator/calls")[1]
        self.assertGreaterEqual(calls["actions"]["DescribeSubnets"]["calls"], 3)
        self.assertGreaterEqual(calls["actions"]["DescribeSubnets"]["injected"], 2)
        # Throttling on: a burst of mutating calls runs out of tokens.
        self.assertEqual(self.emu.admin("POST", "/_emulator/throttle", {"enabled": True})[0], 200)
        codes = set()
        eid = self.new_eni()["NetworkInterfaceId"]
        try:
            for _ in range(400):
                try:
                    ec2.modify_network_interface_attribute(NetworkInterfaceId=eid,
                                                           SourceDestCheck={"Value": True})
                except Exception as e:  # noqa: BLE001 - we want the code
                    codes.add(e.response["Error"]["Code"])
                    break
        finally:
            self.emu.admin("POST", "/_emulator/throttle", "off")
        self.assertEqual(codes, {"RequestLimitExceeded"})


def main():
    global BINARY
    BINARY = binary_from_argv()
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(Boto3Ec2Test)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
