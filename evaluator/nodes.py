"""The typed syntax tree of a rule file.

Every node is a frozen dataclass with a `span` (its place in the source); spans
do not take part in equality, so two parses of the same text compare equal
however they are laid out. Nothing after the parser sees a lark tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class TypeRef:
    """`RMB`, `shares`, `USD per share`, `ratio`, `date`, `bool`."""

    kind: str  # "quantity" | "date" | "bool"
    numerator: str | None = None  # a currency name, "shares" or "days"; None for ratio
    denominator: str | None = None
    span: Span = _span()


# ---- expressions --------------------------------------------------------


@dataclass(frozen=True)
class Expr:
    span: Span = field(compare=False, repr=False)


@dataclass(frozen=True)
class Number(Expr):
    value: Fraction
    unit: str | None  # None: a pure number; "%" already applied; "shares"; "days"; a currency
    grouped: bool = field(default=False, compare=False)  # written with thousands separators
    calendar: str | None = None  # for business days: the calendar named (`in prc`), if any


@dataclass(frozen=True)
class DateLit(Expr):
    value: date


@dataclass(frozen=True)
class BoolLit(Expr):
    value: bool


@dataclass(frozen=True)
class Pending(Expr):
    pass


@dataclass(frozen=True)
class AsOf(Expr):
    """`as_of`: the date the evaluation is made as of."""


@dataclass(frozen=True)
class SeriesAt(Expr):
    """`price on d`: a value given by date, as it stood on a date (the latest given on or before it)."""

    name: str
    at: Expr
    name_span: Span = _span()


@dataclass(frozen=True)
class Name(Expr):
    name: str


@dataclass(frozen=True)
class Index(Expr):
    name: str
    indexes: tuple[Expr, ...]
    name_span: Span = _span()


@dataclass(frozen=True)
class Call(Expr):
    function: str
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Quantifier:
    """`for each year x before y where ...`; `for each day d from A through B`; `for each date d in S`."""

    period_set: str  # the set of periods; "day" for calendar days; for "date", the series
    var: str
    relation: str | None  # "before" | "after" | "through" | "from"; for days: "from"
    bound: Expr | None  # for days: the first day
    where: Expr | None
    span: Span = _span()
    kind: str = "periods"  # periods | days | dates
    last: Expr | None = None  # for days: the last day


@dataclass(frozen=True)
class Aggregate(Expr):
    function: str  # sum | min | max | count | all | any
    body: Expr
    over: Quantifier


@dataclass(frozen=True)
class Binary(Expr):
    op: str  # + - * / = != < <= > >= and or
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Not(Expr):
    operand: Expr


@dataclass(frozen=True)
class Negate(Expr):
    operand: Expr


@dataclass(frozen=True)
class IsKnown(Expr):
    operand: Expr
    known: bool  # False for `is pending`


@dataclass(frozen=True)
class If(Expr):
    condition: Expr
    then: Expr
    otherwise: Expr


@dataclass(frozen=True)
class Round(Expr):
    operand: Expr
    mode: str  # down up toward-zero away-from-zero half-up half-down half-even
    step: Number


# ---- declarations -------------------------------------------------------


@dataclass(frozen=True)
class About:
    citation: str | None
    meaning: str | None
    citation_span: Span = _span()


@dataclass(frozen=True)
class Decl:
    name: str
    about: About
    span: Span = _span()
    name_span: Span = _span()


@dataclass(frozen=True)
class CurrencyDecl(Decl):
    pass


@dataclass(frozen=True)
class CalendarDecl(Decl):
    source: str = ""
    source_span: Span = _span()


@dataclass(frozen=True)
class PeriodMember:
    name: str
    start: date
    end: date
    span: Span = _span()


@dataclass(frozen=True)
class PeriodsDecl(Decl):
    members: tuple[PeriodMember, ...] = ()


@dataclass(frozen=True)
class ParamDecl(Decl):
    value: Expr | None = None


@dataclass(frozen=True)
class TableEntry:
    period: str
    value: Expr
    span: Span = _span()
    citation: str | None = None  # set when an amendment replaced this value: the amendment's clause
    citation_span: Span = _span()


@dataclass(frozen=True)
class TableDecl(Decl):
    period_set: str = ""
    entries: tuple[TableEntry, ...] = ()
    period_set_span: Span = _span()


@dataclass(frozen=True)
class InputDecl(Decl):
    type: TypeRef | None = None
    period_set: str | None = None
    in_order: bool = False
    period_set_span: Span = _span()
    by_date: bool = False  # a series of values by date


@dataclass(frozen=True)
class PeriodVar:
    period_set: str
    var: str
    span: Span = _span()


@dataclass(frozen=True)
class Alternative:
    interpretation: str
    citation: str | None
    body: Expr
    span: Span = _span()
    citation_span: Span = _span()


@dataclass(frozen=True)
class RuleDecl(Decl):
    params: tuple[PeriodVar, ...] = ()
    declared_type: TypeRef | None = None
    body: Expr | None = None
    alternatives: tuple[Alternative, ...] = ()


@dataclass(frozen=True)
class AllocationDecl(Decl):
    params: tuple[PeriodVar, ...] = ()
    pool: Expr | None = None
    claim: Expr | None = None
    claimants: Quantifier | None = None
    latest_first: bool = False


@dataclass(frozen=True)
class ObligationDecl(Decl):
    """Something a party must do by a date: its due date, when done, suspensions, penalty."""

    params: tuple[PeriodVar, ...] = ()
    due: Expr | None = None
    done: Expr | None = None
    suspended_from: Expr | None = None
    suspended_until: Expr | None = None
    penalty: Expr | None = None
    party: str | None = None
    applies: Expr | None = None
    arises: Expr | None = None  # from when it can be performed (before that: not yet due)


@dataclass(frozen=True)
class InterpretationDecl(Decl):
    default: bool = False


@dataclass(frozen=True)
class EntryReplacement(Decl):
    """`replace target[Y2] = RMB 700 million`: one period's value of a parameter, in an amendment."""

    period: str = ""
    value: Expr | None = None
    period_span: Span = _span()


@dataclass(frozen=True)
class OutputsDecl:
    names: tuple[str, ...]
    name_spans: tuple[Span, ...] = field(default=(), compare=False, repr=False)
    span: Span = _span()


@dataclass(frozen=True)
class Replacement:
    """`replace rule ...`: a definition put in place of the one of the same name, in an amendment."""

    decl: CurrencyDecl | PeriodsDecl | ParamDecl | TableDecl | InputDecl | RuleDecl | AllocationDecl
    span: Span = _span()

    @property
    def name(self) -> str:
        return self.decl.name


Declaration = (
    CurrencyDecl
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


@dataclass(frozen=True)
class RuleFile:
    path: str
    declarations: tuple[Declaration, ...]
    outputs: tuple[OutputsDecl, ...]
    amending: tuple[Amending, ...] = ()  # replacements: only amendments have them
    text: str = field(default="", compare=False, repr=False)

    def source(self, span: Span) -> str:
        """The text a node was written as."""
        return self.text[span.start:span.end]
