"""Turn the strings of an HTML form into typed answers, with Dutch messages for what cannot be read.

The wizard works without JavaScript, so amounts arrive as typed by people ("€ 1.250,50"),
ja/nee as radio values, persons as numbered rows. What cannot be read is reported per
question and the raw text is kept for redisplay.
"""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from app.forms.answers import NONE_EXCLUSIVE_MESSAGE
from app.forms.model import (
    ANSWER_SOURCES,
    ANTECEDENT_CHANNELS,
    ANTECEDENT_STATUSES,
    FINANCIER_RELATIONS,
    OFFENCE_KINDS,
    PERSON_ROLES,
    Question,
    Step,
)
from app.forms.text import parse_amount, parse_whole_number

UNKNOWN = ""  # the "Niet bekend" choice of an optional ja/nee or keuze question
NONE_OPTION = "geen"  # the "none of these" choice of a meerkeuze question; it excludes the others
PERSON_ROWS_EXTRA = 2
MAX_PERSON_ROWS = 50
ANTECEDENT_ROWS_EXTRA = 1
MAX_ANTECEDENT_ROWS = 30
FINANCIER_FLAGS = ("schriftelijke_overeenkomst", "bankspoor", "herkomst_aangetoond")


class RecordChoices(dict):
    """The person roles (as a mapping, what the question macro always took), plus the choices of the
    other record fields: antecedents of a person and financiers."""

    offences = OFFENCE_KINDS
    statuses = ANTECEDENT_STATUSES
    channels = ANTECEDENT_CHANNELS
    financier_relations = FINANCIER_RELATIONS
    antecedent_extra = ANTECEDENT_ROWS_EXTRA


def parse_step(step: Step, form: MultiDict) -> tuple[dict[str, Any], dict[str, list[str]], dict[str, Any]]:
    """Return (typed answers, parse errors, raw values for redisplay) for one step's questions."""
    answers: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    raw: dict[str, Any] = {}
    for question in step.questions:
        value, error, shown = _parse(question, form)
        raw[question.id] = shown
        if error:
            errors[question.id] = [error]
        elif value is not None:
            answers[question.id] = value
    return answers, errors, raw


def _parse(q: Question, form: MultiDict) -> tuple[Any, str | None, Any]:
    if q.type == "meerkeuze":
        values = form.getlist(q.id)
        if NONE_OPTION in values and len(values) > 1 and NONE_OPTION in q.option_values:
            return None, NONE_EXCLUSIVE_MESSAGE, values
        return (values or None), None, values
    if q.type == "personen":
        return _persons(q, form)
    if q.type == "financiers":
        return _financiers(q, form)
    text = (form.get(q.id) or "").strip()
    if text == UNKNOWN:
        return None, None, text
    if q.type == "ja_nee":
        if text not in ("ja", "nee"):
            return None, "Kies ja of nee.", text
        return text == "ja", None, text
    if q.type == "getal":
        number = parse_whole_number(text)
        if number is None:
            if parse_amount(text) is not None:  # "2,5": a number, but not a whole one
                return None, "Vul een geheel getal in, zonder komma of decimalen.", text
            return None, "Vul een geheel getal in, zonder letters.", text
        return number, None, text
    if q.type == "bedrag":
        amount = parse_amount(text)
        if amount is None:
            return None, "Vul een bedrag in euro in, bijvoorbeeld 12.500 of 12.500,50.", text
        return amount, None, text
    if q.type == "postcode":
        return text.upper(), None, text
    if q.type == "kvk":
        return text.replace(" ", ""), None, text
    return text, None, text


def _text(form: MultiDict, name: str) -> str:
    return (form.get(name) or "").strip()


def _yes_no(text: str) -> bool | None:
    return {"ja": True, "nee": False}.get(text)


