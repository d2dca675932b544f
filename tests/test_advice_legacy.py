"""Results stored under the first advice model keep rendering as stored, with a notice, and still verify."""

from __future__ import annotations

import io
import json
from pathlib import Path

from pypdf import PdfReader

from app.db import db
from app.engine.whatif import what_if
from app.models import RulesetArchive, ScanResult
from app.services.scans import answers_fingerprint

#: A result made by the service before advice model 2 (commit ec3dec6), with the catalogue files it used.
FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "model1_result.json").read_text(encoding="utf-8"))


def store_model1_result(app, scans) -> int:
    """A scan whose latest result is the stored first-model snapshot, with its archived ruleset."""
    scan_id = scans.start("horeca")
    with app.app_context():
        version = FIXTURE["ruleset_version"]
        db.session.add(RulesetArchive(version=version, scan_type="horeca", files=FIXTURE["files"]))
        db.session.add(
            ScanResult(
                scan_id=scan_id,
                ruleset_version=version,
                questionnaire_version=1,
                score=FIXTURE["snapshot"]["score"],
                level=FIXTURE["snapshot"]["level"],
                outcome=FIXTURE["snapshot"]["outcome"],
                answers=FIXTURE["answers"],
                snapshot=FIXTURE["snapshot"],
                answers_hash=answers_fingerprint(FIXTURE["answers"], version),
                created_by="Officer",
            )
        )
        db.session.commit()
    return scan_id


def test_a_model1_result_renders_as_stored_with_a_notice(app, scans):
    scan_id = store_model1_result(app, scans)
    page = scans.client.get(f"/scans/{scan_id}/resultaat").get_data(as_text=True)
    assert "gemaakt onder het eerdere adviesmodel" in page
    assert "Ernstig gevaar" in page and FIXTURE["snapshot"]["summary"] in page
    pdf = scans.client.get(f"/scans/{scan_id}/rapport.pdf")
    text = " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages).split())
    assert "eerdere adviesmodel" in text and "Ernstig gevaar" in text
    assert f"score {FIXTURE['snapshot']['score']}".lower() in text.lower()


def test_report_verify_still_proves_a_model1_result(app, scans):
    scan_id = store_model1_result(app, scans)
    runner = app.test_cli_runner()
    verified = runner.invoke(args=["report", "verify", str(scan_id)])
    assert verified.exit_code == 0 and "Identiek" in verified.output, verified.output
    with app.app_context():
        result = db.session.scalars(db.select(ScanResult).where(ScanResult.scan_id == scan_id)).one()
        result.snapshot = {**result.snapshot, "level": "laag"}
        db.session.commit()
    tampered = runner.invoke(args=["report", "verify", str(scan_id)])
    assert tampered.exit_code == 1 and "verschil in 'level'" in tampered.output


def test_the_what_if_of_a_model1_result_uses_its_own_stored_outcomes():
    snapshot = FIXTURE["snapshot"]
    assert "advice_model" not in snapshot
    without = what_if(snapshot, {"ALG-008"})
    assert without["outcome"] == snapshot["level_outcomes"][without["level"]]["outcome"]
    assert without["outcome_label"] == snapshot["level_outcomes"][without["level"]]["label"]
