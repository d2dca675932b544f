"""Read a register file (CSV or XLSX) into a header and rows of cells, or refuse it whole with a Dutch reason.

CSV as Dutch spreadsheets write it: `;`, `,` or tab between cells, UTF-8 (with or
without BOM) or Windows-1252. XLSX: the first sheet, values as stored (numbers,
dates, booleans stay typed so that "1.250" is never guessed; empty cells are ""). File-level faults
(unreadable file, unknown or missing columns, too many rows) refuse the file before
anything is evaluated; row-level faults are the batch's business.
"""

from __future__ import annotations

import csv
import difflib
import io
from dataclasses import dataclass
from typing import Any

from app.portfolio.columns import Column, RefusedColumns

#: The most rows one upload may hold.
MAX_ROWS = 20_000
XLSX_MAGIC = b"PK\x03\x04"


class RegisterRefused(ValueError):
    """The file cannot be used at all; `messages` are Dutch and shown above the upload form."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__("; ".join(messages))


@dataclass(frozen=True)
class Register:
    """A register as read: the known columns in file order and the data rows (row number, cells by column)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, Any]], ...]


def read_register(
    data: bytes,
    filename: str,
    columns: tuple[Column, ...],
    max_rows: int = MAX_ROWS,
    refused: RefusedColumns | None = None,
) -> Register:
    """Read and check the header of an uploaded register; raise RegisterRefused when it cannot be used.

    `refused`: columns a register may never hold (criminal, partner data), refused with their reason.
    """
    if not data:
        raise RegisterRefused(["Het bestand is leeg."])
    is_xlsx = data.startswith(XLSX_MAGIC) or filename.lower().endswith(".xlsx")
    table = _xlsx_rows(data) if is_xlsx else _csv_rows(data)
    header_row = next(table, None)
    if header_row is None:
        raise RegisterRefused(["Het bestand heeft geen kopregel met kolomnamen."])
    header = _check_header(header_row, columns, refused)
    rows = []
    for number, cells in enumerate(table, start=2):
        if all(_blank(c) for c in cells):
            continue
        if len(rows) >= max_rows:
            raise RegisterRefused([f"Het bestand heeft meer dan {max_rows:,} rijen; splits het op.".replace(",", ".")])
        extra = [c for c in cells[len(header) :] if not _blank(c)]
        if extra:
            raise RegisterRefused([f"Rij {number} heeft meer cellen dan de kopregel kolommen heeft."])
        rows.append((number, {name: cells[i] if i < len(cells) else None for i, name in enumerate(header)}))
    if not rows:
        raise RegisterRefused(["Het bestand heeft geen gegevensrijen onder de kopregel."])
    return Register(columns=tuple(header), rows=tuple(rows))


def _check_header(cells: list[Any], columns: tuple[Column, ...], refused: RefusedColumns | None = None) -> list[str]:
    """Normalised column names; every fault in the header is reported at once."""
    known = {c.name for c in columns}
    forbidden = refused.messages if refused else {}
    header = [str(c).strip().lower() if c is not None else "" for c in cells]
    while header and not header[-1]:
        header.pop()
    problems = []
    for position, name in enumerate(header, start=1):
        if not name:
            problems.append(f"Kolom {position} heeft geen naam.")
        elif name in forbidden:
            problems.append(forbidden[name])
        elif name not in known:
            guess = difflib.get_close_matches(name, known, n=1)
            hint = f" Bedoelt u '{guess[0]}'?" if guess else ""
            problems.append(f"Onbekende kolom '{name}'.{hint}")
    doubles = sorted({n for n in header if n and header.count(n) > 1})
    problems += [f"Kolom '{n}' staat er meer dan één keer in." for n in doubles]
    if "naam" not in header:
        problems.append("De kolom 'naam' ontbreekt; die is verplicht.")
    if any(name in forbidden for name in header):
        problems.append(refused.reason)
    if problems:
        raise RegisterRefused(problems)
    return header


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _csv_rows(data: bytes):
    text = _decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=";,\t")
    except csv.Error:
        dialect = _Semicolon if ";" in text.split("\n", 1)[0] else csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        yield from reader
    except csv.Error as err:
        raise RegisterRefused([f"Het CSV-bestand is niet te lezen (regel {reader.line_num}): {err}."]) from err


class _Semicolon(csv.excel):
    """Excel's CSV as Dutch locales write it."""

    delimiter = ";"


def _decode(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise RegisterRefused(["Dit is geen CSV- of XLSX-bestand."])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _xlsx_rows(data: bytes):
    """The first sheet's rows, read by calamine (Rust): ten times faster than openpyxl for 10,000 rows."""
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError

    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
    except PasswordError as err:
        raise RegisterRefused(["Het XLSX-bestand heeft een wachtwoord. Sla het op zonder wachtwoord."]) from err
    except (CalamineError, IndexError, ValueError) as err:
        raise RegisterRefused(["Het XLSX-bestand is niet te lezen. Sla het opnieuw op als Excel-werkmap."]) from err
    yield from rows
