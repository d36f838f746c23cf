"""A static bound on the work of an evaluation, worked out by `check` from the rules alone.

A step is one part of a formula evaluated once (a name read, an addition, a
comparison...). A formula's bound counts its parts, the parts inside a fold
once for every value its variable can take:

- a fold over periods: every period of the set;
- a fold over days: the days from its first to its last day where the rules fix
  that span (two dates, `start(y)` to `end(y)`, `d` to `d + 60 days`), else the
  most days a loop may run over (limits.MAX_DAYS, about a century);
- a fold over the dates of a series: the most entries a series may have
  (limits.MAX_SERIES);
- a fold over the entries of a ledger: the most movements a ledger may have
  (limits.MAX_ENTRIES).

A rule is bounded by its costliest reading's formula times its cells (one per
period, or per pair of periods); an allocation by its pool plus every claim,
per pool; an obligation by its parts, per period. Every value is computed once,
so the bound of the rules is the sum. It grows with the size of the rules times
the number of periods (and days), and `check` refuses rules whose bound is past
`Limits.max_cost`, at the costliest declaration.
"""

from __future__ import annotations

import math

from . import nodes as n
from . import windows
from .calendars import FIRST_MARKET_DAY, LAST_MARKET_DAY, MARKETS
from .errors import Diagnostic
from .limits import MAX_DAYS, MAX_ENTRIES, MAX_SERIES, Limits
from .program import Program
from .records import record


@record
class Cost:
    total: int
    by_name: dict[str, int]  # declaration -> its bound (all its cells)

    def costliest(self) -> str | None:
        return max(self.by_name, key=lambda name: self.by_name[name], default=None)


def bound(program: Program) -> Cost:
    """The most steps an evaluation of these rules can take."""
    counter = _Counter(program)
    by_name: dict[str, int] = {}
    for name, sym in program.symbols.items():
        cells = math.prod(len(program.period_sets[s].members) for s in sym.params)
        d = sym.decl
        if isinstance(d, n.RuleDecl):
            by_name[name] = cells * max((counter.expr(f) for f in n.expressions(d)), default=1)
        elif isinstance(d, n.AllocationDecl):
            assert d.pool is not None and d.claim is not None and d.claimants is not None
            pools = cells // len(program.period_sets[d.claimants.period_set].members)
            by_name[name] = pools * (counter.expr(d.pool) + counter.over(d.claimants, (d.claim,)))
    for name, ob in program.obligations.items():
        cells = math.prod(len(program.period_sets[p.period_set].members) for p in ob.params)
        by_name[name] = cells * sum(counter.expr(f) for f in n.expressions(ob))
    return Cost(sum(by_name.values()), by_name)


def check(program: Program, limits: Limits) -> list[Diagnostic]:
    """Refuse rules that could take more than `limits.max_cost` steps, at the costliest declaration."""
    cost = bound(program)
    if cost.total <= limits.max_cost:
        return []
    name = cost.costliest()
    assert name is not None
    decl = program.symbols[name].decl if name in program.symbols else program.obligations[name]
    return [Diagnostic.at(
        decl.name_span,
        f"these rules could take up to {cost.total:,} steps to evaluate, more than the limit of "
        f"{limits.max_cost:,}; '{name}' alone up to {cost.by_name[name]:,}",
        "narrow its loops (days between dates the rules fix, fewer periods), or raise the limit "
        "(--max-cost, or Limits(max_cost=...))",
    )]


class _Counter:
    def __init__(self, program: Program) -> None:
        self.program = program
        self.longest = {name: max(((m.end - m.start).days + 1 if m.start and m.end else 1
                                    for m in ps.members), default=0)
                        for name, ps in program.period_sets.items()}

    def expr(self, e: n.Expr) -> int:
        if isinstance(e, n.Aggregate):
            return 1 + self.over(e.over, (e.body,)) + (self.expr(e.otherwise) if e.otherwise is not None else 0)
        return 1 + sum(self.expr(child) for child in n.children(e))

    def over(self, q: n.Quantifier, bodies: tuple[n.Expr, ...]) -> int:
        """A quantifier's bounds once, and its `where` and `bodies` once for every value it runs over."""
        ends = sum(self.expr(x) for x in (q.bound, q.last) if x is not None)
        each = sum(self.expr(x) for x in (q.where, *bodies) if x is not None)
        return ends + self.size(q) * each

    def size(self, q: n.Quantifier) -> int:
        window = windows.largest(q.window, self.program)
        if window is not None and q.kind in ("periods", "dates"):
            return window if q.kind == "dates" else min(window, len(self.program.period_sets[q.period_set].members))
        if q.kind == "periods":
            return len(self.program.period_sets[q.period_set].members)
        if q.kind == "entries":
            return MAX_ENTRIES
        if q.kind == "dates":
            return self.series_size(q.period_set)
        assert q.bound is not None and q.last is not None
        return min(MAX_DAYS, self.days(q.bound, q.last))

    def series_size(self, name: str) -> int:
        """The most entries a series may have: MAX_SERIES, or for one by trading day of a market's calendar
        (read for fixed years), the days of those years (trading_days.py refuses any other date)."""
        sym = self.program.symbols.get(name)
        decl = sym.decl if sym is not None else None
        if isinstance(decl, n.InputDecl) and decl.trading_days in self.program.calendars and \
                self.program.calendars[decl.trading_days].source.startswith(MARKETS):
            return (LAST_MARKET_DAY - FIRST_MARKET_DAY).days + 1
        return MAX_SERIES

    def days(self, first: n.Expr, last: n.Expr) -> int:
        """The days from `first` through `last`, at most, where the rules fix that span; else MAX_DAYS."""
        (a_base, a_off), (b_base, b_off) = _form(first), _form(last)
        if a_base == b_base:  # the same date (or none: two fixed dates), shifted by fixed days
            return max(0, b_off - a_off + 1)
        if isinstance(a_base, n.Call) and isinstance(b_base, n.Call) and (a_base.function, b_base.function) == \
                ("start", "end") and a_base.args == b_base.args:
            period_set = self.program.type_of(a_base.args[0]).period_set or ""
            return max(0, self.longest.get(period_set, MAX_DAYS) + b_off - a_off)
        return MAX_DAYS


def _form(e: n.Expr) -> tuple[n.Expr | None, int]:
    """A date expression as a base and a fixed shift in calendar days: `d + 60 days` is (d, 60), a date
    written out is (None, its day number), anything else is (itself, 0). Bases compare as written."""
    if isinstance(e, n.DateLit):
        return None, e.value.toordinal()
    if isinstance(e, n.Binary) and e.op in ("+", "-") and isinstance(e.right, n.Number) and e.right.unit == "days" \
            and e.right.value.denominator == 1:
        base, shift = _form(e.left)
        step = int(e.right.value)
        return base, shift + (step if e.op == "+" else -step)
    return e, 0
