"""Regression tests for the attack run (shared/reviews/security-review.md) and the BIO account and log rules.

Each test names the finding it closes; each failed on the code before the fix.
"""

from __future__ import annotations

import re
import threading
import time

import pyotp
import pytest
from sqlalchemy import func, select, text

from app import create_app
from app.config import ConfigError
from app.db import db
from app.models import AuditEntry, RecoveryCode, User
from app.services import accounts
from app.transaction import unit_of_work
from tests.conftest import PASSWORD, TOTP_SECRET, USERS, login
from tests.test_api import token_for


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


# --- H1: bearer-token API writes work; cookie API writes still need CSRF -------------------------------------------


def test_h1_api_write_with_a_bearer_token_end_to_end(app, client):
    """H1: with CSRF on (as in production) a token client can create, fill and evaluate a scan."""
    from tests.test_wizard import COMMON, REQUIRED

    headers = {"Authorization": f"Bearer {token_for(app, 'officer')}"}
    created = client.post(
        "/api/v1/scans", json={"scan_type": "horeca", "subject_name": "Bar Token (fictief)"}, headers=headers
    )
    assert created.status_code == 201, created.get_json()
    scan_id = created.get_json()["id"]
    saved = client.put(f"/api/v1/scans/{scan_id}/steps/aanvraag", json={"answers": {}}, headers=headers)
    assert saved.status_code in (200, 422), saved.get_json()  # reached the handler: validated, not a CSRF 400
    for step_answers in _steps_of(app, "horeca", REQUIRED["horeca"] | COMMON):
        step, answers = step_answers
        response = client.put(f"/api/v1/scans/{scan_id}/steps/{step}", json={"answers": answers}, headers=headers)
        assert response.status_code == 200, response.get_json()
    evaluated = client.post(f"/api/v1/scans/{scan_id}/evaluate", headers=headers)
    assert evaluated.status_code == 201, evaluated.get_json()
    token_id = client.get("/api/v1/tokens", headers=headers).get_json()[0]["id"]
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=headers).status_code == 204


def _steps_of(app, scan_type: str, answers: dict):
    from app.extensions import catalogue

    with app.app_context():
        questionnaire = catalogue.load().questionnaires[scan_type]
        return [
            (step.id, {q.id: answers[q.id] for q in step.questions if q.id in answers}) for step in questionnaire.steps
        ]


def test_h1_cookie_api_calls_still_need_the_csrf_token(app, client):
    login(client, "officer")
    body = {"scan_type": "horeca", "subject_name": "Bar Cookie (fictief)"}
    assert client.post("/api/v1/scans", json=body, csrf=False).status_code == 400
    assert client.post("/api/v1/scans", json=body).status_code == 201  # the page's token in X-CSRFToken


def test_h1_a_bearer_header_never_falls_back_to_the_session_cookie(app, client):
    """A forged "Bearer" next to a logged-in cookie must not skip CSRF with the cookie's user."""
    login(client, "officer")
    body = {"scan_type": "horeca", "subject_name": "Bar Vals (fictief)"}
    response = client.post("/api/v1/scans", json=body, headers={"Authorization": "Bearer bbs_vals"})
    assert response.status_code == 401


def test_h1_unauthenticated_api_write_is_401_not_400(client):
    assert client.post("/api/v1/scans", json={}, csrf=False).status_code == 401


def test_web_forms_need_the_csrf_token(app, client):
    login(client, "officer")
    data = {"scan_type": "horeca", "subject_name": "Zonder token"}
    response = client.post("/scans/nieuw", data=data, csrf=False)
    assert response.status_code == 400 and "Het verzoek kon niet worden verwerkt." in response.get_data(as_text=True)


# --- H2 / M1 / L7: sessions --------------------------------------------------------------------------------------


def test_h2_session_cookie_has_no_long_expiry_and_idles_out_after_30_minutes(app, client):
    response = login(client, "officer")
    assert "Expires=" not in response.headers.get("Set-Cookie", "")
    assert client.get("/scans/").status_code == 200
    with client.session_transaction() as sess:
        sess["_seen_at"] = time.time() - 31 * 60
    gone = client.get("/scans/")
    assert gone.status_code == 302 and "/inloggen" in gone.headers["Location"]


