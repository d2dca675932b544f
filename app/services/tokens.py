"""Personal API tokens: create (shown once), look up by bearer value, revoke."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from app.db import db, utcnow
from app.models import ApiToken, User
from app.services import audit

PREFIX = "bbs_"


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for the user; returns the row and the secret value (shown only now)."""
    value = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name[:120], token_hash=_hash(value), prefix=value[:12])
    db.session.add(token)
    db.session.flush()
    audit.record("token_created", user=user, token_id=token.id)
    db.session.flush()
    return token, value


def user_for(value: str) -> User | None:
    """The active user behind a bearer token, or None (unknown, revoked, or inactive user)."""
    if not value.startswith(PREFIX):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(value)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    token.last_used_at = utcnow()
    db.session.flush()
    return token.user


def revoke(token: ApiToken, by: User) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record("token_revoked", user=by, token_id=token.id)
        db.session.flush()


def tokens_of(user: User) -> list[ApiToken]:
    """The user's own tokens, newest first (never anyone else's)."""
    query = select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    return list(db.session.scalars(query))


def own_token(user: User, token_id: int) -> ApiToken | None:
    """One of the user's own tokens, or None (also for someone else's: a token id reveals nothing)."""
    token = db.session.get(ApiToken, token_id)
    return token if token is not None and token.user_id == user.id else None
