"""Static checks: the rule files of a contract -> a checked `Program`.

Before anything is evaluated every name is resolved (with a did-you-mean),
every expression gets a type and a unit, duplicates, missing citations and
cycles are refused. All problems of all files are collected and raised
together as one CheckError.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from . import builtins, cells, cost, neighbours, params, windows
from . import nodes as n
from .calendar_math import MONTH_WORDS
from .checker_ledger import ENTRY_VAR, LedgerChecks
from .checker_params import ParamChecks
from .checker_time import DATE_VAR, TimeChecks
from .errors import CheckError, Diagnostic, EvaluationError, close_matches
from .limits import DEFAULT, Limits
from .nodes import assert_never
from .program import PeriodSet, Program, Symbol
from .records import record
from .totality import Totality
from .units import BOOL, DATE, ERROR, PENDING, RATIO, Type, Unit, join, period, quantity


@record
class Edge:
    """`source` refers to `target`; `earlier` if through an earlier period."""

    source: str
    target: str
    earlier: bool
    span: n.Span


MAX_MINOR_UNIT = 6  # `minor unit N`: the most decimal places a currency is shown to
SUGGESTION_WORK = 100_000  # names compared for "did you mean" in one check; past it, no more suggestions


def _suggest(name: str, candidates: Iterable[str]) -> str | None:
    close = close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


class _Checker(TimeChecks, LedgerChecks, ParamChecks, Totality):
    def __init__(self, files: tuple[n.RuleFile, ...]) -> None:
        self.files = files
        self.errors: list[Diagnostic] = []
        self.currencies: dict[str, n.CurrencyDecl] = {}
        self.units: dict[str, n.UnitDecl] = {}  # counted units, by the declared word and by the plural
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
        self.suggestion_work = 0

    def error(self, span: n.Span, message: str, hint: str | None = None) -> Type:
        self.errors.append(Diagnostic.at(span, message, hint))
        return ERROR

    def source(self, span: n.Span) -> str:
        """The text a node was written as (for hints that show the fix)."""
        return next((f.source(span) for f in self.files if f.path == span.file), "")

    def suggest(self, name: str, candidates: Iterable[str]) -> str | None:
        """A "did you mean", while the work spent on them stays bounded (thousands of unknown names among
        thousands of names would otherwise compare every pair)."""
        pool = list(candidates)
        self.suggestion_work += len(pool)
        return _suggest(name, pool) if self.suggestion_work <= SUGGESTION_WORK else None

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
            match d:
                case n.CurrencyDecl():
                    self.currencies[d.name] = d
                    if d.minor_unit is not None and not 0 <= d.minor_unit <= MAX_MINOR_UNIT:
                        self.error(d.minor_unit_span, f"'{self.source(d.minor_unit_span)}' is not a minor unit",
                                   f"give the decimal places {d.name} amounts are shown to, a whole number from 0 "
                                   f"to {MAX_MINOR_UNIT}: minor unit 0 for whole units, minor unit 2 for cents")
                case n.UnitDecl():
                    self.unit_decl(d, claim)
                case n.CalendarDecl():
                    self.calendars[d.name] = d
                    self.check_calendar(d)
                case n.ObligationDecl():
                    self.obligations[d.name] = d
                case n.PeriodsDecl():
                    self.period_sets[d.name] = PeriodSet(d.name, d.members, d)
                    for m in d.members:
                        if claim(m.name, m.span):
                            self.members[m.name] = d.name
                case n.ParamDecl():
                    self.symbols[d.name] = Symbol(d.kind, d, ())
                case n.TableDecl():
                    self.symbols[d.name] = Symbol(d.kind, d, (d.period_set,))
                case n.InputDecl():
                    self.symbols[d.name] = Symbol(d.kind, d, (d.period_set,) if d.period_set else ())
                case n.RuleDecl():
                    self.symbols[d.name] = Symbol(d.kind, d, tuple(p.period_set for p in d.params))
                case n.AllocationDecl():
                    params = tuple(p.period_set for p in d.params)
                    claimants = (d.claimants.period_set,) if d.claimants else ()
                    self.symbols[d.name] = Symbol(d.kind, d, params + claimants)
                case _:
                    assert_never(d)

    def check_periods(self) -> None:
        for ps in self.period_sets.values():
            previous: n.PeriodMember | None = None
            for m in ps.members:
                if m.start is None or m.end is None:  # a dimension's member: no dates, in the order written
                    continue
                if m.end < m.start:
                    self.error(m.span, f"period {m.name} ends before it starts")
                elif previous is not None and previous.end is not None and m.start <= previous.end:
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
        self.error(span, f"unknown period set '{name}'", self.suggest(name, self.period_sets))
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

    def unit_decl(self, d: n.UnitDecl, claim: Callable[[str, n.Span], bool]) -> None:
        if d.name in ("share", "shares", "day", "days") or d.plural in ("shares", "days"):
            self.error(d.name_span, f"'{d.name}' is built in", "amounts of shares are written 5,000 shares")
        elif d.plural == d.name or claim(d.plural, d.name_span):
            self.units[d.name] = self.units[d.plural] = d

    def unit_base(self, word: str, span: n.Span) -> Unit | None:
        if word in ("shares", "days", *MONTH_WORDS):
            return Unit.of(word)
        if word in self.currencies:
            return Unit.of(word)
        if word in self.units:
            d = self.units[word]
            return Unit.counted_unit(d.plural, d.name)
        known = [*self.currencies, *self.units, "shares", "days"]
        self.error(span, f"unknown unit or currency '{word}'", _suggest(word, known)
                   or "declare a currency with: currency CODE cites \"...\", or a counted unit with: "
                      "unit NAME cites \"...\"")
        return None

    def counted_form(self, e: n.Number) -> Type | None:
        """An error for a literal whose unit is written on the wrong side: `5 USD` (money is `USD 5`) and
        `CVR 5` (a counted unit follows its number: `5 CVRs`); None if it is written as it should be."""
        counted = self.source(e.span)[:1].isdigit()
        if e.unit in self.currencies and counted and e.per is None:
            return self.error(e.span, f"'{e.unit}' is a currency: its amounts are written before the number",
                              f"write {e.unit} {self.source(e.span).split()[0]}")
        if e.unit in self.units and not counted:
            d, number = self.units[e.unit], self.source(e.span).split()[1:2]
            return self.error(e.span, f"'{e.unit}' is a counted unit, not a currency: its amounts are written "
                                      "after the number", f"write {number[0] if number else 'N'} {d.plural}")
        return None

    # ---- symbols -------------------------------------------------------

    def symbol_type(self, name: str, span: n.Span) -> Type:
        sym = self.symbols[name]
        if sym.type != ERROR or name in self.done:
            return sym.type
        if self.in_progress:
            # Symbols are typed in an order where what one refers to comes first (`typing_order`), so a
            # name not typed yet refers back to one being typed (through an earlier period, or a cycle
            # reported later): its type comes from the rest of that formula. Nothing here recurses.
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
        match d:
            case n.ParamDecl():
                return self.param(d)
            case n.TableDecl():
                return self.param_table(d)
            case n.InputDecl() if d.ledger is not None:
                return self.ledger_decl(d)
            case n.InputDecl():
                if d.period_set and self.period_set_ref(d.period_set, d.period_set_span) and d.known \
                        and self.period_sets[d.period_set].decl.dimension and d.known != "when it happens":
                    self.error(d.period_set_span, f"a {d.period_set} has no dates, so nothing is known after it",
                               f"{d.period_set} is a dimension: leave out ', known ...'")
                return self.type_ref(d.type) if d.type else ERROR
            case n.RuleDecl():
                return self.rule(d)
            case n.AllocationDecl():
                return self.allocation(d, sym)
            case _:
                assert_never(d)

    def table(self, d: n.TableDecl) -> Type:
        if not self.period_set_ref(d.period_set, d.period_set_span):
            return ERROR
        ps = self.period_sets[d.period_set]
        result: Type | None = None
        seen: set[str] = set()
        for e in d.entries:
            t = self.expr(e.value, {})
            if e.period not in ps:
                what = "a member" if ps.decl.dimension else "a period"
                self.error(e.span, f"{e.period} is not {what} of '{ps.name}'", self.suggest(e.period, ps.names))
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
        return self.alternatives(d, scope, result)

    def alternatives(self, d: n.RuleDecl | n.ParamDecl, scope: dict[str, str], result: Type) -> Type:
        """A definition's readings (`under READING = ...`): each known, once, and in the main one's unit."""
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
        assert isinstance(e, n.ExprNode)
        match e:
            case n.Number():
                if e.unit is None:
                    return quantity(RATIO)
                if e.unit == "business days":
                    return self.business_days_unit(e)
                misplaced = self.counted_form(e)
                if misplaced is not None:
                    return misplaced
                base = self.unit_base(e.unit, e.span)
                per = self.unit_base(e.per, e.span) if base and e.per else None
                if per is not None and base is not None:
                    return quantity(base / per)
                return quantity(base) if base and not e.per else ERROR
            case n.DateLit() | n.AsOf():
                return DATE
            case n.BoolLit():
                return BOOL
            case n.Pending():
                return PENDING
            case n.SeriesAt():
                return self.series_at(e, scope)
            case n.Name():
                return self.name(e, scope)
            case n.Index():
                return self.index(e, scope)
            case n.Call():
                return self.call(e, scope)
            case n.Aggregate():
                return self.aggregate(e, scope)
            case n.Binary() | n.Not() | n.Negate():
                return self.operator(e, scope)
            case n.IsKnown():
                self.expr(e.operand, scope)
                return BOOL
            case n.If():
                self.expect_bool(e.condition, scope, "if")
                a, b = self.expr(e.then, scope), self.expr(e.otherwise, scope)
                both = join(a, b)
                if both is None:
                    return self.error(e.span, f"the two branches give {a} and {b}", "both branches need the same unit")
                return both
            case n.Field():
                return self.field(e, scope)
            case n.Round():
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
            case _:
                assert_never(e)

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
        return self.error(span, f"unknown name '{name}'", self.suggest(name, names))

    def name(self, e: n.Name, scope: dict[str, str]) -> Type:
        if e.name in scope:
            if scope[e.name].startswith(ENTRY_VAR):
                return self.entry_alone(e)
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
            types = [self.expr(i, scope) for i in e.indexes]
            if self.is_series(e.name):
                return self.series_indexed(e, types)
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
        entry = builtins.lookup("function", e.function)
        if entry is not None and entry.raw_args:
            return self.arity(entry, e, len(e.args)) or entry.type_rule(self, e, ())
        types = [self.expr(a, scope) for a in e.args]
        for a in e.args:
            if isinstance(a, n.Number) and a.grouped:
                self.error(a.span, "a number with commas in a list of arguments is ambiguous",
                           "put a space after a comma that separates arguments, and write one number "
                           "either without commas or in parentheses, e.g. (1,000,000)")
        if entry is None:
            return self.error(e.span, f"unknown function '{e.function}'",
                              _suggest(e.function, builtins.FUNCTIONS + builtins.FOLDS))
        return self.arity(entry, e, len(e.args)) or entry.type_rule(self, e, types)

    def arity(self, entry: builtins.Builtin, e: n.Expr, given: int) -> Type | None:
        """An error if a built-in is given too few or too many arguments, else None."""
        if given >= entry.least and (entry.most is None or given <= entry.most):
            return None
        if entry.least == entry.most:
            count = {1: "one argument", 2: "two arguments", 3: "three arguments"}.get(entry.least, "arguments")
            return self.error(e.span, f"{entry.name} takes {count}: {entry.signature}")
        return self.error(e.span, f"{entry.name} takes {entry.least} or more arguments: {entry.signature}",
                          f"or {entry.name}(... for each ...)" if builtins.lookup("fold", entry.name) else None)

    def note_type(self, e: n.Expr, t: Type) -> None:
        self.types[id(e)] = t

    def quantifier(self, q: n.Quantifier, scope: dict[str, str]) -> dict[str, str]:
        if isinstance(q.window, n.Name):
            self.window_length(q.window, scope)
        if q.kind == "entries":
            return self.entry_quantifier(q, scope)
        if q.kind != "periods":
            return self.time_quantifier(q, scope)
        inner = dict(scope)
        if not self.period_set_ref(q.period_set, q.span):
            return inner
        self.local_name(q.var, q.span, scope)
        if q.bound is not None:
            t = self.expr(q.bound, scope)
            if not t.fits(period(q.period_set)):
                word = f"among the last {windows.text(q.window)} through" if q.window is not None else q.relation
                self.error(q.bound.span, f"'{word}' needs a {q.period_set}, not {t}")
        inner[q.var] = q.period_set
        if q.bound is not None and (self.is_earlier(q.bound) if q.relation == "through" else
                                    q.relation == "before" and self.not_later(q.bound)):
            self.earlier_vars.add(q.var)
        elif q.relation == "through" and q.bound is not None and self.not_later(q.bound):
            self.own_vars.add(q.var)
        if q.where is not None:
            self.expect_bool(q.where, inner, "where")
        return inner

    def window_length(self, window: n.Name, scope: dict[str, str]) -> None:
        """`among the last N through ...` with N a parameter: a number the rules fix (its value: windows.py)."""
        symbol = self.symbols.get(window.name)
        if symbol is None or symbol.kind != "parameter" or window.name in scope:
            what = "a period variable" if window.name in scope else \
                f"{'an' if symbol.kind[0] in 'aeiou' else 'a'} {symbol.kind}" if symbol else "not defined"
            self.error(window.span, f"a window's length is a whole number or a parameter; {window.name} is {what}",
                       f"write the number (among the last 30 through d), or declare parameter {window.name} = 30")
            return
        t = self.expr(window, scope)
        if not t.fits(quantity(RATIO)):
            self.error(window.span, f"a window's length is a number of periods or dates, not {t}",
                       f"give {window.name} a plain whole number, e.g. parameter {window.name} = 30")

    def aggregate(self, e: n.Aggregate, scope: dict[str, str]) -> Type:
        saved = set(self.earlier_vars), set(self.own_vars)  # its variable lives only inside it
        try:
            return self._aggregate(e, scope)
        finally:
            self.earlier_vars, self.own_vars = saved

    def _aggregate(self, e: n.Aggregate, scope: dict[str, str]) -> Type:
        entry = builtins.lookup("fold", e.function)
        if entry is None:
            self.quantifier(e.over, scope)
            return self.error(e.span, f"'{e.function}' cannot take 'for each'", _suggest(e.function, builtins.FOLDS)
                              or f"use one of {', '.join(builtins.FOLDS)}")
        inner = self.quantifier(e.over, scope)
        return self.when_empty(e, entry.type_rule(self, e, (self.expr(e.body, inner),)), scope)

    def operator(self, e: n.Binary | n.Not | n.Negate, scope: dict[str, str]) -> Type:
        if isinstance(e, n.Binary):
            entry = builtins.TABLE[("binary", e.op)]
            operands: tuple[n.Expr, ...] = (e.left, e.right)
        else:
            entry = builtins.TABLE[("unary", "not" if isinstance(e, n.Not) else "-")]
            operands = (e.operand,)
        return entry.type_rule(self, e, tuple(self.expr(x, scope) for x in operands))

    # ---- whole program -------------------------------------------------

    def invariants(self) -> None:
        """An invariant is a true/false formula with at most one set of periods, and never an output."""
        for name, sym in self.symbols.items():
            d = sym.decl
            if not (isinstance(d, n.RuleDecl) and d.invariant):
                continue
            if len(d.params) > 1:
                self.error(d.name_span, f"invariant '{name}' has a value for each pair of periods; an invariant "
                                        "is checked once, or once per period",
                           "check each pair inside it: all(... for each year k before y)")
            if sym.type.kind not in ("bool", "error", "pending"):
                self.error(d.body.span if d.body else d.name_span,
                           f"invariant '{name}' is {sym.type}, not true/false",
                           "an invariant states what must hold, e.g. released + cancelled = issued")

    def outputs(self) -> tuple[str, ...]:
        names: list[str] = []
        listed: set[str] = set()
        for f in self.files:
            for od in f.outputs:
                for name, span in zip(od.names, od.name_spans, strict=True):
                    sym = self.symbols.get(name)
                    if sym is None:
                        self.error(span, f"unknown output '{name}'", self.suggest(name, self.symbols))
                    elif name in listed:
                        self.error(span, f"'{name}' is listed twice in outputs")
                    elif isinstance(sym.decl, n.RuleDecl) and sym.decl.invariant:
                        self.error(span, f"'{name}' is an invariant: it is checked, and shown with the checks, "
                                         "not listed among the outputs", f"leave '{name}' out of outputs")
                    elif self.is_series(name):
                        self.error(span, f"'{name}' is given by date; outputs have one value or one per period",
                                   "output a rule that reads it on a date, e.g. rule x = " + name + " on as_of")
                    elif len(sym.params) > 1:
                        first, last = sym.params[0], sym.params[-1]
                        self.error(span, f"'{name}' has a value for each pair of periods; outputs have one value "
                                         "or one per period",
                                   f"output a total over one of them, e.g. rule {name}_total for each {last} x = "
                                   f"sum({name}[k, x] for each {first} k)")
                    else:
                        names.append(name)
                        listed.add(name)
        return tuple(names)

    def cycles(self) -> None:
        """Refuse a cycle of references unless it passes through an earlier period.

        Only references at the same period can loop forever, so the cycles
        looked for are those of the graph without the 'earlier' edges. (A loop
        through periods, a[y] = b[next(y)] with b[y] = a[previous(y)], is found
        period by period by `cells.check_cycles`.)
        """
        graph: dict[str, list[Edge]] = {}
        for edge in self.edges:
            if not edge.earlier:
                graph.setdefault(edge.source, []).append(edge)
        state: dict[str, str] = {}
        path: list[Edge] = []  # the edges followed from the root to the node on top of the stack
        for root in list(graph):
            if root in state:
                continue
            state[root] = "open"
            stack = [(root, iter(graph.get(root, [])))]
            while stack:
                node, pending = stack[-1]
                step = next(pending, None)
                if step is None:
                    state[node] = "closed"
                    stack.pop()
                    if path:
                        path.pop()
                    continue
                if state.get(step.target) == "open":
                    start = next((i for i, x in enumerate(path) if x.source == step.target), len(path))
                    names = [x.source for x in path[start:]] + [step.source, step.target]
                    self.error(step.span, f"'{step.target}' depends on itself: {' -> '.join(names)}",
                               "a rule may refer back to itself only for an earlier period")
                elif step.target not in state:
                    path.append(step)
                    state[step.target] = "open"
                    stack.append((step.target, iter(graph.get(step.target, []))))

    def typing_order(self) -> list[str]:
        """Every symbol, each after the symbols its formulas refer to (but for references back into a
        cycle): a depth-first post-order, as the references are written, found without recursion."""
        refs = {name: [r for r in dict.fromkeys(n.referred(sym.decl)) if r in self.symbols]
                for name, sym in self.symbols.items()}
        order: list[str] = []
        seen: set[str] = set()
        for root in self.symbols:
            if root in seen:
                continue
            seen.add(root)
            stack = [(root, iter(refs[root]))]
            while stack:
                node, pending = stack[-1]
                target = next(pending, None)
                if target is None:
                    order.append(node)
                    stack.pop()
                elif target not in seen:
                    seen.add(target)
                    stack.append((target, iter(refs[target])))
        return order

    def first_pass(self) -> list[Diagnostic]:
        """Declarations collected and the type of every symbol worked out; the problems found so far."""
        self.done: set[str] = set()
        self.collect()
        self.check_periods()
        self.default = self.check_interpretations()
        found = list(self.errors)
        for name in self.typing_order():
            self.symbol_type(name, self.symbols[name].decl.name_span)
        return found

    def input_known(self, decl: n.InputDecl, t: Type) -> None:
        """'reported in order' and 'known ...' where they mean something; a trading-day calendar known."""
        name = decl.name
        if decl.trading_days is not None and decl.trading_days not in self.calendars:
            self.error(decl.trading_days_span, f"unknown calendar '{decl.trading_days}'",
                       self.suggest(decl.trading_days, self.calendars) or
                       'declare it: calendar nyse cites "..." source "exchange_calendars:XNYS"')
        if decl.in_order and not decl.period_set:
            self.error(decl.name_span, f"'{name}' has one value; 'reported in order' needs 'by PERIODS'")
        if decl.known == "after the period" and not decl.period_set:
            self.error(decl.name_span, f"'{name}' has no periods; 'known after the period' needs 'by PERIODS'",
                       "or say 'known when reported', and give the date each value was reported")
        if decl.known == "when reported" and decl.by_date:
            self.error(decl.name_span, f"'{name}' is given by date already; 'known when reported' is for values "
                       "given once or per period")
        if decl.known == "when it happens" and t.kind != "date":
            self.error(decl.name_span, f"'{name}' is {t}, not a date; only a date can be 'known when it happens'",
                       "say 'known when reported' or 'known after the period'")

    def run(self) -> Program:
        # Pass 1 works out the type of every symbol, following references;
        # pass 2 checks every formula again with all those types known.
        found = self.first_pass()
        self.errors, self.edges, self.types = found, [], {}
        for name, sym in self.symbols.items():
            self.current, self.earlier_vars, self.own_vars = name, set(), set()
            self.infer(sym)
            if isinstance(sym.decl, n.InputDecl):
                self.input_known(sym.decl, sym.type)
        for obligation in self.obligations.values():
            self.current, self.earlier_vars, self.own_vars = None, set(), set()
            self.obligation(obligation)
        self.current = None
        self.invariants()
        outputs = self.outputs()
        self.cycles()
        if self.errors:
            raise CheckError(self.errors)
        return Program(self.files, self.currencies, self.period_sets, self.symbols, self.interpretations,
                       self.default, outputs, self.types, self.calendars, self.obligations)


def signatures(files: Iterable[n.RuleFile]) -> dict[str, tuple[Type, tuple[str, ...]]]:
    """What each name measures and is given for, as far as it can be told, even if the rules have errors."""
    checker = _Checker(tuple(files))
    checker.first_pass()
    return {name: (sym.type, sym.params) for name, sym in checker.symbols.items()}


def check(files: Iterable[n.RuleFile], limits: Limits = DEFAULT) -> Program:
    """Check parsed rule files together; raise CheckError listing every problem.

    Past names, types and same-period cycles: previous(y) and next(y) where y may have none
    (neighbours.py), the parameters' values (params.py) and windows' lengths taken from them
    (windows.py), the bound on the cost of an evaluation (cost.py), then loops that run through
    periods (cells.py).
    """
    program = _Checker(tuple(files)).run()
    problems = neighbours.check(program)
    if not problems:
        try:
            params.fixed(program, limits)  # the parameters' values, worked out once: a failure is the rules'
        except EvaluationError as error:
            raise CheckError(error.diagnostics) from None
        # a window's length taken from a parameter, before the bound on cost that it counts in
        problems = windows.check(program) or cost.check(program, limits) or cells.cycles(program)
    if problems:
        raise CheckError(problems)
    return program


__all__ = ["Edge", "PeriodSet", "Program", "Symbol", "check", "signatures"]
