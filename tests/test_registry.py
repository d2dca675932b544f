"""Scan types are discovered from data (app/rules/registry.py): no Python names a scan, and a sixth scan
added as files only (a copy of forms/ and rules/ in a temporary folder) is served end to end."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from app import create_app
from app.db import db
from app.extensions import catalogue as catalogue_ext
from app.migrate import upgrade
from app.models import Scan
from app.paths import ROOT
from app.rules.errors import CatalogueError
from app.rules.loader import load_catalogue
from app.rules.registry import discover_scans
from tests.conftest import SCANS, ScanActions, _create_accounts

#: Where Python may not name a scan type (tests are users of the data and may).
CODE = [ROOT / "app", ROOT / "scripts", ROOT / "bench", ROOT / "wsgi.py"]


def _python_files() -> list[Path]:
    return sorted(p for base in CODE for p in ([base] if base.is_file() else base.rglob("*.py")))


def _scan_mentions(path: Path, scans: set[str]) -> list[str]:
    """String constants in `path` that are, or are built around, a scan id.

    A constant counts when it equals a scan id, or is one token (no white space) with a scan id as one
    of its parts (`forms/horeca.yaml`, `horeca-register.csv`, `horeca_v2`). Text with spaces (Dutch
    prose, docstrings, messages such as "risicolocaties, vastgoed en bedrijventerreinen") is exempt:
    there the word is the domain, not a reference to a scan type; prose that lists two or more scans is
    caught by `test_no_prose_lists_the_scans_by_hand` instead. Comments are not in the AST at all.
    """
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and not re.search(r"\s", node.value):
            parts = set(re.split(r"[^a-z0-9]+", node.value.lower())) | {node.value}
            where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
            found += [f"{where}:{node.lineno}: {node.value!r}" for _ in parts & scans][:1]
    return found


def test_no_python_file_names_a_scan():
    """The issue's acceptance test: the scan ids come from forms/ and rules/, never from code."""
    scans = set(SCANS)
    assert len(scans) >= 4
    mentions = [m for path in _python_files() for m in _scan_mentions(path, scans)]
    assert mentions == []


def test_the_check_would_see_a_scan_named_in_code(tmp_path):
    """The literal check is not vacuous: it finds a scan id as a key and as a part of a path."""
    scan = next(iter(SCANS))
    sample = tmp_path / "sample.py"
    sample.write_text(
        f'X = {{"{scan}": 1}}\nY = "forms/{scan}.yaml"\nZ = "een {scan} in proza"\n"""Over {scan} in het algemeen."""\n'
    )
    assert len(_scan_mentions(sample, set(SCANS))) == 2


def _prose_listing_scans(text: str, names: dict[str, set[str]]) -> set[str]:
    """The scans a piece of prose names, by id or label, as whole words (a plural counts: "risicolocaties")."""
    found = set()
    for scan, words in names.items():
        pattern = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        if re.search(rf"(?<![\w-])(?:{pattern})(?:s|en|'s)?(?![\w-])", text, flags=re.I):
            found.add(scan)
    return found


def _scan_names() -> dict[str, set[str]]:
    from app.paths import FORMS_DIR, RULES_DIR

    return {t.id: {t.id, t.label} for t in discover_scans(FORMS_DIR, RULES_DIR).types}


def _prose_lists(path: Path, names: dict[str, set[str]]) -> list[str]:
    """Strings (Python) or lines (templates) of `path` that list two or more scans by hand."""
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    if path.suffix == ".py":
        texts = [
            (node.lineno, node.value)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path)))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        ]
    else:
        texts = list(enumerate(path.read_text(encoding="utf-8").splitlines(), start=1))
    return [f"{where}:{n}: {sorted(found)}" for n, text in texts if len(found := _prose_listing_scans(text, names)) > 1]


def test_no_prose_lists_the_scans_by_hand():
    """A sentence naming two or more scans goes stale when a scan is added or removed: build it from the
    registry (as the Algoritmeregister purpose does) or make it generic. One domain word alone is fine."""
    names = _scan_names()
    templates = sorted((ROOT / "templates").rglob("*.html"))
    listed = [m for path in [*_python_files(), *templates] for m in _prose_lists(path, names)]
    assert listed == []


def test_the_prose_check_would_see_a_hand_made_list(tmp_path):
    names = _scan_names()
    first, second = list(names)[:2]
    sample = tmp_path / "sample.py"
    sample.write_text(f'A = "controles op {first}s en {second}"\nB = "alleen {first} hier"\nC = "{first}x {second}y"\n')
    assert [m.split(":")[1] for m in _prose_lists(sample, names)] == ["1"]
    page = tmp_path / "page.html"
    page.write_text(f"<p>bijv. {first.capitalize()}, {second}</p>\n<p>{first}</p>\n")
    assert len(_prose_lists(page, names)) == 1


