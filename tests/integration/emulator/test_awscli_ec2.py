"""The real AWS CLI against vpc-emulator: every EC2 action the emulator serves goes through
`aws ec2 ...` at least once, and results are checked with describe calls (through the CLI or
boto3). Independent chains run concurrently because each CLI process takes about a second.

usage: test_awscli_ec2.py <path to vpc-emulator>
"""
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import time

from harness import CREDS_ENV, Emulator, binary_from_argv


# The aws entry point next to this interpreter (skips the pyenv shim's start-up cost).
_NEXT_TO_PYTHON = os.path.join(os.path.dirname(os.path.realpath(sys.executable)), "aws")
AWS = _NEXT_TO_PYTHON if os.access(_NEXT_TO_PYTHON, os.X_OK) else "aws"


class CliError(Exception):
    def __init__(self, code, text):
        super().__init__(f"{code}: {text}")
        self.code = code


def make_aws(url):
    env = dict(os.environ)
    env.update(CREDS_ENV)

    def aws(*args):
        cmd = [AWS, "--endpoint-url", url, "--output", "json", "ec2", *args]
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            m = re.search(r"An error occurred \(([^)]+)\)", p.stderr)
            raise CliError(m.group(1) if m else "?", p.stderr.strip())
        return json.loads(p.stdout) if p.stdout.strip() else {}
    return aws


def expect_error(aws, code, *args):
    try:
        aws(*args)
    except CliError as e:
        assert e.code == code, (args, e)
        return
    raise AssertionError(f"aws {' '.join(args)} succeeded; expected {code}")


def chain_vpc(aws, ctx):
    azs = aws("describe-availability-zones")["AvailabilityZones"]
    assert {"us-west-2a", "us-west-2b", "us-west-2c"} <= {z["ZoneName"] for z in azs}
    vpc = aws("create-vpc", "--cidr-block", "10.1.0.0/16")["Vpc"]["VpcId"]
    aws("associate-vpc-cidr-block", "--vpc-id", vpc, "--cidr-block", "100.64.0.0/16")
    got = aws("describe-vpcs", "--vpc-ids", vpc)["Vpcs"][0]
    assert sorted(a["CidrBlock"] for a in got["CidrBlockAssociationSet"]) == [
        "10.1.0.0/16", "100.64.0.0/16"], got
    sub = aws("create-subnet", "--vpc-id", vpc, "--cidr-block", "100.64.0.0/20",
              "--availability-zone", "us-west-2b")["Subnet"]
    assert sub["AvailableIpAddressCount"] == 4096 - 5, sub
    got = aws("describe-subnets", "--filters", f"Name=vpc-id,Values={vpc}")["Subnets"]
    assert [s["SubnetId"] for s in got] == [sub["SubnetId"]], got
    sg = aws("create-security-group", "--group-name", "cli", "--description", "cli sg",
             "--vpc-id", vpc)["GroupId"]
    got = aws("describe-security-groups", "--group-ids", sg)["SecurityGroups"][0]
    assert got["GroupName"] == "cli", got
    aws("delete-security-group", "--group-id", sg)
    assert sg not in [g["GroupId"] for g in ctx["ec2"].describe_security_groups()[
        "SecurityGroups"]]


