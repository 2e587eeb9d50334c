#!/usr/bin/env python3
"""TEST-ONLY: a quick self-test of tests/moto/fault_proxy.py (no pytest, ~10 s).

    python tests/moto/test_fault_proxy.py        # exits non-zero on the first failure

Starts moto (tests/moto/secretlens_moto.py) and the proxy in front of it on free loopback
ports, then checks:

* the rules of today's tests (a JSON list, ``times``, ``drop``, ``slow``) behave as before
  and the stats keep ``forwarded`` and ``faults``;
* seeded ``probability`` rules: the same seed and the same sequential requests give the same
  fault sequence, another seed another one, and ~400 requests give roughly the asked shares;
* ``rate_limit``: a token bucket per operation lets about ``burst + rate * t`` requests
  through (60 back-to-back requests at rate 5 / burst 5: at least 40 throttled);
* S3 requests are named ``s3.GetObject``/``s3.PutObject``/… so a rule can deny one of them;
* every injected error parses in boto3 (which parses like the Rust SDK) with the error code of
  the service's protocol, and every injected throttle is one botocore retries as a throttle.
"""

import http.client
import json
import subprocess
import sys
import time
from pathlib import Path

from seed import use_dummy_credentials  # tests/moto/ is sys.path[0]

use_dummy_credentials()  # importing seed did it already; called again for the reader

import boto3  # noqa: E402  (after the environment is clean)
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

HERE = Path(__file__).resolve().parent

FAILURES = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILURES.append(what)


