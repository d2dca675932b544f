"""A scan type removed from the catalogue (its files gone) while stored scans and registers of it exist.

Stored results keep rendering from their snapshots (home, list, result, report, PDF, API); what needs the
questionnaire (editing, evaluating, exporting a register) is refused with a Dutch 410, never a 500.
"""

from __future__ import annotations

import shutil

from app.db import db
from app.extensions import catalogue as catalogue_ext
from app.models import Portfolio, Scan, User
from app.models.states import PortfolioState
from app.rules.errors import ScanTypeGone
from tests.conftest import USERS, ScanActions, login
from tests.test_api import token_for
from tests.test_registry import SIXTH, sixth_app, tree_app  # noqa: F401  (fixture)

GONE = ScanTypeGone.MESSAGE


def test_stored_scans_of_a_removed_type_still_read_but_refuse_edits(tmp_path, scratch, request):
    before = request.getfixturevalue("sixth_app")  # the scratch catalogue with the sixth scan, migrated, accounts
    with before.app_context():
        questionnaires = catalogue_ext.load().questionnaires
    scans = ScanActions(before.test_client(), questionnaires)
    done = scans.start(SIXTH, name="Pand De Proef (fictief)")
    scans.fill(done, SIXTH, {"besluit": "vergunning", "contant_betaald": True, "eigenaarswisselingen": 4})
    assert scans.evaluate(done).status_code == 302
    draft = scans.start(SIXTH, name="Pand Half (fictief)")
    with before.app_context():
        officer = db.session.scalar(db.select(User).where(User.email == USERS["officer"][0]))
        register = Portfolio(
            organisation_id=officer.organisation_id,
            author_id=officer.id,
            created_by=officer.name,
            scan_type=SIXTH,
            name="Register De Proef",
            status=PortfolioState.DONE.value,
        )
        db.session.add(register)
        db.session.commit()
        register_id = register.id
        db.session.remove()
        db.engine.dispose()

    (scratch.forms / f"{SIXTH}.yaml").unlink()  # the scan type is removed: its files are gone
    shutil.rmtree(scratch.rules / SIXTH)
    after = tree_app(tmp_path, scratch)
    with after.app_context():
        assert SIXTH not in catalogue_ext.scans and db.session.get(Scan, done).scan_type == SIXTH
    client = after.test_client()
    login(client, "officer")

    home = client.get("/")
    assert home.status_code == 200 and "Pand Half (fictief)" in home.get_data(as_text=True)
    listed = client.get("/scans/")
    assert listed.status_code == 200 and "Pand De Proef (fictief)" in listed.get_data(as_text=True)
    result = client.get(f"/scans/{done}/resultaat")
    page = result.get_data(as_text=True)
    assert result.status_code == 200 and "Proefscan (fixture)" in page and GONE in page  # label from the snapshot
    assert client.get(f"/scans/{done}").headers["Location"].endswith(f"/scans/{done}/resultaat")
    report = client.get(f"/scans/{done}/rapport")
    assert report.status_code == 200 and "Proefscan (fixture)" in report.get_data(as_text=True)
    pdf = client.get(f"/scans/{done}/rapport.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")

    for refused in (
        client.get(f"/scans/{draft}/stap/object"),
        client.post(f"/scans/{draft}/stap/object", data={"besluit": "geen", "actie": "volgende"}),
        client.get(f"/scans/{draft}/overzicht"),
        client.post(f"/scans/{done}/overzicht"),
    ):
        assert refused.status_code == 410 and GONE in refused.get_data(as_text=True)

    shown = client.get(f"/portfolio/{register_id}")
    assert shown.status_code == 200 and "Register De Proef" in shown.get_data(as_text=True)
    exported = client.get(f"/portfolio/{register_id}/export.csv")
    assert exported.status_code == 410 and GONE in exported.get_data(as_text=True)

    headers = {"Authorization": f"Bearer {token_for(after, 'officer')}"}
    api = client.get(f"/api/v1/scans/{done}/result", headers=headers)
    assert api.status_code == 200 and api.get_json()["result"]["scan_label"] == "Proefscan (fixture)"
    put = client.put(f"/api/v1/scans/{draft}/steps/object", headers=headers, json={"answers": {"besluit": "geen"}})
    assert put.status_code == 410 and put.get_json()["message"] == GONE
    evaluated = client.post(f"/api/v1/scans/{done}/evaluate", headers=headers)
    assert evaluated.status_code == 410 and evaluated.get_json()["message"] == GONE
    with after.app_context():
        db.session.remove()
        db.engine.dispose()
