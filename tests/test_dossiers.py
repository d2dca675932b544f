"""The Bibob dossier through the web: from request to decision, letters read back, isolation, register, figures.

Real engine, real database, real WeasyPrint: the letters are read back from their PDF and DOCX.
"""

from __future__ import annotations

import io
import json

import pytest
from docx import Document
from pypdf import PdfReader
from sqlalchemy import text

from app.db import db
from app.models import AuditEntry, Dossier, DossierEvent, DossierLetter, DossierReminder, Zienswijze
from tests.conftest import login
from tests.test_review import submitted_scan, weigh

NEW = {
    "context": "beschikking_aanvraag",
    "decision_subject": "exploitatievergunning horeca, Teststraat 1",
    "branch": "horeca",
    "reference": "Z-2026-0042",
    "applicant_name": "Café De Proef (fictief)",
    "applicant_address": "Teststraat 1, Utrecht",
    "applicant_kvk": "90000001",
    "received_on": "2026-09-01",
    "shared_with_riec": "true",
}


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def flashed_error(client, response) -> str:
    return client.get(response.headers["Location"]).get_data(as_text=True)


def open_dossier(client, **changes) -> int:
    response = client.post("/dossiers/nieuw", data=NEW | changes)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def letter(client, dossier_id: int, kind: str, **data) -> tuple[bytes, bytes]:
    """Make a letter and download its PDF and DOCX (the newest letter of the dossier)."""
    response = client.post(f"/dossiers/{dossier_id}/brieven/{kind}", data=data)
    assert response.status_code == 302
    page = client.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert "fout" not in page.split("<h1")[1].split("</h1>")[0]
    with client.application.app_context():
        row = db.session.scalars(
            db.select(DossierLetter).where(DossierLetter.dossier_id == dossier_id).order_by(DossierLetter.id.desc())
        ).first()
        assert row is not None and row.kind == kind, flashed_error(client, response)[:3000]
        letter_id = row.id
    pdf = client.get(f"/dossiers/{dossier_id}/brieven/{letter_id}.pdf")
    docx = client.get(f"/dossiers/{dossier_id}/brieven/{letter_id}.docx")
    assert pdf.status_code == docx.status_code == 200
    assert pdf.headers["Cache-Control"] == "no-store"
    return pdf.data, docx.data


def event(client, dossier_id: int, kind: str, on: str, **data):
    return client.post(f"/dossiers/{dossier_id}/gebeurtenis", data={"kind": kind, "on": on} | data)


