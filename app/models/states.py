"""States of scans, portfolios and dossiers, and the moves allowed between them (one table per kind).

A state is a `StrEnum` whose values are the strings stored in the database, so the columns stay
plain strings (no migration) and comparisons with stored values keep working. The allowed moves
live here, next to the states, instead of in ad-hoc checks in the services: a model's
`move_to(target)` refuses every move the table does not list with a Dutch `StateError`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar


class StateError(ValueError):
    """A move between two states the table does not allow (Dutch message for the user)."""


class ScanState(enum.StrEnum):
    """Where a scan is in the workflow: draft → evaluated → submitted → in_review → approved | returned."""

    DRAFT = "draft"
    EVALUATED = "evaluated"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    RETURNED = "returned"


class PortfolioState(enum.StrEnum):
    """A portfolio's batch job: running until its rows are stored (done) or it failed."""

    RUNNING = "bezig"
    DONE = "klaar"
    FAILED = "mislukt"


class DossierState(enum.StrEnum):
    """A dossier is open until the bestuursorgaan's decision is recorded; then it is frozen."""

    OPEN = "open"
    CLOSED = "besloten"


S = TypeVar("S", bound=enum.StrEnum)


@dataclass(frozen=True)
class Transitions(Generic[S]):
    """The allowed moves of one kind of object, with the Dutch names of its states.

    A move to the state an object already has is not a move and is refused like any other
    that the table does not list: callers move only when the state changes.
    """

    noun: str  # Dutch, with article: "Een scan"
    labels: Mapping[S, str]
    moves: Mapping[S, frozenset[S]]

    def allowed(self, source: S | str, target: S | str) -> bool:
        """Whether the table lists the move from `source` to `target` (stored strings accepted)."""
        return target in self.moves.get(source, frozenset())

    def check(self, source: S | str, target: S | str) -> None:
        """Raise StateError (Dutch) unless the move is allowed."""
        if not self.allowed(source, target):
            raise StateError(f"{self.noun} met status ‘{self.label(source)}’ kan niet naar ‘{self.label(target)}’.")

    def sources(self, target: S) -> tuple[S, ...]:
        """Every state from which `target` may be reached (for conditional UPDATEs: WHERE status IN …)."""
        return tuple(state for state, targets in self.moves.items() if target in targets)

    def label(self, state: S | str) -> str:
        return self.labels.get(state, str(state))


SCAN = Transitions[ScanState](
    noun="Een scan",
    labels={
        ScanState.DRAFT: "Concept",
        ScanState.EVALUATED: "Geëvalueerd",
        ScanState.SUBMITTED: "Ingediend voor beoordeling",
        ScanState.IN_REVIEW: "In beoordeling",
        ScanState.APPROVED: "Vastgesteld",
        ScanState.RETURNED: "Teruggestuurd",
    },
    moves={
        # evaluated → draft: answers changed after the evaluation, the result no longer matches them.
        ScanState.DRAFT: frozenset({ScanState.EVALUATED}),
        ScanState.EVALUATED: frozenset({ScanState.DRAFT, ScanState.SUBMITTED}),
        # A returned scan is revised and evaluated in place (it stays "returned") and is submitted again.
        ScanState.RETURNED: frozenset({ScanState.SUBMITTED}),
        ScanState.SUBMITTED: frozenset({ScanState.IN_REVIEW}),
        ScanState.IN_REVIEW: frozenset({ScanState.APPROVED, ScanState.RETURNED}),
        ScanState.APPROVED: frozenset(),  # frozen: a change is a new version (a new scan)
    },
)

PORTFOLIO = Transitions[PortfolioState](
    noun="Een portfolio",
    labels={
        PortfolioState.RUNNING: "Wordt beoordeeld",
        PortfolioState.DONE: "Klaar",
        PortfolioState.FAILED: "Mislukt",
    },
    moves={
        PortfolioState.RUNNING: frozenset({PortfolioState.DONE, PortfolioState.FAILED}),
        PortfolioState.DONE: frozenset(),
        PortfolioState.FAILED: frozenset(),
    },
)

DOSSIER = Transitions[DossierState](
    noun="Een dossier",
    labels={DossierState.OPEN: "Open", DossierState.CLOSED: "Besloten"},
    moves={DossierState.OPEN: frozenset({DossierState.CLOSED}), DossierState.CLOSED: frozenset()},
)


class Stateful:
    """Mixin for a model with a `status` column whose moves a `Transitions` table governs."""

    transitions: ClassVar[Transitions[Any]]
    status: Any

    def move_to(self, target: enum.StrEnum) -> None:
        """Change the status, if the table allows the move (else StateError); the stored value stays a string."""
        self.transitions.check(self.status, target)
        self.status = target.value
