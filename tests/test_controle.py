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
TO = {"ontvanger": ["politie", "brandweer"]}


def evaluated_horeca(scans, extra: dict) -> int:
    scan_id = scans.start("horeca", name="Café Controle (fictief)")
    scans.fill(scan_id, "horeca", REQUIRED["horeca"] | COMMON | extra)
    assert scans.evaluate(scan_id).status_code == 302
    return scan_id


def test_scan_brief_pdf_lists_indicators_check_points_partners_and_observations(app, scans, catalogue):
    scan_id = evaluated_horeca(scans, DRUGS)
    response = scans.client.get(f"/scans/{scan_id}/controlebrief.pdf", query_string=TO)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    text, pages = pdf_text(response.data)
    flat = " ".join(text.split())
    rule = catalogue.rules["HOR-005"]
    assert "Controlebrief" in flat and "Café Controle (fictief)" in flat and "Teststraat 1, Utrecht" in flat
    assert "HOR-005" in flat and rule.title in flat
    assert " ".join(rule.control_points[0].split()) in flat
    assert "Politie" in flat  # the partner of HOR-005, in the partner table
    assert "Waarom: Zijn drugsgebruik of drugshandel in of bij de zaak waargenomen of gemeld?: Ja" in flat
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
    choice = scans.client.get(f"/scans/{scan_id}/controlebrief").get_data(as_text=True)
    assert "Voor wie is de controlebrief?" in choice and 'value="brandweer"' in choice and "HOR-005" not in choice
    assert scans.client.get(f"/scans/{scan_id}/controlebrief.pdf").status_code == 403  # no recipients chosen
    unknown = scans.client.get(f"/scans/{scan_id}/controlebrief", query_string={"ontvanger": "buurman"})
    assert unknown.status_code == 403
    page = scans.client.get(f"/scans/{scan_id}/controlebrief", query_string=TO).get_data(as_text=True)
    assert "Download als PDF" in page and "HOR-005" in page and "ontvanger=brandweer" in page
    result = scans.client.get(f"/scans/{scan_id}/resultaat").get_data(as_text=True)
    assert f"/scans/{scan_id}/controlebrief" in result and f"/scans/{scan_id}/bevindingen" in result
    scans.client.post("/uitloggen")
    login(scans.client, "other_officer")
    assert scans.client.get(f"/scans/{scan_id}/controlebrief", query_string=TO).status_code == 404
    assert scans.client.get(f"/scans/{scan_id}/controlebrief.pdf", query_string=TO).status_code == 404


def test_portfolio_selection_brief_holds_only_the_chosen_locations(app, client):
    login(client, "officer")
    portfolio_id = uploaded(client, register_csv(GOOD))
    with app.app_context():
        rows = {r.subject_name: r.id for r in db.session.scalars(select(PortfolioRow))}
    chosen = [rows["Bar Zwaar (fictief)"], rows["Eetcafé Midden (fictief)"]]
    response = client.get(f"/portfolio/{portfolio_id}/controlebrief.pdf", query_string={"rij": chosen, **TO})
    assert response.status_code == 200
    flat = " ".join(pdf_text(response.data)[0].split())
    assert "Bar Zwaar (fictief)" in flat and "Eetcafé Midden (fictief)" in flat
    assert "Café Rustig (fictief)" not in flat
    assert "Portfolio 'Test': 2 van 3 locaties" in flat
    assert "ALG-008" not in flat  # antecedents never reach a brief
    none_chosen = client.get(f"/portfolio/{portfolio_id}/controlebrief", query_string=TO)
    assert none_chosen.status_code == 302 and none_chosen.headers["Location"].endswith(f"/portfolio/{portfolio_id}")
    assert "Kies in het overzicht een of meer locaties" in client.get(none_chosen.headers["Location"]).get_data(
        as_text=True
    )
    choice = client.get(f"/portfolio/{portfolio_id}/controlebrief", query_string={"rij": chosen}).get_data(as_text=True)
    assert "Voor wie is de controlebrief?" in choice and f'name="rij" value="{chosen[0]}"' in choice
    html = client.get(f"/portfolio/{portfolio_id}/controlebrief", query_string={"rij": chosen, **TO})
    assert "2 locaties" in html.get_data(as_text=True)


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


# --- need to know: what a brief may hold for its recipients ---------------------------------------

