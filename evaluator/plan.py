"""Checked program -> evaluation plan: every formula compiled once to a closure.

A compiled expression is a function `(run, env) -> value`, where `env` maps
the period variables in scope to positions in their set and `run` is the
evaluation under way (see evaluate.py). Values are exact: `Fraction` for every
amount, `date`, `bool`, an `int` position for a period, and `None` for a value
still pending. Pending spreads: whatever depends on a pending value is pending,
unless a rule asks `is known`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from fractions import Fraction

from . import builtins, params, windows
from . import nodes as n
from .builtins import Site
from .cells import Cells, Key
from .cells import of as cells_of
from .limits import DEFAULT, MAX_DAYS, Limits
from .nodes import assert_never
from .program import PeriodSet, Program
from .records import field, record
from .rounding import round_to
from .windows import last_dates, period_span

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:
    from typing import Any

    from .compiled import Filler
    from .evaluate import Run

    Env = dict[str, Any]  # a period variable -> its position; a date variable -> its date
    Fn = Callable[[Run, Env], Any]

Value = Fraction | bool | date | int | None



@record
class Definition:
    """How to compute one symbol: its formula per reading (None: the default)."""

    name: str
    kind: str
    params: tuple[str, ...]
    bodies: dict[str | None, Fn]
    span: n.Span


@record
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


@record
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


COMPILE_AT = 2  # the evaluation of the same cells of a plan that compiles them (Plan.filler)


@record
class Plan:
    program: Program
    definitions: dict[str, Definition]
    allocations: dict[str, AllocationPlan]
    constants: dict[str, Any]  # parameters: a value; tables: a list per period (under the default reading)
    obligations: dict[str, ObligationPlan]
    cells: Cells  # what each value reads, and the order they are computed in
    limits: Limits = DEFAULT
    fast: dict[tuple[str | None, tuple[Key, ...]], Filler | None] = field(default_factory=dict, compare=False,
                                                                          repr=False)
    asked: dict[tuple[str | None, tuple[Key, ...]], int] = field(default_factory=dict, compare=False, repr=False)

    def constants_for(self, reading: str | None) -> dict[str, Any]:
        """The parameters' values under a reading (`under READING = ...`; params.py)."""
        return params.fixed(self.program, self.limits).under(reading)

    def fixed_notes(self, reading: str | None) -> dict[tuple[str, tuple[int, ...]], str]:
        """Why a parameter is pending under a reading: "target[Y4] is not stated in the agreement (SPA 4.1)"."""
        return params.fixed(self.program, self.limits).notes_under(reading)

    def filler(self, reading: str | None, order: tuple[Key, ...], now: bool = False) -> Filler | None:
        """The cells of `order` compiled for a reading (compiled.py), made once and kept; None (interpret
        them) the first time they are asked for, unless `now`. Compiling costs some 30 times one
        interpreted evaluation, and pays from the second: a command that evaluates once never compiles."""
        key = (reading, order)
        if key not in self.fast:
            asked = self.asked[key] = self.asked.get(key, 0) + 1
            if asked < COMPILE_AT and not now:
                return None
            from .compiled import compile_fill  # only from a plan's second evaluation (or `now`)

            self.fast[key] = compile_fill(self, reading, order)
        return self.fast[key]


if TYPE_CHECKING:
    Chooser = Callable[..., list[Any] | None]  # (run, env[, doubtful]) -> what a quantifier runs over


def _kept(run: Run, env: Env, var: str, where: Fn | None, items: list[Any],
          doubtful: list[Any] | None = None) -> list[Any] | None:
    """The items for which `where` holds (all of them without one); None if it is pending for any, or, given
    a `doubtful` list, those items go there (for a fold in Kleene's logic)."""
    if where is None:
        return items
    kept = []
    for item in items:
        ok = where(run, {**env, var: item})
        if ok is None:
            if doubtful is None:
                return None
            doubtful.append(item)
        elif ok:
            kept.append(item)
    return kept


