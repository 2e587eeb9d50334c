#!/usr/bin/env python3
"""Plays the Step Functions definition deploy/statemachine.asl.json locally.

    local_driver.py --bin target/release/secretlens --endpoint-url http://127.0.0.1:5000 \\
        --set BucketName=B --set TopicArn=arn:aws:sns:... --set MemberRoleName=R \\
        --set ExternalId=X --workers 4 --run RUN [--stats stats.json]

It interprets the definition (after substituting the ``${Name}`` placeholders, as
CloudFormation's DefinitionSubstitutions do): an ECS ``runTask.sync`` task runs
``BIN <ContainerOverrides[0].Command>`` as a subprocess, the S3/SNS tasks call boto3, the
Distributed Map runs its item processor on a pool of MaxConcurrency threads. Whatever the
definition uses that this driver does not implement is an error (exit 2), never skipped.
Retry intervals are logged, not slept. Exit 0: SUCCEEDED, 1: FAILED, 2: bad usage/definition.
"""

import argparse
import datetime
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

ECS = "arn:aws:states:::ecs:runTask.sync"
SDK = {"arn:aws:states:::aws-sdk:s3:listObjectsV2": ("s3", "list_objects_v2", "S3"),
       "arn:aws:states:::aws-sdk:s3:copyObject": ("s3", "copy_object", "S3"),
       "arn:aws:states:::sns:publish": ("sns", "publish", "SNS")}
ECS_DEFAULTS = {"ClusterArn": "arn:aws:ecs:local:000000000000:cluster/local", "TaskDefinitionArn": "local",
                "Subnets": "subnet-local", "SecurityGroups": "sg-local", "AssignPublicIp": "DISABLED",
                "EvaluateCpu": "1024", "EvaluateMemory": "2048"}
COMMON = {"Type", "Comment", "Next", "End"}
FIELDS = {
    "Pass": COMMON | {"Parameters", "Result", "ResultPath"},
    "Task": COMMON | {"Resource", "Parameters", "ResultSelector", "ResultPath", "TimeoutSeconds", "Retry", "Catch"},
    "Map": COMMON | {"Label", "ItemReader", "ItemSelector", "MaxConcurrency", "MaxConcurrencyPath",
                     "ToleratedFailurePercentage", "ToleratedFailurePercentagePath", "ItemProcessor",
                     "ResultWriter", "ResultPath", "Retry", "Catch"},
    "Choice": {"Type", "Comment", "Choices", "Default"},
    "Succeed": {"Type", "Comment"},
    "Fail": {"Type", "Comment", "Error", "Cause"},
}
COMPARISONS = {"StringEquals", "StringMatches", "NumericEquals", "NumericGreaterThan", "NumericLessThan",
               "NumericGreaterThanEquals", "NumericLessThanEquals", "BooleanEquals", "IsPresent", "IsNull"}
INTRINSICS = {"States.Format", "States.Array", "States.StringSplit", "States.StringToJson", "States.JsonToString"}
RETRY_FIELDS = {"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy"}


class Unsupported(Exception):
    """The definition (or the command line) asks for something this driver does not do: exit 2."""


class StatesError(Exception):
    def __init__(self, error, cause):
        super().__init__(f"{error}: {cause}")
        self.error, self.cause = error, cause


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---- JSONPath and intrinsic functions --------------------------------------------------------

MISSING = object()


def get_path(path, data, ctx):
    root, rest = (ctx, path[2:]) if path.startswith("$$") else (data, path[1:])
    if not path.startswith("$") or (rest and not rest.startswith(".")):
        raise Unsupported(f"unsupported JSONPath {path!r} (only $.a.b and $$.a.b)")
    value = root
    for part in rest.split(".")[1:]:
        if not re.fullmatch(r"[A-Za-z0-9_-]+", part):
            raise Unsupported(f"unsupported JSONPath {path!r} (only $.a.b and $$.a.b)")
        if not isinstance(value, dict) or part not in value:
            return MISSING
        value = value[part]
    return value


