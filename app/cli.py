"""Command line: `flask --app wsgi rules|scan|forms …` (output in Dutch, for the people who run it)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app, has_app_context
from flask.cli import AppGroup, ScriptInfo

from app.db import db
from app.engine.evaluator import AnswersInvalid
from app.engine.selftest import run_rule_tests
from app.extensions import catalogue as catalogue_ext
from app.forms.loader import load_questionnaires
from app.rules.errors import CatalogueError
from app.rules.vocabulary import CATEGORIES, LEVELS
from app.services.catalogue import scan_registry


class ScanTypeParam(click.ParamType):
    """A scan id, checked against the app's discovered scan types (`app.rules.registry`) when it is used."""

    name = "scan"

    def convert(self, value, param, ctx):
        # Options are converted before the command pushes its app context: take the app from click.
        app = current_app._get_current_object() if has_app_context() else ctx.ensure_object(ScriptInfo).load_app()
        try:
            known = scan_registry(app).ids
        except CatalogueError as err:
            _print_faults(err)
            sys.exit(1)
        if value not in known:
            self.fail(f"{value!r} is geen scan; kies uit {', '.join(known)}", param, ctx)
        return value


SCAN_TYPE = ScanTypeParam()

rules_cli = AppGroup("rules", help="De indicatorencatalogus controleren, testen en tonen.")
scan_cli = AppGroup("scan", help="Scans evalueren.")
forms_cli = AppGroup("forms", help="De vragenlijsten controleren.")


def _load_or_exit():
    try:
        return catalogue_ext.load()
    except CatalogueError as err:
        _print_faults(err)
        sys.exit(1)


def _print_faults(err: CatalogueError) -> None:
    click.echo(f"Catalogus geweigerd: {len(err.faults)} fout(en).", err=True)
    for fault in err.faults:
        click.echo(f"  - {fault}", err=True)


@rules_cli.command("check")
def rules_check() -> None:
    """Controleer alle regel-, score- en vragenlijstbestanden en het versieslot; elke fout wordt gemeld."""
    catalogue = _load_or_exit()
    refused = []
    for scan in catalogue.scans:
        active = catalogue.rules_for(scan)
        total = len(catalogue.rules_for(scan, include_inactive=True))
        kind = catalogue.scans[scan]  # where it is listed and its rule-id prefix: a new scan must pick others
        click.echo(
            f"{scan:<17} {len(active):>3} actieve indicatoren ({total} totaal)  versie {catalogue.version(scan)}"
            f"  plaats {kind.order}  voorvoegsel {kind.prefix}  {kind.label}"
        )
        refused += _check_partitions(scan, active)
    if refused:
        for problem in refused:
            click.echo(f"FOUT: {problem}", err=True)
        sys.exit(1)
    _check_version_lock(catalogue)
    click.echo("Catalogus in orde.")


def _check_partitions(scan: str, rules) -> list[str]:
    """Compile a scan's rules into the engine's rulesets as the service does; print each against the bounds.

    Returns the refusal (a rule too large for one ruleset of the engine), so a catalogue durable-rules
    cannot run never passes the check (docs/engine.md, "Partitioned rulesets").
    """
    from app.rules.compiler import CompileError, compile_partitions

    try:
        compiled = compile_partitions({r.id: r.condition for r in rules}, {r.id: r.category for r in rules})
    except CompileError as err:
        return [f"{scan}: {err}"]
    for number, part in enumerate(compiled.parts, start=1):
        click.echo(f"  ruleset {number}/{len(compiled.parts)}: {part.bounds.usage()}")
    return []


