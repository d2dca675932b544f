"""Review by an RIEC jurist: the queue, the review page, and the moves of the workflow."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.db import db
from app.models import Scan
from app.models.scan import STATUS_IN_REVIEW, STATUS_SUBMITTED, STATUSES
from app.rules.vocabulary import LEVELS
from app.services import access, review
from app.web.errors import Refused
from app.web.guards import scan_or_abort

bp = Blueprint("review", __name__)


@bp.get("/beoordeling")
def queue():
    if current_user.role not in ("jurist", "tov_adviser"):
        raise Refused("Alleen het RIEC ziet de beoordelingswachtrij.")
    query = access.visible_scans(current_user).where(Scan.status.in_((STATUS_SUBMITTED, STATUS_IN_REVIEW)))
    scans = list(db.session.scalars(query.order_by(Scan.submitted_at)))
    return render_template("review/queue.html", scans=scans, statuses=STATUSES, levels=LEVELS)


@bp.route("/scans/<int:scan_id>/beoordeling", methods=["GET", "POST"])
def page(scan_id: int):
    """The review page is one form: every button first saves every typed judgement, note, advice and remark."""
    scan = scan_or_abort(scan_id, "review")
    result = scan.latest_result
    fired = [f["id"] for f in result.snapshot["fired"]]
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        typed = _typed(fired, request.form)
        action = request.form.get("actie", "opslaan")
        problems = review.save_typed(scan, current_user, typed["judgements"], typed["advice"], typed["remarks"])
        errors = {f"reden-{i}": [f"{i}: {m}"] for i, m in problems.items()}
        if any(f.name in request.form for f in review.WEIGHING_FIELDS):
            review.save_weighing(scan, current_user, typed["weighing"])
        if not errors and action == "vaststellen" and review.missing_weighing(result):
            missing = "; ".join(review.missing_weighing(result))
            errors["weging"] = [f"Vaststellen kan pas als de weging is vastgelegd. Vul nog in: {missing}."]
        if not errors and action == "terugsturen":
            try:
                review.return_scan(scan, current_user, typed["remarks"])
            except review.ReviewError as err:
                errors["opmerkingen"] = [str(err)]
            else:
                flash("De scan is teruggestuurd naar de gemeente, met uw opmerkingen.", "ok")
                return redirect(url_for("scans.result", scan_id=scan.id))
        if not errors and action == "vaststellen":
            return redirect(url_for("review.confirm", scan_id=scan.id))
        if not errors:
            flash("Uw beoordeling is opgeslagen.", "ok")
            anchor = f"#ind-{action.removeprefix('indicator:')}" if action.startswith("indicator:") else ""
            return redirect(url_for("review.page", scan_id=scan.id) + anchor)
        values = typed
    else:
        values = _stored(scan, review.rebuttals(result))
    return render_template(
        "review/review.html",
        scan=scan,
        result=result,
        r=result.snapshot,
        judged=review.rebuttals(result),
        contestation=review.contestation(result),
        statuses=STATUSES,
        v=values,
        errors=errors,
        labels={},
        weighing=review.weighing(result),
        weighing_fields=review.WEIGHING_FIELDS,
        weighing_required=review.weighing_required(result),
        zienswijzen=review.zienswijzen(result),
        can_record_zienswijze=scan.status in (STATUS_SUBMITTED, STATUS_IN_REVIEW),
    ), (422 if errors else 200)


def _typed(fired: list[str], form) -> dict:
    """What the jurist typed on the review page, per fired indicator plus advice and remarks."""
    return {
        "judgements": {
            i: {
                "rebutted": form.get(f"weerlegd-{i}") == "ja",
                "reason": form.get(f"reden-{i}", ""),
                "note": form.get(f"notitie-{i}", ""),
            }
            for i in fired
        },
        "advice": form.get("advies", ""),
        "remarks": form.get("opmerkingen", ""),
        "weighing": {f.name: form.get(f.name, "") for f in review.WEIGHING_FIELDS},
    }


def _stored(scan: Scan, judged: dict) -> dict:
    """The review page's values as saved."""
    return {
        "judgements": {
            i: {"rebutted": j.rebutted, "reason": j.reason or "", "note": j.note or ""} for i, j in judged.items()
        },
        "advice": scan.amended_advice or "",
        "remarks": scan.review_remarks or "",
        "weighing": _stored_weighing(scan),
    }