def test_registry_reads_the_repository():
    from app.paths import FORMS_DIR, RULES_DIR

    registry = discover_scans(FORMS_DIR, RULES_DIR)
    orders = [t.order for t in registry.types]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)
    prefixes = [t.prefix for t in registry.types]
    assert len(set(prefixes)) == len(prefixes) and "ALG" not in prefixes
    assert all(re.fullmatch(registry.rule_id_pattern, f"{p}-001") for p in [*prefixes, "ALG"])
    assert not re.fullmatch(registry.rule_id_pattern, "XX-001")


# --- a sixth scan, as files only --------------------------------------------------------------------------

SIXTH = "proefscan"
SIXTH_FORM = """\
scan: proefscan
version: 1
title: Proefscan (fixture)
order: 60
intro: Een kleine scan die alleen als bestanden bestaat.
steps:
  - id: object
    title: Het object
    questions:
      - id: besluit
        label: Welk besluit ligt voor?
        type: keuze
        required: true
        options:
          - {value: vergunning, label: "Vergunning"}
          - {value: geen, label: "Geen besluit (signaal)"}
      - id: contant_betaald
        label: Is de koopsom contant betaald?
        type: ja_nee
      - id: eigenaarswisselingen
        label: Aantal eigenaarswisselingen in drie jaar
        type: getal
        min: 0
        max: 50
"""
SIXTH_SCORING = """\
scan: proefscan
version: 1
id_prefix: ZZ
context:
  default: onbekend
  when:
    - context: beschikking_aanvraag
      condition: {question: besluit, equals: vergunning}
    - context: geen_bibob_besluit
      condition: {question: besluit, equals: geen}
essential: [contant_betaald]
categories:
  eigendom_zeggenschap: {cap: 18}
  financiering: {cap: 20}
  antecedenten: {cap: 20}
  exploitatie: {cap: 16}
  locatie_pand: {cap: 12}
  gedrag_aanvraag: {cap: 14}
levels:
  - {level: laag, min_score: 0}
  - {level: verhoogd, min_score: 4}
  - {level: hoog, min_score: 10}
  - {level: zeer_hoog, min_score: 20}
indications:
  laag: geen_aanwijzingen
  verhoogd: nader_onderzoek
  hoog: indicatie_mindere_mate
  zeer_hoog: indicatie_ernstig_gevaar
"""


def sixth_rule(rule_id: str, title: str, condition: str, fires: str, not_fires: str) -> str:
    return f"""\
id: {rule_id}
version: 1
status: active
title: {title}
description: >
  Een indicator van de proefscan, alleen om te bewijzen dat een scan uit bestanden bestaat.
scans: [proefscan]
category: financiering
weight: 5
knockout: null
bibob_grounds: [geen]
role: signaal
legal_basis: []
condition: {condition}
advice: >
  Vraag naar de herkomst van het geld en leg de uitleg vast in het dossier.
sources:
  - source: praktijk_werkhypothese
tests:
  fires:
    - name: gaat af
      answers: {fires}
  does_not_fire:
    - name: gaat niet af
      answers: {not_fires}
"""


def add_sixth_scan(scratch, prefix: str = "ZZ") -> None:
    scratch.write(f"forms/{SIXTH}.yaml", SIXTH_FORM)
    scratch.write(f"rules/{SIXTH}/scoring.yaml", SIXTH_SCORING.replace("id_prefix: ZZ", f"id_prefix: {prefix}"))
    scratch.write(
        f"rules/{SIXTH}/{prefix}-001.yaml",
        sixth_rule(
            f"{prefix}-001",
            "Contant betaalde koopsom",
            "{question: contant_betaald, equals: true}",
            "{contant_betaald: true}",
            "{contant_betaald: false}",
        ),
    )
    scratch.write(
        f"rules/{SIXTH}/{prefix}-002.yaml",
        sixth_rule(
            f"{prefix}-002",
            "Veel eigenaarswisselingen",
            "{question: eigenaarswisselingen, gte: 3}",
            "{eigenaarswisselingen: 4}",
            "{eigenaarswisselingen: 1}",
        ),
    )


def tree_app(tmp_path, scratch):
    """An app on the scratch copy of forms/ and rules/, with its own SQLite database."""
    database = f"sqlite:///{tmp_path / 'tree.sqlite3'}"
    return create_app(
        {"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": database, "RULES_DIR": str(scratch.rules)}
        | {"FORMS_DIR": str(scratch.forms)}
    )


