"""The review workflow: submit, review (rebut, note, amend), approve or return, and new versions.

draft → evaluated → submitted → in_review → approved (frozen) | returned → (revised, evaluated) → submitted …
Every move checks access (four eyes included) and leaves an audit entry.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.db import db, utcnow
from app.engine.whatif import what_if
from app.models import Rebuttal, Scan, ScanResult, ScanStep, User
from app.models.scan import (
    STATUS_APPROVED,
    STATUS_DRAFT,
    STATUS_IN_REVIEW,
    STATUS_RETURNED,
    STATUS_SUBMITTED,
)
from app.services import access, audit

MAX_TEXT = 4000


class ReviewError(ValueError):
    """The review input is not acceptable (Dutch message for the jurist)."""


def submit(scan: Scan, user: User) -> None:
    access.require(user, "submit", scan)
    scan.status = STATUS_SUBMITTED
    scan.submitted_at = utcnow()
    audit.record("submitted", scan.id, user=user, result_id=scan.latest_result.id)
    db.session.commit()


def start_review(scan: Scan, user: User) -> None:
    access.require(user, "review", scan)
    if scan.status == STATUS_SUBMITTED:
        scan.status = STATUS_IN_REVIEW
        scan.reviewer_id = user.id
        audit.record("review_started", scan.id, user=user)
        db.session.commit()


def rebuttals(result: ScanResult) -> dict[str, Rebuttal]:
    rows = db.session.scalars(select(Rebuttal).where(Rebuttal.result_id == result.id))
    return {r.indicator_id: r for r in rows}


def judge_indicator(scan: Scan, user: User, indicator_id: str, rebutted: bool, reason: str, note: str) -> None:
    """Mark a fired indicator rebutted (a reason is required) or not, with an optional note."""
    start_review(scan, user)
    result = scan.latest_result
    if indicator_id not in {f["id"] for f in result.snapshot["fired"]}:
        raise ReviewError("Deze indicator is bij deze evaluatie niet afgegaan.")
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
    db.session.commit()


def amend_advice(scan: Scan, user: User, text: str) -> None:
    start_review(scan, user)
    scan.amended_advice = text.strip()[:MAX_TEXT]
    audit.record("advice_amended", scan.id, user=user)
    db.session.commit()


def approve(scan: Scan, user: User, remarks: str) -> None:
    """Vaststellen: the scan and its report are frozen from now on."""
    start_review(scan, user)
    scan.status = STATUS_APPROVED
    scan.reviewer_id = user.id
    scan.review_remarks = remarks.strip()[:MAX_TEXT]
    scan.decided_at = utcnow()
    audit.record("approved", scan.id, user=user, result_id=scan.latest_result.id)
    db.session.commit()


def return_scan(scan: Scan, user: User, remarks: str) -> None:
    """Terugsturen with remarks; the gemeente revises and resubmits."""
    if not remarks.strip():
        raise ReviewError("Geef bij terugsturen aan wat de gemeente moet aanpassen.")
    start_review(scan, user)
    scan.status = STATUS_RETURNED
    scan.reviewer_id = user.id
    scan.review_remarks = remarks.strip()[:MAX_TEXT]
    scan.decided_at = utcnow()
    audit.record("returned", scan.id, user=user)
    db.session.commit()


def new_version(scan: Scan, user: User) -> Scan:
    """A new draft scan with the answers of an approved one; the approved scan stays as it was."""
    access.require(user, "new_version", scan)
    copy = Scan(
        scan_type=scan.scan_type,
        status=STATUS_DRAFT,
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
    db.session.commit()
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
        db.session.commit()
    return problems
