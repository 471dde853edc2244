#!/usr/bin/env python3
"""e2e: fault tolerance of the real ipamd against vpc-emulator.
 - throttling + injected 5xx on every EC2 action + slow attaches: assignments from the warm
   pool keep succeeding; once the faults stop the pool converges to its target again;
 - subnet exhaustion: InsufficientFreeAddressesInSubnet is counted in the metrics, allocation
   backs off (awscni_insufficient_cidr_backoff 1), pods beyond the pool get NoAvailableIP and
   ipamd keeps running;
 - fragmentation with prefix delegation: InsufficientCidrBlocks makes ipamd fall back to /32
   addresses (awscni_prefix_fallback_total) and pods still get addresses."""

import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vpccni_e2e as e2e  # noqa: E402

EC2_ACTIONS = ["AssignPrivateIpAddresses", "UnassignPrivateIpAddresses",
               "CreateNetworkInterface", "AttachNetworkInterface", "DescribeNetworkInterfaces",
               "DescribeInstances", "DescribeSubnets", "ModifyNetworkInterfaceAttribute",
               "DeleteNetworkInterface", "DetachNetworkInterface"]


def metric(text, name):
    m = re.search(rf"^{re.escape(name)} ([0-9.e+]+)$", text, re.M)
    return float(m.group(1)) if m else None


def metric_sum(text, prefix):
    total = 0.0
    for line in text.splitlines():
        if line.startswith(prefix):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_faults_do_not_stop_assignments():
    with e2e.Cleanup() as cleanup:
        emu = e2e.Emulator.start(cleanup, args=["--attach-delay-ms", "500"])
        env = {"WARM_IP_TARGET": "6", "MINIMUM_IP_TARGET": "6"}
        iid, d = e2e.start_node(cleanup, emu, "m5.large", env=env, reconcile_interval="100ms",
                                extra_args=["--node-reconcile-interval", "1s"])
        e2e.wait_for(lambda: d.pool()[0] - d.pool()[1] >= 6, timeout=60, what="warm pool")
        emu.throttle(True)
        for action in EC2_ACTIONS:
            emu.faults({"action": action, "error_code": "InternalError", "error_rate": 0.5,
                        "count": 1000000, "latency_ms": 20})
        client = d.client()
        live = []
        failures = 0
        for i in range(60):
            t, a, c = d.pool()
            r = client.add(f"f{i}")
            if r["Success"]:
                live.append(f"f{i}")
            else:
                assert r.get("ErrorReason") == "NoAvailableIP", r
                assert t - a - c <= 0, f"pool had {t - a - c} free but ADD failed: {r}"
                failures += 1
            if len(live) > 3:
                assert client.delete(live.pop(0))["Success"]
            time.sleep(0.05)
        assert failures == 0, f"{failures} ADDs failed while the warm pool had addresses"
        assert d.proc.poll() is None, d.log_tail()
        emu.faults({"clear": True})
        emu.throttle(False)

        def converged():
            t, a, _ = d.pool()
            return t - a == 6
        e2e.wait_for(converged, timeout=90, interval=0.5, what="convergence after faults")
        text = d.metrics_text()
        assert metric_sum(text, "awscni_aws_api_error_count{") > 0, text


def test_subnet_exhaustion():
    with e2e.Cleanup() as cleanup:
        emu = e2e.Emulator.start(cleanup)
        vpc = e2e.aws_ec2(emu.ec2, "create-vpc", "--cidr-block", "10.50.0.0/16")["Vpc"]["VpcId"]
        # A /28: 16 addresses, 5 reserved by AWS, 1 for the instance -> 10 free.
        subnet = e2e.aws_ec2(emu.ec2, "create-subnet", "--vpc-id", vpc, "--cidr-block",
                             "10.50.1.0/28", "--availability-zone", "us-west-2a")["Subnet"]
        iid, d = e2e.start_node(cleanup, emu, "m5.large", subnet_id=subnet["SubnetId"],
                                env={"WARM_IP_TARGET": "20", "ENABLE_SUBNET_DISCOVERY": "false"},
                                reconcile_interval="100ms")
        e2e.wait_for(lambda: "InsufficientFreeAddressesInSubnet" in d.metrics_text(),
                     timeout=60, what="InsufficientFreeAddressesInSubnet in the metrics")
        text = d.metrics_text()
        assert metric(text, "awscni_insufficient_cidr_backoff") == 1, text
        client = d.client()
        got = 0
        for i in range(20):
            r = client.add(f"x{i}")
            if r["Success"]:
                got += 1
            else:
                assert r.get("ErrorReason") == "NoAvailableIP", r
        assert 0 < got <= 10, got
        assert d.proc.poll() is None, d.log_tail()
        assert metric(d.metrics_text(), "awscni_no_available_ip_addresses") >= 20 - got


def test_prefix_fragmentation_falls_back_to_ips():
    with e2e.Cleanup() as cleanup:
        emu = e2e.Emulator.start(cleanup)
        vpc = e2e.aws_ec2(emu.ec2, "create-vpc", "--cidr-block", "10.60.0.0/16")["Vpc"]["VpcId"]
        subnet = e2e.aws_ec2(emu.ec2, "create-subnet", "--vpc-id", vpc, "--cidr-block",
                             "10.60.1.0/26", "--availability-zone", "us-west-2a")["Subnet"]
        sid = subnet["SubnetId"]
        # Fragment the /26: one address taken in every /28 block.
        holder = e2e.aws_ec2(emu.ec2, "create-network-interface", "--subnet-id", sid,
                             "--private-ip-address", "10.60.1.20")["NetworkInterface"]
        for ip in ["10.60.1.36", "10.60.1.52"]:
            e2e.aws_ec2(emu.ec2, "assign-private-ip-addresses", "--network-interface-id",
                        holder["NetworkInterfaceId"], "--private-ip-addresses", ip)
        iid, d = e2e.start_node(cleanup, emu, "m5.large", subnet_id=sid,
                                env={"ENABLE_PREFIX_DELEGATION": "true",
                                     "WARM_PREFIX_TARGET": "1",
                                     "ENABLE_SUBNET_DISCOVERY": "false"},
                                reconcile_interval="100ms", wait=False)
        e2e.wait_for(lambda: "awscni_prefix_fallback_total{" in d.metrics_text(), timeout=60,
                     what="prefix fallback metric")
        d.wait_ready(timeout=60)
        r = d.client().add("pd-pod")
        assert r["Success"], r
        assert d.proc.poll() is None, d.log_tail()


if __name__ == "__main__":
    e2e.run_main([
        ("faults_do_not_stop_assignments", test_faults_do_not_stop_assignments),
        ("subnet_exhaustion", test_subnet_exhaustion),
        ("prefix_fragmentation_falls_back_to_ips", test_prefix_fragmentation_falls_back_to_ips),
    ])
