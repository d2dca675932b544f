"""Settings: defaults for development, overridden by environment and by `create_app(config)`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from app.paths import FORMS_DIR, RULES_DIR


class ConfigError(RuntimeError):
    """The settings are not safe to run with."""


DEFAULTS: dict[str, Any] = {
    "ENV_NAME": "development",
    "SECRET_KEY": "dev-only-not-secret",
    "RULES_DIR": str(RULES_DIR),
    "FORMS_DIR": str(FORMS_DIR),
    # A register of 20,000 rows fits; form fields stay capped by Flask's MAX_FORM_MEMORY_SIZE (500 kB).
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "JSON_SORT_KEYS": False,
    "SQLALCHEMY_DATABASE_URI": None,  # default: SQLite file in the instance folder
    # Database errors must not carry answers or register rows into the logs (Wet Bibob art. 28).
    "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True},
    "RETENTION_DAYS": 5 * 365,  # closed (vastgesteld) scans are deleted this long after the decision
    "PORTFOLIO_RETENTION_DAYS": 365,  # portfolios (register triage) are deleted this long after the upload
    # --- background jobs (app/services/jobs.py) ---
    # The queue: "sqlite:///path" (embedded, one machine; default: instance/jobs.sqlite3) or "redis://host:port/db"
    # (shared by every web and job worker of a region).
    "JOBS_URL": None,
    "JOBS_NAME": "bibob",  # queue name (keys in Redis are prefixed with it)
    "JOBS_INLINE": False,  # run a job at once in the caller (tests, CLI); no worker needed
    "JOB_STALE_SECONDS": 120,  # a started job without a heartbeat for this long lost its worker: resume or fail it
    "JOB_MAX_ATTEMPTS": 2,  # how often an interrupted job is started before it is marked failed
    "JOB_QUEUE_TIMEOUT_HOURS": 24,  # a job still not started after this long is marked failed
    "RETENTION_PURGE_HOUR": 3,  # the daily retention purge runs at this hour (UTC)
    # --- batch evaluation (app/portfolio/batch.py) ---
    "BATCH_PROCESSES": max(os.cpu_count() or 1, 1),  # processes that evaluate a register's chunks; 0: in the job
    "BATCH_CHUNK_ROWS": 500,  # rows per chunk (one progress report per chunk)
    # --- web server (gunicorn.conf.py) ---
    "WEB_WORKERS": 2,
    "WEB_THREADS": 1,
    "WEB_TIMEOUT": 60,  # seconds before a stuck web worker is restarted
    "LOG_FORMAT": "json",  # "json" (one object per line, for log shipping) or "text"
}

#: Settings that may be given as BIBOB_<NAME> in the environment, with their type.
ENV_SETTINGS: dict[str, type] = {
    "JOBS_URL": str,
    "JOBS_NAME": str,
    "JOB_STALE_SECONDS": int,
    "JOB_MAX_ATTEMPTS": int,
    "JOB_QUEUE_TIMEOUT_HOURS": int,
    "RETENTION_PURGE_HOUR": int,
    "RETENTION_DAYS": int,
    "PORTFOLIO_RETENTION_DAYS": int,
    "BATCH_PROCESSES": int,
    "BATCH_CHUNK_ROWS": int,
    "WEB_WORKERS": int,
    "WEB_THREADS": int,
    "WEB_TIMEOUT": int,
    "LOG_FORMAT": str,
}


def configure(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Apply defaults, then `BIBOB_*` / `SECRET_KEY` from the environment, then overrides."""
    app.config.update(DEFAULTS)
    env = os.environ
    if env.get("BIBOB_ENV"):
        app.config["ENV_NAME"] = env["BIBOB_ENV"]
    if env.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = env["SECRET_KEY"]
    for key in ("RULES_DIR", "FORMS_DIR"):
        if env.get(f"BIBOB_{key}"):
            app.config[key] = env[f"BIBOB_{key}"]
    app.config.update(env_settings(env))
    if env.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = normalise_db_url(env["DATABASE_URL"])
    app.config.update(overrides or {})
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'bibob.sqlite3'}"
    if not app.config["JOBS_URL"]:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["JOBS_URL"] = f"sqlite:///{Path(app.instance_path) / 'jobs.sqlite3'}"
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # Web and job worker share the file: wait for a lock instead of failing at once.
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options["connect_args"] = {"timeout": 30, **options.get("connect_args", {})}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if app.config["ENV_NAME"] not in ("development", "testing") and app.config["SECRET_KEY"] == DEFAULTS["SECRET_KEY"]:
        raise ConfigError("SECRET_KEY moet buiten ontwikkeling en test zijn ingesteld")


def env_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """The BIBOB_<NAME> settings found in `env`, converted to their type (a wrong number is a ConfigError)."""
    found: dict[str, Any] = {}
    for key, kind in ENV_SETTINGS.items():
        raw = env.get(f"BIBOB_{key}")
        if raw is None or raw == "":
            continue
        try:
            found[key] = kind(raw)
        except ValueError:
            raise ConfigError(f"BIBOB_{key} moet een geheel getal zijn, niet {raw!r}") from None
    return found


def normalise_db_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgresql:// URLs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url
