#!/usr/bin/python3
"""e2e: podman 4.3 with the CNI backend runs containers on the aws-cni network (vpc-cni + the
real ipamd + vpc-emulator, chained with egress-cni and portmap from deploy/10-aws.conflist), in
a node netns. Containers get distinct VPC addresses, reach each other, a published port reaches
the container through portmap, and `podman rm` gives the addresses back to ipamd."""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cni_e2e as c  # noqa: E402
import podman_driver  # noqa: E402
import test_containerd_cri as cri  # noqa: E402
from cni_e2e import e2e  # noqa: E402

HOST_PORT = 18091


def test_podman_cni_backend():
    e2e.require_root()
    with e2e.Cleanup() as cleanup:
        emu = e2e.Emulator.start(cleanup)
        inst = emu.launch_instance("c5.large")
        d = e2e.Ipamd.start(cleanup, inst["imds"], emu.ec2, region=inst.get("region", "us-west-2"))
        node = e2e.Netns.create(cleanup, prefix="vpccni-pme2e-node")
        node.run("sysctl", "-qw", "net.ipv4.ip_forward=1")
        node.run("ip", "link", "add", "nodeaddr0", "type", "veth", "peer", "name", "nodeaddr1")
        node.run("ip", "addr", "add", f"{cri.NODE_ADDR}/32", "dev", "nodeaddr0")
        node.run("ip", "link", "set", "nodeaddr0", "up")
        node.run("ip", "link", "set", "nodeaddr1", "up")
        plugin_log = os.path.join(d.workdir, "plugin.log")
        bin_dir, conf_dir = cri.make_cni_dirs(cleanup, d.socket_path, plugin_log)
        pm = podman_driver.Podman(cleanup, node.name, bin_dir, conf_dir)
        a = pm.run("vpccni-web-a", "aws-cni", ports=[(HOST_PORT, 80)])
        b = pm.run("vpccni-web-b", "aws-cni")
        assert a["ip"] and b["ip"] and a["ip"] != b["ip"], (a, b)
        enis = c.instance_enis(emu.ec2, inst["instance_id"], inst.get("region", "us-west-2"))
        vpc_ips = {x["PrivateIpAddress"] for e in enis for x in e.get("PrivateIpAddresses", [])}
        assert {a["ip"], b["ip"]} <= vpc_ips, (a, b, vpc_ips)
        out = cri.in_pod(a["pid"], "ping", "-c1", "-W2", b["ip"])
        assert out.returncode == 0, out.stdout + out.stderr
        server = subprocess.Popen(["nsenter", "-t", str(a["pid"]), "-n", "socat",
                                   "TCP-LISTEN:80,reuseaddr,fork", "SYSTEM:echo hi-from-podman"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cleanup.add(e2e.kill_process, server)
        e2e.wait_for(lambda: "hi-from-podman" in node.run(
            "socat", "-T2", "-", f"TCP:{cri.NODE_ADDR}:{HOST_PORT}", check=False).stdout,
            timeout=15, interval=0.2, what="published port via portmap")
        e2e.kill_process(server)
        assert d.pool()[1] == 2
        pm.rm("vpccni-web-a")
        pm.rm("vpccni-web-b")
        e2e.wait_for(lambda: d.pool()[1] == 0, timeout=15, what="ipamd to release")
        for ip in (a["ip"], b["ip"]):
            assert not c.rules_for(node.name, ip)


if __name__ == "__main__":
    e2e.run_main([("podman_cni_backend", test_podman_cni_backend)])
