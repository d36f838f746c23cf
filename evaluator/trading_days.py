"""Series by trading day: `input vwap: USD per share by trading day in nyse`.

Such a series has a value for each trading day (session) of the calendar named, and for no other day,
from its first date to its last: a window over it (`among the last 30 through d`) then counts trading
days, as the clause does ("20 of any 30 consecutive trading days"). A date that is not a trading day,
or a trading day missing between the first and the last, is refused where it is given: counting
calendar days or the dates someone happened to give would silently change who is paid.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from . import nodes as n
from .calendars import CalendarGap, calendar
from .program import Program

Problem = tuple[date, str, str]  # the date it is about, the message, the hint


def check(program: Program, decl: n.InputDecl, days: list[date]) -> list[Problem]:
    """What is wrong with the dates of a series declared by trading day (sorted; date.min: one value for
    every date, which is not checked)."""
    if decl.trading_days is None or not days or days[0] == date.min:
        return []
    cal_decl = program.calendars[decl.trading_days]
    cal = calendar(cal_decl.source)
    name, where = decl.name, decl.trading_days
    is_session = _guarded(cal.is_business_day)
    problems: list[Problem] = []
    for day in days:
        ok, gap = is_session(day)
        if gap:
            problems.append((day, gap, "give values for the dates the calendar has data for"))
        elif not ok:
            problems.append((day, f"{day} is not a trading day of {where}",
                             f"{name} is given by trading day: a value for each trading day of {where}, none "
                             "for other days"))
    if problems:
        return problems
    given = set(days)
    day = days[0]
    while day < days[-1]:
        day += timedelta(days=1)
        ok, gap = is_session(day)
        if ok and day not in given:
            after = max(d for d in days if d < day)
            problems.append((after, f"{name} has no value for {day}, a trading day of {where} after {after}",
                             "give a value for every trading day from the first date to the last"))
            break
    return problems


def _guarded(is_business_day: Callable[[date], bool]) -> Callable[[date], tuple[bool, str]]:
    def probe(day: date) -> tuple[bool, str]:
        try:
            return is_business_day(day), ""
        except CalendarGap as gap:
            return False, gap.reason
    return probe
