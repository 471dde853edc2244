"""A kubelet-like driver for containerd's CRI plugin: compiles cri_v1_subset.proto with
grpc_tools at import time (into a temp dir), starts a private containerd inside a node netns
(so CNI plugins run there), imports a busybox-based pause image, and runs/stops/removes pod
sandboxes. Needs /usr/bin/python3 with python3-grpcio and python3-grpc-tools (Debian)."""

import importlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from cni_e2e import e2e  # noqa: E402

PAUSE_IMAGE = "localhost/vpccni-pause:1"


def _load_stubs():
    try:
        import grpc  # noqa: F401
        from grpc_tools import protoc
    except ImportError as exc:
        raise e2e.SkipTest(f"python3-grpcio/grpc-tools missing: {exc}")
    out = tempfile.mkdtemp(prefix="vpccni-cri-stubs-")
    rc = protoc.main(["protoc", f"-I{HERE}", f"--python_out={out}", f"--grpc_python_out={out}",
                      os.path.join(HERE, "cri_v1_subset.proto")])
    if rc != 0:
        raise RuntimeError("protoc failed on cri_v1_subset.proto")
    sys.path.insert(0, out)
    pb = importlib.import_module("cri_v1_subset_pb2")
    rpc = importlib.import_module("cri_v1_subset_pb2_grpc")
    return pb, rpc, out


def pause_image_tar(path):
    """A docker-archive tarball: busybox-static as /bin/busybox + sleep link, CMD sleep."""
    busybox = shutil.which("busybox") or "/bin/busybox"
    if not os.path.exists(busybox):
        raise e2e.SkipTest("busybox-static not installed")
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w") as t:
        for d in ("bin", "proc", "sys", "dev", "etc", "tmp"):
            info = tarfile.TarInfo(d)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            t.addfile(info)
        t.add(busybox, arcname="bin/busybox")
        for tool in ("sleep", "sh"):
            info = tarfile.TarInfo(f"bin/{tool}")
            info.type = tarfile.SYMTYPE
            info.linkname = "busybox"
            t.addfile(info)
    layer_bytes = layer.getvalue()
    import hashlib
    diff_id = "sha256:" + hashlib.sha256(layer_bytes).hexdigest()
    config = {"architecture": "amd64", "os": "linux",
              "config": {"Cmd": ["/bin/sleep", "2147483647"], "Env": ["PATH=/bin"]},
              "rootfs": {"type": "layers", "diff_ids": [diff_id]}}
    config_bytes = json.dumps(config).encode()
    config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
    manifest = [{"Config": config_name, "RepoTags": [PAUSE_IMAGE], "Layers": ["layer.tar"]}]
    with tarfile.open(path, "w") as t:
        for name, data in (("layer.tar", layer_bytes), (config_name, config_bytes),
                           ("manifest.json", json.dumps(manifest).encode())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))


class Containerd:
    """A private containerd (own root/state/socket) running in `node` netns."""

    def __init__(self, cleanup, node, bin_dir, conf_dir):
        for exe in ("containerd", "ctr", "runc", "nsenter"):
            if shutil.which(exe) is None:
                raise e2e.SkipTest(f"{exe} not installed")
        self.pb, self.rpc, stubs = _load_stubs()
        cleanup.add(shutil.rmtree, stubs, True)
        self.dir = tempfile.mkdtemp(prefix="vpccni-containerd-")
        self.state = f"/run/vpccni-containerd-{os.getpid()}"
        self.sock = os.path.join(self.state, "containerd.sock")
        cfg = os.path.join(self.dir, "config.toml")
        with open(cfg, "w") as f:
            f.write(f"""version = 2
root = "{self.dir}/root"
state = "{self.state}"
[grpc]
  address = "{self.sock}"
[ttrpc]
  address = "{self.sock}.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "{PAUSE_IMAGE}"
  restrict_oom_score_adj = true
  disable_apparmor = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "{bin_dir}"
    conf_dir = "{conf_dir}"
    max_conf_num = 1
[plugins."io.containerd.internal.v1.opt"]
  path = "{self.dir}/opt"
""")
        self.log = os.path.join(self.dir, "containerd.log")
        log = open(self.log, "w")
        self.proc = subprocess.Popen(["nsenter", f"--net=/var/run/netns/{node}", "containerd",
                                      "--config", cfg], stdout=log, stderr=log)
        log.close()
        cleanup.add(self._teardown)
        import grpc
        e2e.wait_for(lambda: os.path.exists(self.sock), timeout=30, what="containerd socket")
        self.channel = grpc.insecure_channel(f"unix://{self.sock}")
        self.stub = self.rpc.RuntimeServiceStub(self.channel)
        e2e.wait_for(lambda: self.version(), timeout=30, what="CRI Version")
        tar = os.path.join(self.dir, "pause.tar")
        pause_image_tar(tar)
        subprocess.run(["ctr", "--address", self.sock, "-n", "k8s.io", "images", "import", tar],
                       check=True, capture_output=True)
        self.sandboxes = []

    def version(self):
        return self.stub.Version(self.pb.VersionRequest(version="v1"), timeout=5)

    def run_pod(self, name, namespace="vpccni-e2e", port_mappings=()):
        pb = self.pb
        ports = [pb.PortMapping(protocol=pb.TCP, host_port=h, container_port=cport)
                 for h, cport in port_mappings]
        cfg = pb.PodSandboxConfig(
            metadata=pb.PodSandboxMetadata(name=name, namespace=namespace, uid=str(uuid.uuid4()),
                                           attempt=0),
            hostname=name, log_directory=os.path.join(self.dir, "pods", name),
            port_mappings=ports, labels={"app": name}, linux=pb.LinuxPodSandboxConfig())
        sid = self.stub.RunPodSandbox(pb.RunPodSandboxRequest(config=cfg), timeout=120)
        self.sandboxes.append(sid.pod_sandbox_id)
        return sid.pod_sandbox_id

    def status(self, sid):
        r = self.stub.PodSandboxStatus(self.pb.PodSandboxStatusRequest(pod_sandbox_id=sid,
                                                                       verbose=True), timeout=10)
        info = json.loads(r.info.get("info", "{}"))
        return {"state": self.pb.PodSandboxState.Name(r.status.state),
                "ip": r.status.network.ip, "pid": info.get("pid", 0)}

    def stop_pod(self, sid):
        self.stub.StopPodSandbox(self.pb.StopPodSandboxRequest(pod_sandbox_id=sid), timeout=120)

    def remove_pod(self, sid):
        self.stub.RemovePodSandbox(self.pb.RemovePodSandboxRequest(pod_sandbox_id=sid),
                                   timeout=120)
        if sid in self.sandboxes:
            self.sandboxes.remove(sid)

    def log_tail(self, n=3000):
        with open(self.log) as f:
            return f.read()[-n:]

    def _teardown(self):
        for sid in list(self.sandboxes):
            try:
                self.stop_pod(sid)
                self.remove_pod(sid)
            except Exception:  # noqa: BLE001 - best effort on the cleanup path
                pass
        e2e.kill_process(self.proc)
        # Unmount whatever containerd left mounted under its root/state, then remove them.
        for base in (self.state, self.dir):
            mounts = []
            with open("/proc/self/mounts") as f:
                for line in f:
                    mnt = line.split()[1]
                    if mnt.startswith(base):
                        mounts.append(mnt)
            for mnt in sorted(mounts, key=len, reverse=True):
                subprocess.run(["umount", "-l", mnt], capture_output=True)
            shutil.rmtree(base, ignore_errors=True)
