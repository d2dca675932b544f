"""Loading the catalogue: every kind of broken file is refused, with file, field and reason."""

import pytest

from app.engine.adapter import DurableEngine
from app.engine.selftest import run_rule_tests
from app.rules.errors import CatalogueError
from tests.conftest import SCANS

RULE = "rules/horeca/HOR-004.yaml"


def refused(scratch) -> list[str]:
    with pytest.raises(CatalogueError) as err:
        scratch.load()
    return [str(f) for f in err.value.faults]


def test_real_catalogue_has_at_least_15_active_indicators_per_scan(catalogue):
    for scan in SCANS:
        assert len(catalogue.rules_for(scan)) >= 15, scan


def test_every_rule_passes_its_own_cases_in_the_real_engine(catalogue):
    results = run_rule_tests(catalogue, DurableEngine())
    assert results and all(r.passed for r in results), [r for r in results if not r.passed]
    assert {r.kind for r in results} == {"fires", "does_not_fire"}


def test_a_wrong_test_case_is_caught_by_the_selftest(scratch):
    scratch.edit(RULE, "contant_aandeel_pct: 30}", "contant_aandeel_pct: 95}")
    results = run_rule_tests(scratch.load(), DurableEngine())
    failed = [(r.rule_id, r.kind) for r in results if not r.passed]
    assert failed == [("HOR-004", "does_not_fire")]


def test_invalid_yaml(scratch):
    scratch.write(RULE, "id: HOR-004\n  title: [kapot")
    assert any(f.startswith(f"{RULE}: geen geldige YAML (regel") for f in refused(scratch))


def test_unknown_field(scratch):
    scratch.edit(RULE, "weight: 2", "weight: 2\ngewicht: 4")
    assert f"{RULE}: gewicht: onbekend veld" in refused(scratch)


def test_value_outside_a_closed_vocabulary(scratch):
    scratch.edit(RULE, "category: exploitatie", "category: sfeer")
    assert any(f.startswith(f"{RULE}: category: moet een van") for f in refused(scratch))


def test_id_must_equal_file_name(scratch):
    scratch.edit(RULE, "id: HOR-004", "id: HOR-099")
    assert f"{RULE}: id: moet gelijk zijn aan de bestandsnaam (HOR-004)" in refused(scratch)


def test_duplicate_id(scratch):
    """A copy of a scan's rule in the shared folder: its id carries the wrong prefix, so it cannot duplicate."""
    copy = scratch.read(RULE).replace("scans: [horeca]", "scans: [horeca, risicolocatie]")
    scratch.write("rules/algemeen/HOR-004.yaml", copy)
    faults = refused(scratch)
    assert "rules/algemeen/HOR-004.yaml: id: een regel in algemeen/ heeft een id ALG-nnn (de gedeelde map)" in faults


def test_unknown_question(scratch):
    scratch.edit(RULE, "question: contant_aandeel_pct", "question: contant_percentage")
    faults = refused(scratch)
    assert any("onbekende vraag 'contant_percentage' in forms/horeca.yaml" in f for f in faults)


def test_operator_that_does_not_fit_the_question_type(scratch):
    scratch.edit(RULE, "  gte: 80", "  contains: 80")
    assert any("operator 'contains' past niet bij vraagtype 'getal'" in f for f in refused(scratch))


def test_value_that_is_not_an_option(scratch):
    scratch.edit("rules/horeca/HOR-008.yaml", "equals: shishalounge", "equals: hookah")
    assert any("waarde 'hookah' is geen optie van 'inrichting_type'" in f for f in refused(scratch))


def test_missing_test_cases(scratch):
    text = scratch.read(RULE)
    scratch.write(RULE, text[: text.index("  does_not_fire:")])
    assert f"{RULE}: tests.does_not_fire: verplicht veld ontbreekt" in refused(scratch)


def test_test_case_answers_must_fit_the_questionnaire(scratch):
    scratch.edit(RULE, "contant_aandeel_pct: 90}", "contant_aandeel_pct: veel}")
    assert any("tests.fires[0].answers.contant_aandeel_pct" in f for f in refused(scratch))


def test_unknown_source_and_legal_basis(scratch):
    scratch.edit(RULE, "source: praktijk_werkhypothese", "source: krant_van_gisteren")
    scratch.edit(RULE, "legal_basis: []", "legal_basis: [wet_bibob_99]")
    faults = refused(scratch)
    assert any("onbekende bron 'krant_van_gisteren'" in f for f in faults)
    assert any("onbekende rechtsgrond 'wet_bibob_99'" in f for f in faults)


def test_a_question_marked_not_scorable_cannot_be_read(scratch):
    scratch.edit(
        "forms/horeca.yaml",
        "        label: Aantal zitplaatsen\n        type: getal",
        "        label: Aantal zitplaatsen\n        type: getal\n        scorable: false",
    )
    scratch.edit(RULE, "question: contant_aandeel_pct\n  gte: 80", "question: zitplaatsen\n  gte: 80")
    assert any("mag niet meewegen in een score" in f for f in refused(scratch))


def test_a_negated_pattern_is_refused(scratch):
    scratch.edit(
        RULE,
        "condition:\n  question: contant_aandeel_pct\n  gte: 80",
        "condition:\n  not:\n    question: kvk_nummer\n    matches: '[0-9]+'",
    )
    assert f"{RULE}: condition: 'matches' kan niet onder 'not' staan" in refused(scratch)


def test_rule_in_a_scan_folder_belongs_to_that_scan_only(scratch):
    scratch.edit(RULE, "scans: [horeca]", "scans: [horeca, vastgoed]")
    assert any("hoort alleen bij scan 'horeca'" in f for f in refused(scratch))


def test_missing_scoring_file_and_broken_questionnaire_are_all_reported(scratch):
    (scratch.rules / "vastgoed" / "scoring.yaml").unlink()
    scratch.edit("forms/_gedeeld/gedrag.yaml", "type: keuze", "type: schuifje")
    scratch.edit(RULE, "weight: 2", "weight: -1")
    faults = refused(scratch)
    assert "rules/vastgoed/scoring.yaml: scorebeleid voor deze scan ontbreekt" in faults
    assert any(f.startswith("forms/_gedeeld/gedrag.yaml: questions[0].type") for f in faults)
    assert any(f.startswith(f"{RULE}: weight: waarde buiten bereik") for f in faults)


def test_scoring_levels_must_rise(scratch):
    scratch.edit("rules/horeca/scoring.yaml", "{level: hoog, min_score: 18}", "{level: hoog, min_score: 5}")
    assert "rules/horeca/scoring.yaml: levels: min_score begint bij 0 en stijgt per niveau" in refused(scratch)


def test_show_if_may_only_look_back(scratch):
    scratch.edit(
        "forms/horeca.yaml", "show_if: {question: overname, equals: true}", "show_if: {question: zitplaatsen, gt: 10}"
    )
    assert any("verwijst naar 'zitplaatsen', geen eerdere vraag" in f for f in refused(scratch))


def test_version_changes_only_with_the_files_of_that_scan(scratch, catalogue):
    scratch.edit(RULE, "weight: 2", "weight: 4")
    changed = scratch.load()
    assert changed.version("horeca") != catalogue.version("horeca")
    assert changed.version("vastgoed") == catalogue.version("vastgoed")
