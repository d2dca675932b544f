"""Operations on scans: create, save a step, evaluate, find. Views call these; they flush, the request commits.

Each operation validates first, then acts, so nothing is half-written: a step whose
answers are invalid is not saved, an evaluation that fails stores no result.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from app.db import db, subject_matches, upsert_insert, utcnow
from app.engine.evaluator import Evaluator
from app.extensions import catalogue
from app.forms.answers import validate_answers
from app.forms.model import Question, Questionnaire, Step
from app.models import Scan, ScanResult, ScanStep, User
from app.models.scan import STATUS_DRAFT, STATUS_EVALUATED
from app.rules.conditions import is_answered
from app.services import access, audit
from app.services.reproduce import archive_ruleset
from app.snapshot import dump_snapshot

REQUIRED = "Dit veld is verplicht."


class StepNotFound(LookupError):
    """The questionnaire has no such step: the view answers 404."""


class NotReady(ValueError):
    """The scan cannot be evaluated yet: required questions are unanswered."""

    def __init__(self, missing: list[tuple[Step, Question]]):
        self.missing = missing
        super().__init__("verplichte vragen ontbreken")


@dataclass(frozen=True)
class Subject:
    name: str
    address: str = ""
    kvk: str | None = None


def create_scan(questionnaire: Questionnaire, subject: Subject, user: User) -> Scan:
    """Start a draft scan of a subject for the user's gemeente; it resumes at the first step."""
    access.require(user, "create")
    scan = Scan(
        scan_type=questionnaire.scan,
        status=STATUS_DRAFT.value,
        subject_name=subject.name,
        subject_address=subject.address,
        subject_kvk=subject.kvk,
        created_by=user.name,
        author_id=user.id,
        organisation_id=user.organisation_id,
        current_step=questionnaire.steps[0].id,
        questionnaire_version=questionnaire.version,
    )
    db.session.add(scan)
    db.session.flush()
    audit.record("scan_created", scan.id, user=user, scan_type=scan.scan_type)
    return scan


def get_step(questionnaire: Questionnaire, step_id: str) -> Step:
    step = questionnaire.step(step_id)
    if step is None:
        raise StepNotFound(step_id)
    return step


def visible_questions(step: Step, answers: dict[str, Any]) -> list[Question]:
    """Questions of a step that apply, given the answers (show_if evaluated in order)."""
    return [q for q in step.questions if q.shown(answers)]


def check_step(
    questionnaire: Questionnaire, step: Step, submitted: dict[str, Any], saved: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Validate one step's answers against the saved ones; return (answers to store, errors).

    Answers to questions hidden by show_if are dropped; visible required ones must be given.
    """
    clean, errors = validate_answers(questionnaire, submitted, tuple(q.id for q in step.questions))
    if errors:
        return {}, errors
    merged = {**saved, **{q.id: None for q in step.questions}, **clean}
    kept: dict[str, Any] = {}
    for question in visible_questions(step, merged):
        value = clean.get(question.id)
        if is_answered(value):
            kept[question.id] = value
        elif question.required:
            errors[question.id] = [REQUIRED]
    return kept, errors


def save_step(scan: Scan, step: Step, answers: dict[str, Any], next_step: str | None, user: User) -> None:
    """Store one step's answers atomically (upsert of one row), so other steps are never touched."""
    access.require(user, "edit", scan)
    table = ScanStep.__table__
    values = {"scan_id": scan.id, "step_id": step.id, "answers": answers, "saved_at": utcnow()}
    statement = upsert_insert(table).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.scan_id, table.c.step_id],
        set_={"answers": statement.excluded.answers, "saved_at": statement.excluded.saved_at},
    )
    db.session.execute(statement)
    scan.current_step = next_step
    scan.updated_at = utcnow()
    if scan.status == STATUS_EVALUATED:
        scan.move_to(STATUS_DRAFT)  # answers changed: the stored result no longer matches them
    audit.record("step_saved", scan.id, user=user, step=step.id, scan_type=scan.scan_type)
    db.session.flush()
    db.session.expire(scan, ["steps"])


def kvk_question(step: Step) -> Question | None:
    """The step's KvK-number question (`kvk_nummer`), if it has one: where the wizard asks the KvK number."""
    return next((q for q in step.questions if q.type == "kvk"), None)


def subject_kvk_from_step(scan: Scan, step: Step, answers: dict[str, Any]) -> None:
    """The KvK number is asked once, in the step that holds the KvK question; the scan's subject (list,
    search, report header) takes it from there. Nothing is flushed here: `save_step` does that."""
    question = kvk_question(step)
    if question is not None:
        scan.subject_kvk = answers.get(question.id) or None


