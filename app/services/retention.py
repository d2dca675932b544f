"""Delete closed scans and old portfolios after their retention period (Bibob data is kept no longer than needed)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.db import db
from app.models import Portfolio, Scan
from app.models.scan import STATUS_APPROVED
from app.services import audit, portfolios


def purge(retention_days: int, dry_run: bool = False, now: dt.datetime | None = None) -> list[int]:
    """Delete approved scans decided more than `retention_days` ago; one audit entry per scan."""
    cutoff = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=retention_days)
    scans = list(db.session.scalars(select(Scan).where(Scan.status == STATUS_APPROVED, Scan.decided_at < cutoff)))
    ids = [s.id for s in scans]
    if dry_run:
        return ids
    for scan in scans:
        audit.record("purged", scan.id, user=None, retention_days=retention_days, scan_type=scan.scan_type)
        db.session.delete(scan)
    db.session.flush()
    return ids


def purge_portfolios(retention_days: int, dry_run: bool = False, now: dt.datetime | None = None) -> list[int]:
    """Delete portfolios uploaded more than `retention_days` ago: a triage of a register is short-lived.

    Scans opened from a portfolio stay; they have their own retention.
    """
    cutoff = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=retention_days)
    expired = list(db.session.scalars(select(Portfolio).where(Portfolio.created_at < cutoff)))
    ids = [p.id for p in expired]
    if dry_run:
        return ids
    for portfolio in expired:
        audit.record("purged", None, user=None, retention_days=retention_days, portfolio=portfolio.id)
        portfolios.delete_portfolio(portfolio)
    db.session.flush()
    return ids


def purge_all() -> dict[str, list[int]]:
    """The scheduled purge (a periodic job in the worker): scans and portfolios past their retention settings."""
    from flask import current_app

    cfg = current_app.config
    return {
        "scans": purge(cfg["RETENTION_DAYS"]),
        "portfolios": purge_portfolios(cfg["PORTFOLIO_RETENTION_DAYS"]),
    }
