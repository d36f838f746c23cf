"""Three agreements from public filings, beside Kaixin (rules/examples/, issue 12 item 9), with hand figures.

- a sponsor vesting agreement on a Nasdaq VWAP window with change-of-control acceleration (Celularity);
- Earnout Shares in two VWAP milestones as one table and one rule over a dimension (Orchestra BioMed);
- a promissory note: simple interest by the 30/360 day count (Bion Environmental Technologies).

Every input file is HYPOTHETICAL (each says so). Each agreement also has a bad-input case.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

import evaluator
from tests.helpers import ROOT, run_cli

EXAMPLES = ROOT / "contracts" / "examples"
VESTING = EXAMPLES / "celularity-sponsor-vesting.yaml"
TIERED = EXAMPLES / "orchestra-biomed-earnout.yaml"
TIERED_INPUTS = EXAMPLES / "orchestra-biomed-earnout-inputs.yaml"
NOTE = EXAMPLES / "bion-convertible-note.yaml"


@pytest.mark.parametrize("contract", [VESTING, TIERED, NOTE], ids=lambda p: p.stem)
def test_each_agreement_checks(capsys: pytest.CaptureFixture[str], contract: Path) -> None:
    code, out, err = run_cli(capsys, "check", contract)
    assert (code, err) == (0, "")
    assert ": ok (1 rule file(s)" in out


# ---- 1. sponsor vesting on a VWAP window (Form 4 F1) -----------------------------------------------------


def test_sponsor_shares_vest_the_day_after_the_first_window_that_meets_the_price() -> None:
    result = evaluator.load(VESTING).evaluate(EXAMPLES / "celularity-inputs-price.yaml")
    out = result.outputs
    # 25% of the 7,187,500 Subject Securities: 7,187,500 / 4 = 1,796,875 shares
    assert out["vesting_shares"] == 1_796_875
    # Nasdaq sessions from Mon 1 June 2026, three at 12.10 then one at 11.80: after n sessions,
    # n - floor(n/4) are at or above 12.00. n = 25 gives 19, n = 26 gives 20. The 26th session is
    # 8 July 2026: June has 21 (Juneteenth, Fri 19 June, is a holiday), then 1, 2 July (3 July is a
    # holiday), 6, 7, 8 July. Counting weekdays instead would make 8 July the 24th day, not the 26th.
    assert out["vesting_trigger_on"] == date(2026, 7, 8)
    # "shall vest on the first day that [the price condition held over the 30 trading days]
    # immediately preceding such day": the day after, 9 July 2026
    assert out["vested_on"] == date(2026, 7, 9)
    assert (out["vested_shares"], out["unvested_shares"]) == (1_796_875, 0)


def test_a_change_of_control_vests_every_share_on_the_first_trading_day_after_it() -> None:
    result = evaluator.load(VESTING).evaluate(EXAMPLES / "celularity-inputs-change-of-control.yaml")
    out = result.outputs
    # prices all USD 11.50: no window meets USD 12.00; the change of control on Saturday 13 June 2026
    # accelerates on the first trading day on or after it, Monday 15 June 2026, the vesting day itself
    assert (out["vesting_trigger_on"], out["vested_on"]) == (date(2026, 6, 15), date(2026, 6, 15))
    assert (out["vested_shares"], out["unvested_shares"]) == (1_796_875, 0)


def test_without_a_trigger_nothing_vests_and_the_vesting_date_is_pending() -> None:
    prices = {f"2026-06-0{d}": "11.50" for d in (1, 2, 3, 4, 5)}
    result = evaluator.load(VESTING).evaluate({"vwap": prices, "change_of_control": {"2021-07-16": False}})
    out = result.outputs
    assert (out["vesting_trigger_on"], out["vested_on"]) == (None, None)
    # 1,796,875 - 0 = 1,796,875 shares still unvested on the prices given
    assert (out["vested_shares"], out["unvested_shares"]) == (0, 1_796_875)


def test_a_price_on_a_nasdaq_holiday_is_refused_at_its_line(capsys: pytest.CaptureFixture[str],
                                                             tmp_path: Path) -> None:
    inputs = tmp_path / "inputs.yaml"
    text = (EXAMPLES / "celularity-inputs-price.yaml").read_text(encoding="utf-8")
    inputs.write_text(text.replace('  2026-06-22: "12.10"', '  2026-06-19: "12.10"\n  2026-06-22: "12.10"'),
                      encoding="utf-8")
    code, out, err = run_cli(capsys, "evaluate", VESTING, "--inputs", inputs)
    assert (code, out) == (2, "")
    first = err.splitlines()[0]
    assert first.endswith("inputs.yaml:22:3: error: vwap.2026-06-19: 2026-06-19 is not a trading day of nasdaq")


# ---- 2. Earnout Shares in two milestones (Form 4/A F2) ----------------------------------------------------


def _tiered_inputs() -> dict[str, dict[str, str]]:
    loaded: dict[str, dict[str, str]] = yaml.safe_load(TIERED_INPUTS.read_text(encoding="utf-8"))
    return {"vwap": {str(day): price for day, price in loaded["vwap"].items()}}


def test_each_milestone_is_met_on_its_own_window() -> None:
    out = evaluator.load(TIERED).evaluate(TIERED_INPUTS).outputs
    # Nasdaq sessions from Thu 26 January 2023 (20 February is a holiday): 1-5 at 14.00, 6-25 at 16.00,
    # 26-40 at 21.00, 41-45 at 19.50, 46-49 at 20.50, 50-55 at 19.50.
    # (i) USD 15.00: sessions 6-25 are the first 20 at or above; through session 24 only 19 (6-24), so
    #     the first window is the one through session 25: January has 4 sessions (26, 27, 30, 31),
    #     February 19 (1-28 less the 20th), so session 25 is the 2nd in March, Thu 2 March 2023.
    # (ii) USD 20.00: only sessions 26-40 (15) and 46-49 (4) are at or above; any 30 in a row holding
    #     all of them (through 49 to through 55) hold 15 + 4 = 19, one short of 20: pending, 0 shares.
    assert out["met_on"] == {"i": date(2023, 3, 2), "ii": None}
    assert out["earned_shares"] == {"i": 4_000_000, "ii": 0}
    # 4,000,000 + 0
    assert out["total_earned_shares"] == 4_000_000


def test_one_more_session_at_the_price_meets_the_final_milestone() -> None:
    inputs = _tiered_inputs()
    inputs["vwap"]["2023-04-06"] = "20.50"  # session 50, was 19.50
    out = evaluator.load(TIERED).evaluate(inputs).outputs
    # the 30 sessions through session 50 (21-50) hold 26-40 and 46-50: 15 + 5 = 20 at or above USD 20.00;
    # session 50 is Thu 6 April 2023 (Good Friday, 7 April, is a holiday)
    assert out["met_on"] == {"i": date(2023, 3, 2), "ii": date(2023, 4, 6)}
    # 4,000,000 + 4,000,000
    assert out["total_earned_shares"] == 8_000_000


def test_prices_before_26_january_2023_count_for_no_window() -> None:
    inputs = _tiered_inputs()
    # ten sessions before the earn-out, all at 16.00: 11, 12, 13, 17 (16 January is a holiday), 18, 19,
    # 20, 23, 24, 25 January 2023. Were they counted, the window through session 15 (Wed 15 February)
    # would hold 10 + 10 (sessions 6-15) = 20 at or above USD 15.00; they are not: still session 25
    before = ["2023-01-11", "2023-01-12", "2023-01-13", "2023-01-17", "2023-01-18",
              "2023-01-19", "2023-01-20", "2023-01-23", "2023-01-24", "2023-01-25"]
    inputs["vwap"] = {**{day: "16.00" for day in before}, **inputs["vwap"]}
    out = evaluator.load(TIERED).evaluate(inputs).outputs
    assert out["met_on"] == {"i": date(2023, 3, 2), "ii": None}


def test_a_window_must_end_by_26_january_2028() -> None:
    contract = evaluator.load(TIERED)
    sessions = ["2027-12-27", "2027-12-28", "2027-12-29", "2027-12-30", "2027-12-31",
                "2028-01-03", "2028-01-04", "2028-01-05", "2028-01-06", "2028-01-07",
                "2028-01-10", "2028-01-11", "2028-01-12", "2028-01-13", "2028-01-14",
                "2028-01-18", "2028-01-19", "2028-01-20", "2028-01-21",  # 17 January 2028 is a holiday
                "2028-01-24", "2028-01-25", "2028-01-26", "2028-01-27", "2028-01-28", "2028-01-31"]
    # every session at 25.00 from Mon 27 December 2027: the 20th is Mon 24 January 2028, in time
    out = contract.evaluate({"vwap": {day: "25.00" for day in sessions}}).outputs
    assert out["met_on"] == {"i": date(2028, 1, 24), "ii": date(2028, 1, 24)}
    # from Mon 3 January 2028 only: 5 + 5 + 4 + 3 = 17 sessions by 26 January; the 20th, Mon 31
    # January 2028, is after the earn-out: neither milestone is met, 0 of the 8,000,000
    out = contract.evaluate({"vwap": {day: "25.00" for day in sessions[5:]}}).outputs
    assert out["met_on"] == {"i": None, "ii": None}
    assert out["total_earned_shares"] == 0


def test_a_missing_session_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    inputs = tmp_path / "inputs.yaml"
    text = TIERED_INPUTS.read_text(encoding="utf-8")
    inputs.write_text("\n".join(line for line in text.splitlines() if "2023-02-21" not in line) + "\n",
                      encoding="utf-8")
    code, out, err = run_cli(capsys, "evaluate", TIERED, "--inputs", inputs)
    assert (code, out) == (2, "")
    # 20 February 2023 is a holiday: the session after Fri 17 February is Tue 21 February
    assert "vwap has no value for 2023-02-21, a trading day of nasdaq after 2023-02-17" in err.splitlines()[0]


# ---- 3. a promissory note (Note 1, Note 2) -----------------------------------------------------------------


def test_interest_by_30_360_to_maturity() -> None:
    out = evaluator.load(NOTE).evaluate({}, as_of="2009-01-01").outputs
    # 30/360 from 31 March 2007 to 1 July 2008: D1 = 31 counts as 30, D2 = 1:
    # 360 x 1 + 30 x (7 - 3) + (1 - 30) = 451 days. USD 379,389.04 x 6% = 22,763.3424 a year;
    # x 451/360 = 28,517.40950... -> USD 28,517.41 (half up to the cent)
    assert str(out["interest_at_maturity"]) == "28517.41"
    # 379,389.04 + 28,517.41
    assert str(out["due_at_maturity"]) == "407906.45"
    # after the Maturity Date, interest accrued is the interest to maturity
    assert str(out["accrued_interest"]) == "28517.41"


def test_interest_accrued_as_of_a_date() -> None:
    out = evaluator.load(NOTE).evaluate({}, as_of="2007-12-31").outputs
    # 31 March to 31 December 2007 in 30/360: both 31sts count as 30ths: 30 x 9 = 270 days, 0.75 year;
    # 22,763.3424 x 0.75 = 17,072.5068 -> USD 17,072.51
    assert str(out["accrued_interest"]) == "17072.51"
    # without an as-of date the interest accrued so far depends on the date: pending
    assert evaluator.load(NOTE).evaluate({}).outputs["accrued_interest"] is None


def test_a_dollar_sign_in_the_note_rules_is_refused_with_the_fix(capsys: pytest.CaptureFixture[str],
                                                                 tmp_path: Path) -> None:
    folder = tmp_path / "note"
    shutil.copytree(ROOT / "rules" / "examples" / "bion-convertible-note", folder / "rules")
    shutil.copy(EXAMPLES / "bion-note-2007a-3.txt", folder)
    contract = NOTE.read_text(encoding="utf-8").replace("../../rules/examples/bion-convertible-note/", "rules/")
    (folder / "note.yaml").write_text(contract, encoding="utf-8")
    rules = folder / "rules" / "note.rules"
    rules.write_text(rules.read_text(encoding="utf-8").replace("= USD 379,389.04", "= $379,389.04"), encoding="utf-8")
    code, out, err = run_cli(capsys, "check", folder / "note.yaml")
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert lines[0].endswith("note.rules:20:38: error: unexpected character '$': a currency is written by its code")
    assert lines[-1].strip() == "hint: write USD 379,389.04"


def test_the_batch_keeps_a_value_past_64_bits_in_a_series_by_trading_day() -> None:
    contract = evaluator.load(TIERED)
    prices = {"2024-01-02": [0, 0], "2024-01-03": [0, 2**63], "2024-01-04": [0, 0]}
    batch = contract.evaluate_batch({"vwap": prices})
    contract.evaluate({"vwap": {day: values[1] for day, values in prices.items()}})  # the scalar takes it
    assert batch.errors == {}  # the batch says row 1 has no value for 2024-01-03
