"""The loaded, checked indicator catalogue: rules, scoring policies, references, questionnaires."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.forms.model import Questionnaire
from app.rules.conditions import Condition
from app.rules.errors import ByScan
from app.rules.registry import ScanRegistry


@dataclass(frozen=True)
class SourceRef:
    source: str
    quote: str | None = None
    locator: str | None = None


@dataclass(frozen=True)
class TestCase:
    name: str
    answers: dict[str, Any] = field(hash=False)
    reference_date: Any = None  # datetime.date for date-relative derived facts; None: today


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
    role: str = "signaal"
    relation: tuple[str, ...] = ()
    gate: str | None = None
    next_steps: tuple[str, ...] = ()
    #: Counts for the control priority only, never towards a Bibob indication (e.g. a branch alone).
    priority_only: bool = False

    @property
    def active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True, eq=False)
class ScoringPolicy:
    """How one scan turns fired indicators into a score and level, and how it finds its Bibob context."""

    scan: str
    version: int
    caps: dict[str, int | None]
    thresholds: tuple[tuple[str, int], ...]
    level_indications: dict[str, str]
    context_default: str
    context_when: tuple[tuple[str, Condition], ...]
    #: Essential questions: per entry its alternatives, one answered is enough; the first names the entry.
    essential: tuple[tuple[str, ...], ...]
    content_hash: str

    def essential_group(self, question_id: str) -> tuple[str, ...]:
        """The alternatives of the essential entry that `question_id` names (itself when it names none)."""
        return next((g for g in self.essential if g[0] == question_id), (question_id,))

    def essential_label(self, question_id: str, questionnaire) -> str:
        """The label of an essential entry: its questions' labels, joined by "of" when there are alternatives."""
        return " of ".join(questionnaire.label_of(q) for q in self.essential_group(question_id))


@dataclass(frozen=True)
class AdviceEntry:
    """Next steps and summary for one outcome (and priority) in a set of contexts."""

    outcome: str
    contexts: tuple[str, ...]
    priority: str | None
    next_steps: tuple[str, ...]
    summary: str


@dataclass(frozen=True, eq=False)
class AdvicePolicy:
    """`rules/advies.yaml`: the next steps and summaries per context and outcome, and each step's basis."""

    entries: tuple[AdviceEntry, ...]
    step_bases: dict[str, dict[str, tuple[str, ...]]]  # step → context (or "*") → legal basis ids
    content_hash: str

    def entry(self, context: str, outcome: str, priority: str | None) -> AdviceEntry:
        """The one entry for this combination (the loader proved there is exactly one)."""
        for e in self.entries:
            if e.outcome == outcome and context in e.contexts and e.priority == priority:
                return e
        raise LookupError(f"geen advies voor {context}/{outcome}/{priority}")

    def step_basis(self, step: str, context: str) -> tuple[str, ...]:
        """The legal basis of a next step in a context (a context-specific one before the general one)."""
        bases = self.step_bases.get(step, {})
        return bases.get(context, bases.get("*", ()))


@dataclass(frozen=True, eq=False)
class Catalogue:
    """Everything the engine needs, checked as a whole; build it with `load_catalogue`."""

    rules: dict[str, Rule]
    scoring: dict[str, ScoringPolicy]
    advice: AdvicePolicy
    questionnaires: dict[str, Questionnaire]
    sources: dict[str, dict[str, Any]]
    legal_bases: dict[str, dict[str, Any]]
    versions: dict[str, str]
    files: dict[str, str] = field(default_factory=dict)  # path → text: exactly what was loaded
    #: The scan types the catalogue was loaded for (`app.rules.registry`), in list order.
    scans: ScanRegistry = field(default_factory=lambda: ScanRegistry(()))

    def __post_init__(self) -> None:
        """Per-scan tables raise ScanTypeGone (not a bare KeyError) for a stored scan of a removed type."""
        for name in ("scoring", "questionnaires", "versions"):
            object.__setattr__(self, name, ByScan(getattr(self, name)))

    def knows(self, scan: str) -> bool:
        """Whether this catalogue has the scan type (a stored scan may be of a type since removed)."""
        return scan in self.questionnaires

    def rules_for(self, scan: str, include_inactive: bool = False) -> list[Rule]:
        """The indicators of one scan, sorted by id (active ones only unless asked)."""
        return sorted(
            (r for r in self.rules.values() if scan in r.scans and (include_inactive or r.active)),
            key=lambda r: r.id,
        )

    def version(self, scan: str) -> str:
        """The ruleset version of a scan: a content hash of every file that shapes its result."""
        return self.versions[scan]
