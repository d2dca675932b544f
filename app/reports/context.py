"""What a report shows, as plain data: built from a stored snapshot (or a fresh evaluation) and dumped
through a marshmallow schema, so templates and WeasyPrint never see models or live objects.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import Schema, fields

from app.forms.model import ANSWER_SOURCES
from app.web.filters import datumtijd

CONFIDENTIAL = "Vertrouwelijk – Wet Bibob art. 28"
RECIPIENTS_NOTICE = "Niet verder verstrekken dan art. 28 lid 2 Wet Bibob toestaat."
DISCLAIMER = (
    "Dit rapport ondersteunt het bestuursorgaan bij de beoordeling van de mate van gevaar in de zin van de "
    "Wet Bibob. Het geeft een indicatie, geen conclusie: de mate van gevaar stelt het bestuursorgaan vast, dat "
    "ook de evenredigheid van een maatregel afweegt (art. 3 lid 5 Wet Bibob). Het is geen besluit en telt pas "
    "na beoordeling door een jurist."
)
STATUS_LABELS = {"concept": "Concept", "vastgesteld": "Vastgesteld"}


class TriggerSchema(Schema):
    label = fields.String()
    shown = fields.String()
    source_label = fields.String()
    shareability_label = fields.String()


class IndicatorSchema(Schema):
    id = fields.String()
    rebutted_reason = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    title = fields.String()
    description = fields.String()
    weight = fields.Integer()
    knockout = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    grounds = fields.List(fields.String())
    legal_basis = fields.List(fields.String())
    advice = fields.String()
    control_points = fields.List(fields.String())
    sources = fields.List(fields.String())
    triggers = fields.List(fields.Nested(TriggerSchema))


class GroupSchema(Schema):
    label = fields.String()
    points = fields.Integer()
    indicators = fields.List(fields.Nested(IndicatorSchema))


class CategorySchema(Schema):
    label = fields.String()
    raw = fields.Integer()
    cap = fields.Integer(allow_none=True)
    score = fields.Integer()
    capped = fields.Boolean()


class ThresholdSchema(Schema):
    label = fields.String()
    min_score = fields.Integer()
    reached = fields.Boolean()


class CheckPointSchema(Schema):
    indicator = fields.String()
    text = fields.String()


class AnswerSchema(Schema):
    label = fields.String()
    shown = fields.String()
    source_label = fields.String()
    shareability_label = fields.String()
    channel_ref = fields.Integer()


class AnswerGroupSchema(Schema):
    step = fields.String()
    answers = fields.List(fields.Nested(AnswerSchema))


class ContestationSchema(Schema):
    score = fields.Integer()
    level_label = fields.String()
    outcome_label = fields.String()
    priority_label = fields.String(allow_none=True)
    left_out = fields.List(fields.String())


class StepSchema(Schema):
    label = fields.String()
    basis = fields.List(fields.String())


class WeighingRowSchema(Schema):
    label = fields.String()
    text = fields.String()


class ZienswijzeSchema(Schema):
    received_on = fields.String()
    summary = fields.String()
    contested = fields.List(fields.String())
    effect = fields.Nested(ContestationSchema, allow_none=True)


class ReviewSchema(Schema):
    reviewer = fields.String()
    date = fields.String()
    decision = fields.String()
    remarks = fields.String()


class ReportSchema(Schema):
    """Everything the report template may use."""

    title = fields.String()
    scan_label = fields.String()
    scan_id = fields.Integer(allow_none=True)
    subject_name = fields.String()
    subject_address = fields.String()
    subject_kvk = fields.String(allow_none=True)
    status = fields.String()
    status_label = fields.String()
    author = fields.String()
    evaluated_at = fields.String()
    score = fields.Integer()
    level = fields.String()
    level_label = fields.String()
    level_by_score_label = fields.String()
    outcome_label = fields.String()
    advice_model = fields.Integer()
    context_label = fields.String(allow_none=True)
    priority_label = fields.String(allow_none=True)
    indication_note = fields.String(allow_none=True)
    engine_notice = fields.String(allow_none=True)
    gate = fields.String(allow_none=True)
    capped_by_feit = fields.Boolean()
    missing_essential = fields.List(fields.String())
    summary = fields.String()
    next_steps = fields.List(fields.Nested(StepSchema))
    knockouts = fields.List(fields.String())
    categories = fields.List(fields.Nested(CategorySchema))
    thresholds = fields.List(fields.Nested(ThresholdSchema))
    groups = fields.List(fields.Nested(GroupSchema))
    not_fired = fields.List(fields.String())
    not_fired_ids = fields.List(fields.String())
    check_points = fields.List(fields.Nested(CheckPointSchema))
    answer_groups = fields.List(fields.Nested(AnswerGroupSchema))
    channel_legend = fields.List(fields.String())
    review = fields.Nested(ReviewSchema, allow_none=True)
    contestation = fields.Nested(ContestationSchema, allow_none=True)
    amended_advice = fields.String()
    ruleset_version = fields.String()
    questionnaire_version = fields.Integer()
    fingerprint = fields.String()
    confidential = fields.String()
    recipients_notice = fields.String()
    disclaimer = fields.String()
    weighing = fields.List(fields.Nested(WeighingRowSchema))
    zienswijzen = fields.List(fields.Nested(ZienswijzeSchema))


def build_context(
    snapshot: dict[str, Any],
    *,
    subject_name: str,
    subject_address: str = "",
    subject_kvk: str | None = None,
    author: str,
    evaluated_at: dt.datetime,
    fingerprint: str,
    scan_id: int | None = None,
    status: str = "concept",
    review: dict[str, str] | None = None,
    judgements: dict[str, dict[str, str]] | None = None,
    contestation: dict[str, Any] | None = None,
    amended_advice: str = "",
    weighing: list[dict[str, str]] | None = None,
    zienswijzen: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Report data from a result snapshot (never from today's rules)."""
    level_labels = {t["level"]: t["label"] for t in snapshot["thresholds"]}
    data = {
        "title": "Bibob-risicoadvies",
        "scan_label": snapshot["scan_label"],
        "scan_id": scan_id,
        "subject_name": subject_name,
        "subject_address": subject_address,
        "subject_kvk": subject_kvk,
        "status": status,
        "status_label": STATUS_LABELS[status],
        "author": author,
        "evaluated_at": datumtijd(evaluated_at),
        "score": snapshot["score"],
        "level": snapshot["level"],
        "level_label": snapshot["level_label"],
        "level_by_score_label": level_labels[snapshot["level_by_score"]],
        "outcome_label": snapshot["outcome_label"],
        "advice_model": snapshot.get("advice_model", 1),
        "context_label": snapshot.get("context_label"),
        "priority_label": snapshot.get("priority_label"),
        "indication_note": snapshot.get("indication_note"),
        "engine_notice": (snapshot.get("engine") or {}).get("notice") or None,  # only after a fallback
        "gate": f"{snapshot['gate']['label']} ({', '.join(snapshot['gate']['indicators'])})"
        if snapshot.get("gate")
        else None,
        "capped_by_feit": snapshot.get("capped_by_feit", False),
        "missing_essential": [m["label"] for m in snapshot.get("missing_essential", [])],
        "summary": snapshot["summary"],
        "next_steps": [
            {"label": s["label"], "basis": [b["title"] for b in s.get("legal_basis", [])]}
            for s in snapshot["next_steps"]
        ],
        "knockouts": snapshot["knockouts"],
        "categories": snapshot["categories"],
        "thresholds": [
            {"label": t["label"], "min_score": t["min_score"], "reached": snapshot["score"] >= t["min_score"]}
            for t in snapshot["thresholds"]
        ],
        "groups": _groups(snapshot["fired"], judgements or {}),
        "not_fired": [f"{n['id']} {n['title']}" for n in snapshot["not_fired"]],
        "not_fired_ids": [n["id"] for n in snapshot["not_fired"]],
        "check_points": [{"indicator": f["id"], "text": c} for f in snapshot["fired"] for c in f["control_points"]],
        "answer_groups": _answer_groups(snapshot["answered"]),
        "channel_legend": _channel_legend(snapshot["answered"]),
        "review": review,
        "contestation": contestation,
        "amended_advice": amended_advice,
        "ruleset_version": snapshot["ruleset_version"],
        "questionnaire_version": snapshot["questionnaire_version"],
        "fingerprint": fingerprint,
        "confidential": CONFIDENTIAL,
        "recipients_notice": RECIPIENTS_NOTICE,
        "disclaimer": DISCLAIMER,
        "weighing": weighing or [],
        "zienswijzen": [{**z, "received_on": z["received_on"].strftime("%d-%m-%Y")} for z in (zienswijzen or [])],
    }
    return ReportSchema().dump(data)


