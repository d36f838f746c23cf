"""Checked program -> evaluation plan: every formula compiled once to a closure.

A compiled expression is a function `(run, env) -> value`, where `env` maps
the period variables in scope to positions in their set and `run` is the
evaluation under way (see evaluate.py). Values are exact: `Fraction` for every
amount, `date`, `bool`, an `int` position for a period, and `None` for a value
still pending. Pending spreads: whatever depends on a pending value is pending,
unless a rule asks `is known`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from . import nodes as n
from .calendars import add_business_days, calendar
from .checker import PeriodSet, Program
from .checker_time import calendar_of
from .rounding import round_to

MAX_DAYS = 40_000  # a loop over days covers at most about a century

if TYPE_CHECKING:
    from .evaluate import Run

Value = Fraction | bool | date | int | None
Env = dict[str, Any]  # a period variable -> its position; a date variable -> its date
Fn = Callable[["Run", Env], Any]

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}


@dataclass(frozen=True)
class Definition:
    """How to compute one symbol: its formula per reading (None: the default)."""

    name: str
    kind: str
    params: tuple[str, ...]
    bodies: dict[str | None, Fn]
    span: n.Span


@dataclass(frozen=True)
class AllocationPlan:
    name: str
    params: tuple[str, ...]
    header_vars: tuple[str, ...]
    pool: Fn
    claim: Fn
    claimants: Callable[[Run, Env], list[int]]
    claimant_var: str
    pool_span: n.Span
    claim_span: n.Span


@dataclass(frozen=True)
class ObligationPlan:
    """An obligation's parts, compiled: each a function of the run and its periods (None if not given)."""

    name: str
    decl: n.ObligationDecl
    vars: tuple[str, ...]
    arises: Fn | None
    due: Fn | None
    done: Fn | None
    suspended_from: Fn | None
    suspended_until: Fn | None
    penalty: Fn | None
    applies: Fn | None


@dataclass(frozen=True)
class Plan:
    program: Program
    definitions: dict[str, Definition]
    allocations: dict[str, AllocationPlan]
    constants: dict[str, Any]  # parameters: a value; tables: a list per period
    obligations: dict[str, ObligationPlan]


def _binary_number(op: str, left: Fn, right: Fn, e: n.Binary) -> Fn:
    if op == "+":
        def add(run: Run, env: Env) -> Any:
            a, b = left(run, env), right(run, env)
            return None if a is None or b is None else a + b
        return add
    if op == "-":
        def sub(run: Run, env: Env) -> Any:
            a, b = left(run, env), right(run, env)
            return None if a is None or b is None else a - b
        return sub
    if op == "*":
        def mul(run: Run, env: Env) -> Any:
            a, b = left(run, env), right(run, env)
            return None if a is None or b is None else a * b
        return mul

    def div(run: Run, env: Env) -> Any:
        a, b = left(run, env), right(run, env)
        if a is None or b is None:
            return None
        if b == 0:
            run.fail(e.right.span, "division by zero", "the amount divided by is zero for these inputs")
        return Fraction(a) / b
    return div


def _kept(run: Run, env: Env, var: str, where: Fn | None, items: list[Any]) -> list[Any] | None:
    """The items for which `where` holds (all of them without one); None if it is pending for any."""
    if where is None:
        return items
    kept = []
    for item in items:
        ok = where(run, {**env, var: item})
        if ok is None:
            return None
        if ok:
            kept.append(item)
    return kept


