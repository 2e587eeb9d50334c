#!/usr/bin/env python3
"""Summarises the runs of scripts/bench-throttle.sh as markdown tables.

    throttle_report.py RUNDIR --modes "secretlens sdk-adaptive" --runs 20 --rate 20 --n 1000
    throttle_report.py --one RUNDIR/NAME        # one progress line for one run

Each run directory holds ``code`` (exit code; 124/137: killed at the timeout), ``start`` and
``end`` (epoch seconds), ``before.json``/``after.json`` (the proxy's ``/_fault/stats``) and
``out/report.json``. A run **failed** when it was killed, exited other than 0/1 (with
``--allow-partial``) or wrote no report. Findings are **identical** when the multisets of
(check_id, resource ARN, resource name, status) are equal.
"""

import argparse
import json
import statistics
import sys
from collections import Counter
from pathlib import Path


def load(path):
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None


def text(path):
    try:
        return Path(path).read_text().strip()
    except OSError:
        return ""


class Run:
    def __init__(self, d):
        d = Path(d)
        self.name = d.name
        # An interrupted run may lack any of these: then it counts as failed.
        self.code = int(text(d / "code") or -1)
        start, end = text(d / "start"), text(d / "end")
        self.wall = float(end) - float(start) if start and end else 0.0
        before, after = load(d / "before.json") or {}, load(d / "after.json") or {}
        if not after:  # interrupted: no counts
            before = {}
        self.requests = after.get("requests", 0) - before.get("requests", 0)
        self.forwarded = after.get("forwarded", 0) - before.get("forwarded", 0)
        self.faults = Counter(after.get("faults", {})) - Counter(before.get("faults", {}))
        self.by_op = {}
        b_ops = before.get("by_operation", {})
        for op, counts in after.get("by_operation", {}).items():
            diff = Counter(counts) - Counter(b_ops.get(op, {}))
            if diff:
                self.by_op[op] = diff
        self.report = load(d / "out" / "report.json")
        try:
            err = [l for l in (d / "stderr").read_text(errors="replace").splitlines() if l.startswith("error")]
        except OSError:
            err = []
        self.error = err[0][:160] if err else ""
        self.timed_out = self.code in (124, 137)
        self.failed = self.timed_out or self.code not in (0, 1) or self.report is None
        if self.report is not None:
            self.gaps = self.report.get("gaps") or []
            self.findings = Counter(
                (
                    f.get("check_id"),
                    (f.get("resource") or {}).get("arn"),
                    (f.get("resource") or {}).get("name"),
                    f.get("status"),
                )
                for f in self.report.get("findings", [])
            )
        else:
            self.gaps, self.findings = [], None

    def throttles(self):
        return self.faults.get("throttle", 0) + self.faults.get("rate_limit", 0)

    def line(self):
        state = "TIMEOUT" if self.timed_out else ("FAILED" if self.failed else "ok")
        faults = ", ".join(f"{k} {v}" for k, v in sorted(self.faults.items())) or "no faults"
        why = ""
        if self.failed and not self.timed_out:
            why = " (no report.json)" if self.report is None else ""
            why += f" [{self.error}]" if self.error else ""
        return (
            f"{state} exit {self.code}{why}, {self.wall:.1f} s, {len(self.gaps)} gaps, "
            f"{self.requests} requests ({self.forwarded} forwarded; {faults})"
        )


def identical(run, clean):
    return not run.failed and clean is not None and run.findings == clean.findings


def gap_summary(runs):
    c = Counter((g.get("operation"), g.get("error_code")) for r in runs for g in r.gaps)
    return ", ".join(f"{op} {code} ×{n}" for (op, code), n in c.most_common(6))


