"""A real browser (Debian's Chromium, headless, driven by Playwright) walks every role's journey.

Every page type is checked with axe-core (from npm, pinned in package-lock.json) on the WCAG 2.1 A/AA
rules, with the app's own Content-Security-Policy in force (axe is evaluated through the DevTools
protocol, not injected as a <script>, so the CSP need not be bypassed), and for reflow at 320 CSS px
(WCAG 1.4.10). Screenshots go to tests/artifacts/ (gitignored).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pyotp
import pytest
from werkzeug.serving import make_server

from app import create_app
from app.db import db
from app.migrate import upgrade
from app.paths import EXAMPLES_DIR, ROOT
from tests.conftest import PASSWORD, TOTP_SECRET, USERS, _create_accounts

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DEMO_PASSWORD = "demo-wachtwoord-123"
DEMO = {
    "officer": "bibob@voorbeeldstad.demo",
    "jurist": "jurist@riec.demo",
    "tov": "tov@riec.demo",
    "admin": "beheer@riec.demo",
}


def _serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture
def live_server(tmp_path, password_hash):
    """The app on a real server, with a real job worker (`flask jobs worker`) on an embedded queue beside it."""
    database, queue = f"sqlite:///{tmp_path / 'browser.sqlite3'}", f"sqlite:///{tmp_path / 'jobs.sqlite3'}"
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": database, "JOBS_URL": queue})
    with app.app_context():
        upgrade()
        _create_accounts(password_hash)
    env = {**os.environ, "DATABASE_URL": database, "BIBOB_JOBS_URL": queue, "BIBOB_ENV": "testing"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = _serve(app)
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    worker.kill()
    worker.wait(10)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def demo_server(tmp_path):
    """The app with the demo data of `make run` (accounts, scans, a ready portfolio) and one running portfolio."""
    from app.demo import load_demo
    from app.extensions import catalogue
    from app.models import Portfolio, Scan, User
    from app.services import portfolios
    from app.services.scans import Subject, create_scan

    # The demo accounts log in as under `make run` (development: password only); the second factor itself is
    # tested in tests/test_security.py and in the live_server journeys.
    app = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
            "JOBS_URL": f"sqlite:///{tmp_path / 'jobs.sqlite3'}",
            "TWO_FACTOR_REQUIRED": False,
        }
    )
    with app.app_context():
        upgrade()
        load_demo(catalogue.load(), catalogue.evaluator)
        officer = db.session.scalar(db.select(User).where(User.email == DEMO["officer"]))
        path = EXAMPLES_DIR / "horeca-register.csv"
        running, _ = portfolios.start(
            officer, catalogue.evaluator, "horeca", "Loopt nog (fictief)", path.name, path.read_bytes()
        )
        ids = {
            "evaluated": db.session.scalar(db.select(Scan.id).where(Scan.latest_level.is_not(None)).order_by(Scan.id)),
            "draft": create_scan(
                catalogue.load().questionnaires["horeca"], Subject("Café Concept (fictief)", "", None), officer
            ).id,
            "portfolio": db.session.scalar(db.select(Portfolio.id).where(Portfolio.status == "klaar")),
            "running": running.id,
        }
        db.session.commit()
    server = _serve(app)
    yield f"http://127.0.0.1:{server.server_port}", ids
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
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="nl-NL")  # CSP stays on
        yield context.new_page()
        browser.close()


def check_page(page, name: str) -> None:
    """axe-core on WCAG 2.1 A/AA with the app's CSP in force, reflow at 320 px, and a screenshot."""
    problems = page_problems(page, name)
    assert not problems, "\n".join(problems)


OVERFLOW = """() => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > window.innerWidth + 1 && !el.closest('.table-wrap')) {
      const id = el.id ? '#' + el.id : '';
      out.push(el.tagName.toLowerCase() + id + '.' + [...el.classList].join('.') + ' ' + Math.round(r.right));
    }
  }
  return out.slice(0, 6);
}"""


