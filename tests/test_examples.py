"""Worked examples as files (`clausewise test`): evaluator/examples.py, example_runner.py, example_reset.py.

The Kaixin scenarios live in rules/kaixin/examples/*.yaml, run here twice: by the
command, and one test per example file (a legal editor adds an example without
touching Python). The rest checks what an editor meets: a wrong figure fails with
expected against actual at the value's line, --reset rewrites only the figures,
bad files exit 2 with a positioned error.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import pytest

from evaluator import examples
from evaluator.datafile import schema
from evaluator.errors import ContractFileError
from tests.helpers import KAIXIN, ROOT, run_cli

KAIXIN_EXAMPLES = ROOT / "rules" / "kaixin" / "examples"
EXAMPLE_FILES = sorted(ROOT.glob("rules/**/examples/*.yaml"))


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_the_kaixin_examples_pass_through_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "test", KAIXIN_EXAMPLES) == (0, "46 example(s) in 6 file(s): 46 passed\n", "")


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=_name)
def test_every_example_file_passes(path: Path) -> None:
    loaded = examples.load_file(path)
    contracts = examples.Contracts()
    failures = [f"{path.name}:{m.check.line}: {o.example.name}: {m.message}"
                for o in (examples.run(e, contracts.get(loaded.contract)) for e in loaded.examples)
                for m in o.mismatches]
    assert failures == []


def test_the_example_files_are_found() -> None:
    assert [p.name for p in EXAMPLE_FILES if p.parent == KAIXIN_EXAMPLES] == [
        "01-every-target-met.yaml", "02-a-miss-made-up.yaml", "03-two-misses-and-a-big-year.yaml",
        "04-a-last-year-miss.yaml", "05-zero-and-negative-revenue.yaml", "06-partial-years.yaml"]


def test_the_schema_is_published_and_the_kaixin_files_follow_it(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "schema", "example")
    assert (code, err) == (0, "")
    published = json.loads(out)
    assert published == schema("example.schema.json")
    jsonschema.Draft202012Validator.check_schema(published)
    import yaml

    for path in EXAMPLE_FILES:
        jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), published)


EXAMPLE = f"""\
contract: {KAIXIN.as_posix()}
examples:
  - name: a miss made up by a later year
    clause: SPA 5.2(2)
    reading: spa
    inputs:
      revenue: {{Y1: 600_000_000, Y2: 800_000_000}}
    expected:
      # 3M x (600 + 34)/665 = 2,860,150.375... -> 2,860,150; 2,860,150 - 2,706,766 = 153,384
      restored_shares: {{Y1: 153_384, Y2: 0, Y3: pending}}
      released_shares:
        Y2: 3_153_384     # 3,000,000 + 153,384
      escrow_shares: "9,139,850"
      target_met: {{Y1: false, Y2: true}}
