"""Record audit entries. Only ids, statuses and action names: never applicants' personal data."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from app.db import db
from app.models import AuditEntry


def record(action: str, scan_id: int | None = None, user=None, **detail: Any) -> None:
    """Add an audit entry to the current transaction (it is committed with the operation it records)."""
    who = user if user is not None else (current_user if current_user and current_user.is_authenticated else None)
    db.session.add(
        AuditEntry(
            user_id=getattr(who, "id", None),
            user_email=getattr(who, "email", "") or detail.pop("email", ""),
            action=action,
            scan_id=scan_id,
            detail=detail,
        )
    )
