"""TOV controle preparation: the brief (HTML and PDF text) for a scan or portfolio selection, and findings."""

from __future__ import annotations

from sqlalchemy import select

from app.db import db
from app.models import AuditEntry, PortfolioRow, Scan
from app.models.scan import STATUS_DRAFT
from tests.conftest import login
from tests.test_portfolio import GOOD, register_csv, uploaded
from tests.test_reports import pdf_text
from tests.test_wizard import COMMON, REQUIRED

DRUGS = {"drugs_signalen": True, "zaak_leeg": True}


def evaluated_horeca(scans, extra: dict) -> int:
    scan_id = scans.start("horeca", name="Café Controle (fictief)")
    scans.fill(scan_id, "horeca", REQUIRED["horeca"] | COMMON | extra)
    assert scans.evaluate(scan_id).status_code == 302
    return scan_id


def test_scan_brief_pdf_lists_indicators_check_points_partners_and_observations(app, scans, catalogue):
    scan_id = evaluated_horeca(scans, DRUGS)
    response = scans.client.get(f"/scans/{scan_id}/controlebrief.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    text, pages = pdf_text(response.data)
    flat = " ".join(text.split())
    rule = catalogue.rules["HOR-005"]
    assert "Controlebrief" in flat and "Café Controle (fictief)" in flat and "Teststraat 1, Utrecht" in flat
    assert "HOR-005" in flat and rule.title in flat
    assert " ".join(rule.control_points[0].split()) in flat
    assert "Politie" in flat  # the partner of HOR-005, in the partner table
    assert "Waarom: Zijn drugsgebruik of drugshandel in of bij de zaak waargenomen of gemeld?: ja" in flat
    for question in ("Was de zaak tijdens openingstijden herhaaldelijk (vrijwel) leeg?", "Overige waarnemingen"):
        assert question in flat  # the on-site checklist comes from the questionnaire
    assert "☐ ja" in flat and "Bevinding" in flat
    assert flat.count("Vertrouwelijk – Wet Bibob art. 28") >= pages
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "controle_brief")) is not None


def test_scan_brief_html_and_refusals(app, scans):
    draft = scans.start("horeca")
    refused = scans.client.get(f"/scans/{draft}/controlebrief")
    assert refused.status_code == 403 and "Beoordeel de scan eerst" in refused.get_data(as_text=True)
    scan_id = evaluated_horeca(scans, DRUGS)
    page = scans.client.get(f"/scans/{scan_id}/controlebrief").get_data(as_text=True)
    assert "Download als PDF" in page and "HOR-005" in page
    result = scans.client.get(f"/scans/{scan_id}/resultaat").get_data(as_text=True)
    assert f"/scans/{scan_id}/controlebrief" in result and f"/scans/{scan_id}/bevindingen" in result
    scans.client.post("/uitloggen")
    login(scans.client, "other_officer")
    assert scans.client.get(f"/scans/{scan_id}/controlebrief").status_code == 404
    assert scans.client.get(f"/scans/{scan_id}/controlebrief.pdf").status_code == 404


def test_portfolio_selection_brief_holds_only_the_chosen_locations(app, client):
    login(client, "officer")
    portfolio_id = uploaded(client, register_csv(GOOD))
    with app.app_context():
        rows = {r.subject_name: r.id for r in db.session.scalars(select(PortfolioRow))}
    chosen = [rows["Bar Zwaar (fictief)"], rows["Eetcafé Midden (fictief)"]]
    response = client.get(f"/portfolio/{portfolio_id}/controlebrief.pdf", query_string={"rij": chosen})
    assert response.status_code == 200
    flat = " ".join(pdf_text(response.data)[0].split())
    assert "Bar Zwaar (fictief)" in flat and "Eetcafé Midden (fictief)" in flat
    assert "Café Rustig (fictief)" not in flat
    assert "Portfolio 'Test': 2 van 3 locaties" in flat
    assert "ALG-008" in flat and "Openbaar Ministerie" in flat
    nothing = client.get(f"/portfolio/{portfolio_id}/controlebrief")  # nothing chosen: back, with the reason
    assert nothing.status_code == 302 and nothing.headers["Location"].endswith(f"/portfolio/{portfolio_id}#selectie")
    html = client.get(f"/portfolio/{portfolio_id}/controlebrief", query_string={"rij": chosen}).get_data(as_text=True)
    assert "2 locaties" in html


def test_findings_become_the_scans_answers_and_count_after_re_evaluation(app, scans):
    scan_id = evaluated_horeca(scans, {})
    with app.app_context():
        before = db.session.get(Scan, scan_id).latest_result
        assert "HOR-005" not in [f["id"] for f in before.snapshot["fired"]]
        saved_before = db.session.get(Scan, scan_id).answers()
    page = scans.client.get(f"/scans/{scan_id}/bevindingen").get_data(as_text=True)
    assert "Bevindingen van de controle" in page and 'name="drugs_signalen"' in page
    assert 'name="rechtsvorm"' not in page  # only what is observed on site
    form = {"drugs_signalen": "ja", "zaak_leeg": "nee", "schouw_opmerkingen": "Veel korte bezoeken bij de achterdeur."}
    response = scans.client.post(f"/scans/{scan_id}/bevindingen", data=form)
    assert response.status_code == 302 and "/overzicht" in response.headers["Location"]
    summary = scans.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "De bevindingen van de controle zijn opgeslagen" in summary
    with app.app_context():
        scan = db.session.get(Scan, scan_id)
        answers = scan.answers()
        assert scan.status == STATUS_DRAFT
        assert answers["drugs_signalen"] is True and answers["zaak_leeg"] is False
        assert answers["schouw_opmerkingen"] == "Veel korte bezoeken bij de achterdeur."
        assert {k: v for k, v in answers.items() if k in saved_before} == saved_before | {
            k: answers[k] for k in form if k in saved_before
        }
    scans.evaluate(scan_id)
    with app.app_context():
        after = db.session.get(Scan, scan_id).latest_result
        assert "HOR-005" in [f["id"] for f in after.snapshot["fired"]]
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "findings_saved")) is not None


def test_bad_findings_are_refused_and_nothing_is_saved(app, scans):
    scan_id = evaluated_horeca(scans, {})
    with app.app_context():
        saved_before = db.session.get(Scan, scan_id).answers()
    response = scans.client.post(
        f"/scans/{scan_id}/bevindingen", data={"drugs_signalen": "ja", "online_vindbaarheid": "heel_goed"}
    )
    assert response.status_code == 422
    assert "Kies een van de opties." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Scan, scan_id).answers() == saved_before


def test_only_the_gemeente_enters_findings_and_vastgoed_has_no_on_site_questions(app, scans, client):
    scan_id = evaluated_horeca(scans, {})
    vastgoed = scans.start("vastgoed")
    page = scans.client.get(f"/scans/{vastgoed}/bevindingen").get_data(as_text=True)
    assert "geen vragen voor waarnemingen ter plaatse" in page
    scans.client.post("/uitloggen")
    login(scans.client, "other_officer")
    assert scans.client.post(f"/scans/{scan_id}/bevindingen", data={"drugs_signalen": "ja"}).status_code == 404
