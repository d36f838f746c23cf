"""Obligations as of a date: what is due when, what is late, and what it costs.

Each obligation of the rules, at each of its periods, gets a status as of the
date asked for:

- `not yet due`: it has not arisen yet (or its due date cannot be set yet);
- `due`: it has arisen and its due date is today or ahead;
- `overdue`: the due date has passed and it is not done (with days late);
- `suspended`: not done, and a dispute suspending it is open;
- `done on time` / `done late` (with days late); `done` where the due date cannot be known;
- `unknown`: its due date cannot be known yet (the reason is given).

Days during which a dispute suspended the obligation do not count as late.

Without an as-of date, the statuses are as of today where the agreement is: the
date in the contract's `timezone` (an IANA name) if it declares one, else in
UTC; never the machine's own time zone. The date used, and where it is today,
are printed with the schedule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import product
from typing import Any
from zoneinfo import ZoneInfo

from .calendars import CalendarGap
from .contract import Contract, Version, checked
from .evaluate import Run
from .plan import ObligationPlan
from .render_trace import amount
from .result import exact_decimal


@dataclass(frozen=True)
class Entry:
    obligation: str
    period: str | None
    clause: str | None
    meaning: str | None
    by: str | None
    arises: date | None
    due: date | None
    done: date | None
    suspended: tuple[date | None, date | None] | None
    status: str
    days_late: int | None
    penalty: Any
    penalty_unit: str | None
    note: str | None

    def to_dict(self) -> dict[str, Any]:
        def iso(d: date | None) -> str | None:
            return d.isoformat() if d else None

        return {
            "obligation": self.obligation, "period": self.period, "clause": self.clause, "meaning": self.meaning,
            "by": self.by, "arises": iso(self.arises), "due": iso(self.due), "done": iso(self.done),
            "suspended": None if self.suspended is None else {"from": iso(self.suspended[0]),
                                                              "until": iso(self.suspended[1])},
            "status": self.status, "days_late": self.days_late,
            "penalty": self.penalty, "penalty_unit": self.penalty_unit, "note": self.note,
        }


@dataclass(frozen=True)
class Schedule:
    contract: str
    title: str
    as_of: date
    interpretation: str | None
    amendments: list[dict[str, Any]]
    entries: list[Entry]
    today_in: str | None = None  # without an as-of date: the time zone whose today `as_of` is
    provenance: dict[str, Any] = field(default_factory=dict, compare=False)  # as a result's (provenance.py)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": "clausewise/schedule/3", "contract": self.contract, "as_of": self.as_of.isoformat(),
            "today_in": self.today_in, "interpretation": self.interpretation, "amendments": self.amendments,
            "obligations": [e.to_dict() for e in self.entries], "provenance": self.provenance,
        }


def _overlap(due: date, end: date, suspended: tuple[date | None, date | None] | None, as_of: date) -> int:
    """Days of delay, from the day after `due` through `end`, on which a suspension was open.

    A suspension is open from its first day until the day before it ends (one
    not ended yet is open through `as_of`).
    """
    if suspended is None or suspended[0] is None:
        return 0
    first = max(due + timedelta(days=1), suspended[0])
    last = min(end, suspended[1] - timedelta(days=1) if suspended[1] else as_of)
    return max((last - first).days + 1, 0)


def status(as_of: date, arises: date | None, due: date | None, done: date | None,
           suspended: tuple[date | None, date | None] | None) -> tuple[str, int | None]:
    """The status of one obligation as of a date, and its days late (None where not late)."""
    if done is not None and done <= as_of:
        if due is None:
            return "done", None  # when it was due cannot be told: neither on time nor late
        late = (done - due).days - _overlap(due, done, suspended, as_of)
        return ("done late", late) if late > 0 else ("done on time", None)
    if suspended is not None and suspended[0] is not None and suspended[0] <= as_of and (
            suspended[1] is None or as_of < suspended[1]):
        return "suspended", None
    if due is None or (arises is not None and as_of < arises):
        return "not yet due", None
    if as_of <= due:
        return "due", None
    late = (as_of - due).days - _overlap(due, as_of, suspended, as_of)
    return ("overdue", late) if late > 0 else ("due", None)


def _part(run: Run, fn: Any, env: dict[str, Any], notes: list[str]) -> Any:
    """One part of an obligation; None while pending or unknowable (the reasons go to `notes`)."""
    if fn is None:
        return None
    heard = run.listening()
    try:
        return fn(run, env)
    except CalendarGap as gap:
        notes.append(gap.reason)
        return None
    finally:
        notes.extend(heard)
        run.stop_listening()


def _date(run: Run, fn: Any, env: dict[str, Any], notes: list[str]) -> date | None:
    value = _part(run, fn, env, notes)
    return value if isinstance(value, date) else None


def _entries(version: Version, run: Run, ob: ObligationPlan, as_of: date) -> list[Entry]:
    program, decl = version.program, ob.decl
    sets = [program.period_sets[p.period_set] for p in decl.params]
    out = []
    for combo in product(*[range(len(ps.members)) for ps in sets]):
        env = dict(zip(ob.vars, combo, strict=True))
        label = ", ".join(ps.members[i].name for ps, i in zip(sets, combo, strict=True)) or None
        gaps: list[str] = []
        if ob.applies is not None and _part(run, ob.applies, env, gaps) is False:
            continue
        due_gaps: list[str] = []  # why the due date cannot be known: the status is then unknown
        due, done = _date(run, ob.due, env, due_gaps), _date(run, ob.done, env, gaps)
        gaps = due_gaps + gaps
        arises = _date(run, ob.arises, env, gaps)
        suspended = None
        if ob.suspended_from is not None:
            s_from = _date(run, ob.suspended_from, env, gaps)
            s_until = _date(run, ob.suspended_until, env, gaps)
            suspended = (s_from, s_until) if s_from is not None else None
        state, late = status(as_of, arises, due, done, suspended)
        # a note says why something shown cannot be known: not why an obligation that has not arisen may not
        # apply (a year's figures not known yet, before it ends)
        note = gaps[0] if gaps and (due_gaps or state != "not yet due") else None
        if due is None and due_gaps and state == "not yet due":
            state = "unknown"
        penalty, unit = None, None
        if decl.penalty is not None and late:  # a penalty accrues only on what is late
            unit = str(program.type_of(decl.penalty).unit)
            raw = _part(run, ob.penalty, env, gaps)
            penalty = exact_decimal(raw) if raw is not None else None
        out.append(Entry(decl.name, label, decl.about.citation, decl.about.meaning, decl.party, arises, due, done,
                         suspended, state, late, penalty, unit, note))
    return out


def _clock() -> datetime:
    return datetime.now(UTC)


def today(contract: Contract, now: Callable[[], datetime] | None = None) -> tuple[date, str]:
    """Today where the agreement is: the date in its time zone if it declares one, else in UTC; and that zone.

    `now` is the clock (an aware datetime; a naive one is taken as UTC), for tests to set.
    """
    zone = contract.timezone or "UTC"
    moment = (now or _clock)()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(zone)).date(), zone


def schedule(contract: Contract, inputs: Any = None, as_of: date | str | None = None,
             interpretation: str | None = None, now: Callable[[], datetime] | None = None) -> Schedule:
    """Every obligation of the contract, at each of its periods, with its status as of `as_of`.

    Without `as_of`: as of today in the agreement's time zone, or in UTC (see `today`).
    """
    day = checked(as_of, interpretation)
    today_in = None
    if day is None:
        day, today_in = today(contract, now)
    as_of = day
    version, run = contract.run(inputs, interpretation, as_of)
    reading = run.interpretation
    entries = [e for ob in version.plan.obligations.values() for e in _entries(version, run, ob, as_of)]
    entries.sort(key=lambda e: (e.due or date.max, e.obligation, e.period or ""))
    from . import provenance
    from .contract import inputs_file

    made = provenance.block(contract, version, inputs_file(inputs), reading, as_of)
    return Schedule(contract.name, contract.title, as_of, reading, [a.to_dict() for a in version.amendments],
                    entries, today_in, made)


def table(s: Schedule) -> str:
    header = ["due", "obligation", "period", "clause", "status", "days late", "penalty"]
    rows, notes = [], list(dict.fromkeys(e.note for e in s.entries if e.note))
    for e in s.entries:
        mark = "*" * (notes.index(e.note) + 1) if e.note else ""
        rows.append([e.due.isoformat() if e.due else "-", e.obligation, e.period or "", e.clause or "",
                     e.status + mark, "" if e.days_late is None else str(e.days_late),
                     _penalty_cell(e)])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    today = f" (today in {s.today_in})" if s.today_in else ""
    lines = [f"{s.title} - obligations as of {s.as_of.isoformat()}{today}", ""]
    for r in [header, ["-" * w for w in widths], *rows]:
        lines.append("  ".join(c.rjust(w) if i >= 5 else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths,
                                                                                              strict=True))).rstrip())
    lines += [""] * bool(notes) + [f"{'*' * (i + 1)} {note}" for i, note in enumerate(notes)]
    return "\n".join(lines) + "\n"


def _penalty_cell(e: Entry) -> str:
    if e.penalty is not None:
        return amount(e.penalty, e.penalty_unit or "")
    return "pending" if e.days_late and e.penalty_unit else ""


def ics(s: Schedule) -> str:
    """An iCalendar file with one all-day event per obligation on its due date."""
    import icalendar  # only this format needs it

    cal = icalendar.Calendar()
    cal.add("prodid", "-//clausewise//obligations schedule//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{s.title}: obligations")
    stamp = datetime(s.as_of.year, s.as_of.month, s.as_of.day, tzinfo=UTC)
    for e in s.entries:
        if e.due is None:
            continue
        event = icalendar.Event()
        event.add("uid", f"{s.contract}-{e.obligation}-{e.period or 'once'}@clausewise")
        event.add("dtstamp", stamp)
        event.add("dtstart", e.due)
        event.add("dtend", e.due + timedelta(days=1))
        what = e.meaning or e.obligation
        event.add("summary", f"{e.clause}: {what}" + (f" ({e.period})" if e.period else ""))
        details = [f"Clause: {e.clause}", f"Status as of {s.as_of.isoformat()}: {e.status}"]
        if e.by:
            details.append(f"By: {e.by}")
        if e.days_late:
            details.append(f"Days late: {e.days_late}")
        if e.penalty is not None:
            details.append(f"Penalty accrued: {amount(e.penalty, e.penalty_unit or '')}")
        event.add("description", "\n".join(details))
        event.add("categories", [e.clause or "obligation"])
        cal.add_component(event)
    text: str = cal.to_ical().decode("utf-8")
    return text
