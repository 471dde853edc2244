#!/usr/bin/env python3
"""e2e: IPv6 pods through the real vpc-cni, ipamd (ENABLE_IPv6) and vpc-emulator.

On a dual-stack subnet, ipamd holds one /80 on the primary ENI; pods added through the plugin get
/128 addresses inside it with the fe80::1 gateway and its permanent neighbour, and reach each
other right when ADD returns (no address is left tentative: the plugin disables DAD on both ends
of the veth); CHECK passes; DEL returns the addresses to ipamd and removes the host routes.
"""

import ipaddress
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ipamd"))
import cni_e2e as c  # noqa: E402
from cni_e2e import e2e  # noqa: E402
from test_ipv6 import ENV, dual_stack_subnet  # noqa: E402


def test_ipv6_pods():
    e2e.require_root()
    e2e.binary("vpc-cni")
    with e2e.Cleanup() as cleanup:
        emu = e2e.Emulator.start(cleanup)
        iid, d = e2e.start_node(cleanup, emu, "m5.large", subnet_id=dual_stack_subnet(emu),
                                env=ENV)
        prefix = ipaddress.ip_network(
            e2e.instance_enis(emu.ec2, iid)[0]["Ipv6Prefixes"][0]["Ipv6Prefix"])
        node = e2e.Netns.create(cleanup, prefix="vpccni-v6e2e-node")
        node.run("sysctl", "-qw", "net.ipv6.conf.all.forwarding=1")
        conf = c.conflist_entry(d.socket_path, log_file=os.path.join(d.workdir, "plugin.log"))
        pods, results, ips = {}, {}, {}
        for i in range(3):
            pods[i] = e2e.Netns.create(cleanup, prefix=f"vpccni-v6e2e-p{i}")
            results[i] = c.add_with_retry(node.name, f"v6-{i}", pods[i].name, conf, f"v6-{i}")
            assert results[i]["ips"][0]["address"].endswith("/128"), results[i]
            ips[i] = c.pod_ip(results[i])
            assert ipaddress.ip_address(ips[i]) in prefix, (ips[i], prefix)
            # Right after ADD: no tentative address in the pod.
            addrs = pods[i].run("ip", "-6", "addr", "show", "dev", "eth0").stdout
            assert "tentative" not in addrs, addrs
            routes = pods[i].run("ip", "-6", "route").stdout
            assert "default via fe80::1 dev eth0" in routes, routes
            neigh = pods[i].run("ip", "-6", "neigh").stdout
            assert "fe80::1" in neigh and "PERMANENT" in neigh, neigh
        assert len(set(ips.values())) == 3, ips
        for a, b in [(0, 1), (1, 2), (2, 0)]:
            out = pods[a].run("ping", "-6", "-c1", "-W2", ips[b], check=False)
            assert out.returncode == 0, f"pod {a} -> {ips[b]}: {out.stdout}{out.stderr}"
        for i, r in results.items():
            rc, body = c.run_plugin(node.name, "CHECK", f"v6-{i}", pods[i].name,
                                    dict(conf, prevResult=r), pod_name=f"v6-{i}")
            assert rc == 0, body
        for i, r in results.items():
            rc, body = c.run_plugin(node.name, "DEL", f"v6-{i}", pods[i].name,
                                    dict(conf, prevResult=r), pod_name=f"v6-{i}")
            assert rc == 0, body
        routes = node.run("ip", "-6", "route").stdout
        assert not any(ip in routes for ip in ips.values()), routes
        e2e.wait_for(lambda: d.enis()["0"]["ENIs"][next(iter(d.enis()["0"]["ENIs"]))]
                     ["IPv6Cidrs"][str(prefix)].get("IPAddresses", {}) == {},
                     timeout=10, what="ipamd to release every IPv6 address")


if __name__ == "__main__":
    e2e.run_main([("ipv6_pods", test_ipv6_pods)])
