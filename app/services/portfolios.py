"""Portfolio scans: upload a register, evaluate every row in a background job, rank, filter, export, open as scan.

Order of work, so nothing is half-written and nothing lands in another portfolio:
1. `start` reads the file and checks its header in the request; a file that cannot
   be used is refused whole (RegisterRefused) and nothing is stored;
2. it stores the portfolio (status "bezig", a fresh job id) with its uploaded file, and
   `submit` puts a job on the queue that carries only the ids;
3. `run_job` (in a job worker) claims the portfolio, evaluates the rows, writing only
   progress; then it stores every good row and the error report of the bad rows in one
   transaction, with status "klaar". If that fails, the transaction is rolled back and
   the portfolio is marked "mislukt" with the reason.

Every write of a job is conditional on its owner (`JobOwner`: portfolio id, organisation
and job id, status still "bezig"); the first statement of the final transaction is that
conditional UPDATE, so the portfolio is locked (PostgreSQL: the row; SQLite: the file)
before any row is inserted. A deleted portfolio, or one whose job was started again,
makes the old job stop without writing anything (security review C1). A job whose
worker died (kill -9, a restart) is found by `recover_interrupted` from its stale
heartbeat and started again, or after `JOB_MAX_ATTEMPTS` marked failed with the reason
(security review L9).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import JSON, TypeDecorator, bindparam, delete, func, insert, select, update

from app import collector
from app.db import db, subject_matches, utcnow
from app.engine.evaluator import Evaluator
from app.extensions import catalogue, jobs
from app.forms.model import Questionnaire
from app.models import Portfolio, PortfolioRow, PortfolioUpload, Scan, ScanStep, User
from app.models.portfolio import PORTFOLIO_DONE, PORTFOLIO_FAILED, PORTFOLIO_RUNNING
from app.models.states import PORTFOLIO, PortfolioState
from app.portfolio.batch import (
    BatchOutcome,
    StoredRow,
    evaluate_in_processes,
    evaluate_register,
    indicator_counts,
    level_counts,
)
from app.portfolio.columns import columns_for, refused_columns, write_cell
from app.portfolio.reader import Register, read_register
from app.rules.vocabulary import LEVEL_PRIORITY, LEVELS, OUTCOMES, PRIORITIES
from app.services import access, audit
from app.services.exports import csv_bytes, xlsx_bytes
from app.services.jobs import QueueUnavailable
from app.services.scans import Subject, create_scan

#: Most row faults kept in the error report (the count is always exact).
MAX_STORED_ERRORS = 5000
PAGE_SIZE = 50
JOB_NAME = "portfolio.evaluate"
log = logging.getLogger("bibob.jobs")


class JobCancelled(Exception):
    """The portfolio was deleted, or its job was superseded: this job stops and writes nothing."""


@dataclass(frozen=True)
class JobOwner:
    """What a job was started for. Every write of the job is conditional on all of it."""

    portfolio_id: int
    organisation_id: int
    job_id: str

    def owns(self, moving_to: PortfolioState | None = None):
        """The WHERE clause: this portfolio, still of this organisation, still this job, still running.

        With `moving_to`, the status must also be one from which the state table allows that move.
        """
        allowed = PORTFOLIO.sources(moving_to) if moving_to else (PORTFOLIO_RUNNING,)
        return (
            (Portfolio.id == self.portfolio_id)
            & (Portfolio.organisation_id == self.organisation_id)
            & (Portfolio.job_id == self.job_id)
            & Portfolio.status.in_([state.value for state in allowed])
        )


def start(
    user: User, evaluator: Evaluator, scan_type: str, name: str, filename: str, data: bytes
) -> tuple[Portfolio, Register]:
    """Check the file and register a running portfolio with its file; the caller then calls `submit`.

    Raises RegisterRefused (nothing stored) when the file cannot be used.
    """
    access.require_portfolio(user, "upload")
    questionnaire = evaluator.catalogue.questionnaires[scan_type]
    register = read_register(data, filename, columns_for(questionnaire), refused=refused_columns(questionnaire))
    portfolio = Portfolio(
        organisation_id=user.organisation_id,
        author_id=user.id,
        created_by=user.name,
        scan_type=scan_type,
        name=name,
        filename=filename[:255],
        status=PORTFOLIO_RUNNING.value,
        total_rows=len(register),
        ruleset_version=evaluator.catalogue.version(scan_type),
        questionnaire_version=questionnaire.version,
        job_id=str(uuid.uuid4()),
    )
    db.session.add(portfolio)
    db.session.flush()
    db.session.add(PortfolioUpload(portfolio_id=portfolio.id, filename=filename[:255], data=data))
    audit.record("portfolio_created", None, user=user, portfolio=portfolio.id, rows=portfolio.total_rows)
    db.session.flush()
    return portfolio, register


def submit(portfolio: Portfolio) -> None:
    """Put the portfolio's job on the queue; when the queue cannot be reached, mark it failed with the reason.

    The caller commits the started portfolio first: the job runs in its own session (at once, with
    JOBS_INLINE) and must find it stored.
    """
    owner = JobOwner(portfolio.id, portfolio.organisation_id, portfolio.job_id)
    try:
        jobs.submit(JOB_NAME, owner.job_id, **_job_args(owner))
    except QueueUnavailable as exc:
        _fail(owner, f"De wachtrij voor achtergrondtaken is niet bereikbaar ({exc}). Er is niets opgeslagen.")


def _job_args(owner: JobOwner) -> dict[str, Any]:
    return {"portfolio_id": owner.portfolio_id, "organisation_id": owner.organisation_id, "job_id": owner.job_id}


def run_job(portfolio_id: int, organisation_id: int, job_id: str) -> None:
    """The job: claim the portfolio, evaluate its register, store the result; stop silently when cancelled."""
    owner = JobOwner(portfolio_id, organisation_id, job_id)
    if not _claim(owner):
        log.info("job cancelled before start", extra={"job_id": job_id})
        return
    try:
        portfolio = db.session.get(Portfolio, portfolio_id)
        upload = db.session.get(PortfolioUpload, portfolio_id)
        scan_type = portfolio.scan_type
        evaluator = catalogue.evaluator
        columns = columns_for(evaluator.catalogue.questionnaires[scan_type])
        with collector.paused():
            register = read_register(upload.data, upload.filename, columns)
            db.session.commit()  # end the read transaction before the long evaluation
            outcome = _evaluate(evaluator, scan_type, register, _progress(owner))
            _store(owner, outcome, evaluator.catalogue.version(scan_type))
    except JobCancelled:
        db.session.rollback()
        log.info("job cancelled: its portfolio was deleted or superseded", extra={"job_id": job_id})
    except Exception as exc:
        db.session.rollback()  # nothing of the batch stays; the job runner logs the error (no register data)
        _fail(owner, f"De beoordeling is afgebroken door een fout ({type(exc).__name__}). Er is niets opgeslagen.")
        raise


def run_now(portfolio: Portfolio) -> None:
    """Evaluate a started portfolio in the caller (demo data, CLI), through the same job code."""
    run_job(portfolio.id, portfolio.organisation_id, portfolio.job_id)


def _claim(owner: JobOwner) -> bool:
    """Mark the job started (attempt +1, heartbeat now); False when the portfolio is not this job's any more."""
    claimed = db.session.execute(
        update(Portfolio)
        .where(owner.owns())
        .values(job_attempts=Portfolio.job_attempts + 1, job_started_at=utcnow(), heartbeat_at=utcnow())
    )
    db.session.commit()
    return claimed.rowcount == 1


