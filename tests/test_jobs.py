"""Background jobs on a real queue (SQLite-backed and Redis) with a real worker process.

Security review C1 (a job never writes into another portfolio) and L9 (an interrupted job
is resumed or marked failed, never "bezig" forever) are reproduced here with `kill -9` of
the worker and a delete in the middle of a batch.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from app import create_app
from app.db import db
from app.migrate import upgrade
from app.models import AuditEntry, Portfolio, PortfolioRow, PortfolioUpload
from app.models.portfolio import PORTFOLIO_DONE, PORTFOLIO_FAILED, PORTFOLIO_RUNNING
from app.paths import ROOT
from app.portfolio.batch import evaluate_in_processes, evaluate_register, shutdown_pools
from app.portfolio.columns import columns_for
from app.portfolio.reader import read_register
from app.services import portfolios as svc
from tests.conftest import _create_accounts, _database_url, _reset_schema, login
from tests.test_portfolio import BAD, GOOD, register_csv, upload, uploaded

REDIS_URL = os.environ.get("BIBOB_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def big_register(n: int, name: str = "Zaak") -> bytes:
    drugs = ["ja" if i % 7 == 0 else "nee" for i in range(n)]
    return register_csv([f"{name} {i} (fictief);Straat {i};;ja;{1000 * i};;{drugs[i]};{i % 100};" for i in range(n)])


class Live:
    """An app on a real queue, and the worker processes started for it (stopped at the end)."""

    def __init__(self, tmp_path: Path, queue: str, **settings):
        self.db_url = _database_url(tmp_path)
        self.jobs_url = f"sqlite:///{tmp_path / 'jobs.sqlite3'}" if queue == "sqlite" else REDIS_URL
        self.settings = {
            "JOBS_URL": self.jobs_url,
            "JOBS_NAME": f"bibob-test-{uuid.uuid4().hex[:8]}",
            "JOB_STALE_SECONDS": 3,
            "BATCH_CHUNK_ROWS": 200,
            "BATCH_PROCESSES": 1,
            **settings,
        }
        self.app = create_app(
            {
                "ENV_NAME": "testing",
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": self.db_url,
                **self.settings,
            }
        )
        self.workers: list[tuple[subprocess.Popen, Path]] = []
        self.tmp_path = tmp_path

    def worker(self, **settings) -> subprocess.Popen:
        """Start `flask jobs worker` as a separate process on the same database and queue."""
        env = {**os.environ, "DATABASE_URL": self.db_url, "BIBOB_ENV": "testing", "BIBOB_LOG_FORMAT": "json"}
        env.update({f"BIBOB_{k}": str(v) for k, v in {**self.settings, **settings}.items()})
        log = self.tmp_path / f"worker-{len(self.workers)}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"],
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.workers.append((process, log))
        return process

    def log_lines(self) -> list[dict]:
        """The JSON log lines of every worker (other lines are ignored)."""
        lines = []
        for _, log in self.workers:
            for line in log.read_text(errors="replace").splitlines():
                if line.startswith("{"):
                    lines.append(json.loads(line))
        return lines

    def stop(self) -> None:
        for process, _ in self.workers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        with self.app.app_context():
            from app.extensions import jobs

            jobs.huey.flush()
            db.session.remove()
            db.engine.dispose()

    def portfolio(self, portfolio_id: int) -> Portfolio | None:
        with self.app.app_context():
            portfolio = db.session.get(Portfolio, portfolio_id)
            if portfolio is not None:
                db.session.expunge(portfolio)
            return portfolio

    def wait_for(self, portfolio_id: int, test, seconds: float = 120) -> Portfolio | None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            portfolio = self.portfolio(portfolio_id)
            if test(portfolio):
                return portfolio
            for process, log in self.workers:
                assert process.returncode is None or process.returncode == -signal.SIGKILL, log.read_text()[-3000:]
            time.sleep(0.1)
        raise AssertionError(f"timed out; portfolio {portfolio_id}: {self.portfolio(portfolio_id).__dict__}")


@pytest.fixture(params=["sqlite", "redis"])
def live(request, tmp_path, password_hash):
    if request.param == "redis" and not _redis_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not reachable at {REDIS_URL} on CI")
        pytest.skip(f"no Redis server at {REDIS_URL} (set BIBOB_TEST_REDIS_URL)")
    live = Live(tmp_path, request.param)
    with live.app.app_context():
        _reset_schema()
        upgrade()
        _create_accounts(password_hash)
    yield live
    live.stop()


def children(pid: int) -> set[int]:
    """Pids of the processes whose parent is `pid` (from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _count_rows(app, portfolio_id: int | None = None) -> int:
    with app.app_context():
        query = select(func.count(PortfolioRow.id))
        if portfolio_id is not None:
            query = query.where(PortfolioRow.portfolio_id == portfolio_id)
        return db.session.scalar(query)


# --- a real worker -------------------------------------------------------------------------------


def test_a_large_register_is_evaluated_by_the_worker_in_chunks_with_progress(live):
    """The upload returns at once, the page shows progress, a separate worker evaluates, then the ranking."""
    client = live.app.test_client()
    login(client, "officer")
    portfolio_id = uploaded(client, big_register(3000))
    first = client.get(f"/portfolio/{portfolio_id}").get_data(as_text=True)
    assert "<progress" in first or "Rangschikking" in first  # queued: nothing runs in the web process
    assert 'http-equiv="refresh"' not in first  # no automatic refresh (WCAG 2.2.1)
    live.worker()
    seen = set()
    live.wait_for(portfolio_id, lambda p: seen.add(p.processed_rows) or p.status != PORTFOLIO_RUNNING)
    page = client.get(f"/portfolio/{portfolio_id}").get_data(as_text=True)
    assert "3.000 van 3.000 rijen beoordeeld" in page
    assert _count_rows(live.app, portfolio_id) == 3000
    assert len({n for n in seen if 0 < n < 3000}) >= 2, seen  # progress per chunk of 200
    with live.app.app_context():
        assert db.session.get(PortfolioUpload, portfolio_id) is None  # the file is dropped once stored


def test_kill_9_of_the_worker_mid_batch_then_restart_finishes_the_job(live):
    """L9: the worker dies mid-batch (kill -9); a new worker resumes the job, nothing stays "bezig"."""
    client = live.app.test_client()
    login(client, "officer")
    portfolio_id = uploaded(client, big_register(4000))
    worker = live.worker()
    live.wait_for(portfolio_id, lambda p: 0 < p.processed_rows < p.total_rows)
    pool = children(worker.pid)
    assert pool  # the evaluation process(es)
    os.kill(worker.pid, signal.SIGKILL)  # the worker only; its pool process must exit by itself
    worker.wait(10)
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in pool):
        assert time.monotonic() < deadline, "an evaluation process outlived its killed worker"
        time.sleep(0.2)
    interrupted = live.portfolio(portfolio_id)
    assert interrupted.status == PORTFOLIO_RUNNING and _count_rows(live.app) == 0  # nothing half-written
    time.sleep(live.settings["JOB_STALE_SECONDS"] + 0.5)
    live.worker()
    done = live.wait_for(portfolio_id, lambda p: p.status != PORTFOLIO_RUNNING)
    assert done.status == PORTFOLIO_DONE, done.failure
    assert done.job_attempts == 2
    assert _count_rows(live.app, portfolio_id) == 4000
    with live.app.app_context():
        actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions.count("portfolio_resumed") == 1 and actions.count("portfolio_evaluated") == 1


