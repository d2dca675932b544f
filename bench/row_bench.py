"""Benchmark: CPU per register row of the portfolio job's own `evaluate_register`, in one process.

Run with `.venv/bin/python bench/row_bench.py`. Process time (not wall time), so a shared machine
distorts it less than the end-to-end figures; best of 2 over the same 10,000-row register that
bench/portfolio_bench.py builds. Runs unchanged on older commits (used for the before/after).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.engine.adapter import DurableEngine
from app.engine.evaluator import Evaluator
from app.paths import FORMS_DIR, RULES_DIR
from app.portfolio.batch import evaluate_register
from app.portfolio.columns import columns_for
from app.portfolio.reader import read_register
from app.rules.loader import load_catalogue
from app.services.exports import csv_bytes
from bench.portfolio_bench import register_rows

ROWS = 10_000


def main() -> None:
    catalogue = load_catalogue(RULES_DIR, FORMS_DIR)
    evaluator = Evaluator(catalogue, DurableEngine())
    for scan in catalogue.questionnaires:
        questionnaire = catalogue.questionnaires[scan]
        header, table = register_rows(questionnaire, ROWS, seed=11)
        register = read_register(csv_bytes(header, table), "r.csv", columns_for(questionnaire))
        best = float("inf")
        for _ in range(2):
            t0 = time.process_time()
            evaluate_register(evaluator, scan, register)
            best = min(best, time.process_time() - t0)
        print(f"{scan:<17} evaluate_register: {best:.2f} s CPU for {ROWS:,} rows = {best / ROWS * 1e6:.0f} µs/row")


if __name__ == "__main__":
    main()
