"""Portfolio scans: a register (CSV/XLSX) evaluated row by row, ranked, filtered, exported, opened as scan."""

from __future__ import annotations

import csv
import io
import random
import re

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.db import db
from app.models import AuditEntry, Portfolio, PortfolioRow, Scan
from app.models.portfolio import PORTFOLIO_DONE, PORTFOLIO_FAILED
from app.paths import EXAMPLES_DIR
from app.portfolio.batch import evaluate_register
from app.portfolio.columns import columns_for, read_cell, write_cell
from app.portfolio.reader import RegisterRefused, read_register
from app.rules.conditions import is_answered
from app.services import portfolios as svc
from app.services.exports import safe_cell
from tests.conftest import SCANS, login
from tests.test_engine import random_answers

HEADER = (
    "naam;adres;kvk;overname;overnamesom;financieringsbronnen;drugs_signalen;contant_aandeel_pct;zaak_leeg;"
    "contante_betalingen_bedrag"
)
# "buitenlandse_financier" is a legacy option: still accepted in a register, never scored (issue 12).
GOOD = [
    "Café Rustig (fictief);Laan 1, Voorbeeldstad;12345678;nee;;eigen_vermogen;nee;10;nee;",
    "Bar Zwaar (fictief);Plein 2, Voorbeeldstad;;ja;250.000;contante_lening | buitenlandse_financier;ja;90;ja;60.000",
    "Eetcafé Midden (fictief);Weg 3, Voorbeeldstad;;nee;;;ja;;;",
]
BAD = [
    "Twijfel (fictief);;;nee;;;misschien;10;;",  # row 5: not ja/nee
    "Onlogisch (fictief);;;nee;100.000;;;;;",  # row 6: overnamesom without overname
    ";Zonder naam 7;;;;;;;;",  # row 7: no name
    "Te veel (fictief);;;;;;;150;;",  # row 8: out of range
]


def register_csv(rows: list[str], header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def upload(client, data: bytes, filename: str = "register.csv", scan_type: str = "horeca", name: str = "Test"):
    form = {"scan_type": scan_type, "name": name, "bestand": (io.BytesIO(data), filename)}
    return client.post("/portfolio/nieuw", data=form, content_type="multipart/form-data")


def uploaded(client, data: bytes, **kwargs) -> int:
    response = upload(client, data, **kwargs)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rsplit("/", 1)[1])


# --- cells and files (pure) ----------------------------------------------------------------------


def test_cells_are_read_as_people_and_spreadsheets_write_them(catalogue):
    q = catalogue.questionnaires["horeca"].questions
    assert read_cell(q["overname"], "Ja") == (True, None)
    assert read_cell(q["overname"], "n") == (False, None)
    assert read_cell(q["overname"], True) == (True, None)
    assert read_cell(q["overname"], "onbekend") == (None, None)
    assert read_cell(q["overname"], "misschien")[1] == "'misschien' is geen ja of nee"
    assert read_cell(q["overnamesom"], "€ 12.500,50") == (12500.5, None)
    assert read_cell(q["overnamesom"], 12500) == (12500.0, None)
    assert read_cell(q["contant_aandeel_pct"], 40.0) == (40, None)
    assert read_cell(q["contant_aandeel_pct"], "40,5")[1] is not None
    label = q["inrichting_type"].options[0].label
    assert read_cell(q["inrichting_type"], label.upper()) == (q["inrichting_type"].options[0].value, None)
    assert read_cell(q["financieringsbronnen"], "bank | Eigen vermogen; bank")[0] == ["bank", "eigen_vermogen"]
    assert read_cell(q["kvk_nummer"], 1234567.0) == ("01234567", None)


@pytest.mark.parametrize("scan", list(SCANS))
def test_every_answer_survives_export_and_reupload(catalogue, scan):
    """write_cell then read_cell gives the same value, for random answers to every column of every scan."""
    questionnaire = catalogue.questionnaires[scan]
    rnd = random.Random(7)
    columns = columns_for(questionnaire)[3:]
    for _ in range(30):
        answers = random_answers(questionnaire, rnd)
        for column in columns:
            value = answers.get(column.name)
            if not is_answered(value):
                continue
            assert read_cell(column.question, write_cell(column.question, value)) == (value, None), column.name


