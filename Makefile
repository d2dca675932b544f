# The two set-up commands of the README: `make run` and `make test`.
# Everything they need is installed from here, into .venv, on a fresh machine.

PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 5000
export FLASK_APP := wsgi

.PHONY: run test lint check bench install frontend clean

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

## Start the service on http://127.0.0.1:$(PORT) (embedded SQLite, demo data). `make run PORT=8000` for another port.
run: $(STAMP) frontend
	$(BIN)/flask rules check
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	@echo "Open http://127.0.0.1:$(PORT)/ and log in as bibob@voorbeeldstad.demo (gemeente), jurist@riec.demo (jurist) or tov@riec.demo (TOV); demo password: demo-wachtwoord-123"
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

## Install and run the whole test suite on SQLite, then again on PostgreSQL (also what CI runs).
test: $(STAMP) frontend
	$(BIN)/ruff check app tests bench wsgi.py
	$(BIN)/flask rules check
	bash scripts/browser-deps.sh || echo "NOTE: Chromium could not be installed; the browser test will be skipped"
	$(BIN)/pytest $(PYTEST_ARGS)
	bash scripts/test-postgres.sh

lint: $(STAMP)
	$(BIN)/ruff check app tests bench wsgi.py

bench: $(STAMP)
	$(BIN)/python bench/engine_bench.py
	$(BIN)/python bench/report_bench.py
	$(BIN)/python bench/portfolio_bench.py

clean:
	rm -rf $(VENV) instance/*.sqlite3 .pytest_cache node_modules static/vendor
