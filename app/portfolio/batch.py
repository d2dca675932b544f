"""Evaluate the rows of a register: check each row, fire the rules, score it, rank the lot.

A row with faults is reported per column and not evaluated; the other rows go on.
Each good row is checked exactly as a wizard answer would be (the questionnaire's
marshmallow schema, show_if), then run through the same durable-rules ruleset and
scoring policy as a single scan. Pure: register and evaluator in, results out; the
service stores them.

A large register is split into chunks that a warm, supervised pool of processes
evaluates (`evaluate_in_processes`, app.engine.pool.EnginePool): durable-rules holds the
GIL, so threads would not help, and a separate process keeps the web and the job worker
responsive. The workers get the job's own catalogue (pickled, so the version is the
job's), and a crash of the engine costs a retry, never a row.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from marshmallow import Schema, ValidationError, fields, validate

from app.engine.evaluator import Evaluator
from app.engine.pool import EnginePool
from app.forms.answers import _positions, _value_token, validate_present
from app.forms.model import Questionnaire
from app.portfolio.columns import SUBJECT_NAMES, read_cell
from app.portfolio.reader import Register, named
from app.rules.catalogue import Catalogue
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
        return rank_key(self)

    def stored(self) -> StoredRow:
        """The row as a portfolio stores it: the answers and fired ids written as JSON text, once."""
        return StoredRow(
            self.row,
            self.name,
            self.address,
            self.kvk,
            json.dumps(self.answers),
            json.dumps(list(self.fired)),
            self.fired,
            self.score,
            self.level,
            self.outcome,
            self.knockouts,
            self.missing_required,
        )


class StoredRow(NamedTuple):
    """An evaluated row as the portfolio job stores it: the answers and fired ids already JSON text.

    This is what a pool worker sends back (issue 18): a plain tuple of strings, numbers and
    tuples of ids pickles and unpickles in a fifth of the time of a `RowResult` with its answer
    dict, and the JSON is written in the workers, in parallel, not in the job, whose own work is
    the serial part of a register. `answers` gives the stored answers back as a dict.
    """

    row: int
    name: str
    address: str
    kvk: str
    answers_json: str
    fired_json: str
    fired: tuple[str, ...]
    score: int
    level: str
    outcome: str
    knockouts: tuple[str, ...]
    missing_required: tuple[str, ...]

    def rank_key(self) -> tuple:
        return rank_key(self)

    @property
    def answers(self) -> dict[str, Any]:
        """The answers as stored (question order kept)."""
        return json.loads(self.answers_json)


def rank_key(result: RowResult | StoredRow) -> tuple:
    """Highest risk first: level, then score, then knock-outs, then row order."""
    return (-level_rank(result.level), -result.score, -len(result.knockouts), result.row)


@dataclass
class BatchOutcome:
    results: list[StoredRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    #: Engine failures the batch survived (none: empty): rows the reference evaluator answered in a
    #: worker, chunks retried after their worker crashed, chunks the reference answered here.
    engine: dict[str, int] = field(default_factory=dict)

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
            outcome.results.append(result.stored())
        if progress and done % PROGRESS_EVERY == 0:
            progress(done)
    if progress:
        progress(len(register))
    outcome.results.sort(key=rank_key)
    return outcome


def triage_outcome(fired) -> str:
    """A register row is never a Bibob procedure: a control priority when anything fired, else no findings."""
    return "controle_prioriteit" if fired else "geen_aanwijzingen"


def evaluate_in_processes(
    catalogue: Catalogue,
    scan: str,
    register: Register,
    processes: int,
    chunk_rows: int,
    progress: Callable[[int], None] | None = None,
) -> BatchOutcome:
    """Evaluate a register's rows in chunks on a warm `EnginePool`; progress after every finished chunk.

    The result is the same as `evaluate_register` (same rows, same ranking, faults in file order).
    The pool stays up between jobs of this worker (starting processes and registering the
    rulesets costs seconds). Nothing is lost when the engine fails: a row durable refuses is
    answered by the reference evaluator in the worker, a chunk whose worker crashed or hung is
    retried once and then evaluated here by the reference; `BatchOutcome.engine` counts both.
    If `progress` raises (the job was cancelled), the batch stops and the exception goes up.
    """
    pool = engine_pool(catalogue, processes)
    columns = register.columns  # one object for every row: pickled once per chunk
    items = [(scan, columns, number, cells) for number, cells in register.cells]
    outcome = BatchOutcome()
    for result, errors in pool.map(_row_task, items, chunk_size=max(chunk_rows, 1), progress=progress):
        if errors:
            outcome.errors.extend(errors)
        else:
            outcome.results.append(result)
    failures = ("row_fallbacks", "chunk_retries", "chunk_fallbacks")
    outcome.engine = {k: pool.last_stats[k] for k in failures if pool.last_stats[k]}
    outcome.results.sort(key=rank_key)
    return outcome


def _row_task(evaluator: Evaluator, item: tuple[str, tuple[str, ...], int, list[Any]]):
    """One register row in a pool worker: its cells named here (not in the job), then exactly `evaluate_row`,
    sent back as the `StoredRow` the job stores."""
    scan, columns, number, cells = item
    result, errors = evaluate_row(evaluator, evaluator.catalogue.questionnaires[scan], number, named(columns, cells))
    return (result.stored() if result is not None else None), errors


_POOL_LOCK = threading.Lock()
_POOLS: dict[int, tuple[Catalogue, EnginePool]] = {}


def engine_pool(catalogue: Catalogue, processes: int) -> EnginePool:
    """This process's warm pool of `processes` workers for `catalogue` (a new catalogue gets a new pool)."""
    processes = max(processes, 1)
    with _POOL_LOCK:
        held = _POOLS.get(processes)
        if held is not None and held[0] is not catalogue:
            held[1].close()  # the catalogue was reloaded: its workers hold the old rulesets
            held = None
        if held is None:
            held = _POOLS[processes] = (catalogue, EnginePool(catalogue, processes=processes))
        return held[1]


