"""Statutory deadlines of a Bibob dossier, against worked examples with their legal source.

Every expected date below was worked out by hand from the rule named in the row; the
calendar facts (weekday, feestdag) are written next to it so a reader can check them.
Sources: Algemene termijnenwet (Atw) art. 1-3; Awb 4:5, 4:13, 4:15 lid 1 onder a;
Wet Bibob art. 15 (LBB: 8 weeks, lid 2 suspension, lid 3 one extension of at most 4 weeks),
art. 31 (beslistermijn suspended during the LBB request, capped), art. 33 (zienswijze).
"""

from __future__ import annotations

import datetime as dt

import pytest

from app.dossier import deadlines as dl
from app.dossier.deadlines import Event

D = dt.date


@pytest.mark.parametrize(
    ("start", "days", "expected", "why"),
    [
        (D(2026, 3, 2), 14, D(2026, 3, 16), "ma + 14 = ma, een werkdag (Atw art. 1 niet nodig)"),
        (D(2026, 6, 11), 16, D(2026, 6, 29), "eindigt za 27-6 → ma 29-6 (Atw art. 1)"),
        (D(2026, 6, 12), 16, D(2026, 6, 29), "eindigt zo 28-6 → ma 29-6 (Atw art. 1)"),
        (D(2026, 4, 13), 14, D(2026, 4, 28), "eindigt ma 27-4 Koningsdag → di 28-4 (Atw art. 3 lid 1)"),
        (
            D(2026, 4, 21),
            14,
            D(2026, 5, 6),
            "eindigt di 5-5; 5 mei telt elk jaar, ook buiten lustrumjaren (Atw art. 3 lid 1)",
        ),
        (
            D(2026, 3, 20),
            14,
            D(2026, 4, 7),
            "eindigt vr 3-4 Goede Vrijdag (Atw art. 3 lid 2), dan za, zo, ma 6-4 Paasmaandag",
        ),
        (D(2026, 4, 30), 14, D(2026, 5, 15), "eindigt do 14-5 Hemelvaartsdag → vr 15-5"),
        (D(2026, 5, 11), 14, D(2026, 5, 26), "eindigt ma 25-5 Tweede Pinksterdag → di 26-5"),
        (
            D(2026, 12, 11),
            14,
            D(2026, 12, 28),
            "eindigt vr 25-12 Eerste Kerstdag, za 26-12 Tweede Kerstdag, zo → ma 28-12",
        ),
        (D(2026, 12, 18), 14, D(2027, 1, 4), "eindigt vr 1-1-2027 Nieuwjaarsdag, dan weekend → ma 4-1"),
        (D(2025, 4, 11), 15, D(2025, 4, 28), "eindigt za 26-4-2025 (Koningsdag op zaterdag), zo → ma 28-4"),
        (
            D(2026, 12, 23),
            3,
            D(2026, 12, 28),
            "3 dagen: alleen do 24-12 is een werkdag; Atw art. 2 eist er twee → ma 28-12",
        ),
        (
            D(2026, 4, 2),
            3,
            D(2026, 4, 8),
            "3 dagen over Pasen: vr Goede Vrijdag, ma Paasmaandag; twee werkdagen: di 7-4 en wo 8-4",
        ),
        (D(2026, 3, 3), 2, D(2026, 3, 5), "2 dagen: Atw art. 2 geldt pas vanaf 3 dagen"),
    ],
)
def test_period_end_follows_the_algemene_termijnenwet(start, days, expected, why):
    assert dl.period_end(start, days) == expected, why


def test_feestdagen_are_those_of_the_atw():
    """Atw art. 3: the library's Dutch holidays plus 5 May every year; Goede Vrijdag counts (lid 2)."""
    assert dl.holiday_name(D(2026, 5, 5)) == "Bevrijdingsdag"  # 2026 is no lustrum year
    assert dl.holiday_name(D(2026, 4, 3)) is not None  # Goede Vrijdag
    assert dl.holiday_name(D(2026, 4, 27)) is not None  # Koningsdag
    assert dl.is_working_day(D(2026, 4, 28))
    assert not dl.is_working_day(D(2026, 4, 25))  # a Saturday


RECEIVED = D(2026, 3, 2)  # a Monday; 8 weeks later is Mon 27-4-2026, Koningsdag


def _term(events, today, context="beschikking_aanvraag", settings=None, received=RECEIVED):
    found = [t for t in dl.compute(events, received, context, today, settings) if t.kind == "beslistermijn"]
    return found[0] if found else None


