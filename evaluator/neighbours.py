"""`previous(y)` and `next(y)` at the edges of a set of periods, checked before anything is evaluated.

The first year has no previous one and the last no next one. `check` refuses `previous(y)` where y may
be the first period (and `next(y)` where y may be the last) unless the formula says what applies there:

    if y > first(year) then revenue[y] - revenue[previous(y)] else revenue[y]
    if y = first(year) then ... else ... previous(y) ...
    if y > k then ... previous(y) ...                    (k is a year: y is not the first)
    sum(... previous(x) ... for each year x after Y1)    (or `where x > first(year)`)

What the rules tell of a period, as far as they alone tell it, is its `Room`: at least how many periods
of its set come before it and after it. A condition an `if` tests (with `and`, `or`, `not`) or a fold's
range and `where` add to it inside the branch or the body it guards; nothing else does. So no evaluation
fails for want of the period before the first or after the last.
"""

from __future__ import annotations

from collections.abc import Iterator

from . import nodes as n
from .errors import Diagnostic
from .program import Program
from .records import record

_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "=": "=", "!=": "!="}
_NEGATE = {"<": ">=", ">=": "<", ">": "<=", "<=": ">", "=": "!=", "!=": "="}


@record
class Room:
    """At least `before` periods of its set come before a period, and at least `after` after it."""

    before: int
    after: int


@record
class _Var:
    """A period variable in scope: its set's size and what is known of where it is."""

    size: int
    room: Room


Facts = dict[str, _Var]


