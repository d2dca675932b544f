"""The advice model through the real engine: contexts, outcomes, the feit requirement, gates and next steps."""

from __future__ import annotations

import itertools

import pytest

from app.engine.advice import FiredRole, decide
from app.rules.errors import CatalogueError
from app.rules.vocabulary import (
    BESCHIKKING_CONTEXTS,
    BIBOB_CONTEXTS,
    CONTEXTS,
    GATED_OUTCOMES,
    NEXT_STEP_CONTEXTS,
    OUTCOMES,
)

#: Answers that settle each context, per scan.
CONTEXT_ANSWERS = {
    "horeca": {
        "beschikking_aanvraag": {"vergunningsoort": "beide", "inrichting_type": "cafe_bar"},
        "beschikking_intrekking": {"vergunningsoort": "intrekking", "inrichting_type": "cafe_bar"},
        "geen_bibob_besluit": {"vergunningsoort": "geen_aanvraag", "inrichting_type": "cafe_bar"},
    },
    "risicolocatie": {
        "beschikking_aanvraag": {"branche": "anders", "vergunningplichtig": True},
        "beschikking_intrekking": {
            "branche": "anders",
            "vergunningplichtig": True,
            "vergunning_procedure": "intrekking",
        },
        "geen_bibob_besluit": {"branche": "anders", "vergunningplichtig": False},
        "onbekend": {"branche": "anders"},
    },
    "vastgoed": {
        "vastgoedtransactie": {"transactie_type": "verkoop_gemeente", "object_type": "bedrijfspand"},
        "beschikking_aanvraag": {"transactie_type": "vergunning_pand", "object_type": "bedrijfspand"},
        "geen_bibob_besluit": {"transactie_type": "aankoop_derde", "object_type": "bedrijfspand"},
    },
    "bedrijventerrein": {
        "geen_bibob_besluit": {"object_soort": "loods"},
        "beschikking_aanvraag": {"object_soort": "loods", "bibob_besluit": "vergunning_aanvraag"},
        "beschikking_intrekking": {"object_soort": "loods", "bibob_besluit": "vergunning_intrekking"},
        "vastgoedtransactie": {"object_soort": "loods", "bibob_besluit": "vastgoedtransactie_gemeente"},
        "subsidie": {"object_soort": "loods", "bibob_besluit": "subsidie"},
        "overheidsopdracht": {"object_soort": "loods", "bibob_besluit": "overheidsopdracht"},
    },
    "buitengebied": {
        "geen_bibob_besluit": {"object_soort": "schuur_stal_leeg"},
        "beschikking_aanvraag": {"object_soort": "schuur_stal_leeg", "bibob_besluit": "vergunning_aanvraag"},
        "beschikking_intrekking": {"object_soort": "schuur_stal_leeg", "bibob_besluit": "vergunning_intrekking"},
        "vastgoedtransactie": {"object_soort": "erf_perceel", "bibob_besluit": "vastgoedtransactie_gemeente"},
        "subsidie": {"object_soort": "schuur_stal_in_gebruik", "bibob_besluit": "subsidie"},
        "overheidsopdracht": {"object_soort": "kas", "bibob_besluit": "overheidsopdracht"},
    },
}
#: The essential questions answered, and nothing found.
CLEAN = {
    "vragenformulier_status": "volledig",
    "antecedenten_ernstig": ["geen"],
    "herkomst_vermogen_aangetoond": "ja",
    "zeggenschap_ondoorzichtig": False,
}
#: Many signals, no feit: a very high score without any relation to strafbare feiten.
SIGNALS = {
    "herkomst_vermogen_aangetoond": "nee",
    "eigen_vermogen_bedrag": 100000,
    "financieringsbronnen": ["contante_lening", "onderhandse_lening"],
    "leningsvoorwaarden_afwijkend": True,
    "stroman_signalen": True,
    "zeggenschap_ondoorzichtig": True,
    "vermogen_past_niet": True,
    "ontwijkend_gedrag": True,
}
#: Serious antecedents (a feit under art. 3 lid 4) on top of the signals.
SEVERE = SIGNALS | {"antecedenten_ernstig": ["opiumwet", "witwassen"], "omg_banden": True}
#: A middling case: one feit (a fiscal antecedent) and a few signals.
MIDDLING = {"antecedenten_overig": ["fiscaal"], "stroman_signalen": True, "leningsvoorwaarden_afwijkend": True}

