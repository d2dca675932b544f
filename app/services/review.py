"""The review workflow: submit, review (rebut, note, amend), approve or return, and new versions.

draft → evaluated → submitted → in_review → approved (frozen) | returned → (revised, evaluated) → submitted …
Every move checks access (four eyes included), goes through the scan's state table (`Scan.move_to`)
and leaves an audit entry. The functions flush; the request that calls them commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.db import db, utcnow
from app.engine.whatif import what_if
from app.models import Rebuttal, Scan, ScanResult, ScanStep, User, Weighing, Zienswijze
from app.models.scan import (
    STATUS_APPROVED,
    STATUS_DRAFT,
    STATUS_IN_REVIEW,
    STATUS_RETURNED,
    STATUS_SUBMITTED,
)
from app.services import access, audit

MAX_TEXT = 4000
STALE = "De antwoorden zijn gewijzigd na de laatste evaluatie. Evalueer de scan opnieuw voordat hij verder gaat."


class ReviewError(ValueError):
    """The review input is not acceptable (Dutch message for the jurist)."""


def _require_current_result(scan: Scan) -> bool:
    """False when the latest result no longer belongs to the scan's answers (see `scans.result_is_current`)."""
    from app.extensions import catalogue
    from app.services.scans import result_is_current

    return result_is_current(scan, catalogue.load().questionnaires[scan.scan_type])


def submit(scan: Scan, user: User) -> None:
    access.require(user, "submit", scan)
    if not _require_current_result(scan):
        audit.record("submitted", scan.id, user=user, result="geweigerd", reason="verouderd resultaat")  # kept
        raise access.NotAllowed(STALE)
    scan.move_to(STATUS_SUBMITTED)
    scan.submitted_at = utcnow()
    audit.record("submitted", scan.id, user=user, result_id=scan.latest_result.id)
    db.session.flush()


def start_review(scan: Scan, user: User) -> None:
    access.require(user, "review", scan)
    if scan.status == STATUS_SUBMITTED:
        scan.move_to(STATUS_IN_REVIEW)
        scan.reviewer_id = user.id
        audit.record("review_started", scan.id, user=user)


def rebuttals(result: ScanResult) -> dict[str, Rebuttal]:
    rows = db.session.scalars(select(Rebuttal).where(Rebuttal.result_id == result.id))
    return {r.indicator_id: r for r in rows}


def judge_indicator(scan: Scan, user: User, indicator_id: str, rebutted: bool, reason: str, note: str) -> None:
    """Mark a fired indicator rebutted (a reason is required) or not, with an optional note."""
    start_review(scan, user)
    result = scan.latest_result
    if indicator_id not in {f["id"] for f in result.snapshot["fired"]}:
        raise ReviewError("Deze indicator is bij deze evaluatie niet geraakt.")
    reason, note = reason.strip()[:MAX_TEXT], note.strip()[:MAX_TEXT]
    if rebutted and not reason:
        raise ReviewError("Geef een reden waarom de indicator is weerlegd (bijvoorbeeld na de zienswijze).")
    row = rebuttals(result).get(indicator_id)
    was_rebutted = bool(row and row.rebutted)
    if row is None:
        row = Rebuttal(result_id=result.id, indicator_id=indicator_id, by_id=user.id)
        db.session.add(row)
    row.rebutted, row.reason, row.note, row.by_id = rebutted, reason if rebutted else "", note, user.id
    if rebutted != was_rebutted:
        audit.record(
            "indicator_rebutted" if rebutted else "indicator_restored", scan.id, user=user, indicator=indicator_id
        )
    if note:
        audit.record("indicator_noted", scan.id, user=user, indicator=indicator_id)
    db.session.flush()


def amend_advice(scan: Scan, user: User, text: str) -> None:
    start_review(scan, user)
    scan.amended_advice = text.strip()[:MAX_TEXT]
    audit.record("advice_amended", scan.id, user=user)
    db.session.flush()


@dataclass(frozen=True)
class WeighingField:
    """One part of the statutory weighing: its form name, model attribute, Dutch label and when it is required."""

    name: str
    attr: str
    label: str
    needed_for: str  # "a_grond", "b_grond" or "altijd" (every Bibob context); "advies" everywhere


