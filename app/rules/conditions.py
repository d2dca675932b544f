"""The condition language of rule files and questionnaires (`show_if`).

A condition is a tree of `all` / `any` / `not` nodes over leaves that test one
answer. This module parses it from YAML data (collecting every fault), and holds
the reference semantics in plain Python: `holds()` decides, `explain()` names the
answers that made a condition hold. The durable-rules compiler must agree with
`holds()`; a differential test checks that on generated answers.

Semantics, in short: a leaf on an unanswered question is false (also
`not_equals`); `not` negates, so `not: {equals: x}` holds when the question is
unanswered. An answer counts as given when it is not None, "" or [].
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

#: Leaf operators and the kind of operand each takes.
OPERATORS: dict[str, str] = {
    "equals": "scalar",
    "not_equals": "scalar",
    "gt": "number",
    "gte": "number",
    "lt": "number",
    "lte": "number",
    "in": "list",
    "contains": "scalar",
    "contains_any": "list",
    "matches": "pattern",
    "present": "bool",
}

#: Regex syntax the engine's matcher supports (full match, no escapes or anchors).
_PATTERN_FORBIDDEN = re.compile(r"[\\^$]")
QUESTION_ID = re.compile(r"^[a-z][a-z0-9_]{1,59}$")


@dataclass(frozen=True)
class Leaf:
    """One test on one answer, e.g. `question: omzet, gt: 100000`."""

    question: str
    op: str
    value: Any


@dataclass(frozen=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    item: Condition


Condition = Leaf | AllOf | AnyOf | Not


@dataclass(frozen=True)
class Problem:
    """A fault found while parsing: where (dotted field path) and why (Dutch)."""

    field: str
    reason: str


def parse(data: Any, path: str = "condition") -> tuple[Condition | None, list[Problem]]:
    """Parse condition data; return the tree (None if faulty) and every problem found."""
    problems: list[Problem] = []
    tree = _parse(data, path, problems)
    return (tree if not problems else None), problems


def _parse(data: Any, path: str, problems: list[Problem]) -> Condition | None:
    if not isinstance(data, dict) or not data:
        problems.append(Problem(path, "moet een object zijn met all, any, not of question"))
        return None
    groups = [key for key in ("all", "any", "not") if key in data]
    if groups:
        if len(data) != 1:
            problems.append(Problem(path, f"'{groups[0]}' mag niet samen met andere velden"))
            return None
        key = groups[0]
        if key == "not":
            inner = _parse(data["not"], f"{path}.not", problems)
            return Not(inner) if inner is not None else None
        items = data[key]
        if not isinstance(items, list) or not items:
            problems.append(Problem(f"{path}.{key}", "moet een niet-lege lijst zijn"))
            return None
        parsed = [_parse(item, f"{path}.{key}[{i}]", problems) for i, item in enumerate(items)]
        if any(p is None for p in parsed):
            return None
        return (AllOf if key == "all" else AnyOf)(tuple(parsed))
    return _parse_leaf(data, path, problems)


def _parse_leaf(data: dict, path: str, problems: list[Problem]) -> Leaf | None:
    question = data.get("question")
    if not isinstance(question, str) or not QUESTION_ID.match(question):
        problems.append(Problem(f"{path}.question", "ontbreekt of is geen geldige vraag-id"))
        return None
    ops = [key for key in data if key != "question"]
    unknown = [key for key in ops if key not in OPERATORS]
    if unknown:
        problems.append(Problem(path, f"onbekende operator {unknown[0]!r}"))
        return None
    if len(ops) != 1:
        problems.append(Problem(path, "een test heeft precies één operator"))
        return None
    op = ops[0]
    value = data[op]
    reason = _operand_problem(OPERATORS[op], value)
    if reason:
        problems.append(Problem(f"{path}.{op}", reason))
        return None
    if isinstance(value, list):
        value = tuple(value)
    return Leaf(question, op, value)


def _operand_problem(kind: str, value: Any) -> str | None:
    """Why an operand does not fit its operator's kind, or None when it fits."""
    scalar = (str, int, float, bool)
    if kind == "scalar" and not isinstance(value, scalar):
        return "verwacht een enkele waarde (tekst, getal, true/false)"
    if kind == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
        return "verwacht een getal"
    if kind == "bool" and not isinstance(value, bool):
        return "verwacht true of false"
    if kind == "list":
        if not isinstance(value, list) or not value:
            return "verwacht een niet-lege lijst"
        if not all(isinstance(v, scalar) for v in value):
            return "lijst mag alleen enkele waarden bevatten"
    if kind == "pattern":
        if not isinstance(value, str) or not value:
            return "verwacht een patroon als tekst"
        if _PATTERN_FORBIDDEN.search(value):
            return "patroon mag geen \\, ^ of $ bevatten (het hele antwoord moet passen)"
        try:
            re.compile(value)
        except re.error as exc:
            return f"ongeldig patroon: {exc}"
    return None


