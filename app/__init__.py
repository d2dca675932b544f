"""Bibob-risicoscan: the Flask application factory.

`create_app` reads like a table of contents: configuration, extensions,
blueprints, error handlers, commands. Each step lives in its own module.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from app.config import configure
from app.paths import STATIC_DIR, TEMPLATES_DIR


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application; `config` overrides settings (tests pass their own)."""
    app = Flask(
        __name__, template_folder=str(TEMPLATES_DIR), static_folder=str(STATIC_DIR), instance_relative_config=True
    )
    configure(app, config)
    register_extensions(app)
    register_input_guard(app)
    register_security(app)
    register_blueprints(app)
    register_api(app)
    register_errorhandlers(app)
    register_commands(app)
    register_operations(app)
    register_filters(app)
    register_theme(app)
    return app


def register_extensions(app: Flask) -> None:
    from app import transaction
    from app.extensions import init_extensions

    init_extensions(app)
    transaction.init_app(app)


def register_input_guard(app: Flask) -> None:
    from app.web.input_guard import init_input_guard

    init_input_guard(app)


def register_security(app: Flask) -> None:
    from app.web.security import init_security

    init_security(app)


def register_blueprints(app: Flask) -> None:
    from app.web.admin import bp as admin_bp
    from app.web.audit import bp as audit_bp
    from app.web.auth import bp as auth_bp
    from app.web.catalogue import bp as catalogue_bp
    from app.web.controle import bp as controle_bp
    from app.web.dossiers import bp as dossiers_bp
    from app.web.main import bp as main_bp
    from app.web.portfolios import bp as portfolios_bp
    from app.web.reports import bp as reports_bp
    from app.web.review import bp as review_bp
    from app.web.scans import bp as scans_bp
    from app.web.tokens import bp as tokens_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(scans_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(catalogue_bp)
    app.register_blueprint(portfolios_bp)
    app.register_blueprint(controle_bp)
    app.register_blueprint(tokens_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(dossiers_bp)


def register_theme(app: Flask) -> None:
    from app.web.theme import init_theme

    init_theme(app)


def register_api(app: Flask) -> None:
    from app.api import init_api

    init_api(app)  # CSRF: bearer-token requests are exempt, cookie requests are not (app/web/security.py)


def register_errorhandlers(app: Flask) -> None:
    from app.web.errors import init_errorhandlers

    init_errorhandlers(app)


def register_commands(app: Flask) -> None:
    from app.cli import (
        audit_cli,
        db_cli,
        demo_cli,
        dossiers_cli,
        forms_cli,
        report_cli,
        retention_cli,
        rules_cli,
        scan_cli,
        users_cli,
    )

    app.cli.add_command(rules_cli)
    app.cli.add_command(scan_cli)
    app.cli.add_command(forms_cli)
    app.cli.add_command(db_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(report_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(retention_cli)
    app.cli.add_command(dossiers_cli)
    app.cli.add_command(audit_cli)


def register_operations(app: Flask) -> None:
    """The job worker, health endpoints, structured logs and the go-live check."""
    from app.ops import doctor_command, jobs_cli
    from app.web.health import bp as health_bp
    from app.weblog import init_logging

    app.cli.add_command(jobs_cli)
    app.cli.add_command(doctor_command)
    app.register_blueprint(health_bp)
    init_logging(app)


def register_filters(app: Flask) -> None:
    from app.web.filters import init_filters

    init_filters(app)
