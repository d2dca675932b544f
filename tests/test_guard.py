"""Crash isolation: a broken engine call (refused fact, abort, segfault, hang) leaves the service answering."""

from __future__ import annotations

import ctypes
import functools
import logging
import os
import random
import time

import pytest

from app.engine.adapter import DurableEngine, EngineError
from app.engine.evaluator import Evaluator
from app.engine.guard import EngineUnavailable, GuardedEngine
from app.engine.reference import DURABLE, REFERENCE, reference_fire
from app.rules.compiler import compile_partitions
from tests.test_engine import random_answers


class BrokenEngine(DurableEngine):
    """A real durable engine whose `fire` breaks in the chosen way; runs in the guard's child.

    With `flag`, it breaks only while that file exists, and removes it first (so once).
    """

    def __init__(self, mode: str, flag: str | None = None):
        super().__init__()
        self.mode, self.flag = mode, flag

    def fire(self, name, answers):
        if self.flag is None or os.path.exists(self.flag):
            if self.flag:
                os.remove(self.flag)
            if self.mode == "abort":
                os.abort()
            if self.mode == "segfault":
                ctypes.string_at(0)
            if self.mode == "hang":
                time.sleep(3600)
            if self.mode == "refuse":
                raise EngineError("de engine faalde: Could not assert fact, error code: 303", 303)
            if self.mode == "exit":
                os._exit(3)
        return super().fire(name, answers)


@pytest.fixture(scope="module")
def horeca(catalogue):
    rules = catalogue.rules_for("horeca")
    compiled = compile_partitions({r.id: r.condition for r in rules})
    rnd = random.Random("guard")
    sets = [random_answers(catalogue.questionnaires["horeca"], rnd) for _ in range(30)]
    return compiled, sets


def _guard(mode: str | None, **kwargs) -> GuardedEngine:
    factory = functools.partial(BrokenEngine, mode, kwargs.pop("flag", None)) if mode else DurableEngine
    return GuardedEngine(factory=factory, **kwargs)


def test_the_guarded_engine_fires_what_durable_fires(horeca):
    compiled, sets = horeca
    guard = _guard(None)
    try:
        guard.ensure_registered("horeca_g", compiled)
        for answers in sets:
            fired = guard.fire("horeca_g", answers)
            assert fired == reference_fire(compiled.conditions, answers)
            assert fired.engine == DURABLE
        many = guard.fire_many("horeca_g", sets)
        assert [set(f) for f in many] == [reference_fire(compiled.conditions, a) for a in sets]
        assert guard.stats["fallbacks"] == 0
    finally:
        guard.close()


@pytest.mark.parametrize("mode", ["abort", "segfault", "exit"])
def test_a_crash_of_the_engine_process_is_answered_by_the_reference_and_recovers(horeca, tmp_path, mode, caplog):
    compiled, sets = horeca
    flag = tmp_path / "crash-once"
    guard = _guard(mode, flag=str(flag))
    try:
        guard.ensure_registered("horeca_c", compiled)
        first_pid = guard.fire("horeca_c", sets[0]) and guard.child_pid
        flag.touch()
        with caplog.at_level(logging.WARNING, logger="app.engine.guard"):
            fired = guard.fire("horeca_c", sets[1])
        assert fired == reference_fire(compiled.conditions, sets[1])
        assert fired.engine == REFERENCE and "stopte onverwacht" in fired.note
        assert "horeca_c" in caplog.text and "stopte onverwacht" in caplog.text
        assert guard.stats["fallbacks"] == 1
        again = guard.fire("horeca_c", sets[2])  # a fresh child, with the rulesets registered again
        assert again.engine == DURABLE and again == reference_fire(compiled.conditions, sets[2])
        assert guard.child_pid not in (None, first_pid)
    finally:
        guard.close()


def test_a_hanging_engine_is_stopped_after_the_timeout(horeca):
    compiled, sets = horeca
    guard = _guard("hang", timeout=1.0)
    try:
        guard.ensure_registered("horeca_h", compiled)
        t0 = time.monotonic()
        fired = guard.fire("horeca_h", sets[0])
        assert time.monotonic() - t0 < 10
        assert fired.engine == REFERENCE and "geen antwoord" in fired.note
        assert fired == reference_fire(compiled.conditions, sets[0])
    finally:
        guard.close()


