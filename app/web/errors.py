"""Error pages in Dutch; never a stack trace or a bare 500 for the user."""

from __future__ import annotations

from flask import Flask, g, jsonify, render_template, request
from flask_login import current_user
from werkzeug.exceptions import BadRequest, Conflict, Forbidden, HTTPException

from app import transaction
from app.db import db
from app.models.states import StateError
from app.rules.errors import ScanTypeGone, translate
from app.services.access import NotAllowed


class Refused(Forbidden):
    """403 with a Dutch reason the user may read (why this action is not allowed)."""

    def __init__(self, reason: str):
        super().__init__(description=reason)
        self.dutch = True


class Moved(Conflict):
    """409 with a Dutch reason: the object is no longer in a state that allows this action."""

    def __init__(self, reason: str):
        super().__init__(description=reason)
        self.dutch = True


class Gone(HTTPException):
    """410 with a Dutch reason: what the action needs (e.g. a scan type's questionnaire) no longer exists."""

    code = 410

    def __init__(self, reason: str):
        super().__init__(description=reason)
        self.dutch = True


class Unreadable(BadRequest):
    """400 with a Dutch reason the user may read (input refused at the boundary)."""

    def __init__(self, reason: str):
        super().__init__(description=reason)
        self.dutch = True


MESSAGES = {
    400: "Het verzoek kon niet worden verwerkt.",
    403: "U heeft geen toegang tot deze pagina.",
    404: "Deze pagina bestaat niet of u heeft er geen toegang toe.",
    405: "Deze handeling is hier niet toegestaan.",
    410: "Dit bestaat niet meer.",
    413: "Het verstuurde bestand of formulier is te groot.",
    429: "Te veel pogingen vanaf uw adres. Wacht een paar minuten en probeer het opnieuw.",
    500: "Er ging iets mis aan onze kant. Probeer het later opnieuw.",
}


def init_errorhandlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        transaction.rollback()  # the view raised: nothing it did is stored (refusals it recorded are)
        if code in (403, 404):
            _audit_refusal(code)
        if request.path.startswith("/api/"):
            return _json_error(exc, code)
        message = exc.description if getattr(exc, "dutch", False) else MESSAGES.get(code, "Er ging iets mis.")
        return render_template("error.html", code=code, message=message), code

    @app.errorhandler(NotAllowed)
    def not_allowed(exc: NotAllowed):
        """A service refused an action the view did not check first: still a Dutch 403, never a 500."""
        return http_error(Refused(str(exc)))

    @app.errorhandler(StateError)
    def wrong_state(exc: StateError):
        """A move the state table refuses (e.g. two users acting on the same scan at once): 409, in Dutch."""
        return http_error(Moved(str(exc)))

    @app.errorhandler(ScanTypeGone)
    def scan_type_gone(exc: ScanTypeGone):
        """An action on a stored scan or register whose type was removed from the catalogue: 410, not a 500."""
        return http_error(Gone(str(exc)))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unhandled error")  # the message holds no answers or personal data
        transaction.rollback()  # a failed statement must not break the error page too (PostgreSQL)
        if request.path.startswith("/api/"):
            return jsonify(code=500, message=MESSAGES[500]), 500
        return render_template("error.html", code=500, message=MESSAGES[500]), 500


def _audit_refusal(code: int) -> None:
    """A logged-in user was refused a page that exists (e.g. another gemeente's scan): BIO 8.15.01 wants it logged.

    Only the route and the ids in the path are kept (no query string: it may hold search terms).
    """
    if request.url_rule is None or g.get("refusal_audited"):
        return
    try:
        if not current_user.is_authenticated:
            return
        from app.services import audit

        g.refusal_audited = True
        audit.record(
            "access_refused",
            object=request.path[:120],
            result="geweigerd",
            status=code,
            method=request.method,
        )
        db.session.commit()  # the refusal is a transaction of its own (the view's work was rolled back)
    except Exception:
        db.session.rollback()


def _json_error(exc: HTTPException, code: int):
    """API errors as JSON: a Dutch message and, for refused input, the errors per field."""
    data = getattr(exc, "data", None) or {}
    body = {"code": code, "message": data.get("message") or MESSAGES.get(code, "Er ging iets mis.")}
    if data.get("errors"):
        body["errors"] = data["errors"]
    elif data.get("messages"):  # webargs: {"json": {"field": [..]}} or {"json": ["Invalid JSON body."]}
        errors: dict = {}
        for part in data["messages"].values():
            if isinstance(part, dict):
                errors.update({k: [translate(m) for m in v] if isinstance(v, list) else v for k, v in part.items()})
            else:
                errors["_"] = [translate(str(m)) for m in part]
        body["errors"] = errors
    if getattr(exc, "dutch", False):
        body["message"] = exc.description
    return jsonify(body), code
