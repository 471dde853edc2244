"""Raw EC2 Query protocol errors, IMDSv2, the admin API, scenarios, snapshots and SigV4
verification of vpc-emulator.

usage: test_protocol_imds.py <path to vpc-emulator>
"""
import json
import os
import re
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

from harness import Emulator, binary_from_argv, error_code, imds_get, imds_token

BINARY = None

SCENARIO = """
region: us-west-2
default_vpc: false
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    subnets:
      - {name: a, az: us-west-2a, cidr: 10.0.0.0/24}
      - {name: b, az: us-west-2b, cidr: 10.0.1.0/24}
    security_groups:
      - {name: nodes, description: node group}
instances:
  - {name: node1, type: m5.large, subnet: a, security_groups: [nodes]}
"""


def xml_code(text):
    root = ET.fromstring(text)
    assert root.tag == "Response", text
    return root.find("Errors/Error/Code").text, root.find("RequestID").text


class ProtocolTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator(BINARY)

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()

    def test_errors_are_ec2_xml(self):
        cases = [
            ("Action=FlyToTheMoon&Version=2016-11-15", 400, "InvalidAction"),
            ("Action=DescribeVpcs", 400, "MissingParameter"),
            ("Version=2016-11-15", 400, "MissingParameter"),
            ("Action=DeleteNetworkInterface&Version=2016-11-15", 400, "MissingParameter"),
            ("Action=AttachNetworkInterface&Version=2016-11-15&NetworkInterfaceId=eni-1&"
             "InstanceId=i-1&DeviceIndex=one", 400, "InvalidParameterValue"),
            ("Action=DescribeVpcs&Version=2016-11-15&MaxResults=abc", 400,
             "InvalidParameterValue"),
            ("Action=DescribeVpcs&Version=2016-11-15&VpcId.x=vpc-1", 400,
             "InvalidParameterValue"),
            ("Action=DescribeVpcs&Version=2016-11-15&Filter.1.Value.1=x", 400, "MissingParameter"),
            ("Action=Describe%zzVpcs&Version=2016-11-15", 400, "MalformedQueryString"),
            ("Action=DeleteNetworkInterface&Version=2016-11-15&NetworkInterfaceId=nope", 400,
             "InvalidNetworkInterfaceId.Malformed"),
            ("Action=DeleteNetworkInterface&Version=2016-11-15&"
             "NetworkInterfaceId=eni-0123456789abcdef0", 400,
             "InvalidNetworkInterfaceID.NotFound"),
            ("Action=DescribeSubnets&Version=2016-11-15&DryRun=true", 412, "DryRunOperation"),
        ]
        for body, status, code in cases:
            got_status, text = self.emu.raw(body)
            self.assertEqual(got_status, status, body)
            got_code, rid = xml_code(text)
            self.assertEqual(got_code, code, body)
            self.assertRegex(rid, r"^[0-9a-f-]{36}$")

    def test_get_query_string_and_success_shape(self):
        status, text = self.emu.raw("Action=DescribeAvailabilityZones&Version=2016-11-15",
                                    method="GET")
        self.assertEqual(status, 200)
        root = ET.fromstring(text)
        ns = "{http://ec2.amazonaws.com/doc/2016-11-15/}"
        self.assertEqual(root.tag, ns + "DescribeAvailabilityZonesResponse")
        self.assertEqual(root[0].tag, ns + "requestId")
        self.assertEqual(len(root.findall(f"{ns}availabilityZoneInfo/{ns}item")), 3)

    def test_hostile_bodies_never_crash(self):
        for body in ["", "&&&&", "=", "Action", "Action=&Version=", "%", "a" * 200000,
                     "Action=DescribeVpcs&Version=1&" + "&".join(f"k{i}=v" for i in range(20000)),
                     "Action=DescribeVpcs&Version=1&Filter.99999999.Name=x",
                     "Action=CreateTags&Version=1&ResourceId.1=vpc-1&Tag.1.Value=v"]:
            status, text = self.emu.raw(body)
            self.assertIn(status, (400, 413), body[:80])
            if status == 400:
                xml_code(text)
        # Still serving.
        self.assertEqual(self.emu.raw("Action=DescribeVpcs&Version=2016-11-15")[0], 200)

    def test_region_from_sigv4_scope(self):
        west = self.emu.client(region="us-west-2")
        east = self.emu.client(region="eu-west-1")
        vid = west.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
        self.assertIn(vid, [v["VpcId"] for v in west.describe_vpcs()["Vpcs"]])
        self.assertNotIn(vid, [v["VpcId"] for v in east.describe_vpcs()["Vpcs"]])
        zones = [z["ZoneName"] for z in east.describe_availability_zones()["AvailabilityZones"]]
        self.assertTrue(all(z.startswith("eu-west-1") for z in zones), zones)
        # Unsigned requests use --region (default us-east-1).
        status, text = self.emu.raw("Action=DescribeAvailabilityZones&Version=2016-11-15")
        self.assertIn("us-east-1a", text)

    def test_admin_state_calls_instances_reset(self):
        status, state = self.emu.admin("GET", "/_emulator/state")
        self.assertEqual(status, 200)
        self.assertIn("regions", state)
        self.assertEqual(self.emu.admin("GET", "/_emulator/nothing")[0], 404)
        self.assertEqual(self.emu.admin("POST", "/_emulator/faults", "{not json")[0], 400)
        self.assertEqual(self.emu.admin("POST", "/_emulator/faults",
                                        {"action": "X", "error_rate": 7})[0], 400)
        ec2 = self.emu.client(region="us-east-1")
        subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]  # default VPC
        status, inst = self.emu.admin("POST", "/_emulator/instances",
                                      {"instance_type": "m5.large", "subnet_id": subnet,
                                       "region": "us-east-1"})
        self.assertEqual(status, 200, inst)
        self.assertTrue(inst["instance_id"].startswith("i-"))
        tok = imds_token(inst["imds"])
        self.assertEqual(imds_get(inst["imds"], "/latest/meta-data/instance-id", tok)[1],
                         inst["instance_id"])
        self.assertEqual(imds_get(inst["imds"], "/latest/meta-data/placement/region", tok)[1],
                         "us-east-1")
        self.assertEqual(self.emu.admin("POST", "/_emulator/reset")[0], 200)
        self.assertEqual(error_code(ec2.describe_instances,
                                    InstanceIds=[inst["instance_id"]])[0],
                         "InvalidInstanceID.NotFound")


class ImdsScenarioTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        path = os.path.join(cls.dir.name, "scenario.yaml")
        with open(path, "w") as f:
            f.write(SCENARIO)
        cls.emu = Emulator(BINARY, "--scenario", path, "--imds-lag-ms", "400")

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()
        cls.dir.cleanup()

    def test_ready_line_and_imds_tree(self):
        self.assertEqual(len(self.emu.imds), 1)
        iid, base = next(iter(self.emu.imds.items()))
        ec2 = self.emu.client()
        inst = ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]
        # Token flow.
        self.assertEqual(imds_get(base, "/latest/meta-data/instance-id")[0], 401)
        self.assertEqual(imds_get(base, "/latest/api/token", method="PUT",
                                  headers={"X-aws-ec2-metadata-token-ttl-seconds": "0"})[0], 400)
        self.assertEqual(imds_get(base, "/latest/api/token", method="PUT")[0], 400)
        status, tok, headers = imds_get(base, "/latest/api/token", method="PUT", headers={
            "X-aws-ec2-metadata-token-ttl-seconds": "21600"})
        self.assertEqual(status, 200)
        self.assertEqual(imds_get(base, "/latest/meta-data/instance-id", "wrong")[0], 401)
        get = lambda p: imds_get(base, "/latest/meta-data/" + p, tok)  # noqa: E731
        self.assertEqual(get("instance-id")[1], iid)
        self.assertEqual(get("instance-type")[1], "m5.large")
        self.assertEqual(get("local-ipv4")[1], inst["PrivateIpAddress"])
        self.assertEqual(get("placement/availability-zone")[1], "us-west-2a")
        mac = get("mac")[1]
        self.assertRegex(mac, r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$")
        self.assertIn(mac + "/", get("network/interfaces/macs/")[1].split("\n"))
        m = f"network/interfaces/macs/{mac}/"
        self.assertEqual(get(m + "device-number")[1], "0")
        self.assertEqual(get(m + "interface-id")[1], inst["NetworkInterfaces"][0][
            "NetworkInterfaceId"])
        self.assertEqual(get(m + "subnet-ipv4-cidr-block")[1], "10.0.0.0/24")
        self.assertEqual(get(m + "vpc-ipv4-cidr-blocks")[1], "10.0.0.0/16")
        self.assertEqual(get(m + "local-ipv4s")[1], inst["PrivateIpAddress"])
        self.assertEqual(get(m + "ipv4-prefix")[0], 404)
        self.assertEqual(get("no/such/key")[0], 404)
        doc = json.loads(imds_get(base, "/latest/dynamic/instance-identity/document", tok)[1])
        self.assertEqual((doc["instanceId"], doc["region"]), (iid, "us-west-2"))

        # IMDS lags EC2 by --imds-lag-ms (400 ms): a new prefix shows up only after the lag.
        eni = inst["NetworkInterfaces"][0]["NetworkInterfaceId"]
        p = ec2.assign_private_ip_addresses(NetworkInterfaceId=eni, Ipv4PrefixCount=1)
        prefix = p["AssignedIpv4Prefixes"][0]["Ipv4Prefix"]
        t0 = time.monotonic()
        self.assertEqual(get(m + "ipv4-prefix")[0], 404)
        deadline = t0 + 5
        while time.monotonic() < deadline and get(m + "ipv4-prefix")[0] != 200:
            time.sleep(0.05)
        self.assertEqual(get(m + "ipv4-prefix")[1], prefix)
        self.assertGreaterEqual(time.monotonic() - t0, 0.3)

    def test_attached_eni_appears_in_macs(self):
        iid, base = next(iter(self.emu.imds.items()))
        ec2 = self.emu.client()
        inst = ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]
        eni = ec2.create_network_interface(SubnetId=inst["SubnetId"])["NetworkInterface"]
        ec2.attach_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"],
                                     InstanceId=iid, DeviceIndex=2)
        tok = imds_token(base)
        deadline = time.monotonic() + 5
        macs = ""
        while time.monotonic() < deadline:
            macs = imds_get(base, "/latest/meta-data/network/interfaces/macs/", tok)[1]
            if eni["MacAddress"] in macs:
                break
            time.sleep(0.05)
        self.assertIn(eni["MacAddress"] + "/", macs.split("\n"))
        dev = imds_get(base, f"/latest/meta-data/network/interfaces/macs/{eni['MacAddress']}/"
                       "device-number", tok)[1]
        self.assertEqual(dev, "2")


