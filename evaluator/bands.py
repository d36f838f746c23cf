"""Marginal bands, as in tax brackets: `banded(net_sales, 5%, USD 10 million, 7%, USD 25 million, 9%)`.

"5% of net sales up to USD 10 million, 7% of the excess up to USD 25 million, 9% above": the amount, then
rates and the thresholds between them in turn, ending with the rate above the last threshold. Each rate
applies to the part of the amount within its band only. A threshold below the one before it leaves its
band empty (the bands never overlap), and an amount below zero falls in no band: the function is total.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import nodes as n
from .units import ERROR, PENDING, RATIO, Type, join, quantity

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:
    from typing import Any

    from .builtins import ColImpl, Impl, Site, Typer

SIGNATURE = "banded(x, rate, threshold, rate, ..., rate)"
DOC = ("x in marginal bands: each rate on the part of x between the thresholds around it "
       "(the first from 0, the last without end)")


def type_rule(t: Typer, e: n.Expr, types: Sequence[Type]) -> Type:
    assert isinstance(e, n.Call)
    if len(types) % 2:
        return t.error(e.span, "banded(...) takes the amount, then rates and thresholds in turn, ending with a rate",
                       "e.g. banded(net_sales, 5%, USD 10 million, 7%, USD 25 million, 9%)")
    amount, rates, thresholds = types[0], types[1::2], types[2::2]
    if not (amount.lenient or amount.is_quantity):
        return t.error(e.args[0].span, f"banded(...) divides an amount into bands, not {amount}")
    for arg, ty in zip(e.args[2::2], thresholds, strict=True):
        if join(amount, ty) is None:
            hint = f"a threshold is in the amount's unit, here {amount}" if amount.is_quantity else None
            return t.error(arg.span, f"banded(...) cannot compare {amount} with a threshold in {ty}", hint)
    rate: Type = PENDING
    for arg, ty in zip(e.args[1::2], rates, strict=True):
        both = join(rate, ty)
        if both is None or not (ty.lenient or ty.is_quantity):
            return t.error(arg.span, f"the rates of banded(...) are in one unit, here {rate}, not {ty}")
        rate = both
    if amount.lenient or rate.lenient:
        return ERROR if ERROR in (amount, rate) else PENDING
    assert amount.unit is not None and rate.unit is not None
    return quantity(amount.unit * rate.unit) if rate.unit != RATIO else amount


def scalar(site: Site) -> Impl:
    def banded(run: Any, x: Any, *terms: Any) -> Any:
        total: Any = 0
        low: Any = 0
        for i in range(0, len(terms), 2):
            high = max(low, terms[i + 1]) if i + 1 < len(terms) else None
            part = max(x, low) if high is None else min(max(x, low), high)
            total += terms[i] * (part - low)
            low = high
        return total
    return banded


def column(site: Site) -> ColImpl:
    from . import columns as c

    def banded(rows: int, x: Any, *terms: Any) -> Any:
        low: Any = c.num(0)
        total = None
        for i in range(0, len(terms), 2):
            high = c.extreme([low, terms[i + 1]], True) if i + 1 < len(terms) else None
            part = c.extreme([x, low], True)
            if high is not None:
                part = c.extreme([part, high], False)
            term = c.mul(terms[i], c.add(part, low, -1))
            total = term if total is None else c.add(total, term)
            low = high
        return total
    return banded
