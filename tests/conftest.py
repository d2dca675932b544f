"""Shared fixtures: the app on the real catalogue, a CLI runner, and a scratch copy of the catalogue."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import MetaData, Table, inspect, text

from app import create_app
from app.config import normalise_db_url
from app.db import db
from app.engine.adapter import DurableEngine
from app.engine.evaluator import Evaluator
from app.migrate import upgrade
from app.paths import FORMS_DIR, RULES_DIR
from app.rules.loader import load_catalogue
from app.rules.registry import discover_scans

#: The scan types of the repository's forms/ and rules/ (id → label, in list order): tests parametrize over them.
SCANS: dict[str, str] = discover_scans(FORMS_DIR, RULES_DIR).labels


@pytest.fixture(scope="session")
def catalogue():
    return load_catalogue(RULES_DIR, FORMS_DIR)


@pytest.fixture(scope="session")
def evaluator(catalogue):
    return Evaluator(catalogue, DurableEngine())


def _database_url(tmp_path) -> str:
    """SQLite in a temp file, or the server in DATABASE_URL (PostgreSQL; a fresh schema per test)."""
    if os.environ.get("DATABASE_URL"):
        return normalise_db_url(os.environ["DATABASE_URL"])
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


PASSWORD = "test-wachtwoord-123"
#: Every test account has this TOTP secret enrolled, so `login` can type the second factor.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class CsrfClient(FlaskClient):
    """A test client that sends the session's CSRF token with every state-changing request, as a browser form does.

    The suite runs with CSRF on, as production does. A request with a bearer token gets no CSRF token
    (API clients never have one); `csrf=False` sends a request without it (to test the refusal).
    """

    def open(self, *args, csrf: bool = True, **kwargs):
        method = (kwargs.get("method") or "GET").upper()
        headers = dict(kwargs.get("headers") or {})
        if csrf and method in ("POST", "PUT", "PATCH", "DELETE") and "Authorization" not in headers:
            token = self._csrf_token()
            data = kwargs.get("data")
            if isinstance(data, dict) and "csrf_token" not in data:
                kwargs["data"] = {**data, "csrf_token": token}
            elif data is None and kwargs.get("json") is None and method == "POST":
                kwargs["data"] = {"csrf_token": token}
            else:
                headers.setdefault("X-CSRFToken", token)
                kwargs["headers"] = headers
        return super().open(*args, **kwargs)

    def _csrf_token(self) -> str:
        """The signed form of the session's raw token (what `csrf_token()` puts in a page)."""
        import hashlib

        with self.session_transaction() as sess:
            if "csrf_token" not in sess:
                sess["csrf_token"] = hashlib.sha1(os.urandom(64)).hexdigest()
            raw = sess["csrf_token"]
        serializer = URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token")
        return serializer.dumps(raw)


#: Every app the tests build (also in other test modules) uses the CSRF-sending client.
Flask.test_client_class = CsrfClient
ORGS = {
    "voorbeeldstad": ("Gemeente Voorbeeldstad", "gemeente"),
    "anderstad": ("Gemeente Anderstad", "gemeente"),
    "riec": ("RIEC Midden-Nederland", "riec"),
}
#: Test accounts by short name: (email, role, organisation key).
USERS = {
    "officer": ("bibob@voorbeeldstad.test", "bibob_officer", "voorbeeldstad"),
    "officer2": ("collega@voorbeeldstad.test", "bibob_officer", "voorbeeldstad"),
    "other_officer": ("bibob@anderstad.test", "bibob_officer", "anderstad"),
    "jurist": ("jurist@riec.test", "jurist", "riec"),
    "tov": ("tov@riec.test", "tov_adviser", "riec"),
    "admin": ("beheer@riec.test", "admin", "riec"),
}


@pytest.fixture(scope="session")
def password_hash():
    """PASSWORD hashed with argon2's cheapest parameters: verifying it costs microseconds, not 50 ms per login.

    A stored hash carries its own parameters, so every app verifies it cheaply; hashes the services make
    follow PASSWORD_HASH_PROFILE (the test apps set "minimal"; production keeps argon2's defaults).
    """
    from argon2 import PasswordHasher, profiles

    return PasswordHasher.from_parameters(profiles.CHEAPEST).hash(PASSWORD)


