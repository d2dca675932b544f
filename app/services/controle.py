"""TOV controle preparation: a printable brief for an integral control, and the findings brought back.

The brief is built from what the rules say: per location the fired indicators, why
they fired, the on-site check points (`control_points`) and the partners to involve
(`partners`); then the observations the questionnaire asks for at a schouw (questions
with source "schouw"), as a checklist with room for findings. Findings entered
afterwards are saved as the scan's answers to those same questions, so a re-evaluation
uses them.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from app.db import db, utcnow
from app.engine.evaluator import Evaluator
from app.forms.model import Question, Questionnaire, Step
from app.models import Portfolio, PortfolioRow, Scan, User
from app.rules.catalogue import Catalogue
from app.rules.vocabulary import CATEGORIES, LEVELS, PARTNERS, SCANS
from app.services import access, audit
from app.services.scans import REQUIRED, check_step, save_step
from app.web.filters import datumtijd

ON_SITE = "schouw"


class NoResult(ValueError):
    """The scan has not been evaluated: there are no fired indicators to prepare a control for."""


class IndicatorSchema(Schema):
    id = fields.String()
    title = fields.String()
    category = fields.String()
    why = fields.List(fields.String())
    control_points = fields.List(fields.String())
    partners = fields.List(fields.String())


class LocationSchema(Schema):
    name = fields.String()
    address = fields.String()
    kvk = fields.String()
    level = fields.String()
    level_label = fields.String()
    score = fields.Integer()
    indicators = fields.List(fields.Nested(IndicatorSchema))


class PartnerSchema(Schema):
    label = fields.String()
    indicators = fields.List(fields.String())
    locations = fields.List(fields.String())


class ObservationSchema(Schema):
    question = fields.String()
    label = fields.String()
    options = fields.List(fields.String())
    free_text = fields.Boolean()


class BriefSchema(Schema):
    """The controle brief's context: plain data, the same for the HTML page and the PDF."""

    scan_label = fields.String()
    origin = fields.String()
    organisation = fields.String()
    made_by = fields.String()
    made_at = fields.String()
    ruleset_version = fields.String()
    locations = fields.List(fields.Nested(LocationSchema))
    partners = fields.List(fields.Nested(PartnerSchema))
    observations = fields.List(fields.Nested(ObservationSchema))


def brief_for_scan(user: User, scan: Scan, catalogue: Catalogue) -> dict[str, Any]:
    """The brief for one evaluated scan, from its stored result (as it was evaluated)."""
    result = scan.latest_result
    if result is None:
        raise NoResult(scan.id)
    snapshot = result.snapshot
    indicators = [
        {
            "id": f["id"],
            "title": f["title"],
            "category": f["category_label"],
            "why": [_why(t["label"], t["shown"]) for t in f["triggers"]],
            "control_points": f["control_points"],
            "partners": [PARTNERS[p] for p in f["partners"]],
        }
        for f in snapshot["fired"]
    ]
    location = _location(scan.subject_name, scan.subject_address, scan.subject_kvk or "", result.level, result.score)
    audit.record("controle_brief", scan.id, user=user)
    db.session.commit()
    return _brief(
        user,
        scan.scan_type,
        f"Scan {scan.id}, beoordeeld op {datumtijd(result.created_at)}",
        result.ruleset_version,
        [{**location, "indicators": indicators}],
        catalogue.questionnaires[scan.scan_type],
    )


def brief_for_rows(user: User, portfolio: Portfolio, rows: list[PortfolioRow], catalogue: Catalogue) -> dict[str, Any]:
    """The brief for a selection of portfolio rows, with the current rules' check points and partners."""
    access.require_portfolio(user, "brief", portfolio)
    questionnaire = catalogue.questionnaires[portfolio.scan_type]
    rules = {r.id: r for r in catalogue.rules_for(portfolio.scan_type)}
    locations = []
    for row in rows:
        indicators = [_row_indicator(rules.get(i), i, row.answers, questionnaire) for i in row.fired]
        location = _location(row.subject_name, row.subject_address, row.subject_kvk, row.level, row.score)
        locations.append({**location, "indicators": indicators})
    audit.record("controle_brief", None, user=user, portfolio=portfolio.id, rows=len(rows))
    db.session.commit()
    origin = f"Portfolio '{portfolio.name}': {len(rows)} van {portfolio.evaluated_rows} locaties"
    return _brief(user, portfolio.scan_type, origin, portfolio.ruleset_version, locations, questionnaire)


