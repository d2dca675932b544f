"""Correctness under growth: generated catalogues of 50–400 rules, partitioned, against the plain-Python reference.

durable runs in a guarded child process without fallback, so a crash or a hang of the C core
fails the test (EngineUnavailable) instead of taking the test run with it.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from app.engine.guard import GuardedEngine
from app.engine.reference import DURABLE, reference_fire
from app.rules.compiler import (
    ENGINE_STACK,
    ENGINE_TABLE,
    MAX_QUESTIONS,
    MAX_STACK,
    CompileError,
    compile_partitions,
    compile_ruleset,
)
from app.rules.conditions import parse
from tests import generated

SIZES = (50, 100, 200, 400)


@pytest.fixture(scope="module")
def scans():
    return {n: (compile_partitions(generated.catalogue(n)[0]), generated.catalogue(n)[1]) for n in SIZES}


@pytest.fixture(scope="module")
def guard(scans):
    engine = GuardedEngine(timeout=20.0, fallback=False)
    for n, (compiled, _) in scans.items():
        engine.ensure_registered(f"gen{n}", compiled)
    yield engine
    engine.close()


@pytest.mark.parametrize("rules", SIZES)
def test_every_partition_keeps_the_engine_bounds(scans, rules):
    compiled, _ = scans[rules]
    assert sorted(compiled.rule_ids) == sorted(generated.catalogue(rules)[0])
    for part in compiled.parts:
        assert part.bounds.excess() == []
        assert part.bounds.stack <= MAX_STACK < ENGINE_STACK and part.bounds.children < ENGINE_TABLE
        assert len(part.questions) <= MAX_QUESTIONS


@pytest.mark.parametrize("rules", SIZES)
def test_durable_agrees_with_the_reference_on_generated_catalogues(guard, scans, rules):
    compiled, pool = scans[rules]
    rnd = random.Random(f"growth-{rules}")
    sets = [generated.answers(pool, rnd, p) for p in (0.2, 0.6, 1.0) for _ in range(150)]
    fired = guard.fire_many(f"gen{rules}", sets)
    for answers, got in zip(sets, fired, strict=True):
        assert got.engine == DURABLE
        assert got == reference_fire(compiled.conditions, answers), answers
    assert sum(len(f) for f in fired) > len(sets)  # rules do fire, often


def test_four_hundred_rules_evaluate_correctly_without_crashing_or_hanging(guard, scans):
    compiled, pool = scans[400]
    assert len(compiled.rule_ids) == 400 and len(compiled.parts) > 1
    rnd = random.Random("four-hundred")
    everything = {q.id: generated.answer(q, rnd) for q in pool}  # every question answered
    for answers in [everything, {}] + [generated.answers(pool, rnd, 0.6) for _ in range(200)]:
        got = guard.fire("gen400", answers)
        assert got.engine == DURABLE and got == reference_fire(compiled.conditions, answers)
    assert guard.stats["fallbacks"] == 0


def _answer_sets(pool):
    values = {
        "bool": st.booleans(),
        "number": st.sampled_from((*generated.NUMBERS, 3, 7, 1000)) | st.integers(-5, 200),
        "choice": st.sampled_from(generated.OPTIONS),
        "multi": st.lists(st.sampled_from(generated.OPTIONS), max_size=4, unique=True),
    }
    return st.fixed_dictionaries({}, optional={q.id: values[q.kind] for q in pool})


@pytest.mark.parametrize("rules", SIZES)
def test_random_answer_sets_agree_exactly(guard, scans, rules):
    compiled, pool = scans[rules]

    @seed(18)
    @settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(_answer_sets(pool))
    def agree(answers):
        assert guard.fire(f"gen{rules}", answers) == reference_fire(compiled.conditions, answers)

    agree()


def test_one_ruleset_beyond_the_bounds_is_refused_with_a_clear_message():
    conditions, _ = generated.catalogue(100)
    with pytest.raises(CompileError, match=r"te groot voor één ruleset.*alfa-knopen"):
        compile_ruleset(conditions, name="generated_100")


def test_a_rule_too_big_for_any_ruleset_is_refused_by_id():
    cond, problems = parse({"any": [{"question": f"q{i:03d}", "gt": i} for i in range(80)]})
    assert not problems
    with pytest.raises(CompileError, match="regel BIG-001 is te groot voor de engine"):
        compile_partitions({"BIG-001": cond})


def test_partitioning_is_deterministic_and_keeps_the_real_scans_whole(catalogue):
    for scan in catalogue.questionnaires:
        rules = catalogue.rules_for(scan)
        conditions = {r.id: r.condition for r in rules}
        groups = {r.id: r.category for r in rules}
        first, second = compile_partitions(conditions, groups), compile_partitions(conditions, groups)
        assert first.parts == second.parts
        assert sorted(first.rule_ids) == sorted(conditions)


def test_a_real_crash_of_the_c_core_on_an_unbounded_ruleset_is_survived(scans):
    """Without partitions, 200 rules make durable refuse facts or abort; the guard answers anyway."""
    from app.rules.compiler import CompiledScan, _part, _questions, compile_condition

    conditions, pool = generated.catalogue(200)
    read = dict.fromkeys(q for cond in conditions.values() for q in _questions(cond))
    whole = _part({rule_id: compile_condition(cond) for rule_id, cond in conditions.items()}, read)
    assert whole.bounds.excess()  # the model says: too big for one ruleset
    engine = GuardedEngine(timeout=20.0)
    try:
        engine.ensure_registered("unbounded200", CompiledScan(parts=(whole,), conditions=conditions))
        rnd = random.Random("unbounded")
        sets = [generated.answers(pool, rnd, 0.6) for _ in range(300)]
        fired = engine.fire_many("unbounded200", sets)
        assert [set(f) for f in fired] == [reference_fire(conditions, answers) for answers in sets]
        assert engine.stats["fallbacks"] == 1
        assert "303" in engine.stats["last_failure"] or "stopte onverwacht" in engine.stats["last_failure"]
    finally:
        engine.close()
