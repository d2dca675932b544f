"""Extensions, created unbound here and bound to an app in `init_extensions`."""

from __future__ import annotations

from flask import Flask
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from app.db import db, tune_sqlite
from app.services.catalogue import CatalogueService
from app.services.jobs import JobQueue

catalogue = CatalogueService()
csrf = CSRFProtect()
jobs = JobQueue()
login_manager = LoginManager()


def init_extensions(app: Flask) -> None:
    db.init_app(app)
    tune_sqlite(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str):
        from app.models import User

        return db.session.get(User, int(user_id))

    @login_manager.request_loader
    def load_user_from_token(request):
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        from app.services.tokens import user_for

        return user_for(header[len("Bearer ") :].strip())

    catalogue.init_app(app)
    jobs.init_app(app)
