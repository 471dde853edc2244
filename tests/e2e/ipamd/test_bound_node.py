#!/usr/bin/env python3
"""e2e: ipamd on a real emulated node. The emulator binds a c5.large to a network namespace
(ENI links with the ENIs' MACs appear there on attach, IMDS on 169.254.169.254:80 and the EC2
API on the same URL as on the host are served inside it); ipamd runs inside that namespace with
host networking on, exactly as on an EC2 node, and:

 - becomes ready with the default warm pool (the primary ENI's 9 addresses) and, once a pod
   holds one, attaches and fills a second ENI (9 + 9), as `aws ec2
   describe-network-interfaces` run inside the node reports;
 - finds the second ENI's link by MAC, brings it up with the ENI's MTU and gives it the
   reference's route table (device number + 1) with a default route via the subnet gateway;
 - hands a pod an address of the second ENI through the RPC with that ENI's device number and
   route table (the plugin programs the pod's rules from them).
"""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vpccni_e2e as e2e  # noqa: E402


def ip_json(netns, *args):
    out = subprocess.run(["ip", "-j", "-n", netns] + list(args), capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout or "[]")


def test_ipamd_inside_a_bound_node():
    e2e.require_root()
    name = f"vpccni-bound-{os.getpid()}"
    with e2e.Cleanup() as cleanup:
        # Runs last: the emulator removes the namespace it created, unless it was killed.
        cleanup.add(lambda: subprocess.run(["ip", "netns", "del", name], capture_output=True))
        emu = e2e.Emulator.start(cleanup)
        inst = emu.launch_instance("c5.large", netns=name,
                                   extra={"imds_listen": "169.254.169.254:80"})
        node = e2e.Netns(name)
        region = inst.get("region", "us-west-2")
        iid = inst["instance_id"]

        def enis_from_node():
            out = node.run("env", *[f"{k}={v}" for k, v in e2e.aws_env(region).items()
                                    if k.startswith("AWS_")],
                           "aws", "--endpoint-url", emu.ec2, "--output", "json", "ec2",
                           "describe-network-interfaces", "--filters",
                           f"Name=attachment.instance-id,Values={iid}", check=False)
            assert out.returncode == 0, out.stderr
            return json.loads(out.stdout)["NetworkInterfaces"]

        # EC2 answers inside the node on the host's URL.
        assert len(enis_from_node()) == 1
        d = e2e.Ipamd.start(cleanup, "http://169.254.169.254", emu.ec2, netns=node,
                            host_network=True, region=region)

        e2e.wait_for(lambda: e2e.count_secondary_ips(enis_from_node()) == 9, timeout=30,
                     interval=0.5, what="9 warm addresses on the primary ENI")
        client = d.client()
        r = client.add("bound-0", pod="bound-0", namespace="e2e")
        assert r["Success"], r

        def two_full_enis():
            enis = enis_from_node()
            return len(enis) == 2 and e2e.count_secondary_ips(enis) == 18 and enis
        try:
            enis = e2e.wait_for(two_full_enis, timeout=60, interval=0.5,
                                what="a second ENI and 18 secondary addresses (from the node)")
        except TimeoutError as e:
            raise AssertionError(f"{e}: {enis_from_node()}\nipamd log: {d.log_tail()}") from e
        e2e.wait_for(lambda: d.pool()[0] == 18, timeout=30, what="ipamd's pool to hold 18")

        second = next(e for e in enis if e["Attachment"]["DeviceIndex"] == 1)
        mac = second["MacAddress"]
        links = {link["address"]: link for link in ip_json(name, "link", "show")}
        assert mac in links, (mac, list(links))
        link = links[mac]
        assert "UP" in link["flags"], link
        assert link["mtu"] == 9001, link
        gateway = second["PrivateIpAddress"].rsplit(".", 1)[0]  # the /24 of the test subnet
        routes = ip_json(name, "route", "show", "table", "2")
        assert any(r["dst"] == "default" and r.get("dev") == link["ifname"] and
                   r.get("gateway", "").startswith(gateway) for r in routes), routes

        # A pod whose address comes from the second ENI gets the 1536 rule to table 2.
        second_ips = {a["PrivateIpAddress"] for a in second["PrivateIpAddresses"]
                      if not a.get("Primary")}
        for i in range(1, 18):
            r = client.add(f"bound-{i}", pod=f"bound-{i}", namespace="e2e")
            assert r["Success"], r
            ip = r["IPAllocations"][0]["IPv4Addr"]
            if ip in second_ips:
                break
        else:
            raise AssertionError("no pod address came from the second ENI")
        alloc = r["IPAllocations"][0]
        assert alloc["DeviceNumber"] == 1 and alloc["RouteTableId"] == 2, r

if __name__ == "__main__":
    e2e.run_main([("ipamd_inside_a_bound_node", test_ipamd_inside_a_bound_node)])
