"""The statutory deadlines of a Bibob dossier, computed from its timeline and the settings.

Pure: no database, no Flask. The dossier service hands in the timeline (events with a date)
and gets back every deadline with its due date, its status and its legal basis (ids from
`rules/references.yaml`). How each period is counted:

- Working days and public holidays follow the Algemene termijnenwet (Atw): a period that ends
  on a Saturday, Sunday or an algemeen erkende feestdag runs on to the next working day (art. 1);
  a period of at least three days holds at least two working days (art. 2). The feestdagen are
  those of Atw art. 3: the Dutch public holidays of the `holidays` library, with Goede Vrijdag,
  and 5 May every year (the library only lists it in lustrum years). Periods the bestuursorgaan
  sets itself (vragenlijst, hersteltermijn, zienswijze) are counted the same way, so a letter
  never names a weekend or a holiday as the last day.
- The beslistermijn (Awb 4:13, or the period the settings give per decision type) starts the day
  after the application is received and is suspended (a) from the invitation to complete the
  application (Awb 4:5) until it is completed, at most until the hersteltermijn ends (Awb 4:15
  lid 1 onder a), and (b) from the day the LBB advice is requested until the day it is received,
  at most the LBB's own period: 8 weeks plus any art. 15 lid 2 suspension plus the one
  extension of at most 4 weeks (Wet Bibob art. 31 with art. 15). A suspension still running
  counts at its maximum: the date shown is then the latest possible one ("uiterlijk").
- Suspensions are counted in calendar days from the first day up to (not including) the day
  it ends; the period is extended by that many days before the Atw is applied.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import holidays

DAY = dt.timedelta(days=1)

#: The LBB's advice period and its one extension (Wet Bibob art. 15 lid 1 and 3): the law, not a setting.
LBB_WEEKS = 8
LBB_EXTENSION_MAX_WEEKS = 4

# Statuses of a deadline, with the Dutch label the pages show.
OPEN, SOON, OVERDUE, MET, SUSPENDED, CLOSED = "lopend", "binnenkort", "verlopen", "voldaan", "opgeschort", "vervallen"
STATUS_LABELS: dict[str, str] = {
    OPEN: "Lopend",
    SOON: "Verloopt binnenkort",
    OVERDUE: "Verlopen",
    MET: "Voldaan",
    SUSPENDED: "Opgeschort",
    CLOSED: "Vervallen (dossier besloten)",
}
#: Statuses that ask the officer to act; the start page and reminders show these.
ACTION_STATUSES: tuple[str, ...] = (SOON, OVERDUE)


@lru_cache(maxsize=64)
def feestdagen(year: int) -> dict[dt.date, str]:
    """The algemeen erkende feestdagen of one year in the sense of Atw art. 3 (with Goede Vrijdag and 5 May)."""
    days = dict(holidays.country_holidays("NL", years=year, language="nl"))
    days.setdefault(dt.date(year, 5, 5), "Bevrijdingsdag")
    return days


def holiday_name(day: dt.date) -> str | None:
    """The name of the feestdag on `day`, or None."""
    return feestdagen(day.year).get(day)


def is_working_day(day: dt.date) -> bool:
    """Not a Saturday, Sunday or algemeen erkende feestdag (Atw art. 1 and 3)."""
    return day.weekday() < 5 and holiday_name(day) is None


def next_working_day(day: dt.date) -> dt.date:
    """`day` itself if it is a working day, else the first working day after it (Atw art. 1)."""
    while not is_working_day(day):
        day += DAY
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += DAY
        count += is_working_day(day)
    return count


def period_end(start: dt.date, days: int) -> dt.date:
    """Last day of a period of `days` days that starts the day after `start`, under the Atw.

    Art. 2: a period of at least three days holds at least two working days; art. 1: it never
    ends on a weekend or feestdag.
    """
    end = start + dt.timedelta(days=days)
    if days >= 3:
        while working_days_between(start, end) < 2:
            end += DAY
    return next_working_day(end)


@dataclass(frozen=True)
class Event:
    """One dated entry of a dossier's timeline, as far as deadlines care (kind, date, data)."""

    kind: str
    on: dt.date
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Settings:
    """The periods the law leaves to the gemeente (config `DOSSIER_*`)."""

    questionnaire_days: int = 14
    zienswijze_days: int = 14
    decision_weeks: Mapping[str, int] = field(default_factory=lambda: {"beschikking_aanvraag": 8, "subsidie": 8})
    soon_working_days: int = 5