CASES = [(scan, context) for scan, per in CONTEXT_ANSWERS.items() for context in per]


def result(evaluator, scan, context, extra):
    answers = CONTEXT_ANSWERS[scan][context] | CLEAN | extra
    return evaluator.evaluate(scan, answers).to_dict()


def step_ids(r):
    return [s["id"] for s in r["next_steps"]]


def assert_lawful_steps(r):
    """No step appears where the law does not allow it."""
    for step in step_ids(r):
        assert r["context"] in NEXT_STEP_CONTEXTS[step], (step, r["context"])
    if r["outcome"] in GATED_OUTCOMES:
        assert "geen_actie" not in step_ids(r)
    if r["context"] not in BIBOB_CONTEXTS:
        assert "advies_lbb_aanvragen" not in step_ids(r)
        assert r["outcome"] in ("geen_aanwijzingen", "controle_prioriteit", "onderzoek_onvolledig")
    if r["context"] not in BESCHIKKING_CONTEXTS:
        assert "voorschriften_overwegen" not in step_ids(r)


@pytest.mark.parametrize(("scan", "context"), CASES)
def test_context_is_derived_from_the_answers(evaluator, scan, context):
    r = result(evaluator, scan, context, {})
    assert r["context"] == context
    assert r["context_label"] == CONTEXTS[context]
    assert r["advice_model"] == 2


@pytest.mark.parametrize(("scan", "context"), CASES)
def test_every_outcome_path_in_every_scan_and_context(evaluator, scan, context):
    clean = result(evaluator, scan, context, {})
    signals = result(evaluator, scan, context, SIGNALS)
    severe = result(evaluator, scan, context, SEVERE)
    refused = result(evaluator, scan, context, {"vragenformulier_status": "geweigerd"})
    false_papers = result(evaluator, scan, context, {"valse_stukken": True})
    empty = evaluator.evaluate(scan, CONTEXT_ANSWERS[scan][context]).to_dict()
    for r in (clean, signals, severe, refused, false_papers, empty):
        assert_lawful_steps(r)
        assert "Bibob-conclusie" not in str(r)
    if context == "onbekend":
        assert {r["outcome"] for r in (clean, severe, refused)} == {"onderzoek_onvolledig"}
        assert step_ids(severe)[0] == "context_vaststellen"
        return
    if context == "geen_bibob_besluit":
        assert clean["outcome"] == "geen_aanwijzingen" and clean["priority"] is None
        assert signals["outcome"] == severe["outcome"] == "controle_prioriteit"
        assert severe["priority"] == "hoog"
        assert severe["indication_note"].startswith("Prioriteit voor controle")
        assert refused["outcome"] != "buiten_behandeling"  # no form exists outside a Bibob procedure
        return
    # A Bibob context.
    assert clean["outcome"] == "geen_aanwijzingen" and step_ids(clean) == ["geen_actie"]
    assert empty["outcome"] == "onderzoek_onvolledig"  # absence of evidence is not a clean result
    assert {m["question"] for m in empty["missing_essential"]} >= {"antecedenten_ernstig"}
    assert signals["level"] == "zeer_hoog" and signals["outcome"] == "nader_onderzoek"
    assert signals["capped_by_feit"] is True
    assert severe["outcome"] == "indicatie_ernstig_gevaar" and "ALG-008" in severe["feit_indicators"]
    assert "advies_lbb_aanvragen" in step_ids(severe) and "betrokkene_informeren_art32" in step_ids(severe)
    assert severe["indication_note"].startswith("Indicatie – geen conclusie")
    expected_gate = "onderzoek_onvolledig" if context == "beschikking_intrekking" else "buiten_behandeling"
    assert refused["outcome"] == expected_gate and refused["gate"]["id"] == "medewerking"
    if context == "beschikking_intrekking":
        assert "art4_weigering_medewerking" in step_ids(refused)
    if context in ("beschikking_aanvraag", "subsidie"):
        assert "buiten_behandeling_awb_4_5" in step_ids(refused)
    assert false_papers["outcome"] == "weigeringsgrond_lid6"
    assert "weigering_lid6_overwegen" in step_ids(false_papers)


