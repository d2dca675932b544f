"""Settings: defaults for development, overridden by environment and by `create_app(config)`."""

from __future__ import annotations

import os
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
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    "JSON_SORT_KEYS": False,
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
    app.config.update(overrides or {})
    if app.config["ENV_NAME"] not in ("development", "testing") and app.config["SECRET_KEY"] == DEFAULTS["SECRET_KEY"]:
        raise ConfigError("SECRET_KEY moet buiten ontwikkeling en test zijn ingesteld")