def _groups(fired: list[dict[str, Any]], judgements: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    groups: dict[str, dict[str, Any]] = {}
    for f in fired:
        group = groups.setdefault(f["category"], {"label": f["category_label"], "points": 0, "indicators": []})
        group["points"] += f["weight"]
        group["indicators"].append(
            {
                "id": f["id"],
                "rebutted_reason": judgements.get(f["id"], {}).get("rebutted_reason"),
                "note": judgements.get(f["id"], {}).get("note"),
                "title": f["title"],
                "description": f["description"],
                "weight": f["weight"],
                "knockout": f["knockout"],
                "role": _role_text(f),
                "grounds": [g["label"] for g in f["bibob_grounds"]],
                "legal_basis": [b["title"] for b in f["legal_basis"]],
                "advice": f["advice"],
                "control_points": f["control_points"],
                "sources": [_source_text(s) for s in f["sources"]],
                "triggers": [{"label": t["label"], "shown": t["shown"], **_channel(t)} for t in f["triggers"]],
            }
        )
    return list(groups.values())


def _answer_groups(answered: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Answers per step, in questionnaire order, each with its number in the channel legend."""
    legend = _channel_legend(answered)
    groups: list[dict[str, Any]] = []
    for a in answered:
        if not groups or groups[-1]["step"] != a["step"]:
            groups.append({"step": a["step"], "answers": []})
        channel = _channel(a)
        ref = legend.index(_channel_text(channel)) + 1
        groups[-1]["answers"].append({"label": a["label"], "shown": a["shown"], **channel, "channel_ref": ref})
    return groups


def _channel_text(channel: dict[str, str]) -> str:
    return channel["source_label"] + (f" · {channel['shareability_label']}" if channel["shareability_label"] else "")


def _channel_legend(answered: list[dict[str, Any]]) -> list[str]:
    """The distinct channel-and-shareability texts of the answers, in first-seen order (the PDF numbers them)."""
    return list(dict.fromkeys(_channel_text(_channel(a)) for a in answered))


def _role_text(fired: dict[str, Any]) -> str | None:
    """The evidential role with the lid 4 relation, for model 2 snapshots (None for older ones)."""
    if "role_label" not in fired:
        return None
    relations = "; ".join(x["label"] for x in fired.get("relation", []))
    return fired["role_label"] + (f" – {relations}" if relations else "")


def _channel(answer: dict[str, Any]) -> dict[str, str]:
    """Channel and shareability of an answer or trigger row; snapshots from before the channel table
    carry only `source`, so they show its old label and no shareability (as they were stored)."""
    source = answer["source"]
    return {
        "source_label": answer.get("source_label") or ANSWER_SOURCES.get(source, source),
        "shareability_label": answer.get("shareability_label", ""),
    }


def _source_text(source: dict[str, Any]) -> str:
    text = source["title"]
    if source.get("year"):
        text += f" ({source['year']})"
    if source.get("quote"):
        text += f": “{source['quote']}”"
    elif source.get("locator"):
        text += f", {source['locator']}"
    return text