def test_header_faults_refuse_the_whole_file_with_every_reason(catalogue):
    columns = columns_for(catalogue.questionnaires["horeca"])
    with pytest.raises(RegisterRefused) as refused:
        read_register(b"adres;overnamsom;overname;overname\nx;1;ja;ja\n", "r.csv", columns)
    messages = refused.value.messages
    assert "Onbekende kolom 'overnamsom'. Bedoelt u 'overnamesom'?" in messages
    assert "Kolom 'overname' staat er meer dan één keer in." in messages
    assert "De kolom 'naam' ontbreekt; die is verplicht." in messages
    with pytest.raises(RegisterRefused, match="leeg"):
        read_register(b"", "r.csv", columns)
    with pytest.raises(RegisterRefused, match="geen gegevensrijen"):
        read_register(b"naam;adres\n", "r.csv", columns)
    with pytest.raises(RegisterRefused, match="meer dan 2 rijen"):
        read_register(b"naam\na1\na2\na3\n", "r.csv", columns, max_rows=2)
    with pytest.raises(RegisterRefused, match="XLSX-bestand is niet te lezen"):
        read_register(b"PK\x03\x04rubbish", "r.xlsx", columns)
    with pytest.raises(RegisterRefused, match="geen CSV- of XLSX"):
        read_register(b"\x00\x01\x02binary", "r.csv", columns)


def test_csv_dialects_and_encodings_are_recognised(catalogue):
    columns = columns_for(catalogue.questionnaires["horeca"])
    comma = read_register("naam,adres\nCafé Één,Straat 1\n".encode(), "r.csv", columns)
    windows = read_register("naam;adres\nCafé Één;Straat 1\n".encode("cp1252"), "r.csv", columns)
    tabs = read_register("\ufeffnaam\tadres\nCafé Één\tStraat 1\n".encode(), "r.csv", columns)
    for register in (comma, windows, tabs):
        assert register.rows == ((2, {"naam": "Café Één", "adres": "Straat 1"}),)


def test_xlsx_cells_keep_their_types(catalogue, evaluator):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["naam", "kvk", "overname", "overnamesom", "contant_aandeel_pct"])
    sheet.append(["Café Excel (fictief)", 1234567, True, 150000.5, 80])
    out = io.BytesIO()
    workbook.save(out)
    register = read_register(out.getvalue(), "r.xlsx", columns_for(catalogue.questionnaires["horeca"]))
    outcome = evaluate_register(evaluator, "horeca", register)
    assert outcome.errors == []
    (row,) = outcome.results
    assert row.kvk == "01234567"
    expected = {"overname": True, "overnamesom": 150000.5, "contant_aandeel_pct": 80}
    assert row.answers == expected | {"kvk_nummer": "01234567"}  # one KvK number: the column fills the answer


@pytest.mark.parametrize("scan", list(SCANS))
def test_example_registers_load_without_faults(catalogue, evaluator, scan):
    path = EXAMPLES_DIR / f"{scan}-register.csv"
    register = read_register(path.read_bytes(), path.name, columns_for(catalogue.questionnaires[scan]))
    outcome = evaluate_register(evaluator, scan, register)
    assert outcome.errors == []
    assert len(outcome.results) == len(register.rows) >= 6


def test_one_kvk_number_per_row_column_kvk_and_the_kvk_question_fill_each_other(catalogue, evaluator):
    """The KvK number is one fact: `kvk` fills `kvk_nummer` and back; two different numbers are a row fault."""
    from app.portfolio.batch import evaluate_row

    questionnaire = catalogue.questionnaires["horeca"]
    base = {"naam": "Café Eén (fictief)", "adres": "", "vergunningsoort": "beide", "inrichting_type": "cafe_bar"}
    result, faults = evaluate_row(evaluator, questionnaire, 2, base | {"kvk": "12345678"})
    assert faults == [] and result.answers["kvk_nummer"] == "12345678" and result.kvk == "12345678"
    result, faults = evaluate_row(evaluator, questionnaire, 3, base | {"kvk": "", "kvk_nummer": "87654321"})
    assert faults == [] and result.kvk == "87654321"
    result, faults = evaluate_row(evaluator, questionnaire, 4, base | {"kvk": "12345678", "kvk_nummer": "87654321"})
    assert result is None
    assert [(f.row, f.column) for f in faults] == [(4, "kvk_nummer")]
    assert "verschilt van kolom 'kvk' (12345678)" in faults[0].message


