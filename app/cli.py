"""Command line: `flask --app wsgi rules|scan|forms …` (output in Dutch, for the people who run it)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.engine.evaluator import AnswersInvalid
from app.engine.selftest import run_rule_tests
from app.extensions import catalogue as catalogue_ext
from app.forms.loader import load_questionnaires
from app.rules.errors import CatalogueError
from app.rules.vocabulary import CATEGORIES, LEVELS, SCANS

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
    """Controleer alle regel-, score- en vragenlijstbestanden; elke fout wordt gemeld."""
    catalogue = _load_or_exit()
    for scan in SCANS:
        active = catalogue.rules_for(scan)
        total = len(catalogue.rules_for(scan, include_inactive=True))
        click.echo(
            f"{scan:<17} {len(active):>3} actieve indicatoren ({total} totaal)  versie {catalogue.version(scan)}"
        )
    click.echo("Catalogus in orde.")


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
@click.option("--scan", type=click.Choice(list(SCANS)), help="Alleen deze scan.")
@click.option("--all", "include_inactive", is_flag=True, help="Ook concept- en vervallen regels.")
def rules_list(scan: str | None, include_inactive: bool) -> None:
    """Toon de catalogus als tabel."""
    catalogue = _load_or_exit()
    rows = []
    for s in [scan] if scan else list(SCANS):
        for rule in catalogue.rules_for(s, include_inactive=include_inactive):
            rows.append((s, rule))
    click.echo(f"{'scan':<16} {'id':<8} {'status':<10} {'categorie':<21} {'weging':>6} {'knock-out':<10} titel")
    for s, r in rows:
        click.echo(f"{s:<16} {r.id:<8} {r.status:<10} {r.category:<21} {r.weight:>6} {r.knockout or '-':<10} {r.title}")
    click.echo(f"{len(rows)} regels")


@scan_cli.command("evaluate")
@click.option("--scan", "scan", required=True, type=click.Choice(list(SCANS)), help="Het type scan.")
@click.argument("answers_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Eén JSON-object als uitvoer.")
def scan_evaluate(scan: str, answers_file: Path, as_json: bool) -> None:
    """Evalueer één set antwoorden (JSON-object: vraag-id → antwoord)."""
    try:
        answers = json.loads(answers_file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.ClickException(f"{answers_file} is geen geldige JSON: {exc}") from exc
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
    click.echo(f"Score {result['score']}  →  risiconiveau {LEVELS[result['level']]}  →  {result['outcome_label']}")
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
    click.echo(f"{created} demoscan(s) aangemaakt.")
