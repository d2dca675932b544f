"""Bibob dossiers: the list, one dossier with its deadlines and timeline, letters, zienswijze, decision, figures.

Thin views: parse the form with a marshmallow schema, call one service, redirect (the request commits).
A dossier of another gemeente answers 404 on every URL (`dossier_or_abort`).
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from marshmallow import Schema, ValidationError, fields, validate

from app import transaction
from app.db import db
from app.dossier import deadlines as dl
from app.dossier.vocabulary import (
    DECISION_CONTEXTS,
    DECISIONS,
    EVENTS,
    GROUNDS,
    LBB_CONCLUSIONS,
    LETTERS,
    MANUAL_EVENTS,
    PERSON_ROLES,
)
from app.models import Dossier, User
from app.models.dossier import DOSSIER_OPEN, DOSSIER_STATUSES
from app.models.scan import STATUSES
from app.rules.vocabulary import CONTEXTS
from app.services import access, audit, review
from app.services import dossier_figures as figures_svc
from app.services import dossiers as svc
from app.services.exports import csv_bytes, xlsx_bytes
from app.web.errors import Refused
from app.web.files import attachment
from app.web.guards import dossier_or_abort

bp = Blueprint("dossiers", __name__, url_prefix="/dossiers")

DATE_ERROR = "Vul een datum in als jjjj-mm-dd."


class DossierSchema(Schema):
    """A new dossier as entered on the form."""

    context = fields.String(required=True, validate=validate.OneOf(list(CONTEXTS), error="Kies het besluit."))
    reference = fields.String(load_default="", validate=validate.Length(max=60, error="Hoogstens 60 tekens."))
    decision_subject = fields.String(load_default="", validate=validate.Length(max=200, error="Hoogstens 200 tekens."))
    branch = fields.String(load_default="", validate=validate.Length(max=80, error="Hoogstens 80 tekens."))
    applicant_name = fields.String(
        required=True, validate=validate.Length(min=2, max=200, error="Vul de naam van de aanvrager in (2 tot 200).")
    )
    applicant_address = fields.String(load_default="", validate=validate.Length(max=300, error="Hoogstens 300."))
    applicant_kvk = fields.String(
        load_default="", validate=validate.Regexp(r"^([0-9]{8})?$", error="Een KvK-nummer heeft 8 cijfers.")
    )
    received_on = fields.Date(load_default=None, allow_none=True, error_messages={"invalid": DATE_ERROR})
    shared_with_riec = fields.Boolean(load_default=False)


class EventSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(list(MANUAL_EVENTS), error="Kies een gebeurtenis."))
    on = fields.Date(required=True, error_messages={"invalid": DATE_ERROR, "required": DATE_ERROR})
    conclusion = fields.String(load_default="")
    weeks = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, 4, error="1 tot 4 weken."))
    text = fields.String(load_default="", validate=validate.Length(max=4000))


class LetterSchema(Schema):
    on = fields.Date(load_default=None, allow_none=True, error_messages={"invalid": DATE_ERROR})
    days = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(1, 120, error="Een termijn van 1 tot 120 dagen.")
    )
    missing = fields.String(load_default="", validate=validate.Length(max=4000))


class ZienswijzeSchema(Schema):
    received_on = fields.Date(required=True, error_messages={"invalid": DATE_ERROR, "required": DATE_ERROR})
    summary = fields.String(required=True, validate=validate.Length(min=1, max=4000, error="Vat de zienswijze samen."))
    contested = fields.List(fields.String(), load_default=list)


class DecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(list(DECISIONS), error="Kies het besluit."))
    ground = fields.String(required=True, validate=validate.OneOf(list(GROUNDS), error="Kies de grond."))
    decided_on = fields.Date(required=True, error_messages={"invalid": DATE_ERROR, "required": DATE_ERROR})
    decided_by = fields.String(
        required=True, validate=validate.Length(min=2, max=120, error="Vul in wie besloot (bijv. de burgemeester).")
    )
    summary = fields.String(load_default="", validate=validate.Length(max=4000))


def _form(schema: Schema, lists: tuple[str, ...] = ()) -> dict:
    """The posted form through a schema: empty fields are left out so defaults apply."""
    raw = {k: v.strip() for k, v in request.form.items() if k not in lists and k != "csrf_token" and v.strip()}
    raw |= {k: request.form.getlist(k) for k in lists}
    return schema.load(raw)


def _errors(err: ValidationError) -> str:
    messages = []
    for value in err.messages.values():
        messages += value if isinstance(value, list) else [str(value)]
    return " ".join(str(m) for m in messages)


@bp.app_context_processor
def start_page_helpers() -> dict:
    """`start_deadlines()` for the start page include (computed only when a template calls it)."""

    def start_deadlines() -> dict:
        return {
            "rows": svc.open_deadlines(current_user, own_only=True),
            "reminders": svc.reminders_for(current_user),
            "labels": dl.LABELS,
            "statuses": dl.STATUS_LABELS,
        }

    return {"start_deadlines": start_deadlines}


@bp.get("/")
def index():
    reason = access.dossier_refusal(current_user, "create")
    if reason:
        raise Refused(reason)
    rows = list(db.session.scalars(access.visible_dossiers(current_user).order_by(Dossier.id.desc())))
    status = request.args.get("status", "")
    if status in DOSSIER_STATUSES:
        rows = [d for d in rows if d.status == status]
    overview = [(d, svc.deadlines(d)) for d in rows]
    wanted = request.args.get("termijn", "")
    if wanted in dl.STATUS_LABELS:
        overview = [(d, ts) for d, ts in overview if any(t.status == wanted for t in ts)]
    return render_template(
        "dossiers/list.html",
        overview=overview,
        contexts=CONTEXTS,
        statuses=DOSSIER_STATUSES,
        status=status,
        wanted=wanted,
        deadline_statuses=dl.STATUS_LABELS,
    )


@bp.route("/nieuw", methods=["GET", "POST"])
def new():
    reason = access.dossier_refusal(current_user, "create")
    if reason:
        raise Refused(reason)
    errors = ""
    if request.method == "POST":
        try:
            values = _form(DossierSchema())
            if values.get("received_on") and values["received_on"] > dt.date.today():
                raise ValidationError({"received_on": ["De aanvraag kan niet in de toekomst zijn ontvangen."]})
        except ValidationError as err:
            errors = _errors(err)
        else:
            values["applicant_kvk"] = values.get("applicant_kvk") or None
            dossier = svc.create(current_user, values)
            return redirect(url_for("dossiers.show", dossier_id=dossier.id))
    return render_template("dossiers/new.html", contexts=CONTEXTS, errors=errors, form=request.form), (
        400 if errors else 200
    )


@bp.get("/<int:dossier_id>")
def show(dossier_id: int):
    dossier = dossier_or_abort(dossier_id)
    scans = svc.linked_scans(dossier)
    scan = svc.current_scan(dossier)
    result = scan.latest_result if scan else None
    audit.record("dossier_viewed", user=current_user, dossier_id=dossier.id)
    users = {
        u.id: u.name for u in db.session.scalars(db.select(User).where(User.organisation_id == dossier.organisation_id))
    }
    return render_template(
        "dossiers/show.html",
        d=dossier,
        deadlines=[(t, svc.deadline_basis(t)) for t in svc.deadlines(dossier)],
        timeline=svc.events(dossier),
        scans=scans,
        scan=scan,
        result=result,
        r=result.snapshot if result else None,
        zienswijzen=review.zienswijzen(result) if result else [],
        users=users,
        contexts=CONTEXTS,
        events=EVENTS,
        manual_events={k: EVENTS[k] for k in MANUAL_EVENTS},
        lbb_conclusions=LBB_CONCLUSIONS,
        letters=LETTERS,
        decisions={k: v for k, v in DECISIONS.items() if dossier.context in DECISION_CONTEXTS[k]},
        grounds=GROUNDS,
        roles=PERSON_ROLES,
        scan_statuses=STATUSES,
        statuses=DOSSIER_STATUSES,
        frozen=svc.decision_frozen_state(dossier),
        register_allowed=access.dossier_refusal(current_user, "register", dossier) is None,
        can_edit=dossier.status == DOSSIER_OPEN,
        default_days={"vragenlijst": svc.settings().questionnaire_days, "zienswijze": svc.settings().zienswijze_days},
    )


def _back(dossier: Dossier, anchor: str = ""):
    return redirect(url_for("dossiers.show", dossier_id=dossier.id) + (f"#{anchor}" if anchor else ""))


def _run(dossier: Dossier, anchor: str, action, *args) -> object:
    """Call a service (the request commits it); on its Dutch refusal, undo it and show the message."""
    try:
        action(*args)
    except svc.DossierError as err:
        transaction.rollback()  # nothing of the refused action stays (refusals it recorded do)
        flash(str(err), "fout")
    return _back(dossier, anchor)


@bp.post("/<int:dossier_id>/betrokkenen")
def add_person(dossier_id: int):
    dossier = dossier_or_abort(dossier_id, "edit")
    form = request.form
    kvk = (form.get("kvk") or "").strip()
    if kvk and not (kvk.isdigit() and len(kvk) == 8):
        flash("Een KvK-nummer heeft 8 cijfers.", "fout")
        return _back(dossier, "h-betrokkenen")
    return _run(
        dossier, "h-betrokkenen", svc.add_person, dossier, current_user, form.get("name", ""), form.get("role", ""), kvk
    )


@bp.post("/<int:dossier_id>/scans")
def link_scan(dossier_id: int):
    dossier = dossier_or_abort(dossier_id, "edit")
    scan_id = request.form.get("scan_id", type=int)
    if not scan_id:
        flash("Vul het nummer van de scan in.", "fout")
        return _back(dossier, "h-scans")
    return _run(dossier, "h-scans", svc.link_scan, dossier, current_user, scan_id)


@bp.post("/<int:dossier_id>/gebeurtenis")
def record_event(dossier_id: int):
    dossier = dossier_or_abort(dossier_id, "edit")
    try:
        values = _form(EventSchema())
    except ValidationError as err:
        flash(_errors(err), "fout")
        return _back(dossier, "h-tijdlijn")
    kind, on = values.pop("kind"), values.pop("on")
    return _run(dossier, "h-tijdlijn", svc.record_event, dossier, current_user, kind, on, values)


@bp.post("/<int:dossier_id>/brieven/<kind>")
def make_letter(dossier_id: int, kind: str):
    if kind not in LETTERS:
        abort(404)
    dossier = dossier_or_abort(dossier_id, "view" if kind == "besluit" else "edit")
    try:
        values = _form(LetterSchema())
    except ValidationError as err:
        flash(_errors(err), "fout")
        return _back(dossier, "h-brieven")
    return _run(dossier, "h-brieven", svc.make_letter, dossier, current_user, kind, values)


@bp.get("/<int:dossier_id>/brieven/<int:letter_id>.<fmt>")
def letter(dossier_id: int, letter_id: int, fmt: str):
    dossier = dossier_or_abort(dossier_id)
    try:
        row, data = svc.download_letter(dossier, current_user, letter_id, fmt)
    except access.DossierNotFound:
        abort(404)
    return attachment(data, f"dossier-{dossier.id}-{row.kind}-{row.id}.{fmt}")


@bp.post("/<int:dossier_id>/zienswijze")
def zienswijze(dossier_id: int):
    dossier = dossier_or_abort(dossier_id, "edit")
    try:
        values = _form(ZienswijzeSchema(), lists=("contested",))
    except ValidationError as err:
        flash(_errors(err), "fout")
        return _back(dossier, "h-zienswijze")
    return _run(
        dossier,
        "h-zienswijze",
        svc.record_zienswijze,
        dossier,
        current_user,
        values["received_on"],
        values["summary"],
        values["contested"],
    )


@bp.post("/<int:dossier_id>/besluit")
def decide(dossier_id: int):
    dossier = dossier_or_abort(dossier_id, "decide")
    try:
        values = _form(DecisionSchema())
    except ValidationError as err:
        flash(_errors(err), "fout")
        return _back(dossier, "h-besluit")
    return _run(dossier, "h-besluit", svc.decide, dossier, current_user, values)


@bp.get("/<int:dossier_id>/bibob-register.<fmt>")
def register(dossier_id: int, fmt: str):
    if fmt not in ("json", "csv"):
        abort(404)
    dossier = dossier_or_abort(dossier_id, "register")
    data = svc.register_export(dossier, current_user, fmt)
    return attachment(data, f"bibob-register-dossier-{dossier.id}.{fmt}")


@bp.get("/cijfers")
def figures():
    reason = access.dossier_refusal(current_user, "figures")
    if reason:
        raise Refused(reason)
    return render_template("dossiers/figures.html", f=figures_svc.figures(current_user))


@bp.get("/cijfers.<fmt>")
def figures_export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    reason = access.dossier_refusal(current_user, "figures")
    if reason:
        raise Refused(reason)
    header, rows = figures_svc.table(figures_svc.figures(current_user))
    audit.record("dossier_figures_exported", user=current_user, format=fmt)
    data = csv_bytes(header, rows) if fmt == "csv" else xlsx_bytes(header, rows, "Stuurinformatie")
    return attachment(data, f"stuurinformatie-bibob.{fmt}")
