"""Extensions, created unbound here and bound to an app in `init_extensions`."""

from __future__ import annotations

from flask import Flask

from app.services.catalogue import CatalogueService

catalogue = CatalogueService()


def init_extensions(app: Flask) -> None:
    catalogue.init_app(app)
