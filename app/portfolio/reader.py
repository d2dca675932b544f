"""Read a register file (CSV or XLSX) into a header and rows of cells, or refuse it whole with a Dutch reason.

CSV as Dutch spreadsheets write it: `;`, `,` or tab between cells, UTF-8 (with or
without BOM) or Windows-1252. XLSX: the first sheet, values as stored (numbers,
dates, booleans stay typed so that "1.250" is never guessed; empty cells are ""). File-level faults
(unreadable file, unknown or missing columns, too many rows) refuse the file before
anything is evaluated; row-level faults are the batch's business.

A small file must not take the server down: before calamine builds a sheet in memory (it allocates
the whole cell range, however far apart the cells are), the XLSX archive is checked for its
unpacked size, and every worksheet for its declared range, its furthest cell and its cell count.
CSV lines are bounded in length; reading stops after MAX_SECONDS.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import time
import zipfile
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from app.portfolio.columns import Column, RefusedColumns

#: The most rows one upload may hold.
MAX_ROWS = 20_000
XLSX_MAGIC = b"PK\x03\x04"
#: Bounds on what a worksheet may span before it is read (a legitimate register is far inside them).
MAX_SHEET_ROWS = 2 * MAX_ROWS
MAX_SHEET_COLUMNS = 200
MAX_CELLS = 2_000_000
MAX_UNPACKED = 128 * 1024 * 1024
MAX_LINE = 256 * 1024
MAX_SECONDS = 60
_CELL_REF = re.compile(rb'<(?:\w+:)?(?:c|row)\b[^>]*?\br="([A-Z]{0,4})([0-9]{1,9})"')
_CELL = re.compile(rb"<(?:\w+:)?c[\s/>]")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([A-Z0-9:$]*)"')


class RegisterRefused(ValueError):
    """The file cannot be used at all; `messages` are Dutch and shown above the upload form."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__("; ".join(messages))


@dataclass(frozen=True)
class Register:
    """A register as read: the known columns in file order and the data rows (row number, cells in column order).

    `rows` gives each row's cells by column name. It is built when first asked for: checking an
    upload only counts the rows, and the portfolio job hands the plain cells to its pool's workers,
    which name them there (`named`), so neither pays for 10,000 dicts it does not need (issue 18).
    """

    columns: tuple[str, ...]
    cells: tuple[tuple[int, list[Any]], ...]

    def __len__(self) -> int:
        return len(self.cells)

    @cached_property
    def rows(self) -> tuple[tuple[int, dict[str, Any]], ...]:
        """(row number, cells by column) for every data row."""
        columns = self.columns
        return tuple((number, dict(zip(columns, cells, strict=True))) for number, cells in self.cells)


def named(columns: tuple[str, ...], cells: list[Any]) -> dict[str, Any]:
    """One row's cells by column name, as `Register.rows` gives them."""
    return dict(zip(columns, cells, strict=True))


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
    deadline = time.monotonic() + MAX_SECONDS
    table = _xlsx_rows(data, deadline) if is_xlsx else _csv_rows(data)
    header_row = next(table, None)
    if header_row is None:
        raise RegisterRefused(["Het bestand heeft geen kopregel met kolomnamen."])
    header = _check_header(header_row, columns, refused)
    width = len(header)
    rows = []
    for number, cells in enumerate(table, start=2):
        if number % 1000 == 0 and time.monotonic() > deadline:
            raise RegisterRefused(["Het bestand kost te veel tijd om te lezen; splits het op."])
        if _blank_row(cells):
            continue
        if len(rows) >= max_rows:
            raise RegisterRefused([f"Het bestand heeft meer dan {max_rows:,} rijen; splits het op.".replace(",", ".")])
        if len(cells) > width:
            if not _blank_row(cells[width:]):
                raise RegisterRefused([f"Rij {number} heeft meer cellen dan de kopregel kolommen heeft."])
            cells = cells[:width]
        elif len(cells) < width:
            cells = [*cells, *([None] * (width - len(cells)))]
        rows.append((number, cells))
    if not rows:
        raise RegisterRefused(["Het bestand heeft geen gegevensrijen onder de kopregel."])
    return Register(columns=tuple(header), cells=tuple(rows))


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


def _blank_row(cells: list[Any]) -> bool:
    """Whether every cell is empty (None, or a text of white space only); a filled row answers at its first cell."""
    for cell in cells:
        if cell is None or (cell.__class__ is str and (not cell or cell.isspace())):
            continue
        return False
    return True


def _csv_rows(data: bytes):
    text = _decode(data)
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise RegisterRefused([f"Regel {line} bevat een NUL-teken; dit is geen gewoon CSV-bestand."])
    if max(map(len, text.split("\n")), default=0) >= MAX_LINE:  # a run of MAX_LINE characters without a newline
        raise RegisterRefused([f"Een regel in het bestand is langer dan {MAX_LINE // 1024} kB; dit is geen register."])
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


