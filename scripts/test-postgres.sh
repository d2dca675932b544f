#!/usr/bin/env bash
# Runs the test suite (without the browser tests) once more against a real PostgreSQL server.
# On CI (CI=true) PostgreSQL is mandatory; on a developer machine without it, this says so and skips.
set -uo pipefail
cd "$(dirname "$0")/.."
if ! url=$(bash scripts/ensure-postgres.sh); then
  if [ "${CI:-}" = "true" ]; then
    echo "PostgreSQL is not available on CI: cannot run the database tests against it." >&2
    exit 1
  fi
  echo "NOTE: no PostgreSQL server could be had here; the PostgreSQL run is skipped." >&2
  exit 0
fi
echo "== the suite again on PostgreSQL ($url)"
DATABASE_URL="$url" .venv/bin/pytest -q -m "not browser" -p no:cacheprovider
