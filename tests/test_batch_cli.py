"""`clausewise batch`: scenario files in, exact results out, failing rows reported and the rest computed.

Hand figures (Kaixin, SPA 4.1, 5.1, 5.2): a year's tranche is 3,000,000 shares; a year that misses its
target keeps floor(3,000,000 x revenue / target) shares; half of a later year's excess offsets it.
- Scenario 1: Y1 600,000,000 (target 665,000,000): 3,000,000 x 600/665 = 2,706,766.9 -> 2,706,766 shares.
- Scenario 2: Y1 700,000,000 meets it: 3,000,000.
- Scenario 3: Y1 600,000,000 and Y2 800,000,000 (target 732,000,000): excess 68,000,000, half 34,000,000
  credited to Y1: floor(3,000,000 x 634/665) = 2,860,150, so 153,384 restored at Y2's release:
  Y2 releases 3,000,000 + 153,384 = 3,153,384.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from tests.helpers import KAIXIN, run_cli

CSV = "revenue.Y1,revenue.Y2\n600000000,\n700000000,\n600000000,800000000\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _rows(text: str) -> list[dict[str, str]]:
    lines = text.strip().split("\n")
    header = lines[0].split(",")
    return [dict(zip(header, line.split(","), strict=True)) for line in lines[1:]]


def test_csv_in_csv_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "batch", KAIXIN, "--scenarios", _write(tmp_path, "s.csv", CSV))
    assert (code, err) == (0, "")
    rows = _rows(out)
    assert [r["row"] for r in rows] == ["1", "2", "3"]
    assert [r["released_shares.Y1"] for r in rows] == ["2706766", "3000000", "2706766"]
    assert [r["released_shares.Y2"] for r in rows] == ["", "", "3153384"]  # pending without Y2's revenue
    assert [r["error"] for r in rows] == ["", "", ""]


def test_a_bad_cell_fails_its_row_and_the_others_are_written(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    scenarios = _write(tmp_path, "s.csv", "revenue.Y1,revenue.Y2\n600000000,\nsix hundred,\n,800000000\n")
    code, out, err = run_cli(capsys, "batch", KAIXIN, "--scenarios", scenarios, "--output", tmp_path / "r.csv")
    assert code == 2  # some scenarios failed: the results are written all the same
    assert f"{scenarios}: scenario 2, column revenue.Y1: error: 'six hundred' is not an amount" in err
    assert f"{scenarios}: scenario 3, column revenue.Y2: error: revenue for Y2 is given but not for Y1" in err
    rows = _rows((tmp_path / "r.csv").read_text(encoding="utf-8"))
    assert rows[0]["released_shares.Y1"] == "2706766"
    assert rows[1]["error"] == "revenue.Y1: 'six hundred' is not an amount"
    assert rows[1]["released_shares.Y1"] == ""


def test_strict_stops_at_the_first_failing_scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenarios = _write(tmp_path, "s.csv", "revenue.Y1\n600000000\n6e\n")
    code, out, err = run_cli(capsys, "batch", KAIXIN, "--scenarios", scenarios, "--strict",
                             "--output", tmp_path / "r.csv")
    assert code == 2 and not (tmp_path / "r.csv").exists()
    assert "scenario 2: revenue.Y1: '6e' is not an amount" in err


def test_json_rows_in_json_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenarios = _write(tmp_path, "s.json", json.dumps([{"revenue": {"Y1": 600000000}},
                                                       {"revenue": {"Y1": "700000000.5"}}]))
    code, out, err = run_cli(capsys, "batch", KAIXIN, "--scenarios", scenarios, "--output", tmp_path / "r.json")
    assert code == 0
    doc = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"), parse_float=Decimal)
    assert doc["schema"] == "clausewise/batch/1" and doc["rows"] == 2
    assert doc["columns"]["released_shares.Y1"] == [2706766, 3000000]
    assert doc["columns"]["revenue.Y1"] == [600000000, Decimal("700000000.5")]  # exact, never a float


def test_parquet_in_parquet_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    pq.write_table(pa.table({"revenue.Y1": pa.array([600_000_000, 700_000_000], type=pa.int64()),
                             "revenue.Y2": pa.array([800_000_000, None], type=pa.int64())}), tmp_path / "s.parquet")
    code, out, err = run_cli(capsys, "batch", KAIXIN, "--scenarios", tmp_path / "s.parquet",
                             "--output", tmp_path / "r.parquet")
    assert code == 0
    back = pq.read_table(tmp_path / "r.parquet").to_pydict()
    assert back["released_shares.Y1"] == [2706766, 3000000]
    assert back["released_shares.Y2"] == [3153384, None]
    pq.write_table(pa.table({"revenue.Y1": pa.array([6.0e8])}), tmp_path / "f.parquet")
    code, out, err = run_cli(capsys, "batch", KAIXIN, "--scenarios", tmp_path / "f.parquet")
    assert code == 2 and "column 'revenue.Y1' is binary floating point (double)" in err


def test_every_reading_side_by_side(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Y1 600M, Y2 1,200M: excess 468M. spa: half, 234M, more than Y1's 65M shortfall: Y1 made whole,
    # 3,000,000 - 2,706,766 = 293,234 restored. press-release: 468M > 50% of 732M = 366M, so all of it
    # offsets: made whole as well. excess-year: the 65M credit counts at Y2's target: 3,000,000 x 600/665
    # + 3,000,000 x 65/732 = 2,706,766.92 + 266,393.44 = 2,973,160.36 -> 2,973,160: 266,394 restored.
    scenarios = _write(tmp_path, "s.csv", "revenue.Y1,revenue.Y2\n600000000,1200000000\n")
    code, out, err = run_cli(capsys, "batch", KAIXIN, "--scenarios", scenarios, "--all-interpretations")
    assert code == 0
    row = _rows(out)[0]
    assert {k: v for k, v in row.items() if k.endswith(":restored_shares.Y1")} == {
        "spa:restored_shares.Y1": "293234", "excess-year:restored_shares.Y1": "266394",
        "press-release:restored_shares.Y1": "293234"}  # 3,000,000 - 2,706,766


def test_the_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "batch", KAIXIN, "--scenarios", _write(tmp_path, "s.csv", CSV), "--summary")
    assert code == 0
    line = next(x for x in out.splitlines() if x.startswith("released_shares.Y1 "))
    # 2,706,766, 3,000,000, 2,706,766: mean (8,413,532 / 3) = 2,804,510.666..., median 2,706,766
    assert line.split() == ["released_shares.Y1", "3", "0", "2,706,766", "2,706,766", "2,706,766", "3,000,000",
                            "3,000,000", "2,804,510.666666..."]
    pending = next(x for x in out.splitlines() if x.startswith("released_shares.Y2 "))
    assert pending.split()[:3] == ["released_shares.Y2", "1", "2"]


def test_scenarios_that_are_not_a_file_of_scenarios(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "batch", KAIXIN, "--scenarios", _write(tmp_path, "s.txt", "x"))
    assert code == 2 and "scenarios are a .csv, .json or .parquet file" in err
    code, out, err = run_cli(capsys, "batch", KAIXIN, "--scenarios", _write(tmp_path, "s.csv", "revenue.Y9\n1\n"))
    assert code == 2 and "unknown year of 'revenue' 'Y9'" in err
    code, out, err = run_cli(capsys, "batch", KAIXIN, "--scenarios", _write(tmp_path, "t.csv", "revenue.Y1\n1\n"),
                             "--output", tmp_path / "t.csv")
    assert code == 2 and "this file is read for this report" in err