def test_kill_9_beyond_the_attempt_limit_marks_the_job_failed_with_a_reason(live):
    """L9: when the job may not start again (JOB_MAX_ATTEMPTS), it is marked failed, with the reason."""
    client = live.app.test_client()
    login(client, "officer")
    portfolio_id = uploaded(client, big_register(4000))
    worker = live.worker(JOB_MAX_ATTEMPTS=1)
    live.wait_for(portfolio_id, lambda p: 0 < p.processed_rows < p.total_rows)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(10)
    time.sleep(live.settings["JOB_STALE_SECONDS"] + 0.5)
    live.worker(JOB_MAX_ATTEMPTS=1)
    failed = live.wait_for(portfolio_id, lambda p: p.status != PORTFOLIO_RUNNING, seconds=30)
    assert failed.status == PORTFOLIO_FAILED
    assert "1 keer onderbroken" in failed.failure and "Er is niets opgeslagen" in failed.failure
    assert _count_rows(live.app) == 0
    page = client.get(f"/portfolio/{portfolio_id}").get_data(as_text=True)
    assert "onderbroken" in page


def test_deleting_a_portfolio_mid_batch_writes_nothing_anywhere(live):
    """C1: a deleted portfolio's job stops; its rows land nowhere, not in a newer portfolio of another gemeente."""
    voorbeeldstad, anderstad = live.app.test_client(), live.app.test_client()
    login(voorbeeldstad, "officer")
    login(anderstad, "other_officer")
    secret_id = uploaded(voorbeeldstad, big_register(4000, name="VOORBEELDSTAD-GEHEIM"))
    live.worker()
    live.wait_for(secret_id, lambda p: 0 < p.processed_rows < p.total_rows)
    assert voorbeeldstad.post(f"/portfolio/{secret_id}/verwijderen").status_code == 302
    other_id = uploaded(anderstad, register_csv(GOOD))
    assert other_id > secret_id  # ids are never reused, also on SQLite
    live.wait_for(other_id, lambda p: p.status == PORTFOLIO_DONE)
    deadline = time.monotonic() + 30  # the deleted portfolio's job notices at its next chunk and stops
    while not any(line["message"].startswith("job cancelled") for line in live.log_lines()):
        assert time.monotonic() < deadline, live.log_lines()
        time.sleep(0.1)
    assert live.portfolio(secret_id) is None
    assert _count_rows(live.app) == len(GOOD)  # nothing of the 4000 rows anywhere
    with live.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PortfolioUpload)) == 0
        assert (
            db.session.scalar(
                select(func.count(PortfolioRow.id)).where(PortfolioRow.subject_name.like("VOORBEELDSTAD-GEHEIM%"))
            )
            == 0
        )
    page = anderstad.get(f"/portfolio/{other_id}?q=VOORBEELDSTAD-GEHEIM").get_data(as_text=True)
    assert "VOORBEELDSTAD-GEHEIM 1 (fictief)" not in page
    export = anderstad.get(f"/portfolio/{other_id}/export.csv").get_data(as_text=True)
    assert "VOORBEELDSTAD" not in export and len(export.strip().splitlines()) == 1 + len(GOOD)


