#!/usr/bin/env python3
"""e2e: ipamd in IPv6 mode (ENABLE_IPv6, prefix delegation) against the real vpc-emulator.

A dual-stack VPC and subnet are created with the AWS CLI; an m5.large in it gets ipamd with
ENABLE_IPv6=true ENABLE_IPv4=false ENABLE_PREFIX_DELEGATION=true, and:
 - becomes ready once the primary ENI holds one IPv6 /80 prefix, which
   `aws ec2 describe-network-interfaces` shows; no IPv4 warm pool and no second ENI appear;
 - hands pods distinct addresses inside that /80 (idempotently per container) with the main
   route table, and takes them back; introspection, metrics and `vpcctl status` count them;
 - keeps an assignment across a SIGKILL restart (checkpoint), without a second prefix;
 - exits 0 on SIGTERM, removing its socket and keeping the checkpoint.
"""

import ipaddress
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vpccni_e2e as e2e  # noqa: E402

ENV = {"ENABLE_IPv6": "true", "ENABLE_IPv4": "false", "ENABLE_PREFIX_DELEGATION": "true"}


def dual_stack_subnet(emu):
    vpc = e2e.aws_ec2(emu.ec2, "create-vpc", "--cidr-block", "10.1.0.0/16",
                      "--amazon-provided-ipv6-cidr-block")["Vpc"]["VpcId"]
    v6 = e2e.aws_ec2(emu.ec2, "describe-vpcs", "--vpc-ids", vpc)["Vpcs"][0][
        "Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    first64 = next(ipaddress.ip_network(v6).subnets(new_prefix=64))
    return e2e.aws_ec2(emu.ec2, "create-subnet", "--vpc-id", vpc, "--cidr-block", "10.1.0.0/24",
                       "--ipv6-cidr-block", str(first64), "--availability-zone",
                       "us-west-2a")["Subnet"]["SubnetId"]


def test_ipv6_node():
    e2e.require_root()
    with e2e.Cleanup() as cleanup:
        emu = e2e.Emulator.start(cleanup)
        subnet = dual_stack_subnet(emu)
        iid, d = e2e.start_node(cleanup, emu, "m5.large", subnet_id=subnet, env=ENV)

        enis = e2e.instance_enis(emu.ec2, iid)
        assert len(enis) == 1, enis
        prefixes = [p["Ipv6Prefix"] for p in enis[0].get("Ipv6Prefixes", [])]
        assert len(prefixes) == 1 and prefixes[0].endswith("/80"), enis[0]
        prefix = ipaddress.ip_network(prefixes[0])
        assert e2e.count_secondary_ips(enis) == 0, "IPv6 mode keeps no IPv4 warm pool"

        client = d.client()
        got = {}
        for i in range(5):
            r = client.add(f"v6-{i}", pod=f"v6-{i}", namespace="e2e")
            assert r["Success"], r
            alloc = r["IPAllocations"][0]
            assert alloc["IPv4Addr"] == "" and alloc["RouteTableId"] == 254, r
            addr = ipaddress.ip_address(alloc["IPv6Addr"])
            assert addr in prefix, (addr, prefix)
            got[i] = addr
        assert len(set(got.values())) == 5, got
        again = client.add("v6-0", pod="v6-0", namespace="e2e")
        assert ipaddress.ip_address(again["IPAllocations"][0]["IPv6Addr"]) == got[0], again
        r = client.delete("v6-4")
        assert r["Success"] and ipaddress.ip_address(r["IPAllocations"][0]["IPv6Addr"]) == got[4], r
        # Operators see the IPv6 assignments: introspection, metrics and vpcctl status.
        assert d.pool()[1] == 4, d.enis()
        e2e.wait_for(lambda: "awscni_assigned_ip_addresses 4" in d.metrics_text(), timeout=10,
                     what="awscni_assigned_ip_addresses 4")
        status = subprocess.run([e2e.binary("vpcctl"), "status", "--introspection-url",
                                 d.introspection, "--output", "json"],
                                capture_output=True, text=True, check=True)
        assert json.loads(status.stdout)["assigned"] == 4, status.stdout

        # SIGKILL and restart on the same checkpoint: v6-1 keeps its address, no new prefix.
        d.restart(cleanup)
        r = d.client().add("v6-1", pod="v6-1", namespace="e2e")
        assert ipaddress.ip_address(r["IPAllocations"][0]["IPv6Addr"]) == got[1], r
        time.sleep(1)  # a few pool passes
        enis = e2e.instance_enis(emu.ec2, iid)
        assert len(enis) == 1 and len(enis[0].get("Ipv6Prefixes", [])) == 1, enis

        # SIGTERM: in-flight work finishes, exit 0, the socket is gone, the checkpoint stays.
        d.proc.send_signal(signal.SIGTERM)
        assert d.proc.wait(timeout=10) == 0, d.log_tail()
        assert not os.path.exists(d.socket_path)
        assert "v6-1" in open(os.path.join(d.workdir, "ipam.json")).read()


if __name__ == "__main__":
    e2e.run_main([("ipv6_node", test_ipv6_node)])
