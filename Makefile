# The two set-up commands of the README: `make run` and `make test`.
# Everything they need is installed from here, into .venv, on a fresh machine.

PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export FLASK_APP := wsgi

.PHONY: run dev test lint check bench install clean

$(STAMP): pyproject.toml scripts/system-deps.sh
	bash scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Start the service on http://127.0.0.1:$${PORT:-5000}: gunicorn and a job worker (embedded SQLite, demo data).
run: $(STAMP)
	bash scripts/run.sh

## Development server with reload (not for production).
dev: $(STAMP)
	$(BIN)/flask rules check
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	$(BIN)/flask run --host 127.0.0.1 --port $${PORT:-5000} --debug

## Install and run the whole test suite on SQLite, then again on PostgreSQL (also what CI runs).
test: $(STAMP)
	$(BIN)/ruff check app tests bench wsgi.py
	$(BIN)/flask rules check
	bash scripts/browser-deps.sh || echo "NOTE: Chromium could not be installed; the browser test will be skipped"
	bash scripts/ensure-redis.sh || echo "NOTE: no Redis server could be had; the job tests on Redis will be skipped"
	$(BIN)/pytest $(PYTEST_ARGS)
	bash scripts/test-postgres.sh

lint: $(STAMP)
	$(BIN)/ruff check app tests bench wsgi.py

bench: $(STAMP)
	$(BIN)/python bench/engine_bench.py
	$(BIN)/python bench/scaling_bench.py
	$(BIN)/python bench/batch_bench.py
	$(BIN)/python bench/memory_bench.py
	$(BIN)/python bench/report_bench.py
	$(BIN)/python bench/portfolio_bench.py
	$(BIN)/python bench/jobs_bench.py

clean:
	rm -rf $(VENV) instance/*.sqlite3 .pytest_cache
