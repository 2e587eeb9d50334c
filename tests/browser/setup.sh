#!/usr/bin/env bash
# Installs what the browser tests (tests/browser.rs) and scripts/bench-html.sh need:
# Debian's chromium (when /usr/bin/chromium is missing and we are root) and playwright-core
# from tests/browser/package-lock.json into tests/browser/node_modules (gitignored).
# Cheap when everything is there. Exit 0 = ready; non-zero = no browser can be had here.
set -euo pipefail
cd "$(dirname "$0")"
log() { printf 'browser setup: %s\n' "$*" >&2; }

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
apt_updated=
apt_install() {
    # A fresh Debian image has no package lists: update once before the first install.
    if [[ -z $apt_updated ]]; then
        apt-get update -qq >&2
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}
if [[ ! -x $CHROMIUM ]]; then
    if [[ $CHROMIUM != /usr/bin/chromium ]]; then
        log "CHROMIUM=$CHROMIUM is not an executable"
        exit 3
    elif [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        log "installing chromium (apt-get)"
        apt_install chromium
    else
        log "no $CHROMIUM and cannot install it (not root or no apt-get)"
        exit 3
    fi
fi
# Installed is not enough: it must start (missing shared libraries show here, not mid-test).
if ! version=$("$CHROMIUM" --headless --no-sandbox --version 2>&1); then
    log "$CHROMIUM does not start: $version"
    exit 3
fi
log "${version##*$'\n'}"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        log "installing nodejs and npm (apt-get)"
        apt_install nodejs npm
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
