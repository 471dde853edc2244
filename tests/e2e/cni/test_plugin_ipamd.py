#!/usr/bin/env python3
"""e2e: the real vpc-cni binary against the real ipamd and vpc-emulator.

A c5.large node (9 secondary IPs per ENI): 12 pods are added through the plugin as a runtime
would (retrying on code 11 while ipamd attaches a second ENI), every pod gets a distinct VPC
address that the emulator reports as assigned to the node's ENIs, pods on the second ENI get the
rule 1536 to its route table, pods ping each other over their VPC addresses, CHECK passes, and
DEL (twice, as containerd does) returns every address to ipamd. Then: DEL with ipamd stopped
succeeds from prevResult; ADD with ipamd stopped is code 11 and leaves nothing behind.
"""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cni_e2e as c  # noqa: E402
from cni_e2e import e2e  # noqa: E402

PODS = 12


def test_pods_through_plugin_and_ipamd():
    e2e.require_root()
    c_bin = e2e.binary("vpc-cni")
    with e2e.Cleanup() as cleanup:
        emu = e2e.Emulator.start(cleanup)
        inst = emu.launch_instance("c5.large")
        d = e2e.Ipamd.start(cleanup, inst["imds"], emu.ec2, region=inst.get("region", "us-west-2"))
        node = e2e.Netns.create(cleanup, prefix="vpccni-cnie2e-node")
        node.run("sysctl", "-qw", "net.ipv4.ip_forward=1")
        conf = c.conflist_entry(d.socket_path, log_file=os.path.join(d.workdir, "plugin.log"))
        results = {}
        pods = {}
        for i in range(PODS):
            pod = e2e.Netns.create(cleanup, prefix=f"vpccni-cnie2e-p{i}")
            pods[i] = pod
            results[i] = c.add_with_retry(node.name, f"e2e-{i}", pod.name, conf, f"web-{i}")
        ips = {i: c.pod_ip(r) for i, r in results.items()}
        assert len(set(ips.values())) == PODS, ips
        # The emulator (EC2's view) holds every pod address on this instance's ENIs.
        enis = c.instance_enis(emu.ec2, inst["instance_id"], inst.get("region", "us-west-2"))
        vpc_ips = {a["PrivateIpAddress"] for e in enis for a in e.get("PrivateIpAddresses", [])
                   if not a.get("Primary")}
        assert set(ips.values()) <= vpc_ips, (ips, vpc_ips)
        # The dummy interface carries the ENI device number (route table = device + 1).
        tables = {int(r["interfaces"][2]["sandbox"]) + 1 for r in results.values()}
        assert len(enis) >= 2 and len(tables) >= 2, f"{PODS} pods must span two ENIs: {tables}"
        for i, r in results.items():
            table = int(r["interfaces"][2]["sandbox"]) + 1
            rules = c.rules_for(node.name, ips[i])
            assert any(x.get("priority") == 512 for x in rules), rules
            if table > 1 and table != 254:
                assert any(x.get("priority") == 1536 and str(x.get("table")) == str(table)
                           for x in rules), (table, rules)
        # Pod to pod over VPC addresses (including across ENIs).
        for a, b in [(0, 1), (0, PODS - 1), (PODS - 1, 3)]:
            out = pods[a].run("ping", "-c1", "-W2", ips[b], check=False)
            assert out.returncode == 0, f"pod {a} -> {ips[b]}: {out.stdout}{out.stderr}"
        _, assigned, _ = d.pool()
        assert assigned == PODS, assigned
        for i, r in results.items():
            rc, body = c.run_plugin(node.name, "CHECK", f"e2e-{i}", pods[i].name,
                                    dict(conf, prevResult=r), pod_name=f"web-{i}")
            assert rc == 0, body
        # StopPodSandbox then RemovePodSandbox.
        for i, r in results.items():
            rc, body = c.run_plugin(node.name, "DEL", f"e2e-{i}", pods[i].name,
                                    dict(conf, prevResult=r), pod_name=f"web-{i}")
            assert rc == 0, body
            rc, body = c.run_plugin(node.name, "DEL", f"e2e-{i}", "", conf, pod_name=f"web-{i}")
            assert rc == 0, body
            assert not c.rules_for(node.name, ips[i]), c.rules_for(node.name, ips[i])
        e2e.wait_for(lambda: d.pool()[1] == 0, timeout=10, what="ipamd to release all pods")

        # ipamd down: DEL from prevResult succeeds, ADD is "try again later" with no leftovers.
        extra = e2e.Netns.create(cleanup, prefix="vpccni-cnie2e-px")
        r = c.add_with_retry(node.name, "e2e-down", extra.name, conf, "down")
        e2e.kill_process(d.proc)
        rc, body = c.run_plugin(node.name, "DEL", "e2e-down", extra.name,
                                dict(conf, prevResult=r), pod_name="down")
        assert rc == 0, body
        assert not c.rules_for(node.name, c.pod_ip(r))
        fresh = e2e.Netns.create(cleanup, prefix="vpccni-cnie2e-py")
        rc, body = c.run_plugin(node.name, "ADD", "e2e-down2", fresh.name, conf, pod_name="d2")
        assert rc != 0 and body.get("code") == c.TRY_AGAIN, body
        assert len(c.ip_json(fresh.name, "link", "show")) == 1


if __name__ == "__main__":
    e2e.run_main([("pods_through_plugin_and_ipamd", test_pods_through_plugin_and_ipamd)])
