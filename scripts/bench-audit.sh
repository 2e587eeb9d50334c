#!/usr/bin/env bash
# Audit benchmark (issue 6): side by side in one run, REPS repetitions each, medians.
#   1. `secretlens audit` against moto seeded with N secrets: wall time and peak memory;
#   2. the floor: examples/floor.rs, only the API calls the audit makes, same concurrency;
#   3. Prowler (`prowler aws --service secretsmanager`) against the same moto, if installed
#      (PROWLER=/path/to/prowler; `python3 -m venv /tmp/pv && /tmp/pv/bin/pip install prowler`);
#   4. `secretlens evaluate` + render of a synthetic 100,000-secret inventory.
# Usage: scripts/bench-audit.sh [N=1000] [REPS=3]. Needs .venv (./scripts/test.sh makes it).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
REPS=${2:-3}
# shellcheck source=scripts/bench/lib.sh
source scripts/bench/lib.sh

cargo build --release -q --bin secretlens --example floor
TARGET=${CARGO_TARGET_DIR:-target}
BIN=$TARGET/release/secretlens
FLOOR=$TARGET/release/examples/floor

start_moto
"$PY" scripts/bench/seed_bulk.py "$EP" "$N" >&2

aws_env

# The comparison covers what Prowler's `--service secretsmanager` covers: Secrets Manager and
# KMS. IAM, CloudTrail (plain moto has no LookupEvents) and exposure collection are switched off;
# scripts/bench-exposure.sh measures exposure against its own floor.
printf '[collection]\niam = false\n[cloudtrail]\nenabled = false\n[exposure]\nenabled = false\n' >"$TMP/bench.toml"

for i in $(seq "$REPS"); do
    measure audit "$BIN" audit --config "$TMP/bench.toml" --endpoint-url "$EP" --regions us-east-1 --out "$TMP/r" --format json,html --allow-partial
    measure floor "$FLOOR" "$EP" us-east-1 16
    if [[ -n ${PROWLER:-} ]]; then
        AWS_ENDPOINT_URL=$EP measure prowler "$PROWLER" aws --service secretsmanager -f us-east-1 \
            --output-directory "$TMP/prowler" --no-banner
    fi
done

"$PY" scripts/bench/synth_inventory.py 100000 "$TMP/inv100k.json" >&2
for i in $(seq "$REPS"); do
    measure evaluate100k "$BIN" evaluate "$TMP/inv100k.json" --out "$TMP/e" --format json,html --allow-partial
done
JSON_MB=$(du -m "$TMP/e/report.json" | cut -f1)
HTML_MB=$(du -m "$TMP/e/report.html" | cut -f1)

"$PY" - "$TMP/results" "$N" "$REPS" "$JSON_MB" "$HTML_MB" <<'PYEOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, wall, rss = line.split()
    rows.setdefault(name, []).append((float(wall), int(rss)))
n, reps, jmb, hmb = sys.argv[2:6]
med = {k: (statistics.median(w for w, _ in v), statistics.median(r for _, r in v) / 1024) for k, v in rows.items()}
print(f"| run ({n} secrets in moto, {reps} reps, medians) | wall s | peak MiB |")
print("|---|---|---|")
for k in ("audit", "floor", "prowler", "evaluate100k"):
    if k in med:
        print(f"| {k} | {med[k][0]:.2f} | {med[k][1]:.0f} |")
if "floor" in med:
    print(f"\naudit / floor = {med['audit'][0] / med['floor'][0]:.2f}")
if "prowler" in med:
    print(f"prowler / audit = {med['prowler'][0] / med['audit'][0]:.1f}")
print(f"100k-secret report sizes: report.json {jmb} MiB, report.html {hmb} MiB")
PYEOF
