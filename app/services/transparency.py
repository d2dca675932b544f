"""The public face of the rules: the catalogue in words and an Algoritmeregister export (pure)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from markupsafe import escape

from app.rules.catalogue import Catalogue
from app.rules.fairness import PROTECTED_TERMS
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
    STATUSES,
)

PURPOSE = (
    "Gemeenten ondersteunen bij het beoordelen van de mate van gevaar in de zin van de Wet Bibob en bij het "
    "voorbereiden van integrale controles. De toepassing zet antwoorden op een vragenlijst met vaste, openbare "
    "indicatoren om in een score, een risiconiveau en een toegelicht advies. Er is een vragenlijst per scan: {scans}."
)


def purpose(catalogue: Catalogue) -> str:
    """PURPOSE with the scans the catalogue has, by label in list order (never a list kept by hand)."""
    return PURPOSE.format(scans=dutch_list([f"‘{label}’" for label in catalogue.scans.labels.values()]))


def dutch_list(items: list[str]) -> str:
    """ "a, b en c": a list in a Dutch sentence."""
    return " en ".join([", ".join(items[:-1]), items[-1]]) if len(items) > 1 else "".join(items)


HUMAN_INVOLVEMENT = (
    "De uitkomst is een indicatie met redenen, geen besluit. Een Bibob-coördinator vult de scan in en "
    "controleert de antwoorden; een jurist beoordeelt elk advies, kan indicatoren met redenen weerleggen en de "
    "adviestekst aanpassen, en stelt het vast (vier ogen). Niet de jurist maar het bestuursorgaan stelt de mate "
    "van gevaar vast en weegt zelf de evenredigheid (art. 3 lid 5 Wet Bibob). Het Hof van Justitie oordeelde "
    "(C-634/21, SCHUFA, 7 december 2023) dat een score zelf een geautomatiseerd besluit kan zijn als de "
    "beslisser er in doorslaggevende mate op leunt (AVG art. 22). Daarom is de uitkomst altijd een indicatie, "
    "nooit een conclusie in de zin van de Wet Bibob, legt de beoordelaar een eigen oordeel vast en toont het "
    "rapport per indicator welke "
    "antwoorden haar lieten afgaan. Voordat het bestuursorgaan voorschriften verbindt of een negatief besluit "
    "neemt, krijgt de betrokkene de gelegenheid tot een zienswijze (art. 33 Wet Bibob); hij kan dan horen welke "
    "indicatoren zijn gebruikt en heeft recht op uitleg over de logica (AVG art. 13–15 en 22 lid 3)."
)
#: `NOT_USED` claims exactly the automated check of `app/rules/fairness.py` (run by tests/test_sources.py on
#: every change) and no more; the word list is printed from the same tuple the check uses.
NOT_USED = (
    "Nationaliteit, etniciteit, afkomst, religie of familieachtergrond als zodanig en gegevens over minderjarigen "
    "worden niet gevraagd en wegen niet mee. Een automatische test controleert bij elke wijziging van de "
    "catalogus alle vragenlijsten (vraagcodes, vraagteksten, toelichtingen, antwoordopties met hun code en "
    "tekst, en de afgeleide feiten) en alle indicatoren (de vragen en waarden die een voorwaarde leest, de "
    "titel, de beschrijving, het advies en de controlepunten) op deze woorden, als heel woord (* betekent: elk "
    "woord dat zo begint): "
    + ", ".join(PROTECTED_TERMS)
    + ". Uitgezonderd zijn alleen vaste zinsdelen over geld en stukken (zoals 'herkomst van het vermogen'), het "
    "buitenlandse kenteken van een voertuig, en in de vragenlijst de rechtsvorm 'rechtspersoon naar buitenlands "
    "recht' (die geen indicator mag lezen). Antwoordopties uit een eerdere versie die alleen nog in oude "
    "antwoordbestanden worden aanvaard, leest geen indicator (de lader weigert dat). De test ziet geen "
    "betekenis: indirecte kenmerken die niet in de woordenlijst staan (zoals een branche) weegt een jurist bij "
    "elke wijziging; indicatoren die alleen op een branche rusten, tellen alleen voor de prioriteit van controle, "
    "nooit voor een Bibob-indicatie."
)


def catalogue_view(catalogue: Catalogue) -> list[dict[str, Any]]:
    """Per scan: the scoring policy in words and every indicator with basis and sources."""
    scans = []
    for scan, label in catalogue.scans.labels.items():
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
                "essential": [
                    policy.essential_label(group[0], catalogue.questionnaires[scan]) for group in policy.essential
                ],
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
    """The older, Dutch-keyed description (kept for its readers at `algoritmeregister-toelichting.json`).

    The publication under the standard's own field names is `publication()`.
    """
    bases = sorted({catalogue.legal_bases[b]["title"] for r in catalogue.rules.values() for b in r.legal_basis})
    return {
        "naam": "Bibob-risicoscan",
        "type": "Regelgebaseerd: vaste, openbare beslisregels met een weging per indicator; geen zelflerend model",
        "status": "In ontwikkeling",
        "doel_en_impact": purpose(catalogue),
        "wettelijke_basis": ["Wet bevordering integriteitsbeoordelingen door het openbaar bestuur (Wet Bibob)", *bases],
        "menselijke_tussenkomst": HUMAN_INVOLVEMENT,
        "niet_gebruikte_gegevens": NOT_USED,
        "gegevens": [
            {
                "scan": catalogue.scans.label(scan),
                "bronnen": sorted({q.provenance.channel_label for q in questionnaire.questions.values()}),
                "vragen_die_meewegen": sorted(
                    {q.label for r in catalogue.rules_for(scan) for q in _questions_of(r, questionnaire)}
                ),
            }
            for scan, questionnaire in catalogue.questionnaires.items()
        ],
        "versies": {label: catalogue.version(s) for s, label in catalogue.scans.labels.items()},
        "aantal_actieve_indicatoren": {
            label: len(catalogue.rules_for(s)) for s, label in catalogue.scans.labels.items()
        },
        "risicobeheer": (
            "Elke indicator heeft eigen testgevallen die bij elke wijziging met de echte engine worden gedraaid; "
            "elk advies bewaart de versie van de regels en kan daarmee exact worden herhaald; inzage en export "
            "worden vastgelegd in een audittrail."
        ),
    }


def _questions_of(rule, questionnaire):
    from app.rules.conditions import questions

    return [questionnaire.question(q) for q in questions(rule.condition)]


# --- Algoritmeregister publicatiestandaard 1.0.0 ---------------------------------------------------

#: The standard's field list and limits (copied from MinBZK/Algoritmeregister, see `_bron` in the file).
SPEC: dict[str, Any] = json.loads((Path(__file__).with_name("algoritmeregister-1.0.0.json")).read_text("utf-8"))
STANDARD_VERSION = SPEC["standard_version"]
NAME = "Bibob-risicoscan: signalen van ondermijning bij vergunningen en controles in kaart brengen"
DESCRIPTION_SHORT = (
    "De gemeente gebruikt dit algoritme bij de Bibob-toets van een aanvraag en bij het plannen van controles. "
    "Een medewerker beantwoordt vragen over een aanvraag of bedrijf. Vaste, openbare regels tonen welke "
    "signalen er zijn en waarom. Een jurist beoordeelt de uitkomst; het bestuur beslist zelf."
)
PROPORTIONALITY = (
    "<p>Voordelen: elke aanvraag wordt langs dezelfde openbare indicatoren beoordeeld, met bronnen en "
    "wettelijke basis per indicator; de uitkomst is uitlegbaar en te herhalen. Zonder het algoritme gebeurt "
    "dezelfde afweging met losse checklists, minder consistent en minder controleerbaar.</p>"
    "<p>Nadelen en maatregelen: de toepassing verwerkt gegevens over strafbare feiten (AVG art. 10) en "
    "rangschikt ondernemingen. Daarom: strafrechtelijke gegevens en informatie van partners alleen in de scan "
    "van een concrete aanvraag, nooit in een portfolio-scan van een heel register; elke controlebrief bevat "
    "alleen wat de gekozen ontvangers mogen ontvangen (art. 28 Wet Bibob); de uitkomst is een indicatie, geen "
    "besluit; het bestuursorgaan weegt de evenredigheid (art. 3 lid 5 Wet Bibob).</p>"
)
RISKS = (
    "<ul><li>Discriminatie: geen regel leest nationaliteit, afkomst of gegevens over minderjarigen. "
    + NOT_USED
    + "</li><li>Onterechte zekerheid: ontbrekende antwoorden kunnen een te rooskleurig beeld geven; verplichte "
    "vragen en een jurist die elk advies beoordeelt beperken dat.</li><li>Verkeerde regels: elke indicator heeft "
    "eigen testgevallen die bij elke wijziging met de echte engine draaien; elk advies bewaart de versie van de "
    "regels en kan exact worden herhaald.</li><li>Onrechtmatige verstrekking: per antwoord staan kanaal en "
    "deelbaarheid vast; inzage, exports en controlebrieven worden vastgelegd in een auditlog.</li></ul>"
)
IMPACT_ASSESSMENTS = (
    "<p>Een DPIA is verplicht: de toepassing verwerkt strafrechtelijke persoonsgegevens (AVG art. 10) en "
    "beoordeelt personen en ondernemingen systematisch. Een IAMA wordt aanbevolen. Het verwerkingsoverzicht "
    "van de toepassing (welke gegevens, uit welk kanaal, op welke grondslag, wie ze ziet, hoe lang ze blijven) "
    "is de basis voor de DPIA.</p>"
)
LAW_LINKS = (
    ("Wet Bibob", "https://wetten.overheid.nl/BWBR0013798"),
    ("Algemene verordening gegevensbescherming", "https://eur-lex.europa.eu/eli/reg/2016/679/oj"),
    ("Uitvoeringswet AVG", "https://wetten.overheid.nl/BWBR0040940"),
    ("Wet justitiële en strafvorderlijke gegevens", "https://wetten.overheid.nl/BWBR0014194"),
    ("Wet politiegegevens", "https://wetten.overheid.nl/BWBR0022463"),
)


def publication(catalogue: Catalogue, settings: dict[str, str]) -> dict[str, Any]:
    """The Algoritmeregister entry under the standard's own field names (publicatiestandaard 1.0.0).

    `settings` are the installation's details (`PUBLICATION` in the config): organisation, contact,
    links to the DPIA, IAMA, processing register, public page and source code.
    """
    table = channel_table(catalogue)
    impact = [
        {"title": title, "link": settings.get(key, "")}
        for title, key in (
            ("Data Protection Impact Asssesment (DPIA)", "dpia_url"),
            ("Impact Assessment Mensenrechten en Algoritmes (IAMA)", "iama_url"),
        )
        if settings.get(key)
    ]
    return {
        "name": NAME,
        "organization": settings.get("organisatie", ""),
        "description_short": DESCRIPTION_SHORT,
        "category": ["Openbare orde en veiligheid"],
        "status": settings.get("status", "In ontwikkeling"),
        "begin_date": settings.get("begindatum", ""),
        "end_date": "",
        "contact_email": settings.get("contact_email", ""),
        "website": settings.get("publiekspagina", ""),
        "publication_category": "Impactvolle algoritmes",
        "url": settings.get("eigen_register_url", ""),
        "goal": f"<p>{escape(purpose(catalogue))}</p><p>{GOAL_IMPACT}</p>",
        "proportionality": PROPORTIONALITY,
        "human_intervention": f"<p>{HUMAN_INVOLVEMENT}</p>",
        "risks": RISKS,
        "lawful_basis": _lawful_basis(table),
        "lawful_basis_grouping": [{"title": t, "link": u} for t, u in LAW_LINKS],
        "process_index_url": settings.get("verwerkingsregister_url", ""),
        "impacttoetsen_grouping": impact,
        "impacttoetsen": IMPACT_ASSESSMENTS,
        "source_data": _source_data(catalogue, table),
        "source_data_grouping": [],
        "methods_and_models": _methods(catalogue),
        "provider": settings.get("leverancier", ""),
        "publiccode": settings.get("broncode_url", ""),
        "lang": "nld",
        "standard_version": STANDARD_VERSION,
        "source_id": "bibob-risicoscan",
        "tags": "Bibob, ondermijning, integriteitsbeoordeling, RIEC, TOV, controle, vergunning",
    }


GOAL_IMPACT = (
    "Ondernemers en betrokkenen bij een aanvraag merken het algoritme doordat hun antwoorden en de bevindingen "
    "van de gemeente langs vaste indicatoren worden gelegd. De uitkomst kan leiden tot aanvullende vragen, "
    "verdiept onderzoek, een advies van het Landelijk Bureau Bibob of een controle; het besluit neemt altijd "
    "het bestuursorgaan."
)


def _lawful_basis(table) -> str:
    """The legal basis of the processing (not of the indicators): Wet Bibob, AVG, and per data channel."""
    channels = "".join(f"<li>{escape(c.label)}: {escape(c.legal_basis)}</li>" for c in table.channels.values())
    return (
        "<p>De verwerking dient de taak van het bestuursorgaan onder de Wet Bibob: de integriteitsbeoordeling "
        "bij beschikkingen, vastgoedtransacties, overheidsopdrachten en subsidies (art. 3), het eigen onderzoek "
        "(art. 7a) en de geheimhouding van de verkregen gegevens (art. 28). Grondslag in de AVG: art. 6 lid 1 "
        "onder e (taak van algemeen belang); voor strafrechtelijke gegevens art. 10 AVG met de Uitvoeringswet AVG. "
        f"Per kanaal:</p><ul>{channels}</ul>"
    )


def _source_data(catalogue: Catalogue, table) -> str:
    """Which data each scan uses, by step and channel (from the questionnaires), plus what is never used."""
    parts = []
    for scan, questionnaire in catalogue.questionnaires.items():
        steps = escape(", ".join(s.title.lower() for s in questionnaire.steps))
        parts.append(f"<li>{escape(catalogue.scans.label(scan))}: {steps}.</li>")
    channels = escape("; ".join(c.label for c in table.channels.values()))
    return (
        f"<p>Antwoorden op de vragenlijst van de scan, per onderwerp:</p><ul>{''.join(parts)}</ul>"
        f"<p>Kanalen: {channels}. Per antwoord worden kanaal en deelbaarheid vastgelegd. Een portfolio-scan van "
        "een register gebruikt alleen open en eigen gegevens, nooit strafrechtelijke gegevens of informatie van "
        "partners.</p>"
    )


def _methods(catalogue: Catalogue) -> str:
    counts = ", ".join(f"{label}: {len(catalogue.rules_for(scan))}" for scan, label in catalogue.scans.labels.items())
    return (
        "<p>Het algoritme is niet zelflerend. Het is regelgebaseerd: elke indicator is een openbaar bestand met "
        "een voorwaarde over de antwoorden, een gewicht, een categorie, de wettelijke basis en bronnen. De "
        "regels worden uitgevoerd door de durable-rules engine. Afgegane indicatoren tellen per categorie op "
        "(met een maximum per categorie); het totaal bepaalt een risiconiveau voor prioritering. Sommige "
        "indicatoren zetten een minimumniveau (knock-out). De uitkomst is een indicatie met per indicator de "
        "antwoorden die haar lieten afgaan.</p>"
        f"<p>Actieve indicatoren per scan: {counts}. Elke versie van de regels heeft een inhoudshash; een "
        "advies bewaart die versie en kan daarmee exact worden herhaald. De indicatorencatalogus is openbaar "
        "in de toepassing (pagina Catalogus).</p>"
    )


def channel_table(catalogue: Catalogue):
    """The channel table the questionnaires were loaded with (`forms/_kanalen.yaml`)."""
    return next(iter(catalogue.questionnaires.values())).channels


def validate_publication(entry: dict[str, Any], spec: dict[str, Any] = SPEC) -> list[str]:
    """Every way `entry` breaks the standard's field list and limits, in Dutch (empty when it fits)."""
    problems = [f"onbekend veld '{k}'" for k in entry if k not in spec["properties"]]
    for name, field in spec["properties"].items():
        if name not in entry:
            problems.append(f"veld '{name}' ontbreekt")
            continue
        problems += _field_problems(name, field, entry[name], spec)
    return problems