def _check_version_lock(catalogue) -> None:
    """Refuse a file changed without a version bump, or a lock that does not match the files (CI runs this)."""
    from app.rules import versions_lock

    path = Path(current_app.config["RULES_DIR"]) / versions_lock.LOCK_FILE
    lock = versions_lock.read_lock(path)
    if lock is None:
        click.echo(f"FOUT: {path.name} ontbreekt; maak het met 'flask rules lock'", err=True)
        sys.exit(1)
    problems = versions_lock.unbumped(catalogue.files, lock)
    if problems:
        for problem in problems:
            click.echo(f"FOUT: {problem}", err=True)
        click.echo("Hoog 'version' op in elk genoemd bestand en draai daarna 'flask rules lock'.", err=True)
        sys.exit(1)
    stale = versions_lock.stale(catalogue.files, lock)
    if stale:
        for problem in stale:
            click.echo(f"FOUT: {problem}", err=True)
        click.echo(f"Draai 'flask rules lock' en neem {path.name} op in de commit.", err=True)
        sys.exit(1)


@rules_cli.command("lock")
def rules_lock() -> None:
    """Schrijf rules/versions.lock (inhoud en versie per bestand); weigert een wijziging zonder versieophoging."""
    from app.rules import versions_lock

    catalogue = _load_or_exit()
    path = Path(current_app.config["RULES_DIR"]) / versions_lock.LOCK_FILE
    lock = versions_lock.read_lock(path) or {}
    problems = versions_lock.unbumped(catalogue.files, lock)
    if problems:
        for problem in problems:
            click.echo(f"FOUT: {problem}", err=True)
        sys.exit(1)
    versions_lock.write_lock(path, versions_lock.lock_entries(catalogue.files))
    click.echo(f"{path.name} geschreven ({len(catalogue.files)} bestanden).")


@rules_cli.command("test")
def rules_test() -> None:
    """Voer de eigen testgevallen van elke regel uit met de echte engine."""
    catalogue = _load_or_exit()
    results = run_rule_tests(catalogue, catalogue_ext.evaluator.engine)
    failed = [r for r in results if not r.passed]
    for r in failed:
        expect = "moet afgaan" if r.kind == "fires" else "mag niet afgaan"
        click.echo(f"MISLUKT {r.rule_id} [{r.scan}] '{r.name}': {expect}; afgegaan: {', '.join(r.fired) or 'geen'}")
    click.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    if failed:
        sys.exit(1)


@rules_cli.command("list")
@click.option("--scan", type=SCAN_TYPE, help="Alleen deze scan.")
@click.option("--all", "include_inactive", is_flag=True, help="Ook concept- en vervallen regels.")
def rules_list(scan: str | None, include_inactive: bool) -> None:
    """Toon de catalogus als tabel."""
    catalogue = _load_or_exit()
    rows = []
    for s in [scan] if scan else list(catalogue.scans):
        for rule in catalogue.rules_for(s, include_inactive=include_inactive):
            rows.append((s, rule))
    click.echo(f"{'scan':<16} {'id':<8} {'status':<10} {'categorie':<21} {'weging':>6} {'knock-out':<10} titel")
    for s, r in rows:
        click.echo(f"{s:<16} {r.id:<8} {r.status:<10} {r.category:<21} {r.weight:>6} {r.knockout or '-':<10} {r.title}")
    click.echo(f"{len(rows)} regels")


