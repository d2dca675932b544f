"""Evaluate answers for a scan: validate, fire the rules in durable-rules, score, explain.

Pure apart from the engine's own in-memory state, which the adapter cleans up
after every evaluation. The result is plain data (`Evaluation.to_dict()`), so it
can be stored as a snapshot and rendered later exactly as it was.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from app.engine.adapter import DurableEngine
from app.engine.advice import Advice, FiredRole, advise
from app.engine.reference import DURABLE, engine_record
from app.engine.scoring import Score, score
from app.forms.answers import validate_present
from app.forms.derive import DerivedValue, derive, describe_financier, describe_witness
from app.forms.model import ANTECEDENT_STATUSES, OFFENCE_KINDS, PERSON_ROLES
from app.rules.catalogue import Catalogue, Rule
from app.rules.compiler import compile_partitions
from app.rules.conditions import describe, explain, is_answered, leaves
from app.rules.vocabulary import (
    BIBOB_CONTEXTS,
    BIBOB_GROUNDS,
    CATEGORIES,
    CONTEXTS,
    GATES,
    INDICATION_NOTE,
    LEVEL_PRIORITY,
    LEVELS,
    NEXT_STEPS,
    OUTCOMES,
    PRIORITIES,
    PRIORITY_NOTE,
    RELATIONS,
    ROLES,
)

#: Version of the advice model a snapshot was made under; snapshots without it are of model 1
#: (score mapped straight to a conclusion) and render as stored, with a notice.
ADVICE_MODEL = 2


class AnswersInvalid(ValueError):
    """The answers do not fit the scan's questionnaire; `errors` maps question id to Dutch messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        lines = [f"{qid}: {'; '.join(msgs)}" for qid, msgs in sorted(errors.items())]
        super().__init__("ongeldige antwoorden:\n" + "\n".join(lines))


class UnknownScan(ValueError):
    """No such scan type."""


@dataclass(frozen=True)
class Trigger:
    """One answer that made an indicator fire, with the test it met."""

    question: str
    label: str
    value: Any
    shown: str
    test: str
    source: str
    provenance: Any = None  # app.forms.channels.Provenance of the question (None before the channel table)
    persons: tuple[dict[str, Any], ...] = ()  # for a derived fact: the persons or financiers that made it true


@dataclass(frozen=True)
class FiredIndicator:
    rule: Rule
    triggers: tuple[Trigger, ...]


