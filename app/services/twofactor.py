"""Two-factor authentication (TOTP, RFC 6238) with one-time recovery codes (BIO 5.17.01).

The secret is created at enrolment and counts only once the user has typed a valid code
(`totp_confirmed_at`). Recovery codes are shown once and stored as SHA-256 hashes. An admin
can reset someone's second factor; that ends every session of the account and is audited.
"""

from __future__ import annotations

import hashlib
import secrets

import pyotp
import segno
from sqlalchemy import delete, select

from app.db import db, utcnow
from app.models import RecoveryCode, User
from app.services import audit
from app.services.accounts import end_sessions

ISSUER = "Bibob-risicoscan"
RECOVERY_CODES = 10


def is_enrolled(user: User) -> bool:
    return bool(user.totp_secret and user.totp_confirmed_at)


def pending_secret(user: User) -> str:
    """The secret being enrolled, created on first call (and kept once confirmed)."""
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32()
        db.session.flush()
    return user.totp_secret


def provisioning_uri(user: User) -> str:
    return pyotp.TOTP(pending_secret(user)).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_data_uri(user: User) -> str:
    """The enrolment QR code as an SVG data URI (the page's CSP allows data: images)."""
    return segno.make(provisioning_uri(user), error="m").svg_data_uri(scale=4)


def _totp_ok(secret: str, code: str) -> bool:
    cleaned = code.replace(" ", "")
    return cleaned.isdigit() and len(cleaned) == 6 and pyotp.TOTP(secret).verify(cleaned, valid_window=1)


def confirm(user: User, code: str) -> list[str] | None:
    """Finish enrolment with a valid code; returns the new recovery codes (shown once), or None."""
    if not user.totp_secret or not _totp_ok(user.totp_secret, code):
        return None
    user.totp_confirmed_at = utcnow()
    codes = _new_recovery_codes(user)
    audit.record("twofactor_enrolled", user=user, object=f"gebruiker {user.id}")
    db.session.flush()
    return codes


def check(user: User, code: str) -> bool:
    """A valid TOTP code, or an unused recovery code (which is then spent)."""
    if not is_enrolled(user):
        return False
    if _totp_ok(user.totp_secret or "", code):
        return True
    digest = _hash(code)
    spent = db.session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.code_hash == digest, RecoveryCode.used_at.is_(None)
        )
    )
    if spent is None:
        return False
    spent.used_at = utcnow()
    audit.record("recovery_code_used", user=user, object=f"gebruiker {user.id}")
    db.session.flush()
    return True


def reset(user: User, by: User) -> None:
    """Remove the second factor (the user enrols again at the next login); ends every session."""
    user.totp_secret = None
    user.totp_confirmed_at = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    end_sessions(user)
    audit.record("twofactor_reset", user=by, object=f"gebruiker {user.id}", reset_user_id=user.id)
    db.session.flush()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(c)) for c in codes)
    return codes


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().lower().encode()).hexdigest()
