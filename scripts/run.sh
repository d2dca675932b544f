#!/usr/bin/env bash
# `make run`: the production web server (gunicorn) with a job worker beside it.
# On a fresh machine: embedded SQLite database and job queue in instance/, demo data loaded.
# Settings come from the environment (PORT, DATABASE_URL, BIBOB_JOBS_URL, BIBOB_WEB_WORKERS, ...; docs/deploy.md).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export FLASK_APP=wsgi
"$BIN/flask" rules check
"$BIN/flask" db upgrade
"$BIN/flask" demo load
"$BIN/flask" jobs worker &
worker=$!
trap 'kill "$worker" 2>/dev/null || true; wait "$worker" 2>/dev/null || true' EXIT
trap 'exit 0' INT TERM
echo "Bibob-risicoscan op http://127.0.0.1:${PORT:-5000} (gunicorn; verwerker/job worker pid $worker). Stoppen: Ctrl-C."
"$BIN/gunicorn" -c gunicorn.conf.py wsgi:app
