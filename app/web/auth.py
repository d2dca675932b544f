"""Login (password, then the second factor), logout and password change.

Every other page requires a logged-in user (see `init_security`). After the password, the
account is "pending" in the session for at most five minutes: the user types a TOTP code,
or enrols one on the first login. Outside development every account needs the second
factor (TWO_FACTOR_REQUIRED); in development an account without one logs in with the password.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from app.db import db
from app.extensions import limiter
from app.models import User
from app.services import accounts, audit, twofactor
from app.web.security import start_session

bp = Blueprint("auth", __name__)

PENDING_SECONDS = 5 * 60
FAILED = (
    "Inloggen is niet gelukt. Controleer uw e-mailadres en wachtwoord. "
    "Na vijf mislukte pogingen wordt het account 15 minuten geblokkeerd."
)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _safe_next(target: str | None) -> str:
    """Only same-site paths, never an absolute URL (no open redirect)."""
    safe = target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc
    if safe and "\\" not in target:
        return target
    return url_for("main.index")


@bp.route("/inloggen", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    error = None
    email = ""
    if request.method == "POST":
        email = (request.form.get("email") or "").strip()[:200]
        user = accounts.authenticate(email, request.form.get("password") or "")
        if user is not None:
            return _after_password(user)
        error = FAILED
    status = 401 if error else 200
    notices = get_flashed_messages()
    return render_template("auth/login.html", error=error, email=email, notices=notices), status


def _after_password(user: User):
    """The password was right: finish the login, or ask for the second factor (enrol it the first time)."""
    target = _safe_next(request.args.get("volgende"))
    session.clear()
    if not twofactor.is_enrolled(user) and not current_app.config["TWO_FACTOR_REQUIRED"]:
        return _finish(user, target)
    session["_pending"] = {"user": user.id, "at": time.time(), "sv": user.session_version, "next": target}
    if twofactor.is_enrolled(user):
        return redirect(url_for("auth.second_factor"))
    return redirect(url_for("auth.enrol"))


def _pending_user() -> User | None:
    """The account whose password was just checked, while that is recent and nothing ended its sessions."""
    pending = session.get("_pending")
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending.get("user"))
    if user is None or not user.active or accounts.is_locked(user) or user.session_version != pending.get("sv"):
        return None
    return user


def _finish(user: User, target: str | None = None):
    target = target or session.get("_pending", {}).get("next") or url_for("main.index")
    session.clear()
    login_user(user)
    start_session(user)
    if not twofactor.is_enrolled(user):  # development only: no second factor asked
        accounts.second_factor_passed(user)
    return redirect(target)


@bp.route("/inloggen/code", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def second_factor():
    user = _pending_user()
    if user is None or not twofactor.is_enrolled(user):
        return redirect(url_for("auth.login"))
    error = None
    if request.method == "POST":
        if twofactor.check(user, (request.form.get("code") or "")[:40]):
            accounts.second_factor_passed(user)
            return _finish(user)
        accounts.second_factor_failed(user)
        error = "De code klopt niet. Gebruik de code uit uw authenticator-app of een herstelcode."
    return render_template("auth/second_factor.html", error=error), 401 if error else 200


@bp.route("/inloggen/instellen", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def enrol():
    user = _pending_user()
    if user is None or twofactor.is_enrolled(user):
        return redirect(url_for("auth.login"))
    error = None
    if request.method == "POST":
        codes = twofactor.confirm(user, (request.form.get("code") or "")[:40])
        if codes is not None:
            accounts.second_factor_passed(user)
            _finish(user)
            return render_template("auth/recovery_codes.html", codes=codes, next=url_for("main.index"))
        accounts.second_factor_failed(user)
        error = "De code klopt niet. Controleer de tijd op uw telefoon en probeer het opnieuw."
    return render_template(
        "auth/enrol.html",
        error=error,
        secret=twofactor.pending_secret(user),
        qr=twofactor.qr_data_uri(user),
    ), 401 if error else 200


@bp.post("/uitloggen")
def logout():
    if current_user.is_authenticated:
        accounts.end_sessions(current_user)  # every session of this account ends, also a copied cookie
        audit.record("logout", object=f"gebruiker {current_user.id}")
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/account/wachtwoord", methods=["GET", "POST"])
@login_required
def change_password():
    error = None
    if request.method == "POST":
        new = request.form.get("new_password") or ""
        if new != (request.form.get("repeat") or ""):
            error = "De twee nieuwe wachtwoorden zijn niet gelijk."
        else:
            try:
                accounts.change_password(current_user, request.form.get("current_password") or "", new)
            except accounts.AccountError as exc:
                error = str(exc)
            else:
                logout_user()
                session.clear()
                return redirect(url_for("auth.login"))
    return render_template("auth/password.html", error=error), 422 if error else 200
