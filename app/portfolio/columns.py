"""The column format of a register upload: which columns exist and how a cell becomes an answer.

The columns of a scan are its subject (`naam`, `adres`, `kvk`) plus one column per
question of its questionnaire, named by the question id. A cell is read as people
and spreadsheets write it (ja/nee, Dutch amounts, option values or labels, dates as
dd-mm-jjjj or jjjj-mm-dd). Persons (`personen` questions) are never read from a
register: a bulk file is no place for names of people (data minimisation); they are
added in the wizard after "open als scan".

A register holds open and own data only: questions whose channel (`forms/_kanalen.yaml`) is not
allowed in a portfolio (partner information, justitiële and politiegegevens, other criminal
data) are no columns; an upload naming them is refused with the reason (`refused_columns`).

Pure: questionnaire and cell values in, typed values or Dutch messages out.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from app.forms.model import NONE_OPTION, QUESTION_TYPES, Question, Questionnaire
from app.forms.text import parse_amount, parse_whole_number, parse_yes_no

#: Cells that mean "not answered".
UNKNOWN = frozenset({"", "onbekend", "niet bekend", "n.b.", "nb", "-"})
#: Separators between the choices of a meerkeuze cell.
MULTI_SEPARATOR = re.compile(r"\s*[|;]\s*")
SKIPPED_TYPES = frozenset({"personen", "financiers"})


@dataclass(frozen=True)
class Column:
    """One column of the register format, as the template and the column page show it."""

    name: str
    label: str
    kind: str
    required: bool
    allowed: str
    example: str
    question: Question | None = None


SUBJECT_COLUMNS = (
    Column("naam", "Naam van de onderneming of inrichting", "Tekst", True, "2 tot 200 tekens", "Café De Kroon"),
    Column("adres", "Adres van de vestiging", "Tekst", False, "hoogstens 300 tekens", "Dorpsstraat 1, 1234 AB Plaats"),
    Column("kvk", "KvK-nummer", "KvK-nummer", False, "8 cijfers", "12345678"),
)
SUBJECT_NAMES = frozenset(c.name for c in SUBJECT_COLUMNS)


@dataclass(frozen=True)
class RefusedColumns:
    """Columns a register may never hold, each with a Dutch message, and the reason why (once)."""

    messages: dict[str, str]
    reason: str


def columns_for(questionnaire: Questionnaire) -> tuple[Column, ...]:
    """Every column of this scan's register format, subject first, then the allowed questions in order."""
    return SUBJECT_COLUMNS + tuple(
        _question_column(q)
        for q in questionnaire.questions.values()
        if q.type not in SKIPPED_TYPES and allowed_in_register(q)
    )


def allowed_in_register(question: Question) -> bool:
    """Whether a register may hold this question: its channel allows bulk processing (data, not a list here)."""
    return question.provenance is None or question.provenance.portfolio


def refused_columns(questionnaire: Questionnaire) -> RefusedColumns:
    """The questions a register may not hold, derived from the channel table, with why."""
    messages = {
        q.id: f"Kolom '{q.id}' bevat {_what(q)} en mag niet in een register."
        for q in questionnaire.questions.values()
        if q.type not in SKIPPED_TYPES and not allowed_in_register(q)  # records are never a column anyway
    }
    table = questionnaire.channels
    return RefusedColumns(messages, table.portfolio_reason if table is not None else "")


def _what(q: Question) -> str:
    p = q.provenance
    if p.criminal:
        return f"strafrechtelijke gegevens (AVG art. 10; kanaal: {p.label})"
    return f"{p.label[0].lower()}{p.label[1:]}"


def _question_column(q: Question) -> Column:
    allowed, example = _allowed(q)
    return Column(q.id, q.label, QUESTION_TYPES[q.type], False, allowed, example, q)


def _allowed(q: Question) -> tuple[str, str]:
    """What a cell of this question may hold, in words, and an example value."""
    if q.type == "ja_nee":
        return "ja of nee", "nee"
    if q.type == "keuze":
        return "één van: " + ", ".join(q.option_values), q.option_values[0]
    if q.type == "meerkeuze":
        example = [v for v in q.option_values if v != NONE_OPTION][:2]  # "geen" goes alone
        return "een of meer van (scheid met |; 'geen' alleen): " + ", ".join(q.option_values), " | ".join(example)
    if q.type == "getal":
        low = int(q.min) if q.min is not None else None
        high = int(q.max) if q.max is not None else None
        bounds = f" van {low} tot en met {high}" if low is not None and high is not None else ""
        return f"geheel getal{bounds}", str(low or 0)
    if q.type == "bedrag":
        return "bedrag in euro, bijvoorbeeld 12.500 of 12500,50", "12.500"
    if q.type == "datum":
        return "datum als dd-mm-jjjj of jjjj-mm-dd", "31-12-2025"
    if q.type == "kvk":
        return "8 cijfers", "12345678"
    if q.type == "postcode":
        return "4 cijfers en 2 letters", "1234 AB"
    limit = q.max_length or 2000
    return f"tekst, hoogstens {limit} tekens", ""


