"""The audit trail: who did what, when, to which scan. Append-only (the database refuses changes)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import db, utcnow

ACTIONS = {
    "login": "Ingelogd",
    "login_failed": "Inloggen mislukt",
    "logout": "Uitgelogd",
    "scan_created": "Scan aangemaakt",
    "step_saved": "Stap opgeslagen",
    "scan_evaluated": "Scan geëvalueerd",
    "result_viewed": "Resultaat bekeken",
    "report_viewed": "Rapport bekeken",
    "pdf_exported": "PDF geëxporteerd",
    "submitted": "Ingediend voor beoordeling",
    "review_started": "Beoordeling gestart",
    "indicator_rebutted": "Indicator weerlegd",
    "indicator_restored": "Weerlegging ingetrokken",
    "indicator_noted": "Notitie bij indicator",
    "advice_amended": "Advies aangepast",
    "approved": "Vastgesteld",
    "weighing_saved": "Weging door de beoordelaar opgeslagen",
    "zienswijze_recorded": "Zienswijze van de betrokkene vastgelegd",
    "returned": "Teruggestuurd",
    "new_version": "Nieuwe versie aangemaakt",
    "purged": "Verwijderd na bewaartermijn",
    "user_created": "Gebruiker aangemaakt",
    "audit_exported": "Audittrail geëxporteerd",
    "token_created": "API-token aangemaakt",
    "token_revoked": "API-token ingetrokken",
    "portfolio_created": "Register geüpload (portfolio)",
    "portfolio_evaluated": "Portfolio beoordeeld",
    "portfolio_failed": "Portfolio mislukt",
    "portfolio_viewed": "Portfolio bekeken",
    "portfolio_exported": "Portfolio geëxporteerd",
    "portfolio_shared": "Portfolio gedeeld met RIEC",
    "portfolio_deleted": "Portfolio verwijderd",
    "scan_from_portfolio": "Scan gestart vanuit portfolio",
    "controle_brief": "Controlebrief gemaakt",
    "findings_saved": "Bevindingen controle verwerkt",
    "access_refused": "Toegang geweigerd",
    "session_ended": "Sessie beëindigd",
    "password_changed": "Wachtwoord gewijzigd",
    "twofactor_enrolled": "Tweestapsverificatie ingesteld",
    "twofactor_failed": "Tweestapsverificatie mislukt",
    "twofactor_reset": "Tweestapsverificatie gereset door beheerder",
    "recovery_code_used": "Herstelcode gebruikt",
    "dossier_created": "Dossier geopend",
    "dossier_viewed": "Dossier bekeken",
    "dossier_person_added": "Betrokkene toegevoegd aan dossier",
    "dossier_scan_linked": "Scan gekoppeld aan dossier",
    "dossier_event": "Gebeurtenis in dossier vastgelegd",
    "dossier_letter": "Brief gemaakt",
    "dossier_letter_exported": "Brief gedownload",
    "dossier_decided": "Besluit vastgelegd",
    "dossier_register_export": "Gegevens Bibob-register geëxporteerd",
    "dossier_reminder": "Herinnering termijn verstuurd",
    "dossier_figures_exported": "Stuurinformatie geëxporteerd",
}
RESULTS = {"ok": "Gelukt", "geweigerd": "Geweigerd", "mislukt": "Mislukt"}


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    user_email: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(32), index=True)
    scan_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: BIO 8.15.01: the object acted on, the result, and the origin (client address) of the request.
    object: Mapped[str] = mapped_column(String(120), default="", server_default="")
    result: Mapped[str] = mapped_column(String(16), default="ok", server_default="ok")
    origin: Mapped[str] = mapped_column(String(64), default="", server_default="")
    #: Hash chain (BIO 8.15.05/06): position in the chain, the previous entry's hash and this entry's hash.
    seq: Mapped[int | None] = mapped_column(Integer, nullable=True, unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    hash: Mapped[str] = mapped_column(String(64), default="", server_default="")


class AuditChain(db.Model):
    """The head of the audit hash chain: one row, locked by every writer so entries chain in order."""

    __tablename__ = "audit_chain"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default="")