class _Compiler:
    def __init__(self, program: Program) -> None:
        self.program = program

    def period_set(self, name: str) -> PeriodSet:
        return self.program.period_sets[name]

    def expr(self, e: n.Expr) -> Fn:
        assert isinstance(e, n.ExprNode)
        match e:
            case n.Number():
                value = e.value
                return lambda run, env: value
            case n.DateLit() | n.BoolLit():
                lit = e.value
                return lambda run, env: lit
            case n.Pending():
                return lambda run, env: None
            case n.AsOf():
                return lambda run, env: run.as_of
            case n.SeriesAt():
                at, series = self.expr(e.at), e.name
                return lambda run, env: None if (d := at(run, env)) is None else run.on(series, d)
            case n.Name():
                return self.name(e)
            case n.Index():
                return self.index(e)
            case n.Call():
                entry = builtins.TABLE[("function", e.function)]
                if entry.raw_args:  # first(year): the argument is a set of periods, not a value
                    impl = entry.scalar(Site(e, (), self.program))
                    return lambda run, env: impl(run)
                return self.builtin(entry, e, e.args)
            case n.Aggregate():
                return self.aggregate(e)
            case n.Binary():
                return self.builtin(builtins.TABLE[("binary", e.op)], e, (e.left, e.right))
            case n.Not():
                return self.builtin(builtins.TABLE[("unary", "not")], e, (e.operand,))
            case n.Negate():
                return self.builtin(builtins.TABLE[("unary", "-")], e, (e.operand,))
            case n.IsKnown():
                inner, known = self.expr(e.operand), e.known
                return lambda run, env: (inner(run, env) is not None) == known
            case n.If():
                cond, then, otherwise = self.expr(e.condition), self.expr(e.then), self.expr(e.otherwise)

                def if_(run: Run, env: Env) -> Any:
                    c = cond(run, env)
                    if c is None:
                        return None
                    return then(run, env) if c else otherwise(run, env)
                return if_
            case n.Field():
                var, part = e.var, e.part
                return lambda run, env: env[var].part(part)
            case n.Round():
                inner, step, mode = self.expr(e.operand), e.step.value, e.mode

                def round_(run: Run, env: Env) -> Any:
                    v = inner(run, env)
                    return None if v is None else round_to(Fraction(v), step, mode)
                return round_
            case _:
                assert_never(e)

    def builtin(self, entry: builtins.Builtin, node: n.Expr, operands: tuple[n.Expr, ...]) -> Fn:
        """A use of a built-in: its operands compiled, then its implementation from the table."""
        impl = entry.scalar(Site(node, tuple(self.program.type_of(x) for x in operands), self.program))
        args = [self.expr(x) for x in operands]
        if entry.short_circuit:
            left, right = args
            return lambda run, env: impl(run, left(run, env), lambda: right(run, env))
        if len(args) == 1:
            only = args[0]

            def one(run: Run, env: Env) -> Any:
                v = only(run, env)
                return None if v is None else impl(run, v)
            return one
        if len(args) == 2:
            first, second = args

            def two(run: Run, env: Env) -> Any:
                a, b = first(run, env), second(run, env)
                return None if a is None or b is None else impl(run, a, b)
            return two

        def many(run: Run, env: Env) -> Any:
            values = [f(run, env) for f in args]
            return None if any(v is None for v in values) else impl(run, *values)
        return many

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

    def periods(self, q: n.Quantifier) -> Chooser:
        """What a quantifier runs over, in chronological order: positions of periods, or dates."""
        if q.kind == "entries":
            return self.entries(q)
        if q.kind != "periods":
            return self.dates(q)
        count = len(self.period_set(q.period_set).members)
        bound = self.expr(q.bound) if q.bound is not None else None
        where = self.expr(q.where) if q.where is not None else None
        relation, var, window = q.relation, q.var, q.window

        def positions(run: Run, env: Env, doubtful: list[Any] | None = None) -> list[int] | None:
            span = range(count)
            if bound is not None:
                b = bound(run, env)
                if b is None:
                    return None
                span = period_span(relation, b, count, windows.size(window, run.constants))
            return _kept(run, env, var, where, list(span), doubtful)
        return positions

    def dates(self, q: n.Quantifier) -> Chooser:
        """The days from one date through another, or the dates a series is given for."""
        first = self.expr(q.bound) if q.bound is not None else None
        last = self.expr(q.last) if q.last is not None else None
        where = self.expr(q.where) if q.where is not None else None
        var, series, span, window = q.var, q.period_set, q.span, q.window

        def chosen(run: Run, env: Env, doubtful: list[Any] | None = None) -> list[Any] | None:
            if window is not None and first is not None:  # among the last N dates of the series through one
                through = first(run, env)
                if through is None:
                    return None
                length = windows.size(window, run.constants)
                assert length is not None
                return _kept(run, env, var, where, list(last_dates(run.series_dates(series), through, length)),
                             doubtful)
            if first is not None and last is not None:
                a, b = first(run, env), last(run, env)
                if a is None or b is None:
                    return None
                if (b - a).days > MAX_DAYS:
                    run.fail(span, f"{(b - a).days} days from {a} to {b}: at most {MAX_DAYS} are run over")
                days = [a + timedelta(days=i) for i in range((b - a).days + 1)]
            else:
                days = run.series_dates(series)
            return _kept(run, env, var, where, days, doubtful)
        return chosen

    def entries(self, q: n.Quantifier) -> Chooser:
        """The entries of a ledger, of one kind of movement or all, oldest first; None if it is not given."""
        where = self.expr(q.where) if q.where is not None else None
        var, ledger, movement = q.var, q.period_set, q.movement

        def chosen(run: Run, env: Env, doubtful: list[Any] | None = None) -> list[Any] | None:
            given = run.ledger(ledger)
            if given is None:
                return None
            items = [e for e in given if e.movement == movement] if movement else list(given)
            return _kept(run, env, var, where, items, doubtful)
        return chosen

    def aggregate(self, e: n.Aggregate) -> Fn:
        positions, body, var = self.periods(e.over), self.expr(e.body), e.over.var
        entry = builtins.TABLE[("fold", e.function)]
        fold = entry.scalar(Site(e, (self.program.type_of(e.body),), self.program))
        # `otherwise X`: X where no item is kept, known to be none (not where that is not known yet)
        empty = self.expr(e.otherwise) if e.otherwise is not None else None
        if entry.kleene:
            def kleene(run: Run, env: Env) -> Any:
                doubtful: list[Any] = []
                chosen = positions(run, env, doubtful)
                if chosen is None:
                    return None
                if empty is not None and not chosen and not doubtful:
                    return empty(run, env)
                return fold(run, [body(run, {**env, var: i}) for i in chosen],
                            [body(run, {**env, var: i}) for i in doubtful])
            return kleene

        def aggregate(run: Run, env: Env) -> Any:
            chosen = positions(run, env)
            if chosen is None:
                return None
            if empty is not None and not chosen:
                return empty(run, env)
            values = [body(run, {**env, var: i}) for i in chosen]
            return None if any(v is None for v in values) else fold(run, values)
        return aggregate

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


