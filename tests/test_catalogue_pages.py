"""The public rule catalogue and the Algoritmeregister export."""

from app.rules.vocabulary import SCANS


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


def test_algoritmeregister_json_and_page(client, catalogue):
    data = client.get("/catalogus/algoritmeregister.json").get_json()
    for key in ("doel_en_impact", "wettelijke_basis", "menselijke_tussenkomst", "gegevens", "versies"):
        assert data[key]
    assert data["versies"]["Horecascan"] == catalogue.version("horeca")
    assert data["aantal_actieve_indicatoren"]["Vastgoedscan"] == len(catalogue.rules_for("vastgoed"))
    horeca = next(g for g in data["gegevens"] if g["scan"] == "Horecascan")
    assert "Verwachte jaaromzet" in horeca["vragen_die_meewegen"]
    assert "AVG art. 22" in data["menselijke_tussenkomst"]
    page = client.get("/catalogus/algoritmeregister").get_data(as_text=True)
    assert "Menselijke tussenkomst" in page and "Download als JSON" in page
