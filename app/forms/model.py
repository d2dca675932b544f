"""Questionnaire data: what a scan asks, step by step (loaded from `forms/`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.forms.channels import ChannelTable, Provenance
from app.rules.conditions import Condition, holds, is_answered

#: Question types and the Dutch name the UI shows for each.
QUESTION_TYPES: dict[str, str] = {
    "ja_nee": "Ja/nee",
    "keuze": "Keuze (één)",
    "meerkeuze": "Meerkeuze",
    "getal": "Getal",
    "bedrag": "Bedrag in euro",
    "datum": "Datum",
    "tekst": "Tekst",
    "kvk": "KvK-nummer",
    "postcode": "Postcode",
    "personen": "Betrokken personen",
}

#: The labels of the first four channels, as snapshots stored before the channel table
#: (`forms/_kanalen.yaml`) carried their own label; new code reads `Question.provenance`.
ANSWER_SOURCES: dict[str, str] = {
    "aanvrager": "Opgave aanvrager (Bibob-vragenformulier)",
    "eigen_onderzoek": "Eigen onderzoek gemeente",
    "schouw": "Waarneming bij schouw of controle",
    "partner": "Informatie van een partner (deelbaarheid nagaan)",
}

PERSON_ROLES: dict[str, str] = {
    "aanvrager": "Aanvrager",
    "bestuurder": "Bestuurder",
    "leidinggevende": "Leidinggevende",
    "aandeelhouder": "Aandeelhouder / zeggenschap",
    "vermogensverschaffer": "Vermogensverschaffer",
    "zakelijk_samenwerkingsverband": "Zakelijk samenwerkingsverband",
    "eigenaar_pand": "Eigenaar of verhuurder pand",
}

#: Which rule operators fit which question type.
OPERATORS_BY_TYPE: dict[str, frozenset[str]] = {
    "ja_nee": frozenset({"equals", "not_equals", "present"}),
    "keuze": frozenset({"equals", "not_equals", "in", "present"}),
    "meerkeuze": frozenset({"contains", "contains_any", "present"}),
    "getal": frozenset({"equals", "not_equals", "gt", "gte", "lt", "lte", "present"}),
    "bedrag": frozenset({"equals", "not_equals", "gt", "gte", "lt", "lte", "present"}),
    "tekst": frozenset({"equals", "not_equals", "in", "matches", "present"}),
    "kvk": frozenset({"equals", "not_equals", "in", "matches", "present"}),
    "postcode": frozenset({"equals", "not_equals", "in", "matches", "present"}),
    "datum": frozenset({"present"}),
    "personen": frozenset({"present"}),
}

#: The most questions one questionnaire may hold (the engine's fact limit, with room).
MAX_QUESTIONS = 120


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Question:
    id: str
    label: str
    type: str
    help: str = ""
    required: bool = False
    options: tuple[Option, ...] = ()
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    show_if: Condition | None = None
    source: str = "aanvrager"
    scorable: bool = True
    partner: str | None = None
    criminal: bool = False
    provenance: Provenance | None = None

    @property
    def option_values(self) -> tuple[str, ...]:
        return tuple(o.value for o in self.options)

    def option_label(self, value: Any) -> str:
        for option in self.options:
            if option.value == value:
                return option.label
        return str(value)

    def shown(self, answers: dict[str, Any]) -> bool:
        """Whether the question applies, given the answers so far."""
        return self.show_if is None or holds(self.show_if, answers)


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    intro: str
    questions: tuple[Question, ...]


@dataclass(frozen=True, eq=False)
class Questionnaire:
    """One scan's questionnaire; compared and hashed by identity (it is loaded once)."""

    scan: str
    version: int
    title: str
    intro: str
    steps: tuple[Step, ...]
    content_hash: str = ""
    channels: ChannelTable | None = field(default=None, compare=False, repr=False)
    _index: dict[str, Question] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for step in self.steps:
            for question in step.questions:
                self._index[question.id] = question

    @property
    def questions(self) -> dict[str, Question]:
        """Every question by id, in questionnaire order."""
        return self._index

    def question(self, question_id: str) -> Question | None:
        return self._index.get(question_id)

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)

    def step_after(self, step_id: str) -> str | None:
        """The id of the step that follows, or None after the last step (then the summary comes)."""
        ids = [s.id for s in self.steps]
        i = ids.index(step_id)
        return ids[i + 1] if i + 1 < len(ids) else None

    def missing_required(self, answers: dict[str, Any]) -> list[tuple[Step, Question]]:
        """Required questions that apply (show_if) but are unanswered, with their step, in order."""
        return [
            (step, q)
            for step in self.steps
            for q in step.questions
            if q.required and q.shown(answers) and not is_answered(answers.get(q.id))
        ]

    def label_of(self, question_id: str) -> str:
        question = self._index.get(question_id)
        return question.label if question else question_id
