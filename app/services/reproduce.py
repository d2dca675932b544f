"""Keep each ruleset version's files, and re-evaluate a stored result with them to prove it is unchanged."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.db import db, upsert_insert
from app.engine.adapter import DurableEngine
from app.engine.evaluator import Evaluator
from app.models import RulesetArchive, ScanResult
from app.rules.archive import restore_files
from app.rules.catalogue import Catalogue
from app.rules.loader import load_catalogue


class ArchiveMissing(LookupError):
    """The files of a ruleset version were never archived (a result from before archiving existed)."""


def archive_ruleset(catalogue: Catalogue, scan_type: str) -> None:
    """Store the catalogue's files under the scan's ruleset version, once (concurrent calls are safe)."""
    table = RulesetArchive.__table__
    values = {"version": catalogue.version(scan_type), "scan_type": scan_type, "files": catalogue.files}
    db.session.execute(upsert_insert(table).values(**values).on_conflict_do_nothing(index_elements=[table.c.version]))


@dataclass(frozen=True)
class Verification:
    ruleset_version: str
    identical: bool
    fingerprint_ok: bool
    differences: list[str] = field(default_factory=list)


def verify_result(result: ScanResult) -> Verification:
    """Re-evaluate the stored answers with the archived ruleset and compare with the stored snapshot."""
    from app.services.scans import answers_fingerprint

    archive = db.session.get(RulesetArchive, result.ruleset_version)
    if archive is None:
        raise ArchiveMissing(result.ruleset_version)
    with tempfile.TemporaryDirectory(prefix="bibob-archief-") as tmp:
        rules_dir, forms_dir = restore_files(archive.files, Path(tmp))
        catalogue = load_catalogue(rules_dir, forms_dir)
    differences = []
    scan_type = result.snapshot["scan"]
    if catalogue.version(scan_type) != result.ruleset_version:
        differences.append(f"archief geeft regelset {catalogue.version(scan_type)}")
    fresh = _normalise(Evaluator(catalogue, DurableEngine()).evaluate(scan_type, result.answers).to_dict())
    stored = _normalise(result.snapshot)
    differences += [
        f"verschil in '{key}'" for key in sorted(set(fresh) | set(stored)) if fresh.get(key) != stored.get(key)
    ]
    fingerprint_ok = answers_fingerprint(result.answers, result.ruleset_version) == result.answers_hash
    return Verification(result.ruleset_version, not differences and fingerprint_ok, fingerprint_ok, differences)


def _normalise(data: dict[str, Any]) -> dict[str, Any]:
    """JSON round trip, so tuples and lists (and database JSON) compare alike."""
    return json.loads(json.dumps(data, sort_keys=True, ensure_ascii=False))
