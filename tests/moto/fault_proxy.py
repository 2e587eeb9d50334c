#!/usr/bin/env python3
"""TEST-ONLY: a fault-injecting HTTP proxy between the AWS SDK and the test server.

Used by tests/faults.rs and scripts/bench-throttle.sh to show how secretlens behaves when AWS
misbehaves. It listens on 127.0.0.1, on a port the OS picks, prints ``PORT <n>`` on stdout and
forwards every request to ``--upstream`` (the moto test server) unless a fault rule matches
it. Standard library only; HTTP/1.1 with keep-alive and Content-Length bodies (what the AWS
SDK sends).

Control routes (never forwarded):

* ``POST /_fault/rules`` -- replace the rules. The body is either a JSON list of rules, or an
  object ``{"seed": 7, "rules": [...]}``; a list means seed 0. Every post resets the random
  generator (``random.Random(seed)``) and forgets every token bucket. A rule::

      {"operation": "secretsmanager.GetResourcePolicy",   # optional (absent: every
                                                          # operation): X-Amz-Target, or
                                                          # "<service>.<Action>" for query
                                                          # protocols ("sts.GetCallerIdentity"),
                                                          # "s3.GetObject"/"s3.PutObject" for S3
       "body_contains": "prod/app",                       # optional: substring of the body
       "path_contains": "/2015-03-31/functions",          # optional: substring of the request
                                                          # path (REST APIs such as Lambda; their
                                                          # operation is "unknown")
       "fault": "throttle" | "http500" | "http503" | "slow" | "drop" | "access_denied"
                | "rate_limit",
       "probability": 0.3,                                # optional: applies to a matching
                                                          # request with this probability
       "times": 2,                                        # optional: then the rule is spent
       "delay_ms": 1500,                                  # for "slow"
       "rate": 20, "burst": 20}                           # for "rate_limit"

  Rules are tried in order; the first one that applies answers the request. A rule applies to
  a request when its filters match, it has ``times`` left, its ``probability`` draw succeeds
  (one draw from the seeded generator per matching request, so the same seed and the same
  order of requests give the same faults) and, for ``rate_limit``, the bucket is empty. A rule
  that does not apply leaves the request to the next one, so
  ``[{"fault": "throttle", "probability": 0.3}, {"fault": "http500", "probability": 0.0714}]``
  throttles ~30 % of all requests and answers ~5 % with HTTP 500. ``times`` counts the
  requests a rule applied to.

  ``rate_limit`` is a token bucket per operation (the operation string above, so
  ``secretsmanager.ListSecrets`` and ``secretsmanager.GetResourcePolicy`` are limited
  separately; every REST call shares the bucket ``unknown``), created full when the operation
  is first seen: ``burst`` tokens (default ``rate``, at least 1), refilled at ``rate`` tokens
  per second (``time.monotonic()``). A request that takes a token goes on to the next rules
  (and is forwarded if none applies); one that finds the bucket empty is answered as
  ``throttle``. Like AWS, throttled requests take no token.

  ``drop`` closes the connection without an answer, ``slow`` waits ``delay_ms`` and then
  forwards. ``throttle`` (and an empty ``rate_limit`` bucket, counted as ``rate_limit``),
  ``access_denied``, ``http500`` and ``http503`` answer in the error format of the request's
  protocol, which the SDK parses like a real AWS error (throttle, access_denied, http500,
  http503):

  - awsJson (the request has ``X-Amz-Target``: Secrets Manager, KMS, SSM, ECS, ...):
    ``__type`` in a JSON 1.1 body; 400 ``ThrottlingException``, 400
    ``AccessDeniedException``, 500 ``InternalFailure``, 503 ``ServiceUnavailable``.
  - awsQuery (a form-urlencoded body: STS, IAM, CloudFormation, SNS): ``<ErrorResponse>``
    XML; 400 ``Throttling``, 400 ``AccessDenied`` (Type Sender), 500 ``InternalFailure``,
    503 ``ServiceUnavailable`` (Type Receiver).
  - ec2Query (a form body signed for ``ec2``): ``<Response><Errors>`` XML; 503
    ``RequestLimitExceeded``, 403 ``UnauthorizedOperation``, 500 ``InternalError``, 503
    ``Unavailable``.
  - restXml (signed for ``s3``; the operation is ``s3.GetObject``, ``s3.PutObject``,
    ``s3.HeadObject``, ``s3.DeleteObject`` for a path-style ``/bucket/key``, else
    ``s3.<METHOD>Bucket``): an ``<Error>`` XML body; 503 ``SlowDown``, 403 ``AccessDenied``,
    500 ``InternalError``, 503 ``ServiceUnavailable``.
  - restJson (anything else: Lambda, ...): the code in the ``x-amzn-ErrorType`` header, a
    ``{"message"}`` body; 429 ``TooManyRequestsException``, 403 ``AccessDeniedException``,
    500 ``ServiceException``, 503 ``ServiceUnavailableException``.

* ``GET /_fault/stats`` -- ``{"requests": n, "forwarded": n, "faults": {fault: n},
  "by_operation": {operation: {"forwarded": n, fault: n}}}``: ``requests`` counts every
  request received (control routes aside), ``forwarded`` those answered by the upstream, and
  a ``slow`` request counts as both a fault and forwarded. Counters only grow (posting rules
  does not reset them): diff two snapshots.
"""

