"""The scan wizard: start a scan, answer it step by step, check the summary, see the result."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from marshmallow import Schema, ValidationError, fields, validate

from app.engine.evaluator import show_answer, show_records
from app.extensions import catalogue
from app.forms.model import ANSWER_SOURCES, QUESTION_TYPES
from app.models.scan import STATUSES
from app.rules.conditions import describe, leaves, questions
from app.rules.vocabulary import LEVELS
from app.safe_input import bounded_int
from app.services import access, audit, review
from app.services import scans as svc
from app.services.catalogue import ScanChoice
from app.snapshot import load_snapshot
from app.web.errors import Refused
from app.web.form_input import display_value, field_context, parse_step
from app.web.guards import scan_or_abort

bp = Blueprint("scans", __name__, url_prefix="/scans")


class SubjectSchema(Schema):
    """The subject of a new scan, as entered on the start page."""

    scan_type = fields.String(required=True, validate=ScanChoice(error="Kies een type scan."))
    subject_name = fields.String(
        required=True, validate=validate.Length(min=2, max=200, error="Vul een naam in (2 tot 200 tekens).")
    )
    subject_address = fields.String(load_default="", validate=validate.Length(max=300, error="Hoogstens 300 tekens."))
    subject_kvk = fields.String(
        load_default="",
        validate=validate.Regexp(r"^([0-9]{8})?$", error="Een KvK-nummer heeft 8 cijfers."),
    )


def _load_scan(scan_id: int, action: str | None = None):
    """The scan if this user may see it (404 otherwise), checked for `action` (403 with a reason)."""
    scan = scan_or_abort(scan_id, action)
    return scan, catalogue.load().questionnaires[scan.scan_type]  # a type since removed: ScanTypeGone (410)


@bp.get("/")
def index():
    f = svc.ScanFilter(
        text=request.args.get("q", "").strip()[:100],
        scan_type=request.args.get("type", ""),
        status=request.args.get("status", "") if request.args.get("status") in STATUSES else "",
        level=request.args.get("level", "") if request.args.get("level") in LEVELS else "",
        page=request.args.get("page", 1, type=bounded_int) or 1,
    )
    rows, total = svc.find_scans(current_user, f)
    return render_template(
        "scans/list.html",
        scans=rows,
        total=total,
        f=f,
        statuses=STATUSES,
        levels=LEVELS,
        page_size=svc.PAGE_SIZE,
        step_no=_step_number,
    )


def _step_number(scan) -> str:
    """ "3 van 8": where a draft resumes, for the scan list ("onbekend" for a type since removed)."""
    if not catalogue.load().knows(scan.scan_type):
        return "onbekend"
    steps = [s.id for s in catalogue.load().questionnaires[scan.scan_type].steps]
    number = steps.index(scan.current_step) + 1 if scan.current_step in steps else 1
    return f"{number} van {len(steps)}"


@bp.route("/nieuw", methods=["GET", "POST"])
def new():
    reason = access.refusal(current_user, "create")
    if reason:
        raise Refused(reason)
    values = {"scan_type": request.args.get("type", ""), "subject_name": "", "subject_address": "", "subject_kvk": ""}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {k: (request.form.get(k) or "").strip() for k in values}
        try:
            data = SubjectSchema().load(values)
        except ValidationError as err:
            errors = {k: v if isinstance(v, list) else [str(v)] for k, v in err.messages.items()}
        else:
            questionnaire = catalogue.load().questionnaires[data["scan_type"]]
            subject = svc.Subject(data["subject_name"], data["subject_address"], data["subject_kvk"] or None)
            scan = svc.create_scan(questionnaire, subject, current_user)
            return redirect(url_for("scans.step", scan_id=scan.id, step_id=scan.current_step))
    status = 422 if errors else 200
    return render_template("scans/new.html", values=values, errors=errors), status


@bp.get("/<int:scan_id>")
def resume(scan_id: int):
    scan = scan_or_abort(scan_id)
    if scan.latest_result and not catalogue.load().knows(scan.scan_type):
        return redirect(url_for("scans.result", scan_id=scan.id))  # it can no longer be edited, only read
    if scan.current_step:
        return redirect(url_for("scans.step", scan_id=scan.id, step_id=scan.current_step))
    if scan.latest_result:
        return redirect(url_for("scans.result", scan_id=scan.id))
    return redirect(url_for("scans.summary", scan_id=scan.id))


@bp.route("/<int:scan_id>/stap/<step_id>", methods=["GET", "POST"])
def step(scan_id: int, step_id: str):
    scan, questionnaire = _load_scan(scan_id, "edit")
    try:
        step = svc.get_step(questionnaire, step_id)
    except svc.StepNotFound:
        abort(404)
    saved = scan.answers()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        typed, errors, raw = parse_step(step, request.form)
        kept, checked = svc.check_step(questionnaire, step, typed, saved)
        # All errors in one round: unreadable values and, for the other questions, what validation found.
        errors = errors | {qid: msgs for qid, msgs in checked.items() if qid not in errors}
        if errors and _leaving_early(request.form.get("actie")) and _only_missing(errors):
            errors = {}  # going back or elsewhere: keep what was typed; the overview lists what is still missing
        if not errors:
            target = _neighbour(questionnaire, step, request.form.get("actie"))
            svc.subject_kvk_from_step(scan, step, kept)
            lapsed = svc.save_step_noting_lapsed(questionnaire, scan, step, typed, kept, target, current_user)
            # Never silently: say which answer no longer counts, and why (the summary lists stored ones itself).
            for question in lapsed.dropped + (lapsed.elsewhere if target is not None else []):
                flash(_lapsed_message(questionnaire, question), "waarschuwing")
            if target is None:
                return redirect(url_for("scans.summary", scan_id=scan.id))
            return redirect(url_for("scans.step", scan_id=scan.id, step_id=target))
        values = raw
    else:
        values = {q.id: display_value(q, saved.get(q.id)) for q in step.questions}
        kvk = svc.kvk_question(step)
        if kvk is not None and not values[kvk.id]:
            values[kvk.id] = scan.subject_kvk or ""  # known from a register row or the API: prefilled, asked once
    index = [s.id for s in questionnaire.steps].index(step.id)
    return render_template(
        "scans/step.html",
        scan=scan,
        questionnaire=questionnaire,
        step=step,
        index=index,
        questions=_render_questions(questionnaire, step, saved),
        done_steps={s.step_id for s in scan.steps},
        **field_context(values, errors),
    ), (422 if errors else 200)


def _leaving_early(action: str | None) -> bool:
    """A move other than "Volgende stap": back, to the overview, or a jump via the step list."""
    return action in ("vorige", "overzicht") or bool(action and action.startswith("naar:"))


def _only_missing(errors: dict[str, list[str]]) -> bool:
    """True when every error is a required answer not given yet (nothing typed is unreadable)."""
    return all(messages == [svc.REQUIRED] for messages in errors.values())


def _neighbour(questionnaire, step, action: str | None) -> str | None:
    """The step to go to after saving: previous, next, or None for the summary."""
    if action == "vorige":
        ids = [s.id for s in questionnaire.steps]
        return ids[max(ids.index(step.id) - 1, 0)]
    if action == "overzicht":
        return None
    if action and action.startswith("naar:"):  # a jump via the step list: saved like any other move
        wanted = action.removeprefix("naar:")
        if wanted in {s.id for s in questionnaire.steps}:
            return wanted
    return questionnaire.step_after(step.id)


def _condition(leaf, questionnaire) -> str:
    """When to answer a conditional question, in plain Dutch: 'u bij “Overname?” kiest voor Ja'.

    The choice is named as its radio button is labelled ("Ja", "Café of bar").
    """
    question = questionnaire.question(leaf.question)
    values = leaf.value if isinstance(leaf.value, tuple | list) else (leaf.value,)
    if leaf.op in ("equals", "in") and question.type in ("ja_nee", "keuze"):
        shown = [("Ja" if v else "Nee") if isinstance(v, bool) else question.option_label(v) for v in values]
        return f"u bij “{question.label}” kiest voor {' of '.join(shown)}"
    return describe(leaf, questionnaire.label_of)


def _condition_text(questionnaire, question) -> str:
    """The show_if of a question in words: when it applies."""
    return " en ".join(_condition(leaf, questionnaire) for leaf in leaves(question.show_if))


def _lapsed_message(questionnaire, question) -> str:
    """Why an answer was dropped: "Uw antwoord op “Overnamesom” is vervallen, omdat …"."""
    step = next(s for s in questionnaire.steps if question in s.questions)
    return (
        f"Uw antwoord op “{question.label}” (stap “{step.title}”) is vervallen, omdat deze vraag alleen geldt "
        f"als {_condition_text(questionnaire, question)}. Het telt niet mee in de evaluatie."
    )


def _render_questions(questionnaire, step, saved):
    """The step's questions with their show_if state: hidden by earlier steps, or conditional in this step."""
    own = {q.id for q in step.questions}
    rendered = []
    for q in step.questions:
        condition_text = None
        if q.show_if is not None:
            refs_here = any(leaf_q in own for leaf_q in questions(q.show_if))
            if not refs_here and not q.shown(saved):
                continue  # decided by earlier steps: not applicable
            if refs_here:
                condition_text = _condition_text(questionnaire, q)
        rendered.append({"q": q, "condition": condition_text})
    return rendered