def test_h2_session_ends_12_hours_after_login_even_when_used(app, client):
    login(client, "officer")
    with client.session_transaction() as sess:
        sess["_login_at"] = time.time() - 12 * 3600 - 60
    assert client.get("/scans/").status_code == 302


def _copy_session(app, client, user_agent: str | None = None):
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    if user_agent:
        other.environ_base["HTTP_USER_AGENT"] = user_agent
    return other


def test_m1_logout_ends_a_copied_session(app, client):
    login(client, "officer")
    copy = _copy_session(app, client)
    assert copy.get("/scans/").status_code == 200
    client.post("/uitloggen")
    replay = copy.get("/scans/")
    assert replay.status_code == 302 and "/inloggen" in replay.headers["Location"]


def test_m1_password_change_ends_every_session(app, client):
    login(client, "officer")
    second = app.test_client()
    login(second, "officer")
    new = "nieuw-Wachtwoord-voor-test-42"
    changed = client.post(
        "/account/wachtwoord", data={"current_password": PASSWORD, "new_password": new, "repeat": new}
    )
    assert changed.status_code == 302
    assert second.get("/scans/").status_code == 302
    with app.app_context():
        assert _audit("password_changed")[-1].result == "ok"


def test_m1_lockout_ends_every_session(app, client):
    login(client, "officer")
    other = app.test_client()
    for _ in range(accounts.MAX_FAILURES):
        other.post("/inloggen", data={"email": USERS["officer"][0], "password": "fout-fout-fout"})
    assert client.get("/scans/").status_code == 302


def test_l7_a_copied_cookie_from_another_browser_is_refused(app, client):
    login(client, "officer")
    copy = _copy_session(app, client, user_agent="Aanvaller/1.0")
    assert copy.get("/scans/").status_code == 302


# --- M2 / M3: login -------------------------------------------------------------------------------------------------


def test_m2_parallel_guesses_cannot_outrun_the_lockout(app):
    email = USERS["officer2"][0]
    barrier = threading.Barrier(12)
    errors = []

    def guess():
        with app.app_context():
            try:
                barrier.wait()
                with unit_of_work():  # what the login request does: it owns the transaction
                    accounts.authenticate(email, "fout-fout-fout")
            except Exception as exc:
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=guess) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context():
        checked = [e for e in _audit("login_failed") if e.detail.get("reason") == "onjuist"]
        assert len(checked) <= accounts.MAX_FAILURES
        assert accounts.is_locked(_user(email))
        assert accounts.authenticate(email, PASSWORD) is None  # locked: even the right password


def test_m3_unknown_and_locked_accounts_cost_the_same_password_check(app, monkeypatch):
    calls = []
    real = accounts._verify
    monkeypatch.setattr(accounts, "_verify", lambda h, p: calls.append(1) or real(h, p))
    with app.app_context():
        accounts.authenticate("niemand@nergens.test", "fout-fout-fout")
        assert len(calls) == 1
        user = _user(USERS["officer"][0])
        for _ in range(accounts.MAX_FAILURES):
            accounts.authenticate(user.email, "fout-fout-fout")
        calls.clear()
        accounts.authenticate(user.email, "fout-fout-fout")  # locked
        assert len(calls) == 1


def test_m3_login_is_rate_limited_per_source(tmp_path, password_hash):
    from tests.conftest import _create_accounts

    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'rl.sqlite3'}"})
    from app.migrate import upgrade

    with app.app_context():
        upgrade()
        _create_accounts(password_hash)
    client = app.test_client()
    codes = [
        client.post("/inloggen", data={"email": f"iemand{i}@voorbeeldstad.test", "password": "x"}).status_code
        for i in range(11)
    ]
    assert codes[:10] == [401] * 10 and codes[10] == 429
    refused = client.post("/inloggen", data={"email": "a@b.test", "password": "x"})
    assert "Te veel pogingen" in refused.get_data(as_text=True)


