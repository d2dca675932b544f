"""Factories for test data: organisations, users and scans, made directly in the database.

They replace building accounts and scans by hand (or through the wizard) where a test only needs one
to exist. Each factory flushes and returns the object; the caller commits (or the request does).
The named test accounts of `tests.conftest.USERS` are made with `make_user(<short name>)`.
"""

from __future__ import annotations

import itertools
from typing import Any

from werkzeug.datastructures import MultiDict

from app.db import db, utcnow
from app.models import Organisation, Scan, User
from app.web.form_input import parse_step
from tests.conftest import ORGS, PASSWORD, TOTP_SECRET, USERS

_serial = itertools.count(1)

#: Answers that every scan type's questionnaire requires, per scan type.
REQUIRED = {
    "horeca": {"vergunningsoort": "beide", "inrichting_type": "cafe_bar"},
    "risicolocatie": {"branche": "autoverhuur"},
    "vastgoed": {"transactie_type": "verkoop_gemeente", "object_type": "bedrijfspand"},
    "bedrijventerrein": {"object_soort": "loods"},
    "buitengebied": {"object_soort": "schuur_stal_leeg"},
}
#: Answers to the shared steps that make common indicators fire.
COMMON = {
    "rechtsvorm": "bv",
    "vragenformulier_status": "volledig",
    "stroman_signalen": True,
    "financieringsbronnen": ["eigen_vermogen", "contante_lening"],
}
#: Per scan type: answers that make one scan-specific indicator fire, and that indicator's id.
SPECIFIC = {
    "horeca": ({"overname": True, "overnamesom": "200.000", "verwachte_omzet": "90.000,00"}, "HOR-009"),
    "risicolocatie": ({"doorverhuur_voertuigen": True}, "RL-005"),
    "vastgoed": ({"maanden_sinds_vorige_transactie": 6, "prijsstijging_pct": 40}, "VG-001"),
    "bedrijventerrein": (
        {"rol_betrokkene": "huurder", "vondsten_controle": ["vuurwapens"], "vondst_eigen_ruimte": True},
        "BT-001",
    ),
    "buitengebied": ({"verdacht_huurvoorstel": True}, "BG-012"),
}


def make_organisations() -> dict[str, Organisation]:
    """The organisations of ORGS, by key."""
    orgs = {key: Organisation(name=name, kind=kind) for key, (name, kind) in ORGS.items()}
    db.session.add_all(orgs.values())
    db.session.flush()
    return orgs


def make_user(
    key: str | None = None,
    *,
    role: str = "bibob_officer",
    organisation: Organisation | None = None,
    orgs: dict[str, Organisation] | None = None,
    password_hash: str | None = None,
    **fields: Any,
) -> User:
    """A user with PASSWORD and TOTP_SECRET enrolled: one of USERS by `key`, or a fresh one with `role`.

    A fresh user belongs to `organisation` (default: Gemeente Voorbeeldstad, or the RIEC for RIEC roles).
    """
    if key is not None:
        email, role, org_key = USERS[key]
        name = key.replace("_", " ").title()
    else:
        number = next(_serial)
        email, name = f"gebruiker{number}@voorbeeldstad.test", f"Gebruiker {number}"
        org_key = "voorbeeldstad" if role == "bibob_officer" else "riec"
    if organisation is None:
        organisation = (orgs or {}).get(org_key) or db.session.scalar(
            db.select(Organisation).where(Organisation.name == ORGS[org_key][0])
        )
    user = User(
        email=fields.pop("email", email),
        name=fields.pop("name", name),
        role=role,
        organisation=organisation,
        password_hash=password_hash or _cheap_hash(),
        totp_secret=TOTP_SECRET,
        totp_confirmed_at=utcnow(),
        **fields,
    )
    db.session.add(user)
    db.session.flush()
    return user


def _cheap_hash() -> str:
    from argon2 import PasswordHasher, profiles

    return PasswordHasher.from_parameters(profiles.CHEAPEST).hash(PASSWORD)


def scan_answers(scan_type: str, **extra: Any) -> dict[str, Any]:
    """Complete answers for a scan type: the required ones, the common ones, one scan-specific signal."""
    specific = SPECIFIC.get(scan_type, ({}, None))[0]
    return REQUIRED[scan_type] | COMMON | specific | extra


def make_scan(
    scan_type: str,
    user: User | None = None,
    answers: dict[str, Any] | None = None,
    *,
    evaluate: bool = False,
    name: str = "Café De Proef (fictief)",
) -> Scan:
    """A scan with its answers saved (one step per questionnaire step), evaluated when `evaluate` is set.

    Uses the real services (validation, audit, archive), but no HTTP round trips per step.
    """
    from app.extensions import catalogue
    from app.services import scans

    user = user or _officer()
    questionnaire = catalogue.load().questionnaires[scan_type]
    scan = scans.create_scan(questionnaire, scans.Subject(name, "Teststraat 1, Utrecht"), user)
    answers = scan_answers(scan_type) if answers is None else answers
    saved: dict[str, Any] = {}
    for step in questionnaire.steps:
        submitted = {q.id: answers[q.id] for q in step.questions if q.id in answers}
        typed, errors, _ = parse_step(step, _as_form(submitted))
        assert not errors, (step.id, errors)
        kept, errors = scans.check_step(questionnaire, step, typed, saved)
        assert not errors, (step.id, errors)
        saved |= kept
        scans.save_step(scan, step, kept, None, user)
    if evaluate:
        scans.evaluate_scan(scan, catalogue.evaluator, user)
    return scan


def _as_form(answers: dict[str, Any]) -> MultiDict:
    """Answers as the wizard's form would post them (the factory parses them as the view does)."""
    from tests.conftest import to_form

    return MultiDict(
        [(k, v) for k, value in to_form(answers).items() for v in (value if isinstance(value, list) else [value])]
    )


def _officer() -> User:
    return db.session.scalar(db.select(User).where(User.email == USERS["officer"][0]))


def person(naam: str, rol: str, *antecedents: tuple) -> dict[str, Any]:
    """One row of the `betrokken_personen` record: name, role and antecedents as (feit, jaar, status,
    samenhang, kanaal) tuples (shared by the record, derivation and buitengebied tests)."""
    row: dict[str, Any] = {"naam": naam, "rol": rol}
    if antecedents:
        row["antecedenten"] = [
            dict(zip(("feit", "jaar", "status", "samenhang", "kanaal"), a, strict=True)) for a in antecedents
        ]
    return row
