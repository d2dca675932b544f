"""Validating only the answers present gives exactly what the full schema gives (values, order, messages)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from app.forms.answers import validate_answers, validate_present
from tests.conftest import SCANS

_ANY = (
    st.none()
    | st.booleans()
    | st.integers(-10, 10**7)
    | st.floats(-10, 10**7, allow_nan=False)
    | st.sampled_from(["", "ja", "bv", "12345678", "1234 AB", "2024-02-30", "2024-01-31", "x" * 2100])
    | st.lists(st.sampled_from(["a", "b", "bv", "cafe_bar"]), max_size=3)
    | st.lists(st.fixed_dictionaries({"naam": st.sampled_from(["", "Jan"]), "rol": st.sampled_from(["x"])}))
)


def _answers(questionnaire):
    ids = list(questionnaire.questions)
    good = {}
    for q in questionnaire.questions.values():
        if q.option_values:
            good[q.id] = st.sampled_from(q.option_values) | st.lists(st.sampled_from(q.option_values), max_size=3)
    keys = st.sampled_from([*ids, "bestaat_niet"])
    values = st.one_of(_ANY, *good.values()) if good else _ANY
    return st.dictionaries(keys, values, max_size=12)


@pytest.mark.parametrize("scan", list(SCANS))
def test_validate_present_equals_validate_answers(catalogue, scan):
    questionnaire = catalogue.questionnaires[scan]

    @seed(18)
    @settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(_answers(questionnaire))
    def same(answers):
        full = validate_answers(questionnaire, answers)
        fast, again = validate_present(questionnaire, answers), validate_present(questionnaire, answers)
        assert fast == full == again  # the second call comes from the memo
        assert list(fast[0]) == list(full[0])  # same order

    same()


def test_validate_present_refuses_what_is_not_an_object(catalogue):
    questionnaire = catalogue.questionnaires["horeca"]
    assert validate_present(questionnaire, ["x"]) == validate_answers(questionnaire, ["x"])
