"""Shared fixtures: the app on the real catalogue, a CLI runner, and a scratch copy of the catalogue."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app import create_app
from app.engine.adapter import DurableEngine
from app.engine.evaluator import Evaluator
from app.paths import FORMS_DIR, RULES_DIR
from app.rules.loader import load_catalogue


@pytest.fixture(scope="session")
def catalogue():
    return load_catalogue(RULES_DIR, FORMS_DIR)


@pytest.fixture(scope="session")
def evaluator(catalogue):
    return Evaluator(catalogue, DurableEngine())


@pytest.fixture
def app():
    return create_app({"ENV_NAME": "testing", "TESTING": True})


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
