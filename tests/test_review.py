"""The jurist's review: full cycle, four eyes, frozen approved scans, rebuttals, what-if, audit, retention."""

import datetime as dt
import io

from pypdf import PdfReader

from app.db import db
from app.models import AuditEntry, Scan
from app.services import retention
from tests.conftest import ScanActions, login
from tests.test_wizard import COMMON, REQUIRED

# Evaluated: ALG-001 (+7 financiering), ALG-005 (+8 eigendom), HOR-004 (+3 exploitatie), ALG-013 (+5 procedure)
ANSWERS = (
    REQUIRED["horeca"] | COMMON | {"contant_aandeel_pct": 90, "onjuiste_informatie": True, "bestuurderswisselingen": 2}
)


def submitted_scan(app, catalogue):
    officer = ScanActions(app.test_client(), catalogue.questionnaires, "officer")
    scan_id = officer.start("horeca")
    officer.fill(scan_id, "horeca", ANSWERS)
    officer.evaluate(scan_id)
    assert officer.client.post(f"/scans/{scan_id}/indienen").status_code == 302
    jurist = app.test_client()
    login(jurist, "jurist")
    return officer, jurist, scan_id


WEIGHING = {
    "a_ernst": "Fiscale veroordeling 2023, ernstig voor deze activiteit.",
    "a_relatie": "De aanvrager is zelf veroordeeld (art. 3 lid 4 onder a).",
    "a_voordelen": "Omvang onbekend; contante lening van 40.000 euro.",
    "b_samenhang": "Geen feiten bij een samenhangende activiteit bekend.",
    "b_aantal": "Eén feit.",
    "evenredigheid": "Weigering zou de onderneming beëindigen; voorschriften volstaan.",
    "tijdsverloop": "Het feit is van 2023.",
    "advies_bestuursorgaan": "Vergunning verlenen met voorschriften over de financiering.",
}


def weigh(jurist, scan_id):
    """Record the full statutory weighing, as the review page asks before approval."""
    response = jurist.post(f"/scans/{scan_id}/beoordeling/weging", data=WEIGHING)
    assert response.status_code == 302


def audit_actions(app, scan_id=None):
    with app.app_context():
        query = db.select(AuditEntry)
        if scan_id:
            query = query.where(AuditEntry.scan_id == scan_id)
        return [e.action for e in db.session.scalars(query.order_by(AuditEntry.id))]


def status(app, scan_id):
    with app.app_context():
        return db.session.get(Scan, scan_id).status


def test_full_cycle_with_return_and_resubmit(app, catalogue):
    officer, jurist, scan_id = submitted_scan(app, catalogue)
    assert status(app, scan_id) == "submitted"
    assert officer.client.get(f"/scans/{scan_id}/stap/aanvraag").status_code == 403  # lies with the jurist
    page = jurist.get(f"/scans/{scan_id}/beoordeling").get_data(as_text=True)
    assert "ALG-013" in page and "Vaststellen" in page
    no_remarks = jurist.post(
        f"/scans/{scan_id}/beoordeling/besluit", data={"besluit": "terugsturen", "opmerkingen": " "}
    )
    assert "Geef bij terugsturen aan" in jurist.get(no_remarks.headers["Location"]).get_data(as_text=True)
    jurist.post(
        f"/scans/{scan_id}/beoordeling/besluit",
        data={"besluit": "terugsturen", "opmerkingen": "KvK-uittreksel ontbreekt."},
    )
    assert status(app, scan_id) == "returned"
    assert "KvK-uittreksel ontbreekt." in officer.client.get(f"/scans/{scan_id}/resultaat").get_data(as_text=True)
    assert officer.post_step(scan_id, "onderneming", {"rechtsvorm": "bv", "kvk_nummer": "90000009"}).status_code == 302
    officer.evaluate(scan_id)
    assert officer.client.post(f"/scans/{scan_id}/indienen").status_code == 302
    weigh(jurist, scan_id)
    jurist.post(f"/scans/{scan_id}/beoordeling/besluit", data={"besluit": "vaststellen", "opmerkingen": "Akkoord."})
    assert status(app, scan_id) == "approved"
    assert "Vastgesteld door de jurist op" in officer.client.get(f"/scans/{scan_id}/resultaat").get_data(as_text=True)
    actions = audit_actions(app, scan_id)
    for expected in ("scan_created", "scan_evaluated", "submitted", "review_started", "returned", "approved"):
        assert expected in actions
    assert actions.count("submitted") == 2