@dataclass(frozen=True)
class Evaluation:
    scan: str
    ruleset_version: str
    questionnaire_version: int
    fired: tuple[FiredIndicator, ...]
    not_fired: tuple[Rule, ...]
    score: Score
    advice: Advice
    references: tuple[dict, dict] = ((), ())
    answered: tuple[dict[str, Any], ...] = ()
    level_indications: tuple[tuple[str, str], ...] = ()
    step_bases: tuple[tuple[str, tuple[str, ...]], ...] = ()
    missing_labels: tuple[tuple[str, str], ...] = ()
    reference_date: str | None = None
    derived: tuple[dict[str, Any], ...] = ()
    engine: str = DURABLE  # which engine decided the fired set (the reference evaluator on a fallback)
    engine_note: str = ""  # why the fallback was taken, when it was
    scan_label: str = ""  # the scan type's label (`app.rules.registry`), as the snapshot stores it

    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON data: the snapshot a report is later rendered from."""
        advice, decision = self.advice, self.advice.decision
        legal_bases = self.references[0]
        in_bibob = advice.context in BIBOB_CONTEXTS
        return {
            "advice_model": ADVICE_MODEL,
            "scan": self.scan,
            "scan_label": self.scan_label or self.scan,
            "ruleset_version": self.ruleset_version,
            "questionnaire_version": self.questionnaire_version,
            "context": advice.context,
            "context_label": CONTEXTS[advice.context],
            "bibob_context": in_bibob,
            "outcome": decision.outcome,
            "outcome_label": OUTCOMES[decision.outcome],
            "priority": decision.priority,
            "priority_label": PRIORITIES[decision.priority] if decision.priority else None,
            "indication_note": INDICATION_NOTE if in_bibob or advice.context == "onbekend" else PRIORITY_NOTE,
            "gate": (
                {"id": decision.gate, "label": GATES[decision.gate], "indicators": list(decision.gate_indicators)}
                if decision.gate
                else None
            ),
            "capped_by_feit": decision.capped_by_feit,
            "feit_indicators": list(advice.feit_indicators),
            "missing_essential": [{"question": q, "label": label} for q, label in self.missing_labels],
            "score": self.score.total,
            "level": self.score.level,
            "level_label": LEVELS[self.score.level],
            "level_by_score": self.score.level_by_score,
            "next_steps": [
                {
                    "id": s,
                    "label": NEXT_STEPS[s],
                    "legal_basis": [
                        {"id": b, "title": legal_bases[b]["title"], "verified": legal_bases[b]["verified"]}
                        for b in dict(self.step_bases).get(s, ())
                    ],
                }
                for s in advice.next_steps
            ],
            "summary": advice.summary,
            "knockouts": list(self.score.knockouts),
            "thresholds": [{"level": lv, "label": LEVELS[lv], "min_score": m} for lv, m in self.score.thresholds],
            "level_outcomes": {lv: {"outcome": o, "label": OUTCOMES[o]} for lv, o in self.level_indications},
            "level_priorities": {lv: {"priority": p, "label": PRIORITIES[p]} for lv, p in LEVEL_PRIORITY.items()},
            "categories": [
                {
                    "id": c.category,
                    "label": CATEGORIES[c.category],
                    "raw": c.raw,
                    "cap": c.cap,
                    "score": c.score,
                    "capped": c.capped,
                }
                for c in self.score.categories
            ],
            "fired": [_fired_dict(f, self.references) for f in self.fired],
            "answered": list(self.answered),
            "reference_date": self.reference_date,
            "derived": list(self.derived),
            "not_fired": [
                {"id": r.id, "title": r.title, "category": r.category, "weight": r.weight} for r in self.not_fired
            ],
            "engine": engine_record(self.engine, self.engine_note),
        }


def _fired_dict(f: FiredIndicator, refs: tuple[dict, dict]) -> dict[str, Any]:
    """One fired indicator as data, with the titles of its legal bases and sources as they are now."""
    r = f.rule
    legal_bases, sources = refs
    return {
        "id": r.id,
        "version": r.version,
        "title": r.title,
        "priority_only": r.priority_only,
        "description": r.description,
        "category": r.category,
        "category_label": CATEGORIES[r.category],
        "weight": r.weight,
        "knockout": r.knockout,
        "role": r.role,
        "role_label": ROLES[r.role],
        "relation": [{"id": x, "label": RELATIONS[x]} for x in r.relation],
        "gate": r.gate,
        "bibob_grounds": [{"id": g, "label": BIBOB_GROUNDS[g]} for g in r.bibob_grounds],
        "legal_basis": [
            {"id": b, "title": legal_bases[b]["title"], "verified": legal_bases[b]["verified"]} for b in r.legal_basis
        ],
        "advice": r.advice,
        "control_points": list(r.control_points),
        "partners": list(r.partners),
        "sources": [
            {"source": s.source, "quote": s.quote, "locator": s.locator, **_source_fields(sources[s.source])}
            for s in r.sources
        ],
        "triggers": [
            {
                "question": t.question,
                "label": t.label,
                "value": list(t.value) if isinstance(t.value, list) else t.value,  # triggers are shared
                "shown": t.shown,
                "test": t.test,
                "source": t.source,
                **_provenance_fields(t.provenance),
                **({"persons": list(t.persons)} if t.persons else {}),
            }
            for t in f.triggers
        ],
    }


def _source_fields(source: dict[str, Any]) -> dict[str, Any]:
    return {k: source.get(k) for k in ("kind", "title", "publisher", "year", "url", "file")}


class Evaluator:
    """Runs a catalogue's rulesets; one per process, shared by requests and commands."""

    def __init__(self, catalogue: Catalogue, engine: DurableEngine | None = None):
        self.catalogue = catalogue
        self.engine = engine or DurableEngine()
        self._scores = _Memo(4_096)  # (scan, fired ids) → Score (immutable), for `triage`
        self._explained = _Memo(16_384)  # (rule, questionnaire, values it reads) → its triggers
        self._active: dict[str, dict[str, Rule]] = {}
        self._shown = {scan: _Memo(8_192) for scan in catalogue.scans}  # per scan: (question, value) → entry
        for scan in catalogue.scans:
            rules = self.catalogue.rules_for(scan)
            self._active[scan] = {r.id: r for r in rules}
            compiled = compile_partitions({r.id: r.condition for r in rules}, {r.id: r.category for r in rules})
            self.engine.ensure_registered(self.ruleset_name(scan), compiled)

    def ruleset_name(self, scan: str) -> str:
        """Engine name of a scan's ruleset: scan plus version, as durable cannot replace one."""
        return f"{scan}_{self.catalogue.version(scan)}"

    def evaluate(
        self, scan: str, answers: dict[str, Any], validated: bool = False, reference_date: dt.date | None = None
    ) -> Evaluation:
        """Evaluate one answer set; raise AnswersInvalid for answers the questionnaire refuses.

        Derived facts are computed first (`app/forms/derive.py`), counted from `reference_date`
        (default: today), which the snapshot records so a re-evaluation uses the same day.
        """
        if scan not in self.catalogue.scans:
            raise UnknownScan(scan)
        questionnaire = self.catalogue.questionnaires[scan]
        if not validated:
            answers, errors = validate_present(questionnaire, answers)
            if errors:
                raise AnswersInvalid(errors)
        day = reference_date or dt.date.today()
        derived = derive(questionnaire.derivations, answers, day)
        facts = _facts(answers, derived)
        fired_ids = self.engine.fire(self.ruleset_name(scan), facts)
        return self._assemble(scan, answers, fired_ids, facts, derived, day)

    def facts(self, scan: str, answers: dict[str, Any], reference_date: dt.date | None = None) -> dict[str, Any]:
        """Validated answers plus the scan's derived facts: what the rules read."""
        questionnaire = self.catalogue.questionnaires[scan]
        return _facts(answers, derive(questionnaire.derivations, answers, reference_date or dt.date.today()))

    def triage(
        self, scan: str, answers: dict[str, Any], reference_date: dt.date | None = None
    ) -> tuple[tuple[str, ...], Score]:
        """Fired ids (sorted) and the score of validated answers, without explanations.

        For registers of thousands of rows: the same engine, derivations and scoring as `evaluate`,
        minus the per-indicator explanation, which a ranked overview does not show.
        """
        fired_ids = tuple(sorted(self.engine.fire(self.ruleset_name(scan), self.facts(scan, answers, reference_date))))
        key = (scan, fired_ids)
        result = self._scores.get(key)  # a score depends on the fired set only, and registers repeat them
        if result is None:
            active = self._active[scan]
            result = self._scores.put(key, score([active[i] for i in fired_ids], self.catalogue.scoring[scan]))
        return fired_ids, result

    def fire_ids(self, scan: str, answers: dict[str, Any]) -> set[str]:
        """Only the ids of the indicators that fire (validated answers; for tests and batches)."""
        return self.engine.fire(self.ruleset_name(scan), self.facts(scan, answers))

    def _assemble(
        self,
        scan: str,
        answers: dict[str, Any],
        fired_ids: set[str],
        facts: dict[str, Any],
        derived: dict[str, DerivedValue],
        day: dt.date,
    ) -> Evaluation:
        active = self._active[scan]
        questionnaire = self.catalogue.questionnaires[scan]
        fired = [active[i] for i in sorted(fired_ids)]
        indicators = tuple(FiredIndicator(rule, self._triggers(rule, facts, questionnaire, derived)) for rule in fired)
        result = score(fired, self.catalogue.scoring[scan])
        advice = self.advise(scan, facts, result, fired)
        policy = self.catalogue.advice
        return Evaluation(
            scan=scan,
            scan_label=self.catalogue.scans[scan].label,
            ruleset_version=self.catalogue.version(scan),
            questionnaire_version=questionnaire.version,
            fired=indicators,
            not_fired=tuple(r for i, r in active.items() if i not in fired_ids),
            score=result,
            advice=advice,
            references=(self.catalogue.legal_bases, self.catalogue.sources),
            answered=_answered(questionnaire, answers, self._shown[scan]),
            level_indications=tuple(self.catalogue.scoring[scan].level_indications.items()),
            step_bases=tuple((s, policy.step_basis(s, advice.context)) for s in advice.next_steps),
            missing_labels=tuple(
                (q, self.catalogue.scoring[scan].essential_label(q, questionnaire)) for q in advice.missing_essential
            ),
            reference_date=day.isoformat(),
            derived=_derived_rows(questionnaire, derived),
            engine=getattr(fired_ids, "engine", DURABLE),
            engine_note=getattr(fired_ids, "note", ""),
        )

    def advise(self, scan: str, answers: dict[str, Any], result: Score, fired: list[Rule]) -> Advice:
        """The Bibob context, the indication and the next steps for fired rules and their score."""
        roles = [FiredRole(r.id, r.role, r.gate, r.next_steps, r.priority_only) for r in fired]
        policy = self.catalogue.scoring[scan]
        # A Bibob indication never rests on a priority-only indicator (e.g. the branch alone):
        # the level that drives it is the score without them; the control priority keeps them.
        indication_level = score([r for r in fired if not r.priority_only], policy).level
        return advise(
            answers,
            result.level,
            roles,
            policy,
            self.catalogue.advice,
            self.catalogue.questionnaires[scan],
            indication_level=indication_level,
        )

    def _triggers(
        self, rule: Rule, facts: dict[str, Any], questionnaire, derived: dict[str, DerivedValue]
    ) -> tuple[Trigger, ...]:
        """`triggers`, remembered per rule and the values of every question it reads (bounded).

        An explanation depends on nothing else, except for a derived fact that holds: then the
        persons or financiers behind it are part of it, so such a rule is explained afresh.
        """
        key: list[Any] = [rule, questionnaire]  # a rule of several scans reads each scan's labels
        for question in _read_by(rule):
            fact = derived.get(question)
            value_key = _value_key(facts.get(question))
            if value_key is None or (fact is not None and fact.value):
                return self.triggers(rule, facts, questionnaire, derived)
            key.append(value_key)
        key_ = tuple(key)
        found = self._explained.get(key_)
        if found is None:
            found = self._explained.put(key_, self.triggers(rule, facts, questionnaire, derived))
        return found

    @staticmethod
    def triggers(
        rule: Rule, answers: dict[str, Any], questionnaire, derived: dict[str, DerivedValue] | None = None
    ) -> tuple[Trigger, ...]:
        """The answers (and derived facts) that made `rule` fire, each with the test it met.

        A derived fact names the persons (with role and art. 3 lid 4 relation) or financiers behind it.
        """
        result = []
        for leaf in explain(rule.condition, answers):
            question = questionnaire.question(leaf.question)
            value = answers.get(leaf.question)
            shown = show_answer(question, value)
            persons: tuple[dict[str, Any], ...] = ()
            if derived and leaf.question in derived and derived[leaf.question].value:
                persons = derived[leaf.question].witnesses
                shown = f"{shown} – " + "; ".join(describe_witness(w) for w in persons)
            result.append(
                Trigger(
                    question=leaf.question,
                    label=question.label,
                    value=list(value) if type(value) is list else value,  # its own copy: triggers are remembered
                    shown=shown,
                    test=describe(leaf, lambda q: questionnaire.label_of(q)),
                    source=question.source,
                    provenance=question.provenance,
                    persons=persons,
                )
            )
        return tuple(result)


