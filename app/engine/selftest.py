"""Run every rule's own test cases through the real engine (`flask rules test`).

Each case is evaluated against the whole ruleset of the scan (draft rules
included), so a case also proves that the rule fires in company, not alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.engine.adapter import DurableEngine
from app.forms.answers import validate_answers
from app.forms.derive import with_derived
from app.rules.catalogue import Catalogue
from app.rules.compiler import compile_partitions


@dataclass(frozen=True)
class CaseResult:
    rule_id: str
    scan: str
    kind: str  # "fires" or "does_not_fire"
    name: str
    passed: bool
    fired: tuple[str, ...]


def run_rule_tests(catalogue: Catalogue, engine: DurableEngine) -> list[CaseResult]:
    """Evaluate every embedded case; a `fires` case passes when its rule fires, the other when not."""
    results: list[CaseResult] = []
    for scan in catalogue.scans:
        rules = catalogue.rules_for(scan, include_inactive=True)
        name = f"{scan}_{catalogue.version(scan)}_selftest"
        engine.ensure_registered(name, compile_partitions({r.id: r.condition for r in rules}))
        questionnaire = catalogue.questionnaires[scan]
        for rule in rules:
            for kind, cases in (("fires", rule.fires), ("does_not_fire", rule.does_not_fire)):
                for case in cases:
                    answers, _ = validate_answers(questionnaire, case.answers)
                    facts = with_derived(questionnaire, answers, case.reference_date)
                    fired = engine.fire(name, facts)
                    passed = (rule.id in fired) == (kind == "fires")
                    results.append(CaseResult(rule.id, scan, kind, case.name, passed, tuple(sorted(fired))))
    return results
