"""Validate answers against a questionnaire with a marshmallow schema built from it.

Used at every boundary where answers come in: a wizard step, an API call, a
JSON file on the command line, a rule's own test cases. Messages are Dutch and
keyed by question id, so the UI can show them next to the field.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from functools import lru_cache
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from app.forms.model import (
    ANTECEDENT_CHANNELS,
    ANTECEDENT_STATUSES,
    FINANCIER_RELATIONS,
    NONE_OPTION,
    OFFENCE_KINDS,
    PERSON_ROLES,
    Question,
    Questionnaire,
)
from app.rules.errors import translate

DEFAULT_TEXT_LIMIT = 2000
MAX_PERSONS = 50
#: The largest amount or number the rule engine handles exactly (durable_rules fails from 1e16 on).
ENGINE_MAX = 10**15
MAX_ANTECEDENTS = 30
MAX_FINANCIERS = 30
EARLIEST_YEAR = 1950
#: One message wherever "geen" is combined with another option (wizard, API, register, CLI).
NONE_EXCLUSIVE_MESSAGE = "Kies “Geen” óf een of meer andere antwoorden, niet allebei."


class Money(fields.Float):
    """An amount in euro: a number with at most two decimals, never negative."""

    def _deserialize(self, value, attr, data, **kwargs):
        number = super()._deserialize(value, attr, data, **kwargs)
        if not math.isfinite(number) or abs(number) >= ENGINE_MAX:
            raise ValidationError("een bedrag moet kleiner zijn dan 1.000.000.000.000.000 euro")
        if Decimal(str(number)).as_tuple().exponent < -2:
            raise ValidationError("een bedrag heeft hoogstens twee decimalen")
        return number


class StrictBoolean(fields.Boolean):
    """Only true or false: no "yes", 1 or "on", so a ja/nee answer is never guessed."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError("kies ja of nee")
        return value


def _choice(values: dict[str, str]) -> validate.OneOf:
    return validate.OneOf(list(values), error="kies een van de opties")


class AntecedentSchema(Schema):
    """One antecedent of a person: what, when, how far established, related to the activity, from where."""

    class Meta:
        unknown = RAISE

    feit = fields.String(required=True, validate=_choice(OFFENCE_KINDS))
    jaar = fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(
            min=EARLIEST_YEAR, max=dt.date.today().year + 1, error="een jaar tussen {min} en {max}"
        ),
    )
    status = fields.String(required=True, validate=_choice(ANTECEDENT_STATUSES))
    samenhang = StrictBoolean(allow_none=True)
    kanaal = fields.String(required=True, validate=_choice(ANTECEDENT_CHANNELS))


class PersonSchema(Schema):
    """One person involved (betrokkene or a relation in the sense of art. 3 lid 4), with antecedents."""

    class Meta:
        unknown = RAISE

    naam = fields.String(required=True, validate=validate.Length(min=1, max=200))
    rol = fields.String(required=True, validate=validate.OneOf(list(PERSON_ROLES)))
    toelichting = fields.String(load_default="", validate=validate.Length(max=1000))
    antecedenten = fields.List(fields.Nested(AntecedentSchema), validate=validate.Length(max=MAX_ANTECEDENTS))


class FinancierSchema(Schema):
    """One financier: what can be verified about the money, never where the financier lives."""

    class Meta:
        unknown = RAISE

    naam = fields.String(required=True, validate=validate.Length(min=1, max=200))
    bedrag = Money(allow_none=True, validate=validate.Range(min=0))
    relatie = fields.String(required=True, validate=_choice(FINANCIER_RELATIONS))
    schriftelijke_overeenkomst = StrictBoolean(allow_none=True)
    bankspoor = StrictBoolean(allow_none=True)
    herkomst_aangetoond = StrictBoolean(allow_none=True)
    contant_deel = Money(allow_none=True, validate=validate.Range(min=0))


def none_is_exclusive(values: list[str] | None) -> None:
    """ "geen" (none) cannot be chosen together with another option, in any multi-select."""
    if values and NONE_OPTION in values and len(values) > 1:
        raise ValidationError(NONE_EXCLUSIVE_MESSAGE)


def _field_for(question: Question) -> fields.Field:
    """The marshmallow field that validates one question's answer."""
    kind = question.type
    opts: dict[str, Any] = {"allow_none": True, "load_default": None}
    if kind == "ja_nee":
        return StrictBoolean(**opts)
    if kind == "keuze":
        return fields.String(validate=validate.OneOf(question.accepted_values, error="kies een van de opties"), **opts)
    if kind == "meerkeuze":
        choice = fields.String(validate=validate.OneOf(question.accepted_values, error="kies uit de opties"))
        checks = [validate.Length(max=len(question.accepted_values))]
        if NONE_OPTION in question.option_values:
            checks.append(none_is_exclusive)
        return fields.List(choice, validate=checks, **opts)
    if kind in ("getal", "bedrag"):
        low = question.min if question.min is not None else (0 if kind == "bedrag" else -ENGINE_MAX + 1)
        high = question.max if question.max is not None else ENGINE_MAX - 1
        if kind == "getal":  # whole numbers read better in messages: "tussen 0 en 50"
            low, high = (int(v) if v is not None else None for v in (low, high))
        rng = validate.Range(
            min=low,
            max=high,
            error="waarde moet tussen {min} en {max} liggen",
        )
        if kind == "bedrag":
            return Money(validate=rng, **opts)
        return fields.Integer(strict=True, validate=rng, **opts)
    if kind == "datum":
        return fields.Date(**opts)
    if kind == "kvk":
        return fields.String(validate=validate.Regexp(r"^[0-9]{8}$", error="een KvK-nummer heeft 8 cijfers"), **opts)
    if kind == "postcode":
        return fields.String(
            validate=validate.Regexp(r"^[1-9][0-9]{3} ?[A-Z]{2}$", error="een postcode is 4 cijfers en 2 hoofdletters"),
            **opts,
        )
    if kind == "personen":
        return fields.List(fields.Nested(PersonSchema), validate=validate.Length(max=MAX_PERSONS), **opts)
    if kind == "financiers":
        return fields.List(fields.Nested(FinancierSchema), validate=validate.Length(max=MAX_FINANCIERS), **opts)
    limit = question.max_length or DEFAULT_TEXT_LIMIT
    return fields.String(validate=validate.Length(max=limit, error=f"hoogstens {limit} tekens"), **opts)