def test_rows_of_remembered_sound_cells_get_what_the_full_checks_give(catalogue):
    """A row whose every cell appeared in a sound row takes the remembered answers (issue 18): the same answers and
    order as the full checks, and a combination that does not apply (show_if) or a bad cell is still refused."""
    from app.portfolio import batch

    questionnaire = catalogue.questionnaires["horeca"]
    mixed = "Samen (fictief);;;nee;250.000;;ja;90;;"  # each cell from a sound row, overnamesom without overname
    rows = [*GOOD, *GOOD, mixed, BAD[0]]
    register = read_register(register_csv(rows), "r.csv", columns_for(questionnaire))
    batch._sound_cells.cache_clear()
    remembered = [batch.row_answers(questionnaire, n, cells) for n, cells in register.rows]
    assert all(batch._fast_answers(questionnaire, cells) is not None for _, cells in register.rows[3:7])
    full = []
    for number, cells in register.rows:
        batch._sound_cells.cache_clear()  # nothing remembered: every row through the full checks
        full.append(batch.row_answers(questionnaire, number, cells))
    assert remembered == full
    assert [list(a) for a, _ in remembered[3:6]] == [list(a) for a, _ in full[:3]] and remembered[4][0]
    assert [(e.row, e.column) for e in remembered[6][1]] == [(8, "overnamesom")]
    assert remembered[6][1][0].message.startswith("vraag geldt alleen als")
    assert [(e.column, e.message) for e in remembered[7][1]] == [("drugs_signalen", "'misschien' is geen ja of nee")]


def test_batch_ranks_by_the_same_score_as_a_single_evaluation(catalogue, evaluator):
    """Each row's triage equals evaluate() of its answers, and the ranking is by level, then score."""
    questionnaire = catalogue.questionnaires["horeca"]
    columns = columns_for(questionnaire)
    rnd = random.Random(3)
    lines = [";".join(c.name for c in columns)]
    for i in range(60):
        answers = {}
        for q in questionnaire.questions.values():
            if q.shown(answers) and q.type != "personen" and (v := random_answers(questionnaire, rnd).get(q.id)):
                answers[q.id] = v
        cells = [f"Zaak {i}", "", ""] + [write_cell(c.question, answers.get(c.name)) for c in columns[3:]]
        lines.append(";".join(cells))
    register = read_register("\n".join(lines).encode(), "r.csv", columns)
    outcome = evaluate_register(evaluator, "horeca", register)
    assert outcome.errors == []
    for row in outcome.results:
        full = evaluator.evaluate("horeca", row.answers)
        assert (row.score, row.level) == (full.score.total, full.score.level)
        assert row.outcome == ("controle_prioriteit" if row.fired else "geen_aanwijzingen")
        assert set(row.fired) == {f.rule.id for f in full.fired}
    keys = [r.rank_key() for r in outcome.results]
    assert keys == sorted(keys)


# --- upload in the web app -----------------------------------------------------------------------


def test_upload_stores_good_rows_ranked_and_reports_bad_rows_per_row_and_column(app, client):
    login(client, "officer")
    portfolio_id = uploaded(client, register_csv(GOOD + BAD))
    page = client.get(f"/portfolio/{portfolio_id}").get_data(as_text=True)
    assert "3 van 7 rijen beoordeeld" in page
    assert "4 rijen met fouten" in page
    with app.app_context():
        portfolio = db.session.get(Portfolio, portfolio_id)
        assert portfolio.status == PORTFOLIO_DONE
        rows = db.session.scalars(select(PortfolioRow).order_by(PortfolioRow.rank)).all()
        assert rows[0].subject_name == "Bar Zwaar (fictief)"
        assert rows[0].level == "hoog" and "HOR-005" in rows[0].fired  # use by guests: a signal, no knock-out
        assert rows[-1].subject_name == "Café Rustig (fictief)"
        assert [r.score for r in rows] == sorted((r.score for r in rows), reverse=True)
        assert {r.subject_name for r in rows} == {
            "Café Rustig (fictief)",
            "Bar Zwaar (fictief)",
            "Eetcafé Midden (fictief)",
        }
        assert sum(portfolio.level_counts.values()) == 3
        errors = {(e["row"], e["column"]) for e in portfolio.errors}
        assert errors == {(5, "drugs_signalen"), (6, "overnamesom"), (7, "naam"), (8, "contant_aandeel_pct")}
    report = client.get(f"/portfolio/{portfolio_id}/fouten").get_data(as_text=True)
    assert "&#39;misschien&#39; is geen ja of nee" in report
    assert "vraag geldt alleen als Gaat het om de overname van een bestaande zaak? is ja" in report
    assert "waarde moet tussen 0 en 100 liggen" in report


