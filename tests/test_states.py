"""Every move between the states of a scan, a portfolio and a dossier: allowed ones pass, all others are refused."""

from __future__ import annotations

import itertools

import pytest

from app.models import Dossier, Portfolio, Scan
from app.models.states import DOSSIER, PORTFOLIO, SCAN, DossierState, PortfolioState, ScanState, StateError

D, E, S, R, A, T = (
    ScanState.DRAFT,
    ScanState.EVALUATED,
    ScanState.SUBMITTED,
    ScanState.IN_REVIEW,
    ScanState.APPROVED,
    ScanState.RETURNED,
)
#: The workflow as the review process describes it (docs/architecture.md), written out independently of the table.
SCAN_ALLOWED = {(D, E), (E, D), (E, S), (T, S), (S, R), (R, A), (R, T)}
PORTFOLIO_ALLOWED = {
    (PortfolioState.RUNNING, PortfolioState.DONE),
    (PortfolioState.RUNNING, PortfolioState.FAILED),
}
DOSSIER_ALLOWED = {(DossierState.OPEN, DossierState.CLOSED)}

CASES = [
    (Scan, ScanState, SCAN_ALLOWED),
    (Portfolio, PortfolioState, PORTFOLIO_ALLOWED),
    (Dossier, DossierState, DOSSIER_ALLOWED),
]


def _every_move():
    for model, states, allowed in CASES:
        for source, target in itertools.product(states, repeat=2):
            yield pytest.param(
                model, source, target, (source, target) in allowed, id=f"{model.__name__}:{source}->{target}"
            )


@pytest.mark.parametrize(("model", "source", "target", "allowed"), list(_every_move()))
def test_every_move_is_allowed_or_refused_as_the_workflow_says(model, source, target, allowed):
    obj = model(status=source.value)
    if allowed:
        obj.move_to(target)
        assert obj.status == target.value and type(obj.status) is str  # stored as the plain string
    else:
        with pytest.raises(StateError) as refused:
            obj.move_to(target)
        assert obj.status == source.value  # nothing changed
        message = str(refused.value)
        assert "kan niet naar" in message and model.transitions.label(target) in message  # Dutch, names the states


def test_values_are_the_stored_strings():
    """No data migration: the enums' values are what the database already holds."""
    assert [s.value for s in ScanState] == ["draft", "evaluated", "submitted", "in_review", "approved", "returned"]
    assert [s.value for s in PortfolioState] == ["bezig", "klaar", "mislukt"]
    assert [s.value for s in DossierState] == ["open", "besloten"]
    assert ScanState.DRAFT == "draft" and "draft" in {ScanState.DRAFT}


@pytest.mark.parametrize("table", [SCAN, PORTFOLIO, DOSSIER], ids=["scan", "portfolio", "dossier"])
def test_every_state_has_a_dutch_label_and_a_row(table):
    states = set(table.labels)
    assert set(table.moves) == states
    assert all(targets <= states for targets in table.moves.values())


def test_sources_drive_the_conditional_job_writes():
    """A job may finish or fail a portfolio only while it is running (security review C1)."""
    assert PORTFOLIO.sources(PortfolioState.DONE) == (PortfolioState.RUNNING,)
    assert PORTFOLIO.sources(PortfolioState.FAILED) == (PortfolioState.RUNNING,)
    assert PORTFOLIO.sources(PortfolioState.RUNNING) == ()
