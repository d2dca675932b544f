"""Extensions, created unbound here and bound to an app in `init_extensions`."""

from __future__ import annotations

from flask import Flask
from flask_wtf import CSRFProtect

from app.db import db
from app.services.catalogue import CatalogueService

catalogue = CatalogueService()
csrf = CSRFProtect()


def init_extensions(app: Flask) -> None:
    db.init_app(app)
    csrf.init_app(app)
    catalogue.init_app(app)
