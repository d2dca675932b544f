"""The public face of the rules: the catalogue in words and an Algoritmeregister export (pure)."""

from __future__ import annotations

from typing import Any

from app.rules.catalogue import Catalogue
from app.rules.vocabulary import (
    BIBOB_GROUNDS,
    CATEGORIES,
    CONTEXTS,
    LEVELS,
    NEXT_STEPS,
    OUTCOMES,
    PARTNERS,
    PRIORITIES,
    ROLES,
    SCANS,
    STATUSES,
)

PURPOSE = (
    "Gemeenten ondersteunen bij het beoordelen van de mate van gevaar in de zin van de Wet Bibob en bij het "
    "voorbereiden van integrale controles op risicolocaties, vastgoed en bedrijventerreinen. De toepassing "
    "zet antwoorden op een vragenlijst met vaste, openbare indicatoren om in een score, een risiconiveau en "
    "een toegelicht advies."
)
HUMAN_INVOLVEMENT = (
    "De uitkomst is een advies, nooit een besluit (AVG art. 22). Een Bibob-coördinator vult de scan in en "
    "controleert de antwoorden; een jurist van het RIEC beoordeelt elk advies, kan indicatoren met redenen "
    "weerleggen en de adviestekst aanpassen, en stelt het vast (vier ogen). Het bestuursorgaan weegt zelf de "
    "evenredigheid (art. 3 lid 5 Wet Bibob)."
)
NOT_USED = (
    "Nationaliteit, etniciteit, afkomst of familieachtergrond als zodanig en gegevens over minderjarigen worden "
    "niet gevraagd en wegen nooit mee; de catalogus wordt daarop automatisch gecontroleerd."
)


def catalogue_view(catalogue: Catalogue) -> list[dict[str, Any]]:
    """Per scan: the scoring policy in words and every indicator with basis and sources."""
    scans = []
    for scan, label in SCANS.items():
        policy = catalogue.scoring[scan]
        rules = catalogue.rules_for(scan, include_inactive=True)
        scans.append(
            {
                "id": scan,
                "label": label,
                "version": catalogue.version(scan),
                "questionnaire_version": catalogue.questionnaires[scan].version,
                "thresholds": [{"level": LEVELS[lv], "min_score": m} for lv, m in policy.thresholds],
                "caps": [{"category": CATEGORIES[c], "cap": cap} for c, cap in policy.caps.items()],
                "indications": [
                    {"level": LEVELS[lv], "outcome": OUTCOMES[o]} for lv, o in policy.level_indications.items()
                ],
                "context_default": CONTEXTS[policy.context_default],
                "essential": [catalogue.questionnaires[scan].label_of(q) for q in policy.essential],
                "indicators": [_indicator(r, catalogue) for r in rules],
            }
        )
    return scans


def advice_view(catalogue: Catalogue) -> list[dict[str, Any]]:
    """The advice table in words: per context and outcome, the next steps and the summary."""
    return [
        {
            "contexts": [CONTEXTS[c] for c in e.contexts],
            "outcome": OUTCOMES[e.outcome] + (f" ({PRIORITIES[e.priority].lower()})" if e.priority else ""),
            "next_steps": [NEXT_STEPS[s] for s in e.next_steps],
            "summary": e.summary,
        }
        for e in catalogue.advice.entries
    ]


def _indicator(rule, catalogue: Catalogue) -> dict[str, Any]:
    return {
        "id": rule.id,
        "version": rule.version,
        "status": STATUSES[rule.status],
        "active": rule.active,
        "title": rule.title,
        "description": rule.description,
        "category": CATEGORIES[rule.category],
        "weight": rule.weight,
        "knockout": LEVELS[rule.knockout] if rule.knockout else None,
        "role": ROLES[rule.role],
        "grounds": [BIBOB_GROUNDS[g] for g in rule.bibob_grounds],
        "legal_basis": [
            {"title": catalogue.legal_bases[b]["title"], "verified": catalogue.legal_bases[b]["verified"]}
            for b in rule.legal_basis
        ],
        "partners": [PARTNERS[p] for p in rule.partners],
        "sources": [
            {
                "title": catalogue.sources[s.source]["title"],
                "url": catalogue.sources[s.source].get("url"),
                "quote": s.quote,
            }
            for s in rule.sources
        ],
    }


def algoritmeregister(catalogue: Catalogue) -> dict[str, Any]:
    """A description in the spirit of the national Algoritmeregister: purpose, basis, data, people, version."""
    bases = sorted({catalogue.legal_bases[b]["title"] for r in catalogue.rules.values() for b in r.legal_basis})
    return {
        "naam": "Bibob-risicoscan",
        "type": "Regelgebaseerd (beslisregels in openbare bestanden, uitgevoerd door de durable-rules engine)",
        "status": "In ontwikkeling",
        "doel_en_impact": PURPOSE,
        "wettelijke_basis": ["Wet bevordering integriteitsbeoordelingen door het openbaar bestuur (Wet Bibob)", *bases],
        "menselijke_tussenkomst": HUMAN_INVOLVEMENT,
        "niet_gebruikte_gegevens": NOT_USED,
        "gegevens": [
            {
                "scan": SCANS[scan],
                "bronnen": sorted({q.source for q in questionnaire.questions.values()}),
                "vragen_die_meewegen": sorted(
                    {q.label for r in catalogue.rules_for(scan) for q in _questions_of(r, questionnaire)}
                ),
            }
            for scan, questionnaire in catalogue.questionnaires.items()
        ],
        "versies": {SCANS[s]: catalogue.version(s) for s in SCANS},
        "aantal_actieve_indicatoren": {SCANS[s]: len(catalogue.rules_for(s)) for s in SCANS},
        "risicobeheer": (
            "Elke indicator heeft eigen testgevallen die bij elke wijziging met de echte engine worden gedraaid; "
            "elk advies bewaart de versie van de regels en kan daarmee exact worden herhaald; inzage en export "
            "worden vastgelegd in een audittrail."
        ),
    }


def _questions_of(rule, questionnaire):
    from app.rules.conditions import questions

    return [questionnaire.question(q) for q in questions(rule.condition)]