def _row_indicator(rule, rule_id: str, answers: dict[str, Any], questionnaire: Questionnaire) -> dict[str, Any]:
    if rule is None:  # the rule was withdrawn since the portfolio was evaluated
        return {"id": rule_id, "title": "(niet meer in de catalogus)", "category": "", "why": [], "control_points": []}
    return {
        "id": rule.id,
        "title": rule.title,
        "category": CATEGORIES[rule.category],
        "why": [_why(t.label, t.shown) for t in Evaluator.triggers(rule, answers, questionnaire)],
        "control_points": list(rule.control_points),
        "partners": [PARTNERS[p] for p in rule.partners],
    }


def _why(label: str, shown: str) -> str:
    """One answer that made the indicator fire, as the brief shows it: "question: answer"."""
    return f"{label}: {shown}"


def _location(name: str, address: str, kvk: str, level: str, score: int) -> dict[str, Any]:
    return {"name": name, "address": address, "kvk": kvk, "level": level, "level_label": LEVELS[level], "score": score}


def _brief(
    user: User,
    scan_type: str,
    origin: str,
    ruleset_version: str,
    locations: list[dict[str, Any]],
    questionnaire: Questionnaire,
) -> dict[str, Any]:
    data = {
        "scan_label": SCANS[scan_type],
        "origin": origin,
        "organisation": user.organisation.name,
        "made_by": user.name,
        "made_at": datumtijd(utcnow()),
        "ruleset_version": ruleset_version,
        "locations": locations,
        "partners": _partners(locations),
        "observations": [_observation(q) for q in on_site_questions(questionnaire)],
    }
    return BriefSchema().dump(data)


def _partners(locations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each partner once, with the indicators and locations it is needed for (in vocabulary order)."""
    by_label: dict[str, dict[str, list[str]]] = {}
    for location in locations:
        for indicator in location["indicators"]:
            for label in indicator.get("partners", []):
                entry = by_label.setdefault(label, {"indicators": [], "locations": []})
                if indicator["id"] not in entry["indicators"]:
                    entry["indicators"].append(indicator["id"])
                if location["name"] not in entry["locations"]:
                    entry["locations"].append(location["name"])
    order = list(PARTNERS.values())
    return [{"label": k, **v} for k, v in sorted(by_label.items(), key=lambda kv: order.index(kv[0]))]


def _observation(q: Question) -> dict[str, Any]:
    if q.type == "ja_nee":
        options = ["ja", "nee"]
    elif q.type in ("keuze", "meerkeuze"):
        options = [o.label for o in q.options]
    else:
        options = []
    return {"question": q.id, "label": q.label, "options": options, "free_text": not options}


def on_site_questions(questionnaire: Questionnaire) -> list[Question]:
    """The questions answered by observation at a schouw or control, in questionnaire order."""
    return [q for q in questionnaire.questions.values() if q.source == ON_SITE]


def findings_step(questionnaire: Questionnaire) -> Step:
    """A page of all on-site questions, for entering a control's findings in one go."""
    return Step(
        id="bevindingen",
        title="Bevindingen van de controle",
        intro="Vul in wat bij de controle is waargenomen. Lege velden laten bestaande antwoorden leeg.",
        questions=tuple(on_site_questions(questionnaire)),
    )


def save_findings(
    user: User, scan: Scan, questionnaire: Questionnaire, findings: dict[str, Any]
) -> dict[str, list[str]]:
    """Save a control's findings as the scan's answers, all steps in one transaction; return errors (then nothing).

    Only on-site questions change; the other answers of a step are kept as they were.
    """
    access.require(user, "edit", scan)
    saved = scan.answers()
    page = {q.id for q in on_site_questions(questionnaire)}
    plan: list[tuple[Step, dict[str, Any]]] = []
    errors: dict[str, list[str]] = {}
    for step in questionnaire.steps:
        ids = [q.id for q in step.questions if q.id in page]
        if not ids:
            continue
        submitted = {q.id: saved[q.id] for q in step.questions if q.id in saved and q.id not in page}
        submitted.update({i: findings[i] for i in ids if i in findings})
        kept, step_errors = check_step(questionnaire, step, submitted, saved)
        for key, messages in step_errors.items():
            if key in page:
                errors[key] = messages
            elif messages != [REQUIRED]:  # a saved answer elsewhere in the step no longer fits: do not guess
                errors["_"] = [f"De opgeslagen antwoorden van stap '{step.title}' kloppen niet; open die stap."]
        plan.append((step, kept))
    if errors:
        return errors
    for step, kept in plan:
        save_step(scan, step, kept, None, user, commit=False)
    audit.record("findings_saved", scan.id, user=user, questions=len([k for k in findings if k in page]))
    db.session.commit()
    return {}