# --- M7: no known secret ---------------------------------------------------------------------------------------------


def test_m7_development_creates_a_random_instance_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("BIBOB_ENV", raising=False)
    config = {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY_FILE": str(tmp_path / "secret_key")}
    first = create_app(config)
    second = create_app(config)
    assert first.secret_key == second.secret_key  # kept in the instance folder
    assert first.secret_key != "dev-only-not-secret" and len(first.secret_key) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # private


@pytest.mark.parametrize(
    "env, key", [("production", None), ("production", "kort"), ("development", "dev-only-not-secret")]
)
def test_m7_no_start_with_a_missing_known_or_weak_secret(monkeypatch, env, key):
    monkeypatch.setenv("BIBOB_ENV", env)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    if key:
        monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(ConfigError):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


# --- BIO 5.17: second factor, password rules, admin reset -----------------------------------------------------------


def test_2fa_is_required_and_enrolled_on_first_login(app, client):
    with app.app_context():
        user = _user(USERS["tov"][0])
        user.totp_secret = None
        user.totp_confirmed_at = None
        db.session.commit()
    first = client.post("/inloggen", data={"email": USERS["tov"][0], "password": PASSWORD})
    assert first.headers["Location"].endswith("/inloggen/instellen")
    assert client.get("/scans/").status_code == 302  # not logged in before the second factor
    page = client.get("/inloggen/instellen").get_data(as_text=True)
    assert "data:image/svg+xml" in page
    with app.app_context():
        secret = _user(USERS["tov"][0]).totp_secret
    assert secret in page
    assert client.post("/inloggen/instellen", data={"code": "000000"}).status_code == 401
    done = client.post("/inloggen/instellen", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200 and "herstelcodes" in done.get_data(as_text=True).lower()
    assert client.get("/scans/").status_code == 200
    with app.app_context():
        codes = db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == _user(USERS["tov"][0]).id))
        hashes = [c.code_hash for c in codes]
    assert len(hashes) == 10
    shown = [c for c in hashes if c in done.get_data(as_text=True)]
    assert shown == []  # only hashes are stored, never the codes themselves


def test_2fa_recovery_code_works_once_and_wrong_codes_are_audited(app, client):
    from app.services import twofactor

    with app.app_context():
        user = _user(USERS["jurist"][0])
        user.totp_confirmed_at = None
        db.session.commit()
        codes = twofactor.confirm(user, pyotp.TOTP(TOTP_SECRET).now())
    for expected in (302, 401):
        client.post("/inloggen", data={"email": USERS["jurist"][0], "password": PASSWORD})
        assert client.post("/inloggen/code", data={"code": codes[0]}).status_code == expected
        client.post("/uitloggen")
    with app.app_context():
        assert _audit("recovery_code_used") and _audit("twofactor_failed")[-1].result == "geweigerd"


def test_development_may_skip_2fa_for_accounts_without_one(tmp_path, password_hash, monkeypatch):
    monkeypatch.delenv("BIBOB_ENV", raising=False)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'dev.sqlite3'}",
            "SECRET_KEY_FILE": str(tmp_path / "secret_key"),
        }
    )
    assert app.config["TWO_FACTOR_REQUIRED"] is False
    assert create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["TWO_FACTOR_REQUIRED"]


@pytest.mark.parametrize(
    "password, reason",
    [
        ("kort-wachtw", "minstens 12"),
        ("123qweasdzxc", "gelekte"),
        ("1qaz2wsx3edc", "gelekte"),
        ("aaaaaaaaaaaaaaa", "verschillende"),
    ],
)
def test_password_rules_on_create_and_change(app, client, password, reason):
    from app.models import Organisation

    with app.app_context():
        org = db.session.scalars(select(Organisation)).first()
        with pytest.raises(accounts.AccountError, match=reason):
            accounts.create_user("nieuw@voorbeeldstad.test", "Nieuw", "bibob_officer", org, password)
    login(client, "officer")
    refused = client.post(
        "/account/wachtwoord", data={"current_password": PASSWORD, "new_password": password, "repeat": password}
    )
    assert refused.status_code == 422 and reason in refused.get_data(as_text=True)


