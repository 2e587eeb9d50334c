#!/usr/bin/env bash
# Fan-out benchmark (issue 17): an organization of 20 member accounts x 50 secrets (with IAM) on
# a fresh moto, audited side by side
#   (a) by one multi-account process: `collect --accounts <all>` then `evaluate`;
#   (b) by the state machine played by deploy/local_driver.py with N workers (one collect
#       process per account, then `evaluate` of the S3 prefix).
# Prints wall seconds, peak RSS (per process; for (b) the largest collect task and the
# evaluate), the number of findings, and whether both finding sets are equal (they must be).
#
#   scripts/bench-fanout.sh [WORKERS=4] [ACCOUNTSxSECRETS=20x50]
#   (SECRETLENS_BIN=path/to/secretlens, default: release; SECRETLENS_TEST_PYTHON: python with moto)
set -euo pipefail
WORKERS=${1:-4}
SIZE=${2:-20x50}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SECRETLENS_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/secretlens}
PY=${SECRETLENS_TEST_PYTHON:-python3}
[ -x "$BIN" ] || { echo "no binary at $BIN: cargo build --release (or set SECRETLENS_BIN)" >&2; exit 2; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
work=$(mktemp -d)
moto_pid=
cleanup() { [ -n "$moto_pid" ] && kill "$moto_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
cd "$work"
# No real credential, profile or endpoint reaches AWS.
for v in $(env | grep -o '^AWS_[A-Za-z_]*'); do unset "$v"; done
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 \
    AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent

mkfifo port
"$PY" "$ROOT/tests/moto/secretlens_moto.py" >port 2>moto.log &
moto_pid=$!
read -r _ PORT <port
EP=http://127.0.0.1:$PORT
t0=$(date +%s.%N)
"$PY" "$ROOT/tests/moto/seed.py" "$EP" fanout --fanout "$SIZE" --now "$(date +%s)" >seed.json
echo "seeded $SIZE in $(echo "$(date +%s.%N) - $t0" | bc) s" >&2
accounts=$("$PY" -c "import json,sys; d=json.load(open('seed.json'))['fanout']; print(','.join(sorted(d['accounts']+[d['management']])))")
topic=$("$PY" -c "import json; print(json.load(open('seed.json'))['fanout']['topic'])")

# (a) one process for every account.
t() { /usr/bin/time -f "%e %M" -o "$1" "${@:2}"; }
t a-collect.time "$BIN" collect --endpoint-url "$EP" --accounts "$accounts" --role-name SecretlensAudit \
    --external-id bench --regions all -o one.json 2>a-collect.log
t a-evaluate.time "$BIN" evaluate one.json --out single --format json,html --allow-partial \
    >/dev/null 2>a-evaluate.log || [ $? = 1 ]

# (b) the state machine, N workers.
"$PY" "$ROOT/deploy/local_driver.py" --bin "$BIN" --endpoint-url "$EP" --workers "$WORKERS" --run bench \
    --set BucketName=secretlens-org --set "TopicArn=$topic" --set MemberRoleName=SecretlensAudit \
    --set ExternalId=bench --stats stats.json 2>driver.log || { tail -20 driver.log >&2; exit 1; }

"$PY" - "$EP" "$BIN" <<'PY'
import json, subprocess, sys
import boto3
from botocore.config import Config
ep, binary = sys.argv[1:]
s3 = boto3.client("s3", endpoint_url=ep, region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))
merged = json.loads(s3.get_object(Bucket="secretlens-org", Key="runs/bench/report/report.json")["Body"].read())
# The single run's findings at the merged report's instant (ages are relative to --as-of).
code = subprocess.call([binary, "evaluate", "one.json", "--out", "same", "--format", "json", "--allow-partial",
                        "--as-of", merged["as_of"]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
assert code in (0, 1), code
single = json.load(open("same/report.json"))
by_id = lambda r: {f["id"]: f for f in r["findings"]}  # noqa: E731
equal = by_id(single) == by_id(merged)
wall, rss = {}, {}
for step in ("a-collect", "a-evaluate"):
    w, k = open(f"{step}.time").read().split()[-2:]
    wall[step], rss[step] = float(w), int(k)
stats = json.load(open("stats.json"))
collects = [t for t in stats["tasks"] if t["state"] == "Collect"]
ev = [t for t in stats["tasks"] if t["state"] in ("Evaluate", "EvaluateFirstRun")][0]
mib = lambda k: f"{k / 1024:.0f}"  # noqa: E731
print(f"accounts={len(merged['accounts'])} secrets={len(merged.get('secrets', []))} collect tasks={len(collects)}")
print(f"{'mode':<34} {'wall_s':>8} {'peak_rss_mib':>13} {'findings':>9}")
print(f"{'(a) collect, all accounts':<34} {wall['a-collect']:>8.2f} {mib(rss['a-collect']):>13}")
print(f"{'(a) evaluate one.json':<34} {wall['a-evaluate']:>8.2f} {mib(rss['a-evaluate']):>13} {len(single['findings']):>9}")
print(f"{'(a) total':<34} {wall['a-collect'] + wall['a-evaluate']:>8.2f} "
      f"{mib(max(rss.values())):>13} {len(single['findings']):>9}")
print(f"{'(b) driver: collect tasks (max)':<34} {max(t['wall_s'] for t in collects):>8.2f} "
      f"{mib(max(t['peak_rss_kib'] for t in collects)):>13}")
print(f"{'(b) driver: collect tasks (sum)':<34} {sum(t['wall_s'] for t in collects):>8.2f} {'':>13}")
print(f"{'(b) driver: evaluate':<34} {ev['wall_s']:>8.2f} {mib(ev['peak_rss_kib']):>13} {len(merged['findings']):>9}")
print(f"{'(b) driver: execution total':<34} {stats['wall_s']:>8.2f} "
      f"{mib(max(t['peak_rss_kib'] for t in stats['tasks'])):>13} {len(merged['findings']):>9}")
print(f"finding sets equal: {'yes' if equal else 'NO'}")
sys.exit(0 if equal else 1)
PY
