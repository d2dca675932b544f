"""Settings: defaults for development, overridden by environment and by `create_app(config)`."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from app.paths import FORMS_DIR, RULES_DIR


class ConfigError(RuntimeError):
    """The settings are not safe to run with."""


DEFAULTS: dict[str, Any] = {
    "ENV_NAME": "development",
    "SECRET_KEY": None,  # from the environment; development creates instance/secret_key on first run
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
    # Look per organisation (NL Design System tokens; see app/web/theme.py): colours as #rrggbb, a logo in
    # static/themes/. Keyed by organisation name; "default" for the rest. BIBOB_THEMES_FILE (JSON) replaces it.
    "THEMES": {
        "Gemeente Voorbeeldstad (demo)": {
            "primary": "#00593f",
            "primary_hover": "#003d2b",
            "header": "#00593f",
            "logo": "voorbeeldstad.svg",
        },
    },
    # The installation's own details for the Algoritmeregister entry and the processing record
    # (environment: BIBOB_ORGANISATIE, BIBOB_CONTACT_EMAIL, ...; see docs/privacy.md).
    "PUBLICATION": {
        "organisatie": "Gemeente Voorbeeldstad",
        "contact_email": "",
        "status": "In ontwikkeling",
        "begindatum": "",
        "publiekspagina": "",
        "eigen_register_url": "",
        "verwerkingsregister_url": "",
        "dpia_url": "",
        "iama_url": "",
        "broncode_url": "",
        "leverancier": "",
    },
    # Per source address: password guesses and second-factor codes (Flask-Limiter syntax).
    "LOGIN_RATE_LIMIT": "10 per minute;50 per hour",
    "RATELIMIT_STORAGE_URI": "memory://",  # e.g. redis://host:6379/0 when several processes serve the app
    "RATELIMIT_HEADERS_ENABLED": False,
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
    "DOSSIER_REMINDER_HOUR": 5,  # the daily dossier deadline reminders run at this hour (UTC)
    # --- batch evaluation (app/portfolio/batch.py) ---
    "BATCH_PROCESSES": max(os.cpu_count() or 1, 1),  # processes that evaluate a register's chunks; 0: in the job
    "BATCH_CHUNK_ROWS": 500,  # rows per chunk (one progress report per chunk)
    # --- web server (gunicorn.conf.py) ---
    "WEB_WORKERS": 2,
    "WEB_THREADS": 1,
    "WEB_TIMEOUT": 60,  # seconds before a stuck web worker is restarted
    "LOG_FORMAT": "json",  # "json" (one object per line, for log shipping) or "text"
    # Bibob dossiers (docs/dossier.md): the periods the law leaves to the gemeente.
    "DOSSIER_QUESTIONNAIRE_DAYS": 14,  # return the Bibob questionnaire (practice: 14 days)
    "DOSSIER_ZIENSWIJZE_DAYS": 14,  # zienswijze (art. 33 Wet Bibob, Awb 4:8: no statutory period)
    # Beslistermijn in weeks per Bibob context; missing = no statutory decision period (Awb 4:13: 8 weeks).
    "DOSSIER_DECISION_WEEKS": {"beschikking_aanvraag": 8, "subsidie": 8},
    "DOSSIER_SOON_WORKING_DAYS": 5,  # a deadline within this many working days counts as "binnenkort"
    # argon2 cost for new password hashes: "standard" (production) or "minimal" (the test suite only).
    "PASSWORD_HASH_PROFILE": "standard",
}
#: Environment variables that set the publication details, by key of DEFAULTS["PUBLICATION"].
PUBLICATION_ENV = {
    "organisatie": "BIBOB_ORGANISATIE",
    "contact_email": "BIBOB_CONTACT_EMAIL",
    "status": "BIBOB_ALGORITME_STATUS",
    "begindatum": "BIBOB_ALGORITME_BEGINDATUM",
    "publiekspagina": "BIBOB_PUBLIEKSPAGINA",
    "eigen_register_url": "BIBOB_ALGORITMEREGISTER_URL",
    "verwerkingsregister_url": "BIBOB_VERWERKINGSREGISTER_URL",
    "dpia_url": "BIBOB_DPIA_URL",
    "iama_url": "BIBOB_IAMA_URL",
    "broncode_url": "BIBOB_BRONCODE_URL",
    "leverancier": "BIBOB_LEVERANCIER",
}

#: Settings that may be given as BIBOB_<NAME> in the environment, with their type.
ENV_SETTINGS: dict[str, type] = {
    "JOBS_URL": str,
    "JOBS_NAME": str,
    "JOB_STALE_SECONDS": int,
    "JOB_MAX_ATTEMPTS": int,
    "JOB_QUEUE_TIMEOUT_HOURS": int,
    "RETENTION_PURGE_HOUR": int,
    "DOSSIER_REMINDER_HOUR": int,
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
    publication = dict(DEFAULTS["PUBLICATION"])
    publication.update({key: env[name] for key, name in PUBLICATION_ENV.items() if env.get(name)})
    app.config["PUBLICATION"] = publication
    if env.get("BIBOB_RATELIMIT_STORAGE"):  # e.g. redis://host:6379/0 when several processes serve the app
        app.config["RATELIMIT_STORAGE_URI"] = env["BIBOB_RATELIMIT_STORAGE"]
    app.config.update(env_settings(env))
    if env.get("BIBOB_THEMES_FILE"):
        app.config["THEMES"] = json.loads(Path(env["BIBOB_THEMES_FILE"]).read_text(encoding="utf-8"))
    if env.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = normalise_db_url(env["DATABASE_URL"])
    overrides = dict(overrides or {})
    app.config["PUBLICATION"].update(overrides.pop("PUBLICATION", {}))
    app.config.update(overrides)
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
    app.config["SECRET_KEY"] = _secret_key(app)
    _check_hash_profile(app)
    # BIO 5.17.01: a second factor for every account; development may log in without one (demo accounts).
    app.config.setdefault("TWO_FACTOR_REQUIRED", app.config["ENV_NAME"] != "development")


def _check_hash_profile(app: Flask) -> None:
    """Cheap password hashes are for the test suite only; anywhere else they would weaken stored passwords."""
    profile = app.config["PASSWORD_HASH_PROFILE"]
    if profile not in ("standard", "minimal"):
        raise ConfigError(f"PASSWORD_HASH_PROFILE moet 'standard' of 'minimal' zijn, niet {profile!r}")
    if profile == "minimal" and app.config["ENV_NAME"] != "testing":
        raise ConfigError("PASSWORD_HASH_PROFILE 'minimal' is alleen toegestaan in de testomgeving")


#: Secrets that are public (earlier defaults, examples): never accepted.
KNOWN_SECRETS = {"dev-only-not-secret", "change-me", "changeme", "secret", "dev", "development"}
MIN_SECRET_LENGTH = 32


def _secret_key(app: Flask) -> str:
    """The session signing key: a real one from the environment, or a random one kept in the instance folder.

    Only development and testing may run without SECRET_KEY; development then creates a random key in
    `instance/secret_key` on first run (kept private, so sessions survive a restart).
    """
    key = app.config.get("SECRET_KEY")
    env_name = app.config["ENV_NAME"]
    if key:
        if key in KNOWN_SECRETS or (env_name not in ("development", "testing") and len(key) < MIN_SECRET_LENGTH):
            raise ConfigError(
                f"SECRET_KEY is bekend of te kort; gebruik minstens {MIN_SECRET_LENGTH} willekeurige tekens"
            )
        return key
    if env_name == "testing":
        return secrets.token_hex(32)
    if env_name != "development":
        raise ConfigError("SECRET_KEY moet buiten ontwikkeling en test zijn ingesteld")
    path = Path(app.config.get("SECRET_KEY_FILE") or Path(app.instance_path) / "secret_key")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it just now
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def normalise_db_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgresql:// URLs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


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
