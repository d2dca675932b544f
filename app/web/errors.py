"""Error pages in Dutch; never a stack trace or a bare 500 for the user."""

from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import Forbidden, HTTPException


class Refused(Forbidden):
    """403 with a Dutch reason the user may read (why this action is not allowed)."""

    def __init__(self, reason: str):
        super().__init__(description=reason)
        self.dutch = True


MESSAGES = {
    400: "Het verzoek kon niet worden verwerkt.",
    403: "U heeft geen toegang tot deze pagina.",
    404: "Deze pagina bestaat niet of u heeft er geen toegang toe.",
    405: "Deze handeling is hier niet toegestaan.",
    413: "Het verstuurde bestand of formulier is te groot.",
    500: "Er ging iets mis aan onze kant. Probeer het later opnieuw.",
}


def init_errorhandlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        message = exc.description if getattr(exc, "dutch", False) else MESSAGES.get(code, "Er ging iets mis.")
        return render_template("error.html", code=code, message=message), code

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unhandled error")  # the message holds no answers or personal data
        return render_template("error.html", code=500, message=MESSAGES[500]), 500
