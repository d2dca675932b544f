"""Settings: defaults for development, overridden by environment and by `create_app(config)`."""

from __future__ import annotations

import json
import os
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
    if env.get("BIBOB_THEMES_FILE"):
        app.config["THEMES"] = json.loads(Path(env["BIBOB_THEMES_FILE"]).read_text(encoding="utf-8"))
    if env.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = normalise_db_url(env["DATABASE_URL"])
    app.config.update(overrides or {})
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'bibob.sqlite3'}"
    if app.config["ENV_NAME"] not in ("development", "testing") and app.config["SECRET_KEY"] == DEFAULTS["SECRET_KEY"]:
        raise ConfigError("SECRET_KEY moet buiten ontwikkeling en test zijn ingesteld")


def normalise_db_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgresql:// URLs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url