"""


def _example_folder(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "examples"
    folder.mkdir(exist_ok=True)
    (folder / "kaixin.yaml").write_text(text, encoding="utf-8")
    return folder / "kaixin.yaml"


def test_an_example_that_holds_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _example_folder(tmp_path, EXAMPLE)
    assert run_cli(capsys, "test", tmp_path) == (0, "1 example(s) in 1 file(s): 1 passed\n", "")


WRONG = (EXAMPLE.replace("Y2: 3_153_384 ", "Y2: 3_153_385 ")
         .replace('"9,139,850"', '"9,139,851"')
         .replace("Y1: false, Y2: true", "Y1: true, Y2: true"))


def test_a_wrong_figure_fails_with_expected_actual_and_its_line(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = _example_folder(tmp_path, WRONG)
    code, out, err = run_cli(capsys, "test", path)
    assert (code, err) == (1, "")
    assert out == (f"{path}:3:5: FAILED a miss made up by a later year [SPA 5.2(2)]\n"
                   f"{path}:12:13:   released_shares[Y2]: expected 3,153,385, actual 3,153,384\n"
                   f"{path}:13:22:   escrow_shares: expected 9,139,851, actual 9,139,850\n"
                   f"{path}:14:24:   target_met[Y1]: expected true, actual false\n"
                   "1 example(s) in 1 file(s): 0 passed, 1 failed\n")


def test_reset_rewrites_only_the_figures_keeping_their_writing_and_comments(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _example_folder(tmp_path, WRONG)
    code, out, err = run_cli(capsys, "test", "--reset", "--yes", path)
    assert (code, err) == (0, "")
    assert out.endswith(f"reset 3 figure(s) in {path}\n1 example(s) in 1 file(s): 1 passed\n")
    assert path.read_text(encoding="utf-8") == EXAMPLE
    assert [p.name for p in path.parent.iterdir()] == ["kaixin.yaml"]  # no temporary file left


def test_reset_off_a_terminal_needs_yes(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path = _example_folder(tmp_path, WRONG)
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))  # not a terminal, even when it says yes
    code, out, err = run_cli(capsys, "test", "--reset", path)
    assert (code, out) == (2, "")
    assert err == ("clausewise: error: --reset rewrites example files: not on a terminal, it needs --yes\n"
                   "   hint: clausewise test --reset --yes PATH...\n")
    assert path.read_text(encoding="utf-8") == WRONG


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("answer", "rewritten"), [("y\n", True), ("\n", False), ("no\n", False)])
def test_reset_on_a_terminal_asks_first(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch, answer: str, rewritten: bool) -> None:
    path = _example_folder(tmp_path, WRONG)
    monkeypatch.setattr("sys.stdin", _Terminal(answer))
    code, out, err = run_cli(capsys, "test", "--reset", path)
    assert err == "rewrite 3 expected figure(s) in 1 file(s) with the actual ones? [y/N] "
    assert path.read_text(encoding="utf-8") == (EXAMPLE if rewritten else WRONG)
    assert code == (0 if rewritten else 1)
    assert ("nothing rewritten\n" in out) is not rewritten


def test_what_reset_cannot_fix_stays_a_failure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _example_folder(tmp_path, EXAMPLE.replace("      target_met:", "      target_mett:"))
    code, out, err = run_cli(capsys, "test", "--reset", "--yes", path)
    assert (code, err) == (1, "")
    assert out.count("target_mett") == 1  # once, not once per period
    assert f"{path}:14:25:   target_mett: the contract has no such output (its outputs: target, revenue," in out
    assert not [line for line in out.splitlines() if line.startswith("reset ")]


@pytest.mark.parametrize(("old", "new", "message"), [
    ("    reading: spa\n", "    reading: spa\n    readin: spa\n",
     ":6:5: error: examples.0.readin: unknown key 'readin'"),
    ("  - name: a miss made up by a later year\n    clause: SPA 5.2(2)\n", "  - name: x\n",
     ":3:5: error: examples.0: missing key 'clause'"),
    ("    reading: spa\n", "    reading: the-6-k\n", ":3:5: error: example 'a miss made up by a later year': "
                                                    "unknown reading 'the-6-k'"),
])
def test_a_bad_example_file_exits_2_at_its_place(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 old: str, new: str, message: str) -> None:
    path = _example_folder(tmp_path, EXAMPLE.replace(old, new, 1))
    code, out, err = run_cli(capsys, "test", path)
    assert code == 2
    assert err.startswith(f"{path}{message}\n")


def test_two_examples_of_one_name_are_refused(tmp_path: Path) -> None:
    second = EXAMPLE.split("examples:\n")[1]
    path = _example_folder(tmp_path, EXAMPLE + second)
    with pytest.raises(ContractFileError) as caught:
        examples.load_file(path)
    d = caught.value.diagnostics[0]
    assert (d.message, d.line, d.hint) == ("a second example named 'a miss made up by a later year'", 15,
                                           "the first is at line 3; give each example its own name")


def test_a_folder_without_example_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "inputs.yaml").write_text("revenue: {Y1: 1}\n", encoding="utf-8")  # not an example
    code, out, err = run_cli(capsys, "test", tmp_path)
    assert (code, out) == (2, "0 example(s) in 0 file(s): 0 passed; 1 problem(s) in the files (below)\n")
    assert err.startswith(f"{tmp_path}: error: no example files in {tmp_path}\n")


@pytest.mark.parametrize(("expected", "actual", "same"), [
    (3_153_384, 3_153_384, True), ("3,153,384", 3_153_384, True), ("1/3", examples.Fraction(1, 3), True),
    ("pending", None, True), (None, None, True), (0, None, False), ("pending", 0, False),
    (True, 1, False), (1, True, False), (False, False, True), ("2026-06-30", examples.date(2026, 6, 30), True),
    (examples.Decimal("0.25"), examples.Fraction(1, 4), True), ("0.25", examples.Fraction(1, 3), False),
])
def test_figures_compare_exactly(expected: object, actual: object, same: bool) -> None:
    assert examples.same(expected, actual) is same


def test_figures_are_shown_as_a_person_reads_them() -> None:
    F = examples.Fraction
    assert [examples.show(v) for v in (3_153_384, F(1, 4), F(-5, 2), F(1, 3), None, True, F(1234567, 100))] == [
        "3,153,384", "0.25", "-2.5", "1/3", "pending", "true", "12,345.67"]