@scan_cli.command("evaluate")
@click.option("--scan", "scan", required=True, type=SCAN_TYPE, help="Het type scan.")
@click.argument("answers_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Eén JSON-object als uitvoer.")
def scan_evaluate(scan: str, answers_file: Path, as_json: bool) -> None:
    """Evalueer één set antwoorden (JSON-object: vraag-id → antwoord)."""
    answers = _read_answers(answers_file)
    _load_or_exit()
    try:
        result = catalogue_ext.evaluator.evaluate(scan, answers).to_dict()
    except AnswersInvalid as err:
        click.echo("Antwoorden geweigerd:", err=True)
        for qid, messages in sorted(err.errors.items()):
            click.echo(f"  - {qid}: {'; '.join(messages)}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    _print_result(result)


def _print_result(result: dict) -> None:
    click.echo(f"Scan: {result['scan_label']}   regelset {result['ruleset_version']}")
    click.echo(f"Context: {result['context_label']}")
    priority = f": {result['priority_label'].lower()}" if result.get("priority_label") else ""
    click.echo(f"Uitkomst: {result['outcome_label']}{priority}  ({result['indication_note']})")
    click.echo(f"Prioritering: score {result['score']}  →  risiconiveau {LEVELS[result['level']]}")
    if result["knockouts"]:
        by_score = LEVELS[result["level_by_score"]]
        click.echo(f"Knock-out: {', '.join(result['knockouts'])} (niveau op basis van score: {by_score})")
    click.echo("Vervolg: " + "; ".join(s["label"] for s in result["next_steps"]))
    for c in result["categories"]:
        if c["raw"]:
            cap = f" (begrensd op {c['cap']}, ruw {c['raw']})" if c["capped"] else ""
            click.echo(f"  {CATEGORIES[c['id']]:<40} {c['score']:>3}{cap}")
    click.echo(f"Afgegane indicatoren ({len(result['fired'])}):")
    for f in result["fired"]:
        click.echo(f"  {f['id']}  +{f['weight']}  {f['title']}")
        for t in f["triggers"]:
            click.echo(f"      · {t['label']}: {t['shown']}")


@forms_cli.command("check")
def forms_check() -> None:
    """Controleer de vragenlijsten in forms/; elke fout wordt gemeld."""
    try:
        questionnaires = load_questionnaires(Path(current_app.config["FORMS_DIR"]))
    except CatalogueError as err:
        _print_faults(err)
        sys.exit(1)
    for scan, q in questionnaires.items():
        click.echo(f"{scan:<17} versie {q.version}: {len(q.steps)} stappen, {len(q.questions)} vragen")
    click.echo("Vragenlijsten in orde.")


db_cli = AppGroup("db", help="Database: migraties uitvoeren.")


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Breng de database naar de nieuwste migratie."""
    from app.migrate import upgrade

    upgrade()
    click.echo("Database bijgewerkt.")


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Maak een nieuwe migratie uit de modellen (voor ontwikkelaars)."""
    from app.migrate import revision

    revision(message)


demo_cli = AppGroup("demo", help="Demogegevens (fictief).")


@demo_cli.command("load")
def demo_load() -> None:
    """Laad enkele fictieve voorbeeldscans (alleen de ontbrekende)."""
    from app.demo import load_demo

    created = load_demo(_load_or_exit(), catalogue_ext.evaluator)
    click.echo(f"{created} demoscan(s) en -portfolio('s) aangemaakt.")


report_cli = AppGroup("report", help="Rapporten maken en controleren.")


@report_cli.command("pdf")
@click.argument("scan_id", required=False, type=int)
@click.option("--scan", "scan_type", type=SCAN_TYPE, help="Type scan (met --answers, zonder database).")
@click.option("--answers", "answers_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--subject", default="Onbenoemd onderwerp", help="Naam van het onderwerp (met --answers).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
def report_pdf(
    scan_id: int | None, scan_type: str | None, answers_file: Path | None, subject: str, output: Path
) -> None:
    """Maak het PDF-rapport van een opgeslagen scan, of van een antwoordenbestand (--scan en --answers)."""
    from app.reports.render import render_report_pdf
    from app.services import audit
    from app.services import reports as report_svc

    if (scan_id is None) == (answers_file is None) or (answers_file is not None and scan_type is None):
        raise click.UsageError("geef een scannummer, of --scan met --answers")
    if scan_id is not None:
        scan = _stored_scan(scan_id)
        context = report_svc.context_for_result(scan, scan.latest_result)
        audit.record("pdf_exported", scan.id, user=None, result_id=scan.latest_result.id, via="opdrachtregel")
    else:
        answers = _read_answers(answers_file)
        _load_or_exit()
        try:
            context = report_svc.context_for_answers(
                catalogue_ext.evaluator, scan_type, answers, subject, "opdrachtregel"
            )
        except AnswersInvalid as err:
            for qid, messages in sorted(err.errors.items()):
                click.echo(f"  - {qid}: {'; '.join(messages)}", err=True)
            raise click.ClickException("antwoorden geweigerd") from err
    output.write_bytes(render_report_pdf(context))
    click.echo(f"Rapport geschreven: {output}")


@report_cli.command("verify")
@click.argument("scan_id", type=int, required=False)
@click.option(
    "--result", "result_id", type=int, help="Een bepaald opgeslagen resultaat (ook een eerder dan het laatste)."
)
def report_verify(scan_id: int | None, result_id: int | None) -> None:
    """Evalueer een opgeslagen resultaat opnieuw met de regelset van toen en meld of de uitkomst gelijk is.

    Zonder --result: het laatste resultaat van scan SCAN_ID.
    """
    from app.services import reproduce

    if (scan_id is None) == (result_id is None):
        raise click.UsageError("geef een scan-nummer of --result <nummer>, niet beide")
    if result_id is not None:
        result = _stored_result(result_id)
        label = f"resultaat {result_id} (scan {result.scan_id})"
    else:
        result = _stored_scan(scan_id).latest_result
        label = f"scan {scan_id}"
    try:
        outcome = reproduce.verify_result(result)
    except reproduce.ArchiveMissing as exc:
        raise click.ClickException(f"regelset {exc} is niet gearchiveerd") from exc
    if outcome.identical:
        click.echo(f"Identiek: {label} geeft met regelset {outcome.ruleset_version} dezelfde uitkomst.")
        return
    click.echo(f"NIET identiek (regelset {outcome.ruleset_version}):")
    if not outcome.fingerprint_ok:
        click.echo("  - de vingerafdruk van de antwoorden klopt niet")
    for difference in outcome.differences:
        click.echo(f"  - {difference}")
    sys.exit(1)


def _stored_result(result_id: int):
    """One stored result by id, for operator commands."""
    from app.models import ScanResult

    result = db.session.get(ScanResult, result_id)
    if result is None:
        raise click.ClickException(f"resultaat {result_id} bestaat niet")
    return result


def _stored_scan(scan_id: int):
    """A scan with a result, for operator commands (the CLI runs as the server's operator)."""
    from app.models import Scan

    scan = db.session.get(Scan, scan_id)
    if scan is None:
        raise click.ClickException(f"scan {scan_id} bestaat niet")
    if scan.latest_result is None:
        raise click.ClickException(f"scan {scan_id} is nog niet geëvalueerd")
    return scan


def _read_answers(path: Path) -> dict:
    from app.safe_input import UnsafeInput, load_json

    try:
        return load_json(path.read_bytes())
    except UnsafeInput as exc:
        message = str(exc)
        raise click.ClickException(f"{path}: {message[:1].lower()}{message[1:]}") from None


users_cli = AppGroup("users", help="Organisaties en gebruikers beheren.")


@users_cli.command("create-org")
@click.argument("name")
@click.option("--kind", type=click.Choice(["gemeente", "riec"]), required=True)
def users_create_org(name: str, kind: str) -> None:
    """Maak een organisatie (gemeente of RIEC)."""
    from app.services import accounts

    try:
        org = accounts.create_organisation(name, kind)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Organisatie {org.name} ({org.kind}) aangemaakt.")


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["bibob_officer", "tov_adviser", "jurist", "admin"]), required=True)
@click.option("--org", "org_name", required=True, help="Naam van de organisatie.")
@click.password_option("--password", help="Minstens 12 tekens; wordt gevraagd als u het weglaat.")
def users_create(email: str, name: str, role: str, org_name: str, password: str) -> None:
    """Maak een gebruiker."""
    from sqlalchemy import select

    from app.models import Organisation
    from app.services import accounts

    org = db.session.scalar(select(Organisation).where(Organisation.name == org_name))
    if org is None:
        raise click.ClickException(f"organisatie {org_name!r} bestaat niet")
    try:
        user = accounts.create_user(email, name, role, org, password)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Gebruiker {user.email} ({user.role}) aangemaakt bij {org.name}.")


