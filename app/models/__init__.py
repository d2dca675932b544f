"""SQLAlchemy models. Import them from here so Alembic sees every table."""

from app.models.account import ApiToken, Organisation, RecoveryCode, User
from app.models.audit import AuditChain, AuditEntry
from app.models.dossier import Dossier, DossierEvent, DossierLetter, DossierPerson, DossierReminder, DossierScan
from app.models.portfolio import Portfolio, PortfolioRow, PortfolioUpload
from app.models.ruleset import RulesetArchive
from app.models.scan import Rebuttal, Scan, ScanResult, ScanStep, Weighing, Zienswijze

__all__ = [
    "ApiToken",
    "AuditChain",
    "AuditEntry",
    "Dossier",
    "DossierEvent",
    "DossierLetter",
    "DossierPerson",
    "DossierReminder",
    "DossierScan",
    "Organisation",
    "Portfolio",
    "PortfolioRow",
    "PortfolioUpload",
    "Rebuttal",
    "RecoveryCode",
    "RulesetArchive",
    "Scan",
    "ScanResult",
    "ScanStep",
    "User",
    "Weighing",
    "Zienswijze",
]
