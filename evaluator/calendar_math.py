"""Calendar months and years, and day counts by a named convention: exact, on `datetime.date`.

Months. `d + N months` is the same day of the month N months on; where that month is shorter, the last
day of it (31 January + 1 month = 28 or 29 February; 29 February 2024 + 1 year = 28 February 2025). With
`keeping month end` (written on the amount: `end(y) + 1 month keeping month end`) a date that is the last
day of its month goes to the last day of the month it lands in (28 February 2023 + 1 month = 31 March
2023). A year is 12 months. The two rules are units of their own (`months`, `months keeping month end`):
they do not add up with each other.

Day counts (ISDA 2006 Definitions, section 4.16), a year fraction from `a` to `b`:

- actual/365 (Fixed), 4.16(d): the days from a to b over 365;
- actual/360, 4.16(e): the days over 360;
- 30/360 (Bond Basis), 4.16(f): [360 (Y2 - Y1) + 30 (M2 - M1) + (D2 - D1)] / 360, where D1 = 30 if it is
  31, and D2 = 30 if it is 31 and D1 is (after that) 30 or 31;
- 30E/360 (Eurobond Basis), 4.16(g): the same, where D1 and D2 are each 30 if they are 31.

A fraction from a later date to an earlier one is negative.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from .units import Unit

MONTHS_WORD = "months"
MONTHS_END_WORD = "months keeping month end"
MONTH_WORDS = (MONTHS_WORD, MONTHS_END_WORD)


def months_unit(keep_month_end: bool) -> str:
    """The unit word of a month literal (`3 months`, `3 months keeping month end`)."""
    return MONTHS_END_WORD if keep_month_end else MONTHS_WORD


def month_rule(unit: Unit | None) -> bool | None:
    """For a unit of months: whether it keeps month ends; None if it is not a unit of months."""
    if unit is None or len(unit.dims) != 1 or unit.dims[0][1] != 1 or unit.dims[0][0] not in MONTH_WORDS:
        return None
    return unit.dims[0][0] == MONTHS_END_WORD


def add_months(d: date, months: int, keep_month_end: bool) -> date:
    """`d` moved on by a whole number of calendar months (back if negative); OverflowError past year 9999."""
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise OverflowError(f"year {year} is out of range")
    last = days_in_month(year, month + 1)
    at_end = d.day == days_in_month(d.year, d.month)
    day = last if keep_month_end and at_end else min(d.day, last)
    return date(year, month + 1, day)


def days_in_month(year: int, month: int) -> int:
    """The number of days in a month of the Gregorian calendar (calendar.monthrange's, without its import)."""
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


CONVENTIONS = {
    "actual_365": "actual/365 (Fixed), ISDA 2006 4.16(d)",
    "actual_360": "actual/360, ISDA 2006 4.16(e)",
    "30_360": "30/360 (Bond Basis), ISDA 2006 4.16(f)",
    "30e_360": "30E/360 (Eurobond Basis), ISDA 2006 4.16(g)",
}


def year_fraction(convention: str, a: date, b: date) -> Fraction:
    """The fraction of a year from `a` to `b` by one of CONVENTIONS (its key)."""
    if convention == "actual_365":
        return Fraction((b - a).days, 365)
    if convention == "actual_360":
        return Fraction((b - a).days, 360)
    d1, d2 = a.day, b.day
    if convention == "30_360":
        d1 = 30 if d1 == 31 else d1
        d2 = 30 if d2 == 31 and d1 == 30 else d2
    else:
        d1, d2 = min(d1, 30), min(d2, 30)
    return Fraction(360 * (b.year - a.year) + 30 * (b.month - a.month) + (d2 - d1), 360)
