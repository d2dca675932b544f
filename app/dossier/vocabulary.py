"""Closed vocabularies of the dossier: timeline events, decisions, grounds, betrokkene roles, letters.

Ids are contracts (stored in the database and in exports): add, never rename.
Nothing here names a scan type; scans stay data.
"""

from __future__ import annotations

from app.rules.vocabulary import BESCHIKKING_CONTEXTS, BIBOB_CONTEXTS, NEXT_STEP_CONTEXTS

EVENTS: dict[str, str] = {
    "dossier_aangemaakt": "Dossier geopend",
    "aanvraag_ontvangen": "Aanvraag ontvangen",
    "betrokkene_toegevoegd": "Betrokkene toegevoegd",
    "scan_gekoppeld": "Scan gekoppeld",
    "vragenlijst_verzonden": "Bibob-vragenlijst verzonden",
    "vragenlijst_ontvangen": "Ingevulde vragenlijst ontvangen",
    "hersteltermijn_gegeven": "Hersteltermijn gegeven (art. 4:5 Awb)",
    "aanvulling_ontvangen": "Aanvulling ontvangen",
    "lbb_advies_gevraagd": "Advies Landelijk Bureau Bibob gevraagd",
    "art32_geinformeerd": "Betrokkene geïnformeerd over de adviesaanvraag (art. 32 Wet Bibob)",
    "lbb_gegevens_gevraagd": "LBB vraagt ontbrekende of aanvullende gegevens (art. 15 lid 2)",
    "lbb_gegevens_ontvangen": "Gevraagde gegevens aan het LBB verstrekt",
    "lbb_verlenging": "LBB verlengt de adviestermijn (art. 15 lid 3)",
    "lbb_advies_ontvangen": "Advies Landelijk Bureau Bibob ontvangen",
    "zienswijze_gevraagd": "Betrokkene uitgenodigd voor een zienswijze (art. 33 Wet Bibob)",
    "zienswijze_ontvangen": "Zienswijze ontvangen",
    "notitie": "Notitie",
    "brief_gemaakt": "Brief gemaakt",
    "besluit": "Besluit van het bestuursorgaan",
    "register_export": "Gegevens Bibob-register klaargezet",
}
#: Events the officer records with the event form (the others come with a letter, a zienswijze or the decision).
MANUAL_EVENTS: tuple[str, ...] = (
    "vragenlijst_ontvangen",
    "aanvulling_ontvangen",
    "lbb_advies_gevraagd",
    "lbb_gegevens_gevraagd",
    "lbb_gegevens_ontvangen",
    "lbb_verlenging",
    "lbb_advies_ontvangen",
    "notitie",
)
#: Which event must come before another (the "closing" event needs its "opening" one).
REQUIRES: dict[str, str] = {
    "vragenlijst_ontvangen": "vragenlijst_verzonden",
    "aanvulling_ontvangen": "hersteltermijn_gegeven",
    "art32_geinformeerd": "lbb_advies_gevraagd",
    "lbb_gegevens_gevraagd": "lbb_advies_gevraagd",
    "lbb_gegevens_ontvangen": "lbb_gegevens_gevraagd",
    "lbb_verlenging": "lbb_advies_gevraagd",
    "lbb_advies_ontvangen": "lbb_advies_gevraagd",
    "zienswijze_ontvangen": "zienswijze_gevraagd",
}
#: Contexts in which an event is possible at all (others: every context).
EVENT_CONTEXTS: dict[str, tuple[str, ...]] = {
    "hersteltermijn_gegeven": NEXT_STEP_CONTEXTS["buiten_behandeling_awb_4_5"],
    "lbb_advies_gevraagd": BIBOB_CONTEXTS,
    "zienswijze_gevraagd": BIBOB_CONTEXTS,
}

#: The LBB's conclusion on the degree of danger (art. 9); the advice does not bind the bestuursorgaan.
LBB_CONCLUSIONS: dict[str, str] = {
    "geen_gevaar": "Geen gevaar",
    "mindere_mate": "Mindere mate van gevaar",
    "ernstig_gevaar": "Ernstig gevaar",
}

