"""The command line: rules check/test/list, scan evaluate, forms check."""

import json

from app import create_app


def test_rules_check_lists_every_scan(runner):
    result = runner.invoke(args=["rules", "check"])
    assert result.exit_code == 0, result.output
    assert "Catalogus in orde." in result.output
    for scan in ("horeca", "risicolocatie", "vastgoed", "bedrijventerrein"):
        assert scan in result.output


def test_rules_check_compiles_every_scan_into_rulesets_within_the_bounds(runner):
    result = runner.invoke(args=["rules", "check"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.strip().startswith("ruleset ")]
    assert len(lines) >= 4 and all("/64 regels" in line and "stapel " in line and "/48" in line for line in lines)


def test_rules_check_refuses_a_rule_too_large_for_one_ruleset_of_the_engine(runner, monkeypatch):
    """The bounds are the compiler's (here made small): a rule that alone exceeds them is named, with the bound."""
    from app.rules import compiler

    monkeypatch.setattr(compiler, "MAX_STACK", 2)
    result = runner.invoke(args=["rules", "check"])
    assert result.exit_code == 1
    assert "is te groot voor de engine:" in result.output and "alfa-knopen tegelijk in behandeling" in result.output
    assert "(hoogstens 2)" in result.output and "Catalogus in orde." not in result.output


def test_rules_check_fails_with_every_fault(scratch):
    scratch.edit("rules/horeca/HOR-004.yaml", "weight: 2", "weight: zwaar")
    scratch.edit("rules/vastgoed/VG-003.yaml", "status: active", "status: misschien")
    app = create_app({"ENV_NAME": "testing", "RULES_DIR": str(scratch.rules), "FORMS_DIR": str(scratch.forms)})
    result = app.test_cli_runner().invoke(args=["rules", "check"])
    assert result.exit_code == 1
    assert "Catalogus geweigerd: 2 fout(en)." in result.output
    assert "rules/horeca/HOR-004.yaml: weight: moet een geheel getal zijn" in result.output
    assert "rules/vastgoed/VG-003.yaml: status: moet een van" in result.output


def test_rules_test_runs_every_case(runner):
    result = runner.invoke(args=["rules", "test"])
    assert result.exit_code == 0, result.output
    passed = int(result.output.strip().splitlines()[-1].split()[0])
    assert passed >= 200 and result.output.strip().endswith("0 failed")


def test_rules_list_filters_by_scan(runner):
    result = runner.invoke(args=["rules", "list", "--scan", "vastgoed"])
    assert result.exit_code == 0
    assert "VG-001" in result.output and "HOR-001" not in result.output and "ALG-001" in result.output


def test_scan_evaluate_json(runner, tmp_path):
    answers = tmp_path / "a.json"
    answers.write_text(
        json.dumps({"vergunningsoort": "beide", "zonder_vergunning_open": True, "drugs_signalen": True}),
        encoding="utf-8",
    )
    result = runner.invoke(args=["scan", "evaluate", "--scan", "horeca", str(answers), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["scan"] == "horeca" and data["score"] == 10 and data["level"] == "verhoogd"
    assert data["context"] == "beschikking_aanvraag" and data["priority"] is None
    assert data["outcome"] == "onderzoek_onvolledig" and len(data["ruleset_version"]) == 16  # essentials open
    assert [(f["id"], f["weight"], f["category"], f["role"]) for f in data["fired"]] == [
        ("HOR-001", 6, "exploitatie", "feit"),
        ("HOR-005", 4, "locatie_pand", "signaal"),
    ]
    assert all(f["title"] for f in data["fired"])


def test_scan_evaluate_text_and_bad_input(runner, tmp_path):
    good = tmp_path / "g.json"
    good.write_text("{}", encoding="utf-8")
    assert "risiconiveau Laag" in runner.invoke(args=["scan", "evaluate", "--scan", "vastgoed", str(good)]).output
    broken = tmp_path / "b.json"
    broken.write_text("{kapot", encoding="utf-8")
    result = runner.invoke(args=["scan", "evaluate", "--scan", "vastgoed", str(broken)])
    assert result.exit_code == 1 and "geen geldige JSON" in result.output
    wrong = tmp_path / "w.json"
    wrong.write_text(json.dumps({"prijsstijging_pct": "hoog"}), encoding="utf-8")
    result = runner.invoke(args=["scan", "evaluate", "--scan", "vastgoed", str(wrong)])
    assert result.exit_code == 2 and "prijsstijging_pct: moet een geheel getal zijn" in result.output


def test_forms_check(runner):
    result = runner.invoke(args=["forms", "check"])
    assert result.exit_code == 0 and "Vragenlijsten in orde." in result.output
