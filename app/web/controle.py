"""TOV controle preparation: the printable brief (HTML and PDF) for a scan or a portfolio selection, and findings."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.extensions import catalogue
from app.models.portfolio import PORTFOLIO_DONE
from app.reports.render import render_brief_html, render_brief_pdf
from app.services import controle as svc
from app.services import portfolios
from app.web.errors import Refused
from app.web.files import attachment
from app.web.form_input import display_value, field_context, parse_step
from app.web.guards import portfolio_or_abort, scan_or_abort

bp = Blueprint("controle", __name__)

#: Most locations one brief holds (a control day, not the whole register).
MAX_LOCATIONS = 50


def _scan_brief(scan_id: int):
    scan = scan_or_abort(scan_id)
    try:
        return scan, svc.brief_for_scan(current_user, scan, catalogue.load())
    except svc.NoResult:
        raise Refused("Beoordeel de scan eerst; de controlebrief volgt uit het resultaat.") from None


@bp.get("/scans/<int:scan_id>/controlebrief")
def scan_brief(scan_id: int):
    scan, brief = _scan_brief(scan_id)
    links = {
        "back": url_for("scans.result", scan_id=scan.id),
        "pdf": url_for("controle.scan_brief_pdf", scan_id=scan.id),
    }
    return render_brief_html(brief, links=links)


@bp.get("/scans/<int:scan_id>/controlebrief.pdf")
def scan_brief_pdf(scan_id: int):
    scan, brief = _scan_brief(scan_id)
    return attachment(render_brief_pdf(brief), f"controlebrief-scan-{scan.id}.pdf")


def _portfolio_brief(portfolio_id: int):
    portfolio = portfolio_or_abort(portfolio_id, "brief")
    if portfolio.status != PORTFOLIO_DONE:
        abort(404)
    ids = [i for i in request.args.getlist("rij", type=int)][: MAX_LOCATIONS + 1]
    rows = portfolios.rows_by_id(portfolio, ids)
    if not rows:
        raise Refused("Kies in het overzicht een of meer locaties voor de controlebrief.")
    if len(rows) > MAX_LOCATIONS:
        raise Refused(f"Een controlebrief heeft hoogstens {MAX_LOCATIONS} locaties; kies er minder.")
    return portfolio, rows, svc.brief_for_rows(current_user, portfolio, rows, catalogue.load())


@bp.get("/portfolio/<int:portfolio_id>/controlebrief")
def portfolio_brief(portfolio_id: int):
    if not request.args.getlist("rij"):  # nothing chosen: back to the ranking with the reason, not a 403
        portfolio_or_abort(portfolio_id, "brief")
        flash("Kies in de rangschikking een of meer locaties voor de controlebrief.", "waarschuwing")
        return redirect(url_for("portfolios.show", portfolio_id=portfolio_id) + "#selectie")
    portfolio, rows, brief = _portfolio_brief(portfolio_id)
    links = {
        "back": url_for("portfolios.show", portfolio_id=portfolio.id),
        "pdf": url_for("controle.portfolio_brief_pdf", portfolio_id=portfolio.id, rij=[r.id for r in rows]),
    }
    return render_brief_html(brief, links=links)


@bp.get("/portfolio/<int:portfolio_id>/controlebrief.pdf")
def portfolio_brief_pdf(portfolio_id: int):
    portfolio, _, brief = _portfolio_brief(portfolio_id)
    return attachment(render_brief_pdf(brief), f"controlebrief-portfolio-{portfolio.id}.pdf")


@bp.route("/scans/<int:scan_id>/bevindingen", methods=["GET", "POST"])
def findings(scan_id: int):
    """Enter what a control found, as the scan's answers to its on-site questions."""
    scan = scan_or_abort(scan_id, "edit")
    questionnaire = catalogue.load().questionnaires[scan.scan_type]
    step = svc.findings_step(questionnaire)
    saved = scan.answers()
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and step.questions:
        typed, errors, raw = parse_step(step, request.form)
        if not errors:
            errors = svc.save_findings(current_user, scan, questionnaire, typed)
        if not errors:
            return redirect(url_for("scans.summary", scan_id=scan.id, bevindingen=1))
        values = raw
    else:
        values = {q.id: display_value(q, saved.get(q.id)) for q in step.questions}
    return render_template(
        "controle/findings.html",
        scan=scan,
        step=step,
        questions=[{"q": q, "condition": None} for q in step.questions],
        **field_context(values, errors),
    ), (422 if errors else 200)