@pytest.fixture
def sixth_app(tmp_path, scratch, password_hash):
    add_sixth_scan(scratch)
    app = tree_app(tmp_path, scratch)
    with app.app_context():
        upgrade()
        _create_accounts(password_hash)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_sixth_scan_is_served_without_touching_python(sixth_app):
    app = sixth_app
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    enum = spec["components"]["schemas"]["ScanCreate"]["properties"]["scan_type"]["enum"]
    assert enum[-1] == SIXTH and set(SCANS) < set(enum)  # the OpenAPI enum comes from the registry

    with app.app_context():
        registry = catalogue_ext.scans
        assert registry[SIXTH].prefix == "ZZ" and registry.ids[-1] == SIXTH
        questionnaires = catalogue_ext.load().questionnaires
    scans = ScanActions(app.test_client(), questionnaires)  # logs in as the gemeente officer
    client = scans.client
    choice = client.get("/scans/nieuw").get_data(as_text=True)
    assert 'value="proefscan"' in choice and "Proefscan (fixture)" in choice

    scan_id = scans.start(SIXTH, name="Pand De Proef (fictief)")
    scans.fill(scan_id, SIXTH, {"besluit": "vergunning", "contant_betaald": True, "eigenaarswisselingen": 4})
    assert scans.evaluate(scan_id).status_code == 302
    with app.app_context():
        snapshot = db.session.get(Scan, scan_id).latest_result.snapshot
    assert snapshot["scan_label"] == "Proefscan (fixture)" and snapshot["context"] == "beschikking_aanvraag"
    assert sorted(f["id"] for f in snapshot["fired"]) == ["ZZ-001", "ZZ-002"]
    assert "Proefscan (fixture)" in client.get(f"/scans/{scan_id}/resultaat").get_data(as_text=True)

    from tests.test_api import token_for

    headers = {"Authorization": f"Bearer {token_for(app, 'officer')}"}
    listed = client.get("/api/v1/scan-types", headers=headers).get_json()
    assert [t["id"] for t in listed][-1] == SIXTH and listed[-1]["label"] == "Proefscan (fixture)"

    columns = client.get(f"/portfolio/kolommen/{SIXTH}")
    assert columns.status_code == 200 and "eigenaarswisselingen" in columns.get_data(as_text=True)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["rules", "lock"]).exit_code == 0  # step 5 of docs/scan-toevoegen.md
    checked = runner.invoke(args=["rules", "check"])
    assert checked.exit_code == 0 and "Catalogus in orde." in checked.output, checked.output
    assert re.search(rf"(?m)^{SIXTH} +2 actieve indicatoren", checked.output)
    tested = runner.invoke(args=["rules", "test"])
    assert tested.exit_code == 0, tested.output
    listed_rules = runner.invoke(args=["rules", "list", "--scan", SIXTH])
    assert listed_rules.exit_code == 0 and "ZZ-001" in listed_rules.output
    refused = runner.invoke(args=["rules", "list", "--scan", "bestaatniet"])
    assert refused.exit_code != 0 and "is geen scan" in refused.output


def refused_faults(scratch) -> list[str]:
    with pytest.raises(CatalogueError) as err:
        scratch.load()
    return [str(f) for f in err.value.faults]


def test_a_form_without_scoring_is_refused(scratch):
    add_sixth_scan(scratch)
    (scratch.rules / SIXTH / "scoring.yaml").unlink()
    assert f"rules/{SIXTH}/scoring.yaml: scorebeleid voor deze scan ontbreekt" in refused_faults(scratch)


def test_scoring_without_a_form_is_refused(scratch):
    add_sixth_scan(scratch)
    (scratch.forms / f"{SIXTH}.yaml").unlink()
    assert f"forms/{SIXTH}.yaml: vragenlijst ontbreekt" in refused_faults(scratch)


def test_a_duplicate_prefix_is_refused(scratch):
    taken = next(iter(discover_scans(scratch.forms, scratch.rules).types))
    add_sixth_scan(scratch, prefix=taken.prefix)
    faults = refused_faults(scratch)
    assert any(
        f.startswith(f"rules/{SIXTH}/scoring.yaml: id_prefix: {taken.prefix} is al het voorvoegsel van scan")
        for f in faults
    ), faults


