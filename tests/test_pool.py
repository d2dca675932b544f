"""The batch API: many rows across worker processes, in order, with progress, and nothing lost on a crash."""

from __future__ import annotations

import os
import random

import pytest

from app.engine.adapter import EngineError
from app.engine.pool import EnginePool, triage_task
from app.engine.reference import ReferenceEngine
from tests.test_engine import random_answers


def crashing_task(evaluator, item):
    """Aborts its process when durable (not the reference) would evaluate a marked row, or a row while `flag` exists."""
    scan, answers, mark, flag = item
    if not isinstance(evaluator.engine, ReferenceEngine) and (mark == "always" or (flag and os.path.exists(flag))):
        if flag:
            os.remove(flag)
        os.abort()
    return triage_task(evaluator, (scan, answers))


def hanging_task(evaluator, item):
    """Hangs (as a stuck C core would) on the first row it meets while `flag` exists."""
    import time

    scan, answers, flag = item
    if os.path.exists(flag):
        os.remove(flag)
        time.sleep(60)
    return triage_task(evaluator, (scan, answers))


def pid_task(evaluator, item):
    """The worker's process id."""
    return os.getpid()


def echo_task(evaluator, item):
    """Returns its (large) item: chunks and answers both larger than a pipe's buffer."""
    return item


def refusing_task(evaluator, item):
    """durable refuses the marked row (as error 303 would); the worker's fallback answers it."""
    scan, answers, refuse = item
    if refuse:
        durable = evaluator.engine.durable
        real = durable.fire

        def refuse_fire(name, answers):
            raise EngineError("de engine faalde: Could not assert fact, error code: 303", 303)

        durable.fire = refuse_fire
        try:
            return triage_task(evaluator, (scan, answers))
        finally:
            durable.fire = real
    return triage_task(evaluator, (scan, answers))


@pytest.fixture(scope="module")
def pool(catalogue):
    with EnginePool(catalogue, processes=2) as pool:
        yield pool


@pytest.fixture(scope="module")
def sets(catalogue):
    rnd = random.Random("pool")
    return [random_answers(catalogue.questionnaires["horeca"], rnd) for _ in range(1_200)]


def test_triage_many_equals_triage_in_process_in_order_with_progress(pool, evaluator, sets):
    seen = []
    results = pool.triage_many("horeca", sets, chunk_size=250, progress=seen.append)
    assert results == [evaluator.triage("horeca", answers) for answers in sets]
    assert seen[-1] == len(sets) and seen == sorted(seen) and len(seen) == 5
    assert pool.stats["row_fallbacks"] == 0


def test_chunks_are_dealt_to_the_workers_in_turn(pool):
    """Two chunks go to two workers (not both to the first one, which would leave the other idle)."""
    pool.warm_up()
    assert len(set(pool.map(pid_task, [0, 1], chunk_size=1))) == 2
    assert len(set(pool.map(pid_task, list(range(4)), chunk_size=1))) == 2


def test_chunks_and_answers_larger_than_a_pipe_do_not_deadlock_the_pool(pool):
    """Chunks are sent ahead while a worker answers the one before; both are far larger than a pipe's
    buffer, so a pool that sent from its own thread would wait for a worker that waits for it."""
    import threading

    items = [f"{i:05d}" + "x" * 20_000 for i in range(200)]  # 20 chunks of ~400 KB each way
    results = []
    runner = threading.Thread(target=lambda: results.append(pool.map(echo_task, items, chunk_size=20)), daemon=True)
    runner.start()
    runner.join(timeout=60)
    assert not runner.is_alive(), "the pool deadlocked"
    assert results == [items]


def test_a_row_the_engine_refuses_is_answered_by_the_reference(pool, evaluator, sets):
    items = [("horeca", answers, i == 7) for i, answers in enumerate(sets[:40])]
    before = pool.stats["row_fallbacks"]
    results = pool.map(refusing_task, items, chunk_size=10)
    assert results == [evaluator.triage("horeca", answers) for answers in sets[:40]]
    assert pool.stats["row_fallbacks"] == before + 1


def test_a_worker_that_crashes_once_is_replaced_and_the_chunk_retried(catalogue, evaluator, sets, tmp_path):
    flag = tmp_path / "crash-once"
    flag.touch()
    items = [("horeca", answers, "", str(flag)) for answers in sets[:300]]
    with EnginePool(catalogue, processes=2) as pool:
        results = pool.map(crashing_task, items, chunk_size=50)
        assert pool.stats["worker_starts"] == 3 and pool.stats["chunk_fallbacks"] == 0
    assert [r for r in results] == [evaluator.triage("horeca", answers) for answers in sets[:300]]


def test_a_chunk_that_keeps_crashing_is_evaluated_by_the_reference_and_nothing_is_lost(catalogue, evaluator, sets):
    items = [("horeca", answers, "always" if i == 130 else "", "") for i, answers in enumerate(sets[:300])]
    seen = []
    with EnginePool(catalogue, processes=2) as pool:
        results = pool.map(crashing_task, items, chunk_size=50, progress=seen.append)
        assert pool.stats["chunk_fallbacks"] == 1
        # only the chunk a worker was on counts as failed; the chunk sent ahead of it goes round unharmed,
        # and no chunk a worker had answered before it died is thrown away and evaluated again
        assert pool.stats["chunk_retries"] == 1
        assert pool.stats["chunks"] == 5
        assert len(results) == 300 and seen[-1] == 300
        # the pool works again afterwards
        assert pool.triage_many("horeca", sets[:20]) == [evaluator.triage("horeca", a) for a in sets[:20]]
    assert results == [evaluator.triage("horeca", answers) for answers in sets[:300]]


