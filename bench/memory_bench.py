"""Benchmark: resident memory over 100,000 full evaluations (target: flat).

Run with `.venv/bin/python bench/memory_bench.py [--evaluations N]`. One process, `evaluate()`
with durable in this process, cycling over the four scans and 2,500 distinct answer sets per scan;
RSS is read from /proc/self/status every 10,000 evaluations, and the engine must hold no session
afterwards. The bounded memos of the evaluator and the validation fill in the first block and
then stay at their size.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.engine.adapter import DurableEngine
from app.engine.evaluator import Evaluator
from app.paths import FORMS_DIR, RULES_DIR
from app.rules.loader import load_catalogue
from tests.test_engine import random_answers


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--evaluations", type=int, default=100_000)
    args = parser.parse_args()
    catalogue = load_catalogue(RULES_DIR, FORMS_DIR)
    engine = DurableEngine()
    evaluator = Evaluator(catalogue, engine)
    scans = list(catalogue.questionnaires)
    rnd = random.Random(6)
    pool = {scan: [random_answers(catalogue.questionnaires[scan], rnd) for _ in range(2_500)] for scan in scans}
    samples = [(0, round(rss_mb(), 1))]
    t0 = time.perf_counter()
    for i in range(1, args.evaluations + 1):
        scan = scans[i % len(scans)]
        evaluator.evaluate(scan, pool[scan][(i // len(scans)) % 2_500])
        if i % 10_000 == 0:
            samples.append((i, round(rss_mb(), 1)))
            print(f"{i:>7} evaluations: RSS {samples[-1][1]} MB", flush=True)
    seconds = time.perf_counter() - t0
    growth = samples[-1][1] - samples[1][1]
    print(f"{args.evaluations:,} evaluations in {seconds:.1f} s; RSS after the first 10k → end: {growth:+.1f} MB")
    print(f"live engine sessions afterwards: {engine.live_sessions()}")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    report = {"rss_mb": samples, "growth_after_10k_mb": growth, "seconds": round(seconds, 1)}
    (out / "memory.json").write_text(json.dumps(report, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
