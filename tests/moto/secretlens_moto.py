#!/usr/bin/env python3
"""TEST-ONLY: moto's AWS-compatible server, in-process, plus exactly what moto lacks.

This is test instrumentation for secretlens's collection tests (tests/moto_audit.rs). It is
never used by secretlens itself and must never be pointed at by anything but a test.

It runs moto's own server application (``moto.moto_server.werkzeug_app``: the same WSGI app
``moto_server`` runs) on 127.0.0.1, on a port the OS picks, prints ``PORT <n>`` on stdout and
serves until killed. Everything under any other path is moto, unchanged. The additions, all
under ``/_secretlens_test/``, are:

* ``POST /_secretlens_test/secret_dates`` -- moto has no clock control and never returns
  ``LastAccessedDate``. JSON body::

      {"region": "us-east-1", "name": "prod/app/db", "account": "123456789012",
       "created_date": 1700000000, "last_changed_date": ..., "last_rotated_date": ...,
       "last_accessed_date": ..., "next_rotation_date": ...}

  Each date is epoch seconds, or null to clear it; a date key that is absent is left as it
  is. ``account`` defaults to moto's 123456789012. The secret's moto ``FakeSecret`` is
  mutated in place; ``LastAccessedDate`` is served by a wrapper around ``FakeSecret.to_dict``
  that adds the stored value when one is set (replicas inherit it, as in AWS).

* ``GET /_secretlens_test/calls`` -- every AWS request this server received since start (or
  the last reset), in order: ``{"calls": [{"operation", "region"}], "counts": {op: n}}``.
  ``operation`` is the ``X-Amz-Target`` header (``secretsmanager.ListSecrets``,
  ``TrentService.DescribeKey``) or, for query-protocol services such as STS,
  ``<service>.<Action>``. The tests use it to prove secretlens never calls
  ``GetSecretValue``/``BatchGetSecretValue``.

* ``POST /_secretlens_test/calls/reset`` -- forget the recorded calls (after seeding).

* ``account:ListRegions`` (``POST /listRegions`` signed for the ``account`` service), which
  moto lacks: answers from a small table (us-east-1 and eu-west-1 enabled by default,
  ap-east-1 disabled), honouring ``RegionOptStatusContains``. ``POST
  /_secretlens_test/regions`` ``{"regions": {"name": "ENABLED"|"ENABLED_BY_DEFAULT"|"DISABLED"}}``
  replaces the table.

* ``cloudtrail:LookupEvents`` (``X-Amz-Target: CloudTrail_20131101.LookupEvents``), which moto
  lacks: answers from events seeded with ``POST /_secretlens_test/cloudtrail_events``
  ``{"region": "us-east-1", "events": [<CloudTrail event JSON object or raw string>, ...],
  "replace": false}``. Each event is served with its ``CloudTrailEvent`` text as given (a raw
  string may be malformed on purpose), ``EventName``/``EventTime``/``EventSource`` from it
  (``EventTime`` from ``eventTime``, else "now"), filtered by ``StartTime``/``EndTime`` and an
  ``EventSource``/``EventName`` lookup attribute, newest first, ``MaxResults`` (default and
  at most 50) per page with an opaque ``NextToken``. Unseeded regions answer no events.

* CloudFormation ``DescribeStacks`` masks NoEcho parameters as ``****`` (moto 5.2 compares the
  parameter's value, not its key, with the NoEcho names).

Options: ``--load-iam-managed-policies`` sets ``MOTO_IAM_LOAD_MANAGED_POLICIES=true`` (off by
default: it makes IAM start slowly); ``--exit-on-stdin-eof`` exits when standard input closes,
so that a test process that dies never leaves a server behind.
"""

import argparse
import io
import json
import os
import sys
import threading
from collections import Counter
from urllib.parse import parse_qs

PREFIX = "/_secretlens_test/"
DEFAULT_ACCOUNT = "123456789012"

