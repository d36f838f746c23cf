"""The distribution of each output over a batch, exactly: `clausewise batch --summary`.

For each output (and period): how many rows have a value, how many are pending,
the least and greatest, percentiles by the nearest-rank method (each one a value
some row has, so nothing is interpolated or rounded), and the mean, computed as
an exact fraction and written as an exact decimal where it has one (otherwise to
six places, marked with '...').
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

from .batch import BatchResult, OutputColumn
from .result import exact_decimal, number_text

PERCENTILES = (10, 50, 90)


@dataclass(frozen=True)
class Distribution:
    output: str
    count: int  # rows with a value
    pending: int  # rows where it is pending (or whose row failed)
    least: Any
    percentiles: tuple[Any, ...]
    greatest: Any
    mean: Fraction | None  # amounts only

    def mean_text(self) -> str:
        if self.mean is None:
            return ""
        exact = exact_decimal(self.mean)
        if exact is not None:
            return number_text(exact, grouped=True)
        rounded = Decimal(self.mean.numerator * 10**6 // self.mean.denominator).scaleb(-6)
        return number_text(rounded, grouped=True) + "..."


def distribution(name: str, values: Sequence[Any]) -> Distribution:
    known = [v for v in values if v is not None]
    pending = len(values) - len(known)
    if not known:
        return Distribution(name, 0, pending, None, tuple(None for _ in PERCENTILES), None, None)
    if all(isinstance(v, bool) for v in known):  # true/false: how many are true, as the mean
        trues = sum(1 for v in known if v)
        return Distribution(name, len(known), pending, min(known), tuple(None for _ in PERCENTILES), max(known),
                            Fraction(trues, len(known)))
    ordered = sorted(known)
    ranks = tuple(ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] for p in PERCENTILES)
    amounts = not any(hasattr(v, "isoformat") for v in known)
    mean = sum((Fraction(v) for v in known), Fraction(0)) / len(known) if amounts else None
    return Distribution(name, len(known), pending, ordered[0], ranks, ordered[-1], mean)


def summarise(result: BatchResult) -> list[Distribution]:
    return [_whole(key, col) if _plain_ints(col) else distribution(key, result.values(key))
            for key, col in result.columns.items()]


def _plain_ints(col: OutputColumn) -> bool:
    return col.kind == "num" and isinstance(col.n, np.ndarray) and col.n.dtype == np.int64 and \
        not isinstance(col.d, np.ndarray) and col.d == 1 and not col.patches


def _whole(name: str, col: OutputColumn) -> Distribution:
    """The same figures for a column of whole amounts in int64, without making a Python value of each."""
    known = np.sort(col.n[~col.pending])
    pending = int(col.pending.sum())
    if not len(known):
        return Distribution(name, 0, pending, None, tuple(None for _ in PERCENTILES), None, None)
    ranks = tuple(int(known[max(0, math.ceil(p / 100 * len(known)) - 1)]) for p in PERCENTILES)
    total = sum(known.tolist())  # in Python ints: no sum of 64-bit numbers can overflow here
    return Distribution(name, len(known), pending, int(known[0]), ranks, int(known[-1]), Fraction(total, len(known)))


def text(results: list[tuple[str | None, BatchResult]]) -> str:
    """A table per reading: output, count, pending, min, p10, p50, p90, max, mean."""
    lines: list[str] = []
    for reading, result in results:
        failed = len(result.errors)
        title = f"{result.contract}" + (f" ({reading})" if reading else "") + f": {result.rows:,} scenarios"
        title += f", {failed:,} failed" if failed else ""
        header = ["output", "count", "pending", "min", *(f"p{p}" for p in PERCENTILES), "max", "mean"]
        rows = []
        for d in summarise(result):
            rows.append([d.output, f"{d.count:,}", f"{d.pending:,}", _shown(d.least),
                         *(_shown(v) for v in d.percentiles), _shown(d.greatest), d.mean_text()])
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        lines += ([""] if lines else []) + [title, ""]
        for r in [header, ["-" * w for w in widths], *rows]:
            lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                                   enumerate(zip(r, widths, strict=True))).rstrip())
    return "\n".join(lines) + "\n"


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return number_text(value, grouped=True)
    return str(value.isoformat()) if hasattr(value, "isoformat") else str(value)