import argparse
import asyncio
import json
import os
import random
import sys
import threading
import time
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

RULES = []
RNG = random.Random(0)
# (rule index, operation) -> [tokens, monotonic time of the last refill]
BUCKETS = {}
STATS = {"requests": 0, "forwarded": 0, "faults": {}, "by_operation": {}}
LOCK = threading.Lock()


def service_of(headers):
    """The service of the SigV4 credential scope (``Credential=AKID/date/region/SERVICE/...``)."""
    auth = headers.get("authorization", "")
    try:
        return auth.split("Credential=")[1].split(",")[0].split("/")[3]
    except IndexError:
        return "unknown"


def s3_operation(method, path):
    """The S3 object operation of a path-style request (``/bucket/key``): ``s3.GetObject``,
    ``s3.PutObject``, ``s3.HeadObject`` or ``s3.DeleteObject``; bucket-level requests are
    ``s3.<METHOD>Bucket`` (``s3.PUTBucket`` creates one)."""
    parts = path.split("?", 1)[0].lstrip("/").split("/", 1)
    if len(parts) == 2 and parts[1]:
        name = {"GET": "GetObject", "PUT": "PutObject", "HEAD": "HeadObject", "DELETE": "DeleteObject"}
        return "s3." + name.get(method, method + "Object")
    return f"s3.{method}Bucket"


def operation_of(headers, body, method="", path=""):
    target = headers.get("x-amz-target")
    if target:
        return target
    if service_of(headers) == "s3":
        return s3_operation(method, path)
    ctype = headers.get("content-type", "")
    if ctype.startswith("application/x-www-form-urlencoded"):
        action = parse_qs(body.decode("utf-8", "replace")).get("Action", [None])[0]
        if action:
            return f"{service_of(headers)}.{action}"
    return "unknown"


def protocol_of(headers):
    """awsJson, awsQuery, ec2Query, restXml (S3) or restJson: decides the shape of an injected
    error."""
    if headers.get("x-amz-target"):
        return "awsJson"
    if service_of(headers) == "s3":
        return "restXml"
    if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return "ec2Query" if service_of(headers) == "ec2" else "awsQuery"
    return "restJson"


def set_rules(payload):
    """Installs the rules of a ``POST /_fault/rules`` body; returns (rule count, seed)."""
    if isinstance(payload, dict):
        rules, seed = payload.get("rules", []), payload.get("seed", 0)
    else:
        rules, seed = payload, 0
    if not isinstance(rules, list) or not all(isinstance(r, dict) and "fault" in r for r in rules):
        raise ValueError("rules must be a list of objects with a \"fault\"")
    with LOCK:
        RULES[:] = rules
        RNG.seed(seed)
        BUCKETS.clear()
    return len(rules), seed


def take_token(index, rule, operation):
    """Refills the (rule, operation) bucket and takes a token; False when it is empty."""
    rate = float(rule.get("rate", 1))
    burst = max(float(rule.get("burst", rate)), 1.0)
    now = time.monotonic()
    bucket = BUCKETS.get((index, operation))
    if bucket is None:
        bucket = BUCKETS[(index, operation)] = [burst, now]
    bucket[0] = min(burst, bucket[0] + (now - bucket[1]) * rate)
    bucket[1] = now
    if bucket[0] >= 1.0:
        bucket[0] -= 1.0
        return True
    return False


def count(operation, what):
    """Counts one outcome (``forwarded`` or a fault name) of a request; call under LOCK."""
    per_op = STATS["by_operation"].setdefault(operation, {})
    per_op[what] = per_op.get(what, 0) + 1
    if what == "forwarded":
        STATS["forwarded"] += 1
    else:
        STATS["faults"][what] = STATS["faults"].get(what, 0) + 1


