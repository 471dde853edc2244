"""Starts and stops a vpc-emulator for the integration tests.

Each test process starts its own emulator on 127.0.0.1:0, reads the one-line JSON it prints when
ready (with a deadline), and stops it with SIGTERM (SIGKILL after a grace period) at the end.
"""
import json
import os
import select
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

CREDS_ENV = {
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
    "AWS_DEFAULT_REGION": "us-west-2",
    "AWS_PAGER": "",
    "AWS_EC2_METADATA_DISABLED": "true",
}


class Emulator:
    """A running vpc-emulator process."""

    def __init__(self, binary, *args, ready_timeout=15.0):
        self.proc = subprocess.Popen(
            [binary, "--listen", "127.0.0.1:0", "--log-level", "warn", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + ready_timeout
        line = ""
        while time.monotonic() < deadline:
            r, _, _ = select.select([self.proc.stdout], [], [], 0.1)
            if r:
                line = self.proc.stdout.readline()
                break
            if self.proc.poll() is not None:
                break
        if not line:
            self.stop()
            raise RuntimeError("emulator did not become ready: " + self.proc.stderr.read())
        self.ready = json.loads(line)
        self.url = self.ready["ec2"]
        self.imds = self.ready["imds"]

    def stop(self):
        """SIGTERM, then SIGKILL after 10 s. Returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def admin(self, method, path, body=None):
        data = None if body is None else (body if isinstance(body, str) else json.dumps(body))
        req = urllib.request.Request(self.url + path, method=method,
                                     data=None if data is None else data.encode())
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def raw(self, body, method="POST", headers=None, path="/"):
        """Sends an unsigned EC2 Query request; returns (status, text)."""
        url = self.url + path
        data = None
        if method == "POST":
            data = body.encode()
        else:
            url += "?" + body
        req = urllib.request.Request(url, method=method, data=data, headers=headers or {
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def client(self, region="us-west-2", **kw):
        import boto3
        import botocore.config
        cfg = botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"},
                                     connect_timeout=5, read_timeout=15)
        return boto3.client("ec2", endpoint_url=self.url, region_name=region,
                            aws_access_key_id=kw.get("key", "test"),
                            aws_secret_access_key=kw.get("secret", "test"), config=cfg)


def imds_get(base, path, token=None, method="GET", headers=None):
    """Returns (status, body text, response headers) of an IMDS request."""
    h = dict(headers or {})
    if token is not None:
        h["X-aws-ec2-metadata-token"] = token
    req = urllib.request.Request(base + path, method=method, headers=h,
                                 data=b"" if method == "PUT" else None)
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.read().decode(), dict(resp.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), dict(e.headers)


def imds_token(base, ttl=60):
    status, body, _ = imds_get(base, "/latest/api/token", method="PUT",
                               headers={"X-aws-ec2-metadata-token-ttl-seconds": str(ttl)})
    assert status == 200, (status, body)
    return body


def error_code(fn, *args, **kwargs):
    """Calls a boto3 method that must fail; returns (code, http status)."""
    import botocore.exceptions
    try:
        fn(*args, **kwargs)
    except botocore.exceptions.ClientError as e:
        return (e.response["Error"]["Code"],
                e.response["ResponseMetadata"]["HTTPStatusCode"])
    raise AssertionError(f"{fn.__name__} succeeded but was expected to fail")


def binary_from_argv():
    if len(sys.argv) < 2 or not os.access(sys.argv[1], os.X_OK):
        sys.exit("usage: %s <path to vpc-emulator>" % sys.argv[0])
    return sys.argv[1]
