#!/usr/bin/env bash
# Make sure headless Chromium and its driver (Debian's chromium, chromium-driver) are present
# for the browser tests of gankit serve and gankit report: installed when running as root;
# otherwise say how to get them. Never fails the build: the browser tests skip without them.
set -uo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
    echo "browser: chromium and chromedriver found"
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "browser: installing chromium chromium-driver (for the browser tests)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null && apt-get install -y -q chromium chromium-driver >/dev/null; } \
        || echo "browser: could not install chromium chromium-driver; the browser tests will skip" >&2
    exit 0
fi
echo "browser: chromium/chromedriver missing (browser tests skip): sudo apt-get install chromium chromium-driver" >&2
exit 0
