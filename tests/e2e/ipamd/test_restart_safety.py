#!/usr/bin/env python3
"""e2e: restart safety. Pods churn through the plugin RPC (hundreds of AddNetwork/DelNetwork)
while ipamd is killed with SIGKILL at random moments (also while it is in EC2 calls: tight
warm-IP targets keep it assigning/unassigning, and attaches are slowed down), then restarted.

Invariants checked after every restart and at the end:
 - no address was ever handed to two live pods;
 - every live pod still owns its address (idempotent re-ADD returns it), and ipamd holds no
   assignment the runtime does not know about (none leaked);
 - every secondary address EC2 reports on the instance (aws ec2 describe-network-interfaces) is
   in ipamd's pool (free, cooling or assigned): none leaked in EC2 either;
 - the pool converges back to its targets once the churn stops.
A request cut by the kill is treated as the runtime treats it: the ADD is undone with a DEL
after the restart (DEL of an unknown pod is success)."""

import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vpccni_e2e as e2e  # noqa: E402

SEED = int(os.environ.get("VPCCNI_E2E_SEED", "20261126"))
ROUNDS = int(os.environ.get("VPCCNI_E2E_ROUNDS", "6"))


class Runtime:
    """The test's view of the node: which pods live and which address each holds."""

    def __init__(self):
        self.live = {}          # container id -> ip
        self.uncertain = set()  # ids whose last request was cut by a kill
        self.ever = 0
        self.ops = 0
        self.lock = threading.Lock()

    def check_unique(self, cid, ip):
        owners = [c for c, a in self.live.items() if a == ip and c != cid]
        assert not owners, f"{ip} handed to {cid} while {owners} hold it"


def churn(d, rt, rng, stop, errors):
    client = d.client()
    while not stop.is_set():
        with rt.lock:
            do_add = len(rt.live) < 4 or (rng.random() < 0.55 and len(rt.live) < 20)
            if do_add:
                rt.ever += 1
                cid = f"c{rt.ever:05d}"
            else:
                cid = rng.choice(sorted(rt.live))
        try:
            if do_add:
                r = client.add(cid, pod="", namespace="")
                with rt.lock:
                    rt.ops += 1
                    if r["Success"]:
                        ip = r["IPAllocations"][0]["IPv4Addr"]
                        rt.check_unique(cid, ip)
                        rt.live[cid] = ip
                    elif r.get("ErrorReason") not in ("NoAvailableIP", "NotReady"):
                        errors.append(f"ADD {cid}: {r}")
            else:
                r = client.delete(cid, pod="", namespace="")
                with rt.lock:
                    rt.ops += 1
                    if r["Success"] or r.get("ErrorReason") == "UnknownPod":
                        rt.live.pop(cid, None)
                    else:
                        errors.append(f"DEL {cid}: {r}")
        except (OSError, e2e.RpcError, ValueError, KeyError):
            # ipamd died (or was not up yet): the outcome is unknown.
            with rt.lock:
                rt.uncertain.add(cid)
            time.sleep(0.02)
        except AssertionError as e:
            errors.append(str(e))
            stop.set()


def datastore_view(d):
    """(assigned ip set, all pool ip set) from /v1/enis."""
    assigned, pool = set(), set()
    for card in d.enis().values():
        for eni in card["ENIs"].values():
            for cidr, info in eni["AvailableIPv4Cidrs"].items():
                base = cidr.split("/")[0]
                if not info["IsPrefix"]:
                    pool.add(base)
                for ip, a in info["IPAddresses"].items():
                    if a["IPAMKey"]["networkName"]:
                        assigned.add(ip)
    return assigned, pool


def ec2_view(emu, iid):
    ips = set()
    for eni in e2e.instance_enis(emu.ec2, iid):
        for a in eni.get("PrivateIpAddresses", []):
            if not a.get("Primary"):
                ips.add(a["PrivateIpAddress"])
    return ips


def settle_uncertain(d, rt):
    """After a restart: undo cut ADDs/DELs with a DEL, as the runtime would."""
    client = d.client()
    for cid in sorted(rt.uncertain):
        r = client.delete(cid, pod="", namespace="")
        assert r["Success"] or r.get("ErrorReason") == "UnknownPod", r
        rt.live.pop(cid, None)
    rt.uncertain.clear()


def check_invariants(emu, iid, d, rt):
    client = d.client()
    for cid, ip in sorted(rt.live.items()):
        r = client.add(cid, pod="", namespace="")  # idempotent: same address back
        assert r["Success"], (cid, r)
        assert r["IPAllocations"][0]["IPv4Addr"] == ip, (cid, ip, r)
    assigned, pool = datastore_view(d)
    assert assigned == set(rt.live.values()), (
        f"ipamd assigned {sorted(assigned - set(rt.live.values()))} unknown to the runtime, "
        f"lost {sorted(set(rt.live.values()) - assigned)}")
    # EC2 and ipamd agree (after a reconcile pass picks up addresses assigned in EC2 just
    # before a kill).
    def agree():
        return ec2_view(emu, iid) == datastore_view(d)[1]
    try:
        e2e.wait_for(agree, timeout=30, interval=0.5, what="EC2 and ipamd to agree")
    except TimeoutError:
        ec2 = ec2_view(emu, iid)
        _, pool = datastore_view(d)
        raise AssertionError(f"EC2-only {sorted(ec2 - pool)}, ipamd-only {sorted(pool - ec2)}; "
                             f"log: {d.log_tail(3000)}")


def test_churn_with_sigkill():
    rng = random.Random(SEED)
    with e2e.Cleanup() as cleanup:
        emu = e2e.Emulator.start(cleanup, args=["--attach-delay-ms", "150"])
        env = {"WARM_IP_TARGET": "3", "MINIMUM_IP_TARGET": "4", "IP_COOLDOWN_PERIOD": "1",
               "WARM_ENI_TARGET": "0"}
        iid, d = e2e.start_node(cleanup, emu, "m5.large", env=env, reconcile_interval="100ms",
                                extra_args=["--node-reconcile-interval", "1s"])
        rt = Runtime()
        errors = []
        for rnd in range(ROUNDS):
            stop = threading.Event()
            worker = threading.Thread(target=churn, args=(d, rt, rng, stop, errors))
            worker.start()
            time.sleep(rng.uniform(0.3, 1.5))
            d.restart(cleanup, wait=False)  # SIGKILL, then start again
            time.sleep(rng.uniform(0.0, 0.3))
            stop.set()
            worker.join()
            assert not errors, errors
            d.wait_ready(timeout=60)
            settle_uncertain(d, rt)
            check_invariants(emu, iid, d, rt)
            print(f"round {rnd}: {rt.ops} ops so far, {len(rt.live)} live pods", flush=True)
        assert rt.ops >= 200, f"only {rt.ops} RPCs; churn too slow"
        # Converge: release everything; the pool returns to its targets.
        client = d.client()
        for cid in sorted(rt.live):
            assert client.delete(cid, pod="", namespace="")["Success"]
        rt.live.clear()

        def converged():
            t, a, _ = d.pool()
            return a == 0 and t == 4 and ec2_view(emu, iid) == datastore_view(d)[1]
        e2e.wait_for(converged, timeout=90, interval=0.5, what="pool back to MINIMUM_IP_TARGET")


if __name__ == "__main__":
    e2e.run_main([("churn_with_sigkill", test_churn_with_sigkill)])
