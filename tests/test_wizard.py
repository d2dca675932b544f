"""The scan wizard end to end with the Flask test client, for every scan type."""

import re
import threading

import pytest

from app.db import db
from app.models import Portfolio, Scan, ScanResult, User
from app.services import scans as svc
from tests.conftest import SCANS, USERS
from tests.factories import COMMON, REQUIRED, SPECIFIC  # also imported from here by other test modules


@pytest.mark.parametrize("scan_type", list(SCANS))
def test_walk_every_step_to_a_stored_explained_result(app, scans, scan_type):
    scan_id = scans.start(scan_type)
    specific, expected_rule = SPECIFIC[scan_type]
    scans.fill(scan_id, scan_type, REQUIRED[scan_type] | COMMON | specific)
    summary = scans.client.get(f"/scans/{scan_id}/overzicht").get_data(as_text=True)
    assert "Controleer de antwoorden" in summary and "Lening of inbreng in contant geld" in summary
    response = scans.evaluate(scan_id)
    assert response.status_code == 302 and response.headers["Location"].endswith("/resultaat")
    page = scans.client.get(f"/scans/{scan_id}/resultaat").get_data(as_text=True)
    for rule_id in ("ALG-001", "ALG-005", expected_rule):
        assert f"{rule_id} · " in page
    with app.app_context():
        result = db.session.scalars(db.select(ScanResult)).one()
        assert f"score {result.score}" in page and result.ruleset_version in page
        assert {f["id"] for f in result.snapshot["fired"]} >= {"ALG-001", "ALG-005", expected_rule}
        assert db.session.get(Scan, scan_id).status == "evaluated"


def test_back_resume_and_progress(scans):
    scan_id = scans.start("horeca")
    assert scans.post_step(scan_id, "aanvraag", REQUIRED["horeca"]).headers["Location"].endswith("/stap/onderneming")
    back = scans.post_step(scan_id, "onderneming", {"rechtsvorm": "vof"}, action="vorige")
    assert back.headers["Location"].endswith("/stap/aanvraag")
    assert scans.client.get(f"/scans/{scan_id}").headers["Location"].endswith("/stap/aanvraag")
    page = scans.client.get(f"/scans/{scan_id}/stap/onderneming").get_data(as_text=True)
    assert 'value="vof" checked' in page and "Stap 2 van 9" in page


def test_conditional_questions(scans):
    scan_id = scans.start("risicolocatie")
    scans.post_step(scan_id, "vestiging", {"branche": "kapper"})
    assert "doorverhuur_voertuigen" not in scans.client.get(f"/scans/{scan_id}/stap/schouw").get_data(as_text=True)
    scans.post_step(scan_id, "vestiging", {"branche": "autobranche"})
    assert "doorverhuur_voertuigen" in scans.client.get(f"/scans/{scan_id}/stap/schouw").get_data(as_text=True)
    horeca = scans.start("horeca")
    page = scans.client.get(f"/scans/{horeca}/stap/aanvraag").get_data(as_text=True)
    assert "Alleen invullen als u bij “Gaat het om de overname van een bestaande zaak?” kiest voor Ja." in page
    scans.post_step(horeca, "aanvraag", REQUIRED["horeca"] | {"overname": False, "overnamesom": "50000"})
    summary = scans.client.get(f"/scans/{horeca}/overzicht").get_data(as_text=True)
    assert '<th scope="row">Overnamesom' not in summary  # hidden by its condition, so not kept (and said so)
    assert "is vervallen" in summary


