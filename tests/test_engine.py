"""The durable-rules engine against the plain-Python reference, on the real catalogue."""

import datetime as dt
import random

import pytest

from app.engine.adapter import DurableEngine
from app.engine.evaluator import AnswersInvalid, UnknownScan
from app.forms.model import (
    ANTECEDENT_CHANNELS,
    ANTECEDENT_STATUSES,
    FINANCIER_RELATIONS,
    OFFENCE_KINDS,
    PERSON_ROLES,
    Questionnaire,
)
from app.rules.compiler import compile_ruleset
from app.rules.conditions import holds, parse
from tests.conftest import SCANS


def random_answers(questionnaire: Questionnaire, rnd: random.Random) -> dict:
    """Valid answers for a random subset of questions, with values near the rules' thresholds."""
    answers = {}
    for q in questionnaire.questions.values():
        if rnd.random() < 0.4:
            continue
        if q.type == "ja_nee":
            answers[q.id] = rnd.choice([True, False])
        elif q.type == "keuze":
            answers[q.id] = rnd.choice(q.option_values)
        elif q.type == "meerkeuze":
            chosen = rnd.sample(q.option_values, rnd.randint(0, 3))
            answers[q.id] = [v for v in chosen if v != "geen"] if len(chosen) > 1 else chosen  # "geen" goes alone
        elif q.type == "getal":
            value = rnd.choice([0, 1, 2, 3, 5, 12, 25, 50, 80, 100])
            answers[q.id] = int(min(max(value, q.min if q.min is not None else value), q.max or value))
        elif q.type == "bedrag":
            answers[q.id] = rnd.choice([0.0, 500.0, 10000.0, 50000.0, 99999.99, 150000.0, 250000.0])
    return answers


def random_records(rnd: random.Random) -> dict:
    """Person and financier records (or none) with antecedents near the five-year boundary."""
    records = {}
    if rnd.random() < 0.6:
        records["betrokken_personen"] = [
            {
                "naam": f"Persoon {i}",
                "rol": rnd.choice(list(PERSON_ROLES)),
                "antecedenten": [
                    {
                        "feit": rnd.choice(list(OFFENCE_KINDS)),
                        "jaar": dt.date.today().year - rnd.choice([0, 1, 4, 5, 6, 10]),
                        "status": rnd.choice(list(ANTECEDENT_STATUSES)),
                        "samenhang": rnd.choice([True, False, None]),
                        "kanaal": rnd.choice(list(ANTECEDENT_CHANNELS)),
                    }
                    for _ in range(rnd.randint(0, 2))
                ],
            }
            for i in range(rnd.randint(0, 3))
        ]
    if rnd.random() < 0.5:
        records["financiers"] = [
            {
                "naam": f"Financier {i}",
                "relatie": rnd.choice(list(FINANCIER_RELATIONS)),
                "bedrag": rnd.choice([5000.0, 40000.0]),
                "schriftelijke_overeenkomst": rnd.choice([True, False, None]),
                "bankspoor": rnd.choice([True, False, None]),
                "herkomst_aangetoond": rnd.choice([True, False, None]),
                "contant_deel": rnd.choice([0.0, 9999.0, 10000.0]),
            }
            for i in range(rnd.randint(0, 2))
        ]
    return records


@pytest.mark.parametrize("scan", list(SCANS))
def test_durable_fires_exactly_what_the_reference_semantics_say(evaluator, catalogue, scan):
    rnd = random.Random(scan)
    rules = catalogue.rules_for(scan)
    questionnaire = catalogue.questionnaires[scan]
    for _ in range(400):
        answers = random_answers(questionnaire, rnd)
        answers |= random_records(rnd)
        facts = evaluator.facts(scan, answers)  # the answers plus the derived facts, as the engine reads them
        expected = {r.id for r in rules if holds(r.condition, facts)}
        assert evaluator.fire_ids(scan, answers) == expected, answers


def test_nothing_fires_is_a_normal_result(evaluator):
    result = evaluator.evaluate("horeca", {"vragenformulier_status": "volledig"})
    assert result.fired == ()
    assert (result.score.total, result.score.level) == (0, "laag")
    assert result.advice.context == "onbekend" and result.advice.decision.outcome == "onderzoek_onvolledig"
    assert len(result.not_fired) == len(evaluator.catalogue.rules_for("horeca"))


def test_fired_indicator_carries_the_answers_that_made_it_fire(evaluator):
    result = evaluator.evaluate("horeca", {"overname": True, "overnamesom": 200000, "verwachte_omzet": 90000})
    fired = {f.rule.id: f for f in result.fired}
    assert set(fired) == {"HOR-009"}
    triggers = [(t.question, t.shown) for t in fired["HOR-009"].triggers]
    assert triggers == [("overname", "ja"), ("overnamesom", "€ 200.000,00"), ("verwachte_omzet", "€ 90.000,00")]


def test_invalid_answers_are_refused_in_dutch(evaluator):
    with pytest.raises(AnswersInvalid) as err:
        evaluator.evaluate("horeca", {"zitplaatsen": "veel", "bestaat_niet": 1, "overname": "ja"})
    assert err.value.errors["zitplaatsen"] == ["moet een geheel getal zijn"]
    assert err.value.errors["bestaat_niet"] == ["onbekende vraag voor deze scan"]
    assert err.value.errors["overname"] == ["kies ja of nee"]
    with pytest.raises(UnknownScan):
        evaluator.evaluate("casino", {})


def test_or_rule_fires_once_even_when_both_branches_match(catalogue):
    engine = DurableEngine()
    cond, _ = parse({"any": [{"question": "aa", "equals": True}, {"question": "bb", "gt": 1}]})
    engine.ensure_registered("dubbel", compile_ruleset({"R1": cond}))
    assert engine.fire("dubbel", {"aa": True, "bb": 5}) == {"R1"}


def test_an_engine_error_surfaces_with_its_code_and_leaves_no_state(monkeypatch):
    from app.engine import adapter
    from app.rules.compiler import CompiledRuleset

    engine = DurableEngine()
    cond, _ = parse({"question": "aa", "equals": True})
    engine.ensure_registered("kapot", compile_ruleset({"R1": cond}))
    monkeypatch.setattr(CompiledRuleset, "fact_json", lambda self, answers, fact_id, sid: '{"id": "1", "sid": ')
    with pytest.raises(adapter.EngineError, match="de engine faalde") as err:
        engine.fire("kapot", {"aa": True})
    assert err.value.code is not None
    assert engine.live_sessions() == 0
    monkeypatch.undo()
    assert engine.fire("kapot", {"aa": True}) == {"R1"}


def test_reregistering_the_same_version_is_a_no_op(catalogue):
    engine = DurableEngine()
    cond, _ = parse({"question": "aa", "equals": True})
    compiled = compile_ruleset({"R1": cond})
    engine.ensure_registered("zelfde", compiled)
    engine.ensure_registered("zelfde", compiled)
    assert engine.fire("zelfde", {"aa": True}) == {"R1"}
