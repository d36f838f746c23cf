"""Sweeps: Kaixin's figures over a grid of Y3 (and Y2) revenue, against hand figures, in every format.

By hand (SPA 5.1, 5.2; tranche 3,000,000 shares a year; Y1 revenue 600M against a 665M target, so a
65M shortfall and 2,706,766 own shares; Y2 800M against 732M: half of the 68M excess, 34M, offsets
Y1, leaving 31M): under the signed reading (spa) Y3 revenue R over its 805M target credits half of
the excess, (R - 805M) / 2, to Y1, and Y1 earns floor(3,000,000 * (600M + 34M + credit) / 665M):
R = 850M: credit 22.5M, floor(3e6 * 656.5 / 665) = 2,961,654, so 38,346 shares deducted;
R = 860M: credit 27.5M, floor(3e6 * 661.5 / 665) = 2,984,210: 15,790 deducted;
R = 867M: credit 31M, the whole shortfall: 0 deducted (and for any R above).
Under excess-year a credit counts at the target of the year of the excess: with all 31M credited by Y3,
floor(3e6 * 600/665 + 3e6 * 34/732 + 3e6 * 31/805) = floor(2,961,639.1) = 2,961,639: 38,361 deducted.
Under press-release only an excess above half the target offsets: none here, so 293,234 deducted.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path

import pytest

import evaluator
from evaluator import overrides
from evaluator import sweep as sweep_
from evaluator.cli import main
from tests.helpers import KAIXIN, ROOT

INPUTS = ROOT / "contracts" / "examples" / "kaixin-inputs.yaml"
EVENTS = ROOT / "contracts" / "examples" / "kaixin-events.yaml"
Y3 = "revenue.Y3=800000000..1000000000"


def _run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def kaixin() -> evaluator.Contract:
    return evaluator.load(KAIXIN)


def test_hand_figures_at_chosen_grid_points(kaixin: evaluator.Contract) -> None:
    s = kaixin.sweep([Y3], 10_000_000, INPUTS, interpretations=list(kaixin.interpretations))
    assert s.readings == ("spa", "excess-year", "press-release")
    assert len(s.points) == 21 and s.points[0] == (Fraction(800_000_000),) and s.points[-1] == (Fraction(10**9),)
    assert s.at("deducted_shares.Y1", 850_000_000) == 38_346
    assert s.at("deducted_shares.Y1", 860_000_000) == 15_790
    assert s.at("deducted_shares.Y1", 870_000_000) == 0
    assert s.at("deducted_shares.Y1", "900000000", reading="excess-year") == 38_361
    assert s.at("deducted_shares.Y1", 900_000_000, reading="press-release") == 293_234
    # where deducted_shares[Y1] reaches 0 under spa: between 860M and 870M (at 867M, by hand)
    column = s.values["spa"]["deducted_shares.Y1"]
    assert [p[0] for p, v in zip(s.points, column, strict=True) if v == 0][0] == 870_000_000
    assert "revenue.Y3" not in s.outputs  # the varied input is the grid's own column
    assert s.notes == ()


def test_the_point_where_it_reaches_zero_exactly(kaixin: evaluator.Contract) -> None:
    s = kaixin.sweep(["revenue.Y3=866999998..867000001"], 1, INPUTS, outputs=["deducted_shares.Y1"])
    assert s.values["spa"]["deducted_shares.Y1"] == [1, 1, 0, 0]  # 866,999,999 leaves RMB 0.5 uncredited


def test_two_inputs(kaixin: evaluator.Contract) -> None:
    s = kaixin.sweep(["revenue.Y2=732000000..800000000", Y3], ["34000000", "50000000"], INPUTS,
                     outputs=["deducted_shares.Y1"])
    assert [len(a.values) for a in s.axes] == [3, 5]
    assert len(s.points) == 15 and s.points[1] == (Fraction(732_000_000), Fraction(850_000_000))
    assert s.at("deducted_shares.Y1", 800_000_000, 850_000_000) == 38_346
    # Y2 at its target: no Y2 excess; Y3 850M credits 22.5M: floor(3e6 * 622.5 / 665) = 2,808,270
    assert s.at("deducted_shares.Y1", 732_000_000, 850_000_000) == 3_000_000 - 2_808_270


def test_an_uneven_step_ends_at_the_upper_end_and_says_so(kaixin: evaluator.Contract) -> None:
    s = kaixin.sweep([Y3], "30000000", INPUTS, outputs=["deducted_shares.Y1"])
    assert [p[0] for p in s.points][-2:] == [Fraction(980_000_000), Fraction(1_000_000_000)]
    assert s.notes == ("the step of revenue.Y3 does not divide the range: the last step is shorter, ending at "
                       "1,000,000,000",)


def test_exact_decimal_steps(kaixin: evaluator.Contract) -> None:
    s = kaixin.sweep(["revenue.Y3=0.1..0.3"], "0.1", INPUTS, outputs=["revenue.Y3"])
    assert [p[0] for p in s.points] == [Fraction(1, 10), Fraction(2, 10), Fraction(3, 10)]
    assert s.values["spa"]["revenue.Y3"] == [Decimal("0.1"), Decimal("0.2"), Decimal("0.3")]


def test_a_date_input_by_days(kaixin: evaluator.Contract) -> None:
    s = kaixin.sweep(["escrow_issued=2025-12-01..2025-12-29"], 7, {"revenue": {"Y1": 600000000}})
    assert [p[0] for p in s.points] == [date(2025, 12, d) for d in (1, 8, 15, 22, 29)]
    assert s.notes == ("no output changes over this range: every output is shown",)
    assert s.outputs[0] == "target.Y1"


def test_inputs_that_cannot_be_columns_are_evaluated_point_by_point(kaixin: evaluator.Contract) -> None:
    s = kaixin.sweep(["revenue.Y3=850000000..900000000"], 50_000_000, EVENTS, outputs=["deducted_shares.Y1"])
    at = kaixin.evaluate(overrides.merged(kaixin.program, EVENTS, ["revenue.Y3=850000000"]))
    assert s.values["spa"]["deducted_shares.Y1"] == [at.outputs["deducted_shares"]["Y1"], 0]  # type: ignore[index]
    assert at.outputs["deducted_shares"]["Y1"] == 38_346  # type: ignore[index]


def test_set_and_vary_together(kaixin: evaluator.Contract) -> None:
    s = kaixin.sweep([Y3], 50_000_000, INPUTS, sets=["revenue.Y2=732000000"], outputs=["deducted_shares.Y1"])
    assert s.at("deducted_shares.Y1", 850_000_000) == 3_000_000 - 2_808_270


# ---- the command and its formats ----------------------------------------------------------------


def test_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "sweep", KAIXIN, "--inputs", INPUTS, "--vary", Y3, "--step", "100000000",
                          "--outputs", "deducted_shares.Y1", "--all-interpretations")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "Sweep of kaixin-spa: revenue.Y3 (RMB) from 800,000,000 to 1,000,000,000 by 100,000,000 (3 points)",
        "",
        "revenue.Y3 (RMB)  output                           spa  excess-year  press-release",
        "----------------  ---------------------------  -------  -----------  -------------",
        "     800,000,000  deducted_shares.Y1 (shares)  139,850      153,889        293,234  *",
        "     900,000,000  deducted_shares.Y1 (shares)        0       38,361        293,234  *",
        "   1,000,000,000  deducted_shares.Y1 (shares)        0       38,361        293,234  *",
        "",
        "* the readings differ",
    ]


def test_csv_read_back(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "sweep", KAIXIN, "--inputs", INPUTS, "--vary", Y3, "--step", "10000000",
                        "--outputs", "deducted_shares.Y1,escrow_shares", "--all-interpretations", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 21
    assert list(rows[0]) == ["revenue.Y3", "deducted_shares.Y1 (spa)", "escrow_shares (spa)",
                             "deducted_shares.Y1 (excess-year)", "escrow_shares (excess-year)",
                             "deducted_shares.Y1 (press-release)", "escrow_shares (press-release)"]
    at_850 = next(r for r in rows if r["revenue.Y3"] == "850000000")
    assert at_850["deducted_shares.Y1 (spa)"] == "38346"
    assert at_850["deducted_shares.Y1 (press-release)"] == "293234"


def test_json_read_back(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "sweep", KAIXIN, "--inputs", INPUTS, "--vary", Y3, "--step", "10000000",
                     "--vary", "revenue.Y2=700000000..800000000", "--step", "50000000", "--format", "json",
                     "--outputs", "deducted_shares.Y1")
    data = json.loads(out)
    assert data["schema"] == "clausewise/sweep/1"
    assert [v["points"] for v in data["vary"]] == [21, 3]
    point = next(p for p in data["points"] if p["at"] == {"revenue.Y3": 850000000, "revenue.Y2": 800000000})
    assert point["values"] == {"spa": {"deducted_shares.Y1": 38346}}


def test_xlsx_read_back(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    target = tmp_path / "sweep.xlsx"
    code, out, err = _run(capsys, "sweep", KAIXIN, "--inputs", INPUTS, "--vary", Y3, "--step", "10000000",
                          "--outputs", "deducted_shares.Y1", "--all-interpretations", "--output", target)
    assert (code, out, err) == (0, "", f"wrote {target}\n")
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["spa", "excess-year", "press-release"]
    rows = list(book["spa"].iter_rows(values_only=True))
    assert rows[0] == ("revenue.Y3 (RMB)", "deducted_shares.Y1 (shares)")
    assert rows[6] == (850_000_000, 38_346)
    assert list(book["excess-year"].iter_rows(values_only=True))[11] == (900_000_000, 38_361)


class _Counter(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, int] = {}
        self.classes: dict[str, int] = {}
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1
        for key, value in attrs:
            if key == "class" and value:
                self.classes[value] = self.classes.get(value, 0) + 1
            if key in ("src", "href") and value:
                self.sources.append(value)


def test_html_line_chart_and_heat_map(capsys: pytest.CaptureFixture[str]) -> None:
    _, one, _ = _run(capsys, "sweep", KAIXIN, "--inputs", INPUTS, "--vary", Y3, "--step", "10000000",
                     "--outputs", "deducted_shares.Y1", "--all-interpretations", "--format", "html")
    page = _Counter()
    page.feed(one)
    assert page.classes["chart line"] == 1 and page.tags["circle"] == 3 * 21
    assert page.tags.get("script", 0) == 0 and page.sources == []  # self-contained
    assert "spa: deducted_shares.Y1 = 38,346 at revenue.Y3 = 850,000,000" in one
    _, two, _ = _run(capsys, "sweep", KAIXIN, "--inputs", INPUTS, "--vary", Y3, "--step", "50000000", "--vary",
                     "revenue.Y2=700000000..800000000", "--step", "50000000", "--outputs", "deducted_shares.Y1",
                     "--format", "html")
    page = _Counter()
    page.feed(two)
    assert page.classes["chart heat"] == 1 and page.classes["cell"] == 5 * 3
    assert "revenue.Y3 = 850,000,000, revenue.Y2 = 800,000,000: deducted_shares.Y1 = 38,346" in two


def test_an_input_file_is_never_the_output(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    inputs = tmp_path / "inputs.yaml"
    inputs.write_text(INPUTS.read_text(encoding="utf-8"), encoding="utf-8")
    before = inputs.read_bytes()
    code, _, err = _run(capsys, "sweep", KAIXIN, "--inputs", inputs, "--vary", Y3, "--step", "10000000",
                        "--output", inputs, "--format", "csv")
    assert code == 2 and "this file is read for this report" in err
    assert inputs.read_bytes() == before


# ---- bad input -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("vary, step, lines", [
    ("revenue.Y3=1000000000..800000000", "1", [
        "--vary:1:12: error: the range runs backwards: 1,000,000,000 is after 800,000,000",
        "    1 | revenue.Y3=1000000000..800000000", "      |            ^^^^^^^^^^^^^^^^^^^^^",
        "   hint: write the lower end first: revenue.Y3=800000000..1000000000"]),
    ("revenue.Y3=2027-01-01..2027-12-31", "1", [
        "--vary:1:12: error: revenue.Y3 is in RMB: the range gives a date, 2027-01-01",
        "    1 | revenue.Y3=2027-01-01..2027-12-31", "      |            ^^^^^^^^^^",
        "   hint: give amounts in RMB, e.g. 800000000..1000000000"]),
    ("revenue.Y3=800000000 USD..900000000 USD", "1", ["--vary:1:12: error: revenue.Y3 is in RMB, not USD"]),
    ("escrow_issued=1..5", "1", ["--vary:1:15: error: escrow_issued is a date: the range gives an amount"]),
    ("revenu.Y3=1..2", "1", ["--vary:1:1: error: 'revenu' is not an input", "    1 | revenu.Y3=1..2",
                             "      | ^^^^^^", "   hint: did you mean 'revenue'?"]),
    ("revenue.Y6=1..2", "1", ["--vary:1:9: error: revenue.Y6: unknown period 'Y6' of revenue"]),
    ("target.Y3=1..2", "1", ["--vary:1:1: error: 'target' is a rule, not an input: only inputs can be varied"]),
    ("revenue.Y3=800000000", "1", ["--vary:1:1: error: 'revenue.Y3=800000000' is not NAME.PERIOD=FROM..TO"]),
    ("revenue.Y3=800000000..900000000", "0", [
        "--step:1:1: error: the step is 0: it must be more than 0", "    1 | 0", "      | ^",
        "   hint: give an amount in RMB, more than 0, e.g. 10000000"]),
    ("revenue.Y3=800000000..900000000", "-10", ["--step:1:1: error: the step is -10: it must be more than 0"]),
    ("revenue.Y3=800000000..900000000", "ten", ["--step:1:1: error: 'ten' is not a step"]),
    ("revenue.Y3=800000000..900000000", "1", [
        "--step:1:1: error: 100,000,001 grid points for revenue.Y3: a sweep has at most 100,000",
        "    1 | 1", "      | ^", "   hint: give a larger --step, or a narrower range"]),
    ("escrow_issued=2025-12-01..2026-01-01", "0.5", ["--step:1:1: error: '0.5' is not a step for a date"]),
    ("revenue.Y4=800000000..900000000", "10000000", [
        "--vary:1:12: error: revenue.Y4: revenue for Y4 is given but not for Y3"]),
])
def test_a_bad_range_or_step(vary: str, step: str, lines: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "sweep", KAIXIN, "--inputs", INPUTS, "--vary", vary, "--step", step)
    assert (code, out) == (2, "")
    assert err.splitlines()[:len(lines)] == lines
    assert "Traceback" not in err


def test_too_many_points_in_two_dimensions(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "sweep", KAIXIN, "--inputs", INPUTS, "--vary", Y3, "--vary",
                        "revenue.Y2=0..1000", "--step", "1000000", "--step", "1")
    assert code == 2
    assert err.splitlines()[0] == "--step: error: 201,201 grid points (201 by 1,001): a sweep has at most 100,000"


def test_other_bad_options(capsys: pytest.CaptureFixture[str]) -> None:
    base = ["sweep", KAIXIN, "--inputs", INPUTS, "--step", "10000000"]
    code, _, err = _run(capsys, *base, "--vary", Y3, "--vary", "revenue.Y2=1..2", "--vary", "revenue.Y1=1..2")
    assert code == 2 and err.splitlines()[0] == "--vary:3:1: error: 3 inputs to vary: a sweep varies one or two"
    code, _, err = _run(capsys, *base, "--vary", Y3, "--set", "revenue.Y3=1")
    assert code == 2 and err.splitlines()[0] == "--set:1:1: error: revenue.Y3 is both set and varied"
    code, _, err = _run(capsys, *base, "--vary", Y3, "--outputs", "deducted,deducted_shares.Y9")
    assert code == 2 and err.splitlines()[:4] == [
        "--outputs:1:1: error: 'deducted' is not an output", "    1 | deducted,deducted_shares.Y9",
        "      | ^^^^^^^^", "   hint: did you mean 'deducted_shares'?"]
    assert "--outputs:1:10: error: Y9 is not a period of deducted_shares" in err
    code, _, err = _run(capsys, *base, "--vary", Y3, "--format", "xlsx")
    assert code == 2 and err.splitlines()[0] == "clausewise: error: --format xlsx writes a workbook: name its file"
    code, _, err = _run(capsys, *base, "--vary", Y3, "--set", "revenue.Y2=x")
    assert code == 2 and err.splitlines()[0] == "--set:1:12: error: revenue.Y2: 'x' is not an amount"
    code, _, err = _run(capsys, "sweep", KAIXIN, "--vary", Y3)
    assert code == 2 and err.splitlines()[0] == "clausewise: error: give the step of the grid: --step STEP"


def test_library_bad_input_is_an_input_error(kaixin: evaluator.Contract) -> None:
    with pytest.raises(evaluator.InputError) as raised:
        kaixin.sweep(["revenue.Y3=9..1"], 1, INPUTS)
    assert str(raised.value).startswith("--vary:1:12: the range runs backwards: 9 is after 1")
    assert sweep_.MAX_POINTS == 100_000


def test_a_failing_point_is_reported_and_the_others_shown(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    rules = ('currency USD cites "x"\ninput a: USD cites "x"\ninput b: USD cites "x"\n'
             'rule q cites "x" = round a / b down to 0.01\noutputs q\n')
    (tmp_path / "rules.rules").write_text(rules, encoding="utf-8")
    (tmp_path / "c.yaml").write_text("contract: t\ntitle: T\ndate: 2026-01-01\nparties:\n  - {id: A, name: A}\n"
                                     "rules:\n  - rules.rules\n", encoding="utf-8")
    s = evaluator.load(tmp_path / "c.yaml").sweep(["b=-1..1"], "0.5", {"a": 1})
    assert s.values["rules"]["q"] == [Decimal(-1), Decimal(-2), None, Decimal(2), Decimal(1)]
    assert list(s.errors["rules"]) == [2]
    code, out, err = _run(capsys, "sweep", tmp_path / "c.yaml", "--set", "a=1", "--vary", "b=-1..1", "--step",
                          "0.5", "--format", "csv")
    assert code == 2
    assert out.splitlines() == ["b,q", "-1,-1", "-0.5,-2", "0,", "0.5,2", "1,1"]
    assert err == "sweep: at b = 0 (rules): error: in q: division by zero\n" \
                  "   hint: the amount divided by is zero for these inputs\n"


def test_a_workbook_holds_a_figure_as_a_number_only_where_excel_keeps_its_digits() -> None:
    from evaluator.render_sweep import _xlsx_value

    assert _xlsx_value(38_346) == 38_346 and _xlsx_value(Decimal("850000000")) == 850_000_000
    assert _xlsx_value(Decimal("0.1")) == 0.1  # 1 significant digit: Excel shows 0.1 (the double 0.1000...0055)
    assert _xlsx_value(10**15 + 1) == "1000000000000001"
    assert _xlsx_value(date(2027, 1, 1)) == "2027-01-01" and _xlsx_value(None) is None
