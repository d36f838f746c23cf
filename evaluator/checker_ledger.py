"""Checks of ledgers: an input that records dated movements, and the folds that run over its entries.

`input escrow: ledger of shares` with `movement transfer removes for year` lines declares what entries
the inputs may give (ledger.py reads them); `sum(e.count for each transfer e in escrow where e.year = y)`
runs over the entries of one kind (`for each movement e in escrow`: every kind), and `e.date`, `e.count`
(or `e.amount` for money), `e.change` and `e.<periods>` are the parts of an entry.
"""

from __future__ import annotations

from . import nodes as n
from .errors import close_matches
from .units import DATE, ERROR, Type, period

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:
    from .program import PeriodSet, Symbol

ENTRY_VAR = "<entry>"  # a scope maps a variable that holds a ledger entry to ENTRY_VAR + "ledger:movement"
ANY_MOVEMENT = "movement"  # `for each movement e in L`: every kind of entry


def entry_of(scope_value: str) -> tuple[str, str] | None:
    """The ledger and the kind of movement ("" for every kind) of a scope's entry variable, or None."""
    if not scope_value.startswith(ENTRY_VAR):
        return None
    ledger, _, movement = scope_value[len(ENTRY_VAR):].partition(":")
    return ledger, movement


def quantity_part(unit: n.TypeRef, currencies: dict[str, n.CurrencyDecl]) -> str:
    """What the quantity of an entry in `unit` is called: `amount` for money, `count` for what is counted."""
    return "amount" if unit.numerator in currencies else "count"


