"""Derived facts: yes/no facts computed from person and financier records, for the rules to read (pure).

Rules never read a record (`personen`, `financiers`) directly: a questionnaire declares in its
`derived:` section which facts are computed from which record, each with a *kind* from the closed
set below and its parameters. The derivation runs once per evaluation, before the rules fire, in the
same way for the wizard, the API, the CLI, the rule test cases and the register upload (the evaluator
and the self-test call `with_derived`). A date-relative parameter (`within_years`) is counted from the
evaluation's reference date, which the snapshot records, so a result stays reproducible.

A derived fact is `true` when at least one record row meets the parameters, `false` when the record is
answered and none does, and unanswered when the record is. Beside the value it keeps its *witnesses*:
the persons (with role and art. 3 lid 4 relation) or financiers that made it true, so an indicator
fired by it names them in its explanation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.forms.model import (
    ANTECEDENT_CHANNELS,
    ANTECEDENT_STATUSES,
    FINANCIER_RELATIONS,
    OFFENCE_KINDS,
    PERSON_ROLES,
    ROLE_RELATIONS,
)
from app.rules.vocabulary import RELATIONS

#: The closed set of derivation kinds, with the record type each reads and what it computes.
DERIVATION_KINDS: dict[str, tuple[str, str]] = {
    "antecedent": (
        "personen",
        "een persoon in een van de genoemde relaties heeft een antecedent dat aan de filters voldoet",
    ),
    "person": ("personen", "een persoon met een van de genoemde rollen is betrokken"),
    "financier": ("financiers", "een financier voldoet aan alle genoemde filters"),
}


def _one_of(values) -> validate.OneOf:
    return validate.OneOf(list(values), error="kies uit: " + ", ".join(values))


class DerivationSchema(Schema):
    """The parameters of one derivation; which ones apply depends on `kind` (checked below)."""

    kind = fields.String(required=True, validate=_one_of(DERIVATION_KINDS))
    # `from` is a Python keyword: the YAML key is `from`, the attribute `record`.
    record = fields.String(required=True, data_key="from")
    relations = fields.List(fields.String(validate=_one_of(["lid4_a", "lid4_b", "lid4_c"])), load_default=list)
    roles = fields.List(fields.String(validate=_one_of(PERSON_ROLES)), load_default=list)
    offences = fields.List(fields.String(validate=_one_of(OFFENCE_KINDS)), load_default=list)
    statuses = fields.List(fields.String(validate=_one_of(ANTECEDENT_STATUSES)), load_default=list)
    channels = fields.List(fields.String(validate=_one_of(ANTECEDENT_CHANNELS)), load_default=list)
    within_years = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=50))
    samenhang = fields.Boolean(load_default=None, allow_none=True)
    financier_relations = fields.List(fields.String(validate=_one_of(FINANCIER_RELATIONS)), load_default=list)
    schriftelijke_overeenkomst = fields.Boolean(load_default=None, allow_none=True)
    bankspoor = fields.Boolean(load_default=None, allow_none=True)
    herkomst_aangetoond = fields.Boolean(load_default=None, allow_none=True)
    contant_deel_min = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0))
    bedrag_min = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0))

    @validates_schema
    def fits_kind(self, data, **kwargs):
        """Only the parameters of the kind; a derivation without any filter would be a mere presence test."""
        kind = data.get("kind")
        allowed = {
            "antecedent": {"relations", "roles", "offences", "statuses", "channels", "within_years", "samenhang"},
            "person": {"roles", "relations"},
            "financier": {
                "financier_relations",
                "schriftelijke_overeenkomst",
                "bankspoor",
                "herkomst_aangetoond",
                "contant_deel_min",
                "bedrag_min",
            },
        }.get(kind, set())
        for key, value in data.items():
            if key in ("kind", "record") or value in (None, []):
                continue
            if key not in allowed:
                raise ValidationError(f"hoort niet bij soort {kind!r}", key)
        if kind in ("person", "financier") and not any(data.get(k) not in (None, []) for k in allowed):
            raise ValidationError(f"een afleiding van soort {kind!r} noemt minstens één filter", "kind")


@dataclass(frozen=True)
class Derivation:
    """One derived fact's computation, as the questionnaire declares it."""

    id: str
    kind: str
    record: str
    params: tuple[tuple[str, Any], ...]

    def param(self, name: str, default: Any = None) -> Any:
        return dict(self.params).get(name, default)


@dataclass(frozen=True)
class DerivedValue:
    value: bool | None  # None: the record is unanswered
    witnesses: tuple[dict[str, Any], ...] = ()


def parse_derivation(fact_id: str, data: Any) -> tuple[Derivation | None, dict]:
    """A Derivation from its YAML mapping, or the marshmallow messages."""
    try:
        doc = DerivationSchema().load(data if isinstance(data, dict) else {})
    except ValidationError as err:
        return None, err.messages
    record = doc.pop("record")
    kind = doc.pop("kind")
    params = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in doc.items() if v not in (None, [])))
    return Derivation(fact_id, kind, record, params), {}


def derive(derivations, answers: dict[str, Any], reference_date: dt.date) -> dict[str, DerivedValue]:
    """Every derived fact of a questionnaire for these (validated) answers."""
    result = {}
    for d in derivations:
        rows = answers.get(d.record)
        if not rows:
            result[d.id] = DerivedValue(None)
            continue
        witnesses = tuple(_COMPUTE[d.kind](d, rows, reference_date))
        result[d.id] = DerivedValue(bool(witnesses), witnesses)
    return result


