"""Benchmark: how evaluation scales with rules, questions, answers given, batch size and processes.

Run with `.venv/bin/python bench/scaling_bench.py` (part of `make bench`). Prints two Markdown
tables and writes them to bench/results/scaling.md (docs/engine.md quotes them):

1. generated catalogues (tests/generated.py) of 50–400 rules over 50–200 questions, with about
   20% or 60% of the questions answered: rulesets after partitioning, rules fired per set,
   µs per set for durable (all partitions) and for the plain-Python reference, and the ratio;
   every set is checked against the reference;
2. 10,000 horeca answer sets through `EnginePool.triage_many` with 1 and 2 processes and chunks
   of 100, 500 and 2,000 rows (warm pool), against the same sets triaged in this process.

CPU time of this process for (1), wall time for (2) with the CPU seconds of this process and of
the pool's workers beside it; the load average is printed, since the machine may be shared.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.engine.adapter import DurableEngine
from app.engine.evaluator import Evaluator
from app.engine.pool import EnginePool
from app.engine.reference import reference_fire
from app.paths import FORMS_DIR, RULES_DIR
from app.rules.compiler import compile_partitions
from app.rules.loader import load_catalogue
from bench.batch_bench import cpu_seconds
from tests import generated
from tests.test_engine import random_answers

SETS = 1_000
CONFIGS = [(r, 100, p) for r in (50, 100, 200, 400) for p in (0.2, 0.6)] + [(200, 50, 0.2), (200, 200, 0.2)]


def _cpu(fn) -> float:
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def rules_table() -> list[str]:
    lines = [
        "| rules | questions | answered | rulesets | fired/set | durable µs/set | plain Python µs/set | ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    engine = DurableEngine()
    for rules, questions, p in CONFIGS:
        conditions, pool = generated.catalogue(rules, questions)
        compiled = compile_partitions(conditions)
        name = f"scale_{rules}_{questions}"
        engine.ensure_registered(name, compiled)
        rnd = random.Random(f"scale-{rules}-{questions}-{p}")
        sets = [generated.answers(pool, rnd, p) for _ in range(SETS)]
        fired = [engine.fire(name, a) for a in sets]
        assert fired == [reference_fire(conditions, a) for a in sets], "durable and the reference disagree"
        durable = min(_cpu(lambda n=name, s=sets: [engine.fire(n, a) for a in s]) for _ in range(3)) / SETS * 1e6
        python = min(_cpu(lambda c=conditions, s=sets: [reference_fire(c, a) for a in s]) for _ in range(3))
        python = python / SETS * 1e6
        avg_fired = sum(map(len, fired)) / SETS
        answered = sum(map(len, sets)) / SETS
        lines.append(
            f"| {rules} | {questions} | {answered:.0f} | {len(compiled.parts)} | {avg_fired:.1f} "
            f"| {durable:.0f} | {python:.0f} | {durable / python:.1f} |"
        )
        print(lines[-1], flush=True)
        engine.unregister(name)
    return lines


def batch_table() -> list[str]:
    catalogue = load_catalogue(RULES_DIR, FORMS_DIR)
    evaluator = Evaluator(catalogue, DurableEngine())
    rnd = random.Random("batch")
    scan = catalogue.scans.default  # the first scan in list order (forms/<scan>.yaml `order`)
    sets = [random_answers(catalogue.questionnaires[scan], rnd) for _ in range(10_000)]
    t0, c0 = time.perf_counter(), time.process_time()
    expected = [evaluator.triage(scan, a) for a in sets]
    inline, inline_cpu = time.perf_counter() - t0, time.process_time() - c0
    lines = [
        "| processes | chunk (rows) | pool start s | 10,000 rows s | rows/s | CPU s (here + workers) |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| in process (no pool) | – | – | {inline:.2f} | {10_000 / inline:,.0f} | {inline_cpu:.2f} |",
    ]
    print(lines[-1], flush=True)
    for processes in (1, 2):
        with EnginePool(catalogue, processes=processes) as pool:
            t0 = time.perf_counter()
            pool.warm_up()
            start = time.perf_counter() - t0
            for chunk in (100, 500, 2_000):
                pids = [w.process.pid for w in pool._workers]
                t0, c0, w0 = time.perf_counter(), time.process_time(), cpu_seconds(pids)
                got = pool.triage_many(scan, sets, chunk_size=chunk)
                seconds = time.perf_counter() - t0
                cpu = time.process_time() - c0 + cpu_seconds(pids) - w0
                assert got == expected
                lines.append(
                    f"| {processes} | {chunk:,} | {start:.2f} | {seconds:.2f} | {10_000 / seconds:,.0f} | {cpu:.2f} |"
                )
                print(lines[-1], flush=True)
    return lines


def main() -> None:
    load = os.getloadavg()[0]
    rules = rules_table()
    batches = batch_table()
    note = f"Load average at start / end: {load:.1f} / {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores."
    text = "\n".join(["### Rules, questions and answers", "", *rules, "", "### Batches", "", *batches, "", note, ""])
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "scaling.md").write_text(text, encoding="utf-8")
    print(text)
    print(f"written: {out / 'scaling.md'}")


if __name__ == "__main__":
    main()
