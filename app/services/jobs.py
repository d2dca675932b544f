"""Background jobs through a real task queue (huey): long work runs off the request, and survives restarts.

The queue is chosen by one setting, `JOBS_URL`:
- `sqlite:///…/jobs.sqlite3` (default, in the instance folder): embedded, needs no server; web and
  worker on one machine share the file (`make run`);
- `redis://host:6379/0`: a broker that the web and job workers of several machines share.

Every background job is a plain function in a service, listed in `_tasks()` by name; periodic ones
(retention purge, recovery of interrupted jobs, dossier deadline reminders) in `_periodic()` with their
schedule. To add a job, write the function, taking keyword arguments that are plain data
(ids, never personal data: the message sits in the broker), and add one line to one of those tables.

Each job runs in its own app context, so it has its own database session and owns its transaction.
A queue message only carries ids; a job re-checks that its object still exists and is still its own
before it writes (see `services/portfolios.py`). With `JOBS_INLINE` (tests, CLI) a job runs at once,
in the caller's thread. `flask jobs worker` runs the consumer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey, crontab
from redis import ConnectionPool

_EXTENSION_KEY = "bibob_jobs"
log = logging.getLogger("bibob.jobs")


class QueueUnavailable(RuntimeError):
    """The queue (broker) cannot be reached; the job was not enqueued."""


def make_huey(url: str, name: str, inline: bool) -> Huey:
    """The huey instance for a `JOBS_URL`: SqliteHuey for sqlite:///path, RedisHuey for redis://."""
    scheme = urlparse(url).scheme
    if scheme == "sqlite":
        return SqliteHuey(name=name, filename=url[len("sqlite:///") :], immediate=inline, results=False, timeout=30)
    if scheme in ("redis", "rediss", "unix"):
        # A broker that does not answer must fail fast (upload, /readyz), not hang a web worker.
        pool = ConnectionPool.from_url(url, socket_connect_timeout=5, health_check_interval=30)
        return RedisHuey(name=name, connection_pool=pool, immediate=inline, results=False)
    raise ValueError(f"JOBS_URL moet beginnen met sqlite:/// of redis://, niet {scheme or url!r}")


def _tasks() -> dict[str, Callable[..., Any]]:
    """Every job by name: the functions a worker may run (imported late: services import the extensions)."""
    from app.services import portfolios

    return {
        "portfolio.evaluate": portfolios.run_job,
    }


def _periodic(app: Flask) -> dict[str, tuple[Callable[..., Any], Any]]:
    """Jobs the worker runs on a schedule (UTC), by name: (function, huey crontab)."""
    from app.services import portfolios, retention

    return {
        "retention.purge": (retention.purge_all, crontab(minute="17", hour=str(app.config["RETENTION_PURGE_HOUR"]))),
        "jobs.recover": (portfolios.recover_interrupted, crontab(minute="*")),
        "dossiers.remind": (
            remind_dossier_deadlines,
            crontab(minute="7", hour=str(app.config["DOSSIER_REMINDER_HOUR"])),
        ),
    }


def remind_dossier_deadlines() -> int:
    """The daily reminder run (same as `flask dossiers reminders`); the job owns its transaction.

    Every job worker schedules it: when two run at once, the unique key on (dossier, deadline, due,
    status) lets one of them store a reminder; the other rolls back and leaves it at that.
    """
    import datetime as dt

    from sqlalchemy.exc import IntegrityError

    from app.db import db
    from app.services.dossiers import send_due_reminders

    try:
        made = send_due_reminders(dt.datetime.now(dt.UTC))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        log.info("dossier reminders already made by another worker")
        return 0
    return made


class JobQueue:
    """Flask extension: `jobs.submit("portfolio.evaluate", job_id, portfolio_id=…)` enqueues a job."""

    def init_app(self, app: Flask) -> None:
        cfg = app.config
        huey = make_huey(cfg["JOBS_URL"], cfg["JOBS_NAME"], cfg["JOBS_INLINE"])
        tasks = {name: huey.task(name=name)(_in_app_context(app, name, fn)) for name, fn in _tasks().items()}
        for name, (fn, schedule) in _periodic(app).items():
            huey.periodic_task(schedule, name=name)(_in_app_context(app, name, fn))
        app.extensions[_EXTENSION_KEY] = (huey, tasks)

    @property
    def huey(self) -> Huey:
        return current_app.extensions[_EXTENSION_KEY][0]

    def submit(self, name: str, task_id: str, /, **kwargs: Any) -> None:
        """Enqueue job `name` under `task_id` (to revoke it later); QueueUnavailable when the broker is down."""
        huey, tasks = current_app.extensions[_EXTENSION_KEY]
        task = tasks[name].s(**kwargs)
        task.id = task_id
        try:
            huey.enqueue(task)
        except Exception as exc:
            if huey.immediate:
                raise
            raise QueueUnavailable(type(exc).__name__) from exc

    def revoke(self, job_id: str) -> None:
        """A queued job with this id will not start (a running one stops at its next ownership check)."""
        try:
            self.huey.revoke_by_id(job_id, revoke_once=True)
        except Exception:
            log.warning("could not revoke job", extra={"job_id": job_id})

    def ping(self) -> str | None:
        """None when the queue answers, else the reason (for /readyz and `flask doctor`)."""
        try:
            self.huey.pending_count()
        except Exception as exc:
            return type(exc).__name__
        return None

    def worker(self, threads: int = 1):
        """A huey consumer for this app (the caller runs it: `consumer.run()`)."""
        return self.huey.create_consumer(workers=threads, worker_type="thread", periodic=True, check_worker_health=True)


def _in_app_context(app: Flask, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run `fn` in a fresh app context (its own session); a failure is logged without arguments and re-raised."""

    def run(**kwargs: Any) -> Any:
        with app.app_context():
            try:
                return fn(**kwargs)
            except Exception:
                # No arguments logged: ids only, but keep the habit (they may one day hold more).
                log.exception("background job failed", extra={"job": name})
                raise

    run.__name__ = run.__qualname__ = name.replace(".", "_")
    return run
