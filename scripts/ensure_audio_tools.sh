#!/usr/bin/env bash
# Make sure Debian's espeak-ng, opus-tools and sox are installed, for the voice-note tests.
#
# The tests speak pt-BR phrases with espeak-ng and encode them as Ogg/Opus with opusenc, as
# WhatsApp sends voice notes (sox pads silence for the "too long" cases). Idempotent: does
# nothing when the three tools are there. Installs the packages with apt-get when we are
# root; always exits 0: when they cannot be installed it prints a warning and those tests
# skip with a reason naming the packages.
set -u

missing=()
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
command -v opusenc >/dev/null 2>&1 || missing+=(opus-tools)
command -v sox >/dev/null 2>&1 || missing+=(sox)
if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "warning: ${missing[*]} missing and we cannot install them (need root and apt-get);" \
        "voice-note tests will be skipped. Install Debian's espeak-ng, opus-tools and sox." >&2
    exit 0
fi

echo "Installing Debian's ${missing[*]} (for the voice-note tests)..." >&2
if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
    || { DEBIAN_FRONTEND=noninteractive apt-get update -qq \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
    exit 0
fi
echo "warning: could not install ${missing[*]} with apt-get; voice-note tests will be skipped." >&2
exit 0
