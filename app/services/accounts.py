"""Accounts: create organisations and users, check passwords (argon2), lock out after repeated failures.

Like every service, these functions flush and leave the commit to the request or command, with one
exception: a login attempt is claimed and committed before the password is checked (see `authenticate`).

Password rules are enforced here (BIO 5.17.03): a minimum length and no password from the
known-breached list shipped in `app/data/`. Login failures are counted atomically in the
database, so parallel guesses cannot outrun the lockout, and an unknown or locked account costs
the same argon2 check as a real one, so the response time does not reveal which emails exist.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from flask import current_app, has_app_context
from sqlalchemy import func, or_, select, update

from app.db import db
from app.models import Organisation, User
from app.models.account import ORG_KINDS, ROLE_ORG_KIND, ROLES
from app.services import audit

MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 12
MAX_PASSWORD = 200
BREACHED_LIST = Path(__file__).resolve().parent.parent / "data" / "breached-passwords.txt"
#: argon2 cost profiles by the PASSWORD_HASH_PROFILE setting: "standard" (argon2-cffi's defaults, production)
#: or "minimal" (the cheapest valid parameters; only the test suite may choose it, see app/config.py).
_HASHERS = {"standard": PasswordHasher(), "minimal": PasswordHasher.from_parameters(profiles.CHEAPEST)}


def _hasher() -> PasswordHasher:
    """The hasher for new hashes; a stored hash is always verified with the parameters it was made with."""
    profile = current_app.config.get("PASSWORD_HASH_PROFILE", "standard") if has_app_context() else "standard"
    return _HASHERS[profile]


class AccountError(ValueError):
    """A user or organisation cannot be created as asked (Dutch message)."""


def create_organisation(name: str, kind: str) -> Organisation:
    if kind not in ORG_KINDS:
        raise AccountError(f"soort moet een van {', '.join(ORG_KINDS)} zijn")
    if db.session.scalar(select(Organisation).where(Organisation.name == name)):
        raise AccountError(f"organisatie {name!r} bestaat al")
    org = Organisation(name=name, kind=kind)
    db.session.add(org)
    db.session.flush()
    return org


def create_user(email: str, name: str, role: str, organisation: Organisation, password: str) -> User:
    email = email.strip().lower()
    if role not in ROLES:
        raise AccountError(f"rol moet een van {', '.join(ROLES)} zijn")
    needed = ROLE_ORG_KIND[role]
    if needed and organisation.kind != needed:
        raise AccountError(f"rol {role} hoort bij een organisatie van soort {needed}")
    if problem := password_problem(password, email):
        raise AccountError(problem)
    if db.session.scalar(select(User).where(func.lower(User.email) == email)):
        raise AccountError(f"gebruiker {email} bestaat al")
    user = User(email=email, name=name, role=role, organisation=organisation, password_hash=_hasher().hash(password))
    db.session.add(user)
    db.session.flush()
    audit.record("user_created", user=None, object=f"gebruiker {user.id}", new_user_id=user.id, role=role)
    db.session.flush()
    return user


def password_problem(password: str, email: str = "") -> str | None:
    """Why a password may not be used (Dutch), or None: length, and not on the known-breached list."""
    if len(password) < MIN_PASSWORD:
        return f"Het wachtwoord moet minstens {MIN_PASSWORD} tekens hebben."
    if len(password) > MAX_PASSWORD:
        return f"Het wachtwoord mag hoogstens {MAX_PASSWORD} tekens hebben."
    lowered = password.strip().lower()
    if lowered in _breached():
        return "Dit wachtwoord staat op een lijst van gelekte wachtwoorden. Kies een ander wachtwoord."
    local = email.split("@", 1)[0].lower()
    if len(local) >= 4 and local in lowered:
        return "Het wachtwoord mag uw e-mailadres niet bevatten."
    if len(set(password)) < 5:
        return "Het wachtwoord heeft te weinig verschillende tekens."
    return None


@lru_cache(maxsize=1)
def _breached() -> frozenset[str]:
    lines = BREACHED_LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


def change_password(user: User, current: str, new: str) -> None:
    """Change a password after checking the current one; every session of the account ends."""
    if not _verify(user.password_hash, current):
        audit.record("password_changed", user=user, object=f"gebruiker {user.id}", result="geweigerd")
        raise AccountError("Het huidige wachtwoord klopt niet.")
    if problem := password_problem(new, user.email):
        raise AccountError(problem)
    user.password_hash = _hasher().hash(new)
    end_sessions(user)
    audit.record("password_changed", user=user, object=f"gebruiker {user.id}")
    db.session.flush()


def set_password(user: User, new: str) -> None:
    """Set a password from the CLI (admin), with the same rules; every session of the account ends."""
    if problem := password_problem(new, user.email):
        raise AccountError(problem)
    user.password_hash = _hasher().hash(new)
    end_sessions(user)
    audit.record("password_changed", user=None, object=f"gebruiker {user.id}", via="cli")
    db.session.flush()


def end_sessions(user: User) -> None:
    """End every session of this account server-side (logout, password change, lockout, 2FA reset)."""
    _execute(update(User).where(User.id == user.id).values(session_version=User.session_version + 1))
    db.session.expire(user, ["session_version"])


def authenticate(email: str, password: str) -> User | None:
    """The user if the password is right and the account is not locked; failures are counted and audited.

    The attempt is claimed with one atomic UPDATE before the password is checked, so at most
    MAX_FAILURES passwords are ever verified per lock period, however many arrive in parallel.
    """
    now = dt.datetime.now(dt.UTC)
    password = password[:MAX_PASSWORD]
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        _verify(_dummy_hash(), password)  # the same work as for a real account (no timing oracle)
        audit.record("login_failed", user=None, result="geweigerd", reason="onbekend account")
        return None
    attempt = _execute(
        update(User)
        .where(User.id == user.id, or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins)
    ).scalar()
    # The one commit of a service, on purpose: the claimed attempt must count for every parallel
    # request from here on, whatever this request does next (see app/transaction.py).
    db.session.commit()
    if attempt is None or attempt > MAX_FAILURES:
        _verify(_dummy_hash(), password)
        audit.record("login_failed", user=user, object=f"gebruiker {user.id}", result="geweigerd", reason="geblokkeerd")
        return None
    if not user.active or not _verify(user.password_hash, password):
        if attempt >= MAX_FAILURES:
            _lock(user, now)
        audit.record("login_failed", user=user, object=f"gebruiker {user.id}", result="geweigerd", reason="onjuist")
        return None
    _execute(update(User).where(User.id == user.id).values(failed_logins=0, locked_until=None))
    db.session.flush()
    db.session.refresh(user)
    return user


def _lock(user: User, now: dt.datetime) -> None:
    """Lock the account for LOCK_MINUTES and end its sessions (someone is guessing its password)."""
    _execute(
        update(User)
        .where(User.id == user.id)
        .values(failed_logins=0, locked_until=now + dt.timedelta(minutes=LOCK_MINUTES))
    )
    end_sessions(user)


def _dummy_hash() -> str:
    """A hash with the current profile's cost, so an unknown account costs what a real one does."""
    return _dummy_hash_for(current_app.config.get("PASSWORD_HASH_PROFILE", "standard"))


@lru_cache(maxsize=2)
def _dummy_hash_for(profile: str) -> str:
    return _HASHERS[profile].hash("geen-account-maar-wel-dezelfde-rekentijd")


def is_locked(user: User) -> bool:
    return user.locked_until is not None and _aware(user.locked_until) > dt.datetime.now(dt.UTC)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def second_factor_failed(user: User) -> None:
    """A wrong second-factor code counts like a wrong password (atomic), and locks at MAX_FAILURES."""
    now = dt.datetime.now(dt.UTC)
    attempt = _execute(
        update(User)
        .where(User.id == user.id)
        .values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins)
    ).scalar()
    if attempt is not None and attempt >= MAX_FAILURES:
        _lock(user, now)
    audit.record("twofactor_failed", user=user, object=f"gebruiker {user.id}", result="geweigerd")
    db.session.flush()


def second_factor_passed(user: User) -> None:
    _execute(update(User).where(User.id == user.id).values(failed_logins=0))
    audit.record("login", user=user, object=f"gebruiker {user.id}")
    db.session.flush()


def _execute(statement):
    """Run an UPDATE on users in the database only; the loaded User objects are expired, not evaluated."""
    result = db.session.execute(statement, execution_options={"synchronize_session": False})
    return result