def _stored_weighing(scan: Scan) -> dict[str, str]:
    row = review.weighing(scan.latest_result)
    return {f.name: getattr(row, f.attr) if row else "" for f in review.WEIGHING_FIELDS}


@bp.get("/scans/<int:scan_id>/beoordeling/vaststellen")
def confirm(scan_id: int):
    """The confirm step before the irreversible "Vaststellen"."""
    scan = scan_or_abort(scan_id, "review")
    return render_template(
        "review/confirm.html",
        scan=scan,
        r=scan.latest_result.snapshot,
        contestation=review.contestation(scan.latest_result),
        judged=review.rebuttals(scan.latest_result),
    )


@bp.post("/scans/<int:scan_id>/beoordeling/weging")
def weigh(scan_id: int):
    scan = scan_or_abort(scan_id, "review")
    review.save_weighing(scan, current_user, {f.name: request.form.get(f.name, "") for f in review.WEIGHING_FIELDS})
    flash("De weging is opgeslagen.", "ok")
    return redirect(url_for("review.page", scan_id=scan.id) + "#h-weging")


@bp.post("/scans/<int:scan_id>/beoordeling/zienswijze")
def zienswijze(scan_id: int):
    scan = scan_or_abort(scan_id, "review")
    try:
        review.record_zienswijze(
            scan,
            current_user,
            request.form.get("datum", ""),
            request.form.get("samenvatting", ""),
            request.form.getlist("betwist"),
        )
    except review.ReviewError as err:
        flash(str(err), "fout")
    return redirect(url_for("review.page", scan_id=scan.id) + "#h-zienswijze")


@bp.post("/scans/<int:scan_id>/beoordeling/indicator/<indicator_id>")
def judge(scan_id: int, indicator_id: str):
    scan = scan_or_abort(scan_id, "review")
    try:
        review.judge_indicator(
            scan,
            current_user,
            indicator_id,
            request.form.get("weerlegd") == "ja",
            request.form.get("reden", ""),
            request.form.get("notitie", ""),
        )
    except review.ReviewError as err:
        flash(str(err), "fout")
    return redirect(url_for("review.page", scan_id=scan.id) + f"#ind-{indicator_id}")


@bp.post("/scans/<int:scan_id>/beoordeling/advies")
def amend(scan_id: int):
    scan = scan_or_abort(scan_id, "review")
    review.amend_advice(scan, current_user, request.form.get("advies", ""))
    return redirect(url_for("review.page", scan_id=scan.id))


@bp.post("/scans/<int:scan_id>/beoordeling/besluit")
def decide(scan_id: int):
    scan = scan_or_abort(scan_id, "review")
    remarks = request.form.get("opmerkingen", "")
    try:
        if request.form.get("besluit") == "vaststellen":
            review.approve(scan, current_user, remarks)
        elif request.form.get("besluit") == "terugsturen":
            review.return_scan(scan, current_user, remarks)
        else:
            abort(400)
    except review.ReviewError as err:
        flash(str(err), "fout")
        return redirect(url_for("review.page", scan_id=scan.id))
    if request.form.get("besluit") == "vaststellen":
        flash("De scan is vastgesteld. Scan en rapport zijn nu bevroren.", "ok")
    else:
        flash("De scan is teruggestuurd naar de gemeente, met uw opmerkingen.", "ok")
    return redirect(url_for("scans.result", scan_id=scan.id))


@bp.post("/scans/<int:scan_id>/indienen")
def submit(scan_id: int):
    scan = scan_or_abort(scan_id, "submit")
    review.submit(scan, current_user)
    flash("Ingediend voor beoordeling. Een jurist van het RIEC ziet de scan nu in de wachtrij.", "ok")
    return redirect(url_for("scans.result", scan_id=scan.id))


@bp.post("/scans/<int:scan_id>/nieuwe-versie")
def new_version(scan_id: int):
    scan = scan_or_abort(scan_id, "new_version")
    copy = review.new_version(scan, current_user)
    return redirect(url_for("scans.summary", scan_id=copy.id))
