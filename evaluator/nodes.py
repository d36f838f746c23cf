"""The typed syntax tree of a rule file.

Every node is a frozen dataclass (a `record`: see records.py) with a `span` (its place in the source); spans
do not take part in equality, so two parses of the same text compare equal
however they are laid out. Nothing after the parser sees a lark tree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from fractions import Fraction
from operator import attrgetter

from .records import field, record

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:
    from typing import Any, ClassVar, Literal, NoReturn

    Known = Literal["", "after the period", "when reported", "when it happens"]


@record
class Span:
    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    start: int = 0  # offsets in the file's text: text[start:end] is what the node was written as
    end: int = 0


NOWHERE = Span("<none>", 0, 0, 0, 0)


def _span() -> Span:
    return field(default=NOWHERE, compare=False, repr=False)


# ---- types as written ---------------------------------------------------


@record
class TypeRef:
    """`RMB`, `shares`, `USD per share`, `ratio`, `date`, `bool`."""

    kind: str  # "quantity" | "date" | "bool"
    numerator: str | None = None  # a currency name, "shares" or "days"; None for ratio
    denominator: str | None = None
    span: Span = _span()


# ---- expressions --------------------------------------------------------


@record
class Expr:
    span: Span = field(compare=False, repr=False)


@record
class Number(Expr):
    value: Fraction
    unit: str | None  # None: a pure number; "%" already applied; "shares"; "days"; a currency
    grouped: bool = field(default=False, compare=False)  # written with thousands separators
    calendar: str | None = None  # for business days: the calendar named (`in prc`), if any
    per: str | None = None  # `USD 12.00 per share`: the unit it is per (a currency name, "shares" or "days")


@record
class DateLit(Expr):
    value: date


@record
class BoolLit(Expr):
    value: bool


@record
class Pending(Expr):
    pass


@record
class AsOf(Expr):
    """`as_of`: the date the evaluation is made as of."""


@record
class SeriesAt(Expr):
    """`price on d`: a value given by date, as it stood on a date (the latest given on or before it)."""

    name: str
    at: Expr
    name_span: Span = _span()


@record
class Name(Expr):
    name: str


@record
class Index(Expr):
    name: str
    indexes: tuple[Expr, ...]
    name_span: Span = _span()


@record
class Call(Expr):
    function: str
    args: tuple[Expr, ...]


@record
class Quantifier:
    """`for each year x before y where ...`; `for each day d from A through B`; `for each date d in S`."""

    period_set: str  # the set of periods; "day" for calendar days; for "date", the series
    var: str
    relation: str | None  # "before" | "after" | "through" | "from"; for days: "from"
    bound: Expr | None  # for days: the first day
    where: Expr | None
    span: Span = _span()
    kind: str = "periods"  # periods | days | dates | entries (for entries: period_set is the ledger)
    last: Expr | None = None  # for days: the last day
    movement: str = ""  # for entries: the kind of movement run over ("": every kind)
    window: Number | Name | None = None  # `among the last N through B`: "through", at most N items (windows.py)


@record
class Field(Expr):
    """`e.count`: a part of the ledger entry a fold runs over (`for each transfer e in escrow`)."""

    var: str
    part: str
    part_span: Span = _span()


@record
class Aggregate(Expr):
    function: str  # sum | min | max | count | all | any
    body: Expr
    over: Quantifier
    otherwise: Expr | None = None  # `min(...) otherwise X`: X when no item is kept (none)


@record
class Binary(Expr):
    op: str  # + - * / = != < <= > >= and or
    left: Expr
    right: Expr


@record
class Not(Expr):
    operand: Expr


@record
class Negate(Expr):
    operand: Expr


@record
class IsKnown(Expr):
    operand: Expr
    known: bool  # False for `is pending`


@record
class If(Expr):
    condition: Expr
    then: Expr
    otherwise: Expr


@record
class Round(Expr):
    operand: Expr
    mode: str  # down up toward-zero away-from-zero half-up half-down half-even
    step: Number


# ---- declarations -------------------------------------------------------


@record
class About:
    citation: str | None
    meaning: str | None
    citation_span: Span = _span()
    label: str | None = None  # `label "Shares released"`: what reports call it (JSON keeps the name)


@record
class Decl:
    name: str
    about: About
    span: Span = _span()
    name_span: Span = _span()


@record
class CurrencyDecl(Decl):
    kind: ClassVar[Literal["currency"]] = "currency"
    minor_unit: int | None = None  # `minor unit 0`: the decimal places amounts are shown to (formatting.py)
    minor_unit_span: Span = _span()


@record
class UnitDecl(Decl):
    """`unit CVR plural CVRs`: a counted unit; amounts in it are written `20,000,000 CVRs` or `1 CVR`."""

    kind: ClassVar[Literal["unit"]] = "unit"
    plural: str = ""  # the word amounts are shown with (the declared word and an s unless written)


@record
class CalendarDecl(Decl):
    kind: ClassVar[Literal["calendar"]] = "calendar"
    source: str = ""
    source_span: Span = _span()


@record
class PeriodMember:
    name: str
    start: date | None  # None for a member of a dimension (`dimension tier ... T1, T2`): it has no dates
    end: date | None
    span: Span = _span()


@record
class PeriodsDecl(Decl):
    kind: ClassVar[Literal["periods"]] = "periods"
    members: tuple[PeriodMember, ...] = ()
    dimension: bool = False  # `dimension NAME ...`: members in order, without dates


@record
class ParamDecl(Decl):
    kind: ClassVar[Literal["parameter"]] = "parameter"
    value: Expr | None = None  # an expression of other parameters, worked out once (params.py)
    alternatives: tuple[Alternative, ...] = ()  # `under READING = ...`


@record
class TableEntry:
    period: str
    value: Expr
    span: Span = _span()
    citation: str | None = None  # set when an amendment replaced this value: the amendment's clause
    citation_span: Span = _span()
    stated: bool = True  # False: `not stated` (value is `pending`): the agreement fixes no value for it


@record
class TableDecl(Decl):
    kind: ClassVar[Literal["table"]] = "table"
    period_set: str = ""
    entries: tuple[TableEntry, ...] = ()
    period_set_span: Span = _span()


@record
class Movement:
    """A kind of entry in a ledger: `movement transfer removes for year`, `movement dividend pays USD`."""

    name: str
    effect: Literal["adds", "removes", "pays"]
    paid: TypeRef | None = None  # for `pays`: the unit of what is paid
    period_set: str | None = None  # entries name a period of this set (`for year`)
    span: Span = _span()


@record
class Ledger:
    """What an input that is a ledger records: its unit and the kinds of movement it has."""

    unit: TypeRef
    movements: tuple[Movement, ...]


@record
class InputDecl(Decl):
    kind: ClassVar[Literal["input"]] = "input"
    type: TypeRef | None = None
    period_set: str | None = None
    in_order: bool = False
    period_set_span: Span = _span()
    by_date: bool = False  # a series of values by date
    known: Known = ""  # when a value becomes known ("": whenever it is given; see knowledge.py)
    ledger: Ledger | None = None  # a ledger of dated movements (ledger.py), not a value
    trading_days: str | None = None  # by date, one value per trading day of this calendar (trading_days.py)
    trading_days_span: Span = _span()


@record
class PeriodVar:
    period_set: str
    var: str
    span: Span = _span()


@record
class Alternative:
    interpretation: str
    citation: str | None
    body: Expr
    span: Span = _span()
    citation_span: Span = _span()


@record
class RuleDecl(Decl):
    kind: ClassVar[Literal["rule"]] = "rule"
    params: tuple[PeriodVar, ...] = ()
    declared_type: TypeRef | None = None
    body: Expr | None = None
    alternatives: tuple[Alternative, ...] = ()
    invariant: bool = False  # `invariant NAME ... = <true/false>`: checked at every evaluation (invariants.py)


@record
class AllocationDecl(Decl):
    kind: ClassVar[Literal["allocation"]] = "allocation"
    params: tuple[PeriodVar, ...] = ()
    pool: Expr | None = None
    claim: Expr | None = None
    claimants: Quantifier | None = None
    latest_first: bool = False


@record
class ObligationDecl(Decl):
    """Something a party must do by a date: its due date, when done, suspensions, penalty."""

    kind: ClassVar[Literal["obligation"]] = "obligation"
    params: tuple[PeriodVar, ...] = ()
    due: Expr | None = None
    done: Expr | None = None
    suspended_from: Expr | None = None
    suspended_until: Expr | None = None
    penalty: Expr | None = None
    party: str | None = None
    applies: Expr | None = None
    arises: Expr | None = None  # from when it can be performed (before that: not yet due)


@record
class InterpretationDecl(Decl):
    kind: ClassVar[Literal["interpretation"]] = "interpretation"
    default: bool = False


@record
class EntryReplacement(Decl):
    """`replace target[Y2] = RMB 700 million`: one period's value of a parameter, in an amendment."""

    period: str = ""
    value: Expr | None = None
    period_span: Span = _span()
    stated: bool = True  # False: `replace target[Y4] = not stated`


