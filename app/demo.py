"""Demo data for `make run`: a few clearly fictional scans, so a new user sees the product at once.

Idempotent: scans whose subject already exists are left alone.
"""

from __future__ import annotations

from sqlalchemy import select

from app.db import db
from app.engine.evaluator import Evaluator
from app.models import Organisation, Portfolio, Scan, User
from app.paths import EXAMPLES_DIR
from app.rules.catalogue import Catalogue
from app.services import accounts, portfolios
from app.services import scans as svc

#: Demo accounts (printed in the README; demo only, never in production).
DEMO_PASSWORD = "demo-wachtwoord-123"
DEMO_ORGS = [
    ("Gemeente Voorbeeldstad (demo)", "gemeente"),
    ("Gemeente Anderstad (demo)", "gemeente"),
    ("RIEC Midden-Nederland (demo)", "riec"),
]
DEMO_USERS = [
    ("bibob@voorbeeldstad.demo", "Bea Bibob (demo)", "bibob_officer", "Gemeente Voorbeeldstad (demo)"),
    ("bibob@anderstad.demo", "Anton Ander (demo)", "bibob_officer", "Gemeente Anderstad (demo)"),
    ("jurist@riec.demo", "Jet Jurist (demo)", "jurist", "RIEC Midden-Nederland (demo)"),
    ("tov@riec.demo", "Tom TOV (demo)", "tov_adviser", "RIEC Midden-Nederland (demo)"),
    ("beheer@riec.demo", "Bas Beheer (demo)", "admin", "RIEC Midden-Nederland (demo)"),
]

#: (scan type, subject, answers per step id, evaluate?)
DEMO_SCANS: list[tuple[str, svc.Subject, dict[str, dict], bool]] = [
    (
        "horeca",
        svc.Subject("Café De Vergulde Vis (fictief)", "Demostraat 1, Voorbeeldstad", "90000001"),
        {
            "aanvraag": {
                "vergunningsoort": "beide",
                "inrichting_type": "cafe_bar",
                "overname": True,
                "overnamesom": 180000.0,
                "exploitantwisselingen_pand": 3,
            },
            "onderneming": {
                "rechtsvorm": "bv",
                "onderneming_leeftijd": "minder_dan_1_jaar",
                "bestuurderswisselingen": 2,
            },
            "betrokkenen": {"stroman_signalen": True, "zeggenschap_ondoorzichtig": False, "omg_banden": False},
            "financiering": {
                "investering_bedrag": 260000.0,
                "eigen_vermogen_bedrag": 40000.0,
                "financieringsbronnen": ["eigen_vermogen", "contante_lening"],
                "herkomst_vermogen_aangetoond": "deels",
                "leningsvoorwaarden_afwijkend": True,
            },
            "antecedenten": {"antecedenten_ernstig": ["geen"], "antecedenten_overig": ["fiscaal"]},
            "exploitatie": {"verwachte_omzet": 95000.0, "zitplaatsen": 40, "contant_aandeel_pct": 85},
            "schouw": {"online_vindbaarheid": "beperkt", "zaak_leeg": True},
            "gedrag": {"vragenformulier_status": "volledig", "ontwijkend_gedrag": True},
        },
        True,
    ),
    (
        "horeca",
        svc.Subject("Restaurant Het Zonnige Terras (fictief)", "Voorbeeldplein 12, Voorbeeldstad", "90000002"),
        {
            "aanvraag": {
                "vergunningsoort": "exploitatievergunning",
                "inrichting_type": "restaurant",
                "overname": False,
            },
            "onderneming": {"rechtsvorm": "vof", "onderneming_leeftijd": "meer_dan_3_jaar"},
            "betrokkenen": {"stroman_signalen": False, "zeggenschap_ondoorzichtig": False, "omg_banden": False},
            "financiering": {"financieringsbronnen": ["bank", "eigen_vermogen"], "herkomst_vermogen_aangetoond": "ja"},
            "antecedenten": {"antecedenten_ernstig": ["geen"], "antecedenten_overig": ["geen"]},
            "gedrag": {"vragenformulier_status": "volledig"},
        },
        True,
    ),
    (
        "bedrijventerrein",
        svc.Subject("Unit 7, Bedrijvenpark De Demo (fictief)", "Proefweg 7, Voorbeeldstad"),
        {
            "object": {
                "object_soort": "loods",
                "ligging": "bedrijventerrein",
                "afgelegen_afsluitbaar": True,
                "activiteit_zichtbaar": "geen",
                "huur_contant": True,
                "onderverhuur": True,
            },
            "onderneming": {"rechtsvorm": "eenmanszaak", "onderneming_leeftijd": "1_tot_3_jaar"},
            "controle": {"vondsten_controle": ["geen"], "overtredingen_controle": ["brandveiligheid", "brp"]},
            "gedrag": {"vragenformulier_status": "volledig"},
        },
        True,
    ),
    (
        "risicolocatie",
        svc.Subject("Nagelstudio Glans (fictief)", "Fictieflaan 3, Voorbeeldstad", "90000004"),
        {"vestiging": {"branche": "nagelstudio"}, "schouw": {"klanten_zichtbaar": "geen"}},
        False,
    ),
]


