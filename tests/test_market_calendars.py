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