def _obligation(c: _Compiler, d: n.ObligationDecl) -> ObligationPlan:
    def part(e: n.Expr | None) -> Fn | None:
        return c.expr(e) if e is not None else None

    return ObligationPlan(d.name, d, tuple(p.var for p in d.params), part(d.arises), part(d.due), part(d.done),
                          part(d.suspended_from), part(d.suspended_until), part(d.penalty), part(d.applies))


def build(program: Program, limits: Limits = DEFAULT) -> Plan:
    """Compile every formula of a checked program, once."""
    c = _Compiler(program)
    definitions: dict[str, Definition] = {}
    allocations: dict[str, AllocationPlan] = {}
    constants: dict[str, Any] = {}
    fixed = params.fixed(program, limits).under(None)
    for name, sym in program.symbols.items():
        d = sym.decl
        match d:
            case n.ParamDecl() | n.TableDecl():
                constants[name] = fixed[name]  # worked out when checked (params.py)
            case n.RuleDecl():
                assert d.body is not None
                bodies: dict[str | None, Fn] = {None: c.expr(d.body)}
                bodies.update({alt.interpretation: c.expr(alt.body) for alt in d.alternatives})
                definitions[name] = Definition(name, "rule", sym.params, bodies, d.span)
            case n.AllocationDecl():
                allocations[name] = c.allocation(d)
            case n.InputDecl():
                pass  # given at evaluation
            case _:
                assert_never(d)
    obligations = {name: _obligation(c, d) for name, d in program.obligations.items()}
    return Plan(program, definitions, allocations, constants, obligations, cells_of(program), limits)

