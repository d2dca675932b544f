# The two set-up commands of the README: `make run` and `make test`.
# Everything they need is installed from here, into .venv, on a fresh machine.

PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 5000
export FLASK_APP := wsgi

.PHONY: run dev test lint check bench install frontend wheel clean

$(STAMP): pyproject.toml scripts/system-deps.sh
	bash scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## NL Design System CSS and axe-core from npm (pinned in package-lock.json), copied into static/vendor/.
frontend:
	bash scripts/frontend-deps.sh

## Start the service on http://127.0.0.1:$(PORT): gunicorn and a job worker (embedded SQLite, demo data).
## `make run PORT=8000` for another port.
run: $(STAMP) frontend
	PORT=$(PORT) bash scripts/run.sh

## Development server with reload (not for production).
dev: $(STAMP) frontend
	$(BIN)/flask rules check
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT) --debug

## Install and run the whole test suite on SQLite, then again on PostgreSQL (also what CI runs).
test: $(STAMP) frontend
	$(BIN)/ruff check app tests bench scripts wsgi.py
	$(BIN)/flask rules check
	bash scripts/browser-deps.sh || echo "NOTE: Chromium could not be installed; the browser test will be skipped"
	bash scripts/ensure-redis.sh || echo "NOTE: no Redis server could be had; the job tests on Redis will be skipped"
	$(BIN)/pytest $(PYTEST_ARGS)
	bash scripts/test-postgres.sh

## A wheel that serves the app outside the source tree (docs/deploy.md), with static/vendor: dist/*.whl
wheel: $(STAMP) frontend
	$(BIN)/pip wheel . --no-deps -w dist

lint: $(STAMP)
	$(BIN)/ruff check app tests bench scripts wsgi.py

bench: $(STAMP)
	$(BIN)/python bench/engine_bench.py
	$(BIN)/python bench/scaling_bench.py
	$(BIN)/python bench/batch_bench.py
	$(BIN)/python bench/memory_bench.py
	$(BIN)/python bench/report_bench.py
	$(BIN)/python bench/portfolio_bench.py
	$(BIN)/python bench/jobs_bench.py

clean:
	rm -rf $(VENV) instance/*.sqlite3 .pytest_cache node_modules static/vendor build dist