DECISIONS: dict[str, str] = {
    "verleend": "Verleend",
    "verleend_met_voorschriften": "Verleend met voorschriften (art. 3 lid 7 Wet Bibob)",
    "geweigerd": "Geweigerd",
    "ingetrokken": "Ingetrokken",
    "buiten_behandeling": "Buiten behandeling gelaten (art. 4:5 Awb)",
    "transactie_aangegaan": "Transactie of opdracht aangegaan",
    "transactie_niet_aangegaan": "Transactie of opdracht niet aangegaan",
    "transactie_bibob_clausule": "Transactie of opdracht aangegaan met Bibob-clausule",
}
#: Decisions lawful per Bibob context.
DECISION_CONTEXTS: dict[str, tuple[str, ...]] = {
    "verleend": BESCHIKKING_CONTEXTS,
    "verleend_met_voorschriften": BESCHIKKING_CONTEXTS,
    "geweigerd": ("beschikking_aanvraag", "subsidie"),
    "ingetrokken": ("beschikking_intrekking", "subsidie"),
    "buiten_behandeling": NEXT_STEP_CONTEXTS["buiten_behandeling_awb_4_5"],
    "transactie_aangegaan": ("vastgoedtransactie", "overheidsopdracht"),
    "transactie_niet_aangegaan": ("vastgoedtransactie", "overheidsopdracht"),
    "transactie_bibob_clausule": ("vastgoedtransactie", "overheidsopdracht"),
}
#: Decisions that are negative for the betrokkene.
NEGATIVE_DECISIONS: tuple[str, ...] = ("geweigerd", "ingetrokken", "transactie_niet_aangegaan")

#: The bestuursorgaan's own conclusion the decision rests on (never the machine's).
GROUNDS: dict[str, str] = {
    "geen_gevaar": "Geen gevaar",
    "mindere_mate": "Mindere mate van gevaar (art. 3 lid 7 Wet Bibob)",
    "ernstig_gevaar": "Ernstig gevaar (art. 3 lid 1 Wet Bibob)",
    "lid6": "Strafbaar feit gepleegd om het besluit te verkrijgen (art. 3 lid 6 Wet Bibob)",
    "geen_bibob_grond": "Geen Bibob-grond (bijvoorbeeld buiten behandeling of een andere weigeringsgrond)",
}
#: Grounds that are a gevaarsconclusie: the decision's data go to the Bibob-register.
REGISTER_GROUNDS: tuple[str, ...] = ("mindere_mate", "ernstig_gevaar")


def needs_zienswijze(decision: str, ground: str) -> bool:
    """Art. 33 lid 1: before voorschriften, or a negative decision on ernstig gevaar or lid 6, a zienswijze."""
    if decision in ("verleend_met_voorschriften", "transactie_bibob_clausule"):
        return True
    return decision in NEGATIVE_DECISIONS and ground in ("ernstig_gevaar", "lid6")


PERSON_ROLES: dict[str, str] = {
    "aanvrager": "Aanvrager / betrokkene",
    "bestuurder": "Bestuurder of leidinggevende",
    "zeggenschap": "Heeft zeggenschap (aandeelhouder, UBO)",
    "vermogensverschaffer": "Vermogensverschaffer",
    "zakelijk_samenwerkingsverband": "Zakelijk samenwerkingsverband",
    "vertegenwoordiger": "Vertegenwoordiger / gemachtigde",
}

#: Letters: id → (title, the event the letter records, the legal basis ids it cites).
LETTERS: dict[str, tuple[str, str | None, tuple[str, ...]]] = {
    "vragenlijst": ("Verzoek om het Bibob-vragenformulier", "vragenlijst_verzonden", ("wet_bibob_7a", "awb_4_5")),
    "hersteltermijn": ("Verzoek om aanvulling (hersteltermijn)", "hersteltermijn_gegeven", ("awb_4_5", "awb_4_15")),
    "art32": (
        "Mededeling adviesaanvraag Landelijk Bureau Bibob",
        "art32_geinformeerd",
        ("wet_bibob_32", "wet_bibob_31", "wet_bibob_15"),
    ),
    "zienswijze": (
        "Uitnodiging om een zienswijze te geven",
        "zienswijze_gevraagd",
        ("wet_bibob_33", "awb_4_8", "wet_bibob_28"),
    ),
    "besluit": ("Samenvatting van het besluit", None, ("awb_6_7", "wet_bibob_28")),
}
