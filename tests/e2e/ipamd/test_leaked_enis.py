#!/usr/bin/env python3
"""e2e: ipamd's clean-up of ENIs its cluster leaked, against the real vpc-emulator.

ENIs are created with the AWS CLI as a crashed node of cluster e2e-cluster would have left them
(description aws-K8S-<instance>, instance and cluster tags, `available`), next to look-alikes.
ipamd (CLUSTER_NAME=e2e-cluster, --leaked-eni-interval 2s, --leaked-eni-min-age 5m) must delete
only the ones older than 5 minutes, tag an untagged one with its creation time instead of
deleting it, and leave younger ones, another cluster's, and ones not created by the CNI alone;
the deletion is counted in awscni_leaked_enis_deleted_total.
"""

import datetime
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vpccni_e2e as e2e  # noqa: E402

INSTANCE_TAG = "node.k8s.amazonaws.com/instance_id"
CREATED_TAG = "node.k8s.amazonaws.com/createdAt"
CLUSTER_TAG = "cluster.k8s.amazonaws.com/name"


def rfc3339(minutes_ago):
    t = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=minutes_ago)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def create_eni(emu, subnet, description, tags):
    spec = ",".join(f"{{Key={k},Value={v}}}" for k, v in tags.items())
    return e2e.aws_ec2(emu.ec2, "create-network-interface", "--subnet-id", subnet,
                       "--description", description, "--tag-specifications",
                       f"ResourceType=network-interface,Tags=[{spec}]"
                       )["NetworkInterface"]["NetworkInterfaceId"]


def test_leaked_eni_cleanup():
    e2e.require_root()
    with e2e.Cleanup() as cleanup:
        emu = e2e.Emulator.start(cleanup)
        inst = emu.launch_instance("m5.large")
        primary = e2e.instance_enis(emu.ec2, inst["instance_id"])[0]
        subnet = primary["SubnetId"]
        ours = {INSTANCE_TAG: "i-0gone", CLUSTER_TAG: "e2e-cluster"}
        old = create_eni(emu, subnet, "aws-K8S-i-0gone", {**ours, CREATED_TAG: rfc3339(10)})
        young = create_eni(emu, subnet, "aws-K8S-i-0gone", {**ours, CREATED_TAG: rfc3339(1)})
        untagged = create_eni(emu, subnet, "aws-K8S-i-0gone", ours)
        other_cluster = create_eni(emu, subnet, "aws-K8S-i-0gone",
                                   {INSTANCE_TAG: "i-0gone", CLUSTER_TAG: "another",
                                    CREATED_TAG: rfc3339(10)})
        not_cni = create_eni(emu, subnet, "my database ENI", {**ours, CREATED_TAG: rfc3339(10)})

        d = e2e.Ipamd.start(cleanup, inst["imds"], emu.ec2, env={"CLUSTER_NAME": "e2e-cluster"},
                            extra_args=["--leaked-eni-interval", "2s",
                                        "--leaked-eni-min-age", "5m"])

        def remaining():
            reply = e2e.aws_ec2(emu.ec2, "describe-network-interfaces", "--filters",
                                f"Name=tag:{INSTANCE_TAG},Values=i-0gone")
            return {e["NetworkInterfaceId"]: e for e in reply["NetworkInterfaces"]}

        e2e.wait_for(lambda: old not in remaining(), timeout=30, interval=0.5,
                     what="the old leaked ENI to be deleted")
        e2e.wait_for(lambda: any(t["Key"] == CREATED_TAG
                                 for t in remaining()[untagged].get("TagSet", [])),
                     timeout=30, interval=0.5, what="the untagged leaked ENI to be tagged")
        left = remaining()
        assert set(left) == {young, untagged, other_cluster, not_cni}, left
        metrics = d.metrics_text()
        assert "awscni_leaked_enis_deleted_total 1" in metrics, metrics[-2000:]


if __name__ == "__main__":
    e2e.run_main([("leaked_eni_cleanup", test_leaked_eni_cleanup)])