def effective_answers(questionnaire: Questionnaire, scan: Scan) -> dict[str, Any]:
    """Saved answers that still apply: hidden ones (after later changes) are left out."""
    saved = scan.answers()
    result: dict[str, Any] = {}
    for step in questionnaire.steps:
        for question in step.questions:
            if question.id in saved and question.shown(result):
                result[question.id] = saved[question.id]
    return result


def lapsed_answers(questionnaire: Questionnaire, scan: Scan) -> list[Question]:
    """Stored answers that no longer count: their question applies only when another answer has a value
    that it no longer has (show_if). They are kept, not deleted, but left out of the evaluation."""
    saved = scan.answers()
    effective = effective_answers(questionnaire, scan)
    return [q for q in questionnaire.questions.values() if is_answered(saved.get(q.id)) and q.id not in effective]


def dropped_answers(step: Step, submitted: dict[str, Any], kept: dict[str, Any]) -> list[Question]:
    """Answers typed on this step that `check_step` did not keep, because their question does not apply."""
    return [q for q in step.questions if is_answered(submitted.get(q.id)) and q.id not in kept]


@dataclass(frozen=True)
class Lapsed:
    """What a step save left out: answers typed for questions that do not apply (not stored), and stored
    answers on other steps that stopped applying through this save (kept, not counted)."""

    dropped: list[Question]
    elsewhere: list[Question]


def save_step_noting_lapsed(
    questionnaire: Questionnaire,
    scan: Scan,
    step: Step,
    submitted: dict[str, Any],
    kept: dict[str, Any],
    next_step: str | None,
    user: User,
) -> Lapsed:
    """`save_step`, and say which answers lapsed by it, so the caller can tell the user (never silently)."""
    before = {q.id for q in lapsed_answers(questionnaire, scan)}
    save_step(scan, step, kept, next_step, user)
    elsewhere = [q for q in lapsed_answers(questionnaire, scan) if q.id not in before]
    return Lapsed(dropped_answers(step, submitted, kept), elsewhere)


def result_is_current(scan: Scan, questionnaire: Questionnaire) -> bool:
    """Whether the latest result was computed from the answers the scan holds now (M6).

    A save that lands while an evaluation runs leaves the scan "evaluated" with a result of other
    answers; this check, made at submit and approve, keeps such a stale result from going further.
    """
    result = scan.latest_result
    return result is not None and effective_answers(questionnaire, scan) == result.answers


def answers_fingerprint(answers: dict[str, Any], ruleset_version: str) -> str:
    """Hash of the answers and the ruleset version: the same pair gives the same result."""
    canonical = json.dumps(answers, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{ruleset_version}\n{canonical}".encode()).hexdigest()


def evaluate_scan(scan: Scan, evaluator: Evaluator, user: User) -> ScanResult:
    """Evaluate the scan's current answers and store the result as a snapshot."""
    access.require(user, "evaluate", scan)
    questionnaire = evaluator.catalogue.questionnaires[scan.scan_type]
    answers = effective_answers(questionnaire, scan)
    missing = questionnaire.missing_required(answers)
    if missing:
        raise NotReady(missing)
    evaluation = evaluator.evaluate(scan.scan_type, answers)
    snapshot = dump_snapshot(evaluation.to_dict())
    result = ScanResult(
        scan_id=scan.id,
        ruleset_version=evaluation.ruleset_version,
        questionnaire_version=evaluation.questionnaire_version,
        score=evaluation.score.total,
        level=evaluation.score.level,
        outcome=evaluation.advice.decision.outcome,
        answers=answers,
        snapshot=snapshot,
        answers_hash=answers_fingerprint(answers, evaluation.ruleset_version),
        created_by=user.name,
    )
    db.session.add(result)
    archive_ruleset(evaluator.catalogue, scan.scan_type)
    if scan.status == STATUS_DRAFT:  # a re-evaluation keeps "evaluated"; a returned scan stays "returned"
        scan.move_to(STATUS_EVALUATED)
    scan.latest_level = evaluation.score.level
    scan.current_step = None
    db.session.flush()
    audit.record("scan_evaluated", scan.id, user=user, result_id=result.id, level=result.level)
    return result


@dataclass(frozen=True)
class ScanFilter:
    text: str = ""
    scan_type: str = ""
    status: str = ""
    level: str = ""
    page: int = 1


PAGE_SIZE = 50


def find_scans(user: User, f: ScanFilter) -> tuple[list[Scan], int]:
    """Scans this user may see that match the filter, newest first, one page; and the total count."""
    query = access.visible_scans(user)
    if f.text:
        query = query.where(subject_matches(Scan, f.text))
    if f.scan_type in catalogue.scans:
        query = query.where(Scan.scan_type == f.scan_type)
    if f.status:
        query = query.where(Scan.status == f.status)
    if f.level:
        query = query.where(Scan.latest_level == f.level)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = max(f.page, 1)
    rows = db.session.scalars(
        query.order_by(Scan.updated_at.desc(), Scan.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    )
    return list(rows), total or 0
