"""Keep each ruleset version's files, and re-evaluate a stored result with them to prove it is unchanged."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from app.db import db, upsert_insert
from app.engine.adapter import DurableEngine
from app.engine.evaluator import Evaluator
from app.models import RulesetArchive, ScanResult
from app.rules.archive import restore_files
from app.rules.catalogue import Catalogue
from app.rules.conditions import holds
from app.rules.conditions import parse as parse_condition
from app.rules.loader import load_catalogue, ruleset_versions
from app.rules.vocabulary import level_rank


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
    """Re-evaluate the stored answers with the archived ruleset and compare with the stored snapshot.

    Any stored result can be verified, also one whose version was computed with an earlier formula
    (`app.rules.loader.VERSION_FORMULAS`): its archive holds the files, and they must give the stored
    version under one of the formulas, or the verification reports the difference.
    """
    from app.services.scans import answers_fingerprint

    archive = db.session.get(RulesetArchive, result.ruleset_version)
    if archive is None:
        raise ArchiveMissing(result.ruleset_version)
    if result.snapshot.get("advice_model", 1) < 2:
        differences = verify_model1(archive.files, result.snapshot, result.answers)
        made_with = model1_version(archive.files, result.snapshot["scan"])
        if made_with != result.ruleset_version:  # the archived files are not the ones that version names
            differences.insert(0, f"archief geeft regelset {made_with}")
        fingerprint_ok = answers_fingerprint(result.answers, result.ruleset_version) == result.answers_hash
        return Verification(result.ruleset_version, not differences and fingerprint_ok, fingerprint_ok, differences)
    with tempfile.TemporaryDirectory(prefix="bibob-archief-") as tmp:
        rules_dir, forms_dir = restore_files(archive.files, Path(tmp))
        catalogue = load_catalogue(rules_dir, forms_dir, strict=False)  # archives may predate order/id_prefix
    differences = []
    scan_type = result.snapshot["scan"]
    versions = ruleset_versions(catalogue, scan_type)
    if result.ruleset_version not in versions.values():
        # Under no formula do the archived files give the stored version: they are not what was used.
        differences.append(f"archief geeft regelset {catalogue.version(scan_type)}")
    stored_day = result.snapshot.get("reference_date")  # derived facts count from the day of the evaluation
    day = dt.date.fromisoformat(stored_day) if stored_day else None
    fresh = _normalise(
        Evaluator(catalogue, DurableEngine()).evaluate(scan_type, result.answers, reference_date=day).to_dict()
    )
    if stored_day is None:  # stored before derived facts: the fields did not exist
        fresh.pop("reference_date", None)
        fresh.pop("derived", None)
        for fired in fresh.get("fired", []):
            fired.pop("priority_only", None)
    stored = _normalise(result.snapshot)
    stored.pop("schema_version", None)  # the storage envelope (app/snapshot.py), not part of the evaluation
    for data in (fresh, stored):  # which engine answered is provenance: the indicators themselves are compared
        data.pop("engine", None)
    differences += [
        f"verschil in '{key}'" for key in sorted(set(fresh) | set(stored)) if fresh.get(key) != stored.get(key)
    ]
    fingerprint_ok = answers_fingerprint(result.answers, result.ruleset_version) == result.answers_hash
    return Verification(result.ruleset_version, not differences and fingerprint_ok, fingerprint_ok, differences)


def _normalise(data: dict[str, Any]) -> dict[str, Any]:
    """JSON round trip, so tuples and lists (and database JSON) compare alike."""
    return json.loads(json.dumps(data, sort_keys=True, ensure_ascii=False))


def verify_model1(files: dict[str, str], snapshot: dict[str, Any], answers: dict[str, Any]) -> list[str]:
    """Re-derive a first-model result from its archived files: which indicators fired, the score, the level,
    the knock-outs and the stored outcome of that level.

    Those archives predate the evidential roles, so today's loader refuses them; their conditions are
    read directly and checked with the plain-Python reference evaluator (`holds`), which the differential
    test proves equal to the engine.
    """
    scan = snapshot["scan"]
    rules = [yaml.safe_load(text) for name, text in sorted(files.items()) if _is_rule_file(name)]
    scoring = yaml.safe_load(files[f"rules/{scan}/scoring.yaml"])
    fired = []
    for rule in rules:
        if rule.get("status") != "active" or scan not in rule.get("scans", []):
            continue
        condition, problems = parse_condition(rule["condition"])
        if problems or condition is None:
            return [f"archief: voorwaarde van {rule.get('id')} niet te lezen"]
        if holds(condition, answers):
            fired.append(rule)
    caps = {cat: (policy or {}).get("cap") for cat, policy in scoring["categories"].items()}
    raw: dict[str, int] = {}
    for rule in fired:
        raw[rule["category"]] = raw.get(rule["category"], 0) + rule["weight"]
    total = sum(min(points, caps.get(cat) or points) for cat, points in raw.items())
    level = scoring["levels"][0]["level"]
    for threshold in scoring["levels"]:
        if total >= threshold["min_score"]:
            level = threshold["level"]
    by_score = level
    for rule in fired:
        if rule.get("knockout") and level_rank(rule["knockout"]) > level_rank(level):
            level = rule["knockout"]
    fresh = {
        "fired": sorted(r["id"] for r in fired),
        "score": total,
        "level": level,
        "level_by_score": by_score,
        "knockouts": sorted(r["id"] for r in fired if r.get("knockout")),
        "outcome": scoring["outcomes"][level]["outcome"],
    }
    stored = {
        "fired": sorted(f["id"] for f in snapshot["fired"]),
        "score": snapshot["score"],
        "level": snapshot["level"],
        "level_by_score": snapshot["level_by_score"],
        "knockouts": sorted(snapshot["knockouts"]),
        "outcome": snapshot["outcome"],
    }
    return [f"verschil in '{key}'" for key in fresh if fresh[key] != stored[key]]


def model1_version(files: dict[str, str], scan: str) -> str:
    """The ruleset version as the first advice model computed it (formula v0: the scan's rules and scoring file),
    from the archived file texts alone (today's loader refuses those archives)."""
    digest = hashlib.sha256()
    rules = []
    for name, text in files.items():
        if _is_rule_file(name):
            data = yaml.safe_load(text)
            if isinstance(data, dict) and scan in data.get("scans", []):
                rules.append((str(data.get("id")), name, text))
    for _, name, text in sorted(rules):
        digest.update(f"{name}\0{hashlib.sha256(text.encode()).hexdigest()}\n".encode())
    scoring = files.get(f"rules/{scan}/scoring.yaml", "")
    digest.update(f"scoring\0{hashlib.sha256(scoring.encode()).hexdigest()}\n".encode())
    return digest.hexdigest()[:16]


def _is_rule_file(name: str) -> bool:
    parts = name.split("/")
    return len(parts) == 3 and parts[0] == "rules" and parts[2].endswith(".yaml") and parts[2] != "scoring.yaml"
