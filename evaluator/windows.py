"""Windows: what a quantifier runs over, as positions of periods or dates of a series.

`for each quarter q through y` runs over the quarters up to and including y; `among the last 4 through y`
over the last 4 of them (fewer at the start of the set: the window holds what there is). The length is a
whole number written out, or a parameter (`among the last days_in_window through d`), fixed by the rules
under each reading: `check` refuses one that is not a whole number from 1 to MAX_SERIES, or is pending. Over a series,
`for each date e in vwap among the last 30 through d` runs over the last 30 dates the series is given for,
up to and including d: the window's cost is its length, not the series', so a rolling condition checked
at every date (`any(count(... among the last 30 through d) >= 20 for each date d in vwap)`) is linear in
the series.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from fractions import Fraction

from . import nodes as n
from .errors import Diagnostic
from .limits import MAX_SERIES

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:
    from typing import Any

    from .program import Program


def period_span(relation: str | None, bound: int, count: int, window: int | None = None) -> range:
    """The positions of a set of `count` periods that `relation` to the period at `bound` keeps."""
    if window is not None:
        return range(max(0, bound + 1 - window), bound + 1)
    return {"before": range(0, bound), "through": range(0, bound + 1), "after": range(bound + 1, count),
            "from": range(bound, count)}[relation or "from"]


def last_dates(dates: Sequence[date], through: date, window: int) -> Sequence[date]:
    """The last `window` of `dates` (in order) that are on or before `through`."""
    end = bisect_right(dates, through)
    return dates[max(0, end - window):end]


def size(window: n.Number | n.Name | None, constants: Mapping[str, Any]) -> int | None:
    """A window's length under a reading's parameters (`check` made sure a parameter's is a whole number)."""
    if window is None:
        return None
    return int(window.value if isinstance(window, n.Number) else constants[window.name])


def largest(window: n.Number | n.Name | None, program: Program) -> int | None:
    """A window's longest length under any reading: what the bounds on cost and on what a value reads use."""
    if not isinstance(window, n.Name):
        return size(window, {})
    from . import params

    fixed = params.fixed(program)
    lengths = [v.get(window.name) for v in fixed.values.values()]
    return max((int(x) for x in lengths if x is not None and _whole(x)), default=MAX_SERIES)


def text(window: n.Number | n.Name) -> str:
    return str(window.name if isinstance(window, n.Name) else int(window.value))


def check(program: Program) -> list[Diagnostic]:
    """A window's length taken from a parameter: a whole number from 1 to MAX_SERIES under every reading."""
    from . import params

    fixed = params.fixed(program)
    problems: list[Diagnostic] = []
    for window in _named(program):
        for reading, values in fixed.values.items():
            value = values.get(window.name)
            if not _whole(value):
                under = f" under {reading}" if reading is not None else ""
                shown = "pending" if value is None else _shown(value)
                problems.append(Diagnostic.at(
                    window.span, f"a window of {window.name} = {shown}{under}: its length is a whole number from 1 "
                    f"to {MAX_SERIES:,}", f"give {window.name} a whole number, e.g. parameter {window.name} = 30"))
                break
    return problems


def _shown(value: Any) -> str:
    from .result import exact_decimal, fraction_text

    if isinstance(value, Fraction):
        exact = exact_decimal(value)
        return str(exact) if exact is not None else fraction_text(value)
    return str(value)


def _whole(value: Any) -> bool:
    return isinstance(value, int | Fraction) and not isinstance(value, bool) and \
        Fraction(value).denominator == 1 and 1 <= value <= MAX_SERIES


def _named(program: Program) -> Iterator[n.Name]:
    for symbol in program.symbols.values():
        for top in n.expressions(symbol.decl):
            for e in n.walk(top):
                if isinstance(e, n.Aggregate) and isinstance(e.over.window, n.Name):
                    yield e.over.window
        claimants = getattr(symbol.decl, "claimants", None)
        if claimants is not None and isinstance(claimants.window, n.Name):
            yield claimants.window
