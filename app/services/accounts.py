"""Accounts: create organisations and users, check passwords (argon2), lock out after repeated failures."""

from __future__ import annotations

import datetime as dt

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import func, select

from app.db import db
from app.models import Organisation, User
from app.models.account import ORG_KINDS, ROLE_ORG_KIND, ROLES
from app.services import audit

MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 12
_hasher = PasswordHasher()


class AccountError(ValueError):
    """A user or organisation cannot be created as asked (Dutch message)."""


def create_organisation(name: str, kind: str) -> Organisation:
    if kind not in ORG_KINDS:
        raise AccountError(f"soort moet een van {', '.join(ORG_KINDS)} zijn")
    if db.session.scalar(select(Organisation).where(Organisation.name == name)):
        raise AccountError(f"organisatie {name!r} bestaat al")
    org = Organisation(name=name, kind=kind)
    db.session.add(org)
    db.session.commit()
    return org


def create_user(email: str, name: str, role: str, organisation: Organisation, password: str) -> User:
    email = email.strip().lower()
    if role not in ROLES:
        raise AccountError(f"rol moet een van {', '.join(ROLES)} zijn")
    needed = ROLE_ORG_KIND[role]
    if needed and organisation.kind != needed:
        raise AccountError(f"rol {role} hoort bij een organisatie van soort {needed}")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"wachtwoord moet minstens {MIN_PASSWORD} tekens hebben")
    if db.session.scalar(select(User).where(func.lower(User.email) == email)):
        raise AccountError(f"gebruiker {email} bestaat al")
    user = User(email=email, name=name, role=role, organisation=organisation, password_hash=_hasher.hash(password))
    db.session.add(user)
    db.session.flush()
    audit.record("user_created", user=None, new_user_id=user.id, role=role)
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user if the password is right and the account is not locked; failures are counted and audited."""
    now = dt.datetime.now(dt.UTC)
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        audit.record("login_failed", user=None, reason="onbekend account")
        db.session.commit()
        return None
    locked = user.locked_until is not None and _aware(user.locked_until) > now
    if locked or not user.active or not _verify(user.password_hash, password):
        if not locked:
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILURES:
                user.locked_until = now + dt.timedelta(minutes=LOCK_MINUTES)
                user.failed_logins = 0
        audit.record("login_failed", user=user, reason="geblokkeerd" if locked else "onjuist")
        db.session.commit()
        return None
    user.failed_logins = 0
    user.locked_until = None
    audit.record("login", user=user)
    db.session.commit()
    return user


def is_locked(user: User) -> bool:
    return user.locked_until is not None and _aware(user.locked_until) > dt.datetime.now(dt.UTC)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