@record
class OutputsDecl:
    names: tuple[str, ...]
    name_spans: tuple[Span, ...] = field(default=(), compare=False, repr=False)
    span: Span = _span()


@record
class Replacement:
    """`replace rule ...`: a definition put in place of the one of the same name, in an amendment."""

    decl: CurrencyDecl | PeriodsDecl | ParamDecl | TableDecl | InputDecl | RuleDecl | AllocationDecl
    span: Span = _span()

    @property
    def name(self) -> str:
        return self.decl.name


Declaration = (
    CurrencyDecl
    | UnitDecl
    | CalendarDecl
    | ObligationDecl
    | PeriodsDecl
    | ParamDecl
    | TableDecl
    | InputDecl
    | RuleDecl
    | AllocationDecl
    | InterpretationDecl
)
Amending = Replacement | EntryReplacement
Valued = ParamDecl | TableDecl | InputDecl | RuleDecl | AllocationDecl  # declarations that have values


@record
class RuleFile:
    path: str
    declarations: tuple[Declaration, ...]
    outputs: tuple[OutputsDecl, ...]
    amending: tuple[Amending, ...] = ()  # replacements: only amendments have them
    text: str = field(default="", compare=False, repr=False)

    def source(self, span: Span) -> str:
        """The text a node was written as."""
        return self.text[span.start:span.end]


