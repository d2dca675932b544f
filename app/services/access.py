"""Who may see and do what: the one place every query and action on scans goes through.

- A gemeente user (bibob_officer) sees only the scans of its own gemeente.
- RIEC users (tov_adviser, jurist) see scans a gemeente submitted for review or shared with the RIEC.
- An admin manages users and reads the audit trail; it sees no scan content (need to know).
Anything not visible is reported as "not found", so a URL never reveals that a scan exists.
"""

from __future__ import annotations

from sqlalchemy import Select, false, or_, select

from app.db import db
from app.dossier.vocabulary import REGISTER_GROUNDS
from app.models import Dossier, Portfolio, Scan, User
from app.models.dossier import DOSSIER_CLOSED, DOSSIER_OPEN
from app.models.scan import (
    RIEC_VISIBLE,
    STATUS_APPROVED,
    STATUS_DRAFT,
    STATUS_EVALUATED,
    STATUS_IN_REVIEW,
    STATUS_RETURNED,
    STATUS_SUBMITTED,
)

EDITABLE = (STATUS_DRAFT, STATUS_EVALUATED, STATUS_RETURNED)


class ScanNotFound(LookupError):
    """No scan with that id is visible to this user (404)."""


class PortfolioNotFound(LookupError):
    """No portfolio with that id is visible to this user (404)."""


class NotAllowed(PermissionError):
    """The user may see the scan but not do this (403), with a Dutch reason."""


def visible_scans(user: User) -> Select:
    """The base query of every scan list: only what this user may see."""
    query = select(Scan)
    if user.role == "bibob_officer":
        return query.where(Scan.organisation_id == user.organisation_id)
    if user.role in ("jurist", "tov_adviser"):
        return query.where(or_(Scan.status.in_(RIEC_VISIBLE), Scan.shared_with_riec.is_(True)))
    return query.where(false())


def scan_for(user: User, scan_id: int) -> Scan:
    """One scan, if this user may see it; otherwise ScanNotFound."""
    scan = db.session.scalar(visible_scans(user).where(Scan.id == scan_id))
    if scan is None:
        raise ScanNotFound(scan_id)
    return scan


def require(user: User, action: str, scan: Scan | None = None) -> None:
    """Raise NotAllowed unless the user may do `action` (on `scan`)."""
    reason = refusal(user, action, scan)
    if reason:
        raise NotAllowed(reason)


def refusal(user: User, action: str, scan: Scan | None = None) -> str | None:
    """Why the user may not do this, or None when allowed."""
    own = scan is not None and user.role == "bibob_officer" and scan.organisation_id == user.organisation_id
    if action == "create":
        return None if user.role == "bibob_officer" else "Alleen een Bibob-coördinator van een gemeente start een scan."
    if action in ("edit", "evaluate"):
        if not own:
            return "Alleen de gemeente die de scan heeft, kan hem wijzigen."
        if scan.status == STATUS_APPROVED:
            return "Deze scan is vastgesteld en kan niet meer worden gewijzigd. Maak een nieuwe versie."
        if scan.status not in EDITABLE:
            return "Deze scan ligt bij de jurist en kan nu niet worden gewijzigd."
        return None
    if action == "submit":
        if not own:
            return "Alleen de gemeente die de scan heeft, kan hem indienen."
        if scan.status not in (STATUS_EVALUATED, STATUS_RETURNED) or scan.latest_result is None:
            return "Alleen een geëvalueerde scan kan worden ingediend."
        return None
    if action == "new_version":
        if own and scan.status == STATUS_APPROVED:
            return None
        return "Alleen van een vastgestelde scan maakt u een nieuwe versie."
    if action == "review":
        if user.role != "jurist":
            return "Alleen een jurist van het RIEC beoordeelt."
        if scan.author_id == user.id:
            return "Vier ogen: u kunt uw eigen scan niet beoordelen."
        if scan.status not in (STATUS_SUBMITTED, STATUS_IN_REVIEW):
            return "Deze scan is niet ingediend voor beoordeling."
        return None
    if action == "history":
        return None if user.role in ("jurist", "admin") else "Alleen juristen en beheerders zien de geschiedenis."
    if action == "audit":
        return None if user.role == "admin" else "Alleen beheerders zien de audittrail."
    return f"onbekende handeling {action}"


def visible_portfolios(user: User) -> Select:
    """Portfolios (evaluated registers) this user may see.

    A gemeente's officers see their own; TOV advisers see those the gemeente shared
    with the RIEC to prepare controls. Jurists and admins see none (need to know).
    """
    query = select(Portfolio)
    if user.role == "bibob_officer":
        return query.where(Portfolio.organisation_id == user.organisation_id)
    if user.role == "tov_adviser":
        return query.where(Portfolio.shared_with_riec.is_(True))
    return query.where(false())


