"""Jinja filters for Dutch display."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Flask

from app.forms.text import displayed_answer

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def iso_moment(value: dt.datetime | None) -> str:
    """A stored moment in Dutch local time with its UTC offset (ISO 8601), for exports: 2026-11-22T21:19:05+01:00."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(AMSTERDAM).isoformat(timespec="seconds")


def datumtijd(value: dt.datetime | None) -> str:
    """A stored (UTC) moment as Dutch local time, e.g. 22-11-2026 21:19."""
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite returns naive values; they were stored in UTC
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M")


def datum(value: dt.date | None) -> str:
    """A date the Dutch way, e.g. 22-11-2026."""
    return value.strftime("%d-%m-%Y") if value else ""


def getal(value: int | float | None) -> str:
    """A count in Dutch notation with a thousands separator: 8000 → 8.000."""
    if value is None:
        return ""
    return f"{value:,}".replace(",", ".")


def niveau(level: str | None) -> str:
    """A risk level id as Dutch words (zeer_hoog → zeer hoog): raw values never reach a page."""
    from app.rules.vocabulary import LEVELS

    return LEVELS.get(level or "", level or "").lower()


#: Dutch names of the detail keys of audit entries; values that are ids of a vocabulary are shown as words.
DETAIL_LABELS = {
    "result_id": "uitslag nr.",
    "scan_type": "scan",
    "level": "risiconiveau",
    "evaluated": "beoordeeld",
    "portfolio": "portfolio",
    "rows": "rijen",
    "row": "rij",
    "indicator": "indicator",
    "shared": "gedeeld",
    "format": "formaat",
    "parent_id": "vorige versie",
    "reason": "reden",
    "via": "via",
    "token_id": "token",
    "retention_days": "bewaartermijn (dagen)",
    "step": "stap",
    "role": "rol",
    "questions": "vragen",
    "new_user_id": "nieuwe gebruiker",
}


def audit_details(detail: dict | None) -> str:
    """An audit entry's details in Dutch words ("risiconiveau: zeer hoog"), never raw ids like level=zeer_hoog."""
    labels = scan_types()["scan_types"]
    parts = []
    for key, value in sorted((detail or {}).items()):
        if key == "level":
            value = niveau(value)
        elif key in _DETAIL_VOCABULARIES and isinstance(value, str):
            value = _detail_label(key, value)
        elif key == "scan_type":
            value = labels.get(value, value)
        elif key == "step" and isinstance(value, str):
            value = _step_title(value, detail.get("scan_type"))
        elif isinstance(value, bool):
            value = "ja" if value else "nee"
        elif isinstance(value, int):
            value = getal(value)
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        parts.append(f"{DETAIL_LABELS.get(key, key.replace('_', ' '))}: {value}")
    return "; ".join(parts)


#: Detail keys whose values are ids of a vocabulary: shown by their label (a user's role, a person's role in a
#: dossier, the Bibob context).
_DETAIL_VOCABULARIES = ("role", "context")


def _detail_label(key: str, value: str) -> str:
    from app.dossier.vocabulary import PERSON_ROLES as DOSSIER_ROLES
    from app.models.account import ROLES
    from app.rules.vocabulary import CONTEXTS

    tables = (ROLES, DOSSIER_ROLES) if key == "role" else (CONTEXTS,)
    return next((table[value] for table in tables if value in table), value)


def _step_title(step_id: str, scan_type: str | None) -> str:
    """A questionnaire step by its title: from the entry's scan type, else the first questionnaire that has it.

    Older entries name the step only; a step id no questionnaire knows any more is shown as stored.
    """
    from app.extensions import catalogue
    from app.rules.errors import CatalogueError

    try:
        questionnaires = catalogue.load().questionnaires
    except CatalogueError:
        return step_id
    ordered = [questionnaires[scan_type]] if scan_type in questionnaires else []
    ordered += list(questionnaires.values())
    return next((s.title for q in ordered for s in q.steps if s.id == step_id), step_id)


def zin(text: str) -> str:
    """A message as a sentence: capital first letter, closing full stop ("waarde moet …" → "Waarde moet ….")."""
    text = (text or "").strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


class LabelOrId(dict):
    """scan id → label; a stored scan of a type since removed from the catalogue shows its id (never blank)."""

    def __missing__(self, scan_type: str) -> str:
        return scan_type


def scan_types() -> dict[str, dict[str, str]]:
    """Every template's `scan_types`: scan id → label, in list order, from the registry (never from code).

    Empty when the scan files are broken, so an error page still renders; `flask rules check` names the fault.
    """
    from app.extensions import catalogue
    from app.rules.errors import CatalogueError

    try:
        return {"scan_types": LabelOrId(catalogue.scans.labels)}
    except CatalogueError:
        return {"scan_types": {}}


def init_filters(app: Flask) -> None:
    app.context_processor(scan_types)
    app.add_template_filter(zin)
    app.add_template_filter(displayed_answer, "antwoord")
    app.add_template_filter(audit_details)
    app.add_template_filter(datumtijd)
    app.add_template_filter(datum)
    app.add_template_filter(getal)
    app.add_template_filter(niveau)
