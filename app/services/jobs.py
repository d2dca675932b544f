"""Background jobs: long work (a register of 10,000 rows) runs off the request, so pages stay responsive.

One worker thread per process runs jobs in order, each inside its own app context
(its own database session). The job itself reports progress in the database, which
the progress page reads. With `JOBS_INLINE` (tests, CLI) a job runs at once, in the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from flask import Flask, current_app

_EXTENSION_KEY = "bibob_jobs"


class JobRunner:
    """Flask extension: `jobs.submit(fn, *args)` runs fn(*args) in the background with an app context."""

    def init_app(self, app: Flask) -> None:
        app.config.setdefault("JOBS_INLINE", False)
        app.extensions[_EXTENSION_KEY] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bibob-job")

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future | None:
        app = current_app._get_current_object()
        if app.config["JOBS_INLINE"]:
            _guarded(app, fn, args)
            return None
        return app.extensions[_EXTENSION_KEY].submit(_in_context, app, fn, args)


def _in_context(app: Flask, fn: Callable[..., Any], args: tuple) -> None:
    with app.app_context():
        _guarded(app, fn, args)


def _guarded(app: Flask, fn: Callable[..., Any], args: tuple) -> None:
    """Run a job; a failure is the job's to record (it marks its own work failed), never the caller's."""
    try:
        fn(*args)
    except Exception:
        app.logger.exception("background job failed")  # no arguments logged: they may hold register data
