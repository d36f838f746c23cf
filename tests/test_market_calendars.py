"""Market calendars from exchange_calendars (calendar NAME source "exchange_calendars:CODE"): trading days.

Counting trading days as weekdays is silently wrong around a market holiday; these are the sessions of the
New York Stock Exchange (XNYS) as the maintained package gives them, read for fixed years (2000-2035), so
that no figure depends on the day it is computed.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import evaluator
from tests.helpers import contract_from

RULES = """calendar nyse cites "x" source "exchange_calendars:XNYS"
rule after_the_fourth cites "x" = 2026-07-02 + 1 business days
rule after_good_friday cites "x" = 2026-04-02 + 1 business days
rule ten_on cites "x" = 2026-06-26 + 10 business days
rule far cites "x" = 2040-01-02 + 1 business days
outputs after_the_fourth, after_good_friday, ten_on, far
"""


def test_trading_days_skip_the_markets_holidays(tmp_path: Path) -> None:
    result = contract_from(tmp_path, RULES).evaluate({})
    o = result.outputs
    # Friday 3 July 2026: Independence Day observed (the 4th is a Saturday): the next session is Monday the 6th.
    # (As weekdays, it would be Friday the 3rd.)
    assert o["after_the_fourth"] == date(2026, 7, 6)
    # Good Friday, 3 April 2026: closed; Thursday 2 April + 1 session = Monday 6 April.
    assert o["after_good_friday"] == date(2026, 4, 6)
    # From Friday 26 June: sessions 29, 30 June, 1, 2, 6, 7, 8, 9, 10, 13 July (3 July closed) -> 13 July.
    assert o["ten_on"] == date(2026, 7, 13)
    # Past the years read: not guessed, pending with the reason.
    assert o["far"] is None
    assert result.notes["far"].startswith("the XNYS trading calendar (exchange_calendars ")
    assert result.notes["far"].endswith("is read for 2000-2035: no data for 2040-01-03")


def test_an_unknown_market_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    with pytest.raises(evaluator.CheckError) as caught:
        contract_from(tmp_path, RULES.replace("XNYS", "XNYSE"))
    [d] = caught.value.diagnostics
    assert d.message == "exchange_calendars has no market 'XNYSE'"
    assert d.hint == "did you mean 'exchange_calendars:XNYS'?"
    assert (d.line, d.column) == (1, 32)  # the source's string


# ---- a series by trading day ---------------------------------------------------------------------------

SERIES = """currency USD cites "x"
calendar nyse cites "x" source "exchange_calendars:XNYS"
input vwap: USD per share by trading day in nyse cites "x"
rule days_at_12 cites "x"
  = count(vwap on d * 1 share >= USD 12.00 for each date d in vwap among the last 3 through 2026-07-07)
outputs days_at_12
"""
# NYSE sessions around Independence Day 2026: Thu 2 July, (Fri 3 July closed, observed holiday), Mon 6, Tue 7
SESSIONS = {"2026-07-01": "11.00", "2026-07-02": "12.50", "2026-07-06": "12.00", "2026-07-07": "11.90"}


def test_a_window_over_a_series_by_trading_day_counts_sessions(tmp_path: Path) -> None:
    contract = contract_from(tmp_path, SERIES)
    # the last 3 sessions through 7 July are 2, 6 and 7 July: 12.50 and 12.00 are at or above 12.00
    assert contract.evaluate({"vwap": SESSIONS}).outputs["days_at_12"] == 2


def test_a_value_on_a_market_holiday_is_refused_at_its_date(tmp_path: Path) -> None:
    contract = contract_from(tmp_path, SERIES)
    with pytest.raises(evaluator.InputError) as caught:
        contract.evaluate({"vwap": {**SESSIONS, "2026-07-03": "12.10"}})
    [d] = caught.value.diagnostics
    assert d.message == "2026-07-03 is not a trading day of nyse"
    assert d.path == "vwap.2026-07-03"


def test_a_session_missing_in_the_middle_is_refused(tmp_path: Path) -> None:
    contract = contract_from(tmp_path, SERIES)
    gappy = {k: v for k, v in SESSIONS.items() if k != "2026-07-06"}
    with pytest.raises(evaluator.InputError) as caught:
        contract.evaluate({"vwap": gappy})
    [d] = caught.value.diagnostics
    assert d.message == "vwap has no value for 2026-07-06, a trading day of nyse after 2026-07-02"
    # the batch: the same dates refused for all rows; a row with a hole fails alone
    with pytest.raises(evaluator.InputError, match="vwap has no value for 2026-07-06"):
        contract.evaluate_batch({"vwap": {day: [price] for day, price in gappy.items()}})
    batch = contract.evaluate_batch({"vwap": {day: [price, None if day == "2026-07-06" else price]
                                              for day, price in SESSIONS.items()}})
    assert batch.values("days_at_12")[0] == 2
    assert "vwap has no value for 2026-07-06, a trading day of nyse" in str(batch.errors[1])


def test_an_unknown_trading_calendar_is_refused(tmp_path: Path) -> None:
    with pytest.raises(evaluator.CheckError) as caught:
        contract_from(tmp_path, SERIES.replace("trading day in nyse", "trading day in nsye"))
    [d] = caught.value.diagnostics
    assert (d.message, d.hint) == ("unknown calendar 'nsye'", "did you mean 'nyse'?")


def test_a_series_by_trading_day_is_bounded_by_the_years_the_market_is_read_for(tmp_path: Path) -> None:
    from evaluator import cost

    rules = SERIES.replace(" among the last 3 through 2026-07-07", "")  # a count over the whole series
    by_day = cost.bound(contract_from(tmp_path, rules).program).total
    by_date = cost.bound(contract_from(tmp_path, rules.replace("by trading day in nyse", "by date")).program).total
    # 6 steps per entry, +1: at most 13,149 days from 2000-01-01 through 2035-12-31 (no other date is taken),
    # against 100,000 entries for any series by date
    assert (by_day, by_date) == (6 * 13_149 + 1, 6 * 100_000 + 1)
