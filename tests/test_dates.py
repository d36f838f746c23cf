"""Dates in the rule language: business days on declared calendars, `as_of`, values
given by date (`price on d`), loops over days and over the dates of a series.

Every business-day figure below is worked out by hand from the State Council's
published holiday arrangements (see PRC_2025_2026); the `chinesecalendar`
package the evaluator reads is only cross-checked against that list, in
test_the_hand_calendar_agrees_with_the_package, never used to make the figures.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import evaluator
from evaluator.checker import check
from evaluator.cli import main
from evaluator.parser import parse
from tests.helpers import contract_from

# ---- the PRC working calendar, as published ------------------------------
#
# PRC_2025_2026: official holidays and make-up working days (调休上班) from
#  - 国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号, 12 November 2024):
#      New Year 1 Jan (Wed), 1 day, no make-up day;
#      Spring Festival 28 Jan (Tue) - 4 Feb (Tue), 8 days; make-up Sun 26 Jan, Sat 8 Feb;
#      Qingming 4-6 Apr (Fri-Sun); Labour Day 1-5 May (Thu-Mon), make-up Sun 27 Apr;
#      Dragon Boat 31 May (Sat) - 2 Jun (Mon);
#      National Day + Mid-Autumn 1 Oct (Wed) - 8 Oct (Wed), 8 days; make-up Sun 28 Sep, Sat 11 Oct.
#  - 国务院办公厅关于2026年部分节假日安排的通知 (4 November 2025, published by Xinhua):
#      New Year 1-3 Jan (Thu-Sat), make-up Sun 4 Jan;
#      Spring Festival 15 Feb (Sun) - 23 Feb (Mon), 9 days; make-up Sat 14 Feb, Sat 28 Feb;
#      Qingming 4-6 Apr (Sat-Mon); Labour Day 1-5 May (Fri-Tue), make-up Sat 9 May;
#      Dragon Boat 19-21 Jun (Fri-Sun); Mid-Autumn 25-27 Sep (Fri-Sun);
#      National Day 1-7 Oct (Thu-Wed), make-up Sun 20 Sep, Sat 10 Oct.
# Neither notice has anything in December: December 2025 and December 2026 are
# plain Monday-to-Friday months.
HOLIDAYS = [
    ("2025-01-01", "2025-01-01"), ("2025-01-28", "2025-02-04"), ("2025-04-04", "2025-04-06"),
    ("2025-05-01", "2025-05-05"), ("2025-05-31", "2025-06-02"), ("2025-10-01", "2025-10-08"),
    ("2026-01-01", "2026-01-03"), ("2026-02-15", "2026-02-23"), ("2026-04-04", "2026-04-06"),
    ("2026-05-01", "2026-05-05"), ("2026-06-19", "2026-06-21"), ("2026-09-25", "2026-09-27"),
    ("2026-10-01", "2026-10-07"),
]
MAKE_UP = ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11",
           "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]

# (start, count, the count-th PRC business day after start), each counted by hand on the list above.
PRC_CASES = [
    # Spring Festival 2026: Fri 13 Feb works, Sat 14 Feb is a make-up working day, 15-23 Feb are off.
    ("2026-02-12", 1, "2026-02-13"),   # Thu -> Fri
    ("2026-02-13", 1, "2026-02-14"),   # Fri -> the make-up Saturday
    ("2026-02-13", 2, "2026-02-24"),   # Sat 14 Feb (1), then 15-23 Feb off: Tue 24 Feb (2)
    ("2026-02-12", 3, "2026-02-24"),   # Fri 13 (1), Sat 14 (2), Tue 24 (3)
    ("2026-02-14", 1, "2026-02-24"),   # from the make-up Saturday over the whole holiday
    ("2026-02-12", 6, "2026-02-27"),   # 13, 14, 24, 25, 26, 27 Feb
    ("2026-02-27", 1, "2026-02-28"),   # Fri -> the second make-up Saturday
    ("2026-02-27", 2, "2026-03-02"),   # Sat 28 Feb (1), Sun 1 Mar off, Mon 2 Mar (2)
    # National Day 2025: Sat 27 Sep off, Sun 28 Sep works, 1-8 Oct off, Sat 11 Oct works.
    ("2025-09-26", 1, "2025-09-28"),   # Fri -> the make-up Sunday
    ("2025-09-26", 3, "2025-09-30"),   # Sun 28 (1), Mon 29 (2), Tue 30 (3)
    ("2025-09-26", 4, "2025-10-09"),   # ... then 1-8 Oct off: Thu 9 Oct (4)
    ("2025-09-26", 6, "2025-10-11"),   # Thu 9 (4), Fri 10 (5), the make-up Saturday 11 Oct (6)
    ("2025-09-26", 7, "2025-10-13"),   # Sun 12 Oct off: Mon 13 Oct (7)
    # New Year 2026, across the year boundary: 1-3 Jan off, Sun 4 Jan works.
    ("2025-12-31", 1, "2026-01-04"),
    ("2025-12-31", 2, "2026-01-05"),
    # Mid-Autumn and National Day 2026: Sun 20 Sep works, 25-27 Sep and 1-7 Oct off, Sat 10 Oct works.
    ("2026-09-18", 1, "2026-09-20"),   # Fri -> the make-up Sunday
    ("2026-09-24", 1, "2026-09-28"),   # Thu -> Mon, over Fri 25 - Sun 27 Sep
    ("2026-09-30", 1, "2026-10-08"),   # Wed -> Thu 8 Oct, over 1-7 Oct
    ("2026-09-30", 3, "2026-10-10"),   # Thu 8 (1), Fri 9 (2), the make-up Saturday 10 Oct (3)
    ("2026-09-30", 4, "2026-10-12"),   # Sun 11 Oct off: Mon 12 Oct (4)
    # Escrow 1.1: fifteen business days after Tue 2 Dec 2025, a month with no holiday:
    # Wed 3 - Fri 5 (3), 8-12 (8), 15-19 (13), Mon 22 (14), Tue 23 Dec (15).
    ("2025-12-02", 15, "2025-12-23"),
    # Negative counts: the count-th business day before.
    ("2026-02-24", -1, "2026-02-14"),  # back over 23-15 Feb to the make-up Saturday
    ("2026-02-24", -2, "2026-02-13"),
    ("2026-02-15", -1, "2026-02-14"),  # from a holiday (a Sunday) back to the make-up Saturday
    ("2025-10-09", -1, "2025-09-30"),  # back over National Day 2025
    ("2025-10-13", -1, "2025-10-11"),  # Mon -> the make-up Saturday before it
    ("2026-01-05", -2, "2025-12-31"),  # Sun 4 Jan (1), back over 3-1 Jan: Wed 31 Dec 2025 (2)
    # Zero: the date itself, business day or not.
    ("2026-02-13", 0, "2026-02-13"),
    ("2026-02-16", 0, "2026-02-16"),   # a Spring Festival holiday
]


def _days(first: str, last: str) -> list[date]:
    a, b = date.fromisoformat(first), date.fromisoformat(last)
    return [a + timedelta(days=i) for i in range((b - a).days + 1)]


def test_the_hand_calendar_agrees_with_the_package() -> None:
    """Cross-check only: the published list above, day by day, against chinesecalendar's data."""
    import chinese_calendar

    off = {d for first, last in HOLIDAYS for d in _days(first, last)}
    on = {date.fromisoformat(d) for d in MAKE_UP}
    for d in _days("2025-01-01", "2026-12-31"):
        published = d in on or (d.weekday() < 5 and d not in off)
        assert chinese_calendar.is_workday(d) == published, d


