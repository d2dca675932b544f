"""SQLAlchemy models. Import them from here so Alembic sees every table."""

from app.models.account import ApiToken, Organisation, User
from app.models.audit import AuditEntry
from app.models.portfolio import Portfolio, PortfolioRow, PortfolioUpload
from app.models.ruleset import RulesetArchive
from app.models.scan import Rebuttal, Scan, ScanResult, ScanStep

__all__ = [
    "ApiToken",
    "AuditEntry",
    "Organisation",
    "Portfolio",
    "PortfolioRow",
    "PortfolioUpload",
    "Rebuttal",
    "RulesetArchive",
    "Scan",
    "ScanResult",
    "ScanStep",
    "User",
]