def start(args):
    """Starts a TEST-ONLY server script that prints ``PORT <n>``; returns (process, port)."""
    proc = subprocess.Popen(
        [sys.executable, *args, "--exit-on-stdin-eof"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith("PORT "):
            return proc, int(line.split()[1])
    proc.kill()
    sys.exit(f"{args[0]} did not print PORT")


class Proxy:
    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def control(self, method, path, payload=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        c.request(method, path, body=None if payload is None else json.dumps(payload))
        r = c.getresponse()
        body = r.read()
        c.close()
        return r.status, json.loads(body)

    def rules(self, payload):
        status, body = self.control("POST", "/_fault/rules", payload)
        assert status == 200, body
        return body

    def stats(self):
        return self.control("GET", "/_fault/stats")[1]

    def call(self, target="secretsmanager.ListSecrets"):
        """One awsJson request on a kept-alive connection: (status, __type or None)."""
        for attempt in range(2):
            try:
                self.conn.request(
                    "POST",
                    "/",
                    body=b"{}",
                    headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"},
                )
                r = self.conn.getresponse()
                body = r.read()
                break
            except (http.client.HTTPException, ConnectionError):
                # "drop" closed the connection: reconnect (and report it).
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt:
                    raise
                return None, "dropped"
        kind = None
        if r.status >= 400:
            try:
                kind = json.loads(body).get("__type")
            except ValueError:
                kind = "?"
        return r.status, kind


def diff(after, before):
    out = {"requests": after["requests"] - before["requests"], "forwarded": after["forwarded"] - before["forwarded"]}
    for k, v in after["faults"].items():
        if v - before["faults"].get(k, 0):
            out[k] = v - before["faults"].get(k, 0)
    return out


def test_existing_rules(p):
    before = p.stats()
    check({"forwarded", "faults", "requests", "by_operation"} <= set(before), f"stats keys: {sorted(before)}")
    # A plain list, as tests/faults.rs posts it.
    got = p.rules(
        [
            {"operation": "secretsmanager.ListSecrets", "fault": "throttle", "times": 2},
            {"operation": "TrentService.DescribeKey", "fault": "drop", "times": 1},
            {"operation": "TrentService.ListAliases", "fault": "slow", "delay_ms": 300, "times": 1},
        ]
    )
    check(got == {"rules": 3, "seed": 0}, f"list body accepted: {got}")
    seq = [p.call()[1] for _ in range(3)]
    check(seq[:2] == ["ThrottlingException"] * 2 and seq[2] != "ThrottlingException", f"times=2: {seq}")
    check(p.call("TrentService.DescribeKey")[1] == "dropped", "drop closes the connection")
    check(p.call("TrentService.DescribeKey")[1] != "dropped", "drop spent after times=1")
    t = time.monotonic()
    p.call("TrentService.ListAliases")
    check(time.monotonic() - t >= 0.3, "slow waits delay_ms")
    d = diff(p.stats(), before)
    check(
        d == {"requests": 6, "forwarded": 3, "throttle": 2, "drop": 1, "slow": 1},
        f"stats diff {d}",
    )
    status, body = p.control("POST", "/_fault/rules", {"seed": 1, "rules": [{"operation": "x"}]})
    check(status == 400, f"a rule without fault is refused: {status} {body}")
    p.rules([])


def test_probability(p):
    rules = [{"fault": "throttle", "probability": 0.3}, {"fault": "http500", "probability": 0.0714}]
    n = 400

    def run(seed):
        p.rules({"seed": seed, "rules": rules})
        before = p.stats()
        seq = [p.call()[0] for _ in range(n)]
        return seq, diff(p.stats(), before)

    t = time.monotonic()
    a, stats_a = run(7)
    b, _ = run(7)
    c, _ = run(8)
    took = time.monotonic() - t
    check(a == b, "same seed, same requests: same fault sequence")
    check(a != c, "another seed: another fault sequence")
    throttles, errors = a.count(400) / n, a.count(500) / n
    check(0.22 <= throttles <= 0.38, f"throttles {throttles:.3f} of {n} (asked 0.30)")
    check(0.02 <= errors <= 0.09, f"HTTP 500 {errors:.3f} of {n} (asked 0.05)")
    check(
        stats_a.get("throttle") == a.count(400) and stats_a.get("http500") == a.count(500),
        f"stats count what was injected: {stats_a}",
    )
    print(f"     ({3 * n} requests in {took:.1f} s)")
    # Re-posting the list form resets to seed 0: reproducible too.
    p.rules(rules)
    d0 = [p.call()[0] for _ in range(50)]
    p.rules({"seed": 0, "rules": rules})
    check(d0 == [p.call()[0] for _ in range(50)], "a posted list means seed 0")
    p.rules([])


def test_rate_limit(p):
    p.rules([{"fault": "rate_limit", "rate": 5, "burst": 5}])
    before = p.stats()
    t = time.monotonic()
    a = [p.call("secretsmanager.GetResourcePolicy") for _ in range(60)]
    elapsed = time.monotonic() - t
    throttled = sum(1 for s, k in a if s == 400 and k == "ThrottlingException")
    passed = 60 - throttled
    check(throttled >= 40, f"60 back-to-back at rate 5/burst 5: {throttled} throttled in {elapsed:.2f} s")
    check(5 <= passed <= 5 + 5 * elapsed + 1, f"{passed} passed: about burst + rate*t")
    check(all(s != 400 for s, _ in a[:5]), "the bucket starts full (burst)")
    # Another operation has its own bucket, full at first sight.
    b = [p.call("secretsmanager.ListSecrets")[0] for _ in range(5)]
    check(400 not in b, f"a second operation has its own bucket: {b}")
    time.sleep(1.0)
    c = [p.call("secretsmanager.GetResourcePolicy")[0] for _ in range(20)]
    refill = sum(1 for s in c if s != 400)
    check(3 <= refill <= 10, f"after 1 s at rate 5: {refill} of 20 pass (about 5)")
    stats = p.stats()
    d = diff(stats, before)
    by_op = stats["by_operation"]
    check(d["rate_limit"] == throttled + (20 - refill), f"stats faults.rate_limit: {d}")
    check(
        by_op["secretsmanager.GetResourcePolicy"].get("rate_limit", 0) >= throttled
        and by_op["secretsmanager.ListSecrets"].get("forwarded", 0) >= 5,
        f"by_operation: {json.dumps(by_op)}",
    )
    # rate_limit with a probability: only the draws that succeed take part.
    p.rules({"seed": 3, "rules": [{"fault": "rate_limit", "rate": 0.001, "burst": 1, "probability": 0.0}]})
    check(all(p.call()[0] != 400 for _ in range(5)), "probability 0 disables a rate_limit rule")
    p.rules([])


# (service, call, {fault: (error code, HTTP status)})
PROTOCOLS = [
    (
        "secretsmanager",
        lambda c: c.list_secrets(),
        {
            "throttle": ("ThrottlingException", 400),
            "access_denied": ("AccessDeniedException", 400),
            "http500": ("InternalFailure", 500),
            "http503": ("ServiceUnavailable", 503),
        },
    ),
    (
        "sts",
        lambda c: c.get_caller_identity(),
        {
            "throttle": ("Throttling", 400),
            "access_denied": ("AccessDenied", 400),
            "http500": ("InternalFailure", 500),
            "http503": ("ServiceUnavailable", 503),
        },
    ),
    (
        "iam",
        lambda c: c.list_users(),
        {
            "throttle": ("Throttling", 400),
            "access_denied": ("AccessDenied", 400),
            "http500": ("InternalFailure", 500),
            "http503": ("ServiceUnavailable", 503),
        },
    ),
    (
        "s3",
        lambda c: c.list_buckets(),
        {
            "throttle": ("SlowDown", 503),
            "access_denied": ("AccessDenied", 403),
            "http500": ("InternalError", 500),
            "http503": ("ServiceUnavailable", 503),
        },
    ),
    (
        "ec2",
        lambda c: c.describe_instances(),
        {
            "throttle": ("RequestLimitExceeded", 503),
            "access_denied": ("UnauthorizedOperation", 403),
            "http500": ("InternalError", 500),
            "http503": ("Unavailable", 503),
        },
    ),
    (
        "lambda",
        lambda c: c.list_functions(),
        {
            "throttle": ("TooManyRequestsException", 429),
            "access_denied": ("AccessDeniedException", 403),
            "http500": ("ServiceException", 500),
            "http503": ("ServiceUnavailableException", 503),
        },
    ),
]


def test_protocols(p):
    try:
        from botocore.retries.standard import ThrottledRetryableChecker

        throttle_codes = set(ThrottledRetryableChecker._THROTTLED_ERROR_CODES)
    except (ImportError, AttributeError):
        throttle_codes = None
    endpoint = f"http://127.0.0.1:{p.port}"
    # No retries. botocore's `max_attempts` counts retries (1 = one retry); `total_max_attempts`
    # counts attempts.
    cfg = Config(retries={"total_max_attempts": 1, "mode": "standard"})
    for service, call, expected in PROTOCOLS:
        client = boto3.client(service, region_name="us-east-1", endpoint_url=endpoint, config=cfg)
        p.rules([])
        try:
            call(client)
            check(True, f"{service}: forwarded without rules")
        except ClientError as e:
            check(False, f"{service}: forwarded without rules: {e}")
        cases = dict(expected)
        cases["rate_limit"] = expected["throttle"]
        for fault, (code, status) in cases.items():
            if fault == "rate_limit":
                # One token and (practically) no refill: the first call passes, the second not.
                p.rules([{"fault": "rate_limit", "rate": 0.001, "burst": 1}])
                try:
                    call(client)
                except ClientError as e:
                    check(False, f"{service}: the first call under rate_limit passes: {e}")
            else:
                p.rules([{"fault": fault}])
            before = p.stats()["requests"]
            try:
                call(client)
                got = ("no error", None)
            except ClientError as e:
                got = (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
            sent = p.stats()["requests"] - before
            check(got == (code, status) and sent == 1, f"{service} {fault}: {got[0]} HTTP {got[1]} (want {code} {status}), {sent} request(s)")
            if fault in ("throttle", "rate_limit") and throttle_codes is not None:
                check(got[0] in throttle_codes, f"{service} {fault}: botocore retries {got[0]} as a throttle")
    # The modeled exception classes, where the service has one.
    lam = boto3.client("lambda", region_name="us-east-1", endpoint_url=endpoint, config=cfg)
    p.rules([{"fault": "throttle"}])
    try:
        lam.list_functions()
    except lam.exceptions.TooManyRequestsException:
        check(True, "lambda throttle raises Lambda.Client.exceptions.TooManyRequestsException")
    except ClientError as e:
        check(False, f"lambda throttle raises {type(e).__name__}")
    p.rules([])


def test_s3_operations(p):
    """S3 requests are named by method and path, so a rule can deny one object operation."""
    endpoint = f"http://127.0.0.1:{p.port}"
    cfg = Config(retries={"total_max_attempts": 1, "mode": "standard"}, s3={"addressing_style": "path"})
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint, config=cfg)
    p.rules([{"operation": "s3.GetObject", "fault": "access_denied"}])
    before = p.stats()["by_operation"]
    s3.create_bucket(Bucket="proxy-ops")
    s3.put_object(Bucket="proxy-ops", Key="a/b.json", Body=b"{}")
    try:
        s3.get_object(Bucket="proxy-ops", Key="a/b.json")
        got = "no error"
    except ClientError as e:
        got = e.response["Error"]["Code"]
    check(got == "AccessDenied", f"s3.GetObject denied while s3.PutObject passes: {got}")
    after = p.stats()["by_operation"]
    count = lambda ops, op, what: ops.get(op, {}).get(what, 0)
    check(
        count(after, "s3.PUTBucket", "forwarded") - count(before, "s3.PUTBucket", "forwarded") == 1
        and count(after, "s3.PutObject", "forwarded") - count(before, "s3.PutObject", "forwarded") == 1
        and count(after, "s3.GetObject", "access_denied") - count(before, "s3.GetObject", "access_denied") == 1,
        f"S3 operations counted: {after}",
    )
    p.rules([])


def main():
    started = time.monotonic()
    moto, moto_port = start([str(HERE / "secretlens_moto.py")])
    print(f"-- moto up in {time.monotonic() - started:.1f} s", flush=True)
    proxy_proc, proxy_port = start([str(HERE / "fault_proxy.py"), "--upstream", f"http://127.0.0.1:{moto_port}"])
    try:
        p = Proxy(proxy_port)
        for test in (test_existing_rules, test_probability, test_rate_limit, test_protocols, test_s3_operations):
            t = time.monotonic()
            print(f"-- {test.__name__}", flush=True)
            test(p)
            print(f"   ({time.monotonic() - t:.1f} s)", flush=True)
    finally:
        for proc in (proxy_proc, moto):
            proc.kill()
            proc.wait()
    print(f"{'FAILED' if FAILURES else 'passed'} in {time.monotonic() - started:.1f} s")
    if FAILURES:
        for f in FAILURES:
            print(f"  - {f}")
        sys.exit(1)


if __name__ == "__main__":
    main()