def _shift(start: str, count: int, calendar: str = "") -> str:
    op = "+" if count >= 0 else "-"
    unit = "business day" if abs(count) == 1 else "business days"
    return f"{start} {op} {abs(count)} {unit}" + (f" in {calendar}" if calendar else "")


@pytest.fixture(scope="module")
def prc_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One contract with a rule per case: c0, c1, ... = START +/- N business days."""
    rules = ['calendar prc cites "T" source "chinesecalendar"']
    rules += [f'rule c{i} cites "T" = {_shift(s, k)}' for i, (s, k, _) in enumerate(PRC_CASES)]
    rules.append("outputs " + ", ".join(f"c{i}" for i in range(len(PRC_CASES))))
    result = contract_from(tmp_path_factory.mktemp("prc"), "\n".join(rules) + "\n").evaluate({})
    assert result.notes == {}
    return result.outputs


@pytest.mark.parametrize(("i", "case"), list(enumerate(PRC_CASES)), ids=[f"{s}{k:+d}" for s, k, _ in PRC_CASES])
def test_business_days_on_the_prc_calendar(prc_results: dict[str, Any], i: int,
                                           case: tuple[str, int, str]) -> None:
    start, count, expected = case
    assert prc_results[f"c{i}"] == date.fromisoformat(expected), f"{start} {count:+d} business days"


def test_business_days_from_a_date_input_and_in_arithmetic(tmp_path: Path) -> None:
    rules = """\
