"""Folds over what may be empty, mixed into the checker: none, and `otherwise`.

`sum`, `count`, `all` and `any` are total: over nothing they give 0, 0, true and false. `min` and
`max` (a fold whose table entry is `partial`) have nothing to give over nothing, so where what they
run over may be empty (a `where`, `before y` / `after y`, days from one date to another, the dates of
a series) the rules must say what they give then: `min(... where ...) otherwise pending`, or
`otherwise 2099-12-31`. That value is *none* (known to be empty), not *pending* (not known yet): if
whether an item is kept is not known yet, the fold is pending whatever `otherwise` says.
Without it, `check` refuses the fold and shows the fix, so that no evaluation fails for want of a value.
"""

from __future__ import annotations

from . import builtins
from . import nodes as n
from .units import Type, join

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:
    from .program import PeriodSet


def may_be_empty(q: n.Quantifier, period_sets: dict[str, PeriodSet]) -> bool:
    """Whether a fold's items may be none, as far as the rules alone tell."""
    if q.where is not None:
        return True
    if q.kind == "days":
        return not (isinstance(q.bound, n.DateLit) and isinstance(q.last, n.DateLit) and q.bound.value <= q.last.value)
    if q.kind != "periods":
        return True  # the dates of a series, the entries of a ledger: as many as the inputs give
    if q.relation is None or q.relation in ("through", "from") or q.bound is None:
        return False  # every period, or up to or from one that is itself in the range
    ps = period_sets.get(q.period_set)
    if ps is None or not isinstance(q.bound, n.Name) or q.bound.name not in ps.names:
        return True  # before y, after y: none at the first (last) period
    position = list(ps.names).index(q.bound.name)
    return position == 0 if q.relation == "before" else position == len(ps.names) - 1


class Totality:
    """The checks of `otherwise`; the methods they use are the checker's own."""

    period_sets: dict[str, PeriodSet]

    if TYPE_CHECKING:
        def error(self, span: n.Span, message: str, hint: str | None = None) -> Type: ...
        def expr(self, e: n.Expr, scope: dict[str, str]) -> Type: ...
        def source(self, span: n.Span) -> str: ...

    def when_empty(self, e: n.Aggregate, t: Type, scope: dict[str, str]) -> Type:
        """The type of a fold with what it gives over nothing (`otherwise`), or its refusal without it."""
        entry = builtins.lookup("fold", e.function)
        if e.otherwise is not None:
            other = self.expr(e.otherwise, scope)
            both = join(t, other)
            if both is None:
                return self.error(e.otherwise.span, f"{e.function}(...) gives {t}, but otherwise {other}",
                                  f"what it gives when there is none is in {t} too")
            return both
        if entry is not None and entry.partial and may_be_empty(e.over, self.period_sets):
            written = " ".join(self.source(e.span).split())
            fix = f"{written} otherwise pending" if 0 < len(written) <= 70 else f"{e.function}(...) otherwise pending"
            what = {"periods": e.over.period_set, "days": "day", "dates": "date"}.get(e.over.kind, "entry")
            return self.error(e.span, f"{e.function} may run over no {what}: say what it gives then",
                              f"write {fix} (not known yet), or otherwise a value, e.g. a date")
        return t


__all__ = ["Totality", "may_be_empty"]