@pytest.mark.parametrize(
    ("events", "today", "due", "status", "why"),
    [
        ([], D(2026, 3, 10), D(2026, 4, 28), "lopend", "8 weken (Awb 4:13) eindigt ma 27-4 Koningsdag → di 28-4 (Atw)"),
        (
            [
                Event("hersteltermijn_gegeven", D(2026, 3, 9), {"days": 14}),
                Event("aanvulling_ontvangen", D(2026, 3, 13)),
            ],
            D(2026, 3, 20),
            D(2026, 5, 1),
            "lopend",
            "opgeschort van 9-3 tot 13-3 = 4 dagen (Awb 4:15 lid 1 onder a): 27-4 + 4 = vr 1-5",
        ),
        (
            [Event("hersteltermijn_gegeven", D(2026, 3, 9), {"days": 14})],
            D(2026, 4, 1),
            D(2026, 5, 11),
            "lopend",
            "hersteltermijn ongebruikt verstreken (eindigt 23-3): 14 dagen opschorting: 27-4 + 14 = ma 11-5",
        ),
        (
            [Event("hersteltermijn_gegeven", D(2026, 3, 9), {"days": 14})],
            D(2026, 3, 10),
            D(2026, 5, 11),
            "opgeschort",
            "hersteltermijn loopt nog: opschorting telt ten hoogste 14 dagen; uiterlijk ma 11-5",
        ),
        (
            [Event("lbb_advies_gevraagd", D(2026, 3, 16)), Event("lbb_advies_ontvangen", D(2026, 4, 30))],
            D(2026, 5, 4),
            D(2026, 6, 11),
            "lopend",
            "advies gevraagd 16-3, ontvangen 30-4: 45 dagen opgeschort (art. 31 Wet Bibob): 27-4 + 45 = do 11-6",
        ),
        (
            [Event("lbb_advies_gevraagd", D(2026, 3, 16))],
            D(2026, 4, 1),
            D(2026, 7, 20),
            "opgeschort",
            "advies nog niet ontvangen: opschorting ten hoogste 8 + 4 weken = 84 dagen (art. 31 met art. 15): ma 20-7",
        ),
        (
            [
                Event("lbb_advies_gevraagd", D(2026, 3, 16)),
                Event("lbb_verlenging", D(2026, 5, 4), {"weeks": 4}),
                Event("lbb_advies_ontvangen", D(2026, 6, 15)),
            ],
            D(2026, 6, 16),
            D(2026, 7, 20),
            "lopend",
            "verlengd, advies pas na 91 dagen: opschorting afgetopt op 84 dagen (art. 31): 27-4 + 84 = ma 20-7",
        ),
        (
            [
                Event("lbb_advies_gevraagd", D(2026, 3, 16)),
                Event("lbb_gegevens_gevraagd", D(2026, 3, 23)),
                Event("lbb_gegevens_ontvangen", D(2026, 4, 6)),
                Event("lbb_advies_ontvangen", D(2026, 6, 5)),
            ],
            D(2026, 6, 8),
            D(2026, 7, 6),
            "lopend",
            "niet verlengd; 14 dagen art. 15 lid 2: plafond 56 + 14 = 70 dagen (advies na 81): 27-4 + 70 = ma 6-7",
        ),
        (
            [
                Event("hersteltermijn_gegeven", D(2026, 3, 9), {"days": 14}),
                Event("aanvulling_ontvangen", D(2026, 3, 13)),
                Event("lbb_advies_gevraagd", D(2026, 3, 16)),
                Event("lbb_advies_ontvangen", D(2026, 4, 30)),
            ],
            D(2026, 5, 4),
            D(2026, 6, 15),
            "lopend",
            "beide opschortingen tellen op: 4 + 45 = 49 dagen: 27-4 + 49 = ma 15-6",
        ),
        (
            [Event("besluit", D(2026, 4, 20))],
            D(2026, 4, 21),
            D(2026, 4, 28),
            "voldaan",
            "besloten op 20-4, vóór de beslistermijn",
        ),
        ([], D(2026, 4, 29), D(2026, 4, 28), "verlopen", "geen besluit en de termijn is voorbij"),
        ([], D(2026, 4, 21), D(2026, 4, 28), "binnenkort", "5 werkdagen voor het einde (22, 23, 24, 28 april)"),
    ],
)
def test_beslistermijn(events, today, due, status, why):
    term = _term(events, today)
    assert (term.due, term.status) == (due, status), why


def test_beslistermijn_from_settings_and_only_where_a_period_applies():
    twelve = dl.Settings(decision_weeks={"beschikking_aanvraag": 12})
    # 2-3 + 84 days = ma 25-5 Tweede Pinksterdag → di 26-5 (Atw)
    assert _term([], D(2026, 3, 3), settings=twelve).due == D(2026, 5, 26)
    assert _term([], D(2026, 3, 3), context="subsidie").due == D(2026, 4, 28)
    # A property deal or a withdrawal has no application, hence no beslistermijn; nor has an unknown date.
    assert _term([], D(2026, 3, 3), context="vastgoedtransactie") is None
    assert _term([], D(2026, 3, 3), context="beschikking_intrekking") is None
    assert _term([], D(2026, 3, 3), received=None) is None


def _lbb(events, today):
    return next(t for t in dl.compute(events, None, "vastgoedtransactie", today) if t.kind == "lbb_advies")


