#!/usr/bin/env bash
# Installs Debian's Chromium for the real-browser tests when it is missing (root, apt). Exit 1 if it cannot.
set -uo pipefail
for candidate in /usr/bin/chromium /usr/bin/chromium-browser; do
  [ -x "$candidate" ] && exit 0
done
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null && exit 0
fi
exit 1