def with_derived(questionnaire, answers: dict[str, Any], reference_date: dt.date | None = None) -> dict[str, Any]:
    """The answers plus every derived fact's value (unanswered facts left out): what the rules read."""
    facts = dict(answers)
    day = reference_date or dt.date.today()
    for fact_id, derived in derive(questionnaire.derivations, answers, day).items():
        facts.pop(fact_id, None)
        if derived.value is not None:
            facts[fact_id] = derived.value
    return facts


def _relation_of(person: dict[str, Any]) -> str:
    return ROLE_RELATIONS.get(person.get("rol", ""), "lid4_c")


def _person_witness(person: dict[str, Any], details: list[str] | None = None) -> dict[str, Any]:
    relation = _relation_of(person)
    return {
        "naam": person.get("naam", ""),
        "rol": person.get("rol", ""),
        "rol_label": PERSON_ROLES.get(person.get("rol", ""), person.get("rol", "")),
        "relation": relation,
        "relation_label": RELATIONS[relation],
        "details": details or [],
    }


def _role_fits(d: Derivation, person: dict[str, Any]) -> bool:
    roles, relations = d.param("roles", ()), d.param("relations", ())
    if roles and person.get("rol") not in roles:
        return False
    return not relations or _relation_of(person) in relations


def _antecedent(d: Derivation, rows: list[dict[str, Any]], day: dt.date):
    """Persons in the named relations with at least one antecedent meeting every filter."""
    for person in rows:
        if not _role_fits(d, person):
            continue
        hits = [a for a in person.get("antecedenten") or [] if _antecedent_fits(d, a, day)]
        if hits:
            yield _person_witness(person, [describe_antecedent(a) for a in hits])


def _antecedent_fits(d: Derivation, a: dict[str, Any], day: dt.date) -> bool:
    offences, statuses, channels = d.param("offences", ()), d.param("statuses", ()), d.param("channels", ())
    if offences and a.get("feit") not in offences:
        return False
    if statuses and a.get("status") not in statuses:
        return False
    if channels and a.get("kanaal") not in channels:
        return False
    within = d.param("within_years")
    if within is not None and (a.get("jaar") is None or a["jaar"] < day.year - within):
        return False
    samenhang = d.param("samenhang")
    return samenhang is None or a.get("samenhang") is samenhang


def _person(d: Derivation, rows: list[dict[str, Any]], day: dt.date):
    for person in rows:
        if _role_fits(d, person):
            yield _person_witness(person)


def _financier(d: Derivation, rows: list[dict[str, Any]], day: dt.date):
    """Financiers meeting every filter: what weighs is what can be verified, never where the money is from."""
    relations = d.param("financier_relations", ())
    for f in rows:
        if relations and f.get("relatie") not in relations:
            continue
        if any(
            d.param(flag) is not None and f.get(flag) is not d.param(flag)
            for flag in ("schriftelijke_overeenkomst", "bankspoor", "herkomst_aangetoond")
        ):
            continue
        if d.param("contant_deel_min") is not None and (f.get("contant_deel") or 0) < d.param("contant_deel_min"):
            continue
        if d.param("bedrag_min") is not None and (f.get("bedrag") or 0) < d.param("bedrag_min"):
            continue
        yield {"naam": f.get("naam", ""), "details": [describe_financier(f)]}


_COMPUTE = {"antecedent": _antecedent, "person": _person, "financier": _financier}


def describe_antecedent(a: dict[str, Any]) -> str:
    """One antecedent as a jurist reads it: "Opiumwet (drugs), 2022, onherroepelijke veroordeling, ..."."""
    parts = [OFFENCE_KINDS.get(a.get("feit"), a.get("feit", ""))]
    if a.get("jaar"):
        parts.append(str(a["jaar"]))
    if a.get("status"):
        parts.append(ANTECEDENT_STATUSES.get(a["status"], a["status"]).lower())
    if a.get("samenhang") is not None:
        parts.append("samenhang met de activiteit" if a["samenhang"] else "geen samenhang met de activiteit")
    if a.get("kanaal"):
        parts.append("bron: " + ANTECEDENT_CHANNELS.get(a["kanaal"], a["kanaal"]).lower())
    return ", ".join(parts)


def _yes_no(value: Any, yes: str, no: str) -> str | None:
    return None if value is None else (yes if value else no)


def describe_financier(f: dict[str, Any]) -> str:
    """One financier as a jurist reads it (amount, relation, what is documented)."""
    parts = []
    if f.get("bedrag") is not None:
        parts.append(_euro(f["bedrag"]))
    if f.get("relatie"):
        parts.append(FINANCIER_RELATIONS.get(f["relatie"], f["relatie"]).lower())
    for text in (
        _yes_no(f.get("schriftelijke_overeenkomst"), "schriftelijke overeenkomst", "geen schriftelijke overeenkomst"),
        _yes_no(f.get("bankspoor"), "via de bank", "geen bankspoor"),
        _yes_no(f.get("herkomst_aangetoond"), "herkomst aangetoond", "herkomst niet aangetoond"),
    ):
        if text:
            parts.append(text)
    if f.get("contant_deel"):
        parts.append(f"contant deel {_euro(f['contant_deel'])}")
    return ", ".join(parts)


def describe_witness(w: dict[str, Any]) -> str:
    """A witness for a report line: the person, role and relation, then what counted."""
    head = f"{w['naam']} ({w['rol_label']}; {w['relation_label'].split(':')[0]})" if "relation" in w else w["naam"]
    return head + (": " + "; ".join(w["details"]) if w["details"] else "")


def _euro(value: float) -> str:
    return "€ " + f"{value:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".").removesuffix(",00")
