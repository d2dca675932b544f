"""Management figures over Bibob dossiers: counts only, never a name, address or KvK number.

A gemeente officer sees its own gemeente; the RIEC (jurist, TOV adviser) sees the dossiers the
gemeenten shared with it, per gemeente. Figures: open and decided dossiers, decisions per branch,
scan outcomes per scan, processing times against the beslistermijn, LBB requests, data quality.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import false, select

from app.db import db
from app.dossier import deadlines as dl
from app.dossier.vocabulary import DECISIONS
from app.extensions import catalogue
from app.models import Dossier, Organisation, User
from app.models.dossier import DOSSIER_CLOSED, DOSSIER_OPEN
from app.services import access, dossiers

NO_BRANCH = "(geen branche opgegeven)"


def scope(user: User):
    """The dossiers counted for this user (access checked)."""
    access.require_dossier(user, "figures")
    query = select(Dossier)
    if user.role == "bibob_officer":
        return query.where(Dossier.organisation_id == user.organisation_id)
    if user.role in ("jurist", "tov_adviser"):
        return query.where(Dossier.shared_with_riec.is_(True))
    return query.where(false())


def _bars(counter: Counter) -> list[dict[str, Any]]:
    """Counts as chart bars, largest first, with the bar length in percent of the largest."""
    top = max(counter.values(), default=0)
    return [
        {"label": label, "count": n, "bar": round(100 * n / top) if top else 0}
        for label, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def figures(user: User) -> dict[str, Any]:
    """Every figure of the management page for this user."""
    rows = list(db.session.scalars(scope(user)))
    names = {o.id: o.name for o in db.session.scalars(select(Organisation))}
    status = Counter("Open" if d.status == DOSSIER_OPEN else "Besloten" for d in rows)
    per_gemeente = Counter(names[d.organisation_id] for d in rows)
    decisions: dict[str, Counter] = defaultdict(Counter)
    outcomes: dict[str, Counter] = defaultdict(Counter)
    durations, on_time, late, lbb, extended, lbb_days = [], 0, 0, 0, 0, []
    missing_essential = no_scan = 0
    for d in rows:
        branch = d.branch or NO_BRANCH
        if d.status == DOSSIER_CLOSED and d.decision:
            decisions[branch][DECISIONS[d.decision]] += 1
        scan = dossiers.current_scan(d)
        if scan is None:
            no_scan += 1
        else:
            snapshot = scan.latest_result.snapshot
            outcomes[catalogue.scans.label(scan.scan_type)][snapshot.get("outcome_label", "")] += 1
            missing_essential += bool(snapshot.get("missing_essential"))
        timeline = dossiers.events(d)
        kinds = [e.kind for e in timeline]
        lbb += "lbb_advies_gevraagd" in kinds
        extended += "lbb_verlenging" in kinds
        asked = next((e for e in timeline if e.kind == "lbb_advies_gevraagd"), None)
        got = next((e for e in timeline if e.kind == "lbb_advies_ontvangen"), None)
        if asked and got:
            lbb_days.append((got.on - asked.on).days)
        if d.status == DOSSIER_CLOSED and d.received_on and d.decided_on:
            durations.append((d.decided_on - d.received_on).days)
            term = next((t for t in dossiers.deadlines(d, d.decided_on) if t.kind == "beslistermijn"), None)
            if term is not None and term.status == dl.MET:
                late += term.late
                on_time += not term.late
    return {
        "total": len(rows),
        "status": _bars(status),
        "per_gemeente": _bars(per_gemeente),
        "decisions": {b: _bars(c) for b, c in sorted(decisions.items())},
        "outcomes": {s: _bars(c) for s, c in sorted(outcomes.items())},
        "duration": {
            "count": len(durations),
            "mean": round(statistics.mean(durations)) if durations else None,
            "median": round(statistics.median(durations)) if durations else None,
            "on_time": on_time,
            "late": late,
        },
        "lbb": {
            "requests": lbb,
            "extended": extended,
            "median_days": round(statistics.median(lbb_days)) if lbb_days else None,
        },
        "quality": {
            "missing_essential": missing_essential,
            "no_scan": no_scan,
            "no_received_on": sum(d.received_on is None for d in rows),
        },
        "riec": user.role != "bibob_officer",
    }


def table(data: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The figures as one flat table for CSV/XLSX: kengetal, groep, waarde."""
    out: list[list[Any]] = [["Dossiers", "totaal", data["total"]]]
    out += [["Dossiers naar status", b["label"], b["count"]] for b in data["status"]]
    if data["riec"]:
        out += [["Dossiers per gemeente", b["label"], b["count"]] for b in data["per_gemeente"]]
    for branch, bars in data["decisions"].items():
        out += [[f"Besluiten – {branch}", b["label"], b["count"]] for b in bars]
    for scan, bars in data["outcomes"].items():
        out += [[f"Uitkomst scan – {scan}", b["label"], b["count"]] for b in bars]
    duration = data["duration"]
    out += [
        ["Doorlooptijd (dagen)", "gemiddeld", duration["mean"] if duration["mean"] is not None else ""],
        ["Doorlooptijd (dagen)", "mediaan", duration["median"] if duration["median"] is not None else ""],
        ["Beslistermijn", "binnen de termijn", duration["on_time"]],
        ["Beslistermijn", "na de termijn", duration["late"]],
        ["Advies LBB", "aangevraagd", data["lbb"]["requests"]],
        ["Advies LBB", "termijn verlengd", data["lbb"]["extended"]],
        ["Advies LBB", "mediaan duur (dagen)", data["lbb"]["median_days"] if data["lbb"]["median_days"] else ""],
        ["Datakwaliteit", "essentiële antwoorden ontbreken", data["quality"]["missing_essential"]],
        ["Datakwaliteit", "geen scan gekoppeld", data["quality"]["no_scan"]],
        ["Datakwaliteit", "geen ontvangstdatum aanvraag", data["quality"]["no_received_on"]],
    ]
    return ["Kengetal", "Groep", "Waarde"], out
