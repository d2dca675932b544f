"""SQLAlchemy models. Import them from here so Alembic sees every table."""

from app.models.ruleset import RulesetArchive
from app.models.scan import Scan, ScanResult, ScanStep

__all__ = ["RulesetArchive", "Scan", "ScanResult", "ScanStep"]
