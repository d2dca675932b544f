"""The buitengebied scan (issue 15): added as data only, its indicators through the real engine, the
bedrijventerrein scan back to industrial estates, legacy questions, and essential entries with alternatives."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from app.db import db
from app.engine.advice import missing_essential
from app.forms.answers import validate_answers
from app.models import Scan
from app.rules.conditions import questions
from app.rules.errors import CatalogueError
from tests.conftest import SCANS
from tests.factories import COMMON, REQUIRED, person

ROOT = Path(__file__).resolve().parent.parent
SCAN = "buitengebied"

#: Control context, nothing found.
CONTROL = {"object_soort": "schuur_stal_leeg", "bibob_besluit": "geen"}
#: A permit application for another use of the building, with the essential questions answered clean.
PERMIT = {
    "object_soort": "schuur_stal_leeg",
    "bibob_besluit": "vergunning_aanvraag",
    "vragenformulier_status": "volledig",
    "antecedenten_ernstig": ["geen"],
    "herkomst_vermogen_aangetoond": "ja",
    "zeggenschap_ondoorzichtig": False,
}
#: Observations only: rented to a third party, cash, strange energy use, blinded windows, night traffic, waste.
SIGNALS = {
    "verhuur_aan_derde": True,
    "huur_bijzonderheden": ["contant", "ongebruikelijk_hoog"],
    "gebruiker_bekend": "nee",
    "energie_afwijkend": "illegale_aansluiting",
    "ramen_geblindeerd": True,
    "geur_ventilatie_warmte": ["chemische_geur", "warmte"],
    "nachtelijke_activiteit": True,
    "afval_aangetroffen": ["vaten_jerrycans"],
    "verdacht_huurvoorstel": True,
}
LAB_AT_TENANT = {"rol_betrokkene": "huurder", "vondsten_controle": ["drugslab"], "vondst_eigen_ruimte": True}
#: An owner who was approached, offered cash for his yard, intimidated and locked out of his own barn, and
#: told the gemeente so himself.
OWNER_UNDER_PRESSURE = {
    "rol_betrokkene": "eigenaar",
    "verdacht_huurvoorstel": True,
    "koopvoorstel": ["boven_waarde", "contant"],
    "druk_op_eigenaar": "intimidatie",
    "toegang_eigenaar": "sloten_vervangen",
}
#: Questions whose answer an owner tells in confidence, or that hold criminal data.
CONFIDENTIAL = ("verdacht_huurvoorstel", "koopvoorstel", "druk_op_eigenaar", "toegang_eigenaar")
CRIMINAL = ("vondsten_controle", "vondst_eigen_ruimte", "druk_op_eigenaar")


def evaluate(evaluator, answers):
    return evaluator.evaluate(SCAN, answers).to_dict()


def faults_after(scratch, path: str, old: str, new: str) -> list:
    """The faults the loader reports once `old` is replaced by `new` in a copy of the catalogue."""
    scratch.edit(path, old, new)
    with pytest.raises(CatalogueError) as err:
        scratch.load()
    return err.value.faults


def test_the_scan_has_at_least_twenty_active_indicators_of_its_own(catalogue):
    own = [r for r in catalogue.rules_for(SCAN) if r.id.startswith("BG-")]
    assert len(own) >= 20
    assert all(r.status == "active" and r.scans == (SCAN,) for r in own)
    assert all(r.sources and r.fires and r.does_not_fire for r in own)


def test_the_shared_rules_apply_to_the_rural_area_as_to_every_other_scan(catalogue):
    shared = {r.id for r in catalogue.rules_for("bedrijventerrein") if r.id.startswith("ALG-")}
    assert shared and shared <= {r.id for r in catalogue.rules_for(SCAN)}


def test_no_python_file_names_the_scan():
    """The scan is data only: no module, script or benchmark names it (the tests may)."""
    files = [ROOT / "wsgi.py", *(p for d in ("app", "scripts", "bench") for p in (ROOT / d).rglob("*.py"))]
    assert len(files) > 50
    naming = [str(p.relative_to(ROOT)) for p in files if SCAN in p.read_text(encoding="utf-8").lower()]
    assert naming == []


def test_a_clean_control_gives_no_indications(evaluator):
    r = evaluate(evaluator, CONTROL)
    assert r["context"] == "geen_bibob_besluit" and r["fired"] == []
    assert r["outcome"] == "geen_aanwijzingen" and r["priority"] is None


def test_without_a_bibob_decision_the_default_is_a_control(evaluator):
    r = evaluate(evaluator, {"object_soort": "kas"} | SIGNALS)
    assert r["context"] == "geen_bibob_besluit"


def test_signals_only_give_a_control_priority_never_an_indication(evaluator):
    r = evaluate(evaluator, CONTROL | SIGNALS)
    assert {f["role"] for f in r["fired"]} == {"signaal"}
    assert r["outcome"] == "controle_prioriteit" and r["priority"] == "hoog"
    # The same signals in a Bibob context: at most further investigation, however high the score.
    bibob = evaluate(evaluator, PERMIT | SIGNALS)
    assert bibob["level"] == "zeer_hoog" and bibob["outcome"] == "nader_onderzoek" and bibob["capped_by_feit"]


def test_a_find_elsewhere_on_the_yard_is_not_a_feit_against_the_tenant(evaluator):
    r = evaluate(evaluator, PERMIT | LAB_AT_TENANT | {"vondst_eigen_ruimte": False})
    fired = {f["id"]: f for f in r["fired"]}
    assert "BG-001" not in fired and fired["BG-002"]["role"] == "signaal"
    assert r["feit_indicators"] == [] and r["outcome"] == "nader_onderzoek"


def test_a_drug_lab_at_the_tenant_is_a_feit_and_gives_an_indication_in_a_bibob_context(evaluator):
    r = evaluate(evaluator, PERMIT | LAB_AT_TENANT)
    fired = {f["id"]: f for f in r["fired"]}
    assert fired["BG-001"]["role"] == "feit" and [x["id"] for x in fired["BG-001"]["relation"]] == ["lid4_a"]
    assert r["feit_indicators"] == ["BG-001"]
    assert r["outcome"] == "indicatie_ernstig_gevaar"
    assert "sluiting_13b_handhaving" in [s["id"] for s in r["next_steps"]]


def test_the_same_lab_at_the_owner_is_a_signal_the_owner_may_be_a_victim(evaluator):
    r = evaluate(evaluator, PERMIT | {"rol_betrokkene": "eigenaar", "vondsten_controle": ["drugslab"]})
    fired = {f["id"]: f for f in r["fired"]}
    assert "BG-001" not in fired and fired["BG-002"]["role"] == "signaal"
    assert r["outcome"] == "nader_onderzoek" and r["capped_by_feit"]


def test_an_owner_under_pressure_is_a_signal_about_the_user_not_a_feit(evaluator):
    r = evaluate(evaluator, PERMIT | {"druk_op_eigenaar": "intimidatie"})
    (fired,) = r["fired"]
    assert fired["id"] == "BG-014" and fired["role"] == "signaal" and r["outcome"] == "geen_aanwijzingen"


def test_an_approached_and_intimidated_owner_is_never_scored_against_himself(evaluator):
    """Blocker: approaches, pressure and a lock-out count for the control priority only, never in a Bibob
    indication, however many there are."""
    r = evaluate(evaluator, PERMIT | OWNER_UNDER_PRESSURE)
    fired = {f["id"]: f for f in r["fired"]}
    assert set(fired) == {"BG-010", "BG-012", "BG-013", "BG-014"}
    assert all(f["priority_only"] and f["role"] == "signaal" for f in fired.values())
    assert r["score"] == 20 and r["level"] == "hoog"  # they still weigh for the priority
    assert r["context"] == "beschikking_aanvraag" and r["outcome"] == "geen_aanwijzingen"
    # The same answers outside a Bibob decision: a control priority (the place is targeted).
    control = evaluate(evaluator, CONTROL | OWNER_UNDER_PRESSURE)
    assert control["outcome"] == "controle_prioriteit" and control["priority"] == "hoog"


def test_what_an_owner_tells_in_confidence_never_reaches_a_register_or_a_brief(catalogue):
    questionnaire = catalogue.questionnaires[SCAN]
    table = questionnaire.channels
    for qid in CONFIDENTIAL + CRIMINAL:
        p = questionnaire.question(qid).provenance
        assert not p.portfolio, qid
        assert table.shareabilities[p.shareability].brief == "weglaten", qid
        assert not any(p.shareability in r.receives for r in table.recipients.values()), qid
    for qid in CRIMINAL:
        assert questionnaire.question(qid).provenance.criminal, qid
    assert questionnaire.question("verdacht_huurvoorstel").provenance.channel == "melding"


def test_findings_at_a_control_are_criminal_data_in_both_scans(catalogue):
    for scan in (SCAN, "bedrijventerrein"):
        for qid in ("vondsten_controle", "vondst_eigen_ruimte"):
            p = catalogue.questionnaires[scan].question(qid).provenance
            assert p.criminal and not p.portfolio, (scan, qid)


def test_every_question_of_the_scan_is_read_by_a_rule_or_the_context(catalogue):
    """Data minimisation: the scan asks nothing it does not use (free text and the shared steps aside)."""
    form = yaml.safe_load((ROOT / "forms" / f"{SCAN}.yaml").read_text(encoding="utf-8"))
    own = [q["id"] for step in form["steps"] if "include" not in step for q in step["questions"]]
    questionnaire = catalogue.questionnaires[SCAN]
    asked = [q for q in own if questionnaire.question(q).type != "tekst"]
    read = {q for rule in catalogue.rules_for(SCAN) for q in questions(rule.condition)}
    read |= {q for _, condition in catalogue.scoring[SCAN].context_when for q in questions(condition)}
    # The declared use frames BG-029's "wijkt af van het opgegeven gebruik"; the officer needs it there.
    assert [q for q in asked if q not in read] == ["gebruik_opgegeven"]


def test_only_the_tenants_own_finding_is_a_feit(catalogue):
    feit = [r.id for r in catalogue.rules_for(SCAN) if r.id.startswith("BG-") and r.role == "feit"]
    assert feit == ["BG-001"]


def test_dumping_in_the_area_counts_for_the_priority_only(evaluator):
    r = evaluate(evaluator, PERMIT | LAB_AT_TENANT | {"dumping_omgeving": True})
    assert {f["id"]: f for f in r["fired"]}["BG-028"]["priority_only"] is True


# --- bedrijventerrein: industrial estates only ----------------------------------------------------------


def test_bedrijventerrein_no_longer_asks_about_the_rural_area(catalogue):
    questionnaire = catalogue.questionnaires["bedrijventerrein"]
    assert questionnaire.title == "Bedrijventerrein" and SCANS["bedrijventerrein"] == "Bedrijventerrein"
    offered = " ".join(
        f"{q.label} {' '.join(o.label + ' ' + o.value for o in q.options)}"
        for step in questionnaire.steps
        for q in step.questions
        if q.shown({})
    ).lower()
    for word in ("buitengebied", "agrarisch", "stal"):
        assert word not in offered, word
    assert not questionnaire.question("verdacht_huurvoorstel").shown({})


def test_only_the_tenants_own_finding_on_an_estate_is_a_feit(catalogue, evaluator):
    feit = [r.id for r in catalogue.rules_for("bedrijventerrein") if r.id.startswith("BT-") and r.role == "feit"]
    assert feit == ["BT-001"]
    permit = PERMIT | {"object_soort": "loods"}
    at_owner = evaluator.evaluate(
        "bedrijventerrein", permit | {"rol_betrokkene": "eigenaar", "vondsten_controle": ["hennep"]}
    )
    fired = {f["id"]: f for f in at_owner.to_dict()["fired"]}
    assert (
        "BT-001" not in fired and fired["BT-019"]["role"] == "signaal" and at_owner.to_dict()["feit_indicators"] == []
    )
    at_tenant = LAB_AT_TENANT | {"vondsten_controle": ["vals_geld"]}
    r = evaluator.evaluate("bedrijventerrein", permit | at_tenant).to_dict()
    assert r["feit_indicators"] == ["BT-001"] and r["outcome"] == "indicatie_ernstig_gevaar"


def test_an_observation_is_no_ground_for_a_13b_closure(catalogue):
    """Closure under art. 13b Opiumwet needs drugs present: a smell, heat or an illegal connection is no basis."""
    observations = {"energie_afwijkend", "geur_ventilatie_warmte", "ventilatie_geur_warmte", "eigen_stroomvoorziening"}
    citing = [
        r.id
        for scan in (SCAN, "bedrijventerrein")
        for r in catalogue.rules_for(scan)
        if set(questions(r.condition)) & observations and "opiumwet_13b" in r.legal_basis
    ]
    assert citing == []


def test_estate_rules_no_longer_cite_the_rural_control(catalogue):
    quotes = [ref.quote for r in catalogue.rules_for("bedrijventerrein") for ref in r.sources if ref.quote]
    assert quotes and not any("buitengebied" in q for q in quotes)


def test_stored_rural_answers_to_bedrijventerrein_stay_valid(catalogue, evaluator):
    questionnaire = catalogue.questionnaires["bedrijventerrein"]
    stored = {"object_soort": "agrarisch", "ligging": "buitengebied", "verdacht_huurvoorstel": True}
    _, errors = validate_answers(questionnaire, stored)
    assert errors == {}
    r = evaluator.evaluate("bedrijventerrein", stored).to_dict()
    assert "BT-008" not in {f["id"] for f in r["fired"]}  # deprecated: counts no more
    assert catalogue.rules["BT-008"].status == "deprecated" and "BG-012" in catalogue.rules["BT-008"].description


def test_an_active_rule_may_not_read_a_legacy_question(scratch):
    faults = faults_after(scratch, "rules/bedrijventerrein/BT-008.yaml", "status: deprecated", "status: active")
    assert any("vervallen" in f.reason and f.file.endswith("BT-008.yaml") for f in faults)


def test_a_legacy_question_cannot_be_required(scratch):
    legacy, required = "        legacy: true\n", "        legacy: true\n        required: true\n"
    faults = faults_after(scratch, "forms/bedrijventerrein.yaml", legacy, required)
    assert any(f.field.endswith(".legacy") for f in faults)


# --- essential entries with alternatives ----------------------------------------------------------------


@pytest.mark.parametrize("scan", list(SCANS))
def test_antecedents_count_as_answered_by_the_summary_or_the_person_record(catalogue, scan):
    policy, questionnaire = catalogue.scoring[scan], catalogue.questionnaires[scan]
    base = {
        "vragenformulier_status": "volledig",
        "herkomst_vermogen_aangetoond": "ja",
        "zeggenschap_ondoorzichtig": False,
    }
    assert missing_essential(base, policy, questionnaire) == ("antecedenten_ernstig",)
    assert missing_essential(base | {"antecedenten_ernstig": ["geen"]}, policy, questionnaire) == ()
    per_person = {"betrokken_personen": [person("A. Jansen (fictief)", "aanvrager")]}
    assert missing_essential(base | per_person, policy, questionnaire) == ()


def test_an_open_entry_names_all_its_alternatives(evaluator, catalogue):
    r = evaluate(evaluator, {"object_soort": "kas", "bibob_besluit": "subsidie"})
    assert r["outcome"] == "onderzoek_onvolledig"
    entry = next(m for m in r["missing_essential"] if m["question"] == "antecedenten_ernstig")
    questionnaire = catalogue.questionnaires[SCAN]
    assert entry["label"] == (
        f"{questionnaire.label_of('antecedenten_ernstig')} of {questionnaire.label_of('betrokken_personen')}"
    )


def test_the_person_record_alone_completes_a_bibob_investigation(evaluator):
    answers = {k: v for k, v in PERMIT.items() if k != "antecedenten_ernstig"}
    answers["betrokken_personen"] = [person("A. Jansen (fictief)", "aanvrager")]
    r = evaluate(evaluator, answers)
    assert r["missing_essential"] == [] and r["outcome"] == "geen_aanwijzingen"


def test_an_essential_entry_with_one_alternative_is_refused(scratch):
    pair, single = "[antecedenten_ernstig, betrokken_personen]", "[antecedenten_ernstig]"
    faults = faults_after(scratch, "rules/buitengebied/scoring.yaml", pair, single)
    assert any(f.field.startswith("essential") for f in faults)


def test_a_controle_brief_leaves_out_what_the_owner_told_and_what_was_found(app, scans, catalogue):
    """Even for the RIEC and the police: confidential and criminal answers, and the indicators on them, stay out."""
    scan_id = scans.start(SCAN, name="Schuur Briefweg 1 (fictief)")
    found = {"vondsten_controle": ["hennep"], "ramen_geblindeerd": True}
    scans.fill(scan_id, SCAN, REQUIRED[SCAN] | COMMON | OWNER_UNDER_PRESSURE | found)
    assert scans.evaluate(scan_id).status_code == 302
    with app.app_context():
        fired = {f["id"] for f in db.session.get(Scan, scan_id).latest_result.snapshot["fired"]}
    left_out = {"BG-002", "BG-010", "BG-012", "BG-013", "BG-014"}
    assert left_out | {"BG-019"} <= fired
    page = scans.client.get(f"/scans/{scan_id}/controlebrief", query_string={"ontvanger": ["riec", "politie"]})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    questionnaire = catalogue.questionnaires[SCAN]
    for rule_id in sorted(left_out):
        assert catalogue.rules[rule_id].title not in html, rule_id
    for question_id in CONFIDENTIAL:
        assert questionnaire.question(question_id).label not in html, question_id
    assert catalogue.rules["BG-019"].title in html  # a blinded window may be shared