def test_one_dossier_from_request_to_decision(app, catalogue):
    officer, jurist, scan_id = submitted_scan(app, catalogue)
    client = officer.client
    dossier_id = open_dossier(client)
    assert client.post(f"/dossiers/{dossier_id}/scans", data={"scan_id": scan_id}).status_code == 302

    # The questionnaire: 14 days from Wed 2-9-2026 = Wed 16-9-2026.
    pdf, docx = letter(client, dossier_id, "vragenlijst", on="2026-09-02", days="14")
    text_pdf, text_docx = pdf_text(pdf), docx_text(docx)
    for body in (text_pdf, text_docx):
        assert "16-09-2026" in body and "Bibob-vragenformulier" in body and "Z-2026-0042" in body, body
        assert "VERTROUWELIJK" in body and "art. 28" in body
    assert "Gemeente Voorbeeldstad" in text_pdf
    assert event(client, dossier_id, "vragenlijst_ontvangen", "2026-09-14").status_code == 302

    # Incomplete: a hersteltermijn of 7 days from Tue 15-9 = Tue 22-9; completed on Fri 18-9 (3 days suspended).
    pdf, docx = letter(client, dossier_id, "hersteltermijn", on="2026-09-15", days="7", missing="Het KvK-uittreksel.")
    assert "22-09-2026" in pdf_text(pdf) and "Het KvK-uittreksel." in docx_text(docx)
    assert "4:15" in pdf_text(pdf)
    event(client, dossier_id, "aanvulling_ontvangen", "2026-09-18")

    # LBB advice asked on Mon 21-9; the art. 32 notice names the advice period (8 weeks: Mon 16-11).
    event(client, dossier_id, "lbb_advies_gevraagd", "2026-09-21")
    pdf, _ = letter(client, dossier_id, "art32", on="2026-09-21")
    assert "21-09-2026" in pdf_text(pdf) and "16-11-2026" in pdf_text(pdf) and "art. 32" in pdf_text(pdf)
    refused = event(client, dossier_id, "lbb_advies_ontvangen", "2026-10-26")
    assert "Kies de conclusie" in flashed_error(client, refused)
    event(client, dossier_id, "lbb_advies_ontvangen", "2026-10-26", conclusion="mindere_mate")

    # Beslistermijn: 1-9 + 8 weeks = 27-10, + 3 days (Awb 4:15) + 35 days LBB (art. 31) = Fri 4-12-2026.
    page = client.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert "04-12-2026" in page and "Wet Bibob art. 31" in page and "Algemene termijnenwet" in page

    # Zienswijze invitation names the indicators used (AVG art. 22); 14 days from Wed 28-10 = Wed 11-11.
    pdf, docx = letter(client, dossier_id, "zienswijze", on="2026-10-28", days="14")
    body = pdf_text(pdf)
    assert "11-11-2026" in body and "art. 22 AVG" in body
    for indicator in ("ALG-001", "ALG-005", "HOR-004"):
        assert indicator in body and indicator in docx_text(docx)

    # The zienswijze contests ALG-005: it is recorded on the scan result and re-evaluated side by side.
    client.post(
        f"/dossiers/{dossier_id}/zienswijze",
        data={"received_on": "2026-11-05", "summary": "De lening is terugbetaald.", "contested": ["ALG-005"]},
    )
    page = client.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert "De lening is terugbetaald." in page and "Zonder de betwiste indicatoren" in page
    with app.app_context():
        assert db.session.scalars(db.select(Zienswijze)).one().contested == ["ALG-005"]

    decision = {
        "decision": "verleend_met_voorschriften",
        "ground": "mindere_mate",
        "decided_on": "2026-11-20",
        "decided_by": "de burgemeester",
        "summary": "Voorschriften over de financiering.",
    }
    # The decision rests on an approved scan: not yet.
    early = client.post(f"/dossiers/{dossier_id}/besluit", data=decision)
    assert "vastgestelde scan" in flashed_error(client, early)
    weigh(jurist, scan_id)
    jurist.post(f"/scans/{scan_id}/beoordeling/besluit", data={"besluit": "vaststellen", "opmerkingen": "Akkoord."})
    assert client.post(f"/dossiers/{dossier_id}/besluit", data=decision).status_code == 302
    page = client.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert "Besloten" in page and "de burgemeester" in page and "ongewijzigd" in page
    with app.app_context():
        dossier = db.session.get(Dossier, dossier_id)
        assert (dossier.status, dossier.decision_scan_id) == ("besloten", scan_id)
        assert dossier.decision_answers_hash

    # Frozen: no more timeline entries, letters or a second decision.
    assert event(client, dossier_id, "notitie", "2026-11-21", text="later").status_code == 403
    assert client.post(f"/dossiers/{dossier_id}/besluit", data=decision).status_code == 403
    assert client.post(f"/dossiers/{dossier_id}/brieven/vragenlijst", data={}).status_code == 403

    pdf, docx = letter(client, dossier_id, "besluit")
    assert "Verleend met voorschriften" in pdf_text(pdf) and "bezwaar" in docx_text(docx)

    # Bibob-register: a gevaarsconclusie (mindere mate) gives the registration data, as JSON and CSV.
    data = json.loads(client.get(f"/dossiers/{dossier_id}/bibob-register.json").data)
    assert data["registratie"]["gevaarsconclusie"].startswith("Mindere mate")
    assert data["registratie"]["conclusie_advies_lbb"] == "Mindere mate van gevaar"
    assert "verstuurt niets" in data["let_op"]
    csv = client.get(f"/dossiers/{dossier_id}/bibob-register.csv").data.decode("utf-8-sig")
    assert "Café De Proef (fictief)" in csv and "2026-11-20" in csv

    with app.app_context():
        actions = [e.action for e in db.session.scalars(db.select(AuditEntry))]
    for action in (
        "dossier_created",
        "dossier_letter",
        "dossier_letter_exported",
        "zienswijze_recorded",
        "dossier_decided",
        "dossier_register_export",
    ):
        assert action in actions, action