WEIGHING_FIELDS: tuple[WeighingField, ...] = (
    WeighingField(
        "a_ernst", "a_seriousness", "a-grond: ernst van de feiten of het vermoeden (art. 3 lid 2)", "a_grond"
    ),
    WeighingField(
        "a_relatie", "a_relation", "a-grond: aard van de relatie tot de betrokkene (art. 3 lid 2 en 4)", "a_grond"
    ),
    WeighingField(
        "a_voordelen", "a_benefits", "a-grond: omvang van de (vermoedelijke) voordelen (art. 3 lid 2)", "a_grond"
    ),
    WeighingField(
        "b_samenhang", "b_coherence", "b-grond: samenhang van de feiten met de activiteit (art. 3 lid 3)", "b_grond"
    ),
    WeighingField("b_aantal", "b_number", "b-grond: aantal feiten (art. 3 lid 3)", "b_grond"),
    WeighingField(
        "evenredigheid", "proportionality", "Evenredigheid: belangen van de betrokkene (art. 3 lid 5)", "altijd"
    ),
    WeighingField("tijdsverloop", "time_elapsed", "Tijdsverloop sinds de feiten (art. 3 lid 5)", "altijd"),
    WeighingField("advies_bestuursorgaan", "advice", "Advies aan het bestuursorgaan, in eigen woorden", "advies"),
)


def weighing(result: ScanResult) -> Weighing | None:
    return db.session.scalar(select(Weighing).where(Weighing.result_id == result.id))


def weighing_required(result: ScanResult) -> list[WeighingField]:
    """The weighing fields this result needs: a- and b-grond parts only where such an indicator stands."""
    snapshot = result.snapshot
    if snapshot.get("advice_model", 1) < 2:
        return [f for f in WEIGHING_FIELDS if f.needed_for in ("altijd", "advies")]
    if not snapshot.get("bibob_context"):
        return [f for f in WEIGHING_FIELDS if f.needed_for == "advies"]
    rebutted = {i for i, r in rebuttals(result).items() if r.rebutted}
    grounds = {g["id"] for f in snapshot["fired"] if f["id"] not in rebutted for g in f["bibob_grounds"]}
    return [f for f in WEIGHING_FIELDS if f.needed_for in ("altijd", "advies") or f.needed_for in grounds]


def save_weighing(scan: Scan, user: User, values: dict[str, str]) -> None:
    """Store the reviewer's weighing as typed (partial input is kept; approval checks completeness)."""
    start_review(scan, user)
    result = scan.latest_result
    row = weighing(result)
    if row is None:
        row = Weighing(result_id=result.id, by_id=user.id)
        db.session.add(row)
    for f in WEIGHING_FIELDS:
        setattr(row, f.attr, (values.get(f.name) or "").strip()[:MAX_TEXT])
    row.by_id = user.id
    audit.record("weighing_saved", scan.id, user=user, result_id=result.id)
    db.session.flush()


def missing_weighing(result: ScanResult) -> list[str]:
    """Labels of the required weighing parts that are still empty."""
    row = weighing(result)
    return [f.label for f in weighing_required(result) if not (row and getattr(row, f.attr).strip())]


def record_zienswijze(scan: Scan, user: User, received_on: str, summary: str, contested: list[str]) -> None:
    """Record the betrokkene's zienswijze (art. 33): date, summary and the indicators it contests."""
    start_review(scan, user)
    result = scan.latest_result
    try:
        date = dt.date.fromisoformat(received_on.strip())
    except ValueError:
        raise ReviewError("Vul de datum van de zienswijze in als dag, maand en jaar (jjjj-mm-dd).") from None
    if date > dt.date.today():
        raise ReviewError("De datum van de zienswijze kan niet in de toekomst liggen.")
    summary = summary.strip()[:MAX_TEXT]
    if not summary:
        raise ReviewError("Vat de zienswijze samen.")
    fired = {f["id"] for f in result.snapshot["fired"]}
    unknown = [c for c in contested if c not in fired]
    if unknown:
        raise ReviewError("De zienswijze kan alleen geraakte indicatoren betwisten.")
    db.session.add(
        Zienswijze(
            result_id=result.id, received_on=date, summary=summary, contested=sorted(set(contested)), by_id=user.id
        )
    )
    audit.record("zienswijze_recorded", scan.id, user=user, result_id=result.id, contested=sorted(set(contested)))
    db.session.flush()