def load_demo_accounts() -> dict[str, User]:
    """Create the demo organisations and users that do not exist yet; return users by email."""
    orgs = {}
    for name, kind in DEMO_ORGS:
        orgs[name] = db.session.scalar(select(Organisation).where(Organisation.name == name)) or (
            accounts.create_organisation(name, kind)
        )
    users = {}
    for email, name, role, org in DEMO_USERS:
        users[email] = db.session.scalar(select(User).where(User.email == email)) or (
            accounts.create_user(email, name, role, orgs[org], DEMO_PASSWORD)
        )
    return users


def load_demo(catalogue: Catalogue, evaluator: Evaluator) -> int:
    """Create the demo accounts, scans and portfolio that do not exist yet; return how many were created."""
    officer = load_demo_accounts()["bibob@voorbeeldstad.demo"]
    created = 0
    for scan_type, subject, steps, evaluate in DEMO_SCANS:
        if db.session.scalar(select(Scan.id).where(Scan.subject_name == subject.name)):
            continue
        questionnaire = catalogue.questionnaires[scan_type]
        scan = svc.create_scan(questionnaire, subject, officer)
        for step_id, answers in steps.items():
            step = questionnaire.step(step_id)
            kvk = svc.kvk_question(step)
            if kvk is not None and subject.kvk:  # one KvK number: the subject's is the step's answer
                answers = {**answers, kvk.id: subject.kvk}
            kept, errors = svc.check_step(questionnaire, step, answers, scan.answers())
            if errors:
                raise ValueError(f"demo data for {subject.name}, step {step_id}: {errors}")
            svc.save_step(scan, step, kept, questionnaire.step_after(step_id), officer)
        if evaluate:
            svc.evaluate_scan(scan, evaluator, officer)
        created += 1
    created += load_demo_portfolio(evaluator, officer)
    load_demo_dossier(officer)  # not counted: the CLI reports scans and portfolios
    return created


DEMO_PORTFOLIO = "Horeca Voorbeeldstad (fictief voorbeeldregister)"


def load_demo_portfolio(evaluator: Evaluator, officer: User) -> int:
    """The example horeca register as a ready portfolio (once), so the ranked overview has something to show."""
    if db.session.scalar(select(Portfolio.id).where(Portfolio.name == DEMO_PORTFOLIO)):
        return 0
    path = EXAMPLES_DIR / "horeca-register.csv"
    portfolio, _ = portfolios.start(officer, evaluator, "horeca", DEMO_PORTFOLIO, path.name, path.read_bytes())
    portfolios.run_now(portfolio)
    return 1


DEMO_DOSSIER = "DEMO-2026-001"


def load_demo_dossier(officer: User) -> int:
    """One open Bibob dossier around the first demo scan (once): a questionnaire letter out, its deadline running."""
    import datetime as dt

    from app.models import Dossier
    from app.services import dossiers

    if db.session.scalar(select(Dossier.id).where(Dossier.reference == DEMO_DOSSIER)):
        return 0
    scan_type, subject, _, _ = DEMO_SCANS[0]
    scan = db.session.scalar(select(Scan).where(Scan.subject_name == subject.name))
    today = dt.date.today()
    dossier = dossiers.create(
        officer,
        {
            "context": "beschikking_aanvraag",
            "reference": DEMO_DOSSIER,
            "decision_subject": "exploitatievergunning (demo)",
            "branch": scan_type,
            "applicant_name": subject.name,
            "applicant_address": subject.address,
            "applicant_kvk": subject.kvk,
            "received_on": today - dt.timedelta(days=12),
            "shared_with_riec": True,
        },
    )
    if scan is not None:
        dossiers.link_scan(dossier, officer, scan.id)
    dossiers.make_letter(dossier, officer, "vragenlijst", {"on": today - dt.timedelta(days=10), "days": 14})
    db.session.commit()
    return 1
