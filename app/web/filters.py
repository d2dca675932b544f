"""Jinja filters for Dutch display."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Flask

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def iso_moment(value: dt.datetime | None) -> str:
    """A stored moment in Dutch local time with its UTC offset (ISO 8601), for exports: 2026-11-22T21:19:05+01:00."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(AMSTERDAM).isoformat(timespec="seconds")


def datumtijd(value: dt.datetime | None) -> str:
    """A stored (UTC) moment as Dutch local time, e.g. 22-11-2026 21:19."""
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite returns naive values; they were stored in UTC
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M")


def datum(value: dt.date | None) -> str:
    """A date the Dutch way, e.g. 22-11-2026."""
    return value.strftime("%d-%m-%Y") if value else ""


def init_filters(app: Flask) -> None:
    app.add_template_filter(datumtijd)
    app.add_template_filter(datum)
