"""Ruleset versions cover everything an advice depends on; the lock refuses a change without a version bump;
`report verify` takes any stored result, also one made under the earlier version formula."""

from __future__ import annotations

import pytest

from app import create_app
from app.db import db
from app.models import RulesetArchive
from app.rules.loader import ruleset_versions
from app.services.scans import answers_fingerprint
from tests.factories import make_scan


def _version_after(scratch, relative: str, old: str, new: str, scan: str = "horeca") -> tuple[str, str]:
    before = scratch.load().version(scan)
    scratch.edit(relative, old, new)
    return before, scratch.load().version(scan)


@pytest.mark.parametrize(
    ("relative", "old", "new"),
    [
        ("forms/horeca.yaml", "version:", "# a changed label counts too\nversion:"),
        ("forms/_kanalen.yaml", "# Kanalen:", "# Kanalen (gewijzigd):"),
        ("rules/references.yaml", "\n", "\n# gewijzigd\n"),
        ("rules/advies.yaml", "\n", "\n# gewijzigd\n"),
        ("rules/horeca/scoring.yaml", "\n", "\n# gewijzigd\n"),
    ],
)
def test_the_version_changes_with_every_file_an_advice_depends_on(scratch, relative, old, new):
    before, after = _version_after(scratch, relative, old, new)
    assert before != after, relative


def test_a_shared_step_changes_every_scan_that_includes_it(scratch):
    shared = sorted(scratch.forms.glob("_gedeeld/*.yaml"))[0]
    before = scratch.load().versions
    shared.write_text(shared.read_text(encoding="utf-8") + "\n# gewijzigd\n", encoding="utf-8")
    after = scratch.load().versions
    assert any(before[s] != after[s] for s in before)


def test_another_scans_questionnaire_leaves_the_version_alone(scratch):
    before, after = _version_after(scratch, "forms/vastgoed.yaml", "version:", "# x\nversion:")
    assert before == after


def _rules(scratch, command: str):
    """`flask rules <command>` on the scratch catalogue (a fresh app: an app keeps its loaded catalogue)."""
    app = create_app({"ENV_NAME": "testing", "RULES_DIR": str(scratch.rules), "FORMS_DIR": str(scratch.forms)})
    return app.test_cli_runner().invoke(args=["rules", command])


def test_the_lock_refuses_a_changed_rule_without_a_version_bump(scratch):
    assert _rules(scratch, "check").exit_code == 0
    scratch.edit("rules/horeca/HOR-009.yaml", "weight: 4", "weight: 5")
    refused = _rules(scratch, "check")
    assert refused.exit_code == 1
    assert "rules/horeca/HOR-009.yaml: inhoud gewijzigd zonder dat 'version' is opgehoogd" in refused.output
    assert _rules(scratch, "lock").exit_code == 1  # the lock cannot paper over it
    text = scratch.read("rules/horeca/HOR-009.yaml")
    old_version = next(line for line in text.splitlines() if line.startswith("version:"))
    scratch.edit("rules/horeca/HOR-009.yaml", old_version, f"version: {int(old_version.split()[1]) + 1}")
    stale = _rules(scratch, "check")
    assert stale.exit_code == 1 and "wijkt af van versions.lock" in stale.output  # bumped, lock not yet updated
    assert _rules(scratch, "lock").exit_code == 0
    assert _rules(scratch, "check").exit_code == 0


def test_the_lock_refuses_a_changed_form_without_a_version_bump(scratch):
    scratch.edit("forms/horeca.yaml", "version:", "# gewijzigd\nversion:")
    refused = _rules(scratch, "check")
    assert refused.exit_code == 1 and "forms/horeca.yaml: inhoud gewijzigd" in refused.output


def _bump(scratch, relative: str) -> None:
    text = scratch.read(relative)
    old_version = next(line for line in text.splitlines() if line.startswith("version:"))
    scratch.edit(relative, old_version, f"version: {int(old_version.split()[1]) + 1}")