# Request field -> FakeSecret attribute (moto keeps epoch seconds).
DATE_FIELDS = {
    "created_date": "created_date",
    "last_changed_date": "last_changed_date",
    "last_rotated_date": "last_rotation_date",
    "next_rotation_date": "next_rotation_date",
    "last_accessed_date": "_secretlens_last_accessed",
}


def parse_args(argv):
    p = argparse.ArgumentParser(description="TEST-ONLY moto server for secretlens tests")
    p.add_argument("--load-iam-managed-policies", action="store_true")
    p.add_argument("--exit-on-stdin-eof", action="store_true")
    return p.parse_args(argv)


def patch_moto():
    """Adds LastAccessedDate to moto's secret description when a test set one."""
    from moto.secretsmanager import models

    original = models.FakeSecret.to_dict
    if getattr(original, "_secretlens_patched", False):
        return

    def to_dict(self):
        dct = original(self)
        value = getattr(self, "_secretlens_last_accessed", None)
        if value is not None:
            dct["LastAccessedDate"] = value
        return dct

    to_dict._secretlens_patched = True
    models.FakeSecret.to_dict = to_dict
    patch_cloudformation_no_echo()
    patch_kms_list_grants_unknown_key()


def patch_kms_list_grants_unknown_key():
    """moto 5.2.1 answers ``ListGrants`` on a key that does not exist with HTTP 500 (a
    ``KeyError`` in ``describe_key``); AWS answers ``NotFoundException``, which
    ``secretlens doctor`` reads as "the permission is there". Fixed here to match AWS."""
    from moto.kms import models as kms
    from moto.kms.exceptions import NotFoundException

    original = kms.KmsBackend.list_grants
    if getattr(original, "_secretlens_patched", False):
        return

    def list_grants(self, key_id, grant_id):
        try:
            self.describe_key(key_id)
        except KeyError:
            raise NotFoundException(f"Key '{key_id}' does not exist") from None
        return original(self, key_id, grant_id)

    list_grants._secretlens_patched = True
    kms.KmsBackend.list_grants = list_grants


def patch_cloudformation_no_echo():
    """moto 5.2 masks a stack parameter in DescribeStacks when its *value* equals the name of a
    NoEcho parameter, instead of when its *key* is one; AWS returns ``****`` for every NoEcho
    parameter. Fixed here so that the exposure tests see what AWS returns."""
    from moto.cloudformation import models as cfn

    def parameter_list(self):
        no_echo = self.resource_map.no_echo_parameter_keys
        return [
            {"ParameterKey": k, "ParameterValue": "****" if k in no_echo else v}
            for k, v in self.resource_map.resolved_parameters.items()
        ]

    cfn.Stack.parameter_list = property(parameter_list)


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.calls = []

    def record(self, operation, region):
        with self.lock:
            self.calls.append({"operation": operation, "region": region})

    def snapshot(self):
        with self.lock:
            calls = list(self.calls)
        counts = Counter(c["operation"] for c in calls)
        return {"calls": calls, "counts": dict(sorted(counts.items()))}

    def reset(self):
        with self.lock:
            self.calls.clear()


def _credential_scope(environ):
    """(region, service) from a SigV4 Authorization header, else (None, None)."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    try:
        scope = auth.split(",")[0].split()[1]  # Credential=AKID/date/region/service/aws4_request
        _, _, region, service, _ = scope.split("=", 1)[1].split("/")
        return region, service
    except (IndexError, ValueError):
        return None, None


def _peek_body(environ):
    """Reads the request body and puts it back for moto."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def operation_of(environ):
    target = environ.get("HTTP_X_AMZ_TARGET")
    region, service = _credential_scope(environ)
    if target:
        return target, region
    path = environ.get("PATH_INFO", "")
    if "/operation/" in path:  # Smithy RPC v2: /service/<Service>/operation/<Op>
        return f"{service or 'unknown'}.{path.rsplit('/', 1)[-1]}", region
    ctype = environ.get("CONTENT_TYPE", "")
    if ctype.startswith("application/x-www-form-urlencoded"):
        form = parse_qs(_peek_body(environ).decode("utf-8", "replace"))
        action = form.get("Action", [None])[0]
        if action:
            return f"{service or 'unknown'}.{action}", region
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if "Action" in query:
        return f"{service or 'unknown'}.{query['Action'][0]}", region
    return f"{service or 'unknown'}.{environ.get('REQUEST_METHOD', '?')} {path}", region