def _evaluate(evaluator: Evaluator, scan_type: str, register: Register, progress) -> BatchOutcome:
    """A large register in chunks over a pool of processes; a small one (or BATCH_PROCESSES=0) in this process."""
    cfg = current_app.config
    processes, chunk = cfg["BATCH_PROCESSES"], cfg["BATCH_CHUNK_ROWS"]
    if processes < 1 or len(register) <= chunk:
        return evaluate_register(evaluator, scan_type, register, progress)
    return evaluate_in_processes(evaluator.catalogue, scan_type, register, processes, chunk, progress)


def _progress(owner: JobOwner):
    """Report progress and heartbeat; raise JobCancelled once the portfolio is no longer this job's."""

    def report(done: int) -> None:
        beat = db.session.execute(
            update(Portfolio).where(owner.owns()).values(processed_rows=done, heartbeat_at=utcnow())
        )
        db.session.commit()
        if beat.rowcount != 1:
            raise JobCancelled()

    return report


def _store(owner: JobOwner, outcome: BatchOutcome, ruleset_version: str) -> None:
    """Write every evaluated row, the summary and the error report in one transaction.

    The first statement locks the portfolio by a conditional UPDATE; when it no longer
    belongs to this job, nothing at all is written.
    """
    claimed = db.session.execute(
        update(Portfolio)
        .where(owner.owns(moving_to=PORTFOLIO_DONE))
        .values(
            status=PORTFOLIO_DONE.value, finished_at=utcnow(), heartbeat_at=utcnow(), ruleset_version=ruleset_version
        )
    )
    if claimed.rowcount != 1:
        raise JobCancelled()
    portfolio_id = owner.portfolio_id
    portfolio = db.session.get(Portfolio, portfolio_id)
    _insert_rows(_row_values(portfolio_id, outcome.results))
    portfolio.errors = [{"row": e.row, "column": e.column, "message": e.message} for e in outcome.errors][
        :MAX_STORED_ERRORS
    ]
    portfolio.rejected_rows = outcome.rejected_rows
    portfolio.level_counts = level_counts(outcome.results)
    portfolio.indicator_counts = indicator_counts(outcome.results)
    portfolio.processed_rows = portfolio.total_rows
    db.session.execute(delete(PortfolioUpload).where(PortfolioUpload.portfolio_id == portfolio_id))
    audit.record(
        "portfolio_evaluated",
        None,
        user=db.session.get(User, portfolio.author_id),
        portfolio=portfolio_id,
        evaluated=len(outcome.results),
        rejected=outcome.rejected_rows,
        **({"engine_fallbacks": outcome.engine} if outcome.engine else {}),  # rows the reference answered
    )
    db.session.commit()


