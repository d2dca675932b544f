"""Closed vocabularies of the rule files, with the Dutch label each value shows in the UI.

Rule, scoring and questionnaire files may only use the values listed here; the
schema check refuses anything else. `docs/rules.md` documents the meaning of
every value: keep both in step.
"""

from __future__ import annotations

SCANS: dict[str, str] = {
    "horeca": "Horecascan",
    "risicolocatie": "Risicolocatie en risicobranche",
    "vastgoed": "Vastgoedscan",
    "bedrijventerrein": "Bedrijventerrein",
}

#: Folder for indicators that belong to several scans (their `scans` lists them).
SHARED_RULE_FOLDER = "algemeen"

STATUSES: dict[str, str] = {
    "draft": "Concept (telt niet mee)",
    "active": "Actief",
    "deprecated": "Vervallen (telt niet mee)",
}

CATEGORIES: dict[str, str] = {
    "eigendom_zeggenschap": "Eigendom en zeggenschap",
    "financiering": "Financiering en herkomst van vermogen",
    "antecedenten": "Antecedenten",
    "exploitatie": "Exploitatie en bedrijfsvoering",
    "locatie_pand": "Locatie en pand",
    "gedrag_aanvraag": "Gedrag tijdens de aanvraag",
}

#: Risk levels, lowest first; the order matters for knock-outs ("at least").
LEVELS: dict[str, str] = {
    "laag": "Laag",
    "verhoogd": "Verhoogd",
    "hoog": "Hoog",
    "zeer_hoog": "Zeer hoog",
}

#: The Bibob context of an evaluation: which Bibob-able decision is at stake, if any. Each scan's
#: scoring file derives it from the answers (`context:`); Python never decides it per scan.
CONTEXTS: dict[str, str] = {
    "beschikking_aanvraag": "Aanvraag van een beschikking (vergunning)",
    "beschikking_intrekking": "Intrekking of herbeoordeling van een beschikking",
    "vastgoedtransactie": "Vastgoedtransactie met de gemeente of een rechtspersoon met een overheidstaak",
    "overheidsopdracht": "Overheidsopdracht (aanbesteding)",
    "subsidie": "Subsidie",
    "geen_bibob_besluit": "Geen Bibob-besluit aan de orde (signaal, schouw of controle)",
    "onbekend": "Onbekend: nog niet vastgesteld welk besluit voorligt",
}
#: Contexts in which the Wet Bibob can be applied: a Bibob-able decision is at stake.
BIBOB_CONTEXTS: tuple[str, ...] = (
    "beschikking_aanvraag",
    "beschikking_intrekking",
    "vastgoedtransactie",
    "overheidsopdracht",
    "subsidie",
)
#: Contexts in which the decision is a beschikking (the Awb applies; voorschriften are possible).
BESCHIKKING_CONTEXTS: tuple[str, ...] = ("beschikking_aanvraag", "beschikking_intrekking", "subsidie")

#: The outcome is an indication, never a conclusion. Other systems read these ids: add, never rename.
OUTCOMES: dict[str, str] = {
    "geen_aanwijzingen": "Geen aanwijzingen gevonden",
    "onderzoek_onvolledig": "Onderzoek onvolledig",
    "nader_onderzoek": "Nader onderzoek nodig",
    "indicatie_mindere_mate": "Indicatie: mindere mate van gevaar",
    "indicatie_ernstig_gevaar": "Indicatie: ernstig gevaar",
    "buiten_behandeling": "Buiten behandeling: medewerking ontbreekt",
    "weigeringsgrond_lid6": "Weigeringsgrond art. 3 lid 6 Wet Bibob aanwezig",
    "controle_prioriteit": "Prioriteit voor controle",
}
#: Outcome ids of results stored under the first advice model; such results render as they were stored.
LEGACY_OUTCOMES: dict[str, str] = {
    "geen_aanwijzingen": "Geen aanwijzingen voor gevaar",
    "mindere_mate_van_gevaar": "Mindere mate van gevaar",
    "ernstig_gevaar": "Ernstig gevaar",
}
#: The two outcomes that need at least one fired `feit` indicator.
INDICATIONS: tuple[str, ...] = ("indicatie_mindere_mate", "indicatie_ernstig_gevaar")
#: Outcomes in which no step may say "geen actie".
GATED_OUTCOMES: tuple[str, ...] = ("buiten_behandeling", "weigeringsgrond_lid6", "onderzoek_onvolledig")