def test_a_rule_with_the_wrong_prefix_is_refused(scratch):
    add_sixth_scan(scratch)
    scratch.edit(f"rules/{SIXTH}/ZZ-002.yaml", "id: ZZ-002", "id: ZY-002")
    (scratch.rules / SIXTH / "ZZ-002.yaml").rename(scratch.rules / SIXTH / "ZY-002.yaml")
    faults = refused_faults(scratch)
    assert any(f.startswith(f"rules/{SIXTH}/ZY-002.yaml: id: onbekend voorvoegsel") for f in faults), faults
    other = next(t for t in discover_scans(scratch.forms, scratch.rules).types if t.id != SIXTH)
    scratch.edit(f"rules/{SIXTH}/ZY-002.yaml", "id: ZY-002", f"id: {other.prefix}-002")
    (scratch.rules / SIXTH / "ZY-002.yaml").rename(scratch.rules / SIXTH / f"{other.prefix}-002.yaml")
    expected = f"een regel in {SIXTH}/ heeft een id ZZ-nnn (id_prefix in rules/{SIXTH}/scoring.yaml)"
    assert f"rules/{SIXTH}/{other.prefix}-002.yaml: id: {expected}" in refused_faults(scratch)


def test_a_missing_order_or_prefix_is_refused(scratch):
    add_sixth_scan(scratch)
    scratch.edit(f"forms/{SIXTH}.yaml", "order: 60\n", "")
    scratch.edit(f"rules/{SIXTH}/scoring.yaml", "id_prefix: ZZ\n", "")
    faults = refused_faults(scratch)
    assert f"forms/{SIXTH}.yaml: order: verplicht veld ontbreekt" in faults
    assert f"rules/{SIXTH}/scoring.yaml: id_prefix: verplicht veld ontbreekt" in faults


def test_a_broken_sixth_scan_leaves_the_app_without_a_half_loaded_catalogue(tmp_path, scratch):
    """create_app still starts (so `rules check` can report), but nothing is served from a broken set."""
    add_sixth_scan(scratch)
    (scratch.rules / SIXTH / "scoring.yaml").unlink()
    app = tree_app(tmp_path, scratch)
    state = app.extensions["bibob_catalogue"]
    assert "scans" not in state and "catalogue" not in state
    result = app.test_cli_runner().invoke(args=["rules", "check"])
    assert result.exit_code == 1
    assert f"rules/{SIXTH}/scoring.yaml: scorebeleid voor deze scan ontbreekt" in result.output
    assert "catalogue" not in app.extensions["bibob_catalogue"]


def test_an_archive_from_before_the_registry_keys_still_loads(scratch):
    """Stored results verify against their archived files, which predate `order` and `id_prefix`."""
    for path in scratch.forms.glob("*.yaml"):
        if not path.name.startswith("_"):
            path.write_text(re.sub(r"(?m)^order: \d+\n", "", path.read_text(encoding="utf-8")), encoding="utf-8")
    for path in scratch.rules.glob("*/scoring.yaml"):
        path.write_text(re.sub(r"(?m)^id_prefix: \w+\n", "", path.read_text(encoding="utf-8")), encoding="utf-8")
    faults = refused_faults(scratch)  # today's files must carry both keys
    assert any(f.endswith("order: verplicht veld ontbreekt") for f in faults)
    archived = load_catalogue(scratch.rules, scratch.forms, strict=False)
    assert sorted(archived.scans.ids) == sorted(SCANS)
    assert all(t.prefix == "" for t in archived.scans.types)


def test_the_openapi_enum_follows_the_app_being_created(tmp_path, scratch):
    """A document written for an earlier app (with other scans) does not leak into the next app's."""

    def enum(app) -> list[str]:
        spec = app.test_client().get("/api/v1/openapi.json").get_json()
        return spec["components"]["schemas"]["ScanCreate"]["properties"]["scan_type"]["enum"]

    first = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'first.sqlite3'}"})
    assert enum(first) == list(SCANS)
    add_sixth_scan(scratch)
    assert enum(tree_app(tmp_path, scratch)) == [*SCANS, SIXTH]


def test_the_guide_to_adding_a_scan_is_true(scratch):
    """docs/scan-toevoegen.md, followed literally: its two YAML files (and one indicator) load as a new scan.

    Catches a stale example, such as an `order:` or `id_prefix:` that another scan has taken since."""
    guide = (ROOT / "docs" / "scan-toevoegen.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", guide, flags=re.S)
    form = next(b for b in blocks if b.startswith("scan: jachthaven") and "steps:" in b)
    scoring = next(b for b in blocks if b.startswith("scan: jachthaven") and "id_prefix:" in b)
    scratch.write("forms/jachthaven.yaml", form)
    scratch.write("rules/jachthaven/scoring.yaml", scoring)
    rule = sixth_rule("JH-001", "Geen besluit", "{question: besluit, equals: geen}", "{besluit: geen}", "{}")
    scratch.write("rules/jachthaven/JH-001.yaml", rule.replace("scans: [proefscan]", "scans: [jachthaven]"))
    catalogue = scratch.load()
    assert catalogue.scans.ids[-1] == "jachthaven" and catalogue.scans["jachthaven"].prefix == "JH"
