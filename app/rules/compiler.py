"""Compile parsed rule conditions into durable-rules ruleset definitions (plain data), in partitions.

The output is the data form `{rule_name: {"all": [{"m": <test>}]}}` that durable's C core
(`create_ruleset`) takes. This module never imports durable: it is pure, and the adapter in
`app.engine.adapter` feeds its output to the engine.

What the engine taught us (see docs/engine.md and docs/architecture.md, "durable-rules"):
- `$ex` / `$nex` next to other rules can hang the engine, so presence is a
  boolean property `_p_<question>` that `build_fact` adds for every question
  whose presence a rule of the ruleset tests (a flag no rule tests is left out:
  every property is parsed and hashed by the C core, tested or not);
- `$not` is not accepted, so negation is pushed down to the leaves here;
- a missing property makes every test false, including `$neq`;
- `$iall` over an empty list is false, so an empty list counts as unanswered;
- `$mt` is a full match without escapes or anchors; it cannot be negated;
- a fact holds at most 255 properties, so a fact carries only the answers the
  ruleset reads (plus `id`, `sid` and the presence flags);
- a fact that matches no rule leaves state behind that `delete_state` cannot
  clean up: after some thousands of such facts the engine crashes (segfault),
  and without deletion memory runs out. So every fact carries `_seen: true`
  and every ruleset has a catch-all rule on it: each fact is always handled;
- one ruleset must stay small. The C matcher walks its alpha network with a fixed stack of
  64 nodes (error 303 when full, after which the process can abort), and each node keeps its
  children in an open-addressing table of 512 slots whose probe loop never ends when full
  (registration or the first fact hangs). `network_bounds` computes, from the same data the C
  core reads, the worst stack a fact can need and the fullest tables; `compile_partitions`
  packs a scan's rules into as few rulesets as keep every bound with a margin, and
  `compile_ruleset` refuses a single ruleset beyond them with a clear message.

Partitioning changes nothing a user can see: the same rules fire (the fired sets of the
partitions are merged), the catalogue's version hash is computed from its files, and the
partitions follow from the rules deterministically (sorted by group, then id).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from app.rules.conditions import AllOf, AnyOf, Condition, Leaf, Not

MAX_FACT_PROPERTIES = 255
SEEN_RULE = "_seen"
_RESERVED = 3  # `id`, `sid` and `_seen`
#: Questions one fact can carry: each read question takes its value and its presence flag.
MAX_QUESTIONS = (MAX_FACT_PROPERTIES - _RESERVED) // 2

#: durable's hard limits (src/rules/events.c, rules.h of durable-rules 2.0.28).
ENGINE_STACK = 64  # MAX_STACK_SIZE: alpha nodes pending in one fact's walk
ENGINE_TABLE = 512  # NEXT_BUCKET_LENGTH: children of one alpha node
ENGINE_LIST = 128  # NEXT_LIST_LENGTH: forward links of one alpha node
ENGINE_BETA = 256  # BETA_LIST_LENGTH: rules ending at one alpha node

#: Our bounds per ruleset, with a margin under the engine's limits.
MAX_STACK = 48
MAX_CHILDREN = 256
MAX_FORWARDS = 96
MAX_ENDINGS = 192
MAX_RULES = 64


class CompileError(ValueError):
    """A condition, or a ruleset, that cannot be given to the engine."""


@dataclass(frozen=True)
class Bounds:
    """What one ruleset asks of the engine, against our limits (see `network_bounds`)."""

    rules: int
    questions: int
    stack: int
    children: int
    forwards: int
    endings: int

    def excess(self) -> list[str]:
        """The bounds this ruleset exceeds, as Dutch phrases (empty when it fits)."""
        checks = (
            (self.rules, MAX_RULES, "regels"),
            (self.questions, MAX_QUESTIONS, "gelezen vragen (een fact houdt hoogstens 255 velden)"),
            (self.stack, MAX_STACK, f"alfa-knopen tegelijk in behandeling (engine-grens {ENGINE_STACK})"),
            (self.children, MAX_CHILDREN, f"tests onder één knoop (engine-tabel {ENGINE_TABLE})"),
            (self.forwards, MAX_FORWARDS, f"of-takken aan één knoop (engine-grens {ENGINE_LIST})"),
            (self.endings, MAX_ENDINGS, f"regels die op één knoop eindigen (engine-grens {ENGINE_BETA})"),
        )
        return [f"{value} {what} (hoogstens {limit})" for value, limit, what in checks if value > limit]

    def usage(self) -> str:
        """Every bound of this ruleset against our limit, in Dutch (what `flask rules check` prints)."""
        return (
            f"{self.rules}/{MAX_RULES} regels, {self.questions}/{MAX_QUESTIONS} vragen, "
            f"stapel {self.stack}/{MAX_STACK}, tests onder één knoop {self.children}/{MAX_CHILDREN}, "
            f"of-takken {self.forwards}/{MAX_FORWARDS}, eindes {self.endings}/{MAX_ENDINGS}"
        )


@dataclass(frozen=True)
class CompiledRuleset:
    """One durable-rules definition (a partition) plus what `build_fact` needs to feed it."""

    definition: dict[str, dict[str, Any]]
    questions: tuple[str, ...]
    rule_ids: tuple[str, ...] = ()
    bounds: Bounds | None = None
    #: The questions whose presence flag a rule tests (the fact carries only those flags).
    flagged: frozenset[str] = frozenset()
    _fragments: tuple[tuple[str, str | None, str], ...] = field(default=(), repr=False, compare=False)

    def build_fact(self, answers: dict[str, Any], fact_id: str, sid: str) -> dict[str, Any]:
        """Turn answers into one fact: the answers read, the presence flags tested, id and sid."""
        fact: dict[str, Any] = {"id": fact_id, "sid": sid, SEEN_RULE: True}
        for question in self.questions:
            value = answers.get(question)
            answered = not (value is None or value == "" or value == [])  # is_answered, inlined (hot)
            if question in self.flagged:
                fact[presence_key(question)] = answered
            if answered:
                fact[question] = list(value) if isinstance(value, tuple) else value
        return fact

    def fact_json(self, answers: dict[str, Any], fact_id: str, sid: str) -> str:
        """The fact of `build_fact` as the JSON text the C core reads, written directly (hot).

        Each question's key and presence flag are encoded once (`_fragments`); only the values
        are encoded per fact. json.dumps of the built dict gives the same fact (a test checks it).
        """
        parts = ['{"id":' + _encode_str(fact_id) + ',"sid":' + _encode_str(sid) + ',"' + SEEN_RULE + '":true']
        add, get = parts.append, answers.get
        for question, absent, present in self._fragments or _fragments(self.questions, self.flagged):
            value = get(question)
            kind = value.__class__
            if kind is bool:
                add(present + ("true" if value else "false"))
            elif value is None or value == "" or value == []:  # is_answered, inlined
                if absent is not None:
                    add(absent)
            elif kind is str:
                add(present + _encode_str(value))
            else:
                add(present + _json_value(value))
        return ",".join(parts) + "}"

    def definition_json(self) -> str:
        """The definition as the JSON text the C core reads (a fresh copy each time)."""
        return json.dumps(self.definition, ensure_ascii=False)


@dataclass(frozen=True)
class CompiledScan:
    """A scan's rules as several small rulesets; the fired sets of the parts are merged."""

    parts: tuple[CompiledRuleset, ...]
    conditions: dict[str, Condition] = field(compare=False, repr=False)

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(i for part in self.parts for i in part.rule_ids)


