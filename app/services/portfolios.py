"""Portfolio scans: upload a register, evaluate every row in the background, rank, filter, export, open as scan.

Order of work, so nothing is half-written:
1. `start` reads the file and checks its header in the request; a file that cannot
   be used is refused whole (RegisterRefused) and nothing is stored;
2. it stores the portfolio (status "bezig") and hands the rows to a background job;
3. `run` evaluates the rows, writing only progress; then it stores every good row and
   the error report of the bad rows in one transaction, with status "klaar". If that
   fails, the transaction is rolled back and the portfolio is marked "mislukt".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from app.db import db, subject_matches, utcnow
from app.engine.evaluator import Evaluator
from app.forms.model import Questionnaire
from app.models import Portfolio, PortfolioRow, Scan, ScanStep, User
from app.models.portfolio import PORTFOLIO_DONE, PORTFOLIO_FAILED, PORTFOLIO_RUNNING
from app.portfolio.batch import BatchOutcome, evaluate_register, indicator_counts, level_counts
from app.portfolio.columns import columns_for, write_cell
from app.portfolio.reader import Register, read_register
from app.rules.vocabulary import LEVELS, OUTCOMES
from app.services import access, audit
from app.services.exports import csv_bytes, xlsx_bytes
from app.services.scans import Subject, create_scan

#: Most row faults kept in the error report (the count is always exact).
MAX_STORED_ERRORS = 5000
PAGE_SIZE = 50


def start(
    user: User, evaluator: Evaluator, scan_type: str, name: str, filename: str, data: bytes
) -> tuple[Portfolio, Register]:
    """Check the file and register a running portfolio; the caller hands the register to `run` in the background.

    Raises RegisterRefused (nothing stored) when the file cannot be used.
    """
    access.require_portfolio(user, "upload")
    questionnaire = evaluator.catalogue.questionnaires[scan_type]
    register = read_register(data, filename, columns_for(questionnaire))
    portfolio = Portfolio(
        organisation_id=user.organisation_id,
        author_id=user.id,
        created_by=user.name,
        scan_type=scan_type,
        name=name,
        filename=filename[:255],
        status=PORTFOLIO_RUNNING,
        total_rows=len(register.rows),
        ruleset_version=evaluator.catalogue.version(scan_type),
        questionnaire_version=questionnaire.version,
    )
    db.session.add(portfolio)
    db.session.flush()
    audit.record("portfolio_created", None, user=user, portfolio=portfolio.id, rows=portfolio.total_rows)
    db.session.commit()
    return portfolio, register


def run(portfolio_id: int, register: Register, evaluator: Evaluator) -> None:
    """Evaluate a started portfolio and store its rows at once; on failure store nothing but the failure."""
    try:
        outcome = evaluate_register(
            evaluator, db.session.get(Portfolio, portfolio_id).scan_type, register, _progress(portfolio_id)
        )
        _store(portfolio_id, outcome)
    except Exception as exc:
        db.session.rollback()  # nothing of the batch stays; the job runner logs the error (no register data)
        _fail(portfolio_id, type(exc).__name__)
        raise


def _progress(portfolio_id: int):
    def report(done: int) -> None:
        db.session.execute(
            update(Portfolio).where(Portfolio.id == portfolio_id).values(processed_rows=done, heartbeat_at=utcnow())
        )
        db.session.commit()

    return report


def _store(portfolio_id: int, outcome: BatchOutcome) -> None:
    """Write every evaluated row, the summary and the error report in one transaction."""
    portfolio = db.session.get(Portfolio, portfolio_id)
    rows = [
        {
            "portfolio_id": portfolio_id,
            "rank": rank,
            "row_no": r.row,
            "subject_name": r.name,
            "subject_address": r.address,
            "subject_kvk": r.kvk,
            "answers": r.answers,
            "fired": list(r.fired),
            "fired_codes": "|" + "|".join(r.fired) + "|" if r.fired else "",
            "score": r.score,
            "level": r.level,
            "outcome": r.outcome,
            "knockouts": list(r.knockouts),
            "missing_required": list(r.missing_required),
            "missing_count": len(r.missing_required),
        }
        for rank, r in enumerate(outcome.results, start=1)
    ]
    if rows:
        db.session.execute(insert(PortfolioRow), rows)
    portfolio.errors = [{"row": e.row, "column": e.column, "message": e.message} for e in outcome.errors][
        :MAX_STORED_ERRORS
    ]
    portfolio.rejected_rows = outcome.rejected_rows
    portfolio.level_counts = level_counts(outcome.results)
    portfolio.indicator_counts = indicator_counts(outcome.results)
    portfolio.processed_rows = portfolio.total_rows
    portfolio.status = PORTFOLIO_DONE
    portfolio.finished_at = utcnow()
    audit.record(
        "portfolio_evaluated",
        None,
        user=db.session.get(User, portfolio.author_id),
        portfolio=portfolio_id,
        evaluated=len(rows),
        rejected=outcome.rejected_rows,
    )
    db.session.commit()


def _fail(portfolio_id: int, reason: str) -> None:
    portfolio = db.session.get(Portfolio, portfolio_id)
    if portfolio is None:
        return
    portfolio.status = PORTFOLIO_FAILED
    portfolio.failure = f"De beoordeling is afgebroken door een fout ({reason}). Er is niets opgeslagen."
    portfolio.finished_at = utcnow()
    audit.record("portfolio_failed", None, user=None, portfolio=portfolio_id, reason=reason)
    db.session.commit()


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
    db.session.commit()
    if fmt == "xlsx":
        return xlsx_bytes(header, table, "Portfolio")
    return csv_bytes(header, table)


RESULT_COLUMNS = ("rang", "risiconiveau", "score", "uitkomst", "indicatoren", "onvolledig")


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
                LEVELS[row.level],
                row.score,
                OUTCOMES[row.outcome],
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
    scan = create_scan(questionnaire, subject, user, commit=False)
    for step in questionnaire.steps:
        answers = {q.id: row.answers[q.id] for q in step.questions if q.id in row.answers}
        if answers:
            db.session.add(ScanStep(scan_id=scan.id, step_id=step.id, answers=answers))
    missing = questionnaire.missing_required(row.answers)
    scan.current_step = missing[0][0].id if missing else None  # None: straight to the summary
    row.scan_id = scan.id
    audit.record("scan_from_portfolio", scan.id, user=user, portfolio=portfolio.id, row=row.row_no)
    db.session.commit()
    return scan


def set_shared(user: User, portfolio: Portfolio, shared: bool) -> None:
    access.require_portfolio(user, "share", portfolio)
    portfolio.shared_with_riec = shared
    audit.record("portfolio_shared", None, user=user, portfolio=portfolio.id, shared=shared)
    db.session.commit()


def remove(user: User, portfolio: Portfolio) -> None:
    """Delete a portfolio and its rows (scans opened from it stay)."""
    access.require_portfolio(user, "delete", portfolio)
    audit.record("portfolio_deleted", None, user=user, portfolio=portfolio.id)
    delete_portfolio(portfolio)
    db.session.commit()


def delete_portfolio(portfolio: Portfolio) -> None:
    """Delete a portfolio with its rows in the current transaction (the caller records why and commits).

    The rows go in one statement: SQLite does not enforce the foreign key's ON DELETE CASCADE
    here, and loading 10,000 rows to let the ORM cascade would be slow.
    """
    db.session.execute(delete(PortfolioRow).where(PortfolioRow.portfolio_id == portfolio.id))
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