def chain_eni(aws, ctx):
    ec2 = ctx["ec2"]
    eni = aws("create-network-interface", "--subnet-id", ctx["eni_subnet"], "--groups",
              ctx["sg"],
              "--description", "cli eni", "--tag-specifications",
              "ResourceType=network-interface,Tags=[{Key=cluster,Value=c1}]")["NetworkInterface"]
    eid = eni["NetworkInterfaceId"]
    free0 = ec2.describe_subnets(SubnetIds=[ctx["eni_subnet"]])["Subnets"][0][
        "AvailableIpAddressCount"]
    att = aws("attach-network-interface", "--network-interface-id", eid, "--instance-id",
              ctx["instance"], "--device-index", "1")["AttachmentId"]
    ips = aws("assign-private-ip-addresses", "--network-interface-id", eid,
              "--secondary-private-ip-address-count", "2")["AssignedPrivateIpAddresses"]
    assert len(ips) == 2, ips
    pfx = aws("assign-private-ip-addresses", "--network-interface-id", eid,
              "--ipv4-prefix-count", "1")["AssignedIpv4Prefixes"][0]["Ipv4Prefix"]
    got = aws("describe-network-interfaces", "--filters",
              f"Name=attachment.instance-id,Values={ctx['instance']}",
              "Name=tag:cluster,Values=c1")["NetworkInterfaces"]
    assert [g["NetworkInterfaceId"] for g in got] == [eid], got
    assert [p["Ipv4Prefix"] for p in got[0]["Ipv4Prefixes"]] == [pfx]
    free1 = ec2.describe_subnets(SubnetIds=[ctx["eni_subnet"]])["Subnets"][0][
        "AvailableIpAddressCount"]
    assert free1 == free0 - 2 - 16, (free0, free1)
    aws("unassign-private-ip-addresses", "--network-interface-id", eid,
        "--private-ip-addresses", ips[0]["PrivateIpAddress"], "--ipv4-prefixes", pfx)
    aws("modify-network-interface-attribute", "--network-interface-id", eid,
        "--no-source-dest-check")
    aws("create-tags", "--resources", eid, "--tags", "Key=team,Value=net")
    aws("delete-tags", "--resources", eid, "--tags", "Key=cluster")
    d = ec2.describe_network_interfaces(NetworkInterfaceIds=[eid])["NetworkInterfaces"][0]
    assert not d["SourceDestCheck"]
    assert {t["Key"]: t["Value"] for t in d["TagSet"]} == {"team": "net"}, d["TagSet"]
    assert len(d["PrivateIpAddresses"]) == 2 and d["Ipv4Prefixes"] == []
    aws("detach-network-interface", "--attachment-id", att)
    aws("delete-network-interface", "--network-interface-id", eid)
    expect_error(aws, "InvalidNetworkInterfaceID.NotFound", "delete-network-interface",
                 "--network-interface-id", eid)


def chain_instances(aws, ctx):
    t = aws("describe-instance-types", "--instance-types", "m5.large")["InstanceTypes"][0]
    assert t["NetworkInfo"]["MaximumNetworkInterfaces"] == 3, t
    assert t["NetworkInfo"]["Ipv4AddressesPerInterface"] == 10, t
    r = aws("run-instances", "--image-id", "ami-0abcdef1234567890", "--instance-type",
            "t3.micro", "--count", "1", "--subnet-id", ctx["subnet"])
    iid = r["Instances"][0]["InstanceId"]
    got = aws("describe-instances", "--instance-ids", iid)["Reservations"][0]["Instances"][0]
    assert got["InstanceType"] == "t3.micro" and got["SubnetId"] == ctx["subnet"], got
    eni = ctx["ec2"].create_network_interface(SubnetId=ctx["subnet"])["NetworkInterface"]
    aws("attach-network-interface", "--network-interface-id", eni["NetworkInterfaceId"],
        "--instance-id", iid, "--device-index", "1")
    term = aws("terminate-instances", "--instance-ids", iid)["TerminatingInstances"][0]
    assert term["InstanceId"] == iid