def test_deleting_a_queued_portfolio_revokes_its_job(live):
    """C1: deleted before any worker took it: the queued job is revoked and never writes."""
    client = live.app.test_client()
    login(client, "officer")
    deleted = uploaded(client, register_csv(GOOD))
    with live.app.app_context():
        from app.extensions import jobs

        job_id = db.session.get(Portfolio, deleted).job_id
        assert jobs.huey.pending_count() == 1
    assert client.post(f"/portfolio/{deleted}/verwijderen").status_code == 302
    with live.app.app_context():
        assert jobs.huey.is_revoked(job_id)
    kept = uploaded(client, register_csv(GOOD[:1]))
    live.worker()
    live.wait_for(kept, lambda p: p.status == PORTFOLIO_DONE)
    assert _count_rows(live.app) == 1 and _count_rows(live.app, deleted) == 0


# --- the job's checks, inline -------------------------------------------------------------------


def test_a_job_writes_nothing_into_a_portfolio_that_is_not_its_own(app, client, monkeypatch):
    """C1: a job for another organisation or an old job id finds no portfolio to write into."""
    login(client, "officer")
    monkeypatch.setattr(svc, "submit", lambda portfolio: None)  # keep the job unqueued: run it by hand below
    portfolio_id = uploaded(client, register_csv(GOOD))
    with app.app_context():
        portfolio = db.session.get(Portfolio, portfolio_id)
        other_org = portfolio.organisation_id + 1
        svc.run_job(portfolio_id, other_org, portfolio.job_id)  # wrong organisation
        svc.run_job(portfolio_id, portfolio.organisation_id, str(uuid.uuid4()))  # superseded job id
        portfolio = db.session.get(Portfolio, portfolio_id)
        assert portfolio.status == PORTFOLIO_RUNNING and portfolio.job_attempts == 0
        assert _count_rows(app) == 0
        svc.run_job(portfolio_id, portfolio.organisation_id, portfolio.job_id)  # its own job
        assert db.session.get(Portfolio, portfolio_id).status == PORTFOLIO_DONE
    assert _count_rows(app) == len(GOOD)


def test_ids_are_never_reused_after_a_delete(app, client):
    """C1: the newest portfolio deleted; the next one gets a new id (SQLite AUTOINCREMENT, PostgreSQL sequence)."""
    login(client, "officer")
    first = uploaded(client, register_csv(GOOD))
    client.post(f"/portfolio/{first}/verwijderen")
    second = uploaded(client, register_csv(GOOD))
    assert second > first