def shutdown_pools() -> None:
    """Stop the evaluation processes (tests, worker shutdown)."""
    with _POOL_LOCK:
        while _POOLS:
            _POOLS.popitem()[1][1].close()


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
    question = _kvk_question(questionnaire)
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


@lru_cache(maxsize=64)
def _kvk_question(questionnaire: Questionnaire):
    """The questionnaire's KvK question, or None (looked up once, not per row)."""
    return next((q for q in questionnaire.questions.values() if q.type == "kvk"), None)


def _subject(number: int, cells: dict[str, Any]) -> tuple[dict[str, str], list[RowError]]:
    raw = {name: _text(cells.get(name)) for name in SUBJECT_NAMES}
    if isinstance(cells.get("kvk"), (int, float)):
        raw["kvk"] = raw["kvk"].zfill(8)  # a spreadsheet drops a KvK number's leading zero
    if _subject_sound(raw):
        return raw, []  # what the schema would load (its fields give a str back as is), at a tenth of the cost
    try:
        return _SUBJECT_SCHEMA.load(raw), []
    except ValidationError as err:
        return {}, [RowError(number, column, "; ".join(msgs)) for column, msgs in err.messages.items()]


_KVK = re.compile(r"^([0-9]{8})?$")


def _subject_sound(raw: dict[str, str]) -> bool:
    """Whether `SubjectSchema` accepts these texts (the same bounds); a row that is not is checked by the schema,
    which gives the Dutch messages. Every register row passes here, so marshmallow is only paid for faults."""
    return 2 <= len(raw["naam"]) <= 200 and len(raw["adres"]) <= 300 and _KVK.match(raw["kvk"]) is not None


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
    known = _fast_answers(questionnaire, cells)
    if known is not None:
        return known, _not_applicable(questionnaire, number, known)
    typed: dict[str, Any] = {}
    errors: list[RowError] = []
    memo = _cell_memo(questionnaire)
    questions = _column_questions(questionnaire)
    for column, value in cells.items():
        question = questions.get(column, _UNSEEN)
        if question is _UNSEEN:
            question = questions[column] = questionnaire.question(column)
        if question is None:
            continue  # a subject column
        if value.__class__ is str and len(value) <= _CELL_MEMO_TEXT:  # `_read_cell` inlined for a CSV cell (hot)
            read = memo.get((column, value))
            if read is None:
                read = _read_cell(memo, question, value)
                memo[(column, value)] = read
            answer, problem = read
            if answer.__class__ is list:
                answer = list(answer)  # never share a list between rows
        else:
            answer, problem = _read_cell(memo, question, value)
        if problem:
            errors.append(RowError(number, column, problem))
        elif answer is not None:
            typed[column] = answer
    if errors:
        return {}, errors
    # Only the answers present are deserialised: same result and messages as the full schema
    # (tests/test_validate_present.py), at a third of the cost for a row of a register.
    clean, invalid = validate_present(questionnaire, typed)
    if invalid:
        return {}, [RowError(number, column, "; ".join(msgs)) for column, msgs in invalid.items()]
    _remember_sound(questionnaire, cells, typed, clean)
    return clean, _not_applicable(questionnaire, number, clean)


_ABSENT = object()


@lru_cache(maxsize=64)
def _sound_cells(questionnaire: Questionnaire) -> dict:
    """Column → {cell text → the validated answer it gave in a sound row (`_ABSENT`: none)}, bounded.

    A cell's reading and its field's check are both pure functions of the column and the text (the
    memos of `_read_cell` and `validate_present` rely on it), so a row whose every cell is here has
    exactly these answers; any other row takes the full path, which gives the faults and messages."""
    return {}


