"""Three agreements from public filings, beside Kaixin (rules/examples/, issue 12 item 9), with hand figures.

- a sponsor vesting agreement on a Nasdaq VWAP window with change-of-control acceleration (Celularity);
- tiered contingent shares, three conditions as one table and one rule over a dimension;
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
TIERED = EXAMPLES / "tiered-contingent-shares.yaml"
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


# ---- 2. tiered contingent shares (Earnout (a), (b)) --------------------------------------------------------


def test_each_condition_is_met_on_its_own_window() -> None:
    out = evaluator.load(TIERED).evaluate(EXAMPLES / "tiered-contingent-shares-inputs.yaml").outputs
    # NYSE sessions from 1 June 2026: 1-20 at 12.50, 21-40 at 15.20, then 14.00.
    # (i) USD 12.00: 20 sessions at or above by session 20, Mon 29 June 2026 (June's 20th session:
    #     19 June is a holiday). Fewer than 20 sessions before it, so none earlier.
    # (ii) USD 15.00: sessions 21-40 are at or above; the last 30 through session 40 (11-40) hold 20,
    #     through session 39 (10-39) only 19: session 40, Tue 28 July 2026.
    # (iii) USD 18.00: never: pending (not met on the prices given), and 0 shares earned.
    assert out["satisfied_on"] == {"i": date(2026, 6, 29), "ii": date(2026, 7, 28), "iii": None}
    # five NYSE days after: 29 June -> 30 June, 1, 2, 6 (3 July a holiday), 7 July;
    # 28 July -> 29, 30, 31 July, 3, 4 August
    assert out["instruction_due"] == {"i": date(2026, 7, 7), "ii": date(2026, 8, 4), "iii": None}
    assert out["earned_shares"] == {"i": 7_000_000, "ii": 2_250_000, "iii": 0}
    # 7,000,000 + 2,250,000 + 0
    assert out["total_earned_shares"] == 9_250_000


def test_a_price_after_the_60_months_counts_for_no_condition() -> None:
    inputs = yaml.safe_load((EXAMPLES / "tiered-contingent-shares-inputs.yaml").read_text(encoding="utf-8"))
    # the same prices, with the Closing Date on 29 May 2021: the 60 months end on 29 May 2026, before
    # every price given, so no condition is met, however high the prices
    inputs["closing"] = "2021-05-29"
    out = evaluator.load(TIERED).evaluate(inputs).outputs
    assert out["earned_shares"] == {"i": 0, "ii": 0, "iii": 0}


def test_a_missing_session_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    inputs = tmp_path / "inputs.yaml"
    text = (EXAMPLES / "tiered-contingent-shares-inputs.yaml").read_text(encoding="utf-8")
    inputs.write_text("\n".join(line for line in text.splitlines() if "2026-07-06" not in line) + "\n",
                      encoding="utf-8")
    code, out, err = run_cli(capsys, "evaluate", TIERED, "--inputs", inputs)
    assert (code, out) == (2, "")
    assert "closing_price has no value for 2026-07-06, a trading day of nyse after 2026-07-02" in err.splitlines()[0]


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
    batch = contract.evaluate_batch({"closing": [None, None], "closing_price": prices})
    contract.evaluate({"closing_price": {day: values[1] for day, values in prices.items()}})  # the scalar takes it
    assert batch.errors == {}  # the batch says row 1 has no value for 2024-01-03
