"""Security around every request: login required, session timeout, secure headers and cookies."""

from __future__ import annotations

import datetime as dt

from flask import Flask, jsonify, redirect, request, url_for
from flask_login import current_user

#: Pages without login: the login itself, static files, health, and the public rule catalogue.
OPEN_ENDPOINTS = {
    "auth.login",
    "static",
    "main.health",
    "main.theme_css_view",
    "main.favicon",
    "main.accessibility",
    "catalogue.index",
    "catalogue.register",
    "catalogue.register_json",
    "api-docs.openapi_json",
}

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def init_security(app: Flask) -> None:
    app.config.setdefault("PERMANENT_SESSION_LIFETIME", dt.timedelta(minutes=30))
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = app.config["ENV_NAME"] not in ("development", "testing")
    app.config["REMEMBER_COOKIE_DURATION"] = dt.timedelta(seconds=0)

    @app.before_request
    def require_login():
        if request.endpoint in OPEN_ENDPOINTS or request.endpoint is None:
            return None
        if not current_user.is_authenticated:
            if request.path.startswith("/api/"):
                return jsonify(code=401, message="Niet ingelogd: geef een geldig token (Authorization: Bearer …)."), 401
            return redirect(url_for("auth.login", volgende=request.full_path.rstrip("?")))
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