def test_a_dropped_conditional_answer_is_announced_never_silent(scans):
    """An answer whose condition does not hold is not kept, and the user is told which and why."""
    horeca = scans.start("horeca")
    response = scans.post_step(horeca, "aanvraag", REQUIRED["horeca"] | {"overname": False, "overnamesom": "150000"})
    assert response.status_code == 302
    page = scans.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Uw antwoord op “Overnamesom (goodwill en inventaris)” (stap “" in page
    assert "is vervallen, omdat deze vraag alleen geldt als u bij “Gaat het om de overname" in page
    assert "kiest voor Ja. Het telt niet mee in de evaluatie." in page
    # The next page says it once; after that it is gone (a flash), and nothing was stored.
    again = scans.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is vervallen" not in again

    # Without a drop, no message.
    response = scans.post_step(horeca, "aanvraag", REQUIRED["horeca"] | {"overname": True, "overnamesom": "150000"})
    assert "is vervallen" not in scans.client.get(response.headers["Location"]).get_data(as_text=True)


def test_an_answer_that_lapses_through_another_step_is_listed_on_the_summary(scans):
    """A stored answer on a later step that no longer applies is named on the next page and on the summary."""
    scan_id = scans.start("risicolocatie")
    scans.post_step(scan_id, "vestiging", {"branche": "autobranche"})
    assert scans.post_step(scan_id, "schouw", {"doorverhuur_voertuigen": True}).status_code == 302
    response = scans.post_step(scan_id, "vestiging", {"branche": "kapper"})
    page = scans.client.get(response.headers["Location"]).get_data(as_text=True)
    assert page.count("is vervallen, omdat deze vraag alleen geldt als") == 1
    summary = scans.client.get(f"/scans/{scan_id}/overzicht").get_data(as_text=True)
    assert "Vervallen antwoorden" in summary and "is vervallen" in summary
    scans.post_step(scan_id, "vestiging", {"branche": "autobranche"})  # the condition holds again: it counts
    assert "Vervallen antwoorden" not in scans.client.get(f"/scans/{scan_id}/overzicht").get_data(as_text=True)


def test_the_summary_shows_labels_never_raw_ids(scans):
    scan_id = scans.start("horeca")
    person = {
        "betrokken_personen-0-naam": "J. Jansen (fictief)",
        "betrokken_personen-0-rol": "eerdere_exploitant",
        "betrokken_personen-0-ant-0-feit": "opiumwet",
        "betrokken_personen-0-ant-0-status": "veroordeling",
        "betrokken_personen-0-ant-0-kanaal": "justitie",
    }
    form = person | {"actie": "volgende"}
    assert scans.client.post(f"/scans/{scan_id}/stap/betrokkenen", data=form).status_code == 302
    scans.post_step(scan_id, "aanvraag", REQUIRED["horeca"] | {"overname": False})
    html = scans.client.get(f"/scans/{scan_id}/overzicht").get_data(as_text=True)
    text = " ".join(re.sub(r"<[^>]+>", " ", html.split("<main", 1)[1].split("</main>")[0]).split())
    person_line = "J. Jansen (fictief) (Eerdere exploitant, nog betrokken): Opiumwet (drugs) (onherroepelijke"
    assert person_line in text
    assert "Gaat het om de overname van een bestaande zaak? Nee" in text  # ja/nee as the radio buttons say it
    for raw in ("eerdere_exploitant", "opiumwet", "veroordeling,", "cafe_bar", "justitie"):
        assert raw not in text


def test_the_kvk_number_is_asked_once_in_the_onderneming_step(app, scans):
    """Not on the start page; the step's answer is the scan's subject KvK (list, search, report header)."""
    start = scans.client.get("/scans/nieuw?type=horeca").get_data(as_text=True)
    assert "KvK" not in start and 'name="subject_kvk"' not in start
    scan_id = scans.start("horeca", "Café Eénmaal (fictief)")
    step = scans.client.get(f"/scans/{scan_id}/stap/onderneming").get_data(as_text=True)
    assert step.count("KvK-nummer") == 1 and 'id="kvk_nummer"' in step
    scans.post_step(scan_id, "onderneming", {"rechtsvorm": "bv", "kvk_nummer": "12345678"})
    with app.app_context():
        assert db.session.get(Scan, scan_id).subject_kvk == "12345678"
    assert "Café Eénmaal (fictief)" in scans.client.get("/scans/?q=12345678").get_data(as_text=True)
    scans.post_step(scan_id, "onderneming", {"rechtsvorm": "bv", "kvk_nummer": ""})  # cleared: cleared everywhere
    with app.app_context():
        assert db.session.get(Scan, scan_id).subject_kvk is None


def test_a_kvk_number_known_at_the_start_is_prefilled_not_asked_again(app, scans):
    """A scan started with a KvK number (API, register row) shows it prefilled in the step."""
    scan_id = scans.start("horeca", subject_kvk="87654321")
    step = scans.client.get(f"/scans/{scan_id}/stap/onderneming").get_data(as_text=True)
    assert 'id="kvk_nummer" name="kvk_nummer" value="87654321"' in step


def test_invalid_input_is_kept_and_explained(scans):
    scan_id = scans.start("horeca")
    response = scans.post_step(
        scan_id, "exploitatie", {"zitplaatsen": "veel", "verwachte_omzet": "12,5,3", "contant_aandeel_pct": "150"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    # All errors in one round: the two unreadable values and the out-of-range percentage.
    assert 'role="alert"' in page and "Er zijn 3 fouten gevonden" in page and "Waarde moet tussen 0 en 100" in page
    assert "Vul een geheel getal in, zonder letters." in page and 'value="veel"' in page
    assert 'aria-invalid="true"' in page and 'aria-describedby="zitplaatsen-fout"' in page
    response = scans.post_step(scan_id, "exploitatie", {"contant_aandeel_pct": "150"})
    assert "Waarde moet tussen 0 en 100 liggen." in response.get_data(as_text=True)
    missing = scans.post_step(scan_id, "aanvraag", {"inrichting_type": "restaurant"})
    assert missing.status_code == 422 and "Dit veld is verplicht." in missing.get_data(as_text=True)


def test_summary_refuses_evaluation_until_required_answers_are_given(scans):
    scan_id = scans.start("vastgoed")
    response = scans.evaluate(scan_id)
    assert response.status_code == 422
    assert "Nog niet compleet" in response.get_data(as_text=True)


def test_bad_requests_never_give_a_500(scans):
    scan_id = scans.start("horeca")
    assert scans.client.get(f"/scans/{scan_id}/stap/bestaat-niet").status_code == 404
    assert scans.client.get("/scans/99999/stap/aanvraag").status_code == 404
    assert scans.client.get("/scans/99999/resultaat").status_code == 404
    ok = scans.post_step(scan_id, "aanvraag", REQUIRED["horeca"] | {"onbekend_veld": "x", "<script>": "y"})
    assert ok.status_code == 302
    too_long = scans.post_step(scan_id, "schouw", {"schouw_opmerkingen": "x" * 4001})
    assert too_long.status_code == 422 and "Hoogstens 4000 tekens" in too_long.get_data(as_text=True)
    wrong = scans.post_step(
        scan_id, "financiering", {"financieringsbronnen": ["goudstaven"], "herkomst_vermogen_aangetoond": "misschien"}
    )
    assert wrong.status_code == 422 and "Kies uit de opties." in wrong.get_data(as_text=True)
    bad_type = scans.client.post("/scans/nieuw", data={"scan_type": "casino", "subject_name": ""})
    assert bad_type.status_code == 422 and "Kies een type scan." in bad_type.get_data(as_text=True)
    persons = scans.post_step(scan_id, "betrokkenen", {"betrokken_personen-0-naam": "J. Jansen (fictief)"})
    assert persons.status_code == 422 and "naam en een rol" in persons.get_data(as_text=True)


def test_persons_are_saved_and_shown(scans):
    scan_id = scans.start("horeca")
    form = {"betrokken_personen-0-naam": "A. de Vries (fictief)", "betrokken_personen-0-rol": "bestuurder"}
    assert scans.post_step(scan_id, "betrokkenen", form).status_code == 302
    page = scans.client.get(f"/scans/{scan_id}/stap/betrokkenen").get_data(as_text=True)
    assert 'value="A. de Vries (fictief)"' in page


def test_list_search_and_filters(app, scans):
    first = scans.start("horeca", name="Eetcafé Het Anker (fictief)")
    scans.start("vastgoed", name="Loods Industrieweg (fictief)")
    scans.fill(first, "horeca", REQUIRED["horeca"] | COMMON)
    scans.evaluate(first)
    page = scans.client.get("/scans/?q=anker").get_data(as_text=True)
    assert "Het Anker" in page and "Industrieweg" not in page and "1 scan gevonden" in page
    assert "Industrieweg" in scans.client.get("/scans/?type=vastgoed&status=draft").get_data(as_text=True)
    level = db_level(app, first)
    assert "Het Anker" in scans.client.get(f"/scans/?level={level}").get_data(as_text=True)


def db_level(app, scan_id):
    with app.app_context():
        return db.session.get(Scan, scan_id).latest_level


def test_concurrent_saves_of_different_steps_lose_no_answer(app, catalogue):
    questionnaire = catalogue.questionnaires["horeca"]
    with app.app_context():
        officer = db.session.scalar(db.select(User).where(User.email == USERS["officer"][0]))
        scan = svc.create_scan(questionnaire, svc.Subject("Bar Gelijktijdig (fictief)"), officer)
        scan_id, officer_id = scan.id, officer.id
    barrier = threading.Barrier(2)
    errors = []

    def save(step_id, answers):
        try:
            with app.app_context():
                target = db.session.get(Scan, scan_id)
                user = db.session.get(User, officer_id)
                barrier.wait()
                svc.save_step(target, questionnaire.step(step_id), answers, None, user)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    for _ in range(5):
        threads = [
            threading.Thread(target=save, args=("exploitatie", {"zitplaatsen": 40})),
            threading.Thread(target=save, args=("schouw", {"zaak_leeg": True})),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    with app.app_context():
        answers = db.session.get(Scan, scan_id).answers()
    assert answers["zitplaatsen"] == 40 and answers["zaak_leeg"] is True


def test_csrf_is_required(scans):
    """The suite runs with CSRF on; `csrf=False` sends a form post without the page's token."""
    response = scans.client.post("/scans/nieuw", data={"scan_type": "horeca", "subject_name": "X"}, csrf=False)
    assert response.status_code == 400 and "Het verzoek kon niet worden verwerkt." in response.get_data(as_text=True)


def test_demo_data_loads_once(app, catalogue, evaluator):
    from app.demo import demo_scans, load_demo

    with app.app_context():
        assert load_demo(catalogue, evaluator) == len(demo_scans(catalogue)) + 1  # the scans and one portfolio
        assert load_demo(catalogue, evaluator) == 0
        portfolio = db.session.scalars(db.select(Portfolio)).one()
        assert portfolio.status == "klaar" and portfolio.rejected_rows == 0 and portfolio.evaluated_rows >= 6
        evaluated = db.session.scalars(db.select(Scan).where(Scan.status == "evaluated")).all()
        levels = {s.latest_level for s in evaluated}
        assert "laag" in levels and len(levels) >= 3  # a new user sees the whole range
