"""--set NAME.PERIOD=VALUE: the same figures as an inputs file holding the value; bad overrides at the --set."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

import evaluator
from evaluator import overrides
from evaluator.cli import main
from tests.helpers import KAIXIN, ROOT

INPUTS = ROOT / "contracts" / "examples" / "kaixin-inputs.yaml"


def _run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def _figures(out: str) -> str:
    """A report without its provenance block, which names where the inputs came from (a file, --set
    overrides) and so rightly differs between the two ways of giving the same value: JSON's "provenance",
    CSV's trailing '#' comment lines, the table's "Provenance:" footer; a comparison's per side."""
    if out.startswith("{"):
        doc = json.loads(out)
        doc.pop("provenance", None)
        for side in doc.get("sides", ()):  # a comparison: each side's
            side.pop("provenance", None)
        return json.dumps(doc, indent=2)
    lines = [line for line in out.splitlines(keepends=True) if not line.startswith("#")]
    return "".join(lines).split("\nProvenance:\n", 1)[0].split("\nProvenance (", 1)[0]


def _with_y3(tmp_path: Path) -> Path:
    path = tmp_path / "inputs.yaml"
    path.write_text("revenue:\n  Y1: 600000000\n  Y2: 800000000\n  Y3: 850000000\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("command", [
    ["evaluate", KAIXIN, "--format", "json", "--all-interpretations"],
    ["evaluate", KAIXIN, "--format", "csv"],
    ["explain", KAIXIN, "deducted_shares", "Y1", "--format", "json"],
    ["diff", KAIXIN, "--interpretation", "spa", "--against", "press-release"],
    ["schedule", KAIXIN, "--as-of", "2029-03-01", "--format", "json"],
    ["history", KAIXIN],
])
def test_a_set_gives_what_the_inputs_file_with_that_value_gives(command: list[object], tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code_file, by_file, _ = _run(capsys, *command, "--inputs", _with_y3(tmp_path))
    code_set, by_set, err = _run(capsys, *command, "--inputs", INPUTS, "--set", "revenue.Y3=850,000,000")
    assert (code_set, err) == (code_file, "")
    assert _figures(by_set) == _figures(by_file)
    if "# Inputs: " in by_set:  # a CSV report's provenance says which figure the --set gave
        assert "# Overrides (--set): revenue.Y3=850,000,000\n" in by_set
        assert "# Overrides" not in by_file
    if command[0] in ("evaluate", "explain"):
        assert "38346" in by_set


def test_set_over_the_figure_the_file_gives_and_without_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "evaluate", KAIXIN, "--set", "revenue.Y1=665000000", "--format", "csv")
    assert "kaixin-spa,spa,released_shares,Y1,3000000,shares,known" in out
    _, out, _ = _run(capsys, "evaluate", KAIXIN, "--inputs", INPUTS, "--set", "revenue.Y1=665000000",
                     "--format", "csv")
    assert "kaixin-spa,spa,released_shares,Y1,3000000,shares,known" in out  # the file said 600000000
    assert "kaixin-spa,spa,revenue,Y2,800000000" in out  # the rest of the file stays


def test_set_pending_and_an_input_without_periods(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "evaluate", KAIXIN, "--inputs", INPUTS, "--set", "revenue.Y2=null", "--format", "csv")
    assert "kaixin-spa,spa,revenue,Y2,,RMB,pending" in out



