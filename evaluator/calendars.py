"""Working calendars for business days, from named, maintained data sources.

A rule file declares `calendar prc source "chinesecalendar"`; business days
are then counted on that calendar. Sources:

- "weekdays": Monday to Friday, no holidays.
- "chinesecalendar": the PRC working calendar as published by the State Council
  (official holidays and make-up working days), from the `chinesecalendar`
  package. It covers the years it has data for; a date outside them is not
  guessed: the value that needs it is unknown, and says why.
- "exchange_calendars:CODE" (for example "exchange_calendars:XNYS" for the New
  York Stock Exchange): the trading days (sessions) of a market, from the
  maintained `exchange_calendars` package (`pip install 'clausewise[markets]'`),
  which works offline. Its sessions are read for FIRST_MARKET_DAY through
  LAST_MARKET_DAY, fixed dates, so that no figure depends on the day it is
  computed (the package's own default range moves with today); a date outside
  is unknown, and says why. Holidays ahead are the package's rules for them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import cache

from .errors import close_matches
from .records import record

MAX_STEPS = 40_000  # about a century of days: business days further off are refused


class CalendarGap(Exception):
    """A date the calendar's source has no data for: the value cannot be known yet."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@record
class Calendar:
    source: str
    describe: str  # the source and its version, for explanations
    is_business_day: Callable[[date], bool]


def _weekdays() -> Calendar:
    return Calendar("weekdays", "Monday to Friday, no holidays", lambda d: d.weekday() < 5)


def _chinese() -> Calendar:
    def is_business_day(d: date) -> bool:
        import chinese_calendar  # imported at the first day asked (a rule file may name it and count on no day)

        try:
            return bool(chinese_calendar.is_workday(d))
        except NotImplementedError:
            version = getattr(chinese_calendar, "__version__", "?")
            raise CalendarGap(f"the PRC working calendar (chinesecalendar {version}) has no data for {d.year}") \
                from None

    return Calendar("chinesecalendar", "PRC working calendar (chinesecalendar)", is_business_day)


MARKETS = "exchange_calendars:"  # a source naming a market's trading calendar: exchange_calendars:XNYS
FIRST_MARKET_DAY, LAST_MARKET_DAY = date(2000, 1, 1), date(2035, 12, 31)


def _market(code: str) -> Calendar:
    import exchange_calendars  # imported only when a rule file asks for a market's calendar (it loads pandas)

    sessions = exchange_calendars.get_calendar(code, start=FIRST_MARKET_DAY.isoformat(),
                                               end=LAST_MARKET_DAY.isoformat()).sessions
    days = frozenset(s.date() for s in sessions)
    describe = f"{code} trading calendar (exchange_calendars {exchange_calendars.__version__})"

    def is_business_day(d: date) -> bool:
        if not FIRST_MARKET_DAY <= d <= LAST_MARKET_DAY:
            raise CalendarGap(f"the {describe} is read for {FIRST_MARKET_DAY.year}-{LAST_MARKET_DAY.year}: "
                              f"no data for {d}")
        return d in days

    return Calendar(MARKETS + code, describe, is_business_day)


SOURCES: dict[str, Callable[[], Calendar]] = {"weekdays": _weekdays, "chinesecalendar": _chinese}


def source_problem(source: str) -> tuple[str, str] | None:
    """Why a calendar source cannot be used (a message and a hint), or None."""
    if source in SOURCES:
        return None
    if not source.startswith(MARKETS):
        return (f"unknown calendar source '{source}'",
                                   f"known sources: {', '.join(SOURCES)}, or {MARKETS}CODE for a market "
                                   "(e.g. exchange_calendars:XNYS)")
    try:
        import exchange_calendars
    except ImportError:
        return (f"the calendar source '{source}' needs the exchange_calendars package",
                "install it: pip install 'clausewise[markets]'")
    code = source.removeprefix(MARKETS)
    names = exchange_calendars.get_calendar_names()
    if code not in names:
        close = close_matches(code, names)
        return (f"exchange_calendars has no market '{code}'",
                f"did you mean '{MARKETS}{close[0]}'?" if close else "e.g. XNYS (New York), XLON (London)")
    return None


@cache
def calendar(source: str) -> Calendar:
    if source.startswith(MARKETS):
        return _market(source.removeprefix(MARKETS))
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
