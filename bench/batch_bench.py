"""Benchmark: a 10,000-row register end to end, as today and with the rows evaluated by EnginePool.

Run with `.venv/bin/python bench/batch_bench.py [--processes 2] [--chunk 1000]`. For each scan it
uploads the same CSV register through the Flask test client (job run inline, as
bench/portfolio_bench.py does) twice:

- `today`: the portfolio job as it is (app.portfolio.batch.evaluate_register, one thread);
- `pool`: the same job with the row evaluation handed to a warm `EnginePool`, wired the way
  app/engine/pool.py documents (a module-level row task around `evaluate_row`). The pool is
  put in through `app.services.portfolios.evaluate_register`; everything else (upload, reading,
  storing every row in one transaction, progress commits) is the real code.

Both runs must store the same ranked rows. Target (issue 18): <= 3 s end to end on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select

from app.db import db
from app.engine.pool import EnginePool
from app.models import PortfolioRow
from app.paths import FORMS_DIR, RULES_DIR
from app.portfolio import batch
from app.rules.loader import load_catalogue
from app.services import portfolios
from app.services.exports import csv_bytes
from bench.portfolio_bench import PASSWORD, make_app, register_rows, upload_seconds

ROWS = 10_000
TARGET_S = 3.0
POOL: EnginePool | None = None
CHUNK = 1_000


def row_task(evaluator, item):
    """One register row in a pool worker: exactly the job's own `evaluate_row`."""
    scan, number, cells = item
    return batch.evaluate_row(evaluator, evaluator.catalogue.questionnaires[scan], number, cells)


def pooled_evaluate_register(evaluator, scan, register, progress=None) -> batch.BatchOutcome:
    """`evaluate_register` with the rows spread over the pool's worker processes."""
    outcome = batch.BatchOutcome()
    items = [(scan, number, cells) for number, cells in register.rows]
    for result, errors in POOL.map(row_task, items, chunk_size=CHUNK, progress=progress):
        if errors:
            outcome.errors.extend(errors)
        else:
            outcome.results.append(result)
    outcome.results.sort(key=batch.RowResult.rank_key)
    return outcome


def stored_rows(app, portfolio_id: int) -> list[tuple]:
    with app.app_context():
        rows = db.session.execute(
            select(PortfolioRow.rank, PortfolioRow.row_no, PortfolioRow.score, PortfolioRow.fired)
            .where(PortfolioRow.portfolio_id == portfolio_id)
            .order_by(PortfolioRow.rank)
        )
        return [tuple(r) for r in rows]


def main() -> None:
    global POOL, CHUNK
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=1_000)
    parser.add_argument("--scans", nargs="*")
    parser.add_argument(
        "--isolation", default="process", choices=["process", "inline"], help="the web engine of the 'today' run"
    )
    args = parser.parse_args()
    CHUNK = args.chunk
    load = os.getloadavg()[0]
    catalogue = load_catalogue(RULES_DIR, FORMS_DIR)
    POOL = EnginePool(catalogue, processes=args.processes)
    t0 = time.perf_counter()
    POOL.warm_up()
    pool_start = time.perf_counter() - t0
    results = []
    real_evaluate_register = portfolios.evaluate_register
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(Path(folder))
        app.config["ENGINE_ISOLATION"] = args.isolation
        client = app.test_client()
        assert client.post("/inloggen", data={"email": "bench@bench.test", "password": PASSWORD}).status_code == 302
        for scan in args.scans or list(catalogue.questionnaires):
            header, table = register_rows(catalogue.questionnaires[scan], ROWS, seed=11)
            data = csv_bytes(header, table)
            portfolios.evaluate_register = real_evaluate_register
            today_s, stored = upload_seconds(app, client, scan, data, "register.csv")
            today_id = _last_portfolio(app)
            portfolios.evaluate_register = pooled_evaluate_register
            pool_s, stored_pool = upload_seconds(app, client, scan, data, "register.csv")
            pool_id = _last_portfolio(app)
            portfolios.evaluate_register = real_evaluate_register
            same = stored_rows(app, today_id) == stored_rows(app, pool_id)
            row = {
                "scan": scan,
                "rows": ROWS,
                "today_end_to_end_s": round(today_s, 2),
                "pool_end_to_end_s": round(pool_s, 2),
                "stored": [stored, stored_pool],
                "same_ranked_rows": same,
            }
            results.append(row)
            print(json.dumps(row), flush=True)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    POOL.close()
    print(f"\n10,000-row CSV register, upload to ranked and stored; pool: {args.processes} processes, chunk {CHUNK}")
    print(f"pool start (once per process lifetime): {pool_start:.2f} s; target <= {TARGET_S:g} s end to end")
    print(f"'today' = the job as it is, with ENGINE_ISOLATION={args.isolation}")
    print(f"load average at start / end: {load:.1f} / {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'scan':<17}{'today':>8}{'pool':>8}  same rows")
    for r in results:
        today, pooled = r["today_end_to_end_s"], r["pool_end_to_end_s"]
        print(f"{r['scan']:<17}{today:>7.2f}s{pooled:>7.2f}s  {r['same_ranked_rows']}")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    report = {
        "machine": platform.platform(),
        "processes": args.processes,
        "chunk": CHUNK,
        "today_isolation": args.isolation,
        "loadavg_start_end": [load, os.getloadavg()[0]],
        "pool_start_s": round(pool_start, 2),
        "results": results,
    }
    (out / "batch.json").write_text(json.dumps(report, indent=2), encoding="utf-8")


def _last_portfolio(app) -> int:
    from app.models import Portfolio

    with app.app_context():
        return db.session.scalar(select(Portfolio.id).order_by(Portfolio.id.desc()).limit(1))


if __name__ == "__main__":
    main()
