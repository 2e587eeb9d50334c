#!/usr/bin/env bash
# Benchmark `secretlens scan` (release build) against detect-secrets on the same inputs.
#
#   scripts/bench-scan.sh            # full run (~10 minutes, most of it the peer's timeouts)
#   QUICK=1 scripts/bench-scan.sh    # smaller inputs
#   PEER_TIMEOUT=600 scripts/bench-scan.sh   # give slow peers longer (default 300 s)
#
# Builds into $CARGO_TARGET_DIR (default /tmp/scan-target, so it never blocks other builds).
# A peer that does not finish within PEER_TIMEOUT seconds is killed and reported as "> N".
# Inputs: the cargo registry sources, the Python stdlib (a copy without site-packages, so both
# tools see the same files), and generated git histories of several sizes. Prints a Markdown table:
# MiB/s = bytes of the files each tool was given / wall-clock seconds; MiB/CPU-s = the same bytes /
# (user + system CPU seconds), i.e. throughput per core, which stays meaningful on a busy machine.
# detect-secrets only scans trees (it has no history mode), so history rows compare against `git log -p --all` alone, the
# floor any log-based scanner pays.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v detect-secrets >/dev/null || pip install -q detect-secrets==1.5.0
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/tmp/scan-target}
cargo build --release -q --bin secretlens
BIN=$CARGO_TARGET_DIR/release/secretlens
PEER_TIMEOUT=${PEER_TIMEOUT:-300}
WORK=${BENCH_DIR:-/tmp/secretlens-bench}
mkdir -p "$WORK"

REGISTRY=$(ls -d "$HOME"/.cargo/registry/src/*/ | head -1)
PYLIB=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
if [ ! -d "$WORK/pystdlib" ]; then
  mkdir -p "$WORK/pystdlib"
  (cd "$PYLIB" && tar --exclude=site-packages --exclude=__pycache__ -cf - .) | tar -xf - -C "$WORK/pystdlib"
fi

mib() { du -sb "$1" | awk '{printf "%.1f", $1/1048576}'; }
now() { date +%s.%N; }
rate() { awk -v m="$1" -v t="$2" 'BEGIN{printf "%.1f", m/t}'; }

row() { # name, MiB, timeout-seconds (0 = none), command...
  local name=$1 size=$2 limit=$3; shift 3
  local rc=0 wall cpu
  if [ "$limit" -gt 0 ]; then
    /usr/bin/time -f '%e %U %S' -o "$WORK/time.txt" timeout "$limit" "$@" >"$WORK/out.txt" 2>"$WORK/err.txt" || rc=$?
  else
    /usr/bin/time -f '%e %U %S' -o "$WORK/time.txt" "$@" >"$WORK/out.txt" 2>"$WORK/err.txt" || rc=$?
  fi
  read -r wall u s < <(tail -1 "$WORK/time.txt")
  cpu=$(awk -v a="$u" -v b="$s" 'BEGIN{printf "%.2f", a+b}')
  if [ "$limit" -gt 0 ] && [ "$rc" -eq 124 ]; then
    printf '| %s | %s | > %s (killed) | > %s | < %s | < %s |\n' "$name" "$size" "$limit" "$cpu" "$(rate "$size" "$limit")" "$(rate "$size" "$cpu")"
  else
    printf '| %s | %s | %s | %s | %s | %s |\n' "$name" "$size" "$wall" "$cpu" "$(rate "$size" "$wall")" "$(rate "$size" "$cpu")"
  fi
}

gen_repo() { # dir, commits, files per commit
  local dir=$1 n=$2 per=$3
  [ -d "$dir/.git" ] && return
  mkdir -p "$dir"; git -C "$dir" init -q -b main
  python3 - "$dir" "$n" "$per" <<'PY'
import os, random, subprocess, sys
d, n, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(7)
words = open(__import__("keyword").__file__).read().split()
env = dict(os.environ, GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@x.invalid", GIT_COMMITTER_NAME="b",
           GIT_COMMITTER_EMAIL="b@x.invalid", GIT_CONFIG_GLOBAL="/dev/null")
imp = subprocess.Popen(["git", "-C", d, "fast-import", "--quiet"], stdin=subprocess.PIPE, env=env)
w = imp.stdin.write
for c in range(n):
    w(b"commit refs/heads/main\n")
    w(b"committer b <b@x.invalid> %d +0000\n" % (1700000000 + c * 60))
    w(b"data 4\nc%03d\n" % (c % 1000))
    for f in range(per):
        body = "\n".join(" ".join(random.choice(words) for _ in range(12)) for _ in range(200)).encode()
        path = b"src/m%d/f%d.py" % (random.randrange(50), random.randrange(400))
        w(b"M 100644 inline %s\ndata %d\n%s\n" % (path, len(body), body))
imp.stdin.close(); imp.wait()
PY
}

echo "| run | MiB given | wall s | CPU s | MiB/s | MiB/CPU-s |"
echo "|---|---|---|---|---|---|"
for T in "$REGISTRY:cargo registry" "$WORK/pystdlib:python stdlib"; do
  dir=${T%%:*}; name=${T#*:}; size=$(mib "$dir")
  row "secretlens scan, $name, 1 thread" "$size" 0 "$BIN" scan "$dir" --threads 1 --format json --fail-on critical
  row "secretlens scan, $name, $(nproc) threads" "$size" 0 "$BIN" scan "$dir" --format json --fail-on critical
  cp "$WORK/out.txt" "$WORK/secretlens-$(echo "$name" | tr ' ' _).json"
  if [ -z "${QUICK:-}" ] || [ "$name" = "python stdlib" ]; then
    row "detect-secrets scan --all-files, $name" "$size" "$PEER_TIMEOUT" bash -c "cd '$dir' && exec detect-secrets scan --all-files ."
    cp "$WORK/out.txt" "$WORK/detect-secrets-$(echo "$name" | tr ' ' _).json"
  fi
done
SIZES=${SIZES:-"200 2000"}
[ -n "${QUICK:-}" ] && SIZES="200"
for n in $SIZES; do
  repo=$WORK/hist-$n; gen_repo "$repo" "$n" 5
  size=$(git -C "$repo" cat-file --batch-all-objects --batch-check='%(objecttype) %(objectsize)' | awk '$1=="blob"{s+=$2} END{printf "%.1f", s/1048576}')
  row "secretlens scan --git, $n commits, 1 thread" "$size" 0 "$BIN" scan "$repo" --git --threads 1 --format json
  row "secretlens scan --git, $n commits, $(nproc) threads" "$size" 0 "$BIN" scan "$repo" --git --format json
  row "git log -p --all (floor for log-based scanners), $n commits" "$size" 0 bash -c "git -C '$repo' log -p --all >/dev/null"
done
echo
for f in "$WORK"/secretlens-*.json; do
  python3 -c 'import json,sys,collections; d=json.load(open(sys.argv[1])); c=collections.Counter(x["rule_id"] for x in d["findings"]); print(sys.argv[1].split("/")[-1], len(d["findings"]), "findings", dict(c), d["stats"]["files_scanned"], "files")' "$f"
done
for f in "$WORK"/detect-secrets-*.json; do
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sys.argv[1].split("/")[-1], sum(len(v) for v in d["results"].values()), "findings in", len(d["results"]), "files")' "$f" || true
done
