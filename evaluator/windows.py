"""Windows: what a quantifier runs over, as positions of periods or dates of a series.

`for each quarter q through y` runs over the quarters up to and including y; `among the last 4 through y`
over the last 4 of them (fewer at the start of the set: the window holds what there is). Over a series,
`for each date e in vwap among the last 30 through d` runs over the last 30 dates the series is given for,
up to and including d: the window's cost is its length, not the series', so a rolling condition checked
at every date (`any(count(... among the last 30 through d) >= 20 for each date d in vwap)`) is linear in
the series.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import date


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
