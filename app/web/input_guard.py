"""Refuse malformed requests before a view sees them: 400 with a Dutch message, or 404 for ids out of range."""

from __future__ import annotations

from flask import Flask, request
from werkzeug.routing import IntegerConverter

from app.safe_input import MAX_ID, UnsafeInput, bad_text, load_json
from app.web.errors import Unreadable


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` in every route: ids beyond MAX_ID do not match (404), never an overflow in the database (500)."""

    def __init__(self, map, fixed_digits=0, min=0, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def init_input_guard(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntConverter

    @app.before_request
    def refuse_malformed_input():
        try:
            for values in (request.args, request.form):
                for key, value in values.items(multi=True):
                    if bad_text(key) or bad_text(value):
                        raise UnsafeInput("Het verzoek bevat een ongeldig teken (NUL-teken of losse surrogaat).")
            if request.is_json and (body := request.get_data(cache=True)):
                load_json(body)
        except UnsafeInput as exc:
            raise Unreadable(str(exc)) from None
