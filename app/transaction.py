"""Who owns the transaction: the request, the job or the command, never the service.

Services add and flush; the caller that started the work commits it once at the end, or rolls it
back when the work failed:

- a web or API request commits when its view returns (an `after_request` hook). When the view
  raises (a refusal, a 404, a bug), the error handlers roll back first (`rollback()` below), so
  nothing half-done is stored. A view that returns an error status itself (a wrong password, a
  refused form) has decided what to answer, and what it recorded (failure counters, audit
  entries) is committed;
- a background job and a CLI command wrap their work in `unit_of_work()`. Long jobs also commit
  at their own boundaries (claim, progress heartbeat, result), each conditional on the job still
  owning its object (see `services/portfolios.py`).

Audit entries of refused or failed actions (`result` other than "ok") survive a rollback:
`rollback()` writes them again in a transaction of their own, so the trail shows what was refused
even when the action itself left nothing behind (BIO 8.15.01).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.db import db

#: Key in `Session.info` of the refused/failed audit entries of the open transaction.
KEPT_AUDIT = "bibob_kept_audit"
log = logging.getLogger("bibob.transaction")


def keep_on_rollback(fields: dict[str, Any]) -> None:
    """Remember an audit entry's fields, to write it again when the transaction rolls back."""
    db.session.info.setdefault(KEPT_AUDIT, []).append(fields)


@event.listens_for(Session, "after_commit")
def _forget_kept(session: Session) -> None:
    """Committed: the kept entries are stored with the rest."""
    session.info.pop(KEPT_AUDIT, None)


def commit() -> None:
    """Commit the unit of work (the request, job or command that owns it)."""
    db.session.commit()


def rollback() -> None:
    """Roll the unit of work back, then store its refused/failed audit entries in a transaction of their own."""
    kept = db.session.info.pop(KEPT_AUDIT, [])
    db.session.rollback()
    if not kept:
        return
    from app.services import audit

    try:
        for fields in kept:
            audit.append(dict(fields))
        db.session.commit()
    except Exception:  # the database itself failed: the error page must still be shown
        db.session.rollback()
        log.exception("refused actions could not be recorded in the audit trail", extra={"count": len(kept)})


@contextmanager
def unit_of_work() -> Iterator[None]:
    """One transaction for a job or a command: committed when the block ends, rolled back when it raises."""
    try:
        yield
    except BaseException:
        rollback()
        raise
    commit()


def init_app(app: Flask) -> None:
    """The request, job or command owns its transaction: commit when it has done its work, else roll back.

    A request commits as soon as its view has returned (before the response is sent, so a failing
    commit still answers with the error page). A job or command commits when its app context ends
    without an exception and rolls back when one escapes.
    """

    @app.after_request
    def _commit_request(response):
        commit()
        return response

    @app.teardown_appcontext
    def _end_unit_of_work(exc: BaseException | None) -> None:
        # A `flask` command's context is closed by click without the exception; it is still being raised.
        exc = exc if exc is not None else sys.exc_info()[1]
        if exc is not None:
            rollback()
            return
        session = db.session()
        if not session.in_transaction():
            return
        session.expire_on_commit = False  # the session ends here: objects read in it stay readable
        try:
            session.commit()
        finally:
            session.expire_on_commit = True
