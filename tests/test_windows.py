"""Windows over periods and over a dated series (`among the last N through X`), calendar months and years
(`closing + 18 months`, `keeping month end`) and day counts (`year_fraction_30_360(a, b)` ...), with
figures worked out by hand. The agreement is tests/data/windows/; test_engines.py also runs it through
the three engines. Bad input: the corpus cases *-window-*, *-months-*, *-day-count-*.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

import evaluator
from evaluator.calendar_math import add_months, year_fraction
from tests.helpers import DATA, outputs

WINDOWS = DATA / "windows" / "windows.yaml"

# 8 trading days; at or above 12.00: 3 Mar, 5 Mar, 10 Mar, 11 Mar
VWAP = {"2025-03-03": "12.10", "2025-03-04": "11.90", "2025-03-05": "12.00", "2025-03-06": "11.00",
        "2025-03-07": "11.50", "2025-03-10": "12.50", "2025-03-11": "12.20", "2025-03-12": "11.00"}
INPUTS: dict[str, Any] = {"ebitda": {"Q1": "100", "Q2": "-20", "Q3": "50", "Q4": "-10", "Q5": "70"},
                          "vwap": VWAP, "closing": "2025-01-31"}


def test_the_hand_figures_of_the_windows_agreement() -> None:
    out = evaluator.load(WINDOWS).evaluate(INPUTS).outputs
    # the last four quarters: Q1 alone 100; 100 - 20; 100 - 20 + 50; 100 - 20 + 50 - 10; Q2..Q5 -20 + 50 - 10 + 70
    assert out["trailing_ebitda"] == {"Q1": 100, "Q2": 80, "Q3": 130, "Q4": 120, "Q5": 90}
    # the three quarters through Q4 (Q2, Q3, Q4) hold two losses
    assert out["losses_contained"] is False
    # the last 5 trading days through 11 Mar (5, 6, 7, 10, 11 Mar) hold 3 at or above 12.00; no earlier
    # window does (through 10 Mar: 4..10 Mar hold 2), although 3 of all the days up to 10 Mar are
    assert out["price_met"] is True
    assert out["price_met_on"] == date(2025, 3, 11)
    # 31 Jan 2025 + 18 months: 31 Jul 2026; + 1 year: 31 Jan 2026; 31 Mar - 1 month keeping month end: 28 Feb
    assert out["long_stop"] == date(2026, 7, 31)
    assert out["first_anniversary"] == date(2026, 1, 31)
    assert out["quarter_ends_on"] == date(2025, 2, 28)
    # 30/360 from 31 Jan 2025 to 31 Jul 2026: D1 31 -> 30, D2 31 -> 30: 360 + 30 x 6 = 540 days, 1.5 years:
    # 1,000,000 x 6% x 1.5 = 90,000
    assert out["interest_30_360"] == 90_000
    # 546 actual days (365 + Feb 28 + Mar 31 + Apr 30 + May 31 + Jun 30 + Jul 31):
    # 60,000 x 546 / 365 = 89,753.4246... -> 89,753.42; 60,000 x 546 / 360 = 91,000
    assert out["interest_actual_365"] == Fraction("89753.42")
    assert out["interest_actual_360"] == 91_000


def test_a_window_with_one_loss_in_every_three_quarters() -> None:
    inputs = {**INPUTS, "ebitda": {"Q1": "-5", "Q2": "20", "Q3": "30", "Q4": "-10", "Q5": "70"}}
    out = evaluator.load(WINDOWS).evaluate(inputs).outputs
    assert out["losses_contained"] is True  # Q1 and Q4 are three quarters apart: never two in a window
    assert out["trailing_ebitda"]["Q5"] == 110  # 20 + 30 - 10 + 70


def test_a_price_never_met_is_pending_and_a_pending_entry_in_a_window_is_pending() -> None:
    low = {d: "11" for d in VWAP}
    out = evaluator.load(WINDOWS).evaluate({**INPUTS, "vwap": low}).outputs
    assert (out["price_met"], out["price_met_on"]) == (False, None)
    out = evaluator.load(WINDOWS).evaluate({**INPUTS, "ebitda": {"Q1": "100"}}).outputs
    assert out["trailing_ebitda"]["Q1"] == 100
    assert out["trailing_ebitda"]["Q2"] is None  # Q2 not given yet


def test_the_window_of_a_series_is_its_entries_not_its_calendar_days(tmp_path: Path) -> None:
    # three entries, a week apart: the last 2 through 15 Jan are 8 and 15 Jan, whatever lies between
    rules = ('currency USD cites "T"\ninput px: USD by date cites "T"\n'
             'rule n cites "T" = sum(px on e for each date e in px among the last 2 through 2025-01-15)\n'
             'rule before_any cites "T" = sum(px on e for each date e in px among the last 2 through 2024-12-31)\n'
             'outputs n, before_any\n')
    out = outputs(tmp_path, rules, {"px": {"2025-01-01": "1", "2025-01-08": "2", "2025-01-15": "4"}})
    assert out == {"n": 6, "before_any": 0}


@pytest.mark.parametrize(("start", "months", "keep_end", "expected"), [
    (date(2025, 1, 31), 1, False, date(2025, 2, 28)),    # no 31 February: its last day
    (date(2024, 1, 31), 1, False, date(2024, 2, 29)),    # a leap year
    (date(2024, 2, 29), 12, False, date(2025, 2, 28)),   # a year from 29 February
    (date(2024, 2, 29), 48, False, date(2028, 2, 29)),
    (date(2025, 2, 28), 1, False, date(2025, 3, 28)),    # the same day of the month ...
    (date(2025, 2, 28), 1, True, date(2025, 3, 31)),     # ... or, keeping month end, the last day
    (date(2025, 3, 30), 1, True, date(2025, 4, 30)),     # not a month end: as without
    (date(2025, 3, 30), -1, True, date(2025, 2, 28)),
    (date(2025, 1, 15), -13, False, date(2023, 12, 15)),  # back over a year end
    (date(2025, 12, 31), 0, True, date(2025, 12, 31)),
])
def test_calendar_months(start: date, months: int, keep_end: bool, expected: date) -> None:
    assert add_months(start, months, keep_end) == expected


def test_calendar_months_out_of_range() -> None:
    with pytest.raises(OverflowError):
        add_months(date(9999, 12, 1), 1, False)
    with pytest.raises(OverflowError):
        add_months(date(1, 1, 31), -1, False)


# (convention, from, to, the days counted by hand for a 360- or 365-day year)
DAY_COUNTS = [
    ("actual_365", date(2024, 1, 1), date(2025, 1, 1), Fraction(366, 365)),   # 2024 has 366 days
    ("actual_360", date(2024, 1, 1), date(2025, 1, 1), Fraction(366, 360)),
    ("actual_360", date(2025, 3, 1), date(2025, 2, 1), Fraction(-28, 360)),   # backwards: negative
    # 30/360 (Bond Basis): D1 31 -> 30; D2 31 -> 30 only if D1 is then 30 (or 31)
    ("30_360", date(2025, 1, 31), date(2025, 3, 31), Fraction(60, 360)),
    ("30_360", date(2025, 2, 28), date(2025, 8, 31), Fraction(183, 360)),     # D1 28: D2 stays 31
    ("30_360", date(2025, 1, 30), date(2025, 2, 28), Fraction(28, 360)),      # 30 x 1 + (28 - 30)
    ("30e_360", date(2025, 2, 28), date(2025, 8, 31), Fraction(182, 360)),    # D2 31 -> 30 always
    ("30e_360", date(2025, 1, 31), date(2026, 7, 31), Fraction(540, 360)),
]


@pytest.mark.parametrize(("convention", "a", "b", "expected"), DAY_COUNTS)
def test_day_counts(convention: str, a: date, b: date, expected: Fraction) -> None:
    assert year_fraction(convention, a, b) == expected


def test_a_window_whose_length_is_a_parameter_follows_the_reading() -> None:
    contract = evaluator.load(WINDOWS)
    # under `two`, trailing_quarters is 2: Q1 alone 100; 100 - 20 = 80; -20 + 50 = 30; 50 - 10 = 40; -10 + 70 = 60
    assert contract.evaluate(INPUTS, "two").outputs["trailing_ebitda"] == {"Q1": 100, "Q2": 80, "Q3": 30, "Q4": 40,
                                                                          "Q5": 60}
    # under `four` (the default) the figures of the first test: 100, 80, 130, 120, 90
    assert contract.evaluate(INPUTS, "four").outputs["trailing_ebitda"]["Q3"] == 130
    # the columnar engine reads the same length under each reading
    for reading, q3 in (("two", 30), ("four", 130)):
        batch = contract.evaluate_batch({"ebitda.Q1": [100], "ebitda.Q2": [-20], "ebitda.Q3": [50],
                                         "ebitda.Q4": [-10], "ebitda.Q5": [70], "closing": [date(2025, 1, 31)]},
                                        reading)
        assert batch.values("trailing_ebitda.Q3") == [q3]


def test_the_bound_on_cost_counts_a_window_at_its_parameters_length() -> None:
    from evaluator.cost import bound

    # price_met: for each of at most 100,000 dates d, a window of window_days = 5 dates, not the whole series
    program = evaluator.load(WINDOWS).program
    assert bound(program).total < 100_000 * 100
