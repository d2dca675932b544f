"""Jinja filters for Dutch display."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Flask

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def datumtijd(value: dt.datetime | None) -> str:
    """A stored (UTC) moment as Dutch local time, e.g. 22-11-2026 21:19."""
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite returns naive values; they were stored in UTC
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M")


def getal(value: int | float | None) -> str:
    """A count in Dutch notation with a thousands separator: 8000 → 8.000."""
    if value is None:
        return ""
    return f"{value:,}".replace(",", ".")


def niveau(level: str | None) -> str:
    """A risk level id as Dutch words (zeer_hoog → zeer hoog): raw values never reach a page."""
    from app.rules.vocabulary import LEVELS

    return LEVELS.get(level or "", level or "").lower()


def init_filters(app: Flask) -> None:
    app.add_template_filter(datumtijd)
    app.add_template_filter(getal)
    app.add_template_filter(niveau)