def test_four_eyes_and_roles(app, catalogue):
    officer, _, scan_id = submitted_scan(app, catalogue)
    response = officer.client.post(f"/scans/{scan_id}/beoordeling/besluit", data={"besluit": "vaststellen"})
    assert response.status_code == 403 and "jurist" in response.get_data(as_text=True)
    with app.app_context():  # a jurist who authored the scan may not review it
        from app.models import User
        from app.services import access

        jurist = db.session.scalar(db.select(User).where(User.role == "jurist"))
        scan = db.session.get(Scan, scan_id)
        scan.author_id = jurist.id
        assert access.refusal(jurist, "review", scan) == "Vier ogen: u kunt uw eigen scan niet beoordelen."


def test_approved_scan_is_frozen_and_a_change_needs_a_new_version(app, catalogue):
    officer, jurist, scan_id = submitted_scan(app, catalogue)
    weigh(jurist, scan_id)
    jurist.post(f"/scans/{scan_id}/beoordeling/besluit", data={"besluit": "vaststellen", "opmerkingen": ""})
    refused = officer.post_step(scan_id, "aanvraag", REQUIRED["horeca"])
    assert refused.status_code == 403 and "Maak een nieuwe versie" in refused.get_data(as_text=True)
    assert officer.evaluate(scan_id).status_code == 403
    assert (
        jurist.post(
            f"/scans/{scan_id}/beoordeling/besluit", data={"besluit": "terugsturen", "opmerkingen": "x"}
        ).status_code
        == 403
    )
    copy = officer.client.post(f"/scans/{scan_id}/nieuwe-versie")
    new_id = int(copy.headers["Location"].split("/")[2])
    with app.app_context():
        new = db.session.get(Scan, new_id)
        assert (new.version_no, new.parent_id, new.status) == (2, scan_id, "draft")
        assert new.answers()["contant_aandeel_pct"] == 90
        assert db.session.get(Scan, scan_id).status == "approved"


def test_rebuttal_needs_a_reason_and_what_if_shows_its_effect(app, catalogue):
    officer, jurist, scan_id = submitted_scan(app, catalogue)
    url = f"/scans/{scan_id}/beoordeling/indicator/ALG-013"
    no_reason = jurist.post(url, data={"weerlegd": "ja", "reden": "  "})
    assert "Geef een reden" in jurist.get(no_reason.headers["Location"].split("#")[0]).get_data(as_text=True)
    assert "Effect van de weerlegging" not in jurist.get(f"/scans/{scan_id}/beoordeling").get_data(as_text=True)
    jurist.post(url, data={"weerlegd": "ja", "reden": "Zienswijze: stukken alsnog correct aangeleverd."})
    jurist.post(f"/scans/{scan_id}/beoordeling/indicator/HOR-004", data={"notitie": "Pinnen is inmiddels mogelijk."})
    page = jurist.get(f"/scans/{scan_id}/beoordeling").get_data(as_text=True)
    # All fired: 7 + 8 + 2 + 5 + 2 = 24 → hoog. Without ALG-013: 19 → still hoog by score.
    assert "<td>24</td><td>19</td>" in page.replace("\n", "").replace(" ", "")
    with app.app_context():
        from app.services import review

        scan = db.session.get(Scan, scan_id)
        contest = review.contestation(scan.latest_result)
        assert (contest["score"], contest["level"], contest["knockouts"]) == (19, "hoog", [])
    assert "indicator_rebutted" in audit_actions(app, scan_id) and "indicator_noted" in audit_actions(app, scan_id)
    jurist.post(f"/scans/{scan_id}/beoordeling/advies", data={"advies": "Voorschriften volstaan."})
    weigh(jurist, scan_id)
    jurist.post(
        f"/scans/{scan_id}/beoordeling/besluit",
        data={"besluit": "vaststellen", "opmerkingen": "Akkoord na zienswijze."},
    )
    text = "\n".join(
        p.extract_text() for p in PdfReader(io.BytesIO(officer.client.get(f"/scans/{scan_id}/rapport.pdf").data)).pages
    )
    assert "Vastgesteld" in text and "Akkoord na zienswijze." in text and "Voorschriften volstaan." in text
    assert "Weerlegd door de jurist: Zienswijze: stukken alsnog correct aangeleverd." in text
    flat = " ".join(text.split())
    assert "zonder de weerlegde indicator ALG-013" in flat and "Vastgesteld door Jurist op" in flat


def test_report_view_and_pdf_export_each_leave_exactly_one_audit_entry(app, catalogue):
    officer, _, scan_id = submitted_scan(app, catalogue)
    before = audit_actions(app, scan_id)
    officer.client.get(f"/scans/{scan_id}/rapport")
    after_view = audit_actions(app, scan_id)
    officer.client.get(f"/scans/{scan_id}/rapport.pdf")
    after_pdf = audit_actions(app, scan_id)
    assert after_view[len(before) :] == ["report_viewed"]
    assert after_pdf[len(after_view) :] == ["pdf_exported"]


