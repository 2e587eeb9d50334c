#!/usr/bin/env bash
# Throttling benchmark (issue 20): `secretlens audit` through the TEST-ONLY fault proxy
# (tests/moto/fault_proxy.py) in front of moto, for each retry mode in MODES, in one run:
#
#   1. small account (tests/moto/seed.py rotation,kms,policy on tests/moto/secretlens_moto.py,
#      default config): per mode 1 clean run, then RUNS runs with 30 % of all requests throttled
#      and 5 % answered HTTP 500 (seeded draws, seed = run number). Each run should give the
#      clean run's findings, without gaps, in at most 3x its time.
#   2. rate-limited (scripts/bench/seed_bulk.py N on plain moto_server, Secrets Manager + KMS
#      only as in bench-audit.sh): 1 clean run (call counts and findings), then per mode one run
#      with a token bucket of RATE requests/s per operation. The ideal is
#      max over operations of (calls ÷ RATE); the target is wall ≤ 1.2 × ideal, no gaps.
#
# Prints markdown tables (for docs/benchmarks.md) on stdout, progress on stderr.
# Usage: scripts/bench-throttle.sh [N=1000] [RUNS=20]   (or N=... RUNS=... in the environment)
#   BIN=/path/to/secretlens    use this binary (else: cargo build --release, then
#                              ${CARGO_TARGET_DIR:-target}/release/secretlens)
#   MODES="secretlens sdk-adaptive"
#                              values of [collection] retry_mode; `none` writes no retry_mode
#                              key (binaries that do not know it)
#   RATE=20                    tokens per second per operation in scenario 2
#   RUN_TIMEOUT=600            seconds; a run killed at the timeout counts as failed
#   KEEP=DIR                   copy every run (reports, logs, proxy stats) to DIR at the end
# Needs .venv (./scripts/test.sh makes it) or SECRETLENS_TEST_PYTHON.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-${N:-1000}}
RUNS=${2:-${RUNS:-20}}
MODES=${MODES:-secretlens sdk-adaptive}
RATE=${RATE:-20}
RUN_TIMEOUT=${RUN_TIMEOUT:-600}
# shellcheck source=scripts/bench/lib.sh
source scripts/bench/lib.sh

if [[ -z ${BIN:-} ]]; then
    cargo build --release -q --bin secretlens
    BIN=${CARGO_TARGET_DIR:-target}/release/secretlens
fi
[[ -x $BIN ]] || { echo "error: $BIN is not an executable" >&2; exit 2; }
BIN=$(realpath "$BIN")

while read -r var; do unset "$var"; done < <(compgen -e | grep '^AWS_' || true)
aws_env
log() { printf 'bench-throttle: %s\n' "$*" >&2; }
log "N=$N RUNS=$RUNS MODES=\"$MODES\" RATE=$RATE RUN_TIMEOUT=$RUN_TIMEOUT BIN=$BIN"
RUNDIR=$TMP/runs
mkdir -p "$RUNDIR"

# rules PROXYPORT JSON: replaces the proxy's fault rules.
rules() {
    curl -sf -X POST -H 'Content-Type: application/json' --data "$2" "http://127.0.0.1:$1/_fault/rules" >/dev/null
}

# config FILE MODE [EXTRA]: a config with EXTRA (TOML, other tables) and the retry mode.
config() {
    {
        printf '[collection]\n'
        [[ $2 == none ]] || printf 'retry_mode = "%s"\n' "$2"
        # The SDK strategies as secretlens used them before issue 20: 4 attempts per call.
        [[ $2 == sdk-* ]] && printf 'max_attempts = 4\n'
        printf '%b' "${3:-}"
    } >"$1"
}

