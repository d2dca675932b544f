"""Person and financier records, derived facts, "geen" exclusive, and fairness by construction (issue 12).

Everything runs through the real engine (the evaluator, the CLI, the API, the wizard and the register upload).
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest

from app.engine.whatif import what_if
from app.forms.answers import validate_answers
from app.forms.derive import derive
from app.rules.vocabulary import INDICATIONS
from tests.conftest import SCANS, login
from tests.factories import person  # also imported from here by tests/test_buitengebied.py
from tests.test_api import api  # noqa: F401  (fixture)
from tests.test_wizard import REQUIRED

DAY = dt.date(2025, 6, 1)
GEEN_MESSAGE = "Kies “Geen” óf een of meer andere antwoorden, niet allebei."


# --- derived facts ------------------------------------------------------------------------------------


def test_derivations_follow_relation_status_and_the_reference_date(catalogue):
    questionnaire = catalogue.questionnaires["horeca"]
    answers = {
        "betrokken_personen": [
            person("A. Jansen", "aanvrager"),
            person("B. de Vries", "bestuurder", ("witwassen", 2021, "veroordeling", True, "justitie")),
        ]
    }
    facts = derive(questionnaire.derivations, answers, DAY)
    assert facts["feit_relatie_ernstig"].value is True and facts["feit_aanvrager_ernstig"].value is False
    (witness,) = facts["feit_relatie_ernstig"].witnesses
    assert witness["naam"] == "B. de Vries" and witness["relation"] == "lid4_c"
    assert "Witwassen, 2021, onherroepelijke veroordeling" in witness["details"][0]
    later = derive(questionnaire.derivations, answers, dt.date(2027, 1, 1))  # 2021 is then older than five years
    assert later["feit_relatie_ernstig"].value is False
    assert derive(questionnaire.derivations, {}, DAY)["feit_relatie_ernstig"].value is None  # no record: unanswered


def test_person_antecedent_with_samenhang_fires_the_right_feit_and_names_person_and_relation(evaluator):
    answers = {
        "vergunningsoort": "beide",
        "inrichting_type": "cafe_bar",
        "betrokken_personen": [
            person("A. Jansen", "aanvrager"),
            person("D. Smit", "leidinggevende", ("opiumwet", 2024, "veroordeling", True, "justitie")),
        ],
    }
    result = evaluator.evaluate("horeca", answers, reference_date=DAY).to_dict()
    fired = {f["id"]: f for f in result["fired"]}
    assert {"ALG-022", "ALG-024"} <= set(fired) and "ALG-021" not in fired  # lid 4 onder c, not a
    assert fired["ALG-022"]["role"] == "feit" and [r["id"] for r in fired["ALG-022"]["relation"]] == ["lid4_c"]
    (trigger,) = fired["ALG-022"]["triggers"]
    assert "D. Smit (Leidinggevende; art. 3 lid 4 onder c)" in trigger["shown"]
    assert "Opiumwet (drugs), 2024, onherroepelijke veroordeling, samenhang met de activiteit" in trigger["shown"]
    assert trigger["persons"][0]["naam"] == "D. Smit" and trigger["criminal"] is True
    assert result["reference_date"] == "2025-06-01"
    assert {d["id"] for d in result["derived"] if d["value"]} >= {"feit_relatie_ernstig", "feit_samenhang_activiteit"}
    # The same antecedent of the aanvrager himself is art. 3 lid 4 onder a.
    answers["betrokken_personen"] = [
        person("A. Jansen", "aanvrager", ("opiumwet", 2024, "veroordeling", True, "justitie"))
    ]
    own = {f["id"] for f in evaluator.evaluate("horeca", answers, reference_date=DAY).to_dict()["fired"]}
    assert "ALG-021" in own and "ALG-022" not in own


def test_derived_facts_are_computed_alike_for_triage_and_evaluate(evaluator):
    answers, _ = validate_answers(
        evaluator.catalogue.questionnaires["vastgoed"],
        {
            "betrokken_personen": [
                person("Holding BV", "gerelateerde_rechtspersoon", ("fiscaal", 2024, "transactie", False, "justitie"))
            ]
        },
    )
    fired, score = evaluator.triage("vastgoed", answers, reference_date=DAY)
    full = evaluator.evaluate("vastgoed", answers, validated=True, reference_date=DAY)
    assert "ALG-023" in fired and fired == tuple(sorted(f.rule.id for f in full.fired)) and score == full.score


def test_derived_facts_cannot_be_answered(catalogue):
    _, errors = validate_answers(catalogue.questionnaires["horeca"], {"feit_aanvrager_ernstig": True})
    assert errors == {"feit_aanvrager_ernstig": ["onbekende vraag voor deze scan"]}


def test_record_fields_are_validated_in_dutch(catalogue):
    questionnaire = catalogue.questionnaires["horeca"]
    bad_person = {"betrokken_personen": [{"naam": "X", "rol": "aanvrager", "antecedenten": [{"feit": "opiumwet"}]}]}
    _, errors = validate_answers(questionnaire, bad_person)
    assert "betrokken_personen" in errors
    bad_financier = {"financiers": [{"naam": "Y", "relatie": "familie_vriend", "bankspoor": "ja"}]}
    _, errors = validate_answers(questionnaire, bad_financier)
    assert errors["financiers"] == ["kies ja of nee"]


# --- fair by construction -----------------------------------------------------------------------------


@pytest.mark.parametrize("scan", list(SCANS))
def test_the_same_money_from_a_relative_abroad_or_here_scores_the_same(evaluator, scan):
    def financed(name: str, flat: str) -> dict:
        loan = {"naam": name, "relatie": "familie_vriend", "bedrag": 40000, "schriftelijke_overeenkomst": False}
        return {"financieringsbronnen": ["eigen_vermogen", flat], "financiers": [loan | {"bankspoor": True}]}

    abroad = evaluator.evaluate(scan, financed("Oom (woont in het buitenland)", "buitenlandse_financier")).to_dict()
    here = evaluator.evaluate(scan, financed("Oom (woont in Utrecht)", "familie_vrienden")).to_dict()
    assert [f["id"] for f in abroad["fired"]] == [f["id"] for f in here["fired"]]
    assert (abroad["score"], abroad["outcome"]) == (here["score"], here["outcome"])
    assert "ALG-003" in {f["id"] for f in here["fired"]}  # what weighs: no written agreement


def test_a_branch_alone_never_yields_an_indication(evaluator, catalogue):
    branches = catalogue.questionnaires["risicolocatie"].question("branche").option_values
    essentials = {
        "vragenformulier_status": "volledig",
        "antecedenten_ernstig": ["geen"],
        "herkomst_vermogen_aangetoond": "ja",
        "zeggenschap_ondoorzichtig": False,
    }
    # A feit (RL-010) and signals worth 17 points: "verhoogd"; a branch indicator would add 2 ("hoog").
    base = essentials | {
        "vergunningplichtig": True,
        "vergunning_procedure": "aanvraag",
        "vergunning_aanwezig": "nee",
        "opslag_oneigenlijk": True,
        "loods_bij_pand": True,
        "ontwijkend_gedrag": True,
    }
    branch_rules = {r.id for r in catalogue.rules_for("risicolocatie") if r.priority_only}
    assert {"RL-001", "RL-002"} <= branch_rules
    seen_branch_rule = False
    for branch in branches:
        result = evaluator.evaluate("risicolocatie", base | {"branche": branch}).to_dict()
        assert result["context"] == "beschikking_aanvraag" and "RL-010" in result["feit_indicators"]
        assert result["outcome"] not in INDICATIONS, branch
        assert (
            evaluator.evaluate(
                "risicolocatie",
                {"branche": branch} | essentials | {"vergunningplichtig": True, "vergunning_procedure": "aanvraag"},
            ).to_dict()["outcome"]
            not in INDICATIONS
        )
        if branch_rules & {f["id"] for f in result["fired"]}:
            seen_branch_rule = True
            assert result["level"] == "hoog" and result["outcome"] == "nader_onderzoek"
    assert seen_branch_rule
    # Outside a Bibob context the branch still counts for the control priority.
    control = evaluator.evaluate(
        "risicolocatie", base | {"branche": "autobranche", "vergunningplichtig": False}
    ).to_dict()
    plain = evaluator.evaluate("risicolocatie", base | {"branche": "anders", "vergunningplichtig": False}).to_dict()
    assert control["outcome"] == "controle_prioriteit" and control["score"] == plain["score"] + 2


def test_what_if_keeps_priority_only_out_of_the_indication(evaluator):
    answers = {
        "vragenformulier_status": "volledig",
        "antecedenten_ernstig": ["geen"],
        "herkomst_vermogen_aangetoond": "ja",
        "zeggenschap_ondoorzichtig": False,
        "vergunningplichtig": True,
        "vergunning_procedure": "aanvraag",
        "vergunning_aanwezig": "nee",
        "opslag_oneigenlijk": True,
        "loods_bij_pand": True,
        "ontwijkend_gedrag": True,
        "branche": "autobranche",
    }
    snapshot = evaluator.evaluate("risicolocatie", answers).to_dict()
    assert what_if(snapshot, set())["outcome"] == snapshot["outcome"] == "nader_onderzoek"


def test_lawful_conduct_is_never_a_feit(catalogue):
    for rule_id in ("ALG-007", "ALG-018", "HOR-003", "HOR-004", "HOR-008", "HOR-011", "VG-005", "VG-010", "RL-005"):
        assert catalogue.rules[rule_id].role == "signaal" and catalogue.rules[rule_id].weight <= 3, rule_id


@pytest.mark.parametrize("scan", list(SCANS))
def test_every_scan_keeps_at_least_25_active_indicators(catalogue, scan):
    assert len(catalogue.rules_for(scan)) >= 25


def test_double_counts_are_gone(evaluator):
    def fired(scan, answers):
        return {f.rule.id for f in evaluator.evaluate(scan, answers).fired}

    assert {"ALG-017", "RL-003"} - fired(
        "risicolocatie", {"klanten_zichtbaar": "weinig", "vermogen_past_niet": True}
    ) == {"RL-003"}
    assert fired("vastgoed", {"object_type": "agrarisch", "beoogd_gebruik": "vaag"}) & {"VG-003", "VG-009"} == {
        "VG-009"
    }
    assert fired("horeca", {"inrichting_type": "shishalounge", "contant_aandeel_pct": 90}) & {"HOR-004", "HOR-008"} == {
        "HOR-004"
    }
    both = {"containers_loodsen": True, "afgelegen_afsluitbaar": True, "activiteit_zichtbaar": "geen"}
    assert fired("bedrijventerrein", both) & {"BT-005", "BT-010"} == {"BT-005"}


def test_cash_payment_is_scored_in_every_scan_that_asks_it(evaluator):
    for scan in SCANS:
        ids = {f.rule.id for f in evaluator.evaluate(scan, {"contante_betalingen_bedrag": 60000}).fired}
        assert ids & {"ALG-033", "VG-002"}, scan


# --- "geen" is exclusive everywhere -------------------------------------------------------------------


def test_geen_with_another_option_is_refused_in_the_answer_validation(catalogue):
    for scan, questionnaire in catalogue.questionnaires.items():
        for question in questionnaire.questions.values():
            if question.type == "meerkeuze" and "geen" in question.option_values:
                other = next(v for v in question.option_values if v != "geen")
                _, errors = validate_answers(questionnaire, {question.id: ["geen", other]})
                assert GEEN_MESSAGE in errors[question.id][0], (scan, question.id)
                clean, errors = validate_answers(questionnaire, {question.id: ["geen"]})
                assert not errors and clean[question.id] == ["geen"]


def test_geen_with_another_option_is_refused_by_the_cli(runner, tmp_path):
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps({"antecedenten_ernstig": ["geen", "opiumwet"]}), encoding="utf-8")
    result = runner.invoke(args=["scan", "evaluate", "--scan", "horeca", str(answers)])
    assert result.exit_code == 2 and GEEN_MESSAGE in result.output


def test_geen_with_another_option_is_refused_by_the_api(api):  # noqa: F811
    scan_id = api(
        "POST", "/api/v1/scans", json={"scan_type": "bedrijventerrein", "subject_name": "Hal (fictief)"}
    ).get_json()["id"]
    wrong = api(
        "PUT", f"/api/v1/scans/{scan_id}/steps/controle", json={"answers": {"vondsten_controle": ["geen", "hennep"]}}
    )
    assert wrong.status_code == 422 and GEEN_MESSAGE in wrong.get_json()["errors"]["vondsten_controle"][0]


def test_geen_with_another_option_is_refused_by_the_wizard(scans):
    scan_id = scans.start("bedrijventerrein")
    scans.post_step(scan_id, "object", REQUIRED["bedrijventerrein"])
    page = scans.post_step(scan_id, "controle", {"vondsten_controle": ["geen", "hennep"]})
    assert page.status_code == 422 and GEEN_MESSAGE in page.get_data(as_text=True).replace("&#39;", "'")


def test_geen_with_another_option_is_refused_in_a_register_upload(app, client):
    login(client, "officer")
    data = "naam;adres;overtredingen_controle\nHal (fictief);Weg 1;geen | brp\nLoods (fictief);Weg 2;brp\n"
    form = {"scan_type": "bedrijventerrein", "name": "Terrein", "bestand": (io.BytesIO(data.encode()), "r.csv")}
    response = client.post("/portfolio/nieuw", data=form, content_type="multipart/form-data")
    assert response.status_code == 302
    portfolio_id = int(response.headers["Location"].rsplit("/", 1)[1])
    report = client.get(f"/portfolio/{portfolio_id}/fouten").get_data(as_text=True).replace("&#39;", "'")
    assert GEEN_MESSAGE in report


# --- the wizard and the report handle the records -----------------------------------------------------


def test_wizard_takes_persons_with_antecedents_and_financiers_and_the_report_names_them(app, scans):
    scan_id = scans.start("horeca")
    scans.post_step(scan_id, "aanvraag", REQUIRED["horeca"])
    form = {
        "betrokken_personen-0-naam": "A. Jansen",
        "betrokken_personen-0-rol": "aanvrager",
        "betrokken_personen-1-naam": "D. Smit",
        "betrokken_personen-1-rol": "leidinggevende",
        "betrokken_personen-1-ant-0-feit": "opiumwet",
        "betrokken_personen-1-ant-0-jaar": str(dt.date.today().year - 1),
        "betrokken_personen-1-ant-0-status": "veroordeling",
        "betrokken_personen-1-ant-0-samenhang": "ja",
        "betrokken_personen-1-ant-0-kanaal": "justitie",
        "actie": "volgende",
    }
    saved = scans.client.post(f"/scans/{scan_id}/stap/betrokkenen", data=form)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    again = scans.client.get(f"/scans/{scan_id}/stap/betrokkenen").get_data(as_text=True)
    assert 'value="D. Smit"' in again and '<option value="veroordeling" selected>' in again
    incomplete = dict(form, **{"betrokken_personen-1-ant-0-status": ""})
    refused = scans.client.post(f"/scans/{scan_id}/stap/betrokkenen", data=incomplete)
    assert refused.status_code == 422 and "de status en de bron" in refused.get_data(as_text=True)
    money = {
        "financiers-0-naam": "Oom",
        "financiers-0-relatie": "familie_vriend",
        "financiers-0-bedrag": "40.000",
        "financiers-0-schriftelijke_overeenkomst": "nee",
        "financiers-0-bankspoor": "ja",
        "actie": "volgende",
    }
    assert scans.client.post(f"/scans/{scan_id}/stap/financiering", data=money).status_code == 302
    shown = scans.client.get(f"/scans/{scan_id}/stap/financiering").get_data(as_text=True)
    assert 'value="Oom"' in shown and '<option value="familie_vriend" selected>' in shown
    scans.post_step(scan_id, "onderneming", {"rechtsvorm": "bv"})
    scans.post_step(scan_id, "gedrag", {"vragenformulier_status": "volledig"})
    assert scans.evaluate(scan_id).status_code == 302
    page = scans.client.get(f"/scans/{scan_id}/resultaat").get_data(as_text=True)
    assert "ALG-022 · " in page and "ALG-003 · " in page
    assert "D. Smit (Leidinggevende; art. 3 lid 4 onder c)" in page
    report = scans.client.get(f"/scans/{scan_id}/rapport").get_data(as_text=True)
    assert "D. Smit (Leidinggevende; art. 3 lid 4 onder c)" in report and "geen schriftelijke overeenkomst" in report


def test_report_verify_recomputes_with_the_stored_reference_date(app, scans, runner):
    from app.db import db
    from app.models import ScanResult

    scan_id = scans.start("horeca")
    year = dt.date.today().year - 5  # inside "the last five years" today, outside a year later
    person_row = person("B. de Vries", "bestuurder", ("witwassen", year, "veroordeling", False, "justitie"))
    answers = REQUIRED["horeca"] | {"rechtsvorm": "bv", "vragenformulier_status": "volledig"}
    scans.fill(scan_id, "horeca", answers)
    form = {f"betrokken_personen-0-{k}": v for k, v in (("naam", person_row["naam"]), ("rol", "bestuurder"))}
    form |= {f"betrokken_personen-0-ant-0-{k}": str(v) for k, v in person_row["antecedenten"][0].items()}
    form["betrokken_personen-0-ant-0-samenhang"] = "nee"
    assert scans.client.post(f"/scans/{scan_id}/stap/betrokkenen", data=form | {"actie": "volgende"}).status_code == 302
    assert scans.evaluate(scan_id).status_code == 302
    with app.app_context():
        result = db.session.scalars(db.select(ScanResult)).one()
        assert result.snapshot["reference_date"] == dt.date.today().isoformat()
        assert "ALG-022" in {f["id"] for f in result.snapshot["fired"]}
    assert "Identiek" in runner.invoke(args=["report", "verify", str(scan_id)]).output
    with app.app_context():
        result = db.session.scalars(db.select(ScanResult)).one()
        later = (dt.date.today() + dt.timedelta(days=366)).isoformat()
        result.snapshot = {**result.snapshot, "reference_date": later}  # as if evaluated a year later
        db.session.commit()
    changed = runner.invoke(args=["report", "verify", str(scan_id)])
    assert changed.exit_code == 1 and "verschil in 'fired'" in changed.output


def test_the_api_takes_person_and_financier_records_and_explains_the_feit(api):  # noqa: F811
    types = api("GET", "/api/v1/scan-types").get_json()
    horeca = next(t for t in types if t["id"] == "horeca")
    assert "feit_relatie_ernstig" in {d["id"] for d in horeca["derived"]}
    scan_id = api("POST", "/api/v1/scans", json={"scan_type": "horeca", "subject_name": "Bar (fictief)"}).get_json()[
        "id"
    ]
    year = dt.date.today().year - 1
    steps = {
        "aanvraag": REQUIRED["horeca"],
        "onderneming": {"rechtsvorm": "bv"},
        "gedrag": {"vragenformulier_status": "volledig"},
        "betrokkenen": {
            "betrokken_personen": [
                person("E. Visser", "aandeelhouder", ("witwassen", year, "transactie", True, "justitie"))
            ]
        },
        "financiering": {
            "financiers": [{"naam": "Oom", "relatie": "familie_vriend", "bedrag": 25000, "bankspoor": False}]
        },
    }
    for step, answers in steps.items():
        saved = api("PUT", f"/api/v1/scans/{scan_id}/steps/{step}", json={"answers": answers})
        assert saved.status_code == 200, saved.get_json()
    wrong = api(
        "PUT",
        f"/api/v1/scans/{scan_id}/steps/betrokkenen",
        json={"answers": {"betrokken_personen": [{"naam": "X", "rol": "voorzitter"}]}},
    )
    assert wrong.status_code == 422 and "betrokken_personen" in wrong.get_json()["errors"]
    body = api("POST", f"/api/v1/scans/{scan_id}/evaluate").get_json()
    fired = {f["id"]: f for f in body["result"]["fired"]}
    assert {"ALG-022", "ALG-024", "ALG-003"} <= set(fired)
    assert fired["ALG-022"]["triggers"][0]["persons"][0]["relation"] == "lid4_c"
    assert "E. Visser (Aandeelhouder / zeggenschap; art. 3 lid 4 onder c)" in fired["ALG-022"]["triggers"][0]["shown"]