class LedgerChecks:
    """Checks of ledgers; the methods they use are the checker's own."""

    symbols: dict[str, Symbol]
    currencies: dict[str, n.CurrencyDecl]
    period_sets: dict[str, PeriodSet]

    if TYPE_CHECKING:
        def error(self, span: n.Span, message: str, hint: str | None = None) -> Type: ...
        def reference(self, name: str, span: n.Span, earlier: bool) -> Symbol | None: ...
        def type_ref(self, t: n.TypeRef) -> Type: ...
        def period_set_ref(self, name: str, span: n.Span) -> bool: ...
        def local_name(self, var: str, span: n.Span, scope: dict[str, str]) -> None: ...
        def expect_bool(self, e: n.Expr, scope: dict[str, str], where: str) -> None: ...

    def ledger_decl(self, d: n.InputDecl) -> Type:
        """A ledger's own declaration: its unit counts or is money, its movements are distinct and known."""
        assert d.ledger is not None
        t = self.type_ref(d.ledger.unit)
        if t.kind == "quantity" and t.unit is not None and d.ledger.unit.denominator is not None:
            self.error(d.ledger.unit.span, f"a ledger holds shares or money, not {t}",
                       "e.g. input escrow: ledger of shares")
        seen: set[str] = set()
        for m in d.ledger.movements:
            if m.name in seen:
                self.error(m.span, f"movement '{m.name}' is declared twice in '{d.name}'")
            if m.name in (ANY_MOVEMENT, "entry"):
                self.error(m.span, f"'{m.name}' cannot name a kind of movement",
                           f"'for each {ANY_MOVEMENT} e in {d.name}' runs over every kind: choose another name")
            seen.add(m.name)
            if m.paid is not None:
                self.type_ref(m.paid)
            if m.period_set is not None:
                self.period_set_ref(m.period_set, m.span)
        return t

    def ledger_of(self, name: str) -> n.Ledger | None:
        sym = self.symbols.get(name)
        return sym.decl.ledger if sym is not None and isinstance(sym.decl, n.InputDecl) else None

    def entry_quantifier(self, q: n.Quantifier, scope: dict[str, str]) -> dict[str, str]:
        inner = dict(scope)
        self.local_name(q.var, q.span, scope)
        ledger = self.ledger_of(q.period_set)
        if ledger is None:
            if q.period_set in self.symbols:
                self.error(q.span, f"'{q.period_set}' is not a ledger",
                           "'for each KIND e in L' runs over the entries of an input declared 'ledger of ...'")
            else:
                ledgers = [s for s in self.symbols if self.ledger_of(s) is not None]
                close = close_matches(q.period_set, ledgers, n=1)
                self.error(q.span, f"unknown ledger '{q.period_set}'",
                           f"did you mean '{close[0]}'?" if close else
                           f"ledgers: {', '.join(ledgers) or 'none (declare one: input NAME: ledger of shares)'}")
            inner[q.var] = ENTRY_VAR + ":"
            return inner
        self.reference(q.period_set, q.span, False)
        kinds = [m.name for m in ledger.movements]
        if q.movement and q.movement not in kinds:
            close = close_matches(q.movement, kinds, n=1)
            self.error(q.span, f"'{q.period_set}' has no movement '{q.movement}'",
                       f"did you mean '{close[0]}'?" if close else
                       f"its movements: {', '.join(kinds)}; or 'for each {ANY_MOVEMENT} {q.var} in {q.period_set}'")
            inner[q.var] = ENTRY_VAR + ":"  # its parts are not checked again
        else:
            inner[q.var] = f"{ENTRY_VAR}{q.period_set}:{q.movement}"
        if q.where is not None:
            self.expect_bool(q.where, inner, "where")
        return inner

    def entry_alone(self, e: n.Name) -> Type:
        return self.error(e.span, f"'{e.name}' is an entry of a ledger, not a value",
                          f"say which part: {e.name}.date, {e.name}.count, {e.name}.amount or {e.name}.change")

    def field(self, e: n.Field, scope: dict[str, str]) -> Type:
        found = entry_of(scope.get(e.var, ""))
        if found is None:
            what = "is not an entry of a ledger" if e.var in scope or e.var in self.symbols else "is not known here"
            return self.error(e.span, f"'{e.var}' {what}: only an entry has parts",
                              "e.g. sum(e.count for each transfer e in escrow)")
        ledger_name, movement = found
        ledger = self.ledger_of(ledger_name)
        if ledger is None:
            return ERROR
        movements = [m for m in ledger.movements if not movement or m.name == movement]
        if not movements:
            return ERROR
        part = e.part
        if part == "date":
            return DATE
        if part == "change":
            return self.type_ref(ledger.unit)
        units = {(m.paid or ledger.unit) for m in movements}
        if part in ("count", "amount") and len({(u.numerator, u.denominator) for u in units}) == 1:
            unit = next(iter(units))
            right = quantity_part(unit, self.currencies)
            if part != right:
                return self.error(e.part_span, f"a {movement or 'movement'} of {ledger_name} has an {right}"
                                  if right == "amount" else f"a {movement or 'movement'} of {ledger_name} has a "
                                  f"{right}", f"write {e.var}.{right}")
            return self.type_ref(unit)
        if part in ("count", "amount"):
            return self.error(e.part_span, f"the movements of {ledger_name} are in different units",
                              f"run over one kind (for each {movements[0].name} {e.var} in {ledger_name}), or "
                              f"use {e.var}.change: what the entry adds to or takes from the balance")
        sets = {m.period_set for m in movements}
        if part in self.period_sets:
            if sets == {part}:
                return period(part)
            return self.error(e.part_span, f"not every {movement or 'movement'} of {ledger_name} is for a {part}",
                              f"declare it: movement {movements[0].name} ... for {part}")
        named = sorted({"date", "change", quantity_part(ledger.unit, self.currencies)} | {s for s in sets if s})
        close = close_matches(part, named, n=1)
        return self.error(e.part_span, f"an entry has no part '{part}'",
                          f"did you mean '{close[0]}'?" if close else f"its parts: {', '.join(named)}")


__all__ = ["ANY_MOVEMENT", "ENTRY_VAR", "LedgerChecks", "entry_of", "quantity_part"]
