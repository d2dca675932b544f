"""Build report contexts: from a stored result (the normal case) or from answers alone (CLI, no database)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.db import db
from app.engine.evaluator import Evaluator
from app.models import Scan, ScanResult, User
from app.models.scan import STATUS_APPROVED, STATUS_RETURNED, STATUSES
from app.reports.context import build_context
from app.services import review
from app.services.scans import answers_fingerprint
from app.snapshot import load_snapshot
from app.web.filters import datumtijd


def context_for_result(scan: Scan, result: ScanResult) -> dict[str, Any]:
    """The report of a stored evaluation, rendered from its snapshot, never re-evaluated."""
    judged = review.rebuttals(result)
    judgements = {
        i: {"rebutted_reason": r.reason if r.rebutted else None, "note": r.note or None} for i, r in judged.items()
    }
    decided = scan.status in (STATUS_APPROVED, STATUS_RETURNED) and scan.reviewer_id is not None
    reviewer = db.session.get(User, scan.reviewer_id) if decided else None
    review_block = None
    if decided:
        review_block = {
            "reviewer": reviewer.name if reviewer else "",
            "date": datumtijd(scan.decided_at),
            "decision": STATUSES[scan.status],
            "remarks": scan.review_remarks or "–",
        }
    return build_context(
        load_snapshot(result.snapshot),
        subject_name=scan.subject_name,
        subject_address=scan.subject_address,
        subject_kvk=scan.subject_kvk,
        author=result.created_by,
        evaluated_at=result.created_at,
        fingerprint=result.answers_hash,
        scan_id=scan.id,
        status="vastgesteld" if scan.status == STATUS_APPROVED else "concept",
        review=review_block,
        judgements=judgements,
        contestation=review.contestation(result),
        amended_advice=scan.amended_advice,
        weighing=_weighing_rows(result),
        zienswijzen=review.zienswijzen(result),
    )


def _weighing_rows(result: ScanResult) -> list[dict[str, str]]:
    """The reviewer's recorded weighing, part by part (empty parts left out)."""
    row = review.weighing(result)
    if row is None:
        return []
    return [
        {"label": f.label, "text": getattr(row, f.attr)} for f in review.WEIGHING_FIELDS if getattr(row, f.attr).strip()
    ]


def context_for_answers(
    evaluator: Evaluator, scan_type: str, answers: dict[str, Any], subject: str, author: str
) -> dict[str, Any]:
    """A report straight from an answer set (validated here), without storing anything."""
    evaluation = evaluator.evaluate(scan_type, answers)
    snapshot = evaluation.to_dict()
    clean = {a["question"]: answers[a["question"]] for a in snapshot["answered"]}
    return build_context(
        snapshot,
        subject_name=subject,
        author=author,
        evaluated_at=dt.datetime.now(dt.UTC),
        fingerprint=answers_fingerprint(clean, evaluation.ruleset_version),
    )