#: What every advice says about itself (report cover, result page, API).
INDICATION_NOTE = (
    "Indicatie – geen conclusie in de zin van de Wet Bibob; de mate van gevaar stelt het bestuursorgaan vast."
)
PRIORITY_NOTE = "Prioriteit voor controle – geen beoordeling in de zin van de Wet Bibob."

#: Control priority outside a Bibob context; also the only words of portfolio rankings and briefs.
PRIORITIES: dict[str, str] = {"laag": "Lage prioriteit", "middel": "Middelhoge prioriteit", "hoog": "Hoge prioriteit"}
#: Risk level → priority (the level is a prioritisation, never a Bibob degree of danger).
LEVEL_PRIORITY: dict[str, str] = {"laag": "laag", "verhoogd": "middel", "hoog": "hoog", "zeer_hoog": "hoog"}

#: Evidential role of an indicator: what it can carry in the advice.
ROLES: dict[str, str] = {
    "feit": "Feit: relateert een betrokkene aan strafbare feiten (art. 3 lid 4 Wet Bibob)",
    "signaal": "Signaal: omstandigheid die om opheldering vraagt",
    "procedure": "Procedure: medewerking aan het onderzoek of de grond van lid 6",
}
#: The relation a `feit` indicator establishes (art. 3 lid 4 onder a/b/c; lid 8 for bestuurlijke boetes).
RELATIONS: dict[str, str] = {
    "lid4_a": "art. 3 lid 4 onder a: de betrokkene pleegde de strafbare feiten zelf",
    "lid4_b": "art. 3 lid 4 onder b: de betrokkene geeft leiding aan, heeft zeggenschap in of financiert "
    "een rechtspersoon die de feiten pleegde",
    "lid4_c": "art. 3 lid 4 onder c: wie de feiten pleegde, geeft leiding aan, heeft zeggenschap bij, "
    "financiert of staat in een zakelijk samenwerkingsverband met de betrokkene",
    "lid8": "art. 3 lid 8: een overtreding met een bestuurlijke boete geldt als strafbaar feit",
}
#: Procedural gates: a fired `procedure` indicator with a gate overrides the score in a Bibob context.
GATES: dict[str, str] = {
    "medewerking": "Medewerking ontbreekt (vragenformulier, identificatie of UBO)",
    "lid6": "Strafbaar feit gepleegd om het besluit te verkrijgen (art. 3 lid 6; vastgoed art. 9 lid 3 onder c)",
}
#: Gate → its outcome, with the contexts where the law attaches another consequence. In an intrekking,
#: art. 4 Wet Bibob lets the bestuursorgaan treat a refusal as ernstig gevaar; the machine cannot take
#: that step, so there the investigation is incomplete and the next step names art. 4.
GATE_OUTCOMES: dict[str, tuple[str, dict[str, str]]] = {
    "lid6": ("weigeringsgrond_lid6", {}),
    "medewerking": ("buiten_behandeling", {"beschikking_intrekking": "onderzoek_onvolledig"}),
}
#: Which gate decides when several fire: the substantive lid 6 ground before the procedural one.
GATE_ORDER: tuple[str, ...] = ("lid6", "medewerking")

