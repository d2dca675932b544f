"""Evaluate the rows of a register: check each row, fire the rules, score it, rank the lot.

A row with faults is reported per column and not evaluated; the other rows go on.
Each good row is checked exactly as a wizard answer would be (the questionnaire's
marshmallow schema, show_if), then run through the same durable-rules ruleset and
scoring policy as a single scan. Pure: register and evaluator in, results out; the
service stores them.

A large register is split into chunks that a pool of processes evaluates
(`evaluate_in_processes`): durable-rules holds the GIL, so threads would not help,
and a separate process keeps the web and the job worker responsive. Each process
builds its own Evaluator from the catalogue folders and refuses to evaluate when its
catalogue version differs from the one the job expects.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from app.engine.evaluator import Evaluator
from app.forms.answers import validate_answers
from app.forms.model import Questionnaire
from app.portfolio.columns import SUBJECT_NAMES, read_cell
from app.portfolio.reader import Register
from app.rules.conditions import describe, leaves
from app.rules.vocabulary import level_rank

#: Rows between two progress reports.
PROGRESS_EVERY = 250


class SubjectSchema(Schema):
    """The subject columns of one row."""

    naam = fields.String(
        required=True,
        validate=validate.Length(min=2, max=200, error="vul een naam in (2 tot 200 tekens)"),
        error_messages={"required": "vul een naam in", "null": "vul een naam in"},
    )
    adres = fields.String(load_default="", validate=validate.Length(max=300, error="hoogstens 300 tekens"))
    kvk = fields.String(
        load_default="", validate=validate.Regexp(r"^([0-9]{8})?$", error="een KvK-nummer heeft 8 cijfers")
    )


#: One instance for every row: building a schema costs about 6% of a register's time (performance review).
_SUBJECT_SCHEMA = SubjectSchema()


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass(frozen=True)
class RowResult:
    """One evaluated row: the subject, the answers and the triage outcome."""

    row: int
    name: str
    address: str
    kvk: str
    answers: dict[str, Any]
    fired: tuple[str, ...]
    score: int
    level: str
    outcome: str
    knockouts: tuple[str, ...]
    missing_required: tuple[str, ...]

    def rank_key(self) -> tuple:
        """Highest risk first: level, then score, then knock-outs, then row order."""
        return (-level_rank(self.level), -self.score, -len(self.knockouts), self.row)


@dataclass
class BatchOutcome:
    results: list[RowResult] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def rejected_rows(self) -> int:
        return len({e.row for e in self.errors})


def evaluate_register(
    evaluator: Evaluator,
    scan: str,
    register: Register,
    progress: Callable[[int], None] | None = None,
) -> BatchOutcome:
    """Check and evaluate every row; report faulty rows per column; results ranked highest risk first."""
    questionnaire = evaluator.catalogue.questionnaires[scan]
    outcome = BatchOutcome()
    for done, (number, cells) in enumerate(register.rows, start=1):
        result, errors = evaluate_row(evaluator, questionnaire, number, cells)
        if errors:
            outcome.errors.extend(errors)
        else:
            outcome.results.append(result)
        if progress and done % PROGRESS_EVERY == 0:
            progress(done)
    if progress:
        progress(len(register.rows))
    outcome.results.sort(key=RowResult.rank_key)
    return outcome


def triage_outcome(fired) -> str:
    """A register row is never a Bibob procedure: a control priority when anything fired, else no findings."""
    return "controle_prioriteit" if fired else "geen_aanwijzingen"


class CatalogueChanged(RuntimeError):
    """A pool process loaded another catalogue version than the job started with."""


@dataclass(frozen=True)
class CatalogueSource:
    """Where a pool process loads the catalogue from, and the version of the scan it must find there."""

    rules_dir: str
    forms_dir: str
    scan: str
    version: str


def evaluate_in_processes(
    source: CatalogueSource,
    register: Register,
    processes: int,
    chunk_rows: int,
    progress: Callable[[int], None] | None = None,
) -> BatchOutcome:
    """Evaluate a register's rows in chunks over `processes` processes; progress after every finished chunk.

    The result is the same as `evaluate_register` (same rows, same ranking, faults in file order).
    The pool stays up between jobs of this worker (starting processes and loading the catalogue
    costs seconds). If `progress` raises (the job was cancelled), the chunks not yet started are
    dropped and the exception goes up.
    """
    rows = register.rows
    chunks = [rows[i : i + chunk_rows] for i in range(0, len(rows), chunk_rows)]
    outcome = BatchOutcome()
    done = 0
    pool = _pool(max(processes, 1))
    pending = {pool.submit(_evaluate_chunk, source, chunk) for chunk in chunks}
    try:
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                results, errors, count = future.result()
                outcome.results.extend(results)
                outcome.errors.extend(errors)
                done += count
            if progress:
                progress(done)
    except BrokenProcessPool:
        _POOLS.pop(max(processes, 1), None)  # a process died: the next job starts a fresh pool
        raise
    finally:
        for future in pending:
            future.cancel()
    outcome.errors.sort(key=lambda e: e.row)  # file order, as evaluate_register reports them
    outcome.results.sort(key=RowResult.rank_key)
    return outcome


_POOLS: dict[int, ProcessPoolExecutor] = {}
_POOL_STATE: dict[str, Any] = {}


def _pool(processes: int) -> ProcessPoolExecutor:
    """This process's pool of `processes` evaluation processes (started on first use)."""
    if processes not in _POOLS:
        _POOLS[processes] = ProcessPoolExecutor(
            max_workers=processes,
            mp_context=multiprocessing.get_context("spawn"),  # no fork of a threaded job worker
            initializer=_pool_init,
            initargs=(os.getpid(),),
        )
    return _POOLS[processes]


