"""The loaded, checked indicator catalogue: rules, scoring policies, references, questionnaires."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.forms.model import Questionnaire
from app.rules.conditions import Condition


@dataclass(frozen=True)
class SourceRef:
    source: str
    quote: str | None = None
    locator: str | None = None


@dataclass(frozen=True)
class TestCase:
    name: str
    answers: dict[str, Any] = field(hash=False)


@dataclass(frozen=True, eq=False)
class Rule:
    """One indicator, as its file says, with the condition parsed."""

    id: str
    version: int
    status: str
    title: str
    description: str
    scans: tuple[str, ...]
    category: str
    weight: int
    knockout: str | None
    bibob_grounds: tuple[str, ...]
    legal_basis: tuple[str, ...]
    condition: Condition
    advice: str
    control_points: tuple[str, ...]
    partners: tuple[str, ...]
    sources: tuple[SourceRef, ...]
    fires: tuple[TestCase, ...]
    does_not_fire: tuple[TestCase, ...]
    path: str
    content_hash: str

    @property
    def active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True)
class OutcomePolicy:
    outcome: str
    next_steps: tuple[str, ...]
    summary: str


@dataclass(frozen=True, eq=False)
class ScoringPolicy:
    """How one scan turns fired indicators into a score, a level and an outcome."""

    scan: str
    version: int
    caps: dict[str, int | None]
    thresholds: tuple[tuple[str, int], ...]
    outcomes: dict[str, OutcomePolicy]
    content_hash: str


@dataclass(frozen=True, eq=False)
class Catalogue:
    """Everything the engine needs, checked as a whole; build it with `load_catalogue`."""

    rules: dict[str, Rule]
    scoring: dict[str, ScoringPolicy]
    questionnaires: dict[str, Questionnaire]
    sources: dict[str, dict[str, Any]]
    legal_bases: dict[str, dict[str, Any]]
    versions: dict[str, str]
    files: dict[str, str] = field(default_factory=dict)  # path → text: exactly what was loaded

    def rules_for(self, scan: str, include_inactive: bool = False) -> list[Rule]:
        """The indicators of one scan, sorted by id (active ones only unless asked)."""
        return sorted(
            (r for r in self.rules.values() if scan in r.scans and (include_inactive or r.active)),
            key=lambda r: r.id,
        )

    def version(self, scan: str) -> str:
        """The ruleset version of a scan: a content hash of every file that shapes its result."""
        return self.versions[scan]
