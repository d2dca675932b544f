"""Start page: the scans on offer and the state of the catalogue."""

from __future__ import annotations

from flask import Blueprint, render_template

from app.extensions import catalogue
from app.rules.vocabulary import SCANS

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    cat = catalogue.load()
    scans = [
        {"id": s, "label": label, "rules": len(cat.rules_for(s)), "version": cat.version(s)}
        for s, label in SCANS.items()
    ]
    return render_template("index.html", scans=scans)


@bp.get("/health")
def health():
    catalogue.load()
    return {"status": "ok"}
