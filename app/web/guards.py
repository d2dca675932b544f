"""The scan, portfolio or dossier a page is about: visible to the user (else 404), allowed for the action (else 403)."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from app.models import Dossier, Portfolio, Scan
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


def dossier_or_abort(dossier_id: int, action: str = "view") -> Dossier:
    """The dossier a page is about: invisible ones answer 404, refused actions 403 with the Dutch reason."""
    try:
        dossier = access.dossier_for(current_user, dossier_id)
    except access.DossierNotFound:
        abort(404)
    if reason := access.dossier_refusal(current_user, action, dossier):
        raise Refused(reason)
    return dossier
