"""Bibob dossiers: open one, link scans, record the timeline, make letters, record zienswijze and decision.

Every move checks access (`app/services/access.py`: a gemeente sees only its own dossiers) and
leaves an audit entry with ids only. Services flush; the request or the CLI command commits.
Deadlines are computed on the fly from the timeline (`app/dossier/deadlines.py`).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template
from sqlalchemy import select

from app.db import db, utcnow
from app.dossier import deadlines as dl
from app.dossier.documents import html_to_docx
from app.dossier.vocabulary import (
    DECISION_CONTEXTS,
    DECISIONS,
    EVENT_CONTEXTS,
    EVENTS,
    GROUNDS,
    LBB_CONCLUSIONS,
    LETTERS,
    MANUAL_EVENTS,
    PERSON_ROLES,
    REQUIRES,
    needs_zienswijze,
)
from app.extensions import catalogue
from app.models import (
    Dossier,
    DossierEvent,
    DossierLetter,
    DossierPerson,
    DossierReminder,
    DossierScan,
    Scan,
    ScanResult,
    User,
    Zienswijze,
)
from app.models.dossier import DOSSIER_CLOSED, DOSSIER_OPEN
from app.models.scan import STATUS_APPROVED
from app.reports.render import STATIC_PREFIX, html_to_pdf
from app.rules.vocabulary import CONTEXTS
from app.services import access, audit
from app.services.exports import csv_bytes

MAX_TEXT = 4000


class DossierError(ValueError):
    """The dossier input is not acceptable (Dutch message for the officer)."""


def settings() -> dl.Settings:
    """The periods the law leaves to the gemeente, from the app settings."""
    cfg = current_app.config
    return dl.Settings(
        questionnaire_days=cfg["DOSSIER_QUESTIONNAIRE_DAYS"],
        zienswijze_days=cfg["DOSSIER_ZIENSWIJZE_DAYS"],
        decision_weeks=cfg["DOSSIER_DECISION_WEEKS"],
        soon_working_days=cfg["DOSSIER_SOON_WORKING_DAYS"],
    )


def today() -> dt.date:
    return dt.date.today()


# --- opening and describing a dossier -------------------------------------------------------------


def create(user: User, values: dict[str, Any]) -> Dossier:
    """Open a dossier for the user's gemeente; `values` were validated by the web schema."""
    access.require_dossier(user, "create")
    dossier = Dossier(organisation_id=user.organisation_id, officer_id=user.id, **values)
    db.session.add(dossier)
    db.session.flush()
    if dossier.received_on:
        _event(dossier, user, "aanvraag_ontvangen", dossier.received_on, {})
    _event(dossier, user, "dossier_aangemaakt", today(), {})
    db.session.add(
        DossierPerson(dossier_id=dossier.id, name=dossier.applicant_name, role="aanvrager", kvk=dossier.applicant_kvk)
    )
    audit.record("dossier_created", user=user, dossier_id=dossier.id, context=dossier.context)
    return dossier


def add_person(dossier: Dossier, user: User, name: str, role: str, kvk: str | None) -> None:
    access.require_dossier(user, "edit", dossier)
    name = name.strip()[:200]
    if not name:
        raise DossierError("Vul de naam van de betrokkene in.")
    if role not in PERSON_ROLES:
        raise DossierError("Kies de rol van de betrokkene.")
    db.session.add(DossierPerson(dossier_id=dossier.id, name=name, role=role, kvk=kvk or None))
    _event(dossier, user, "betrokkene_toegevoegd", today(), {"role": role})
    audit.record("dossier_person_added", user=user, dossier_id=dossier.id, role=role)


