"""A real browser (Debian's Chromium, headless, driven by Playwright) walks a horeca scan to its result."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.db import db
from app.migrate import upgrade
from app.paths import EXAMPLES_DIR
from tests.conftest import PASSWORD, USERS, _create_accounts

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def live_server(tmp_path, password_hash):
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'browser.sqlite3'}"})
    with app.app_context():
        upgrade()
        _create_accounts(password_hash)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def page():
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing on CI (scripts/browser-deps.sh installs it)")
        pytest.skip("Chromium is not installed (run scripts/browser-deps.sh)")
    from playwright.sync_api import sync_playwright

    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="nl-NL")
        yield context.new_page()
        browser.close()


def test_officer_walks_a_horeca_scan_to_the_result(live_server, page):
    ARTIFACTS.mkdir(exist_ok=True)
    log_in(page, live_server, "officer")
    page.get_by_role("link", name="Start horecascan").click()
    page.get_by_label("Naam van de onderneming, inrichting of het object").fill("Café De Browsertest (fictief)")
    page.get_by_role("button", name="Start de scan").click()

    page.get_by_label("Exploitatie- en Alcoholwetvergunning").check()
    page.get_by_label("Café of bar").check()
    page.get_by_role("group", name="Gaat het om de overname van een bestaande zaak?").get_by_label("Ja").check()
    page.get_by_label("Overnamesom (goodwill en inventaris)").fill("200.000")
    page.get_by_role("button", name="Volgende stap").click()

    page.get_by_label("Besloten vennootschap").check()
    page.get_by_role("button", name="Volgende stap").click()
    page.get_by_role("group", name="Zijn er aanwijzingen dat een ander").get_by_label("Ja").check()
    page.get_by_role("button", name="Volgende stap").click()
    page.get_by_label("Lening of inbreng in contant geld").check()
    page.get_by_role("button", name="Volgende stap").click()
    page.get_by_role("button", name="Volgende stap").click()  # zakelijke relaties
    page.get_by_role("button", name="Volgende stap").click()  # antecedenten

    page.get_by_label("Aantal zitplaatsen").fill("veel")
    page.get_by_role("button", name="Volgende stap").click()
    assert page.get_by_role("alert").is_visible()
    assert page.get_by_label("Aantal zitplaatsen").input_value() == "veel"
    page.get_by_label("Aantal zitplaatsen").fill("30")
    page.get_by_label("Verwachte jaaromzet").fill("90.000")
    page.get_by_role("button", name="Volgende stap").click()
    page.get_by_role("button", name="Volgende stap").click()  # schouw
    page.get_by_label("Volledig", exact=True).check()
    page.get_by_role("button", name="Naar het overzicht").click()

    page.get_by_role("button", name="Evalueer de scan").click()
    page.wait_for_url("**/resultaat")
    body = page.locator("main").inner_text()
    for rule_id in ("ALG-001", "ALG-005", "HOR-009"):
        assert rule_id in body
    assert "Context: Aanvraag van een beschikking" in body and "Indicatie – geen conclusie" in body
    assert "Bibob-conclusie" not in body
    page.screenshot(path=str(ARTIFACTS / "horeca-resultaat.png"), full_page=True)
    assert (ARTIFACTS / "horeca-resultaat.png").stat().st_size > 10_000

    # The officer submits; a jurist logs in, rebuts one indicator and approves.
    page.get_by_role("button", name="Indienen voor beoordeling").click()
    assert "Ingediend voor beoordeling" in page.locator("main").inner_text()
    page.get_by_role("button", name="Uitloggen").click()
    log_in(page, live_server, "jurist")
    page.get_by_role("link", name="Beoordeling").click()
    page.get_by_role("link", name="Café De Browsertest (fictief)").click()
    card = page.locator("#ind-HOR-009")
    card.get_by_label("Weerlegd").check()
    card.get_by_label("Reden van weerlegging (verplicht bij weerleggen)").fill(
        "Zienswijze: taxatierapport onderbouwt de overnamesom."
    )
    card.get_by_role("button", name="Oordeel over HOR-009 opslaan").click()
    assert page.get_by_role("heading", name="Effect van de weerlegging").is_visible()
    page.get_by_role("button", name="Vaststellen").click()
    assert "Vaststellen kan pas als de weging is vastgelegd" in page.locator("main").inner_text()
    page.get_by_label("Evenredigheid: belangen van de betrokkene (art. 3 lid 5) (verplicht)").fill(
        "Voorschriften volstaan; weigering zou onevenredig zijn."
    )
    weighing = page.locator("section[aria-labelledby=h-weging] textarea")
    for i in range(weighing.count()):
        if not weighing.nth(i).input_value():
            weighing.nth(i).fill("Gewogen: zie dossier.")
    page.get_by_role("button", name="Weging opslaan").click()
    page.get_by_label("Opmerkingen (verplicht bij terugsturen)").fill("Akkoord na zienswijze.")
    page.get_by_role("button", name="Vaststellen").click()
    body = page.locator("main").inner_text()
    assert "Vastgesteld" in body and "Weerlegd door de jurist" in body
    page.screenshot(path=str(ARTIFACTS / "horeca-vastgesteld.png"), full_page=True)


def test_officer_uploads_a_register_and_prepares_a_control(live_server, page):
    """The real background worker and the self-refreshing progress page, then the ranking and a brief."""
    ARTIFACTS.mkdir(exist_ok=True)
    log_in(page, live_server, "officer")
    page.get_by_role("link", name="Portfolio's").click()
    page.get_by_role("link", name="Register uploaden").click()
    page.get_by_label("Horecascan").check()
    page.get_by_label("Naam van het portfolio").fill("Horeca browsertest")
    page.get_by_label("Bestand (CSV of XLSX").set_input_files(str(EXAMPLES_DIR / "horeca-register.csv"))
    page.get_by_role("button", name="Uploaden en beoordelen").click()
    page.get_by_role("heading", name="Rangschikking").wait_for(timeout=30_000)  # after the meta refresh
    body = page.locator("main").inner_text()
    assert "10 van 10 rijen beoordeeld" in body
    assert page.locator("figure.chart svg").count() == 2
    page.screenshot(path=str(ARTIFACTS / "portfolio-overzicht.png"), full_page=True)
    boxes = page.locator("input[name=rij]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.get_by_role("button", name="Controlebrief voor de gekozen locaties").click()
    page.get_by_role("heading", name="Voor wie is de controlebrief?").wait_for()
    page.get_by_label("Brandweer (veiligheidsregio)").check()
    page.get_by_label("Politie", exact=True).check()
    page.get_by_role("button", name="Controlebrief maken").click()
    page.get_by_role("heading", name="Controlebrief", exact=True).wait_for()
    text = page.locator("body").inner_text()
    assert "2 locaties" in text and "Brandweer (veiligheidsregio)" in text
    page.screenshot(path=str(ARTIFACTS / "controlebrief.png"), full_page=True)


def log_in(page, base: str, who: str) -> None:
    page.goto(base + "/inloggen")
    page.get_by_label("E-mailadres").fill(USERS[who][0])
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(base + "/")
