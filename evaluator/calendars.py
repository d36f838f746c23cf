"""Working calendars for business days, from named, maintained data sources.

A rule file declares `calendar prc source "chinesecalendar"`; business days
are then counted on that calendar. Sources:

- "weekdays": Monday to Friday, no holidays.
- "chinesecalendar": the PRC working calendar as published by the State Council
  (official holidays and make-up working days), from the `chinesecalendar`
  package. It covers the years it has data for; a date outside them is not
  guessed: the value that needs it is unknown, and says why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

MAX_STEPS = 40_000  # about a century of days: business days further off are refused


class CalendarGap(Exception):
    """A date the calendar's source has no data for: the value cannot be known yet."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Calendar:
    source: str
    describe: str  # the source and its version, for explanations
    is_business_day: Callable[[date], bool]


def _weekdays() -> Calendar:
    return Calendar("weekdays", "Monday to Friday, no holidays", lambda d: d.weekday() < 5)


def _chinese() -> Calendar:
    import chinese_calendar  # imported only when a rule file asks for this calendar

    version = getattr(chinese_calendar, "__version__", "?")
    describe = f"PRC working calendar (chinesecalendar {version})"

    def is_business_day(d: date) -> bool:
        try:
            return bool(chinese_calendar.is_workday(d))
        except NotImplementedError:
            raise CalendarGap(f"the {describe} has no data for {d.year}") from None

    return Calendar("chinesecalendar", describe, is_business_day)


SOURCES: dict[str, Callable[[], Calendar]] = {"weekdays": _weekdays, "chinesecalendar": _chinese}


@cache
def calendar(source: str) -> Calendar:
    return SOURCES[source]()


def add_business_days(start: date, count: int, cal: Calendar) -> date:
    """The `count`-th business day after `start` (before it, if negative; `start` itself if 0)."""
    step = timedelta(days=1 if count >= 0 else -1)
    day, left = start, abs(count)
    for _ in range(MAX_STEPS):
        if left == 0:
            return day
        day += step
        if cal.is_business_day(day):
            left -= 1
    raise CalendarGap(f"{count} business days from {start} run past {MAX_STEPS} days")