def test_recovery_fails_a_job_that_was_never_started_long_after_the_upload(app, client, monkeypatch):
    login(client, "officer")
    monkeypatch.setattr(svc, "submit", lambda portfolio: None)  # its queue message was lost
    portfolio_id = uploaded(client, register_csv(GOOD))
    with app.app_context():
        assert svc.recover_interrupted() == {"resumed": [], "failed": []}  # queued, not started: left alone
        later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=25)
        assert svc.recover_interrupted(now=later) == {"resumed": [], "failed": [portfolio_id]}
        portfolio = db.session.get(Portfolio, portfolio_id)
        assert portfolio.status == PORTFOLIO_FAILED and "niet gestart" in portfolio.failure


def test_recovery_restarts_a_stale_job_under_a_new_id(app, client, monkeypatch):
    """A started job without a heartbeat is started again (inline here); the old job id can no longer write."""
    login(client, "officer")
    with monkeypatch.context() as patched:
        patched.setattr(svc, "submit", lambda portfolio: None)
        portfolio_id = uploaded(client, register_csv(GOOD + BAD))
    with app.app_context():
        old = db.session.get(Portfolio, portfolio_id)
        org, old_job = old.organisation_id, old.job_id
        long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
        db.session.execute(
            update(Portfolio).values(job_attempts=1, job_started_at=long_ago, heartbeat_at=long_ago, processed_rows=2)
        )
        db.session.commit()
        assert svc.recover_interrupted() == {"resumed": [portfolio_id], "failed": []}
        portfolio = db.session.get(Portfolio, portfolio_id)
        assert portfolio.status == PORTFOLIO_DONE and portfolio.job_id != old_job and portfolio.job_attempts == 2
        svc.run_job(portfolio_id, org, old_job)  # a late zombie of the first attempt
    assert _count_rows(app) == len(GOOD)


def test_an_unreachable_queue_fails_the_upload_with_a_dutch_reason(tmp_path, password_hash):
    app = create_app(
        {
            "ENV_NAME": "testing",
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": _database_url(tmp_path),
            "JOBS_URL": "redis://127.0.0.1:1/0",
        }
    )
    with app.app_context():
        _reset_schema()
        upgrade()
        _create_accounts(password_hash)
    client = app.test_client()
    login(client, "officer")
    portfolio_id = uploaded(client, register_csv(GOOD))
    page = client.get(f"/portfolio/{portfolio_id}").get_data(as_text=True)
    assert "wachtrij" in page and "niet bereikbaar" in page
    assert client.get("/readyz").status_code == 503
    assert client.get("/readyz").get_json()["checks"] == {"database": True, "queue": False, "catalogue": True}
    result = app.test_cli_runner().invoke(args=["doctor"])
    assert result.exit_code == 1 and "FOUT    wachtrij (queue)" in result.output
    with app.app_context():
        assert db.session.get(Portfolio, portfolio_id).status == PORTFOLIO_FAILED
        db.session.remove()
        db.engine.dispose()


# --- the process pool ---------------------------------------------------------------------------


def test_evaluation_in_processes_gives_the_same_result_as_in_one_process(catalogue, evaluator):
    """The chunked pool evaluation: same rows, same ranking, same faults (in file order) as one process."""
    data = big_register(700) + register_csv(BAD, header="").lstrip(b"\n")
    register = read_register(data, "r.csv", columns_for(catalogue.questionnaires["horeca"]))
    one = evaluate_register(evaluator, "horeca", register)
    reports = []
    try:
        many = evaluate_in_processes(catalogue, "horeca", register, 2, chunk_rows=150, progress=reports.append)
    finally:
        shutdown_pools()
    assert many.results == one.results and many.errors == one.errors and len(one.errors) >= len(BAD)
    assert reports == sorted(reports) and reports[-1] == len(register.rows) and len(reports) == 5


# --- health, logs, doctor, periodic jobs ---------------------------------------------------------