def read_path(path, data, ctx):
    value = get_path(path, data, ctx)
    if value is MISSING:
        raise StatesError("States.Runtime", f"the JSONPath {path} could not be found in the input")
    return value


def parse_intrinsic(text):
    """'States.F(arg, ...)' -> ('call', name, [args]); args: ('str', s), ('num', n), ('path', p), calls."""
    pos = 0

    def expr():
        nonlocal pos
        while text[pos:pos + 1] == " ":
            pos += 1
        if text[pos:pos + 1] == "'":
            pos += 1
            out = ""
            while pos < len(text) and text[pos] != "'":
                if text[pos] == "\\" and pos + 1 < len(text):
                    out += text[pos:pos + 2] if text[pos + 1] in "{}" else text[pos + 1]
                    pos += 2
                else:
                    out += text[pos]
                    pos += 1
            if pos >= len(text):
                raise Unsupported(f"unterminated string in {text!r}")
            pos += 1
            return ("str", out)
        m = re.compile(r"\$\$?(\.[A-Za-z0-9_-]+)*|-?\d+(\.\d+)?|States\.[A-Za-z]+\(").match(text, pos)
        if not m:
            raise Unsupported(f"cannot parse intrinsic {text!r} at {pos}")
        pos = m.end()
        tok = m.group(0)
        if tok.startswith("$"):
            return ("path", tok)
        if not tok.startswith("States."):
            return ("num", json.loads(tok))
        name = tok[:-1]
        if name not in INTRINSICS:
            raise Unsupported(f"unsupported intrinsic function {name}")
        args = []
        while True:
            while text[pos:pos + 1] == " ":
                pos += 1
            if text[pos:pos + 1] == ")":
                pos += 1
                return ("call", name, args)
            if args:
                if text[pos:pos + 1] != ",":
                    raise Unsupported(f"cannot parse intrinsic {text!r} at {pos}")
                pos += 1
            args.append(expr())

    node = expr()
    if pos != len(text) or node[0] != "call":
        raise Unsupported(f"cannot parse intrinsic {text!r}")
    return node


def eval_node(node, data, ctx):
    if node[0] in ("str", "num"):
        return node[1]
    if node[0] == "path":
        return read_path(node[1], data, ctx)
    name, args = node[1], [eval_node(a, data, ctx) for a in node[2]]
    if name == "States.Array":
        return args
    if name == "States.Format":
        parts = re.split(r"(?<!\\)\{\}", args[0])
        if len(parts) - 1 != len(args) - 1:
            raise StatesError("States.IntrinsicFailure", f"States.Format: {len(parts) - 1} {{}} for {len(args) - 1} args")
        out = parts[0]
        for arg, part in zip(args[1:], parts[1:]):
            out += (arg if isinstance(arg, str) else json.dumps(arg)) + part
        return out.replace("\\{", "{").replace("\\}", "}")
    if name == "States.StringSplit":
        return [s for s in re.split("[" + re.escape(args[1]) + "]", args[0]) if s]
    if name == "States.StringToJson":
        try:
            return json.loads(args[0])
        except (TypeError, ValueError) as e:
            raise StatesError("States.IntrinsicFailure", f"States.StringToJson({args[0]!r}): {e}")
    return json.dumps(args[0], separators=(",", ":"))  # States.JsonToString


