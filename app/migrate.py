"""Run Alembic migrations for the current app (`flask db upgrade`), without an alembic.ini."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from flask import current_app

from app.db import db
from app.paths import MIGRATIONS_DIR


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", current_app.config["SQLALCHEMY_DATABASE_URI"].replace("%", "%%"))
    return cfg


def upgrade(revision: str = "head") -> None:
    """Bring the database to `revision` on the app's own engine."""
    cfg = alembic_config()
    with db.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def revision(message: str) -> None:
    """Autogenerate a new migration from the models (for developers)."""
    cfg = alembic_config()
    with db.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.revision(cfg, message=message, autogenerate=True)
