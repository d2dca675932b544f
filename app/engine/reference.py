"""The plain-Python reference evaluator: the semantics durable-rules must agree with.

`holds()` (app.rules.conditions) decides each condition; the differential tests prove that
durable fires exactly the same set on the real catalogue and on generated catalogues of
50–400 rules. So it can stand in for durable when the engine fails: `ReferenceEngine` has the
engine's interface, and its results say so (`Fired.engine`), so the fallback is recorded.
"""

from __future__ import annotations

from typing import Any

from app.rules.compiler import CompiledRuleset, CompiledScan
from app.rules.conditions import Condition, holds

DURABLE = "durable-rules"
REFERENCE = "referentie-evaluator"
#: What the result page and the report say when the reference evaluator answered instead of durable.
FALLBACK_NOTICE = (
    "Uitgerekend met de referentie-evaluator omdat de rule-engine faalde. De uitkomst is gelijkwaardig: "
    "de referentie-evaluator geeft precies dezelfde indicatoren als de rule-engine, getoetst door de "
    "verschiltests op de hele catalogus en op gegenereerde catalogi van 50 tot 400 regels."
)


def engine_record(engine: str, note: str = "") -> dict[str, object]:
    """Which engine decided a result, as the snapshot keeps it: id, whether it was the fallback, why."""
    fallback = engine != DURABLE
    return {"id": engine, "fallback": fallback, "note": note, "notice": FALLBACK_NOTICE if fallback else ""}


class Fired(set):
    """The ids of the rules that fired, with the engine that decided them and why."""

    engine: str = DURABLE
    note: str = ""

    @classmethod
    def by(cls, ids, engine: str, note: str = "") -> Fired:
        fired = cls(ids)
        fired.engine, fired.note = engine, note
        return fired


def reference_fire(conditions: dict[str, Condition], answers: dict[str, Any]) -> set[str]:
    """The rules whose condition holds on the answers (plain Python)."""
    return {rule_id for rule_id, cond in conditions.items() if holds(cond, answers)}


class ReferenceEngine:
    """The engine interface over `holds()`: for the fallback, benches and tests."""

    def __init__(self) -> None:
        self._scans: dict[str, CompiledScan] = {}

    def ensure_registered(self, name: str, compiled: CompiledRuleset | CompiledScan) -> None:
        if not isinstance(compiled, CompiledScan) or not compiled.conditions:
            raise ValueError("de referentie-evaluator heeft de condities nodig (compile_partitions)")
        self._scans.setdefault(name, compiled)

    def is_registered(self, name: str) -> bool:
        return name in self._scans

    def compiled(self, name: str) -> CompiledScan:
        return self._scans[name]

    def fire(self, name: str, answers: dict[str, Any], note: str = "") -> Fired:
        return Fired.by(reference_fire(self._scans[name].conditions, answers), REFERENCE, note)

    def fire_many(self, name: str, answer_sets: list[dict[str, Any]]) -> list[Fired]:
        return [self.fire(name, answers) for answers in answer_sets]

    def live_sessions(self) -> int:
        return 0
