"""Portfolio scans: upload a register, follow its progress, read the ranked overview, export, open a row as scan."""

from __future__ import annotations

import re
import unicodedata

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user
from marshmallow import Schema, ValidationError, fields, validate

from app.db import db
from app.extensions import catalogue
from app.forms.model import QUESTION_TYPES
from app.models import PortfolioRow
from app.models.portfolio import PORTFOLIO_DONE, PORTFOLIO_FAILED, PORTFOLIO_STATUSES
from app.paths import EXAMPLES_DIR
from app.portfolio.columns import columns_for, refused_columns
from app.portfolio.reader import MAX_ROWS, RegisterRefused
from app.rules.vocabulary import LEVELS
from app.safe_input import bounded_int
from app.services import access, audit, portfolio_privacy
from app.services import portfolios as svc
from app.services.catalogue import ScanChoice
from app.web.errors import Refused
from app.web.files import attachment
from app.web.guards import portfolio_or_abort

bp = Blueprint("portfolios", __name__, url_prefix="/portfolio")

FORMATS = ("csv", "xlsx")
UPLOAD_SUFFIXES = (".csv", ".xlsx")


class UploadSchema(Schema):
    """The fields of the upload form beside the file."""

    scan_type = fields.String(required=True, validate=ScanChoice(error="Kies een type scan."))
    name = fields.String(
        required=True, validate=validate.Length(min=2, max=200, error="Geef het portfolio een naam (2 tot 200 tekens).")
    )


@bp.get("/")
def index():
    may_upload = access.portfolio_refusal(current_user, "upload") is None
    return render_template(
        "portfolio/index.html",
        portfolios=svc.list_portfolios(current_user),
        may_upload=may_upload,
        statuses=PORTFOLIO_STATUSES,
    )


@bp.route("/nieuw", methods=["GET", "POST"])
def upload():
    if reason := access.portfolio_refusal(current_user, "upload"):
        raise Refused(reason)
    values = {"scan_type": request.args.get("type", catalogue.scans.default), "name": ""}
    errors: dict[str, list[str]] = {}
    refused: list[str] = []
    if request.method == "POST":
        values = {k: (request.form.get(k) or "").strip() for k in values}
        upload = request.files.get("bestand")
        try:
            data = UploadSchema().load(values)
        except ValidationError as err:
            errors = {k: v if isinstance(v, list) else [str(v)] for k, v in err.messages.items()}
        if not upload or not upload.filename:
            errors["bestand"] = ["Kies een CSV- of XLSX-bestand."]
        elif not upload.filename.lower().endswith(UPLOAD_SUFFIXES):
            errors["bestand"] = ["Alleen CSV- of XLSX-bestanden (.csv, .xlsx)."]
        if not errors:
            try:
                portfolio, _ = svc.start(
                    current_user, catalogue.evaluator, data["scan_type"], data["name"], upload.filename, upload.read()
                )
            except RegisterRefused as err:
                refused = err.messages
            else:
                db.session.commit()  # stored before its job starts: the job has a session of its own
                svc.submit(portfolio)
                return redirect(url_for("portfolios.show", portfolio_id=portfolio.id))
    status = 422 if errors or refused else 200
    return render_template(
        "portfolio/upload.html", values=values, errors=errors, refused=refused, max_rows=MAX_ROWS
    ), status


def _filter() -> svc.RowFilter:
    return svc.RowFilter(
        level=request.args.get("niveau", "") if request.args.get("niveau") in LEVELS else "",
        indicator=request.args.get("indicator", "").strip().upper()[:16],
        text=request.args.get("q", "").strip()[:100],
        incomplete=request.args.get("onvolledig") == "1",
        page=request.args.get("page", 1, type=bounded_int) or 1,
    )


@bp.get("/<int:portfolio_id>")
def show(portfolio_id: int):
    portfolio = portfolio_or_abort(portfolio_id)
    if portfolio.status != PORTFOLIO_DONE:
        return render_template("portfolio/progress.html", p=portfolio, failed=portfolio.status == PORTFOLIO_FAILED)
    f = _filter()
    rows, total = svc.find_rows(portfolio, f)
    cat = catalogue.load()
    titles = {r.id: r.title for r in cat.rules_for(portfolio.scan_type)}
    audit.record("portfolio_viewed", None, portfolio=portfolio.id)
    # A register of a type since removed from the catalogue still shows as stored (ids instead of titles).
    questionnaire = cat.questionnaires.get(portfolio.scan_type)
    return render_template(
        "portfolio/show.html",
        p=portfolio,
        rows=rows,
        total=total,
        f=f,
        page_size=svc.PAGE_SIZE,
        charts=svc.charts(portfolio, titles, f),
        titles=titles,
        levels=LEVELS,
        may_edit=access.portfolio_refusal(current_user, "open_scan", portfolio) is None,
        questions=questionnaire.questions if questionnaire else {},
        held_refused=portfolio_privacy.held_refused_columns(portfolio, questionnaire) if questionnaire else [],
        refused_reason=refused_columns(questionnaire).reason if questionnaire else "",
        type_gone=questionnaire is None,
    )


