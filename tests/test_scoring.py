"""Scoring: category caps, thresholds, knock-outs, outcomes."""

from app.engine.scoring import level_for, score


def test_caps_limit_one_category(catalogue):
    policy = catalogue.scoring["horeca"]
    financing = [r for r in catalogue.rules_for("horeca") if r.category == "financiering"]
    raw = sum(r.weight for r in financing)
    assert raw > policy.caps["financiering"]
    result = score(financing, policy)
    cat = next(c for c in result.categories if c.category == "financiering")
    assert (cat.raw, cat.score, cat.capped) == (raw, policy.caps["financiering"], True)
    assert result.total == policy.caps["financiering"]


def test_thresholds_map_totals_to_levels(catalogue):
    policy = catalogue.scoring["horeca"]
    assert [level_for(t, policy) for t in (0, 7, 8, 17, 18, 29, 30, 99)] == [
        "laag",
        "laag",
        "verhoogd",
        "verhoogd",
        "hoog",
        "hoog",
        "zeer_hoog",
        "zeer_hoog",
    ]


def test_knockout_lifts_the_level_but_never_lowers_it(evaluator):
    result = evaluator.evaluate("horeca", {"drugshandel_voorraad": True})  # HOR-012: weight 10, knock-out verhoogd
    assert (result.score.total, result.score.level_by_score, result.score.level) == (10, "verhoogd", "verhoogd")
    lifted = evaluator.evaluate("horeca", {"drugshandel_voorraad": False, "zonder_vergunning_open": True})
    assert lifted.score.knockouts == ()
    found = {"rol_betrokkene": "huurder", "vondsten_controle": ["hennep"], "vondst_eigen_ruimte": True}
    heavy = evaluator.evaluate("bedrijventerrein", found)  # BT-001: zeer_hoog
    assert (heavy.score.total, heavy.score.level_by_score, heavy.score.level) == (12, "verhoogd", "zeer_hoog")
    assert heavy.score.knockouts == ("BT-001",)
    # A control: the lifted level gives a high control priority, never a Bibob outcome.
    assert heavy.advice.context == "geen_bibob_besluit" and heavy.advice.decision.priority == "hoog"


def test_result_json_has_what_the_report_needs(evaluator):
    data = evaluator.evaluate("vastgoed", {"contante_betalingen_bedrag": 20000.0}).to_dict()
    assert {"scan", "score", "level", "outcome", "ruleset_version", "fired", "categories", "next_steps"} <= set(data)
    assert data["fired"][0]["id"] == "VG-002"
    assert data["fired"][0]["triggers"][0]["source"] == "aanvrager"
