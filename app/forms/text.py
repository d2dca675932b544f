"""Read answers as people type them (amounts, ja/nee, whole numbers); shared by the wizard and the register upload."""

from __future__ import annotations

import re

#: A number written with thousands dots: "1.250", "12.500.000" (the first group has no leading zero).
_GROUPED = re.compile(r"-?[1-9][0-9]{0,2}(\.[0-9]{3})+")
YES = frozenset({"ja", "j", "yes", "y", "true", "waar", "1"})
NO = frozenset({"nee", "n", "no", "false", "onwaar", "0"})


def parse_amount(text: str) -> float | None:
    """Read an amount as people write it: "1.250,50", "1250.50", "€ 1.250", "1250"."""
    cleaned = text.replace("€", "").replace(" ", "").replace("\u00a0", "")
    if not cleaned:
        return None
    if "," in cleaned:
        if "." in cleaned and not _GROUPED.fullmatch(cleaned.split(",", 1)[0]):
            return None  # "1.5,20": the dots are not thousands groups
        cleaned = cleaned.replace(".", "").replace(",", ".")
    elif _GROUPED.fullmatch(cleaned):
        cleaned = cleaned.replace(".", "")
    if not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", cleaned):
        return None
    return float(cleaned)


def parse_whole_number(text: str) -> int | None:
    """Read a whole number, allowing thousands dots and spaces ("1.200"); None when it is not one ("8.5")."""
    cleaned = text.strip().replace(" ", ".").replace("\u00a0", ".")
    if _GROUPED.fullmatch(cleaned):  # "1.200" or "1 200": thousands groups of exactly three digits
        cleaned = cleaned.replace(".", "")
    if not re.fullmatch(r"-?[0-9]{1,18}", cleaned):
        return None  # "8.5" is not a whole number (and never 85)
    return int(cleaned)


def parse_yes_no(text: str) -> bool | None:
    """Read ja/nee (also j/n, 1/0, true/false as spreadsheets write them); None when it is neither."""
    lowered = text.strip().lower()
    if lowered in YES:
        return True
    if lowered in NO:
        return False
    return None


#: How a stored answer text is displayed: ja/nee like the radio buttons ("Ja"), as option labels are.
_DISPLAYED = {"ja": "Ja", "nee": "Nee", "niet ingevuld": "Niet ingevuld"}


def displayed_answer(shown: str | None) -> str:
    """A stored answer text (`show_answer`) as pages, reports and briefs display it: "ja" → "Ja".

    Stored results keep their text (their fingerprint depends on it); only the display is made consistent
    with the capitalised option labels. Free text and amounts are shown exactly as stored.
    """
    if shown is None:
        return ""
    return _DISPLAYED.get(shown, shown)
