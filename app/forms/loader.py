"""Read questionnaires from `forms/`, check them, and refuse a faulty set whole.

A questionnaire is `forms/<scan>.yaml`; a step may be `include: <name>`, which
takes the step in `forms/_gedeeld/<name>.yaml` (shared by several scans).
Every fault in every file is collected and reported at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from app.forms.channels import DEFAULT_CHANNEL, ChannelTable, load_channels
from app.forms.derive import DERIVATION_KINDS, Derivation, parse_derivation
from app.forms.model import (
    MAX_QUESTIONS,
    QUESTION_TYPES,
    Option,
    Question,
    Questionnaire,
    Step,
)
from app.rules.conditions import QUESTION_ID
from app.rules.conditions import parse as parse_condition
from app.rules.conditions import questions as condition_questions
from app.rules.errors import CatalogueError, Fault, flatten_messages, read_yaml
from app.rules.registry import SCAN_ID

SHARED_FOLDER = "_gedeeld"
STEP_ID = validate.Regexp(r"^[a-z][a-z0-9_]{1,39}$", error="moet kleine letters, cijfers of _ zijn")


class OptionSchema(Schema):
    value = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9_]*$"))
    label = fields.String(required=True, validate=validate.Length(min=1, max=200))


class QuestionSchema(Schema):
    id = fields.String(required=True, validate=validate.Regexp(QUESTION_ID.pattern))
    label = fields.String(required=True, validate=validate.Length(min=3, max=300))
    help = fields.String(load_default="", validate=validate.Length(max=1000))
    type = fields.String(required=True, validate=validate.OneOf(list(QUESTION_TYPES)))
    required = fields.Boolean(load_default=False)
    options = fields.List(fields.Nested(OptionSchema), load_default=list)
    legacy_options = fields.List(fields.Nested(OptionSchema), load_default=list)
    #: The whole question is of an earlier version: accepted in answers, never asked (see Question.legacy).
    legacy = fields.Boolean(load_default=False)
    min = fields.Float(load_default=None, allow_none=True)
    max = fields.Float(load_default=None, allow_none=True)
    max_length = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, 20000))
    show_if = fields.Raw(load_default=None, allow_none=True)
    #: The channel (`forms/_kanalen.yaml`); checked against the table in `_build_question`.
    source = fields.String(load_default=DEFAULT_CHANNEL)
    #: Which partner, for channel `partner`.
    partner = fields.String(load_default=None, allow_none=True)
    #: The answer is criminal data (AVG art. 10) even though its channel is not Wjsg/Wpg.
    strafrechtelijk = fields.Boolean(load_default=False)
    scorable = fields.Boolean(load_default=True)


class StepSchema(Schema):
    id = fields.String(required=True, validate=STEP_ID)
    title = fields.String(required=True, validate=validate.Length(min=3, max=120))
    intro = fields.String(load_default="", validate=validate.Length(max=2000))
    questions = fields.List(fields.Nested(QuestionSchema), required=True, validate=validate.Length(min=1))


class QuestionnaireSchema(Schema):
    scan = fields.String(required=True, validate=validate.Regexp(SCAN_ID, error="kleine letters, cijfers of _"))
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    title = fields.String(required=True, validate=validate.Length(min=3, max=120))
    #: Position of the scan in lists; required and unique per scan (`app.rules.registry`).
    order = fields.Integer(load_default=None, strict=True)
    intro = fields.String(load_default="", validate=validate.Length(max=3000))
    steps = fields.List(fields.Raw(), required=True, validate=validate.Length(min=1))
    #: Derived facts (app/forms/derive.py): entries, or `{include: <name>}` of `forms/_gedeeld/<name>.yaml`.
    derived = fields.List(fields.Raw(), load_default=list)


class DerivedFactSchema(Schema):
    """A derived fact: read by rules like a yes/no question, computed from a record (`derive`)."""

    id = fields.String(required=True, validate=validate.Regexp(QUESTION_ID.pattern))
    label = fields.String(required=True, validate=validate.Length(min=3, max=300))
    help = fields.String(load_default="", validate=validate.Length(max=1000))
    source = fields.String(load_default=DEFAULT_CHANNEL)
    partner = fields.String(load_default=None, allow_none=True)
    strafrechtelijk = fields.Boolean(load_default=False)
    derive = fields.Raw(required=True)


class SharedDerivedSchema(Schema):
    derived = fields.List(fields.Raw(), required=True, validate=validate.Length(min=1))


def load_questionnaires(
    forms_dir: Path, texts: dict[str, str] | None = None, scans: Iterable[str] = ()
) -> dict[str, Questionnaire]:
    """Load every `forms/<scan>.yaml` with the channel table; raise CatalogueError listing every fault.

    Files whose name starts with `_` are data beside the questionnaires (the channel table). `scans`:
    the scan ids that must have a questionnaire (the discovered registry, `app.rules.registry`).
    """
    faults: list[Fault] = []
    result: dict[str, Questionnaire] = {}
    channels = load_channels(forms_dir, faults, texts)
    for path in sorted(p for p in forms_dir.glob("*.yaml") if not p.name.startswith("_")):
        questionnaire = _load_file(path, forms_dir, faults, texts, channels)
        if questionnaire is not None:
            result[questionnaire.scan] = questionnaire
    for scan in scans:
        if scan not in result and not any(f.file.endswith(f"{scan}.yaml") for f in faults):
            faults.append(Fault(f"forms/{scan}.yaml", "", "vragenlijst ontbreekt"))
    if faults:
        raise CatalogueError(faults)
    return result


def _load_file(
    path: Path, forms_dir: Path, faults: list[Fault], texts: dict[str, str] | None, channels: ChannelTable | None
) -> Questionnaire | None:
    name = f"forms/{path.name}"
    data, raw = read_yaml(path, name, faults, texts)
    if data is None:
        return None
    try:
        doc = QuestionnaireSchema().load(data)
    except ValidationError as err:
        faults.extend(Fault(name, f, r) for f, r in flatten_messages(err.messages))
        return None
    if path.stem != doc["scan"]:
        faults.append(Fault(name, "scan", f"moet gelijk zijn aan de bestandsnaam ({path.stem})"))
    digest = hashlib.sha256(raw)
    if channels is not None:
        digest.update(channels.content_hash.encode())
    steps: list[Step] = []
    for i, step_data in enumerate(doc["steps"]):
        step = _load_step(step_data, f"steps[{i}]", name, forms_dir, faults, digest, texts, channels)
        if step is not None:
            steps.append(step)
    _check_questions(steps, name, faults)
    derived, derivations = _load_derived(doc["derived"], steps, name, forms_dir, faults, digest, texts, channels)
    return Questionnaire(
        scan=doc["scan"],
        version=doc["version"],
        title=doc["title"],
        intro=doc["intro"],
        steps=tuple(steps),
        content_hash=digest.hexdigest(),
        channels=channels,
        derived=tuple(derived),
        derivations=tuple(derivations),
    )


def _load_derived(entries, steps, name, forms_dir, faults, digest, texts, channels):
    """The derived facts of a questionnaire (own entries and included shared files), checked against its records."""
    asked = {q.id: q for step in steps for q in step.questions}
    questions: list[Question] = []
    derivations: list[Derivation] = []
    flat: list[tuple[str, str, Any]] = []
    for i, entry in enumerate(entries):
        if isinstance(entry, dict) and set(entry) == {"include"}:
            path = forms_dir / SHARED_FOLDER / f"{entry['include']}.yaml"
            origin = f"forms/{SHARED_FOLDER}/{entry['include']}.yaml"
            if not isinstance(entry["include"], str) or not path.is_file():
                faults.append(
                    Fault(name, f"derived[{i}].include", f"gedeeld bestand {entry['include']!r} bestaat niet")
                )
                continue
            data, raw = read_yaml(path, origin, faults, texts)
            if data is None:
                continue
            digest.update(raw)
            try:
                shared = SharedDerivedSchema().load(data)
            except ValidationError as err:
                faults.extend(Fault(origin, f, r) for f, r in flatten_messages(err.messages))
                continue
            flat.extend((origin, f"derived[{j}]", e) for j, e in enumerate(shared["derived"]))
        else:
            flat.append((name, f"derived[{i}]", entry))
    for origin, field, entry in flat:
        try:
            d = DerivedFactSchema().load(entry if isinstance(entry, dict) else {})
        except ValidationError as err:
            faults.extend(Fault(origin, f"{field}.{f}", r) for f, r in flatten_messages(err.messages))
            continue
        derivation, problems = parse_derivation(d["id"], d["derive"])
        if derivation is None:
            faults.extend(Fault(origin, f"{field}.derive.{f}", r) for f, r in flatten_messages(problems))
            continue
        record = asked.get(derivation.record)
        needed = DERIVATION_KINDS[derivation.kind][0]
        if record is None or record.type != needed:
            faults.append(
                Fault(
                    origin, f"{field}.derive.from", f"{derivation.record!r} is geen vraag van type {needed} in {name}"
                )
            )
            continue
        if d["id"] in asked or any(q.id == d["id"] for q in questions):
            faults.append(Fault(origin, f"{field}.id", f"dubbele vraag-id {d['id']!r}"))
            continue
        q = {**d, "type": "ja_nee", "options": [], "required": False, "scorable": True}
        provenance = _provenance(q, field, origin, faults, channels)
        questions.append(
            Question(
                id=d["id"],
                label=d["label"],
                type="ja_nee",
                help=d["help"],
                source=d["source"],
                partner=d["partner"],
                criminal=d["strafrechtelijk"],
                provenance=provenance,
            )
        )
        derivations.append(derivation)
    if len(asked) + len(questions) > MAX_QUESTIONS:
        faults.append(
            Fault(
                name, "derived", f"{len(asked) + len(questions)} vragen en afgeleide feiten; hoogstens {MAX_QUESTIONS}"
            )
        )
    return questions, derivations


def _load_step(
    data: Any,
    field: str,
    name: str,
    forms_dir: Path,
    faults: list[Fault],
    digest,
    texts: dict[str, str] | None,
    channels: ChannelTable | None,
) -> Step | None:
    origin = name
    if isinstance(data, dict) and set(data) == {"include"}:
        include = data["include"]
        path = forms_dir / SHARED_FOLDER / f"{include}.yaml"
        origin = f"forms/{SHARED_FOLDER}/{include}.yaml"
        if not isinstance(include, str) or not path.is_file():
            faults.append(Fault(name, f"{field}.include", f"gedeelde stap {include!r} bestaat niet"))
            return None
        data, raw = read_yaml(path, origin, faults, texts)
        if data is None:
            return None
        digest.update(raw)
        field = ""
    try:
        doc = StepSchema().load(data)
    except ValidationError as err:
        prefix = f"{field}." if field else ""
        faults.extend(Fault(origin, prefix + f, r) for f, r in flatten_messages(err.messages))
        return None
    questions = []
    for j, q in enumerate(doc["questions"]):
        question = _build_question(q, f"{field + '.' if field else ''}questions[{j}]", origin, faults, channels)
        if question is not None:
            questions.append(question)
    return Step(id=doc["id"], title=doc["title"], intro=doc["intro"], questions=tuple(questions))


def _build_question(
    q: dict, field: str, origin: str, faults: list[Fault], channels: ChannelTable | None
) -> Question | None:
    kind = q["type"]
    has_options = kind in ("keuze", "meerkeuze")
    if has_options and len(q["options"]) < 2:
        faults.append(Fault(origin, f"{field}.options", "een keuzevraag heeft minstens twee opties"))
    if not has_options and q["options"]:
        faults.append(Fault(origin, f"{field}.options", f"opties horen niet bij type {kind}"))
    values = [o["value"] for o in (*q["options"], *q["legacy_options"])]
    if q["legacy_options"] and not has_options:
        faults.append(Fault(origin, f"{field}.legacy_options", f"opties horen niet bij type {kind}"))
    if len(values) != len(set(values)):
        faults.append(Fault(origin, f"{field}.options", "dubbele optiewaarde"))
    if q["legacy"] and q["required"]:
        faults.append(Fault(origin, f"{field}.legacy", "een vervallen vraag kan niet verplicht zijn"))
    if q["min"] is not None and q["max"] is not None and q["min"] > q["max"]:
        faults.append(Fault(origin, f"{field}.min", "min is groter dan max"))
    provenance = _provenance(q, field, origin, faults, channels)
    show_if = None
    if q["show_if"] is not None:
        show_if, problems = parse_condition(q["show_if"], f"{field}.show_if")
        faults.extend(Fault(origin, p.field, p.reason) for p in problems)
    return Question(
        id=q["id"],
        label=q["label"],
        type=kind,
        help=q["help"],
        required=q["required"],
        options=tuple(Option(o["value"], o["label"]) for o in q["options"]),
        legacy_options=tuple(Option(o["value"], o["label"]) for o in q["legacy_options"]),
        legacy=q["legacy"],
        min=q["min"],
        max=q["max"],
        max_length=q["max_length"],
        show_if=show_if,
        source=q["source"],
        scorable=q["scorable"] and kind not in ("personen", "financiers", "tekst", "datum"),
        partner=q["partner"],
        criminal=q["strafrechtelijk"],
        provenance=provenance,
    )


def _provenance(q: dict, field: str, origin: str, faults: list[Fault], channels: ChannelTable | None):
    """The question's channel resolved against the table; a fault for an unknown channel or partner."""
    if channels is None:
        return None  # the table itself is faulty; that fault is reported already
    channel, partner = q["source"], q["partner"]
    if channel not in channels.channels:
        faults.append(Fault(origin, f"{field}.source", f"onbekend kanaal {channel!r} (zie forms/_kanalen.yaml)"))
        return None
    if channel == "partner" and partner not in channels.partners:
        faults.append(Fault(origin, f"{field}.partner", "noem welke partner (een van forms/_kanalen.yaml partners)"))
        return None
    if channel != "partner" and partner is not None:
        faults.append(Fault(origin, f"{field}.partner", "alleen bij kanaal partner"))
        return None
    return channels.resolve(channel, partner, q["strafrechtelijk"])


def _check_questions(steps: list[Step], name: str, faults: list[Fault]) -> None:
    """Unique ids across the questionnaire; show_if only on earlier questions; size limit."""
    seen: dict[str, Question] = {}
    step_ids: set[str] = set()
    for step in steps:
        if step.id in step_ids:
            faults.append(Fault(name, f"steps.{step.id}", "dubbele stap-id"))
        step_ids.add(step.id)
        for question in step.questions:
            if question.id in seen:
                faults.append(Fault(name, question.id, "dubbele vraag-id"))
            if question.show_if is not None:
                for ref in condition_questions(question.show_if):
                    if ref not in seen:
                        faults.append(
                            Fault(name, f"{question.id}.show_if", f"verwijst naar {ref!r}, geen eerdere vraag")
                        )
            seen[question.id] = question
    if len(seen) > MAX_QUESTIONS:
        faults.append(Fault(name, "steps", f"{len(seen)} vragen; hoogstens {MAX_QUESTIONS}"))
