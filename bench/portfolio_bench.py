"""Benchmark: a 10,000-row register end to end, through the web upload (issue 6 target: <= 10 s).

Run with `make bench` (or `.venv/bin/python bench/portfolio_bench.py`). For each scan it
builds a realistic register (random answers that respect show_if, a subject per row),
as CSV and as XLSX, and measures one upload through the Flask test client with the job
run inline: multipart parsing, reading and checking the file, every row validated,
fired in durable-rules and scored, then every row stored in one transaction. It also
reports the phases separately (read, evaluate, store).

Database: a fresh SQLite file, or the server in DATABASE_URL (PostgreSQL).
"""

from __future__ import annotations

import io
import json
import os
import platform
import random
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyotp
from sqlalchemy import func, select, text

from app import create_app
from app.config import normalise_db_url
from app.db import db, utcnow
from app.engine.adapter import DurableEngine
from app.engine.evaluator import Evaluator
from app.migrate import upgrade
from app.models import Organisation, PortfolioRow, User
from app.paths import FORMS_DIR, RULES_DIR
from app.portfolio.batch import evaluate_register
from app.portfolio.columns import columns_for, write_cell
from app.portfolio.reader import read_register
from app.rules.loader import load_catalogue
from app.services.exports import csv_bytes, xlsx_bytes
from tests.test_engine import random_answers

ROWS = 10_000
TARGET_S = 10.0
PASSWORD = "bench-wachtwoord-123"
TOTP_SECRET = pyotp.random_base32()


def register_rows(questionnaire, n: int, seed: int) -> tuple[list[str], list[list]]:
    """A register as a header and rows of cell values (strings), answers consistent with show_if."""
    columns = columns_for(questionnaire)
    rnd = random.Random(seed)
    table = []
    for i in range(n):
        drawn = random_answers(questionnaire, rnd)
        answers = {}
        for q in questionnaire.questions.values():
            if q.id in drawn and q.type != "personen" and q.shown(answers):
                answers[q.id] = drawn[q.id]
        subject = [f"Onderneming {i} (fictief)", f"Straat {i}, Voorbeeldstad", f"{10_000_000 + i}"]
        table.append(subject + [write_cell(c.question, answers.get(c.name)) for c in columns[3:]])
    return [c.name for c in columns], table


def make_app(folder: Path):
    url = normalise_db_url(os.environ["DATABASE_URL"]) if os.environ.get("DATABASE_URL") else None
    app = create_app(
        {
            "ENV_NAME": "testing",
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url or f"sqlite:///{folder / 'bench.sqlite3'}",
            "JOBS_INLINE": True,
        }
    )
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        from argon2 import PasswordHasher

        org = Organisation(name="Gemeente Bench", kind="gemeente")
        db.session.add(org)
        db.session.add(
            User(
                email="bench@bench.test",
                name="Bench",
                role="bibob_officer",
                organisation=org,
                password_hash=PasswordHasher().hash(PASSWORD),
                totp_secret=TOTP_SECRET,
                totp_confirmed_at=utcnow(),
            )
        )
        db.session.commit()
        app.extensions["bibob_catalogue"]["catalogue"] = load_catalogue(RULES_DIR, FORMS_DIR)
    return app


def csrf_token(client, path: str) -> str:
    """The CSRF token of the form on `path`, as a browser would send it back (CSRF stays on)."""
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code, page.headers.get("Location"))
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def login(client) -> None:
    """Log in as the bench user like a person does: password, then the second factor (TOTP)."""
    form = {"csrf_token": csrf_token(client, "/inloggen"), "email": "bench@bench.test", "password": PASSWORD}
    response = client.post("/inloggen", data=form)
    assert response.headers.get("Location", "").endswith("/inloggen/code"), response.headers.get("Location")
    form = {"csrf_token": csrf_token(client, "/inloggen/code"), "code": pyotp.TOTP(TOTP_SECRET).now()}
    response = client.post("/inloggen/code", data=form)
    assert response.status_code == 302 and "/inloggen" not in response.headers["Location"], response.headers


def upload_seconds(app, client, scan: str, data: bytes, filename: str) -> tuple[float, int]:
    """Upload a register through the real form (CSRF token included); seconds until it is ranked and stored."""
    form = {
        "csrf_token": csrf_token(client, "/portfolio/nieuw"),
        "scan_type": scan,
        "name": f"Bench {scan}",
        "bestand": (io.BytesIO(data), filename),
    }
    t0 = time.perf_counter()
    response = client.post("/portfolio/nieuw", data=form, content_type="multipart/form-data")
    seconds = time.perf_counter() - t0
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    location = response.headers["Location"]
    assert re.search(r"/portfolio/\d+$", location), f"upload not accepted: redirected to {location}"
    portfolio_id = int(location.rsplit("/", 1)[1])
    with app.app_context():
        stored = db.session.scalar(select(func.count(PortfolioRow.id)).where(PortfolioRow.portfolio_id == portfolio_id))
    return seconds, stored


def phases(catalogue, evaluator, scan: str, data: bytes) -> dict[str, float]:
    """Reading and evaluation alone (no web, no database), to show where the time goes."""
    questionnaire = catalogue.questionnaires[scan]
    t0 = time.perf_counter()
    register = read_register(data, "r.csv", columns_for(questionnaire))
    t1 = time.perf_counter()
    evaluate_register(evaluator, scan, register)
    t2 = time.perf_counter()
    return {"read_csv_s": round(t1 - t0, 2), "evaluate_s": round(t2 - t1, 2)}


def main() -> None:
    catalogue = load_catalogue(RULES_DIR, FORMS_DIR)
    evaluator = Evaluator(catalogue, DurableEngine())
    results = []
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(Path(folder))
        client = app.test_client()
        login(client)
        with app.app_context():
            database = db.engine.dialect.name
        for scan in catalogue.questionnaires:
            header, table = register_rows(catalogue.questionnaires[scan], ROWS, seed=11)
            csv_data, xlsx_data = csv_bytes(header, table), xlsx_bytes(header, table, "Register")
            csv_s, stored = upload_seconds(app, client, scan, csv_data, "register.csv")
            xlsx_s, stored_x = upload_seconds(app, client, scan, xlsx_data, "register.xlsx")
            row = {
                "scan": scan,
                "rows": ROWS,
                "stored": stored,
                "upload_csv_end_to_end_s": round(csv_s, 2),
                "upload_xlsx_end_to_end_s": round(xlsx_s, 2),
                "csv_mb": round(len(csv_data) / 1e6, 1),
                "xlsx_mb": round(len(xlsx_data) / 1e6, 1),
                **phases(catalogue, evaluator, scan, csv_data),
            }
            assert stored == stored_x == ROWS
            results.append(row)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    print(f"database: {database}; target <= {TARGET_S:.0f} s end to end for {ROWS:,} rows")
    print(f"{'scan':<17}{'csv e2e':>9}{'xlsx e2e':>10}{'read':>7}{'eval':>7}  stored")
    for r in results:
        print(
            f"{r['scan']:<17}{r['upload_csv_end_to_end_s']:>8.2f}s{r['upload_xlsx_end_to_end_s']:>9.2f}s"
            f"{r['read_csv_s']:>6.2f}s{r['evaluate_s']:>6.2f}s  {r['stored']}"
        )
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    report = {
        "machine": platform.platform(),
        "python": platform.python_version(),
        "database": database,
        "results": results,
    }
    (out / f"portfolio-{database}.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"written: {out / f'portfolio-{database}.json'}")


if __name__ == "__main__":
    main()