def test_a_changed_shared_step_needs_a_bump_of_every_form_that_includes_it(scratch):
    """Stored scans name their questionnaire version: a shared step edited under five forms bumps all five."""
    from app.rules.versions_lock import included

    before = scratch.load()
    forms = sorted(p.name for p in scratch.forms.glob("*.yaml") if not p.name.startswith("_"))
    including = [f for f in forms if "gedrag" in included(scratch.read(f"forms/{f}"))]
    assert len(including) >= 2
    scratch.edit("forms/_gedeeld/gedrag.yaml", "\n", "\n# gewijzigd\n")
    refused = _rules(scratch, "check")
    assert refused.exit_code == 1
    for form in including:
        assert f"forms/{form}: neemt forms/_gedeeld/gedrag.yaml op, dat is gewijzigd; hoog 'version'" in refused.output
    for form in set(forms) - set(including):
        assert f"forms/{form}: neemt" not in refused.output
    assert _rules(scratch, "lock").exit_code == 1  # the lock cannot paper over it
    for form in including[:-1]:
        _bump(scratch, f"forms/{form}")
    still = _rules(scratch, "check")
    assert still.exit_code == 1 and f"forms/{including[-1]}: neemt forms/_gedeeld/gedrag.yaml op" in still.output
    _bump(scratch, f"forms/{including[-1]}")
    assert _rules(scratch, "lock").exit_code == 0
    assert _rules(scratch, "check").exit_code == 0
    after = scratch.load()
    for form in including:
        scan = form.removesuffix(".yaml")
        assert after.questionnaires[scan].version == before.questionnaires[scan].version + 1
        assert after.version(scan) != before.version(scan)


def test_report_verify_takes_any_result_by_id(app):
    with app.app_context():
        scan = make_scan("horeca", evaluate=True)
        first = scan.latest_result.id
        make_scan("horeca", evaluate=True)
        db.session.commit()
    runner = app.test_cli_runner()
    verified = runner.invoke(args=["report", "verify", "--result", str(first)])
    assert verified.exit_code == 0 and f"Identiek: resultaat {first}" in verified.output, verified.output
    assert runner.invoke(args=["report", "verify", "--result", "999"]).exit_code == 1
    both = runner.invoke(args=["report", "verify", "1", "--result", "1"])
    assert both.exit_code == 2 and "niet beide" in both.output


def test_a_result_stored_under_the_first_version_formula_still_verifies(app, catalogue):
    """A v1 version covered only rules, scoring and advice; its archive holds every file, so it is recomputed."""
    with app.app_context():
        scan = make_scan("vastgoed", evaluate=True)
        result = scan.latest_result
        v1 = ruleset_versions(catalogue, "vastgoed")["v1"]
        assert v1 != result.ruleset_version
        files = db.session.get(RulesetArchive, result.ruleset_version).files
        db.session.add(RulesetArchive(version=v1, scan_type="vastgoed", files=files))
        result.ruleset_version = v1  # as the service stored it before formula v2
        result.answers_hash = answers_fingerprint(result.answers, v1)
        db.session.commit()
        result_id = result.id
    runner = app.test_cli_runner()
    verified = runner.invoke(args=["report", "verify", "--result", str(result_id)])
    assert verified.exit_code == 0 and "Identiek" in verified.output, verified.output
    with app.app_context():  # an archive whose files give the stored version under no formula is a difference
        archive = db.session.get(RulesetArchive, v1)
        changed = dict(archive.files)
        changed["rules/vastgoed/scoring.yaml"] += "\n# gewijzigd\n"
        archive.files = changed
        db.session.commit()
    tampered = runner.invoke(args=["report", "verify", "--result", str(result_id)])
    assert tampered.exit_code == 1 and "archief geeft regelset" in tampered.output


def test_a_model1_archive_must_give_its_stored_version(app, scans):
    """Formula v0 (first advice model) is recomputed from the archived texts; a changed text is a difference."""
    from app.services.reproduce import model1_version
    from tests.test_advice_legacy import FIXTURE, store_model1_result

    assert model1_version(FIXTURE["files"], "horeca") == FIXTURE["ruleset_version"]
    scan_id = store_model1_result(app, scans)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["report", "verify", str(scan_id)]).exit_code == 0
    with app.app_context():
        archive = db.session.get(RulesetArchive, FIXTURE["ruleset_version"])
        files = dict(archive.files)
        name = next(n for n in sorted(files) if n.startswith("rules/horeca/HOR-"))
        files[name] = files[name].replace("title:", "# een andere tekst\ntitle:", 1)  # same outcome, other content
        archive.files = files
        db.session.commit()
    tampered = runner.invoke(args=["report", "verify", str(scan_id)])
    assert tampered.exit_code == 1 and "archief geeft regelset" in tampered.output, tampered.output
