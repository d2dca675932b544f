"""The advice report of a scan: HTML view and PDF download, both from the stored result snapshot."""

from __future__ import annotations

from flask import Blueprint, abort, url_for

from app.extensions import catalogue
from app.reports.render import render_report_html, render_report_pdf
from app.services import audit
from app.services import reports as report_svc
from app.web.files import attachment
from app.web.guards import scan_or_abort

bp = Blueprint("reports", __name__, url_prefix="/scans")


def _context(scan_id: int, action: str):
    """The report of a scan this user may see, with one audit entry for this view or export."""
    scan = scan_or_abort(scan_id)
    result = scan.latest_result
    if result is None:
        abort(404)
    audit.record(action, scan.id, result_id=result.id)
    context = report_svc.context_for_result(scan, result)
    current = catalogue.load().versions.get(scan.scan_type)  # None: the type has since been removed
    context["newer_ruleset"] = current if current != result.ruleset_version else None
    return scan, context


@bp.get("/<int:scan_id>/rapport")
def view(scan_id: int):
    scan, context = _context(scan_id, "report_viewed")
    links = {"back": url_for("scans.result", scan_id=scan.id), "pdf": url_for("reports.pdf", scan_id=scan.id)}
    return render_report_html(context, links=links)


@bp.get("/<int:scan_id>/rapport.pdf")
def pdf(scan_id: int):
    scan, context = _context(scan_id, "pdf_exported")
    return attachment(render_report_pdf(context), f"bibob-rapport-scan-{scan.id}.pdf")
