"""The construct table: every built-in function, fold and operator of the language, declared once.

An entry carries the name, how many arguments it takes, its type rule (what
the checker infers and refuses), its scalar implementation (what `plan.py`
and `compiled.py` compile a use of it to), its column implementation (what
the batch engine, `batch.py`, runs over columns of scenarios: see
column_builtins.py), and a line of documentation. The checker, the
planner, the function reference (`reference()`, kept in docs/functions.md)
and the fuzzers' word lists all read this
table, so a built-in cannot be known to one of them and silently missing from
another.

An implementation is made for a use of the built-in (a `Site`: the node, the
types of its arguments, the program), and is then called at evaluation as
`impl(run, *values)` with values that are not pending: a use with a pending
argument is pending, except for `and` and `or` (`short_circuit`), which get
the left value, pending or not, and a function that evaluates the right only
if it is needed. A fold's implementation is called with the list of its
body's values (none of them pending).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from fractions import Fraction

from . import bands
from . import nodes as n
from .calendar_math import CONVENTIONS, add_months, month_rule, year_fraction
from .calendars import add_business_days, calendar
from .checker_time import calendar_of
from .records import record
from .units import BOOL, DATE, DAYS, ERROR, PENDING, RATIO, Type, join, period, quantity

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:
    from typing import Any, Literal, Protocol

    from .evaluate import Run
    from .program import PeriodSet, Program

    Kind = Literal["function", "fold", "binary", "unary"]
    Impl = Callable[..., Any]
    ColImpl = Callable[..., Any]  # (rows, *columns) -> column; a fold's (rows, kept, pending) -> column

    class Typer(Protocol):
        """What a type rule may ask of the checker."""

        period_sets: dict[str, PeriodSet]

        def error(self, span: n.Span, message: str, hint: str | None = None) -> Type: ...

        def note_type(self, e: n.Expr, t: Type) -> None: ...

        def source(self, span: n.Span) -> str: ...

    TypeRule = Callable[[Typer, n.Expr, Sequence[Type]], Type]


@record
class Site:
    """A use of a built-in, as the planner sees it: the node, its arguments' types, the checked program."""

    node: n.Expr
    types: tuple[Type, ...]
    program: Program

    def period_set(self, t: Type) -> PeriodSet:
        return self.program.period_sets[t.period_set or ""]


@record
class Builtin:
    name: str
    kind: Kind
    least: int  # arguments: at least this many ...
    most: int | None  # ... and at most this many (None: no limit)
    signature: str  # as the reference shows it
    doc: str  # one line
    type_rule: TypeRule
    scalar: Callable[[Site], Impl]
    column: Callable[[Site], ColImpl]  # the batch engine's: over columns.Col, made lazily (numpy)
    short_circuit: bool = False  # gets the first value, pending or not, and a function giving the second
    # a fold in Kleene's logic, as `and`/`or` (all, any): gets every kept value, pending ones too, and the
    # values of the items whose `where` is pending (a pending value decides nothing where another decides)
    kleene: bool = False
    raw_args: bool = False  # the type rule reads its arguments as written (first(year)): not typed first
    # a fold with nothing to give over nothing (min, max): where its items may be none, the rules say what
    # it gives then (`otherwise X`), or check refuses it (totality.py)
    partial: bool = False


# ---- helpers shared by the rules ------------------------------------------------------------------------


def _amounts_or_dates(what: str) -> TypeRule:
    """Arguments of one unit, all amounts or all dates: the result has that type (min, max, clamp)."""

    def rule(t: Typer, e: n.Expr, types: Sequence[Type]) -> Type:
        assert isinstance(e, n.Call)
        for a, ty in zip(e.args, types, strict=True):
            if not ty.lenient and not (ty.is_quantity or ty.kind == "date"):
                return t.error(a.span, f"{what} compares amounts or dates, not {ty}")
        # the unit they share: the first that is not a plain number (in max(0, USD 5) the 0 is the odd one)
        known = [ty for ty in types if not ty.lenient]
        expected = next((ty for ty in known if ty != quantity(RATIO)), known[0] if known else PENDING)
        result: Type = PENDING
        for a, ty in zip(e.args, types, strict=True):
            both = join(result, ty)
            if both is None or join(expected, ty) is None:
                written = _written_in(t, a, expected)
                hint = f"write {written}" if written else \
                    f"the arguments of {what} are in one unit, here {expected}" if expected.is_quantity else None
                return t.error(a.span, f"{what} cannot compare {expected} with {ty}", hint)
            result = both
        return result
    return rule


