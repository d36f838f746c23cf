"""Exact values into XlsxWriter workbooks: one writer helper for every workbook clausewise makes.

What it promises:

- A number is written as a spreadsheet number where the spreadsheet keeps its digits: at most 15
  significant digits (`as_double`; Excel's precision, and a decimal of 15 digits comes back from the
  nearest double as the same digits), so USD 35,317.90 is a number Excel shows and sums as 35,317.90. Any
  other number (9,007,199,254,740,993; 1/3) is written as text, its exact digits, with a comment on the
  cell saying so (`TEXT_NOTE`): never a rounded number.
- Dates are spreadsheet dates with a date format (yyyy-mm-dd); those a spreadsheet cannot show right
  (before 1900-03-01) are text, with the same kind of comment. true/false are booleans; a pending value is the text
  "pending".
- Text is never read as a formula, number or link (the workbook options of `new_book`), and a text longer
  than a cell holds (32,767 characters) is cut with a visible "[... N more characters]".
- Byte-identical workbooks for identical content: built in memory (XlsxWriter then stamps every part with
  1980-01-01) and with the creation time given (`new_book(created=...)`), e.g. from SOURCE_DATE_EPOCH.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .result import number_text

TEXT_NOTE = "exact value {text}, written as text: a spreadsheet number (a binary double) cannot hold it exactly"
DATE_NOTE = "date {text}, written as text: a spreadsheet's dates are reliable from 1900-03-01 only"
FIRST_DATE = date(1900, 3, 1)  # before it, spreadsheets count a 1900-02-29 that never was
MOST_CHARS = 32_767  # the most a cell holds
DIGITS = 15  # the significant digits a spreadsheet shows


def as_double(value: int | Decimal | Fraction) -> float | None:
    """`value` as a double if it has at most 15 significant digits, else None. Excel keeps 15 significant
    digits: a decimal of at most 15 goes to the nearest double and comes back as the same digits (DBL_DIG),
    so USD 35,317.90 is a number Excel shows and sums as 35,317.90; more digits, or a fraction with no
    finite decimal (1/3), would be rounded by Excel and are written as text instead."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Fraction):
        from .result import exact_decimal

        finite = exact_decimal(value)  # a double is a finite binary, so a finite decimal, fraction
        if finite is None:
            return None
        value = finite
    if isinstance(value, int):
        return float(value) if abs(value) < 10**DIGITS else None
    if not value.is_finite():
        return None
    digits = "".join(map(str, value.as_tuple().digits)).strip("0")
    if len(digits) > DIGITS or value.adjusted() >= DIGITS:
        return None
    return float(value)  # correctly rounded from the digits (no decimal context), back to the same 15 digits


def exact_text(value: int | Decimal | Fraction) -> str:
    """The exact digits of a number (a fraction with no finite decimal as numerator/denominator)."""
    if isinstance(value, Fraction):
        from .result import exact_decimal

        d = exact_decimal(value)
        return number_text(d) if d is not None else f"{number_text(value.numerator)}/{number_text(value.denominator)}"
    return number_text(value)


def new_book(buffer: io.BytesIO, created: datetime | None, title: str) -> Any:
    """A workbook written in memory into `buffer`, created at `created` (None: now), never reading text
    as formulas, numbers or links."""
    import xlsxwriter  # an extra: pip install 'clausewise[xlsx]'

    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False,
                                        "strings_to_formulas": False, "strings_to_urls": False,
                                        "remove_timezone": True})
    properties: dict[str, Any] = {"title": title, "creator": "clausewise"}
    if created is not None:
        properties["created"] = created.replace(tzinfo=None)
    book.set_properties(properties)
    return book


class Formats:
    """The cell formats of one workbook, made once each (XlsxWriter wants one object per format)."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self._made: dict[tuple[str, bool], Any] = {}

    def get(self, number_format: str | None = None, bold: bool = False) -> Any:
        key = (number_format or "", bold)
        if key not in self._made:
            spec: dict[str, Any] = {"bold": True} if bold else {}
            if number_format:
                spec["num_format"] = number_format
            self._made[key] = self.book.add_format(spec) if spec else None
        return self._made[key]


def cut(text: str) -> str:
    """Text as a cell holds it: past 32,767 characters, cut visibly."""
    if len(text) <= MOST_CHARS:
        return text
    tail = f" [... {len(text) - (MOST_CHARS - 40):,} more characters]"
    return text[:MOST_CHARS - len(tail)] + tail


def write(sheet: Any, row: int, col: int, value: Any, formats: Formats, number_format: str | None = None,
          bold: bool = False) -> str | None:
    """Write one value exactly (see the module's promises); returns the note put on the cell, if any."""
    if value is None:
        sheet.write_string(row, col, "pending", formats.get(None, bold))
        return None
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value, formats.get(None, bold))
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        if value < FIRST_DATE:
            return _as_text(sheet, row, col, value.isoformat(), DATE_NOTE, formats, bold)
        sheet.write_datetime(row, col, datetime(value.year, value.month, value.day),
                             formats.get("yyyy-mm-dd", bold))
        return None
    if isinstance(value, int | Decimal | Fraction):
        double = as_double(value)
        if double is None:
            return _as_text(sheet, row, col, exact_text(value), TEXT_NOTE, formats, bold)
        sheet.write_number(row, col, double, formats.get(number_format, bold))
        return None
    sheet.write_string(row, col, cut(str(value)), formats.get(None, bold))
    return None


def _as_text(sheet: Any, row: int, col: int, text: str, note: str, formats: Formats, bold: bool) -> str:
    said = note.format(text=text)
    sheet.write_string(row, col, cut(text), formats.get(None, bold))
    sheet.write_comment(row, col, cut(said))
    return said


def sheet_name(wanted: str, used: set[str]) -> str:
    """A sheet name a spreadsheet accepts (31 characters, none of []:*?/\\), unique in the workbook."""
    base = "".join("_" if c in "[]:*?/\\" else c for c in wanted)[:31].strip("'") or "sheet"
    name, k = base, 2
    while name.lower() in used:
        name = f"{base[:28]}~{k}"
        k += 1
    used.add(name.lower())
    return name


def widths(sheet: Any, rows: list[list[str]], most: int = 60, least: int = 8) -> None:
    """Column widths from the texts shown (between `least` and `most` characters): the same texts, the same
    widths, whatever the machine."""
    if not rows:
        return
    for k in range(max(len(r) for r in rows)):
        longest = max((len(r[k]) for r in rows if k < len(r)), default=0)
        sheet.set_column(k, k, min(max(longest + 2, least), most))
