#!/usr/bin/env python3
"""Generates DynamoDB-shaped SigV4 vectors with botocore, for tests/c/test_sigv4.c.

Writes tests/data/sigv4-dynamodb/<case>/ in the aws-c-auth-v4 layout (context.json,
request.txt, header-canonical-request.txt, header-string-to-sign.txt, header-signature.txt,
header-signed-request.txt), so the C runner reads these with the same code as the AWS set.
The clock is pinned, so the output is stable: rerun only when adding cases, and commit it.

    python3 tests/tools/gen_dynamodb_sigv4.py [outdir]
"""
import datetime
import json
import os
import sys
from unittest import mock

import botocore
import botocore.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

TIME = datetime.datetime(2024, 5, 1, 12, 34, 56, tzinfo=datetime.timezone.utc)
REGION = "us-west-2"
SERVICE = "dynamodb"
HOST = "dynamodb.us-west-2.amazonaws.com"
AKID = "AKIDEXAMPLEDYNAMO"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEYDDB"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLXdlc3QtMiJHMEUCIQD+token/with=chars"
BODY = ('{"TableName":"bloop-test","Item":{"pk":{"S":"user#1"},"sk":{"S":"profile"},'
        '"n":{"N":"42"},"tags":{"SS":["a b","c"]}}}')

CASES = [
    ("dynamodb-putitem", None),
    ("dynamodb-putitem-session-token", TOKEN),
]


def headers_in_order():
    # User-Agent is deliberately present: botocore leaves it unsigned, and so must we.
    return [
        ("Host", HOST),
        ("Content-Type", "application/x-amz-json-1.0"),
        ("X-Amz-Target", "DynamoDB_20120810.PutItem"),
        ("Content-Length", str(len(BODY.encode()))),
        ("User-Agent", "bloop-test/1.0"),
    ]


def write(path, text):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def gen(outdir, name, token):
    creds = Credentials(AKID, SECRET, token)
    req = AWSRequest(method="POST", url="https://%s/" % HOST, data=BODY.encode(),
                     headers=dict(headers_in_order()))
    auth = SigV4Auth(creds, SERVICE, REGION)
    # add_auth's own steps, so the canonical request is taken before Authorization exists.
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=TIME):
        req.context["timestamp"] = TIME.strftime(botocore.auth.SIGV4_TIMESTAMP)
        auth._modify_request_before_signing(req)
        creq = auth.canonical_request(req)
        sts = auth.string_to_sign(req, creq)
        sig = auth.signature(sts, req)
        auth._inject_signature_to_request(req, sig)

    d = os.path.join(outdir, name)
    os.makedirs(d, exist_ok=True)
    ctx = {
        "credentials": {"access_key_id": AKID, "secret_access_key": SECRET},
        "expiration_in_seconds": 3600,
        "normalize": True,
        "region": REGION,
        "service": SERVICE,
        "sign_body": False,
        "timestamp": TIME.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "generator": "tests/tools/gen_dynamodb_sigv4.py, botocore %s" % botocore.__version__,
    }
    if token:
        ctx["credentials"]["token"] = token
    write(os.path.join(d, "context.json"), json.dumps(ctx, indent=4) + "\n")
    head = "".join("%s:%s\n" % kv for kv in headers_in_order())
    write(os.path.join(d, "request.txt"), "POST / HTTP/1.1\n" + head + "\n" + BODY)
    write(os.path.join(d, "header-canonical-request.txt"), creq)
    write(os.path.join(d, "header-string-to-sign.txt"), sts)
    write(os.path.join(d, "header-signature.txt"), sig)
    added = [("X-Amz-Date", req.headers["X-Amz-Date"])]
    if token:
        added.append(("X-Amz-Security-Token", req.headers["X-Amz-Security-Token"]))
    added.append(("Authorization", req.headers["Authorization"]))
    write(os.path.join(d, "header-signed-request.txt"),
          "POST / HTTP/1.1\n" + head + "".join("%s:%s\n" % kv for kv in added) + "\n" + BODY)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "data",
                                                                  "sigv4-dynamodb")
    for name, token in CASES:
        gen(outdir, name, token)


if __name__ == "__main__":
    main()
