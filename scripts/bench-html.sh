#!/usr/bin/env bash
# Size and load time of report.html for N synthetic secrets (default 10000) in headless
# Chromium: `./scripts/bench-html.sh [N] [--html-passing summary|full]...` (default: summary).
# Needs tests/browser/setup.sh (run here) and python3. Prints one JSON line per mode.
# N=43 benchmarks the demo report instead of a synthetic inventory. The release build goes to
# $CARGO_TARGET_DIR (e.g. /tmp/html-target, to stay out of others' debug builds).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
shift || true
bash tests/browser/setup.sh
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/secretlens
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[[ $N == 43 ]] || python3 scripts/bench/synth_inventory.py "$N" "$work/inventory.json" >/dev/null
modes=("$@")
[[ ${#modes[@]} -gt 0 ]] || modes=(--html-passing summary)
for ((i = 0; i < ${#modes[@]}; i += 2)); do
    mode=${modes[i + 1]}
    out="$work/$mode"
    t0=$(date +%s.%N)
    if [[ $N == 43 ]]; then
        "$bin" demo --out "$out" --format json,html --html-passing "$mode" >/dev/null 2>&1 || true
    else
        "$bin" evaluate "$work/inventory.json" --out "$out" --format json,html \
            --html-passing "$mode" --allow-partial >/dev/null 2>&1 || true
    fi
    t1=$(date +%s.%N)
    bytes=$(stat -c %s "$out/report.html")
    node tests/browser/probe.mjs "$out/report.html" --search "svc-17/" >"$work/probe.json"
    python3 - "$N" "$mode" "$bytes" "$(echo "$t1 - $t0" | bc)" "$work/probe.json" <<'PY'
import json, sys
n, mode, size, render_s, probe = sys.argv[1:]
p = json.load(open(probe))
print(json.dumps({
    "secrets": int(n), "html_passing": mode, "html_mib": round(int(size) / 2**20, 1),
    "evaluate_render_s": round(float(render_s), 2),
    "load_ms": p["load_ms"], "script_ready_ms": p["ready_ms"],
    "filter_status_ms": p["filter_ms"], "unfilter_ms": p["unfilter_ms"], "search_ms": p["search_ms"],
    "clear_search_ms": p["clear_search_ms"],
    "rows": p["initial"]["rows"], "cards": p["initial"]["cards"],
    "errors": p["console_errors"] + p["page_errors"] + p["csp"],
}))
PY
done
