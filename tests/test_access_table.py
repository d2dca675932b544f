"""The access table (app/services/access.py) walked in full: every role × action × object situation.

The reference is the if-chain the table replaced (kept below, verbatim but for names): for every
combination the table gives the same answer and the same Dutch reason. And docs/security.md shows
the table as it is.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import false, or_, select

from app.dossier.vocabulary import GROUNDS, REGISTER_GROUNDS
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
    ScanState,
)
from app.services import access

EDITABLE = (STATUS_DRAFT, STATUS_EVALUATED, STATUS_RETURNED)
DOCS = Path(__file__).resolve().parent.parent / "docs" / "security.md"
ME, OTHER_ORG = 7, 2


def _users():
    """Every role, in the object's gemeente (1) and in another one."""
    for role, org in itertools.product(ROLES, (1, OTHER_ORG)):
        yield SimpleNamespace(id=ME, role=role, organisation_id=org)


def _scans():
    for status, author, result in itertools.product(ScanState, (ME, 99), (None, object())):
        yield SimpleNamespace(status=status.value, organisation_id=1, author_id=author, latest_result=result)
    yield None


def _dossiers():
    for status, ground in itertools.product((DOSSIER_OPEN, DOSSIER_CLOSED), (*GROUNDS, None)):
        yield SimpleNamespace(status=status.value, organisation_id=1, decision_ground=ground)
    yield None


def _portfolios():
    yield SimpleNamespace(organisation_id=1)
    yield None


def _answer(fn, *args):
    try:
        return fn(*args)
    except AttributeError:  # the legacy chain read attributes of a missing object for some actions
        return AttributeError


def test_scan_rules_answer_as_the_if_chain_did():
    checked = 0
    for user, action, scan in itertools.product(_users(), access.SCAN_RULES, _scans()):
        legacy = _answer(legacy_refusal, user, action, scan)
        if legacy is AttributeError:
            continue
        assert access.refusal(user, action, scan) == legacy, (user.role, user.organisation_id, action, scan)
        checked += 1
    assert checked > 1000


def test_portfolio_rules_answer_as_the_if_chain_did():
    for user, action, portfolio in itertools.product(_users(), access.PORTFOLIO_RULES, _portfolios()):
        assert access.portfolio_refusal(user, action, portfolio) == legacy_portfolio_refusal(user, action, portfolio)


def test_dossier_rules_answer_as_the_if_chain_did():
    for user, action, dossier in itertools.product(_users(), access.DOSSIER_RULES, _dossiers()):
        assert access.dossier_refusal(user, action, dossier) == legacy_dossier_refusal(user, action, dossier)
    assert REGISTER_GROUNDS


@pytest.mark.parametrize("user", list(_users()), ids=lambda u: f"{u.role}-{u.organisation_id}")
def test_areas_are_those_of_the_if_chain(user):
    assert access.areas(user) == legacy_areas(user)


def test_unknown_action_is_refused():
    user = SimpleNamespace(id=ME, role="bibob_officer", organisation_id=1)
    assert access.refusal(user, "fly") == "onbekende handeling fly"
    assert not access.may(user, "fly")


def test_every_check_can_refuse():
    """No dead rows: every check of every rule is the first to fail for some role and object."""
    objects = {id(access.SCAN_RULES): list(_scans()), id(access.DOSSIER_RULES): list(_dossiers())}
    objects[id(access.PORTFOLIO_RULES)] = list(_portfolios())
    for rules in (access.SCAN_RULES, access.PORTFOLIO_RULES, access.DOSSIER_RULES):
        for action, checks in rules.items():
            seen = set()
            for user, obj in itertools.product(_users(), objects[id(rules)]):
                try:
                    first = next((c for c in checks if not c.test(user, obj)), None)
                except AttributeError:
                    continue
                seen.add(id(first))
            assert {id(c) for c in checks} <= seen, action


def _sql(query) -> str:
    return str(query.compile(compile_kwargs={"literal_binds": True}))


@pytest.mark.parametrize("user", list(_users()), ids=lambda u: f"{u.role}-{u.organisation_id}")
def test_visibility_is_that_of_the_if_chain(user):
    """The VISIBILITY table gives, per role, the very query the if-chains gave (a role not in it: none)."""
    assert _sql(access.visible_scans(user)) == _sql(legacy_visible_scans(user))
    assert _sql(access.visible_portfolios(user)) == _sql(legacy_visible_portfolios(user))
    assert _sql(access.visible_dossiers(user)) == _sql(legacy_visible_dossiers(user))


def test_docs_show_the_table_as_it_is():
    text = DOCS.read_text(encoding="utf-8")
    begin, end = "<!-- access-table:begin -->\n", "<!-- access-table:end -->"
    assert begin in text and end in text, "docs/security.md lacks the access table markers"
    shown = text[text.index(begin) + len(begin) : text.index(end)]
    assert shown.strip() == access.table_markdown().strip(), (
        "docs/security.md is out of date: paste `python -c 'from app.services import access; "
        "print(access.table_markdown())'` between the markers"
    )


# --- The if-chain the table replaced (reference only) --------------------------------------------


def legacy_visible_scans(user):
    query = select(Scan)
    if user.role == "bibob_officer":
        return query.where(Scan.organisation_id == user.organisation_id)
    if user.role in ("jurist", "tov_adviser"):
        return query.where(or_(Scan.status.in_(RIEC_VISIBLE), Scan.shared_with_riec.is_(True)))
    return query.where(false())


def legacy_visible_portfolios(user):
    query = select(Portfolio)
    if user.role == "bibob_officer":
        return query.where(Portfolio.organisation_id == user.organisation_id)
    if user.role == "tov_adviser":
        return query.where(Portfolio.shared_with_riec.is_(True))
    return query.where(false())


def legacy_visible_dossiers(user):
    query = select(Dossier)
    if user.role == "bibob_officer":
        return query.where(Dossier.organisation_id == user.organisation_id)
    return query.where(false())


def legacy_refusal(user: User, action: str, scan: Scan | None = None) -> str | None:
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


def legacy_portfolio_refusal(user: User, action: str, portfolio: Portfolio | None = None) -> str | None:
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


def legacy_dossier_refusal(user: User, action: str, dossier: Dossier | None = None) -> str | None:
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


def legacy_areas(user: User) -> set[str]:
    """The parts of the application this user's role works in; the menu and the start page show only these.

    Derived from the same rules as the checks above, so a menu item never leads to a 403.
    """
    found: set[str] = set()
    if user.role in ("bibob_officer", "jurist", "tov_adviser"):
        found.add("scans")
    if legacy_refusal(user, "create") is None:
        found.add("new_scan")
    if user.role in ("bibob_officer", "tov_adviser"):
        found.add("portfolios")
    if legacy_portfolio_refusal(user, "upload") is None:
        found.add("upload")
    if user.role == "jurist":
        found.add("review_queue")
    if legacy_refusal(user, "audit") is None:
        found.add("audit")
    if user.role == "bibob_officer":
        found.add("dossiers")
    if user.role in ("bibob_officer", "jurist", "tov_adviser"):
        found.add("figures")
    return found