def pick_rule(operation, body, path=""):
    with LOCK:
        STATS["requests"] += 1
        for index, rule in enumerate(RULES):
            if rule.get("operation") not in (None, operation):
                continue
            if rule.get("path_contains") and rule["path_contains"] not in path:
                continue
            needle = rule.get("body_contains")
            if needle and needle.encode() not in body:
                continue
            times = rule.get("times")
            if times is not None and times <= 0:
                continue
            probability = rule.get("probability")
            if probability is not None and not RNG.random() < float(probability):
                continue
            if rule["fault"] == "rate_limit" and take_token(index, rule, operation):
                continue
            if times is not None:
                rule["times"] = times - 1
            count(operation, rule["fault"])
            return dict(rule)
    return None


REASONS = {
    400: "Bad Request",
    403: "Forbidden",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def response(status, reason, body, ctype="application/x-amz-json-1.1", extra_headers=()):
    data = body.encode("utf-8")
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\n"
        f"Content-Length: {len(data)}\r\nx-amzn-RequestId: fault-proxy\r\n"
        + "".join(f"{k}: {v}\r\n" for k, v in extra_headers)
        + "\r\n"
    )
    return head.encode("ascii") + data


DENIED = (
    "User: arn:aws:sts::123456789012:assumed-role/audit/secretlens is not authorized "
    "(injected by the test proxy)"
)

# awsJson (Secrets Manager, KMS, SSM, ECS, CloudTrail, ...): `__type` in the body.
FAULTS = {
    "throttle": (400, "Bad Request", {"__type": "ThrottlingException", "message": "Rate exceeded"}),
    "access_denied": (400, "Bad Request", {"__type": "AccessDeniedException", "message": DENIED}),
    "http500": (500, "Internal Server Error", {"__type": "InternalFailure", "message": "injected"}),
    "http503": (503, "Service Unavailable", {"__type": "ServiceUnavailable", "message": "injected"}),
}
FAULTS["rate_limit"] = FAULTS["throttle"]

# awsQuery (STS, IAM, CloudFormation, SNS): (status, Type, Code, Message).
QUERY_FAULTS = {
    "throttle": (400, "Sender", "Throttling", "Rate exceeded"),
    "access_denied": (400, "Sender", "AccessDenied", DENIED),
    "http500": (500, "Receiver", "InternalFailure", "injected"),
    "http503": (503, "Receiver", "ServiceUnavailable", "injected"),
}
QUERY_FAULTS["rate_limit"] = QUERY_FAULTS["throttle"]

# ec2Query: (status, Code, Message). EC2 answers throttling with 503 RequestLimitExceeded.
EC2_FAULTS = {
    "throttle": (503, "RequestLimitExceeded", "Request limit exceeded."),
    "access_denied": (403, "UnauthorizedOperation", "You are not authorized to perform this operation. (injected by the test proxy)"),
    "http500": (500, "InternalError", "injected"),
    "http503": (503, "Unavailable", "injected"),
}
EC2_FAULTS["rate_limit"] = EC2_FAULTS["throttle"]

# restXml (S3): (status, Code, Message) in an ``<Error>`` document.
S3_FAULTS = {
    "throttle": (503, "SlowDown", "Please reduce your request rate."),
    "access_denied": (403, "AccessDenied", "Access Denied (injected by the test proxy)"),
    "http500": (500, "InternalError", "injected"),
    "http503": (503, "ServiceUnavailable", "injected"),
}
S3_FAULTS["rate_limit"] = S3_FAULTS["throttle"]

# restJson (Lambda, ...): (status, x-amzn-ErrorType, message).
REST_FAULTS = {
    "throttle": (429, "TooManyRequestsException", "Rate exceeded"),
    "access_denied": (403, "AccessDeniedException", DENIED),
    "http500": (500, "ServiceException", "injected"),
    "http503": (503, "ServiceUnavailableException", "injected"),
}
REST_FAULTS["rate_limit"] = REST_FAULTS["throttle"]


def fault_response(fault, headers):
    """The HTTP response of an injected fault, in the error format of the request's protocol."""
    protocol = protocol_of(headers)
    if protocol == "awsQuery":
        status, kind, code, message = QUERY_FAULTS[fault]
        body = (
            f"<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code>"
            f"<Message>{escape(message)}</Message></Error>"
            "<RequestId>fault-proxy</RequestId></ErrorResponse>"
        )
        return response(status, REASONS[status], body, "text/xml")
    if protocol == "ec2Query":
        status, code, message = EC2_FAULTS[fault]
        body = (
            f"<Response><Errors><Error><Code>{code}</Code><Message>{escape(message)}</Message>"
            "</Error></Errors><RequestID>fault-proxy</RequestID></Response>"
        )
        return response(status, REASONS[status], body, "text/xml;charset=UTF-8")
    if protocol == "restXml":
        status, code, message = S3_FAULTS[fault]
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
            f"<Message>{escape(message)}</Message><RequestId>fault-proxy</RequestId></Error>"
        )
        return response(status, REASONS[status], body, "application/xml")
    if protocol == "restJson":
        status, code, message = REST_FAULTS[fault]
        return response(
            status,
            REASONS[status],
            json.dumps({"message": message}),
            "application/json",
            [("x-amzn-ErrorType", code)],
        )
    status, reason, payload = FAULTS[fault]
    return response(status, reason, json.dumps(payload))


