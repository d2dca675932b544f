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
    "bedrijventerrein": "Bedrijventerrein en buitengebied",
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

OUTCOMES: dict[str, str] = {
    "geen_aanwijzingen": "Geen aanwijzingen voor gevaar",
    "mindere_mate_van_gevaar": "Mindere mate van gevaar",
    "ernstig_gevaar": "Ernstig gevaar",
}

NEXT_STEPS: dict[str, str] = {
    "geen_actie": "Geen aanvullende actie",
    "aanvullende_vragen": "Aanvullende vragen stellen of gesprek voeren",
    "voorschriften_overwegen": "Voorschriften overwegen (art. 3 lid 7 Wet Bibob)",
    "eigen_onderzoek_verdiepen": "Eigen onderzoek verdiepen",
    "advies_lbb_aanvragen": "Advies Landelijk Bureau Bibob aanvragen",
    "integrale_controle_tov": "Integrale controle voorbereiden met het TOV",
    "casus_riec_inbrengen": "Casus inbrengen bij het RIEC",
}

BIBOB_GROUNDS: dict[str, str] = {
    "a_grond": "a-grond: voordeel uit gepleegde strafbare feiten (art. 3 lid 1 onder a)",
    "b_grond": "b-grond: plegen van strafbare feiten (art. 3 lid 1 onder b)",
    "lid_6": "Strafbaar feit gepleegd om de beschikking te verkrijgen (art. 3 lid 6)",
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
}


def level_rank(level: str) -> int:
    """Position of a risk level, lowest first, so levels can be compared."""
    return list(LEVELS).index(level)
