"""Who owns the transaction (app/transaction.py): the request, the job or the command; services only flush.

A view that returns commits what the services did; a view that raises leaves nothing behind, except
the audit entries of refused or failed actions; the same for a job (an app context) and a command.
"""

from __future__ import annotations

import click
from sqlalchemy import select

from app.db import db
from app.models import AuditEntry, Organisation
from app.services import accounts, audit
from app.services.access import NotAllowed
from tests.conftest import login


def _organisation(name: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


def _entries(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def _routes(app) -> None:
    """Views that write through a service and then return, refuse, or fail."""

    def done():
        accounts.create_organisation("Gemeente Gelukt", "gemeente")
        return "ok"

    def refused():
        accounts.create_organisation("Gemeente Geweigerd", "gemeente")
        audit.record("test_refused", object="test", result="geweigerd")
        raise NotAllowed("Dit mag niet.")

    def broken():
        accounts.create_organisation("Gemeente Kapot", "gemeente")
        audit.record("test_broken", object="test")
        raise RuntimeError("bug")

    app.add_url_rule("/_test/gelukt", "t_done", done, methods=["POST"])
    app.add_url_rule("/_test/geweigerd", "t_refused", refused, methods=["POST"])
    app.add_url_rule("/_test/kapot", "t_broken", broken, methods=["POST"])


def test_the_request_commits_what_its_view_did_and_rolls_back_when_it_raises(app):
    _routes(app)
    client = app.test_client()
    login(client, "officer")
    assert client.post("/_test/gelukt").status_code == 200
    assert client.post("/_test/geweigerd").status_code == 403
    assert client.post("/_test/kapot").status_code == 500
    with app.app_context():
        assert _organisation("Gemeente Gelukt") is not None
        assert _organisation("Gemeente Geweigerd") is None and _organisation("Gemeente Kapot") is None
        kept = _entries("test_refused")
        assert [e.result for e in kept] == ["geweigerd"]  # the refusal stays on record, the action does not
        assert _entries("test_broken") == []  # an "ok" entry goes with its failed action
        assert audit.verify().fault is None  # the kept entry was chained in its own transaction


def test_a_job_commits_when_it_ends_and_rolls_back_when_it_raises(app):
    with app.app_context():
        accounts.create_organisation("Gemeente Taak", "gemeente")
    try:
        with app.app_context():
            accounts.create_organisation("Gemeente Taak Mislukt", "gemeente")
            audit.record("test_job_failed", object="test", result="mislukt")
            raise RuntimeError("the job failed")
    except RuntimeError:
        pass
    with app.app_context():
        assert _organisation("Gemeente Taak") is not None
        assert _organisation("Gemeente Taak Mislukt") is None
        assert [e.result for e in _entries("test_job_failed")] == ["mislukt"]


def test_a_command_commits_on_success_and_rolls_back_on_failure(app, runner):
    @app.cli.command("test-organisatie")
    @click.argument("name")
    @click.option("--fail", is_flag=True)
    def make(name: str, fail: bool) -> None:
        accounts.create_organisation(name, "gemeente")
        if fail:
            raise click.ClickException("mislukt")

    assert runner.invoke(args=["test-organisatie", "Gemeente Opdracht"]).exit_code == 0
    assert runner.invoke(args=["test-organisatie", "Gemeente Opdracht Fout", "--fail"]).exit_code == 1
    with app.app_context():
        assert _organisation("Gemeente Opdracht") is not None
        assert _organisation("Gemeente Opdracht Fout") is None


def test_services_do_not_commit(app):
    """A service's work is undone when its caller rolls back: the caller owns the transaction."""
    with app.app_context():
        accounts.create_organisation("Gemeente Ongedaan", "gemeente")
        db.session.rollback()
        assert _organisation("Gemeente Ongedaan") is None
