"""The public rule catalogue and its Algoritmeregister description (no login: the rules are policy, not Bibob data)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from app.extensions import catalogue
from app.services import transparency

bp = Blueprint("catalogue", __name__, url_prefix="/catalogus")


@bp.get("/")
def index():
    return render_template("catalogue/index.html", scans=transparency.catalogue_view(catalogue.load()))


@bp.get("/algoritmeregister")
def register():
    return render_template("catalogue/register.html", entry=_register())


@bp.get("/algoritmeregister.json")
def register_json():
    return _register()


def _register() -> dict:
    """The register entry, with what the publishing organisation set in the settings (ALGORITMEREGISTER)."""
    return transparency.algoritmeregister(catalogue.load(), current_app.config.get("ALGORITMEREGISTER"))