@pytest.mark.parametrize("scan", list(CONTEXT_ANSWERS))
def test_a_middling_case_with_one_feit_gives_at_most_the_indication_its_level_allows(evaluator, scan):
    context = "beschikking_aanvraag"
    r = result(evaluator, scan, context, MIDDLING)
    assert "ALG-009" in r["feit_indicators"]
    assert r["outcome"] == r["level_outcomes"][r["level"]]["outcome"]


def test_vastgoed_cites_article_5a_and_9_lid_3_and_never_voorschriften(evaluator):
    r = result(evaluator, "vastgoed", "vastgoedtransactie", SEVERE)
    lbb = next(s for s in r["next_steps"] if s["id"] == "advies_lbb_aanvragen")
    titles = " ".join(b["title"] for b in lbb["legal_basis"])
    assert "art. 5a" in titles and "art. 9 lid 3" in titles
    assert "bibob_clausule_overeenkomst" in step_ids(r)
    assert "voorschriften_overwegen" not in step_ids(r)


def test_a_third_party_deal_is_no_bibob_decision(evaluator):
    r = result(evaluator, "vastgoed", "geen_bibob_besluit", SEVERE)
    assert r["outcome"] == "controle_prioriteit"
    assert "advies_lbb_aanvragen" not in step_ids(r)


def test_drug_use_by_guests_is_a_signal_and_trade_is_a_feit(evaluator):
    use = result(evaluator, "horeca", "beschikking_aanvraag", {"drugs_signalen": True})
    trade = result(evaluator, "horeca", "beschikking_aanvraag", {"drugshandel_voorraad": True})
    assert [f["role"] for f in use["fired"]] == ["signaal"]
    assert trade["fired"][0]["id"] == "HOR-012" and trade["fired"][0]["role"] == "feit"
    assert trade["fired"][0]["relation"][0]["id"] == "lid4_a"
    assert "sluiting_13b_handhaving" in step_ids(trade)


def test_decide_needs_a_feit_for_an_indication_whatever_the_level():
    signal = [FiredRole("X", "signaal")]
    indications = {"laag": "geen_aanwijzingen", "zeer_hoog": "indicatie_ernstig_gevaar"}
    assert decide("beschikking_aanvraag", "zeer_hoog", signal, (), indications).outcome == "nader_onderzoek"
    feit = [FiredRole("Y", "feit")]
    assert decide("beschikking_aanvraag", "zeer_hoog", feit, (), indications).outcome == "indicatie_ernstig_gevaar"


def test_gates_override_the_score_and_lid6_comes_first():
    both = [FiredRole("A", "procedure", "medewerking"), FiredRole("B", "procedure", "lid6"), FiredRole("C", "feit")]
    levels = {"zeer_hoog": "indicatie_ernstig_gevaar"}
    decision = decide("beschikking_aanvraag", "zeer_hoog", both, (), levels)
    assert decision.outcome == "weigeringsgrond_lid6" and decision.gate_indicators == ("B",)


def test_every_entry_of_the_advice_table_is_lawful(catalogue):
    for entry, context in itertools.chain.from_iterable(((e, c) for c in e.contexts) for e in catalogue.advice.entries):
        for step in entry.next_steps:
            assert context in NEXT_STEP_CONTEXTS[step], (entry.outcome, context, step)
        assert entry.outcome in OUTCOMES
        assert "Bibob-conclusie" not in entry.summary


def test_every_feit_names_its_relation_and_every_rule_its_role(catalogue):
    for rule in catalogue.rules.values():
        assert rule.role in ("feit", "signaal", "procedure")
        if rule.role == "feit":
            assert rule.relation, rule.id


def test_an_advice_table_with_lbb_advice_outside_a_bibob_context_is_refused(scratch):
    scratch.edit(
        "rules/advies.yaml",
        "    next_steps: [integrale_controle_tov, signaal_riec]",
        "    next_steps: [integrale_controle_tov, advies_lbb_aanvragen]",
    )
    with pytest.raises(CatalogueError) as err:
        scratch.load()
    assert "advies_lbb_aanvragen" in str(err.value) and "geen_bibob_besluit" in str(err.value)


def test_a_feit_without_its_relation_is_refused(scratch):
    scratch.edit("rules/algemeen/ALG-008.yaml", "relation: [lid4_a, lid4_c]\n", "")
    with pytest.raises(CatalogueError) as err:
        scratch.load()
    assert "ALG-008" in str(err.value) and "relatie" in str(err.value)
