"""Rules cite real material: every quote from a seed file appears in that file."""

import re

import pytest

from app.paths import ROOT
from app.services.transparency import PROTECTED_TERMS as PROTECTED  # the check NOT_USED describes

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


def test_no_rule_reads_a_question_about_protected_characteristics(catalogue):
    for scan, questionnaire in catalogue.questionnaires.items():
        read = {leaf_q for r in catalogue.rules_for(scan, include_inactive=True) for leaf_q in _questions(r)}
        for qid in read:
            q = questionnaire.question(qid)
            text = f"{q.id} {q.label}".lower()
            assert not any(word in text for word in PROTECTED), (scan, qid)


def _questions(rule):
    from app.rules.conditions import questions

    return questions(rule.condition)