@pytest.mark.parametrize(
    ("events", "today", "due", "status", "why"),
    [
        (
            [Event("lbb_advies_gevraagd", D(2026, 3, 16))],
            D(2026, 3, 17),
            D(2026, 5, 11),
            "lopend",
            "8 weken (art. 15 lid 1)",
        ),
        (
            [Event("lbb_advies_gevraagd", D(2026, 3, 16)), Event("lbb_verlenging", D(2026, 5, 1))],
            D(2026, 5, 2),
            D(2026, 6, 8),
            "lopend",
            "eenmaal verlengd met 4 weken (art. 15 lid 3): 12 weken = ma 8-6",
        ),
        (
            [Event("lbb_advies_gevraagd", D(2026, 3, 16)), Event("lbb_verlenging", D(2026, 5, 1), {"weeks": 6})],
            D(2026, 5, 2),
            D(2026, 6, 8),
            "lopend",
            "een verlenging is ten hoogste 4 weken (art. 15 lid 3), ook als er meer is ingevoerd",
        ),
        (
            [
                Event("lbb_advies_gevraagd", D(2026, 3, 16)),
                Event("lbb_gegevens_gevraagd", D(2026, 3, 23)),
                Event("lbb_gegevens_ontvangen", D(2026, 4, 6)),
            ],
            D(2026, 4, 7),
            D(2026, 5, 26),
            "lopend",
            "14 dagen opgeschort (art. 15 lid 2): 16-3 + 70 = ma 25-5 Tweede Pinksterdag → di 26-5",
        ),
        (
            [Event("lbb_advies_gevraagd", D(2026, 3, 16)), Event("lbb_gegevens_gevraagd", D(2026, 3, 23))],
            D(2026, 4, 1),
            D(2026, 5, 20),
            "opgeschort",
            "gegevens nog niet ontvangen: termijn staat stil (9 dagen tot vandaag 1-4): 16-3 + 65 = wo 20-5",
        ),
        (
            [Event("lbb_advies_gevraagd", D(2026, 10, 30))],
            D(2026, 11, 2),
            D(2026, 12, 28),
            "lopend",
            "vr 30-10 + 8 weken = vr 25-12 Eerste Kerstdag → ma 28-12 (Atw)",
        ),
        (
            [Event("lbb_advies_gevraagd", D(2026, 3, 16)), Event("lbb_advies_ontvangen", D(2026, 5, 12))],
            D(2026, 5, 13),
            D(2026, 5, 11),
            "voldaan",
            "advies een dag te laat ontvangen: voldaan, maar te laat",
        ),
    ],
)
def test_lbb_advice_period(events, today, due, status, why):
    term = _lbb(events, today)
    assert (term.due, term.status) == (due, status), why


def test_late_advice_is_marked_late():
    events = [Event("lbb_advies_gevraagd", D(2026, 3, 16)), Event("lbb_advies_ontvangen", D(2026, 5, 12))]
    assert _lbb(events, D(2026, 5, 13)).late


@pytest.mark.parametrize(
    ("today", "received", "status", "why"),
    [
        (D(2026, 3, 3), None, "lopend", "vragenlijst verstuurd 2-3, uiterlijk ma 16-3: nog 9 werkdagen"),
        (D(2026, 3, 10), None, "binnenkort", "nog 4 werkdagen (11, 12, 13 en 16 maart)"),
        (D(2026, 3, 17), None, "verlopen", "16-3 is voorbij zonder vragenlijst"),
        (D(2026, 3, 20), D(2026, 3, 13), "voldaan", "op tijd ontvangen"),
    ],
)
def test_questionnaire_deadline_status(today, received, status, why):
    events = [Event("vragenlijst_verzonden", D(2026, 3, 2), {"days": 14})]
    if received:
        events.append(Event("vragenlijst_ontvangen", received))
    term = next(t for t in dl.compute(events, None, "beschikking_aanvraag", today) if t.kind == "vragenlijst")
    assert term.due == D(2026, 3, 16)
    assert term.status == status, why


def test_questionnaire_uses_the_setting_when_the_letter_names_no_period():
    events = [Event("vragenlijst_verzonden", D(2026, 3, 2))]
    settings = dl.Settings(questionnaire_days=21)
    term = dl.compute(events, None, "beschikking_aanvraag", D(2026, 3, 3), settings)[0]
    assert term.due == D(2026, 3, 23)  # ma 2-3 + 21 = ma 23-3


def test_zienswijze_period_and_what_a_decision_does_to_open_deadlines():
    events = [Event("zienswijze_gevraagd", D(2026, 12, 11), {"days": 14})]
    term = dl.compute(events, None, "beschikking_intrekking", D(2026, 12, 14))[0]
    assert (term.kind, term.due) == ("zienswijze", D(2026, 12, 28))  # vr 25-12 Kerst → ma 28-12 (art. 33, Atw)
    assert term.basis[0] == "wet_bibob_33"
    decided = [*events, Event("besluit", D(2026, 12, 15))]
    after = dl.compute(decided, None, "beschikking_intrekking", D(2026, 12, 16))[0]
    assert after.status == "vervallen" and not after.needs_action


def test_every_legal_basis_is_in_the_register(catalogue):
    """Each deadline cites ids that exist in rules/references.yaml."""
    for basis in dl.BASIS.values():
        for ref in basis:
            assert ref in catalogue.legal_bases, ref
