"""A real browser walks one Bibob dossier from the request to the decision; the letters are downloaded and read.

The approved scan the decision rests on is prepared through the test client on the same database
(the scan wizard and the review have their own browser test in test_browser.py).
"""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader
from werkzeug.serving import make_server

from app import create_app
from app.db import db
from app.migrate import upgrade
from tests.conftest import _create_accounts
from tests.test_browser import ARTIFACTS, log_in, page  # noqa: F401  (the Chromium fixture)
from tests.test_review import submitted_scan, weigh

pytestmark = pytest.mark.browser


@pytest.fixture
def served(tmp_path, password_hash, catalogue):
    """A live server plus an approved horeca scan of gemeente Voorbeeldstad; yields (base url, scan id)."""
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'dossier.sqlite3'}"})
    with app.app_context():
        upgrade()
        _create_accounts(password_hash)
    _, jurist, scan_id = submitted_scan(app, catalogue)
    weigh(jurist, scan_id)
    jurist.post(f"/scans/{scan_id}/beoordeling/besluit", data={"besluit": "vaststellen", "opmerkingen": "Akkoord."})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", scan_id
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


def download(page, link) -> bytes:  # noqa: F811
    with page.expect_download() as info:
        link.click()
    return Path(info.value.path()).read_bytes()


def pdf_text(data: bytes) -> str:
    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def record(page, kind: str, on: str, conclusion: str = "") -> None:  # noqa: F811
    page.locator("#e-kind").select_option(label=kind)
    page.locator("#e-on").fill(on)
    if conclusion:
        page.locator("#e-conclusion").select_option(label=conclusion)
    page.get_by_role("button", name="Gebeurtenis vastleggen").click()


def test_officer_walks_a_dossier_from_request_to_decision(served, page):  # noqa: F811
    base, scan_id = served
    ARTIFACTS.mkdir(exist_ok=True)
    log_in(page, base, "officer")
    assert page.get_by_role("heading", name="Mijn termijnen").is_visible()
    page.get_by_role("link", name="Nieuw dossier").click()
    page.get_by_label("Welk besluit ligt voor?").select_option(label="Aanvraag van een beschikking (vergunning)")
    page.get_by_label("Omschrijving van het besluit").fill("exploitatievergunning, Teststraat 1")
    page.get_by_label("Branche").fill("horeca")
    page.get_by_label("Zaaknummer (kenmerk)").fill("Z-BROWSER-1")
    page.get_by_label("Aanvrager (betrokkene)").fill("Café De Browsertest (fictief)")
    page.get_by_label("Aanvraag ontvangen op").fill("2026-09-01")
    page.get_by_role("button", name="Dossier openen").click()
    assert page.get_by_role("heading", name="Dossier Z-BROWSER-1: Café De Browsertest (fictief)").is_visible()

    page.get_by_label("Nummer van de scan").fill(str(scan_id))
    page.get_by_role("button", name="Scan koppelen").click()
    assert "gebruikt in dit dossier" in page.locator("main").inner_text()

    page.locator("#b-vragenlijst-on").fill("2026-09-02")
    page.get_by_role("button", name="Verzoek om het Bibob-vragenformulier: brief maken").click()
    letter = pdf_text(download(page, page.get_by_role("link", name="PDF").last))
    assert "16-09-2026" in letter and "VERTROUWELIJK" in letter
    record(page, "Ingevulde vragenlijst ontvangen", "2026-09-14")

    record(page, "Advies Landelijk Bureau Bibob gevraagd", "2026-09-21")
    page.locator("#b-art32-on").fill("2026-09-21")
    page.get_by_role("button", name="Mededeling adviesaanvraag Landelijk Bureau Bibob: brief maken").click()
    assert "16-11-2026" in pdf_text(download(page, page.get_by_role("link", name="PDF").last))
    record(page, "Advies Landelijk Bureau Bibob ontvangen", "2026-10-26", conclusion="Mindere mate van gevaar")
    termijnen = page.locator("section[aria-labelledby=h-termijnen]").inner_text()
    # 1-9 + 8 weeks = 27-10, + 35 days suspended during the LBB request (art. 31) = Tue 1-12-2026.
    assert "01-12-2026" in termijnen and "Voldaan" in termijnen

    page.locator("#b-zienswijze-on").fill("2026-10-28")
    page.get_by_role("button", name="Uitnodiging om een zienswijze te geven: brief maken").click()
    docx = download(page, page.get_by_role("link", name="Word (.docx)").last)
    words = "\n".join(p.text for p in Document(io.BytesIO(docx)).paragraphs)
    assert "ALG-001" in words and "art. 22 AVG" in words and "11-11-2026" in words

    page.locator("#z-datum").fill("2026-11-05")
    page.locator("#z-samenvatting").fill("De lening is terugbetaald.")
    page.locator("#zienswijze-form").get_by_label("ALG-005", exact=False).check()
    page.get_by_role("button", name="Zienswijze vastleggen").click()
    assert page.get_by_role("table", name="Effect als de betwiste indicatoren niet meetellen").is_visible()

    page.get_by_label("Besluit", exact=True).select_option(label="Verleend met voorschriften (art. 3 lid 7 Wet Bibob)")
    page.get_by_label("Grond (conclusie van het bestuursorgaan)").select_option(
        label="Mindere mate van gevaar (art. 3 lid 7 Wet Bibob)"
    )
    page.get_by_label("Datum van het besluit").fill("2026-11-20")
    page.get_by_label("Besloten door").fill("de burgemeester")
    page.get_by_role("button", name="Besluit vastleggen").click()
    body = page.locator("main").inner_text()
    assert "Dossier en scan zijn samen bevroren." in body and "ongewijzigd" in body
    registration = json.loads(download(page, page.get_by_role("link", name="Registratie (JSON)")))
    assert registration["registratie"]["besluit"].startswith("Verleend met voorschriften")
    page.get_by_role("button", name="Samenvatting van het besluit: brief maken").click()
    assert "bezwaar" in pdf_text(download(page, page.get_by_role("link", name="PDF").last))
    page.screenshot(path=str(ARTIFACTS / "dossier-besloten.png"), full_page=True)

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Dossiers").click()
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Stuurinformatie").click()
    assert page.locator("figure.chart svg").count() >= 2
    page.screenshot(path=str(ARTIFACTS / "dossier-stuurinformatie.png"), full_page=True)
