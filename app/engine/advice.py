"""The advice model: Bibob context, outcome as an indication, and next steps with their legal basis (pure).

The score and risk level only prioritise. What the service may say on top of them is decided here,
in this order (documented for jurists in docs/advies.md):

1. The context comes from the answers (each scan's `context:` in its scoring file).
2. `onbekend`: the investigation is incomplete until it is settled which decision is at stake.
3. `geen_bibob_besluit`: no Bibob outcome at all; a control priority from the risk level
   (or `geen_aanwijzingen` when nothing fired).
4. In a Bibob context a fired procedural gate overrides the score (lid 6 first, then medewerking).
5. Essential questions left open give `onderzoek_onvolledig`: absence of evidence is not a clean result.
6. Otherwise the level gives the indication, but the two `indicatie_*` outcomes need at least one
   fired `feit` indicator; without one the outcome is at most `nader_onderzoek`. The level that drives
   the indication leaves out `priority_only` indicators (such as a branch alone): they count for the
   control priority outside a Bibob context, never towards a Bibob indication.

`decide()` works on plain data (roles and gates of the fired indicators), so the contestation
what-if can re-run it on a stored snapshot without today's rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from app.rules.catalogue import AdvicePolicy, ScoringPolicy
from app.rules.conditions import holds, is_answered
from app.rules.vocabulary import (
    BIBOB_CONTEXTS,
    GATE_ORDER,
    GATE_OUTCOMES,
    GATED_OUTCOMES,
    INDICATIONS,
    LEVEL_PRIORITY,
    NEXT_STEP_CONTEXTS,
)


@dataclass(frozen=True)
class FiredRole:
    """What the advice needs to know of one fired indicator."""

    id: str
    role: str
    gate: str | None = None
    next_steps: tuple[str, ...] = ()
    priority_only: bool = False


@dataclass(frozen=True)
class Decision:
    """The outcome of the model before wording: outcome, priority and why."""

    outcome: str
    priority: str | None
    gate: str | None = None
    gate_indicators: tuple[str, ...] = ()
    capped_by_feit: bool = False


@dataclass(frozen=True)
class Advice:
    context: str
    decision: Decision
    next_steps: tuple[str, ...]
    summary: str
    missing_essential: tuple[str, ...]
    feit_indicators: tuple[str, ...]


def derive_context(answers: dict[str, Any], policy: ScoringPolicy) -> str:
    """The first `when` entry whose condition holds, else the scan's default (usually `onbekend`)."""
    for context, condition in policy.context_when:
        if holds(condition, answers):
            return context
    return policy.context_default


def missing_essential(answers: dict[str, Any], policy: ScoringPolicy, questionnaire) -> tuple[str, ...]:
    """Essential entries left open, by their first question id, in the order the scan lists them.

    An entry is open when none of its alternatives is answered and at least one applies (show_if): the
    summary of antecedents or the per-person record, say, either of which answers "antecedents".
    """
    result = []
    for group in policy.essential:
        questions = [(qid, questionnaire.question(qid)) for qid in group]
        applies = [qid for qid, q in questions if q is not None and q.shown(answers)]
        if applies and not any(is_answered(answers.get(qid)) for qid in applies):
            result.append(group[0])
    return tuple(result)


def decide(
    context: str,
    level: str,
    fired: Iterable[FiredRole],
    missing: tuple[str, ...],
    level_indications: dict[str, str],
    indication_level: str | None = None,
) -> Decision:
    """Apply the model (see the module docstring) to plain data.

    `level` (all fired indicators) gives the control priority; `indication_level` (the level without
    priority-only indicators; defaults to `level`) gives the indication in a Bibob context.
    """
    fired = list(fired)
    if context == "onbekend":
        return Decision("onderzoek_onvolledig", None)
    if context not in BIBOB_CONTEXTS:
        if not fired:
            return Decision("geen_aanwijzingen", None)
        return Decision("controle_prioriteit", LEVEL_PRIORITY[level])
    for gate in GATE_ORDER:
        ids = tuple(f.id for f in fired if f.role == "procedure" and f.gate == gate)
        if ids:
            outcome, exceptions = GATE_OUTCOMES[gate]
            return Decision(exceptions.get(context, outcome), None, gate=gate, gate_indicators=ids)
    if missing:
        return Decision("onderzoek_onvolledig", None)
    outcome = level_indications[indication_level or level]
    if outcome in INDICATIONS and not any(f.role == "feit" for f in fired):
        return Decision("nader_onderzoek", None, capped_by_feit=True)
    return Decision(outcome, None)


def advise(
    answers: dict[str, Any],
    level: str,
    fired: list[FiredRole],
    scoring: ScoringPolicy,
    policy: AdvicePolicy,
    questionnaire,
    indication_level: str | None = None,
) -> Advice:
    """Context, decision, next steps (table plus the fired rules' own suggestions, where lawful) and summary."""
    context = derive_context(answers, scoring)
    missing = missing_essential(answers, scoring, questionnaire) if context in BIBOB_CONTEXTS else ()
    decision = decide(context, level, fired, missing, scoring.level_indications, indication_level)
    entry = policy.entry(context, decision.outcome, decision.priority)
    steps = list(entry.next_steps)
    if decision.outcome != "geen_aanwijzingen":
        for f in fired:
            for step in f.next_steps:
                if context in NEXT_STEP_CONTEXTS[step] and step not in steps:
                    steps.append(step)
    if decision.outcome in GATED_OUTCOMES and "geen_actie" in steps:
        steps.remove("geen_actie")
    return Advice(
        context=context,
        decision=decision,
        next_steps=tuple(steps),
        summary=entry.summary,
        missing_essential=missing,
        feit_indicators=tuple(f.id for f in fired if f.role == "feit"),
    )
