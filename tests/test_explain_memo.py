"""The explanation memos of `Evaluator.evaluate` (issue 18): a remembered explanation is the one built afresh.

A rule's triggers are remembered per rule, questionnaire and the values it reads; an answered entry
per question and value. Derived facts that hold carry the persons behind them, so a rule that
reads one is never served from the memo: two evaluations with different persons name each their own.
"""

from __future__ import annotations

import random

from app.engine.adapter import DurableEngine
from app.engine.evaluator import Evaluator
from tests.test_engine import random_answers
from tests.test_records import DAY, person


def _fresh(evaluator: Evaluator) -> Evaluator:
    """The same evaluator with every memo emptied."""
    evaluator._explained.clear()
    for memo in evaluator._shown.values():
        memo.clear()
    return evaluator


def test_remembered_explanations_equal_fresh_ones(catalogue):
    evaluator = Evaluator(catalogue, DurableEngine())
    for scan, questionnaire in catalogue.questionnaires.items():
        rnd = random.Random(f"memo-{scan}")
        sets = [random_answers(questionnaire, rnd) for _ in range(150)]
        warm = [evaluator.evaluate(scan, answers, reference_date=DAY).to_dict() for answers in sets * 2]
        assert evaluator._explained  # the memo was used
        for answers, remembered in zip(sets, warm[len(sets) :], strict=True):
            assert remembered == _fresh(evaluator).evaluate(scan, answers, reference_date=DAY).to_dict()


def test_persons_behind_a_derived_fact_are_never_taken_from_another_evaluation(evaluator):
    base = {"vergunningsoort": "beide", "inrichting_type": "cafe_bar"}
    first = base | {
        "betrokken_personen": [
            person("D. Smit", "leidinggevende", ("opiumwet", 2024, "veroordeling", True, "justitie"))
        ]
    }
    second = base | {
        "betrokken_personen": [person("E. Bakker", "bestuurder", ("opiumwet", 2024, "veroordeling", True, "justitie"))]
    }
    for _ in range(2):
        one = {f["id"]: f for f in evaluator.evaluate("horeca", first, reference_date=DAY).to_dict()["fired"]}
        two = {f["id"]: f for f in evaluator.evaluate("horeca", second, reference_date=DAY).to_dict()["fired"]}
        assert (
            "D. Smit" in one["ALG-022"]["triggers"][0]["shown"]
            and "E. Bakker" not in one["ALG-022"]["triggers"][0]["shown"]
        )
        assert two["ALG-022"]["triggers"][0]["persons"][0]["naam"] == "E. Bakker"


def test_a_snapshot_owns_its_lists(catalogue, evaluator):
    """Changing one result's data never changes the next result (the memos hold shared entries)."""
    rnd = random.Random("own-lists")
    questionnaire = catalogue.questionnaires["horeca"]

    def listed(result):
        return [t for f in result["fired"] for t in f["triggers"] if isinstance(t["value"], list)]

    answers = next(
        a
        for a in (random_answers(questionnaire, rnd) for _ in range(500))
        if listed(evaluator.evaluate("horeca", a, reference_date=DAY).to_dict())
    )
    first = evaluator.evaluate("horeca", answers, reference_date=DAY).to_dict()
    for trigger in listed(first):
        trigger["value"].append("x")
    for entry in first["answered"]:
        entry["shown"] = "veranderd"
    again = evaluator.evaluate("horeca", answers, reference_date=DAY).to_dict()
    assert listed(again) and all("x" not in t["value"] for t in listed(again))
    assert all(entry["shown"] != "veranderd" for entry in again["answered"])
