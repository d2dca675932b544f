"""Operations: the job worker (`flask jobs worker`), recovery (`flask jobs recover`) and the go-live check
(`flask doctor`). Messages in Dutch with the English in brackets, for whoever runs the service."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import text

from app.config import DEFAULTS
from app.db import db
from app.extensions import catalogue, jobs
from app.rules.errors import CatalogueError

jobs_cli = AppGroup("jobs", help="Achtergrondtaken (background jobs): de verwerker en herstel.")


@jobs_cli.command("worker")
@click.option("--threads", default=1, show_default=True, help="Taken tegelijk in dit proces (jobs at once).")
def jobs_worker(threads: int) -> None:
    """Start een verwerker die taken uit de wachtrij uitvoert (start a job worker)."""
    from app.services import portfolios

    if reason := jobs.ping():
        click.echo(f"FOUT: de wachtrij is niet bereikbaar (queue unreachable): {reason}", err=True)
        sys.exit(1)
    if problem := catalogue_problem():
        click.echo(f"FOUT: {problem}", err=True)
        sys.exit(1)
    recovered = portfolios.recover_interrupted()
    if current_app.config["BATCH_PROCESSES"] > 0:  # the first register must not wait for the pool to start
        from app.portfolio.batch import engine_pool

        engine_pool(catalogue.load(), current_app.config["BATCH_PROCESSES"]).warm_up()
    click.echo(
        f"Verwerker gestart (worker started): {threads} taak/taken tegelijk, "
        f"{len(recovered['resumed'])} onderbroken taak/taken opnieuw gestart, {len(recovered['failed'])} mislukt."
    )
    jobs.worker(threads).run()


@jobs_cli.command("recover")
def jobs_recover() -> None:
    """Zoek onderbroken taken: opnieuw starten of als mislukt markeren (resume or fail interrupted jobs)."""
    from app.services import portfolios

    done = portfolios.recover_interrupted()
    click.echo(f"Opnieuw gestart (resumed): {done['resumed'] or '-'}; mislukt (failed): {done['failed'] or '-'}")


def catalogue_problem() -> str | None:
    """None when the catalogue loads, else a one-line reason."""
    try:
        catalogue.load()
    except CatalogueError as err:
        return f"de catalogus is ongeldig (catalogue invalid): {len(err.faults)} fout(en); zie `flask rules check`"
    return None


def database_problem() -> str | None:
    """None when the database answers."""
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception as exc:
        db.session.rollback()
        return f"de database is niet bereikbaar (database unreachable): {type(exc).__name__}"
    return None


def migration_problem() -> str | None:
    """None when the database schema is at the newest migration."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from app.migrate import alembic_config

    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current != heads:
        return (
            f"de database staat op migratie {sorted(current) or 'geen'}, de code verwacht {sorted(heads)} "
            "(migrations not applied): voer `flask db upgrade` uit"
        )
    return None


@dataclass(frozen=True)
class Check:
    name: str
    problem: str | None
    warning: bool = False


def doctor_checks() -> list[Check]:
    """Every go-live check, in order; a problem with warning=True does not stop the start."""
    cfg = current_app.config
    production = cfg["ENV_NAME"] not in ("development", "testing")
    checks = [Check("instellingen (settings)", _settings_problem(cfg, production))]
    secret = cfg["SECRET_KEY"]
    weak = secret == DEFAULTS["SECRET_KEY"] or len(secret) < 32
    checks.append(
        Check(
            "geheimen (secrets)",
            "SECRET_KEY is de standaardwaarde of korter dan 32 tekens (default or short secret)" if weak else None,
            warning=not production,
        )
    )
    database = database_problem()
    checks.append(Check("database", database))
    checks.append(Check("migraties (migrations)", None if database else migration_problem()))
    sqlite = cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    checks.append(
        Check(
            "databasesoort (database kind)",
            "SQLite is voor één machine en demo; gebruik PostgreSQL in productie (use PostgreSQL)"
            if production and sqlite
            else None,
            warning=True,
        )
    )
    checks.append(Check("catalogus (catalogue)", catalogue_problem()))
    broker = jobs.ping()
    checks.append(Check("wachtrij (queue)", f"niet bereikbaar (unreachable): {broker}" if broker else None))
    checks.append(
        Check(
            "wachtrijsoort (queue kind)",
            "de SQLite-wachtrij werkt alleen op één machine; gebruik Redis bij meer machines (use Redis)"
            if production and cfg["JOBS_URL"].startswith("sqlite")
            else None,
            warning=True,
        )
    )
    return checks


def _settings_problem(cfg, production: bool) -> str | None:
    problems = []
    if cfg["ENV_NAME"] not in ("development", "testing", "production", "acceptance"):
        problems.append(f"BIBOB_ENV={cfg['ENV_NAME']!r} is onbekend (unknown environment)")
    for key in ("WEB_WORKERS", "WEB_TIMEOUT", "JOB_STALE_SECONDS", "JOB_MAX_ATTEMPTS", "BATCH_CHUNK_ROWS"):
        if int(cfg[key]) < 1:
            problems.append(f"{key} moet minstens 1 zijn (must be at least 1)")
    if cfg["BATCH_PROCESSES"] > 4 * (os.cpu_count() or 1):
        problems.append("BATCH_PROCESSES is veel groter dan het aantal cores (far more than the cores)")
    if production and not cfg.get("SESSION_COOKIE_SECURE", False):
        problems.append("sessiecookies zijn niet 'Secure' (cookies not Secure)")
    return "; ".join(problems) or None


def doctor() -> None:
    """Controleer instellingen, geheimen, migraties, catalogus en wachtrij vóór livegang (pre-go-live check)."""
    failed = False
    for check in doctor_checks():
        if check.problem is None:
            click.echo(f"OK      {check.name}")
        elif check.warning:
            click.echo(f"LET OP  {check.name}: {check.problem}")
        else:
            failed = True
            click.echo(f"FOUT    {check.name}: {check.problem}", err=True)
    if failed:
        click.echo("Niet klaar voor gebruik (not ready): los de FOUT-regels op.", err=True)
        sys.exit(1)
    click.echo("Klaar voor gebruik (ready).")


doctor_command = click.command("doctor")(with_appcontext(doctor))