def test_admin_resets_a_second_factor_audited(app, client):
    officer = app.test_client()
    login(officer, "officer")
    assert officer.post("/beheer/gebruikers/1/tweestaps-reset").status_code == 403
    login(client, "admin")
    assert USERS["officer"][0] in client.get("/beheer/gebruikers").get_data(as_text=True)
    with app.app_context():
        target = _user(USERS["officer"][0]).id
    assert client.post(f"/beheer/gebruikers/{target}/tweestaps-reset").status_code == 302
    assert officer.get("/scans/").status_code == 302  # its sessions ended
    with app.app_context():
        user = db.session.get(User, target)
        assert user.totp_secret is None and user.totp_confirmed_at is None
        entry = _audit("twofactor_reset")[-1]
        assert entry.user_email == USERS["admin"][0] and entry.object == f"gebruiker {target}"
    again = app.test_client().post("/inloggen", data={"email": USERS["officer"][0], "password": PASSWORD})
    assert again.headers["Location"].endswith("/inloggen/instellen")


# --- BIO 8.15: audit entries and the hash chain ----------------------------------------------------------------------


def test_audit_entries_record_action_object_result_origin_actor_and_time_zone(app, client):
    client.post("/inloggen", data={"email": USERS["officer"][0], "password": "fout-fout-fout"})
    login(client, "other_officer")
    scans = app.test_client()
    login(scans, "officer")
    scan_id = int(
        scans.post("/scans/nieuw", data={"scan_type": "horeca", "subject_name": "Café Tijd"})
        .headers["Location"]
        .split("/")[2]
    )
    assert client.get(f"/scans/{scan_id}/resultaat").status_code == 404  # another gemeente's scan
    with app.app_context():
        failed = _audit("login_failed")[-1]
        assert failed.result == "geweigerd" and failed.origin == "127.0.0.1"
        refused = _audit("access_refused")[-1]
        assert refused.user_email == USERS["other_officer"][0]
        assert refused.object == f"/scans/{scan_id}/resultaat" and refused.result == "geweigerd"
        created = _audit("scan_created")[-1]
        assert created.object == f"scan {scan_id}" and created.result == "ok"
    admin = app.test_client()
    login(admin, "admin")
    exported = admin.get("/audit?formaat=csv").get_data(as_text=True)
    assert "object;resultaat;herkomst;volgnummer;hash" in exported
    assert re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d;", exported)  # time with its zone
    assert "Toegang geweigerd" in exported and "Geweigerd;127.0.0.1" in exported
    api = client.get("/api/v1/scans", headers={"Authorization": f"Bearer {token_for(app, 'officer')}"}).get_json()
    assert api[0]["created_at"].endswith("+00:00")  # L12: API times carry their time zone


def test_audit_verify_proves_the_chain_and_names_a_tampered_row(app, client, runner):
    login(client, "officer")
    client.post("/scans/nieuw", data={"scan_type": "horeca", "subject_name": "Café Keten"})
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "in orde" in ok.output
    with app.app_context():
        target = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "scan_created"))
        with pytest.raises(Exception, match="append-only"):  # the database itself refuses the change
            db.session.execute(text("UPDATE audit_entries SET user_email = 'x' WHERE id = :id"), {"id": target.id})
        db.session.rollback()
        _tamper(target.id)
    bad = runner.invoke(args=["audit", "verify"])
    assert bad.exit_code == 1
    assert f"Auditregel {target.id}" in bad.output and "gewijzigd" in bad.output
    assert "Traceback" not in bad.output