def _facts(answers: dict[str, Any], derived: dict[str, DerivedValue]) -> dict[str, Any]:
    """The answers plus the value of every derived fact that has one."""
    facts = dict(answers)
    for fact_id, value in derived.items():
        if value.value is not None:
            facts[fact_id] = value.value
    return facts


def _derived_rows(questionnaire, derived: dict[str, DerivedValue]) -> tuple[dict[str, Any], ...]:
    """The derived facts with a value, as the snapshot keeps them (label, value, who made it true)."""
    return tuple(
        {
            "id": q.id,
            "label": q.label,
            "value": derived[q.id].value,
            "shown": "ja" if derived[q.id].value else "nee",
            "persons": list(derived[q.id].witnesses),
        }
        for q in questionnaire.derived
        if q.id in derived and derived[q.id].value is not None
    )


def _answered(questionnaire, answers: dict[str, Any], memo: dict | None = None) -> tuple[dict[str, Any], ...]:
    """Every given answer, in questionnaire order, as a person reads it, with its step and source.

    Each entry depends on the question and the value only, so it is built once per (question,
    value) in `memo` (bounded); every result gets its own copy.
    """
    order = _question_order(questionnaire)
    given = sorted(order[k] for k, v in answers.items() if k in order and is_answered(v))
    rows = []
    for _, step, q in given:
        value = answers[q.id]
        key = _value_key(value)
        entry = memo.get((q.id, key)) if key is not None and memo is not None else None
        if entry is None:
            entry = {
                "step": step,
                "question": q.id,
                "label": q.label,
                "shown": show_answer(q, value),
                "source": q.source,
                **_provenance_fields(q.provenance),
            }
            if key is not None and memo is not None:
                memo.put((q.id, key), entry)
        rows.append(dict(entry))
    return tuple(rows)


