"""The public rule catalogue and its Algoritmeregister description (no login: the rules are policy, not Bibob data)."""

from __future__ import annotations

from flask import Blueprint, render_template

from app.extensions import catalogue
from app.services import transparency

bp = Blueprint("catalogue", __name__, url_prefix="/catalogus")


@bp.get("/")
def index():
    loaded = catalogue.load()
    return render_template(
        "catalogue/index.html", scans=transparency.catalogue_view(loaded), advice=transparency.advice_view(loaded)
    )


@bp.get("/algoritmeregister")
def register():
    return render_template("catalogue/register.html", entry=transparency.algoritmeregister(catalogue.load()))


@bp.get("/algoritmeregister.json")
def register_json():
    return transparency.algoritmeregister(catalogue.load())