def _one_period(returns_date: bool) -> TypeRule:
    def rule(t: Typer, e: n.Expr, types: Sequence[Type]) -> Type:
        assert isinstance(e, n.Call)
        if not (types[0].lenient or types[0].kind == "period"):
            return t.error(e.span, f"{e.function}(...) takes one period, e.g. {e.function}(y)")
        dimension = t.period_sets.get(types[0].period_set or "")
        if returns_date and dimension is not None and dimension.decl.dimension:
            return t.error(e.span, f"a {dimension.name} has no dates: {e.function}(...) takes a period",
                           f"{dimension.name} is a dimension (its members are in order, without dates)")
        return DATE if returns_date else types[0]
    return rule


def _period_set_name(t: Typer, e: n.Expr, types: Sequence[Type]) -> Type:
    assert isinstance(e, n.Call)
    arg = e.args[0] if len(e.args) == 1 else None
    if not isinstance(arg, n.Name) or arg.name not in t.period_sets:
        names = ", ".join(t.period_sets) or "year"
        return t.error(e.span, f"{e.function}(...) takes the name of a set of periods", f"e.g. {e.function}({names})")
    t.note_type(arg, Type("periodset", period_set=arg.name))
    return period(arg.name)


def _same(f: Callable[..., Any]) -> Callable[[Site], Impl]:
    """An implementation that does not depend on where it is used."""
    return lambda site: f


def _vector(f: Callable[..., Any]) -> Callable[[Site], ColImpl]:
    """A column implementation that does not depend on where it is used: f(columns, rows, *columns), with
    the module columns.py, imported when a batch first needs it (numpy is not loaded for a single run)."""
    def make(site: Site) -> ColImpl:
        from . import columns
        return lambda rows, *values: f(columns, rows, *values)
    return make


def _columns(pick: Callable[[Any], Callable[[Site], ColImpl]]) -> Callable[[Site], ColImpl]:
    """A column implementation from column_builtins.py, `pick(module)`, imported when a batch first needs
    it."""
    def make(site: Site) -> ColImpl:
        from . import column_builtins
        return pick(column_builtins)(site)
    return make


# ---- functions ------------------------------------------------------------------------------------------


def _abs_rule(t: Typer, e: n.Expr, types: Sequence[Type]) -> Type:
    if not (types[0].lenient or types[0].is_quantity):
        return t.error(e.span, "abs(...) takes one amount")
    return types[0]


def _clamp(site: Site) -> Impl:
    def clamp(run: Run, x: Any, lo: Any, hi: Any) -> Any:
        if lo > hi:
            run.fail(site.node.span, "clamp's lowest value is above its highest for these inputs")
        return min(max(x, lo), hi)
    return clamp


def _neighbour(step: int) -> Callable[[Site], Impl]:
    def make(site: Site) -> Impl:
        assert isinstance(site.node, n.Call)
        ps, f = site.period_set(site.types[0]), site.node.function
        count = len(ps.members)

        def neighbour(run: Run, i: int) -> int:
            j = i + step
            if not 0 <= j < count:
                edge = "first" if step < 0 else "last"
                run.fail(site.node.span, f"{ps.members[i].name} is the {edge} {ps.name}: it has no {f} one",
                         f"test for it first, e.g. if y > first({ps.name}) then ... else ...")
            return j
        return neighbour
    return make


def _edge(last: bool) -> Callable[[Site], Impl]:
    def make(site: Site) -> Impl:
        assert isinstance(site.node, n.Call) and isinstance(site.node.args[0], n.Name)
        position = len(site.program.period_sets[site.node.args[0].name].members) - 1 if last else 0
        return lambda run, *_: position
    return make


