"""Who may see and do what: the one place every query and action on scans goes through.

- A gemeente user (bibob_officer) sees only the scans of its own gemeente.
- RIEC users (tov_adviser, jurist) see scans a gemeente submitted for review or shared with the RIEC.
- An admin manages users and reads the audit trail; it sees no scan content (need to know).
Anything not visible is reported as "not found", so a URL never reveals that a scan exists.

What each role may see is a table (VISIBILITY: per kind of object and role, the rows it sees; a role
not in it sees none). What each role may do is a table (SCAN_RULES, PORTFOLIO_RULES, DOSSIER_RULES,
AREAS): per action, the checks in order, each with its Dutch refusal. docs/security.md shows the same
tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, false, or_, select

from app.db import db
from app.dossier.vocabulary import REGISTER_GROUNDS
from app.models import Dossier, Portfolio, Scan, User
from app.models.account import ROLES
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


# --- The access table -------------------------------------------------------------------------------
# One rule per (object, action): checks tried in order; the first that fails gives the Dutch reason.
# docs/security.md shows these tables (kept in sync by tests/test_access_table.py).


@dataclass(frozen=True)
class Check:
    """One condition of a rule: a short description (for the documentation), the test, and the refusal."""

    label: str
    test: Callable[[User, Any], bool]
    reason: str


def role(*roles: str, reason: str) -> Check:
    return Check("rol " + " of ".join(roles), lambda user, _obj: user.role in roles, reason)


def own(reason: str) -> Check:
    """The object belongs to the user's own gemeente (and the user is its Bibob-coördinator)."""
    return Check(
        "eigen gemeente",
        lambda user, obj: (
            obj is not None and user.role == "bibob_officer" and obj.organisation_id == user.organisation_id
        ),
        reason,
    )


def status_in(states: tuple[str, ...], reason: str) -> Check:
    return Check("status " + " of ".join(states), lambda _user, obj: obj.status in states, reason)


def status_not(state: str, reason: str) -> Check:
    return Check(f"status niet {state}", lambda _user, obj: obj.status != state, reason)


def holds(label: str, test: Callable[[User, Any], bool], reason: str) -> Check:
    """Any other condition, named for the documentation."""
    return Check(label, test, reason)


SCAN_EDIT = "Alleen de gemeente die de scan heeft, kan hem wijzigen."
SCAN_SUBMIT = "Alleen de gemeente die de scan heeft, kan hem indienen."
SCAN_SUBMITTABLE = "Alleen een geëvalueerde scan kan worden ingediend."
SCAN_NEW_VERSION = "Alleen van een vastgestelde scan maakt u een nieuwe versie."
_edit_scan = (
    own(SCAN_EDIT),
    status_not(STATUS_APPROVED, "Deze scan is vastgesteld en kan niet meer worden gewijzigd. Maak een nieuwe versie."),
    status_in(EDITABLE, "Deze scan ligt bij de jurist en kan nu niet worden gewijzigd."),
)
SCAN_RULES: dict[str, tuple[Check, ...]] = {
    "create": (role("bibob_officer", reason="Alleen een Bibob-coördinator van een gemeente start een scan."),),
    "edit": _edit_scan,
    "evaluate": _edit_scan,
    "submit": (
        own(SCAN_SUBMIT),
        status_in((STATUS_EVALUATED, STATUS_RETURNED), SCAN_SUBMITTABLE),
        holds("heeft een resultaat", lambda _user, scan: scan.latest_result is not None, SCAN_SUBMITTABLE),
    ),
    "new_version": (own(SCAN_NEW_VERSION), status_in((STATUS_APPROVED,), SCAN_NEW_VERSION)),
    "review": (
        role("jurist", reason="Alleen een jurist van het RIEC beoordeelt."),
        holds(
            "niet de eigen scan (vier ogen)",
            lambda user, scan: scan.author_id != user.id,
            "Vier ogen: u kunt uw eigen scan niet beoordelen.",
        ),
        status_in((STATUS_SUBMITTED, STATUS_IN_REVIEW), "Deze scan is niet ingediend voor beoordeling."),
    ),
    "history": (role("jurist", "admin", reason="Alleen juristen en beheerders zien de geschiedenis."),),
    "audit": (role("admin", reason="Alleen beheerders zien de audittrail."),),
}

