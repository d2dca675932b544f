"""What each role's start page lists: the work that waits for this user, nothing they cannot open."""

from __future__ import annotations

from typing import Any

from app.db import db
from app.models import Portfolio, Scan, User
from app.models.scan import (
    STATUS_APPROVED,
    STATUS_DRAFT,
    STATUS_EVALUATED,
    STATUS_IN_REVIEW,
    STATUS_RETURNED,
    STATUS_SUBMITTED,
)
from app.services import access

LIMIT = 10


def _scans(user: User, *statuses: str, order=None) -> list[Scan]:
    query = access.visible_scans(user).where(Scan.status.in_(statuses))
    return list(db.session.scalars(query.order_by(order or Scan.updated_at.desc()).limit(LIMIT)))


def start_page(user: User) -> dict[str, Any]:
    """The lists on this user's start page, by role."""
    if user.role == "bibob_officer":
        return {
            "returned": _scans(user, STATUS_RETURNED),
            "drafts": _scans(user, STATUS_DRAFT, STATUS_EVALUATED),
            "waiting": _scans(user, STATUS_SUBMITTED, STATUS_IN_REVIEW),
            "portfolios": _portfolios(user),
        }
    if user.role == "jurist":
        return {
            "queue": _scans(user, STATUS_SUBMITTED, STATUS_IN_REVIEW, order=Scan.submitted_at),
            "decided": [s for s in _scans(user, STATUS_APPROVED, STATUS_RETURNED) if s.reviewer_id == user.id],
        }
    if user.role == "tov_adviser":
        return {
            "portfolios": _portfolios(user),
            "scans": _scans(user, STATUS_SUBMITTED, STATUS_IN_REVIEW, STATUS_APPROVED, STATUS_RETURNED),
        }
    return {}


def _portfolios(user: User) -> list[Portfolio]:
    query = access.visible_portfolios(user).order_by(Portfolio.created_at.desc()).limit(LIMIT)
    return list(db.session.scalars(query))


def progress(scan: Scan, questionnaire) -> tuple[int, int] | None:
    """(steps with saved answers, all steps) of a draft, for 'stap 3 van 8' in lists.

    None when the questionnaire is None: the scan's type was removed from the catalogue since."""
    if questionnaire is None:
        return None
    done = {s.step_id for s in scan.steps}
    return len([s for s in questionnaire.steps if s.id in done]), len(questionnaire.steps)
