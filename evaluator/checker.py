"""Static checks: the rule files of a contract -> a checked `Program`.

Before anything is evaluated every name is resolved (with a did-you-mean),
every expression gets a type and a unit, duplicates, missing citations and
cycles are refused. All problems of all files are collected and raised
together as one CheckError.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from . import nodes as n
from .checker_time import DATE_VAR, TimeChecks, calendar_of
from .deep import with_deep_stack
from .errors import CheckError, Diagnostic
from .units import BOOL, DATE, DAYS, ERROR, PENDING, RATIO, Type, Unit, join, period, quantity

FUNCTIONS = ("abs", "clamp", "max", "min", "previous", "next", "first", "last", "start", "end", "whole_years")
AGGREGATES = ("sum", "min", "max", "count", "all", "any")


@dataclass(frozen=True)
class PeriodSet:
    name: str
    members: tuple[n.PeriodMember, ...]
    decl: n.PeriodsDecl

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.members)

    def position(self, name: str) -> int:
        return self.names.index(name)


@dataclass
class Symbol:
    kind: str  # parameter | table | input | rule | allocation
    decl: n.Declaration
    params: tuple[str, ...]  # the period set of each index
    type: Type = ERROR


@dataclass(frozen=True)
class Edge:
    """`source` refers to `target`; `earlier` if through an earlier period."""

    source: str
    target: str
    earlier: bool
    span: n.Span


@dataclass
class Program:
    """Checked rules: every name resolved and every expression typed."""

    files: tuple[n.RuleFile, ...]
    currencies: dict[str, n.CurrencyDecl]
    period_sets: dict[str, PeriodSet]
    symbols: dict[str, Symbol]
    interpretations: dict[str, n.InterpretationDecl]
    default_interpretation: str | None
    outputs: tuple[str, ...]
    types: dict[int, Type] = field(default_factory=dict, repr=False)  # id(expr node) -> its type
    calendars: dict[str, n.CalendarDecl] = field(default_factory=dict)
    obligations: dict[str, n.ObligationDecl] = field(default_factory=dict)

    def type_of(self, expr: n.Expr) -> Type:
        return self.types[id(expr)]

    def period_set_of(self, member: str) -> PeriodSet | None:
        return next((ps for ps in self.period_sets.values() if member in ps.names), None)


def _suggest(name: str, candidates: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


class _Checker(TimeChecks):
    def __init__(self, files: tuple[n.RuleFile, ...]) -> None:
        self.files = files
        self.errors: list[Diagnostic] = []
        self.currencies: dict[str, n.CurrencyDecl] = {}
        self.period_sets: dict[str, PeriodSet] = {}
        self.members: dict[str, str] = {}  # period member -> its set
        self.symbols: dict[str, Symbol] = {}
        self.interpretations: dict[str, n.InterpretationDecl] = {}
        self.calendars: dict[str, n.CalendarDecl] = {}
        self.obligations: dict[str, n.ObligationDecl] = {}
        self.types: dict[int, Type] = {}
        self.edges: list[Edge] = []
        self.in_progress: list[str] = []
        self.current: str | None = None
        self.earlier_vars: set[str] = set()  # period variables before the rule's own period
        self.own_vars: set[str] = set()  # period variables never after it: the rule's own, `through` them

    def error(self, span: n.Span, message: str, hint: str | None = None) -> Type:
        self.errors.append(Diagnostic.at(span, message, hint))
        return ERROR

    # ---- declarations --------------------------------------------------

    def declarations(self) -> Iterator[n.Declaration]:
        for f in self.files:
            yield from f.declarations

    def collect(self) -> None:
        seen: dict[str, n.Span] = {}

        def claim(name: str, span: n.Span) -> bool:
            if name in seen:
                first = seen[name]
                self.error(span, f"'{name}' is defined twice",
                           f"first defined at {first.file}:{first.line}:{first.column}")
                return False
            seen[name] = span
            return True

        for d in self.declarations():
            if d.about.citation is None:
                self.error(
                    d.name_span,
                    f"'{d.name}' has no clause citation",
                    'add the clause it encodes, e.g. cites "SPA 5.1", after the name',
                )
            if isinstance(d, n.InterpretationDecl):
                if d.name in self.interpretations:
                    first = self.interpretations[d.name].name_span
                    self.error(d.name_span, f"reading '{d.name}' is defined twice",
                               f"first defined at {first.file}:{first.line}:{first.column}")
                else:
                    self.interpretations[d.name] = d
                continue
            if not claim(d.name, d.name_span):
                continue
            if isinstance(d, n.CurrencyDecl):
                self.currencies[d.name] = d
            elif isinstance(d, n.CalendarDecl):
                self.calendars[d.name] = d
                self.check_calendar(d)
            elif isinstance(d, n.ObligationDecl):
                self.obligations[d.name] = d
            elif isinstance(d, n.PeriodsDecl):
                self.period_sets[d.name] = PeriodSet(d.name, d.members, d)
                for m in d.members:
                    if claim(m.name, m.span):
                        self.members[m.name] = d.name
            elif isinstance(d, n.ParamDecl):
                self.symbols[d.name] = Symbol("parameter", d, ())
            elif isinstance(d, n.TableDecl):
                self.symbols[d.name] = Symbol("table", d, (d.period_set,))
            elif isinstance(d, n.InputDecl):
                self.symbols[d.name] = Symbol("input", d, (d.period_set,) if d.period_set else ())
            elif isinstance(d, n.RuleDecl):
                self.symbols[d.name] = Symbol("rule", d, tuple(p.period_set for p in d.params))
            elif isinstance(d, n.AllocationDecl):
                params = tuple(p.period_set for p in d.params)
                claimants = (d.claimants.period_set,) if d.claimants else ()
                self.symbols[d.name] = Symbol("allocation", d, params + claimants)

    def check_periods(self) -> None:
        for ps in self.period_sets.values():
            previous: n.PeriodMember | None = None
            for m in ps.members:
                if m.end < m.start:
                    self.error(m.span, f"period {m.name} ends before it starts")
                elif previous is not None and m.start <= previous.end:
                    self.error(m.span, f"period {m.name} starts before {previous.name} ends",
                               "list the periods in chronological order, without overlaps")
                previous = m

    def check_interpretations(self) -> str | None:
        defaults = [i for i in self.interpretations.values() if i.default]
        if self.interpretations and not defaults:
            first = next(iter(self.interpretations.values()))
            self.error(first.name_span, "no reading is marked default",
                       f"write 'interpretation {first.name} default'")
        for extra in defaults[1:]:
            self.error(extra.name_span, f"more than one default reading ('{defaults[0].name}' and '{extra.name}')")
        return defaults[0].name if defaults else None

    def period_set_ref(self, name: str, span: n.Span) -> bool:
        if name in self.period_sets:
            return True
        self.error(span, f"unknown period set '{name}'", _suggest(name, self.period_sets))
        return False

    def type_ref(self, t: n.TypeRef) -> Type:
        if t.kind == "date":
            return DATE
        if t.kind == "bool":
            return BOOL
        unit = RATIO
        for word, sign in ((t.numerator, 1), (t.denominator, -1)):
            if word is None:
                continue
            base = self.unit_base(word, t.span)
            if base is None:
                return ERROR
            unit = unit * base if sign > 0 else unit / base
        return quantity(unit)

    def unit_base(self, word: str, span: n.Span) -> Unit | None:
        if word in ("shares", "days"):
            return Unit.of(word)
        if word in self.currencies:
            return Unit.of(word)
        self.error(span, f"unknown unit or currency '{word}'", _suggest(word, [*self.currencies, "shares", "days"])
                   or "declare a currency with: currency CODE cites \"...\"")
        return None

    # ---- symbols -------------------------------------------------------

    def symbol_type(self, name: str, span: n.Span) -> Type:
        sym = self.symbols[name]
        if sym.type != ERROR or name in self.done:
            return sym.type
        if name in self.in_progress:
            # Refers back to itself (through an earlier period, or a cycle
            # reported later): its type comes from the rest of its formula.
            declared = getattr(sym.decl, "declared_type", None)
            return self.type_ref(declared) if declared is not None else ERROR
        self.in_progress.append(name)
        saved = (self.current, self.earlier_vars, self.own_vars)
        self.current, self.earlier_vars, self.own_vars = name, set(), set()
        try:
            sym.type = self.infer(sym)
        finally:
            self.current, self.earlier_vars, self.own_vars = saved
            self.in_progress.pop()
            self.done.add(name)
        return sym.type

    def infer(self, sym: Symbol) -> Type:
        d = sym.decl
        if isinstance(d, n.ParamDecl):
            assert d.value is not None
            return self.expr(d.value, {})
        if isinstance(d, n.TableDecl):
            return self.table(d)
        if isinstance(d, n.InputDecl):
            if d.period_set:
                self.period_set_ref(d.period_set, d.period_set_span)
            return self.type_ref(d.type) if d.type else ERROR
        if isinstance(d, n.RuleDecl):
            return self.rule(d)
        if isinstance(d, n.AllocationDecl):
            return self.allocation(d, sym)
        raise AssertionError(d)

    def table(self, d: n.TableDecl) -> Type:
        if not self.period_set_ref(d.period_set, d.period_set_span):
            return ERROR
        ps = self.period_sets[d.period_set]
        result: Type | None = None
        seen: set[str] = set()
        for e in d.entries:
            t = self.expr(e.value, {})
            if e.period not in ps.names:
                self.error(e.span, f"{e.period} is not a period of '{ps.name}'", _suggest(e.period, ps.names))
            elif e.period in seen:
                self.error(e.span, f"{e.period} is given twice")
            seen.add(e.period)
            if result is None or result.lenient:
                result = t
            elif not t.fits(result):
                self.error(e.value.span, f"{e.period} is in {t}, the others in {result}",
                           "every entry of a table has the same unit")
        missing = [m for m in ps.names if m not in seen]
        if missing:
            self.error(d.name_span, f"'{d.name}' has no value for {', '.join(missing)}",
                       f"add a line '{missing[0]}: ...'")
        return result or ERROR

    def scope_of(self, params: tuple[n.PeriodVar, ...]) -> dict[str, str]:
        scope: dict[str, str] = {}
        for p in params:
            self.period_set_ref(p.period_set, p.span)
            self.local_name(p.var, p.span, scope)
            scope[p.var] = p.period_set
            self.own_vars.add(p.var)
        return scope

    def local_name(self, var: str, span: n.Span, scope: dict[str, str]) -> None:
        if var in scope:
            self.error(span, f"'{var}' is already used in this rule")
        elif var in self.symbols or var in self.members or var in self.period_sets:
            self.error(span, f"'{var}' is already the name of something else", "choose a short letter such as y or k")

    def rule(self, d: n.RuleDecl) -> Type:
        scope = self.scope_of(d.params)
        assert d.body is not None
        result = self.expr(d.body, scope)
        if d.declared_type is not None:
            declared = self.type_ref(d.declared_type)
            if not result.fits(declared):
                self.error(d.body.span, f"'{d.name}' is declared as {declared} but its formula gives {result}")
            result = declared
        seen: set[str] = set()
        for alt in d.alternatives:
            if alt.interpretation not in self.interpretations:
                self.error(alt.span, f"unknown reading '{alt.interpretation}'",
                           _suggest(alt.interpretation, self.interpretations)
                           or "declare it with: interpretation NAME cites \"...\"")
            elif alt.interpretation in seen:
                self.error(alt.span, f"'{d.name}' has two definitions under '{alt.interpretation}'")
            seen.add(alt.interpretation)
            t = self.expr(alt.body, scope)
            if result.lenient:
                result = t
            elif not t.fits(result):
                self.error(alt.body.span, f"under '{alt.interpretation}' '{d.name}' gives {t}, "
                                          f"but its main definition gives {result}")
        return result

    def allocation(self, d: n.AllocationDecl, sym: Symbol) -> Type:
        scope = self.scope_of(d.params)
        assert d.pool is not None and d.claim is not None and d.claimants is not None
        pool = self.expr(d.pool, scope)
        if not pool.lenient and not pool.is_quantity:
            self.error(d.pool.span, f"the pool of an allocation is an amount, not {pool}")
        sym.type = pool  # known now: claims may refer back to this allocation
        inner = self.quantifier(d.claimants, scope)
        claim = self.expr(d.claim, inner)
        if not claim.fits(pool):
            self.error(d.claim.span, f"claims are in {claim} but the pool is in {pool}",
                       "a pool and its claims are in the same unit")
        return pool

    # ---- expressions ---------------------------------------------------

    def expr(self, e: n.Expr, scope: dict[str, str]) -> Type:
        t = self._expr(e, scope)
        self.types[id(e)] = t
        return t

    def _expr(self, e: n.Expr, scope: dict[str, str]) -> Type:
        if isinstance(e, n.Number):
            if e.unit is None:
                return quantity(RATIO)
            if e.unit == "business days":
                return self.business_days_unit(e)
            base = self.unit_base(e.unit, e.span)
            return quantity(base) if base else ERROR
        if isinstance(e, n.DateLit):
            return DATE
        if isinstance(e, n.BoolLit):
            return BOOL
        if isinstance(e, n.Pending):
            return PENDING
        if isinstance(e, n.AsOf):
            return DATE
        if isinstance(e, n.SeriesAt):
            return self.series_at(e, scope)
        if isinstance(e, n.Name):
            return self.name(e, scope)
        if isinstance(e, n.Index):
            return self.index(e, scope)
        if isinstance(e, n.Call):
            return self.call(e, scope)
        if isinstance(e, n.Aggregate):
            return self.aggregate(e, scope)
        if isinstance(e, n.Binary):
            return self.binary(e, scope)
        if isinstance(e, n.Not):
            self.expect_bool(e.operand, scope, "not")
            return BOOL
        if isinstance(e, n.Negate):
            t = self.expr(e.operand, scope)
            if t.lenient or t.is_quantity:
                return t
            return self.error(e.span, f"cannot negate {t}")
        if isinstance(e, n.IsKnown):
            self.expr(e.operand, scope)
            return BOOL
        if isinstance(e, n.If):
            self.expect_bool(e.condition, scope, "if")
            a, b = self.expr(e.then, scope), self.expr(e.otherwise, scope)
            both = join(a, b)
            if both is None:
                return self.error(e.span, f"the two branches give {a} and {b}", "both branches need the same unit")
            return both
        if isinstance(e, n.Round):
            t = self.expr(e.operand, scope)
            step = self.expr(e.step, scope)
            if not isinstance(e.step, n.Number) or e.step.value <= 0:
                return self.error(e.step.span, "round to a positive amount, e.g. 'to 1 share' or 'to RMB 0.01'")
            if not t.lenient and not t.is_quantity:
                return self.error(e.operand.span, f"cannot round {t}")
            if not t.fits(step):
                return self.error(e.step.span, f"cannot round {t} to a step in {step}",
                                  f"round to a step in {t}")
            return t
        raise AssertionError(e)

    def expect_bool(self, e: n.Expr, scope: dict[str, str], where: str) -> None:
        t = self.expr(e, scope)
        if not t.fits(BOOL):
            self.error(e.span, f"'{where}' needs a true/false condition, not {t}")

    def reference(self, name: str, span: n.Span, earlier: bool) -> Symbol | None:
        sym = self.symbols.get(name)
        if sym is not None and self.current is not None:
            self.edges.append(Edge(self.current, name, earlier, span))
        return sym

    def unknown(self, name: str, span: n.Span, scope: dict[str, str]) -> Type:
        names = [*self.symbols, *self.members, *scope, *self.period_sets]
        return self.error(span, f"unknown name '{name}'", _suggest(name, names))

    def name(self, e: n.Name, scope: dict[str, str]) -> Type:
        if e.name in scope:
            return DATE if scope[e.name] == DATE_VAR else period(scope[e.name])
        if (wrong := self.no_value(e.name, e.span)) is not None:
            return wrong
        if self.is_series(e.name):
            self.reference(e.name, e.span, False)
            return self.error(e.span, f"'{e.name}' is given by date", f"say which date: {e.name} on DATE")
        if e.name in self.members:
            return period(self.members[e.name])
        if e.name in self.period_sets:
            return Type("periodset", period_set=e.name)
        sym = self.reference(e.name, e.span, False)
        if sym is None:
            return self.unknown(e.name, e.span, scope)
        if sym.params:
            sets = ", ".join(sym.params)
            letters = ", ".join(v for v, s in scope.items() if s in sym.params) or "..."
            return self.error(e.span, f"'{e.name}' has a value for each {sets}",
                              f"say which: {e.name}[{letters}]")
        return self.symbol_type(e.name, e.span)

    def index(self, e: n.Index, scope: dict[str, str]) -> Type:
        earlier = any(self.is_earlier(i) for i in e.indexes)
        sym = self.reference(e.name, e.name_span, earlier)
        if sym is None:
            for i in e.indexes:
                self.expr(i, scope)
            return self.unknown(e.name, e.name_span, scope)
        if len(e.indexes) != len(sym.params):
            for i in e.indexes:
                self.expr(i, scope)
            if not sym.params:
                return self.error(e.span, f"'{e.name}' has one value, not one per period", f"write just {e.name}")
            return self.error(e.span, f"'{e.name}' takes {len(sym.params)} period(s) ({', '.join(sym.params)}), "
                                      f"not {len(e.indexes)}")
        for i, ps in zip(e.indexes, sym.params, strict=True):
            t = self.expr(i, scope)
            if not t.fits(period(ps)):
                self.error(i.span, f"'{e.name}' is indexed by {ps}, not by {t}")
        return self.symbol_type(e.name, e.name_span)

    def is_earlier(self, e: n.Expr) -> bool:
        """True if `e` is a period before the rule's own: a reference through it cannot loop."""
        if isinstance(e, n.Name):
            return e.name in self.earlier_vars
        return isinstance(e, n.Call) and e.function == "previous" and len(e.args) == 1 and self.not_later(e.args[0])

    def not_later(self, e: n.Expr) -> bool:
        return (isinstance(e, n.Name) and e.name in self.own_vars) or self.is_earlier(e)

    def call(self, e: n.Call, scope: dict[str, str]) -> Type:
        f, args = e.function, e.args
        if f in ("first", "last"):
            if len(args) != 1 or not isinstance(args[0], n.Name) or args[0].name not in self.period_sets:
                names = ", ".join(self.period_sets) or "year"
                return self.error(e.span, f"{f}(...) takes the name of a set of periods", f"e.g. {f}({names})")
            self.types[id(args[0])] = Type("periodset", period_set=args[0].name)
            return period(args[0].name)
        types = [self.expr(a, scope) for a in args]
        for a in args:
            if isinstance(a, n.Number) and a.grouped:
                self.error(a.span, "a number with commas in a list of arguments is ambiguous",
                           "put a space after a comma that separates arguments, and write one number "
                           "either without commas or in parentheses, e.g. (1,000,000)")
        if f not in FUNCTIONS:
            return self.error(e.span, f"unknown function '{f}'", _suggest(f, FUNCTIONS + AGGREGATES))
        if f in ("previous", "next", "start", "end"):
            if len(args) != 1 or not (types[0].lenient or types[0].kind == "period"):
                return self.error(e.span, f"{f}(...) takes one period, e.g. {f}(y)")
            if f in ("start", "end"):
                return DATE
            return types[0]
        if f == "whole_years":
            if len(args) != 2 or not all(t.fits(DATE) for t in types):
                return self.error(e.span, "whole_years(...) takes two dates: whole_years(from, to)")
            return quantity(RATIO)
        if f == "abs":
            if len(args) != 1 or not (types[0].lenient or types[0].is_quantity):
                return self.error(e.span, "abs(...) takes one amount")
            return types[0]
        if f == "clamp" and len(args) != 3:
            return self.error(e.span, "clamp takes three amounts: clamp(value, lowest, highest)")
        if f in ("min", "max") and len(args) < 2:
            return self.error(e.span, f"{f} takes two or more amounts, or {f}(... for each ...)")
        result: Type = PENDING
        for a, t in zip(args, types, strict=True):
            if not t.lenient and not (t.is_quantity or t.kind == "date"):
                return self.error(a.span, f"{f} compares amounts or dates, not {t}")
            both = join(result, t)
            if both is None:
                return self.error(a.span, f"{f} cannot compare {result} with {t}")
            result = both
        return result

    def quantifier(self, q: n.Quantifier, scope: dict[str, str]) -> dict[str, str]:
        if q.kind != "periods":
            return self.time_quantifier(q, scope)
        inner = dict(scope)
        if not self.period_set_ref(q.period_set, q.span):
            return inner
        self.local_name(q.var, q.span, scope)
        if q.bound is not None:
            t = self.expr(q.bound, scope)
            if not t.fits(period(q.period_set)):
                self.error(q.bound.span, f"'{q.relation}' needs a {q.period_set}, not {t}")
        inner[q.var] = q.period_set
        if q.bound is not None and (self.is_earlier(q.bound) if q.relation == "through" else
                                    q.relation == "before" and self.not_later(q.bound)):
            self.earlier_vars.add(q.var)
        elif q.relation == "through" and q.bound is not None and self.not_later(q.bound):
            self.own_vars.add(q.var)
        if q.where is not None:
            self.expect_bool(q.where, inner, "where")
        return inner

    def aggregate(self, e: n.Aggregate, scope: dict[str, str]) -> Type:
        saved = set(self.earlier_vars), set(self.own_vars)  # its variable lives only inside it
        try:
            return self._aggregate(e, scope)
        finally:
            self.earlier_vars, self.own_vars = saved

    def _aggregate(self, e: n.Aggregate, scope: dict[str, str]) -> Type:
        if e.function not in AGGREGATES:
            self.quantifier(e.over, scope)
            return self.error(e.span, f"'{e.function}' cannot take 'for each'", _suggest(e.function, AGGREGATES)
                              or f"use one of {', '.join(AGGREGATES)}")
        inner = self.quantifier(e.over, scope)
        t = self.expr(e.body, inner)
        if e.function == "count":
            self.expect_bool(e.body, inner, "count")
            return quantity(RATIO)
        if e.function in ("all", "any"):
            if not t.fits(BOOL):
                self.error(e.body.span, f"{e.function} needs a true/false condition, not {t}")
            return BOOL
        if not t.lenient and not (t.is_quantity or (t.kind == "date" and e.function != "sum")):
            return self.error(e.body.span, f"cannot {e.function} {t}")
        return t

    def binary(self, e: n.Binary, scope: dict[str, str]) -> Type:
        op = e.op
        if op in ("and", "or"):
            self.expect_bool(e.left, scope, op)
            self.expect_bool(e.right, scope, op)
            return BOOL
        a, b = self.expr(e.left, scope), self.expr(e.right, scope)
        if a.lenient or b.lenient:
            if op in ("+", "-") and (a.kind == "date" or b.kind == "date"):
                return DATE
            if op in ("=", "!=", "<", "<=", ">", ">="):
                return BOOL
            return a if op in ("+", "-") and not a.lenient else b if op in ("+", "-") else ERROR
        if op in ("=", "!=", "<", "<=", ">", ">="):
            comparable = a == b and (a.kind in ("quantity", "date", "period") or (a.kind == "bool" and op in "=!="))
            if not comparable:
                return self.error(e.span, f"cannot compare {a} with {b}")
            return BOOL
        if op in ("+", "-"):
            if a.is_quantity and a == b:
                return a
            if a == DATE and (b == quantity(DAYS) or calendar_of(b)):
                return DATE
            if op == "+" and (a == quantity(DAYS) or calendar_of(a)) and b == DATE:
                return DATE
            if op == "-" and a == DATE and b == DATE:
                return quantity(DAYS)
            if op == "+":
                return self.error(e.span, f"cannot add {b} to {a}", self.unit_hint(a, b))
            return self.error(e.span, f"cannot subtract {b} from {a}", self.unit_hint(a, b))
        if a.is_quantity and b.is_quantity:
            assert a.unit is not None and b.unit is not None
            return quantity(a.unit * b.unit if op == "*" else a.unit / b.unit)
        verb = "multiply" if op == "*" else "divide"
        return self.error(e.span, f"cannot {verb} {a} by {b}")

    @staticmethod
    def unit_hint(a: Type, b: Type) -> str | None:
        if a.is_quantity and b.is_quantity:
            return f"amounts added together are in one unit; divide by an amount in {b} to get a ratio first"
        return None

    # ---- whole program -------------------------------------------------

    def outputs(self) -> tuple[str, ...]:
        names: list[str] = []
        for f in self.files:
            for od in f.outputs:
                for name, span in zip(od.names, od.name_spans, strict=True):
                    sym = self.symbols.get(name)
                    if sym is None:
                        self.error(span, f"unknown output '{name}'", _suggest(name, self.symbols))
                    elif name in names:
                        self.error(span, f"'{name}' is listed twice in outputs")
                    elif self.is_series(name):
                        self.error(span, f"'{name}' is given by date; outputs have one value or one per period",
                                   "output a rule that reads it on a date, e.g. rule x = " + name + " on as_of")
                    elif len(sym.params) > 1:
                        self.error(span, f"'{name}' has a value for each pair of periods; outputs have one value "
                                         "or one per period")
                    else:
                        names.append(name)
        return tuple(names)

    def cycles(self) -> None:
        """Refuse a cycle of references unless it passes through an earlier period.

        Only references at the same period can loop forever, so the cycles
        looked for are those of the graph without the 'earlier' edges.
        Evaluation also guards against loops, as a second line of defence.
        """
        graph: dict[str, list[Edge]] = {}
        for edge in self.edges:
            if not edge.earlier:
                graph.setdefault(edge.source, []).append(edge)
        state: dict[str, str] = {}
        path: list[Edge] = []

        def visit(node: str) -> None:
            state[node] = "open"
            for edge in graph.get(node, []):
                if state.get(edge.target) == "open":
                    start = next((i for i, x in enumerate(path) if x.source == edge.target), len(path))
                    names = [x.source for x in path[start:]] + [edge.source, edge.target]
                    self.error(edge.span, f"'{edge.target}' depends on itself: {' -> '.join(names)}",
                               "a rule may refer back to itself only for an earlier period")
                elif edge.target not in state:
                    path.append(edge)
                    visit(edge.target)
                    path.pop()
            state[node] = "closed"

        for name in list(graph):
            if name not in state:
                visit(name)

    def first_pass(self) -> list[Diagnostic]:
        """Declarations collected and the type of every symbol worked out; the problems found so far."""
        self.done: set[str] = set()
        self.collect()
        self.check_periods()
        self.default = self.check_interpretations()
        found = list(self.errors)
        for name, sym in self.symbols.items():
            self.symbol_type(name, sym.decl.name_span)
        return found

    def run(self) -> Program:
        # Pass 1 works out the type of every symbol, following references;
        # pass 2 checks every formula again with all those types known.
        found = self.first_pass()
        self.errors, self.edges, self.types = found, [], {}
        for name, sym in self.symbols.items():
            self.current, self.earlier_vars, self.own_vars = name, set(), set()
            self.infer(sym)
            if isinstance(sym.decl, n.InputDecl) and sym.decl.in_order and not sym.decl.period_set:
                self.error(sym.decl.name_span, f"'{name}' has one value; 'reported in order' needs 'by PERIODS'")
        for obligation in self.obligations.values():
            self.current, self.earlier_vars, self.own_vars = None, set(), set()
            self.obligation(obligation)
        self.current = None
        outputs = self.outputs()
        self.cycles()
        if self.errors:
            raise CheckError(self.errors)
        return Program(self.files, self.currencies, self.period_sets, self.symbols, self.interpretations,
                       self.default, outputs, self.types, self.calendars, self.obligations)


def signatures(files: Iterable[n.RuleFile]) -> dict[str, tuple[Type, tuple[str, ...]]]:
    """What each name measures and is given for, as far as it can be told, even if the rules have errors."""
    checker = _Checker(tuple(files))
    with_deep_stack(checker.first_pass, lambda: CheckError(Diagnostic("the rules are too deep to check", "<rules>")))
    return {name: (sym.type, sym.params) for name, sym in checker.symbols.items()}


def check(files: Iterable[n.RuleFile]) -> Program:
    """Check parsed rule files together; raise CheckError listing every problem."""
    checked = tuple(files)
    return with_deep_stack(
        lambda: _Checker(checked).run(),
        lambda: CheckError(Diagnostic("the rules refer to one another through too many steps to check",
                                      checked[0].path if checked else "<rules>")),
    )