@bp.get("/<int:portfolio_id>/fouten")
def errors(portfolio_id: int):
    portfolio = portfolio_or_abort(portfolio_id)
    return render_template("portfolio/errors.html", p=portfolio)


@bp.get("/<int:portfolio_id>/export.<fmt>")
def export(portfolio_id: int, fmt: str):
    if fmt not in FORMATS:
        abort(404)
    portfolio = portfolio_or_abort(portfolio_id, "export")
    if portfolio.status != PORTFOLIO_DONE:
        abort(404)
    questionnaire = catalogue.load().questionnaires[portfolio.scan_type]
    data = svc.export(portfolio, questionnaire, _filter(), fmt, current_user)
    return attachment(data, f"{_file_stem(portfolio)}.{fmt}")


def _file_stem(portfolio) -> str:
    """A file name that says what it is: portfolio-2-horeca-voorbeeldstad-rangschikking (ASCII, no spaces)."""
    words = re.sub(
        r"[^a-z0-9]+", "-", unicodedata.normalize("NFKD", portfolio.name).encode("ascii", "ignore").decode().lower()
    )
    return f"portfolio-{portfolio.id}-{words.strip('-')[:60] or 'register'}-rangschikking"


@bp.post("/<int:portfolio_id>/rij/<int:row_id>/scan")
def open_scan(portfolio_id: int, row_id: int):
    portfolio = portfolio_or_abort(portfolio_id, "open_scan")
    row = db.session.get(PortfolioRow, row_id)
    if row is None or row.portfolio_id != portfolio.id:
        abort(404)
    questionnaire = catalogue.load().questionnaires[portfolio.scan_type]
    scan = svc.open_as_scan(current_user, portfolio, row, questionnaire)
    return redirect(url_for("scans.resume", scan_id=scan.id))


@bp.post("/<int:portfolio_id>/delen")
def share(portfolio_id: int):
    portfolio = portfolio_or_abort(portfolio_id, "share")
    svc.set_shared(current_user, portfolio, request.form.get("gedeeld") == "1")
    return redirect(url_for("portfolios.show", portfolio_id=portfolio.id))


@bp.post("/<int:portfolio_id>/opschonen")
def purge(portfolio_id: int):
    """Remove the columns a register may not hold (stored before they were refused) and rank again."""
    portfolio = portfolio_or_abort(portfolio_id, "delete")
    if portfolio.status != PORTFOLIO_DONE:
        abort(404)
    portfolio_privacy.purge(current_user, portfolio, catalogue.evaluator)
    return redirect(url_for("portfolios.show", portfolio_id=portfolio.id))


@bp.post("/<int:portfolio_id>/verwijderen")
def remove(portfolio_id: int):
    portfolio = portfolio_or_abort(portfolio_id, "delete")
    svc.remove(current_user, portfolio)
    return redirect(url_for("portfolios.index"))


def _questionnaire_or_404(scan_type: str):
    if scan_type not in catalogue.scans:
        abort(404)
    return catalogue.load().questionnaires[scan_type]


@bp.get("/kolommen/<scan_type>")
def columns(scan_type: str):
    """The documented column format of one scan's register."""
    questionnaire = _questionnaire_or_404(scan_type)
    return render_template(
        "portfolio/columns.html",
        scan_type=scan_type,
        columns=columns_for(questionnaire),
        refused=refused_columns(questionnaire),
        question_types=QUESTION_TYPES,
        max_rows=MAX_ROWS,
        has_example=(EXAMPLES_DIR / f"{scan_type}-register.csv").is_file(),
    )


@bp.get("/sjabloon/<scan_type>.<fmt>")
def template(scan_type: str, fmt: str):
    """An empty register with the right header (XLSX: with a sheet that explains every column)."""
    if fmt not in FORMATS:
        abort(404)
    questionnaire = _questionnaire_or_404(scan_type)
    return attachment(svc.template(questionnaire, fmt), f"sjabloon-{scan_type}.{fmt}")


@bp.get("/voorbeeld/<scan_type>.csv")
def example(scan_type: str):
    """A small fictional register that loads without faults (to try the upload)."""
    _questionnaire_or_404(scan_type)
    path = EXAMPLES_DIR / f"{scan_type}-register.csv"
    if not path.is_file():
        abort(404)
    return attachment(path.read_bytes(), path.name)
