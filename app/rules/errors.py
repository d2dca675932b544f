"""Faults in rule and questionnaire files, collected so all are reported at once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True, order=True)
class Fault:
    """One problem: which file, which field (dotted path, may be empty) and why (Dutch)."""

    file: str
    field: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return f"{where}: {self.reason}"


class CatalogueError(ValueError):
    """The catalogue (rules, scoring, references or questionnaires) is refused as a whole."""

    def __init__(self, faults: list[Fault]):
        self.faults = sorted(set(faults))
        super().__init__(f"{len(self.faults)} fout(en) in de catalogus:\n" + "\n".join(map(str, self.faults)))


class ScanTypeGone(KeyError):
    """A stored scan or register names a scan type the loaded catalogue no longer has (its files were removed).

    Its stored results stay readable from their snapshots; what needs the questionnaire or the rules
    (editing, evaluating, exporting a register) is refused with MESSAGE instead of failing with a 500."""

    MESSAGE = "Dit type scan bestaat niet meer in de catalogus; de opgeslagen uitkomst blijft leesbaar."

    def __init__(self, scan_type: str):
        super().__init__(scan_type)
        self.scan_type = scan_type

    def __str__(self) -> str:
        return self.MESSAGE


class ByScan(dict):
    """scan id → value; looking up a scan type the catalogue does not have raises ScanTypeGone."""

    def __missing__(self, scan_type: str):
        raise ScanTypeGone(scan_type)


class UniqueKeyLoader(yaml.SafeLoader):
    """The safe loader, but a key given twice in one mapping is an error (the second would silently win)."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: set = set()
            for key_node, _value in node.value:
                key = self.construct_object(key_node, deep=deep)
                try:
                    duplicate = key in seen
                    seen.add(key)
                except TypeError:  # an unhashable key: the base class reports it
                    continue
                if duplicate:
                    raise yaml.constructor.ConstructorError(None, None, f"dubbele sleutel '{key}'", key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path, name: str, faults: list[Fault], texts: dict[str, str] | None = None) -> tuple[Any, bytes]:
    """Parse one YAML file; on failure record a fault and return (None, raw).

    `texts`, when given, receives the file's text under `name`: the exact input of the catalogue.
    """
    raw = path.read_bytes()
    if texts is not None:
        texts[name] = raw.decode("utf-8", errors="replace")
    try:
        data = yaml.load(raw.decode("utf-8"), Loader=UniqueKeyLoader)
    except UnicodeDecodeError:
        faults.append(Fault(name, "", "bestand is geen UTF-8"))
        return None, raw
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (regel {mark.line + 1})" if mark else ""
        faults.append(Fault(name, "", f"geen geldige YAML{line}: {getattr(exc, 'problem', exc)}"))
        return None, raw
    if not isinstance(data, dict):
        faults.append(Fault(name, "", "bestand moet een YAML-object (sleutels en waarden) bevatten"))
        return None, raw
    return data, raw


_TRANSLATIONS = {
    "Missing data for required field.": "verplicht veld ontbreekt",
    "Unknown field.": "onbekend veld",
    "Not a valid string.": "moet tekst zijn",
    "Not a valid integer.": "moet een geheel getal zijn",
    "Not a valid number.": "moet een getal zijn",
    "Not a valid boolean.": "moet true of false zijn",
    "Not a valid list.": "moet een lijst zijn",
    "Not a valid mapping type.": "moet een object zijn",
    "Field may not be null.": "mag niet leeg zijn",
    "Invalid input type.": "ongeldig type",
    "Invalid JSON body.": "de inhoud is geen geldige JSON",
}


def translate(message: str) -> str:
    """Dutch text for marshmallow's built-in English messages."""
    if message in _TRANSLATIONS:
        return _TRANSLATIONS[message]
    if message.startswith("Must be one of:"):
        return "moet een van de toegestane waarden zijn:" + message[len("Must be one of:") :]
    if message.startswith("Length must be") or message.startswith("Shorter than"):
        return "lengte past niet: " + message
    if message.startswith("Must be greater than") or message.startswith("Must be less than"):
        return "waarde buiten bereik: " + message
    if message.startswith("String does not match expected pattern"):
        return "heeft niet de juiste vorm"
    return message


def flatten_messages(messages: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Turn marshmallow's nested error dict into (dotted field, Dutch reason) pairs."""
    pairs: list[tuple[str, str]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key == "_schema":
                path = prefix
            elif isinstance(key, int):
                path = f"{prefix}[{key}]"
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            pairs.extend(flatten_messages(value, path))
    elif isinstance(messages, list):
        if all(isinstance(m, str) for m in messages):
            pairs.extend((prefix, translate(m)) for m in messages)
        else:
            for m in messages:
                pairs.extend(flatten_messages(m, prefix))
    else:
        pairs.append((prefix, translate(str(messages))))
    return pairs