def test_a_refused_file_stores_nothing_and_says_why(app, client):
    login(client, "officer")
    response = upload(client, b"naam;onzin\nx;y\n")
    assert response.status_code == 422
    assert "Onbekende kolom &#39;onzin&#39;." in response.get_data(as_text=True)
    response = upload(client, b"naam\nx\n", filename="register.pdf")
    assert "Alleen CSV- of XLSX-bestanden" in response.get_data(as_text=True)
    response = upload(client, register_csv(GOOD), name="")
    assert "Geef het portfolio een naam" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Portfolio.id))) == 0


def test_filters_and_paging_of_the_ranking(app, client):
    login(client, "officer")
    portfolio_id = uploaded(client, register_csv(GOOD))
    only_high = client.get(f"/portfolio/{portfolio_id}?niveau=hoog").get_data(as_text=True)
    assert "Bar Zwaar (fictief)" in only_high and "Café Rustig (fictief)" not in only_high
    by_indicator = client.get(f"/portfolio/{portfolio_id}?indicator=ALG-033").get_data(as_text=True)
    assert "1 rij gevonden" in by_indicator  # the cash payment; the legacy foreign-financier option is never scored
    by_text = client.get(f"/portfolio/{portfolio_id}?q=midden").get_data(as_text=True)
    assert "Eetcafé Midden (fictief)" in by_text and "Bar Zwaar (fictief)" not in by_text
    incomplete = client.get(f"/portfolio/{portfolio_id}?onvolledig=1").get_data(as_text=True)
    assert "3 rijen gevonden" in incomplete  # no row answers the required vergunningsoort
    assert "Onvolledig: Welke vergunning wordt aangevraagd?" in incomplete


def test_overview_shows_both_charts_without_javascript(app, client):
    login(client, "officer")
    portfolio_id = uploaded(client, register_csv(GOOD))
    page = client.get(f"/portfolio/{portfolio_id}").get_data(as_text=True)
    assert page.count("<script") == 1 and 'src="/static/app.js" defer' in page  # an optional enhancement only
    assert 'aria-label="Laag: ' in page and "Hoog: 1" in page
    assert "Meest voorkomende indicatoren" in page and 'class="bar bar-indicator"' in page
    for svg in re.findall(r"<svg.*?</svg>", page, flags=re.S):
        assert "<a " not in svg  # links live outside the image, in the data table
    assert "<summary>Cijfers als tabel" in page


def test_charts_follow_the_filter(app, client):
    login(client, "officer")
    portfolio_id = uploaded(client, register_csv(GOOD))
    page = client.get(f"/portfolio/{portfolio_id}?niveau=hoog").get_data(as_text=True)
    assert "(1 beoordeelde rij, volgens het filter)" in page
    assert 'aria-label="Laag: 0; Verhoogd: 0; Hoog: 1; Zeer hoog: 0"' in page


