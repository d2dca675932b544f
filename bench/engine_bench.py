"""Benchmark: evaluations per second of a full scan, durable-rules against plain Python.

Run with `make bench` (or `.venv/bin/python bench/engine_bench.py`). For every scan it
measures, on the same generated answer sets:

- `evaluate()` end to end (validation, engine, scoring, explanation): p50 and p95;
- the engine only (`fire_ids`): p50;
- a batch of 10,000 answer sets through the engine, on one process and on two;
- the same conditions decided by the plain-Python reference (`holds`).

Targets (issue 2): full-catalogue evaluation p50 <= 2 ms; batch of 10,000 <= 5 s on 2 cores.
"""

from __future__ import annotations

import json
import platform
import random
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
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


def _answer_sets(catalogue, scan: str, n: int, seed: int) -> list[dict]:
    rnd = random.Random(seed)
    return [random_answers(catalogue.questionnaires[scan], rnd) for _ in range(n)]


def _percentile(values: list[float], pct: float) -> float:
    return statistics.quantiles(values, n=100)[int(pct) - 1]


def _worker(args: tuple[str, int, int]) -> int:
    """Evaluate a slice of a batch in a separate process (its own engine); return fired count."""
    scan, count, seed = args
    catalogue = load_catalogue(RULES_DIR, FORMS_DIR)
    evaluator = Evaluator(catalogue, DurableEngine())
    return sum(len(evaluator.fire_ids(scan, a)) for a in _answer_sets(catalogue, scan, count, seed))


def bench_scan(catalogue, evaluator: Evaluator, scan: str) -> dict:
    rules = catalogue.rules_for(scan)
    samples = _answer_sets(catalogue, scan, SAMPLES, seed=1)
    batch = _answer_sets(catalogue, scan, BATCH, seed=2)
    for answers in samples[:100]:
        evaluator.evaluate(scan, answers, validated=True)

    full, fire = [], []
    for answers in samples:
        t0 = time.perf_counter()
        evaluator.evaluate(scan, answers)
        full.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        evaluator.fire_ids(scan, answers)
        fire.append((time.perf_counter() - t0) * 1000)

    t0 = time.perf_counter()
    fired_engine = sum(len(evaluator.fire_ids(scan, a)) for a in batch)
    batch_one = time.perf_counter() - t0

    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2) as pool:
        half = BATCH // 2
        fired_two = sum(pool.map(_worker, [(scan, half, 3), (scan, BATCH - half, 4)]))
    batch_two = time.perf_counter() - t0

    t0 = time.perf_counter()
    fired_python = sum(sum(1 for r in rules if holds(r.condition, a)) for a in batch)
    batch_python = time.perf_counter() - t0

    return {
        "scan": scan,
        "active_rules": len(rules),
        "evaluate_p50_ms": round(statistics.median(full), 3),
        "evaluate_p95_ms": round(_percentile(full, 95), 3),
        "engine_only_p50_ms": round(statistics.median(fire), 3),
        "batch_10000_one_process_s": round(batch_one, 2),
        "batch_10000_two_processes_s": round(batch_two, 2),
        "batch_10000_plain_python_s": round(batch_python, 2),
        "avg_fired_per_set": round(fired_engine / BATCH, 2),
        "same_fired_total_engine_and_python": fired_engine == fired_python,
        "fired_two_processes": fired_two,
    }


def main() -> None:
    catalogue = load_catalogue(RULES_DIR, FORMS_DIR)
    evaluator = Evaluator(catalogue, DurableEngine())
    results = [bench_scan(catalogue, evaluator, scan) for scan in catalogue.questionnaires]
    header = f"{'scan':<17}{'rules':>6}{'eval p50':>10}{'p95':>8}{'engine':>8}{'10k 1p':>8}{'10k 2p':>8}{'python':>8}"
    print(header)
    for r in results:
        print(
            f"{r['scan']:<17}{r['active_rules']:>6}{r['evaluate_p50_ms']:>8.3f}ms{r['evaluate_p95_ms']:>6.2f}ms"
            f"{r['engine_only_p50_ms']:>6.3f}ms{r['batch_10000_one_process_s']:>7.2f}s"
            f"{r['batch_10000_two_processes_s']:>7.2f}s{r['batch_10000_plain_python_s']:>7.2f}s"
        )
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    report = {"machine": platform.platform(), "python": platform.python_version(), "results": results}
    (out / "engine.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"written: {out / 'engine.json'}")


if __name__ == "__main__":
    main()
