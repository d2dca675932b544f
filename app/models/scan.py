"""A scan: its subject, its answers (one JSON document per step) and its evaluated results."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import db, utcnow
from app.models.states import SCAN, ScanState, Stateful

STATUS_DRAFT = ScanState.DRAFT
STATUS_EVALUATED = ScanState.EVALUATED
STATUS_SUBMITTED = ScanState.SUBMITTED
STATUS_IN_REVIEW = ScanState.IN_REVIEW
STATUS_APPROVED = ScanState.APPROVED
STATUS_RETURNED = ScanState.RETURNED
STATUSES: dict[str, str] = dict(SCAN.labels)
#: Statuses in which the RIEC may see a scan (it was submitted for review).
RIEC_VISIBLE = (STATUS_SUBMITTED, STATUS_IN_REVIEW, STATUS_APPROVED, STATUS_RETURNED)


class Scan(Stateful, db.Model):
    """One screening of one subject (a business, a premises, a transaction). `move_to` changes its status."""

    transitions = SCAN

    __tablename__ = "scans"
    __table_args__ = ({"sqlite_autoincrement": True},)  # ids are never reused (security review C1)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scan_type: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), default=ScanState.DRAFT.value, index=True)
    subject_name: Mapped[str] = mapped_column(String(200))
    subject_address: Mapped[str] = mapped_column(String(300), default="")
    subject_kvk: Mapped[str | None] = mapped_column(String(8), nullable=True)
    created_by: Mapped[str] = mapped_column(String(120))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), nullable=True, index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    shared_with_riec: Mapped[bool] = mapped_column(Boolean, default=False)
    review_remarks: Mapped[str] = mapped_column(Text, default="")
    amended_advice: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    version_no: Mapped[int] = mapped_column(Integer, default=1)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("scans.id"), nullable=True)
    current_step: Mapped[str | None] = mapped_column(String(40), nullable=True)
    questionnaire_version: Mapped[int] = mapped_column(Integer)
    latest_level: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    steps: Mapped[list[ScanStep]] = relationship(back_populates="scan", cascade="all, delete-orphan")
    results: Mapped[list[ScanResult]] = relationship(
        back_populates="scan", cascade="all, delete-orphan", order_by="ScanResult.id"
    )

    def answers(self) -> dict[str, Any]:
        """All saved answers, merged over the steps."""
        merged: dict[str, Any] = {}
        for step in self.steps:
            merged.update(step.answers)
        return merged

    @property
    def latest_result(self) -> ScanResult | None:
        return self.results[-1] if self.results else None


class ScanStep(db.Model):
    """The validated answers of one step of one scan (one row per step, so steps never overwrite each other)."""

    __tablename__ = "scan_steps"
    __table_args__ = (UniqueConstraint("scan_id", "step_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"), index=True)
    step_id: Mapped[str] = mapped_column(String(40))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    saved_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    scan: Mapped[Scan] = relationship(back_populates="steps")


class ScanResult(db.Model):
    """An evaluation, snapshotted: shown exactly as it was, whatever the rules are today."""

    __tablename__ = "scan_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"), index=True)
    ruleset_version: Mapped[str] = mapped_column(String(32))
    questionnaire_version: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(32))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    answers_hash: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    scan: Mapped[Scan] = relationship(back_populates="results")
    rebuttals: Mapped[list[Rebuttal]] = relationship(cascade="all, delete-orphan")


class Rebuttal(db.Model):
    """A jurist's judgement on one fired indicator: rebutted (with a reason) and/or a note."""

    __tablename__ = "rebuttals"
    __table_args__ = (UniqueConstraint("result_id", "indicator_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("scan_results.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[str] = mapped_column(String(16))
    rebutted: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class Weighing(db.Model):
    """The reviewer's own statutory weighing of one result (Wet Bibob art. 3 lid 2, 3 and 5), required to approve."""

    __tablename__ = "weighings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("scan_results.id", ondelete="CASCADE"), unique=True, index=True)
    a_seriousness: Mapped[str] = mapped_column(Text, default="")
    a_relation: Mapped[str] = mapped_column(Text, default="")
    a_benefits: Mapped[str] = mapped_column(Text, default="")
    b_coherence: Mapped[str] = mapped_column(Text, default="")
    b_number: Mapped[str] = mapped_column(Text, default="")
    proportionality: Mapped[str] = mapped_column(Text, default="")
    time_elapsed: Mapped[str] = mapped_column(Text, default="")
    advice: Mapped[str] = mapped_column(Text, default="")
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class Zienswijze(db.Model):
    """The betrokkene's zienswijze (art. 33 Wet Bibob, Awb 4:8): its own record, not the reviewer's rebuttal."""

    __tablename__ = "zienswijzen"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("scan_results.id", ondelete="CASCADE"), index=True)
    received_on: Mapped[dt.date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text)
    contested: Mapped[list[str]] = mapped_column(JSON, default=list)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
