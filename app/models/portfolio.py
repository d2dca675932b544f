"""A portfolio: one uploaded register (e.g. all horeca of a gemeente) evaluated row by row and ranked.

The portfolio row is written first (status "bezig") so the upload page can show
progress; its evaluated rows are written together with status "klaar" in one
transaction, so a portfolio never holds half a batch.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import db, utcnow
from app.models.states import PORTFOLIO, PortfolioState, Stateful

PORTFOLIO_RUNNING = PortfolioState.RUNNING
PORTFOLIO_DONE = PortfolioState.DONE
PORTFOLIO_FAILED = PortfolioState.FAILED
PORTFOLIO_STATUSES: dict[str, str] = dict(PORTFOLIO.labels)
#: A running portfolio whose worker gave no sign of life for this long was interrupted (e.g. a restart).
STALE_AFTER = dt.timedelta(minutes=10)


class Portfolio(Stateful, db.Model):
    """An evaluated register. Its job moves the status with conditional UPDATEs built from the same table."""

    transitions = PORTFOLIO
    __tablename__ = "portfolios"
    #: Ids are never reused, also on SQLite: a job or audit entry for a deleted portfolio can never
    #: point at a newer one (security review C1).
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_by: Mapped[str] = mapped_column(String(120))
    scan_type: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(16), default=PortfolioState.RUNNING.value)
    failure: Mapped[str] = mapped_column(String(500), default="")
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    processed_rows: Mapped[int] = mapped_column(Integer, default=0)
    rejected_rows: Mapped[int] = mapped_column(Integer, default=0)
    #: Faults of rejected rows: [{"row", "column", "message"}], in file order.
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    level_counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    indicator_counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    ruleset_version: Mapped[str] = mapped_column(String(32), default="")
    questionnaire_version: Mapped[int] = mapped_column(Integer, default=0)
    shared_with_riec: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    heartbeat_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: The current job's id (also its id in the queue). A job writes only while this is still its own id,
    #: so a deleted, restarted or superseded job can never write (security review C1).
    job_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    #: How often a job was started for this portfolio (an interrupted job is started again, up to a limit).
    job_attempts: Mapped[int] = mapped_column(Integer, default=0)
    job_started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    rows: Mapped[list[PortfolioRow]] = relationship(
        back_populates="portfolio", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def interrupted(self) -> bool:
        """Started, still "bezig", but no heartbeat for long: no job worker resumed it (normally the
        recovery resumes or fails it within minutes; this shows when no worker runs at all)."""
        if self.status != PORTFOLIO_RUNNING or self.job_started_at is None:
            return False
        beat = self.heartbeat_at if self.heartbeat_at.tzinfo else self.heartbeat_at.replace(tzinfo=dt.UTC)
        return utcnow() - beat > STALE_AFTER

    @property
    def evaluated_rows(self) -> int:
        return sum(self.level_counts.values())


class PortfolioRow(db.Model):
    """One evaluated row of a register: the subject, its answers and its triage outcome."""

    __tablename__ = "portfolio_rows"
    __table_args__ = (Index("ix_portfolio_rows_portfolio_rank", "portfolio_id", "rank"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(ForeignKey("portfolios.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    row_no: Mapped[int] = mapped_column(Integer)
    subject_name: Mapped[str] = mapped_column(String(200))
    subject_address: Mapped[str] = mapped_column(String(300), default="")
    subject_kvk: Mapped[str] = mapped_column(String(8), default="")
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    fired: Mapped[list[str]] = mapped_column(JSON)
    #: The fired ids as "|ALG-001|HOR-002|", so "rows where X fired" is a portable LIKE.
    fired_codes: Mapped[str] = mapped_column(String(2000), default="")
    score: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(32))
    knockouts: Mapped[list[str]] = mapped_column(JSON, default=list)
    missing_required: Mapped[list[str]] = mapped_column(JSON, default=list)
    missing_count: Mapped[int] = mapped_column(Integer, default=0)
    scan_id: Mapped[int | None] = mapped_column(ForeignKey("scans.id", ondelete="SET NULL"), nullable=True)

    portfolio: Mapped[Portfolio] = relationship(back_populates="rows")


class PortfolioUpload(db.Model):
    """The uploaded file of a portfolio whose job has not finished yet.

    The job reads the register from here (not from the queue message), so a job that is
    started again after a restart has its input, and no register data sits in the broker.
    Deleted as soon as the job has stored its result or failed (data minimisation).
    """

    __tablename__ = "portfolio_uploads"

    portfolio_id: Mapped[int] = mapped_column(ForeignKey("portfolios.id", ondelete="CASCADE"), primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary)
