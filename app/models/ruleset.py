"""The catalogue files as they were when a ruleset version was first used, to re-evaluate exactly."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import db, utcnow


class RulesetArchive(db.Model):
    """Every rule, scoring, reference and questionnaire file (path → text) behind one ruleset version."""

    __tablename__ = "ruleset_archives"

    version: Mapped[str] = mapped_column(String(32), primary_key=True)
    scan_type: Mapped[str] = mapped_column(String(32))
    files: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