def test_a_worker_that_hangs_is_stopped_and_its_chunks_go_round_again(catalogue, evaluator, sets, tmp_path):
    """A worker stuck past the timeout is replaced; the chunk it was on and the one sent ahead of it
    are evaluated again, in order, and the next batch finds a working pool."""
    flag = tmp_path / "hang-once"
    flag.touch()
    items = [("horeca", answers, str(flag)) for answers in sets[:200]]
    with EnginePool(catalogue, processes=2, chunk_timeout=2.0) as pool:
        results = pool.map(hanging_task, items, chunk_size=25)
        assert pool.stats["chunk_retries"] == 1 and pool.stats["chunk_fallbacks"] == 0
        assert pool.stats["worker_starts"] == 3
        assert pool.triage_many("horeca", sets[:20]) == [evaluator.triage("horeca", a) for a in sets[:20]]
    assert results == [evaluator.triage("horeca", answers) for answers in sets[:200]]


# --- the portfolio job on the pool (app.portfolio.batch.evaluate_in_processes) ----------------------


def _register(catalogue, rows: int):
    from app.portfolio.columns import columns_for
    from app.portfolio.reader import read_register
    from app.services.exports import csv_bytes
    from bench.portfolio_bench import register_rows

    questionnaire = catalogue.questionnaires["horeca"]
    header, table = register_rows(questionnaire, rows, seed=5)
    table[3][0] = ""  # a row without a name: a fault, reported, not evaluated
    return read_register(csv_bytes(header, table), "r.csv", columns_for(questionnaire))


def test_a_register_survives_a_killed_pool_worker_and_the_retry_is_recorded(catalogue, evaluator):
    """A pool worker killed (SIGKILL) in the middle of a register: its chunk goes round again, no row is lost."""
    import signal

    from app.portfolio import batch

    register = _register(catalogue, 600)
    one = batch.evaluate_register(evaluator, "horeca", register)
    killed = []

    def progress(done: int) -> None:
        if not killed:  # after the first chunk, kill a worker that is busy with another one
            pool = batch.engine_pool(catalogue, 2)
            busy = [w for w in pool._workers if w.chunks]
            os.kill(busy[0].process.pid, signal.SIGKILL)
            killed.append(busy[0].process.pid)

    try:
        many = batch.evaluate_in_processes(catalogue, "horeca", register, 2, chunk_rows=100, progress=progress)
        assert killed and many.results == one.results and many.errors == one.errors and one.errors
        assert many.engine == {"chunk_retries": 1}
        again = batch.evaluate_in_processes(catalogue, "horeca", register, 2, chunk_rows=100)
        assert again.results == one.results and again.engine == {}
    finally:
        batch.shutdown_pools()


def test_a_cancelled_batch_leaves_no_stale_answer_in_the_pool(catalogue, evaluator, sets):
    """progress raising (a cancelled job) abandons the chunks in flight; the next batch gets its own answers."""

    class Cancelled(Exception):
        pass

    def cancel(done: int) -> None:
        raise Cancelled()

    with EnginePool(catalogue, processes=2) as pool:
        with pytest.raises(Cancelled):
            pool.triage_many("horeca", sets[:400], chunk_size=50, progress=cancel)
        assert pool.triage_many("horeca", sets[400:500], chunk_size=50) == [
            evaluator.triage("horeca", a) for a in sets[400:500]
        ]


def test_fact_json_is_the_built_fact(evaluator, sets):
    """The fact text written directly is exactly json.dumps of `build_fact` (values of every type)."""
    import json

    compiled = evaluator.engine.compiled(evaluator.ruleset_name("horeca"))
    odd = ['quote " and \\ and é ✓', 1.5, 10**12, ("x", "y"), [1, 2], float("inf"), True, "", [], None]
    for part in compiled.parts:
        unusual = {q: odd[i % len(odd)] for i, q in enumerate(part.questions)}
        for answers in [*sets[:200], unusual]:
            text = part.fact_json(answers, "7", "s7")
            assert json.loads(text) == json.loads(json.dumps(part.build_fact(answers, "7", "s7"), ensure_ascii=False))


def test_fact_carries_only_the_presence_flags_a_rule_tests(evaluator, sets):
    """A presence flag no rule of the ruleset tests is left out of its fact (less for the C core to parse);
    every flag a rule does test is there, true or false, since a missing property fails every test."""
    import json
    import re

    from app.rules.compiler import presence_key

    for scan in evaluator.catalogue.questionnaires:
        for part in evaluator.engine.compiled(evaluator.ruleset_name(scan)).parts:
            tested = set(re.findall(r'"_p_([^"]+)"', json.dumps(part.definition)))
            assert part.flagged == tested
            assert len(tested) < len(part.questions)  # the catalogue tests few flags: the saving is real
            for answers in [{}, *sets[:50]]:
                fact = json.loads(part.fact_json(answers, "1", "s1"))
                assert {k for k in fact if k.startswith("_p_")} == {presence_key(q) for q in tested}