def test_another_gemeente_and_the_riec_see_nothing_of_a_dossier(app, catalogue):
    officer, _, scan_id = submitted_scan(app, catalogue)
    dossier_id = open_dossier(officer.client)
    officer.client.post(f"/dossiers/{dossier_id}/scans", data={"scan_id": scan_id})
    letter(officer.client, dossier_id, "vragenlijst", on="2026-09-02", days="14")
    with app.app_context():
        letter_id = db.session.scalars(db.select(DossierLetter.id)).first()
    gets = [
        f"/dossiers/{dossier_id}",
        f"/dossiers/{dossier_id}/brieven/{letter_id}.pdf",
        f"/dossiers/{dossier_id}/brieven/{letter_id}.docx",
        f"/dossiers/{dossier_id}/bibob-register.json",
        f"/dossiers/{dossier_id}/bibob-register.csv",
    ]
    posts = [
        (f"/dossiers/{dossier_id}/betrokkenen", {"name": "X", "role": "bestuurder"}),
        (f"/dossiers/{dossier_id}/scans", {"scan_id": scan_id}),
        (f"/dossiers/{dossier_id}/gebeurtenis", {"kind": "notitie", "on": "2026-09-03", "text": "x"}),
        (f"/dossiers/{dossier_id}/brieven/vragenlijst", {"on": "2026-09-03"}),
        (f"/dossiers/{dossier_id}/zienswijze", {"received_on": "2026-09-03", "summary": "x"}),
        (f"/dossiers/{dossier_id}/besluit", {"decision": "verleend", "ground": "geen_gevaar"}),
    ]
    for who in ("other_officer", "jurist", "tov", "admin"):
        client = app.test_client()
        login(client, who)
        for url in gets:
            assert client.get(url).status_code == 404, (who, url)
        for url, data in posts:
            assert client.post(url, data=data).status_code == 404, (who, url)
        assert "Café De Proef" not in client.get("/dossiers/cijfers").get_data(as_text=True)
    other = app.test_client()
    login(other, "other_officer")
    assert "Z-2026-0042" not in other.get("/dossiers/").get_data(as_text=True)
    # Another gemeente's officer cannot link our scan to its own dossier either.
    own = open_dossier(other, reference="Z-ANDER")
    refused = other.post(f"/dossiers/{own}/scans", data={"scan_id": scan_id})
    assert "niet van uw gemeente" in flashed_error(other, refused)


def test_figures_per_gemeente_and_for_the_riec_without_personal_data(app, catalogue):
    officer, _, scan_id = submitted_scan(app, catalogue)
    shared = open_dossier(officer.client)
    officer.client.post(f"/dossiers/{shared}/scans", data={"scan_id": scan_id})
    event(officer.client, shared, "lbb_advies_gevraagd", "2026-09-21")
    open_dossier(officer.client, reference="Z-2", shared_with_riec="", branch="autobranche")
    other = app.test_client()
    login(other, "other_officer")
    open_dossier(other, reference="Z-3", applicant_name="Garage Anders (fictief)", shared_with_riec="")

    page = officer.client.get("/dossiers/cijfers").get_data(as_text=True)
    assert "2 dossiers" in page and "<svg" in page and "<desc" in page and "Adviesaanvragen LBB" in page
    assert "Café De Proef" not in page and "90000001" not in page
    csv = officer.client.get("/dossiers/cijfers.csv").data.decode("utf-8-sig")
    assert "Dossiers;totaal;2" in csv and "Café" not in csv
    assert officer.client.get("/dossiers/cijfers.xlsx").status_code == 200

    riec = app.test_client()
    login(riec, "jurist")
    page = riec.get("/dossiers/cijfers").get_data(as_text=True)
    assert "1 dossier." in page and "Gemeente Voorbeeldstad" in page  # only the shared dossier
    assert "Gemeente Anderstad" not in page
    assert "Garage Anders" not in page and "Café De Proef" not in page
    admin = app.test_client()
    login(admin, "admin")
    assert admin.get("/dossiers/cijfers").status_code == 403


