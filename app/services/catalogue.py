"""Holds the loaded catalogue and its evaluator per app, loaded on first use.

Loading is lazy so that `flask rules check` can report a broken catalogue
instead of failing at start-up. One evaluator per process: durable-rules keeps
registered rulesets for the life of the process.

The scan types (`app.rules.registry`) are discovered once when the app is created: the API's
OpenAPI document, form choices and CLI choices need them before any catalogue is loaded. The
catalogue is then loaded for exactly that registry, so both always agree.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app
from marshmallow import ValidationError, validate

from app.engine.evaluator import Evaluator
from app.rules.catalogue import Catalogue
from app.rules.errors import CatalogueError
from app.rules.loader import load_catalogue
from app.rules.registry import ScanRegistry, discover_scans

_EXTENSION_KEY = "bibob_catalogue"


class CatalogueService:
    """Flask extension: `catalogue.evaluator` gives the current app's evaluator."""

    def init_app(self, app: Flask) -> None:
        """Discover the scan types now; a broken set is kept as its error, for `rules check` to report."""
        state: dict = {}
        try:
            state["scans"] = discover_scans(Path(app.config["FORMS_DIR"]), Path(app.config["RULES_DIR"]))
        except CatalogueError as err:
            state["scans_error"] = err
        app.extensions[_EXTENSION_KEY] = state

    @staticmethod
    def _state() -> dict:
        return current_app.extensions[_EXTENSION_KEY]

    def load(self) -> Catalogue:
        """Load (or return the loaded) catalogue; raises CatalogueError when broken."""
        state = self._state()
        if "catalogue" not in state:
            cfg = current_app.config
            state["catalogue"] = load_catalogue(Path(cfg["RULES_DIR"]), Path(cfg["FORMS_DIR"]), state.get("scans"))
        return state["catalogue"]

    @property
    def scans(self) -> ScanRegistry:
        """The current app's scan types in list order; raises CatalogueError when they are broken."""
        return scan_registry(current_app)

    @property
    def evaluator(self) -> Evaluator:
        state = self._state()
        if "evaluator" not in state:
            state["evaluator"] = Evaluator(
                self.load(), shared_engine(current_app.config.get("ENGINE_ISOLATION", "process"))
            )
        return state["evaluator"]


def scan_registry(app: Flask) -> ScanRegistry:
    """The scan types discovered for `app` (also outside a request, e.g. while the API spec is built)."""
    state = app.extensions[_EXTENSION_KEY]
    if "scans" not in state:
        raise state["scans_error"]
    return state["scans"]


_ENGINES: dict = {}


def shared_engine(isolation: str = "process"):
    """One durable-rules engine per process; rulesets are keyed by scan and version.

    `process` (the default): durable runs in a supervised child process, and a crash or hang
    of its C core is answered by the reference evaluator (app.engine.guard). `inline`: durable
    in this process (faster by the pipe round trip, but a crash of the C core ends the process).
    """
    if isolation not in _ENGINES:
        if isolation == "inline":
            from app.engine.adapter import DurableEngine

            _ENGINES[isolation] = DurableEngine()
        else:
            from app.engine.guard import GuardedEngine

            _ENGINES[isolation] = GuardedEngine()
    return _ENGINES[isolation]


class ScanChoice(validate.Validator):
    """marshmallow validator: one of the current app's scan ids (discovered, never listed in Python).

    `choices` is read where flask-smorest builds the OpenAPI document (at app creation, in an app
    context), so the API's enum of scan types comes from the registry too.
    """

    def __init__(self, error: str = "moet een van {choices} zijn", allow_empty: bool = False):
        self.error = error
        self.allow_empty = allow_empty

    @property
    def choices(self) -> list[str]:
        try:
            ids = list(scan_registry(current_app).ids)
        except (RuntimeError, CatalogueError):  # no app, or scans broken: nothing is a valid choice
            ids = []
        return ["", *ids] if self.allow_empty else ids

    def __call__(self, value):
        choices = self.choices
        if value not in choices:
            raise ValidationError(self.error.format(choices=", ".join(c for c in choices if c)))
        return value
