"""The look of every page: NL Design System tokens per organisation, the role's menu, the favicon.

An organisation's theme (logo, colours) lives in the settings (`THEMES`, or a JSON file named by
`BIBOB_THEMES_FILE`), keyed by organisation name, with "default" for everyone else. Colours become
NL Design System (Utrecht) token overrides in /thema.css, so no inline style is needed (CSP).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, current_app, request, url_for
from flask_login import current_user

from app.services import access

HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
LOGO = re.compile(r"^[a-z0-9_-]+\.(svg|png)$")

DEFAULT_THEME = {"primary": "#154273", "primary_hover": "#0e2f52", "header": "#154273", "logo": None}


def current_theme() -> dict[str, Any]:
    """The theme of the logged-in user's organisation (the default before login), with unsafe values dropped."""
    themes = current_app.config.get("THEMES") or {}
    theme = dict(DEFAULT_THEME)
    theme.update(themes.get("default", {}))
    if current_user.is_authenticated:
        theme.update(themes.get(current_user.organisation.name, {}))
    for key in ("primary", "primary_hover", "header"):
        if not HEX.match(str(theme.get(key) or "")):
            theme[key] = DEFAULT_THEME[key]
    if theme.get("logo") and not LOGO.match(str(theme["logo"])):
        theme["logo"] = None
    return theme


def theme_css(theme: dict[str, Any]) -> str:
    """Token overrides for the NL Design System components (and our own header)."""
    p, hover, header = theme["primary"], theme["primary_hover"], theme["header"]
    return (
        ":root, .utrecht-theme {\n"
        f"  --bibob-brand: {p};\n  --bibob-header-background: {header};\n"
        f"  --utrecht-link-color: {p};\n  --utrecht-link-hover-color: {hover};\n"
        f"  --utrecht-link-visited-color: {p};\n"
        f"  --utrecht-button-primary-action-background-color: {p};\n"
        f"  --utrecht-button-primary-action-border-color: {p};\n"
        f"  --utrecht-button-primary-action-hover-background-color: {hover};\n"
        f"  --utrecht-button-primary-action-hover-border-color: {hover};\n"
        f"  --utrecht-button-secondary-action-color: {p};\n"
        f"  --utrecht-button-secondary-action-border-color: {p};\n"
        f"  --utrecht-button-secondary-action-hover-color: {hover};\n"
        f"  --utrecht-button-secondary-action-hover-border-color: {hover};\n"
        f"  --utrecht-heading-color: {p};\n"
        "}\n"
    )


MENU = (
    # (area, label, endpoint, query)
    ("scans", "Scans", "scans.index", {}),
    ("new_scan", "Nieuwe scan", "scans.new", {}),
    ("review_queue", "Beoordeling", "review.queue", {}),
    ("portfolios", "Portfolio's", "portfolios.index", {}),
    ("dossiers", "Dossiers", "dossiers.index", {}),
    ("figures", "Stuurinformatie", "dossiers.figures", {}),
    ("audit", "Audittrail", "audit.index", {}),
)


def menu() -> list[dict[str, Any]]:
    """The main menu of this user's role: only places the access rules let them in."""
    items = []
    if current_user.is_authenticated:
        allowed = access.areas(current_user)
        items = [
            {"label": label, "url": url_for(endpoint, **query), "current": request.endpoint == endpoint}
            for area, label, endpoint, query in MENU
            if area in allowed
        ]
    items.append(
        {"label": "Catalogus", "url": url_for("catalogue.index"), "current": request.endpoint == "catalogue.index"}
    )
    return items


def init_theme(app: Flask) -> None:
    """Make `theme()`, `menu()` and `may()` available to every template."""

    def may(action: str, scan=None) -> bool:
        return current_user.is_authenticated and access.may(current_user, action, scan)

    app.jinja_env.globals.update(theme=current_theme, menu=menu, may=may)
