#!/usr/bin/env bash
# Makes sure a local PostgreSQL server runs and has an empty-able test database, then prints its URL.
# Uses a running server on 127.0.0.1:5432; otherwise starts an installed cluster; otherwise installs
# Debian's postgresql package (root only). Prints nothing and exits 1 when none can be had.
set -uo pipefail
DB=bibob_test
ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

if ! ready; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || exit 1
    else
      exit 1
    fi
  fi
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
  [ -n "$version" ] || exit 1
  pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 || true
  for _ in $(seq 1 20); do ready && break; sleep 0.5; done
  ready || exit 1
fi

run_psql() {
  if psql -h 127.0.0.1 -U postgres -d postgres -tAc "select 1" >/dev/null 2>&1; then
    psql -h 127.0.0.1 -U postgres -d postgres -tAc "$1"
  else
    su postgres -c "psql -d postgres -tAc \"$1\""
  fi
}
if [ "$(run_psql "select 1 from pg_database where datname = '$DB'")" != "1" ]; then
  run_psql "create database $DB" >/dev/null || exit 1
fi
echo "postgresql://postgres@127.0.0.1:5432/$DB"
