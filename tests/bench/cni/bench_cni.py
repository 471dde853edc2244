#!/usr/bin/python3
"""ADD/DEL benchmark of vpc-cni beside Debian's ptp + host-local, in the same run (the perf.py
method of cni-peers.md: each call timed from Python around fork/exec/wait4; CPU = user+sys of
the plugin and its children from rusage).

Both plugins run inside one throw-away "node" network namespace; every cycle gets a fresh pod
netns (created and deleted outside the timed region) and a new container id. vpc-cni talks to
an ipamd over its Unix socket: by default the test double cni-test-ipamd (a real
ipam::Datastore behind rpc::UnixServer) is started; --ipamd-socket uses an already running
ipamd instead.

Launching: by default the harness's own thread joins the node netns once and every plugin is
spawned plainly from it (Python can then use vfork/posix_spawn). --launch preexec joins the netns
in each child through preexec_fn instead, which forces a full fork of the Python process per
call: ~1-2 ms of harness time added to every ADD/DEL of both plugins (the earlier method).

usage (root): bench_cni.py --build BUILD_DIR [--n 50] [--ipamd-socket PATH] [--launch thread|preexec]
"""
import argparse, ctypes, json, os, statistics, subprocess, sys, tempfile, time

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL("libc.so.6", use_errno=True)

ap = argparse.ArgumentParser()
ap.add_argument("--build", required=True)
ap.add_argument("--n", type=int, default=50)
ap.add_argument("--ipamd-socket")
ap.add_argument("--ptp-dir", default="/usr/lib/cni")
ap.add_argument("--launch", choices=["thread", "preexec"], default="thread")
a = ap.parse_args()
if os.geteuid() != 0:
    sys.exit("needs root")

tag = f"vpccni-bench-{os.getpid()}"
node = f"{tag}-node"
tmp = tempfile.mkdtemp(prefix="vpccni-bench-")
subprocess.run(["ip", "netns", "add", node], check=True)
node_fd = os.open(f"/var/run/netns/{node}", os.O_RDONLY)

def enter_node():
    if libc.setns(node_fd, CLONE_NEWNET) != 0:
        os._exit(126)

def call(plugin, conf, cmd, cid, netns, cni_args="", in_node=True):
    env = dict(PATH=os.environ.get("PATH", "/usr/bin:/bin"), CNI_COMMAND=cmd, CNI_CONTAINERID=cid,
               CNI_NETNS=netns, CNI_IFNAME="eth0", CNI_PATH=a.ptp_dir, CNI_ARGS=cni_args)
    with tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        if in_node and a.launch == "preexec":
            p = subprocess.Popen([plugin], stdin=subprocess.PIPE, stdout=out, env=env,
                                 preexec_fn=enter_node, pass_fds=(node_fd,))
        else:
            p = subprocess.Popen([plugin], stdin=subprocess.PIPE, stdout=out, env=env)
        try:
            p.stdin.write(conf.encode()); p.stdin.close()
        except BrokenPipeError:  # VERSION may exit without reading stdin
            pass
        _, status, ru = os.wait4(p.pid, 0)
        wall = (time.perf_counter() - t0) * 1000
        out.seek(0)
        body = out.read().decode()
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{plugin} {cmd} {cid} failed: {body}")
    return wall, (ru.ru_utime + ru.ru_stime) * 1000, body

def cycle(res, i, name, plugin, conf_fn, k8s):
    pod = f"{tag}-{name}-{i}"
    subprocess.run(["ip", "netns", "add", pod], check=True)
    cid = f"{name}-{i}"
    args = (f"IgnoreUnknown=1;K8S_POD_NAMESPACE=bench;K8S_POD_NAME=pod-{i};"
            f"K8S_POD_INFRA_CONTAINER_ID={cid};K8S_POD_UID=u-{i}") if k8s else ""
    try:
        w, c, body = call(plugin, conf_fn(None), "ADD", cid, f"/var/run/netns/{pod}", args)
        res["ADD"].append((w, c))
        w, c, _ = call(plugin, conf_fn(json.loads(body)), "DEL", cid, f"/var/run/netns/{pod}", args)
        res["DEL"].append((w, c))
    finally:
        subprocess.run(["ip", "netns", "del", pod])

