"""Generated catalogues and answer sets for testing the engine under growth (not real indicators).

A pool of questions of the four kinds the rules test (ja/nee, getal, keuze, meerkeuze) and
rules of three or more leaves in rotating shapes (`all`, `any`, `all` with a nested `any`,
`all` with a `not`, and deeper mixes), over every operator of the condition language.
Deterministic for a seed, so a failing case can be replayed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from app.rules.conditions import Condition, parse

OPTIONS = ("a", "b", "c", "d", "e")
NUMBERS = (0, 1, 2, 5, 10, 25, 50, 100)


@dataclass(frozen=True)
class Question:
    id: str
    kind: str  # bool, number, choice, multi


def questions(n: int) -> list[Question]:
    kinds = ("bool", "number", "choice", "multi")
    return [Question(f"v{i:03d}", kinds[i % 4]) for i in range(n)]


def _leaf(q: Question, rnd: random.Random) -> dict[str, Any]:
    if q.kind == "bool":
        return {"question": q.id, rnd.choice(["equals", "not_equals"]): rnd.choice([True, False])}
    if q.kind == "number":
        op = rnd.choice(["gt", "gte", "lt", "lte", "equals"])
        return {"question": q.id, op: rnd.choice(NUMBERS)}
    if q.kind == "choice":
        op = rnd.choice(["equals", "in", "not_equals", "matches"])
        if op == "in":
            return {"question": q.id, "in": rnd.sample(OPTIONS, 2)}
        if op == "matches":
            return {"question": q.id, "matches": f"[{''.join(rnd.sample(OPTIONS, 2))}]"}
        return {"question": q.id, op: rnd.choice(OPTIONS)}
    op = rnd.choice(["contains", "contains_any", "present"])
    if op == "contains_any":
        return {"question": q.id, "contains_any": rnd.sample(OPTIONS, 2)}
    if op == "present":
        return {"question": q.id, "present": rnd.choice([True, False])}
    return {"question": q.id, "contains": rnd.choice(OPTIONS)}


def _negatable(data: dict[str, Any]) -> dict[str, Any]:
    """A leaf that may stand under `not` (the engine cannot negate a regex)."""
    return {"question": data["question"], "present": True} if "matches" in data else data


def rule_data(index: int, pool: list[Question], rnd: random.Random) -> dict[str, Any]:
    a, b, c, d = (_leaf(q, rnd) for q in rnd.sample(pool, 4))
    shape = index % 5
    if shape == 0:
        return {"all": [a, b, c]}
    if shape == 1:
        return {"any": [a, b, c]}
    if shape == 2:
        return {"all": [a, {"any": [b, c]}]}
    if shape == 3:
        return {"all": [a, b, {"not": _negatable(c)}]}
    return {"any": [{"all": [a, b]}, {"not": {"any": [_negatable(c), _negatable(d)]}}]}


def catalogue(rules: int, n_questions: int = 100, seed: int = 0) -> tuple[dict[str, Condition], list[Question]]:
    """`rules` generated conditions keyed G-0000…, over `n_questions` questions."""
    rnd = random.Random(f"catalogue-{rules}-{n_questions}-{seed}")
    pool = questions(n_questions)
    conditions: dict[str, Condition] = {}
    for i in range(rules):
        cond, problems = parse(rule_data(i, pool, rnd))
        assert not problems, problems
        conditions[f"G-{i:04d}"] = cond
    return conditions, pool


def answer(q: Question, rnd: random.Random) -> Any:
    if q.kind == "bool":
        return rnd.choice([True, False])
    if q.kind == "number":
        return rnd.choice((*NUMBERS, 3, 7, 60, 1000))
    if q.kind == "choice":
        return rnd.choice(OPTIONS)
    return rnd.sample(OPTIONS, rnd.randint(0, 3))


def answers(pool: list[Question], rnd: random.Random, p: float) -> dict[str, Any]:
    """Each question answered with probability `p`."""
    return {q.id: answer(q, rnd) for q in pool if rnd.random() < p}
