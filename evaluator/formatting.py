"""How every report writes a figure: one module, one convention, for the table, CSV, Markdown, HTML, XLSX, PDF.

`for_result(result)` gives a `Formatter` for one result. What it promises:

- `label(name)`: the definition's `label "..."` from the rules, else its name (JSON keeps names).
- `number(name, value)`: the figure without its unit. `amount(name, value)`: the same with its unit.
  `column(name)`: the label with its unit in brackets where the figures do not carry it ("Revenue (RMB)").
- `excel(name)`: an Excel number format for that output's figures, showing what `number` shows.
- The same by unit rather than by output (`unit_number`, `unit_amount`, `unit_excel`), for inputs and
  anything else that is not an output: a unit is written as `Result.units` writes it ("RMB", "shares",
  "ratio", "USD per share", "true/false", "a date").

The convention (README, "How figures are written"):

- thousands grouped with commas: `1,234,567`;
- money to its currency's minor unit, `35,317.90`: the places the rules declare (`currency JPY ... minor
  unit 0`), else ISO 4217's for the common codes (JPY 0, KWD 3, ...), else 2; an amount with more places
  than that shows them all (`0.125` USD is `0.125`): a figure is never rounded for display;
- a price (money per something) likewise: `USD 12.50 per share`;
- ratios as percentages, exactly: `80%`, `12.5%`, `0.0125%` (as many places as the value has, no more);
- shares, days and counted units whole when whole (`1,234 shares`), else with the places they have;
- negatives in parentheses, the finance convention: `(1,234.00)`, `USD (1,234.00)`, `(12.5%)`;
- true/false as yes/no; dates ISO 8601 (2027-03-01); a pending value as `pending`.

Every text is made from the exact value (int, Decimal or Fraction) with integer arithmetic: nothing depends
on the caller's decimal context, and no binary float is involved. Thread-safe: a Formatter holds no state
that changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from fractions import Fraction

from .records import field, record
from .result import decimal_places, number_text

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:
    from typing import Any

    from .result import Result

PENDING = "pending"
DEFAULT_MINOR_UNIT = 2
# ISO 4217 minor units of the codes that do not have 2 (the rest, and codes it does not list, have 2)
ISO_MINOR_UNITS: dict[str, int] = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0, "RWF": 0,
    "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    "CLF": 4, "UYW": 4,
}
_SINGULAR = {"shares": "share", "days": "day"}
_PLAIN = ("true/false", "a date", "ratio")  # units a figure shows by itself: no "(unit)" after a label


def minor_unit(currency: str, declared: int | None = None) -> int:
    """The places money in `currency` is shown to: as declared in the rules, else ISO 4217's, else 2."""
    if declared is not None:
        return declared
    return ISO_MINOR_UNITS.get(currency, DEFAULT_MINOR_UNIT)


places = decimal_places  # the decimal places an exact value needs; None if it has no finite decimal form


def decimal_text(value: Fraction, at_least: int = 0) -> str:
    """A non-negative exact value grouped, with `at_least` places and more where it has more: 35,317.90."""
    needed = places(value)
    if needed is None:  # not a figure a result holds; shown as a fraction rather than rounded
        return f"{number_text(value.numerator, True)}/{number_text(value.denominator, True)}"
    shown = max(needed, at_least)
    scaled = value.numerator * 10**shown // value.denominator  # exact: 10**shown clears the denominator
    whole, part = divmod(scaled, 10**shown)
    text = number_text(whole, grouped=True)
    return f"{text}.{part:0{shown}d}" if shown else text


def _excel_number(decimals: int) -> str:
    body = "#,##0" + ("." + "0" * decimals if decimals else "")
    return f"{body};({body})"