class _Compiler:
    def __init__(self, program: Program) -> None:
        self.program = program

    def period_set(self, name: str) -> PeriodSet:
        return self.program.period_sets[name]

    def expr(self, e: n.Expr) -> Fn:  # noqa: C901 - one branch per node kind
        t = self.program.type_of(e)
        if isinstance(e, n.Number):
            value = e.value
            return lambda run, env: value
        if isinstance(e, (n.DateLit, n.BoolLit)):
            lit = e.value
            return lambda run, env: lit
        if isinstance(e, n.Pending):
            return lambda run, env: None
        if isinstance(e, n.AsOf):
            return lambda run, env: run.as_of
        if isinstance(e, n.SeriesAt):
            at, series = self.expr(e.at), e.name
            return lambda run, env: None if (d := at(run, env)) is None else run.on(series, d)
        if isinstance(e, n.Name):
            return self.name(e)
        if isinstance(e, n.Index):
            return self.index(e)
        if isinstance(e, n.Call):
            return self.call(e)
        if isinstance(e, n.Aggregate):
            return self.aggregate(e)
        if isinstance(e, n.Binary):
            return self.binary(e)
        if isinstance(e, n.Not):
            inner = self.expr(e.operand)

            def not_(run: Run, env: Env) -> Any:
                v = inner(run, env)
                return None if v is None else not v
            return not_
        if isinstance(e, n.Negate):
            inner = self.expr(e.operand)

            def neg(run: Run, env: Env) -> Any:
                v = inner(run, env)
                return None if v is None else -v
            return neg
        if isinstance(e, n.IsKnown):
            inner, known = self.expr(e.operand), e.known
            return lambda run, env: (inner(run, env) is not None) == known
        if isinstance(e, n.If):
            cond, then, otherwise = self.expr(e.condition), self.expr(e.then), self.expr(e.otherwise)

            def if_(run: Run, env: Env) -> Any:
                c = cond(run, env)
                if c is None:
                    return None
                return then(run, env) if c else otherwise(run, env)
            return if_
        if isinstance(e, n.Round):
            inner, step, mode = self.expr(e.operand), e.step.value, e.mode

            def round_(run: Run, env: Env) -> Any:
                v = inner(run, env)
                return None if v is None else round_to(Fraction(v), step, mode)
            return round_
        raise AssertionError(f"cannot compile {e!r} of type {t}")

    def name(self, e: n.Name) -> Fn:
        var = e.name
        ps = self.program.period_set_of(var)
        if ps is not None and var not in self.program.symbols:
            position = ps.position(var)
            return lambda run, env: env[var] if var in env else position
        return lambda run, env: env[var] if var in env else run.value(var, (), e.span)

    def index(self, e: n.Index) -> Fn:
        indexes = [self.expr(i) for i in e.indexes]
        name, span = e.name, e.span
        if len(indexes) == 1:
            only = indexes[0]

            def one(run: Run, env: Env) -> Any:
                i = only(run, env)
                return None if i is None else run.value(name, (i,), span)
            return one

        def many(run: Run, env: Env) -> Any:
            idx = tuple(f(run, env) for f in indexes)
            return None if None in idx else run.value(name, idx, span)
        return many

    def call(self, e: n.Call) -> Fn:
        f = e.function
        if f in ("first", "last"):
            arg = e.args[0]
            assert isinstance(arg, n.Name)
            position = 0 if f == "first" else len(self.period_set(arg.name).members) - 1
            return lambda run, env: position
        args = [self.expr(a) for a in e.args]
        if f in ("previous", "next"):
            ps = self.period_set(self.program.type_of(e).period_set or "")
            step, only = (-1 if f == "previous" else 1), args[0]

            def neighbour(run: Run, env: Env) -> Any:
                i = only(run, env)
                if i is None:
                    return None
                j = i + step
                if not 0 <= j < len(ps.members):
                    edge = "first" if step < 0 else "last"
                    run.fail(e.span, f"{ps.members[i].name} is the {edge} {ps.name}: it has no {f} one",
                             f"test for it first, e.g. if y > first({ps.name}) then ... else ...")
                return j
            return neighbour
        if f in ("start", "end"):
            ps = self.period_set(self.program.type_of(e.args[0]).period_set or "")
            only = args[0]

            def bound(run: Run, env: Env) -> Any:
                i = only(run, env)
                if i is None:
                    return None
                member = ps.members[i]
                return member.start if f == "start" else member.end
            return bound
        if f == "whole_years":
            since, until = args

            def years(run: Run, env: Env) -> Any:
                a, b = since(run, env), until(run, env)
                if a is None or b is None:
                    return None
                if a.month == 2 and a.day == 29:
                    run.fail(e.span, f"the anniversary of {a} is ambiguous (28 February or 1 March?)",
                             "count from a day that recurs every year, or say which in the rules")
                return Fraction(b.year - a.year - ((b.month, b.day) < (a.month, a.day)))
            return years
        if f == "abs":
            only = args[0]
            return lambda run, env: None if (v := only(run, env)) is None else abs(v)
        if f == "clamp":
            x, lo, hi = args

            def clamp(run: Run, env: Env) -> Any:
                v, a, b = x(run, env), lo(run, env), hi(run, env)
                if v is None or a is None or b is None:
                    return None
                if a > b:
                    run.fail(e.span, "clamp's lowest value is above its highest for these inputs")
                return min(max(v, a), b)
            return clamp
        pick = min if f == "min" else max

        def extreme(run: Run, env: Env) -> Any:
            values = [a(run, env) for a in args]
            return None if None in values else pick(values)
        return extreme

    def periods(self, q: n.Quantifier) -> Callable[[Run, Env], list[Any] | None]:
        """What a quantifier runs over, in chronological order: positions of periods, or dates."""
        if q.kind != "periods":
            return self.dates(q)
        count = len(self.period_set(q.period_set).members)
        bound = self.expr(q.bound) if q.bound is not None else None
        where = self.expr(q.where) if q.where is not None else None
        relation, var = q.relation, q.var

        def positions(run: Run, env: Env) -> list[int] | None:
            span = range(count)
            if bound is not None:
                b = bound(run, env)
                if b is None:
                    return None
                span = {
                    "before": range(0, b), "through": range(0, b + 1),
                    "after": range(b + 1, count), "from": range(b, count),
                }[relation or "from"]
            return _kept(run, env, var, where, list(span))
        return positions

    def dates(self, q: n.Quantifier) -> Callable[[Run, Env], list[Any] | None]:
        """The days from one date through another, or the dates a series is given for."""
        first = self.expr(q.bound) if q.bound is not None else None
        last = self.expr(q.last) if q.last is not None else None
        where = self.expr(q.where) if q.where is not None else None
        var, series, span = q.var, q.period_set, q.span

        def chosen(run: Run, env: Env) -> list[Any] | None:
            if first is not None and last is not None:
                a, b = first(run, env), last(run, env)
                if a is None or b is None:
                    return None
                if (b - a).days > MAX_DAYS:
                    run.fail(span, f"{(b - a).days} days from {a} to {b}: at most {MAX_DAYS} are run over")
                days = [a + timedelta(days=i) for i in range((b - a).days + 1)]
            else:
                days = run.series_dates(series)
            return _kept(run, env, var, where, days)
        return chosen

    def aggregate(self, e: n.Aggregate) -> Fn:
        positions, body, var, f = self.periods(e.over), self.expr(e.body), e.over.var, e.function

        def fold(run: Run, env: Env) -> Any:
            chosen = positions(run, env)
            if chosen is None:
                return None
            values = [body(run, {**env, var: i}) for i in chosen]
            if None in values:
                return None
            if f == "sum":
                return sum(values, Fraction(0))
            if f == "count":
                return Fraction(sum(1 for v in values if v))
            if f == "all":
                return all(values)
            if f == "any":
                return any(values)
            if not values:
                run.fail(e.span, f"{f} over no periods", "add a 'where' that keeps at least one period, "
                                                         "or test with count(...) first")
            return min(values) if f == "min" else max(values)
        return fold

    def binary(self, e: n.Binary) -> Fn:
        left, right, op = self.expr(e.left), self.expr(e.right), e.op
        if op == "and":
            def and_(run: Run, env: Env) -> Any:
                a = left(run, env)
                if a is False:
                    return False
                b = right(run, env)
                return False if b is False else None if a is None or b is None else True
            return and_
        if op == "or":
            def or_(run: Run, env: Env) -> Any:
                a = left(run, env)
                if a is True:
                    return True
                b = right(run, env)
                return True if b is True else None if a is None or b is None else False
            return or_
        if op in _COMPARE:
            cmp = _COMPARE[op]

            def compare(run: Run, env: Env) -> Any:
                a, b = left(run, env), right(run, env)
                return None if a is None or b is None else cmp(a, b)
            return compare
        lt, rt = self.program.type_of(e.left), self.program.type_of(e.right)
        if "date" in (lt.kind, rt.kind):
            return self.date_arithmetic(e, left, right, lt.kind == "date", rt.kind == "date")
        return _binary_number(op, left, right, e)

    def date_arithmetic(self, e: n.Binary, left: Fn, right: Fn, left_date: bool, right_date: bool) -> Fn:
        def days(run: Run, v: Fraction, span: n.Span) -> timedelta:
            if v.denominator != 1:
                run.fail(span, f"{v} days is not a whole number of days",
                         "round the days first, e.g. round X up to 1 day")
            return timedelta(days=int(v))

        cal_name = calendar_of(self.program.type_of(e.right if left_date else e.left))
        cal = calendar(self.program.calendars[cal_name].source) if cal_name else None

        def shift(run: Run, d: date, v: Fraction, span: n.Span, sign: int) -> date:
            try:
                if cal is None:
                    return d + sign * days(run, v, span)
                if v.denominator != 1:
                    run.fail(span, f"{v} business days is not a whole number of days")
                return add_business_days(d, sign * int(v), cal)
            except OverflowError:
                run.fail(e.span, f"{d} and {v} days make a date out of range (before year 1 or after 9999)")

        def dates(run: Run, env: Env) -> Any:
            a, b = left(run, env), right(run, env)
            if a is None or b is None:
                return None
            if left_date and right_date:
                return Fraction((a - b).days)
            if left_date:
                return shift(run, a, b, e.right.span, 1 if e.op == "+" else -1)
            return shift(run, b, a, e.left.span, 1)
        return dates

    # ---- declarations --------------------------------------------------

    def allocation(self, d: n.AllocationDecl) -> AllocationPlan:
        assert d.pool is not None and d.claim is not None and d.claimants is not None
        params = tuple(p.period_set for p in d.params) + (d.claimants.period_set,)
        chooser = self.periods(d.claimants)
        latest_first = d.latest_first

        def claimants(run: Run, env: Env) -> list[int]:
            chosen = chooser(run, env)
            if chosen is None:
                return []
            return list(reversed(chosen)) if latest_first else chosen

        return AllocationPlan(d.name, params, tuple(p.var for p in d.params), self.expr(d.pool),
                              self.expr(d.claim), claimants, d.claimants.var, d.pool.span, d.claim.span)


