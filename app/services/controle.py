"""TOV controle preparation: a printable brief for an integral control, and the findings brought back.

The brief is built from what the rules say: per location the fired indicators, why
they fired, the on-site check points (`control_points`) and the partners to involve
(`partners`); then the observations the questionnaire asks for at a schouw (questions
whose channel is marked `bevindingen`), as a checklist with room for findings. Findings
entered afterwards are saved as the scan's answers to those same questions, so a
re-evaluation uses them.

Need to know (Wet Bibob art. 28, AVG art. 10): a brief is made for recipients chosen from
`forms/_kanalen.yaml` (`ontvangers`), each with the legal ground that lets it receive what.
An indicator resting on an answer whose shareability says `weglaten` (partner information,
justitiële and politiegegevens, other criminal data) is left out whole; an answer the
recipients may not all receive is left out of "Waarom" (title and check points stay);
a rebutted indicator is left out, or marked where every recipient may know of it. Every
brief is audited with its maker, recipients and the indicator ids it holds and left out.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from app.db import db, utcnow
from app.engine.evaluator import Evaluator
from app.forms.channels import ChannelTable, Provenance, Recipient
from app.forms.model import Question, Questionnaire, Step
from app.forms.text import displayed_answer
from app.models import Portfolio, PortfolioRow, Scan, User
from app.rules.catalogue import Catalogue
from app.rules.vocabulary import CATEGORIES, LEVELS, PARTNERS
from app.services import access, audit, review
from app.services.scans import REQUIRED, check_step, save_step
from app.web.filters import datumtijd

#: What a brief does with an indicator, per answer behind it.
SHOW_ANSWER, TITLE_ONLY, LEAVE_OUT = "antwoord", "titel", "weglaten"


class NoResult(ValueError):
    """The scan has not been evaluated: there are no fired indicators to prepare a control for."""


class NoRecipients(ValueError):
    """No (known) recipients chosen: a brief is always made for named recipients."""


class IndicatorSchema(Schema):
    id = fields.String()
    title = fields.String()
    category = fields.String()
    why = fields.List(fields.String())
    control_points = fields.List(fields.String())
    partners = fields.List(fields.String())
    rebutted = fields.Boolean()


class RecipientSchema(Schema):
    id = fields.String()
    label = fields.String()
    legal_ground = fields.String()


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
    recipients = fields.List(fields.Nested(RecipientSchema))
    left_out = fields.Integer()
    rebuttals_marked = fields.Boolean()


def channel_table(catalogue: Catalogue) -> ChannelTable:
    """The channel table the questionnaires were loaded with (one for all scans)."""
    return next(iter(catalogue.questionnaires.values())).channels


def recipient_choices(catalogue: Catalogue) -> list[Recipient]:
    """Every recipient a brief may be made for, in the table's order (for the choice page)."""
    return list(channel_table(catalogue).recipients.values())


def chosen_recipients(catalogue: Catalogue, ids: list[str]) -> list[Recipient]:
    """The recipients with these ids; NoRecipients when none is chosen or one is unknown."""
    table = channel_table(catalogue).recipients
    unknown = [i for i in ids if i not in table]
    if not ids or unknown:
        raise NoRecipients(unknown)
    return [table[i] for i in dict.fromkeys(ids)]


def brief_for_scan(user: User, scan: Scan, catalogue: Catalogue, recipients: list[Recipient]) -> dict[str, Any]:
    """The brief for one evaluated scan and these recipients, from its stored result (as it was evaluated)."""
    result = scan.latest_result
    if result is None:
        raise NoResult(scan.id)
    questionnaire = catalogue.questionnaires[scan.scan_type]
    policy = _Policy(channel_table(catalogue), recipients)
    rebutted = {i for i, r in review.rebuttals(result).items() if r.rebutted}
    indicators = []
    for f in result.snapshot["fired"]:
        provenances = [_stored_provenance(t, questionnaire) for t in f["triggers"]]
        indicator = {
            "id": f["id"],
            "title": f["title"],
            "category": f["category_label"],
            "control_points": f["control_points"],
            "partners": [PARTNERS[p] for p in f["partners"]],
        }
        indicators.append(policy.apply(indicator, f["triggers"], provenances, f["id"] in rebutted))
    location = _location(scan.subject_name, scan.subject_address, scan.subject_kvk or "", result.level, result.score)
    location["indicators"] = [i for i in indicators if i is not None]
    policy.audit(user, scan.id, location["indicators"], [f["id"] for f in result.snapshot["fired"]])
    return _brief(
        user,
        scan.scan_type,
        f"Scan {scan.id}, beoordeeld op {datumtijd(result.created_at)}",
        result.ruleset_version,
        [location],
        questionnaire,
        policy,
    )


def brief_for_rows(
    user: User, portfolio: Portfolio, rows: list[PortfolioRow], catalogue: Catalogue, recipients: list[Recipient]
) -> dict[str, Any]:
    """The brief for a selection of portfolio rows and these recipients, with the current rules' check points."""
    access.require_portfolio(user, "brief", portfolio)
    questionnaire = catalogue.questionnaires[portfolio.scan_type]
    rules = {r.id: r for r in catalogue.rules_for(portfolio.scan_type)}
    policy = _Policy(channel_table(catalogue), recipients)
    locations, shown, fired = [], [], []
    for row in rows:
        indicators = [_row_indicator(rules.get(i), i, row.answers, questionnaire, policy) for i in row.fired]
        location = _location(row.subject_name, row.subject_address, row.subject_kvk, row.level, row.score)
        location["indicators"] = [i for i in indicators if i is not None]
        locations.append(location)
        shown += location["indicators"]
        fired += list(row.fired)
    policy.audit(user, None, shown, fired, portfolio=portfolio.id, rows=len(rows))
    origin = f"Portfolio '{portfolio.name}': {len(rows)} van {portfolio.evaluated_rows} locaties"
    return _brief(user, portfolio.scan_type, origin, portfolio.ruleset_version, locations, questionnaire, policy)


