"""Exact columns: one value per scenario, for the batch engine (batch.py).

An amount column is a rational per row, `n / d`: `n` an int64 array (or one
Python int for every row), `d` one positive Python int for every row (the usual
case: denominators come from the rules' constants) or a positive int64 array.
Nothing is ever a binary float. Every column also carries:

- `pending`: a mask of the rows where the value is pending (None: no row is);
- `bad`: a mask of the rows the batch cannot compute exactly here, because a
  number would not fit in 64 bits, the formula fails for that row (a division
  by zero...), or the construct is not vectorised; the batch hands those rows
  to the scalar engine, which computes them exactly or reports their error;
- `bound`: a Python int at least as large as every |n| (and `dbound` for an
  array `d`), so that most operations know they cannot overflow without
  looking; where they might, each row is checked exactly, in integers.

Boolean and date columns hold a bool array and an int64 array of day numbers
(`date.toordinal()`); a value the same in every row is kept as one Python value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

LIMIT = 2**62  # magnitudes kept below this fit int64 with room for one more addition
Mask = npt.NDArray[np.bool_] | None
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Col:
    kind: str  # "num" | "bool" | "date"
    n: Any  # ndarray, or one Python value for every row
    d: Any = 1  # num: a positive Python int, or an int64 array of positive denominators
    pending: Mask = None
    bad: Mask = None
    bound: int = 0  # >= every |n| (num, date)
    dbound: int = 1  # >= every d

    @property
    def same(self) -> bool:
        """One value for every row."""
        return not isinstance(self.n, np.ndarray) and not isinstance(self.d, np.ndarray)


def num(value: Any, d: Any = 1) -> Col:
    """A constant amount (a Fraction or int) for every row."""
    from fractions import Fraction

    q = Fraction(value) / d
    return Col("num", q.numerator, q.denominator, bound=abs(q.numerator), dbound=q.denominator)


def _rows(*cols: Col) -> int | None:
    """The number of rows, from any array among the columns (None: every one is the same in every row)."""
    for c in cols:
        for x in (c.n, c.d, c.pending, c.bad):
            if isinstance(x, np.ndarray):
                return len(x)
    return None


def spread(x: Any, rows: int) -> Any:
    """A value for every row as an array of `rows`."""
    return x if isinstance(x, np.ndarray) else np.full(rows, x)


# ---- masks ----------------------------------------------------------------------------------------------


def either(a: Mask, b: Mask) -> Mask:
    if a is None:
        return b
    if b is None:
        return a
    return a | b


def both(a: Mask, b: Any) -> Mask:
    """The rows of mask `a` where `b` (a bool array, or one bool) holds."""
    if a is None:
        return None
    if not isinstance(b, np.ndarray):
        return a if b else None
    return a & b


def any_rows(mask: Mask) -> bool:
    return mask is not None and bool(mask.any())


def _marks(a: Col, b: Col) -> tuple[Mask, Mask]:
    return either(a.pending, b.pending), either(a.bad, b.bad)


# ---- integers that may overflow -------------------------------------------------------------------------


def _array(x: Any) -> bool:
    return isinstance(x, np.ndarray)


def _wide(x: Any) -> Any:
    """`x` as Python ints (an object array), which never overflow: for the steps that could."""
    return x.astype(object) if _array(x) and x.dtype != object else x


def _wide_already(a: Any, b: Any) -> bool:
    return (_array(a) and a.dtype == object) or (_array(b) and b.dtype == object)


def narrow(c: Col) -> Col:
    """Back to int64 where every value fits again (after rounding, most often)."""
    if not (_array(c.n) and c.n.dtype == object) and not (_array(c.d) and c.d.dtype == object):
        return c
    n_max = int(np.abs(c.n).max(initial=0)) if _array(c.n) else abs(c.n)
    d_max = int(c.d.max(initial=1)) if _array(c.d) else c.d
    if n_max >= LIMIT or d_max >= LIMIT:
        return replace(c, bound=n_max, dbound=d_max)
    n = c.n.astype(np.int64) if _array(c.n) else c.n
    d = c.d.astype(np.int64) if _array(c.d) else c.d
    return replace(c, n=n, d=d, bound=n_max, dbound=d_max)


def _mul(a: Any, b: Any, bound: int) -> tuple[Any, Mask]:
    """a * b exactly: in int64 where the bound says it fits, else in Python ints. (The second value, rows
    that could not be computed, is kept for operations that may have them; multiplication has none.)"""
    if not _array(a) and not _array(b):
        return a * b, None
    if not _array(b) and b == 1:
        return a, None
    if not _array(a) and a == 1:
        return b, None
    if bound < LIMIT or _wide_already(a, b):
        return np.multiply(a, b), None
    if not _array(a):
        a, b = b, a
    if not _array(b) and abs(b) >= 2**63:
        return np.multiply(_wide(a), b), None
    with np.errstate(over="ignore"):
        p = np.multiply(a, b)  # in int64 first, each row checked exactly, in integers
    safe_a = np.where(a == 0, 1, a)
    exact = (a == 0) | ((p // safe_a == b) & (p % safe_a == 0))
    if _array(b):
        exact &= ~((a == -1) & (b == np.iinfo(np.int64).min))
    if exact.all():
        return p, None
    return np.multiply(_wide(a), _wide(b)), None  # some row does not fit: all in Python ints


def _add(a: Any, b: Any, bound: int, sign: int = 1) -> tuple[Any, Mask]:
    """a + b (or a - b) exactly, in int64 where the bound says it fits, else in Python ints."""
    if not _array(a) and not _array(b):
        return a + sign * b, None
    if bound < LIMIT or _wide_already(a, b):
        return (np.add(a, b) if sign > 0 else np.subtract(a, b)), None
    if (not _array(a) and abs(a) >= 2**63) or (not _array(b) and abs(b) >= 2**63):
        a, b = _wide(a), _wide(b)
        return (np.add(a, b) if sign > 0 else np.subtract(a, b)), None
    with np.errstate(over="ignore"):
        p = np.add(a, b) if sign > 0 else np.subtract(a, b)
    bb = b if sign > 0 else -np.asarray(b)
    if not (((np.asarray(a) ^ p) & (bb ^ p)) < 0).any():
        return p, None
    a, b = _wide(a), _wide(b)  # some row does not fit: all in Python ints
    return (np.add(a, b) if sign > 0 else np.subtract(a, b)), None


# ---- amounts --------------------------------------------------------------------------------------------


def _common(a: Col, b: Col) -> tuple[Any, Any, Any, int, int, int]:
    """a and b over one denominator: (na, nb, d, bound of na, bound of nb, bound of d)."""
    if not _array(a.d) and not _array(b.d):
        if a.d == b.d:
            return a.n, b.n, a.d, a.bound, b.bound, a.d
        lcm = math.lcm(a.d, b.d)
        fa, fb = lcm // a.d, lcm // b.d
        na, _ = _mul(a.n, fa, a.bound * fa)
        nb, _ = _mul(b.n, fb, b.bound * fb)
        return na, nb, lcm, a.bound * fa, b.bound * fb, lcm
    na, _ = _mul(a.n, b.d, a.bound * b.dbound)
    nb, _ = _mul(b.n, a.d, b.bound * a.dbound)
    d, _ = _mul(a.d, b.d, a.dbound * b.dbound)
    return na, nb, d, a.bound * b.dbound, b.bound * a.dbound, a.dbound * b.dbound


def _dbound(d: Any, given: int) -> int:
    return given if _array(d) else d


def add(a: Col, b: Col, sign: int = 1) -> Col:
    pending, bad = _marks(a, b)
    na, nb, d, ba, bb, db = _common(a, b)
    n, _ = _add(na, nb, ba + bb, sign)
    return _reduced(Col("num", n, d, pending, bad, ba + bb, db))


def mul(a: Col, b: Col) -> Col:
    pending, bad = _marks(a, b)
    n, over = _mul(a.n, b.n, a.bound * b.bound)
    d, over2 = _mul(a.d, b.d, a.dbound * b.dbound)
    return _reduced(Col("num", n, d, pending, either(bad, either(over, over2)), a.bound * b.bound,
                        _dbound(d, a.dbound * b.dbound)))


def div(a: Col, b: Col) -> Col:
    """a / b; rows dividing by zero are bad (the scalar engine reports them)."""
    pending, bad = _marks(a, b)
    n, over = _mul(a.n, b.d, a.bound * b.dbound)
    d, over2 = _mul(a.d, b.n, a.dbound * b.bound)
    if not _array(d):
        if d == 0:  # by zero in every row where it is evaluated: the scalar engine says so
            raise AllBad
        if d < 0:
            n, d = -n, -d
        return _reduced(Col("num", n, d, pending, either(bad, either(over, over2)),
                            a.bound * b.dbound, d))
    zero = d == 0
    negative = d < 0
    d = np.where(zero, 1, np.abs(d))
    n = np.where(negative, -n, n)
    if pending is not None:
        zero &= ~pending  # a pending row divides by nothing: it stays pending
    bad = either(bad, either(either(over, over2), zero if zero.any() else None))
    return _reduced(Col("num", n, d, pending, bad, a.bound * b.dbound, a.dbound * b.bound))


class AllBad(Exception):
    """A value that no row can have computed here (division by a zero constant...): every row that needs it
    goes to the scalar engine. The batch catches it where it knows the number of rows."""


class Unvectorised(Exception):
    """A construct the columnar engine leaves to the scalar engine, row by row (raised while the batch's
    plan is made, never while it runs)."""


def neg(a: Col) -> Col:
    return replace(a, n=-a.n)


def absolute(a: Col) -> Col:
    return replace(a, n=np.abs(a.n) if _array(a.n) else abs(a.n))


def _reduced(c: Col) -> Col:
    """The same values over a smaller denominator when it has grown near the point where later steps would
    not fit (reducing costs a pass over the rows, so it waits until then). One value for every row is
    always kept in lowest terms: that costs nothing."""
    if not _array(c.n) and not _array(c.d):
        g = math.gcd(c.n, c.d)
        return c if g == 1 else replace(c, n=c.n // g, d=c.d // g, bound=abs(c.n) // g, dbound=c.d // g)
    if c.dbound < 2**31:
        return c
    if not _array(c.d):
        g = math.gcd(c.d, int(np.gcd.reduce(np.abs(c.n))) if _array(c.n) else c.n)
        if g > 1:
            return replace(c, n=c.n // g, d=c.d // g, bound=c.bound // g + 1, dbound=c.d // g)
        return c
    common: Any = np.gcd(c.n, c.d)
    common = np.where(common == 0, 1, common)
    return replace(c, n=c.n // common, d=c.d // common)


def lowest_terms(col: Col) -> Col:
    """The same amounts over the smallest denominator (whole amounts over 1)."""
    if not _array(col.d):
        if col.d == 1:
            return col
        if _array(col.n) and not (col.n % col.d).any():  # whole in every row: the usual case, and cheap
            return replace(col, n=col.n // col.d, d=1, bound=col.bound // col.d, dbound=1)
        g = math.gcd(col.d, int(np.gcd.reduce(np.abs(col.n))) if _array(col.n) else col.n)
        return replace(col, n=col.n // g, d=col.d // g) if g > 1 else col
    common: Any = np.gcd(col.n, col.d)
    common = np.where(common == 0, 1, common)
    d = col.d // common
    if (d == 1).all():
        return replace(col, n=col.n // common, d=1)
    return replace(col, n=col.n // common, d=d)


def compare(a: Col, b: Col, op: str) -> Col:
    pending, bad = _marks(a, b)
    if "num" in (a.kind, b.kind):
        na, nb, _, ba, bb, _ = _common(a, b)
    else:
        na, nb = a.n, b.n
    result = {"=": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal, ">": np.greater,
              ">=": np.greater_equal}[op](na, nb)
    if not _array(result):
        result = bool(result)
    return Col("bool", result, 1, pending, bad)


def pick(c: Col, a: Col, b: Col) -> Col:
    """`a` where the condition `c` holds, else `b`; pending where `c` is. Only the branch taken counts."""
    if not isinstance(c.n, np.ndarray) and c.pending is None:  # the same condition in every row
        chosen = a if c.n else b
        return replace(chosen, bad=either(c.bad, chosen.bad))
    rows = _rows(c, a, b)
    assert rows is not None
    t = spread(c.n, rows)
    take_a = t if c.pending is None else t & ~c.pending
    take_b = ~t if c.pending is None else ~t & ~c.pending
    pending = either(c.pending, either(both(a.pending, take_a), both(b.pending, take_b)))
    bad = either(c.bad, either(both(a.bad, take_a), both(b.bad, take_b)))
    kind = a.kind if a.kind != "pending" else b.kind
    if kind == "num":
        na, nb, d, ba, bb, db = _common(a, b)
        return Col("num", np.where(t, na, nb), d, pending, bad, max(ba, bb), db)
    return Col(kind, np.where(t, a.n, b.n), 1, pending, bad, max(a.bound, b.bound))


def extreme(cols: list[Col], largest: bool) -> Col:
    """The least (or greatest) of amounts or dates, row by row; pending if any is."""
    out = cols[0]
    pick_ = np.maximum if largest else np.minimum
    for col in cols[1:]:
        pending, bad = _marks(out, col)
        kind = out.kind if out.kind != "pending" else col.kind
        if kind == "num":
            na, nb, d, ba, bb, db = _common(out, col)
            n = pick_(na, nb) if _array(na) or _array(nb) else (max if largest else min)(na, nb)
            out = Col("num", n, d, pending, bad, max(ba, bb), db)
        else:
            n = pick_(out.n, col.n) if _array(out.n) or _array(col.n) else (max if largest else min)(out.n, col.n)
            out = Col(kind, n, 1, pending, bad, max(out.bound, col.bound))
    return out


def floor_to(a: Col, step_n: int, step_d: int, mode: str) -> Col:
    """`a` rounded to a whole multiple of step_n/step_d by `mode`, exactly in integers."""
    num_, over = _mul(a.n, step_d, a.bound * step_d)
    den, over2 = _mul(a.d, step_n, a.dbound * step_n)
    q = _rounded(num_, den, mode)
    n, over3 = _mul(q, step_n, (a.bound * step_d // max(1, step_n) + 1) * step_n)
    bad = either(a.bad, either(over, either(over2, over3)))
    return narrow(Col("num", n, step_d, a.pending, bad, (a.bound * step_d // max(1, step_n) + 1) * step_n, step_d))


def _rounded(a: Any, b: Any, mode: str) -> Any:
    """a / b (b > 0) rounded to a whole number by `mode` (rounding.py's modes, in integers)."""
    fl = a // b
    if mode == "down":
        return fl
    if mode == "up":
        return -((-a) // b)
    if mode == "toward zero":
        return np.where(a < 0, -((-a) // b), fl) if _array(a) or _array(b) else (-((-a) // b) if a < 0 else fl)
    if mode == "away from zero":
        return np.where(a < 0, fl, -((-a) // b)) if _array(a) or _array(b) else (fl if a < 0 else -((-a) // b))
    twice = 2 * (a - fl * b)  # twice the remainder, against b
    if mode == "half up":  # ties away from zero
        up = (twice > b) | ((twice == b) & (a >= 0))
    elif mode == "half down":  # ties toward zero
        up = (twice > b) | ((twice == b) & (a < 0))
    else:  # half even
        up = (twice > b) | ((twice == b) & (fl % 2 == 1))
    return fl + up


# ---- truth ----------------------------------------------------------------------------------------------


def _not(x: Any) -> Any:
    return ~x if _array(x) else not x


def logic_not(a: Col) -> Col:
    return replace(a, n=_not(a.n))


def kleene(a: Col, b: Col, op: str) -> Col:
    """and/or with pending as unknown: false and anything is false, true or anything is true; the right side
    counts (its bad rows included) only where the left does not decide."""
    decides = op == "or"  # the value of the left side that decides alone
    rows = _rows(a, b)
    value = (a.n & b.n) if op == "and" else (a.n | b.n)
    if rows is None:  # the same in every row
        left_decides = bool(a.n) == decides and a.pending is None
        return Col("bool", bool(value), 1, None, a.bad if left_decides else either(a.bad, b.bad))
    a_dec = _known_as(a, decides, rows)
    b_dec = _known_as(b, decides, rows)
    pending = either(a.pending, b.pending)
    if pending is not None:
        pending = pending & ~(a_dec | b_dec)
    return Col("bool", spread(value, rows), 1, pending, either(a.bad, both(b.bad, ~a_dec)))


def _known_as(c: Col, value: bool, rows: int) -> npt.NDArray[np.bool_]:
    """The rows where `c` is known and is `value`."""
    hit: npt.NDArray[np.bool_] = spread(c.n, rows) if value else ~spread(c.n, rows)
    return hit if c.pending is None else hit & ~c.pending


def is_known(a: Col, known: bool) -> Col:
    if a.pending is None:
        return Col("bool", known, 1, None, a.bad)
    return Col("bool", ~a.pending if known else a.pending.copy(), 1, None, a.bad)


