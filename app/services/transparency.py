"""The public face of the rules: the catalogue in words and an Algoritmeregister export (pure)."""

from __future__ import annotations

from typing import Any

from app.forms.model import ANSWER_SOURCES
from app.rules.catalogue import Catalogue
from app.rules.vocabulary import BIBOB_GROUNDS, CATEGORIES, LEVELS, NEXT_STEPS, OUTCOMES, PARTNERS, SCANS, STATUSES

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
                "outcomes": [
                    {
                        "level": LEVELS[lv],
                        "outcome": OUTCOMES[o.outcome],
                        "next_steps": [NEXT_STEPS[s] for s in o.next_steps],
                        "summary": o.summary,
                    }
                    for lv, o in policy.outcomes.items()
                ],
                "indicators": [_indicator(r, catalogue) for r in rules],
            }
        )
    return scans


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


#: What only the publishing organisation can say; `ALGORITMEREGISTER` in the settings overrides each field.
PUBLISHER_DEFAULTS = {
    "organisatie": "De gemeente die de scan gebruikt; het RIEC beheert de indicatoren en beoordeelt de adviezen.",
    "contact": "Functioneel beheerder Bibob van de gemeente (in te vullen bij publicatie).",
    "dpia": (
        "Verplicht vóór ingebruikname (AVG art. 35: verwerking van strafrechtelijke gegevens, art. 10); "
        "nog niet uitgevoerd voor deze installatie."
    ),
    "iama": "Aanbevolen (Impact Assessment Mensenrechten en Algoritmes); nog niet uitgevoerd.",
    "ingangsdatum": "Nog niet in gebruik genomen (in ontwikkeling).",
    "bezwaar_en_klacht": (
        "Een advies uit de scan is geen besluit. Bezwaar en beroep richten zich tegen het besluit van het "
        "bestuursorgaan (Algemene wet bestuursrecht); een klacht over de behandeling gaat naar de gemeente en "
        "daarna naar de Nationale ombudsman. Inzage in persoonsgegevens: AVG art. 15, met de beperkingen van "
        "art. 28 Wet Bibob."
    ),
}


def algoritmeregister(catalogue: Catalogue, publisher: dict[str, str] | None = None) -> dict[str, Any]:
    """A description in the spirit of the national Algoritmeregister: purpose, basis, data, people, version."""
    bases = sorted({catalogue.legal_bases[b]["title"] for r in catalogue.rules.values() for b in r.legal_basis})
    return {
        "naam": "Bibob-risicoscan",
        "type": "Regelgebaseerd: vaste, openbare beslisregels met een weging per indicator; geen zelflerend model",
        "status": "In ontwikkeling",
        "doel_en_impact": PURPOSE,
        "wettelijke_basis": ["Wet bevordering integriteitsbeoordelingen door het openbaar bestuur (Wet Bibob)", *bases],
        "menselijke_tussenkomst": HUMAN_INVOLVEMENT,
        "niet_gebruikte_gegevens": NOT_USED,
        "gegevens": [
            {
                "scan": SCANS[scan],
                "bronnen": sorted({q.source for q in questionnaire.questions.values()}),
                "bronnen_omschrijving": sorted({ANSWER_SOURCES[q.source] for q in questionnaire.questions.values()}),
                "vragen_die_meewegen": sorted(
                    {q.label for r in catalogue.rules_for(scan) for q in _questions_of(r, questionnaire)}
                ),
            }
            for scan, questionnaire in catalogue.questionnaires.items()
        ],
        "versies": {SCANS[s]: catalogue.version(s) for s in SCANS},
        "aantal_actieve_indicatoren": {SCANS[s]: len(catalogue.rules_for(s)) for s in SCANS},
        **(PUBLISHER_DEFAULTS | (publisher or {})),
        "risicobeheer": (
            "Elke indicator heeft eigen testgevallen die bij elke wijziging met de echte engine worden gedraaid; "
            "elk advies bewaart de versie van de regels en kan daarmee exact worden herhaald; inzage en export "
            "worden vastgelegd in een audittrail."
        ),
    }


def _questions_of(rule, questionnaire):
    from app.rules.conditions import questions

    return [questionnaire.question(q) for q in questions(rule.condition)]
