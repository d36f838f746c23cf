"""A checked program: what the checker hands to every later stage.

Every name is resolved to its declaration (`Symbol`), every expression has a
type (`Program.type_of`), and the periods of each set are known by name and
position (`PeriodSet`).
"""

from __future__ import annotations

from . import nodes as n
from .records import field, mutable_record, record
from .units import ERROR, Type

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:
    from typing import Any, Literal


@record
class PeriodSet:
    name: str
    members: tuple[n.PeriodMember, ...]
    decl: n.PeriodsDecl
    names: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _positions: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = tuple(m.name for m in self.members)
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "_positions", {name: i for i, name in reversed(list(enumerate(names)))})

    def position(self, name: str) -> int:
        return self._positions[name]

    def __contains__(self, name: str) -> bool:
        return name in self._positions


@mutable_record
class Symbol:
    kind: Literal["parameter", "table", "input", "rule", "allocation"]  # the declaration's kind
    decl: n.Valued
    params: tuple[str, ...]  # the period set of each index
    type: Type = ERROR


@mutable_record
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
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)  # worked out once, by users

    def type_of(self, expr: n.Expr) -> Type:
        return self.types[id(expr)]

    def period_set_of(self, member: str) -> PeriodSet | None:
        return next((ps for ps in self.period_sets.values() if member in ps), None)