ExprNode = (Number | DateLit | BoolLit | Pending | AsOf | SeriesAt | Name | Index | Call | Aggregate | Binary | Not
            | Negate | IsKnown | If | Round | Field)


def children(e: Expr) -> tuple[Expr, ...]:
    """The expressions directly inside `e`, in the order they are written (a fold's range before its body).
    (Looked up by the node's class: every checked formula's nodes are walked several times over.)"""
    return _CHILDREN[type(e)](e)


def _leaf(e: Expr) -> tuple[Expr, ...]:
    return ()


def _fold(e: Aggregate) -> tuple[Expr, ...]:
    q = e.over
    return tuple(x for x in (q.window, q.bound, q.last, q.where, e.body, e.otherwise) if x is not None)


_CHILDREN: dict[type, Callable[[Any], tuple[Expr, ...]]] = {  # every class of ExprNode (a test checks)
    Number: _leaf, DateLit: _leaf, BoolLit: _leaf, Pending: _leaf, AsOf: _leaf, Name: _leaf, Field: _leaf,
    SeriesAt: lambda e: (e.at,),
    Index: attrgetter("indexes"),
    Call: attrgetter("args"),
    Aggregate: _fold,
    Binary: attrgetter("left", "right"),
    Not: lambda e: (e.operand,), Negate: lambda e: (e.operand,), IsKnown: lambda e: (e.operand,),
    If: attrgetter("condition", "then", "otherwise"),
    Round: attrgetter("operand", "step"),
}


def walk(e: Expr) -> Iterator[Expr]:
    """`e` and every expression inside it, in the order written (without recursion)."""
    stack = [e]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))


def expressions(d: Declaration) -> tuple[Expr, ...]:
    """The formulas of a declaration, in the order written (a quantifier's parts as part of the formula)."""
    match d:
        case ParamDecl():
            return tuple(x for x in (d.value, *(alt.body for alt in d.alternatives)) if x is not None)
        case TableDecl():
            return tuple(entry.value for entry in d.entries)
        case RuleDecl():
            return tuple(x for x in (d.body, *(alt.body for alt in d.alternatives)) if x is not None)
        case AllocationDecl():
            q = d.claimants
            parts = (d.pool, *((q.window, q.bound, q.last, q.where) if q else ()), d.claim)
            return tuple(x for x in parts if x is not None)
        case ObligationDecl():
            parts = (d.arises, d.due, d.done, d.suspended_from, d.suspended_until, d.penalty, d.applies)
            return tuple(x for x in parts if x is not None)
        case CurrencyDecl() | UnitDecl() | CalendarDecl() | PeriodsDecl() | InputDecl() | InterpretationDecl():
            return ()
        case _:
            assert_never(d)


def referred(d: Declaration) -> Iterator[str]:
    """Every name a declaration's formulas refer to, in the order written (repeats included)."""
    for top in expressions(d):
        for e in walk(top):
            if isinstance(e, Name | Index | SeriesAt):
                yield e.name
            elif isinstance(e, Aggregate) and e.over.kind in ("dates", "entries"):
                yield e.over.period_set
    if isinstance(d, AllocationDecl) and d.claimants is not None and d.claimants.kind == "dates":
        yield d.claimants.period_set


def assert_never(value: NoReturn) -> NoReturn:
    """A match over the kinds of node that left one out: typing.assert_never, without importing typing (mypy
    checks each such match is whole, as it does typing's)."""
    raise AssertionError(f"Expected code to be unreachable, but got: {value!r}")