@dataclass(frozen=True)
class Deadline:
    """One deadline of a dossier: what, from when, until when, its state, and why (legal basis ids)."""

    kind: str
    label: str
    start: dt.date
    due: dt.date
    status: str
    basis: tuple[str, ...]
    met_on: dt.date | None = None
    note: str = ""
    provisional: bool = False  # a suspension still runs: `due` is the latest possible date

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def late(self) -> bool:
        """Met, but after the due date."""
        return self.met_on is not None and self.met_on > self.due

    @property
    def needs_action(self) -> bool:
        return self.status in ACTION_STATUSES


LABELS: dict[str, str] = {
    "vragenlijst": "Terugsturen Bibob-vragenlijst",
    "hersteltermijn": "Hersteltermijn aanvulling (Awb 4:5)",
    "lbb_advies": "Advies Landelijk Bureau Bibob",
    "zienswijze": "Zienswijze betrokkene (art. 33 Wet Bibob)",
    "beslistermijn": "Beslistermijn",
}
BASIS: dict[str, tuple[str, ...]] = {
    "vragenlijst": ("wet_bibob_7a", "atw_1"),
    "hersteltermijn": ("awb_4_5", "awb_4_15", "atw_1"),
    "lbb_advies": ("wet_bibob_15", "atw_1"),
    "zienswijze": ("wet_bibob_33", "awb_4_8", "atw_1"),
    "beslistermijn": ("awb_4_13", "awb_4_15", "wet_bibob_31", "atw_1"),
}


def _first(events: Sequence[Event], kind: str, after: dt.date) -> Event | None:
    """The first event of `kind` on or after `after`."""
    return next((e for e in events if e.kind == kind and e.on >= after), None)


def _last(events: Sequence[Event], kind: str) -> Event | None:
    found = [e for e in events if e.kind == kind]
    return found[-1] if found else None


def _status(due: dt.date, met_on: dt.date | None, today: dt.date, settings: Settings, suspended=False) -> str:
    if met_on is not None:
        return MET
    if suspended:
        return SUSPENDED
    if today > due:
        return OVERDUE
    if working_days_between(today, due) <= settings.soon_working_days:
        return SOON
    return OPEN


def _simple(kind, start, days, closing, events, today, settings, note="") -> Deadline:
    """A period set in days from `start`, met by the first `closing` event."""
    due = period_end(start, days)
    met = _first(events, closing, start)
    met_on = met.on if met else None
    return Deadline(kind, LABELS[kind], start, due, _status(due, met_on, today, settings), BASIS[kind], met_on, note)


@dataclass(frozen=True)
class Suspension:
    """Days a period is suspended, and whether the suspension still runs."""

    days: int
    running: bool
    note: str


def hersteltermijn_deadlines(events: Sequence[Event], today: dt.date, settings: Settings):
    """Every hersteltermijn given, each with the suspension of the beslistermijn it caused (Awb 4:15)."""
    out: list[tuple[Deadline, Suspension]] = []
    for given in (e for e in events if e.kind == "hersteltermijn_gegeven"):
        days = int(given.data["days"])
        deadline = _simple("hersteltermijn", given.on, days, "aanvulling_ontvangen", events, today, settings)
        if deadline.met_on is not None and deadline.met_on <= deadline.due:
            end, running = deadline.met_on, False
        elif deadline.met_on is not None or today > deadline.due:
            end, running = deadline.due, False
        else:
            end, running = deadline.due, True  # at most until the hersteltermijn ends
        span = (end - given.on).days
        note = f"hersteltermijn {given.on:%d-%m-%Y}: {span} dagen{' (loopt nog, maximaal)' if running else ''}"
        out.append((deadline, Suspension(span, running, note)))
    return out


