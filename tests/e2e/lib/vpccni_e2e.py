"""Shared e2e helpers for vpc-cni: start vpc-emulator, launch instances, create node network
namespaces, start ipamd, talk to it over its Unix socket, and clean everything up.

Used by tests/e2e/ipamd, the CNI plugin e2e tests and the demo. Python 3 standard library only
(plus the AWS CLI binary for aws_ec2()).

Every resource is registered with a Cleanup stack so tests remove what they create even on
failure:

    with Cleanup() as cleanup:
        emu = Emulator.start(cleanup)
        ...
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

PROTOCOL_VERSION = 1
DEFAULT_REGION = "us-west-2"


def binary_dir():
    """<build>/bin, from VPCCNI_BINARY_DIR (set by ctest) or the default build tree."""
    base = os.environ.get("VPCCNI_BINARY_DIR")
    if not base:
        here = os.path.dirname(os.path.abspath(__file__))
        base = os.path.join(here, "..", "..", "..", "build", "dev")
    return os.path.join(base, "bin")


def binary(name):
    path = os.path.join(binary_dir(), name)
    if not os.path.exists(path):
        raise SkipTest(f"{name} not built ({path})")
    return path


class SkipTest(Exception):
    """Raised when a prerequisite (binary, root, aws cli) is missing."""


def require_root():
    if os.geteuid() != 0:
        raise SkipTest("needs root")


def wait_for(predicate, timeout=20.0, interval=0.05, what="condition"):
    """Polls predicate() until it returns a truthy value or the deadline passes."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - we re-raise the last one on timeout
            last_exc = exc
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}"
                       + (f" (last error: {last_exc})" if last_exc else ""))


class Cleanup(contextlib.ExitStack):
    """An ExitStack that also runs callbacks on SIGTERM-free normal failure paths."""

    def add(self, fn, *args):
        self.callback(fn, *args)


def kill_process(proc, grace=5.0):
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# ---------------------------------------------------------------------------------------------
# vpc-emulator


class Emulator:
    """A running vpc-emulator. `ec2` is its EC2 endpoint URL; `ready` the parsed ready line."""

    def __init__(self, proc, ready, log_path):
        self.proc = proc
        self.ready = ready
        self.ec2 = ready["ec2"]
        self.log_path = log_path

    @classmethod
    def start(cls, cleanup, args=(), scenario=None, timeout=20.0):
        exe = binary("vpc-emulator")
        cmd = [exe, "--listen", "127.0.0.1:0", "--region", DEFAULT_REGION] + list(args)
        if scenario is not None:
            cmd += ["--scenario", scenario]
        log = tempfile.NamedTemporaryFile(prefix="vpc-emulator-", suffix=".log", delete=False)
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True)
        cleanup.add(os.unlink, log.name)
        cleanup.add(kill_process, proc)
        deadline = time.monotonic() + timeout
        line = ""
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if line.strip().startswith("{"):
                break
            if proc.poll() is not None:
                break
        if not line.strip().startswith("{"):
            with open(log.name) as f:
                raise RuntimeError(f"vpc-emulator did not become ready: {f.read()[-2000:]}")
        return cls(proc, json.loads(line), log.name)

    def admin(self, method, path, body=None, timeout=10.0):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.ec2.rstrip("/") + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                text = resp.read().decode()
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"{method} {path}: HTTP {e.code}: {e.read().decode()}") from e
        return json.loads(text) if text.strip() else {}

    def launch_instance(self, instance_type, subnet_id=None, netns=None, extra=None):
        """POST /_emulator/instances; returns the reply (instance id and IMDS URL)."""
        body = {"instance_type": instance_type, "region": DEFAULT_REGION}
        if subnet_id:
            body["subnet_id"] = subnet_id
        if netns:
            body["netns"] = netns
        body.update(extra or {})
        return self.admin("POST", "/_emulator/instances", body)

    def state(self):
        return self.admin("GET", "/_emulator/state")

    def calls(self):
        return self.admin("GET", "/_emulator/calls")

    def faults(self, spec):
        return self.admin("POST", "/_emulator/faults", spec)

    def throttle(self, on):
        return self.admin("POST", "/_emulator/throttle", {"enabled": bool(on)})


