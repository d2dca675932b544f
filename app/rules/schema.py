"""marshmallow schemas for rule files, scoring files and the reference register.

These check the shape and the closed vocabularies of one file. Checks across
files (ids, questions, sources) live in `app.rules.loader`.
"""

from __future__ import annotations

import re
from itertools import pairwise

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.rules.registry import ID_PREFIX, RULE_ID_SHAPE, SCAN_ID
from app.rules.vocabulary import (
    BIBOB_CONTEXTS,
    BIBOB_GROUNDS,
    CATEGORIES,
    CONTEXTS,
    GATE_OUTCOMES,
    GATES,
    INDICATIONS,
    LEVELS,
    NEXT_STEP_CONTEXTS,
    NEXT_STEPS,
    OUTCOMES,
    PARTNERS,
    PRIORITIES,
    RELATIONS,
    ROLES,
    SOURCE_KINDS,
    STATUSES,
)

#: The shape only: which prefixes exist follows from the scans found (`ScanRegistry.rule_id_pattern`).
RULE_ID = RULE_ID_SHAPE
REF_ID = r"^[a-z][a-z0-9_]{2,60}$"
ESSENTIAL_ID = re.compile(r"^[a-z][a-z0-9_]{1,59}$")
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
    #: The evaluation day for date-relative derived facts ("the last five years"); default today.
    reference_date = fields.Date(load_default=None, allow_none=True)


class RuleTestsSchema(Schema):
    fires = fields.List(fields.Nested(TestCaseSchema), required=True, validate=validate.Length(min=1))
    does_not_fire = fields.List(fields.Nested(TestCaseSchema), required=True, validate=validate.Length(min=1))


class RuleSchema(Schema):
    """One indicator file (`rules/<scan>/<ID>.yaml`)."""

    id = fields.String(
        required=True, validate=validate.Regexp(RULE_ID, error="vorm: voorvoegsel, streepje, drie cijfers (HOR-001)")
    )
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    status = fields.String(required=True, validate=one_of(STATUSES))
    title = fields.String(required=True, validate=validate.Length(min=5, max=140))
    description = fields.String(required=True, validate=validate.Length(min=20, max=3000))
    #: Scan ids; the loader checks them against the discovered scans (`app.rules.registry`).
    scans = fields.List(
        fields.String(validate=validate.Regexp(SCAN_ID)), required=True, validate=validate.Length(min=1)
    )
    category = fields.String(required=True, validate=one_of(CATEGORIES))
    weight = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=MAX_WEIGHT))
    knockout = fields.String(load_default=None, allow_none=True, validate=one_of([lv for lv in LEVELS if lv != "laag"]))
    bibob_grounds = fields.List(
        fields.String(validate=one_of(BIBOB_GROUNDS)), required=True, validate=validate.Length(min=1)
    )
    role = fields.String(required=True, validate=one_of(ROLES))
    relation = fields.List(fields.String(validate=one_of(RELATIONS)), load_default=list)
    gate = fields.String(load_default=None, allow_none=True, validate=one_of(GATES))
    next_steps = fields.List(fields.String(validate=one_of(NEXT_STEPS)), load_default=list)
    #: Counts for the control priority only, never towards a Bibob indication (a branch alone, say).
    priority_only = fields.Boolean(load_default=False)
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

    @validates_schema
    def role_is_consistent(self, data, **kwargs):
        """A `feit` names its art. 3 lid 4 (or lid 8) relation; only a `procedure` can be a gate."""
        role, relation, gate = data.get("role"), data.get("relation") or [], data.get("gate")
        if role == "feit" and not relation:
            raise ValidationError("een feit noemt de relatie (lid4_a, lid4_b, lid4_c of lid8)", "relation")
        if role != "feit" and relation:
            raise ValidationError("alleen een feit noemt een relatie in de zin van art. 3 lid 4", "relation")
        if gate and role != "procedure":
            raise ValidationError("alleen een procedure-indicator kan een drempel (gate) zijn", "gate")
        if data.get("priority_only") and (role != "signaal" or data.get("knockout")):
            raise ValidationError("alleen een signaal zonder knock-out telt alleen voor de prioriteit", "priority_only")
        if role == "feit" and "geen" in (data.get("bibob_grounds") or []):
            raise ValidationError("een feit heeft een Bibob-grond (a_grond, b_grond of lid_6)", "bibob_grounds")


class CategoryPolicySchema(Schema):
    cap = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))


class LevelThresholdSchema(Schema):
    level = fields.String(required=True, validate=one_of(LEVELS))
    min_score = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))


class ContextWhenSchema(Schema):
    context = fields.String(required=True, validate=one_of(CONTEXTS))
    condition = fields.Raw(required=True)


class ContextSchema(Schema):
    """How a scan finds its Bibob context: the first `when` whose condition holds, else `default`."""

    default = fields.String(required=True, validate=one_of(CONTEXTS))
    when = fields.List(fields.Nested(ContextWhenSchema), required=True)


class EssentialEntryField(fields.Field):
    """One essential entry: a question id, or a list of alternative ids of which one answered is enough."""

    def _deserialize(self, value, attr, data, **kwargs):
        ids = [value] if isinstance(value, str) else value
        if not isinstance(ids, list) or not ids or (not isinstance(value, str) and len(ids) < 2):
            raise ValidationError("een vraag-id, of een lijst van minstens twee alternatieve vraag-id's")
        for qid in ids:
            if not isinstance(qid, str) or not ESSENTIAL_ID.match(qid):
                raise ValidationError(f"geen geldige vraag-id: {qid!r}")
        return tuple(ids)


