"""Runs podman 4.3 with the CNI network backend in a private configuration (own storage, own
containers.conf) inside a node netns, so its CNI calls (VERSION, ADD, DEL) reach the plugins
under test. runc, cgroupfs and file events as this machine needs (see cni-peers.md §3.3)."""

import json
import os
import resource
import shutil
import subprocess
import tempfile

from cni_e2e import e2e
import cri_driver


class Podman:
    def __init__(self, cleanup, node, bin_dir, conf_dir):
        for exe in ("podman", "runc", "nsenter"):
            if shutil.which(exe) is None:
                raise e2e.SkipTest(f"{exe} not installed")
        self.node = node
        self.dir = tempfile.mkdtemp(prefix="vpccni-podman-")
        self.run_dir = f"/run/vpccni-podman-{os.getpid()}"
        os.makedirs(self.run_dir, exist_ok=True)
        nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        conf = os.path.join(self.dir, "containers.conf")
        with open(conf, "w") as f:
            f.write(f"""[containers]
default_ulimits = ["nofile={nofile}:{nofile}", "nproc=32768:32768"]
[network]
network_backend = "cni"
cni_plugin_dirs = ["{bin_dir}"]
network_config_dir = "{conf_dir}"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "{self.dir}/events.log"
runtime = "runc"
tmp_dir = "{self.run_dir}/tmp"
""")
        self.env = dict(os.environ, CONTAINERS_CONF=conf)
        self.names = []
        cleanup.add(self._teardown)
        tar = os.path.join(self.dir, "image.tar")
        cri_driver.pause_image_tar(tar)
        self.podman("load", "-i", tar)

    def podman(self, *args, check=True, timeout=120):
        cmd = ["nsenter", f"--net=/var/run/netns/{self.node}", "podman",
               "--root", os.path.join(self.dir, "storage"), "--runroot",
               os.path.join(self.run_dir, "runroot")] + list(args)
        out = subprocess.run(cmd, capture_output=True, text=True, env=self.env, timeout=timeout)
        if check and out.returncode != 0:
            raise RuntimeError(f"podman {' '.join(args)}: {out.stderr}")
        return out

    def run(self, name, network, ports=()):
        args = ["run", "-d", "--name", name, "--network", network]
        for h, cport in ports:
            args += ["-p", f"{h}:{cport}"]
        self.names.append(name)
        self.podman(*(args + [cri_driver.PAUSE_IMAGE]))
        info = json.loads(self.podman("inspect", name).stdout)[0]
        net = info["NetworkSettings"]["Networks"][network]
        return {"pid": info["State"]["Pid"], "ip": net["IPAddress"]}

    def rm(self, name):
        self.podman("rm", "-f", "-t", "0", name)
        if name in self.names:
            self.names.remove(name)

    def _teardown(self):
        for n in list(self.names):
            self.podman("rm", "-f", "-t", "0", n, check=False)
        self.podman("system", "reset", "-f", check=False)
        for base in (self.run_dir, self.dir):
            with open("/proc/self/mounts") as f:
                mounts = [line.split()[1] for line in f if line.split()[1].startswith(base)]
            for mnt in sorted(mounts, key=len, reverse=True):
                subprocess.run(["umount", "-l", mnt], capture_output=True)
            shutil.rmtree(base, ignore_errors=True)