def read_cell(question: Question, value: Any) -> tuple[Any, str | None]:
    """Turn one cell into an answer value; return (value or None when empty, Dutch error or None)."""
    if value is None:
        return None, None
    if isinstance(value, str):
        value = value.strip()
        if value.lower() in UNKNOWN and _option(question, value) is None:  # "onbekend" may be a real option
            return None, None
    reader = _READERS.get(question.type, _read_text)
    return reader(question, value)


def _read_yes_no(q: Question, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool):
        return value, None
    answer = parse_yes_no(str(value))
    if answer is None:
        return None, f"'{_short(value)}' is geen ja of nee"
    return answer, None


def _read_choice(q: Question, value: Any) -> tuple[Any, str | None]:
    option = _option(q, str(value))
    if option is None:
        return None, f"'{_short(value)}' is geen van de opties ({', '.join(q.option_values)})"
    return option, None


def _read_multi(q: Question, value: Any) -> tuple[Any, str | None]:
    chosen = []
    for part in MULTI_SEPARATOR.split(str(value)):
        if not part:
            continue
        option = _option(q, part)
        if option is None:
            return None, f"'{_short(part)}' is geen van de opties ({', '.join(q.option_values)})"
        if option not in chosen:
            chosen.append(option)
    return (chosen or None), None


def _option(q: Question, text: str) -> str | None:
    """The option value a cell names, by value or by label, ignoring case."""
    wanted = text.strip().lower()
    for option in (*q.options, *q.legacy_options):
        if wanted in (option.value.lower(), option.label.lower()):
            return option.value
    return None


def _read_number(q: Question, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool):
        return None, "vul een geheel getal in"
    if isinstance(value, int):
        return value, None
    if isinstance(value, float):
        if value.is_integer():
            return int(value), None
        return None, f"'{_short(value)}' is geen geheel getal"
    number = parse_whole_number(str(value))
    if number is None:
        return None, f"'{_short(value)}' is geen geheel getal"
    return number, None


def _read_amount(q: Question, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool):
        return None, "vul een bedrag in"
    if isinstance(value, (int, float)):
        return float(value), None
    amount = parse_amount(str(value))
    if amount is None:
        return None, f"'{_short(value)}' is geen bedrag (bijvoorbeeld 12.500 of 12500,50)"
    return amount, None


def _read_date(q: Question, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, dt.datetime):
        return value.date().isoformat(), None
    if isinstance(value, dt.date):
        return value.isoformat(), None
    text = str(value)
    for fmt in ("%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat(), None
        except ValueError:
            continue
    return None, f"'{_short(value)}' is geen datum (dd-mm-jjjj)"


def _read_code(q: Question, value: Any) -> tuple[Any, str | None]:
    """KvK-nummers and postcodes: spreadsheets turn them into numbers; read them back as text."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace(" ", "") if q.type == "kvk" else str(value).upper()
    if q.type == "kvk" and text.isdigit() and len(text) < 8:
        text = text.zfill(8)  # a leading zero lost in a spreadsheet
    return text, None


def _read_text(q: Question, value: Any) -> tuple[Any, str | None]:
    return str(value), None


_READERS = {
    "ja_nee": _read_yes_no,
    "keuze": _read_choice,
    "meerkeuze": _read_multi,
    "getal": _read_number,
    "bedrag": _read_amount,
    "datum": _read_date,
    "kvk": _read_code,
    "postcode": _read_code,
}


def _short(value: Any, limit: int = 40) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def write_cell(question: Question, value: Any) -> str:
    """An answer as a register cell that `read_cell` reads back to the same value (for export)."""
    if value is None:
        return ""
    if question.type == "ja_nee":
        return "ja" if value else "nee"
    if question.type == "meerkeuze":
        return " | ".join(value)
    if question.type == "bedrag":
        return f"{value:.2f}".replace(".", ",").removesuffix(",00")
    if question.type == "datum":
        return dt.date.fromisoformat(value).strftime("%d-%m-%Y")
    return str(value)