@lru_cache(maxsize=64)
def _schema(questionnaire: Questionnaire, question_ids: tuple[str, ...]) -> Schema:
    """One schema instance per questionnaire and step, reused: building one copies every field (slow)."""
    declared = {qid: _field_for(questionnaire.questions[qid]) for qid in question_ids}
    return Schema.from_dict(declared, name=f"Answers_{questionnaire.scan}")(unknown=RAISE)


def validate_answers(
    questionnaire: Questionnaire,
    answers: Any,
    question_ids: tuple[str, ...] | None = None,
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Validate answers; return (clean answers, errors by question id in Dutch).

    `question_ids` limits validation to one step's questions; unknown ids are refused.
    Clean answers use JSON-friendly types (dates as ISO text).
    """
    if not isinstance(answers, dict):
        return {}, {"_": ["de antwoorden moeten een object zijn (vraag-id: antwoord)"]}
    ids = question_ids or tuple(questionnaire.questions)
    schema = _schema(questionnaire, ids)
    try:
        loaded = schema.load(answers)
    except ValidationError as err:
        return {}, _dutch_errors(err.messages)
    clean = {k: _jsonable(v) for k, v in loaded.items() if k in answers}
    return clean, {}


@lru_cache(maxsize=64)
def _bound_fields(questionnaire: Questionnaire) -> dict[str, fields.Field]:
    """The fields of the questionnaire's full schema, bound to it, by question id."""
    return dict(_schema(questionnaire, tuple(questionnaire.questions)).fields)


def validate_present(questionnaire: Questionnaire, answers: Any) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """`validate_answers` over the whole questionnaire, deserialising only the answers present.

    Same result and messages (a property test checks it), at the cost of the answers given
    rather than of every field of the schema: a scan has about 20 answers of 40-odd questions.
    """
    if not isinstance(answers, dict):
        return validate_answers(questionnaire, answers)
    bound = _bound_fields(questionnaire)
    memo = _memo(questionnaire)
    clean: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    for key, value in answers.items():
        field = bound.get(key)
        if field is None:
            errors[key] = [Schema._default_error_messages["unknown"]]
            continue
        token = _value_token(key, value)
        outcome = memo.get(token) if token is not None else None
        if outcome is None:
            try:
                outcome = (True, _jsonable(field.deserialize(value, key, answers)))
            except ValidationError as err:
                outcome = (False, err.messages)
            if token is not None:
                if len(memo) >= _MEMO_SIZE:
                    memo.clear()
                memo[token] = outcome
        ok, result = outcome
        if ok:
            clean[key] = list(result) if isinstance(result, list) else result
        else:
            errors[key] = result
    if errors:
        return {}, _dutch_errors(errors)
    if len(clean) > 1:  # the schema's order, as validate_answers gives it
        position = _positions(questionnaire)
        clean = dict(sorted(clean.items(), key=lambda item: position[item[0]]))
    return clean, {}


_MEMO_SIZE = 16_384
_MEMO_TEXT = 80  # longest text answer remembered


@lru_cache(maxsize=64)
def _memo(questionnaire: Questionnaire) -> dict:
    """Validation outcomes per (question, typed value), bounded: a field's check is a pure function."""
    return {}


def _value_token(key: str, value: Any) -> tuple | None:
    """A hashable key for an answer that keeps its type (True is not 1), or None for records."""
    kind = type(value)
    if kind is str and len(value) > _MEMO_TEXT:
        return None  # free text is rarely repeated; keep the memo small
    if kind is bool or kind is str or kind is int or kind is float or value is None:
        return (key, kind, value)
    if isinstance(value, list):
        if all(isinstance(v, str | int | float | bool) for v in value):
            return (key, list, *((type(v), v) for v in value))
        return None
    if isinstance(value, str | int | float | bool) or value is None:
        return (key, type(value), value)
    return None


@lru_cache(maxsize=64)
def _positions(questionnaire: Questionnaire) -> dict[str, int]:
    return {qid: i for i, qid in enumerate(questionnaire.questions)}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _dutch_errors(messages: dict) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for key, value in messages.items():
        texts = _texts(value)
        if texts == ["onbekend veld"]:
            texts = ["onbekende vraag voor deze scan"]
        result[str(key)] = texts
    return result


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [translate(value)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    return [str(value)]
