"""marshmallow schemas for rule files, scoring files and the reference register.

These check the shape and the closed vocabularies of one file. Checks across
files (ids, questions, sources) live in `app.rules.loader`.
"""

from __future__ import annotations

from itertools import pairwise

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.rules.vocabulary import (
    BIBOB_GROUNDS,
    CATEGORIES,
    LEVELS,
    NEXT_STEPS,
    OUTCOMES,
    PARTNERS,
    SCANS,
    SOURCE_KINDS,
    STATUSES,
)

RULE_ID = r"^(ALG|HOR|RL|VG|BT)-[0-9]{3}$"
REF_ID = r"^[a-z][a-z0-9_]{2,60}$"
MAX_WEIGHT = 20


def one_of(values) -> validate.OneOf:
    return validate.OneOf(list(values), error="moet een van {choices} zijn")


class SourceRefSchema(Schema):
    source = fields.String(required=True, validate=validate.Regexp(REF_ID))
    quote = fields.String(load_default=None, validate=validate.Length(min=3, max=400))
    locator = fields.String(load_default=None, validate=validate.Length(max=200))


class TestCaseSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=3, max=200))
    answers = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), required=True)


class RuleTestsSchema(Schema):
    fires = fields.List(fields.Nested(TestCaseSchema), required=True, validate=validate.Length(min=1))
    does_not_fire = fields.List(fields.Nested(TestCaseSchema), required=True, validate=validate.Length(min=1))


class RuleSchema(Schema):
    """One indicator file (`rules/<scan>/<ID>.yaml`)."""

    id = fields.String(required=True, validate=validate.Regexp(RULE_ID, error="vorm: HOR-001, RL-012 …"))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    status = fields.String(required=True, validate=one_of(STATUSES))
    title = fields.String(required=True, validate=validate.Length(min=5, max=140))
    description = fields.String(required=True, validate=validate.Length(min=20, max=3000))
    scans = fields.List(fields.String(validate=one_of(SCANS)), required=True, validate=validate.Length(min=1))
    category = fields.String(required=True, validate=one_of(CATEGORIES))
    weight = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=MAX_WEIGHT))
    knockout = fields.String(load_default=None, allow_none=True, validate=one_of([lv for lv in LEVELS if lv != "laag"]))
    bibob_grounds = fields.List(
        fields.String(validate=one_of(BIBOB_GROUNDS)), required=True, validate=validate.Length(min=1)
    )
    legal_basis = fields.List(fields.String(validate=validate.Regexp(REF_ID)), required=True)
    condition = fields.Raw(required=True)
    advice = fields.String(required=True, validate=validate.Length(min=20, max=3000))
    control_points = fields.List(fields.String(validate=validate.Length(min=5, max=400)), load_default=list)
    partners = fields.List(fields.String(validate=one_of(PARTNERS)), load_default=list)
    sources = fields.List(fields.Nested(SourceRefSchema), required=True, validate=validate.Length(min=1))
    tests = fields.Nested(RuleTestsSchema, required=True)

    @validates_schema
    def grounds_are_consistent(self, data, **kwargs):
        grounds = data.get("bibob_grounds") or []
        if "geen" in grounds and len(grounds) > 1:
            raise ValidationError("'geen' kan niet samen met een andere grond", "bibob_grounds")
        if len(set(grounds)) != len(grounds):
            raise ValidationError("dubbele grond", "bibob_grounds")


class CategoryPolicySchema(Schema):
    cap = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))


class LevelThresholdSchema(Schema):
    level = fields.String(required=True, validate=one_of(LEVELS))
    min_score = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))


class OutcomePolicySchema(Schema):
    outcome = fields.String(required=True, validate=one_of(OUTCOMES))
    next_steps = fields.List(fields.String(validate=one_of(NEXT_STEPS)), required=True, validate=validate.Length(min=1))
    summary = fields.String(required=True, validate=validate.Length(min=20, max=2000))


class ScoringSchema(Schema):
    """The scoring policy of one scan (`rules/<scan>/scoring.yaml`)."""

    scan = fields.String(required=True, validate=one_of(SCANS))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    categories = fields.Dict(
        keys=fields.String(validate=one_of(CATEGORIES)), values=fields.Nested(CategoryPolicySchema), required=True
    )
    levels = fields.List(fields.Nested(LevelThresholdSchema), required=True)
    outcomes = fields.Dict(
        keys=fields.String(validate=one_of(LEVELS)), values=fields.Nested(OutcomePolicySchema), required=True
    )

    @validates_schema
    def levels_are_ordered(self, data, **kwargs):
        levels = data.get("levels") or []
        if [lv["level"] for lv in levels] != list(LEVELS):
            raise ValidationError(f"noem elk niveau één keer, in de volgorde {', '.join(LEVELS)}", "levels")
        scores = [lv["min_score"] for lv in levels]
        if scores[0] != 0 or any(a >= b for a, b in pairwise(scores)):
            raise ValidationError("min_score begint bij 0 en stijgt per niveau", "levels")
        missing = [lv for lv in LEVELS if lv not in (data.get("outcomes") or {})]
        if missing:
            raise ValidationError(f"uitkomst ontbreekt voor {', '.join(missing)}", "outcomes")
        missing_cats = [c for c in CATEGORIES if c not in (data.get("categories") or {})]
        if missing_cats:
            raise ValidationError(f"categorie ontbreekt: {', '.join(missing_cats)}", "categories")


class SourceSchema(Schema):
    kind = fields.String(required=True, validate=one_of(SOURCE_KINDS))
    title = fields.String(required=True, validate=validate.Length(min=5, max=300))
    publisher = fields.String(load_default=None)
    year = fields.Integer(load_default=None, validate=validate.Range(min=1990, max=2100))
    url = fields.Url(load_default=None)
    file = fields.String(load_default=None, validate=validate.Regexp(r"^[0-9a-z_]+\.txt$"))


class LegalBasisSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=5, max=300))
    law = fields.String(required=True)
    url = fields.Url(load_default=None)
    verified = fields.Boolean(required=True)
    note = fields.String(load_default=None)


class ReferencesSchema(Schema):
    """The register of citable sources and legal bases (`rules/references.yaml`)."""

    sources = fields.Dict(
        keys=fields.String(validate=validate.Regexp(REF_ID)), values=fields.Nested(SourceSchema), required=True
    )
    legal_bases = fields.Dict(
        keys=fields.String(validate=validate.Regexp(REF_ID)), values=fields.Nested(LegalBasisSchema), required=True
    )