PORTFOLIO_OWN = "Alleen de gemeente van dit portfolio kan dit doen."
_portfolio_visible = (
    holds("zichtbaar voor de gebruiker", lambda _user, p: p is not None, "Dit portfolio is niet zichtbaar."),
)
PORTFOLIO_RULES: dict[str, tuple[Check, ...]] = {
    "upload": (role("bibob_officer", reason="Alleen een Bibob-coördinator van een gemeente laadt een register."),),
    "share": (own(PORTFOLIO_OWN),),
    "delete": (own(PORTFOLIO_OWN),),
    "open_scan": (own(PORTFOLIO_OWN),),
    "view": _portfolio_visible,
    "export": _portfolio_visible,
    "brief": _portfolio_visible,
}

DOSSIER_OWN = own("Alleen de gemeente van dit dossier kan dit doen.")
DOSSIER_RULES: dict[str, tuple[Check, ...]] = {
    "create": (role("bibob_officer", reason="Alleen een Bibob-coördinator van een gemeente opent een dossier."),),
    "figures": (
        role("bibob_officer", "jurist", "tov_adviser", reason="Alleen gemeenten en het RIEC zien de stuurinformatie."),
    ),
    "view": (DOSSIER_OWN,),
    "edit": (DOSSIER_OWN, status_in((DOSSIER_OPEN,), "Over dit dossier is besloten; het is bevroren.")),
    "decide": (DOSSIER_OWN, status_in((DOSSIER_OPEN,), "Over dit dossier is besloten; het is bevroren.")),
    "register": (
        DOSSIER_OWN,
        status_in((DOSSIER_CLOSED,), "Het Bibob-register krijgt pas gegevens na het besluit."),
        holds(
            "besluit op een gevaarsconclusie",
            lambda _user, d: d.decision_ground in REGISTER_GROUNDS,
            "Alleen een besluit op grond van een gevaarsconclusie gaat naar het Bibob-register.",
        ),
    ),
}

#: The parts of the application (menu, start page) and who works in them.
AREAS: dict[str, tuple[str, Callable[[User], bool]]] = {
    "scans": (
        "rol bibob_officer, jurist of tov_adviser",
        lambda u: u.role in ("bibob_officer", "jurist", "tov_adviser"),
    ),
    "new_scan": ("mag scan create", lambda u: may(u, "create")),
    "portfolios": ("rol bibob_officer of tov_adviser", lambda u: u.role in ("bibob_officer", "tov_adviser")),
    "upload": ("mag portfolio upload", lambda u: portfolio_refusal(u, "upload") is None),
    "review_queue": ("rol jurist", lambda u: u.role == "jurist"),
    "audit": ("mag scan audit", lambda u: may(u, "audit")),
    "dossiers": ("rol bibob_officer", lambda u: u.role == "bibob_officer"),
    "figures": (
        "rol bibob_officer, jurist of tov_adviser",
        lambda u: u.role in ("bibob_officer", "jurist", "tov_adviser"),
    ),
}


@dataclass(frozen=True)
class Scope:
    """Which rows of one kind of object a role sees: a description (for the documentation) and the filter."""

    label: str
    where: Callable[[User], Any]  # user → SQL condition on the object's table


def _own_gemeente(model) -> Scope:
    return Scope("die van de eigen gemeente", lambda user: model.organisation_id == user.organisation_id)