def _xlsx_rows(data: bytes, deadline: float):
    """The first sheet's rows, read by calamine (Rust): ten times faster than openpyxl for 10,000 rows."""
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError

    _check_xlsx_bounds(data, deadline)
    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
    except PasswordError as err:
        raise RegisterRefused(["Het XLSX-bestand heeft een wachtwoord. Sla het op zonder wachtwoord."]) from err
    except (CalamineError, IndexError, ValueError) as err:
        raise RegisterRefused(["Het XLSX-bestand is niet te lezen. Sla het opnieuw op als Excel-werkmap."]) from err
    yield from rows


def _check_xlsx_bounds(data: bytes, deadline: float) -> None:
    """Refuse an XLSX whose unpacked size or any worksheet's range or cell count is beyond the bounds.

    Streams each worksheet's XML (never more than MAX_UNPACKED in total, whatever the archive claims)
    and looks only at the declared range and the cell references.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as err:
        raise RegisterRefused(["Het XLSX-bestand is niet te lezen. Sla het opnieuw op als Excel-werkmap."]) from err
    if len(members) > 1000 or sum(m.file_size for m in members) > MAX_UNPACKED:
        raise RegisterRefused([f"Het XLSX-bestand is uitgepakt groter dan {MAX_UNPACKED // 2**20} MB; splits het op."])
    unpacked = 0
    for member in members:
        if not (member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml")):
            continue
        try:
            unpacked += _scan_sheet(archive, member, deadline, MAX_UNPACKED - unpacked)
        except RegisterRefused:
            raise
        except (zipfile.BadZipFile, ValueError, EOFError, RuntimeError, NotImplementedError) as err:
            raise RegisterRefused(["Het XLSX-bestand is niet te lezen. Sla het opnieuw op als Excel-werkmap."]) from err


def _scan_sheet(archive: zipfile.ZipFile, member: zipfile.ZipInfo, deadline: float, budget: int) -> int:
    """Check one worksheet's declared range, furthest cell and cell count; return its unpacked size."""
    max_row = max_col = cells = read = 0
    tail = b""
    with archive.open(member) as stream:
        while chunk := stream.read(1 << 20):
            read += len(chunk)
            if read > budget:
                raise RegisterRefused([f"Het XLSX-bestand is uitgepakt groter dan {MAX_UNPACKED // 2**20} MB."])
            if time.monotonic() > deadline:
                raise RegisterRefused(["Het bestand kost te veel tijd om te lezen; splits het op."])
            window = tail + chunk
            cut = max(window.rfind(b"<"), 0)  # an element split over two chunks is scanned with the next one
            part, tail = window[:cut], window[cut:]
            if len(tail) > 4096:
                part, tail = window, b""
            for found in _DIMENSION.finditer(part):
                _check_range(*_range_of(found.group(1).decode()))
            for found in _CELL_REF.finditer(part):
                max_row = max(max_row, int(found.group(2)))
                if found.group(1):
                    max_col = max(max_col, _column_number(found.group(1).decode()))
            cells += len(_CELL.findall(part))
            _check_range(max_row, max_col, cells)
    for found in _CELL_REF.finditer(tail):
        max_row = max(max_row, int(found.group(2)))
    _check_range(max_row, max_col, cells + len(_CELL.findall(tail)))
    return read


def _range_of(ref: str) -> tuple[int, int]:
    """Rows and columns of a declared range such as "A1:XFD1048576"."""
    last = ref.replace("$", "").split(":")[-1]
    match = re.fullmatch(r"([A-Z]{0,4})([0-9]{0,9})", last)
    if not match:
        return 0, 0
    return int(match.group(2) or 0), _column_number(match.group(1)) if match.group(1) else 0


def _check_range(rows: int, columns: int, cells: int = 0) -> None:
    if rows > MAX_SHEET_ROWS:
        raise RegisterRefused(
            [f"Het werkblad loopt tot rij {rows:,}; meer dan {MAX_SHEET_ROWS:,} rijen kan niet.".replace(",", ".")]
        )
    if columns > MAX_SHEET_COLUMNS:
        raise RegisterRefused([f"Het werkblad loopt tot kolom {columns}; hoogstens {MAX_SHEET_COLUMNS} kan."])
    if rows * max(columns, 1) > MAX_CELLS or cells > MAX_CELLS:
        raise RegisterRefused([f"Het werkblad heeft meer dan {MAX_CELLS:,} cellen; splits het op.".replace(",", ".")])


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + (ord(letter) - 64)
    return number