retention_cli = AppGroup("retention", help="Bewaartermijn toepassen.")


@retention_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Alleen tonen wat verwijderd zou worden.")
def retention_purge(dry_run: bool) -> None:
    """Verwijder vastgestelde scans na RETENTION_DAYS en portfolio's na PORTFOLIO_RETENTION_DAYS (met auditregels)."""
    from app.services import retention

    purged = retention.purge(current_app.config["RETENTION_DAYS"], dry_run=dry_run)
    portfolios = retention.purge_portfolios(current_app.config["PORTFOLIO_RETENTION_DAYS"], dry_run=dry_run)
    verb = "zou verwijderen" if dry_run else "verwijderd"
    click.echo(f"{len(purged)} scan(s) {verb}: {', '.join(map(str, purged)) or '-'}")
    click.echo(f"{len(portfolios)} portfolio('s) {verb}: {', '.join(map(str, portfolios)) or '-'}")


@users_cli.command("token")
@click.argument("email")
@click.option("--name", default="API", help="Waarvoor het token dient (bijv. zaaksysteem).")
def users_token(email: str, name: str) -> None:
    """Maak een API-token voor een gebruiker; de waarde wordt alleen nu getoond."""
    from sqlalchemy import func, select

    from app.models import User
    from app.services import tokens

    user = db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))
    if user is None:
        raise click.ClickException(f"gebruiker {email} bestaat niet")
    token, value = tokens.create_token(user, name)
    click.echo(f"Token {token.id} ({token.prefix}…) voor {user.email}:\n{value}")