def _json_response(start_response, status, payload):
    body = json.dumps(payload).encode("utf-8")
    start_response(
        status,
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )
    return [body]


def set_secret_dates(payload):
    from moto.secretsmanager.models import secretsmanager_backends

    if not isinstance(payload, dict):
        raise ValueError("body must be a JSON object")
    unknown = set(payload) - set(DATE_FIELDS) - {"region", "name", "account"}
    if unknown:
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    region = payload.get("region")
    name = payload.get("name")
    if not region or not name:
        raise ValueError("`region` and `name` are required")
    account = payload.get("account") or DEFAULT_ACCOUNT
    secrets = secretsmanager_backends[account][region].secrets
    if name not in secrets:
        raise KeyError(f"no secret {name!r} in account {account} region {region}")
    secret = secrets[name]
    if not hasattr(secret, "created_date"):
        raise ValueError(f"{name!r} in {region} is a replica: set the dates on its primary")
    changed = {}
    for field, attr in DATE_FIELDS.items():
        if field not in payload:
            continue
        value = payload[field]
        if value is not None and not isinstance(value, (int, float)):
            raise ValueError(f"`{field}` must be epoch seconds or null")
        setattr(secret, attr, value)
        changed[field] = value
    return {"arn": secret.arn, "changed": changed}


# account:ListRegions, which moto does not implement. Enabled regions can be changed with
# POST /_secretlens_test/regions {"regions": {"us-east-1": "ENABLED_BY_DEFAULT", ...}}.
REGIONS = {
    "us-east-1": "ENABLED_BY_DEFAULT",
    "eu-west-1": "ENABLED_BY_DEFAULT",
    "ap-east-1": "DISABLED",
}


def list_regions(environ, start_response):
    try:
        body = json.loads(_peek_body(environ) or b"{}")
    except ValueError:
        body = {}
    wanted = set(body.get("RegionOptStatusContains") or [])
    regions = [
        {"RegionName": name, "RegionOptStatus": status}
        for name, status in sorted(REGIONS.items())
        if not wanted or status in wanted
    ]
    return _json_response(start_response, "200 OK", {"Regions": regions})


# cloudtrail:LookupEvents, which moto does not implement: region -> [(epoch, event dict)].
EVENTS = {}
EVENTS_LOCK = threading.Lock()


def _event_epoch(text):
    import datetime

    try:
        obj = json.loads(text)
        t = obj.get("eventTime") if isinstance(obj, dict) else None
        return datetime.datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp()
    except Exception:  # noqa: BLE001 -- malformed on purpose: served as a minute ago
        import time

        # A minute in the past, not "now": a lookup whose EndTime is the audit's start
        # (truncated to whole seconds) must still see it.
        return time.time() - 60


def seed_cloudtrail_events(payload):
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise ValueError("body must be {\"region\": ..., \"events\": [...]}")
    region = payload.get("region") or "us-east-1"
    rows = []
    for e in payload["events"]:
        text = e if isinstance(e, str) else json.dumps(e)
        try:
            obj = json.loads(text)
        except ValueError:
            obj = {}
        if not isinstance(obj, dict):
            obj = {}
        rows.append(
            {
                "epoch": _event_epoch(text),
                "text": text,
                "name": obj.get("eventName", "Unknown"),
                "source": obj.get("eventSource", "secretsmanager.amazonaws.com"),
                "id": obj.get("eventID") or f"seeded-{len(rows)}",
            }
        )
    with EVENTS_LOCK:
        if payload.get("replace"):
            EVENTS[region] = []
        EVENTS.setdefault(region, []).extend(rows)
        EVENTS[region].sort(key=lambda r: -r["epoch"])
        total = len(EVENTS[region])
    return {"region": region, "seeded": len(rows), "total": total}