calendar prc cites "T" source "chinesecalendar"
input start: date cites "T"
rule plus cites "T" = start + 3 business days
rule reversed cites "T" = 3 business days + start
rule added cites "T" = start + (3 business days + 2 business days)
rule doubled cites "T" = start + 3 business days * 2
rule then_days cites "T" = start + 3 business days + 2 days
rule negated cites "T" = start + -3 business days
rule span cites "T" = (start + 3 business days) - start
outputs plus, reversed, added, doubled, then_days, negated, span
"""
    out = contract_from(tmp_path, rules).evaluate({"start": "2026-02-12"}).outputs
    # Thu 12 Feb 2026: Fri 13 (1), Sat 14 make-up (2), Tue 24 (3), Wed 25 (4), Thu 26 (5), Fri 27 (6).
    assert out["plus"] == out["reversed"] == date(2026, 2, 24)
    assert out["added"] == date(2026, 2, 26)
    assert out["doubled"] == date(2026, 2, 27)
    assert out["then_days"] == date(2026, 2, 26)      # 24 Feb + 2 calendar days
    assert out["negated"] == date(2026, 2, 9)         # back: Wed 11 (1), Tue 10 (2), Mon 9 (3)
    assert out["span"] == 12                           # 12 Feb -> 24 Feb, in calendar days


def test_the_weekdays_calendar_ignores_holidays(tmp_path: Path) -> None:
    rules = """\
calendar wk cites "T" source "weekdays"
rule a cites "T" = 2026-02-12 + 3 business days
rule b cites "T" = 2026-02-16 - 1 business day
rule c cites "T" = 2026-02-14 + 0 business days
rule d cites "T" = 2027-01-01 + 1 business day
outputs a, b, c, d
"""
    out = contract_from(tmp_path, rules).evaluate({}).outputs
    assert out["a"] == date(2026, 2, 17)   # Fri 13 (1), Mon 16 (2), Tue 17 (3): the holiday does not count
    assert out["b"] == date(2026, 2, 13)   # Mon -> Fri
    assert out["c"] == date(2026, 2, 14)   # zero: the Saturday itself
    assert out["d"] == date(2027, 1, 4)    # any year: Fri 1 Jan 2027 -> Mon 4 Jan


def test_two_calendars_are_told_apart_with_in(tmp_path: Path) -> None:
    rules = """\