def _bound(end: bool) -> Callable[[Site], Impl]:
    def make(site: Site) -> Impl:
        members = site.period_set(site.types[0]).members
        return (lambda run, i: members[i].end) if end else (lambda run, i: members[i].start)
    return make


def _whole_years_rule(t: Typer, e: n.Expr, types: Sequence[Type]) -> Type:
    if not all(ty.fits(DATE) for ty in types):
        return t.error(e.span, "whole_years(...) takes two dates: whole_years(from, to)")
    return quantity(RATIO)


def _whole_years(site: Site) -> Impl:
    def years(run: Run, a: date, b: date) -> Fraction:
        if a.month == 2 and a.day == 29:
            run.fail(site.node.span, f"the anniversary of {a} is ambiguous (28 February or 1 March?)",
                     "count from a day that recurs every year, or say which in the rules")
        return Fraction(b.year - a.year - ((b.month, b.day) < (a.month, a.day)))
    return years


# ---- folds ----------------------------------------------------------------------------------------------


def _fold_rule(kind: Literal["amount", "count", "truth", "extreme"]) -> TypeRule:
    def rule(t: Typer, e: n.Expr, types: Sequence[Type]) -> Type:
        assert isinstance(e, n.Aggregate)
        body = types[0]
        if kind == "count":
            if not body.fits(BOOL):
                t.error(e.body.span, f"'count' needs a true/false condition, not {body}")
            return quantity(RATIO)
        if kind == "truth":
            if not body.fits(BOOL):
                t.error(e.body.span, f"{e.function} needs a true/false condition, not {body}")
            return BOOL
        if not body.lenient and not (body.is_quantity or (body.kind == "date" and kind == "extreme")):
            return t.error(e.body.span, f"cannot {e.function} {body}")
        return body
    return rule


def _sum(site: Site) -> Impl:
    def total(run: Run, values: list[Any]) -> Any:
        out: Any = 0
        for v in values:
            out = out + v
            if type(out) is Fraction:  # denominators can grow with every term: watch them as they do
                run.sized(out, site.node)
        return run.sized(Fraction(out), site.node)
    return total


def _extreme(pick: Callable[[list[Any]], Any]) -> Callable[[Site], Impl]:
    def make(site: Site) -> Impl:
        assert isinstance(site.node, n.Aggregate)
        name = site.node.function

        def extreme(run: Run, values: list[Any]) -> Any:
            if not values:
                run.fail(site.node.span, f"{name} over no periods",
                         "add a 'where' that keeps at least one period, or test with count(...) first")
            return pick(values)
        return extreme
    return make


def _all(run: Run, values: list[Any], doubtful: list[Any]) -> Any:
    """Kleene's all, as `and` over the items: false if one kept is false; else pending if one kept is
    pending, or one whose `where` is pending is not true; else true (true over none)."""
    if any(v is False for v in values):
        return False
    if any(v is None for v in values) or any(d is not True for d in doubtful):
        return None
    return True


def _any(run: Run, values: list[Any], doubtful: list[Any]) -> Any:
    """Kleene's any, as `or` over the items: true if one kept is true; else pending if one kept is pending,
    or one whose `where` is pending is not false; else false (false over none)."""
    if any(v is True for v in values):
        return True
    if any(v is None for v in values) or any(d is not False for d in doubtful):
        return None
    return False


# ---- operators ------------------------------------------------------------------------------------------


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}


def _logic_rule(t: Typer, e: n.Expr, types: Sequence[Type]) -> Type:
    assert isinstance(e, n.Binary | n.Not)
    operands = (e.left, e.right) if isinstance(e, n.Binary) else (e.operand,)
    word = e.op if isinstance(e, n.Binary) else "not"
    for operand, ty in zip(operands, types, strict=True):
        if not ty.fits(BOOL):
            t.error(operand.span, f"'{word}' needs a true/false condition, not {ty}")
    return BOOL


