"""Provenance of every fact: each question's channel and shareability, declared in forms/_kanalen.yaml,
shown in the snapshot, the report, the wizard and the API; old snapshots still render."""

from __future__ import annotations

import copy
import datetime as dt
import re

import pytest

from app.db import db
from app.models import Scan
from app.reports.context import build_context
from app.reports.render import render_report_html
from app.rules.errors import CatalogueError
from tests.conftest import SCANS
from tests.test_api import api  # noqa: F401  (fixture)
from tests.test_reports import evaluated_scan, pdf_text


def test_every_question_of_every_scan_has_a_declared_channel_and_shareability(catalogue):
    table = catalogue.questionnaires["horeca"].channels
    for questionnaire in catalogue.questionnaires.values():
        assert questionnaire.channels is table  # one table for all scans
        for q in questionnaire.questions.values():
            p = q.provenance
            assert p.channel in table.channels and p.shareability in table.shareabilities
            assert (p.partner is not None) == (p.channel == "partner")
    q = catalogue.questionnaires["horeca"].questions
    assert q["antecedenten_ernstig"].provenance.channel_label == "Justitiële gegevens (Wjsg)"
    assert q["omg_banden"].provenance.label.startswith("Informatie van een partner: Politie")
    assert q["eerder_pand_gesloten"].provenance.criminal and not q["eerder_pand_gesloten"].provenance.portfolio
    for own in ("ontwijkend_gedrag", "druk_intimidatie", "identificatie_geweigerd", "vragenformulier_status"):
        assert q[own].source == "eigen_onderzoek"  # the officer's own observation, not the applicant's statement


def test_the_report_shows_the_channel_and_shareability_of_every_answer(app, scans):
    scan_id = evaluated_scan(scans, "horeca")
    with app.app_context():
        snapshot = db.session.get(Scan, scan_id).latest_result.snapshot
    assert snapshot["answered"] and all(a["source_label"] and a["shareability_label"] for a in snapshot["answered"])
    assert all("shareability" in t for f in snapshot["fired"] for t in f["triggers"])
    html = scans.client.get(f"/scans/{scan_id}/rapport").get_data(as_text=True)
    appendix = html[html.index("Bijlage: ingevulde antwoorden") :]
    answers = re.findall(r"<dd>(.*?)</dd>", appendix, re.S)
    assert len(answers) == len(snapshot["answered"])
    for row, dd in zip(snapshot["answered"], answers, strict=True):
        assert row["source_label"] in dd and row["shareability_label"] in dd
    behaviour = next(a for a in snapshot["answered"] if a["question"] == "vragenformulier_status")
    assert behaviour["source_label"] == "Eigen onderzoek gemeente"
    flat = " ".join(pdf_text(scans.client.get(f"/scans/{scan_id}/rapport.pdf").data)[0].split())
    assert "Eigen onderzoek gemeente · Vertrouwelijk – alleen binnen de Bibob-procedure" in flat


def test_an_old_snapshot_without_channel_fields_renders_as_stored(app, scans):
    scan_id = evaluated_scan(scans, "horeca")
    with app.app_context():
        snapshot = copy.deepcopy(db.session.get(Scan, scan_id).latest_result.snapshot)
    for row in snapshot["answered"] + [t for f in snapshot["fired"] for t in f["triggers"]]:
        for key in ("source_label", "partner", "shareability", "shareability_label", "criminal"):
            row.pop(key, None)
    context = build_context(
        snapshot, subject_name="Oud (fictief)", author="x", evaluated_at=dt.datetime(2026, 1, 1), fingerprint="f"
    )
    with app.test_request_context():
        html = render_report_html(context)
    assert "Opgave aanvrager (Bibob-vragenformulier)" in html and "Oud (fictief)" in html


def test_the_wizard_and_the_api_show_the_channel(app, scans, api):  # noqa: F811
    scan_id = scans.start("horeca")
    page = scans.client.get(f"/scans/{scan_id}/stap/antecedenten").get_data(as_text=True)
    assert "Bron van dit antwoord: Justitiële gegevens (Wjsg) · Niet verder verstrekken" in page
    types = api("GET", "/api/v1/scan-types").get_json()
    horeca = next(t for t in types if t["id"] == "horeca")
    questions = {q["id"]: q for s in horeca["steps"] for q in s["questions"]}
    assert questions["omg_banden"]["partner"] == "politie" and questions["omg_banden"]["shareability"] == "partner"
    assert questions["antecedenten_ernstig"]["criminal"] is True


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("    source: justitie\n", "    source: roddel\n", "onbekend kanaal 'roddel'"),
        ("    partner: andere_gemeente\n", "", "noem welke partner"),
    ],
)
def test_a_question_with_an_unknown_channel_or_without_its_partner_is_refused(scratch, old, new, reason):
    scratch.edit("forms/_gedeeld/antecedenten.yaml", old, new)
    with pytest.raises(CatalogueError) as err:
        scratch.load()
    assert reason in str(err.value) and "forms/_gedeeld/antecedenten.yaml" in str(err.value)


def test_a_faulty_channel_table_is_refused_whole(scratch):
    scratch.edit(
        "forms/_kanalen.yaml",
        "    deelbaarheid: strafrechtelijk\n    portfolio: false\n    strafrechtelijk: true\n  politie:",
        "    deelbaarheid: geheim\n    portfolio: false\n    strafrechtelijk: true\n  politie:",
    )
    with pytest.raises(CatalogueError) as err:
        scratch.load()
    assert "forms/_kanalen.yaml: kanalen.justitie.deelbaarheid: onbekende deelbaarheid 'geheim'" in str(err.value)


def test_changing_the_channel_table_changes_every_questionnaire_version(scratch, catalogue):
    scratch.edit("forms/_kanalen.yaml", "label: Open bron (internet", "label: Openbare bron (internet")
    changed = scratch.load()
    for scan in SCANS:
        assert changed.questionnaires[scan].content_hash != catalogue.questionnaires[scan].content_hash
