"""The interface: role start pages and menus without dead ends, no lost input, confirmations, theme, statement."""

from __future__ import annotations

import re

from app.db import db
from app.models import Rebuttal, Scan
from tests.conftest import ScanActions, login
from tests.test_review import ANSWERS, WEIGHING, submitted_scan


def menu_links(html: str) -> list[str]:
    nav = html.split('aria-label="Hoofdmenu"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'href="([^"]+)"', nav)


def test_each_role_gets_its_own_start_page_and_a_menu_without_403s(app, catalogue):
    officer, jurist, scan_id = submitted_scan(app, catalogue)
    officer.start("horeca", name="Café Concept (fictief)")
    home = officer.client.get("/").get_data(as_text=True)
    assert "Mijn concepten (1)" in home and "Café Concept (fictief)" in home and "stap 0 van" in home
    assert "Ligt bij de jurist (1)" in home and "Start horecascan" in home

    page = jurist.get("/").get_data(as_text=True)
    assert "Wacht op uw beoordeling (1)" in page and f"/scans/{scan_id}/beoordeling" in page
    assert "Start horecascan" not in page and "/scans/nieuw" not in page

    tov = app.test_client()
    login(tov, "tov")
    page = tov.get("/").get_data(as_text=True)
    assert "Gedeelde portfolio" in page and "/scans/nieuw" not in page and "/beoordeling" not in page

    for who, client in (("officer", officer.client), ("jurist", jurist), ("tov", tov)):
        for href in menu_links(client.get("/").get_data(as_text=True)):
            assert client.get(href).status_code == 200, (who, href)


def test_a_jump_via_the_step_list_saves_the_step(app, scans):
    scan_id = scans.start("horeca")
    response = scans.post_step(scan_id, "aanvraag", {"exploitantwisselingen_pand": "2"}, action="naar:antecedenten")
    assert response.status_code == 302 and response.headers["Location"].endswith("/stap/antecedenten")
    page = scans.client.get(f"/scans/{scan_id}/stap/aanvraag").get_data(as_text=True)
    assert 'name="exploitantwisselingen_pand" value="2"' in page
    assert 'value="naar:antecedenten"' in page and 'form="stapformulier"' in page

    bad = scans.post_step(scan_id, "aanvraag", {"exploitantwisselingen_pand": "twee"}, action="naar:antecedenten")
    assert bad.status_code == 422 and 'value="twee"' in bad.get_data(as_text=True)
    assert "<title>Fout – " in bad.get_data(as_text=True)
    unknown = scans.post_step(scan_id, "aanvraag", {}, action="naar:bestaat-niet")
    assert unknown.status_code == 302 and "/stap/bestaat-niet" not in unknown.headers["Location"]