def test_art33_zienswijze_before_a_negative_decision_and_lbb_rules(app, catalogue):
    officer, jurist, scan_id = submitted_scan(app, catalogue)
    weigh(jurist, scan_id)
    jurist.post(f"/scans/{scan_id}/beoordeling/besluit", data={"besluit": "vaststellen", "opmerkingen": "Akkoord."})
    client = officer.client
    dossier_id = open_dossier(client)
    client.post(f"/dossiers/{dossier_id}/scans", data={"scan_id": scan_id})
    refusal = {"decision": "geweigerd", "ground": "ernstig_gevaar", "decided_on": "2026-11-20", "decided_by": "burg."}
    assert "art. 33" in flashed_error(client, client.post(f"/dossiers/{dossier_id}/besluit", data=refusal))
    # A decision that does not fit the context is refused too.
    wrong = refusal | {"decision": "transactie_niet_aangegaan"}
    assert "past niet" in flashed_error(client, client.post(f"/dossiers/{dossier_id}/besluit", data=wrong))
    # LBB: no answer without a request; one extension only.
    assert "Eerst moet" in flashed_error(client, event(client, dossier_id, "lbb_verlenging", "2026-10-01"))
    event(client, dossier_id, "lbb_advies_gevraagd", "2026-09-21")
    assert "al een adviesaanvraag" in flashed_error(
        client, event(client, dossier_id, "lbb_advies_gevraagd", "2026-09-22")
    )
    event(client, dossier_id, "lbb_verlenging", "2026-11-10")
    assert "één keer" in flashed_error(client, event(client, dossier_id, "lbb_verlenging", "2026-11-12"))
    assert "toekomst" in flashed_error(client, event(client, dossier_id, "notitie", "2099-01-01", text="x"))
    # While the LBB advice is pending, no decision.
    letter(client, dossier_id, "zienswijze", on="2026-11-11", days="14")
    assert "nog niet ontvangen" in flashed_error(client, client.post(f"/dossiers/{dossier_id}/besluit", data=refusal))
    event(client, dossier_id, "lbb_advies_ontvangen", "2026-11-16", conclusion="ernstig_gevaar")
    assert client.post(f"/dossiers/{dossier_id}/besluit", data=refusal).status_code == 302
    assert client.get(f"/dossiers/{dossier_id}/bibob-register.json").status_code == 200


def test_no_register_export_without_a_gevaarsconclusie(app, catalogue):
    officer, _, _ = submitted_scan(app, catalogue)
    client = officer.client
    dossier_id = open_dossier(client)
    decision = {
        "decision": "buiten_behandeling",
        "ground": "geen_bibob_grond",
        "decided_on": "2026-11-20",
        "decided_by": "het college",
    }
    assert client.post(f"/dossiers/{dossier_id}/besluit", data=decision).status_code == 302
    response = client.get(f"/dossiers/{dossier_id}/bibob-register.json")
    assert response.status_code == 403 and "gevaarsconclusie" in response.get_data(as_text=True)


def test_bad_input_gets_a_dutch_message(app, catalogue):
    client = app.test_client()
    login(client, "officer")
    response = client.post("/dossiers/nieuw", data=NEW | {"applicant_kvk": "12", "received_on": "morgen"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "8 cijfers" in body and "jjjj-mm-dd" in body
    assert client.post("/dossiers/nieuw", data=NEW | {"received_on": "2099-01-01"}).status_code == 400
    dossier_id = open_dossier(client)
    assert "Noem wat" in flashed_error(
        client, client.post(f"/dossiers/{dossier_id}/brieven/hersteltermijn", data={"days": "7"})
    )
    assert "Koppel eerst" in flashed_error(
        client, client.post(f"/dossiers/{dossier_id}/brieven/zienswijze", data={"days": "14"})
    )
    assert "1 tot 120" in flashed_error(
        client, client.post(f"/dossiers/{dossier_id}/brieven/vragenlijst", data={"days": "0"})
    )
    assert client.post(f"/dossiers/{dossier_id}/brieven/onbekend", data={}).status_code == 404
    assert "Leg eerst vast" in flashed_error(client, client.post(f"/dossiers/{dossier_id}/brieven/art32", data={}))
    vastgoed = open_dossier(client, context="vastgoedtransactie", received_on="")
    assert "niet mogelijk" in flashed_error(
        client, client.post(f"/dossiers/{vastgoed}/brieven/hersteltermijn", data={"days": "7", "missing": "x"})
    )


def test_the_timeline_is_append_only(app, catalogue):
    client = app.test_client()
    login(client, "officer")
    open_dossier(client)
    with app.app_context():
        with pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
            conn.execute(text("UPDATE dossier_events SET kind = 'notitie'"))
        with pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
            conn.execute(text("DELETE FROM dossier_events"))
        kinds = [e.kind for e in db.session.scalars(db.select(DossierEvent).order_by(DossierEvent.id))]
        assert kinds == ["aanvraag_ontvangen", "dossier_aangemaakt"]


def test_reminders_run_once_per_deadline_and_show_on_the_start_page(app, runner):
    client = app.test_client()
    login(client, "officer")
    dossier_id = open_dossier(client)
    letter(client, dossier_id, "vragenlijst", on="2026-09-02", days="14")  # due Wed 16-9-2026
    before = runner.invoke(args=["dossiers", "reminders", "--now", "2026-09-10T06:00"])
    assert "1 herinnering" in before.output, before.output  # 4 working days left: "binnenkort"
    again = runner.invoke(args=["dossiers", "reminders", "--now", "2026-09-11T06:00"])
    assert "0 herinnering" in again.output  # same deadline, same state: no second reminder
    overdue = runner.invoke(args=["dossiers", "reminders", "--now", "2026-09-17T06:00"])
    assert "1 herinnering" in overdue.output  # now overdue: one more
    bad = runner.invoke(args=["dossiers", "reminders", "--now", "gisteren"])
    assert bad.exit_code != 0 and "jjjj-mm-dd" in bad.output
    with app.app_context():
        entries = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "dossier_reminder")).all()
        assert [e.detail["status"] for e in entries] == ["binnenkort", "verlopen"]
        assert all(e.user_email == "bibob@voorbeeldstad.test" for e in entries)
    page = client.get("/").get_data(as_text=True)
    assert "Mijn termijnen" in page and "Terugsturen Bibob-vragenlijst" in page and "Herinneringen" in page
    other = app.test_client()
    login(other, "officer2")  # a colleague: not the officer of this dossier
    assert "Terugsturen Bibob-vragenlijst" not in other.get("/").get_data(as_text=True)
    listing = client.get("/dossiers/?termijn=verlopen").get_data(as_text=True)
    assert "Z-2026-0042" in listing