def test_a_refused_fact_falls_back_without_losing_the_child(horeca):
    compiled, sets = horeca
    guard = _guard("refuse")
    try:
        guard.ensure_registered("horeca_r", compiled)
        fired = guard.fire("horeca_r", sets[0])
        pid = guard.child_pid
        assert fired.engine == REFERENCE and "303" in fired.note
        batch = guard.fire_many("horeca_r", sets[:5])
        assert [set(f) for f in batch] == [reference_fire(compiled.conditions, a) for a in sets[:5]]
        assert guard.child_pid == pid and guard.stats["starts"] == 1
    finally:
        guard.close()


def test_without_fallback_the_failure_is_a_clear_error(horeca):
    compiled, sets = horeca
    guard = _guard("abort", fallback=False)
    try:
        guard.ensure_registered("horeca_n", compiled)
        with pytest.raises(EngineUnavailable, match="tijdelijk niet beschikbaar"):
            guard.fire("horeca_n", sets[0])
    finally:
        guard.close()


def test_the_service_keeps_answering_while_the_engine_crashes(app, catalogue, evaluator):
    """Every engine call aborts its process; scans are still evaluated (by the reference), and recorded."""
    from tests.test_api import token_for
    from tests.test_wizard import REQUIRED

    guard = _guard("abort")
    try:
        with app.app_context():
            app.extensions["bibob_catalogue"]["evaluator"] = Evaluator(catalogue, guard)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token_for(app, 'officer')}"}
        for round_ in range(2):
            created = client.post(
                "/api/v1/scans",
                json={"scan_type": "horeca", "subject_name": f"Bar {round_} (fictief)"},
                headers=headers,
            )
            scan_id = created.get_json()["id"]
            steps = {
                "aanvraag": REQUIRED["horeca"] | {"overname": True, "overnamesom": 150000},
                "onderneming": {"rechtsvorm": "bv"},
                "gedrag": {"vragenformulier_status": "geweigerd"},
            }
            for step, given in steps.items():
                saved = client.put(f"/api/v1/scans/{scan_id}/steps/{step}", json={"answers": given}, headers=headers)
                assert saved.status_code == 200, saved.get_data(as_text=True)
            answers = {k: v for given in steps.values() for k, v in given.items()}
            evaluated = client.post(f"/api/v1/scans/{scan_id}/evaluate", headers=headers)
            assert evaluated.status_code == 201, evaluated.get_data(as_text=True)
            fired = {f["id"] for f in evaluated.get_json()["result"]["fired"]}
            assert fired and fired == evaluator.fire_ids("horeca", answers)  # what durable in-process fires
            assert client.get("/health").status_code == 200
            engine = evaluated.get_json()["result"]["engine"]
            assert engine["id"] == REFERENCE and engine["fallback"] and "exitcode" in engine["note"]
        assert guard.stats["fallbacks"] >= 2
        _the_fallback_is_shown_and_verifies(app, scan_id)
    finally:
        guard.close()


def _the_fallback_is_shown_and_verifies(app, scan_id: int) -> None:
    """The stored result says the reference answered (page and report, in Dutch); `report verify` agrees."""
    from app.db import db
    from app.models import Scan
    from app.services.reproduce import verify_result
    from tests.conftest import login

    client = app.test_client()
    login(client, "officer")
    notice = "Uitgerekend met de referentie-evaluator omdat de rule-engine faalde"
    assert notice in client.get(f"/scans/{scan_id}/resultaat").get_data(as_text=True)
    assert notice in client.get(f"/scans/{scan_id}/rapport").get_data(as_text=True)
    with app.app_context():
        result = db.session.get(Scan, scan_id).latest_result
        assert result.snapshot["engine"]["id"] == REFERENCE
        verification = verify_result(result)  # re-evaluated by durable: the same indicators, no false alarm
        assert verification.identical, verification.differences
    verified = app.test_cli_runner().invoke(args=["report", "verify", str(scan_id)])
    assert verified.exit_code == 0 and "Identiek" in verified.output, verified.output