_encode_str = json.encoder.encode_basestring  # what json.dumps(..., ensure_ascii=False) writes for a str


def _fragments(questions: tuple[str, ...], flagged: frozenset[str]) -> tuple[tuple[str, str | None, str], ...]:
    """Per question: (id, its flag when unanswered or None, its flag if tested and key when answered), as JSON."""
    return tuple(
        (
            q,
            _encode_str(presence_key(q)) + ":false",
            _encode_str(presence_key(q)) + ":true," + _encode_str(q) + ":",
        )
        if q in flagged
        else (q, None, _encode_str(q) + ":")
        for q in questions
    )


def _json_value(value: Any) -> str:
    """One answer as JSON, as json.dumps writes it; the common types without the encoder's overhead."""
    kind = value.__class__
    if kind is bool:
        return "true" if value else "false"
    if kind is str:
        return _encode_str(value)
    if kind is int:
        return int.__repr__(value)
    if kind is float and math.isfinite(value):
        return float.__repr__(value)
    if (kind is list or kind is tuple) and all(v.__class__ is str for v in value):
        return "[" + ",".join(map(_encode_str, value)) + "]"
    return json.dumps(list(value) if kind is tuple else value, ensure_ascii=False)


def presence_key(question: str) -> str:
    """Property that tells whether a question was answered (question ids never start with _)."""
    return f"_p_{question}"


