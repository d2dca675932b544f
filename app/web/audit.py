"""The audit trail: all entries for admins, one scan's history for jurists; both exportable as CSV."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_login import current_user
from sqlalchemy import select

from app.db import db
from app.models import AuditEntry
from app.models.audit import ACTIONS, RESULTS
from app.safe_input import bounded_int
from app.services import access, audit
from app.services.exports import csv_bytes
from app.web.errors import Refused
from app.web.files import attachment
from app.web.filters import audit_details, iso_moment
from app.web.guards import scan_or_abort

bp = Blueprint("audit", __name__)
LIMIT = 500
COLUMNS = [
    "tijdstip",
    "gebruiker",
    "handeling",
    "scan",
    "details",
    "object",
    "resultaat",
    "herkomst",
    "volgnummer",
    "hash",
]


def _rows(query) -> list[AuditEntry]:
    return list(db.session.scalars(query.order_by(AuditEntry.id.desc()).limit(LIMIT)))


def _csv(entries: list[AuditEntry], filename: str) -> Response:
    table = [
        [
            iso_moment(e.at),
            e.user_email,
            ACTIONS.get(e.action, e.action),
            e.scan_id or "",
            audit_details(e.detail),
            e.object,
            RESULTS.get(e.result, e.result),
            e.origin,
            e.seq or "",
            e.hash,
        ]
        for e in entries
    ]
    return attachment(csv_bytes(COLUMNS, table), filename)


@bp.get("/audit")
def index():
    if reason := access.refusal(current_user, "audit"):
        raise Refused(reason)
    query = select(AuditEntry)
    action = request.args.get("actie", "")
    if action in ACTIONS:
        query = query.where(AuditEntry.action == action)
    scan_id = request.args.get("scan", type=bounded_int)
    if scan_id:
        query = query.where(AuditEntry.scan_id == scan_id)
    entries = _rows(query)
    if request.args.get("formaat") == "csv":
        audit.record("audit_exported", scan_id, rows=len(entries))
        return _csv(entries, "audittrail.csv")
    return render_template(
        "audit/list.html",
        entries=entries,
        actions=ACTIONS,
        results=RESULTS,
        action=action,
        scan_id=scan_id,
        title="Audittrail",
    )


@bp.get("/scans/<int:scan_id>/geschiedenis")
def history(scan_id: int):
    scan = scan_or_abort(scan_id, "history")
    entries = _rows(select(AuditEntry).where(AuditEntry.scan_id == scan.id))
    if request.args.get("formaat") == "csv":
        audit.record("audit_exported", scan.id, rows=len(entries))
        return _csv(entries, f"geschiedenis-scan-{scan.id}.csv")
    return render_template(
        "audit/list.html",
        entries=entries,
        actions=ACTIONS,
        results=RESULTS,
        scan=scan,
        title="Geschiedenis van de scan",
    )
