"""Login and logout. Every other page requires a logged-in user (see `init_security`)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from app.db import db
from app.services import accounts, audit

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site paths, never an absolute URL (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("main.index")


@bp.route("/inloggen", methods=["GET", "POST"])
def login():
    error = None
    email = ""
    if request.method == "POST":
        email = (request.form.get("email") or "").strip()[:200]
        password = request.form.get("password") or ""
        user = accounts.authenticate(email, password)
        if user is not None:
            session.clear()
            session.permanent = True
            login_user(user)
            return redirect(_safe_next(request.args.get("volgende")))
        error = (
            "Inloggen is niet gelukt. Controleer uw e-mailadres en wachtwoord. "
            "Na vijf mislukte pogingen wordt het account 15 minuten geblokkeerd."
        )
    status = 401 if error else 200
    return render_template("auth/login.html", error=error, email=email), status


@bp.post("/uitloggen")
def logout():
    if current_user.is_authenticated:
        audit.record("logout")
        db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))
