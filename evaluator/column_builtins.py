"""Column implementations of the construct table's entries (builtins.py) that take more than one primitive
of columns.py: clamp, periods and their days, moving dates, whole years, and the folds.

Each factory takes the `Site` of a use and returns the implementation the batch engine calls: for a
function or operator `impl(rows, *columns) -> Col`; for all/any (Kleene's logic) `impl(rows, items)`, each
item its `where` column and its value; for the other folds `impl(rows, kept, pending) -> Col`, where
`kept` lists, for each item of the fold that some row keeps, the mask of rows that keep it (None: every
row) and its value (its pending and bad rows already taken out: the batch collects those), and `pending`
is the mask of rows whose fold is pending. As in columns.py, a row an implementation cannot compute
exactly, or whose formula fails (lowest above highest, min over nothing), is marked bad, for the scalar
engine to compute or report.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np

from . import columns as c
from . import nodes as n
from .calendar_math import month_rule
from .checker_time import calendar_of
from .columns import AllBad, Col, Unvectorised

if TYPE_CHECKING:
    from collections.abc import Callable

    from .builtins import Site

    ColImpl = Callable[..., Col]
    Kept = list[tuple[np.ndarray | None, Col]]  # None: every row keeps it


def _bad_where(out: Col, wrong: Any) -> Col:
    """`out`, bad also in the rows where `wrong` (a bool array, or one bool for every row) holds."""
    if not isinstance(wrong, np.ndarray):
        if wrong:
            raise AllBad
        return out
    return replace(out, bad=c.either(out.bad, wrong if wrong.any() else None))


def _known(test: Col, rows: int) -> Any:
    """Where a condition column holds and is not pending (one bool when it is the same in every row)."""
    if test.pending is None:
        return test.n
    return c.spread(test.n, rows) & ~test.pending


# ---- functions ------------------------------------------------------------------------------------------


def clamp(site: Site) -> ColImpl:
    def clamp_(rows: int, x: Col, lo: Col, hi: Col) -> Col:
        out = c.extreme([c.extreme([x, lo], True), hi], False)
        return _bad_where(out, _known(c.compare(lo, hi, ">"), rows))  # lowest above highest: an error
    return clamp_


def neighbour(step: int) -> Callable[[Site], ColImpl]:
    """previous(y), next(y): positions; past the first or last period is an error in that row."""
    def make(site: Site) -> ColImpl:
        count = len(site.period_set(site.types[0]).members)

        def moved(rows: int, i: Col) -> Col:
            j = i.n + step
            return _bad_where(Col("num", j, 1, i.pending, i.bad, i.bound + 1), (j < 0) | (j >= count))
        return moved
    return make


def edge(last: bool) -> Callable[[Site], ColImpl]:
    """first(year), last(year): a position known from the rules (its argument is not a value)."""
    def make(site: Site) -> ColImpl:
        assert isinstance(site.node, n.Call) and isinstance(site.node.args[0], n.Name)
        position = len(site.program.period_sets[site.node.args[0].name].members) - 1 if last else 0
        col = c.num(position)
        return lambda rows: col
    return make


def bound(end: bool) -> Callable[[Site], ColImpl]:
    """start(y), end(y): the first or last day of the period at each row's position."""
    def make(site: Site) -> ColImpl:
        ends = [m.end if end else m.start for m in site.period_set(site.types[0]).members]
        days = [d.toordinal() if d else 0 for d in ends]  # a dimension's members have no dates (check refuses)
        table = np.array(days, dtype=np.int64)

        def day(rows: int, i: Col) -> Col:
            at = np.take(table, i.n) if isinstance(i.n, np.ndarray) else days[i.n]
            return Col("date", at, 1, i.pending, i.bad, max(days))
        return day
    return make


def whole_years(site: Site) -> ColImpl:
    """Whole years from one date to another by anniversaries; from a 29 February is an error (ambiguous)."""
    def years(rows: int, since: Col, until: Col) -> Col:
        a = np.asarray(c.spread(since.n, rows), dtype=np.int64)
        z = np.asarray(c.spread(until.n, rows), dtype=np.int64)
        pending = c.either(since.pending, until.pending)
        ok = np.ones(rows, dtype=bool) if pending is None else ~pending
        epoch = date(1970, 1, 1).toordinal()
        any_day = date(2000, 1, 1).toordinal()  # pending rows: any real day will do
        da = (np.where(ok, a, any_day) - epoch).astype("datetime64[D]")
        dz = (np.where(ok, z, any_day) - epoch).astype("datetime64[D]")
        ya, yz = da.astype("datetime64[Y]"), dz.astype("datetime64[Y]")
        ma, mz = da.astype("datetime64[M]"), dz.astype("datetime64[M]")
        mon_a = (ma - ya.astype("datetime64[M]")).astype(np.int64)  # months from 0
        mon_z = (mz - yz.astype("datetime64[M]")).astype(np.int64)
        day_a = (da - ma.astype("datetime64[D]")).astype(np.int64)  # days from 0
        day_z = (dz - mz.astype("datetime64[D]")).astype(np.int64)
        before = (mon_z < mon_a) | ((mon_z == mon_a) & (day_z < day_a))  # the anniversary not yet come
        count = (yz.astype(np.int64) - ya.astype(np.int64)) - before
        leap_day = ok & (mon_a == 1) & (day_a == 28)
        bad = c.either(c.either(since.bad, until.bad), leap_day if leap_day.any() else None)
        return Col("num", count.astype(np.int64), 1, pending, bad, 10_000, 1)
    return years