def link_scan(dossier: Dossier, user: User, scan_id: int) -> None:
    """Link a scan (one version) the user may see and that belongs to the dossier's gemeente."""
    access.require_dossier(user, "edit", dossier)
    try:
        scan = access.scan_for(user, scan_id)
    except access.ScanNotFound:
        raise DossierError("Die scan bestaat niet of is niet van uw gemeente.") from None
    if scan.organisation_id != dossier.organisation_id:
        raise DossierError("Die scan bestaat niet of is niet van uw gemeente.")
    if any(link.scan_id == scan.id for link in dossier.links):
        raise DossierError("Deze scan is al aan het dossier gekoppeld.")
    db.session.add(DossierScan(dossier_id=dossier.id, scan_id=scan.id))
    _event(dossier, user, "scan_gekoppeld", today(), {"scan_id": scan.id, "version": scan.version_no})
    audit.record("dossier_scan_linked", scan.id, user=user, dossier_id=dossier.id)
    db.session.flush()
    db.session.refresh(dossier)


def linked_scans(dossier: Dossier) -> list[Scan]:
    """The linked scans, newest link first."""
    ids = [link.scan_id for link in reversed(dossier.links)]
    scans = {s.id: s for s in db.session.scalars(select(Scan).where(Scan.id.in_(ids)))} if ids else {}
    return [scans[i] for i in ids if i in scans]


def current_scan(dossier: Dossier) -> Scan | None:
    """The scan the procedure rests on: the newest linked approved one, else the newest linked one."""
    scans = [s for s in linked_scans(dossier) if s.latest_result is not None]
    approved = [s for s in scans if s.status == STATUS_APPROVED]
    return (approved or scans or [None])[0]


# --- the timeline ---------------------------------------------------------------------------------


def _event(dossier: Dossier, user: User, kind: str, on: dt.date, data: dict[str, Any]) -> DossierEvent:
    event = DossierEvent(dossier_id=dossier.id, kind=kind, on=on, data=data, by_id=user.id)
    db.session.add(event)
    db.session.flush()
    return event


def events(dossier: Dossier) -> list[DossierEvent]:
    rows = db.session.scalars(
        select(DossierEvent).where(DossierEvent.dossier_id == dossier.id).order_by(DossierEvent.on, DossierEvent.id)
    )
    return list(rows)


def _kinds(dossier: Dossier) -> list[DossierEvent]:
    return events(dossier)


def check_event(dossier: Dossier, kind: str, on: dt.date, data: dict[str, Any]) -> None:
    """Refuse a timeline entry the procedure does not allow now (Dutch reason)."""
    if on > today():
        raise DossierError("Een gebeurtenis kan niet in de toekomst liggen.")
    if kind in EVENT_CONTEXTS and dossier.context not in EVENT_CONTEXTS[kind]:
        raise DossierError(f"{EVENTS[kind]} is bij dit besluit ({CONTEXTS[dossier.context]}) niet mogelijk.")
    past = _kinds(dossier)
    opening = REQUIRES.get(kind)
    if opening:
        before = [e for e in past if e.kind == opening and e.on <= on]
        if not before:
            raise DossierError(f"Eerst moet zijn vastgelegd: {EVENTS[opening].lower()} (op of vóór deze datum).")
    pending = _lbb_pending(past)
    if kind == "lbb_advies_gevraagd" and pending:
        raise DossierError("Er loopt al een adviesaanvraag bij het LBB.")
    if kind in ("lbb_gegevens_gevraagd", "lbb_verlenging", "lbb_advies_ontvangen", "lbb_gegevens_ontvangen") and (
        not pending
    ):
        raise DossierError("Er loopt geen adviesaanvraag bij het LBB.")
    if kind == "lbb_verlenging" and any(e.kind == "lbb_verlenging" and e.on >= pending.on for e in past):
        raise DossierError("Het LBB kan de adviestermijn maar één keer verlengen (art. 15 lid 3 Wet Bibob).")
    if kind == "lbb_advies_ontvangen" and data.get("conclusion") not in LBB_CONCLUSIONS:
        raise DossierError("Kies de conclusie van het advies van het LBB.")
    if kind == "notitie" and not data.get("text"):
        raise DossierError("Schrijf de notitie.")


def _lbb_pending(past: list[DossierEvent]) -> DossierEvent | None:
    """The open LBB advice request, if any."""
    asked = [e for e in past if e.kind == "lbb_advies_gevraagd"]
    if not asked:
        return None
    last = asked[-1]
    received = [e for e in past if e.kind == "lbb_advies_ontvangen" and e.on >= last.on and e.id > last.id]
    return None if received else last


