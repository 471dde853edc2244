#!/usr/bin/env python3
"""Signs requests with botocore's SigV4Auth and prints the Authorization header.

Input (stdin, JSON): a list of specs, each with method, url, headers (list of [name, value]),
body, region, service, access_key, secret_key, token (may be empty), amz_date
(YYYYMMDDTHHMMSSZ). Prints two lines per spec (Authorization, X-Amz-Date). Used by
sigv4_botocore_test.cc to check our signer against an implementation no one here wrote.
Exit code 3 when botocore is not importable (the test then skips).
"""
import datetime
import json
import sys
from unittest import mock

try:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError:  # pragma: no cover
    sys.exit(3)


def sign(spec):
    when = datetime.datetime.strptime(spec["amz_date"], "%Y%m%dT%H%M%SZ")
    request = AWSRequest(method=spec["method"], url=spec["url"], data=spec["body"].encode())
    for name, value in spec["headers"]:
        request.headers[name] = value
    creds = Credentials(spec["access_key"], spec["secret_key"], spec["token"] or None)
    fake = mock.Mock(wraps=datetime.datetime)
    fake.utcnow.return_value = when
    fake.now.return_value = when.replace(tzinfo=datetime.timezone.utc)
    with mock.patch("botocore.auth.datetime.datetime", fake):
        SigV4Auth(creds, spec["service"], spec["region"]).add_auth(request)
    print(request.headers["Authorization"])
    print(request.headers["X-Amz-Date"])


def main():
    for spec in json.load(sys.stdin):
        sign(spec)


if __name__ == "__main__":
    main()