def test_set_an_input_without_periods(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "inputs.yaml"
    path.write_text("escrow_issued: 2025-12-10\n", encoding="utf-8")
    as_of = ["--as-of", "2027-01-01", "--format", "json"]
    _, by_file, _ = _run(capsys, "evaluate", KAIXIN, "--inputs", path, *as_of)
    _, by_set, _ = _run(capsys, "evaluate", KAIXIN, "--set", "escrow_issued=2025-12-10", *as_of)
    _, without, _ = _run(capsys, "evaluate", KAIXIN, *as_of)
    assert _figures(by_set) == _figures(by_file) != _figures(without)
    # the provenance says where the value came from: the file, or the --set with no inputs file
    assert json.loads(by_file)["provenance"]["inputs"]["file"] == "inputs.yaml"
    assert json.loads(by_set)["provenance"]["inputs"]["overrides"] == ["escrow_issued=2025-12-10"]
    assert json.loads(by_set)["outputs"]["escrow_fee"] is not None


def test_batch_set_is_a_fixed_value_in_every_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenarios = tmp_path / "s.csv"
    scenarios.write_text("revenue.Y1,revenue.Y2,revenue.Y3\n600000000,800000000,900000000\n"
                         "600000000,800000000,\n", encoding="utf-8")
    code, out, err = _run(capsys, "batch", KAIXIN, "--scenarios", scenarios, "--set", "revenue.Y3=850000000")
    assert (code, err) == (0, "")
    header, *rows = [line.split(",") for line in out.splitlines()]
    column = header.index("deducted_shares.Y1")
    assert [r[column] for r in rows] == ["38346", "38346"]
    assert [r[header.index("revenue.Y3")] for r in rows] == ["850000000", "850000000"]


def test_library_values_are_exact() -> None:
    program = evaluator.load(KAIXIN).program
    assert overrides.values(program, ["revenue.Y3=850,000,000.5", "escrow_issued=2025-12-10"]) == {
        "revenue": {"Y3": Fraction(1700000001, 2)}, "escrow_issued": __import__("datetime").date(2025, 12, 10)}
    merged = overrides.merged(program, INPUTS, ["revenue.Y3=850000000"])
    assert merged == {"revenue": {"Y1": 600000000, "Y2": 800000000, "Y3": "850000000"}}
    assert evaluator.load(KAIXIN).evaluate(merged).outputs["deducted_shares"]["Y1"] == 38346  # type: ignore[index]


@pytest.mark.parametrize("setting, lines", [
    ("revenue.Y3=abc", ["--set:1:12: error: revenue.Y3: 'abc' is not an amount",
                        "    1 | revenue.Y3=abc",
                        "      |            ^^^",
                        "   hint: write a plain number in RMB, e.g. 1250000"]),
    ("revenue.Y3=8.5e8", ["--set:1:12: error: revenue.Y3: '8.5e8' is not an amount"]),
    ("revenue.Y3", ["--set:1:1: error: 'revenue.Y3' is not NAME.PERIOD=VALUE", "    1 | revenue.Y3",
                    "      | ^^^^^^^^^^",
                    "   hint: e.g. --set sales.FY3=850000, or --set closing=2025-12-10 for an input "
                    "without periods"]),
    ("revenu.Y3=1", ["--set:1:1: error: 'revenu' is not an input", "    1 | revenu.Y3=1", "      | ^^^^^^",
                     "   hint: did you mean 'revenue'?"]),
    ("revenue.Y9=1", ["--set:1:9: error: revenue.Y9: unknown period 'Y9' of revenue", "    1 | revenue.Y9=1",
                      "      |         ^^", "   hint: one of Y1, Y2, Y3, Y4, Y5"]),
    ("revenue=1", ["--set:1:1: error: 'revenue' has a value per year: say which"]),
    ("target.Y1=1", ["--set:1:1: error: 'target' is a rule, not an input: only inputs can be set"]),
    ("escrow_issued=2025-02-30", ["--set:1:15: error: escrow_issued: '2025-02-30' is not a date"]),
    ("escrow_issued.Y1=2025-12-10", ["--set:1:14: error: escrow_issued.Y1: 'escrow_issued' has one value, not "
                                     "one per period or date"]),
    ("escrow_account=5", ["--set:1:1: error: 'escrow_account' is a ledger of what happened: it cannot be set to "
                          "one value"]),
    ("revenue.Y4=900000000", ["--set:1:12: error: revenue.Y4: revenue for Y4 is given but not for Y3",
                              "    1 | revenue.Y4=900000000", "      |            ^^^^^^^^^",
                              "   hint: revenue is reported in order: give the earlier periods first"]),
])
def test_a_bad_set_is_reported_at_the_set(setting: str, lines: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "evaluate", KAIXIN, "--inputs", INPUTS, "--set", setting)
    assert (code, out) == (2, "")
    assert err.splitlines()[:len(lines)] == lines


def test_the_second_set_is_pointed_at_and_a_duplicate_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "explain", KAIXIN, "deducted_shares", "Y1", "--set", "revenue.Y1=1",
                        "--set", "revenue.Y1=2")
    assert code == 2
    assert err.splitlines()[:2] == ["--set:2:1: error: revenue.Y1 is set twice (also by --set number 1)",
                                    "    2 | revenue.Y1=2"]


def test_a_bad_set_in_a_batch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenarios = tmp_path / "s.csv"
    scenarios.write_text("revenue.Y1\n600000000\n", encoding="utf-8")
    code, out, err = _run(capsys, "batch", KAIXIN, "--scenarios", scenarios, "--set", "revenue.Y2=lots")
    assert (code, out) == (2, "")
    assert err.splitlines()[0] == "--set:1:12: error: revenue.Y2: 'lots' is not an amount"


def test_library_errors_are_input_errors() -> None:
    program = evaluator.load(KAIXIN).program
    with pytest.raises(evaluator.InputError) as raised:
        overrides.values(program, ["revenue.Y3=x"])
    assert str(raised.value) == "--set:1:12: revenue.Y3: 'x' is not an amount; hint: write a plain number in RMB, " \
                                "e.g. 1250000"