class _Memo(dict):
    """A bounded memo: emptied when full, so memory stays flat in a long-running process."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def put(self, key, value):
        if len(self) >= self.size:
            self.clear()
        self[key] = value
        return value


_NUMBERS = frozenset({bool, int, float, type(None)})
_ITEMS = frozenset({str, int, float, bool})


def _value_key(value: Any) -> Any:
    """A hashable key for an answer value that keeps its type (True is not 1), or None for records.

    A short text is its own key (no other kind of key is a str); free text is rarely repeated,
    so it is not remembered (None), which keeps the memos small.
    """
    kind = value.__class__
    if kind is str:
        return value if len(value) <= 80 else None
    if kind in _NUMBERS:
        return (kind, value)
    if kind is list or kind is tuple:
        for item in value:
            if item.__class__ not in _ITEMS:
                return None
        return ("list", *((item.__class__, item) for item in value))
    return None


@lru_cache(maxsize=4_096)
def _read_by(rule: Rule) -> tuple[str, ...]:
    """The questions (and derived facts) a rule's condition reads, once per rule."""
    return tuple(dict.fromkeys(leaf.question for leaf in leaves(rule.condition)))


@lru_cache(maxsize=64)
def _question_order(questionnaire) -> dict[str, tuple[int, str, Any]]:
    """Question id → (position in the questionnaire, step title, question)."""
    order = {}
    for step in questionnaire.steps:
        for q in step.questions:
            order[q.id] = (len(order), step.title, q)
    return order