#: True when the page's Content-Security-Policy blocks an inline script (as the app's `script-src 'self'` does).
INLINE_SCRIPT_BLOCKED = """() => {
  const s = document.createElement('script');
  s.textContent = 'window.__inlineRan = true';
  document.head.appendChild(s);
  return window.__inlineRan !== true;
}"""


#: axe on the page: violations, and the "needs review" (incomplete) results with why axe could not decide each.
AXE_RUN = """async (tags) => {
  const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations', 'incomplete']});
  const why = n => [...n.any, ...n.all, ...n.none].map(c => (c.data && c.data.messageKey) || c.id);
  const brief = list => list.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), why: why(n)}))}));
  return {violations: brief(r.violations), incomplete: brief(r.incomplete)};
}"""

#: "Needs review" results axe leaves open, each with why, and who decides it instead (docs/interface.md):
#: - color-contrast/shortTextContent: a text of one or two characters (the "*" of a required field, a count
#:   in a chart); axe does not judge so little text, as it may be an icon. Decided by SVG_TEXT_CONTRAST (in
#:   charts) and by the stylesheet (the marker uses the body ink).
#: - color-contrast/pseudoContent: text from ::before/::after (the "✓" of a finished step); axe does not
#:   compute backgrounds for pseudo-elements. The mark uses --ok (#1e6b2a) on white: 6.4:1.
#: - color-contrast/imgNode: text inside an `svg role="img"` chart; axe does not look inside images.
#:   Decided by SVG_TEXT_CONTRAST below, which fails the page on any chart text under 4.5:1.
MACHINE_UNDECIDABLE = {
    ("color-contrast", "shortTextContent"),
    ("color-contrast", "pseudoContent"),
    ("color-contrast", "imgNode"),
}

#: Contrast of every SVG chart text against the chart's background (what axe leaves open as imgNode).
SVG_TEXT_CONTRAST = """() => {
  const rgb = c => (c.match(/[0-9.]+/g) || []).slice(0, 4).map(Number);
  const channel = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c;
    }
    return [255, 255, 255];
  };
  const out = [];
  for (const t of document.querySelectorAll('svg text')) {
    const fg = lum(rgb(getComputedStyle(t).fill)), bg = lum(background(t.closest('svg')));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    if (ratio < 4.5) out.push(t.textContent.trim().slice(0, 30) + ' ' + ratio.toFixed(2));
  }
  return out;
}"""


#: A raw identifier in page text (zeer_hoog, eerdere_exploitant, result_id): labels are shown instead.
RAW_ID = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")
#: Pages whose subject is the identifiers themselves: the register's column names and option values, the
#: public catalogue and algorithm register (rule and question ids as published references).
SHOWS_IDS = {"gemeente-kolommen", "anoniem-catalogus", "anoniem-algoritmeregister", "gemeente-portfolio-upload"}


def _brief(items: list[dict]) -> str:
    return json.dumps([item | {"nodes": item["nodes"][:5]} for item in items], ensure_ascii=False)


def machine_undecidable(item: dict) -> bool:
    """Whether every node of an axe "needs review" result is one of the documented undecidable kinds."""
    return all(any((item["id"], why) in MACHINE_UNDECIDABLE for why in node["why"]) for node in item["nodes"])


