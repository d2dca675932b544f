"""The public rule catalogue and the Algoritmeregister export."""

from tests.conftest import SCANS


def test_catalogue_page_lists_every_indicator_without_login(client, catalogue):
    page = client.get("/catalogus/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for rule in catalogue.rules.values():
        assert f"{rule.id} · {rule.title}" in text
    for scan in SCANS:
        assert catalogue.version(scan) in text
    assert "verhoogd vanaf 8" in text and "Advies Landelijk Bureau Bibob aanvragen" in text
    assert "(artikel nog na te gaan)" in text  # unverified legal bases are marked as such


def test_algoritmeregister_detail_json_keeps_its_dutch_fields(client, catalogue):
    data = client.get("/catalogus/algoritmeregister-toelichting.json").get_json()
    for key in ("doel_en_impact", "wettelijke_basis", "menselijke_tussenkomst", "gegevens", "versies"):
        assert data[key]
    assert data["versies"]["Horecascan"] == catalogue.version("horeca")
    assert data["aantal_actieve_indicatoren"]["Vastgoedscan"] == len(catalogue.rules_for("vastgoed"))
    horeca = next(g for g in data["gegevens"] if g["scan"] == "Horecascan")
    assert "Verwachte jaaromzet" in horeca["vragen_die_meewegen"]
    assert "Justitiële gegevens (Wjsg)" in horeca["bronnen"]
    assert "AVG art. 22" in data["menselijke_tussenkomst"]


def _standard_problems(entry: dict, spec: dict) -> list[str]:
    """An independent reading of the standard's field list: names, required, types, limits, values."""
    problems = [k for k in entry if k not in spec["properties"]]
    for name, field in spec["properties"].items():
        value = entry.get(name)
        if field.get("required") is True and not value:
            problems.append(f"{name} required")
        if isinstance(value, str) and len(value) > field.get("max_length", 10**9):
            problems.append(f"{name} too long")
        if field["type"] == "enum" and value not in field["permitted_values"]:
            problems.append(f"{name} not permitted")
        if field["type"] == "array" and len(value) > field.get("max_items", 10**9):
            problems.append(f"{name} too many")
        for item in value if field["type"] == "array" else []:
            for sub, sub_field in field.get("items", {}).items():
                if len(item[sub]) > sub_field.get("max_length", 10**9) or not item[sub]:
                    problems.append(f"{name}.{sub}")
    return problems


def test_algoritmeregister_json_validates_against_the_standard(app, client, catalogue):
    import json

    from app.paths import ROOT

    spec = json.loads((ROOT / "app" / "services" / "algoritmeregister-1.0.0.json").read_text("utf-8"))
    refused = client.get("/catalogus/algoritmeregister.json")
    assert refused.status_code == 422 and any("contact_email" in f for f in refused.get_json()["fouten"])
    app.config["PUBLICATION"] = {
        **app.config["PUBLICATION"],
        "contact_email": "bibob@voorbeeldstad.nl",
        "dpia_url": "https://voorbeeldstad.nl/dpia-bibob",
        "verwerkingsregister_url": "https://voorbeeldstad.nl/verwerkingsregister#bibob",
        "broncode_url": "https://github.com/voorbeeldstad/bibob-risicoscan",
    }
    data = client.get("/catalogus/algoritmeregister.json").get_json()
    required = ("name", "organization", "description_short", "category", "status", "begin_date", "goal")
    required += ("proportionality", "human_intervention", "risks", "lawful_basis", "impacttoetsen", "source_data")
    required += ("methods_and_models", "publication_category", "contact_email", "url", "process_index_url")
    required += ("publiccode", "lang", "standard_version")
    assert set(required) <= set(data) and set(data) == set(spec["properties"])
    assert _standard_problems(data, spec) == []
    assert data["lang"] == "nld" and data["standard_version"] == "1.0.0"
    assert data["publication_category"] == "Impactvolle algoritmes" and data["organization"] == "Gemeente Voorbeeldstad"
    assert "niet zelflerend" in data["methods_and_models"]
    for basis in ("art. 3", "art. 7a", "art. 28", "art. 6 lid 1 onder e", "art. 10", "Uitvoeringswet AVG"):
        assert basis in data["lawful_basis"]
    assert "Wjsg" in data["lawful_basis"] and "Wet politiegegevens" in data["lawful_basis"]
    assert "Opiumwet" not in data["lawful_basis"]  # the processing's basis, not the indicators' references
    assert "C-634/21" in data["human_intervention"] and "zienswijze (art. 33" in data["human_intervention"]
    assert data["impacttoetsen_grouping"] == [
        {"title": "Data Protection Impact Asssesment (DPIA)", "link": "https://voorbeeldstad.nl/dpia-bibob"}
    ]
    assert "Een automatische test controleert bij elke wijziging van de catalogus alle vragenlijsten" in data["risks"]
    page = client.get("/catalogus/algoritmeregister").get_data(as_text=True)
    assert "Menselijke tussenkomst" in page and "human_intervention" in page and "Download als JSON" in page


def test_a_text_over_the_limit_is_reported():
    from app.services.transparency import validate_publication

    entry = {"name": "x" * 101}
    problems = validate_publication(entry)
    assert any("Naam (name) is 101 tekens; hoogstens 100" in p for p in problems)
    assert any("veld 'organization' ontbreekt" in p for p in problems)


def test_processing_record_is_generated_from_questionnaires_and_settings(app, client, catalogue):
    page = client.get("/catalogus/verwerkingsoverzicht").get_data(as_text=True)
    questionnaire = catalogue.questionnaires["horeca"]
    for step in questionnaire.steps:
        assert step.title in page
    assert "Justitiële gegevens (Wjsg)" in page and "Niet verder verstrekken" in page
    assert f"{app.config['RETENTION_DAYS']} dagen na het besluit" in page
    markdown = client.get("/catalogus/verwerkingsoverzicht.md")
    assert markdown.headers["Content-Type"].startswith("text/markdown")
    text = markdown.get_data(as_text=True)
    label = questionnaire.question("antecedenten_ernstig").label
    row = next(line for line in text.splitlines() if label in line)
    assert "Justitiële gegevens (Wjsg)" in row and "| Ja | Nee |" in row  # art. 10 data, never in a portfolio


def test_publiccode_yml_has_the_keys_the_standard_requires():
    import yaml

    from app.paths import ROOT

    data = yaml.safe_load((ROOT / "publiccode.yml").read_text("utf-8"))
    for key in ("publiccodeYmlVersion", "name", "url", "platforms", "developmentStatus", "softwareType"):
        assert data[key]
    nl = data["description"]["nl"]
    assert len(nl["shortDescription"]) <= 150 and len(nl["longDescription"]) >= 150 and nl["features"]
    assert data["legal"]["license"] and data["maintenance"]["type"] and data["localisation"]["availableLanguages"]