def test_the_review_page_keeps_every_typed_text_whichever_button_is_pressed(app, catalogue):
    _, jurist, scan_id = submitted_scan(app, catalogue)
    form = {
        "notitie-ALG-001": "Navragen bij de Belastingdienst.",
        "advies": "Voorschriften volstaan.",
        "opmerkingen": "Bijna klaar.",
        "actie": "indicator:HOR-004",
    }
    response = jurist.post(f"/scans/{scan_id}/beoordeling", data=form)
    assert response.status_code == 302 and response.headers["Location"].endswith("#ind-HOR-004")
    with app.app_context():
        scan = db.session.get(Scan, scan_id)
        assert scan.amended_advice == "Voorschriften volstaan." and scan.review_remarks == "Bijna klaar."
        note = db.session.scalar(db.select(Rebuttal.note).where(Rebuttal.indicator_id == "ALG-001"))
        assert note == "Navragen bij de Belastingdienst."

    # A rebuttal without a reason: 422, the error at the indicator (named), every typed value still there.
    form = {
        "weerlegd-ALG-013": "ja",
        "notitie-ALG-013": "Nog uitzoeken.",
        "notitie-ALG-001": "Navragen bij de Belastingdienst.",
        "advies": "Ander advies.",
        "opmerkingen": "Terug.",
        "actie": "terugsturen",
    }
    response = jurist.post(f"/scans/{scan_id}/beoordeling", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "<title>Fout – " in page
    assert 'href="#reden-ALG-013">ALG-013: Geef een reden' in page
    assert 'id="reden-ALG-013-fout"' in page and 'name="weerlegd-ALG-013" value="ja" checked' in page
    assert "Nog uitzoeken." in page and "Ander advies." in page and ">Terug.</textarea>" in page
    with app.app_context():
        assert db.session.get(Scan, scan_id).status == "in_review"  # not returned while an error stands


def test_vaststellen_asks_for_confirmation_and_then_says_it_is_done(app, catalogue):
    _, jurist, scan_id = submitted_scan(app, catalogue)
    response = jurist.post(
        f"/scans/{scan_id}/beoordeling", data={"opmerkingen": "Akkoord.", "actie": "vaststellen", **WEIGHING}
    )
    assert response.headers["Location"].endswith(f"/scans/{scan_id}/beoordeling/vaststellen")
    with app.app_context():
        assert db.session.get(Scan, scan_id).status == "in_review"
    confirm = jurist.get(f"/scans/{scan_id}/beoordeling/vaststellen").get_data(as_text=True)
    assert "Vaststellen kunt u niet ongedaan maken" in confirm and "Akkoord." in confirm
    done = jurist.post(
        f"/scans/{scan_id}/beoordeling/besluit", data={"besluit": "vaststellen", "opmerkingen": "Akkoord."}
    )
    result = jurist.get(done.headers["Location"]).get_data(as_text=True)
    assert "De scan is vastgesteld." in result and 'role="status"' in result


def test_submit_confirms(app, catalogue):
    officer = ScanActions(app.test_client(), catalogue.questionnaires, "officer")
    scan_id = officer.start("horeca")
    officer.fill(scan_id, "horeca", ANSWERS)
    officer.evaluate(scan_id)
    response = officer.client.post(f"/scans/{scan_id}/indienen", follow_redirects=True)
    assert "Ingediend voor beoordeling. Een jurist van het RIEC" in response.get_data(as_text=True)


def test_theme_tokens_follow_the_organisation_and_refuse_unsafe_values(app, client):
    app.config["THEMES"] = {
        "Gemeente Voorbeeldstad": {"primary": "#00593f", "logo": "voorbeeldstad.svg"},
        "default": {"primary": "red;}body{display:none"},
    }
    anonymous = client.get("/thema.css").get_data(as_text=True)
    assert "--utrecht-button-primary-action-background-color: #154273" in anonymous and "display:none" not in anonymous
    login(client, "officer")
    themed = client.get("/thema.css")
    assert themed.mimetype == "text/css" and "#00593f" in themed.get_data(as_text=True)
    assert "themes/voorbeeldstad.svg" in client.get("/").get_data(as_text=True)


def test_nl_design_system_css_is_linked_and_the_favicon_exists(client):
    page = client.get("/inloggen").get_data(as_text=True)
    assert 'class="utrecht-theme utrecht-html"' in page and "vendor/utrecht-components.css" in page
    assert client.get("/favicon.ico").status_code == 301
    assert client.get("/static/favicon.svg").status_code == 200


def test_the_accessibility_statement_is_public_and_in_the_standard_form(client):
    page = client.get("/toegankelijkheid").get_data(as_text=True)
    for part in (
        "Toegankelijkheidsverklaring",
        "Nalevingsstatus",
        "Onderbouwing",
        "Feedback en contact",
        "Handhavingsprocedure",
        "WCAG 2.1",
    ):
        assert part in page


def test_audit_details_are_dutch_words(app, catalogue):
    submitted_scan(app, catalogue)
    admin = app.test_client()
    login(admin, "admin")
    page = admin.get("/audit").get_data(as_text=True)
    assert "uitslag nr.: " in page and "result_id=" not in page and "zeer_hoog" not in page


def test_audit_details_show_roles_and_contexts_by_their_labels(app):
    from app.web.filters import audit_details

    with app.app_context():  # scan labels come from the app's catalogue
        assert audit_details({"role": "tov_adviser"}) == "rol: Adviseur TOV (RIEC)"
        context = "context: Aanvraag van een beschikking (vergunning)"
        assert audit_details({"context": "beschikking_aanvraag"}) == context
        assert audit_details({"role": "onbekend_iets"}) == "rol: onbekend_iets"  # unknown: as stored, never an error
        # a step by its title, from the entry's scan type; an older entry without one: the first that has it
        expected = "scan: Horecascan; stap: De aanvraag en de inrichting"
        assert audit_details({"step": "aanvraag", "scan_type": "horeca"}) == expected
        older = audit_details({"step": "aanvraag"})
        assert older.startswith("stap: ") and older != "stap: aanvraag"
        assert audit_details({"step": "bestaat_niet"}) == "stap: bestaat_niet"


def test_geen_cannot_be_ticked_together_with_another_choice(scans):
    scan_id = scans.start("horeca")
    response = scans.post_step(scan_id, "antecedenten", {"antecedenten_ernstig": ["geen", "opiumwet"]})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Kies “Geen” óf een of meer andere antwoorden" in page
    assert 'value="opiumwet" checked' in page  # what was ticked stays ticked