@bp.route("/<int:scan_id>/overzicht", methods=["GET", "POST"])
def summary(scan_id: int):
    scan, questionnaire = _load_scan(scan_id, "edit" if request.method == "POST" else None)
    answers = svc.effective_answers(questionnaire, scan)
    missing = questionnaire.missing_required(answers)
    if request.method == "POST" and not missing:
        svc.evaluate_scan(scan, catalogue.evaluator, current_user)
        return redirect(url_for("scans.result", scan_id=scan.id))
    return render_template(
        "scans/summary.html",
        scan=scan,
        questionnaire=questionnaire,
        answers=answers,
        missing=missing,
        shown=_shown_answers(questionnaire, answers),
        records={qid: show_records(questionnaire.question(qid), v) for qid, v in answers.items()},
        lapsed=[(q, _lapsed_message(questionnaire, q)) for q in svc.lapsed_answers(questionnaire, scan)],
        attempted=request.method == "POST",
        findings_saved=request.args.get("bevindingen") == "1",
    ), (422 if request.method == "POST" and missing else 200)


def _shown_answers(questionnaire, answers):
    return {qid: show_answer(questionnaire.question(qid), value) for qid, value in answers.items()}


@bp.get("/<int:scan_id>/resultaat")
def result(scan_id: int):
    scan = scan_or_abort(scan_id)  # renders from the stored snapshot, also for a type since removed
    stored = scan.latest_result
    if stored is None:
        return redirect(url_for("scans.summary", scan_id=scan.id))
    audit.record("result_viewed", scan.id, result_id=stored.id)
    snap = load_snapshot(stored.snapshot)
    catalogue_now = catalogue.load()
    return render_template(
        "scans/result.html",
        scan=scan,
        result=stored,
        r=snap,
        statuses=STATUSES,
        contestation=review.contestation(stored),
        judged=review.rebuttals(stored),
        can={a: access.refusal(current_user, a, scan) is None for a in ("submit", "review", "new_version", "edit")},
        groups=_group_by_category(snap["fired"]),
        answer_sources=ANSWER_SOURCES,
        outdated=stored.ruleset_version != catalogue_now.versions.get(scan.scan_type),
        current_ruleset=catalogue_now.versions.get(scan.scan_type),
        question_types=QUESTION_TYPES,
        levels=LEVELS,
    )


def _group_by_category(fired):
    groups: dict[str, dict] = {}
    for f in fired:
        group = groups.setdefault(f["category"], {"label": f["category_label"], "items": [], "points": 0})
        group["items"].append(f)
        group["points"] += f["weight"]
    return list(groups.values())