def _fast_answers(questionnaire: Questionnaire, cells: dict[str, Any]) -> dict[str, Any] | None:
    """The row's validated answers, in the schema's order, when every answer cell is a known sound one; else None."""
    columns = _answer_columns(questionnaire, tuple(cells))
    if columns is None:
        return None
    clean: dict[str, Any] = {}
    for column, known in columns:
        value = cells[column]
        if value.__class__ is not str:
            return None
        answer = known.get(value)
        if answer is None:
            return None
        if answer is not _ABSENT:
            clean[column] = list(answer) if answer.__class__ is list else answer  # never share a list between rows
    return clean


@lru_cache(maxsize=256)
def _answer_columns(questionnaire: Questionnaire, header: tuple[str, ...]) -> tuple[tuple[str, dict], ...] | None:
    """A register header's answer columns in the schema's order (as validate_present orders answers), each
    with its memo of sound cells: `_fast_answers` then builds a row's answers in order, without sorting.
    None when the header holds a column the questionnaire reads that is not a question (a derived fact):
    such rows take the full path."""
    position = _positions(questionnaire)
    if any(c not in position and questionnaire.question(c) is not None for c in header):
        return None
    known = _sound_cells(questionnaire)
    columns = sorted((c for c in header if c in position), key=position.__getitem__)
    return tuple((column, known.setdefault(column, {})) for column in columns)


def _remember_sound(
    questionnaire: Questionnaire, cells: dict[str, Any], typed: dict[str, Any], clean: dict[str, Any]
) -> None:
    """Remember the answer of each short text cell of a row that passed `validate_present`."""
    known = _sound_cells(questionnaire)
    questions = _column_questions(questionnaire)
    for column, value in cells.items():
        if questions.get(column) is None or value.__class__ is not str or len(value) > _CELL_MEMO_TEXT:
            continue
        memo = known.setdefault(column, {})
        if len(memo) >= _SOUND_COLUMN_SIZE:
            memo.clear()  # bounded per column; the dicts themselves stay (`_answer_columns` holds them)
        if column not in typed:
            memo[value] = _ABSENT
        elif _value_token(column, typed[column]) is not None:  # its check was context-free (validate_present)
            answer = clean[column]
            memo[value] = list(answer) if answer.__class__ is list else answer


_CELL_MEMO_SIZE = 16_384
#: Sound cells remembered per column: a yes/no or option column has a handful, a free-text or
#: number column is emptied when full (a register has ~50 columns: at most ~100,000 short texts).
_SOUND_COLUMN_SIZE = 2_048
_CELL_MEMO_TEXT = 80  # longest cell text remembered


_UNSEEN = object()


@lru_cache(maxsize=64)
def _column_questions(questionnaire: Questionnaire) -> dict:
    """Column name → its question (None for a subject column), filled as columns are met (a register has ~50)."""
    return {}


@lru_cache(maxsize=64)
def _conditional(questionnaire: Questionnaire) -> frozenset[str]:
    """The questions that may not apply (a show_if, or legacy): only these can be answered where they do not."""
    return frozenset(q.id for q in questionnaire.questions.values() if q.legacy or q.show_if is not None)


@lru_cache(maxsize=64)
def _cell_memo(questionnaire: Questionnaire) -> dict:
    """How each (column, cell value) reads, per questionnaire (bounded): a register repeats its cells."""
    return {}


def _read_cell(memo: dict, question, value: Any) -> tuple[Any, str | None]:
    """`read_cell`, remembered for short scalar cells (ja, nee, an option, a number)."""
    kind = type(value)
    if (kind is str and len(value) <= _CELL_MEMO_TEXT) or kind in (int, float, bool):
        key = (question.id, kind, value)
        read = memo.get(key)
        if read is None:
            if len(memo) >= _CELL_MEMO_SIZE:
                memo.clear()
            read = memo[key] = read_cell(question, value)
        answer, problem = read
        return (list(answer) if type(answer) is list else answer), problem  # never share a list between rows
    return read_cell(question, value)


def _not_applicable(questionnaire: Questionnaire, number: int, answers: dict[str, Any]) -> list[RowError]:
    """Answers to questions that do not apply given the row's other answers (show_if), as faults."""
    errors = []
    conditional = _conditional(questionnaire)
    for question_id in answers:
        if question_id not in conditional:
            continue  # shown whatever the other answers are
        question = questionnaire.questions[question_id]
        if not question.shown(answers):
            tests = " en ".join(describe(leaf, questionnaire.label_of) for leaf in leaves(question.show_if))
            errors.append(RowError(number, question_id, f"vraag geldt alleen als {tests}; laat de cel leeg"))
    return errors


def indicator_counts(results: Iterable[RowResult | StoredRow]) -> dict[str, int]:
    """How often each indicator fired over the rows, most frequent first."""
    counts = Counter(rule_id for result in results for rule_id in result.fired)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def level_counts(results: Iterable[RowResult | StoredRow]) -> dict[str, int]:
    return dict(Counter(result.level for result in results))