def _compare_rule(t: Typer, e: n.Expr, types: Sequence[Type]) -> Type:
    assert isinstance(e, n.Binary)
    a, b = types
    if a.lenient or b.lenient:
        return BOOL
    comparable = a == b and (a.kind in ("quantity", "date", "period") or (a.kind == "bool" and e.op in "=!="))
    if not comparable:
        return t.error(e.span, f"cannot compare {a} with {b}")
    return BOOL


def _written_in(t: Typer, e: n.Expr, unit: Type) -> str | None:
    """A plain number as written (8,750,000), as an amount in `unit` (USD 8,750,000); None if it is not one."""
    if not isinstance(e, n.Number) or e.unit is not None or unit.unit is None or len(unit.unit.dims) != 1:
        return None
    written = t.source(e.span).strip()
    base, exp = unit.unit.dims[0]
    if not written or not written[-1].isdigit() or exp != 1 or calendar_of(unit):
        return None  # 5% of something is not an amount; business days need their calendar
    return f"{written} {base}" if base in ("shares", "days") or unit.unit.counted else f"{base} {written}"


def _unit_error(t: Typer, e: n.Binary, a: Type, b: Type, message: str) -> Type:
    """Amounts of two units added: a plain number is shown written in the other's unit, at the number."""
    if not (a.is_quantity and b.is_quantity):
        return t.error(e.span, message)
    plain = e.right if b == quantity(RATIO) else e.left if a == quantity(RATIO) else None
    if plain is None and (a.unit and a.unit.counted or b.unit and b.unit.counted):
        counted = a if a.unit and a.unit.counted else b
        assert counted.unit is not None
        plural, singular = counted.unit.counted[0]
        return t.error(e.span, message, f"{plural} are counted, and never mix with money, shares or other counted "
                                        f"units: a price per {singular} times a number of {plural} is money")
    if plain is None:
        return t.error(e.span, message,
                       f"amounts added together are in one unit; divide by an amount in {b} to get a ratio first")
    other = a if plain is e.right else b
    written = _written_in(t, plain, other)
    if written is not None:
        return t.error(plain.span, message, f"write {written}")
    return t.error(e.span, message, f"a number without a unit: write it in {other}, or multiply it by an amount "
                                    f"in {other}")


def _additive_rule(t: Typer, e: n.Expr, types: Sequence[Type]) -> Type:
    assert isinstance(e, n.Binary)
    a, b = types
    op = e.op
    if a.lenient or b.lenient:
        if a.kind == "date" or b.kind == "date":
            return DATE
        return a if not a.lenient else b
    if a.is_quantity and a == b:
        return a
    if a == DATE and (b == quantity(DAYS) or calendar_of(b) or month_rule(b.unit) is not None):
        return DATE
    if op == "+" and (a == quantity(DAYS) or calendar_of(a) or month_rule(a.unit) is not None) and b == DATE:
        return DATE
    if op == "-" and a == DATE and b == DATE:
        return quantity(DAYS)
    if op == "+":
        return _unit_error(t, e, a, b, f"cannot add {b} to {a}")
    return _unit_error(t, e, a, b, f"cannot subtract {b} from {a}")


def _multiplicative_rule(t: Typer, e: n.Expr, types: Sequence[Type]) -> Type:
    assert isinstance(e, n.Binary)
    a, b = types
    if a.lenient or b.lenient:
        return ERROR  # one side pending or wrong already: the unit cannot be told (reported where it matters)
    if a.is_quantity and b.is_quantity:
        assert a.unit is not None and b.unit is not None
        return quantity(a.unit * b.unit if e.op == "*" else a.unit / b.unit)
    verb = "multiply" if e.op == "*" else "divide"
    return t.error(e.span, f"cannot {verb} {a} by {b}")


