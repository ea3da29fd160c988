#!/usr/bin/env bash
# Make sure Debian's Chromium is at /usr/bin/chromium, for the browser tests.
#
# Idempotent: does nothing when it is already there. Installs Debian's `chromium`
# package with apt-get when we are root; Playwright's own browser downloads are not
# used (`playwright install` needs the internet). Always exits 0: when Chromium cannot
# be installed it prints a warning and the browser tests skip with a clear reason.
set -u

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    exit 0
fi

if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "warning: $CHROMIUM is missing and we cannot install it (need root and apt-get);" \
        "browser tests will be skipped. Install Debian's 'chromium' package." >&2
    exit 0
fi

echo "Installing Debian's chromium package (for the browser tests)..." >&2
if DEBIAN_FRONTEND=noninteractive apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; then
    if [ -x "$CHROMIUM" ]; then
        "$CHROMIUM" --version 2>/dev/null || true
        exit 0
    fi
fi

echo "warning: could not install chromium with apt-get; browser tests will be skipped." >&2
exit 0
