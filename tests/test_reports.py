"""The advice report: PDF text for every scan type, reproducibility, the URL fetcher, the CLI."""

import io
import json

import pytest
from pypdf import PdfReader

from app import create_app
from app.db import db
from app.migrate import upgrade
from app.models import ScanResult
from app.reports.render import STATIC_PREFIX, RefusedResource, StaticOnlyFetcher
from tests.conftest import SCANS
from tests.test_wizard import COMMON, REQUIRED, SPECIFIC


def pdf_text(data: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def evaluated_scan(scans, scan_type: str) -> int:
    scan_id = scans.start(scan_type)
    scans.fill(scan_id, scan_type, REQUIRED[scan_type] | COMMON | SPECIFIC[scan_type][0])
    assert scans.evaluate(scan_id).status_code == 302
    return scan_id


@pytest.mark.parametrize("scan_type", list(SCANS))
def test_pdf_holds_the_key_facts(app, scans, scan_type):
    scan_id = evaluated_scan(scans, scan_type)
    response = scans.client.get(f"/scans/{scan_id}/rapport.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    text, pages = pdf_text(response.data)
    with app.app_context():
        result = db.session.scalars(db.select(ScanResult)).one()
        fired = [f["id"] for f in result.snapshot["fired"]]
        flat = " ".join(text.split())
        assert f"score {result.score}" in flat
        assert f"risiconiveau {result.snapshot['level_label'].lower()}" in flat
        assert result.snapshot["outcome_label"] in flat and "Context: " in flat
        assert "Indicatie – geen conclusie in de zin van de Wet Bibob" in flat or "Prioriteit voor controle" in flat
        assert "Bibob-conclusie" not in flat
        assert result.ruleset_version in text and result.answers_hash[:16] in text
    for rule_id in fired:
        assert rule_id in text
    assert text.count("Vertrouwelijk – Wet Bibob art. 28") >= pages
    assert f"Pagina 1 van {pages}" in text and f"Pagina {pages} van {pages}" in text
    assert "art. 3 lid 5 Wet Bibob" in text and "Concept" in text
    assert text.count("CONCEPT") >= pages  # a draft says so on every page
    assert "niet verder verstrekken dan art. 28 lid 2 wet bibob toestaat" in " ".join(text.lower().split())


def test_html_view_is_the_same_report(scans):
    scan_id = evaluated_scan(scans, "horeca")
    page = scans.client.get(f"/scans/{scan_id}/rapport").get_data(as_text=True)
    assert "Bibob-risicoadvies" in page and "HOR-009" in page and f"/scans/{scan_id}/rapport.pdf" in page
    assert "Oordeel beoordelaar" in page and "Bijlage: ingevulde antwoorden" in page


def test_no_report_without_an_evaluation_or_a_scan(scans):
    scan_id = scans.start("vastgoed")
    assert scans.client.get(f"/scans/{scan_id}/rapport").status_code == 404
    assert scans.client.get(f"/scans/{scan_id}/rapport.pdf").status_code == 404
    assert scans.client.get("/scans/4242/rapport.pdf").status_code == 404


def test_a_rule_change_after_evaluation_does_not_change_the_report(tmp_path, scratch, catalogue, password_hash):
    config = {
        "ENV_NAME": "testing",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'r.sqlite3'}",
        "RULES_DIR": str(scratch.rules),
        "FORMS_DIR": str(scratch.forms),
    }
    before = create_app(config)
    from tests.conftest import ScanActions, _create_accounts, login

    with before.app_context():
        upgrade()
        _create_accounts(password_hash)

    scans = ScanActions(before.test_client(), catalogue.questionnaires)
    scan_id = evaluated_scan(scans, "horeca")
    old_text, _ = pdf_text(scans.client.get(f"/scans/{scan_id}/rapport.pdf").data)

    scratch.edit("rules/horeca/HOR-009.yaml", "weight: 4", "weight: 9")  # the rules change afterwards
    after = create_app(config)
    client = after.test_client()
    login(client, "officer")
    new_text, _ = pdf_text(client.get(f"/scans/{scan_id}/rapport.pdf").data)
    with after.app_context():
        stored_version = db.session.get(ScanResult, 1).ruleset_version
    current_version = after.extensions["bibob_catalogue"]["catalogue"].version("horeca")
    assert stored_version != current_version
    flat_new, flat_old = " ".join(new_text.split()), " ".join(old_text.split())
    notice = (
        "De catalogus is sinds deze evaluatie gewijzigd. Dit rapport is gemaakt met regelset "
        f"{stored_version} en toont de uitkomst zoals die toen was; de huidige regelset is {current_version}. "
    )
    assert notice in flat_new and notice not in flat_old  # the old and the new version, named
    # Otherwise the report as it was stored: the same words, whatever page they now fall on.
    furniture = ("CONCEPT", "Vertrouwelijk", "Regelset", "vingerafdruk", "Pagina", "Categorie Punten Plafond Telt mee")

    def words(text: str) -> list[str]:
        lines = [line for line in text.splitlines() if line.strip() and not line.strip().startswith(furniture)]
        return sorted(" ".join(lines).replace(notice.strip(), "").split())

    assert words(new_text) == words(old_text)
    assert "HOR-009 Overnamesom past niet bij de verwachte omzet +4" in flat_new
    page = client.get(f"/scans/{scan_id}/resultaat").get_data(as_text=True)
    assert "De regels zijn sinds deze evaluatie gewijzigd" in page
    assert f"<code>{stored_version}</code>" in page and f"<code>{current_version}</code>" in page

    runner = after.test_cli_runner()
    verified = runner.invoke(args=["report", "verify", str(scan_id)])
    assert verified.exit_code == 0 and "Identiek" in verified.output
    with after.app_context():
        result = db.session.get(ScanResult, 1)
        result.snapshot = {**result.snapshot, "score": result.snapshot["score"] + 1}  # tamper with the record
        db.session.commit()
    tampered = runner.invoke(args=["report", "verify", str(scan_id)])
    assert tampered.exit_code == 1 and "NIET identiek" in tampered.output and "verschil in 'score'" in tampered.output


def test_the_pdf_fetcher_serves_only_the_apps_static_files():
    fetcher = StaticOnlyFetcher()
    assert b"@page" in fetcher.fetch(STATIC_PREFIX + "report.css").read()
    for url in (
        "file:///etc/passwd",
        "http://example.org/x.css",
        STATIC_PREFIX + "../app/config.py",
        "data:text/css,body{}",
        STATIC_PREFIX + "bestaat-niet.css",
    ):
        with pytest.raises(RefusedResource):
            fetcher.fetch(url)


def test_cli_pdf_from_an_answers_file_needs_no_database(tmp_path, runner):
    answers = tmp_path / "a.json"
    found = {"rol_betrokkene": "huurder", "vondsten_controle": ["vals_geld"], "vondst_eigen_ruimte": True}
    answers.write_text(json.dumps(found | {"huur_contant": True}), encoding="utf-8")
    out = tmp_path / "r.pdf"
    result = runner.invoke(
        args=[
            "report",
            "pdf",
            "--scan",
            "bedrijventerrein",
            "--answers",
            str(answers),
            "--subject",
            "Loods 4 (fictief)",
            "-o",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    text, _ = pdf_text(out.read_bytes())
    assert "Loods 4 (fictief)" in text and "BT-001" in text and "BT-006" in text and "Zeer hoog" in text
    bad = runner.invoke(args=["report", "pdf", "--scan", "bedrijventerrein", "-o", str(out)])
    assert bad.exit_code != 0 and "geef een scannummer" in bad.output


def test_cli_pdf_of_a_stored_scan(app, scans, tmp_path):
    scan_id = evaluated_scan(scans, "vastgoed")
    out = tmp_path / "s.pdf"
    result = app.test_cli_runner().invoke(args=["report", "pdf", str(scan_id), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "VG-001" in pdf_text(out.read_bytes())[0]
    missing = app.test_cli_runner().invoke(args=["report", "pdf", "999", "-o", str(out)])
    assert missing.exit_code == 1 and "scan 999 bestaat niet" in missing.output