def _row_indicator(
    rule, rule_id: str, answers: dict[str, Any], questionnaire: Questionnaire, policy: _Policy
) -> dict[str, Any] | None:
    if rule is None:  # the rule was withdrawn since the portfolio was evaluated: nothing known to share
        return None
    triggers = Evaluator.triggers(rule, answers, questionnaire)
    indicator = {
        "id": rule.id,
        "title": rule.title,
        "category": CATEGORIES[rule.category],
        "control_points": list(rule.control_points),
        "partners": [PARTNERS[p] for p in rule.partners],
    }
    rows = [{"label": t.label, "shown": t.shown} for t in triggers]
    return policy.apply(indicator, rows, [t.provenance for t in triggers], rebutted=False)


def _stored_provenance(trigger: dict[str, Any], questionnaire: Questionnaire) -> str | None:
    """The shareability of a stored trigger: as stored, else (older snapshots) from today's questionnaire.

    None when neither knows it (the question is gone): then the brief treats it as not shareable.
    """
    if trigger.get("shareability"):
        return trigger["shareability"]
    question = questionnaire.question(trigger["question"])
    return question.provenance.shareability if question is not None and question.provenance else None


class _Policy:
    """What a brief for these recipients may hold, decided per indicator from the answers behind it."""

    def __init__(self, table: ChannelTable, recipients: list[Recipient]):
        self.table = table
        self.recipients = recipients
        self.rebuttals_marked = all(r.may_know_rebuttals for r in recipients)
        self.left_out: list[str] = []

    def treatment(self, shareability: str | None) -> str:
        """SHOW_ANSWER, TITLE_ONLY or LEAVE_OUT for one answer with this shareability."""
        level = self.table.shareabilities.get(shareability) if shareability else None
        if level is None or level.brief == LEAVE_OUT:
            return LEAVE_OUT
        if all(shareability in r.receives for r in self.recipients):
            return SHOW_ANSWER
        return TITLE_ONLY

    def apply(
        self, indicator: dict[str, Any], triggers: list[dict[str, Any]], provenances: list, rebutted: bool
    ) -> dict[str, Any] | None:
        """The indicator as the brief shows it, or None (and counted as left out) when it may not be shown."""
        levels = [p.shareability if isinstance(p, Provenance) else p for p in provenances]
        treatments = [self.treatment(level) for level in levels]
        if LEAVE_OUT in treatments or (rebutted and not self.rebuttals_marked):
            self.left_out.append(indicator["id"])
            return None
        why = [_why(t["label"], t["shown"]) for t, how in zip(triggers, treatments, strict=True) if how == SHOW_ANSWER]
        return {**indicator, "why": why, "rebutted": rebutted}

    def audit(self, user: User, scan_id: int | None, shown: list[dict[str, Any]], fired: list[str], **extra) -> None:
        """Record who made the brief, for whom, and which indicators it holds and left out (ids only)."""
        audit.record(
            "controle_brief",
            scan_id,
            user=user,
            recipients=[r.id for r in self.recipients],
            indicators=sorted({i["id"] for i in shown}),
            left_out=sorted(set(self.left_out)),
            **extra,
        )
        db.session.flush()


def _why(label: str, shown: str) -> str:
    """One answer that made the indicator fire, as the brief shows it: "question: answer"."""
    return f"{label}: {displayed_answer(shown)}"


def _location(name: str, address: str, kvk: str, level: str, score: int) -> dict[str, Any]:
    return {"name": name, "address": address, "kvk": kvk, "level": level, "level_label": LEVELS[level], "score": score}


def _brief(
    user: User,
    scan_type: str,
    origin: str,
    ruleset_version: str,
    locations: list[dict[str, Any]],
    questionnaire: Questionnaire,
    policy: _Policy,
) -> dict[str, Any]:
    data = {
        "scan_label": questionnaire.title,
        "origin": origin,
        "organisation": user.organisation.name,
        "made_by": user.name,
        "made_at": datumtijd(utcnow()),
        "ruleset_version": ruleset_version,
        "locations": locations,
        "partners": _partners(locations),
        "observations": [_observation(q) for q in on_site_questions(questionnaire)],
        "recipients": [{"id": r.id, "label": r.label, "legal_ground": r.legal_ground} for r in policy.recipients],
        "left_out": len(policy.left_out),
        "rebuttals_marked": policy.rebuttals_marked,
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
    """The questions answered by observation at a schouw or control (channel marked `bevindingen`), in order."""
    return [q for q in questionnaire.questions.values() if q.provenance is not None and q.provenance.findings]


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
        save_step(scan, step, kept, None, user)
    audit.record("findings_saved", scan.id, user=user, questions=len([k for k in findings if k in page]))
    db.session.flush()
    return {}
