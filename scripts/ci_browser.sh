#!/usr/bin/env bash
# Install what the browser tests (tests/browser) need: Debian's Chromium and a CJK font, so that
# screenshots show the Chinese text. Safe to run again. Never runs `playwright install` (that
# downloads a browser); the tests drive /usr/bin/chromium. Needs root.
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q "install ok installed" \
    || missing+=(fonts-noto-cjk)

if [ "${#missing[@]}" -gt 0 ]; then
    echo "ci_browser: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
/usr/bin/chromium --version >&2 2>/dev/null || true
echo "ci_browser: ready" >&2