# audit NAME PROXYPORT CONFIG AS_OF: one audit through the proxy, kept in $RUNDIR/NAME
# (report, output, exit code, start/end times, proxy stats before and after).
audit() {
    local dir=$RUNDIR/$1 code=0
    mkdir -p "$dir"
    curl -sf "http://127.0.0.1:$2/_fault/stats" >"$dir/before.json"
    date +%s.%N >"$dir/start"
    timeout -k 10 "$RUN_TIMEOUT" "$BIN" audit --config "$3" --endpoint-url "http://127.0.0.1:$2" \
        --regions us-east-1 --as-of "$4" --out "$dir/out" --format json --allow-partial \
        >"$dir/stdout" 2>"$dir/stderr" || code=$?
    date +%s.%N >"$dir/end"
    echo "$code" >"$dir/code"
    curl -sf "http://127.0.0.1:$2/_fault/stats" >"$dir/after.json"
    log "$1: $("$PY" scripts/bench/throttle_report.py --one "$dir")"
}

# ---- 1. small account, random throttling ---------------------------------------------------
start_port_printer "$TMP/moto-small.log" "$PY" tests/moto/secretlens_moto.py
MOTO_SMALL=$!
SMALL_EP=http://127.0.0.1:$SERVED_PORT
EPOCH=$(date +%s)
AS_OF=$(date -u -d "@$EPOCH" +%Y-%m-%dT%H:%M:%SZ)
"$PY" tests/moto/seed.py "$SMALL_EP" rotation,kms,policy --now "$EPOCH" >"$TMP/seed-small.json"
start_port_printer "$TMP/proxy-small.log" "$PY" tests/moto/fault_proxy.py --upstream "$SMALL_EP"
PROXY_SMALL=$!
SP=$SERVED_PORT
log "small account: moto $SMALL_EP, proxy port $SP, as of $AS_OF"
FAULTY='[{"fault": "throttle", "probability": 0.3}, {"fault": "http500", "probability": 0.0714}]'
# Not measured: moto sets each service up on its first call, which made the first clean run
# 2-4x slower than the others.
config "$TMP/small-warmup.toml" none
audit small.warmup "$SP" "$TMP/small-warmup.toml" "$AS_OF"
for mode in $MODES; do
    config "$TMP/small-$mode.toml" "$mode"
    rules "$SP" '[]'
    audit "small.$mode.clean" "$SP" "$TMP/small-$mode.toml" "$AS_OF"
    for i in $(seq "$RUNS"); do
        rules "$SP" "{\"seed\": $i, \"rules\": $FAULTY}"
        audit "small.$mode.$i" "$SP" "$TMP/small-$mode.toml" "$AS_OF"
    done
done
kill "$PROXY_SMALL" "$MOTO_SMALL" 2>/dev/null || true

# ---- 2. N secrets, rate-limited per operation ----------------------------------------------
start_moto "$TMP/moto-rate.log"
"$PY" scripts/bench/seed_bulk.py "$EP" "$N" >&2
start_port_printer "$TMP/proxy-rate.log" "$PY" tests/moto/fault_proxy.py --upstream "$EP"
RP=$SERVED_PORT
RATE_AS_OF=$(date -u +%Y-%m-%dT%H:%M:%SZ)
log "rate-limited: moto $EP with $N secrets, proxy port $RP, $RATE requests/s per operation"
SCOPE='[cloudtrail]\nenabled = false\n[exposure]\nenabled = false\n'
first=true
for mode in $MODES; do
    config "$TMP/rate-$mode.toml" "$mode" "iam = false\n$SCOPE"
    if $first; then
        rules "$RP" '[]'
        audit rate.clean "$RP" "$TMP/rate-$mode.toml" "$RATE_AS_OF"
        first=false
    fi
    rules "$RP" "[{\"fault\": \"rate_limit\", \"rate\": $RATE}]"
    audit "rate.$mode" "$RP" "$TMP/rate-$mode.toml" "$RATE_AS_OF"
done

if [[ -n ${KEEP:-} ]]; then
    mkdir -p "$KEEP" && cp -r "$RUNDIR"/. "$TMP"/*.log "$TMP"/*.toml "$KEEP"/
    log "runs kept in $KEEP"
fi
"$PY" scripts/bench/throttle_report.py "$RUNDIR" --modes "$MODES" --runs "$RUNS" --rate "$RATE" --n "$N" \
    --timeout "$RUN_TIMEOUT"
