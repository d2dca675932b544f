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


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    user_email: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(32), index=True)
    scan_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
