"""The scan a page is about: visible to the current user (else 404), and allowed for the action (else 403)."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from app.models import Portfolio, Scan
from app.services import access
from app.web.errors import Refused


def scan_or_abort(scan_id: int, action: str | None = None) -> Scan:
    """One place for every web view: invisible scans answer 404, refused actions 403 with the Dutch reason."""
    try:
        scan = access.scan_for(current_user, scan_id)
    except access.ScanNotFound:
        abort(404)
    if action and (reason := access.refusal(current_user, action, scan)):
        raise Refused(reason)
    return scan


def portfolio_or_abort(portfolio_id: int, action: str = "view") -> Portfolio:
    """The portfolio a page is about: invisible ones answer 404, refused actions 403 with the Dutch reason."""
    try:
        portfolio = access.portfolio_for(current_user, portfolio_id)
    except access.PortfolioNotFound:
        abort(404)
    if reason := access.portfolio_refusal(current_user, action, portfolio):
        raise Refused(reason)
    return portfolio
