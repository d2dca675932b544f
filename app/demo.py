"""Demo data for `make run`: a few clearly fictional scans, so a new user sees the product at once.

Idempotent: scans whose subject already exists are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from app.db import db
from app.engine.evaluator import Evaluator
from app.models import Organisation, Portfolio, Scan, User
from app.paths import EXAMPLES_DIR
from app.rules.catalogue import Catalogue
from app.services import accounts, portfolios
from app.services import scans as svc

#: Demo accounts (printed in the README; demo only, never in production).
DEMO_PASSWORD = "demo-wachtwoord-123"
DEMO_ORGS = [
    ("Gemeente Voorbeeldstad (demo)", "gemeente"),
    ("Gemeente Anderstad (demo)", "gemeente"),
    ("RIEC Midden-Nederland (demo)", "riec"),
]
DEMO_USERS = [
    ("bibob@voorbeeldstad.demo", "Bea Bibob (demo)", "bibob_officer", "Gemeente Voorbeeldstad (demo)"),
    ("bibob@anderstad.demo", "Anton Ander (demo)", "bibob_officer", "Gemeente Anderstad (demo)"),
    ("jurist@riec.demo", "Jet Jurist (demo)", "jurist", "RIEC Midden-Nederland (demo)"),
    ("tov@riec.demo", "Tom TOV (demo)", "tov_adviser", "RIEC Midden-Nederland (demo)"),
    ("beheer@riec.demo", "Bas Beheer (demo)", "admin", "RIEC Midden-Nederland (demo)"),
]

#: The demo scans, portfolio and register names: data, not code (a scan type is never named in Python).
DEMO_FILE = EXAMPLES_DIR / "demo.yaml"


class DemoSubjectSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    address = fields.String(load_default="")
    kvk = fields.String(load_default=None, validate=validate.Regexp(r"^[0-9]{8}$"))


class DemoScanSchema(Schema):
    scan = fields.String(required=True)
    subject = fields.Nested(DemoSubjectSchema, required=True)
    evaluate = fields.Boolean(load_default=True)
    steps = fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String()), required=True)


class DemoPortfolioSchema(Schema):
    scan = fields.String(required=True)
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    register = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9_-]+\.csv$"))


class DemoSchema(Schema):
    scans = fields.List(fields.Nested(DemoScanSchema), load_default=list)
    portfolio = fields.Nested(DemoPortfolioSchema, load_default=None)
    register_names = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), load_default=dict)


@dataclass(frozen=True)
class DemoScan:
    scan_type: str
    subject: svc.Subject
    steps: dict[str, dict]
    evaluate: bool


def demo_data(path: Path = DEMO_FILE) -> dict:
    """The demo file, checked (marshmallow); a broken file raises ValidationError naming the field."""
    return DemoSchema().load(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


def demo_scans(catalogue: Catalogue, path: Path = DEMO_FILE) -> list[DemoScan]:
    """The demo scans whose scan type exists in this catalogue, in file order."""
    return [
        DemoScan(entry["scan"], svc.Subject(**entry["subject"]), entry["steps"], entry["evaluate"])
        for entry in demo_data(path)["scans"]
        if entry["scan"] in catalogue.scans
    ]


def load_demo_accounts() -> dict[str, User]:
    """Create the demo organisations and users that do not exist yet; return users by email."""
    orgs = {}
    for name, kind in DEMO_ORGS:
        orgs[name] = db.session.scalar(select(Organisation).where(Organisation.name == name)) or (
            accounts.create_organisation(name, kind)
        )
    users = {}
    for email, name, role, org in DEMO_USERS:
        users[email] = db.session.scalar(select(User).where(User.email == email)) or (
            accounts.create_user(email, name, role, orgs[org], DEMO_PASSWORD)
        )
    return users


def load_demo(catalogue: Catalogue, evaluator: Evaluator) -> int:
    """Create the demo accounts, scans and portfolio that do not exist yet; return how many were created."""
    officer = load_demo_accounts()["bibob@voorbeeldstad.demo"]
    created = 0
    scans = demo_scans(catalogue)
    for demo in scans:
        subject = demo.subject
        if db.session.scalar(select(Scan.id).where(Scan.subject_name == subject.name)):
            continue
        questionnaire = catalogue.questionnaires[demo.scan_type]
        scan = svc.create_scan(questionnaire, subject, officer)
        for step_id, answers in demo.steps.items():
            step = questionnaire.step(step_id)
            kvk = svc.kvk_question(step)
            if kvk is not None and subject.kvk:  # one KvK number: the subject's is the step's answer
                answers = {**answers, kvk.id: subject.kvk}
            kept, errors = svc.check_step(questionnaire, step, answers, scan.answers())
            if errors:
                raise ValueError(f"demo data for {subject.name}, step {step_id}: {errors}")
            svc.save_step(scan, step, kept, questionnaire.step_after(step_id), officer)
        if demo.evaluate:
            svc.evaluate_scan(scan, evaluator, officer)
        created += 1
    created += load_demo_portfolio(evaluator, officer)
    if scans:
        load_demo_dossier(officer, scans[0])  # not counted: the CLI reports scans and portfolios
    return created


def load_demo_portfolio(evaluator: Evaluator, officer: User) -> int:
    """The demo file's example register as a ready portfolio (once), so the ranked overview has something to show."""
    demo = demo_data()["portfolio"]
    if demo is None or demo["scan"] not in evaluator.catalogue.scans:
        return 0
    if db.session.scalar(select(Portfolio.id).where(Portfolio.name == demo["name"])):
        return 0
    path = EXAMPLES_DIR / demo["register"]
    portfolio, _ = portfolios.start(officer, evaluator, demo["scan"], demo["name"], path.name, path.read_bytes())
    portfolios.run_now(portfolio)
    return 1


DEMO_DOSSIER = "DEMO-2026-001"


def load_demo_dossier(officer: User, first: DemoScan) -> int:
    """One open Bibob dossier around the first demo scan (once): a questionnaire letter out, its deadline running."""
    import datetime as dt

    from app.models import Dossier
    from app.services import dossiers

    if db.session.scalar(select(Dossier.id).where(Dossier.reference == DEMO_DOSSIER)):
        return 0
    scan_type, subject = first.scan_type, first.subject
    scan = db.session.scalar(select(Scan).where(Scan.subject_name == subject.name))
    today = dt.date.today()
    dossier = dossiers.create(
        officer,
        {
            "context": "beschikking_aanvraag",
            "reference": DEMO_DOSSIER,
            "decision_subject": "exploitatievergunning (demo)",
            "branch": scan_type,
            "applicant_name": subject.name,
            "applicant_address": subject.address,
            "applicant_kvk": subject.kvk,
            "received_on": today - dt.timedelta(days=12),
            "shared_with_riec": True,
        },
    )
    if scan is not None:
        dossiers.link_scan(dossier, officer, scan.id)
    dossiers.make_letter(dossier, officer, "vragenlijst", {"on": today - dt.timedelta(days=10), "days": 14})
    return 1
