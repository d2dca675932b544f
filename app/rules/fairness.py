"""The automated check for protected characteristics and their proxies (pure).

It reads every questionnaire (question ids, labels, help texts, option values and labels, derived facts)
and every rule (the questions and values its condition reads, its title, description, advice and control
points), and reports each text that names a protected characteristic or a common proxy for one. The test
suite runs it on the real catalogue (`tests/test_sources.py`), and the Algoritmeregister text
(`app/services/transparency.py`, `NOT_USED`) claims exactly this check and no more.

Matching is per word: a term matches a whole word or, for a stem (ending in `*`), the start of a word, so
"land" does not match "Nederland" or "landelijk". A few exact phrases are allowed because they are about
money, not about persons ("herkomst van het vermogen").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

#: Protected characteristics and proxies for them. A trailing `*` matches any word that starts so.
PROTECTED_TERMS: tuple[str, ...] = (
    "nationaliteit*",
    "etnic*",
    "etnisch*",
    "afkomst*",
    "herkomst*",
    "geboorteland*",
    "geboorteplaats*",
    "land",
    "landen",
    "buitenland*",
    "migratie*",
    "allochto*",
    "taal",
    "talen",
    "moedertaal*",
    "tolk*",
    "religie*",
    "religieu*",
    "geloof*",
    "moskee*",
    "kerk*",
    "familieachtergrond*",
    "familieband*",
    "clan*",
    "minderjarig*",
    "huidskleur*",
    "ras",
    "kenteken*",
)
#: Exact phrases that use a listed word about money or documents, never about a person.
ALLOWED_PHRASES: tuple[str, ...] = (
    "herkomst van het eigen vermogen",
    "herkomst van het vermogen",
    "herkomst van vermogen",
    "herkomst van het geld",
    "herkomst van het contante geld",
    "herkomst van zijn middelen",
    "herkomst van de middelen",
    "herkomst_vermogen",
    "herkomst_open",
    "herkomst_aangetoond",
    "herkomst aangetoond",
    "herkomst niet aangetoond",
    "herkomst niet verifieerbaar",
    # The registration of a vehicle (RL-005), never of a person.
    "buitenlands kenteken",
)
#: Phrases allowed in a questionnaire only: the Bibob form asks the legal form of the betrokkene, which may be
#: foreign law. A rule that reads or names it is still reported.
QUESTIONNAIRE_PHRASES: tuple[str, ...] = (
    "buitenlandse rechtspersoon",
    "rechtspersoon naar buitenlands recht",
)

_TERMS = re.compile(
    r"(?<![a-z0-9])("
    + "|".join(re.escape(t[:-1]) + r"[a-z]*" if t.endswith("*") else re.escape(t) for t in PROTECTED_TERMS)
    + r")(?![a-z0-9])"
)


def protected_words(text: str, questionnaire: bool = False) -> list[str]:
    """The protected words in a text, after the allowed phrases are taken out (case-insensitive)."""
    lowered = text.lower().replace("_", " ")
    for phrase in (*ALLOWED_PHRASES, *(QUESTIONNAIRE_PHRASES if questionnaire else ())):
        lowered = lowered.replace(phrase.replace("_", " "), " ")
    return _TERMS.findall(lowered)


def _questionnaire_texts(questionnaire) -> Iterator[tuple[str, str]]:
    for question in (*questionnaire.questions.values(), *questionnaire.derived):
        where = f"forms/{questionnaire.scan}.yaml {question.id}"
        yield where, question.id
        yield where, question.label
        yield where, question.help
        for option in question.options:  # legacy options are refused in every rule (loader) and not offered
            yield f"{where} optie {option.value}", option.value
            yield f"{where} optie {option.value}", option.label


def _rule_texts(rule) -> Iterator[tuple[str, str]]:
    from app.rules.conditions import leaves

    for leaf in leaves(rule.condition):
        yield f"{rule.path} condition", leaf.question
        values = leaf.value if isinstance(leaf.value, tuple) else (leaf.value,)
        for value in values:
            if isinstance(value, str):
                yield f"{rule.path} condition", value
    yield f"{rule.path} title", rule.title
    yield f"{rule.path} description", rule.description
    yield f"{rule.path} advice", rule.advice
    for point in rule.control_points:
        yield f"{rule.path} control_points", point


def protected_findings(catalogue) -> list[str]:
    """Every place in the questionnaires and rules that names a protected characteristic or proxy."""
    findings = []
    sources = [(*t, True) for q in catalogue.questionnaires.values() for t in _questionnaire_texts(q)]
    sources += [(*t, False) for rule in catalogue.rules.values() for t in _rule_texts(rule)]
    for where, text, in_questionnaire in sources:
        words = protected_words(text or "", in_questionnaire)
        if words:
            findings.append(f"{where}: {', '.join(sorted(set(words)))}")
    return sorted(set(findings))
