"""Start page per role, the organisation's theme, the favicon and the accessibility statement."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, url_for
from flask_login import current_user

from app.extensions import catalogue
from app.models.scan import STATUSES
from app.rules.vocabulary import LEVELS
from app.services import home
from app.web.theme import current_theme, theme_css

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    cat = catalogue.load()
    scans = [{"id": s, "label": label, "rules": len(cat.rules_for(s))} for s, label in cat.scans.labels.items()]
    return render_template(
        "index.html",
        scans=scans,
        lists=home.start_page(current_user),
        statuses=STATUSES,
        levels=LEVELS,
        progress=lambda scan: home.progress(scan, cat.questionnaires.get(scan.scan_type)),
    )


@bp.get("/thema.css")
def theme_css_view():
    """NL Design System token overrides for the user's organisation (logo and colours from the settings)."""
    response = Response(theme_css(current_theme()), mimetype="text/css")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.get("/favicon.ico")
def favicon():
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.get("/toegankelijkheid")
def accessibility():
    return render_template("accessibility.html")


@bp.get("/health")
def health():
    catalogue.load()
    return {"status": "ok"}