def test_admin_exports_the_audit_trail_and_it_is_append_only(app, catalogue):
    submitted_scan(app, catalogue)
    admin = app.test_client()
    login(admin, "admin")
    csv = admin.get("/audit?formaat=csv")
    assert csv.mimetype == "text/csv" and "tijdstip;gebruiker;handeling;scan;details" in csv.get_data(as_text=True)
    assert "Ingediend voor beoordeling" in csv.get_data(as_text=True)
    with app.app_context():
        entry = db.session.scalars(db.select(AuditEntry)).first()
        entry.action = "vervalst"
        try:
            db.session.commit()
            raise AssertionError("the audit trail accepted an update")
        except Exception as exc:  # the database refuses it
            assert "append-only" in str(exc)
            db.session.rollback()


def test_retention_deletes_closed_scans_with_an_audit_entry(app, catalogue):
    _, jurist, scan_id = submitted_scan(app, catalogue)
    weigh(jurist, scan_id)
    jurist.post(f"/scans/{scan_id}/beoordeling/besluit", data={"besluit": "vaststellen", "opmerkingen": ""})
    with app.app_context():
        assert retention.purge(30) == []
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=31)
        assert retention.purge(30, dry_run=True, now=later) == [scan_id]
        assert retention.purge(30, now=later) == [scan_id]
        assert db.session.get(Scan, scan_id) is None
    assert audit_actions(app, scan_id)[-1] == "purged"


def test_approval_is_refused_without_the_statutory_weighing(app, catalogue):
    _, jurist, scan_id = submitted_scan(app, catalogue)
    refused = jurist.post(f"/scans/{scan_id}/beoordeling/besluit", data={"besluit": "vaststellen"})
    page = jurist.get(refused.headers["Location"]).get_data(as_text=True)
    assert "Vaststellen kan pas als de weging is vastgelegd" in page and "Evenredigheid" in page
    assert status(app, scan_id) == "in_review"
    partial = WEIGHING | {"evenredigheid": " "}
    jurist.post(f"/scans/{scan_id}/beoordeling/weging", data=partial)
    again = jurist.post(f"/scans/{scan_id}/beoordeling/besluit", data={"besluit": "vaststellen"})
    assert "Evenredigheid" in jurist.get(again.headers["Location"]).get_data(as_text=True)
    assert status(app, scan_id) == "in_review"
    page = jurist.get(f"/scans/{scan_id}/beoordeling").get_data(as_text=True)
    assert "Fiscale veroordeling 2023" in page  # what was typed is kept
    assert "Oordeel beoordelaar" in page and ">Besluit<" not in page
    weigh(jurist, scan_id)
    jurist.post(f"/scans/{scan_id}/beoordeling/besluit", data={"besluit": "vaststellen"})
    assert status(app, scan_id) == "approved"
    assert "weighing_saved" in audit_actions(app, scan_id)
    pdf = jurist.get(f"/scans/{scan_id}/rapport.pdf").data
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Oordeel beoordelaar" in text and "Weging" in text and "voorschriften over de financiering" in text


def test_a_zienswijze_is_recorded_as_its_own_thing_with_its_effect(app, catalogue):
    _, jurist, scan_id = submitted_scan(app, catalogue)
    bad = jurist.post(
        f"/scans/{scan_id}/beoordeling/zienswijze", data={"datum": "gisteren", "samenvatting": "Onjuist."}
    )
    assert "jjjj-mm-dd" in jurist.get(bad.headers["Location"].split("#")[0]).get_data(as_text=True)
    jurist.post(
        f"/scans/{scan_id}/beoordeling/zienswijze",
        data={"datum": "2026-11-20", "samenvatting": "De lening is bij de bank afgesloten.", "betwist": ["ALG-001"]},
    )
    page = jurist.get(f"/scans/{scan_id}/beoordeling").get_data(as_text=True)
    assert "Zienswijze ontvangen op 20-11-2026" in page and "De lening is bij de bank afgesloten." in page
    assert "Zonder de betwiste indicatoren" in page
    assert "<td>24</td><td>17</td>" in page.replace("\n", "").replace(" ", "")  # 24 − 7 (ALG-001)
    assert "zienswijze_recorded" in audit_actions(app, scan_id)
    text = "\n".join(
        p.extract_text() for p in PdfReader(io.BytesIO(jurist.get(f"/scans/{scan_id}/rapport.pdf").data)).pages
    )
    assert "Zienswijze van de betrokkene" in text and "Betwist: ALG-001" in text
