"""Compile parsed rule conditions into a durable-rules ruleset definition (plain data).

The output is the data form `{rule_name: {"all": [{"m": <test>}], "run": <action>}}`
that `durable.engine.Host.register_rulesets` takes. This module never imports
durable: it is pure, and the adapter in `app.engine.adapter` feeds its output to
the engine.

What the engine taught us (see docs/architecture.md, "durable-rules"):
- `$ex` / `$nex` next to other rules can hang the engine, so presence is a
  boolean property `_p_<question>` that `build_fact` adds for every question
  the ruleset reads;
- `$not` is not accepted, so negation is pushed down to the leaves here;
- a missing property makes every test false, including `$neq`;
- `$iall` over an empty list is false, so an empty list counts as unanswered;
- `$mt` is a full match without escapes or anchors; it cannot be negated;
- a fact holds at most 255 properties, so a fact carries only the answers the
  ruleset reads (plus `id`, `sid` and the presence flags);
- a fact that matches no rule leaves state behind that `delete_state` cannot
  clean up: after some thousands of such facts the engine crashes (segfault),
  and without deletion memory runs out. So every fact carries `_seen: true`
  and every ruleset has a catch-all rule on it: each fact is always handled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.rules.conditions import AllOf, AnyOf, Condition, Leaf, Not, is_answered

MAX_FACT_PROPERTIES = 255
ACTION_PREFIX = "fired:"
SEEN_RULE = "_seen"
SEEN_ACTION = "seen"
_RESERVED = 3  # `id`, `sid` and `_seen`


class CompileError(ValueError):
    """A condition that cannot be expressed for the engine."""


@dataclass(frozen=True)
class CompiledRuleset:
    """A durable-rules definition plus what `build_fact` needs to feed it."""

    definition: dict[str, dict[str, Any]]
    questions: tuple[str, ...]

    def build_fact(self, answers: dict[str, Any], fact_id: str, sid: str) -> dict[str, Any]:
        """Turn answers into one fact: the answers read, their presence flags, id and sid."""
        fact: dict[str, Any] = {"id": fact_id, "sid": sid, SEEN_RULE: True}
        for question in self.questions:
            value = answers.get(question)
            answered = is_answered(value)
            fact[presence_key(question)] = answered
            if answered:
                fact[question] = list(value) if isinstance(value, tuple) else value
        return fact


def presence_key(question: str) -> str:
    """Property that tells whether a question was answered (question ids never start with _)."""
    return f"_p_{question}"


def compile_ruleset(conditions: dict[str, Condition]) -> CompiledRuleset:
    """Compile `{rule_id: condition}` into one ruleset definition."""
    definition: dict[str, dict[str, Any]] = {SEEN_RULE: {"all": [{"m": {SEEN_RULE: True}}], "run": SEEN_ACTION}}
    read: dict[str, None] = {}
    for rule_id, cond in conditions.items():
        definition[rule_id] = {"all": [{"m": compile_condition(cond)}], "run": ACTION_PREFIX + rule_id}
        for question in _questions(cond):
            read[question] = None
    needed = _RESERVED + 2 * len(read)
    if needed > MAX_FACT_PROPERTIES:
        raise CompileError(
            f"de regels lezen {len(read)} vragen; een fact past er hoogstens {(MAX_FACT_PROPERTIES - _RESERVED) // 2}"
        )
    return CompiledRuleset(definition=definition, questions=tuple(read))


def compile_condition(cond: Condition, negate: bool = False) -> dict[str, Any]:
    """One durable test expression for a condition (negated when `negate`)."""
    if isinstance(cond, Not):
        return compile_condition(cond.item, not negate)
    if isinstance(cond, AllOf | AnyOf):
        conjunctive = isinstance(cond, AllOf) != negate  # De Morgan
        parts = [compile_condition(item, negate) for item in cond.items]
        return _join("$and" if conjunctive else "$or", parts)
    return _negated_leaf(cond) if negate else _leaf(cond)


def _join(op: str, parts: list[dict[str, Any]]) -> dict[str, Any]:
    return parts[0] if len(parts) == 1 else {op: parts}


def _leaf(leaf: Leaf) -> dict[str, Any]:
    q, v = leaf.question, leaf.value
    if leaf.op == "present":
        return {presence_key(q): v}
    if leaf.op == "equals":
        return {q: v}
    if leaf.op == "not_equals":
        return {"$neq": {q: v}}
    if leaf.op in ("gt", "gte", "lt", "lte"):
        return {f"${leaf.op}": {q: v}}
    if leaf.op == "in":
        return _join("$or", [{q: item} for item in v])
    if leaf.op == "contains":
        return {"$iany": {q: {"$i": v}}}
    if leaf.op == "contains_any":
        return _join("$or", [{"$iany": {q: {"$i": item}}} for item in v])
    if leaf.op == "matches":
        return {"$mt": {q: v}}
    raise CompileError(f"onbekende operator {leaf.op}")


_FLIP = {"gt": "$lte", "gte": "$lt", "lt": "$gte", "lte": "$gt"}


def _negated_leaf(leaf: Leaf) -> dict[str, Any]:
    """not(leaf): the question is unanswered, or its answer fails the test."""
    q, v = leaf.question, leaf.value
    unanswered = {presence_key(q): False}
    if leaf.op == "present":
        return {presence_key(q): not v}
    if leaf.op == "equals":
        failing = {"$neq": {q: v}}
    elif leaf.op == "not_equals":
        failing = {q: v}
    elif leaf.op in _FLIP:
        failing = {_FLIP[leaf.op]: {q: v}}
    elif leaf.op == "in":
        failing = _join("$and", [{"$neq": {q: item}} for item in v])
    elif leaf.op == "contains":
        failing = {"$iall": {q: {"$neq": {"$i": v}}}}
    elif leaf.op == "contains_any":
        failing = {"$iall": {q: _join("$and", [{"$neq": {"$i": item}} for item in v])}}
    else:
        raise CompileError(f"'{leaf.op}' kan niet onder 'not' staan")
    return {"$or": [unanswered, failing]}


def _questions(cond: Condition) -> list[str]:
    if isinstance(cond, Leaf):
        return [cond.question]
    if isinstance(cond, Not):
        return _questions(cond.item)
    return [q for item in cond.items for q in _questions(item)]