def portfolio_for(user: User, portfolio_id: int) -> Portfolio:
    """One portfolio, if this user may see it; otherwise PortfolioNotFound."""
    portfolio = db.session.scalar(visible_portfolios(user).where(Portfolio.id == portfolio_id))
    if portfolio is None:
        raise PortfolioNotFound(portfolio_id)
    return portfolio


def require_portfolio(user: User, action: str, portfolio: Portfolio | None = None) -> None:
    """Raise NotAllowed unless the user may do `action` with this (visible) portfolio."""
    reason = portfolio_refusal(user, action, portfolio)
    if reason:
        raise NotAllowed(reason)


def portfolio_refusal(user: User, action: str, portfolio: Portfolio | None = None) -> str | None:
    """Why the user may not do this with a portfolio, or None when allowed (it is visible already)."""
    if action == "upload":
        ok = user.role == "bibob_officer"
        return None if ok else "Alleen een Bibob-coördinator van een gemeente laadt een register."
    own = portfolio is not None and user.role == "bibob_officer" and portfolio.organisation_id == user.organisation_id
    if action in ("share", "delete", "open_scan"):
        return None if own else "Alleen de gemeente van dit portfolio kan dit doen."
    if action in ("view", "export", "brief"):
        return None if portfolio is not None else "Dit portfolio is niet zichtbaar."
    return f"onbekende handeling {action}"


class DossierNotFound(LookupError):
    """No dossier with that id is visible to this user (404)."""


def visible_dossiers(user: User) -> Select:
    """Dossiers this user may see: only a gemeente's own officers (the RIEC gets aggregates only)."""
    query = select(Dossier)
    if user.role == "bibob_officer":
        return query.where(Dossier.organisation_id == user.organisation_id)
    return query.where(false())


def dossier_for(user: User, dossier_id: int) -> Dossier:
    """One dossier, if this user may see it; otherwise DossierNotFound."""
    dossier = db.session.scalar(visible_dossiers(user).where(Dossier.id == dossier_id))
    if dossier is None:
        raise DossierNotFound(dossier_id)
    return dossier


def require_dossier(user: User, action: str, dossier: Dossier | None = None) -> None:
    """Raise NotAllowed unless the user may do `action` with this (visible) dossier."""
    reason = dossier_refusal(user, action, dossier)
    if reason:
        raise NotAllowed(reason)


def dossier_refusal(user: User, action: str, dossier: Dossier | None = None) -> str | None:
    """Why the user may not do this with a dossier, or None when allowed."""
    if action == "create":
        ok = user.role == "bibob_officer"
        return None if ok else "Alleen een Bibob-coördinator van een gemeente opent een dossier."
    if action == "figures":
        ok = user.role in ("bibob_officer", "jurist", "tov_adviser")
        return None if ok else "Alleen gemeenten en het RIEC zien de stuurinformatie."
    own = dossier is not None and user.role == "bibob_officer" and dossier.organisation_id == user.organisation_id
    if not own:
        return "Alleen de gemeente van dit dossier kan dit doen."
    if action == "view":
        return None
    if action in ("edit", "decide"):
        return None if dossier.status == DOSSIER_OPEN else "Over dit dossier is besloten; het is bevroren."
    if action == "register":
        if dossier.status != DOSSIER_CLOSED:
            return "Het Bibob-register krijgt pas gegevens na het besluit."
        if dossier.decision_ground not in REGISTER_GROUNDS:
            return "Alleen een besluit op grond van een gevaarsconclusie gaat naar het Bibob-register."
        return None
    return f"onbekende handeling {action}"


def may(user: User, action: str, scan: Scan | None = None) -> bool:
    """True when `refusal` has no objection: pages use it to offer only what leads somewhere (no 403)."""
    return refusal(user, action, scan) is None


def areas(user: User) -> set[str]:
    """The parts of the application this user's role works in; the menu and the start page show only these.

    Derived from the same rules as the checks above, so a menu item never leads to a 403.
    """
    found: set[str] = set()
    if user.role in ("bibob_officer", "jurist", "tov_adviser"):
        found.add("scans")
    if may(user, "create"):
        found.add("new_scan")
    if user.role in ("bibob_officer", "tov_adviser"):
        found.add("portfolios")
    if portfolio_refusal(user, "upload") is None:
        found.add("upload")
    if user.role == "jurist":
        found.add("review_queue")
    if may(user, "audit"):
        found.add("audit")
    if user.role == "bibob_officer":
        found.add("dossiers")
    if user.role in ("bibob_officer", "jurist", "tov_adviser"):
        found.add("figures")
    return found