def shutdown_pools() -> None:
    """Stop the evaluation processes (tests, worker shutdown)."""
    while _POOLS:
        _POOLS.popitem()[1].shutdown(wait=True, cancel_futures=True)


def _pool_init(parent_pid: int) -> None:
    """In a pool process: exit when the job worker is gone (kill -9 must not leave processes behind)."""
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True).start()


def _exit_with_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(1)
    os._exit(1)


def _evaluator_for(source: CatalogueSource) -> Evaluator:
    """The pool process's own Evaluator for the catalogue the job started with (loaded again when it changed)."""
    from app.engine.adapter import DurableEngine
    from app.rules.loader import load_catalogue

    evaluator: Evaluator | None = _POOL_STATE.get("evaluator")
    folders = (source.rules_dir, source.forms_dir)
    current = evaluator is not None and _POOL_STATE["folders"] == folders
    if not current or evaluator.catalogue.version(source.scan) != source.version:
        catalogue = load_catalogue(Path(source.rules_dir), Path(source.forms_dir))
        if catalogue.version(source.scan) != source.version:
            raise CatalogueChanged(f"{source.scan}: {catalogue.version(source.scan)} != {source.version}")
        evaluator = Evaluator(catalogue, DurableEngine())
        _POOL_STATE.update(evaluator=evaluator, folders=folders)
    return evaluator


def _evaluate_chunk(source: CatalogueSource, chunk: list) -> tuple[list[RowResult], list[RowError], int]:
    """Evaluate one chunk of rows in a pool process."""
    evaluator = _evaluator_for(source)
    questionnaire = evaluator.catalogue.questionnaires[source.scan]
    results: list[RowResult] = []
    errors: list[RowError] = []
    for number, cells in chunk:
        result, faults = evaluate_row(evaluator, questionnaire, number, cells)
        if faults:
            errors.extend(faults)
        else:
            results.append(result)
    return results, errors, len(chunk)


