"""The clausewise command: what analysts run, its output formats and exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evaluator.cli import main
from tests.helpers import KAIXIN, ROOT, run_cli

EXAMPLE = ROOT / "contracts" / "examples" / "kaixin-inputs.yaml"


run = run_cli



def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_evaluate_prints_a_table_with_pending_years(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "evaluate", KAIXIN, "--inputs", EXAMPLE)
    assert (code, err) == (0, "")
    assert "reading: spa" in out
    # Example inputs: Y1 600,000,000 (own shares 3,000,000 x 600/665 = 2,706,766.9 -> 2,706,766),
    # Y2 800,000,000 (all 3,000,000 plus 153,384 restored to Y1, worked out in rules/kaixin/examples).
    row = next(line for line in out.splitlines() if line.startswith("Shares released"))  # its label
    # each pending figure is marked with the footnotes saying why (revenue[Y3], [Y4], [Y5] not given)
    assert row.split()[3:] == ["2,706,766", "3,153,384", "pending", "[1]", "pending", "[1,2]", "pending", "[1,2,3]"]
    assert "Shares in escrow (shares)" in out


def test_evaluate_json_is_exact_ordered_and_deterministic(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "evaluate", KAIXIN, "--inputs", EXAMPLE, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["contract"] == "kaixin-spa"
    assert doc["interpretation"] == "spa"
    assert list(doc["outputs"]["target"]) == ["Y1", "Y2", "Y3", "Y4", "Y5"]
    assert doc["outputs"]["target"]["Y1"] == 665000000
    assert doc["outputs"]["released_shares"]["Y3"] is None
    assert doc["outputs"]["total_released_shares"] == 2706766 + 3153384
    assert doc["citations"]["deducted_shares"] == "SPA 5.2(1)"
    assert doc["units"]["target"] == "RMB"
    # total_released + cancelled + escrow = 15,000,000
    o = doc["outputs"]
    assert o["total_released_shares"] + o["cancelled_shares"] + o["escrow_shares"] == 15_000_000
    code, again, _ = run(capsys, "evaluate", KAIXIN, "--inputs", EXAMPLE, "--format", "json")
    assert again == out


def test_interpretation_is_selectable(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "evaluate", KAIXIN, "--inputs", EXAMPLE, "--format", "json",
                       "--interpretation", "press-release")
    assert code == 0
    doc = json.loads(out)
    assert doc["interpretation"] == "press-release"
    # Y2's excess 68,000,000 is not more than 50% of 732,000,000: no offset, Y2 releases its own 3,000,000.
    assert doc["outputs"]["released_shares"]["Y2"] == 3000000


def test_json_inputs_keep_decimals_exact(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = write(tmp_path, "in.json", '{"revenue": {"Y1": 665000000.10}}')
    code, out, _ = run(capsys, "evaluate", KAIXIN, "--inputs", inputs, "--format", "json")
    assert code == 0
    doc = json.loads(out, parse_float=str)
    assert doc["outputs"]["revenue"]["Y1"] == "665000000.1"  # exactly, not a binary float
    assert doc["outputs"]["target_met"]["Y1"] is True  # 665,000,000.10 >= 665,000,000


@pytest.mark.parametrize("args, needle", [
    (["evaluate", "missing.yaml"], "missing.yaml: error: no such file"),
    (["evaluate", KAIXIN, "--interpretation", "nope"], "unknown reading 'nope'"),
    (["evaluate", KAIXIN, "--inputs", "nowhere.yaml"], "nowhere.yaml: error: no such file"),
    (["check", "nothing.rules"], "nothing.rules: error: no such file"),
])
def test_bad_input_exits_2_without_traceback(args: list[str], needle: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *args)
    assert (code, out) == (2, "")
    assert needle in err
    assert "Traceback" not in err


@pytest.mark.parametrize("args, needle", [
    (["evaluate", str(KAIXIN), "--format", "docx"], "invalid choice"),  # pdf and xlsx are formats now
    (["frobnicate"], "invalid choice"),
    (["evaluate"], "required"),
    ([], "required"),
])
def test_bad_usage_exits_2(args: list[str], needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2
    assert needle in capsys.readouterr().err


def test_bad_inputs_file_is_reported_with_positions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = write(tmp_path, "in.yaml", "revenue:\n  Y1: lots\n  Y7: 5\nrevenu: 1\n")
    code, out, err = run(capsys, "evaluate", KAIXIN, "--inputs", inputs)
    assert code == 2 and out == ""
    assert f"{inputs}:2:7: error: revenue.Y1: 'lots' is not an amount" in err
    assert f"{inputs}:3:3: error: revenue.Y7: unknown period 'Y7'" in err
    assert f"{inputs}:4:1: error: revenu: unknown input 'revenu'" in err
    assert "did you mean 'revenue'?" in err
    assert "Traceback" not in err


def test_check_accepts_good_files(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", KAIXIN, ROOT / "rules" / "kaixin" / "spa.rules")
    assert code == 0
    assert "ok" in out


def test_check_rejects_a_broken_rule_file_with_every_error(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    broken = (ROOT / "rules" / "kaixin" / "spa.rules").read_text(encoding="utf-8")
    broken = broken.replace("= clamp(revenue[y], RMB 0, target[y])", "= clamp(revenu[y], RMB 0, target[y])")
    broken = broken.replace("= tranche[y] - own_shares[y] - restored_shares[y]",
                            "= tranche[y] - own_shares[y] - excess[y]")
    path = write(tmp_path, "spa.rules", broken)
    code, out, err = run(capsys, "check", path)
    assert code == 2
    lines = err.splitlines()
    unknown = next(i for i, line in enumerate(lines) if "unknown name 'revenu'" in line)
    assert lines[unknown].startswith(f"{path}:")
    assert "^^^^^^" in lines[unknown + 2]
    assert "did you mean 'revenue'?" in lines[unknown + 3]
    assert any("cannot subtract RMB from shares" in line for line in lines)


def test_python_dash_m_and_console_script_are_the_same_command() -> None:
    via_module = subprocess.run([sys.executable, "-m", "evaluator", "evaluate", str(KAIXIN), "--inputs",
                                 str(EXAMPLE), "--format", "json"], capture_output=True, text=True, check=False)
    assert via_module.returncode == 0, via_module.stderr
    # the script installed beside this interpreter (.venv/bin/python -m pytest, as the README runs it, does not
    # put .venv/bin on PATH), else the one on PATH
    script = shutil.which("clausewise", path=str(Path(sys.executable).parent)) or shutil.which("clausewise")
    if script is None:
        pytest.skip("the clausewise script is not on PATH (package not installed)")
    via_script = subprocess.run([script, "evaluate", str(KAIXIN), "--inputs", str(EXAMPLE), "--format", "json"],
                                capture_output=True, text=True, check=False)
    assert via_script.stdout == via_module.stdout