class SnapshotAndAuthTest(unittest.TestCase):
    def test_snapshot_survives_restart(self):
        with tempfile.TemporaryDirectory() as d:
            snap = os.path.join(d, "state.json")
            emu = Emulator(BINARY, "--snapshot", snap)
            try:
                vid = emu.client().create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
            finally:
                self.assertEqual(emu.stop(), 0)
            self.assertTrue(os.path.exists(snap))
            with Emulator(BINARY, "--snapshot", snap) as emu2:
                vpcs = emu2.client().describe_vpcs(VpcIds=[vid])["Vpcs"]
                self.assertEqual(vpcs[0]["CidrBlock"], "10.77.0.0/16")

    def test_signature_verification(self):
        with Emulator(BINARY, "--access-key", "AKIDGOOD", "--secret-key", "s3cret") as emu:
            good = emu.client(key="AKIDGOOD", secret="s3cret")
            self.assertIsInstance(good.describe_vpcs()["Vpcs"], list)
            self.assertEqual(error_code(emu.client(key="AKIDGOOD", secret="wrong").describe_vpcs)[0],
                             "SignatureDoesNotMatch")
            self.assertEqual(error_code(emu.client(key="AKIDBAD", secret="s3cret").describe_vpcs)[0],
                             "AuthFailure")
            status, text = emu.raw("Action=DescribeVpcs&Version=2016-11-15")
            self.assertEqual(xml_code(text)[0], "AuthFailure")


def main():
    global BINARY
    BINARY = binary_from_argv()
    loader = unittest.defaultTestLoader
    suite = unittest.TestSuite()
    for case in (ProtocolTest, ImdsScenarioTest, SnapshotAndAuthTest):
        suite.addTests(loader.loadTestsFromTestCase(case))
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
