"""Results side by side: two contracts or dates (diff), every reading, every amendment in turn.

A comparison lines up the outputs of several results, period by period, marks
where they differ and, for amounts, the change from the first to the last.
It is data (`to_dict`, a `clausewise/comparison/3` document, each side with the provenance block of its
result) and a table (labels for names, provenance as a footer).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from .records import record
from .result import Result, exact_decimal, jsonable

if TYPE_CHECKING:
    from .contract import Contract, Version


@record
class Row:
    output: str
    period: str | None
    unit: str
    values: tuple[Any, ...]

    @property
    def differs(self) -> bool:
        return len({(isinstance(v, bool), v) for v in self.values}) > 1  # True is not 1; 1.50 is 1.5

    @property
    def change(self) -> int | Decimal | None:
        first, last = self.values[0], self.values[-1]
        if isinstance(first, bool) or isinstance(last, bool):
            return None
        if isinstance(first, int | Decimal) and isinstance(last, int | Decimal):
            return exact_decimal(Fraction(last) - Fraction(first))  # exact: no decimal context involved
        return None


@record
class Comparison:
    kind: str  # diff | interpretations | history
    contract: str
    labels: tuple[str, ...]
    results: tuple[Result, ...]
    rows: tuple[Row, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": "clausewise/comparison/3",
            "kind": self.kind,
            "contract": self.contract,
            "sides": [
                {"label": label, "contract": r.contract, "interpretation": r.interpretation,
                 "as_of": r.as_of.isoformat() if r.as_of else None, "amendments": list(r.amendments),
                 "provenance": r.provenance}
                for label, r in zip(self.labels, self.results, strict=True)
            ],
            "rows": [
                {"output": row.output, "period": row.period, "unit": row.unit,
                 "values": [jsonable(v) for v in row.values], "differs": row.differs, "change": row.change}
                for row in self.rows
            ],
        }


def compare(kind: str, labels: list[str], results: list[Result], only_differences: bool) -> Comparison:
    """Line up the outputs of `results` (outputs missing from a side count as pending there)."""
    names: list[str] = []
    for r in results:
        names += [name for name in r.outputs if name not in names]
    rows = []
    for name in names:
        unit = next(r.units[name] for r in results if name in r.units)
        periods: list[str | None] = []
        for r in results:
            value = r.outputs.get(name)
            keys = list(value) if isinstance(value, dict) else [None]
            periods += [p for p in keys if p not in periods]
        for period in periods:
            values = tuple(_value(r, name, period) for r in results)
            row = Row(name, period, unit, values)
            if row.differs or not only_differences:
                rows.append(row)
    return Comparison(kind, results[0].contract, tuple(labels), tuple(results), tuple(rows))


def before_amendment(a: Contract, b: Contract, as_of: date | None) -> Version | None:
    """For `diff A B` where B is an amendment file of the contract file A: the agreement just before that
    amendment (the amendments B follows, those in force on `as_of` if given), for A's side. So the diff
    shows what the amendment changes, and not what the amendments A lists after it change. Else None."""
    amendment = b.as_amended_by
    if amendment is None or a.as_amended_by is not None or a.path.resolve() != b.path.resolve():
        return None
    earlier = b.amendments[:-1]  # in the order they take effect: those in force on a date are the first ones
    count = len(earlier) if as_of is None else sum(1 for x in earlier if x.in_force <= as_of)
    return b.stages()[count][1]


def _value(result: Result, name: str, period: str | None) -> Any:
    value = result.outputs.get(name)
    if isinstance(value, dict):
        return value.get(period or "")
    return value if period is None else None


def table(c: Comparison) -> str:
    """The comparison for people: one line per output and period, sides across, * where they differ (a
    legend says so); the change from the first side to the last only where there are two sides or more."""
    from .formatting import for_result

    if not c.rows:
        return f"{c.contract}: no output differs between {' and '.join(c.labels)}\n"
    fmt = for_result(c.results[0])
    changes = c.kind != "interpretations" and len(c.results) > 1
    header = ["output", "period", *c.labels] + (["change"] if changes else []) + [""]
    lines = []
    for row in c.rows:
        change = row.change
        label = next((r.labels[row.output] for r in c.results if row.output in r.labels), row.output)
        cells = [label if row.unit in ("true/false", "ratio") else f"{label} ({row.unit})",
                 row.period or "", *(fmt.unit_number(row.unit, v) for v in row.values)]
        if changes:
            # a change is signed, + or - (not in parentheses): it says which way the figure moved;
            # copy_abs is exact, where abs() of a Decimal would round to the caller's decimal context
            if change is None:
                cells.append("")
            else:
                size = change.copy_abs() if isinstance(change, Decimal) else abs(change)
                cells.append(("+" if change > 0 else "-" if change < 0 else "") + fmt.unit_number(row.unit, size))
        cells.append("*" if row.differs else "")
        lines.append(cells)
    widths = [max(len(r[i]) for r in [header, *lines]) for i in range(len(header))]
    left = {0, 1}
    out = ["  ".join(h.ljust(w) if i in left else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths,
                                                                                            strict=True)))]
    out.append("  ".join("-" * w for w in widths))
    for r in lines:
        out.append("  ".join(x.ljust(w) if i in left else x.rjust(w) for i, (x, w) in enumerate(zip(r, widths,
                                                                                                  strict=True))))
    if any(row.differs for row in c.rows):
        out += ["", "* the figures differ between " + " and ".join(c.labels)]
    out += _provenance(c)
    return "\n".join(line.rstrip() for line in out) + "\n"


def _provenance(c: Comparison) -> list[str]:
    """The footer: the first side's provenance in full, then for each other side what differs from it."""
    from .provenance import footer_lines

    first = footer_lines(c.results[0].provenance)
    if not first:
        return []
    out = ["", f"Provenance ({c.labels[0]}):", *(f"  {line}" for line in first)]
    for label, result in zip(c.labels[1:], c.results[1:], strict=True):
        other = [line for line in footer_lines(result.provenance) if line not in first]
        if other:
            out += [f"and for {label}:", *(f"  {line}" for line in other)]
    return out