def resolve(value, data, ctx):
    """Payload template: keys ending in .$ take a path or an intrinsic."""
    if isinstance(value, list):
        return [resolve(v, data, ctx) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for k, v in value.items():
        if k.endswith(".$"):
            if not isinstance(v, str):
                raise Unsupported(f"{k} must be a string")
            out[k[:-2]] = eval_node(parse_intrinsic(v), data, ctx) if v.startswith("States.") else read_path(v, data, ctx)
        else:
            out[k] = resolve(v, data, ctx)
    return out


def set_result(path, data, result):
    if path == "$":
        return result
    if path is None:
        return data
    if not re.fullmatch(r"\$(\.[A-Za-z0-9_-]+)+", path):
        raise Unsupported(f"unsupported ResultPath {path!r}")
    out = json.loads(json.dumps(data)) if isinstance(data, dict) else {}
    node = out
    parts = path[2:].split(".")
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = result
    return out


# ---- validation: the whole definition, before anything runs ----------------------------------

def check_template(value, where):
    if isinstance(value, list):
        for v in value:
            check_template(v, where)
    elif isinstance(value, dict):
        for k, v in value.items():
            if k.endswith(".$"):
                if isinstance(v, str) and v.startswith("States."):
                    parse_intrinsic(v)
                elif not isinstance(v, str) or not v.startswith("$"):
                    raise Unsupported(f"{where}: {k} is neither a path nor an intrinsic")
            else:
                check_template(v, where)


def check_rule(rule, where):
    if "And" in rule or "Or" in rule:
        for r in rule.get("And", rule.get("Or")):
            check_rule(r, where)
        return
    if "Not" in rule:
        return check_rule(rule["Not"], where)
    ops = set(rule) - {"Variable", "Next"}
    if len(ops) != 1 or not ops <= COMPARISONS:
        raise Unsupported(f"{where}: unsupported Choice rule {sorted(ops)}")


def validate(machine, where="definition"):
    states = machine.get("States") or {}
    if machine.get("StartAt") not in states:
        raise Unsupported(f"{where}: StartAt {machine.get('StartAt')!r} is not a state")
    for name, st in states.items():
        at = f"state {name}"
        kind = st.get("Type")
        if kind not in FIELDS:
            raise Unsupported(f"{at}: unsupported state type {kind!r}")
        if kind in ("Pass", "Task", "Map") and ("Next" in st) == bool(st.get("End")):
            raise Unsupported(f"{at}: needs either Next or End")
        extra = set(st) - FIELDS[kind]
        if extra:
            raise Unsupported(f"{at}: unsupported field(s) {', '.join(sorted(extra))} in a {kind} state")
        for target in [st.get("Next"), st.get("Default")] + [c.get("Next") for c in st.get("Catch", []) + st.get("Choices", [])]:
            if target is not None and target not in states:
                raise Unsupported(f"{at}: goes to an unknown state {target!r}")
        if kind == "Task" and st.get("Resource") != ECS and st.get("Resource") not in SDK:
            raise Unsupported(f"{at}: unsupported resource {st.get('Resource')!r}")
        for key in ("Parameters", "ResultSelector", "ItemSelector"):
            check_template(st.get(key), at)
        for r in st.get("Retry", []):
            if set(r) - RETRY_FIELDS:
                raise Unsupported(f"{at}: unsupported Retry field(s) {sorted(set(r) - RETRY_FIELDS)}")
        for c in st.get("Catch", []):
            if set(c) - {"ErrorEquals", "ResultPath", "Next"}:
                raise Unsupported(f"{at}: unsupported Catch field(s) {sorted(set(c) - {'ErrorEquals', 'ResultPath', 'Next'})}")
        for rule in st.get("Choices", []):
            check_rule(rule, at)
        if kind == "Map":
            reader, writer = st.get("ItemReader", {}), st.get("ResultWriter")
            if reader.get("Resource") != "arn:aws:states:::s3:getObject" or reader.get("ReaderConfig", {}) != {"InputType": "JSON"}:
                raise Unsupported(f"{at}: only an ItemReader s3:getObject of InputType JSON is supported")
            check_template(reader.get("Parameters"), at)
            if writer is not None:
                if writer.get("Resource") != "arn:aws:states:::s3:putObject" or set(writer) - {"Resource", "Parameters"}:
                    raise Unsupported(f"{at}: only a ResultWriter s3:putObject with Parameters is supported")
                check_template(writer.get("Parameters"), at)
            validate(st["ItemProcessor"], f"{at} ItemProcessor")


# ---- execution ----------------------------------------------------------------------------------

class Driver:
    def __init__(self, args, machine, run):
        self.args, self.machine, self.run = args, machine, run
        self.lock = threading.Lock()
        self.tasks = []
        self.t0 = time.monotonic()
        self.exec_id = f"arn:aws:states:local:000000000000:execution:secretlens-local:{run}"
        self.logdir = tempfile.mkdtemp(prefix=f"secretlens-driver-{run}-")
        import boto3
        from botocore.config import Config
        kw = {"region_name": os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"}
        if args.endpoint_url:
            kw["endpoint_url"] = args.endpoint_url
        self.clients = {"s3": boto3.client("s3", config=Config(s3={"addressing_style": "path"}), **kw),
                        "sns": boto3.client("sns", **kw)}

    def line(self, state, item, what):
        log(f"[{time.monotonic() - self.t0:7.2f}s] {state}{'' if item is None else f' [{item}]'}: {what}")

    def execute(self, machine, data, ctx, item=None):
        name = machine["StartAt"]
        while True:
            st = machine["States"][name]
            kind = st["Type"]
            if kind == "Succeed":
                self.line(name, item, "succeeded")
                return data
            if kind == "Fail":
                self.line(name, item, "fail state")
                raise StatesError(st.get("Error", "States.Fail"), st.get("Cause", ""))
            if kind == "Choice":
                nxt = next((c["Next"] for c in st["Choices"] if self.rule(c, data, ctx)), st.get("Default"))
                if nxt is None:
                    raise StatesError("States.NoChoiceMatched", f"no choice of {name} matched")
                self.line(name, item, f"choice -> {nxt}")
                name = nxt
                continue
            try:
                if kind == "Pass":
                    result = resolve(st["Parameters"], data, ctx) if "Parameters" in st else st.get("Result", data)
                else:
                    result = self.with_retry(name, st, data, ctx, item)
                if "ResultSelector" in st:
                    result = resolve(st["ResultSelector"], result, ctx)
                data = set_result(st.get("ResultPath", "$"), data, result)
            except StatesError as e:
                catcher = next((c for c in st.get("Catch", []) if matches(c["ErrorEquals"], e.error)), None)
                if catcher is None:
                    raise
                self.line(name, item, f"caught {e.error} -> {catcher['Next']}")
                data = set_result(catcher.get("ResultPath", "$"), data, {"Error": e.error, "Cause": e.cause})
                name = catcher["Next"]
                continue
            if st.get("End"):
                return data
            name = st["Next"]

    def with_retry(self, name, st, data, ctx, item):
        attempts = [0] * len(st.get("Retry", []))
        while True:
            try:
                return self.map(name, st, data, ctx) if st["Type"] == "Map" else self.task(name, st, data, ctx, item)
            except StatesError as e:
                idx = next((i for i, r in enumerate(st.get("Retry", [])) if matches(r["ErrorEquals"], e.error)), None)
                if idx is None:
                    raise
                r = st["Retry"][idx]
                if attempts[idx] >= r.get("MaxAttempts", 3):
                    raise
                attempts[idx] += 1
                wait = r.get("IntervalSeconds", 1) * r.get("BackoffRate", 2.0) ** (attempts[idx] - 1)
                wait = min(wait, r.get("MaxDelaySeconds", wait))
                self.line(name, item, f"{e.error}: retry {attempts[idx]}/{r.get('MaxAttempts', 3)} (skipping the {wait:g} s interval)")

    def task(self, name, st, data, ctx, item):
        params = resolve(st.get("Parameters", {}), data, ctx)
        if st["Resource"] != ECS:
            service, op, prefix = SDK[st["Resource"]]
            from botocore.exceptions import BotoCoreError, ClientError
            started = time.monotonic()
            try:
                out = getattr(self.clients[service], op)(**params)
            except ClientError as e:
                code = e.response.get("Error", {}).get("Code", "Unknown")
                self.line(name, item, f"{op} failed: {code}")
                raise StatesError(f"{prefix}.{code}", str(e))
            except (BotoCoreError, ValueError, TypeError) as e:
                raise StatesError("States.TaskFailed", f"{op}: {e}")
            self.line(name, item, f"{op} ok ({time.monotonic() - started:.2f} s)")
            out.pop("ResponseMetadata", None)
            return json.loads(json.dumps(out, default=str))
        try:
            command = params["Overrides"]["ContainerOverrides"][0]["Command"]
        except (KeyError, IndexError, TypeError):
            raise Unsupported(f"state {name}: no Overrides.ContainerOverrides[0].Command")
        argv = [self.args.bin] + [str(c) for c in command]
        env = dict(os.environ)
        if self.args.endpoint_url:
            env["AWS_ENDPOINT_URL"] = self.args.endpoint_url
        timeout = st.get("TimeoutSeconds", 99999999) * self.args.timeout_scale
        logfile = os.path.join(self.logdir, f"{name}-{item or 'main'}-{uuid.uuid4().hex[:6]}.log")
        started = time.monotonic()
        with open(logfile, "wb") as out:
            try:
                proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=env)
            except OSError as e:
                raise Unsupported(f"cannot run {argv[0]}: {e}")
        timed_out = threading.Event()
        def kill():  # os.kill, not proc.kill: Popen.poll() there could reap the child before wait4
            timed_out.set()
            try:
                os.kill(proc.pid, signal.SIGKILL)
            except OSError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        _, status, rusage = os.wait4(proc.pid, 0)
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - started
        code = None if timed_out.is_set() else proc.returncode
        with self.lock:
            self.tasks.append({"state": name, "item": item, "argv": argv, "exit_code": code,
                               "wall_s": round(wall, 3), "peak_rss_kib": rusage.ru_maxrss})
        self.line(name, item, f"{' '.join(command[:1])} exit {'timeout' if code is None else code} ({wall:.2f} s, "
                              f"{rusage.ru_maxrss // 1024} MiB)")
        if code is None:
            raise StatesError("States.Timeout", f"the task did not finish within {timeout:g} s")
        if code != 0:
            with open(logfile, "rb") as f:
                for t in f.read().decode(errors="replace").strip().splitlines()[-3:]:
                    self.line(name, item, f"  | {t}")
        desc = {"Containers": [{"ExitCode": code, "LastStatus": "STOPPED", "Name": "secretlens"}],
                "StopCode": "EssentialContainerExited"}
        if code != 0:
            raise StatesError("States.TaskFailed", json.dumps(desc, separators=(",", ":")))
        return desc

    def map(self, name, st, data, ctx):
        reader = resolve(st["ItemReader"].get("Parameters", {}), data, ctx)
        try:
            body = self.clients["s3"].get_object(**reader)["Body"].read()
            items = json.loads(body)
        except Exception as e:  # noqa: BLE001 (any read or parse failure fails the state)
            raise StatesError("States.ItemReaderFailed", f"s3://{reader.get('Bucket')}/{reader.get('Key')}: {e}")
        if not isinstance(items, list):
            raise StatesError("States.ItemReaderFailed", "the item reader's JSON is not an array")
        conc = read_path(st["MaxConcurrencyPath"], data, ctx) if "MaxConcurrencyPath" in st else st.get("MaxConcurrency", 0)
        tol = (read_path(st["ToleratedFailurePercentagePath"], data, ctx) if "ToleratedFailurePercentagePath" in st
               else st.get("ToleratedFailurePercentage", 0))
        if not isinstance(conc, int) or not isinstance(tol, (int, float)):
            raise StatesError("States.Runtime", f"{name}: MaxConcurrency {conc!r} / ToleratedFailurePercentage {tol!r}")
        workers = conc if conc > 0 else max(1, len(items))
        self.line(name, None, f"{len(items)} items, {workers} workers, tolerated failures {tol}%")
        results = [None] * len(items)
        failed = []
        abort = threading.Event()

        def one(i, value):
            if abort.is_set():
                results[i] = {"Status": "ABORTED"}
                return
            ictx = dict(ctx, Map={"Item": {"Index": i, "Value": value}})
            inp = resolve(st["ItemSelector"], data, ictx) if "ItemSelector" in st else value
            label = value.get("account_id", i) if isinstance(value, dict) else i
            try:
                out = self.execute(st["ItemProcessor"], inp, ictx, label)
                results[i] = {"Status": "SUCCEEDED", "Input": inp, "Output": out}
            except StatesError as e:
                results[i] = {"Status": "FAILED", "Input": inp, "Error": e.error, "Cause": e.cause}
                with self.lock:
                    failed.append(i)
                    if len(failed) * 100.0 / len(items) > tol:
                        abort.set()

        with ThreadPoolExecutor(max_workers=workers) as pool:
            for f in [pool.submit(one, i, v) for i, v in enumerate(items)]:
                f.result()  # re-raises Unsupported
        ok = [r for r in results if r["Status"] == "SUCCEEDED"]
        output = [r.get("Output") for r in results]
        if "ResultWriter" in st:
            w = resolve(st["ResultWriter"].get("Parameters", {}), data, ctx)
            prefix = f"{w['Prefix'].rstrip('/')}/{uuid.uuid4()}"
            files = {"SUCCEEDED": ok, "FAILED": [r for r in results if r["Status"] == "FAILED"]}
            manifest = {"DestinationBucket": w["Bucket"], "MapRunArn": f"{self.exec_id}:{name}", "ResultFiles": {}}
            try:
                for status, rows in files.items():
                    key = f"{prefix}/{status}_0.json"
                    self.clients["s3"].put_object(Bucket=w["Bucket"], Key=key, Body=json.dumps(rows).encode())
                    manifest["ResultFiles"][status] = [{"Key": key, "Size": len(rows)}]
                self.clients["s3"].put_object(Bucket=w["Bucket"], Key=f"{prefix}/manifest.json",
                                              Body=json.dumps(manifest).encode())
            except Exception as e:  # noqa: BLE001 (any write failure fails the state, as in AWS)
                raise StatesError("States.ResultWriterFailed", f"s3://{w['Bucket']}/{prefix}/: {e}")
            output = {"MapRunArn": manifest["MapRunArn"],
                      "ResultWriterDetails": {"Bucket": w["Bucket"], "Key": f"{prefix}/manifest.json"}}
        self.line(name, None, f"{len(ok)} succeeded, {len(failed)} failed, "
                              f"{len(items) - len(ok) - len(failed)} not started")
        if items and len(failed) * 100.0 / len(items) > tol:
            raise StatesError("States.ExceedToleratedFailureThreshold",
                              f"{len(failed)} of {len(items)} items failed, more than {tol}%")
        return output

    def rule(self, r, data, ctx):
        if "And" in r:
            return all(self.rule(x, data, ctx) for x in r["And"])
        if "Or" in r:
            return any(self.rule(x, data, ctx) for x in r["Or"])
        if "Not" in r:
            return not self.rule(r["Not"], data, ctx)
        value = get_path(r["Variable"], data, ctx)
        op = next(k for k in r if k in COMPARISONS)
        want = r[op]
        if op == "IsPresent":
            return (value is not MISSING) == want
        if value is MISSING:
            raise StatesError("States.Runtime", f"Invalid path {r['Variable']}: the choice state's condition path references an invalid value")
        if op == "IsNull":
            return (value is None) == want
        num = isinstance(value, (int, float)) and not isinstance(value, bool)
        if op.startswith("Numeric"):
            if not num:
                return False
            return {"NumericEquals": value == want, "NumericGreaterThan": value > want, "NumericLessThan": value < want,
                    "NumericGreaterThanEquals": value >= want, "NumericLessThanEquals": value <= want}[op]
        if op == "BooleanEquals":
            return isinstance(value, bool) and value == want
        if not isinstance(value, str):
            return False
        if op == "StringEquals":
            return value == want
        pattern = "".join(".*" if p == "*" else re.escape(p.replace("\\*", "*"))
                          for p in re.split(r"((?<!\\)\*)", want))
        return re.fullmatch(pattern, value, re.S) is not None


def matches(names, error):
    if error == "States.Runtime":
        return error in names
    return any(n == error or n == "States.ALL" or (n == "States.TaskFailed" and error != "States.Timeout") for n in names)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description="Plays deploy/statemachine.asl.json locally (see the module doc).")
    p.add_argument("--definition", default=os.path.join(here, "statemachine.asl.json"))
    p.add_argument("--bin", required=True, help="the secretlens binary the ECS tasks run")
    p.add_argument("--endpoint-url", help="for boto3 and, as AWS_ENDPOINT_URL, for the tasks")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="a DefinitionSubstitution")
    p.add_argument("--workers", type=int, default=4, help="MaxConcurrency unless --set MaxConcurrency=")
    p.add_argument("--run", default=datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ"))
    p.add_argument("--timeout-scale", type=float, default=1.0, help="multiplies every TimeoutSeconds")
    p.add_argument("--stats", help="write per-task statistics (JSON) here")
    args = p.parse_args()
    subs = dict(ECS_DEFAULTS, ToleratedFailurePercentage="10", MaxConcurrency=str(args.workers))
    for s in args.set:
        if "=" not in s:
            p.error(f"--set {s!r}: expected NAME=VALUE")
        k, v = s.split("=", 1)
        subs[k] = v
    if args.workers < 1 or args.timeout_scale <= 0 or not re.fullmatch(r"[A-Za-z0-9_-]{1,80}", args.run):
        p.error("--workers must be >= 1, --timeout-scale > 0, --run 1-80 of [A-Za-z0-9_-]")
    if not (os.path.isfile(args.bin) and os.access(args.bin, os.X_OK)):
        p.error(f"--bin {args.bin}: not an executable file")
    try:
        with open(args.definition) as f:
            text = f.read()
        missing = sorted(set(re.findall(r"\$\{(\w+)\}", text)) - set(subs))
        if missing:
            raise Unsupported(f"the definition uses {', '.join('${' + m + '}' for m in missing)}: pass --set NAME=VALUE")
        text = re.sub(r"\$\{(\w+)\}", lambda m: json.dumps(subs[m.group(1)])[1:-1], text)
        machine = json.loads(text)
        try:
            validate(machine)
        except (AttributeError, KeyError, TypeError) as e:
            raise Unsupported(f"malformed definition ({type(e).__name__}: {e})")
        driver = Driver(args, machine, args.run)
        ctx = {"Execution": {"Name": args.run, "Id": driver.exec_id, "Input": {}}}
        status = "SUCCEEDED"
        try:
            driver.execute(machine, {}, ctx)
        except StatesError as e:
            status = f"FAILED ({e.error}: {e.cause})"
    except Unsupported as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as e:
        print(f"error: {args.definition}: {e}", file=sys.stderr)
        return 2
    except ImportError as e:
        print(f"error: {e}: the driver needs boto3 (pip install boto3)", file=sys.stderr)
        return 2
    total = time.monotonic() - driver.t0
    if args.stats:
        with open(args.stats, "w") as f:
            json.dump({"run": args.run, "status": status.split(" ")[0], "wall_s": round(total, 3),
                       "tasks": driver.tasks}, f, indent=2)
    log(f"execution {args.run}: {status}")
    return 0 if status == "SUCCEEDED" else 1


if __name__ == "__main__":
    sys.exit(main())