def _persons(q: Question, form: MultiDict) -> tuple[Any, str | None, Any]:
    """Numbered person rows, each with numbered antecedent rows; empty rows are skipped."""
    beyond = [key for key in form if key.startswith(f"{q.id}-") and _row_index(q.id, key) >= MAX_PERSON_ROWS]
    if any((form.get(key) or "").strip() for key in beyond):
        return None, f"U kunt hoogstens {MAX_PERSON_ROWS} personen invullen.", []
    rows = []
    error = None
    for i in range(MAX_PERSON_ROWS):
        prefix = f"{q.id}-{i}"
        if _text(form, f"{prefix}-verwijder"):
            continue  # "Verwijder persoon …" ticked: removed without JavaScript
        name, role, note = (_text(form, f"{prefix}-{f}") for f in ("naam", "rol", "toelichting"))
        antecedents, problem = _antecedents(form, prefix)
        if not (name or role or note or antecedents):
            continue
        row: dict[str, Any] = {"naam": name, "rol": role, "toelichting": note}
        if antecedents:
            row["antecedenten"] = antecedents
        rows.append(row)
        if not name or not role:
            error = error or "Vul bij elke persoon een naam en een rol in."
        error = error or problem
    return (None if error else (rows or None)), error, rows


def _antecedents(form: MultiDict, prefix: str) -> tuple[list[dict[str, Any]], str | None]:
    """The antecedent rows of one person; a row needs kind, status and source."""
    rows, problem = [], None
    for j in range(MAX_ANTECEDENT_ROWS):
        base = f"{prefix}-ant-{j}"
        if _text(form, f"{base}-verwijder"):
            continue
        kind, year, status, related, channel = (
            _text(form, f"{base}-{f}") for f in ("feit", "jaar", "status", "samenhang", "kanaal")
        )
        if not (kind or year or status or related or channel):
            continue
        row: dict[str, Any] = {"feit": kind, "status": status, "kanaal": channel}
        if year:
            number = parse_whole_number(year)
            if number is None:
                problem = problem or "Vul bij een antecedent het jaar in als getal, bijvoorbeeld 2022."
            row["jaar"] = number if number is not None else year
        if related:
            row["samenhang"] = _yes_no(related)
        if not (kind and status and channel):
            problem = problem or "Vul bij elk antecedent het soort feit, de status en de bron in."
        rows.append(row)
    return rows, problem


def _financiers(q: Question, form: MultiDict) -> tuple[Any, str | None, Any]:
    """Numbered financier rows: name, amount, relation, what is documented, cash part."""
    rows = []
    error = None
    for i in range(MAX_PERSON_ROWS):
        prefix = f"{q.id}-{i}"
        if _text(form, f"{prefix}-verwijder"):
            continue
        texts = {
            f: _text(form, f"{prefix}-{f}") for f in ("naam", "bedrag", "relatie", "contant_deel", *FINANCIER_FLAGS)
        }
        if not any(texts.values()):
            continue
        row: dict[str, Any] = {"naam": texts["naam"], "relatie": texts["relatie"]}
        for money in ("bedrag", "contant_deel"):
            if texts[money]:
                amount = parse_amount(texts[money])
                if amount is None:
                    error = error or "Vul bedragen in euro in, bijvoorbeeld 12.500."
                row[money] = amount if amount is not None else texts[money]
        for flag in FINANCIER_FLAGS:
            if texts[flag]:
                row[flag] = _yes_no(texts[flag])
        rows.append(row)
        if not texts["naam"] or not texts["relatie"]:
            error = error or "Vul bij elke financier een naam en de relatie tot de aanvrager in."
    return (None if error else (rows or None)), error, rows


def _row_index(question_id: str, key: str) -> int:
    """The row number in a person field's name ("betrokkenen-12-naam" → 12); -1 when it is not one."""
    middle = key[len(question_id) + 1 :].split("-", 1)[0]
    return int(middle) if middle.isdigit() and len(middle) < 10 else (MAX_PERSON_ROWS if middle.isdigit() else -1)


def display_value(q: Question, value: Any) -> Any:
    """The value to put back in a form field for a saved answer."""
    if value is None:
        return [] if q.type in ("meerkeuze", "personen", "financiers") else ""
    if q.type == "ja_nee":
        return "ja" if value else "nee"
    if q.type == "bedrag":
        return f"{value:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".").removesuffix(",00")
    if q.type == "getal":
        return str(value)
    return value


def field_context(values: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    """What the question macro (templates/scans/_question.html) needs beside the questions themselves."""
    return {
        "values": values,
        "errors": errors,
        "person_roles": RecordChoices(PERSON_ROLES),
        "extra_rows": PERSON_ROWS_EXTRA,
        "sources": ANSWER_SOURCES,
    }
