"""Messages that show the fix: the fix they show works, and the library's str(e) carries the hint.

Each message has its corpus case (tests/corpus/); here, the fix its hint shows is applied to the case's
file, which then passes `check`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import evaluator
from tests.helpers import run_cli

CORPUS = Path(__file__).resolve().parent / "corpus"


@pytest.mark.parametrize(("case", "written", "fixed"), [
    ("syntax-currency-symbol-dollar", "$8,750,000", "USD 8,750,000"),
    ("check-unit-amount-minus-plain-number", "- 8,750,000", "- USD 8,750,000"),
    ("syntax-round-without-mode", "ebitda[y] to", "ebitda[y] down to"),
    ("syntax-comparison-chained", "<= ebitda[y] <", "<= ebitda[y] and ebitda[y] <"),
    ("check-series-indexed", "vwap[d]", "vwap on d"),
    ("check-unit-max-plain-number-first", "max(0,", "max(USD 0,"),
])
def test_the_fix_a_hint_shows_works(tmp_path: Path, case: str, written: str, fixed: str) -> None:
    rules = tmp_path / "rules.rules"
    shutil.copy(CORPUS / case / "rules.rules", rules)
    with pytest.raises(evaluator.ContractError):
        evaluator.load_rules([rules])
    text = rules.read_text(encoding="utf-8")
    assert text.count(written) == 1
    rules.write_text(text.replace(written, fixed), encoding="utf-8")
    evaluator.load_rules([rules])


def test_str_of_a_library_error_carries_its_hint() -> None:
    path = str(CORPUS / "check-series-indexed" / "rules.rules")
    with pytest.raises(evaluator.CheckError) as info:
        evaluator.load_rules([path])
    assert str(info.value) == (f"{path}:17:11: 'vwap' is given by date: it is read on a date, not indexed; "
                               "hint: write vwap on d")


def test_str_of_an_error_without_a_hint_is_its_message() -> None:
    err = evaluator.ContractError(evaluator.Diagnostic("the file is empty", "x.rules"))
    assert str(err) == "x.rules: the file is empty"


def test_the_command_shows_a_hint_once(capsys: pytest.CaptureFixture[str]) -> None:
    rules = CORPUS / "check-unit-max-plain-number-first" / "rules.rules"
    code, out, err = run_cli(capsys, "check", rules)
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"{rules}:14:9: error: max cannot compare USD with ratio",
        "   14 |   = max(0, USD 5,000,000 - ebitda[y])",
        "      |         ^",
        "   hint: write USD 0",
    ]
