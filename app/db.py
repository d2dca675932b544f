"""Database handle: Flask-SQLAlchemy over SQLAlchemy 2.0 typed models."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, Table, event, func, or_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import DeclarativeBase

#: Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)


def tune_sqlite(app: Flask) -> None:
    """On SQLite, let the web and the job worker share the file: WAL (readers never block the writer)
    and a busy timeout (a writer waits for the lock instead of failing at once)."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


def utcnow() -> dt.datetime:
    """The current moment in UTC (what every timestamp column stores)."""
    return dt.datetime.now(dt.UTC)


def upsert_insert(table: Table):
    """An INSERT for `table` that supports ON CONFLICT, for the session's database (SQLite or PostgreSQL)."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(table)


def subject_matches(model, text: str):
    """Case-insensitive "contains" on a subject's name, address or KvK number (scan and portfolio searches).

    `%` and `_` typed by the user are matched literally, not as wildcards.
    """
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    like = f"%{escaped}%"
    return or_(
        func.lower(model.subject_name).like(like, escape="\\"),
        func.lower(model.subject_address).like(like, escape="\\"),
        model.subject_kvk.like(like, escape="\\"),
    )