def _field_problems(name: str, field: dict[str, Any], value: Any, spec: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    title = field.get("title", name)
    if field.get("required") is True and (value in ("", None, [])):
        return [f"{title} ({name}) is verplicht maar leeg; stel het in bij de installatie"]
    if field["type"] == "array":
        if not isinstance(value, list):
            return [f"{title} ({name}) moet een lijst zijn"]
        if "max_items" in field and len(value) > field["max_items"]:
            problems.append(f"{title} ({name}) heeft meer dan {field['max_items']} waarden")
        for item in value:
            if "items" in field:
                for sub, sub_field in field["items"].items():
                    problems += _field_problems(f"{name}.{sub}", sub_field, item.get(sub, ""), spec)
            elif item not in field.get("permitted_values", [item]):
                problems.append(f"{title} ({name}): '{item}' is geen toegestane waarde")
        return problems
    if not isinstance(value, str):
        return [f"{title} ({name}) moet tekst zijn"]
    if "permitted_values" in field and value not in field["permitted_values"]:
        problems.append(f"{title} ({name}): '{value}' is geen toegestane waarde")
    if "max_length" in field and len(value) > field["max_length"]:
        problems.append(f"{title} ({name}) is {len(value)} tekens; hoogstens {field['max_length']}")
    if value and field.get("format") == "url" and not value.startswith("https://"):
        problems.append(f"{title} ({name}) moet met https:// beginnen")
    if value and field.get("format") == "yyyy-mm" and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        problems.append(f"{title} ({name}) moet de vorm jjjj-mm hebben")
    if field.get("html"):
        tags = set(re.findall(r"</?([a-zA-Z0-9]+)", value))
        if bad := tags - set(spec["allowed_html_tags"]):
            problems.append(f"{title} ({name}) bevat niet toegestane HTML: {', '.join(sorted(bad))}")
    return problems
