"""The test factories and the fast-suite plumbing do what the other tests rely on."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from app import create_app
from app.config import ConfigError
from app.db import db
from app.services import accounts
from tests.conftest import PASSWORD, SCANS, USERS, login
from tests.factories import SPECIFIC, make_scan, make_user, scan_answers


@pytest.mark.parametrize("scan_type", list(SCANS))
def test_make_scan_stores_an_evaluated_result_through_the_services(app, scan_type):
    with app.app_context():
        scan = make_scan(scan_type, evaluate=True)
        db.session.commit()
        result = scan.latest_result
        assert result is not None and result.snapshot["scan"] == scan_type
        assert set(scan_answers(scan_type)) <= set(result.answers)
        if scan_type in SPECIFIC:
            assert SPECIFIC[scan_type][1] in {f["id"] for f in result.snapshot["fired"]}


def test_a_made_user_can_log_in(app, client):
    with app.app_context():
        user = make_user(role="jurist")
        db.session.commit()
        email = user.email
    USERS["made"] = (email, "jurist", "riec")
    try:
        login(client, "made")
    finally:
        del USERS["made"]


def test_each_test_starts_from_the_template_with_only_the_test_accounts(app):
    from app.models import Scan, User

    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Scan)) == 0
        assert {u.email for u in db.session.scalars(db.select(User))} == {e for e, _, _ in USERS.values()}
        make_scan("horeca")
        db.session.commit()


def test_the_test_apps_hash_cheaply_and_production_keeps_argon2_defaults(app, tmp_path):
    with app.app_context():
        cheap = accounts._hasher().hash(PASSWORD)
    assert "m=8," in cheap
    production = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with production.app_context():
        standard = accounts._hasher().hash(PASSWORD)
    assert f"m={PasswordHasher().memory_cost}," in standard and "m=8," not in standard
    with pytest.raises(ConfigError, match="alleen toegestaan in de testomgeving"):
        create_app(
            {
                "ENV_NAME": "production",
                "SECRET_KEY": "x" * 40,
                "PASSWORD_HASH_PROFILE": "minimal",
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
            }
        )