async def read_request(reader):
    line = await reader.readline()
    if not line:
        return None
    headers = {}
    raw_headers = []
    while True:
        h = await reader.readline()
        if h in (b"\r\n", b"\n", b""):
            break
        raw_headers.append(h)
        k, _, v = h.decode("latin-1").partition(":")
        headers[k.strip().lower()] = v.strip()
    length = int(headers.get("content-length") or 0)
    body = await reader.readexactly(length) if length else b""
    return line, raw_headers, headers, body


async def forward(upstream, line, raw_headers, body):
    host, port = upstream
    r, w = await asyncio.open_connection(host, port)
    try:
        out = [line]
        for h in raw_headers:
            if h.lower().startswith(b"connection:"):
                continue
            out.append(h)
        out.append(b"Connection: close\r\n\r\n")
        w.write(b"".join(out) + body)
        await w.drain()
        status = await r.readline()
        resp_headers = []
        length = None
        while True:
            h = await r.readline()
            if h in (b"\r\n", b"\n", b""):
                break
            if h.lower().startswith(b"content-length:"):
                length = int(h.split(b":", 1)[1])
            if h.lower().startswith(b"connection:"):
                continue
            resp_headers.append(h)
        data = await (r.readexactly(length) if length is not None else r.read())
        if length is None:
            resp_headers.append(f"Content-Length: {len(data)}\r\n".encode())
        return status + b"".join(resp_headers) + b"\r\n" + data
    finally:
        w.close()


async def handle(reader, writer, upstream):
    try:
        while True:
            req = await read_request(reader)
            if req is None:
                return
            line, raw_headers, headers, body = req
            method, path, version = line.decode("latin-1").split(" ", 2)
            close = version.strip() == "HTTP/1.0" or headers.get("connection", "").lower() == "close"
            if path.startswith("/_fault/"):
                if path == "/_fault/rules" and method == "POST":
                    try:
                        n, seed = set_rules(json.loads(body or b"[]"))
                        answer = response(200, "OK", json.dumps({"rules": n, "seed": seed}), "application/json")
                    except ValueError as e:  # includes json.JSONDecodeError
                        answer = response(400, "Bad Request", json.dumps({"error": str(e)}), "application/json")
                    writer.write(answer)
                else:
                    with LOCK:
                        stats = json.dumps(STATS)
                    writer.write(response(200, "OK", stats, "application/json"))
                await writer.drain()
                if close:
                    return
                continue
            operation = operation_of(headers, body, method, path)
            rule = pick_rule(operation, body, path)
            if rule and rule["fault"] == "drop":
                return  # close without an answer
            if rule and rule["fault"] in FAULTS:
                writer.write(fault_response(rule["fault"], headers))
                await writer.drain()
                if close:
                    return
                continue
            if rule and rule["fault"] == "slow":
                await asyncio.sleep(rule.get("delay_ms", 1000) / 1000)
            data = await forward(upstream, line, raw_headers, body)
            with LOCK:
                count(operation, "forwarded")
            writer.write(data)
            await writer.drain()
            if close:
                return
    except (ConnectionError, asyncio.IncompleteReadError):
        return
    finally:
        try:
            writer.close()
        except Exception:
            pass


def watch_stdin():
    try:
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        os._exit(0)


async def main():
    p = argparse.ArgumentParser(description="TEST-ONLY fault-injecting proxy")
    p.add_argument("--upstream", required=True, help="e.g. http://127.0.0.1:5000")
    p.add_argument("--exit-on-stdin-eof", action="store_true")
    args = p.parse_args()
    u = urlsplit(args.upstream)
    upstream = (u.hostname, u.port)
    server = await asyncio.start_server(lambda r, w: handle(r, w, upstream), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    if args.exit_on_stdin_eof:
        threading.Thread(target=watch_stdin, daemon=True).start()
    sys.stdout.write(f"PORT {port}\n")
    sys.stdout.flush()
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