def small_table(rundir, modes, n_runs):
    print(f"### Random faults: 30 % throttled + 5 % HTTP 500 on every request, {n_runs} runs per mode")
    print()
    print("Small account (tests/moto/seed.py rotation,kms,policy; default config: every collector on).")
    print()
    print(
        "| retry mode | runs | failed | identical / total | runs with gaps | clean wall s "
        "| median wall s | max wall s | median / clean | requests (median) | throttles injected | 500s injected |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    notes = []
    cleans = {}
    for mode in modes:
        clean_dir = rundir / f"small.{mode}.clean"
        if not clean_dir.is_dir():
            continue
        clean = Run(clean_dir)
        cleans[mode] = clean
        runs = [Run(rundir / f"small.{mode}.{i}") for i in range(1, n_runs + 1) if (rundir / f"small.{mode}.{i}").is_dir()]
        if not runs:
            continue
        walls = [r.wall for r in runs]
        med = statistics.median(walls)
        same = sum(identical(r, clean) for r in runs)
        print(
            f"| {mode} | {len(runs)} | {sum(r.failed for r in runs)} | {same} / {len(runs)} "
            f"| {sum(1 for r in runs if r.gaps)} | {clean.wall:.2f} | {med:.2f} | {max(walls):.2f} "
            f"| {med / clean.wall:.2f} | {statistics.median(r.requests for r in runs):.0f} "
            f"| {sum(r.throttles() for r in runs)} | {sum(r.faults.get('http500', 0) for r in runs)} |"
        )
        if clean.failed or clean.gaps:
            notes.append(f"- {mode}: the CLEAN run itself {clean.line()}")
        gaps = gap_summary(runs)
        if gaps:
            notes.append(f"- {mode}: gaps {gaps}")
        timeouts = [r.name for r in runs if r.timed_out]
        if timeouts:
            notes.append(f"- {mode}: killed at the timeout: {', '.join(timeouts)}")
    print()
    if len({tuple(sorted(c.findings.items())) if c.findings else None for c in cleans.values()}) > 1:
        notes.append("- the clean runs of the modes differ in their findings")
    for n in notes:
        print(n)
    if notes:
        print()


def rate_table(rundir, modes, rate, n):
    clean_dir = rundir / "rate.clean"
    if not clean_dir.is_dir():
        return
    clean = Run(clean_dir)
    calls = {op: c.get("forwarded", 0) for op, c in clean.by_op.items()}
    ideal_op, ideal = max(((op, k / rate) for op, k in calls.items()), key=lambda x: x[1], default=("-", 0.0))
    print(f"### Rate-limited: {rate:g} requests/s per operation, {n} secrets")
    print()
    print(
        f"Clean run: {sum(calls.values())} calls in {clean.wall:.2f} s, {len(clean.gaps)} gaps. "
        f"Ideal = max over operations of calls ÷ {rate:g}/s = **{ideal:.2f} s** ({ideal_op})."
    )
    print()
    print("| operation | calls | calls ÷ rate, s |")
    print("|---|---|---|")
    for op, k in sorted(calls.items(), key=lambda x: -x[1]):
        print(f"| {op} | {k} | {k / rate:.2f} |")
    print()
    print("| retry mode | calls | ideal s | requests | throttled | wall s | wall / ideal | gaps | identical |")
    print("|---|---|---|---|---|---|---|---|---|")
    notes = []
    for mode in modes:
        d = rundir / f"rate.{mode}"
        if not d.is_dir():
            continue
        r = Run(d)
        ratio = f"{r.wall / ideal:.2f}" if ideal else "-"
        state = " (timeout)" if r.timed_out else (" (failed)" if r.failed else "")
        print(
            f"| {mode} | {sum(calls.values())} | {ideal:.2f} | {r.requests} | {r.throttles()} "
            f"| {r.wall:.2f}{state} | {ratio} | {len(r.gaps)} | {'yes' if identical(r, clean) else 'no'} |"
        )
        gaps = gap_summary([r])
        if gaps:
            notes.append(f"- {mode}: gaps {gaps}")
    print()
    for n_ in notes:
        print(n_)
    if notes:
        print()


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(Run(sys.argv[2]).line())
        return
    p = argparse.ArgumentParser()
    p.add_argument("rundir", type=Path)
    p.add_argument("--modes", required=True)
    p.add_argument("--runs", type=int, required=True)
    p.add_argument("--rate", type=float, required=True)
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--timeout", type=int, default=600)
    a = p.parse_args()
    modes = a.modes.split()
    print(f"Run timeout {a.timeout} s; a run killed at it, exiting 2 or writing no report counts as failed.")
    print()
    small_table(a.rundir, modes, a.runs)
    rate_table(a.rundir, modes, a.rate, a.n)


if __name__ == "__main__":
    main()