def record_event(dossier: Dossier, user: User, kind: str, on: dt.date, data: dict[str, Any]) -> DossierEvent:
    """A dated step the officer records by hand (LBB request and answer, answers received, a note)."""
    access.require_dossier(user, "edit", dossier)
    if kind not in MANUAL_EVENTS:
        raise DossierError("Deze gebeurtenis legt u vast met een brief, de zienswijze of het besluit.")
    data = {k: v for k, v in data.items() if v not in (None, "")}
    if "text" in data:
        data["text"] = str(data["text"]).strip()[:MAX_TEXT]
    check_event(dossier, kind, on, data)
    event = _event(dossier, user, kind, on, data)
    audit.record("dossier_event", user=user, dossier_id=dossier.id, kind=kind)
    return event


# --- deadlines ------------------------------------------------------------------------------------


def deadlines(dossier: Dossier, on: dt.date | None = None) -> list[dl.Deadline]:
    """Every deadline of the dossier on `on` (default today)."""
    timeline = [dl.Event(e.kind, e.on, e.data or {}) for e in events(dossier)]
    return dl.compute(timeline, dossier.received_on, dossier.context, on or today(), settings())


def deadline_basis(deadline: dl.Deadline) -> list[dict[str, Any]]:
    """The legal bases of a deadline with their titles and whether the text was checked."""
    bases = catalogue.load().legal_bases
    return [{"id": b, "title": bases[b]["title"], "verified": bases[b]["verified"]} for b in deadline.basis]


@dataclass(frozen=True)
class DueItem:
    """A deadline of one dossier, for lists and the start page."""

    dossier: Dossier
    deadline: dl.Deadline


def open_deadlines(user: User, on: dt.date | None = None, own_only: bool = False) -> list[DueItem]:
    """Deadlines still running, suspended or overdue in the user's visible open dossiers, soonest first."""
    query = access.visible_dossiers(user).where(Dossier.status == DOSSIER_OPEN)
    if own_only:
        query = query.where(Dossier.officer_id == user.id)
    items = []
    for dossier in db.session.scalars(query):
        for deadline in deadlines(dossier, on):
            if deadline.status in (dl.OPEN, dl.SOON, dl.OVERDUE, dl.SUSPENDED):
                items.append(DueItem(dossier, deadline))
    return sorted(items, key=lambda i: i.deadline.due)


def send_due_reminders(now: dt.datetime) -> int:
    """Remind each dossier's officer of deadlines due soon or overdue; once per deadline, due date and status.

    Meant to run as a periodic job (`flask dossiers reminders`). A reminder is stored (the start
    page shows it) and audited with ids only. Returns how many new reminders were made.
    """
    on = now.date()
    made = 0
    for dossier in db.session.scalars(select(Dossier).where(Dossier.status == DOSSIER_OPEN)):
        for deadline in deadlines(dossier, on):
            if not deadline.needs_action:
                continue
            exists = db.session.scalar(
                select(DossierReminder.id).where(
                    DossierReminder.dossier_id == dossier.id,
                    DossierReminder.deadline == deadline.kind,
                    DossierReminder.due == deadline.due,
                    DossierReminder.status == deadline.status,
                )
            )
            if exists:
                continue
            db.session.add(
                DossierReminder(
                    dossier_id=dossier.id,
                    officer_id=dossier.officer_id,
                    deadline=deadline.kind,
                    due=deadline.due,
                    status=deadline.status,
                    sent_at=now,
                )
            )
            officer = db.session.get(User, dossier.officer_id)
            audit.record(
                "dossier_reminder",
                user=officer,
                dossier_id=dossier.id,
                deadline=deadline.kind,
                due=deadline.due.isoformat(),
                status=deadline.status,
            )
            made += 1
    db.session.flush()
    return made