def _tamper(entry_id: int) -> None:
    """What an attacker with database rights could do: lift the trigger, change a row, put the trigger back."""
    postgres = db.engine.dialect.name == "postgresql"
    with db.engine.begin() as conn:
        if postgres:
            conn.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_change"))
        else:
            conn.execute(text("DROP TRIGGER audit_entries_no_update"))
        conn.execute(
            text("UPDATE audit_entries SET user_email = 'iemand@anders.test' WHERE id = :id"), {"id": entry_id}
        )
        if postgres:
            conn.execute(text("ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_no_change"))


def test_audit_verify_notices_a_deleted_last_row(app, client, runner):
    login(client, "officer")
    with app.app_context():
        last = db.session.scalar(select(func.max(AuditEntry.id)))
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_change"))
            else:
                conn.execute(text("DROP TRIGGER audit_entries_no_delete"))
            conn.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": last})
    bad = runner.invoke(args=["audit", "verify"])
    assert bad.exit_code == 1 and "ontbreken" in bad.output


# --- M6: a result belongs to the answers it was computed from ---------------------------------------------------------


def _save_behind_the_evaluation(app, scan_id: int, step_id: str, changes: dict) -> None:
    """A save that commits between the evaluation's read and its commit: the answers change, the status stays."""
    with db.engine.begin() as conn:
        row = conn.execute(
            text("SELECT id, answers FROM scan_steps WHERE scan_id = :s AND step_id = :t"), {"s": scan_id, "t": step_id}
        ).one()
        answers = row.answers if isinstance(row.answers, dict) else __import__("json").loads(row.answers)
        conn.execute(
            text("UPDATE scan_steps SET answers = :a WHERE id = :id"),
            {"a": __import__("json").dumps(answers | changes), "id": row.id},
        )


def test_m6_a_stale_result_cannot_be_submitted(app, catalogue):
    from app.models import Scan
    from tests.conftest import ScanActions
    from tests.test_review import ANSWERS

    officer = ScanActions(app.test_client(), catalogue.questionnaires, "officer")
    scan_id = officer.start("horeca")
    officer.fill(scan_id, "horeca", ANSWERS)
    officer.evaluate(scan_id)
    with app.app_context():
        _save_behind_the_evaluation(app, scan_id, "exploitatie", {"contant_aandeel_pct": 5})
        assert db.session.get(Scan, scan_id).status == "evaluated"
    refused = officer.client.post(f"/scans/{scan_id}/indienen")
    assert refused.status_code == 403 and "Evalueer de scan opnieuw" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Scan, scan_id).status == "evaluated"
        assert _audit("submitted")[-1].result == "geweigerd"
    officer.evaluate(scan_id)  # a fresh result of the current answers
    assert officer.client.post(f"/scans/{scan_id}/indienen").status_code == 302


def test_m6_a_stale_result_cannot_be_approved(app, catalogue):
    from app.models import Scan
    from tests.test_review import submitted_scan

    _officer, jurist, scan_id = submitted_scan(app, catalogue)
    with app.app_context():
        _save_behind_the_evaluation(app, scan_id, "exploitatie", {"contant_aandeel_pct": 5})
    response = jurist.post(f"/scans/{scan_id}/beoordeling/besluit", data={"besluit": "vaststellen", "opmerkingen": ""})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Scan, scan_id).status != "approved"


def test_audit_entries_outside_a_request_name_the_system_as_origin(app, runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "nieuw@voorbeeldstad.test",
            "--name",
            "Nieuw",
            "--role",
            "bibob_officer",
            "--org",
            "Gemeente Voorbeeldstad",
            "--password",
            "een-lang-Wachtwoord-42",
        ]
    )
    assert result.exit_code == 0, result.output
    weak = runner.invoke(
        args=[
            "users",
            "create",
            "zwak@voorbeeldstad.test",
            "--name",
            "Zwak",
            "--role",
            "bibob_officer",
            "--org",
            "Gemeente Voorbeeldstad",
            "--password",
            "123qweasdzxc",
        ]
    )
    assert weak.exit_code == 1 and "gelekte" in weak.output and "Traceback" not in weak.output
    with app.app_context():
        entry = _audit("user_created")[-1]
        assert entry.origin == "systeem" and entry.object.startswith("gebruiker ")
