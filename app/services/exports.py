"""Tables as downloadable files: CSV as Dutch spreadsheets open it, and XLSX. Shared by every export.

Text cells that a spreadsheet would run as a formula ("=…", "+…", "@…") get a leading
apostrophe (CSV injection); numbers, also negative ones, stay as they are.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?[0-9]+([.,][0-9]+)?")


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas in text cells: "=…" is shown, never run. Numbers stay.

    The first visible character is compared after NFKC, so full-width "＝" (U+FF1D), "＋" and "＠",
    which some spreadsheets read as their ASCII forms, are neutralised too; so are leading spaces before one.
    """
    if not isinstance(value, str) or NUMBER.fullmatch(value):
        return value
    first = value.lstrip(" \u00a0\u3000")[:1]
    if first and (value[:1] in FORMULA_STARTS or unicodedata.normalize("NFKC", first) in FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(header: list[str], table: list[list[Any]]) -> bytes:
    """CSV as Dutch spreadsheets open it: semicolons, UTF-8 with BOM."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([safe_cell(v) for v in row] for row in table)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(header: list[str], table: list[list[Any]], title: str, extra=None) -> bytes:
    """A workbook with one sheet `title`; `extra` = (name, header, rows) adds a second sheet."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append(header)
    for row in table:
        sheet.append([safe_cell(v) for v in row])
    if extra:
        name, extra_header, extra_rows = extra
        other = workbook.create_sheet(name)
        other.append(extra_header)
        for row in extra_rows:
            other.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