def _provenance_fields(provenance) -> dict[str, Any]:
    """Channel label, partner and shareability of an answer, stored in the snapshot beside `source`."""
    return provenance.snapshot_fields() if provenance is not None else {}


def show_answer(question, value: Any) -> str:
    """An answer as a person reads it: option labels, ja/nee, euro amounts."""
    if not is_answered(value):
        return "niet ingevuld"
    if question.type == "ja_nee":
        return "ja" if value else "nee"
    if question.type == "keuze":
        return question.option_label(value)
    if question.type == "meerkeuze":
        return ", ".join(question.option_label(v) for v in value)
    if question.type in ("personen", "financiers"):
        return "; ".join(show_records(question, value))
    if question.type == "bedrag":
        return "€ " + f"{value:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return str(value)


def show_records(question, value: Any) -> list[str]:
    """A record answer (persons, financiers) as one line per row, with labels, never raw ids (e.g. the summary)."""
    if question is None or not is_answered(value):
        return []
    if question.type == "personen":
        return [_show_person(p) for p in value]
    if question.type == "financiers":
        return [f"{f['naam']} ({describe_financier(f)})" for f in value]
    return []


def _show_person(p: dict[str, Any]) -> str:
    """A person as a report reads it: name, role and, if any, antecedents in short."""
    text = f"{p['naam']} ({PERSON_ROLES.get(p['rol'], p['rol'])})"
    antecedents = p.get("antecedenten") or []
    if antecedents:
        items = [
            f"{OFFENCE_KINDS.get(a['feit'], a['feit'])} {a.get('jaar') or ''}".strip()
            + f" ({ANTECEDENT_STATUSES.get(a['status'], a['status']).lower()}"
            + (", samenhang" if a.get("samenhang") else "")
            + ")"
            for a in antecedents
        ]
        text += ": " + ", ".join(items)
    return text