# --- reference semantics -------------------------------------------------------


def is_answered(value: Any) -> bool:
    """An answer counts as given unless it is None, an empty string or an empty list."""
    return value is not None and value != "" and value != []


def holds(cond: Condition, answers: dict[str, Any]) -> bool:
    """Decide a condition on answers (plain Python, the reference semantics)."""
    if isinstance(cond, AllOf):
        return all(holds(c, answers) for c in cond.items)
    if isinstance(cond, AnyOf):
        return any(holds(c, answers) for c in cond.items)
    if isinstance(cond, Not):
        return not holds(cond.item, answers)
    return _leaf_holds(cond, answers.get(cond.question))


def _leaf_holds(leaf: Leaf, value: Any) -> bool:
    answered = is_answered(value)
    if leaf.op == "present":
        return answered == leaf.value
    if not answered:
        return False
    op, target = leaf.op, leaf.value
    if op == "equals":
        return value == target
    if op == "not_equals":
        return value != target
    if op in ("gt", "gte", "lt", "lte"):
        if not isinstance(value, int | float) or isinstance(value, bool):
            return False
        return {
            "gt": value > target,
            "gte": value >= target,
            "lt": value < target,
            "lte": value <= target,
        }[op]
    if op == "in":
        return value in target
    if op == "contains":
        return isinstance(value, list | tuple) and target in value
    if op == "contains_any":
        return isinstance(value, list | tuple) and any(t in value for t in target)
    if op == "matches":
        return isinstance(value, str) and re.fullmatch(target, value) is not None
    raise ValueError(f"unknown operator {op}")


def explain(cond: Condition, answers: dict[str, Any]) -> list[Leaf]:
    """The leaves that made a holding condition hold, in file order, without repeats.

    For `any`, only the branches that hold count; under `not`, every leaf of the
    negated part is named, because together they made it fail.
    """
    found: list[Leaf] = []
    _explain(cond, answers, found)
    return list(dict.fromkeys(found))


def _explain(cond: Condition, answers: dict[str, Any], found: list[Leaf]) -> None:
    if isinstance(cond, AllOf):
        for item in cond.items:
            _explain(item, answers, found)
    elif isinstance(cond, AnyOf):
        for item in cond.items:
            if holds(item, answers):
                _explain(item, answers, found)
    elif isinstance(cond, Not):
        found.extend(leaves(cond.item))
    else:
        found.append(cond)


def leaves(cond: Condition) -> list[Leaf]:
    """Every leaf of a condition, in file order."""
    if isinstance(cond, Leaf):
        return [cond]
    if isinstance(cond, Not):
        return leaves(cond.item)
    return [leaf for item in cond.items for leaf in leaves(item)]


def questions(cond: Condition) -> list[str]:
    """The question ids a condition reads, in file order, without repeats."""
    return list(dict.fromkeys(leaf.question for leaf in leaves(cond)))


def has_negated_pattern(cond: Condition, negated: bool = False) -> bool:
    """True when a `matches` test sits under a `not` (the engine cannot negate a regex)."""
    if isinstance(cond, Leaf):
        return negated and cond.op == "matches"
    if isinstance(cond, Not):
        return has_negated_pattern(cond.item, not negated)
    return any(has_negated_pattern(item, negated) for item in cond.items)


_OP_TEXT = {
    "equals": "is",
    "not_equals": "is niet",
    "gt": "is groter dan",
    "gte": "is ten minste",
    "lt": "is kleiner dan",
    "lte": "is ten hoogste",
    "in": "is een van",
    "contains": "bevat",
    "contains_any": "bevat een van",
    "matches": "past op het patroon",
}


def describe(leaf: Leaf, label_of=None) -> str:
    """A Dutch sentence for one test, e.g. "Investering is ten minste 250000"."""
    name = label_of(leaf.question) if label_of else leaf.question
    if leaf.op == "present":
        return f"{name} is {'ingevuld' if leaf.value else 'niet ingevuld'}"
    value = leaf.value
    shown = ", ".join(_show(v) for v in value) if isinstance(value, tuple) else _show(value)
    return f"{name} {_OP_TEXT[leaf.op]} {shown}"


def _show(value: Any) -> str:
    if value is True:
        return "ja"
    if value is False:
        return "nee"
    return str(value)
