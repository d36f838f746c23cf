"""What is known on a date: the inputs an evaluation as of that date may use, and those it sets aside.

An input's declaration says when its values become known:

- `known after the period`: a value for a period only once the period has ended (a year's audited
  figures cannot be a fact before the year is over);
- `known when reported`: as above, and each value may carry the date it was reported, with later
  restatements (`{value: 700000000, reported: 2027-02-15}`, or a list of such, oldest first); as of a
  date, the latest value reported by then counts;
- `known when it happens`: a date that is an event (the day shares were transferred): known from that day.

The entries of a ledger (ledger.py) are events too: each is known from its date.

Evaluated as of a date (`--as-of`), a value not yet known then is set aside: it is pending, and the run
notes why, by its cell. Without an as-of date nothing is set aside: every figure given counts, and the
result is what the agreement entitles the parties to on those figures, not a statement of what has
happened by any date.
"""

from __future__ import annotations

from datetime import date, timedelta

from . import ledger
from . import nodes as n
from .program import Program

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:
    from typing import Any

    _Values = dict[str, Any]
else:
    _Values = dict  # typing's Any only for the type checker

Key = tuple[str, tuple[int, ...]]


class Given(_Values):
    """The values of an inputs document (name -> value, or a list per period), with the versions of values
    given with the date they were reported: `reported[(name, (i,))]` = ((date, value), ...), oldest first
    (the value in the mapping is the latest)."""

    def __init__(self, values: dict[str, Any], reported: dict[Key, tuple[tuple[date, Any], ...]]) -> None:
        super().__init__(values)
        self.reported = reported


def known_on(program: Program, values: dict[str, Any], as_of: date | None) -> tuple[dict[str, Any], dict[Key, str]]:
    """The values known on `as_of` (what is not known yet set to None, pending) and why each was set aside;
    without an as-of date, the values as they are."""
    if as_of is None:
        return values, {}
    reported: dict[Key, tuple[tuple[date, Any], ...]] = getattr(values, "reported", {})
    out = dict(values)
    notes: dict[Key, str] = {}
    for name, sym in program.symbols.items():
        decl = sym.decl
        if isinstance(decl, n.InputDecl) and decl.ledger is not None and values.get(name):
            out[name], why = ledger.known_on(name, values[name], as_of)
            if why:
                notes[(name, ())] = why
            continue
        if not isinstance(decl, n.InputDecl) or not decl.known or name not in values:
            continue
        if decl.period_set:
            members = program.period_sets[decl.period_set].members
            row = list(values[name])
            for i, value in enumerate(row):
                key: Key = (name, (i,))
                label = f"{name}[{members[i].name}]"
                known, why = _known(decl.known, value, reported.get(key), label, as_of, members[i])
                if why:
                    notes[key] = why
                row[i] = known
            out[name] = row
        else:
            key = (name, ())
            known, why = _known(decl.known, values[name], reported.get(key), name, as_of, None)
            if why:
                notes[key] = why
            out[name] = known
    return out, notes


def not_over(how: n.Known, period: n.PeriodMember | None, as_of: date) -> bool:
    """Whether a value for `period` that carries no report date is set aside on `as_of`: it is known only after
    the period, and the period has not ended."""
    return how in ("after the period", "when reported") and period is not None and period.end is not None \
        and as_of <= period.end


def _known(how: n.Known, value: Any, versions: tuple[tuple[date, Any], ...] | None, label: str, as_of: date,
           period: n.PeriodMember | None) -> tuple[Any, str]:
    """A value as known on `as_of`, and why it is set aside ("" if it is not)."""
    if value is None:
        return None, ""
    if how == "when it happens":
        if value > as_of:
            return None, f"{label} is {value}, after the as-of date {as_of}: it has not happened by then"
        return value, ""
    if versions:
        known = [v for day, v in versions if day <= as_of]
        if not known:
            return None, f"{label} was reported on {versions[0][0]}, after the as-of date {as_of}"
        return known[-1], ""
    if period is not None and period.end is not None and not_over(how, period, as_of):
        return None, (f"{label} is not known before {period.end + timedelta(days=1)}: "
                      f"{period.name} ends on {period.end}")
    return value, ""
