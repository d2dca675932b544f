"""Rules cite real material: every quote from a seed file appears in that file."""

import re

import pytest

from app.paths import ROOT
from app.rules.fairness import protected_findings, protected_words

SEEDS = ROOT.parent / "shared" / "seeds"


def _normalise(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = re.sub(r"\s+", " ", text)
    return re.sub(r"(\w)- (\w)", r"\1\2", text).lower()  # undo PDF hyphenation at line ends


@pytest.mark.skipif(not SEEDS.is_dir(), reason="shared/seeds is not beside this checkout")
def test_every_seed_quote_is_in_its_seed_file(catalogue):
    texts = {}
    missing = []
    for rule in catalogue.rules.values():
        for ref in rule.sources:
            source = catalogue.sources[ref.source]
            if source["kind"] != "seed" or not ref.quote:
                continue
            if source["file"] not in texts:
                texts[source["file"]] = _normalise((SEEDS / source["file"]).read_text(encoding="utf-8"))
            if _normalise(ref.quote) not in texts[source["file"]]:
                missing.append((rule.id, ref.source, ref.quote))
    assert missing == []


def test_every_cited_seed_file_exists_in_the_register(catalogue):
    for source in catalogue.sources.values():
        if source["kind"] == "seed":
            assert re.fullmatch(r"00[0-4]_[0-9a-f]{16}\.txt", source["file"])


def test_no_question_or_rule_names_a_protected_characteristic_or_proxy(catalogue):
    """The check NOT_USED (Algoritmeregister) describes: questionnaires and rules, every text and value."""
    assert protected_findings(catalogue) == []


def test_the_check_finds_proxies_and_spares_money(catalogue):
    assert protected_words("Nationaliteit of geboorteland van de bestuurder") == ["nationaliteit", "geboorteland"]
    assert protected_words("Lening uit het buitenland; gesprek met een tolk; religie") == [
        "buitenland",
        "tolk",
        "religie",
    ]
    assert protected_words("Is de herkomst van het vermogen aangetoond? Landelijk, in Nederland") == []
    assert protected_words("herkomst van de aanvrager") == ["herkomst"]
    assert protected_words("Rechtspersoon naar buitenlands recht") == ["buitenlands"]  # only a questionnaire may ask it
    assert protected_words("Rechtspersoon naar buitenlands recht", questionnaire=True) == []


def test_the_check_reports_an_option_and_a_rule_text(scratch):
    scratch.edit(
        "forms/_gedeeld/financiering.yaml",
        '      - {value: leverancier, label: "Lening van een leverancier of brouwerij"}',
        '      - {value: leverancier, label: "Lening van een leverancier of brouwerij"}\n'
        '      - {value: familie_buitenland, label: "Familie in het buitenland"}',
    )
    scratch.edit(
        "rules/horeca/HOR-004.yaml", "title: Zeer hoog aandeel contante omzet", "title: Contante omzet en taal"
    )
    findings = protected_findings(scratch.load())
    assert any("financieringsbronnen optie familie_buitenland: buitenland" in f for f in findings)
    assert any("HOR-004.yaml title: taal" in f for f in findings)


def _questions(rule):
    from app.rules.conditions import questions

    return questions(rule.condition)
