#!/usr/bin/env python3
"""Driver of tests/bench/ipamd/run.sh (see there)."""

import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "e2e",
                                "lib"))
import vpccni_e2e as e2e  # noqa: E402


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    results = {}
    with e2e.Cleanup() as cleanup:
        emu = e2e.Emulator.start(cleanup)
        # c5.18xlarge: 15 ENIs x 50 addresses; enough for 250 pods on secondary IPs.
        workdir = tempfile.mkdtemp(prefix="ipamd-bench-", dir="/dev/shm")
        cleanup.add(__import__("shutil").rmtree, workdir, True)
        inst = emu.launch_instance("c5.18xlarge")
        d = e2e.Ipamd.start(cleanup, inst["imds"], emu.ec2, workdir=workdir,
                            env={"WARM_IP_TARGET": "8", "MINIMUM_IP_TARGET": "260",
                                 "AWS_VPC_K8S_CNI_LOGLEVEL": "info"},
                            reconcile_interval="100ms", region=inst.get("region", "us-west-2"),
                            extra_args=["--max-pods", "300"])
        e2e.wait_for(lambda: d.pool()[0] >= 260, timeout=120, interval=0.5,
                     what="260 warm addresses")
        results["rss_idle_kb"] = rss_kb(d.proc.pid)
        bench = e2e.binary("bench_ipamd_rpc")
        out = subprocess.run([bench, "--socket", d.socket_path, "--iterations", "5000"],
                             capture_output=True, text=True, check=True)
        results["rpc"] = json.loads(out.stdout.strip().splitlines()[-1])
        client = d.client()
        for i in range(250):
            r = client.add(f"busy-{i}", pod=f"busy-{i}", namespace="bench")
            assert r["Success"], r
        # With 250 pods assigned: the checkpoint is larger; measure the RPC again.
        out = subprocess.run([bench, "--socket", d.socket_path, "--iterations", "2000"],
                             capture_output=True, text=True, check=True)
        results["rpc_with_250_pods"] = json.loads(out.stdout.strip().splitlines()[-1])
        results["rss_busy_250_pods_kb"] = rss_kb(d.proc.pid)
    print(json.dumps(results, indent=2))
    ok = (results["rpc"]["pair_p99_us"] < 400 and results["rss_busy_250_pods_kb"] < 20 * 1024)
    print("goals (AddNetwork p99 < 200 us each way, RSS < 20 MB):",
          "met" if ok else "NOT met")


if __name__ == "__main__":
    main()
