"""Regression tests for the input findings of the attack run: M4, M5, L1, L2, L3, L4, L5, L6, L12."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.db import db
from app.models import Portfolio, PortfolioRow, Scan
from app.models.portfolio import PORTFOLIO_DONE
from tests.conftest import login
from tests.test_api import token_for
from tests.test_portfolio import register_csv, uploaded
from tests.test_wizard import COMMON, REQUIRED


def _answers(app, scan_id: int) -> dict:
    with app.app_context():
        return db.session.get(Scan, scan_id).answers()


@pytest.mark.parametrize("typed", ["8.5", "2.5", "0.5", "0.001"])
def test_m4_a_decimal_is_never_read_as_a_whole_number(app, scans, typed):
    scan_id = scans.start("horeca")
    response = scans.post_step(scan_id, "exploitatie", {"contant_aandeel_pct": typed})
    assert response.status_code == 422 and "geheel getal" in response.get_data(as_text=True)
    assert "contant_aandeel_pct" not in _answers(app, scan_id)


def test_m4_thousands_dots_still_work(app, scans):
    scan_id = scans.start("horeca")
    assert scans.post_step(scan_id, "exploitatie", {"zitplaatsen": "1.200"}).status_code == 302
    assert _answers(app, scan_id)["zitplaatsen"] == 1200


def test_m4_a_register_cell_8_5_is_refused_not_85(app, client):
    login(client, "officer")
    header = "naam;contant_aandeel_pct"
    portfolio_id = uploaded(client, register_csv(["Café Punt (fictief);8.5", "Café Goed (fictief);8"], header=header))
    with app.app_context():
        portfolio = db.session.get(Portfolio, portfolio_id)
        assert portfolio.status == PORTFOLIO_DONE
        assert {(e["row"], e["column"]) for e in portfolio.errors} == {(2, "contant_aandeel_pct")}
        assert [r.subject_name for r in db.session.scalars(select(PortfolioRow))] == ["Café Goed (fictief)"]


def test_m5_amounts_the_engine_cannot_hold_are_refused(app, scans, client):
    scan_id = scans.start("horeca")
    refused = scans.post_step(
        scan_id, "aanvraag", REQUIRED["horeca"] | {"overname": True, "overnamesom": "10.000.000.000.000.000"}
    )
    assert refused.status_code == 422 and "kleiner zijn dan" in refused.get_data(as_text=True)
    headers = {"Authorization": f"Bearer {token_for(app, 'officer')}"}
    for amount in (1e16, 1e308, 1.23e29):
        body = {"answers": REQUIRED["horeca"] | {"overname": True, "overnamesom": amount}}
        response = client.put(f"/api/v1/scans/{scan_id}/steps/aanvraag", json=body, headers=headers)
        assert response.status_code == 422, amount
    ok = scans.post_step(
        scan_id, "aanvraag", REQUIRED["horeca"] | {"overname": True, "overnamesom": "999.999.999.999.999"}
    )
    assert ok.status_code == 302


def test_m5_one_huge_amount_is_a_row_error_not_a_failed_register(app, client):
    login(client, "officer")
    rows = ["Café Groot (fictief);ja;10000000000000000", "Café Klein (fictief);ja;250.000"]
    portfolio_id = uploaded(client, register_csv(rows, header="naam;overname;overnamesom"))
    with app.app_context():
        portfolio = db.session.get(Portfolio, portfolio_id)
        assert portfolio.status == PORTFOLIO_DONE and portfolio.evaluated_rows == 1
        assert {(e["row"], e["column"]) for e in portfolio.errors} == {(2, "overnamesom")}


@pytest.mark.parametrize(
    "url",
    [
        "/scans/9223372036854775808",
        "/scans/2147483648/resultaat",
        "/portfolio/99999999999999999999",
        "/api/v1/scans/2147483648",
    ],
)
def test_l1_ids_beyond_the_database_range_are_404(app, client, url):
    login(client, "officer")
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/scans/?page=99999999999999999999",
        "/audit?scan=99999999999999999999",
        "/api/v1/scans?page=99999999999999999999",
    ],
)
def test_l1_huge_page_numbers_are_never_a_500(app, client, url):
    login(client, "admin" if url.startswith("/audit") else "officer")
    assert client.get(url).status_code in (200, 400, 422)


def test_l1_huge_portfolio_page_and_row_numbers(app, client):
    login(client, "officer")
    portfolio_id = uploaded(client, register_csv(["Café Een (fictief)"], header="naam"))
    assert client.get(f"/portfolio/{portfolio_id}?page=99999999999999999999").status_code == 200
    assert client.get(f"/portfolio/{portfolio_id}/controlebrief?rij=99999999999999999999").status_code < 500


@pytest.mark.parametrize(
    "body",
    [
        '{"answers": {"zitplaatsen": ' + "1" * 5001 + "}}",
        '{"answers": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"answers": {"opmerkingen_aanvraag": "abc \\ud800 def"}}',
        '{"answers": {"opmerkingen_aanvraag": "a\\u0000b"}}',
    ],
)
def test_l2_l5_l6_malformed_json_is_400_with_a_dutch_message(app, client, body):
    headers = {"Authorization": f"Bearer {token_for(app, 'officer')}", "Content-Type": "application/json"}
    created = client.post(
        "/api/v1/scans", json={"scan_type": "horeca", "subject_name": "JSON (fictief)"}, headers=headers
    )
    scan_id = created.get_json()["id"]
    response = client.put(f"/api/v1/scans/{scan_id}/steps/gedrag", data=body, headers=headers)
    assert response.status_code == 400
    assert response.get_json()["message"].startswith(("Geen geldige JSON", "De tekst bevat", "De gegevens"))
    assert client.get(f"/api/v1/scans/{scan_id}", headers=headers).status_code == 200


def test_l5_lone_surrogate_in_a_new_scan_is_refused(app, client):
    headers = {"Authorization": f"Bearer {token_for(app, 'officer')}", "Content-Type": "application/json"}
    response = client.post(
        "/api/v1/scans", data='{"scan_type": "horeca", "subject_name": "Zaak \\udfff"}', headers=headers
    )
    assert response.status_code == 400


@pytest.mark.parametrize("url", ["/scans/?q=a%00b", "/portfolio/?q=a%00b"])
def test_l6_nul_bytes_in_query_and_form_are_refused(app, client, url):
    login(client, "officer")
    assert client.get(url).status_code == 400
    response = client.post("/scans/nieuw", data={"scan_type": "horeca", "subject_name": "Nul\x00byte"})
    assert response.status_code == 400 and "ongeldig teken" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Scan).where(Scan.subject_name.like("Nul%"))) is None


def test_l6_a_nul_byte_late_in_a_register_refuses_the_file_with_a_reason(app, client):
    login(client, "officer")
    rows = [f"Café {i} (fictief)" for i in range(600)] + ["Café \x00 (fictief)"]
    from tests.test_portfolio import upload

    response = upload(client, register_csv(rows, header="naam"))
    assert response.status_code == 422 and "NUL" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Portfolio)) is None


def test_l4_persons_beyond_the_limit_are_refused_not_dropped(app, scans):
    scan_id = scans.start("horeca")
    form = {}
    for i in range(60):
        form[f"betrokken_personen-{i}-naam"] = f"Persoon {i} (fictief)"
        form[f"betrokken_personen-{i}-rol"] = "bestuurder"
    response = scans.post_step(scan_id, "betrokkenen", form)
    assert response.status_code == 422 and "hoogstens 50 personen" in response.get_data(as_text=True)
    far = {"betrokken_personen-75-naam": "Ver weg (fictief)", "betrokken_personen-75-rol": "bestuurder"}
    assert scans.post_step(scan_id, "betrokkenen", far).status_code == 422
    assert "betrokken_personen" not in _answers(app, scan_id)


@pytest.mark.parametrize(
    "content",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"zitplaatsen": ' + "1" * 5001 + "}",
        '{"opmerkingen_aanvraag": "\\ud800"}',
        '{"overnamesom": 1e308}',
    ],
)
def test_l3_cli_refuses_malformed_answers_without_a_traceback(runner, tmp_path, content):
    path = tmp_path / "antwoorden.json"
    path.write_text(content, encoding="utf-8")
    for args in (
        ["scan", "evaluate", "--scan", "horeca", str(path), "--json"],
        ["report", "pdf", "--scan", "horeca", "--answers", str(path), "-o", str(tmp_path / "r.pdf")],
    ):
        result = runner.invoke(args=args)
        assert result.exit_code in (1, 2), result.output
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_l12_csv_downloads_name_the_charset_once(app, client):
    login(client, "officer")
    portfolio_id = uploaded(client, register_csv(["Café Een (fictief)"], header="naam"))
    response = client.get(f"/portfolio/{portfolio_id}/export.csv")
    assert response.headers["Content-Type"].count("charset") == 1


def test_scan_answers_still_round_trip(app, scans):
    """The strict parsing changes no valid answer: a full walk still evaluates."""
    scan_id = scans.start("horeca")
    scans.fill(scan_id, "horeca", REQUIRED["horeca"] | COMMON | {"overname": True, "overnamesom": "1.250.000,50"})
    assert scans.evaluate(scan_id).status_code == 302
    assert _answers(app, scan_id)["overnamesom"] == 1250000.5
    assert json.dumps(_answers(app, scan_id))


# --- C2: spreadsheet bombs ---------------------------------------------------------------------------------


def _xlsx_with_sheet(sheet_xml: str) -> bytes:
    """A real workbook (openpyxl) whose first worksheet XML is replaced by `sheet_xml`."""
    import io
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    book.active["A1"] = "naam"
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = sheet_xml.encode() if item.filename == "xl/worksheets/sheet1.xml" else src.read(item)
            dst.writestr(item, data)
    return out.getvalue()


SHEET = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dimension}<sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>naam</t></is></c></row>{far}</sheetData></worksheet>'
)


@pytest.mark.parametrize(
    "dimension, far, reason",
    [
        (  # the 1.5 KB file that made calamine allocate 512 GB and abort the server
            '<dimension ref="A1:XFD1048576"/>',
            '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>',
            "rij 1.048.576",
        ),
        (  # cells at A1 and ALL100000: a correct refusal, but after 4 GB and 13 s
            "",
            '<row r="100000"><c r="ALL100000" t="inlineStr"><is><t>x</t></is></c></row>',
            "rij 100.000",
        ),
        ('<dimension ref="A1:ZZ30000"/>', "", "kolom 702"),
        ("", '<row r="30000"><c r="GR30000"><v>1</v></c></row>', "cellen"),
    ],
)
def test_c2_spreadsheet_bombs_are_refused_before_they_are_read(catalogue, dimension, far, reason):
    import resource

    from app.portfolio.columns import columns_for
    from app.portfolio.reader import RegisterRefused, read_register

    data = _xlsx_with_sheet(SHEET.format(dimension=dimension, far=far))
    assert len(data) < 10_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(RegisterRefused) as refused:
        read_register(data, "bom.xlsx", columns_for(catalogue.questionnaires["horeca"]))
    assert reason in " ".join(refused.value.messages)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 200  # the process peak did not grow by the range calamine would have allocated


def test_c2_zip_bomb_is_refused_by_unpacked_size(catalogue):
    from app.portfolio.columns import columns_for
    from app.portfolio.reader import RegisterRefused, read_register

    rows = "".join(f'<row r="{i}"><c r="A{i}"><v>1</v></c></row>' for i in range(2, 3))
    padding = "<!--" + " " * (130 * 1024 * 1024) + "-->"
    data = _xlsx_with_sheet(SHEET.format(dimension="", far=rows + padding))
    assert len(data) < 1_000_000
    with pytest.raises(RegisterRefused, match="uitgepakt groter"):
        read_register(data, "bom.xlsx", columns_for(catalogue.questionnaires["horeca"]))


def test_c2_the_bomb_upload_answers_with_a_dutch_refusal(app, client):
    from tests.test_portfolio import upload

    login(client, "officer")
    data = _xlsx_with_sheet(
        SHEET.format(
            dimension='<dimension ref="A1:XFD1048576"/>',
            far='<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>',
        )
    )
    response = upload(client, data, filename="bom.xlsx")
    assert response.status_code == 422 and "Het werkblad loopt tot rij" in response.get_data(as_text=True)
    assert client.get("/health").status_code == 200


def test_c2_a_very_long_csv_line_is_refused(catalogue):
    from app.portfolio.columns import columns_for
    from app.portfolio.reader import RegisterRefused, read_register

    data = ("naam\n" + ";" * 8_000_000 + "\n").encode()
    with pytest.raises(RegisterRefused, match="langer dan"):
        read_register(data, "lang.csv", columns_for(catalogue.questionnaires["horeca"]))


# --- L8, L10, L11 -------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["＝1+1", "＋31 6 1234", "＠SUM(A1)", "－2+3", " =1+1"])
def test_l8_full_width_formula_characters_are_neutralised_in_exports(value):
    from app.services.exports import csv_bytes, safe_cell

    assert safe_cell(value) == "'" + value
    assert ("'" + value).encode() in csv_bytes(["naam"], [[value]])
    assert safe_cell("-1,5") == "-1,5" and safe_cell("Café ＝ goed") == "Café ＝ goed"


def test_l10_a_duplicate_key_in_a_rule_file_is_refused(scratch, runner, app):
    from app.rules.errors import CatalogueError

    scratch.edit("rules/horeca/HOR-004.yaml", "weight: 2", "weight: 2\nweight: 1")
    with pytest.raises(CatalogueError, match="dubbele sleutel 'weight'"):
        scratch.load()


def test_l10_a_duplicate_key_in_a_questionnaire_is_refused(scratch):
    from app.rules.errors import CatalogueError

    text = scratch.read("forms/horeca.yaml")
    scratch.write("forms/horeca.yaml", text.replace("version:", "version: 99\nversion:", 1))
    with pytest.raises(CatalogueError, match="dubbele sleutel 'version'"):
        scratch.load()


def test_l11_search_terms_never_reach_the_access_log(app, caplog):
    import contextlib
    import logging
    import threading
    import urllib.request

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            base = f"http://127.0.0.1:{server.server_port}"
            for path in ("/scans/?q=Geheimstraat", "/api/v1/scans?q=Vergulde", "/catalogus/?q=Jansen"):
                with contextlib.suppress(OSError):  # a 401 or a redirect to the login page is fine
                    urllib.request.urlopen(base + path, timeout=10)
    finally:
        server.shutdown()
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("/scans/?…" in line for line in lines), lines
    assert not any(term in line for line in lines for term in ("Geheimstraat", "Vergulde", "Jansen"))