calendar prc cites "T" source "chinesecalendar"
calendar wk cites "T" source "weekdays"
rule on_prc cites "T" = 2025-09-26 + 4 business days in prc
rule on_weekdays cites "T" = 2025-09-26 + 4 business days in wk
outputs on_prc, on_weekdays
"""
    out = contract_from(tmp_path, rules).evaluate({}).outputs
    assert out["on_prc"] == date(2025, 10, 9)        # Sun 28 Sep, 29, 30, then Thu 9 Oct
    assert out["on_weekdays"] == date(2025, 10, 2)   # Mon 29, Tue 30, Wed 1, Thu 2 Oct


# ---- a year the calendar has no data for -----------------------------------

GAP_RULES = """\
calendar prc cites "T" source "chinesecalendar"
input start: date cites "T"
rule deadline cites "T" = start + 2 business days
rule later cites "T" = deadline + 1 day
rule known cites "T" = deadline is known
outputs deadline, later, known
"""
NO_2027 = "the PRC working calendar (chinesecalendar 1.11.0) has no data for 2027"


def test_a_count_that_stays_in_a_year_with_data_is_known(tmp_path: Path) -> None:
    result = contract_from(tmp_path, GAP_RULES).evaluate({"start": "2026-12-29"})
    assert result.outputs["deadline"] == date(2026, 12, 31)  # Wed 30 (1), Thu 31 Dec (2)
    assert result.notes == {}


def test_a_year_without_data_is_pending_with_the_reason(tmp_path: Path) -> None:
    # Thu 31 Dec 2026 + 2 business days falls in 2027, which chinesecalendar 1.11.0 has
    # no data for (2004-2026): the evaluator must not guess Mon 4 / Tue 5 Jan 2027.
    import chinese_calendar

    if chinese_calendar.__version__ != "1.11.0":
        pytest.skip("the note names the package version this test was written against")
    result = contract_from(tmp_path, GAP_RULES).evaluate({"start": "2026-12-30"})
    assert result.outputs["deadline"] is None
    assert result.outputs["later"] is None           # pending spreads
    assert result.outputs["known"] is False
    # the reason follows the values that are pending because of it
    assert result.notes == {"deadline": NO_2027, "later": NO_2027}


def test_a_year_before_the_data_is_pending_too(tmp_path: Path) -> None:
    rules = """\