def aws_env(region="us-west-2"):
    env = dict(os.environ)
    env.update({"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                "AWS_DEFAULT_REGION": region, "AWS_REGION": region, "AWS_PAGER": ""})
    return env


def aws_ec2(endpoint, *args, region="us-west-2", timeout=60):
    """Runs `aws ec2 <args> --output json` against the emulator and returns parsed JSON."""
    if shutil.which("aws") is None:
        raise SkipTest("aws cli not installed")
    cmd = ["aws", "--endpoint-url", endpoint, "--output", "json", "ec2"]
    cmd += list(args)
    out = subprocess.run(cmd, env=aws_env(region), capture_output=True, text=True,
                         timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"aws ec2 {' '.join(args)} failed: {out.stderr}")
    return json.loads(out.stdout) if out.stdout.strip() else {}


def instance_enis(endpoint, instance_id):
    """The instance's ENIs as `aws ec2 describe-network-interfaces` reports them."""
    reply = aws_ec2(endpoint, "describe-network-interfaces", "--filters",
                    f"Name=attachment.instance-id,Values={instance_id}")
    return reply.get("NetworkInterfaces", [])


def count_secondary_ips(enis):
    """Secondary IPv4 addresses (+16 per /28 prefix) over a describe-network-interfaces list."""
    total = 0
    for eni in enis:
        total += sum(1 for a in eni.get("PrivateIpAddresses", []) if not a.get("Primary"))
        total += 16 * len(eni.get("Ipv4Prefixes", []))
    return total


# ---------------------------------------------------------------------------------------------
# network namespaces


class Netns:
    """A named network namespace (`ip netns add`), removed on cleanup."""

    def __init__(self, name):
        self.name = name

    @classmethod
    def create(cls, cleanup, prefix="vpccni-e2e"):
        require_root()
        name = f"{prefix}-{os.getpid()}-{int(time.monotonic_ns() % 100000)}"
        subprocess.run(["ip", "netns", "add", name], check=True)
        cleanup.add(subprocess.run, ["ip", "netns", "del", name])
        subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)
        return cls(name)

    def run(self, *cmd, check=True):
        return subprocess.run(["ip", "netns", "exec", self.name] + list(cmd), check=check,
                              capture_output=True, text=True)


# ---------------------------------------------------------------------------------------------
# ipamd


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Ipamd:
    """A running ipamd. Ports are chosen free; the socket and checkpoint live in `workdir`."""

    def __init__(self, proc, workdir, socket_path, introspection, metrics, log_path, netns):
        self.proc = proc
        self.workdir = workdir
        self.socket_path = socket_path
        self.introspection = introspection
        self.metrics = metrics
        self.log_path = log_path
        self.netns = netns

    @classmethod
    def start(cls, cleanup, imds_url, ec2_url, env=None, workdir=None, netns=None,
              host_network=False, extra_args=(), wait=True, timeout=30.0,
              reconcile_interval="200ms", region="us-west-2"):
        exe = binary("ipamd")
        if workdir is None:
            workdir = tempfile.mkdtemp(prefix="ipamd-e2e-")
            cleanup.add(shutil.rmtree, workdir, True)
        socket_path = os.path.join(workdir, "ipamd.sock")
        full_env = aws_env(region)
        full_env.update({
            "AWS_EC2_METADATA_SERVICE_ENDPOINT": imds_url,
            "AWS_ENDPOINT_URL_EC2": ec2_url,
            "AWS_VPC_K8S_CNI_BACKING_STORE": os.path.join(workdir, "ipam.json"),
            "AWS_VPC_K8S_CNI_LOGLEVEL": "info",
            "IP_COOLDOWN_PERIOD": "0",
        })
        full_env.update(env or {})
        cmd = [exe, "--socket", socket_path,
               "--introspection-addr", "127.0.0.1:0",
               "--metrics-addr", "127.0.0.1:0",
               "--reconcile-interval", reconcile_interval,
               "--ready-file", os.path.join(workdir, "ready")]
        if not host_network:
            cmd.append("--no-host-network")
        cmd += list(extra_args)
        if netns is not None:
            cmd = ["ip", "netns", "exec", netns.name] + cmd
        log_path = os.path.join(workdir, "ipamd.log")
        log = open(log_path, "a")
        proc = subprocess.Popen(cmd, stdout=log, stderr=log, env=full_env)
        log.close()
        cleanup.add(kill_process, proc)
        d = cls(proc, workdir, socket_path, None, None, log_path, netns)
        d.cmd = cmd
        d.env = full_env
        d.wait_listening()
        if wait:
            d.wait_ready(timeout)
        return d

    def wait_listening(self, timeout=30.0):
        """Reads the ports ipamd bound (it listens on port 0) from its JSON log."""
        import re

        def find():
            if self.proc.poll() is not None:
                raise RuntimeError(f"ipamd exited with {self.proc.returncode}: "
                                   f"{self.log_tail()}")
            text = open(self.log_path).read()
            m = re.findall(r"metrics listening on ([0-9.]+:[0-9]+)", text)
            i = re.findall(r"introspection listening on ([0-9.]+:[0-9]+)", text)
            if m and i:
                self.metrics = "http://" + m[-1]
                self.introspection = "http://" + i[-1]
                return True
            return False
        wait_for(find, timeout=timeout, what="ipamd HTTP listeners")

    def restart(self, cleanup, wait=True, timeout=30.0, sig=signal.SIGKILL):
        """Kills (SIGKILL by default) and starts the same command again."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait()
        # A killed ipamd leaves its ready file behind; the new one writes it when serving.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(self.workdir, "ready"))
        marker = open(self.log_path).read().count("introspection listening on")
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(self.cmd, stdout=log, stderr=log, env=self.env)
        log.close()
        cleanup.add(kill_process, self.proc)
        self.wait_listening_after_restart(marker)
        if wait:
            self.wait_ready(timeout)

    def wait_listening_after_restart(self, marker):
        # The log is appended to: wait for the new process's lines.
        def newer():
            if self.proc.poll() is not None:
                raise RuntimeError(f"ipamd exited with {self.proc.returncode}")
            return open(self.log_path).read().count("introspection listening on") > marker
        wait_for(newer, timeout=30, what="restarted ipamd HTTP listeners")
        self.wait_listening()

    def log_tail(self, n=4000):
        with open(self.log_path) as f:
            return f.read()[-n:]

    def http(self, path, base=None):
        base = base or self.introspection
        if self.netns is not None:
            out = self.netns.run("curl", "-sf", base + path, check=False)
            if out.returncode != 0:
                raise RuntimeError(f"GET {path} failed")
            return out.stdout
        with urllib.request.urlopen(base + path, timeout=5) as resp:
            return resp.read().decode()

    def get_json(self, path):
        return json.loads(self.http(path))

    def ready(self):
        return os.path.exists(os.path.join(self.workdir, "ready"))

    def wait_ready(self, timeout=30.0):
        def check():
            if self.proc.poll() is not None:
                raise RuntimeError(f"ipamd exited with {self.proc.returncode}: "
                                   f"{self.log_tail()}")
            return self.ready() and os.path.exists(self.socket_path)
        try:
            wait_for(check, timeout=timeout, what="ipamd ready")
        except TimeoutError as e:
            raise TimeoutError(f"{e}; log: {self.log_tail()}") from e

    def metrics_text(self):
        return self.http("/metrics", base=self.metrics)

    def enis(self):
        return self.get_json("/v1/enis")

    def pool(self):
        """(total, assigned, cooling) over all cards of /v1/enis."""
        doc = self.enis()
        t = a = c = 0
        for card in doc.values():
            t += card["TotalIPs"]
            a += card["AssignedIPs"]
            c += card.get("CoolingIPs", 0)
        return t, a, c

    def client(self):
        return RpcClient(self.socket_path)


# ---------------------------------------------------------------------------------------------
# the plugin <-> ipamd protocol (src/rpc/protocol.h): 4-byte big-endian length + JSON


class RpcError(Exception):
    pass


class RpcClient:
    """One connection per call, like the CNI plugin."""

    def __init__(self, path, timeout=10.0):
        self.path = path
        self.timeout = timeout

    def call(self, method, request):
        payload = json.dumps({"Version": PROTOCOL_VERSION, "Method": method,
                              "Request": request}).encode()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(self.timeout)
            s.connect(self.path)
            s.sendall(struct.pack(">I", len(payload)) + payload)
            header = _recv_exact(s, 4)
            (n,) = struct.unpack(">I", header)
            body = _recv_exact(s, n)
        reply = json.loads(body)
        if reply.get("Method") == "Error":
            raise RpcError(reply.get("Error"))
        return reply["Reply"]

    def add(self, container_id, if_name="eth0", network="aws-cni", pod="pod", namespace="default"):
        return self.call("AddNetwork", {
            "ClientVersion": "e2e", "ContainerID": container_id, "IfName": if_name,
            "NetworkName": network, "K8S_POD_NAME": pod, "K8S_POD_NAMESPACE": namespace,
            "K8S_POD_INFRA_CONTAINER_ID": container_id, "Netns": "/var/run/netns/x"})

    def delete(self, container_id, if_name="eth0", network="aws-cni", pod="pod",
               namespace="default", reason="PodDeleted"):
        return self.call("DelNetwork", {
            "ClientVersion": "e2e", "ContainerID": container_id, "IfName": if_name,
            "NetworkName": network, "K8S_POD_NAME": pod, "K8S_POD_NAMESPACE": namespace,
            "K8S_POD_INFRA_CONTAINER_ID": container_id, "Reason": reason})

    def status(self):
        return self.call("Status", {"ClientVersion": "e2e"})


def _recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise RpcError("connection closed")
        buf += chunk
    return buf


# ---------------------------------------------------------------------------------------------
# test-script plumbing


SKIP_EXIT_CODE = 77


def run_main(tests):
    """Runs each callable in `tests` (name -> fn); exit 0 on success, 77 when all skipped."""
    import sys
    import traceback
    failed = []
    skipped = 0
    for name, fn in tests:
        start = time.monotonic()
        try:
            fn()
            print(f"PASS {name} ({time.monotonic() - start:.1f}s)", flush=True)
        except SkipTest as e:
            skipped += 1
            print(f"SKIP {name}: {e}", flush=True)
        except Exception:  # noqa: BLE001
            failed.append(name)
            print(f"FAIL {name} ({time.monotonic() - start:.1f}s)", flush=True)
            traceback.print_exc()
    if failed:
        print(f"{len(failed)} failed: {', '.join(failed)}")
        sys.exit(1)
    if skipped == len(tests):
        sys.exit(SKIP_EXIT_CODE)
    sys.exit(0)


def start_node(cleanup, emu, instance_type, env=None, subnet_id=None, extra_args=(),
               reconcile_interval="200ms", wait=True):
    """Launches an emulated instance and an ipamd for it (root netns, no host networking).
    Returns (instance_id, Ipamd)."""
    inst = emu.launch_instance(instance_type, subnet_id=subnet_id)
    d = Ipamd.start(cleanup, inst["imds"], emu.ec2, env=env, extra_args=extra_args,
                    reconcile_interval=reconcile_interval, wait=wait,
                    region=inst.get("region", "us-west-2"))
    return inst["instance_id"], d