def test_export_csv_and_xlsx_in_rank_order_and_reuploadable(app, client):
    login(client, "officer")
    portfolio_id = uploaded(client, register_csv(GOOD))
    exported = client.get(f"/portfolio/{portfolio_id}/export.csv")
    assert exported.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert [r["rang"] for r in rows] == ["1", "2", "3"]
    assert rows[0]["naam"] == "Bar Zwaar (fictief)" and rows[0]["prioriteit"] == "Hoge prioriteit"
    assert rows[0]["overnamesom"] == "250000"
    xlsx = client.get(f"/portfolio/{portfolio_id}/export.xlsx?niveau=hoog")
    sheet = load_workbook(io.BytesIO(xlsx.data), read_only=True).worksheets[0]
    table = list(sheet.iter_rows(values_only=True))
    assert table[0][:3] == ("rang", "prioriteit", "score") and len(table) == 2
    # the export, minus its result columns, is a valid register again with the same outcome
    lines = exported.get_data(as_text=True).lstrip("\ufeff").splitlines()
    again = "\n".join(";".join(line.split(";")[len(svc.RESULT_COLUMNS) :]) for line in lines).encode()
    second = uploaded(client, again, name="Opnieuw")
    with app.app_context():
        first_scores = db.session.scalars(
            select(PortfolioRow.score).where(PortfolioRow.portfolio_id == portfolio_id).order_by(PortfolioRow.rank)
        ).all()
        second_scores = db.session.scalars(
            select(PortfolioRow.score).where(PortfolioRow.portfolio_id == second).order_by(PortfolioRow.rank)
        ).all()
        assert first_scores == second_scores


def test_export_neutralises_spreadsheet_formulas(app, client):
    login(client, "officer")
    portfolio_id = uploaded(client, register_csv(['=HYPERLINK("http://x");Laan 1;;;;;;;']))
    text = client.get(f"/portfolio/{portfolio_id}/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text
    assert safe_cell("-12,5") == "-12,5" and safe_cell("-kosten") == "'-kosten"


def test_templates_and_column_page(client, catalogue):
    login(client, "officer")
    csv_template = client.get("/portfolio/sjabloon/horeca.csv").get_data(as_text=True).lstrip("\ufeff")
    assert csv_template.strip().split(";") == [c.name for c in columns_for(catalogue.questionnaires["horeca"])]
    xlsx = client.get("/portfolio/sjabloon/bedrijventerrein.xlsx")
    workbook = load_workbook(io.BytesIO(xlsx.data), read_only=True)
    assert workbook.sheetnames == ["Register", "Toelichting"]
    page = client.get("/portfolio/kolommen/vastgoed").get_data(as_text=True)
    assert "<code>naam</code> <strong>(verplicht)</strong>" in page
    assert "betrokken_personen" not in page  # persons never come from a register
    assert client.get("/portfolio/kolommen/onbekend").status_code == 404
    example = client.get("/portfolio/voorbeeld/risicolocatie.csv")
    assert example.status_code == 200 and b"Barbershop Fade" in example.data


# --- open as scan ----------------------------------------------------------------------------


def test_open_as_scan_continues_the_row_in_the_wizard_with_the_same_result(app, client):
    login(client, "officer")
    portfolio_id = uploaded(client, register_csv(GOOD))
    with app.app_context():
        row = db.session.scalar(select(PortfolioRow).where(PortfolioRow.rank == 1))
        row_id, row_score, answers = row.id, row.score, row.answers
    response = client.post(f"/portfolio/{portfolio_id}/rij/{row_id}/scan")
    scan_id = int(response.headers["Location"].split("/")[2])
    assert client.get(f"/scans/{scan_id}").headers["Location"].endswith("/stap/aanvraag")  # required vergunningsoort
    again = client.post(f"/portfolio/{portfolio_id}/rij/{row_id}/scan")
    assert again.headers["Location"] == response.headers["Location"]  # a row never gets two scans
    with app.app_context():
        scan = db.session.get(Scan, scan_id)
        assert scan.subject_name == "Bar Zwaar (fictief)" and scan.answers() == answers
        assert db.session.scalar(select(func.count(Scan.id))) == 1
    form = {"vergunningsoort": "beide", "inrichting_type": "cafe_bar", "overname": "ja", "overnamesom": "250000"}
    assert client.post(f"/scans/{scan_id}/stap/aanvraag", data=form | {"actie": "overzicht"}).status_code == 302
    assert client.post(f"/scans/{scan_id}/stap/onderneming", data={"rechtsvorm": "bv"}).status_code == 302
    assert client.post(f"/scans/{scan_id}/stap/gedrag", data={"vragenformulier_status": "volledig"}).status_code == 302
    client.post(f"/scans/{scan_id}/overzicht")
    with app.app_context():
        result = db.session.get(Scan, scan_id).latest_result
        assert result.level in ("hoog", "zeer_hoog") and result.score >= row_score


# --- access ----------------------------------------------------------------------------------


def test_portfolios_are_isolated_per_gemeente_and_shared_only_on_purpose(app, client):
    login(client, "officer")
    portfolio_id = uploaded(client, register_csv(GOOD))
    client.post("/uitloggen")
    for who in ("other_officer", "tov", "jurist", "admin"):
        login(client, who)
        assert client.get(f"/portfolio/{portfolio_id}").status_code == 404, who
        assert client.get(f"/portfolio/{portfolio_id}/export.csv").status_code == 404, who
        assert client.get(f"/portfolio/{portfolio_id}/controlebrief?rij=1").status_code == 404, who
        client.post("/uitloggen")
    login(client, "tov")
    assert client.get("/portfolio/nieuw").status_code == 403
    client.post("/uitloggen")
    login(client, "officer")
    client.post(f"/portfolio/{portfolio_id}/delen", data={"gedeeld": "1"})
    client.post("/uitloggen")
    login(client, "tov")
    assert client.get(f"/portfolio/{portfolio_id}").status_code == 200
    assert client.get(f"/portfolio/{portfolio_id}/export.xlsx").status_code == 200
    refused = client.post(f"/portfolio/{portfolio_id}/rij/1/scan")
    assert refused.status_code == 403 and "Alleen de gemeente" in refused.get_data(as_text=True)
    assert client.post(f"/portfolio/{portfolio_id}/verwijderen").status_code == 403
    client.post("/uitloggen")
    login(client, "other_officer")
    assert client.get(f"/portfolio/{portfolio_id}").status_code == 404
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEntry.action)))
        assert {"portfolio_created", "portfolio_evaluated", "portfolio_shared", "portfolio_exported"} <= actions