SENSITIVE = {
    "antecedenten_ernstig": ["opiumwet"],  # justitiële gegevens: ALG-008
    "eerder_bibob_weigering": True,  # partner (andere gemeente): ALG-011
    "eerder_pand_gesloten": True,  # criminal data from own research: ALG-012
    "omg_banden": True,  # partner (politie)
    "herkomst_vermogen_aangetoond": "nee",  # eigen onderzoek: title only for the brandweer
}


def brief_audit(app) -> dict:
    with app.app_context():
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "controle_brief").order_by(AuditEntry.id.desc())
        ).first()
        return entry.detail


def test_a_brief_for_the_brandweer_holds_no_antecedent_partner_or_justitiele_datum(app, scans, catalogue):
    scan_id = evaluated_horeca(scans, DRUGS | SENSITIVE)
    with app.app_context():
        fired = {f["id"] for f in db.session.get(Scan, scan_id).latest_result.snapshot["fired"]}
    assert {"ALG-008", "ALG-011", "ALG-012", "HOR-005"} <= fired  # the sensitive facts did count in the scan
    response = scans.client.get(f"/scans/{scan_id}/controlebrief.pdf", query_string={"ontvanger": "brandweer"})
    flat = " ".join(pdf_text(response.data)[0].split())
    questionnaire = catalogue.questionnaires["horeca"]
    for rule_id in ("ALG-008", "ALG-011", "ALG-012"):
        assert rule_id not in flat and catalogue.rules[rule_id].title not in flat
    for question_id in SENSITIVE:
        assert questionnaire.question(question_id).label not in flat  # no answer behind any indicator
    for word in ("Opiumwet", "antecedent", "Antecedent", "Wjsg", "motorcycle", "Politie (bestuurlijke"):
        assert word not in flat.replace("geen antecedenten", "")
    assert (
        "HOR-005" in flat and "Brandweer (veiligheidsregio)" in flat and "Eigen toezichtstaak brandveiligheid" in flat
    )
    assert "Waarom: Zijn drugsgebruik of drugshandel" in flat  # a schouw observation may be shared
    detail = brief_audit(app)
    assert detail["recipients"] == ["brandweer"]
    assert "HOR-005" in detail["indicators"] and "ALG-008" not in detail["indicators"]
    assert {"ALG-008", "ALG-011", "ALG-012"} <= set(detail["left_out"])


def test_own_research_answers_show_only_for_recipients_that_may_receive_them(app, scans, catalogue):
    scan_id = evaluated_horeca(scans, SENSITIVE)
    label = catalogue.questionnaires["horeca"].question("herkomst_vermogen_aangetoond").label
    fired_on_it = [r.id for r in catalogue.rules_for("horeca") if "herkomst_vermogen_aangetoond" in str(r.condition)]
    assert fired_on_it
    for_brandweer = scans.client.get(f"/scans/{scan_id}/controlebrief", query_string={"ontvanger": "brandweer"})
    for_riec = scans.client.get(f"/scans/{scan_id}/controlebrief", query_string={"ontvanger": "riec"})
    assert label not in for_brandweer.get_data(as_text=True)
    assert label in for_riec.get_data(as_text=True)
    assert label not in scans.client.get(
        f"/scans/{scan_id}/controlebrief", query_string={"ontvanger": ["riec", "brandweer"]}
    ).get_data(as_text=True)  # every recipient must be allowed


def test_a_rebutted_indicator_is_left_out_or_marked_where_the_recipient_may_know(app, scans):
    from app.models import User
    from app.models.scan import Rebuttal

    scan_id = evaluated_horeca(scans, DRUGS)
    with app.app_context():
        result = db.session.get(Scan, scan_id).latest_result
        jurist = db.session.scalar(select(User).where(User.email.like("jurist%")))
        db.session.add(
            Rebuttal(result_id=result.id, indicator_id="HOR-005", rebutted=True, reason="x", by_id=jurist.id)
        )
        db.session.commit()
    brandweer = scans.client.get(f"/scans/{scan_id}/controlebrief", query_string={"ontvanger": "brandweer"})
    assert "HOR-005" not in brandweer.get_data(as_text=True)
    assert "HOR-005" in brief_audit(app)["left_out"]
    riec = scans.client.get(f"/scans/{scan_id}/controlebrief", query_string={"ontvanger": "riec"}).get_data(
        as_text=True
    )
    assert "HOR-005" in riec and "weerlegd door de jurist" in riec