def _part(compiled: dict[str, dict[str, Any]], read: dict[str, None]) -> CompiledRuleset:
    definition: dict[str, dict[str, Any]] = {SEEN_RULE: {"all": [{"m": {SEEN_RULE: True}}]}}
    for rule_id, test in compiled.items():
        definition[rule_id] = {"all": [{"m": test}]}
    questions = tuple(read)
    tested = set()
    for test in compiled.values():
        _properties(test, tested)
    flagged = frozenset(q for q in questions if presence_key(q) in tested)
    return CompiledRuleset(
        definition=definition,
        questions=questions,
        rule_ids=tuple(compiled),
        bounds=network_bounds(definition, len(questions)),
        flagged=flagged,
        _fragments=_fragments(questions, flagged),
    )


def _properties(expr: dict[str, Any], found: set[str]) -> None:
    """Add to `found` every fact property a compiled test expression reads."""
    ((name, value),) = expr.items()
    if name in ("$and", "$or"):
        for item in value:
            _properties(item, found)
    elif name in _OPERATORS:
        found.update(value)
    else:
        found.add(name)


def compile_ruleset(conditions: dict[str, Condition], name: str = "ruleset") -> CompiledRuleset:
    """Compile `{rule_id: condition}` into one ruleset; refuse it when it exceeds a bound."""
    compiled = {rule_id: compile_condition(cond) for rule_id, cond in conditions.items()}
    read = {q: None for cond in conditions.values() for q in _questions(cond)}
    if len(read) > MAX_QUESTIONS:
        raise CompileError(f"de regels lezen {len(read)} vragen; een fact past er hoogstens {MAX_QUESTIONS}")
    part = _part(compiled, read)
    excess = part.bounds.excess()
    if excess:
        raise CompileError(
            f"{name}: te groot voor één ruleset van de engine: {'; '.join(excess)}. "
            "Verdeel de regels over meer rulesets (compile_partitions)."
        )
    return part


def compile_partitions(
    conditions: dict[str, Condition], groups: dict[str, str] | None = None, max_rules: int = MAX_RULES
) -> CompiledScan:
    """Pack a scan's rules into as few rulesets as keep every bound, in (group, id) order.

    A rule that alone exceeds a bound is refused with its id and the bound it breaks.
    """
    groups = groups or {}
    order = sorted(conditions, key=lambda rule_id: (groups.get(rule_id, ""), rule_id))
    parts: list[CompiledRuleset] = []
    current: dict[str, dict[str, Any]] = {}
    read: dict[str, None] = {}
    for rule_id in order:
        cond = conditions[rule_id]
        test = compile_condition(cond)
        alone = _part({rule_id: test}, dict.fromkeys(_questions(cond)))
        if alone.bounds.excess():
            raise CompileError(f"regel {rule_id} is te groot voor de engine: {'; '.join(alone.bounds.excess())}")
        trial_read = {**read, **dict.fromkeys(_questions(cond))}
        trial = _part({**current, rule_id: test}, trial_read)
        if current and (len(current) >= max_rules or trial.bounds.excess()):
            parts.append(_part(current, read))
            current, read = {rule_id: test}, dict.fromkeys(_questions(cond))
        else:
            current, read = {**current, rule_id: test}, trial_read
    if current or not parts:
        parts.append(_part(current, read))
    return CompiledScan(parts=tuple(parts), conditions=dict(conditions))


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


