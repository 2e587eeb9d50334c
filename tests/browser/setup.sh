#!/usr/bin/env bash
# Installs what the browser tests (tests/browser.rs) and scripts/bench-html.sh need:
# Debian's chromium (when /usr/bin/chromium is missing and we are root) and playwright-core
# from tests/browser/package-lock.json into tests/browser/node_modules (gitignored).
# Cheap when everything is there. Exit 0 = ready; non-zero = no browser can be had here.
set -euo pipefail
cd "$(dirname "$0")"
log() { printf 'browser setup: %s\n' "$*" >&2; }

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [[ ! -x $CHROMIUM ]]; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        log "installing chromium (apt-get)"
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
    else
        log "no $CHROMIUM and cannot install it (not root or no apt-get)"
        exit 3
    fi
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        log "installing nodejs and npm (apt-get)"
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >&2
    else
        log "node/npm missing and cannot install them"
        exit 3
    fi
fi
stamp=node_modules/.secretlens-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" || ! -d node_modules/playwright-core ]]; then
    log "npm ci (playwright-core)"
    npm ci --no-audit --no-fund --silent >&2
    printf '%s' "$want" >"$stamp"
fi
