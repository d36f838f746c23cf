"""Ledgers: what actually happened, as dated movements, beside what the agreement entitles the parties to.

An input declared `ledger of shares` (or of money) takes a list of entries, oldest first:

    escrow:
      - {date: 2025-12-10, movement: deposit, count: 15000000, party: A}
      - {date: 2027-01-25, movement: transfer, count: 250000, party: C, year: Y1}
      - {date: 2026-07-15, movement: dividend, amount: 750000, party: C}

Each movement the rules declare either `adds` to the balance, `removes` from it, or `pays` something that
is not held in the ledger (a dividend passed on); `for year` makes every entry of that kind name its
period. Entries are checked as they are read, each at its line: a real date, in order, a known movement,
a positive quantity (whole, for what is counted), a known party, and never more taken out than the ledger
holds on that day. Rules read entries with folds: `sum(e.count for each transfer e in escrow where
e.year = y)`; `e.change` is what an entry adds to the balance (negative for what it removes), so the
balance on a date is `sum(e.change for each movement e in escrow where e.date <= d)`.

Entries are known from their dates: as of a date, the later ones are set aside (knowledge.py).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date
from fractions import Fraction

from . import nodes as n
from .datafile import Data
from .errors import Diagnostic, close_matches
from .limits import MAX_ENTRIES
from .program import Program
from .records import record
from .result import exact_decimal, fraction_text, number_text


@record
class Entry:
    """One movement of a ledger, as given."""

    date: date
    movement: str
    quantity: Fraction  # the count or amount moved, always positive
    change: Fraction  # what it does to the balance: +quantity, -quantity, or 0 for what is paid
    party: str | None
    period: int | None  # the position of the period it is for, if its kind names one
    line: int = 0  # where it was given (0: not from a file)

    def label(self) -> str:
        """How an explanation names it: 'the transfer of 2027-01-25 (line 35)'."""
        return f"the {self.movement} of {self.date.isoformat()}" + (f" (line {self.line})" if self.line else "")

    def part(self, name: str) -> Any:
        """`e.date`, `e.count`/`e.amount`, `e.change`, or `e.<periods>` in a rule."""
        if name == "date":
            return self.date
        if name in ("count", "amount"):
            return self.quantity
        if name == "change":
            return self.change
        return self.period


_FIXED = ("date", "movement", "party", "note")
TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:
    from typing import Any

    Convert = Callable[[Data, str, Any, tuple[Any, ...], list[Diagnostic]], Any]


def schema(program: Program, decl: n.InputDecl) -> dict[str, Any]:
    """The JSON Schema of a ledger's entries (documentation: the entries are checked here, by `read`)."""
    assert decl.ledger is not None
    keys: dict[str, Any] = {"date": {"type": "string", "format": "date"},
                            "movement": {"enum": [m.name for m in decl.ledger.movements]},
                            "count": {"type": ["integer", "string"]}, "amount": {"type": ["integer", "string"]},
                            "party": {"type": "string"}, "note": {"type": "string"}}
    for m in decl.ledger.movements:
        if m.period_set:
            keys[m.period_set] = {"enum": list(program.period_sets[m.period_set].names)}
    return {"type": ["array", "null"], "items": {"type": "object", "properties": keys,
                                                  "required": ["date", "movement"], "additionalProperties": False}}