def lbb_deadline(events: Sequence[Event], today: dt.date, settings: Settings) -> tuple[Deadline, Suspension] | None:
    """The LBB advice period (art. 15) and the suspension of the beslistermijn it causes (art. 31)."""
    asked = _last(events, "lbb_advies_gevraagd")
    if asked is None:
        return None
    start = asked.on
    received = _first(events, "lbb_advies_ontvangen", start)
    lid2_days, lid2_running = 0, False
    for request in (e for e in events if e.kind == "lbb_gegevens_gevraagd" and e.on >= start):
        answer = _first(events, "lbb_gegevens_ontvangen", request.on)
        until = answer.on if answer else (received.on if received else today)
        lid2_days += max((until - request.on).days, 0)
        lid2_running = lid2_running or (answer is None and received is None)
    extension = _first(events, "lbb_verlenging", start)
    ext_weeks = (
        min(int(extension.data.get("weeks", LBB_EXTENSION_MAX_WEEKS)), LBB_EXTENSION_MAX_WEEKS) if extension else 0
    )
    cap_days = 7 * (LBB_WEEKS + ext_weeks) + lid2_days
    due = next_working_day(start + dt.timedelta(days=cap_days))
    met_on = received.on if received else None
    notes = []
    if lid2_days:
        notes.append(f"opgeschort {lid2_days} dagen voor gegevens (art. 15 lid 2)")
    if ext_weeks:
        notes.append(f"eenmaal verlengd met {ext_weeks} weken (art. 15 lid 3)")
    status = _status(due, met_on, today, settings, suspended=lid2_running)
    deadline = Deadline(
        "lbb_advies",
        LABELS["lbb_advies"],
        start,
        due,
        status,
        BASIS["lbb_advies"],
        met_on,
        "; ".join(notes),
        provisional=lid2_running,
    )
    if received is not None:
        span, running = min((received.on - start).days, cap_days), False
    else:
        # Still waiting: count the suspension at its maximum (an extension may still come, unless given).
        span = cap_days if extension else cap_days + 7 * LBB_EXTENSION_MAX_WEEKS
        running = True
    note = f"adviesaanvraag LBB {start:%d-%m-%Y}: {span} dagen{' (loopt nog, maximaal)' if running else ''}"
    return deadline, Suspension(span, running, note)


def decision_deadline(
    received_on: dt.date | None,
    context: str,
    events: Sequence[Event],
    suspensions: Sequence[Suspension],
    today: dt.date,
    settings: Settings,
) -> Deadline | None:
    """The beslistermijn: weeks per decision type from the application, plus every suspension, under the Atw."""
    weeks = settings.decision_weeks.get(context)
    if not weeks or received_on is None:
        return None
    suspended_days = sum(s.days for s in suspensions)
    running = any(s.running for s in suspensions)
    due = next_working_day(received_on + dt.timedelta(weeks=weeks, days=suspended_days))
    decided = _first(events, "besluit", received_on)
    met_on = decided.on if decided else None
    note = f"{weeks} weken na ontvangst van de aanvraag"
    if suspensions:
        note += "; opgeschort: " + "; ".join(s.note for s in suspensions)
    status = _status(due, met_on, today, settings, suspended=running)
    return Deadline(
        "beslistermijn",
        LABELS["beslistermijn"],
        received_on,
        due,
        status,
        BASIS["beslistermijn"],
        met_on,
        note,
        provisional=running,
    )


def compute(
    events: Sequence[Event],
    received_on: dt.date | None,
    context: str,
    today: dt.date,
    settings: Settings | None = None,
) -> list[Deadline]:
    """Every deadline of a dossier on `today`, in the order the procedure meets them."""
    settings = settings or Settings()
    events = sorted(events, key=lambda e: e.on)  # stable: same-day events keep their recorded order
    deadlines: list[Deadline] = []
    suspensions: list[Suspension] = []
    sent = _last(events, "vragenlijst_verzonden")
    if sent is not None:
        days = int(sent.data.get("days") or settings.questionnaire_days)
        deadlines.append(_simple("vragenlijst", sent.on, days, "vragenlijst_ontvangen", events, today, settings))
    for deadline, suspension in hersteltermijn_deadlines(events, today, settings):
        deadlines.append(deadline)
        suspensions.append(suspension)
    lbb = lbb_deadline(events, today, settings)
    if lbb is not None:
        deadlines.append(lbb[0])
        suspensions.append(lbb[1])
    asked = _last(events, "zienswijze_gevraagd")
    if asked is not None:
        days = int(asked.data.get("days") or settings.zienswijze_days)
        deadlines.append(_simple("zienswijze", asked.on, days, "zienswijze_ontvangen", events, today, settings))
    decision = decision_deadline(received_on, context, events, suspensions, today, settings)
    if decision is not None:
        deadlines.append(decision)
    if _last(events, "besluit") is not None:
        deadlines = [_closed(d) for d in deadlines]
    return deadlines


def _closed(deadline: Deadline) -> Deadline:
    """After the decision an unmet deadline no longer asks for action."""
    if deadline.status == MET:
        return deadline
    return Deadline(
        deadline.kind, deadline.label, deadline.start, deadline.due, CLOSED, deadline.basis, None, deadline.note
    )
