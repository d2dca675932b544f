"""Contestation what-if: the score and outcome of a stored result with some indicators left out (pure).

Works on the snapshot alone (weights, categories, caps, thresholds, knock-outs, the roles and gates of
the fired indicators, the context and the indication per level as they were), so it never depends on
today's rules. Results of the first advice model (no `advice_model` in the snapshot) are recomputed
with their own stored outcome per level.
"""

from __future__ import annotations

from typing import Any

from app.engine.advice import FiredRole, decide
from app.rules.vocabulary import LEGACY_OUTCOMES, LEVELS, OUTCOMES, PRIORITIES, level_rank


def what_if(snapshot: dict[str, Any], left_out: set[str]) -> dict[str, Any]:
    """Recompute score, level and outcome without the indicators in `left_out`."""
    kept = [f for f in snapshot["fired"] if f["id"] not in left_out]
    categories = []
    for cat in snapshot["categories"]:
        raw = sum(f["weight"] for f in kept if f["category"] == cat["id"])
        score = min(raw, cat["cap"]) if cat["cap"] else raw
        categories.append({"id": cat["id"], "label": cat["label"], "raw": raw, "score": score})
    total = sum(c["score"] for c in categories)
    level = snapshot["thresholds"][0]["level"]
    for t in snapshot["thresholds"]:
        if total >= t["min_score"]:
            level = t["level"]
    by_score = level
    for f in kept:
        if f["knockout"] and level_rank(f["knockout"]) > level_rank(level):
            level = f["knockout"]
    return {
        "score": total,
        "level": level,
        "level_label": LEVELS[level],
        "level_by_score": by_score,
        **_outcome(snapshot, level, kept),
        "categories": categories,
        "left_out": sorted(left_out),
        "knockouts": [f["id"] for f in kept if f["knockout"]],
    }


def _level(snapshot: dict[str, Any], kept: list[dict[str, Any]]) -> str:
    """Capped score, threshold level and knock-outs of these fired indicators, from the snapshot."""
    total = 0
    for cat in snapshot["categories"]:
        raw = sum(f["weight"] for f in kept if f["category"] == cat["id"])
        total += min(raw, cat["cap"]) if cat["cap"] else raw
    level = snapshot["thresholds"][0]["level"]
    for t in snapshot["thresholds"]:
        if total >= t["min_score"]:
            level = t["level"]
    for f in kept:
        if f["knockout"] and level_rank(f["knockout"]) > level_rank(level):
            level = f["knockout"]
    return level


def _outcome(snapshot: dict[str, Any], level: str, kept: list[dict[str, Any]]) -> dict[str, Any]:
    """The outcome under the model the snapshot was made with."""
    if snapshot.get("advice_model", 1) < 2:
        outcome = snapshot.get("level_outcomes", {}).get(level, {"outcome": "", "label": "(niet beschikbaar)"})
        label = outcome["label"] or LEGACY_OUTCOMES.get(outcome["outcome"], "")
        return {"outcome": outcome["outcome"], "outcome_label": label, "priority": None, "priority_label": None}
    roles = [FiredRole(f["id"], f["role"], f.get("gate"), (), f.get("priority_only", False)) for f in kept]
    missing = tuple(m["question"] for m in snapshot.get("missing_essential", []))
    indications = {lv: o["outcome"] for lv, o in snapshot["level_outcomes"].items()}
    counted = [f for f in kept if not f.get("priority_only")]
    indication_level = _level(snapshot, counted) if len(counted) != len(kept) else level
    decision = decide(snapshot["context"], level, roles, missing, indications, indication_level)
    return {
        "outcome": decision.outcome,
        "outcome_label": OUTCOMES[decision.outcome],
        "priority": decision.priority,
        "priority_label": PRIORITIES[decision.priority] if decision.priority else None,
    }