def read(program: Program, decl: n.InputDecl, data: Data, raw: Any, parties: Collection[str] | None,
         convert: Convert, problems: list[Diagnostic]) -> list[Entry] | None:
    """The entries of a ledger input, checked; None if it is not given (pending)."""
    if raw is None:
        return None
    name = decl.name
    if not isinstance(raw, list):
        problems.append(data.where((name,), f"{name} is a ledger: a list of movements, oldest first",
                                   f"e.g. {name}: [{{date: 2027-01-25, movement: ..., count: ..., party: ...}}]"))
        return None
    assert decl.ledger is not None
    if len(raw) > MAX_ENTRIES:
        problems.append(data.where((name,), f"{name} has {len(raw):,} movements: at most {MAX_ENTRIES:,} are read",
                                   "a ledger is the record of one account: split it, or keep the movements that "
                                   "matter to this agreement"))
        return None
    kinds = {m.name: m for m in decl.ledger.movements}
    unit = decl.ledger.unit.numerator or ""
    money = unit not in ("shares", "days") and unit != ""
    balance = Fraction(0)
    out: list[Entry] = []
    before = len(problems)
    for i, item in enumerate(raw):
        at = (name, i)
        if len(problems) - before >= 50:
            break
        entry = _entry(program, decl, data, item, at, kinds, parties, money, convert, problems)
        if entry is None:
            continue
        if out and entry.date < out[-1].date:
            problems.append(data.where((*at, "date"), f"this {entry.movement} is dated {entry.date}, before "
                                       f"the entry above it ({out[-1].date})",
                                       "list the movements in the order they happened, oldest first"))
            continue
        if entry.change < 0 and balance + entry.change < 0:
            problems.append(data.where(
                (*at, _quantity_key(money)), f"the {entry.movement} of {_shown(entry.quantity, unit)} on "
                f"{entry.date} is more than the {_shown(balance, unit)} {name} holds then",
                "a ledger cannot give out more than it holds: is a deposit missing, or is the count wrong?"))
            continue
        balance += entry.change
        out.append(entry)
    return out


def _entry(program: Program, decl: n.InputDecl, data: Data, item: Any, at: tuple[Any, ...],
           kinds: dict[str, n.Movement], parties: Collection[str] | None, money: bool, convert: Convert,
           problems: list[Diagnostic]) -> Entry | None:
    name = decl.name
    if not isinstance(item, dict):
        problems.append(data.where(at, f"an entry of {name} is a mapping, not {_what(item)}",
                                   "e.g. {date: 2027-01-25, movement: transfer, count: 3000000, party: C}"))
        return None
    movement = kinds.get(str(item.get("movement")))
    if movement is None:
        given = item.get("movement")
        close = close_matches(str(given), kinds)
        problems.append(data.where((*at, "movement") if given is not None else at,
                                   f"unknown movement '{given}' in {name}" if given is not None else
                                   f"an entry of {name} without its movement",
                                   f"did you mean '{close[0]}'?" if close else f"movements: {', '.join(kinds)}"))
        return None
    qkey = _quantity_key(money if movement.paid is None else movement.paid.numerator not in ("shares", "days"))
    allowed = {*_FIXED, qkey, *((movement.period_set,) if movement.period_set else ())}
    for key in item:
        if key in ("count", "amount") and key != qkey:
            problems.append(data.where((*at, key), f"a {movement.name} of {_unit_of(decl, movement)} gives its {qkey}, "
                                       f"not an {key}" if key == "amount" else f"a {movement.name} of "
                                       f"{_unit_of(decl, movement)} gives its {qkey}, not a {key}",
                                       f"write {qkey}: ...", key=True))
            return None
        if key not in allowed:
            close = close_matches(str(key), sorted(allowed))
            problems.append(data.where((*at, key), f"a {movement.name} has no '{key}'",
                                       f"did you mean '{close[0]}'?" if close else
                                       f"a {movement.name} gives: {', '.join(sorted(allowed))}", key=True))
            return None
    day = convert(data, "date", item.get("date"), (*at, "date"), problems)
    if item.get("date") is None:
        problems.append(data.where(at, f"this {movement.name} has no date", "add date: YYYY-MM-DD"))
    quantity = _quantity(data, movement, item, qkey, at, convert, problems)
    party_ok, party = _party(data, movement, item.get("party"), at, parties, problems)
    period = _period(program, data, movement, item, at, problems)
    if day is None or quantity is None or not party_ok or period is False:
        return None
    change = {"adds": quantity, "removes": -quantity, "pays": Fraction(0)}[movement.effect]
    line = data.places.get(at, (0, 0))[0]
    return Entry(day, movement.name, quantity, change, party, period if isinstance(period, int) else None, line)


