# shellcheck shell=bash
# Shared parts of the benchmark scripts (scripts/bench-*.sh); source it from the repository
# root, after `set -euo pipefail`:
#
#   cd "$(dirname "$0")/.."
#   source scripts/bench/lib.sh
#
# Sets PY (the Python with moto and boto3: $SECRETLENS_TEST_PYTHON, else .venv/bin/python),
# MOTO (its moto_server, else the one on PATH) and TMP (a scratch directory; on exit every
# background job is killed and TMP removed), and defines:
#
#   free_port                 prints a free loopback port
#   start_moto [LOG]          starts moto_server on a free port, waits for it; sets PORT, EP
#   start_port_printer LOG CMD...
#                             starts CMD (a TEST-ONLY server that prints `PORT <n>`, such as
#                             tests/moto/secretlens_moto.py or tests/moto/fault_proxy.py) in
#                             the background; sets SERVED_PORT
#   aws_env                   exports dummy credentials and isolates from ~/.aws
#   measure NAME CMD...       runs CMD under /usr/bin/time, stdout to $TMP/out.NAME; appends
#                             "NAME wall_s maxrss_kib" to $TMP/results

PY=${SECRETLENS_TEST_PYTHON:-.venv/bin/python}
MOTO=${PY%/python}/moto_server
[[ -x $MOTO ]] || MOTO=$(command -v moto_server)
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$TMP"' EXIT

free_port() {
    "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start_moto() {
    PORT=$(free_port)
    "$MOTO" -H 127.0.0.1 -p "$PORT" >"${1:-$TMP/moto.log}" 2>&1 &
    EP=http://127.0.0.1:$PORT
    for _ in $(seq 50); do curl -s "$EP" >/dev/null 2>&1 && break; sleep 0.2; done
}

start_port_printer() {
    local log=$1; shift
    local out
    out=$(mktemp "$TMP/port.XXXXXX")
    PYTHONUNBUFFERED=1 "$@" >"$out" 2>"$log" &
    SERVED_PORT=
    for _ in $(seq 150); do
        SERVED_PORT=$(sed -n 's/^PORT \([0-9]*\)$/\1/p' "$out" | head -1)
        [[ -n $SERVED_PORT ]] && return 0
        sleep 0.2
    done
    echo "error: $* printed no PORT within 30 s; log $log:" >&2
    tail -20 "$log" >&2
    return 1
}

aws_env() {
    export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 \
        AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent
}

measure() {
    local name=$1; shift
    /usr/bin/time -f "%e %M" -o "$TMP/t" "$@" >"$TMP/out.$name" 2>"$TMP/err" || true
    # Last line: when CMD fails, time(1) first writes "Command exited with non-zero status N".
    echo "$name $(tail -1 "$TMP/t")" >>"$TMP/results"
}
