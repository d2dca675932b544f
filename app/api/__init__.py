"""JSON API under /api/v1 (flask-smorest), with an OpenAPI document at /api/v1/openapi.json."""

from __future__ import annotations

import copy

from flask import Flask
from flask_smorest import Api


class BibobApi(Api):
    """flask-smorest Api without its app-wide error handler: app/web/errors.py answers JSON under /api/."""

    def _register_error_handlers(self):
        return None


api = BibobApi()

SETTINGS = {
    "API_TITLE": "Bibob-risicoscan API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "API_SPEC_OPTIONS": {
        "info": {
            "description": (
                "Scans, antwoorden, evaluaties, rapporten en de regelcatalogus. "
                "Authenticatie met een persoonlijk token: `Authorization: Bearer <token>`."
            )
        },
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    },
}


def init_api(app: Flask) -> None:
    for key, value in SETTINGS.items():
        # A copy per app: apispec merges the generated components into API_SPEC_OPTIONS when it writes
        # the document, so a shared dict would carry one app's schemas (its scan types) into the next.
        app.config.setdefault(key, copy.deepcopy(value))
    from app.api.routes import blp

    api.init_app(app)
    with app.app_context():  # the schemas' scan-type enum is read from this app's registry
        api.register_blueprint(blp)