calendar prc cites "T" source "chinesecalendar"
rule back cites "T" = 2004-01-02 - 2 business days
outputs back
"""
    result = contract_from(tmp_path, rules).evaluate({})
    assert result.outputs["back"] is None            # 2003 is before the data starts
    assert "2003" in result.notes["back"]


def test_evaluate_json_lists_the_note(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import jsonschema

    from evaluator.result import result_schema

    contract_from(tmp_path, GAP_RULES)
    (tmp_path / "inputs.yaml").write_text("start: 2026-12-30\n", encoding="utf-8")
    code = main(["evaluate", str(tmp_path / "contract.yaml"), "--inputs", str(tmp_path / "inputs.yaml"),
                 "--format", "json"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    doc = json.loads(out)
    jsonschema.Draft202012Validator(result_schema()).validate(doc)
    assert doc["outputs"]["deadline"] is None
    assert list(doc["notes"]) == ["deadline", "later"]  # "later" is pending for the same reason
    assert "no data for 2027" in doc["notes"]["deadline"]


# ---- check errors -------------------------------------------------------------


def problem(text: str) -> evaluator.Diagnostic:
    with pytest.raises(evaluator.CheckError) as info:
        check([parse(text, "t.rules")])
    assert len(info.value.diagnostics) == 1, [(d.line, d.column, d.message) for d in info.value.diagnostics]
    return info.value.diagnostics[0]


def test_business_days_need_a_calendar() -> None:
    d = problem('rule a cites "T" = 2026-01-05 + 3 business days\noutputs a\n')
    assert (d.line, d.column) == (1, 33)
    assert d.message == "business days need a calendar"
    assert d.hint is not None and 'source "chinesecalendar"' in d.hint


def test_two_calendars_need_in() -> None:
    d = problem('calendar prc cites "T" source "chinesecalendar"\n'
                'calendar wk cites "T" source "weekdays"\n'
                'rule a cites "T" = 2026-01-05 + 3 business days\noutputs a\n')
    assert (d.line, d.column) == (3, 33)
    assert d.message == "which calendar's business days?"
    assert d.hint == "say which: 3 business days in prc"


def test_an_unknown_calendar_after_in() -> None:
    d = problem('calendar prc cites "T" source "chinesecalendar"\n'
                'rule a cites "T" = 2026-01-05 + 3 business days in prx\noutputs a\n')
    assert (d.line, d.column) == (2, 33)
    assert d.message == "unknown calendar 'prx'"
    assert d.hint == "known calendars: prc"


@pytest.mark.parametrize(("source", "hint"), [
    ("chinesecalender", "did you mean 'chinesecalendar'?"),
    ("weekday", "did you mean 'weekdays'?"),
    ("gregorian", "known sources: weekdays, chinesecalendar, or exchange_calendars:CODE for a market "
                  "(e.g. exchange_calendars:XNYS)"),
])
def test_an_unknown_calendar_source(source: str, hint: str) -> None:
    d = problem(f'calendar prc cites "T" source "{source}"\nrule a cites "T" = 1\noutputs a\n')
    assert (d.line, d.column, d.end_column) == (1, 31, 31 + len(source) + 2)
    assert d.message == f"unknown calendar source '{source}'"
    assert d.hint == hint


def test_a_calendar_is_not_a_value() -> None:
    d = problem('calendar prc cites "T" source "weekdays"\nrule a cites "T" = 2026-01-05 + prc\noutputs a\n')
    assert (d.line, d.message) == (2, "'prc' is a calendar, not a value")


SERIES = 'currency USD cites "T"\ninput price: USD per share by date cites "T"\n'


def test_on_needs_an_input_given_by_date() -> None:
    d = problem('currency USD cites "T"\ninput price: USD per share cites "T"\n'
                'rule a cites "T" = price on 2026-01-01\noutputs a\n')
    assert (d.line, d.column) == (3, 20)
    assert d.message == "'price' is not given by date"


def test_an_input_given_by_date_needs_on() -> None:
    d = problem(SERIES + 'rule a cites "T" = price * 2 shares\noutputs a\n')
    assert (d.line, d.column) == (3, 20)
    assert d.message == "'price' is given by date"
    assert d.hint == "say which date: price on DATE"


def test_on_needs_a_date() -> None:
    d = problem(SERIES + 'rule a cites "T" = price on 5 shares\noutputs a\n')
    assert (d.line, d.column) == (3, 29)
    assert d.message == "'on' needs a date, not shares"


def test_a_loop_over_dates_needs_a_series() -> None:
    d = problem('currency USD cites "T"\ninput price: USD per share cites "T"\n'
                'rule a cites "T" = sum(1 share for each date d in price)\noutputs a\n')
    assert d.line == 3
    assert d.message == "'price' is not an input given by date"


def test_a_loop_over_days_runs_between_dates() -> None:
    d = problem('rule a cites "T" = sum(1 share for each day d from 2026-01-01 through 5 shares)\noutputs a\n')
    assert (d.line, d.column) == (1, 71)
    assert d.message == "days run from a date to a date, not shares"


# ---- as_of and values by date ---------------------------------------------------

ON_RULES = SERIES + """\
input start: date cites "T"
rule price_then cites "T" = price on start
rule today cites "T" = as_of
rule price_today cites "T" = price on as_of
outputs price_then, today, price_today
"""
PRICES = {"2026-02-01": "2.50", "2026-02-14": "3", "2026-03-01": "2.75"}


@pytest.mark.parametrize(("start", "price"), [
    ("2026-01-31", None),                 # before the first date given: pending
    ("2026-02-01", Decimal("2.5")),       # the first date itself
    ("2026-02-13", Decimal("2.5")),       # the latest value given on or before the day
    ("2026-02-14", 3),                    # a change takes effect on its own date
    ("2026-02-28", 3),
    ("2027-06-30", Decimal("2.75")),      # the last value stands from its date on
])
def test_on_is_the_latest_value_on_or_before(tmp_path: Path, start: str, price: Any) -> None:
    out = contract_from(tmp_path, ON_RULES).evaluate({"start": start, "price": PRICES}).outputs
    assert out["price_then"] == price


def test_one_value_stands_for_every_date(tmp_path: Path) -> None:
    out = contract_from(tmp_path, ON_RULES).evaluate({"start": "1999-01-01", "price": "2.50"}).outputs
    assert out["price_then"] == Decimal("2.5")


def test_a_series_not_given_is_pending(tmp_path: Path) -> None:
    out = contract_from(tmp_path, ON_RULES).evaluate({"start": "2026-02-14"}).outputs
    assert out["price_then"] is None


def test_as_of_is_the_evaluation_date_and_pending_without_one(tmp_path: Path) -> None:
    contract = contract_from(tmp_path, ON_RULES)
    out = contract.evaluate({"start": "2026-02-14", "price": PRICES}, as_of=date(2026, 2, 20)).outputs
    assert (out["today"], out["price_today"]) == (date(2026, 2, 20), 3)
    out = contract.evaluate({"start": "2026-02-14", "price": PRICES}).outputs
    assert (out["today"], out["price_today"]) == (None, None)


def test_as_of_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    contract_from(tmp_path, ON_RULES)
    (tmp_path / "inputs.yaml").write_text("price:\n  2026-02-01: 2.50\n  2026-02-14: 3\n", encoding="utf-8")
    code = main(["evaluate", str(tmp_path / "contract.yaml"), "--inputs", str(tmp_path / "inputs.yaml"),
                 "--as-of", "2026-02-13", "--format", "json"])
    out, _ = capsys.readouterr()
    doc = json.loads(out, parse_float=Decimal)
    assert code == 0
    assert doc["outputs"]["today"] == "2026-02-13"
    assert doc["outputs"]["price_today"] == Decimal("2.5")
    assert doc["outputs"]["price_then"] is None     # start not given


# ---- loops over days and over the dates of a series --------------------------------

LOOP_RULES = SERIES + """\
input dividend: USD per share by date cites "T"
input first: date cites "T"
input last: date cites "T"
rule value_days cites "T" = sum(price on d * 1 share for each day d from first through last)
rule days_kept cites "T" = count(true for each day d from first through last where d != 2026-02-14)
rule paid cites "T" = sum(dividend on d * 100 shares for each date d in dividend)
rule paid_after cites "T" = sum(dividend on d * 100 shares for each date d in dividend where d > first)
rule paid_dates cites "T" = count(true for each date d in dividend)
outputs value_days, days_kept, paid, paid_after, paid_dates
"""


def test_loops_over_days_and_series_dates(tmp_path: Path) -> None:
    inputs = {"price": {"2026-02-01": "2.50", "2026-02-14": "3"}, "first": "2026-02-12", "last": "2026-02-15",
              "dividend": {"2026-06-30": "0.05", "2025-12-31": "0.10", "2027-06-30": "0.04"}}
    out = contract_from(tmp_path, LOOP_RULES).evaluate(inputs).outputs
    # 12, 13 Feb at 2.50 and 14, 15 Feb at 3.00: 2 x 2.50 + 2 x 3 = 11
    assert out["value_days"] == 11
    assert out["days_kept"] == 3                 # four days, one filtered out
    # 100 shares x (0.10 + 0.05 + 0.04) = 19, in date order whatever the order given
    assert out["paid"] == 19
    assert out["paid_after"] == 9                    # 100 x (0.05 + 0.04): record dates after 12 Feb 2026
    assert out["paid_dates"] == 3


def test_a_loop_over_days_is_pending_where_a_day_has_no_value(tmp_path: Path) -> None:
    inputs = {"price": {"2026-02-13": "2.50"}, "first": "2026-02-12", "last": "2026-02-15"}
    out = contract_from(tmp_path, LOOP_RULES).evaluate(inputs).outputs
    assert out["value_days"] is None                 # no price on 12 Feb


def test_a_loop_over_no_days_is_empty(tmp_path: Path) -> None:
    inputs = {"price": "2.50", "first": "2026-02-15", "last": "2026-02-14"}
    out = contract_from(tmp_path, LOOP_RULES).evaluate(inputs).outputs
    assert (out["value_days"], out["days_kept"], out["paid"]) == (0, 0, 0)


# ---- inputs by date, validated ------------------------------------------------------

INPUT_RULES = ON_RULES


def input_problems(tmp_path: Path, text: str) -> list[evaluator.Diagnostic]:
    contract = contract_from(tmp_path, INPUT_RULES)
    path = tmp_path / "inputs.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(evaluator.InputError) as info:
        contract.evaluate(path)
    return info.value.diagnostics


@pytest.mark.parametrize("bad", ["2026-13-01", "2026-02-30"])
def test_a_date_key_that_is_no_date(tmp_path: Path, bad: str) -> None:
    [d] = input_problems(tmp_path, f"price:\n  2026-02-01: 2.50\n  {bad}: 3\n")
    assert (d.line, d.column, d.path) == (3, 3, f"price.{bad}")
    assert d.message == f"{bad} is not a date"
    assert d.hint == "write dates as YYYY-MM-DD"


def test_a_single_value_that_is_no_amount(tmp_path: Path) -> None:
    [d] = input_problems(tmp_path, 'price: "cheap"\n')
    assert (d.line, d.column, d.path) == (1, 8, "price")
    assert d.message == "'cheap' is not an amount"


def test_a_date_input_that_is_no_date(tmp_path: Path) -> None:
    [d] = input_problems(tmp_path, "start: 2026-02-30\n")
    assert (d.line, d.column, d.path) == (1, 8, "start")
    assert d.message == "2026-02-30 is not a date"


def test_a_float_by_date_from_python_is_refused(tmp_path: Path) -> None:
    with pytest.raises(evaluator.InputError) as info:
        contract_from(tmp_path, INPUT_RULES).evaluate({"price": {"2026-02-01": 2.5}})
    [d] = info.value.diagnostics
    assert d.path == "price.2026-02-01"
    assert "binary floating-point" in d.message


def test_a_date_key_given_twice_is_refused(tmp_path: Path) -> None:
    contract = contract_from(tmp_path, INPUT_RULES)
    path = tmp_path / "inputs.yaml"
    path.write_text("price:\n  2026-02-01: 2.50\n  2026-02-01: 3\n", encoding="utf-8")
    with pytest.raises(evaluator.ContractError) as info:
        contract.evaluate(path)
    assert (info.value.line, info.value.column) == (3, 3)
    assert "appears twice" in str(info.value)


def test_a_key_that_is_no_date_at_all_is_named_at_its_place(tmp_path: Path) -> None:
    [d] = input_problems(tmp_path, "price:\n  2026-02-01: 2.50\n  yesterday: 3\n")
    assert (d.line, d.column, d.path) == (3, 3, "price.yesterday")
    assert d.message == "yesterday is not a date"


def test_an_amount_by_date_that_is_no_amount_is_named_at_its_place(tmp_path: Path) -> None:
    [d] = input_problems(tmp_path, "price:\n  2026-02-01: 2.50\n  2026-03-01: abc\n")
    assert (d.line, d.column, d.path) == (3, 15, "price.2026-03-01")
    assert d.message == "'abc' is not an amount"


def test_a_python_date_is_a_date(tmp_path: Path) -> None:
    out = contract_from(tmp_path, ON_RULES).evaluate(
        {"start": date(2026, 2, 14), "price": {date(2026, 2, 1): Decimal("2.5")}}).outputs
    assert out["price_then"] == Decimal("2.5")
