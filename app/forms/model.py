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
    "financiers": "Financiers",
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
    "eerdere_exploitant": "Eerdere exploitant, nog betrokken",
    "gerelateerde_rechtspersoon": "Rechtspersoon waarin de betrokkene leiding, zeggenschap of vermogen heeft",
}

#: The art. 3 lid 4 Wet Bibob relation a person's antecedents put the betrokkene in, by the person's role:
#: the aanvrager committed them himself (a); a legal person the betrokkene leads, controls or finances
#: committed them (b); a person who leads, controls, finances or works with the betrokkene committed them (c).
ROLE_RELATIONS: dict[str, str] = {
    "aanvrager": "lid4_a",
    "bestuurder": "lid4_c",
    "leidinggevende": "lid4_c",
    "aandeelhouder": "lid4_c",
    "vermogensverschaffer": "lid4_c",
    "zakelijk_samenwerkingsverband": "lid4_c",
    "eigenaar_pand": "lid4_c",
    "eerdere_exploitant": "lid4_c",
    "gerelateerde_rechtspersoon": "lid4_b",
}

#: Kinds of offence of one antecedent in a person record. Bestuurlijke boetes count as offences (lid 8).
OFFENCE_KINDS: dict[str, str] = {
    "opiumwet": "Opiumwet (drugs)",
    "witwassen": "Witwassen",
    "geweld_wapens": "Geweld of wapens",
    "mensenhandel": "Mensenhandel of uitbuiting",
    "deelneming_criminele_organisatie": "Deelneming aan een criminele organisatie",
    "fraude_valsheid": "Fraude of valsheid in geschrifte",
    "fiscaal": "Fiscaal delict",
    "heling": "Heling",
    "vergunningvoorschriften": "Overtreding van vergunningvoorschriften",
    "bestuurlijke_boete": "Overtreding met een bestuurlijke boete (art. 3 lid 8)",
    "anders": "Ander strafbaar feit",
}
#: The offences the catalogue counts as serious (the former `antecedenten_ernstig` options).
SERIOUS_OFFENCES: tuple[str, ...] = (
    "opiumwet",
    "witwassen",
    "geweld_wapens",
    "mensenhandel",
    "deelneming_criminele_organisatie",
)
#: How far an antecedent is established, strongest first.
ANTECEDENT_STATUSES: dict[str, str] = {
    "veroordeling": "Onherroepelijke veroordeling",
    "strafbeschikking": "Strafbeschikking",
    "transactie": "Transactie",
    "sepot": "Sepot",
    "lopend_onderzoek": "Lopend onderzoek",
    "vermoeden_rapportage": "Vermoeden uit een bestuurlijke rapportage",
}
#: Where an antecedent comes from; each maps to a channel of `forms/_kanalen.yaml`.
ANTECEDENT_CHANNELS: dict[str, str] = {
    "justitie": "Justitiële gegevens (Wjsg)",
    "politie": "Politiegegevens (Wpg)",
    "eigen_onderzoek": "Eigen onderzoek gemeente",
    "open_bron": "Open bron",
}
#: A financier's relation to the applicant. Deliberately no place of residence or country: what weighs is
#: what can be verified (agreement, bank trail, documented origin), wherever the money comes from.
FINANCIER_RELATIONS: dict[str, str] = {
    "eigen_middelen": "Eigen middelen van de aanvrager",
    "bank": "Bank of andere financiële instelling onder toezicht",
    "familie_vriend": "Familielid of vriend",
    "zakelijke_relatie": "Zakelijke relatie",
    "leverancier_brouwerij": "Leverancier, brouwerij of franchisegever",
    "aandeelhouder": "Aandeelhouder of moedermaatschappij",
    "anders": "Anders of onbekend",
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
    "financiers": frozenset({"present"}),
}

#: Record types: lists of structured rows; never a register column and never read by a rule directly.
RECORD_TYPES: tuple[str, ...] = ("personen", "financiers")
#: The option value that means "none of these": exclusive in every multi-select.
NONE_OPTION = "geen"

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
    #: Option values of an earlier version: still accepted in answer files, never offered, never read by a rule.
    legacy_options: tuple[Option, ...] = ()
    #: A question of an earlier version: answers to it stay valid, but the wizard no longer asks it and no
    #: active rule reads it (only a deprecated rule may, so stored results keep their meaning).
    legacy: bool = False

    @property
    def option_values(self) -> tuple[str, ...]:
        return tuple(o.value for o in self.options)

    @property
    def accepted_values(self) -> tuple[str, ...]:
        """What an answer may hold: the options plus the legacy options."""
        return self.option_values + tuple(o.value for o in self.legacy_options)

    def option_label(self, value: Any) -> str:
        for option in (*self.options, *self.legacy_options):
            if option.value == value:
                return option.label
        return str(value)

    def shown(self, answers: dict[str, Any]) -> bool:
        """Whether the question applies, given the answers so far; a legacy question never does."""
        if self.legacy:
            return False
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
    #: Derived facts (`derived:`): yes/no facts computed from records, read by rules like questions but
    #: never answered by a person. `derived` holds them as questions, `derivations` their computation.
    derived: tuple[Question, ...] = ()
    derivations: tuple[Any, ...] = ()  # app.forms.derive.Derivation
    _index: dict[str, Question] = field(default_factory=dict, compare=False, repr=False)
    _derived_index: dict[str, Question] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for step in self.steps:
            for question in step.questions:
                self._index[question.id] = question
        for question in self.derived:
            self._derived_index[question.id] = question

    @property
    def questions(self) -> dict[str, Question]:
        """Every question by id, in questionnaire order."""
        return self._index

    def question(self, question_id: str) -> Question | None:
        """A question, or a derived fact (which rules read like a yes/no question)."""
        return self._index.get(question_id) or self._derived_index.get(question_id)

    def is_derived(self, question_id: str) -> bool:
        return question_id in self._derived_index

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
        question = self.question(question_id)
        return question.label if question else question_id
