"""The condition language: parsing faults, reference semantics and explanations."""

from app.rules.conditions import describe, explain, holds, parse


def _cond(data):
    tree, problems = parse(data)
    assert problems == [], problems
    return tree


def test_parse_reports_every_fault_with_its_path():
    _, problems = parse({"all": [{"question": "ok_vraag", "gt": "veel"}, {"question": "X", "equals": 1}, {"nope": 1}]})
    fields = {p.field for p in problems}
    assert fields == {"condition.all[0].gt", "condition.all[1].question", "condition.all[2].question"}
    assert any("verwacht een getal" in p.reason for p in problems)


def test_parse_refuses_two_operators_and_unknown_operators():
    _, problems = parse({"question": "vraag", "equals": 1, "gt": 2})
    assert problems[0].reason == "een test heeft precies één operator"
    _, problems = parse({"question": "vraag", "between": [1, 2]})
    assert "onbekende operator" in problems[0].reason


def test_parse_refuses_anchored_or_escaped_patterns():
    _, problems = parse({"question": "postcode", "matches": "^[0-9]{4}$"})
    assert "mag geen" in problems[0].reason


def test_unanswered_question_makes_every_test_false_but_not_its_negation():
    cond = _cond({"question": "vraag", "not_equals": "a"})
    assert holds(cond, {}) is False
    assert holds(_cond({"not": {"question": "vraag", "equals": "a"}}), {}) is True
    assert holds(_cond({"question": "lijst", "present": False}), {"lijst": []}) is True


def test_explain_names_only_the_branches_that_hold():
    cond = _cond({"any": [{"question": "a_vraag", "equals": True}, {"question": "b_vraag", "gte": 10}]})
    leaves = explain(cond, {"a_vraag": False, "b_vraag": 12})
    assert [leaf.question for leaf in leaves] == ["b_vraag"]
    assert describe(leaves[0]) == "b_vraag is ten minste 10"