def page_problems(page, name: str) -> list[str]:
    """What is wrong with the page now: axe violations and horizontal scrolling at 320 px (empty: fine)."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `bash scripts/frontend-deps.sh` (make test does)")
    page.wait_for_load_state("load")
    problems = []
    if not page.evaluate(INLINE_SCRIPT_BLOCKED):
        problems.append(f"{name}: an inline script ran, so the app's CSP is not in force")
    if page.evaluate("() => typeof window.axe") == "undefined":
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(AXE_RUN, WCAG_TAGS)
    if result["violations"]:
        problems.append(f"{name}: axe WCAG 2.1 AA violations: {_brief(result['violations'])}")
    if name not in SHOWS_IDS:
        text = page.evaluate("() => (document.querySelector('main') || document.body).innerText")
        raw = sorted(set(RAW_ID.findall(text)))
        if raw:
            problems.append(f"{name}: raw ids instead of labels: {raw[:8]}")
    low = page.evaluate(SVG_TEXT_CONTRAST)
    if low:
        problems.append(f"{name}: chart text under 4.5:1 contrast: {low[:5]}")
    undecided = [item for item in result["incomplete"] if not machine_undecidable(item)]
    if undecided:
        problems.append(f"{name}: axe could not decide (needs review): {_brief(undecided)}")
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    page.set_viewport_size({"width": 320, "height": 800})
    try:
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        if widths[0] > widths[1]:
            culprits = page.evaluate(OVERFLOW)
            problems.append(f"{name}: {widths[0]} px wide at 320 px (WCAG 1.4.10): {culprits}")
        page.screenshot(path=str(ARTIFACTS / f"{name}-320.png"), full_page=True)
    finally:
        page.set_viewport_size({"width": 1200, "height": 900})
    return problems


def log_in(page, base: str, who: str) -> None:
    page.goto(base + "/inloggen")
    page.get_by_label("E-mailadres").fill(USERS[who][0])
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(base + "/inloggen/code")
    page.get_by_label("Code uit uw authenticator-app").fill(pyotp.TOTP(TOTP_SECRET).now())
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(base + "/")


def demo_log_in(page, base: str, who: str) -> None:
    page.goto(base + "/inloggen")
    page.get_by_label("E-mailadres").fill(DEMO[who])
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(base + "/")


def log_out(page) -> None:
    page.get_by_role("button", name="Uitloggen").click()


def test_officer_walks_a_horeca_scan_to_the_result(live_server, page):
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
    assert page.title().startswith("Fout – ")
    page.wait_for_function("() => document.activeElement.classList.contains('error-summary')", timeout=10_000)
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
    assert "Bibob-conclusie" not in body and "zeer_hoog" not in body and "result_id" not in body
    page.screenshot(path=str(ARTIFACTS / "horeca-resultaat.png"), full_page=True)
    assert (ARTIFACTS / "horeca-resultaat.png").stat().st_size > 10_000

    # The officer submits and is told so; a jurist rebuts one indicator, confirms and approves.
    page.get_by_role("button", name="Indienen voor beoordeling").click()
    assert "Ingediend voor beoordeling. Een jurist van het RIEC" in page.get_by_role("status").first.inner_text()
    log_out(page)
    log_in(page, live_server, "jurist")
    page.get_by_role("link", name="Beoordeling", exact=True).click()
    page.get_by_role("link", name="Café De Browsertest (fictief)").click()
    card = page.locator("#ind-HOR-009")
    card.get_by_label("Weerlegd").check()
    card.get_by_label("Reden van weerlegging (verplicht bij weerleggen)").fill(
        "Zienswijze: taxatierapport onderbouwt de overnamesom."
    )
    card.get_by_role("button", name="Oordeel over HOR-009 opslaan").click()
    assert page.get_by_role("heading", name="Effect van de weerlegging").is_visible()
    page.get_by_label("Opmerkingen (verplicht bij terugsturen)").fill("Akkoord na zienswijze.")
    page.get_by_role("button", name="Vaststellen").click()
    assert "Vaststellen kan pas als de weging is vastgelegd" in page.locator("main").inner_text()
    assert page.get_by_label("Opmerkingen (verplicht bij terugsturen)").input_value() == "Akkoord na zienswijze."
    weighing = page.locator("section#weging textarea")
    for i in range(weighing.count()):
        weighing.nth(i).fill("Gewogen: zie dossier.")
    page.get_by_role("button", name="Vaststellen").click()
    page.get_by_role("heading", name="Scan vaststellen?").wait_for()
    check_page(page, "jurist-vaststellen-bevestigen")
    page.get_by_role("button", name="Ja, definitief vaststellen").click()
    body = page.locator("main").inner_text()
    assert "De scan is vastgesteld" in body and "Vastgesteld" in body and "Weerlegd door de jurist" in body
    assert "na weerlegging door de jurist" in body.lower()  # the headline counts the rebuttal
    page.screenshot(path=str(ARTIFACTS / "horeca-vastgesteld.png"), full_page=True)


def test_officer_records_persons_removes_one_and_is_told_of_a_lapsed_answer(demo_server, page):
    """Records without JavaScript (add by saving, remove by a checkbox), labels on the summary, a lapsed
    conditional answer announced on the next page and on the summary; every page axe-clean and 320 px."""
    base, ids = demo_server
    demo_log_in(page, base, "officer")
    draft = ids["draft"]
    page.goto(f"{base}/scans/{draft}/stap/aanvraag")
    page.get_by_label("Exploitatie- en Alcoholwetvergunning").check()
    page.get_by_label("Café of bar").check()
    overname = page.get_by_role("group", name="Gaat het om de overname van een bestaande zaak?")
    overname.get_by_label("Ja").check()
    page.get_by_label("Overnamesom (goodwill en inventaris)").fill("150.000")
    page.get_by_role("button", name="Volgende stap").click()
    page.get_by_label("KvK-nummer").fill("12345678")  # asked here, once
    page.get_by_label("Besloten vennootschap").check()
    page.get_by_role("button", name="Volgende stap").click()

    people = [("J. Jansen (fictief)", "Eerdere exploitant, nog betrokken"), ("P. Pieters (fictief)", "Bestuurder")]
    for i, (name, role) in enumerate(people):
        page.locator(f"#betrokken_personen-{i}-naam").fill(name)
        page.locator(f"#betrokken_personen-{i}-rol").select_option(label=role)
    page.locator("#betrokken_personen-0-ant-0-feit").select_option(label="Opiumwet (drugs)")
    page.locator("#betrokken_personen-0-ant-0-status").select_option(label="Onherroepelijke veroordeling")
    page.locator("#betrokken_personen-0-ant-0-kanaal").select_option(label="Justitiële gegevens (Wjsg)")
    page.get_by_role("button", name="Opslaan en naar het overzicht").click()
    page.goto(f"{base}/scans/{draft}/stap/betrokkenen")
    assert page.locator("fieldset.record").count() == 4  # two saved, two new empty ones
    check_page(page, "gemeente-personen-ingevuld")
    page.get_by_label("Verwijder persoon 2 bij het opslaan").check()
    page.get_by_role("button", name="Opslaan en naar het overzicht").click()

    summary = page.locator("main").inner_text()
    assert "J. Jansen (fictief) (Eerdere exploitant, nog betrokken): Opiumwet (drugs)" in summary
    assert "P. Pieters" not in summary and "eerdere_exploitant" not in summary and "opiumwet" not in summary

    # The condition of the Overnamesom no longer holds: the next page says so, never silently.
    page.goto(f"{base}/scans/{draft}/stap/aanvraag")
    overname.get_by_label("Nee").check()
    page.get_by_role("button", name="Volgende stap").click()
    warning = page.get_by_role("alert").inner_text()
    assert "Uw antwoord op “Overnamesom (goodwill en inventaris)”" in warning and "is vervallen" in warning
    check_page(page, "gemeente-antwoord-vervallen")
    page.goto(f"{base}/scans/{draft}/overzicht")
    body = page.locator("main").inner_text()
    assert "Gaat het om de overname van een bestaande zaak?\tNee" in body or "zaak? Nee" in body.replace("\n", " ")
    check_page(page, "gemeente-overzicht-records")
    page.goto(f"{base}/scans/?q=12345678")
    assert "Café Concept (fictief)" in page.locator("main").inner_text()  # the KvK of the step is the subject's


def test_text_typed_on_a_step_survives_a_jump_via_the_step_list(live_server, page):
    log_in(page, live_server, "officer")
    page.get_by_role("link", name="Start horecascan").click()
    page.get_by_label("Naam van de onderneming, inrichting of het object").fill("Café Sprong (fictief)")
    page.get_by_role("button", name="Start de scan").click()
    page.get_by_label("Aantal exploitanten van dit pand").fill("2")
    page.get_by_role("navigation", name="Stappen").get_by_role("button", name=re.compile(r"^5\. ")).click()
    page.wait_for_url(re.compile(r"/stap/(?!aanvraag)"))
    assert page.get_by_role("heading", level=1).inner_text() != "De aanvraag en de inrichting"
    page.get_by_role("navigation", name="Stappen").get_by_role("button", name=re.compile(r"^1\. ")).click()
    assert page.get_by_label("Aantal exploitanten van dit pand").input_value() == "2"

    # An unreadable value is not thrown away either: the jump stops with the error next to the field.
    page.get_by_label("Aantal exploitanten van dit pand").fill("twee")
    page.get_by_role("navigation", name="Stappen").get_by_role("button", name=re.compile(r"^3\. ")).click()
    assert page.get_by_role("alert").is_visible() and page.title().startswith("Fout – ")
    assert page.get_by_label("Aantal exploitanten van dit pand").input_value() == "twee"


def test_a_note_typed_on_the_review_page_survives_pressing_another_button(demo_server, page):
    base, ids = demo_server
    demo_log_in(page, base, "officer")
    page.goto(f"{base}/scans/{ids['evaluated']}/resultaat")
    page.get_by_role("button", name="Indienen voor beoordeling").click()
    log_out(page)
    demo_log_in(page, base, "jurist")
    page.goto(f"{base}/scans/{ids['evaluated']}/beoordeling")
    cards = page.locator("article.indicator")
    first_id = cards.nth(0).get_attribute("id").removeprefix("ind-")
    second_id = cards.nth(1).get_attribute("id").removeprefix("ind-")
    page.get_by_label("Notitie").first.fill("Navragen bij de Belastingdienst.")
    page.get_by_label("Aangepaste adviestekst").fill("Voorschriften volstaan.")
    cards.nth(1).get_by_role("button", name=f"Oordeel over {second_id} opslaan").click()
    assert "Uw beoordeling is opgeslagen" in page.get_by_role("status").first.inner_text()
    page.reload()
    assert page.locator(f"#notitie-{first_id}").input_value() == "Navragen bij de Belastingdienst."
    assert page.get_by_label("Aangepaste adviestekst").input_value() == "Voorschriften volstaan."

    # A rebuttal without a reason: the error sits at the indicator, names it, and keeps every typed value.
    card = page.locator(f"#ind-{second_id}")
    card.get_by_label("Weerlegd").check()
    card.get_by_label("Notitie").fill("Nog uitzoeken.")
    page.get_by_label("Opmerkingen (verplicht bij terugsturen)").fill("Concept-opmerking.")
    page.get_by_role("button", name="Terugsturen naar de gemeente").click()
    summary = page.locator(".error-summary")
    assert second_id in summary.inner_text()
    page.wait_for_function("() => document.activeElement.classList.contains('error-summary')", timeout=10_000)
    assert page.title().startswith("Fout – ")
    assert card.locator(".error").is_visible() and card.get_by_label("Weerlegd").is_checked()
    assert card.get_by_label("Notitie").input_value() == "Nog uitzoeken."
    assert page.get_by_label("Opmerkingen (verplicht bij terugsturen)").input_value() == "Concept-opmerking."
    check_page(page, "jurist-beoordeling-fout")


def test_officer_uploads_a_register_and_prepares_a_control(live_server, page):
    """The real background worker, the progress page without automatic refresh, then the ranking and a brief."""
    log_in(page, live_server, "officer")
    page.get_by_role("link", name="Portfolio's").first.click()
    page.get_by_role("link", name="Register uploaden").click()
    page.get_by_label("Horecascan").check()
    page.get_by_label("Naam van het portfolio").fill("Horeca browsertest")
    page.get_by_label("Bestand (CSV of XLSX").set_input_files(str(EXAMPLES_DIR / "horeca-register.csv"))
    page.get_by_role("button", name="Uploaden en beoordelen").click()
    for _ in range(60):  # the user refreshes; the page never does so by itself
        if page.get_by_role("heading", name="Rangschikking").count():
            break
        assert page.locator('meta[http-equiv="refresh"]').count() == 0
        page.wait_for_timeout(500)
        link = page.get_by_role("link", name=re.compile("Voortgang verversen|Bekijk de rangschikking"))
        if link.count():
            link.first.click()
    body = page.locator("main").inner_text()
    assert "10 van 10 rijen beoordeeld" in body
    assert page.locator("figure.chart svg").count() == 2
    assert page.locator("figure.chart svg a").count() == 0
    page.screenshot(path=str(ARTIFACTS / "portfolio-overzicht.png"), full_page=True)
    boxes = page.locator("input[name=rij]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.get_by_role("button", name="Controlebrief voor de gekozen locaties").click()
    page.get_by_role("heading", name="Voor wie is de controlebrief?").wait_for()  # need to know (art. 28)
    page.locator("#ontvanger-brandweer").check()
    page.get_by_role("button", name="Controlebrief maken").click()
    page.get_by_role("heading", name="Controlebrief").wait_for()
    assert "2 locaties" in page.locator("body").inner_text()
    page.screenshot(path=str(ARTIFACTS / "controlebrief.png"), full_page=True)


def test_every_page_type_for_every_role_passes_axe_and_reflows(demo_server, page):
    base, ids = demo_server
    problems: list[str] = []

    def check_page(page, name):  # collect, so one run lists every page with a problem
        problems.extend(page_problems(page, name))

    evaluated, draft, portfolio = ids["evaluated"], ids["draft"], ids["portfolio"]

    # Without login.
    for name, path in [
        ("anoniem-inloggen", "/inloggen"),
        ("anoniem-catalogus", "/catalogus/"),
        ("anoniem-algoritmeregister", "/catalogus/algoritmeregister"),
        ("anoniem-toegankelijkheid", "/toegankelijkheid"),
    ]:
        page.goto(base + path)
        check_page(page, name)
    page.goto(base + "/inloggen")
    page.get_by_label("E-mailadres").fill(DEMO["officer"])
    page.get_by_label("Wachtwoord").fill("fout")
    page.get_by_role("button", name="Inloggen").click()
    check_page(page, "anoniem-inloggen-fout")

    # Gemeente (Bibob-coördinator).
    demo_log_in(page, base, "officer")
    menu = page.get_by_role("navigation", name="Hoofdmenu").inner_text()
    assert "Beoordeling" not in menu and "Audittrail" not in menu
    for name, path in [
        ("gemeente-start", "/"),
        ("gemeente-scans", "/scans/"),
        ("gemeente-nieuwe-scan", "/scans/nieuw?type=horeca"),
        ("gemeente-stap", f"/scans/{draft}/stap/aanvraag"),
        ("gemeente-stap-personen", f"/scans/{draft}/stap/betrokkenen"),
        ("gemeente-stap-onderneming", f"/scans/{draft}/stap/onderneming"),
        ("gemeente-stap-financiers", f"/scans/{draft}/stap/financiering"),
        ("gemeente-overzicht", f"/scans/{evaluated}/overzicht"),
        ("gemeente-resultaat", f"/scans/{evaluated}/resultaat"),
        ("gemeente-rapport", f"/scans/{evaluated}/rapport"),
        ("gemeente-controlebrief", f"/scans/{evaluated}/controlebrief"),
        ("gemeente-bevindingen", f"/scans/{evaluated}/bevindingen"),
        ("gemeente-portfolios", "/portfolio/"),
        ("gemeente-portfolio-upload", "/portfolio/nieuw"),
        ("gemeente-kolommen", "/portfolio/kolommen/horeca"),
        ("gemeente-portfolio", f"/portfolio/{portfolio}"),
        ("gemeente-portfolio-gefilterd", f"/portfolio/{portfolio}?niveau=hoog"),
        ("gemeente-portfolio-voortgang", f"/portfolio/{ids['running']}"),
        ("gemeente-api-tokens", "/account/api-tokens/"),
        ("gemeente-404", "/scans/99999"),
    ]:
        response = page.goto(base + path)
        assert response.status in (200, 404), f"{path}: {response.status}"
        check_page(page, name)
    page.goto(base + "/scans/nieuw?type=horeca")
    page.get_by_role("button", name="Start de scan").click()
    check_page(page, "gemeente-nieuwe-scan-fout")
    page.goto(f"{base}/scans/{draft}/stap/aanvraag")
    page.get_by_label("Aantal exploitanten van dit pand").fill("veel")
    page.get_by_role("button", name="Volgende stap").click()
    check_page(page, "gemeente-stap-fout")
    page.goto(f"{base}/scans/{evaluated}/resultaat")
    page.get_by_role("button", name="Indienen voor beoordeling").click()
    check_page(page, "gemeente-ingediend")
    page.goto(f"{base}/portfolio/{portfolio}")
    page.get_by_role("button", name="Delen met het RIEC (TOV) voor controles").click()
    log_out(page)

    # RIEC jurist: the review queue, never a button that leads to a 403.
    demo_log_in(page, base, "jurist")
    assert page.get_by_role("link", name=re.compile("^Start ")).count() == 0
    menu = page.get_by_role("navigation", name="Hoofdmenu").inner_text()
    assert "Nieuwe scan" not in menu and "Portfolio" not in menu
    for name, path in [
        ("jurist-start", "/"),
        ("jurist-wachtrij", "/beoordeling"),
        ("jurist-beoordeling", f"/scans/{evaluated}/beoordeling"),
        ("jurist-resultaat", f"/scans/{evaluated}/resultaat"),
        ("jurist-geschiedenis", f"/scans/{evaluated}/geschiedenis"),
        ("jurist-scans", "/scans/"),
    ]:
        response = page.goto(base + path)
        assert response.status == 200, f"{path}: {response.status}"
        check_page(page, name)
    log_out(page)

    # RIEC TOV adviser: shared portfolios and briefs; no review menu.
    demo_log_in(page, base, "tov")
    menu = page.get_by_role("navigation", name="Hoofdmenu").inner_text()
    assert "Beoordeling" not in menu and "Nieuwe scan" not in menu
    assert page.get_by_role("link", name=re.compile("^Start ")).count() == 0
    check_page(page, "tov-start")
    page.goto(f"{base}/portfolio/{portfolio}")
    check_page(page, "tov-portfolio")
    page.locator("input[name=rij]").first.check()
    page.get_by_role("button", name="Controlebrief voor de gekozen locaties").click()
    page.get_by_role("heading", name="Voor wie is de controlebrief?").wait_for()  # need to know (art. 28)
    page.locator("#ontvanger-brandweer").check()
    page.get_by_role("button", name="Controlebrief maken").click()
    page.get_by_role("heading", name="Controlebrief").wait_for()
    check_page(page, "tov-controlebrief")
    page.goto(f"{base}/scans/{evaluated}/resultaat")
    assert page.get_by_role("link", name="Beoordelen").count() == 0
    check_page(page, "tov-resultaat")
    log_out(page)

    # Beheerder.
    demo_log_in(page, base, "admin")
    check_page(page, "beheer-start")
    page.goto(base + "/audit")
    body = page.locator("main").inner_text()
    assert "result_id=" not in body and "zeer_hoog" not in body
    check_page(page, "beheer-audit")
    assert not problems, "\n".join(problems)
