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
# shellcheck source=scripts/bench/lib.sh
source scripts/bench/lib.sh

cargo build --release -q --bin secretlens --example floor_exposure
TARGET=${CARGO_TARGET_DIR:-target}
BIN=$TARGET/release/secretlens
FLOOR=$TARGET/release/examples/floor_exposure

start_moto
"$PY" scripts/bench/seed_exposure.py "$EP" "$N"

aws_env
printf '[collection]\niam = false\n[cloudtrail]\nenabled = false\n[exposure]\nsources = ["lambda", "ecs", "ssm"]\n' >"$TMP/bench.toml"

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
