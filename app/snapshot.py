"""The stored result snapshot: a marshmallow schema per `schema_version`, so every snapshot ever stored loads.

A snapshot is the JSON an evaluation leaves behind (`Evaluation.to_dict()`); reports and the result page
are rendered from it, never re-evaluated. Its versions:

- **1**: the first advice model (stored before `advice_model` existed; the snapshot has neither key).
  A score mapped straight to an outcome per level (`level_outcomes`).
- **2**: advice model 2 (`advice_model: 2`): Bibob context, outcome with gate and priority, evidential
  roles per indicator. From this version on the snapshot also carries `schema_version`. Added later
  within version 2 (optional, absent in older snapshots): `engine` — which engine decided the fired
  indicators, and, when the reference evaluator stood in for a failing rule engine, why (issue 18).

`load_snapshot` checks a stored snapshot against the schema of its version and returns it with
`schema_version` set; `dump_snapshot` checks a fresh one before it is stored. Fields are added, never
renamed or removed; a new shape gets a new version and a schema here, and the old ones stay.
"""

from __future__ import annotations

from typing import Any

from marshmallow import INCLUDE, Schema, ValidationError, fields, validate

#: The version new snapshots are stored with.
CURRENT_SCHEMA_VERSION = 2


class SnapshotError(ValueError):
    """A stored snapshot does not fit the schema of its version (Dutch message)."""


class _Open(Schema):
    """Checks the fields it names; keeps any other field as stored (later additions within a version)."""

    class Meta:
        unknown = INCLUDE


class FiredV1Schema(_Open):
    id = fields.String(required=True)
    title = fields.String(required=True)
    category = fields.String(required=True)
    category_label = fields.String(required=True)
    weight = fields.Integer(required=True)
    knockout = fields.String(allow_none=True, load_default=None)
    legal_basis = fields.List(fields.Dict(), required=True)
    triggers = fields.List(fields.Dict(), required=True)


class FiredV2Schema(FiredV1Schema):
    role = fields.String(required=True)
    role_label = fields.String(required=True)


class SnapshotV1Schema(_Open):
    scan = fields.String(required=True)
    scan_label = fields.String(required=True)
    ruleset_version = fields.String(required=True)
    questionnaire_version = fields.Integer(required=True)
    score = fields.Integer(required=True)
    level = fields.String(required=True)
    level_label = fields.String(required=True)
    level_by_score = fields.String(required=True)
    outcome = fields.String(required=True)
    outcome_label = fields.String(required=True)
    next_steps = fields.List(fields.Raw(), required=True)
    summary = fields.String(required=True)
    knockouts = fields.List(fields.String(), required=True)
    thresholds = fields.List(fields.Dict(), required=True)
    level_outcomes = fields.Dict(required=True)
    categories = fields.List(fields.Dict(), required=True)
    fired = fields.List(fields.Nested(FiredV1Schema), required=True)
    answered = fields.List(fields.Dict(), required=True)
    not_fired = fields.List(fields.Dict(), required=True)


class EngineSchema(_Open):
    """Which engine decided the fired indicators (added within version 2; older snapshots lack it)."""

    id = fields.String(required=True)
    fallback = fields.Boolean(required=True)
    note = fields.String(load_default="")
    notice = fields.String(load_default="")


class SnapshotV2Schema(SnapshotV1Schema):
    schema_version = fields.Integer(load_default=2, validate=validate.Equal(2))
    advice_model = fields.Integer(required=True, validate=validate.Equal(2))
    context = fields.String(required=True)
    context_label = fields.String(required=True)
    bibob_context = fields.Boolean(required=True)
    priority = fields.String(allow_none=True, required=True)
    priority_label = fields.String(allow_none=True, required=True)
    indication_note = fields.String(required=True)
    gate = fields.Dict(allow_none=True, required=True)
    capped_by_feit = fields.Boolean(required=True)
    feit_indicators = fields.List(fields.String(), required=True)
    missing_essential = fields.List(fields.Dict(), required=True)
    level_priorities = fields.Dict(required=True)
    next_steps = fields.List(fields.Dict(), required=True)
    fired = fields.List(fields.Nested(FiredV2Schema), required=True)
    engine = fields.Nested(EngineSchema, load_default=None)  # absent: durable-rules (before it was recorded)


SCHEMAS: dict[int, type[Schema]] = {1: SnapshotV1Schema, 2: SnapshotV2Schema}


def schema_version(snapshot: dict[str, Any]) -> int:
    """The schema version of a stored snapshot: its own field, else its advice model (1 when it has neither)."""
    return int(snapshot.get("schema_version") or snapshot.get("advice_model") or 1)


def load_snapshot(snapshot: dict[str, Any]) -> dict[str, Any]:
    """Check a stored snapshot against the schema of its version; return it (as stored) with `schema_version`.

    The stored values are returned unchanged (only checked), so a report renders exactly as it was stored.
    """
    version = schema_version(snapshot)
    schema = SCHEMAS.get(version)
    if schema is None:
        raise SnapshotError(f"onbekende versie van het opgeslagen resultaat: {version}")
    try:
        schema().load(snapshot)
    except ValidationError as err:
        fields_named = ", ".join(sorted(_flatten(err.messages)))
        raise SnapshotError(f"opgeslagen resultaat (versie {version}) klopt niet: {fields_named}") from None
    return {**snapshot, "schema_version": version}


def dump_snapshot(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A fresh evaluation's snapshot, checked and stamped with the current schema version, ready to store."""
    stamped = {**snapshot, "schema_version": CURRENT_SCHEMA_VERSION}
    return load_snapshot(stamped)


def _flatten(messages: Any, prefix: str = "") -> list[str]:
    if isinstance(messages, dict):
        return [name for key, value in messages.items() for name in _flatten(value, f"{prefix}{key}.")]
    return [prefix.rstrip(".")]