class _EncodedJSON(TypeDecorator):
    """A JSON column whose value is bound as JSON text already written by json.dumps (what the JSON type writes)."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect):
        return None  # the text goes to the database as is (PostgreSQL: cast to json, as for the JSON type)


#: The rows of a register in one statement, the JSON columns encoded here (`_IdLists`: each id list once).
#: `inline()`: no RETURNING of the new ids, which nothing reads.
_INSERT_ROWS = (
    insert(PortfolioRow.__table__)
    .values(
        answers=bindparam("answers_json", type_=_EncodedJSON()),
        fired=bindparam("fired_json", type_=_EncodedJSON()),
        knockouts=bindparam("knockouts_json", type_=_EncodedJSON()),
        missing_required=bindparam("missing_json", type_=_EncodedJSON()),
    )
    .inline()
)
#: The parameters of `_INSERT_ROWS`, in the table's column order (a positional paramstyle binds them so).
_ROW_KEYS = (
    "portfolio_id",
    "rank",
    "row_no",
    "subject_name",
    "subject_address",
    "subject_kvk",
    "answers_json",
    "fired_json",
    "fired_codes",
    "score",
    "level",
    "outcome",
    "knockouts_json",
    "missing_json",
    "missing_count",
)


def _row_values(portfolio_id: int, results: list[StoredRow]) -> list[tuple]:
    """The parameters of every ranked row, in `_ROW_KEYS` order (the JSON text written by the pool's workers)."""
    ids = _IdLists()
    return [
        (
            portfolio_id,
            rank,
            r.row,
            r.name,
            r.address,
            r.kvk,
            r.answers_json,
            r.fired_json,
            "|" + "|".join(r.fired) + "|" if r.fired else "",
            r.score,
            r.level,
            r.outcome,
            ids.json(r.knockouts),
            ids.json(r.missing_required),
            len(r.missing_required),
        )
        for rank, r in enumerate(results, start=1)
    ]


def _insert_rows(values: list[tuple]) -> None:
    """Insert the rows in one executemany at the driver, in the session's transaction.

    SQLAlchemy's own executemany builds and processes a parameter dict per row (about a third of
    storing a 10,000-row register, issue 18); here the statement is compiled once per dialect,
    with its types and casts, and the driver gets the values as they are: tuples in the order
    of a positional paramstyle (SQLite), dicts for a named one (psycopg).
    """
    if not values:
        return
    connection = db.session.connection()
    sql, positional = _compiled_insert(connection.dialect)
    connection.exec_driver_sql(sql, values if positional else [dict(zip(_ROW_KEYS, v, strict=True)) for v in values])


_COMPILED_INSERTS: dict[tuple[str, str], tuple[str, bool]] = {}


def _compiled_insert(dialect) -> tuple[str, bool]:
    """`_INSERT_ROWS` as the dialect's SQL, and whether its parameters are positional (in `_ROW_KEYS` order)."""
    key = (dialect.name, dialect.driver)
    held = _COMPILED_INSERTS.get(key)
    if held is None:
        compiled = _INSERT_ROWS.compile(dialect=dialect, column_keys=list(_ROW_KEYS))
        order = tuple(compiled.positiontup or ())
        if order and order != _ROW_KEYS:  # the table's columns moved: _ROW_KEYS must follow them
            raise RuntimeError(f"insert of portfolio rows binds {order}, _ROW_KEYS is {_ROW_KEYS}")
        held = _COMPILED_INSERTS[key] = (compiled.string, bool(order))
    return held


class _IdLists(dict):
    """Lists of ids (knock-outs, missing) as JSON text, each list encoded once: a register repeats them."""

    def json(self, ids: tuple[str, ...]) -> str:
        text = self.get(ids)
        if text is None:
            text = self[ids] = json.dumps(list(ids))
        return text


def _fail(owner: JobOwner, message: str) -> None:
    """Mark the job's portfolio failed with a Dutch reason and drop its file (only while it is still this job's)."""
    failed = db.session.execute(
        update(Portfolio)
        .where(owner.owns(moving_to=PORTFOLIO_FAILED))
        .values(status=PORTFOLIO_FAILED.value, failure=message[:500], finished_at=utcnow())
    )
    if failed.rowcount != 1:
        db.session.rollback()
        return
    db.session.execute(delete(PortfolioUpload).where(PortfolioUpload.portfolio_id == owner.portfolio_id))
    audit.record(
        "portfolio_failed", None, user=None, result="mislukt", portfolio=owner.portfolio_id, reason=message[:200]
    )
    db.session.commit()


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def recover_interrupted(now: dt.datetime | None = None) -> dict[str, list[int]]:
    """Find running portfolios whose job lost its worker; start them again, or mark them failed with the reason.

    A started job beats its heartbeat after every chunk; when it has not for `JOB_STALE_SECONDS`,
    its worker is gone (kill -9, a restart, a crashed machine). It is started again under a new
    job id (so a late write of the old one is refused) up to `JOB_MAX_ATTEMPTS` starts. A job never
    started after `JOB_QUEUE_TIMEOUT_HOURS` (its queue message was lost) is marked failed.
    Runs when a job worker starts and every minute in the worker.
    """
    cfg = current_app.config
    now = now or utcnow()
    stale = now - dt.timedelta(seconds=cfg["JOB_STALE_SECONDS"])
    too_old = now - dt.timedelta(hours=cfg["JOB_QUEUE_TIMEOUT_HOURS"])
    running = db.session.execute(
        select(
            Portfolio.id,
            Portfolio.organisation_id,
            Portfolio.job_id,
            Portfolio.job_attempts,
            Portfolio.job_started_at,
            Portfolio.heartbeat_at,
            Portfolio.created_at,
        ).where(Portfolio.status == PORTFOLIO_RUNNING)
    ).all()
    db.session.commit()  # no read transaction stays open before the writes below
    done: dict[str, list[int]] = {"resumed": [], "failed": []}
    for p in running:
        owner = JobOwner(p.id, p.organisation_id, p.job_id)
        if p.job_started_at is None:
            if _aware(p.created_at) < too_old:
                _fail(
                    owner,
                    "De beoordeling is niet gestart (de taak ging verloren in de wachtrij). "
                    "Er is niets opgeslagen; upload het register opnieuw.",
                )
                done["failed"].append(p.id)
            continue
        if _aware(p.heartbeat_at) >= stale:
            continue
        if p.job_attempts >= cfg["JOB_MAX_ATTEMPTS"]:
            _fail(
                owner,
                f"De beoordeling is {p.job_attempts} keer onderbroken (de verwerking stopte, bijvoorbeeld "
                "door een herstart) en is gestopt. Er is niets opgeslagen; upload het register opnieuw.",
            )
            done["failed"].append(p.id)
        elif _restart(owner):
            done["resumed"].append(p.id)
    if done["resumed"] or done["failed"]:
        log.warning("interrupted jobs recovered", extra={"resumed": done["resumed"], "failed": done["failed"]})
    return done


def _restart(owner: JobOwner) -> bool:
    """Give the portfolio a new job id and enqueue it; False when another worker got there first."""
    new = JobOwner(owner.portfolio_id, owner.organisation_id, str(uuid.uuid4()))
    moved = db.session.execute(
        update(Portfolio).where(owner.owns()).values(job_id=new.job_id, heartbeat_at=utcnow(), job_started_at=None)
    )
    db.session.commit()
    if moved.rowcount != 1:
        return False
    audit.record("portfolio_resumed", None, user=None, portfolio=owner.portfolio_id)
    db.session.commit()
    try:
        jobs.submit(JOB_NAME, new.job_id, **_job_args(new))
    except QueueUnavailable as exc:
        _fail(new, f"De wachtrij voor achtergrondtaken is niet bereikbaar ({exc}). Er is niets opgeslagen.")
    return True


@dataclass(frozen=True)
class RowFilter:
    level: str = ""
    indicator: str = ""
    text: str = ""
    incomplete: bool = False
    page: int = 1

    def args(self) -> dict[str, Any]:
        """The filter as query arguments (for links that keep it)."""
        values = {"niveau": self.level, "indicator": self.indicator, "q": self.text, "onvolledig": self.incomplete}
        return {k: "1" if v is True else v for k, v in values.items() if v}


def _rows_query(portfolio: Portfolio, f: RowFilter):
    query = select(PortfolioRow).where(PortfolioRow.portfolio_id == portfolio.id)
    if f.level in LEVELS:
        query = query.where(PortfolioRow.level == f.level)
    if f.indicator:
        query = query.where(PortfolioRow.fired_codes.like(f"%|{f.indicator}|%"))
    if f.text:
        query = query.where(subject_matches(PortfolioRow, f.text))
    if f.incomplete:
        query = query.where(PortfolioRow.missing_count > 0)
    return query.order_by(PortfolioRow.rank)


def find_rows(portfolio: Portfolio, f: RowFilter) -> tuple[list[PortfolioRow], int]:
    """One page of the ranked rows that match the filter, and how many match in all."""
    query = _rows_query(portfolio, f)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(f.page, 1)
    rows = db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
    return list(rows), total


def rows_by_id(portfolio: Portfolio, row_ids: list[int]) -> list[PortfolioRow]:
    """Rows of this portfolio with these ids, in rank order (ids of other portfolios are ignored)."""
    if not row_ids:
        return []
    query = select(PortfolioRow).where(PortfolioRow.portfolio_id == portfolio.id, PortfolioRow.id.in_(row_ids))
    return list(db.session.scalars(query.order_by(PortfolioRow.rank)))


def export(portfolio: Portfolio, questionnaire: Questionnaire, f: RowFilter, fmt: str, user: User) -> bytes:
    """The ranked rows matching the filter as CSV or XLSX: result columns, then the register columns."""
    rows = db.session.scalars(_rows_query(portfolio, f)).all()
    header, table = _export_table(questionnaire, rows)
    audit.record("portfolio_exported", None, user=user, portfolio=portfolio.id, rows=len(rows), format=fmt)
    if fmt == "xlsx":
        return xlsx_bytes(header, table, "Portfolio")
    return csv_bytes(header, table)


#: Control-priority words only: a ranking of a register is no Bibob outcome.
RESULT_COLUMNS = ("rang", "prioriteit", "score", "indicatoren", "onvolledig")


def priority_label(level: str, fired: bool) -> str:
    """A register row outside any Bibob procedure gets a control priority, never a Bibob outcome word."""
    return PRIORITIES[LEVEL_PRIORITY[level]] if fired else OUTCOMES["geen_aanwijzingen"]


def _export_table(questionnaire: Questionnaire, rows) -> tuple[list[str], list[list[Any]]]:
    columns = columns_for(questionnaire)
    header = list(RESULT_COLUMNS) + [c.name for c in columns]
    table = []
    for row in rows:
        subject = [row.subject_name, row.subject_address, row.subject_kvk]
        answers = [write_cell(c.question, row.answers.get(c.name)) for c in columns[3:]]
        table.append(
            [
                row.rank,
                priority_label(row.level, bool(row.fired)),
                row.score,
                ", ".join(row.fired),
                ", ".join(row.missing_required),
                *subject,
                *answers,
            ]
        )
    return header, table


def template(questionnaire: Questionnaire, fmt: str) -> bytes:
    """An empty register in the documented format (CSV, or XLSX with a sheet explaining every column)."""
    columns = columns_for(questionnaire)
    header = [c.name for c in columns]
    if fmt == "xlsx":
        explanation = [[c.name, c.label, c.kind, "ja" if c.required else "nee", c.allowed, c.example] for c in columns]
        return xlsx_bytes(
            header,
            [],
            "Register",
            extra=("Toelichting", ["kolom", "vraag", "soort", "verplicht", "toegestaan", "voorbeeld"], explanation),
        )
    return csv_bytes(header, [])


def open_as_scan(user: User, portfolio: Portfolio, row: PortfolioRow, questionnaire: Questionnaire) -> Scan:
    """Continue one row in the wizard: a draft scan with the row's answers saved per step.

    A row opened before returns its scan (when the user may still see it), so a row never gets two scans.
    """
    access.require_portfolio(user, "open_scan", portfolio)
    if row.scan_id is not None:
        existing = db.session.scalar(access.visible_scans(user).where(Scan.id == row.scan_id))
        if existing is not None:
            return existing
    subject = Subject(name=row.subject_name, address=row.subject_address, kvk=row.subject_kvk or None)
    scan = create_scan(questionnaire, subject, user)
    for step in questionnaire.steps:
        answers = {q.id: row.answers[q.id] for q in step.questions if q.id in row.answers}
        if answers:
            db.session.add(ScanStep(scan_id=scan.id, step_id=step.id, answers=answers))
    missing = questionnaire.missing_required(row.answers)
    scan.current_step = missing[0][0].id if missing else None  # None: straight to the summary
    row.scan_id = scan.id
    audit.record("scan_from_portfolio", scan.id, user=user, portfolio=portfolio.id, row=row.row_no)
    db.session.flush()
    return scan


def set_shared(user: User, portfolio: Portfolio, shared: bool) -> None:
    access.require_portfolio(user, "share", portfolio)
    portfolio.shared_with_riec = shared
    audit.record("portfolio_shared", None, user=user, portfolio=portfolio.id, shared=shared)


def remove(user: User, portfolio: Portfolio) -> None:
    """Delete a portfolio and its rows (scans opened from it stay); its job, queued or running, is cancelled."""
    access.require_portfolio(user, "delete", portfolio)
    job_id = portfolio.job_id if portfolio.status == PORTFOLIO_RUNNING else None
    audit.record("portfolio_deleted", None, user=user, portfolio=portfolio.id)
    delete_portfolio(portfolio)
    db.session.flush()
    if job_id:
        jobs.revoke(job_id)  # a queued job never starts; a running one finds its portfolio gone and stops


def delete_portfolio(portfolio: Portfolio) -> None:
    """Delete a portfolio with its rows in the current transaction (the caller records why and commits).

    The rows go in one statement: SQLite does not enforce the foreign key's ON DELETE CASCADE
    here, and loading 10,000 rows to let the ORM cascade would be slow.
    """
    db.session.execute(delete(PortfolioRow).where(PortfolioRow.portfolio_id == portfolio.id))
    db.session.execute(delete(PortfolioUpload).where(PortfolioUpload.portfolio_id == portfolio.id))
    db.session.delete(portfolio)


def list_portfolios(user: User) -> list[Portfolio]:
    return list(db.session.scalars(access.visible_portfolios(user).order_by(Portfolio.created_at.desc())))


#: How many indicators the "most frequent" chart shows.
TOP_INDICATORS = 10


def charts(portfolio: Portfolio, titles: dict[str, str], f: RowFilter | None = None) -> dict[str, Any]:
    """Data of the two overview charts: rows per risk level, and the most frequent indicators (bar lengths 0–100).

    With a filter the charts count only the matching rows, so they tell the same story as the table.
    """
    counts, indicator_totals = portfolio.level_counts, portfolio.indicator_counts
    if f is not None and f.args():
        counts, indicator_totals = _filtered_counts(portfolio, f)
    most = max(counts.values(), default=0) or 1
    total = sum(counts.values()) or 1
    levels = [
        {
            "id": level,
            "label": label,
            "count": counts.get(level, 0),
            "bar": round(100 * counts.get(level, 0) / most),
            "share": round(100 * counts.get(level, 0) / total),
        }
        for level, label in LEVELS.items()
    ]
    top = list(indicator_totals.items())[:TOP_INDICATORS]
    highest = top[0][1] if top else 1
    indicators = [
        {
            "id": i,
            "title": titles.get(i, i),
            "count": n,
            "bar": round(100 * n / highest),
            "share": round(100 * n / total),
        }
        for i, n in top
    ]
    return {"levels": levels, "indicators": indicators, "rows": sum(counts.values())}


def _filtered_counts(portfolio: Portfolio, f: RowFilter) -> tuple[dict[str, int], dict[str, int]]:
    """Rows per level and per indicator (most frequent first) among the rows matching the filter."""
    matching = _rows_query(portfolio, f).order_by(None).subquery()
    levels = dict(db.session.execute(select(matching.c.level, func.count()).group_by(matching.c.level)).all())
    per_indicator: Counter[str] = Counter()
    for fired in db.session.scalars(select(matching.c.fired)):
        per_indicator.update(fired or [])
    return levels, dict(per_indicator.most_common())
