"""Every stored snapshot version still loads and renders: result page, report HTML and PDF, per version.

The fixtures are results as the service stored them, kept as stored (never regenerated):
`model1_result.json` (schema 1, the first advice model, commit ec3dec6) and `model2_result.json`
(schema 2, advice model 2 as made by issue 15). A new snapshot shape adds a fixture here.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.db import db
from app.models import ScanResult
from app.services.scans import answers_fingerprint
from app.snapshot import CURRENT_SCHEMA_VERSION, SCHEMAS, SnapshotError, dump_snapshot, load_snapshot
from tests.factories import make_scan

FIXTURES = Path(__file__).parent / "fixtures"
#: schema version → the stored result of that version.
STORED = {
    1: json.loads((FIXTURES / "model1_result.json").read_text(encoding="utf-8")),
    2: json.loads((FIXTURES / "model2_result.json").read_text(encoding="utf-8")),
}


def test_there_is_a_fixture_for_every_schema_version():
    assert set(STORED) == set(SCHEMAS) and max(SCHEMAS) == CURRENT_SCHEMA_VERSION


@pytest.mark.parametrize("version", sorted(STORED))
def test_each_stored_snapshot_loads_under_its_own_version(version):
    snapshot = STORED[version]["snapshot"]
    loaded = load_snapshot(snapshot)
    assert loaded["schema_version"] == version
    assert {k: v for k, v in loaded.items() if k != "schema_version"} == {
        k: v for k, v in snapshot.items() if k != "schema_version"
    }  # values exactly as stored


def store(app, version: int) -> int:
    """A scan whose latest result is the stored snapshot of `version`."""
    data = STORED[version]
    snapshot = data["snapshot"]
    with app.app_context():
        scan = make_scan(snapshot["scan"])
        version_id = data["ruleset_version"]
        db.session.add(
            ScanResult(
                scan_id=scan.id,
                ruleset_version=version_id,
                questionnaire_version=snapshot["questionnaire_version"],
                score=snapshot["score"],
                level=snapshot["level"],
                outcome=snapshot["outcome"],
                answers=data["answers"],
                snapshot=snapshot,
                answers_hash=answers_fingerprint(data["answers"], version_id),
                created_by="Officer",
            )
        )
        db.session.commit()
        return scan.id


@pytest.mark.parametrize("version", sorted(STORED))
def test_each_stored_snapshot_renders_page_report_and_pdf(app, scans, catalogue, version):
    snapshot = STORED[version]["snapshot"]
    scan_id = store(app, version)
    page = scans.client.get(f"/scans/{scan_id}/resultaat")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert snapshot["outcome_label"] in text and snapshot["fired"][0]["title"] in text
    report = scans.client.get(f"/scans/{scan_id}/rapport")
    assert report.status_code == 200
    html = report.get_data(as_text=True)
    assert snapshot["outcome_label"] in html and snapshot["ruleset_version"] in html
    pdf = scans.client.get(f"/scans/{scan_id}/rapport.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    flat = " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages).split())
    assert snapshot["outcome_label"] in flat and f"score {snapshot['score']}" in flat.lower()
    for fired in snapshot["fired"]:
        assert fired["id"] in flat
    current = catalogue.version(snapshot["scan"])
    if current != snapshot["ruleset_version"]:  # the catalogue has changed since: both versions are named
        assert f"de huidige regelset is {current}" in flat and snapshot["ruleset_version"] in flat
    else:
        assert "de huidige regelset is" not in flat


def test_a_new_result_is_stored_with_the_current_schema_version(app):
    with app.app_context():
        scan = make_scan("vastgoed", evaluate=True)
        db.session.commit()
        assert scan.latest_result.snapshot["schema_version"] == CURRENT_SCHEMA_VERSION


def test_a_damaged_or_unknown_snapshot_is_refused_with_a_clear_message():
    broken = {k: v for k, v in STORED[2]["snapshot"].items() if k != "outcome"}
    with pytest.raises(SnapshotError, match=r"versie 2.*outcome"):
        load_snapshot(broken)
    with pytest.raises(SnapshotError, match="onbekende versie"):
        load_snapshot({**STORED[2]["snapshot"], "schema_version": 99})
    with pytest.raises(SnapshotError, match="fired"):
        dump_snapshot({**STORED[2]["snapshot"], "fired": [{"id": "X"}]})


def test_a_result_answered_by_the_reference_says_so_in_dutch_and_an_older_one_does_not(app, scans):
    """`engine` was added within schema 2: absent (older results) it shows nothing; after a fallback, a notice."""
    from app.engine.reference import REFERENCE, engine_record

    assert "engine" not in STORED[2]["snapshot"]
    fallback = engine_record(REFERENCE, "durable-rules faalde (het engine-proces stopte onverwacht)")
    with_engine = {**STORED[2]["snapshot"], "engine": fallback}
    assert load_snapshot(with_engine)["engine"] == fallback
    plain = store(app, 2)
    STORED[3] = {**STORED[2], "snapshot": with_engine}
    try:
        marked = store(app, 3)
    finally:
        del STORED[3]
    notice = "Uitgerekend met de referentie-evaluator omdat de rule-engine faalde"
    for scan_id, shown in ((plain, False), (marked, True)):
        page = scans.client.get(f"/scans/{scan_id}/resultaat").get_data(as_text=True)
        report = scans.client.get(f"/scans/{scan_id}/rapport").get_data(as_text=True)
        assert (notice in page) is shown and (notice in report) is shown
        pdf = scans.client.get(f"/scans/{scan_id}/rapport.pdf")
        flat = " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages).split())
        assert ("Uitgerekend met de referentie-evaluator" in flat) is shown
    with pytest.raises(SnapshotError):
        load_snapshot({**STORED[2]["snapshot"], "engine": {"fallback": True}})  # an engine without its id


def test_a_fresh_result_records_its_engine(app):
    with app.app_context():
        scan = make_scan("horeca", evaluate=True)
        db.session.commit()
        engine = scan.latest_result.snapshot["engine"]
        assert engine == {"id": "durable-rules", "fallback": False, "note": "", "notice": ""}
