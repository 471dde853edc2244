#!/usr/bin/env python3
"""e2e: bad configuration makes the real ipamd binary fail fast (exit code 2) with a message on
stderr naming the variable: unknown enum values, conflicting modes, IPv6 without prefix
delegation, WARM_PREFIX_TARGET=0 with prefix delegation, MTU out of range, and custom
networking whose ENIConfig is missing (found at bootstrap, against the emulator)."""

import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vpccni_e2e as e2e  # noqa: E402

CASES = [
    ({"AWS_VPC_K8S_CNI_RANDOMIZESNAT": "sometimes"}, "AWS_VPC_K8S_CNI_RANDOMIZESNAT"),
    ({"ENABLE_IPv4": "true", "ENABLE_IPv6": "true", "ENABLE_PREFIX_DELEGATION": "true"},
     "ENABLE_IPv4"),
    ({"ENABLE_IPv4": "false"}, "ENABLE_IPv4"),
    ({"ENABLE_IPv6": "true"}, "ENABLE_PREFIX_DELEGATION"),
    ({"ENABLE_IPv6": "true", "ENABLE_PREFIX_DELEGATION": "true",
      "AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG": "true"}, "AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG"),
    ({"ENABLE_PREFIX_DELEGATION": "true", "WARM_PREFIX_TARGET": "0"}, "WARM_PREFIX_TARGET"),
    ({"AWS_VPC_ENI_MTU": "100000"}, "AWS_VPC_ENI_MTU"),
    ({"WARM_IP_TARGET": "lots"}, "WARM_IP_TARGET"),
    ({"ENABLE_SUBNET_DISCOVERY": "maybe"}, "ENABLE_SUBNET_DISCOVERY"),
    ({"POD_SECURITY_GROUP_ENFORCING_MODE": "paranoid"}, "POD_SECURITY_GROUP_ENFORCING_MODE"),
    ({"AWS_VPC_K8S_CNI_VETHPREFIX": "vlan"}, "AWS_VPC_K8S_CNI_VETHPREFIX"),
]


def run_ipamd(env, args=(), timeout=20):
    full = dict(os.environ)
    full.update(env)
    # Nothing listens there: a config error must be reported before any IMDS access.
    full.setdefault("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9")
    full.setdefault("AWS_REGION", "us-west-2")
    return subprocess.run([e2e.binary("ipamd"), "--no-host-network"] + list(args), env=full,
                          capture_output=True, text=True, timeout=timeout)


def test_env_errors():
    for env, var in CASES:
        out = run_ipamd(env)
        assert out.returncode == 2, (env, out.returncode, out.stderr)
        assert var in out.stderr, (env, out.stderr)
        assert "invalid configuration" in out.stderr, out.stderr


def test_bad_flag_values():
    out = run_ipamd({}, ["--reconcile-interval", "soon"])
    assert out.returncode == 2 and "--reconcile-interval" in out.stderr, out.stderr
    out = run_ipamd({}, ["--k8s-source", "http://api"])
    assert out.returncode == 2 and "--k8s-source" in out.stderr, out.stderr


def test_missing_eniconfig():
    with e2e.Cleanup() as cleanup:
        emu = e2e.Emulator.start(cleanup)
        inst = emu.launch_instance("m5.large")
        manifests = tempfile.mkdtemp(prefix="ipamd-k8s-")
        cleanup.add(__import__("shutil").rmtree, manifests, True)
        with open(os.path.join(manifests, "node.yaml"), "w") as f:
            f.write("apiVersion: v1\nkind: Node\nmetadata:\n  name: node-a\n  labels:\n"
                    "    k8s.amazonaws.com/eniConfig: pods-a\n")
        workdir = tempfile.mkdtemp(prefix="ipamd-e2e-")
        cleanup.add(__import__("shutil").rmtree, workdir, True)
        env = e2e.aws_env(inst.get("region", "us-west-2"))
        env.update({"AWS_EC2_METADATA_SERVICE_ENDPOINT": inst["imds"],
                    "AWS_ENDPOINT_URL_EC2": emu.ec2,
                    "AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG": "true",
                    "MY_NODE_NAME": "node-a",
                    "AWS_VPC_K8S_CNI_BACKING_STORE": os.path.join(workdir, "ipam.json")})
        out = subprocess.run([e2e.binary("ipamd"), "--no-host-network",
                              "--socket", os.path.join(workdir, "s.sock"),
                              "--metrics-addr", "127.0.0.1:0", "--introspection-addr",
                              "127.0.0.1:0", "--k8s-source", f"dir:{manifests}"],
                             env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 2, (out.returncode, out.stderr[-2000:])
        assert "AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG" in out.stderr, out.stderr[-2000:]
        assert "pods-a" in out.stderr, out.stderr[-2000:]


if __name__ == "__main__":
    e2e.run_main([
        ("env_errors", test_env_errors),
        ("bad_flag_values", test_bad_flag_values),
        ("missing_eniconfig", test_missing_eniconfig),
    ])
