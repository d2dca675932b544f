"""Personal API tokens in the web app: create one for a zaaksysteem (the value is shown once), revoke it."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user
from marshmallow import Schema, ValidationError, fields, validate

from app.services import tokens as svc

bp = Blueprint("tokens", __name__, url_prefix="/account/api-tokens")


class TokenForm(Schema):
    name = fields.String(
        required=True, validate=validate.Length(min=2, max=120, error="Geef het token een naam (2 tot 120 tekens).")
    )


@bp.route("/", methods=["GET", "POST"])
def index():
    errors: dict[str, list[str]] = {}
    created = None
    if request.method == "POST":
        try:
            data = TokenForm().load({"name": (request.form.get("name") or "").strip()})
        except ValidationError as err:
            errors = err.messages
        else:
            created = svc.create_token(current_user, data["name"])
    return render_template("account/tokens.html", tokens=svc.tokens_of(current_user), created=created, errors=errors), (
        422 if errors else 200
    )


@bp.post("/<int:token_id>/intrekken")
def revoke(token_id: int):
    token = svc.own_token(current_user, token_id)
    if token is None:
        abort(404)
    svc.revoke(token, current_user)
    return redirect(url_for("tokens.index"))
