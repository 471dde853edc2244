#!/usr/bin/env python3
"""e2e: the real ipamd against the real vpc-emulator reproduces the guide's warm-pool numbers,
observed through `aws ec2 describe-network-interfaces` (not only through ipamd's own view).

 - three c5.large nodes, default settings, two running one CoreDNS pod each: 17 + 17 + 9 = 43
   warm addresses;
 - m5.large (3 ENIs x 10) and t3.small (3 ENIs x 4) with default settings and no pods: one
   full ENI (9 and 3 warm addresses);
 - t3.small with WARM_IP_TARGET=2 MINIMUM_IP_TARGET=5 and no pods: 5 addresses on two ENIs.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vpccni_e2e as e2e  # noqa: E402


def warm_ips(emu, instance_id, assigned):
    enis = e2e.instance_enis(emu.ec2, instance_id)
    return e2e.count_secondary_ips(enis) - assigned, enis


def wait_warm(emu, instance_id, assigned, want, d, timeout=60):
    def check():
        got, _ = warm_ips(emu, instance_id, assigned)
        return got == want
    try:
        e2e.wait_for(check, timeout=timeout, interval=0.5,
                     what=f"{instance_id} to hold {want} warm IPs")
    except TimeoutError:
        got, enis = warm_ips(emu, instance_id, assigned)
        raise AssertionError(f"{instance_id}: {got} warm IPs, want {want}; ENIs "
                             f"{[(e['NetworkInterfaceId'], len(e['PrivateIpAddresses'])) for e in enis]}"
                             f"; ipamd log: {d.log_tail(3000)}")


def stable(emu, instance_id, assigned, want, seconds=2.0):
    """The count stays at `want` (the pool converged, it does not keep growing)."""
    import time
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        got, _ = warm_ips(emu, instance_id, assigned)
        assert got == want, f"{instance_id}: drifted to {got} warm IPs, want {want}"
        time.sleep(0.5)


def test_three_c5_large_hold_43():
    with e2e.Cleanup() as cleanup:
        emu = e2e.Emulator.start(cleanup)
        nodes = [e2e.start_node(cleanup, emu, "c5.large") for _ in range(3)]
        # Two nodes run one CoreDNS pod each.
        for i, (_, d) in enumerate(nodes[:2]):
            reply = d.client().add(f"coredns-{i}", pod=f"coredns-{i}", namespace="kube-system")
            assert reply["Success"], reply
        wants = [17, 17, 9]
        for (iid, d), want, pods in zip(nodes, wants, [1, 1, 0]):
            wait_warm(emu, iid, pods, want, d)
        total = 0
        for (iid, d), want, pods in zip(nodes, wants, [1, 1, 0]):
            stable(emu, iid, pods, want)
            got, enis = warm_ips(emu, iid, pods)
            total += got
            # ipamd's own view agrees with EC2.
            t, a, _ = d.pool()
            assert (t, a) == (got + pods, pods), (t, a, got, pods)
            # Tags and description as upstream (operators' tooling).
            for eni in enis:
                if eni["Attachment"]["DeviceIndex"] == 0:
                    continue
                assert eni["Description"] == f"aws-K8S-{iid}", eni["Description"]
                tags = {t["Key"]: t["Value"] for t in eni.get("TagSet", [])}
                assert tags.get("node.k8s.amazonaws.com/instance_id") == iid, tags
                assert "node.k8s.amazonaws.com/createdAt" in tags, tags
        assert total == 43, total
        # Metrics agree.
        text = nodes[0][1].metrics_text()
        assert "awscni_assigned_ip_addresses 1\n" in text, text
        assert "awscni_total_ip_addresses 18\n" in text, text
        assert "awscni_eni_allocated 2\n" in text, text


def test_m5_large_and_t3_small_defaults():
    with e2e.Cleanup() as cleanup:
        emu = e2e.Emulator.start(cleanup)
        m5, dm = e2e.start_node(cleanup, emu, "m5.large")
        t3, dt = e2e.start_node(cleanup, emu, "t3.small")
        wait_warm(emu, m5, 0, 9, dm)
        wait_warm(emu, t3, 0, 3, dt)
        stable(emu, m5, 0, 9)
        # t3.small with 5 pods: three full ENIs (3 + 3 + 3), four warm.
        client = dt.client()
        for i in range(5):
            r = client.add(f"pod-{i}")
            if not r["Success"]:
                # The pool grows asynchronously; retry after the next pass.
                e2e.wait_for(lambda: client.add(f"pod-{i}")["Success"], timeout=30,
                             what=f"pod-{i} address")
        wait_warm(emu, t3, 5, 4, dt)
        assert len(e2e.instance_enis(emu.ec2, t3)) == 3


def test_t3_small_ip_targets():
    with e2e.Cleanup() as cleanup:
        emu = e2e.Emulator.start(cleanup)
        iid, d = e2e.start_node(cleanup, emu, "t3.small",
                                env={"WARM_IP_TARGET": "2", "MINIMUM_IP_TARGET": "5"})
        wait_warm(emu, iid, 0, 5, d)
        enis = e2e.instance_enis(emu.ec2, iid)
        per_eni = sorted(sum(1 for a in e["PrivateIpAddresses"] if not a.get("Primary"))
                         for e in enis)
        assert per_eni == [2, 3], per_eni


if __name__ == "__main__":
    e2e.run_main([
        ("three_c5_large_hold_43", test_three_c5_large_hold_43),
        ("m5_large_and_t3_small_defaults", test_m5_large_and_t3_small_defaults),
        ("t3_small_ip_targets", test_t3_small_ip_targets),
    ])
