#!/usr/bin/python3
"""e2e through a real runtime: containerd 1.6's CRI plugin (the kubelet's path) starts and stops
pod sandboxes whose network comes from vpc-cni + the real ipamd + vpc-emulator, chained with
egress-cni (disabled, as in an IPv4 cluster) and Debian's portmap, as deploy/10-aws.conflist
renders it. containerd runs inside a node netns so every CNI call and kernel change stays there.

Checks: sandboxes become READY with distinct VPC addresses that EC2 (the emulator) shows on the
node's ENIs; pods reach each other over those addresses; a hostPort reaches the pod through
portmap; Stop + Remove (DEL with netns, then DEL without) give every address back to ipamd and
leave no pod rules behind. Run with /usr/bin/python3 (Debian's grpc modules).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cni_e2e as c  # noqa: E402
import cri_driver  # noqa: E402
from cni_e2e import e2e  # noqa: E402

SOURCE_DIR = os.environ.get("VPCCNI_SOURCE_DIR",
                            os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                         ".."))
NODE_ADDR = "10.99.0.1"
HOST_PORT = 18090


def make_cni_dirs(cleanup, socket_path, log_file):
    base = tempfile.mkdtemp(prefix="vpccni-cri-cni-")
    cleanup.add(shutil.rmtree, base, True)
    bin_dir = os.path.join(base, "bin")
    conf_dir = os.path.join(base, "net.d")
    os.makedirs(bin_dir)
    os.makedirs(conf_dir)
    for name in os.listdir("/usr/lib/cni"):
        os.symlink(os.path.join("/usr/lib/cni", name), os.path.join(bin_dir, name))
    for name in ("vpc-cni", "egress-cni"):
        os.symlink(e2e.binary(name), os.path.join(bin_dir, name))
    with open(os.path.join(SOURCE_DIR, "deploy", "10-aws.conflist")) as f:
        conflist = json.load(f)
    conflist["plugins"][0]["ipamdSocket"] = socket_path
    conflist["plugins"][0]["pluginLogFile"] = log_file
    conflist["plugins"][1]["pluginLogFile"] = log_file + ".egress"
    with open(os.path.join(conf_dir, "10-aws.conflist"), "w") as f:
        json.dump(conflist, f)
    return bin_dir, conf_dir


def in_pod(pid, *cmd, check=False, timeout=20):
    return subprocess.run(["nsenter", "-t", str(pid), "-n"] + list(cmd), capture_output=True,
                          text=True, check=check, timeout=timeout)


def test_containerd_cri_pods():
    e2e.require_root()
    with e2e.Cleanup() as cleanup:
        emu = e2e.Emulator.start(cleanup)
        inst = emu.launch_instance("c5.large")
        d = e2e.Ipamd.start(cleanup, inst["imds"], emu.ec2, region=inst.get("region", "us-west-2"))
        node = e2e.Netns.create(cleanup, prefix="vpccni-crie2e-node")
        node.run("sysctl", "-qw", "net.ipv4.ip_forward=1")
        node.run("ip", "link", "add", "nodeaddr0", "type", "veth", "peer", "name", "nodeaddr1")
        node.run("ip", "addr", "add", f"{NODE_ADDR}/32", "dev", "nodeaddr0")
        node.run("ip", "link", "set", "nodeaddr0", "up")
        node.run("ip", "link", "set", "nodeaddr1", "up")
        plugin_log = os.path.join(d.workdir, "plugin.log")
        bin_dir, conf_dir = make_cni_dirs(cleanup, d.socket_path, plugin_log)
        ctd = cri_driver.Containerd(cleanup, node.name, bin_dir, conf_dir)

        sids = []
        for i in range(3):
            ports = [(HOST_PORT, 80)] if i == 0 else []
            try:
                sids.append(ctd.run_pod(f"web-{i}", port_mappings=ports))
            except Exception as exc:
                log = open(plugin_log).read()[-3000:] if os.path.exists(plugin_log) else ""
                raise AssertionError(f"RunPodSandbox failed: {exc}\ncontainerd: "
                                     f"{ctd.log_tail()}\nplugin: {log}") from exc
        st = [ctd.status(s) for s in sids]
        assert all(s["state"] == "SANDBOX_READY" for s in st), st
        ips = [s["ip"] for s in st]
        assert len(set(ips)) == 3 and all(ips), ips
        enis = c.instance_enis(emu.ec2, inst["instance_id"], inst.get("region", "us-west-2"))
        vpc_ips = {a["PrivateIpAddress"] for e in enis for a in e.get("PrivateIpAddresses", [])}
        assert set(ips) <= vpc_ips, (ips, vpc_ips)
        assert d.pool()[1] == 3

        # Pod to pod over VPC addresses.
        for a, b in [(0, 1), (1, 2), (2, 0)]:
            out = in_pod(st[a]["pid"], "ping", "-c1", "-W2", ips[b])
            assert out.returncode == 0, f"{ips[a]} -> {ips[b]}: {out.stdout}{out.stderr}"

        # hostPort through the chained portmap.
        server = subprocess.Popen(["nsenter", "-t", str(st[0]["pid"]), "-n", "socat",
                                   "TCP-LISTEN:80,reuseaddr,fork", "SYSTEM:echo hi-from-pod"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cleanup.add(e2e.kill_process, server)

        def hostport_answers():
            out = node.run("socat", "-T2", "-", f"TCP:{NODE_ADDR}:{HOST_PORT}", check=False)
            return "hi-from-pod" in out.stdout
        e2e.wait_for(hostport_answers, timeout=15, interval=0.2, what="hostPort via portmap")
        e2e.kill_process(server)

        # StopPodSandbox (DEL with netns) + RemovePodSandbox (DEL without).
        for s in sids:
            ctd.stop_pod(s)
            ctd.remove_pod(s)
        e2e.wait_for(lambda: d.pool()[1] == 0, timeout=15, what="ipamd to release the pods")
        for ip in ips:
            assert not c.rules_for(node.name, ip), c.rules_for(node.name, ip)
        log = open(plugin_log).read()
        assert '"ADD' in log and '"DEL' in log, "plugin log must show the runtime's calls"


if __name__ == "__main__":
    e2e.run_main([("containerd_cri_pods", test_containerd_cri_pods)])
