#!/usr/bin/env python3
"""e2e: where ipamd puts new ENIs, observed through `aws ec2 describe-network-interfaces`.

 - custom networking: the node's ENIConfig (picked by ENI_CONFIG_LABEL_DEF from the Node object
   in the --k8s-source directory) names a subnet of a secondary VPC CIDR and a security group;
   the primary ENI carries no pod addresses, a second ENI in that subnet with that group does,
   pods get its addresses (device 1, table 2), and max-pods follows the custom-networking formula;
 - subnet discovery (default on): of the subnets in the node's AZ, the one tagged
   kubernetes.io/role/cni=1 with the most free addresses gets the new ENI, while a larger one
   tagged "0" is never used.
"""

import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vpccni_e2e as e2e  # noqa: E402


def node_vpc(emu, iid):
    return e2e.instance_enis(emu.ec2, iid)[0]["VpcId"]


def subnet(emu, vpc, cidr, tag=None):
    args = ["create-subnet", "--vpc-id", vpc, "--cidr-block", cidr, "--availability-zone",
            "us-west-2a"]
    if tag is not None:
        args += ["--tag-specifications",
                 f"ResourceType=subnet,Tags=[{{Key=kubernetes.io/role/cni,Value={tag}}}]"]
    return e2e.aws_ec2(emu.ec2, *args)["Subnet"]["SubnetId"]


def by_device(emu, iid):
    return {e["Attachment"]["DeviceIndex"]: e for e in e2e.instance_enis(emu.ec2, iid)}


def node_with_secondary_cidr(cleanup):
    """An emulator and an m5.large whose VPC also has 100.64.0.0/16: (emu, inst, vpc)."""
    emu = e2e.Emulator.start(cleanup)
    inst = emu.launch_instance("m5.large")
    vpc = node_vpc(emu, inst["instance_id"])
    e2e.aws_ec2(emu.ec2, "associate-vpc-cidr-block", "--vpc-id", vpc, "--cidr-block",
                "100.64.0.0/16")
    return emu, inst, vpc


def test_custom_networking():
    e2e.require_root()
    with e2e.Cleanup() as cleanup:
        emu, inst, vpc = node_with_secondary_cidr(cleanup)
        iid = inst["instance_id"]
        pod_subnet = subnet(emu, vpc, "100.64.0.0/24")
        sg = e2e.aws_ec2(emu.ec2, "create-security-group", "--group-name", "pods",
                         "--description", "pods", "--vpc-id", vpc)["GroupId"]
        objects = tempfile.mkdtemp(prefix="vpccni-k8s-")
        cleanup.add(shutil.rmtree, objects, True)
        with open(os.path.join(objects, "objects.json"), "w") as f:
            json.dump({"apiVersion": "v1", "kind": "List", "items": [
                {"apiVersion": "v1", "kind": "Node", "metadata": {
                    "name": "node-1", "labels": {"topology.kubernetes.io/zone": "us-west-2a"}}},
                {"apiVersion": "crd.k8s.amazonaws.com/v1alpha1", "kind": "ENIConfig",
                 "metadata": {"name": "us-west-2a"},
                 "spec": {"subnet": pod_subnet, "securityGroups": [sg]}}]}, f)
        d = e2e.Ipamd.start(cleanup, inst["imds"], emu.ec2,
                            env={"AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG": "true",
                                 "ENI_CONFIG_LABEL_DEF": "topology.kubernetes.io/zone"},
                            extra_args=["--k8s-source", "dir:" + objects,
                                        "--node-name", "node-1"])
        enis = by_device(emu, iid)
        assert len(enis) == 2, enis
        assert e2e.count_secondary_ips([enis[0]]) == 0, enis[0]
        second = enis[1]
        assert second["SubnetId"] == pod_subnet, second
        assert [g["GroupId"] for g in second["Groups"]] == [sg], second["Groups"]
        assert e2e.count_secondary_ips([second]) == 9, second
        pod_ips = {a["PrivateIpAddress"] for a in second["PrivateIpAddresses"]
                   if not a.get("Primary")}
        r = d.client().add("cn-1", pod="cn-1", namespace="e2e")
        alloc = r["IPAllocations"][0]
        assert alloc["IPv4Addr"] in pod_ips, (alloc, pod_ips)
        assert alloc["DeviceNumber"] == 1 and alloc["RouteTableId"] == 2, alloc
        # m5.large with custom networking: (3 - 1) ENIs x (10 - 1) + 2.
        assert "max-pods 20" in open(d.log_path).read(), d.log_tail()


def test_subnet_discovery():
    e2e.require_root()
    with e2e.Cleanup() as cleanup:
        emu, inst, vpc = node_with_secondary_cidr(cleanup)
        iid = inst["instance_id"]
        subnet(emu, vpc, "100.64.192.0/26", tag="1")       # valid, small
        big = subnet(emu, vpc, "100.64.128.0/18", tag="1")  # valid, most free addresses
        subnet(emu, vpc, "100.64.0.0/17", tag="0")          # excluded, though the largest
        d = e2e.Ipamd.start(cleanup, inst["imds"], emu.ec2)
        e2e.wait_for(lambda: e2e.count_secondary_ips(e2e.instance_enis(emu.ec2, iid)) == 9,
                     timeout=30, interval=0.5, what="the primary ENI's warm addresses")
        r = d.client().add("sd-1", pod="sd-1", namespace="e2e")  # WARM_ENI_TARGET=1: a new ENI
        assert r["Success"], r
        e2e.wait_for(lambda: len(by_device(emu, iid)) == 2, timeout=30, interval=0.5,
                     what="a second ENI")
        assert by_device(emu, iid)[1]["SubnetId"] == big, by_device(emu, iid)[1]


if __name__ == "__main__":
    e2e.run_main([("custom_networking", test_custom_networking),
                  ("subnet_discovery", test_subnet_discovery)])
