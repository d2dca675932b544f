"""Input checks at every boundary (web form, query string, JSON body, CLI file), before anything is parsed further.

Refused here, with a Dutch reason: NUL bytes and lone surrogates in text (PostgreSQL and UTF-8
output cannot hold them), JSON that Python cannot read safely (integer literals of thousands of
digits, nesting beyond MAX_DEPTH), and ids or page numbers beyond what the database holds.
"""

from __future__ import annotations

import json
import re
from typing import Any

#: The largest id or page number accepted (PostgreSQL INTEGER; SQLite would take more, the API is the same).
MAX_ID = 2**31 - 1
MAX_DEPTH = 20
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


class UnsafeInput(ValueError):
    """Input refused at the boundary; the message is Dutch and safe to show."""


def bad_text(value: str) -> bool:
    """True for text with a NUL byte or a lone surrogate."""
    return bool(_BAD_TEXT.search(value))


def load_json(data: bytes | str) -> Any:
    """Parse JSON, or raise UnsafeInput with a Dutch reason (never ValueError/RecursionError from deep inside)."""
    try:
        value = json.loads(data)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, too many digits, invalid UTF-8, too deep
        raise UnsafeInput(f"Geen geldige JSON ({_reason(exc)}).") from None
    check_value(value)
    return value


def _reason(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "te diep genest"
    if isinstance(exc, json.JSONDecodeError):
        return f"regel {exc.lineno}, kolom {exc.colno}: {exc.msg}"
    if "digits" in str(exc):
        return "een getal met te veel cijfers"
    return "onleesbare tekens"


def check_value(value: Any, depth: int = 0) -> None:
    """Refuse nesting beyond MAX_DEPTH and text with NUL bytes or lone surrogates, in keys and values."""
    if depth > MAX_DEPTH:
        raise UnsafeInput(f"De gegevens zijn dieper genest dan {MAX_DEPTH} niveaus.")
    if isinstance(value, str):
        if bad_text(value):
            raise UnsafeInput("De tekst bevat een ongeldig teken (NUL-teken of losse surrogaat).")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_value(key, depth + 1)
            check_value(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            check_value(item, depth + 1)


def bounded_int(text: str) -> int:
    """An id or page number from a query string; ValueError (so the default is used) when out of range."""
    value = int(text)
    if not 0 <= value <= MAX_ID:
        raise ValueError("buiten het bereik")
    return value