def q(v, p):
    v = sorted(v); return v[min(len(v) - 1, round(p * (len(v) - 1)))]

def version(plugin):
    return call(plugin, '{"cniVersion":"1.0.0"}', "VERSION", "v", "", in_node=False)[0]

ipamd = None
socket = a.ipamd_socket
try:
    if not socket:
        socket = os.path.join(tmp, "ipamd.sock")
        ipamd = subprocess.Popen([os.path.join(a.build, "bin", "cni-test-ipamd"), "--socket", socket,
                                  "--first", "10.0.0.10", "--count", str(max(a.n + 10, 64))])
        for _ in range(200):
            if os.path.exists(socket):
                break
            time.sleep(0.01)
    vpc = os.path.join(a.build, "bin", "vpc-cni")
    def vpc_conf(prev):
        j = {"cniVersion": "1.0.0", "name": "aws-cni", "type": "vpc-cni", "vethPrefix": "eni",
             "mtu": "9001", "pluginLogFile": os.path.join(tmp, "plugin.log"),
             "pluginLogLevel": "info", "ipamdSocket": socket}
        if prev is not None:
            j["prevResult"] = prev
        return json.dumps(j)
    def ptp_conf(prev):
        j = {"cniVersion": "1.0.0", "name": "ptpbench", "type": "ptp", "ipMasq": False, "mtu": 9001,
             "ipam": {"type": "host-local", "dataDir": os.path.join(tmp, "ipam"),
                      "ranges": [[{"subnet": "10.249.0.0/24"}]], "routes": [{"dst": "0.0.0.0/0"}]}}
        if prev is not None:
            j["prevResult"] = prev
        return json.dumps(j)
    ptp = os.path.join(a.ptp_dir, "ptp")
    results = {"vpc-cni": {"ADD": [], "DEL": []}, "ptp+host-local": {"ADD": [], "DEL": []}}
    vw = {"vpc": [], "ptp": []}
    if a.launch == "thread" and libc.setns(node_fd, CLONE_NEWNET) != 0:
        raise SystemExit("setns into the node netns failed")
    # Interleaved, so both plugins see the same background load.
    for i in range(a.n):
        cycle(results["vpc-cni"], i, "vpc", vpc, vpc_conf, True)
        cycle(results["ptp+host-local"], i, "ptp", ptp, ptp_conf, False)
        vw["vpc"].append(version(vpc))
        vw["ptp"].append(version(ptp))
    v_vpc = (statistics.median(vw["vpc"]), q(vw["vpc"], .1))
    v_ptp = (statistics.median(vw["ptp"]), q(vw["ptp"], .1))
finally:
    if ipamd:
        ipamd.terminate(); ipamd.wait()
    os.close(node_fd)
    subprocess.run(["ip", "netns", "del", node])
    subprocess.run(["rm", "-rf", tmp])

med = {}
for name, r in results.items():
    for cmd, rows in r.items():
        w = [x[0] for x in rows]; c = [x[1] for x in rows]
        med[(name, cmd)] = (statistics.median(w), statistics.median(c))
        print(f"{name:15s} {cmd}: n={len(rows)} wall median={statistics.median(w):.2f}ms "
              f"p10={q(w,.1):.2f} p90={q(w,.9):.2f} | cpu median={statistics.median(c):.2f}ms")
print(f"VERSION wall median (p10): vpc-cni {v_vpc[0]:.2f}ms ({v_vpc[1]:.2f}), "
      f"ptp {v_ptp[0]:.2f}ms ({v_ptp[1]:.2f})")
print(f"load average during the run: {os.getloadavg()[0]:.1f}")
for cmd in ("ADD", "DEL"):
    print(f"ratio vpc-cni/ptp {cmd}: wall {med[('vpc-cni', cmd)][0] / med[('ptp+host-local', cmd)][0]:.3f}"
          f" cpu {med[('vpc-cni', cmd)][1] / med[('ptp+host-local', cmd)][1]:.3f}")
print(f"ipamd: {'cni-test-ipamd (datastore test double)' if ipamd else a.ipamd_socket}; "
      f"launch: {a.launch}")