def _quantity(data: Data, movement: n.Movement, item: dict[str, Any], key: str, at: tuple[Any, ...],
              convert: Convert, problems: list[Diagnostic]) -> Fraction | None:
    if key not in item:
        other = "amount" if key == "count" else "count"
        where = (*at, other) if other in item else at
        problems.append(data.where(where, f"this {movement.name} has no {key}",
                                   f"a {movement.name} gives its {key}" + (f", not an {other}" if other in item
                                                                          else "")))
        return None
    value = convert(data, "quantity", item[key], (*at, key), problems)
    if value is None:
        if item[key] is None:
            problems.append(data.where((*at, key), f"the {key} of a {movement.name} cannot be null"))
        return None
    if value <= 0:
        problems.append(data.where((*at, key), f"the {key} of a {movement.name} is {_number(value)}: a {key} is "
                                   "more than 0", "what a movement takes out is said by its kind (adds or removes), "
                                   "never by a sign"))
        return None
    if key == "count" and value.denominator != 1:
        problems.append(data.where((*at, key), f"a count of {_number(value)} is not whole",
                                   "shares are counted in whole numbers"))
        return None
    return Fraction(value)


def _party(data: Data, movement: n.Movement, party: Any, at: tuple[Any, ...], parties: Collection[str] | None,
           problems: list[Diagnostic]) -> tuple[bool, str | None]:
    """Whether the party is right (named where needed, and known), and the party named (None if none is)."""
    if party is None:
        if movement.effect == "adds":
            return True, None
        problems.append(data.where(at, f"this {movement.name} does not say to which party",
                                   "add party: with the party's id in the contract, e.g. party: C"))
        return False, None
    if parties is not None and str(party) not in parties:
        close = close_matches(str(party), parties)
        problems.append(data.where((*at, "party"), f"unknown party '{party}'",
                                   f"did you mean '{close[0]}'?" if close else
                                   f"the contract's parties: {', '.join(parties)}"))
        return False, None
    return True, str(party)


def _period(program: Program, data: Data, movement: n.Movement, item: dict[str, Any], at: tuple[Any, ...],
            problems: list[Diagnostic]) -> int | None | bool:
    """The position of the period an entry is for (None if its kind names none), or False after a problem."""
    if movement.period_set is None:
        return None
    ps = program.period_sets[movement.period_set]
    given = item.get(movement.period_set)
    if given is None:
        problems.append(data.where(at, f"this {movement.name} does not say for which {movement.period_set}",
                                   f"add {movement.period_set}: one of {', '.join(ps.names[:6])}"))
        return False
    if str(given) not in ps:
        close = close_matches(str(given), ps.names)
        problems.append(data.where((*at, movement.period_set), f"unknown {movement.period_set} '{given}'",
                                   f"did you mean '{close[0]}'?" if close else f"one of {', '.join(ps.names[:6])}"))
        return False
    return ps.position(str(given))


def _unit_of(decl: n.InputDecl, movement: n.Movement) -> str:
    """What a movement moves, as a message says it: 'shares', 'USD'."""
    assert decl.ledger is not None
    unit = movement.paid or decl.ledger.unit
    return " per ".join(w for w in (unit.numerator, unit.denominator) if w)


def _quantity_key(money: bool) -> str:
    return "amount" if money else "count"


def _shown(value: Fraction, unit: str) -> str:
    text = _number(value)
    return f"{text} {unit}" if unit in ("shares", "days") else f"{unit} {text}"


def _number(value: Fraction) -> str:
    """An amount read from a file, exactly (such an amount is a decimal: it always has a finite expansion)."""
    exact = exact_decimal(value)
    return number_text(exact, grouped=True) if exact is not None else fraction_text(value)


def _what(item: Any) -> str:
    return "a list" if isinstance(item, list) else f"'{item}'"


def known_on(name: str, entries: list[Entry], as_of: date) -> tuple[list[Entry], str]:
    """The entries known on `as_of` (those dated on or before it), and a note of those set aside ("" if none)."""
    kept = [e for e in entries if e.date <= as_of]
    later = len(entries) - len(kept)
    if not later:
        return entries, ""
    first = entries[len(kept)].date
    return kept, (f"{name}: {later} movement{'s' if later > 1 else ''} dated after the as-of date {as_of} "
                  f"(the first on {first}) {'are' if later > 1 else 'is'} set aside: not happened by then")