def lookup_events(environ, start_response, region):
    try:
        body = json.loads(_peek_body(environ) or b"{}")
    except ValueError:
        body = {}
    start = body.get("StartTime")
    end = body.get("EndTime")
    attrs = body.get("LookupAttributes") or []
    max_results = min(int(body.get("MaxResults") or 50), 50)
    offset = int(body.get("NextToken") or 0)
    with EVENTS_LOCK:
        rows = list(EVENTS.get(region or "us-east-1", []))
    def keep(r):
        if start is not None and r["epoch"] < float(start):
            return False
        if end is not None and r["epoch"] > float(end):
            return False
        for a in attrs:
            key, value = a.get("AttributeKey"), a.get("AttributeValue")
            if key == "EventSource" and r["source"] != value:
                return False
            if key == "EventName" and r["name"] != value:
                return False
        return True
    rows = [r for r in rows if keep(r)]
    page = rows[offset : offset + max_results]
    out = {
        "Events": [
            {
                "EventId": r["id"],
                "EventName": r["name"],
                "EventTime": r["epoch"],
                "EventSource": r["source"],
                "CloudTrailEvent": r["text"],
                "Resources": [],
            }
            for r in page
        ]
    }
    if offset + max_results < len(rows):
        out["NextToken"] = str(offset + max_results)
    return _json_response(start_response, "200 OK", out)


def make_app(recorder):
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        create_backend_app,
    )

    moto_app = DomainDispatcherApplication(create_backend_app)

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if not path.startswith(PREFIX):
            recorder.record(*operation_of(environ))
            if path == "/listRegions" and _credential_scope(environ)[1] == "account":
                return list_regions(environ, start_response)
            if environ.get("HTTP_X_AMZ_TARGET") == "CloudTrail_20131101.LookupEvents":
                return lookup_events(environ, start_response, _credential_scope(environ)[0])
            return moto_app(environ, start_response)
        route = path[len(PREFIX):]
        try:
            if route == "calls" and method == "GET":
                return _json_response(start_response, "200 OK", recorder.snapshot())
            if route == "calls/reset" and method == "POST":
                recorder.reset()
                return _json_response(start_response, "200 OK", {"reset": True})
            if route == "regions" and method == "POST":
                payload = json.loads(_peek_body(environ) or b"{}")
                REGIONS.clear()
                REGIONS.update(payload["regions"])
                return _json_response(start_response, "200 OK", {"regions": REGIONS})
            if route == "cloudtrail_events" and method == "POST":
                payload = json.loads(_peek_body(environ) or b"null")
                return _json_response(start_response, "200 OK", seed_cloudtrail_events(payload))
            if route == "secret_dates" and method == "POST":
                payload = json.loads(_peek_body(environ) or b"null")
                return _json_response(start_response, "200 OK", set_secret_dates(payload))
            return _json_response(
                start_response, "404 Not Found", {"error": f"no test route {method} {path}"}
            )
        except KeyError as e:
            return _json_response(start_response, "404 Not Found", {"error": str(e.args[0])})
        except (ValueError, TypeError) as e:
            return _json_response(start_response, "400 Bad Request", {"error": str(e)})

    return app


def watch_stdin():
    """Exits the process when standard input closes (the parent test died)."""
    try:
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        os._exit(0)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.load_iam_managed_policies:
        os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    # Fake credentials for anything moto does on its own behalf; never real ones.
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")

    from werkzeug.serving import make_server

    patch_moto()
    server = make_server("127.0.0.1", 0, make_app(Recorder()), threaded=True)
    if args.exit_on_stdin_eof:
        threading.Thread(target=watch_stdin, daemon=True).start()
    sys.stdout.write(f"PORT {server.server_port}\n")
    sys.stdout.flush()
    # Nothing else goes to stdout: the reader may stop reading it.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