def test_health_endpoints_need_no_login_and_show_no_data(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json() == {"status": "ok", "checks": {"database": True, "queue": True, "catalogue": True}}


def test_requests_are_logged_as_json_with_a_request_id_and_without_search_terms(client, caplog):
    import logging

    from app.weblog import JsonFormatter

    login(client, "officer")
    with caplog.at_level(logging.INFO, logger="bibob.access"):
        response = client.get("/scans/?q=Geheimnaam", headers={"X-Request-ID": "abc123-proxy-id"})
    assert response.headers["X-Request-ID"] == "abc123-proxy-id"
    lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "bibob.access"]
    assert lines and lines[-1]["path"] == "/scans/" and lines[-1]["request_id"] == "abc123-proxy-id"
    assert lines[-1]["status"] == 200 and "Geheimnaam" not in json.dumps(lines)
    assert client.get("/scans/", headers={"X-Request-ID": "<script>"}).headers["X-Request-ID"] != "<script>"


def test_doctor_passes_on_a_sound_setup_and_fails_without_migrations(app, runner, tmp_path):
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 0, result.output
    assert "OK      migraties (migrations)" in result.output and "Klaar voor gebruik" in result.output
    assert "OK      geheimen (secrets)" in result.output  # testing gets a random secret (issue 11, M7)
    bare = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'bare.sqlite3'}",
            "JOBS_URL": f"sqlite:///{tmp_path / 'jobs.sqlite3'}",
        }
    )
    result = bare.test_cli_runner().invoke(args=["doctor"])
    assert result.exit_code == 1 and "flask db upgrade" in result.output and "Traceback" not in result.output


def test_the_worker_runs_the_retention_purge_reminders_and_the_recovery_on_a_schedule(app):
    from app.extensions import jobs

    with app.app_context():
        periodic = {task.__name__ for task in jobs.huey._registry._periodic_tasks}
        assert {"retention.purge", "jobs.recover", "dossiers.remind"} <= periodic
        from app.services import retention

        assert retention.purge_all() == {"scans": [], "portfolios": []}


def test_a_failed_upload_page_is_not_a_500(app, client):
    login(client, "officer")
    assert upload(client, b"", filename="leeg.csv").status_code == 422


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="SQLite only (PostgreSQL sequences never reuse ids)")
def test_the_migration_keeps_existing_rows_and_makes_sqlite_ids_never_reused(tmp_path):
    """0008 on an existing SQLite database: rows and ids stay, and a deleted newest id is not handed out again."""
    from sqlalchemy import text

    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}"})
    with app.app_context():
        upgrade("0005")
        db.session.execute(text("INSERT INTO organisations (id, name, kind) VALUES (1, 'Gemeente X', 'gemeente')"))
        db.session.execute(
            text(
                "INSERT INTO users (id, email, name, role, organisation_id, password_hash, active, failed_logins, "
                "created_at) VALUES (1, 'a@x.test', 'A', 'bibob_officer', 1, 'x', 1, 0, '2026-01-01')"
            )
        )
        for pid in (1, 2):
            db.session.execute(
                text(
                    "INSERT INTO portfolios (id, organisation_id, author_id, created_by, scan_type, name, filename, "
                    "status, failure, total_rows, processed_rows, rejected_rows, errors, level_counts, "
                    "indicator_counts, ruleset_version, questionnaire_version, shared_with_riec, created_at, "
                    "heartbeat_at) VALUES (:id, 1, 1, 'A', 'horeca', 'P', 'p.csv', 'klaar', '', 0, 0, 0, '[]', '{}', "
                    "'{}', 'v', 1, 0, '2026-01-01', '2026-01-01')"
                ),
                {"id": pid},
            )
        db.session.commit()
        upgrade()
        assert list(db.session.scalars(select(Portfolio.id).order_by(Portfolio.id))) == [1, 2]
        ddl = db.session.scalar(text("SELECT sql FROM sqlite_master WHERE name = 'portfolios'"))
        assert "AUTOINCREMENT" in ddl
        db.session.execute(text("DELETE FROM portfolios WHERE id = 2"))
        db.session.execute(
            text(
                "INSERT INTO portfolios (organisation_id, author_id, created_by, scan_type, name, filename, status, "
                "failure, total_rows, processed_rows, rejected_rows, errors, level_counts, indicator_counts, "
                "ruleset_version, questionnaire_version, shared_with_riec, created_at, heartbeat_at, job_attempts) "
                "VALUES (1, 1, 'A', 'horeca', 'Q', 'q.csv', 'klaar', '', 0, 0, 0, '[]', '{}', '{}', 'v', 1, 0, "
                "'2026-01-01', '2026-01-01', 0)"
            )
        )
        assert db.session.scalar(select(func.max(Portfolio.id))) == 3  # not 2 again
        db.session.remove()
        db.engine.dispose()