def _create_accounts(password_hash: str) -> None:
    """The organisations of ORGS and the accounts of USERS (each with PASSWORD and TOTP_SECRET)."""
    from tests.factories import make_organisations, make_user

    orgs = make_organisations()
    for key in USERS:
        make_user(key, orgs=orgs, password_hash=password_hash)
    db.session.commit()


#: The settings every test app shares (the `app` fixture adds the database).
TEST_CONFIG = {
    "ENV_NAME": "testing",
    "TESTING": True,
    "JOBS_INLINE": True,
    "LOGIN_RATE_LIMIT": "1000 per minute",  # the limit itself is tested with its default
    "PASSWORD_HASH_PROFILE": "minimal",  # cheap hashes for passwords the tests set (app/services/accounts.py)
}


class TemplateDatabase:
    """The schema migrated once per session, with the test accounts; each test starts from a copy of it.

    SQLite: Alembic runs once into a template file, and each test gets a file copy (a millisecond).
    PostgreSQL (DATABASE_URL): Alembic runs once; each test then empties every table (TRUNCATE … RESTART
    IDENTITY) and adds the accounts again. A test that left the schema changed (another Alembic revision,
    a dropped schema) is noticed by its table list and revision, and the schema is rebuilt from scratch.
    """

    def __init__(self, directory: Path, password_hash: str):
        self.password_hash = password_hash
        self.server_url = normalise_db_url(os.environ["DATABASE_URL"]) if os.environ.get("DATABASE_URL") else None
        self.file = directory / "template.sqlite3"
        self.tables: tuple[str, ...] = ()
        self.head = ""
        self.seeded: dict[str, list[dict]] = {}  # rows the migrations themselves insert (e.g. audit_chain)
        url = self.server_url or f"sqlite:///{self.file}"
        app = create_app(TEST_CONFIG | {"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            self._rebuild()
            self.tables, self.head = self._shape()
            db.engine.dispose()

    def url_for(self, tmp_path: Path) -> str:
        """A database for one test: a copy of the template file, or the server database (reset on `prepare`)."""
        if self.server_url:
            return self.server_url
        target = tmp_path / "test.sqlite3"
        shutil.copyfile(self.file, target)
        return f"sqlite:///{target}"

    def prepare(self) -> None:
        """Bring the server database back to the template state (inside the test app's context)."""
        if not self.server_url:
            return
        if self._shape() != (self.tables, self.head):
            self._rebuild()
            return
        data_tables = [t for t in self.tables if t != "alembic_version"]
        metadata = MetaData()
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(data_tables)} RESTART IDENTITY CASCADE"))
            for name, rows in self.seeded.items():
                conn.execute(Table(name, metadata, autoload_with=conn).insert(), rows)
        _create_accounts(self.password_hash)

    def _rebuild(self) -> None:
        _reset_schema()
        upgrade()
        self.seeded = self._rows_after_migration()
        _create_accounts(self.password_hash)

    @staticmethod
    def _rows_after_migration() -> dict[str, list[dict]]:
        """The rows migrations insert, per table, to put back after every TRUNCATE."""
        seeded = {}
        with db.engine.connect() as conn:
            for name in inspect(conn).get_table_names():
                if name != "alembic_version":
                    rows = [dict(r) for r in conn.execute(text(f'SELECT * FROM "{name}"')).mappings()]
                    if rows:
                        seeded[name] = rows
        return seeded

    @staticmethod
    def _shape() -> tuple[tuple[str, ...], str]:
        """The table names and the Alembic revision of the current database."""
        tables = tuple(sorted(inspect(db.engine).get_table_names()))
        if "alembic_version" not in tables:
            return tables, ""
        with db.engine.connect() as conn:
            head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar() or ""
        return tables, head


@pytest.fixture(scope="session")
def template_database(tmp_path_factory, password_hash) -> TemplateDatabase:
    return TemplateDatabase(tmp_path_factory.mktemp("template-db"), password_hash)


@pytest.fixture(scope="session")
def app_evaluator(catalogue):
    """The evaluator every test app shares: the catalogue is loaded and compiled once per session."""
    from app.services.catalogue import shared_engine

    return Evaluator(catalogue, shared_engine("process"))


def share_catalogue(app: Flask, catalogue, evaluator) -> None:
    """Give an app on the default rules/ and forms/ the session's loaded catalogue and evaluator."""
    default_tree = Path(app.config["RULES_DIR"]) == RULES_DIR and Path(app.config["FORMS_DIR"]) == FORMS_DIR
    if default_tree and app.config.get("ENGINE_ISOLATION", "process") == "process":
        app.extensions["bibob_catalogue"].update(catalogue=catalogue, evaluator=evaluator)


@pytest.fixture
def app(tmp_path, template_database, catalogue, app_evaluator):
    app = create_app(TEST_CONFIG | {"SQLALCHEMY_DATABASE_URI": template_database.url_for(tmp_path)})
    share_catalogue(app, catalogue, app_evaluator)
    with app.app_context():
        template_database.prepare()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _reset_schema() -> None:
    """Start from an empty database (PostgreSQL is shared between tests)."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class CatalogueCopy:
    """A writable copy of rules/ and forms/ for tests that break files on purpose."""

    def __init__(self, root: Path):
        self.rules = root / "rules"
        self.forms = root / "forms"
        shutil.copytree(RULES_DIR, self.rules)
        shutil.copytree(FORMS_DIR, self.forms)

    def write(self, relative: str, text: str) -> Path:
        path = self.rules.parent / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def read(self, relative: str) -> str:
        return (self.rules.parent / relative).read_text(encoding="utf-8")

    def edit(self, relative: str, old: str, new: str) -> None:
        text = self.read(relative)
        assert old in text, f"{old!r} not in {relative}"
        self.write(relative, text.replace(old, new, 1))

    def load(self):
        return load_catalogue(self.rules, self.forms)


@pytest.fixture
def scratch(tmp_path) -> CatalogueCopy:
    return CatalogueCopy(tmp_path)


def login(client, who: str, url: str = "/inloggen"):
    """Log a test client in as one of USERS, password and second factor (TOTP); returns the last response."""
    response = client.post(url, data={"email": USERS[who][0], "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert response.headers["Location"].endswith("/inloggen/code"), response.headers["Location"]
    response = client.post("/inloggen/code", data={"code": pyotp.TOTP(TOTP_SECRET).now()})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


class ScanActions:
    """Drive the wizard like a person (logged in as the gemeente officer): start, fill steps, evaluate."""

    def __init__(self, client, questionnaires, who: str = "officer"):
        self.client = client
        self.questionnaires = questionnaires
        login(client, who)

    def start(self, scan_type: str, name: str = "Café De Proef (fictief)", **extra) -> int:
        data = {"scan_type": scan_type, "subject_name": name, "subject_address": "Teststraat 1, Utrecht"} | extra
        response = self.client.post("/scans/nieuw", data=data)
        assert response.status_code == 302, response.get_data(as_text=True)
        return int(response.headers["Location"].split("/")[2])

    def post_step(self, scan_id: int, step_id: str, data: dict, action: str = "volgende"):
        return self.client.post(f"/scans/{scan_id}/stap/{step_id}", data=to_form(data) | {"actie": action})

    def fill(self, scan_id: int, scan_type: str, answers: dict) -> None:
        """Walk every step in order, answering the questions of that step that `answers` holds."""
        for step in self.questionnaires[scan_type].steps:
            data = {q.id: answers[q.id] for q in step.questions if q.id in answers}
            response = self.post_step(scan_id, step.id, data)
            assert response.status_code == 302, (step.id, response.get_data(as_text=True)[:3000])

    def evaluate(self, scan_id: int):
        return self.client.post(f"/scans/{scan_id}/overzicht")


def to_form(answers: dict) -> dict:
    """Typed answers as an HTML form would send them."""
    form = {}
    for key, value in answers.items():
        if isinstance(value, bool):
            form[key] = "ja" if value else "nee"
        elif isinstance(value, list):
            form[key] = value
        else:
            form[key] = str(value)
    return form


@pytest.fixture
def scans(client, catalogue):
    return ScanActions(client, catalogue.questionnaires)
