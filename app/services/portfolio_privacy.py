"""Portfolios stored before the channel table refused criminal and partner columns: find them and purge them.

A register holds open and own data only (`forms/_kanalen.yaml`, `portfolio: false`). A portfolio
uploaded earlier may still hold answers to such questions. `held_refused_columns` names them (for a
notice on the portfolio page); `purge` removes those answers from every row and ranks the rows
again without them, in one transaction, audited with the column ids only.
"""

from __future__ import annotations

from sqlalchemy import String, cast, select

from app.db import db
from app.engine.evaluator import Evaluator
from app.forms.model import Questionnaire
from app.models import Portfolio, PortfolioRow, User
from app.portfolio.batch import RowResult, indicator_counts, level_counts, triage_outcome
from app.portfolio.columns import refused_columns
from app.services import access, audit


def held_refused_columns(portfolio: Portfolio, questionnaire: Questionnaire) -> list[str]:
    """Ids of refused questions that some row of this portfolio still answers (one cheap query per column)."""
    held = []
    text = cast(PortfolioRow.answers, String)
    for column in refused_columns(questionnaire).messages:
        query = (
            select(PortfolioRow.id)
            .where(PortfolioRow.portfolio_id == portfolio.id, text.like(f'%"{column}"%'))
            .limit(1)
        )
        if db.session.scalar(query) is not None:
            held.append(column)
    return held


def purge(user: User, portfolio: Portfolio, evaluator: Evaluator) -> int:
    """Remove every refused column's answers from the portfolio and rank its rows again; return rows changed."""
    access.require_portfolio(user, "delete", portfolio)
    questionnaire = evaluator.catalogue.questionnaires[portfolio.scan_type]
    refused = set(refused_columns(questionnaire).messages)
    rows = list(db.session.scalars(select(PortfolioRow).where(PortfolioRow.portfolio_id == portfolio.id)))
    changed = 0
    results: list[tuple[RowResult, PortfolioRow]] = []
    for row in rows:
        if refused & set(row.answers):
            changed += 1
            row.answers = {k: v for k, v in row.answers.items() if k not in refused}
            fired, score = evaluator.triage(portfolio.scan_type, row.answers)
            row.fired, row.score, row.level = list(fired), score.total, score.level
            row.outcome = triage_outcome(fired)
            row.fired_codes = "|" + "|".join(fired) + "|" if fired else ""
            row.knockouts = list(score.knockouts)
            row.missing_required = [q.id for _, q in questionnaire.missing_required(row.answers)]
            row.missing_count = len(row.missing_required)
        results.append((_as_result(row), row))
    results.sort(key=lambda pair: pair[0].rank_key())
    for rank, (_, row) in enumerate(results, start=1):
        row.rank = rank
    portfolio.level_counts = level_counts(r for r, _ in results)
    portfolio.indicator_counts = indicator_counts(r for r, _ in results)
    audit.record("portfolio_purged", None, user=user, portfolio=portfolio.id, columns=sorted(refused), rows=changed)
    db.session.flush()
    return changed


def _as_result(row: PortfolioRow) -> RowResult:
    return RowResult(
        row=row.row_no,
        name=row.subject_name,
        address=row.subject_address,
        kvk=row.subject_kvk,
        answers=row.answers,
        fired=tuple(row.fired),
        score=row.score,
        level=row.level,
        outcome=row.outcome,
        knockouts=tuple(row.knockouts),
        missing_required=tuple(row.missing_required),
    )
