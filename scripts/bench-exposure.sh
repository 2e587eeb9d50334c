#!/usr/bin/env bash
# Exposure benchmark (issue 14): `secretlens audit` with [exposure] sources = lambda, ecs, ssm
# against moto seeded with N functions + N task definitions + N parameters, side by side with the
# floor (examples/floor_exposure.rs: the same API calls, nothing else), REPS repetitions each,
# medians. Secrets Manager, KMS, IAM and CloudTrail are on in neither run... except that the
# audit always lists secrets (one ListSecrets call on an empty region).
# Usage: scripts/bench-exposure.sh [N=1000] [REPS=3]. Needs .venv (./scripts/test.sh makes it).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
REPS=${2:-3}
PY=${SECRETLENS_TEST_PYTHON:-.venv/bin/python}
MOTO=${PY%/python}/moto_server
[[ -x $MOTO ]] || MOTO=$(command -v moto_server)
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$TMP"' EXIT

cargo build --release -q --bin secretlens --example floor_exposure
TARGET=${CARGO_TARGET_DIR:-target}
BIN=$TARGET/release/secretlens
FLOOR=$TARGET/release/examples/floor_exposure

PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$MOTO" -H 127.0.0.1 -p "$PORT" >"$TMP/moto.log" 2>&1 &
EP=http://127.0.0.1:$PORT
for _ in $(seq 50); do curl -s "$EP" >/dev/null 2>&1 && break; sleep 0.2; done
"$PY" scripts/bench/seed_exposure.py "$EP" "$N"

export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 \
    AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent
printf '[collection]\niam = false\n[cloudtrail]\nenabled = false\n[exposure]\nsources = ["lambda", "ecs", "ssm"]\n' >"$TMP/bench.toml"

measure() {
    local name=$1; shift
    /usr/bin/time -f "%e %M" -o "$TMP/t" "$@" >"$TMP/out.$name" 2>"$TMP/err" || true
    echo "$name $(cat "$TMP/t")" >>"$TMP/results"
}
for _ in $(seq "$REPS"); do
    measure audit "$BIN" audit --config "$TMP/bench.toml" --endpoint-url "$EP" --regions us-east-1 --out "$TMP/r" --format json --allow-partial
    measure floor "$FLOOR" "$EP" us-east-1 16
done
cat "$TMP/out.floor"
python3 - "$TMP/results" "$TMP/r/report.json" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, wall, rss = line.split()
    rows.setdefault(name, []).append((float(wall), int(rss)))
med = {k: (statistics.median(w for w, _ in v), statistics.median(r for _, r in v)) for k, v in rows.items()}
for k, (w, r) in med.items():
    print(f"| {k} | {w:.2f} | {r // 1024} |")
print(f"audit / floor = {med['audit'][0] / med['floor'][0]:.2f} (target <= 1.3)")
rep = json.load(open(sys.argv[2]))
fails = [f for f in rep["findings"] if f["category"] == "exposure" and f["status"] == "fail"]
passes = [f for f in rep["findings"] if f["category"] == "exposure" and f["status"] == "pass"]
print(f"exposure findings: {len(fails)} fail, {len(passes)} pass")
PY