# --- a model of durable's alpha network -------------------------------------------------
#
# Mirrors `createAlpha` / `findAlpha` / `linkAlpha` in durable's src/rules/rete.c for the
# expressions this compiler emits: a leaf test is an alpha node under its parent, shared with
# an equal test (same property, operator and typed value) under the same parent, except `$mt`,
# `$iany` and `$iall`, which are never shared; `$and` chains its items; `$or` builds each branch
# from the parent and links every branch end to a new forward node (kept in the end's list,
# always pushed when the end matches); a rule ends in a beta link of its last node.
# `handleAlpha` (src/rules/events.c) pops a node and pushes every child that matches, so the
# stack a walk needs is bounded by f(node) = k - 1 + max f(child), where k is how many children
# can match one fact together (equality tests on one property exclude each other).


class _Alpha:
    __slots__ = ("children", "endings", "forwards", "key", "op", "prop")

    def __init__(self, prop: str | None, op: str, key: Any):
        self.prop, self.op, self.key = prop, op, key
        self.children: list[_Alpha] = []
        self.forwards: list[_Alpha] = []
        self.endings = 0


_OPERATORS = {"$neq", "$gt", "$gte", "$lt", "$lte", "$mt", "$iany", "$iall"}
_NEVER_SHARED = {"$mt", "$iany", "$iall"}


def _typed(value: Any) -> tuple[str, Any]:
    """A value as the C core types it (bool, int, double, string), for node sharing."""
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, int):
        return ("i", value)
    if isinstance(value, float):
        return ("d", value)
    return ("s", json.dumps(value, ensure_ascii=False))


def _exclusive_key(node: _Alpha) -> Any:
    """Equality tests with different keys cannot both match one value (numbers compared as numbers)."""
    kind, value = node.key
    return ("n", float(value)) if kind in ("b", "i", "d") else (kind, value)


def _build(parent: _Alpha, expr: dict[str, Any]) -> _Alpha:
    """Add one test expression under `parent`; return the node it ends in."""
    ((name, value),) = expr.items()
    if name == "$and":
        node = parent
        for item in value:
            node = _build(node, item)
        return node
    if name == "$or":
        forward = _Alpha(None, "forward", None)
        for item in value:
            _build(parent, item).forwards.append(forward)
        return forward
    if name in _OPERATORS:
        ((prop, operand),) = value.items()
        op = name
    else:
        prop, operand, op = name, value, "$eq"
    key = None if op in _NEVER_SHARED else _typed(operand)
    if key is not None:
        for child in parent.children:
            if child.prop == prop and child.op == op and child.key == key:
                return child
    child = _Alpha(prop, op, key)
    parent.children.append(child)
    return child


def _stack(node: _Alpha, memo: dict[int, int]) -> int:
    """Worst stack size while the walk handles `node` and everything under it."""
    if id(node) in memo:
        return memo[id(node)]
    below = node.children + node.forwards
    if not below:
        memo[id(node)] = 1
        return 1
    equal: dict[str, Counter] = {}
    matching = len(node.forwards)
    for child in node.children:
        if child.op == "$eq":
            equal.setdefault(child.prop, Counter())[_exclusive_key(child)] += 1
        else:
            matching += 1
    matching += sum(max(counts.values()) for counts in equal.values())
    result = max(1, matching - 1 + max(_stack(c, memo) for c in below))
    memo[id(node)] = result
    return result


def _walk(root: _Alpha):
    seen: set[int] = set()
    todo = [root]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        todo.extend(node.children)
        todo.extend(node.forwards)


def network_bounds(definition: dict[str, dict[str, Any]], questions: int) -> Bounds:
    """What a ruleset definition asks of durable's matcher: worst stack, fullest tables, rule count."""
    root = _Alpha(None, "root", None)
    for rule in definition.values():
        for test in rule["all"]:
            _build(root, test["m"]).endings += 1
    nodes = list(_walk(root))
    return Bounds(
        rules=sum(1 for name in definition if name != SEEN_RULE),
        questions=questions,
        stack=_stack(root, {}),
        children=max(len(n.children) for n in nodes),
        forwards=max(len(n.forwards) for n in nodes),
        endings=max(n.endings for n in nodes),
    )