def evaluate_row(
    evaluator: Evaluator, questionnaire: Questionnaire, number: int, cells: dict[str, Any]
) -> tuple[RowResult | None, list[RowError]]:
    """One row: (result, []) when it is sound, (None, faults per column) otherwise."""
    subject, errors = _subject(number, cells)
    answers, answer_errors = row_answers(questionnaire, number, cells)
    errors += answer_errors or (_one_kvk(questionnaire, number, subject, answers) if subject else [])
    if errors:
        return None, errors
    fired, score = evaluator.triage(questionnaire.scan, answers)
    result = RowResult(
        row=number,
        name=subject["naam"],
        address=subject["adres"],
        kvk=subject["kvk"],
        answers=answers,
        fired=fired,
        score=score.total,
        level=score.level,
        outcome=triage_outcome(fired),
        knockouts=score.knockouts,
        missing_required=tuple(q.id for _, q in questionnaire.missing_required(answers)),
    )
    return result, []


def _one_kvk(
    questionnaire: Questionnaire, number: int, subject: dict[str, str], answers: dict[str, Any]
) -> list[RowError]:
    """One KvK number per row: column `kvk` and the KvK question's column fill each other; two different
    numbers are a fault (which one is right is for the user to say, never guessed)."""
    question = next((q for q in questionnaire.questions.values() if q.type == "kvk"), None)
    if question is None:
        return []
    answered = answers.get(question.id)
    if answered and subject["kvk"] and answered != subject["kvk"]:
        message = f"KvK-nummer {answered} verschilt van kolom 'kvk' ({subject['kvk']}); vul één KvK-nummer in"
        return [RowError(number, question.id, message)]
    if answered:
        subject["kvk"] = answered
    elif subject["kvk"]:
        answers[question.id] = subject["kvk"]
    return []


def _subject(number: int, cells: dict[str, Any]) -> tuple[dict[str, str], list[RowError]]:
    raw = {name: _text(cells.get(name)) for name in SUBJECT_NAMES}
    if isinstance(cells.get("kvk"), (int, float)):
        raw["kvk"] = raw["kvk"].zfill(8)  # a spreadsheet drops a KvK number's leading zero
    try:
        return _SUBJECT_SCHEMA.load(raw), []
    except ValidationError as err:
        return {}, [RowError(number, column, "; ".join(msgs)) for column, msgs in err.messages.items()]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def row_answers(
    questionnaire: Questionnaire, number: int, cells: dict[str, Any]
) -> tuple[dict[str, Any], list[RowError]]:
    """Typed, validated answers of one row, or its faults per column."""
    typed: dict[str, Any] = {}
    errors: list[RowError] = []
    for column, value in cells.items():
        question = questionnaire.question(column)
        if question is None:
            continue  # a subject column
        answer, problem = read_cell(question, value)
        if problem:
            errors.append(RowError(number, column, problem))
        elif answer is not None:
            typed[column] = answer
    if errors:
        return {}, errors
    clean, invalid = validate_answers(questionnaire, typed)
    if invalid:
        return {}, [RowError(number, column, "; ".join(msgs)) for column, msgs in invalid.items()]
    return clean, _not_applicable(questionnaire, number, clean)


def _not_applicable(questionnaire: Questionnaire, number: int, answers: dict[str, Any]) -> list[RowError]:
    """Answers to questions that do not apply given the row's other answers (show_if), as faults."""
    errors = []
    for question_id in answers:
        question = questionnaire.questions[question_id]
        if not question.shown(answers):
            tests = " en ".join(describe(leaf, questionnaire.label_of) for leaf in leaves(question.show_if))
            errors.append(RowError(number, question_id, f"vraag geldt alleen als {tests}; laat de cel leeg"))
    return errors


def indicator_counts(results: Iterable[RowResult]) -> dict[str, int]:
    """How often each indicator fired over the rows, most frequent first."""
    counts = Counter(rule_id for result in results for rule_id in result.fired)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def level_counts(results: Iterable[RowResult]) -> dict[str, int]:
    return dict(Counter(result.level for result in results))