def _additive(site: Site) -> Impl:
    """+ and -: of amounts, or a date moved by (business) days, or the days between two dates."""
    assert isinstance(site.node, n.Binary)
    node = site.node
    left, right = site.types
    if "date" not in (left.kind, right.kind):
        if node.op == "+":
            return lambda run, a, b: run.sized(a + b, node)
        return lambda run, a, b: run.sized(a - b, node)
    left_date, right_date = left.kind == "date", right.kind == "date"
    keep_end = month_rule((right if left_date else left).unit)
    if keep_end is not None:
        return _add_months(node, left_date, keep_end)
    cal_name = calendar_of(right if left_date else left)
    cal = calendar(site.program.calendars[cal_name].source) if cal_name else None

    def shift(run: Run, d: date, v: Fraction, span: n.Span, sign: int) -> date:
        if v.denominator != 1:
            unit = "business days" if cal is not None else "days"
            run.fail(span, f"{v} {unit} is not a whole number of days",
                     "round the days first, e.g. round X up to 1 day")
        try:
            if cal is None:
                return d + timedelta(days=sign * int(v))
            return add_business_days(d, sign * int(v), cal)
        except OverflowError:
            run.fail(node.span, f"{d} and {v} days make a date out of range (before year 1 or after 9999)")

    if left_date and right_date:
        return lambda run, a, b: Fraction((a - b).days)
    if left_date:
        sign = 1 if node.op == "+" else -1
        return lambda run, a, b: shift(run, a, b, node.right.span, sign)
    return lambda run, a, b: shift(run, b, a, node.left.span, 1)


def _add_months(node: n.Binary, left_date: bool, keep_end: bool) -> Impl:
    """A date moved by calendar months (calendar_math.py): `closing + 24 months`, `end(y) - 1 year`."""
    span, sign = (node.right.span, 1 if node.op == "+" else -1) if left_date else (node.left.span, 1)

    def shift(run: Run, d: date, v: Fraction) -> date:
        if v.denominator != 1:
            run.fail(span, f"{v} months is not a whole number of months", "round the months first, "
                     "e.g. round X down to 1 month")
        try:
            return add_months(d, sign * int(v), keep_end)
        except OverflowError:
            run.fail(node.span, f"{d} and {v} months make a date out of range (before year 1 or after 9999)")
    if left_date:
        return lambda run, a, b: shift(run, a, b)
    return lambda run, a, b: shift(run, b, a)


def _year_fraction_rule(t: Typer, e: n.Expr, types: Sequence[Type]) -> Type:
    assert isinstance(e, n.Call)
    if not all(ty.fits(DATE) for ty in types):
        return t.error(e.span, f"{e.function}(...) takes two dates: {e.function}(from, to)")
    return quantity(RATIO)


def _year_fraction(convention: str) -> Callable[[Site], Impl]:
    return _same(lambda run, a, b: year_fraction(convention, a, b))


def _year_fraction_columns(convention: str) -> Callable[[Site], ColImpl]:
    def pick(m: Any) -> Callable[[Site], ColImpl]:
        made: Callable[[Site], ColImpl] = m.year_fraction(convention)
        return made
    return _columns(pick)


def _multiply(site: Site) -> Impl:
    node = site.node
    return lambda run, a, b: run.sized(a * b, node)


def _divide(site: Site) -> Impl:
    assert isinstance(site.node, n.Binary)
    node = site.node

    def div(run: Run, a: Any, b: Any) -> Any:
        if b == 0:
            run.fail(node.right.span, "division by zero", "the amount divided by is zero for these inputs")
        return run.sized(Fraction(a, b) if type(a) is int and type(b) is int else Fraction(a) / b, node)
    return div


def _compare(site: Site) -> Impl:
    assert isinstance(site.node, n.Binary)
    cmp = _COMPARE[site.node.op]
    return lambda run, a, b: cmp(a, b)


def _and(run: Run, a: Any, right: Callable[[], Any]) -> Any:
    """Kleene's and: false if either is false, pending if either is pending, else true. The right side is
    not evaluated when the left is false (`b != 0 and a / b > 1` never divides by zero)."""
    if a is False:
        return False
    b = right()
    return False if b is False else None if a is None or b is None else True


def _or(run: Run, a: Any, right: Callable[[], Any]) -> Any:
    """Kleene's or: true if either is true, pending if either is pending, else false; the right side is not
    evaluated when the left is true."""
    if a is True:
        return True
    b = right()
    return True if b is True else None if a is None or b is None else False


