#!/usr/bin/env python3
"""TEST-ONLY: a fault-injecting HTTP proxy between the AWS SDK and the test server.

Used by tests/faults.rs to show how secretlens behaves when AWS misbehaves. It listens on
127.0.0.1, on a port the OS picks, prints ``PORT <n>`` on stdout and forwards every request
to ``--upstream`` (the moto test server) unless a fault rule matches it. Standard library
only; HTTP/1.1 with keep-alive and Content-Length bodies (what the AWS SDK sends).

Control routes (never forwarded):

* ``POST /_fault/rules`` -- replace the rules with the JSON list in the body. A rule::

      {"operation": "secretsmanager.GetResourcePolicy",   # X-Amz-Target, or "sts.<Action>"
       "body_contains": "prod/app",                       # optional: substring of the body
       "path_contains": "/2015-03-31/functions",          # optional: substring of the request
                                                          # path (REST APIs such as Lambda; their
                                                          # operation is "unknown")
       "fault": "throttle" | "http500" | "http503" | "slow" | "drop" | "access_denied",
       "times": 2,                                        # optional: then the rule is spent
       "delay_ms": 1500}                                  # for "slow"

  The first matching rule with times left applies. ``throttle`` answers HTTP 400
  ``ThrottlingException``, ``access_denied`` HTTP 400 ``AccessDeniedException`` (JSON
  protocol bodies, as Secrets Manager and KMS send them), ``http500``/``http503`` an
  ``InternalFailure``/``ServiceUnavailable``, ``drop`` closes the connection without an
  answer, ``slow`` waits ``delay_ms`` and then forwards.
* ``GET /_fault/stats`` -- ``{"forwarded": n, "faults": {fault: n}}``.
"""

import argparse
import asyncio
import json
import os
import sys
import threading
from urllib.parse import urlsplit

RULES = []
STATS = {"forwarded": 0, "faults": {}}
LOCK = threading.Lock()


def operation_of(headers, body):
    target = headers.get("x-amz-target")
    if target:
        return target
    ctype = headers.get("content-type", "")
    if ctype.startswith("application/x-www-form-urlencoded"):
        from urllib.parse import parse_qs

        action = parse_qs(body.decode("utf-8", "replace")).get("Action", [None])[0]
        auth = headers.get("authorization", "")
        service = "unknown"
        try:
            service = auth.split("Credential=")[1].split(",")[0].split("/")[3]
        except IndexError:
            pass
        if action:
            return f"{service}.{action}"
    return "unknown"


def pick_rule(operation, body, path=""):
    with LOCK:
        for rule in RULES:
            if rule.get("operation") not in (None, operation):
                continue
            if rule.get("path_contains") and rule["path_contains"] not in path:
                continue
            needle = rule.get("body_contains")
            if needle and needle.encode() not in body:
                continue
            times = rule.get("times")
            if times is not None:
                if times <= 0:
                    continue
                rule["times"] = times - 1
            name = rule["fault"]
            STATS["faults"][name] = STATS["faults"].get(name, 0) + 1
            return dict(rule)
    return None


def response(status, reason, body, ctype="application/x-amz-json-1.1"):
    data = body.encode("utf-8")
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\n"
        f"Content-Length: {len(data)}\r\nx-amzn-RequestId: fault-proxy\r\n\r\n"
    )
    return head.encode("ascii") + data


FAULTS = {
    "throttle": (400, "Bad Request", {"__type": "ThrottlingException", "message": "Rate exceeded"}),
    "access_denied": (
        400,
        "Bad Request",
        {
            "__type": "AccessDeniedException",
            "message": "User: arn:aws:sts::123456789012:assumed-role/audit/secretlens is not authorized (injected by the test proxy)",
        },
    ),
    "http500": (500, "Internal Server Error", {"__type": "InternalFailure", "message": "injected"}),
    "http503": (503, "Service Unavailable", {"__type": "ServiceUnavailable", "message": "injected"}),
}


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
                    rules = json.loads(body or b"[]")
                    with LOCK:
                        RULES[:] = rules
                    writer.write(response(200, "OK", json.dumps({"rules": len(rules)}), "application/json"))
                else:
                    with LOCK:
                        stats = json.dumps(STATS)
                    writer.write(response(200, "OK", stats, "application/json"))
                await writer.drain()
                if close:
                    return
                continue
            path = line.decode("latin-1").split(" ")[1] if b" " in line else ""
            rule = pick_rule(operation_of(headers, body), body, path)
            if rule and rule["fault"] == "drop":
                return  # close without an answer
            if rule and rule["fault"] in FAULTS:
                status, reason, payload = FAULTS[rule["fault"]]
                writer.write(response(status, reason, json.dumps(payload)))
                await writer.drain()
                if close:
                    return
                continue
            if rule and rule["fault"] == "slow":
                await asyncio.sleep(rule.get("delay_ms", 1000) / 1000)
            data = await forward(upstream, line, raw_headers, body)
            with LOCK:
                STATS["forwarded"] += 1
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
