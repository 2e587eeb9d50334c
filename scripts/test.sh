#!/usr/bin/env bash
# Runs the whole test suite: `./scripts/test.sh [extra cargo test args]`: cargo fmt --check,
# cargo clippy --all-targets -D warnings, then every test.
#
# The moto-backed collection tests (tests/moto_audit.rs) need moto and boto3: they are
# installed from tests/moto/requirements.txt into .venv/ (gitignored). pip runs only when the
# requirements (or the Python) changed since the last install, so a second run is quick.
# When `python3 -m venv` is unavailable (Debian without python3-venv), they are installed
# with `pip install --user` instead. The tests find the interpreter through
# SECRETLENS_TEST_PYTHON, then .venv/bin/python, then python3.
set -euo pipefail
cd "$(dirname "$0")/.."

REQ=tests/moto/requirements.txt
VENV=.venv
PY3=${PYTHON:-python3}

log() { printf 'test.sh: %s\n' "$*" >&2; }

command -v "$PY3" >/dev/null || { log "error: $PY3 not found (the moto tests need Python 3)"; exit 2; }

want="$(cat "$REQ"; "$PY3" -c 'import sys; print(sys.version)')"
want=$(printf '%s' "$want" | sha256sum | cut -d' ' -f1)

setup_venv() {
    local stamp=$VENV/.secretlens-requirements.sha256
    if [[ -x $VENV/bin/python && -f $stamp && $(cat "$stamp") == "$want" ]]; then
        return 0
    fi
    if [[ ! -x $VENV/bin/python ]] || ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
        rm -rf "$VENV"
        log "creating $VENV"
        if ! "$PY3" -m venv "$VENV" >/dev/null 2>&1 || ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
            rm -rf "$VENV"
            return 1
        fi
    fi
    log "installing $REQ into $VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQ"
    printf '%s' "$want" >"$stamp"
}

if setup_venv; then
    export SECRETLENS_TEST_PYTHON="$PWD/$VENV/bin/python"
else
    log "python3 -m venv is unavailable (Debian: apt-get install python3-venv); using pip install --user"
    if ! "$PY3" -c 'import moto, boto3, flask, flask_cors, check_jsonschema, py_ocsf_models, cfnlint; assert moto.__version__ == "5.2.1"' 2>/dev/null; then
        "$PY3" -m pip install --quiet --user -r "$REQ" 2>/dev/null ||
            "$PY3" -m pip install --quiet --user --break-system-packages -r "$REQ"
    fi
    SECRETLENS_TEST_PYTHON=$(command -v "$PY3")
    export SECRETLENS_TEST_PYTHON
fi

log "moto tests use $SECRETLENS_TEST_PYTHON"
# Chromium and playwright-core for tests/browser.rs (quick when already installed).
bash tests/browser/setup.sh || log "warning: no browser: tests/browser.rs will fail with CI=true, and be skipped otherwise"
# Style gates first: a formatting or lint failure fails the run before the long tests.
# (`SECRETLENS_SKIP_LINT=1` skips them for a quick local re-run; CI never sets it.)
if [[ ${SECRETLENS_SKIP_LINT:-0} != 1 ]]; then
    cargo fmt --version >/dev/null 2>&1 || { log "error: rustfmt is not installed (rustup component add rustfmt)"; exit 2; }
    cargo clippy --version >/dev/null 2>&1 || { log "error: clippy is not installed (rustup component add clippy)"; exit 2; }
    log "cargo fmt --check"
    cargo fmt --check
    log "cargo clippy --all-targets -- -D warnings (lints: Cargo.toml [lints])"
    cargo clippy --all-targets --quiet -- -D warnings
fi
exec cargo test --all-targets --no-fail-fast "$@"
