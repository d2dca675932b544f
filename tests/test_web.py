"""The start page and error pages answer in Dutch."""


def test_index_lists_the_scans(client):
    page = client.get("/").get_data(as_text=True)
    assert "Horecascan" in page and "Vastgoedscan" in page and 'lang="nl"' in page


def test_unknown_page_is_a_dutch_404(client):
    response = client.get("/bestaat-niet")
    assert response.status_code == 404
    assert "Deze pagina bestaat niet" in response.get_data(as_text=True)