_riec_scans = Scope(
    "status " + " of ".join(RIEC_VISIBLE) + ", of gedeeld met het RIEC",
    lambda _user: or_(Scan.status.in_(RIEC_VISIBLE), Scan.shared_with_riec.is_(True)),
)
#: kind of object → (model, role → Scope). A role that is not listed sees none of that kind (need to know):
#: admins see no scan content; jurists see no registers; the RIEC gets dossier aggregates only.
VISIBILITY: dict[str, tuple[type, dict[str, Scope]]] = {
    "Scans": (Scan, {"bibob_officer": _own_gemeente(Scan), "jurist": _riec_scans, "tov_adviser": _riec_scans}),
    "Portfolio's": (
        Portfolio,
        {
            "bibob_officer": _own_gemeente(Portfolio),
            "tov_adviser": Scope("gedeeld met het RIEC", lambda _user: Portfolio.shared_with_riec.is_(True)),
        },
    ),
    "Dossiers": (Dossier, {"bibob_officer": _own_gemeente(Dossier)}),
}


def _visible(kind: str, user: User) -> Select:
    """The base query of one kind of object for this user, from VISIBILITY (nothing for an unlisted role)."""
    model, scopes = VISIBILITY[kind]
    scope = scopes.get(user.role)
    return select(model).where(scope.where(user) if scope else false())


def _refusal(rules: dict[str, tuple[Check, ...]], user: User, action: str, obj: Any) -> str | None:
    """The reason of the first failing check of the action's rule; None when all pass."""
    checks = rules.get(action)
    if checks is None:
        return f"onbekende handeling {action}"
    for check in checks:
        if not check.test(user, obj):
            return check.reason
    return None


def table_markdown() -> str:
    """The access tables as Markdown, for docs/security.md (a test keeps that copy equal to this)."""
    lines: list[str] = []
    for title, rules in (("Scans", SCAN_RULES), ("Portfolio's", PORTFOLIO_RULES), ("Dossiers", DOSSIER_RULES)):
        lines += [f"#### {title}", "", "| handeling | voorwaarden (in volgorde) | weigering |", "|---|---|---|"]
        for action, checks in rules.items():
            conditions = " → ".join(c.label for c in checks)
            reasons = " / ".join(dict.fromkeys(c.reason for c in checks))
            lines.append(f"| `{action}` | {conditions} | {reasons} |")
        lines.append("")
    lines += ["#### Onderdelen (menu)", "", "| onderdeel | wie |", "|---|---|"]
    lines += [f"| `{area}` | {label} |" for area, (label, _) in AREAS.items()]
    lines += ["", "#### Zichtbaarheid (lijsten en losse objecten)", "", "| object | rol | ziet |", "|---|---|---|"]
    for kind, (_, scopes) in VISIBILITY.items():
        lines += [f"| {kind} | `{r}` | {scopes[r].label if r in scopes else 'geen'} |" for r in ROLES]
    return "\n".join(lines) + "\n"


def visible_scans(user: User) -> Select:
    """The base query of every scan list: only what this user may see (VISIBILITY)."""
    return _visible("Scans", user)


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
    """Why the user may not do this, or None when allowed (the first failing check of the rule in SCAN_RULES)."""
    return _refusal(SCAN_RULES, user, action, scan)


def visible_portfolios(user: User) -> Select:
    """Portfolios (evaluated registers) this user may see.

    A gemeente's officers see their own; TOV advisers see those the gemeente shared
    with the RIEC to prepare controls. Jurists and admins see none (need to know; VISIBILITY).
    """
    return _visible("Portfolio's", user)


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
    return _refusal(PORTFOLIO_RULES, user, action, portfolio)


class DossierNotFound(LookupError):
    """No dossier with that id is visible to this user (404)."""


def visible_dossiers(user: User) -> Select:
    """Dossiers this user may see: only a gemeente's own officers (the RIEC gets aggregates only; VISIBILITY)."""
    return _visible("Dossiers", user)


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
    return _refusal(DOSSIER_RULES, user, action, dossier)


def may(user: User, action: str, scan: Scan | None = None) -> bool:
    """True when `refusal` has no objection: pages use it to offer only what leads somewhere (no 403)."""
    return refusal(user, action, scan) is None


def areas(user: User) -> set[str]:
    """The parts of the application this user's role works in; the menu and the start page show only these.

    Derived from the same rules as the checks above (AREAS), so a menu item never leads to a 403.
    """
    return {area for area, (_, test) in AREAS.items() if test(user)}
