#!/bin/sh
# Make headless Chromium available for the HTML report's browser test (tests/test_report_browser.py).
# Idempotent: does nothing when chromium is already on PATH. As root with apt-get, installs Debian's
# `chromium` package (and a font, so screenshots show text) from the apt sources the host is configured
# with, running `apt-get update` once if the first try fails. Otherwise it only says what to do; the
# browser test then skips locally and fails under CI=true.
set -u
for name in chromium chromium-browser; do
    if command -v "$name" >/dev/null 2>&1; then
        exit 0
    fi
done
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_chromium: chromium is not installed; install Debian's 'chromium' package to run the browser test" >&2
    exit 1
fi
echo "ensure_chromium: installing chromium with apt-get"
export DEBIAN_FRONTEND=noninteractive
install() { apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core >/dev/null; }
if ! install; then
    apt-get update -q >/dev/null && install || {
        echo "ensure_chromium: apt-get install chromium failed" >&2
        exit 1
    }
fi
command -v chromium
