"""The public rule catalogue, its Algoritmeregister publication and the processing record
(no login: the rules and how data is processed are policy, not Bibob data)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template

from app.extensions import catalogue
from app.services import processing_record, transparency
from app.web.files import attachment

bp = Blueprint("catalogue", __name__, url_prefix="/catalogus")


@bp.get("/")
def index():
    loaded = catalogue.load()
    return render_template(
        "catalogue/index.html", scans=transparency.catalogue_view(loaded), advice=transparency.advice_view(loaded)
    )


def _publication():
    entry = transparency.publication(catalogue.load(), current_app.config["PUBLICATION"])
    return entry, transparency.validate_publication(entry)


@bp.get("/algoritmeregister")
def register():
    entry, problems = _publication()
    return render_template(
        "catalogue/register.html",
        entry=entry,
        problems=problems,
        spec=transparency.SPEC["properties"],
        detail=transparency.algoritmeregister(catalogue.load()),
    )


@bp.get("/algoritmeregister.json")
def register_json():
    """The entry under the standard's field names; refused with the reasons while it does not fit the standard."""
    entry, problems = _publication()
    if problems:
        return jsonify({"fouten": problems, "toelichting": "Stel de installatie in; zie docs/privacy.md."}), 422
    return jsonify(entry)


@bp.get("/algoritmeregister-toelichting.json")
def register_detail_json():
    """The older Dutch-keyed description (versions, indicator counts, weighing questions per scan)."""
    return transparency.algoritmeregister(catalogue.load())


@bp.get("/verwerkingsoverzicht")
def processing():
    record = processing_record.build(catalogue.load(), current_app.config)
    return render_template("catalogue/processing.html", record=record)


@bp.get("/verwerkingsoverzicht.md")
def processing_markdown():
    record = processing_record.build(catalogue.load(), current_app.config)
    return attachment(processing_record.to_markdown(record).encode("utf-8"), "verwerkingsoverzicht.md")