def chain_reservations_trunk_ipv6(aws, ctx):
    ec2 = ctx["ec2"]
    frag = ec2.create_subnet(VpcId=ctx["vpc"], CidrBlock="10.0.40.0/26",
                             AvailabilityZone="us-west-2a")["Subnet"]["SubnetId"]
    r = aws("create-subnet-cidr-reservation", "--subnet-id", frag, "--cidr", "10.0.40.0/28",
            "--reservation-type", "explicit")["SubnetCidrReservation"]
    got = aws("get-subnet-cidr-reservations", "--subnet-id", frag)
    assert [x["Cidr"] for x in got["SubnetIpv4CidrReservations"]] == ["10.0.40.0/28"], got
    aws("delete-subnet-cidr-reservation", "--subnet-cidr-reservation-id",
        r["SubnetCidrReservationId"])
    eni = ec2.create_network_interface(SubnetId=frag, PrivateIpAddress="10.0.40.20")[
        "NetworkInterface"]["NetworkInterfaceId"]
    ec2.assign_private_ip_addresses(NetworkInterfaceId=eni,
                                    PrivateIpAddresses=["10.0.40.4", "10.0.40.40"])
    expect_error(aws, "InsufficientCidrBlocks", "assign-private-ip-addresses",
                 "--network-interface-id", eni, "--ipv4-prefix-count", "1")
    # Trunk / branch.
    trunk = ec2.create_network_interface(SubnetId=ctx["subnet"], InterfaceType="trunk")[
        "NetworkInterface"]["NetworkInterfaceId"]
    ec2.attach_network_interface(NetworkInterfaceId=trunk, InstanceId=ctx["instance2"],
                                 DeviceIndex=1)
    branch = ec2.create_network_interface(SubnetId=ctx["subnet"])["NetworkInterface"][
        "NetworkInterfaceId"]
    a = aws("associate-trunk-interface", "--branch-interface-id", branch,
            "--trunk-interface-id", trunk, "--vlan-id", "7")["InterfaceAssociation"]
    got = aws("describe-trunk-interface-associations", "--association-ids",
              a["AssociationId"])["InterfaceAssociations"]
    assert got[0]["VlanId"] == 7 and got[0]["BranchInterfaceId"] == branch, got
    aws("disassociate-trunk-interface", "--association-id", a["AssociationId"])
    # IPv6.
    v6 = aws("assign-ipv6-addresses", "--network-interface-id", ctx["v6eni"],
             "--ipv6-address-count", "2")["AssignedIpv6Addresses"]
    assert len(v6) == 2, v6
    aws("unassign-ipv6-addresses", "--network-interface-id", ctx["v6eni"],
        "--ipv6-addresses", v6[0])
    d = ec2.describe_network_interfaces(NetworkInterfaceIds=[ctx["v6eni"]])[
        "NetworkInterfaces"][0]
    assert [x["Ipv6Address"] for x in d["Ipv6Addresses"]] == [v6[1]], d


def main():
    binary = binary_from_argv()
    failures = 0
    start = time.monotonic()
    with Emulator(binary) as emu:
        ec2 = emu.client()
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"][
            "VpcId"]
        v6block = ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0][
            "Ipv6CidrBlock"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24",
                                   AvailabilityZone="us-west-2a")["Subnet"]["SubnetId"]
        v6subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24",
                                     Ipv6CidrBlock=v6block.replace("/56", "/64"),
                                     AvailabilityZone="us-west-2a")["Subnet"]["SubnetId"]
        sg = ec2.create_security_group(GroupName="n", Description="n", VpcId=vpc)["GroupId"]
        run = lambda: ec2.run_instances(  # noqa: E731
            ImageId="ami-12345678", InstanceType="m5.large", MinCount=1, MaxCount=1,
            SubnetId=subnet)["Instances"][0]["InstanceId"]
        eni_subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24",
                                       AvailabilityZone="us-west-2a")["Subnet"]["SubnetId"]
        ctx = {"ec2": ec2, "vpc": vpc, "subnet": subnet, "eni_subnet": eni_subnet, "sg": sg,
               "instance": run(),
               "instance2": run(),
               "v6eni": ec2.create_network_interface(SubnetId=v6subnet)["NetworkInterface"][
                   "NetworkInterfaceId"]}
        aws = make_aws(emu.url)
        chains = [chain_vpc, chain_eni, chain_instances, chain_reservations_trunk_ipv6]
        with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
            futures = {pool.submit(c, aws, ctx): c.__name__ for c in chains}
            for f in concurrent.futures.as_completed(futures):
                try:
                    f.result()
                    print(f"PASS {futures[f]}")
                except Exception as e:  # noqa: BLE001
                    failures += 1
                    print(f"FAIL {futures[f]}: {e!r}")
    print(f"{len(chains) - failures}/{len(chains)} chains passed in "
          f"{time.monotonic() - start:.1f}s")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
