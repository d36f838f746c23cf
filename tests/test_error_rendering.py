"""Rendering many problems: each file read once, the first MAX_SHOWN problems in full, then a count.

An inputs file with 90,000 bad values used to take 12 minutes to report, because the
whole file was read again for every problem and every problem was printed.
"""

from __future__ import annotations

import os
import pathlib
import threading
from pathlib import Path
from typing import Any

import pytest

import evaluator
from evaluator.cli import main
from evaluator.errors import MAX_SHOWN, ContractError, Diagnostic
from evaluator.inputs import _in_order
from tests.helpers import DATA

PERF = DATA / "inputs"


def _problems(file: Path, count: int) -> ContractError:
    return ContractError([Diagnostic(f"problem {i}", str(file), i + 1, 3, i + 1, 4) for i in range(count)])


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    reads: list[str] = []
    real = pathlib.Path.read_text

    def spy(self: Path, *args: Any, **kwargs: Any) -> str:
        reads.append(str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "read_text", spy)
    return reads


def test_a_file_is_read_once_however_many_problems_it_has(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = tmp_path / "inputs.yaml"
    file.write_text("".join(f"v{i}: bad\n" for i in range(120)), encoding="utf-8")
    error = _problems(file, 120)
    reads = _count_reads(monkeypatch)
    text = error.render()
    assert reads == [str(file)]
    lines = text.splitlines()
    assert len(lines) == MAX_SHOWN * 3 + 1  # each problem: message, source line, caret
    assert lines[:3] == [f"{file}:1:3: error: problem 0", "    1 | v0: bad", "      |   ^"]
    assert lines[-4:] == [f"{file}:50:3: error: problem 49", "   50 | v49: bad", "      |   ^",
                          "... and 70 more problems"]


@pytest.mark.parametrize(("count", "last"), [(MAX_SHOWN, "problem 49"), (MAX_SHOWN + 1, "... and 1 more problem")])
def test_the_count_of_problems_not_shown_is_exact(tmp_path: Path, count: int, last: str) -> None:
    file = tmp_path / "inputs.yaml"
    file.write_text("x: 1\n" * count, encoding="utf-8")
    assert _problems(file, count).render().splitlines()[-3 if count == MAX_SHOWN else -1].endswith(last)


def test_an_inputs_error_quotes_the_text_it_read_without_reading_again(tmp_path: Path) -> None:
    contract = evaluator.load(DATA / "exact" / "growth.yaml")
    inputs = tmp_path / "inputs.yaml"
    inputs.write_text("principal: lots\n", encoding="utf-8")
    with pytest.raises(evaluator.InputError) as caught:
        contract.evaluate(inputs)
    inputs.unlink()  # gone by the time it is rendered: the text read is quoted all the same
    assert caught.value.render().splitlines() == [
        f"{inputs}:1:12: error: principal: 'lots' is not an amount",
        "    1 | principal: lots",
        "      |            ^",
        "   hint: write a plain number in USD, e.g. 1250000",
    ]


def test_a_pipe_named_in_a_problem_is_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    rendered: list[str] = []
    worker = threading.Thread(target=lambda: rendered.append(_problems(fifo, 1).render()), daemon=True)
    worker.start()
    worker.join(10)  # opening a pipe to read it waits for a writer: for ever
    assert rendered == [f"{fifo}:1:3: error: problem 0"]


def test_the_command_shows_the_first_problems_of_300_bad_values(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = tmp_path / "prices.yaml"
    inputs.write_text("price:\n" + "".join(f"  2026-{1 + i // 28:02d}-{1 + i % 28:02d}: n/a\n" for i in range(300)),
                      encoding="utf-8")
    assert main(["evaluate", str(PERF / "prices.yaml"), "--inputs", str(inputs)]) == 2
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert out == ""
    assert lines[:4] == [f"{inputs}:2:15: error: price.2026-01-01: 'n/a' is not an amount",
                         "    2 |   2026-01-01: n/a",
                         "      |               ^",
                         "   hint: write a plain decimal number, such as 1000000 or 1234.56"]
    assert len(lines) == MAX_SHOWN * 4 + 1
    assert lines[-1] == "... and 250 more problems"


class _Counted(list[Any]):
    """A list that counts how often its values are read."""

    reads = 0

    def __getitem__(self, i: Any) -> Any:
        _Counted.reads += 1
        return super().__getitem__(i)

    def __iter__(self) -> Any:
        for i in range(len(self)):
            yield self[i]


def test_reported_in_order_reads_each_value_once() -> None:
    periods = tuple(f"D{i}" for i in range(2_000))
    values = _Counted(range(2_000))
    problems: list[Diagnostic] = []
    _Counted.reads = 0
    _in_order(evaluator.datafile.Data("inputs.yaml", {}, ""), "revenue", periods, values, problems)
    assert problems == []
    assert _Counted.reads <= len(periods)  # it was 2,000 x 1,999 / 2 reads: quadratic in the periods