def zienswijzen(result: ScanResult) -> list[dict[str, Any]]:
    """Every recorded zienswijze, oldest first, each with its effect: the result without what it contests."""
    rows = db.session.scalars(select(Zienswijze).where(Zienswijze.result_id == result.id).order_by(Zienswijze.id))
    return [
        {
            "received_on": z.received_on,
            "summary": z.summary,
            "contested": list(z.contested),
            "effect": what_if(result.snapshot, set(z.contested)) if z.contested else None,
        }
        for z in rows
    ]


def approve(scan: Scan, user: User, remarks: str) -> None:
    """Vaststellen: only with the statutory weighing recorded; the scan and its report are frozen from now on."""
    if not _require_current_result(scan):
        raise ReviewError(STALE)
    start_review(scan, user)
    missing = missing_weighing(scan.latest_result)
    if missing:
        raise ReviewError("Vaststellen kan pas als de weging is vastgelegd. Vul nog in: " + "; ".join(missing) + ".")
    scan.move_to(STATUS_APPROVED)
    scan.reviewer_id = user.id
    scan.review_remarks = remarks.strip()[:MAX_TEXT]
    scan.decided_at = utcnow()
    audit.record("approved", scan.id, user=user, result_id=scan.latest_result.id)
    db.session.flush()


def return_scan(scan: Scan, user: User, remarks: str) -> None:
    """Terugsturen with remarks; the gemeente revises and resubmits."""
    if not remarks.strip():
        raise ReviewError("Geef bij terugsturen aan wat de gemeente moet aanpassen.")
    start_review(scan, user)
    scan.move_to(STATUS_RETURNED)
    scan.reviewer_id = user.id
    scan.review_remarks = remarks.strip()[:MAX_TEXT]
    scan.decided_at = utcnow()
    audit.record("returned", scan.id, user=user)
    db.session.flush()


def new_version(scan: Scan, user: User) -> Scan:
    """A new draft scan with the answers of an approved one; the approved scan stays as it was."""
    access.require(user, "new_version", scan)
    copy = Scan(
        scan_type=scan.scan_type,
        status=STATUS_DRAFT.value,
        subject_name=scan.subject_name,
        subject_address=scan.subject_address,
        subject_kvk=scan.subject_kvk,
        created_by=user.name,
        author_id=user.id,
        organisation_id=scan.organisation_id,
        questionnaire_version=scan.questionnaire_version,
        version_no=scan.version_no + 1,
        parent_id=scan.id,
        current_step=None,
    )
    db.session.add(copy)
    db.session.flush()
    for step in scan.steps:
        db.session.add(ScanStep(scan_id=copy.id, step_id=step.step_id, answers=dict(step.answers)))
    audit.record("new_version", copy.id, user=user, parent_id=scan.id)
    db.session.flush()
    return copy


def contestation(result: ScanResult) -> dict[str, Any] | None:
    """Side by side: the result as evaluated and without the rebutted indicators (None if none rebutted)."""
    rebutted = {i for i, r in rebuttals(result).items() if r.rebutted}
    return what_if(result.snapshot, rebutted) if rebutted else None


def save_typed(scan: Scan, user: User, judgements: dict[str, dict[str, Any]], advice: str, remarks: str) -> dict:
    """Save everything the jurist typed on the review page, whichever button was pressed.

    `judgements` maps indicator id to {"rebutted", "reason", "note"}. Only what changed is saved
    (each with its audit entry). Returns {indicator id: Dutch message} for judgements that could
    not be saved; everything else is saved regardless, so no typed text is lost.
    """
    stored = rebuttals(scan.latest_result)
    problems: dict[str, str] = {}
    for indicator_id, typed in judgements.items():
        row = stored.get(indicator_id)
        before = (bool(row and row.rebutted), row.reason if row else "", row.note if row else "")
        now = (typed["rebutted"], typed["reason"].strip(), typed["note"].strip())
        if now == before or (not row and now == (False, "", "")):
            continue
        try:
            judge_indicator(scan, user, indicator_id, *now)
        except ReviewError as err:
            problems[indicator_id] = str(err)
    if advice.strip()[:MAX_TEXT] != (scan.amended_advice or ""):
        amend_advice(scan, user, advice)
    if remarks.strip()[:MAX_TEXT] != (scan.review_remarks or ""):
        start_review(scan, user)
        scan.review_remarks = remarks.strip()[:MAX_TEXT]  # a draft until "Vaststellen" or "Terugsturen"
    return problems
