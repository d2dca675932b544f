#!/usr/bin/env bash
# Makes sure a local Redis server answers on 127.0.0.1:6379 (for the job tests on the Redis queue).
# Uses a running server; otherwise starts an installed redis-server; otherwise installs Debian's
# redis-server package (root only). Exits 1 when none can be had.
set -uo pipefail
ready() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
ready && exit 0
if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null || exit 1
  else
    exit 1
  fi
fi
redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save '' --appendonly no >/dev/null 2>&1 || exit 1
for _ in $(seq 1 20); do ready && exit 0; sleep 0.25; done
exit 1
