"""Contestation what-if: the score and outcome of a stored result with some indicators left out (pure).

Works on the snapshot alone (weights, categories, caps, thresholds, knock-outs and the outcome
per level as they were), so it never depends on today's rules.
"""

from __future__ import annotations

from typing import Any

from app.rules.vocabulary import LEVELS, level_rank


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
    outcome = snapshot.get("level_outcomes", {}).get(level, {"outcome": "", "label": "(niet beschikbaar)"})
    return {
        "score": total,
        "level": level,
        "level_label": LEVELS[level],
        "level_by_score": by_score,
        "outcome": outcome["outcome"],
        "outcome_label": outcome["label"],
        "categories": categories,
        "left_out": sorted(left_out),
        "knockouts": [f["id"] for f in kept if f["knockout"]],
    }