class ScoringSchema(Schema):
    """The scoring policy of one scan (`rules/<scan>/scoring.yaml`)."""

    scan = fields.String(required=True, validate=validate.Regexp(SCAN_ID))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    #: The prefix of this scan's rule ids (HOR for HOR-001); required by the registry, unique per scan.
    id_prefix = fields.String(load_default=None, validate=validate.Regexp(ID_PREFIX))
    context = fields.Nested(ContextSchema, required=True)
    #: Each entry a tuple of alternatives (one id, or several of which one answered is enough).
    essential = fields.List(EssentialEntryField(), required=True)
    categories = fields.Dict(
        keys=fields.String(validate=one_of(CATEGORIES)), values=fields.Nested(CategoryPolicySchema), required=True
    )
    levels = fields.List(fields.Nested(LevelThresholdSchema), required=True)
    indications = fields.Dict(
        keys=fields.String(validate=one_of(LEVELS)),
        values=fields.String(validate=one_of(["geen_aanwijzingen", "nader_onderzoek", *INDICATIONS])),
        required=True,
    )

    @validates_schema
    def levels_are_ordered(self, data, **kwargs):
        levels = data.get("levels") or []
        if [lv["level"] for lv in levels] != list(LEVELS):
            raise ValidationError(f"noem elk niveau één keer, in de volgorde {', '.join(LEVELS)}", "levels")
        scores = [lv["min_score"] for lv in levels]
        if scores[0] != 0 or any(a >= b for a, b in pairwise(scores)):
            raise ValidationError("min_score begint bij 0 en stijgt per niveau", "levels")
        missing = [lv for lv in LEVELS if lv not in (data.get("indications") or {})]
        if missing:
            raise ValidationError(f"indicatie ontbreekt voor {', '.join(missing)}", "indications")
        missing_cats = [c for c in CATEGORIES if c not in (data.get("categories") or {})]
        if missing_cats:
            raise ValidationError(f"categorie ontbreekt: {', '.join(missing_cats)}", "categories")


class AdviceEntrySchema(Schema):
    outcome = fields.String(required=True, validate=one_of(OUTCOMES))
    contexts = fields.List(fields.String(validate=one_of(CONTEXTS)), required=True, validate=validate.Length(min=1))
    priority = fields.String(load_default=None, allow_none=True, validate=one_of(PRIORITIES))
    next_steps = fields.List(fields.String(validate=one_of(NEXT_STEPS)), required=True, validate=validate.Length(min=1))
    summary = fields.String(required=True, validate=validate.Length(min=20, max=2000))

    @validates_schema
    def steps_fit_contexts(self, data, **kwargs):
        """No step where the law does not allow it (no LBB advice without a Bibob-able decision …)."""
        for step in data.get("next_steps") or []:
            wrong = [c for c in data.get("contexts") or [] if c not in NEXT_STEP_CONTEXTS.get(step, ())]
            if wrong:
                raise ValidationError(f"stap {step!r} kan niet in context {', '.join(wrong)}", "next_steps")
        if data.get("outcome") == "controle_prioriteit" and not data.get("priority"):
            raise ValidationError("controle_prioriteit noemt een prioriteit", "priority")


class AdviceSchema(Schema):
    """The advice table of the whole catalogue (`rules/advies.yaml`)."""

    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    step_basis = fields.Dict(
        keys=fields.String(validate=one_of(NEXT_STEPS)),
        values=fields.Dict(
            keys=fields.String(validate=one_of(["*", *CONTEXTS])),
            values=fields.List(fields.String(validate=validate.Regexp(REF_ID))),
        ),
        required=True,
    )
    advice = fields.List(fields.Nested(AdviceEntrySchema), required=True)

    @validates_schema
    def one_entry_per_case(self, data, **kwargs):
        """Every outcome the model can reach in a context has exactly one entry."""
        seen: dict[tuple, int] = {}
        for entry in data.get("advice") or []:
            for context in entry["contexts"]:
                key = (context, entry["outcome"], entry.get("priority"))
                seen[key] = seen.get(key, 0) + 1
        double = [k for k, n in seen.items() if n > 1]
        if double:
            raise ValidationError(f"dubbel advies voor {double[0]}", "advice")
        missing = [k for k in reachable_cases() if k not in seen]
        if missing:
            raise ValidationError(
                f"advies ontbreekt voor {', '.join('/'.join(filter(None, k)) for k in missing)}", "advice"
            )


def reachable_cases() -> list[tuple[str, str, str | None]]:
    """Every (context, outcome, priority) the advice model can produce."""
    cases: list[tuple[str, str, str | None]] = [("onbekend", "onderzoek_onvolledig", None)]
    cases.append(("geen_bibob_besluit", "geen_aanwijzingen", None))
    cases += [("geen_bibob_besluit", "controle_prioriteit", p) for p in PRIORITIES]
    gate_outcomes = {
        c: {exceptions.get(c, outcome) for outcome, exceptions in GATE_OUTCOMES.values()} for c in BIBOB_CONTEXTS
    }
    scored = ["geen_aanwijzingen", "onderzoek_onvolledig", "nader_onderzoek", *INDICATIONS]
    cases += [(c, o, None) for c in BIBOB_CONTEXTS for o in sorted(set(scored) | gate_outcomes[c])]
    return cases


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