def _negate_rule(t: Typer, e: n.Expr, types: Sequence[Type]) -> Type:
    if types[0].lenient or types[0].is_quantity:
        return types[0]
    return t.error(e.span, f"cannot negate {types[0]}")


# ---- the table ------------------------------------------------------------------------------------------


def _entries() -> list[Builtin]:
    compare_doc = "comparison of two amounts, dates or periods of one kind (= and != also of true/false)"
    cb = _columns
    return [
        Builtin("abs", "function", 1, 1, "abs(x)", "the amount without its sign", _abs_rule,
                _same(lambda run, x: abs(x)), _vector(lambda c, rows, x: c.absolute(x))),
        Builtin("clamp", "function", 3, 3, "clamp(x, lowest, highest)",
                "x, but at least `lowest` and at most `highest` (an error if lowest > highest)",
                _amounts_or_dates("clamp"), _clamp, cb(lambda m: m.clamp)),
        Builtin("banded", "function", 4, None, bands.SIGNATURE, bands.DOC, bands.type_rule, bands.scalar,
                bands.column),
        Builtin("min", "function", 2, None, "min(a, b, ...)", "the least of two or more amounts or dates",
                _amounts_or_dates("min"), _same(lambda run, *values: min(values)),
                _vector(lambda c, rows, *values: c.extreme(list(values), False))),
        Builtin("max", "function", 2, None, "max(a, b, ...)", "the greatest of two or more amounts or dates",
                _amounts_or_dates("max"), _same(lambda run, *values: max(values)),
                _vector(lambda c, rows, *values: c.extreme(list(values), True))),
        Builtin("previous", "function", 1, 1, "previous(y)",
                "the period before y; where y may be the first, `check` asks what applies then (if y > first(year))",
                _one_period(False), _neighbour(-1), cb(lambda m: m.neighbour(-1))),
        Builtin("next", "function", 1, 1, "next(y)",
                "the period after y; where y may be the last, `check` asks what applies then (if y < last(year))",
                _one_period(False), _neighbour(1), cb(lambda m: m.neighbour(1))),
        Builtin("first", "function", 1, 1, "first(year)", "the first period of a set", _period_set_name,
                _edge(False), cb(lambda m: m.edge(False)), raw_args=True),
        Builtin("last", "function", 1, 1, "last(year)", "the last period of a set", _period_set_name,
                _edge(True), cb(lambda m: m.edge(True)), raw_args=True),
        Builtin("start", "function", 1, 1, "start(y)", "the first day of period y", _one_period(True),
                _bound(False), cb(lambda m: m.bound(False))),
        Builtin("end", "function", 1, 1, "end(y)", "the last day of period y", _one_period(True), _bound(True),
                cb(lambda m: m.bound(True))),
        Builtin("whole_years", "function", 2, 2, "whole_years(from, to)",
                "whole years from one date to another, counted by anniversaries (29 February refused)",
                _whole_years_rule, _whole_years, cb(lambda m: m.whole_years)),
        *(Builtin(f"year_fraction_{key}", "function", 2, 2, f"year_fraction_{key}(from, to)",
                  f"the fraction of a year from one date to another by {name} (negative if `to` is earlier)",
                  _year_fraction_rule, _year_fraction(key), _year_fraction_columns(key))
          for key, name in CONVENTIONS.items()),
        Builtin("sum", "fold", 1, 1, "sum(E for each ...)", "the total of E over the periods or days (0 if none)",
                _fold_rule("amount"), _sum, cb(lambda m: m.fold_sum)),
        Builtin("count", "fold", 1, 1, "count(C for each ...)", "how many periods or days C holds for",
                _fold_rule("count"), _same(lambda run, values: Fraction(sum(1 for v in values if v))),
                cb(lambda m: m.fold_count)),
        Builtin("min", "fold", 1, 1, "min(E for each ...) otherwise X",
                "the least E; X if there is none (`otherwise` is needed where there may be none)",
                _fold_rule("extreme"), _extreme(min), cb(lambda m: m.fold_extreme(False)), partial=True),
        Builtin("max", "fold", 1, 1, "max(E for each ...) otherwise X",
                "the greatest E; X if there is none (`otherwise` is needed where there may be none)",
                _fold_rule("extreme"), _extreme(max), cb(lambda m: m.fold_extreme(True)), partial=True),
        Builtin("all", "fold", 1, 1, "all(C for each ...)",
                "true if C holds for every one (true if none); pending as `and` is: false if one is false",
                _fold_rule("truth"), _same(_all), cb(lambda m: m.fold_truth(True)), kleene=True),
        Builtin("any", "fold", 1, 1, "any(C for each ...)",
                "true if C holds for at least one (false if none); pending as `or` is: true if one is true",
                _fold_rule("truth"), _same(_any), cb(lambda m: m.fold_truth(False)), kleene=True),
        Builtin("+", "binary", 2, 2, "a + b", "sum of two amounts in one unit; a date moved on by (business) days",
                _additive_rule, _additive, cb(lambda m: m.additive)),
        Builtin("-", "binary", 2, 2, "a - b",
                "difference of two amounts in one unit; a date moved back by days; days from one date to another",
                _additive_rule, _additive, cb(lambda m: m.additive)),
        Builtin("*", "binary", 2, 2, "a * b", "product of two amounts (units multiply: USD per share * shares)",
                _multiplicative_rule, _multiply, _vector(lambda c, rows, a, b: c.mul(a, b))),
        Builtin("/", "binary", 2, 2, "a / b", "quotient of two amounts (an error if b is zero)",
                _multiplicative_rule, _divide, _vector(lambda c, rows, a, b: c.div(a, b))),
        *(Builtin(op, "binary", 2, 2, f"a {op} b", compare_doc, _compare_rule, _compare,
                  _vector(lambda c, rows, a, b, op=op: c.compare(a, b, op)))
          for op in ("=", "!=", "<", "<=", ">", ">=")),
        Builtin("and", "binary", 2, 2, "a and b", "true if both are (pending if either is, unless one is false)",
                _logic_rule, _same(_and), _vector(lambda c, rows, a, b: c.kleene(a, b, "and")), short_circuit=True),
        Builtin("or", "binary", 2, 2, "a or b", "true if either is (pending if either is, unless one is true)",
                _logic_rule, _same(_or), _vector(lambda c, rows, a, b: c.kleene(a, b, "or")), short_circuit=True),
        Builtin("not", "unary", 1, 1, "not C", "true if C is false", _logic_rule,
                _same(lambda run, x: not x), _vector(lambda c, rows, x: c.logic_not(x))),
        Builtin("-", "unary", 1, 1, "-x", "the amount with its sign changed", _negate_rule,
                _same(lambda run, x: -x), _vector(lambda c, rows, x: c.neg(x))),
    ]


