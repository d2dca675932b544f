"""marshmallow schemas of the API: what comes in is validated, what goes out is dumped through these."""

from __future__ import annotations

import datetime as dt

from marshmallow import Schema, fields, validate

from app.rules.vocabulary import CONTEXTS, LEGACY_OUTCOMES, OUTCOMES, PRIORITIES, ROLES
from app.safe_input import MAX_ID
from app.services.catalogue import ScanChoice


class UtcDateTime(fields.DateTime):
    """A moment with its time zone (UTC): SQLite hands back naive datetimes, stored as UTC."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class ScanCreateSchema(Schema):
    scan_type = fields.String(required=True, validate=ScanChoice())
    subject_name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    subject_address = fields.String(load_default="", validate=validate.Length(max=300))
    subject_kvk = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^[0-9]{8}$"))


class ScanSchema(Schema):
    id = fields.Integer()
    scan_type = fields.String()
    status = fields.String()
    subject_name = fields.String()
    subject_address = fields.String()
    subject_kvk = fields.String(allow_none=True)
    version_no = fields.Integer()
    latest_level = fields.String(allow_none=True)
    current_step = fields.String(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class ScanListArgsSchema(Schema):
    scan_type = fields.String(load_default="", validate=ScanChoice(allow_empty=True))
    status = fields.String(load_default="")
    q = fields.String(load_default="", validate=validate.Length(max=100))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_ID))


class StepAnswersSchema(Schema):
    answers = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), required=True)


class StepSavedSchema(Schema):
    scan_id = fields.Integer()
    step_id = fields.String()
    answers = fields.Dict()
    lapsed = fields.List(
        fields.String(),
        metadata={
            "description": "Vraag-ids waarvan het antwoord is vervallen: de vraag geldt niet (meer) door een "
            "ander antwoord (show_if). Niet bewaard of niet meegeteld, nooit stilzwijgend."
        },
    )


class ResultSchema(Schema):
    scan_id = fields.Integer()
    result_id = fields.Integer()
    created_at = UtcDateTime()
    fingerprint = fields.String()
    advice_model = fields.Integer(
        metadata={"description": "Adviesmodel van de uitkomst: 2 = indicatie met context; 1 = eerder model."}
    )
    context = fields.String(
        allow_none=True,
        validate=validate.OneOf(list(CONTEXTS)),
        metadata={"description": "Bibob-context: welk besluit voorligt (leeg bij het eerdere model)."},
    )
    outcome = fields.String(
        validate=validate.OneOf(sorted({*OUTCOMES, *LEGACY_OUTCOMES})),
        metadata={"description": "Indicatie, geen conclusie in de zin van de Wet Bibob (eerdere ids bij model 1)."},
    )
    priority = fields.String(
        allow_none=True,
        validate=validate.OneOf(list(PRIORITIES)),
        metadata={"description": "Prioriteit voor controle; alleen bij outcome controle_prioriteit."},
    )
    result = fields.Dict(
        metadata={
            "description": "De bewaarde uitkomst zoals opgeslagen: context, indicatie, prioritering (score en "
            "niveau), vervolgstappen met grondslag, afgegane indicatoren met rol en aanleiding."
        }
    )


class OptionSchema(Schema):
    value = fields.String()
    label = fields.String()


class QuestionSchema(Schema):
    id = fields.String()
    label = fields.String()
    type = fields.String()
    required = fields.Boolean()
    help = fields.String()
    options = fields.List(fields.Nested(OptionSchema))
    source = fields.String(metadata={"description": "Kanaal van het antwoord (forms/_kanalen.yaml)."})
    source_label = fields.String()
    partner = fields.String(allow_none=True, metadata={"description": "Welke partner, bij kanaal partner."})
    shareability = fields.String(metadata={"description": "Deelbaarheid die uit het kanaal volgt."})
    shareability_label = fields.String()
    criminal = fields.Boolean(metadata={"description": "Strafrechtelijk gegeven (AVG art. 10)."})


class StepSchema(Schema):
    id = fields.String()
    title = fields.String()
    questions = fields.List(fields.Nested(QuestionSchema))


class ScanTypeSchema(Schema):
    id = fields.String(validate=ScanChoice())
    label = fields.String()
    questionnaire_version = fields.Integer()
    ruleset_version = fields.String()
    steps = fields.List(fields.Nested(StepSchema))
    derived = fields.List(
        fields.Nested(QuestionSchema),
        metadata={
            "description": "Afgeleide feiten: berekend uit de personen- en financiersrecords, nooit in te vullen."
        },
    )


class RuleSummarySchema(Schema):
    id = fields.String()
    version = fields.Integer()
    status = fields.String()
    title = fields.String()
    description = fields.String()
    scans = fields.List(fields.String())
    category = fields.String()
    weight = fields.Integer()
    knockout = fields.String(allow_none=True)
    role = fields.String(validate=validate.OneOf(list(ROLES)))
    relation = fields.List(fields.String())
    gate = fields.String(allow_none=True)
    priority_only = fields.Boolean()
    bibob_grounds = fields.List(fields.String())
    legal_basis = fields.List(fields.String())


class TokenSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    prefix = fields.String()
    created_at = UtcDateTime()
    last_used_at = UtcDateTime(allow_none=True)
    revoked_at = UtcDateTime(allow_none=True)