audit_cli = AppGroup("audit", help="De audittrail controleren.")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Controleer de hashketen van de audittrail: geen regel gewijzigd, verwijderd of tussengevoegd."""
    from app.services import audit

    verdict = audit.verify()
    if verdict.fault:
        click.echo(f"Audittrail NIET in orde: {verdict.fault}", err=True)
        click.echo(f"{verdict.checked} regel(s) vóór deze fout zijn in orde.", err=True)
        sys.exit(1)
    click.echo(f"Audittrail in orde: {verdict.checked} regel(s), de hashketen is ongeschonden.")


@users_cli.command("reset-2fa")
@click.argument("email")
@click.option("--by", "admin_email", required=True, help="E-mailadres van de beheerder die de reset doet.")
def users_reset_2fa(email: str, admin_email: str) -> None:
    """Reset de tweestapsverificatie van een gebruiker (beëindigt alle sessies; in de audittrail)."""
    from sqlalchemy import func, select

    from app.models import User
    from app.services import twofactor

    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    admin = db.session.scalar(select(User).where(func.lower(User.email) == admin_email.strip().lower()))
    if user is None:
        raise click.ClickException(f"gebruiker {email} bestaat niet")
    if admin is None or admin.role != "admin":
        raise click.ClickException(f"{admin_email} is geen beheerder")
    twofactor.reset(user, by=admin)
    click.echo(f"Tweestapsverificatie van {user.email} gereset; bij de volgende inlog opnieuw instellen.")


dossiers_cli = AppGroup("dossiers", help="Bibob-dossiers: termijnen en herinneringen.")


@dossiers_cli.command("reminders")
@click.option("--now", "now_text", default="", help="Moment als ISO-datum of -tijd (standaard: nu).")
def dossiers_reminders(now_text: str) -> None:
    """Herinner behandelaars aan termijnen die binnenkort verlopen of verlopen zijn (één keer per termijn; geaudit)."""
    import datetime as dt

    from app.services.dossiers import send_due_reminders

    try:
        now = dt.datetime.fromisoformat(now_text) if now_text else dt.datetime.now(dt.UTC)
    except ValueError:
        raise click.BadParameter("gebruik jjjj-mm-dd of jjjj-mm-ddTuu:mm", param_hint="--now") from None
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    made = send_due_reminders(now)
    click.echo(f"{made} herinnering(en) verstuurd.")
