"""Goal seek (`clausewise solve`, `Contract.solve`): exact answers by hand, non-monotone and unreachable
conditions, and every bad option refused at its place.

Kaixin on contracts/examples/kaixin-inputs.yaml (Y1 RMB 600,000,000, Y2 RMB 800,000,000), the least Y3
revenue that makes deducted_shares[Y1] = 0, by hand:
- spa: Y1's shortfall is 665,000,000 - 600,000,000 = 65,000,000. Y2's excess is 800,000,000 - 732,000,000 =
  68,000,000; half of it, 34,000,000, is credited to Y1, leaving 31,000,000 outstanding. Y3's pool is
  50% of its excess over 805,000,000. Y1's entitled shares are min(3,000,000, floor(3,000,000 x
  (600,000,000 + 34,000,000 + credit3) / 665,000,000)), which is 3,000,000 exactly when credit3 >=
  31,000,000 (below it, 3,000,000 x (665,000,000 - e) / 665,000,000 is under 3,000,000 and rounds down),
  i.e. (Y3 - 805,000,000) / 2 >= 31,000,000: Y3 >= 867,000,000. At 866,999,999 the pool is 30,999,999.5,
  and floor(3,000,000 x 664,999,999.5 / 665,000,000) = floor(2,999,999.997...) = 2,999,999: 1 share deducted.
- press-release: Y2's excess (68,000,000) is not over 50% of 732,000,000, so it offsets nothing; Y3's whole
  excess offsets once it is over 50% of 805,000,000 = 402,500,000, i.e. Y3 > 1,207,500,000: the least is
  1,207,500,001 (its excess, 402,500,001, covers the 65,000,000 shortfall). At 1,207,500,000 Y1 keeps its
  own floor(3,000,000 x 600/665) = 2,706,766 shares: 293,234 deducted.
- excess-year: credits count at the target of the year with the excess. Y1 gets 3,000,000 x 600/665 +
  3,000,000 x 34,000,000/732,000,000 + 3,000,000 x credit3/805,000,000, and credit3 is at most the
  31,000,000 outstanding: 2,706,766.9 + 139,344.3 + 115,528.0 = 2,961,639.2 -> 2,961,639 shares at most,
  38,361 deducted: unreachable.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

import evaluator
from evaluator.cli import main
from evaluator.solve import FAILS, HOLDS, search
from tests.helpers import DATA, KAIXIN, run_cli

INPUTS = KAIXIN.parent / "examples" / "kaixin-inputs.yaml"
BANDS = DATA / "solve" / "bands.yaml"
UNTIL = "deducted_shares.Y1 = 0 shares"


@pytest.fixture(scope="module")
def kaixin() -> evaluator.Contract:
    return evaluator.load(KAIXIN)


def test_kaixin_least_y3_revenue_that_clears_y1s_deduction(kaixin: evaluator.Contract) -> None:
    r = kaixin.solve(INPUTS, "revenue.Y3", UNTIL, between=(0, 10**9))
    assert r.value == 867_000_000
    assert (r.monotone, r.at_bound, r.engine) == (True, False, "columnar and scalar")
    assert [(c.value, c.output, c.holds) for c in r.checks] == [(867_000_000, 0, True), (866_999_999, 1, False)]
    assert [(p.low, p.high, p.outcome) for p in r.pieces] == [(0, 866_999_999, FAILS), (867_000_000, 10**9, HOLDS)]
    # The target of issue 13: <= 60 evaluations for a range of 10^9. The scan checks 33 values, 31,250,000
    # apart (10^9 / 32); bisecting the one change down to 1 takes ceil(log2 31,250,000) = 25 rounds of one
    # value (2^25 = 33,554,432): 33 + 25 = 58 values in 1 + 25 = 26 rounds.
    assert (r.candidates, r.evaluations) == (58, 26)


def test_every_reading(kaixin: evaluator.Contract) -> None:
    found = {reading: kaixin.solve(INPUTS, "revenue.Y3", UNTIL, interpretation=reading)
             for reading in kaixin.interpretations}
    assert found["spa"].value == 867_000_000
    assert found["press-release"].value == 1_207_500_001
    assert [(c.value, c.output) for c in found["press-release"].checks] == \
        [(1_207_500_001, 0), (1_207_500_000, 293_234)]
    unreachable = found["excess-year"]
    assert unreachable.value is None and unreachable.holds == []
    assert [(c.value, c.output, c.holds) for c in unreachable.checks] == \
        [(0, 153_889, False), (10**12, 38_361, False)]


def test_the_scalar_engine_gives_the_same_answer(kaixin: evaluator.Contract) -> None:
    """Inputs with report dates cannot be batch columns: the scalar engine searches, to the same answer."""
    inputs = {"revenue": {"Y1": [{"value": 600_000_000, "reported": "2027-01-10"}], "Y2": 800_000_000}}
    r = kaixin.solve(inputs, "revenue.Y3", UNTIL, between=("RMB 800 million", "RMB 900 million"))
    assert (r.engine, r.value) == ("scalar", 867_000_000)


def test_a_step_of_a_hundredth(kaixin: evaluator.Contract) -> None:
    """In cents: at 866,999,999.99 the pool (Y3 - 805,000,000) / 2 is 30,999,999.995, and 3,000,000 x
    664,999,999.995 / 665,000,000 = 2,999,999.99997... still rounds down: only at 867,000,000.00 is Y1's
    shortfall wholly credited. The answer is the same, reached to the cent."""
    r = kaixin.solve(INPUTS, "revenue.Y3", UNTIL, between=("866999990", "867000010"), step="0.01")
    assert r.value == 867_000_000 and r.checks[1].value == Fraction("866999999.99") and r.checks[1].output == 1


def test_not_monotone_gives_every_interval() -> None:
    bands = evaluator.load(BANDS)
    r = bands.solve({}, "sales.Y1", "bonus.Y1 > USD 0", between=(0, 1000))
    assert r.value == 100 and not r.monotone
    assert [(p.low, p.high, p.outcome) for p in r.holds] == [(100, 199, HOLDS), (500, 1000, HOLDS)]
    greatest = bands.solve({}, "sales.Y1", "paid.Y1 = true", between=(0, 450), greatest=True)
    assert (greatest.value, greatest.monotone) == (199, False)
    assert [(c.value, c.output) for c in greatest.checks] == [(199, True), (200, False)]


def test_an_interval_narrower_than_the_scan_can_be_missed_and_the_gap_says_so() -> None:
    """Four values 250 apart see only the band from 500: the result says how far apart they were."""
    r = evaluator.load(BANDS).solve({}, "sales.Y1", "bonus.Y1 = USD 10", between=(0, 1000), scan=4)
    assert r.value is None and r.gap == 250


def test_search_counts_its_rounds() -> None:
    known, calls = search(lambda xs: [(HOLDS, None) if x >= 123_456_789 else (FAILS, None) for x in xs],
                          0, 10**9)
    # The change lies between the scan's 93,750,000 and 125,000,000: at most 25 halvings to neighbours.
    assert calls <= 1 + 25 and len(known) <= 33 + 25
    assert known[123_456_789][0] == HOLDS and known[123_456_788][0] == FAILS


def test_cli_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "solve", KAIXIN, "--inputs", INPUTS, "--vary", "revenue.Y3", "--until", UNTIL,
                             "--between", "RMB 800 million", "RMB 1 billion")
    assert (code, err) == (0, "")
    assert "answer: revenue.Y3 = RMB 867,000,000\n" in out
    assert "  revenue.Y3 = RMB 866,999,999: deducted_shares.Y1 = 1 share (does not hold)\n" in out
    assert "monotone in the range: the outcome changes at most once\n" in out


def test_cli_json_all_readings(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["solve", str(KAIXIN), "--inputs", str(INPUTS), "--vary", "revenue.Y3", "--until", UNTIL,
                 "--all-interpretations", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and doc["schema"] == "clausewise/solve/1"
    assert [(r["interpretation"], r["value"], r["reachable"]) for r in doc["results"]] == \
        [("spa", 867000000, True), ("excess-year", None, False), ("press-release", 1207500001, True)]


@pytest.mark.parametrize(("args", "expected"), [
    (["--until", "deducted_shares.Y1 = RMB 0"],
     "--until:1:22: error: cannot compare deducted_shares (shares) with RMB 0 (RMB)\n"
     "    1 | deducted_shares.Y1 = RMB 0\n"
     "      |                      ^^^^^\n"
     "   hint: write the value in shares, e.g. 0 shares\n"),
    (["--until", "deducted_share.Y1 = 0 shares"],
     "--until:1:1: error: 'deducted_share' is not an output\n"),
    (["--until", "shortfall.Y1 = RMB 0"],
     "--until:1:1: error: 'shortfall' is a value of the rules but not one of their outputs\n"),
    (["--until", "deducted_shares.Y9 = 0 shares"], "--until:1:1: error: Y9 is not a year\n"),
    (["--until", "deducted_shares.Y1 = = 0"], "--until:1:22: error: unexpected '='\n"),
    (["--until", "deducted_shares.Y1 + 0 shares"], "--until:1:1: error: --until is not a comparison\n"),
    (["--vary", "revenu.Y3"], "clausewise: error: --vary revenu.Y3: 'revenu' is not an input of these rules\n"
                              "   hint: did you mean 'revenue'?\n"),
    (["--vary", "target.Y3"], "clausewise: error: --vary target.Y3: 'target' is a parameter, not an input"),
    (["--vary", "revenue.Y4"], "clausewise: error: --vary revenue.Y4: revenue is reported in order, and "
                               "revenue.Y3 is not given\n"),
    (["--between", "RMB 900 million", "RMB 800 million"],
     "clausewise: error: --between RMB 900,000,000 RMB 800,000,000: the low end is above the high end\n"),
    (["--between", "0 shares", "1000"],
     "clausewise: error: --between 0 shares: 0 shares is shares, but the input is in RMB\n"),
    (["--between", "abc", "5"], "--between:1:1: error: --between takes an amount, written as in the rules\n"),
    (["--unit", "0"], "clausewise: error: --unit 0: the step must be more than zero\n"),
    (["--unit", "0.01", "--between", "0", "0.005"],
     "clausewise: error: --between: the high end RMB 0.005 is not a whole number of steps of RMB 0.01\n"),
])
def test_bad_options(capsys: pytest.CaptureFixture[str], args: list[str], expected: str) -> None:
    base = {"--vary": "revenue.Y3", "--until": UNTIL}
    for option in ("--vary", "--until"):
        if option not in args:
            args = [*args, option, base[option]]
    code, out, err = run_cli(capsys, "solve", KAIXIN, "--inputs", INPUTS, *args)
    assert (code, out) == (2, "")
    assert err.startswith(expected)


def test_library_refuses_bad_arguments(kaixin: evaluator.Contract) -> None:
    with pytest.raises(evaluator.ContractError, match="scan=0: give a whole number"):
        kaixin.solve(INPUTS, "revenue.Y3", UNTIL, scan=0)
    with pytest.raises(evaluator.ContractError, match="--between: 1.5 is not an amount"):
        kaixin.solve(INPUTS, "revenue.Y3", UNTIL, between=(1.5, 2))
    with pytest.raises(evaluator.ContractError, match="is not text"):
        kaixin.solve(INPUTS, "revenue.Y3", 5)  # type: ignore[arg-type]


def test_no_path_or_terminal_dependence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / "in.yaml"
    copy.write_text(INPUTS.read_text(encoding="utf-8"), encoding="utf-8")
    code, out, _ = run_cli(capsys, "solve", KAIXIN, "--inputs", copy, "--vary", "revenue.Y3", "--until", UNTIL)
    assert code == 0 and str(tmp_path) not in out


def test_cli_set_overrides_the_inputs_file(capsys: pytest.CaptureFixture[str]) -> None:
    # Y2 at 830,000,000 instead of 800,000,000: Y2's excess over its target of 732,000,000 is 98,000,000, half of
    # it (49,000,000) credited against Y1's shortfall of 65,000,000 (665,000,000 - 600,000,000) leaves 16,000,000,
    # which half of Y3's excess over 805,000,000 must cover: Y3 = 805,000,000 + 32,000,000 = 837,000,000.
    code, out, err = run_cli(capsys, "solve", KAIXIN, "--inputs", INPUTS, "--set", "revenue.Y2=830000000",
                             "--vary", "revenue.Y3", "--until", UNTIL, "--between", "0", "1000000000")
    assert (code, err) == (0, "")
    assert "answer: revenue.Y3 = RMB 837,000,000\n" in out


def test_cli_set_names_itself_when_wrong(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "solve", KAIXIN, "--inputs", INPUTS, "--set", "revenue.Y9=1",
                             "--vary", "revenue.Y3", "--until", UNTIL)
    assert code == 2 and out == "" and "--set" in err and "Y9" in err