def test_the_worker_makes_the_reminders_daily_and_commits_them(app):
    """The periodic job `dossiers.remind` stores what is due today, once, in its own transaction."""
    import datetime as dt

    from app.extensions import jobs
    from app.services.jobs import remind_dossier_deadlines

    client = app.test_client()
    login(client, "officer")
    dossier_id = open_dossier(client)
    sent = dt.date.today() - dt.timedelta(days=30)
    letter(client, dossier_id, "vragenlijst", on=sent.isoformat(), days="14")  # long overdue
    with app.app_context():
        task = next(t for t in jobs.huey._registry._periodic_tasks if t.__name__ == "dossiers.remind")
        assert task().validate_datetime(dt.datetime(2026, 9, 10, app.config["DOSSIER_REMINDER_HOUR"], 7))
        assert not task().validate_datetime(dt.datetime(2026, 9, 10, app.config["DOSSIER_REMINDER_HOUR"], 8))
    with app.app_context():
        made = remind_dossier_deadlines()
        assert made >= 1
        assert remind_dossier_deadlines() == 0  # once per deadline, due date and status
    with app.app_context():  # a fresh session: the job committed
        reminders = db.session.scalars(db.select(DossierReminder)).all()
        assert len(reminders) == made and {r.dossier_id for r in reminders} == {dossier_id}
        assert ("vragenlijst", "verlopen") in {(r.deadline, r.status) for r in reminders}


def test_a_purged_scan_leaves_the_decided_dossier_intact(app, catalogue):
    """Retention deletes the approved scan after its period; the dossier keeps its decision (and the hash)."""
    import datetime as dt

    from app.services import retention

    officer, jurist, scan_id = submitted_scan(app, catalogue)
    weigh(jurist, scan_id)
    jurist.post(f"/scans/{scan_id}/beoordeling/besluit", data={"besluit": "vaststellen", "opmerkingen": "Akkoord."})
    client = officer.client
    dossier_id = open_dossier(client)
    client.post(f"/dossiers/{dossier_id}/scans", data={"scan_id": scan_id})
    decision = {"decision": "verleend", "ground": "geen_gevaar", "decided_on": "2026-11-20", "decided_by": "burg."}
    assert client.post(f"/dossiers/{dossier_id}/besluit", data=decision).status_code == 302
    with app.app_context():
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=10)
        assert retention.purge(1, now=later) == [scan_id]
        assert db.session.get(Dossier, dossier_id).decision_answers_hash  # the evidence stays
    page = client.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert "na de bewaartermijn verwijderd" in page and "Verleend" in page
