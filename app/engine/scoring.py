"""Turn fired indicators into a score and a risk level, used for prioritisation only (pure).

The Bibob context, the outcome (an indication) and the next steps come from `app.engine.advice`.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.rules.catalogue import Rule, ScoringPolicy
from app.rules.vocabulary import CATEGORIES, level_rank


@dataclass(frozen=True)
class CategoryScore:
    category: str
    raw: int
    cap: int | None
    score: int

    @property
    def capped(self) -> bool:
        return self.score < self.raw


@dataclass(frozen=True)
class Score:
    total: int
    categories: tuple[CategoryScore, ...]
    level_by_score: str
    level: str
    knockouts: tuple[str, ...]
    thresholds: tuple[tuple[str, int], ...] = ()


def score(fired: list[Rule], policy: ScoringPolicy) -> Score:
    """Add weights per category, apply caps, map the total to a level, then apply knock-outs.

    A knock-out lifts the level to at least the level it names; it never lowers it.
    """
    raw: dict[str, int] = dict.fromkeys(CATEGORIES, 0)
    for rule in fired:
        raw[rule.category] += rule.weight
    categories = []
    for category, points in raw.items():
        cap = policy.caps.get(category)
        categories.append(CategoryScore(category, points, cap, min(points, cap) if cap else points))
    total = sum(c.score for c in categories)
    by_score = level_for(total, policy)
    level = by_score
    knockouts = tuple(r.id for r in fired if r.knockout)
    for rule in fired:
        if rule.knockout and level_rank(rule.knockout) > level_rank(level):
            level = rule.knockout
    return Score(
        total=total,
        categories=tuple(categories),
        level_by_score=by_score,
        level=level,
        knockouts=knockouts,
        thresholds=policy.thresholds,
    )


def level_for(total: int, policy: ScoringPolicy) -> str:
    """The highest level whose minimum score the total reaches."""
    level = policy.thresholds[0][0]
    for name, minimum in policy.thresholds:
        if total >= minimum:
            level = name
    return level