def test_delete_removes_the_rows_but_not_scans_opened_from_them(app, client):
    login(client, "officer")
    portfolio_id = uploaded(client, register_csv(GOOD))
    client.post(f"/portfolio/{portfolio_id}/rij/1/scan")
    assert client.post(f"/portfolio/{portfolio_id}/verwijderen").status_code == 302
    assert client.get(f"/portfolio/{portfolio_id}").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count(PortfolioRow.id))) == 0
        assert db.session.scalar(select(func.count(Scan.id))) == 1


# --- failure and background run --------------------------------------------------------------


def test_a_failure_while_storing_leaves_no_half_batch(app, client, monkeypatch):
    login(client, "officer")

    def broken(*args, **kwargs):
        raise RuntimeError("schijf vol")

    monkeypatch.setattr(svc, "indicator_counts", broken)  # fails after the rows were inserted
    assert upload(client, register_csv(GOOD)).status_code == 302
    with app.app_context():
        portfolio = db.session.scalars(select(Portfolio)).one()
        assert portfolio.status == PORTFOLIO_FAILED
        assert "Er is niets opgeslagen" in portfolio.failure
        assert db.session.scalar(select(func.count(PortfolioRow.id))) == 0
    page = client.get(f"/portfolio/{portfolio.id}").get_data(as_text=True)
    assert "De beoordeling is mislukt" in page


def test_old_portfolios_are_purged_but_scans_opened_from_them_stay(app, client, runner):
    import datetime as dt

    from app.services import retention

    login(client, "officer")
    portfolio_id = uploaded(client, register_csv(GOOD))
    client.post(f"/portfolio/{portfolio_id}/rij/1/scan")
    with app.app_context():
        assert retention.purge_portfolios(365) == []
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=366)
        assert retention.purge_portfolios(365, dry_run=True, now=later) == [portfolio_id]
        assert retention.purge_portfolios(365, now=later) == [portfolio_id]
        assert db.session.scalar(select(func.count(PortfolioRow.id))) == 0
        assert db.session.scalar(select(func.count(Scan.id))) == 1
        assert (
            db.session.scalar(select(AuditEntry).where(AuditEntry.action == "purged")).detail["portfolio"]
            == portfolio_id
        )
    result = runner.invoke(args=["retention", "purge", "--dry-run"])
    assert "0 portfolio('s) zou verwijderen" in result.output