NEXT_STEPS: dict[str, str] = {
    "geen_actie": "Geen aanvullende actie",
    "aanvullende_vragen": "Aanvullende vragen stellen of gesprek voeren",
    "voorschriften_overwegen": "Voorschriften overwegen (art. 3 lid 7 Wet Bibob)",
    "eigen_onderzoek_verdiepen": "Eigen onderzoek verdiepen",
    "advies_lbb_aanvragen": "Advies Landelijk Bureau Bibob aanvragen",
    "integrale_controle_tov": "Integrale controle voorbereiden met het TOV",
    "casus_riec_inbrengen": "Casus inbrengen bij het RIEC",  # first model only; kept so stored results render
    "betrokkene_informeren_art32": "Betrokkene informeren over het adviesverzoek (art. 32 Wet Bibob)",
    "zienswijze_art33": "Zienswijze vragen vóór voorschriften of een negatief besluit (art. 33 Wet Bibob)",
    "buiten_behandeling_awb_4_5": "Hersteltermijn geven; daarna buiten behandeling laten (art. 4:5 Awb)",
    "art4_weigering_medewerking": "Gevolg van geweigerde medewerking bij intrekking overwegen (art. 4 Wet Bibob)",
    "bibob_clausule_overeenkomst": "Bibob-clausule (opschortende of ontbindende voorwaarde) in de overeenkomst",
    "transactie_aanhouden": "Transactie of gunning aanhouden zolang de gevraagde gegevens ontbreken",
    "weigering_lid6_overwegen": "Weigering op grond van art. 3 lid 6 overwegen (vastgoed: art. 9 lid 3 onder c)",
    "sluiting_13b_handhaving": "Handhaving overwegen, zoals sluiting van het pand (art. 13b Opiumwet)",
    "signaal_riec": "Signaal delen met het RIEC",
    "context_vaststellen": "Vaststellen welk besluit voorligt (Bibob-context)",
}
_ALL = tuple(CONTEXTS)
#: The contexts in which each next step is legally possible. The loader refuses advice data that lists
#: a step elsewhere, and the evaluator drops a rule's suggested step outside these contexts.
NEXT_STEP_CONTEXTS: dict[str, tuple[str, ...]] = {
    "geen_actie": ("geen_bibob_besluit", *BIBOB_CONTEXTS),
    "aanvullende_vragen": _ALL,
    "voorschriften_overwegen": BESCHIKKING_CONTEXTS,
    "eigen_onderzoek_verdiepen": _ALL,
    "advies_lbb_aanvragen": BIBOB_CONTEXTS,
    "integrale_controle_tov": _ALL,
    "casus_riec_inbrengen": (),
    "betrokkene_informeren_art32": BIBOB_CONTEXTS,
    "zienswijze_art33": BIBOB_CONTEXTS,
    "buiten_behandeling_awb_4_5": ("beschikking_aanvraag", "subsidie"),
    "art4_weigering_medewerking": ("beschikking_intrekking",),
    "bibob_clausule_overeenkomst": ("vastgoedtransactie",),
    "transactie_aanhouden": ("vastgoedtransactie", "overheidsopdracht"),
    "weigering_lid6_overwegen": BIBOB_CONTEXTS,
    "sluiting_13b_handhaving": _ALL,
    "signaal_riec": _ALL,
    "context_vaststellen": ("onbekend",),
}

BIBOB_GROUNDS: dict[str, str] = {
    "a_grond": "a-grond: voordeel uit gepleegde strafbare feiten (art. 3 lid 1 onder a; vastgoed art. 9 lid 3 onder a)",
    "b_grond": "b-grond: plegen van strafbare feiten (art. 3 lid 1 onder b; vastgoed art. 9 lid 3 onder b)",
    "lid_6": "Strafbaar feit gepleegd om het besluit te verkrijgen (art. 3 lid 6; vastgoed art. 9 lid 3 onder c)",
    "geen": "Geen Bibob-grond (signaal voor controle of nader onderzoek)",
}

PARTNERS: dict[str, str] = {
    "politie": "Politie",
    "om": "Openbaar Ministerie",
    "belastingdienst": "Belastingdienst",
    "fiod": "FIOD",
    "brandweer": "Brandweer",
    "omgevingsdienst": "Omgevingsdienst",
    "arbeidsinspectie": "Nederlandse Arbeidsinspectie",
    "nvwa": "NVWA",
    "netbeheerder": "Netbeheerder",
    "riec": "RIEC",
    "uwv": "UWV",
}

SOURCE_KINDS: dict[str, str] = {
    "seed": "Regionaal beleidsdocument Midden-Nederland",
    "wet": "Wet- en regelgeving",
    "beleid": "Gemeentelijk of landelijk beleid",
    "jurisprudentie": "Jurisprudentie",
    "publicatie": "Publicatie of nieuwsbericht",
    "praktijk": "Praktijkervaring, niet gepubliceerd: werkhypothese die onderbouwing nodig heeft",
}


def level_rank(level: str) -> int:
    """Position of a risk level, lowest first, so levels can be compared."""
    return list(LEVELS).index(level)
