"""Isolation and roles: every role against every page, and cross-gemeente URLs refused."""

import pytest

from tests.conftest import ScanActions, login
from tests.test_wizard import COMMON, REQUIRED


def evaluated(scans, scan_type="horeca") -> int:
    scan_id = scans.start(scan_type)
    scans.fill(scan_id, scan_type, REQUIRED[scan_type] | COMMON)
    scans.evaluate(scan_id)
    return scan_id


@pytest.fixture
def world(app, catalogue):
    """Two scans of Voorbeeldstad: one evaluated draft, one submitted for review."""
    officer = ScanActions(app.test_client(), catalogue.questionnaires, "officer")
    draft = evaluated(officer)
    submitted = evaluated(officer)
    assert officer.client.post(f"/scans/{submitted}/indienen").status_code == 302
    return {"draft": draft, "submitted": submitted}


def client_as(app, who):
    client = app.test_client()
    login(client, who)
    return client


# (role, url template, expected status). 200 = allowed, 403 = refused with a reason, 404 = invisible.
MATRIX = [
    ("officer", "/scans/", 200),
    ("officer", "/scans/nieuw", 200),
    ("officer", "/scans/{draft}/resultaat", 200),
    ("officer", "/scans/{draft}/rapport", 200),
    ("officer", "/scans/{draft}/rapport.pdf", 200),
    ("officer", "/scans/{draft}/stap/aanvraag", 200),
    ("officer", "/beoordeling", 403),
    ("officer", "/audit", 403),
    ("officer", "/scans/{submitted}/stap/aanvraag", 403),
    ("officer", "/scans/{submitted}/beoordeling", 403),
    ("officer", "/scans/{draft}/geschiedenis", 403),
    ("officer2", "/scans/{draft}/resultaat", 200),
    ("other_officer", "/scans/{draft}/resultaat", 404),
    ("other_officer", "/scans/{draft}/rapport", 404),
    ("other_officer", "/scans/{draft}/rapport.pdf", 404),
    ("other_officer", "/scans/{submitted}/resultaat", 404),
    ("other_officer", "/scans/{draft}/stap/aanvraag", 404),
    ("other_officer", "/scans/{draft}/overzicht", 404),
    ("jurist", "/beoordeling", 200),
    ("jurist", "/scans/{submitted}/resultaat", 200),
    ("jurist", "/scans/{submitted}/rapport.pdf", 200),
    ("jurist", "/scans/{submitted}/beoordeling", 200),
    ("jurist", "/scans/{submitted}/geschiedenis", 200),
    ("jurist", "/scans/{draft}/resultaat", 404),
    ("jurist", "/scans/nieuw", 403),
    ("jurist", "/scans/{submitted}/stap/aanvraag", 403),
    ("jurist", "/audit", 403),
    ("tov", "/beoordeling", 200),
    ("tov", "/scans/{submitted}/resultaat", 200),
    ("tov", "/scans/{draft}/resultaat", 404),
    ("tov", "/scans/{submitted}/beoordeling", 403),
    ("tov", "/scans/nieuw", 403),
    ("admin", "/audit", 200),
    ("admin", "/scans/{submitted}/resultaat", 404),
    ("admin", "/scans/nieuw", 403),
    ("admin", "/beoordeling", 403),
]


@pytest.mark.parametrize(("who", "url", "expected"), MATRIX)
def test_role_page_matrix(app, world, who, url, expected):
    response = client_as(app, who).get(url.format(**world))
    assert response.status_code == expected, (who, url, response.status_code)
    if expected == 403:
        assert "Alleen" in response.get_data(as_text=True) or "niet" in response.get_data(as_text=True)


def test_scan_lists_show_only_what_is_visible(app, world):
    assert "Café De Proef" in client_as(app, "officer").get("/scans/").get_data(as_text=True)
    assert "0 scans gevonden" in client_as(app, "other_officer").get("/scans/").get_data(as_text=True)
    assert "1 scan gevonden" in client_as(app, "jurist").get("/scans/").get_data(as_text=True)


def test_posting_to_someone_elses_scan_is_refused(app, world):
    other = client_as(app, "other_officer")
    assert other.post(f"/scans/{world['draft']}/stap/aanvraag", data={"vergunningsoort": "beide"}).status_code == 404
    assert other.post(f"/scans/{world['draft']}/overzicht").status_code == 404
    assert other.post(f"/scans/{world['draft']}/indienen").status_code == 404


def test_every_page_requires_login(app, world):
    anonymous = app.test_client()
    for url in ("/", "/scans/", f"/scans/{world['draft']}/resultaat", f"/scans/{world['draft']}/rapport.pdf", "/audit"):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/inloggen" in response.headers["Location"], url


def test_login_is_locked_after_five_failures_and_audited(app):
    client = app.test_client()
    for _ in range(5):
        assert (
            client.post("/inloggen", data={"email": "bibob@voorbeeldstad.test", "password": "fout"}).status_code == 401
        )
    from tests.conftest import PASSWORD

    locked = client.post("/inloggen", data={"email": "bibob@voorbeeldstad.test", "password": PASSWORD})
    assert locked.status_code == 401  # right password, but locked for 15 minutes
    with app.app_context():
        from app.db import db
        from app.models import AuditEntry

        actions = [e.action for e in db.session.scalars(db.select(AuditEntry))]
    assert actions.count("login_failed") == 6 and "login" not in actions


def test_open_redirect_is_refused(app):
    from tests.conftest import login

    response = login(app.test_client(), "officer", url="/inloggen?volgende=https://evil.example/")
    assert response.headers["Location"] == "/"


def test_security_headers_and_cookie_flags(app):
    client = app.test_client()
    response = login(client, "officer")
    page = client.get("/")
    assert (
        "script-src 'self'" in page.headers["Content-Security-Policy"]
        and "'unsafe-inline'" not in page.headers["Content-Security-Policy"]
    )
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["X-Content-Type-Options"] == "nosniff"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secret_key_is_required_outside_development(monkeypatch):
    from app import create_app
    from app.config import ConfigError

    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app({"ENV_NAME": "production"})
    app = create_app({"ENV_NAME": "production", "SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
