"""Helpers for the CNI e2e tests: run the real vpc-cni binary like a runtime does (inside a
"node" network namespace, via nsenter), and observe pods. Builds on tests/e2e/lib/vpccni_e2e.py
(emulator, ipamd, cleanup)."""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vpccni_e2e as e2e  # noqa: E402,F401

TRY_AGAIN = 11


def conflist_entry(socket_path, version="1.0.0", log_file=None):
    conf = {"cniVersion": version, "name": "aws-cni", "type": "vpc-cni", "vethPrefix": "eni",
            "mtu": "9001", "podSGEnforcingMode": "strict", "pluginLogLevel": "debug",
            "ipamdSocket": socket_path}
    if log_file:
        conf["pluginLogFile"] = log_file
    return conf


def run_plugin(node, cmd, cid, pod_netns, conf, pod_name="pod", pod_ns="default",
               binary=None, timeout=60):
    """Runs vpc-cni in the node netns. Returns (rc, parsed stdout or raw text)."""
    exe = binary or e2e.binary("vpc-cni")
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "CNI_COMMAND": cmd, "CNI_PATH": "/usr/lib/cni"}
    if cid:
        env.update({"CNI_CONTAINERID": cid, "CNI_IFNAME": "eth0",
                    "CNI_NETNS": f"/var/run/netns/{pod_netns}" if pod_netns else "",
                    "CNI_ARGS": f"IgnoreUnknown=1;K8S_POD_NAMESPACE={pod_ns};"
                                f"K8S_POD_NAME={pod_name};K8S_POD_INFRA_CONTAINER_ID={cid};"
                                f"K8S_POD_UID=uid-{cid}"})
    out = subprocess.run(["nsenter", f"--net=/var/run/netns/{node}", exe],
                         input=json.dumps(conf), capture_output=True, text=True, env=env,
                         timeout=timeout)
    try:
        body = json.loads(out.stdout) if out.stdout.strip() else {}
    except json.JSONDecodeError:
        body = out.stdout
    return out.returncode, body


def add_with_retry(node, cid, pod_netns, conf, pod_name, timeout=60):
    """ADD, retried like kubelet while the plugin answers 11 (warm pool still growing)."""
    deadline = time.monotonic() + timeout
    while True:
        rc, body = run_plugin(node, "ADD", cid, pod_netns, conf, pod_name=pod_name)
        if rc == 0:
            return body
        if not (isinstance(body, dict) and body.get("code") == TRY_AGAIN) or \
                time.monotonic() > deadline:
            raise AssertionError(f"ADD {cid} failed: {body}")
        time.sleep(0.5)


def ip_json(netns, *args):
    out = subprocess.run(["ip", "-j", "-n", netns] + list(args), capture_output=True, text=True)
    return json.loads(out.stdout) if out.stdout.strip() else []


def rules_for(netns, ip):
    return [r for r in ip_json(netns, "rule", "show")
            if r.get("src") == ip or r.get("dst") == ip]


def pod_ip(result):
    return result["ips"][0]["address"].split("/")[0]


def instance_enis(endpoint, instance_id, region="us-west-2"):
    """describe-network-interfaces of an instance through the AWS CLI (EC2's view). Works with
    AWS CLI v1 and v2 (paging is off through AWS_PAGER="")."""
    import shutil
    if shutil.which("aws") is None:
        raise e2e.SkipTest("aws cli not installed")
    cmd = ["aws", "--endpoint-url", endpoint, "--output", "json", "ec2",
           "describe-network-interfaces", "--filters",
           f"Name=attachment.instance-id,Values={instance_id}"]
    out = subprocess.run(cmd, env=e2e.aws_env(region), capture_output=True, text=True,
                         timeout=60)
    if out.returncode != 0:
        raise RuntimeError(f"aws ec2 describe-network-interfaces failed: {out.stderr}")
    return json.loads(out.stdout).get("NetworkInterfaces", [])
