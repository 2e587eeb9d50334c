#!/usr/bin/env bash
# Merge benchmark (issue 17): N synthetic per-account inventories, each the demo account under
# its own account id (every ARN rewritten), evaluated as one folder: the `Evaluate` state of
# the organization-wide fan-out (docs/deploy.md). Prints wall time and peak memory.
#
#   scripts/bench-merge.sh [N=1000]      (SECRETLENS_BIN=path/to/secretlens, default: release;
#                                         FORMATS=json,html,text: what the deployed Evaluate writes)
set -euo pipefail
N=${1:-1000}
FORMATS=${FORMATS:-json,html,text}
BIN=${SECRETLENS_BIN:-${CARGO_TARGET_DIR:-target}/release/secretlens}
[ -x "$BIN" ] || { echo "no binary at $BIN: cargo build --release (or set SECRETLENS_BIN)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$BIN" demo --format json --out "$work/demo" --inventory-out "$work/demo.json" >/dev/null
python3 - "$work" "$N" <<'PY'
import json, os, sys
work, n = sys.argv[1], int(sys.argv[2])
text = open(os.path.join(work, "demo.json")).read()
accounts = json.loads(text)["accounts"]
assert len(accounts) == 1, accounts
demo = accounts[0]
os.makedirs(os.path.join(work, "inv"))
for i in range(n):
    account = f"{500000000000 + i:012d}"
    with open(os.path.join(work, "inv", f"{account}.json"), "w") as f:
        f.write(text.replace(demo, account))
PY
secrets=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['secrets']))" "$work/demo.json")
size=$(du -sh "$work/inv" | cut -f1)
/usr/bin/time -f "%e %M" -o "$work/time" "$BIN" evaluate "$work/inv" --format "$FORMATS" \
    --out "$work/out" --allow-partial >/dev/null 2>"$work/stderr" || {
    code=$?; [ "$code" = 1 ] || { cat "$work/stderr" >&2; exit "$code"; }; }
read -r wall rss_kb < <(tail -n 1 "$work/time")  # GNU time may first print "Command exited with non-zero status 1"
findings=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['findings']))" "$work/out/report.json")
echo "formats=$FORMATS inventories=$N secrets=$((N * secrets)) input=$size findings=$findings wall_s=$wall peak_rss_mib=$((rss_kb / 1024))"