TABLE: dict[tuple[Kind, str], Builtin] = {(b.kind, b.name): b for b in _entries()}
FUNCTIONS = tuple(name for kind, name in TABLE if kind == "function")
FOLDS = tuple(name for kind, name in TABLE if kind == "fold")


def lookup(kind: Kind, name: str) -> Builtin | None:
    return TABLE.get((kind, name))


def reference() -> str:
    """The function reference, made from the table: one line per built-in (operators that share their line
    of documentation, the comparisons, share a line)."""
    titles = {"function": "Functions", "fold": "Folds (E for each year x ..., for each day d from A through B, "
              "for each date d in SERIES; a window: `among the last N through X` after the periods or the SERIES; "
              "optionally `where C`)", "binary": "Operators", "unary": "Operators"}
    sections: dict[str, list[tuple[list[str], str]]] = {}
    for b in TABLE.values():
        lines = sections.setdefault(titles[b.kind], [])
        if lines and lines[-1][1] == b.doc:
            lines[-1][0].append(b.signature)
        else:
            lines.append(([b.signature], b.doc))
    out: list[str] = []
    for title, lines in sections.items():
        out += ["", f"{title}:", ""] if out else [f"{title}:", ""]
        out += [f"- {', '.join(f'`{sig}`' for sig in signatures)}: {doc}" for signatures, doc in lines]
    return "\n".join(out) + "\n"
