"""Security around every request: who is asking, login required, CSRF, session lifetime, secure headers.

- A request with `Authorization: Bearer …` under /api/ is authenticated by that token alone (any
  cookie is ignored) and needs no CSRF token: a browser never adds that header by itself.
- Every other state-changing request needs a valid CSRF token, also API calls made with a session cookie.
- A web session ends after 30 minutes without a request, 12 hours after login, when the browser
  changes (user agent), and when its account's session generation is raised (logout, password
  change, lockout, 2FA reset): sessions are signed cookies, so the end is checked here, server-side.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import time

from flask import Flask, current_app, flash, g, jsonify, redirect, request, session, url_for
from flask_login import current_user, logout_user

from app.extensions import csrf, login_manager

IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 12 * 60 * 60

#: Pages without login: the login and its second step, static files, health, and the public rule catalogue.
OPEN_ENDPOINTS = {
    "auth.login",
    "auth.second_factor",
    "auth.enrol",
    "static",
    "main.health",
    "health.healthz",
    "health.readyz",
    "main.theme_css_view",
    "main.favicon",
    "main.accessibility",
    "catalogue.index",
    "catalogue.register",
    "catalogue.register_json",
    "catalogue.register_detail_json",
    "catalogue.processing",
    "catalogue.processing_markdown",
    "api-docs.openapi_json",
}

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def init_security(app: Flask) -> None:
    # Not setdefault: Flask already sets 31 days. Sessions are browser-session cookies; the limits are checked below.
    app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(seconds=ABSOLUTE_SECONDS)
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = app.config["ENV_NAME"] not in ("development", "testing")
    app.config["REMEMBER_COOKIE_DURATION"] = dt.timedelta(seconds=0)
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # checked in guard_request, after bearer-token requests are known
    login_manager.session_protection = None  # its "strong" mode trusts X-Forwarded-For; see _session_alive
    _keep_query_strings_out_of_the_access_log()

    @app.before_request
    def guard_request():
        if _is_bearer_request():
            return _bearer_login()
        if current_user.is_authenticated and not _session_alive():
            return _end_session()
        needs_login = request.endpoint not in OPEN_ENDPOINTS and request.endpoint is not None
        if needs_login and not current_user.is_authenticated:
            if request.path.startswith("/api/"):
                return _unauthorised()
            return redirect(url_for("auth.login", volgende=request.full_path.rstrip("?")))
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()
        return None

    @app.after_request
    def secure_headers(response):
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        if request.endpoint not in ("static", "main.theme_css_view"):
            response.headers["Cache-Control"] = "no-store"
        return response


class QueryStringFilter(logging.Filter):
    """Access log lines keep the path but not the query string: it holds search terms (names, KvK numbers)."""

    _QUERY = re.compile(r"\?[^\s\x1b\"]*")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args and isinstance(record.args[0], str):
            record.args = (self._QUERY.sub("?…", record.args[0]), *record.args[1:])
        elif isinstance(record.msg, str) and "?" in record.msg and not record.args:
            record.msg = self._QUERY.sub("?…", record.msg)
        return True


def _keep_query_strings_out_of_the_access_log() -> None:
    """The development server logs each request line on the "werkzeug" logger; filter it once per process."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, QueryStringFilter) for f in logger.filters):
        logger.addFilter(QueryStringFilter())


def _is_bearer_request() -> bool:
    return request.path.startswith("/api/") and request.headers.get("Authorization", "").startswith("Bearer ")


def _bearer_login():
    """Authenticate by the token only; the session cookie, if any, is not used for this request."""
    from app.services.tokens import user_for

    user = user_for(request.headers["Authorization"][len("Bearer ") :].strip())
    if user is None:
        return _unauthorised()
    g._login_user = user  # Flask-Login's current user for this request, without touching the session
    g.via_token = True
    return None


def _unauthorised():
    return jsonify(code=401, message="Niet ingelogd: geef een geldig token (Authorization: Bearer …)."), 401


def _browser_mark() -> str:
    return hashlib.sha256(request.headers.get("User-Agent", "").encode()).hexdigest()[:32]


def start_session(user) -> None:
    """Stamp a fresh session at login: its start, last use, account generation and browser."""
    now = time.time()
    session.permanent = False  # a browser-session cookie: no Expires date in the cookie itself
    session["_login_at"] = now
    session["_seen_at"] = now
    session["_sv"] = user.session_version
    session["_ua"] = _browser_mark()


def _session_alive() -> bool:
    """Whether this cookie session may continue; refreshes the last-use time when it may."""
    now = time.time()
    login_at, seen_at = session.get("_login_at"), session.get("_seen_at")
    if not isinstance(login_at, int | float) or not isinstance(seen_at, int | float):
        return False
    if now - seen_at > IDLE_SECONDS or now - login_at > ABSOLUTE_SECONDS:
        return False
    if session.get("_sv") != current_user.session_version or session.get("_ua") != _browser_mark():
        return False
    session["_seen_at"] = now
    return True


def _end_session():
    logout_user()
    session.clear()
    if request.path.startswith("/api/"):
        return _unauthorised()
    flash("Uw sessie is beëindigd. Log opnieuw in.")
    return redirect(url_for("auth.login"))
