"""`clausewise simulate` and `Contract.simulate`: Monte Carlo valuation, exact per path, reproducible by seed."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

import evaluator
from evaluator.cli import main
from evaluator.result import exact_decimal

ROOT = Path(__file__).resolve().parent.parent
KAIXIN = ROOT / "contracts" / "kaixin-spa.yaml"
MODEL = ROOT / "contracts" / "examples" / "kaixin-model.yaml"
INPUTS = ROOT / "contracts" / "examples" / "kaixin-inputs.yaml"


@pytest.fixture(scope="module")
def kaixin() -> evaluator.Contract:
    return evaluator.load(KAIXIN)


def _model(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "model.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_zero_volatility_equals_the_deterministic_evaluation(kaixin: evaluator.Contract, tmp_path: Path) -> None:
    model = _model(tmp_path, "inputs:\n  revenue:\n    lognormal_growth: {drift: 0, volatility: 0}\n")
    readings = list(kaixin.interpretations)
    result = kaixin.simulate(model, 50, 7, inputs=INPUTS, interpretations=readings)
    # Y1 and Y2 are known; Y3..Y5 grow from Y2 by exp(0): 800,000,000 each year, on every path
    assert dict(result.drawn) and "revenue[Y3..Y5]" in dict(result.drawn)
    same = {"revenue": {"Y1": 600000000, "Y2": 800000000, "Y3": 800000000, "Y4": 800000000, "Y5": 800000000}}
    for reading, got in zip(readings, result.readings, strict=True):
        want = kaixin.evaluate(same, reading, narrate=False)
        figures = {f.output: f for f in got.figures}
        for name, value in want.outputs.items():
            for period, v in (value.items() if isinstance(value, dict) else [(None, value)]):
                f = figures[f"{name}.{period}" if period else name]
                if v is None:
                    assert f.count == 0 and f.pending == 50
                elif isinstance(v, bool):
                    assert f.mean == (1 if v else 0)
                else:
                    assert f.mean == Fraction(v) and f.sd == 0 and set(f.percentiles) == {v}, f


def test_a_two_point_distribution_gives_its_exact_mean(kaixin: evaluator.Contract, tmp_path: Path) -> None:
    (tmp_path / "growth.csv").write_text("year,growth\n2019,-0.5\n2020,0.5\n", encoding="utf-8")
    model = _model(tmp_path, "inputs:\n  revenue:\n    bootstrap: {file: growth.csv, column: growth}\n"
                             "    round: RMB 1\n")
    known = {"revenue": {"Y1": 600000000, "Y2": 800000000, "Y3": 805000000, "Y4": 885000000}}
    result = kaixin.simulate(model, 2000, 3, inputs=known)
    low, high = 442500000, 1327500000  # 885,000,000 x 0.5 and x 1.5, exact: Y5 takes one of two values
    y5 = result.batches["spa"].values("revenue.Y5")
    assert set(y5) == {low, high}
    k = y5.count(low)
    figures = {f.output: f for f in result.readings[0].figures}
    for output in ("released_shares.Y5", "deducted_shares.Y5", "total_released_shares"):
        name, _, period = output.partition(".")
        at = [kaixin.evaluate({"revenue": {**known["revenue"], "Y5": v}}, narrate=False).outputs[name]
              for v in (low, high)]
        lo, hi = (x[period] if period else x for x in at)
        # the mean is exactly the two values weighted by how many paths drew each
        assert figures[output].mean == Fraction(k * lo + (2000 - k) * hi, 2000)
        # and the analytic mean, (lo + hi) / 2, is within 4 standard errors
        se = Fraction(str(figures[output].se))
        assert abs(figures[output].mean - Fraction(lo + hi, 2)) <= 4 * se
    assert figures["deducted_shares.Y5"].mean == Fraction(k * 1637064, 2000)  # 442.5M of 974M: 1,637,064 lost
    assert figures["deducted_shares.Y5"].percentiles[-1] == 1637064


def test_percentiles_match_a_hand_count(kaixin: evaluator.Contract) -> None:
    result = kaixin.simulate(MODEL, 20, 11, inputs=INPUTS)
    values = sorted(result.batches["spa"].values("revenue.Y3"))
    f = next(f for f in result.readings[0].figures if f.output == "revenue.Y3")
    # nearest rank over 20 paths: P5 the 1st, P25 the 5th, P50 the 10th, P75 the 15th, P95 the 19th
    assert f.percentiles == (values[0], values[4], values[9], values[14], values[18])
    assert f.mean == Fraction(sum(values), 20)
    assert f.count == 20 and f.pending == 0


def test_as_of_fixes_only_what_is_known_then(kaixin: evaluator.Contract) -> None:
    before = kaixin.simulate(MODEL, 10, 1, inputs=INPUTS, as_of="2027-06-01")  # Y2 has not ended
    assert [k for k, _ in before.fixed] == ["revenue[Y1]"] and [k for k, _ in before.drawn] == ["revenue[Y2..Y5]"]
    after = kaixin.simulate(MODEL, 10, 1, inputs=INPUTS, as_of="2028-01-15")
    assert [k for k, _ in after.fixed] == ["revenue[Y1]", "revenue[Y2]"]
    assert set(after.batches["spa"].values("revenue.Y2")) == {800000000}


def test_tranches_and_present_value(kaixin: evaluator.Contract, tmp_path: Path) -> None:
    model = _model(tmp_path, "inputs:\n  revenue:\n    lognormal_growth: {drift: 0, volatility: 0}\n"
                             "released: released_shares\n"
                             "tranches: {output: deducted_shares, counts: deducted, full: '3,000,000 shares'}\n")
    result = kaixin.simulate(model, 10, 0, inputs=INPUTS, price="2.50", discount_rate="0.1")
    reading = result.readings[0]
    released = dict(reading.released)
    # on 800,000,000 a year: Y1 2,706,766; Y2 3,153,384 (with Y1's restored shares); Y3..Y5 short of target
    want = kaixin.evaluate({"revenue": {"Y1": 600000000, "Y2": 800000000, "Y3": 800000000, "Y4": 800000000,
                                        "Y5": 800000000}}, narrate=False).outputs["released_shares"]
    assert released == {p: Fraction(v) for p, v in want.items()}
    years = dict(result.years)
    assert years == {"Y1": 1, "Y2": 2, "Y3": 3, "Y4": 4, "Y5": 5}  # from 2025-12-02, the contract's date
    assert reading.present_value == sum(Fraction(v) * Fraction(5, 2) / Fraction(11, 10) ** years[p]
                                        for p, v in want.items())
    tranches = {t.period: t for t in reading.tranches}
    assert (tranches["Y2"].fully_released, tranches["Y3"].partly, tranches["Y1"].partly) == (10, 10, 10)


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "html"])
def test_the_same_seed_gives_the_same_bytes(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["simulate", str(KAIXIN), "--model", str(MODEL), "--inputs", str(INPUTS), "--paths", "500",
            "--all-interpretations", "--price", "2.5", "--discount-rate", "0.1", "--format", fmt]
    first = _cli([*args, "--seed", "42"], capsys)
    again = _cli([*args, "--seed", "42"], capsys)
    other = _cli([*args, "--seed", "43"], capsys)
    assert first[0] == 0 and first == again
    assert other[1] != first[1]


def test_the_report_says_how_draws_become_exact(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(["simulate", str(KAIXIN), "--model", str(MODEL), "--paths", "100", "--seed", "5"], capsys)
    assert code == 0
    assert ("Exactness: each draw (a binary float from numpy.random.Generator(PCG64(5))) is rounded half even "
            "(revenue to RMB 1) before evaluation; every figure is computed exactly from those amounts.") in out
    assert "Drawn: revenue[Y1..Y5]: lognormal growth" in out


def test_means_are_exact_decimals(kaixin: evaluator.Contract) -> None:
    result = kaixin.simulate(MODEL, 1000, 9, inputs=INPUTS)
    f = next(f for f in result.readings[0].figures if f.output == "released_shares.Y3")
    values = result.batches["spa"].values("released_shares.Y3")
    assert f.mean == Fraction(sum(values), 1000) and exact_decimal(f.mean) is not None


@pytest.mark.parametrize(("body", "message"), [
    ("inputs:\n  revenue:\n    normal: {mean: 900000000, sd: -1}\n", "a standard deviation of -1 is negative"),
    ("inputs:\n  revenue:\n    uniform: {low: 2, high: 1}\n", "the bounds are out of order at Y1"),
    ("inputs:\n  revenue:\n    normal: {mean: 1, sd: 1}\n    round: 1 shares\n", "'1 shares' is in shares, not RMB"),
    ("inputs:\n  revenue:\n    lognormal_growth: {drift: 0, volatility: 0.1, correlation: 1.5}\n",
     "a correlation of 1.5 is not between -1 and 1"),
    ("inputs:\n  revenue:\n    lognormal_growth: {drift: 0, volatility: 0.1}\n",
     "revenue[Y1] is drawn as growth, but no earlier value is known to grow from"),
    ("inputs:\n  revenue: {normal: {mean: 1, sd: 1}}\ntranches: {output: released, counts: deducted, full: 1}\n",
     "'released' is not an output of the contract"),
])
def test_bad_models_are_refused_at_their_place(kaixin: evaluator.Contract, tmp_path: Path, body: str,
                                               message: str) -> None:
    with pytest.raises(evaluator.InputError) as info:
        kaixin.simulate(_model(tmp_path, body), 10, 0)
    assert message in str(info.value)


def test_a_figure_set_on_the_command_line_is_known_not_drawn(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(["simulate", str(KAIXIN), "--model", str(MODEL), "--paths", "100", "--seed", "5",
                           "--set", "revenue.Y1=600000000", "--as-of", "2027-06-01"], capsys)
    assert (code, err) == (0, "")
    assert "Fixed (known): revenue[Y1] = 600,000,000\n" in out and "Drawn: revenue[Y2..Y5]" in out
    # Y1 fixed at 600,000,000 against its target of 665,000,000: every path has the same Y1 revenue.
    row = next(line.split() for line in out.splitlines() if line.startswith("revenue.Y1 "))
    assert row[:5] == ["revenue.Y1", "RMB", "600,000,000", "0", "0"]  # name, unit, mean, sd, se
