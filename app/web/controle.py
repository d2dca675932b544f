"""TOV controle preparation: the printable brief (HTML and PDF) for a scan or a portfolio selection, and findings.

A brief is made for recipients chosen per brief (`?ontvanger=brandweer&ontvanger=politie`); without
them the page asks for them first, listing each recipient with its legal ground.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.extensions import catalogue
from app.models.portfolio import PORTFOLIO_DONE
from app.reports.render import render_brief_html, render_brief_pdf
from app.safe_input import bounded_int
from app.services import controle as svc
from app.services import portfolios
from app.web.errors import Refused
from app.web.files import attachment
from app.web.form_input import display_value, field_context, parse_step
from app.web.guards import portfolio_or_abort, scan_or_abort

bp = Blueprint("controle", __name__)

#: Most locations one brief holds (a control day, not the whole register).
MAX_LOCATIONS = 50


def _recipients():
    """The recipients chosen in the query, or None when none are chosen (then the choice page follows)."""
    ids = request.args.getlist("ontvanger")
    if not ids:
        return None
    try:
        return svc.chosen_recipients(catalogue.load(), ids[:50])
    except svc.NoRecipients:
        raise Refused("Kies de ontvangers van de controlebrief uit de lijst.") from None


def _choose(back: str, keep: dict[str, list]):
    """The page that asks for whom the brief is, before anything is shown."""
    return render_template(
        "controle/recipients.html", recipients=svc.recipient_choices(catalogue.load()), back=back, keep=keep
    )


def _scan_brief(scan_id: int, recipients):
    scan = scan_or_abort(scan_id)
    if scan.latest_result is None:
        raise Refused("Beoordeel de scan eerst; de controlebrief volgt uit het resultaat.")
    if recipients is None:
        return scan, None
    return scan, svc.brief_for_scan(current_user, scan, catalogue.load(), recipients)


@bp.get("/scans/<int:scan_id>/controlebrief")
def scan_brief(scan_id: int):
    recipients = _recipients()
    scan, brief = _scan_brief(scan_id, recipients)
    if brief is None:
        return _choose(url_for("scans.result", scan_id=scan.id), {})
    links = {
        "back": url_for("scans.result", scan_id=scan.id),
        "pdf": url_for("controle.scan_brief_pdf", scan_id=scan.id, ontvanger=[r.id for r in recipients]),
    }
    return render_brief_html(brief, links=links)


@bp.get("/scans/<int:scan_id>/controlebrief.pdf")
def scan_brief_pdf(scan_id: int):
    recipients = _recipients()
    if recipients is None:
        raise Refused("Kies eerst voor wie de controlebrief is.")
    scan, brief = _scan_brief(scan_id, recipients)
    return attachment(render_brief_pdf(brief), f"controlebrief-scan-{scan.id}.pdf")


def _portfolio_brief(portfolio_id: int, recipients):
    portfolio = portfolio_or_abort(portfolio_id, "brief")
    if portfolio.status != PORTFOLIO_DONE:
        abort(404)
    ids = [i for i in request.args.getlist("rij", type=bounded_int)][: MAX_LOCATIONS + 1]
    rows = portfolios.rows_by_id(portfolio, ids)
    if not rows:  # nothing ticked: back to the ranking with the reason, not an error page
        flash("Kies in het overzicht een of meer locaties voor de controlebrief.", "waarschuwing")
        abort(redirect(url_for("portfolios.show", portfolio_id=portfolio.id)))
    if len(rows) > MAX_LOCATIONS:
        raise Refused(f"Een controlebrief heeft hoogstens {MAX_LOCATIONS} locaties; kies er minder.")
    if recipients is None:
        return portfolio, rows, None
    return portfolio, rows, svc.brief_for_rows(current_user, portfolio, rows, catalogue.load(), recipients)


@bp.get("/portfolio/<int:portfolio_id>/controlebrief")
def portfolio_brief(portfolio_id: int):
    recipients = _recipients()
    portfolio, rows, brief = _portfolio_brief(portfolio_id, recipients)
    if brief is None:
        return _choose(url_for("portfolios.show", portfolio_id=portfolio.id), {"rij": [r.id for r in rows]})
    links = {
        "back": url_for("portfolios.show", portfolio_id=portfolio.id),
        "pdf": url_for(
            "controle.portfolio_brief_pdf",
            portfolio_id=portfolio.id,
            rij=[r.id for r in rows],
            ontvanger=[r.id for r in recipients],
        ),
    }
    return render_brief_html(brief, links=links)


@bp.get("/portfolio/<int:portfolio_id>/controlebrief.pdf")
def portfolio_brief_pdf(portfolio_id: int):
    recipients = _recipients()
    if recipients is None:
        raise Refused("Kies eerst voor wie de controlebrief is.")
    portfolio, _, brief = _portfolio_brief(portfolio_id, recipients)
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
