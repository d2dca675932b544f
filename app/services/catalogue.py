"""Holds the loaded catalogue and its evaluator per app, loaded on first use.

Loading is lazy so that `flask rules check` can report a broken catalogue
instead of failing at start-up. One evaluator per process: durable-rules keeps
registered rulesets for the life of the process.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from app.engine.evaluator import Evaluator
from app.rules.catalogue import Catalogue
from app.rules.loader import load_catalogue

_EXTENSION_KEY = "bibob_catalogue"


class CatalogueService:
    """Flask extension: `catalogue.evaluator` gives the current app's evaluator."""

    def init_app(self, app: Flask) -> None:
        app.extensions[_EXTENSION_KEY] = {}

    @staticmethod
    def _state() -> dict:
        return current_app.extensions[_EXTENSION_KEY]

    def load(self) -> Catalogue:
        """Load (or return the loaded) catalogue; raises CatalogueError when broken."""
        state = self._state()
        if "catalogue" not in state:
            cfg = current_app.config
            state["catalogue"] = load_catalogue(Path(cfg["RULES_DIR"]), Path(cfg["FORMS_DIR"]))
        return state["catalogue"]

    @property
    def evaluator(self) -> Evaluator:
        state = self._state()
        if "evaluator" not in state:
            state["evaluator"] = Evaluator(
                self.load(), shared_engine(current_app.config.get("ENGINE_ISOLATION", "process"))
            )
        return state["evaluator"]


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