@record
class Formatter:
    """Labels and figures for one result (see the module's docstring for the convention)."""

    units: Mapping[str, str]  # output -> unit as Result.units writes it
    labels: Mapping[str, str] = field(default_factory=dict)  # definition -> its label
    currencies: Mapping[str, int] = field(default_factory=dict)  # currency -> places shown (declared or ISO)
    outputs: Mapping[str, Any] = field(default_factory=dict)  # output -> its value(s), for excel()

    # ---- by output ---------------------------------------------------------

    def label(self, name: str) -> str:
        return self.labels.get(name) or name

    def unit(self, name: str) -> str:
        return self.units.get(name, "ratio")

    def column(self, name: str) -> str:
        """The label, with its unit in brackets unless the figures show it (percentages, yes/no, dates)."""
        unit = self.unit(name)
        return self.label(name) if unit in _PLAIN else f"{self.label(name)} ({unit})"

    def number(self, name: str, value: Any) -> str:
        return self.unit_number(self.unit(name), value)

    def amount(self, name: str, value: Any) -> str:
        return self.unit_amount(self.unit(name), value)

    def excel(self, name: str) -> str:
        """An Excel number format showing the output's figures as `number` does: the places of its
        currency, or more where one of its values has more (so no figure is shown rounded)."""
        value = self.outputs.get(name)
        values = list(value.values()) if isinstance(value, dict) else [value]
        return self.unit_excel(self.unit(name), values)

    # ---- by unit -------------------------------------------------------------

    def currency_of(self, unit: str) -> str | None:
        """The currency of money (`RMB`) or of a price (`USD per share`); None for anything else."""
        code = unit.split(" per ", 1)[0]
        if code in self.currencies:
            return code
        if not self.currencies and len(code) == 3 and code.isalpha() and code.isupper():
            return code  # a result made without the rules' currencies: a code as ISO writes one
        return None

    def _at_least(self, unit: str) -> int:
        code = self.currency_of(unit)
        return 0 if code is None else self.currencies.get(code, minor_unit(code))

    def unit_number(self, unit: str, value: Any) -> str:
        """The figure in `unit` without the unit: "35,317.90", "80%", "(1,234)", "yes", "2027-03-01"."""
        if value is None:
            return PENDING
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, date):
            return value.isoformat()
        exact = _fraction(value)
        if unit == "ratio":
            text = decimal_text(abs(exact) * 100) + "%"
        else:
            text = decimal_text(abs(exact), self._at_least(unit))
        return f"({text})" if exact < 0 else text

    def unit_amount(self, unit: str, value: Any) -> str:
        """The figure with its unit: "USD 35,317.90", "USD 12.50 per share", "1,234 shares", "80%"."""
        text = self.unit_number(unit, value)
        if value is None or isinstance(value, bool | date) or unit in _PLAIN:
            return text
        code = self.currency_of(unit)
        if code is not None:
            rest = unit[len(code):]
            return f"{code} {text}{rest}"
        words = unit.split(" per ", 1)
        word = _SINGULAR.get(words[0], words[0]) if _fraction(value) == 1 else words[0]
        return f"{text} {word}" + (f" per {words[1]}" if len(words) > 1 else "")

    def unit_excel(self, unit: str, values: list[Any] | None = None) -> str:
        """An Excel number format for figures in `unit` (and, given them, enough places for `values`)."""
        if unit == "true/false":
            return '"yes";"yes";"no"'
        if unit == "a date":
            return "yyyy-mm-dd"
        needed = max((places(_fraction(v)) or 0 for v in values or [] if _is_amount(v)), default=0)
        if unit == "ratio":
            needed = max((places(_fraction(v) * 100) or 0 for v in values or [] if _is_amount(v)), default=0)
            body = "0" + ("." + "0" * needed if needed else "") + "%"
            return f"{body};({body})"
        return _excel_number(max(needed, self._at_least(unit)))


def _is_amount(value: Any) -> bool:
    return isinstance(value, int | Decimal | Fraction) and not isinstance(value, bool)


def _fraction(value: Any) -> Fraction:
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return Fraction(value)  # exact for an int or a finite Decimal, whatever the decimal context
    raise TypeError(f"not an amount: {value!r}")


def for_result(result: Result) -> Formatter:
    """The formatter of `result`: its outputs' units and labels, its currencies' minor units."""
    return Formatter(result.units, result.labels, result.currencies, result.outputs)


def for_units(currencies: Mapping[str, int], labels: Mapping[str, str] | None = None) -> Formatter:
    """A formatter keyed by unit only (for figures that are not a result's outputs)."""
    return Formatter({}, labels or {}, currencies)
