"""The version lock: a content hash and the declared `version` of every catalogue file, committed as
`rules/versions.lock`, so CI refuses a rule, scoring or form file whose content changed without a version bump.

`flask rules check` compares the loaded files with the lock; `flask rules lock` writes it after a change,
and refuses while a versioned file's content changed but its `version` did not. Files without a `version`
field (the shared steps in `forms/_gedeeld/`, `forms/_kanalen.yaml`, `rules/references.yaml`) are locked
by content only: a change to them shows in the lock's diff, and the ruleset version (a content hash of
everything a scan depends on, `app.rules.loader._version`) changes with them.

A shared step or shared derived file (`forms/_gedeeld/<name>.yaml`) is part of every questionnaire that
includes it (`- include: <name>` under `steps:` or `derived:`). A stored scan records its questionnaire's
`version`, so a change to a shared file must bump the `version` of every form that includes it:
`unbumped` names each such form until it is.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml

LOCK_FILE = "versions.lock"
SHARED_FORMS = "forms/_gedeeld/"


def lock_entries(files: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Per catalogue file (path → text): its sha256 and its declared `version` (None when it has none)."""
    entries = {}
    for name, text in sorted(files.items()):
        data = yaml.safe_load(text)
        version = data.get("version") if isinstance(data, dict) else None
        entries[name] = {"sha256": hashlib.sha256(text.encode()).hexdigest(), "version": version}
    return entries


def read_lock(path: Path) -> dict[str, dict[str, Any]] | None:
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))["files"]


def write_lock(path: Path, entries: dict[str, dict[str, Any]]) -> None:
    text = json.dumps({"files": entries}, indent=1, sort_keys=True, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")


def unbumped(files: dict[str, str], lock: dict[str, dict[str, Any]]) -> list[str]:
    """Versioned files whose content differs from the lock while their `version` is still the locked one,
    and forms that include a changed shared file (forms/_gedeeld/) while their `version` is the locked one."""
    entries = lock_entries(files)
    problems = []
    for name, entry in entries.items():
        locked = lock.get(name)
        if locked is None or locked["sha256"] == entry["sha256"] or entry["version"] is None:
            continue
        if entry["version"] == locked["version"]:
            problems.append(f"{name}: inhoud gewijzigd zonder dat 'version' is opgehoogd (nog {entry['version']})")
    changed_shared = {
        name for name, entry in entries.items() if name.startswith(SHARED_FORMS) and _changed(name, entry, lock)
    }
    for name, entry in entries.items():
        locked = lock.get(name)
        if locked is None or entry["version"] is None or entry["version"] != locked["version"]:
            continue
        for shared in sorted(changed_shared & {f"{SHARED_FORMS}{i}.yaml" for i in included(files[name])}):
            problems.append(
                f"{name}: neemt {shared} op, dat is gewijzigd; hoog 'version' van deze vragenlijst op "
                f"(nog {entry['version']}), want opgeslagen scans noemen die versie"
            )
    return problems


def _changed(name: str, entry: dict[str, Any], lock: dict[str, dict[str, Any]]) -> bool:
    """A file in the lock whose content differs from it (a new file is not 'changed')."""
    locked = lock.get(name)
    return locked is not None and locked["sha256"] != entry["sha256"]


def included(text: str) -> set[str]:
    """The shared files a questionnaire includes: `{include: <name>}` items under `steps:` and `derived:`."""
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        return set()
    items = [i for key in ("steps", "derived") if isinstance(data.get(key), list) for i in data[key]]
    names = (i["include"] for i in items if isinstance(i, dict) and set(i) == {"include"})
    return {n for n in names if isinstance(n, str)}


def stale(files: dict[str, str], lock: dict[str, dict[str, Any]]) -> list[str]:
    """Every difference between the files and the lock (changed, added or removed files)."""
    entries = lock_entries(files)
    problems = []
    for name in sorted(set(entries) | set(lock)):
        if name not in lock:
            problems.append(f"{name}: nieuw bestand, nog niet in {LOCK_FILE}")
        elif name not in entries:
            problems.append(f"{name}: staat in {LOCK_FILE} maar bestaat niet meer")
        elif entries[name] != lock[name]:
            problems.append(f"{name}: wijkt af van {LOCK_FILE}")
    return problems
