"""The start page and error pages answer in Dutch."""

from tests.conftest import login


def test_index_lists_the_scans(client):
    login(client, "officer")
    page = client.get("/").get_data(as_text=True)
    assert "Horecascan" in page and "Vastgoedscan" in page and 'lang="nl"' in page


def test_unknown_page_is_a_dutch_404(client):
    login(client, "officer")
    response = client.get("/bestaat-niet")
    assert response.status_code == 404
    assert "Deze pagina bestaat niet" in response.get_data(as_text=True)


def test_times_are_shown_in_dutch_local_time():
    import datetime as dt

    from app.web.filters import datumtijd

    assert datumtijd(dt.datetime(2026, 7, 1, 10, 0, tzinfo=dt.UTC)) == "01-07-2026 12:00"  # summer time
    assert datumtijd(dt.datetime(2026, 1, 1, 10, 0)) == "01-01-2026 11:00"  # naive = UTC