def test_database_errors_never_carry_register_data_into_logs(app):
    """A failing statement (e.g. while storing a batch) is logged without its parameters."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    with app.app_context(), pytest.raises(DBAPIError) as failed:
        db.session.execute(text("SELECT * FROM no_such_table WHERE naam = :naam"), {"naam": "Jan Geheim"})
    assert "Jan Geheim" not in str(failed.value)


# --- open and own data only ------------------------------------------------------------------------


def test_a_register_with_an_antecedent_or_partner_column_is_refused_and_stores_nothing(app, client, catalogue):
    login(client, "officer")
    header = "naam;antecedenten_ernstig;omg_banden;drugs_signalen"
    response = upload(client, register_csv(["Bar (fictief);opiumwet;ja;ja"], header=header))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Kolom &#39;antecedenten_ernstig&#39; bevat strafrechtelijke gegevens" in page
    assert "Kolom &#39;omg_banden&#39; bevat informatie van een partner" in page
    assert "buiten een concrete Bibob-procedure" in page and "geen grondslag" in page
    with app.app_context():
        assert db.session.scalar(select(func.count(Portfolio.id))) == 0
        assert db.session.scalar(select(func.count(PortfolioRow.id))) == 0


@pytest.mark.parametrize("scan", list(SCANS))
def test_templates_columns_and_examples_offer_no_refused_column(client, catalogue, scan):
    from app.portfolio.columns import refused_columns

    questionnaire = catalogue.questionnaires[scan]
    refused = set(refused_columns(questionnaire).messages)
    derived = {
        q.id
        for q in questionnaire.questions.values()
        if not q.provenance.portfolio and q.type not in ("personen", "financiers")  # records are never columns
    }
    assert refused == derived and refused  # from the channel table, not a list in code
    login(client, "officer")
    csv_template = client.get(f"/portfolio/sjabloon/{scan}.csv").get_data(as_text=True)
    assert not refused & set(csv_template.strip().split(";"))
    example = (EXAMPLES_DIR / f"{scan}-register.csv").read_text(encoding="utf-8").splitlines()[0]
    assert not refused & set(example.split(";"))
    page = client.get(f"/portfolio/kolommen/{scan}").get_data(as_text=True)
    assert "Niet in een register" in page
    assert all(f"<td><code>{name}</code>" not in page for name in refused)


def test_an_old_portfolio_with_refused_columns_shows_a_notice_and_can_be_purged(app, client):
    login(client, "officer")
    portfolio_id = uploaded(client, register_csv(GOOD))
    with app.app_context():  # as a portfolio stored before such columns were refused
        rows = db.session.scalars(select(PortfolioRow).where(PortfolioRow.portfolio_id == portfolio_id)).all()
        for row in rows:
            row.answers = {**row.answers, "antecedenten_ernstig": ["opiumwet"]}
        db.session.commit()
    page = client.get(f"/portfolio/{portfolio_id}").get_data(as_text=True)
    assert "bevat kolommen die niet in een register horen" in page and "<code>antecedenten_ernstig</code>" in page
    assert client.post(f"/portfolio/{portfolio_id}/opschonen").status_code == 302
    with app.app_context():
        rows = db.session.scalars(select(PortfolioRow).where(PortfolioRow.portfolio_id == portfolio_id)).all()
        assert rows and all("antecedenten_ernstig" not in r.answers for r in rows)
        assert sorted(r.rank for r in rows) == list(range(1, len(rows) + 1))
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "portfolio_purged"))
        assert entry.detail["rows"] == len(rows) and "antecedenten_ernstig" in entry.detail["columns"]
    assert "niet in een register horen" not in client.get(f"/portfolio/{portfolio_id}").get_data(as_text=True)


def test_the_rows_insert_binds_every_column_for_each_driver():
    """The register's rows go to the driver as values (issue 18): positional in the table's column order for
    SQLite, named with their casts for psycopg, and no RETURNING of ids nothing reads."""
    from sqlalchemy.dialects import postgresql, sqlite

    from app.services import portfolios

    sql, positional = portfolios._compiled_insert(sqlite.dialect())
    assert positional and sql.count("?") == len(portfolios._ROW_KEYS)
    sql, positional = portfolios._compiled_insert(postgresql.psycopg.dialect())
    assert not positional and "RETURNING" not in sql
    assert all(f"%({key})s" in sql for key in portfolios._ROW_KEYS) and "%(answers_json)s::JSON" in sql