def year_fraction(convention: str) -> Callable[[Site], ColImpl]:
    """Day counts by a convention (calendar_math.py): left to the scalar engine, row by row."""
    def make(site: Site) -> ColImpl:
        raise Unvectorised
    return make


# ---- operators on dates ---------------------------------------------------------------------------------


def additive(site: Site) -> ColImpl:
    """+ and -: of amounts; a date moved by days; the days between two dates. Business days are left to the
    scalar engine (their calendar is a table of dates, not arithmetic)."""
    assert isinstance(site.node, n.Binary)
    sign = 1 if site.node.op == "+" else -1
    left, right = site.types
    left_date, right_date = left.kind == "date", right.kind == "date"
    if not (left_date or right_date):
        return lambda rows, a, b: c.add(a, b, sign)
    if calendar_of(right if left_date else left) or month_rule((right if left_date else left).unit) is not None:
        raise Unvectorised  # business days and calendar months: the scalar engine's
    if left_date and right_date:
        return _between
    return lambda rows, a, b: _shift(a, b, sign) if left_date else _shift(b, a, 1)


def _between(rows: int, x: Col, y: Col) -> Col:
    pending, bad = c.either(x.pending, y.pending), c.either(x.bad, y.bad)
    return Col("num", x.n - y.n, 1, pending, bad, x.bound + y.bound, 1)


def _shift(day: Col, days: Col, sign: int) -> Col:
    if isinstance(days.d, np.ndarray) or days.d != 1:
        raise AllBad  # a fraction of a day: the scalar engine says so
    moved = day.n + sign * days.n
    out = Col("date", moved, 1, c.either(day.pending, days.pending), c.either(day.bad, days.bad),
              day.bound + days.bound)
    return _bad_where(out, (moved < 1) | (moved > date.max.toordinal()))  # out of range: an error


# ---- folds ----------------------------------------------------------------------------------------------


def _held(body: Col, keep: np.ndarray | None, rows: int) -> Any:
    """The rows that keep an item whose condition holds."""
    held = c.spread(body.n, rows)
    return held if keep is None else held & keep


def fold_sum(site: Site) -> ColImpl:
    def total(rows: int, kept: Kept, pending: Any) -> Col:
        zero = Col("num", 0, 1)
        acc = zero
        for keep, body in kept:
            acc = c.add(acc, body if keep is None else c.pick(Col("bool", keep), body, zero))
        return acc
    return total


def fold_count(site: Site) -> ColImpl:
    def count(rows: int, kept: Kept, pending: Any) -> Col:
        total = np.zeros(rows, dtype=np.int64)
        for keep, body in kept:
            total += _held(body, keep, rows)
        return Col("num", total, 1, None, None, len(kept), 1)
    return count


def fold_truth(every: bool) -> Callable[[Site], ColImpl]:
    """all (every) and any, in Kleene's logic as `and` and `or`: impl(rows, items), each item its `where`
    column (None: kept in every row) and its value, pending rows and all. any is true where a kept item is
    true; else pending where a kept item is pending, or an item whose `where` is pending is not false; else
    false. all likewise with true and false exchanged (true over none, any false over none)."""
    def make(site: Site) -> ColImpl:
        def truth(rows: int, items: list[tuple[Col | None, Col]]) -> Col:
            decided = np.zeros(rows, dtype=bool)  # a kept item has the deciding value: false (all), true (any)
            unknown = np.zeros(rows, dtype=bool)
            bad = np.zeros(rows, dtype=bool)
            for where, body in items:
                holds = np.asarray(c.spread(body.n, rows), dtype=bool)
                known = np.ones(rows, dtype=bool) if body.pending is None else ~body.pending
                deciding = known & (~holds if every else holds)
                other = known & (holds if every else ~holds)  # the value that decides nothing
                if where is None:
                    kept, doubtful = np.ones(rows, dtype=bool), np.zeros(rows, dtype=bool)
                else:
                    w = np.asarray(c.spread(where.n, rows), dtype=bool)
                    doubtful = np.zeros(rows, dtype=bool) if where.pending is None else where.pending
                    kept = w & ~doubtful
                    if where.bad is not None:
                        bad |= where.bad
                decided |= kept & deciding
                unknown |= (kept & ~known) | (doubtful & ~other)
                if body.bad is not None:
                    bad |= body.bad & (kept | doubtful)
            pending = unknown & ~decided
            return Col("bool", ~decided if every else decided, 1, pending if pending.any() else None,
                       bad if bad.any() else None)
        return truth
    return make


def fold_extreme(largest: bool) -> Callable[[Site], ColImpl]:
    """min and max over what is kept; a row that keeps nothing (and is not pending) is an error."""
    def make(site: Site) -> ColImpl:
        kind = "date" if site.types[0].kind == "date" else "num"

        def extreme(rows: int, kept: Kept, pending: Any) -> Col:
            found = np.zeros(rows, dtype=bool)
            bad = np.zeros(rows, dtype=bool)
            acc = Col(kind, 0, 1)
            for keep, body in kept:
                keeps = np.ones(rows, dtype=bool) if keep is None else keep
                better = c.compare(body, acc, ">" if largest else "<")
                take = keeps & (~found | better.n)
                acc = c.pick(Col("bool", take), body, acc)
                if better.bad is not None:
                    bad |= better.bad & keeps
                found |= keeps
            bad |= ~found if pending is None else ~found & ~pending
            return replace(acc, bad=bad if bad.any() else None)
        return extreme
    return make
