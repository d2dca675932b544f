"""Benchmark: the engine against the plain-Python limit, in the same run, and batches across processes.

Run with `make bench` (or `.venv/bin/python bench/engine_bench.py [--sets N] [--reps R]`). For every
scan, on the same generated answer sets (tests.test_engine.random_answers), interleaved over R
repetitions (the machine is shared: ratios within one repetition count, medians are reported):

- (a) `Evaluator.evaluate()` end to end: validation, engine, scoring, explanation;
- (b) the engine call alone (`fire_ids`, durable in this process);
- (c) the plain-Python reference: `{r.id for r in rules if holds(r.condition, answers)}`;
- (g) the engine call through the guard (`GuardedEngine`: durable in a supervised child process);
- p50/p95 of one `evaluate()`;
- a batch of 10,000 answer sets through `EnginePool.triage_many` on 1 and 2 worker processes
  (warm pool; the cold start is reported apart), checked row by row against in-process triage.

Targets (issue 18): (b)/(c) <= 8, (a)/(c) <= 12. Results go to bench/results/engine.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.engine.adapter import DurableEngine
from app.engine.evaluator import Evaluator
from app.paths import FORMS_DIR, RULES_DIR
from app.rules.conditions import holds
from app.rules.loader import load_catalogue
from tests.test_engine import random_answers

BATCH = 10_000
SAMPLES = 2_000
TARGET_ENGINE = 8.0
TARGET_EVALUATE = 12.0


def _answer_sets(catalogue, scan: str, n: int, seed: int) -> list[dict]:
    rnd = random.Random(seed)
    return [random_answers(catalogue.questionnaires[scan], rnd) for _ in range(n)]


def _percentile(values: list[float], pct: float) -> float:
    return statistics.quantiles(values, n=100)[int(pct) - 1]


def _seconds(fn) -> float:
    """Wall-clock seconds of fn()."""
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _cpu(fn) -> float:
    """CPU seconds of this process for fn(): on a shared machine, waiting for a core does not count."""
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def ratios(catalogue, evaluator, guarded, scan: str, n_sets: int, reps: int) -> dict:
    """(a), (b), (c), (g) over the same sets, interleaved; µs per set and ratios to (c), medians."""
    rules = catalogue.rules_for(scan)
    sets = _answer_sets(catalogue, scan, n_sets, seed=2)
    for answers in sets[:200]:  # warm up memos and allocator
        evaluator.evaluate(scan, answers)
        if guarded:
            guarded.fire_ids(scan, answers)
    runs: dict[str, list[float]] = {"a": [], "b": [], "c": [], "wc": [], "g": []}
    for _ in range(reps):
        runs["a"].append(_cpu(lambda: [evaluator.evaluate(scan, x) for x in sets]))
        runs["b"].append(_cpu(lambda: [evaluator.fire_ids(scan, x) for x in sets]))
        runs["c"].append(_cpu(lambda: [{r.id for r in rules if holds(r.condition, x)} for x in sets]))
        if guarded:  # the child's CPU is not ours: wall time, against plain Python in wall time
            runs["wc"].append(_seconds(lambda: [{r.id for r in rules if holds(r.condition, x)} for x in sets]))
            runs["g"].append(_seconds(lambda: [guarded.fire_ids(scan, x) for x in sets]))
    per = {k: [v / n_sets * 1e6 for v in vs] for k, vs in runs.items() if vs}
    ratio = {k: statistics.median(a / c for a, c in zip(runs[k], runs["c"], strict=True)) for k in "ab"}
    row = {
        "scan": scan,
        "active_rules": len(rules),
        "sets": n_sets,
        "evaluate_us": round(statistics.median(per["a"]), 1),
        "engine_us": round(statistics.median(per["b"]), 1),
        "plain_python_us": round(statistics.median(per["c"]), 1),
        "engine_over_python": round(ratio["b"], 2),
        "evaluate_over_python": round(ratio["a"], 2),
        "avg_fired_per_set": round(sum(len(evaluator.fire_ids(scan, x)) for x in sets) / n_sets, 2),
        "same_fired_sets_engine_python": all(
            evaluator.fire_ids(scan, x) == {r.id for r in rules if holds(r.condition, x)} for x in sets
        ),
    }
    if guarded:
        row["partitions"] = len(evaluator.engine.compiled(evaluator.ruleset_name(scan)).parts)
        row["guarded_engine_wall_us"] = round(statistics.median(per["g"]), 1)
        row["guarded_over_python_wall"] = round(
            statistics.median(g / c for g, c in zip(runs["g"], runs["wc"], strict=True)), 2
        )
        row["same_fired_sets_guard"] = all(guarded.fire_ids(scan, x) == evaluator.fire_ids(scan, x) for x in sets)
    return row


def latency(catalogue, evaluator, scan: str) -> dict:
    samples = _answer_sets(catalogue, scan, SAMPLES, seed=1)
    times = []
    for answers in samples:
        t0 = time.perf_counter()
        evaluator.evaluate(scan, answers)
        times.append((time.perf_counter() - t0) * 1000)
    return {"evaluate_p50_ms": round(statistics.median(times), 3), "evaluate_p95_ms": round(_percentile(times, 95), 3)}


def batches(catalogue, evaluator, scan: str) -> dict:
    """10,000 sets through EnginePool on 1 and 2 processes (warm), and the cold start of a pool."""
    from app.engine.pool import EnginePool

    sets = _answer_sets(catalogue, scan, BATCH, seed=3)
    expected = [evaluator.triage(scan, x) for x in sets]
    out = {}
    for processes in (1, 2):
        with EnginePool(catalogue, processes=processes) as pool:
            out[f"pool_start_{processes}p_s"] = round(_seconds(pool.warm_up), 2)
            t0 = time.perf_counter()
            got = pool.triage_many(scan, sets, chunk_size=500)
            out[f"batch_10000_{processes}p_s"] = round(time.perf_counter() - t0, 2)
            out[f"batch_{processes}p_same_as_in_process"] = got == expected
    out["batch_10000_in_process_s"] = round(_seconds(lambda: [evaluator.triage(scan, x) for x in sets]), 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", type=int, default=5_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--no-batch", action="store_true")
    parser.add_argument("--before", action="store_true", help="only (a), (b), (c): runs on the code before issue 18")
    args = parser.parse_args()
    load_before = os.getloadavg()

    catalogue = load_catalogue(RULES_DIR, FORMS_DIR)
    evaluator = Evaluator(catalogue, DurableEngine())
    guard = guarded = None
    if not args.before:
        from app.engine.guard import GuardedEngine

        guard = GuardedEngine()
        guarded = Evaluator(catalogue, guard)
    results = []
    for scan in catalogue.questionnaires:
        row = ratios(catalogue, evaluator, guarded, scan, args.sets, args.reps)
        row |= latency(catalogue, evaluator, scan)
        if not (args.no_batch or args.before):
            row |= batches(catalogue, evaluator, scan)
        results.append(row)
        print(json.dumps(row), flush=True)
    if guard:
        guard.close()

    print(f"\ntargets: engine <= {TARGET_ENGINE:g}x plain Python, evaluate() <= {TARGET_EVALUATE:g}x")
    print(f"load average at start / end: {load_before[0]:.1f} / {os.getloadavg()[0]:.1f} (2 cores)")
    print("µs per set: CPU time of this process (median of the repetitions); guard: wall time")
    print(
        f"{'scan':<17}{'rules':>6}{'parts':>6}{'eval µs':>9}{'engine µs':>10}{'python µs':>10}{'guard µs':>9}"
        f"{'eng/py':>8}{'eval/py':>8}{'p50 ms':>8}{'10k 1p':>8}{'10k 2p':>8}"
    )
    for r in results:
        print(
            f"{r['scan']:<17}{r['active_rules']:>6}{r.get('partitions', 1):>6}{r['evaluate_us']:>9}"
            f"{r['engine_us']:>10}{r['plain_python_us']:>10}{r.get('guarded_engine_wall_us', '-'):>9}"
            f"{r['engine_over_python']:>8}{r['evaluate_over_python']:>8}{r['evaluate_p50_ms']:>8}"
            f"{r.get('batch_10000_1p_s', '-'):>8}{r.get('batch_10000_2p_s', '-'):>8}"
        )
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    report = {
        "machine": platform.platform(),
        "python": platform.python_version(),
        "loadavg_start_end": [load_before[0], os.getloadavg()[0]],
        "results": results,
    }
    name = "engine-before.json" if args.before else "engine.json"
    (out / name).write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"written: {out / name}")


if __name__ == "__main__":
    main()
