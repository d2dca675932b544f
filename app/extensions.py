"""Extensions, created unbound here and bound to an app in `init_extensions`."""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from app.db import db, tune_sqlite
from app.services.catalogue import CatalogueService
from app.services.jobs import JobQueue

catalogue = CatalogueService()
csrf = CSRFProtect()
jobs = JobQueue()
#: Per-source rate limits (login, second factor). Storage: RATELIMIT_STORAGE_URI, in memory by default.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
login_manager = LoginManager()


def init_extensions(app: Flask) -> None:
    db.init_app(app)
    tune_sqlite(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)

    @login_manager.user_loader
    def load_user(user_id: str):
        from app.models import User

        try:
            return db.session.get(User, int(user_id))
        except (TypeError, ValueError):
            return None

    catalogue.init_app(app)
    jobs.init_app(app)
