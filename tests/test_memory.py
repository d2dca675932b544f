"""The engine keeps no state between evaluations, even over many of them."""

import random

from app.engine import adapter
from app.engine.adapter import DurableEngine
from app.engine.evaluator import Evaluator
from tests.test_engine import random_answers


def _rss_kib() -> int:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * 4


def test_twenty_thousand_evaluations_leave_no_state(catalogue):
    engine = DurableEngine()
    evaluator = Evaluator(catalogue, engine)
    rnd = random.Random(7)
    pool = [random_answers(catalogue.questionnaires["horeca"], rnd) if i % 3 else {} for i in range(200)]
    for answers in pool[:50]:
        evaluator.fire_ids("horeca", answers)  # warm up allocator and caches
    before = _rss_kib()
    for i in range(20_000):
        evaluator.fire_ids("horeca", pool[i % len(pool)])
    growth = _rss_kib() - before
    assert engine.live_sessions() == 0
    assert growth < 20_000, f"resident memory grew by {growth} KiB"


def test_session_state_is_deleted_after_each_evaluation(catalogue):
    engine = DurableEngine()
    evaluator = Evaluator(catalogue, engine)
    name = evaluator.ruleset_name("horeca")
    before = next(engine._ids)
    assert evaluator.fire_ids("horeca", {"drugs_signalen": True})
    sid = engine._prefix + str(before + 1)  # the session of the scan's first ruleset
    assert engine.session_state(name, engine._prefix + str(before + 1 + len(engine._handles[name]))) is None
    assert engine.session_state(name, sid) is None
    handle = engine._handles[name][0][0]
    adapter._core.assert_fact(handle, '{"id": "probe", "sid": "probe", "_seen": true}')
    assert engine.session_state(name, "probe") is not None  # the check can see a state that is there


def test_answers_that_match_no_rule_do_not_corrupt_the_engine(catalogue):
    """durable-rules crashed (segfault) after some thousands of facts that matched no rule; see compiler."""
    engine = DurableEngine()
    evaluator = Evaluator(catalogue, engine)
    for i in range(20_000):
        assert evaluator.fire_ids("vastgoed", {} if i % 2 else {"beoogd_gebruik": "duidelijk"}) == set()
    assert engine.live_sessions() == 0
