"""A Bibob dossier: one procedure of a gemeente around one decision, with its scans, timeline and letters.

The timeline (`dossier_events`) is append-only, like the audit trail: the database refuses
changes and deletions. A decision freezes the dossier together with the approved scan it rests on.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import db, utcnow
from app.models.states import DOSSIER, DossierState, Stateful

DOSSIER_OPEN = DossierState.OPEN
DOSSIER_CLOSED = DossierState.CLOSED
DOSSIER_STATUSES: dict[str, str] = dict(DOSSIER.labels)


class Dossier(Stateful, db.Model):
    """One procedure: the decision at stake (a Bibob context), the applicant, and who handles it."""

    transitions = DOSSIER

    __tablename__ = "dossiers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reference: Mapped[str] = mapped_column(String(60), default="")
    context: Mapped[str] = mapped_column(String(32))
    branch: Mapped[str] = mapped_column(String(80), default="")
    decision_subject: Mapped[str] = mapped_column(String(200), default="")
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_address: Mapped[str] = mapped_column(String(300), default="")
    applicant_kvk: Mapped[str | None] = mapped_column(String(8), nullable=True)
    received_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=DossierState.OPEN.value, index=True)
    shared_with_riec: Mapped[bool] = mapped_column(Boolean, default=False)
    decision: Mapped[str | None] = mapped_column(String(40), nullable=True)
    decision_ground: Mapped[str | None] = mapped_column(String(32), nullable=True)
    decided_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    decided_by: Mapped[str] = mapped_column(String(120), default="")
    decision_summary: Mapped[str] = mapped_column(Text, default="")
    decision_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # A scan purged after its retention period leaves the dossier (the hash stays as evidence).
    decision_scan_id: Mapped[int | None] = mapped_column(ForeignKey("scans.id", ondelete="SET NULL"), nullable=True)
    decision_result_id: Mapped[int | None] = mapped_column(
        ForeignKey("scan_results.id", ondelete="SET NULL"), nullable=True
    )
    decision_answers_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    persons: Mapped[list[DossierPerson]] = relationship(cascade="all, delete-orphan", order_by="DossierPerson.id")
    links: Mapped[list[DossierScan]] = relationship(cascade="all, delete-orphan", order_by="DossierScan.id")
    events: Mapped[list[DossierEvent]] = relationship(order_by="DossierEvent.id")
    letters: Mapped[list[DossierLetter]] = relationship(order_by="DossierLetter.id")


class DossierPerson(db.Model):
    """A betrokkene in the wide sense of art. 3 lid 4: the applicant and who directs, controls or finances it."""

    __tablename__ = "dossier_persons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    kvk: Mapped[str | None] = mapped_column(String(8), nullable=True)


class DossierScan(db.Model):
    """A scan (one version) linked to a dossier."""

    __tablename__ = "dossier_scans"
    __table_args__ = (UniqueConstraint("dossier_id", "scan_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"), index=True)
    linked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DossierEvent(db.Model):
    """One entry of the timeline: what happened on which day, recorded by whom. Append-only."""

    __tablename__ = "dossier_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    on: Mapped[dt.date] = mapped_column(Date)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DossierLetter(db.Model):
    """A letter as generated: PDF and editable DOCX, stored with the dossier as they were sent."""

    __tablename__ = "dossier_letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # loaded only for a download
    docx: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DossierReminder(db.Model):
    """A reminder sent for one deadline of one dossier (one per deadline and due date: jobs may rerun)."""

    __tablename__ = "dossier_reminders"
    __table_args__ = (UniqueConstraint("dossier_id", "deadline", "due", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    deadline: Mapped[str] = mapped_column(String(32))
    due: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