def reminders_for(user: User, limit: int = 20) -> list[DossierReminder]:
    """The newest reminders for this officer's dossiers."""
    query = (
        select(DossierReminder)
        .join(Dossier, Dossier.id == DossierReminder.dossier_id)
        .where(DossierReminder.officer_id == user.id, Dossier.organisation_id == user.organisation_id)
        .order_by(DossierReminder.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


# --- letters --------------------------------------------------------------------------------------


def letter_context(dossier: Dossier, kind: str, values: dict[str, Any], on: dt.date) -> dict[str, Any]:
    """Everything a letter template shows: plain data, no database objects."""
    title, _, basis = LETTERS[kind]
    bases = catalogue.load().legal_bases
    scan = current_scan(dossier)
    result = scan.latest_result if scan else None
    fired = [{"id": f["id"], "title": f["title"]} for f in (result.snapshot.get("fired", []) if result else [])]
    organisation = dossier_organisation(dossier)
    return {
        "kind": kind,
        "title": title,
        "date": on,
        "gemeente": organisation,
        "reference": dossier.reference or f"D-{dossier.id}",
        "applicant": {"name": dossier.applicant_name, "address": dossier.applicant_address},
        "subject": dossier.decision_subject or CONTEXTS[dossier.context],
        "context_label": CONTEXTS[dossier.context],
        "received_on": dossier.received_on,
        "v": values,
        "indicators": fired,
        "scan_label": catalogue.scans.label(scan.scan_type) if scan else None,
        "decision": {
            "label": DECISIONS.get(dossier.decision or "", ""),
            "ground": GROUNDS.get(dossier.decision_ground or "", ""),
            "on": dossier.decided_on,
            "by": dossier.decided_by,
            "summary": dossier.decision_summary,
        },
        "basis": [{"id": b, "title": bases[b]["title"]} for b in basis],
    }


def dossier_organisation(dossier: Dossier) -> str:
    from app.models import Organisation

    return db.session.get(Organisation, dossier.organisation_id).name


def make_letter(dossier: Dossier, user: User, kind: str, values: dict[str, Any]) -> DossierLetter:
    """Make a letter (PDF and DOCX), store it with the dossier, and record the step it takes.

    `values`: `on` (the sending date), and per kind `days` (the period the letter gives) and
    `missing` (hersteltermijn: what is missing).
    """
    if kind not in LETTERS:
        raise DossierError("Onbekende brief.")
    title, event_kind, _ = LETTERS[kind]
    access.require_dossier(user, "view" if kind == "besluit" else "edit", dossier)
    on = values.get("on") or today()
    data: dict[str, Any] = {}
    if kind == "besluit" and dossier.status != DOSSIER_CLOSED:
        raise DossierError("De samenvatting van het besluit maakt u na het vastleggen van het besluit.")
    if kind in ("vragenlijst", "hersteltermijn", "zienswijze"):
        default = {"vragenlijst": settings().questionnaire_days, "zienswijze": settings().zienswijze_days}.get(kind)
        days = values.get("days") or default
        if not days:
            raise DossierError("Geef de termijn in dagen die de brief noemt.")
        data["days"] = int(days)
        values = {**values, "days": int(days), "due": dl.period_end(on, int(days))}
    if kind == "hersteltermijn":
        missing = (values.get("missing") or "").strip()[:MAX_TEXT]
        if not missing:
            raise DossierError("Noem wat in de aanvraag ontbreekt.")
        values["missing"] = missing
    if kind == "zienswijze" and current_scan(dossier) is None:
        raise DossierError("Koppel eerst de scan: de uitnodiging noemt de gebruikte indicatoren (AVG art. 22).")
    if kind == "art32":
        asked = _lbb_pending(_kinds(dossier)) or next(
            (e for e in reversed(_kinds(dossier)) if e.kind == "lbb_advies_gevraagd"), None
        )
        if asked is None:
            raise DossierError("Leg eerst vast dat het advies van het LBB is gevraagd.")
        values = {**values, "asked_on": asked.on, "lbb_due": dl.period_end(asked.on, 7 * dl.LBB_WEEKS)}
    if event_kind:
        check_event(dossier, event_kind, on, data)
    context = letter_context(dossier, kind, values, on)
    html = render_template(f"letters/{kind}.html", l=context, for_pdf=True, static_prefix=STATIC_PREFIX)
    letter = DossierLetter(
        dossier_id=dossier.id,
        kind=kind,
        title=title,
        pdf=html_to_pdf(html),
        docx=html_to_docx(html, title),
        by_id=user.id,
    )
    db.session.add(letter)
    db.session.flush()
    if event_kind:
        _event(dossier, user, event_kind, on, {**data, "letter_id": letter.id})
    _event(dossier, user, "brief_gemaakt", on, {"letter_id": letter.id, "letter": kind})
    audit.record("dossier_letter", user=user, dossier_id=dossier.id, letter_id=letter.id, letter=kind)
    return letter


def letter_for(dossier: Dossier, letter_id: int) -> DossierLetter | None:
    return db.session.scalar(
        select(DossierLetter).where(DossierLetter.id == letter_id, DossierLetter.dossier_id == dossier.id)
    )


def download_letter(dossier: Dossier, user: User, letter_id: int, fmt: str) -> tuple[DossierLetter, bytes]:
    """A stored letter's bytes, audited (Wet Bibob art. 28: every export leaves a trace)."""
    access.require_dossier(user, "view", dossier)
    letter = letter_for(dossier, letter_id)
    if letter is None or fmt not in ("pdf", "docx"):
        raise access.DossierNotFound(dossier.id)
    audit.record("dossier_letter_exported", user=user, dossier_id=dossier.id, letter_id=letter.id, format=fmt)
    return letter, letter.pdf if fmt == "pdf" else letter.docx


# --- zienswijze and decision ----------------------------------------------------------------------


def record_zienswijze(dossier: Dossier, user: User, received_on: dt.date, summary: str, contested: list[str]) -> None:
    """The betrokkene's zienswijze, on the scan result it answers (the one Zienswijze record of advice model 2)."""
    access.require_dossier(user, "edit", dossier)
    scan = current_scan(dossier)
    if scan is None:
        raise DossierError("Koppel eerst de scan waarop de zienswijze reageert.")
    result = scan.latest_result
    summary = summary.strip()[:MAX_TEXT]
    if not summary:
        raise DossierError("Vat de zienswijze samen.")
    fired = {f["id"] for f in result.snapshot["fired"]}
    if any(c not in fired for c in contested):
        raise DossierError("De zienswijze kan alleen geraakte indicatoren betwisten.")
    check_event(dossier, "zienswijze_ontvangen", received_on, {})
    row = Zienswijze(
        result_id=result.id,
        received_on=received_on,
        summary=summary,
        contested=sorted(set(contested)),
        by_id=user.id,
    )
    db.session.add(row)
    db.session.flush()
    _event(
        dossier,
        user,
        "zienswijze_ontvangen",
        received_on,
        {"zienswijze_id": row.id, "scan_id": scan.id, "contested": sorted(set(contested))},
    )
    audit.record(
        "zienswijze_recorded",
        scan.id,
        user=user,
        result_id=result.id,
        dossier_id=dossier.id,
        contested=sorted(set(contested)),
    )


def decide(dossier: Dossier, user: User, values: dict[str, Any]) -> None:
    """Record the bestuursorgaan's decision; the dossier and the approved scan it rests on are frozen together."""
    access.require_dossier(user, "decide", dossier)
    decision, ground = values["decision"], values["ground"]
    if dossier.context not in DECISION_CONTEXTS[decision]:
        raise DossierError(f"'{DECISIONS[decision]}' past niet bij dit besluit ({CONTEXTS[dossier.context]}).")
    if values["decided_on"] > today():
        raise DossierError("De datum van het besluit kan niet in de toekomst liggen.")
    past = _kinds(dossier)
    if needs_zienswijze(decision, ground) and not any(e.kind == "zienswijze_gevraagd" for e in past):
        raise DossierError(
            "Vóór voorschriften of een negatief besluit op grond van de Wet Bibob krijgt de betrokkene de "
            "gelegenheid een zienswijze te geven (art. 33 Wet Bibob). Stuur eerst de uitnodiging."
        )
    if _lbb_pending(past):
        raise DossierError("Het advies van het LBB is nog niet ontvangen; leg dat eerst vast.")
    scan = current_scan(dossier)
    if ground != "geen_bibob_grond" and (scan is None or scan.status != STATUS_APPROVED):
        raise DossierError("Een besluit op grond van de Wet Bibob rust op een vastgestelde scan. Koppel die eerst.")
    result: ScanResult | None = scan.latest_result if scan is not None and scan.status == STATUS_APPROVED else None
    dossier.decision, dossier.decision_ground = decision, ground
    dossier.decided_on, dossier.decided_by = values["decided_on"], values["decided_by"].strip()[:120]
    dossier.decision_summary = (values.get("summary") or "").strip()[:MAX_TEXT]
    dossier.decision_recorded_by_id = user.id
    if result is not None:
        dossier.decision_scan_id, dossier.decision_result_id = scan.id, result.id
        dossier.decision_answers_hash = result.answers_hash
    dossier.move_to(DOSSIER_CLOSED)
    dossier.closed_at = utcnow()
    _event(
        dossier,
        user,
        "besluit",
        values["decided_on"],
        {
            "decision": decision,
            "ground": ground,
            "scan_id": dossier.decision_scan_id,
            "result_id": dossier.decision_result_id,
        },
    )
    audit.record(
        "dossier_decided", dossier.decision_scan_id, user=user, dossier_id=dossier.id, decision=decision, ground=ground
    )


def decision_frozen_state(dossier: Dossier) -> str | None:
    """The scan result the decision rests on: "ongewijzigd", "gewijzigd", "verwijderd" (retention) or None."""
    if dossier.decision_answers_hash is None:
        return None
    result = db.session.get(ScanResult, dossier.decision_result_id) if dossier.decision_result_id else None
    if result is None:
        return "verwijderd"
    return "ongewijzigd" if result.answers_hash == dossier.decision_answers_hash else "gewijzigd"


# --- Bibob-register -------------------------------------------------------------------------------

REGISTER_FIELDS = (
    "dossier",
    "bestuursorgaan",
    "betrokkene_naam",
    "betrokkene_kvk",
    "soort_besluit",
    "besluit",
    "gevaarsconclusie",
    "datum_besluit",
    "besloten_door",
    "advies_lbb_gevraagd",
    "conclusie_advies_lbb",
    "datum_advies_lbb",
)


def register_record(dossier: Dossier) -> dict[str, Any]:
    """The registration data for the Bibob-register (art. 28 confidential; to be submitted by hand)."""
    past = _kinds(dossier)
    asked = [e for e in past if e.kind == "lbb_advies_gevraagd"]
    advice = [e for e in past if e.kind == "lbb_advies_ontvangen"]
    return {
        "dossier": dossier.reference or f"D-{dossier.id}",
        "bestuursorgaan": dossier_organisation(dossier),
        "betrokkene_naam": dossier.applicant_name,
        "betrokkene_kvk": dossier.applicant_kvk or "",
        "soort_besluit": CONTEXTS[dossier.context],
        "besluit": DECISIONS[dossier.decision],
        "gevaarsconclusie": GROUNDS[dossier.decision_ground],
        "datum_besluit": dossier.decided_on.isoformat(),
        "besloten_door": dossier.decided_by,
        "advies_lbb_gevraagd": "ja" if asked else "nee",
        "conclusie_advies_lbb": LBB_CONCLUSIONS.get(advice[-1].data.get("conclusion"), "") if advice else "",
        "datum_advies_lbb": advice[-1].on.isoformat() if advice else "",
    }


def register_export(dossier: Dossier, user: User, fmt: str) -> bytes:
    """The Bibob-register data as JSON or CSV for an authorised official to submit; never sent by us."""
    access.require_dossier(user, "register", dossier)
    record = register_record(dossier)
    _event(dossier, user, "register_export", today(), {"format": fmt})
    audit.record("dossier_register_export", dossier.decision_scan_id, user=user, dossier_id=dossier.id, format=fmt)
    if fmt == "json":
        body = {
            "let_op": "VERTROUWELIJK – Wet Bibob art. 28. Zelf indienen via het Justid Informatieportaal; "
            "deze applicatie verstuurt niets.",
            "registratie": record,
        }
        return json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8")
    return csv_bytes(list(REGISTER_FIELDS), [[record[f] for f in REGISTER_FIELDS]])