class _Edges:
    def __init__(self, program: Program) -> None:
        self.program = program
        self.problems: list[Diagnostic] = []
        self.through_previous: set[int] = set()  # `through previous(y)`: the same as `before y`

    def source(self, e: n.Expr) -> str:
        text = next((f.source(e.span) for f in self.program.files if f.path == e.span.file), "")
        return " ".join(text.split())

    def size(self, set_name: str) -> int:
        ps = self.program.period_sets.get(set_name)
        return len(ps.members) if ps is not None else 0

    # ---- what is known of a period -----------------------------------------------------------------

    def room(self, e: n.Expr, facts: Facts) -> Room | None:
        """What the rules tell of where the period `e` is; None if `e` is not a period they can place."""
        if isinstance(e, n.Name):
            if e.name in facts:
                return facts[e.name].room
            ps = None if e.name in self.program.symbols else self.program.period_set_of(e.name)
            if ps is None:
                return None
            p = ps.position(e.name)
            return Room(p, len(ps.members) - 1 - p)
        if isinstance(e, n.Call) and len(e.args) == 1:
            if e.function in ("first", "last") and isinstance(e.args[0], n.Name):
                top = self.size(e.args[0].name) - 1
                return Room(0, top) if e.function == "first" else Room(top, 0)
            if e.function in ("previous", "next"):
                inner = self.room(e.args[0], facts)
                if inner is None:
                    return None
                step = -1 if e.function == "previous" else 1
                return Room(max(inner.before + step, 0), max(inner.after - step, 0))
        if isinstance(e, n.If):
            then = self.room(e.then, self.assume(e.condition, True, facts))
            other = self.room(e.otherwise, self.assume(e.condition, False, facts))
            if then is None or other is None:
                return None
            return Room(min(then.before, other.before), min(then.after, other.after))
        return None

    @staticmethod
    def variable(e: n.Expr, facts: Facts) -> tuple[str, int] | None:
        """`y`, `previous(y)`, `next(next(y))`...: the variable and how many periods on from it."""
        offset = 0
        while isinstance(e, n.Call) and e.function in ("previous", "next") and len(e.args) == 1:
            offset += -1 if e.function == "previous" else 1
            e = e.args[0]
        return (e.name, offset) if isinstance(e, n.Name) and e.name in facts else None

    def assume(self, condition: n.Expr, truth: bool, facts: Facts) -> Facts:
        """What is known inside the branch taken when `condition` is `truth` (or not known: Kleene's
        logic keeps a comparison of periods, which is always known, true wherever the whole may be)."""
        if isinstance(condition, n.Not):
            return self.assume(condition.operand, not truth, facts)
        if not isinstance(condition, n.Binary):
            return facts
        if condition.op in ("and", "or"):
            if (condition.op == "and") != truth:
                return facts  # `a and b` false, `a or b` true: neither part is known
            return self.assume(condition.right, truth, self.assume(condition.left, truth, facts))
        if condition.op not in _FLIP:
            return facts
        op = condition.op if truth else _NEGATE[condition.op]
        facts = self.compare(condition.left, op, condition.right, facts)
        return self.compare(condition.right, _FLIP[op], condition.left, facts)

    def compare(self, left: n.Expr, op: str, right: n.Expr, facts: Facts) -> Facts:
        """What `left op right` tells of the variable `left` is written with."""
        found, other = self.variable(left, facts), self.room(right, facts)
        if found is None or other is None:
            return facts
        var, offset = found
        known = facts[var]
        before, after = known.room.before, known.room.after
        if op in (">", ">=", "="):
            before = max(before, other.before + (op == ">") - offset)
        if op in ("<", "<=", "="):
            after = max(after, other.after + (op == "<") + offset)
        if op == "!=" and other.before + other.after == known.size - 1:  # not this one period
            before += before + offset == other.before
            after += after - offset == other.after
        return {**facts, var: _Var(known.size, Room(before, after))}

    def ranged(self, q: n.Quantifier, facts: Facts) -> Facts:
        """The facts inside a fold over periods: its variable placed by its range."""
        size = self.size(q.period_set)
        bound = self.room(q.bound, facts) if q.bound is not None else None
        room = Room(0, 0)
        if bound is not None:
            room = {"before": Room(0, bound.after + 1), "through": Room(0, bound.after),
                    "after": Room(bound.before + 1, 0), "from": Room(bound.before, 0)}.get(q.relation or "", room)
        return {**facts, q.var: _Var(size, room)}

    # ---- the walk ------------------------------------------------------------------------------------

    def visit(self, e: n.Expr, facts: Facts) -> None:
        """Every previous/next inside `e`, each with what is known where it is evaluated."""
        work: list[tuple[n.Expr, Facts]] = [(e, facts)]
        while work:
            node, known = work.pop()
            work.extend(reversed(list(self.parts(node, known))))
            if isinstance(node, n.Call) and node.function in ("previous", "next") and len(node.args) == 1:
                self.neighbour(node, known)

    def parts(self, e: n.Expr, facts: Facts) -> Iterator[tuple[n.Expr, Facts]]:
        if isinstance(e, n.If):
            yield e.condition, facts
            yield e.then, self.assume(e.condition, True, facts)
            yield e.otherwise, self.assume(e.condition, False, facts)
        elif isinstance(e, n.Aggregate):
            yield from self.quantified(e.over, facts, e.body)
            if e.otherwise is not None:
                yield e.otherwise, facts
        else:
            for part in n.children(e):
                yield part, facts

    def quantified(self, q: n.Quantifier, facts: Facts, body: n.Expr) -> Iterator[tuple[n.Expr, Facts]]:
        """A fold's range (where it is), its `where` and its body (for the items it runs over)."""
        for part in (q.bound, q.last):
            if part is not None:
                yield part, facts
        if q.relation == "through" and q.window is None and isinstance(q.bound, n.Call) \
                and q.bound.function == "previous":
            self.through_previous.add(id(q.bound))
        inner = self.ranged(q, facts) if q.kind == "periods" else facts
        if q.where is not None:
            yield q.where, inner
            inner = self.assume(q.where, True, inner)
        yield body, inner

    def neighbour(self, e: n.Call, facts: Facts) -> None:
        arg = e.args[0]
        room = self.room(arg, facts)
        previous = e.function == "previous"
        if room is not None and (room.before if previous else room.after) > 0:
            return
        set_name = self.program.type_of(arg).period_set or "period"
        edge, test = ("first", ">") if previous else ("last", "<")
        written = self.source(arg) or "y"
        if room is not None and room.before + room.after == self.size(set_name) - 1:
            message = f"{written} is the {edge} {set_name}: it has no {e.function} one"
            hint = f"{e.function}({written}) names no {set_name}"
        else:
            message = f"{written} may be the {edge} {set_name}, which has no {e.function} one"
            hint = f"say what applies then: if {written} {test} {edge}({set_name}) then ... {e.function}({written}) " \
                   "... else ..."
            if id(e) in self.through_previous:
                hint = f"write 'before {written}': the {set_name}s before it, and none for the first"
        self.problems.append(Diagnostic.at(e.span, message, hint))

    # ---- declarations ------------------------------------------------------------------------------

    def declaration(self, d: n.Declaration) -> None:
        params = getattr(d, "params", ())
        facts: Facts = {p.var: _Var(self.size(p.period_set), Room(0, 0)) for p in params}
        if isinstance(d, n.AllocationDecl):
            assert d.pool is not None and d.claimants is not None and d.claim is not None
            self.visit(d.pool, facts)
            for part, known in self.quantified(d.claimants, facts, d.claim):
                self.visit(part, known)
            return
        for top in n.expressions(d):
            self.visit(top, facts)


def check(program: Program) -> list[Diagnostic]:
    """Every previous(y) that may be the first period's and next(y) the last's, with the fix."""
    edges = _Edges(program)
    for f in program.files:
        for d in f.declarations:
            edges.declaration(d)
    return edges.problems


__all__ = ["Room", "check"]