def _literal(e: n.Expr | None) -> Any:
    if isinstance(e, n.Number):
        return e.value
    if isinstance(e, (n.DateLit, n.BoolLit)):
        return e.value
    if isinstance(e, n.Negate):
        return -_literal(e.operand)
    return None


def _obligation(c: _Compiler, d: n.ObligationDecl) -> ObligationPlan:
    def part(e: n.Expr | None) -> Fn | None:
        return c.expr(e) if e is not None else None

    return ObligationPlan(d.name, d, tuple(p.var for p in d.params), part(d.arises), part(d.due), part(d.done),
                          part(d.suspended_from), part(d.suspended_until), part(d.penalty), part(d.applies))


def build(program: Program) -> Plan:
    """Compile every formula of a checked program, once."""
    c = _Compiler(program)
    definitions: dict[str, Definition] = {}
    allocations: dict[str, AllocationPlan] = {}
    constants: dict[str, Any] = {}
    for name, sym in program.symbols.items():
        d = sym.decl
        if isinstance(d, n.ParamDecl):
            constants[name] = _literal(d.value)
        elif isinstance(d, n.TableDecl):
            by_name = {e.period: _literal(e.value) for e in d.entries}
            constants[name] = [by_name[m] for m in program.period_sets[d.period_set].names]
        elif isinstance(d, n.RuleDecl):
            assert d.body is not None
            bodies: dict[str | None, Fn] = {None: c.expr(d.body)}
            bodies.update({alt.interpretation: c.expr(alt.body) for alt in d.alternatives})
            definitions[name] = Definition(name, "rule", sym.params, bodies, d.span)
        elif isinstance(d, n.AllocationDecl):
            allocations[name] = c.allocation(d)
    obligations = {name: _obligation(c, d) for name, d in program.obligations.items()}
    return Plan(program, definitions, allocations, constants, obligations)

