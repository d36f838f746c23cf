"""Outputs are exact at any size and in any decimal context, in every format.

tests/data/exact/growth.rules: USD 1,000,000 x 1.05^20 is exactly
2,653,297.7051444201339454307651519775390625 (1.05^20 = 105^20 / 100^20: 40 significant
digits, more than the 28 of a default decimal context), and a ten-millionth of the
principal is 0.0000001 (which str() of a Decimal would write 1E-7).

tests/data/exact/huge.rules: USD 1,234,567,891^550, a whole amount of 5,001 digits,
past Python's limit on converting an int to text (sys.int_info: 4,300 digits), and past
the default limit on the digits of a number (limits.py), raised here to 6,000.
"""

from __future__ import annotations

import decimal
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import evaluator
from evaluator.cli import main
from evaluator.limits import Limits
from tests.helpers import DATA, KAIXIN, ROOT

EXACT = DATA / "exact"
GROWTH, GROWTH_INPUTS, HUGE = EXACT / "growth.yaml", EXACT / "growth-inputs.yaml", EXACT / "huge.yaml"
GROWN = "2653297.7051444201339454307651519775390625"
GROWN_GROUPED = "2,653,297.7051444201339454307651519775390625"
HUGE_VALUE = 1234567891**550
EVENTS = ROOT / "contracts" / "examples" / "kaixin-events.yaml"
AMENDMENT = ROOT / "contracts" / "examples" / "kaixin-amendment-1.yaml"


def _digits(n: int) -> str:
    """An int's digits, worked out without str(int) (refused past 4,300 digits) nor Decimal."""
    chunks = []
    while n:
        n, rest = divmod(n, 10**100)
        chunks.append(f"{rest:0100d}")
    return "".join(reversed(chunks)).lstrip("0") or "0"


def _grouped(digits: str) -> str:
    head = len(digits) % 3 or 3
    return ",".join([digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)])


def _cli(capsys: pytest.CaptureFixture[str], *args: Any) -> str:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert (code, err) == (0, ""), err
    return out


def _hostile() -> decimal.Context:
    """A caller's context that rounds at 4 digits and traps any rounding at all."""
    return decimal.Context(prec=4, rounding=decimal.ROUND_DOWN, traps=[
        decimal.Rounded, decimal.Inexact, decimal.InvalidOperation, decimal.Overflow, decimal.DivisionByZero,
    ])


def _state(ctx: decimal.Context) -> tuple[Any, ...]:
    return (ctx.prec, ctx.rounding, ctx.Emin, ctx.Emax, ctx.capitals, ctx.clamp,
            {k: v for k, v in ctx.traps.items()}, {k: v for k, v in ctx.flags.items()})


# ------------------------------------------------------------ more digits than a context keeps


def test_a_40_digit_value_is_exact_through_evaluate() -> None:
    result = evaluator.load(GROWTH).evaluate({"principal": 1_000_000})
    assert result.outputs["grown"] == Decimal(GROWN)
    assert str(result.outputs["grown"]) == GROWN
    assert result.outputs["tiny"] == Decimal("0.0000001")
    assert '"grown": ' + GROWN + "," in result.to_json()
    assert '"tiny": 0.0000001\n' in result.to_json()


def test_a_40_digit_value_is_exact_in_every_format(capsys: pytest.CaptureFixture[str]) -> None:
    common = ("evaluate", GROWTH, "--inputs", GROWTH_INPUTS, "--format")
    assert json.loads(_cli(capsys, *common, "json"), parse_float=Decimal)["outputs"] == {
        "grown": Decimal(GROWN), "tiny": Decimal("0.0000001")}
    assert f"grown (USD)  {GROWN_GROUPED}\n" in _cli(capsys, *common, "table")
    csv = [line for line in _cli(capsys, *common, "csv").splitlines() if not line.startswith("#")]  # '#': provenance
    # the last column is the label, which is the output's name where the rules give it no label
    assert csv[1:] == [f"growth,,grown,,{GROWN},USD,known,T 1,,grown", "growth,,tiny,,0.0000001,USD,known,T 1,,tiny"]
    assert f"| grown (USD) | {GROWN_GROUPED} |" in _cli(capsys, *common, "markdown")
    assert GROWN_GROUPED in _cli(capsys, *common, "html")
    assert f"grown = USD {GROWN_GROUPED}\n" in _cli(capsys, "explain", GROWTH, "grown", "--inputs", GROWTH_INPUTS)


# ------------------------------------------------------------ the caller's decimal context

COMMANDS = [
    ("evaluate", GROWTH, "--inputs", GROWTH_INPUTS, "--format", "table"),
    ("evaluate", GROWTH, "--inputs", GROWTH_INPUTS, "--format", "json", "--trace"),
    ("evaluate", KAIXIN, "--inputs", EVENTS, "--format", "table"),
    ("evaluate", KAIXIN, "--inputs", EVENTS, "--format", "json", "--trace"),
    ("evaluate", KAIXIN, "--inputs", EVENTS, "--format", "csv"),
    ("evaluate", KAIXIN, "--inputs", EVENTS, "--format", "markdown"),
    ("evaluate", KAIXIN, "--inputs", EVENTS, "--format", "html"),
    ("evaluate", KAIXIN, "--inputs", EVENTS, "--all-interpretations"),
    ("explain", KAIXIN, "released_shares", "Y2", "--inputs", EVENTS),
    ("explain", KAIXIN, "late_release_penalty", "Y2", "--inputs", EVENTS, "--format", "json", "--as-of", "2029-03-01"),
    ("schedule", KAIXIN, "--inputs", EVENTS, "--as-of", "2029-03-01"),
    ("schedule", KAIXIN, "--inputs", EVENTS, "--as-of", "2029-03-01", "--format", "json"),
    ("schedule", KAIXIN, "--inputs", EVENTS, "--as-of", "2029-03-01", "--format", "ics"),
    ("diff", KAIXIN, AMENDMENT, "--inputs", EVENTS),
    ("history", AMENDMENT, "--inputs", EVENTS, "--format", "json"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda args: " ".join(str(a) for a in args if not isinstance(a, Path)))
def test_a_callers_decimal_context_changes_no_output(capsys: pytest.CaptureFixture[str], args: tuple[Any, ...]) -> None:
    expected = _cli(capsys, *args)
    with decimal.localcontext(_hostile()) as ctx:
        before = _state(ctx)
        assert _cli(capsys, *args) == expected
        assert _state(ctx) == before  # nor is the caller's context changed, flags included


def test_a_callers_decimal_context_changes_no_library_result() -> None:
    contract = evaluator.load(KAIXIN)
    expected = contract.evaluate(EVENTS, trace=True).to_json()
    with decimal.localcontext(_hostile()) as ctx:
        before = _state(ctx)
        result = evaluator.load(GROWTH).evaluate({"principal": Decimal("1000000.00")})
        assert result.outputs["grown"] == Decimal(GROWN)
        assert contract.evaluate(EVENTS, trace=True).to_json() == expected
        assert _state(ctx) == before


# ------------------------------------------------------------ past Python's limit on str(int)


def test_a_5001_digit_output_through_the_library() -> None:
    limit = sys.get_int_max_str_digits()
    result = evaluator.load(HUGE, limits=Limits(max_digits=6_000)).evaluate()
    assert result.outputs["huge"] == HUGE_VALUE
    assert len(_digits(HUGE_VALUE)) == 5001
    assert result.to_dict()["outputs"]["huge"] == HUGE_VALUE
    doc = json.loads(result.to_json(), parse_int=Decimal)
    assert doc["outputs"]["huge"] == HUGE_VALUE
    assert doc["outputs"]["by_year"] == {"Y1": 1, "Y2": HUGE_VALUE}
    assert sys.get_int_max_str_digits() == limit  # the process-wide limit is left alone


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown", "html"])
def test_a_5001_digit_output_in_every_format(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    limit = sys.get_int_max_str_digits()
    out = _cli(capsys, "evaluate", HUGE, "--format", fmt, "--max-digits", 6_000)
    digits = _digits(HUGE_VALUE)
    shown = {"json": digits, "csv": digits}.get(fmt, _grouped(digits))
    assert out.count(shown) >= 2  # huge, and by_year for Y2
    assert sys.get_int_max_str_digits() == limit


def test_a_5001_digit_output_explained(capsys: pytest.CaptureFixture[str]) -> None:
    text = _cli(capsys, "explain", HUGE, "huge", "--max-digits", 6_000)
    assert text.startswith(f"huge = USD {_grouped(_digits(HUGE_VALUE))}\n")
    doc = json.loads(_cli(capsys, "explain", HUGE, "huge", "--format", "json", "--max-digits", 6_000),
                     parse_int=Decimal)
    assert doc["steps"][0]["value"] == HUGE_VALUE


def test_a_5002_digit_value_with_no_decimal_form_is_refused_in_a_short_message(
        capsys: pytest.CaptureFixture[str]) -> None:
    third = EXACT / "third.yaml"  # USD 1,234,567,891^550 / 3: the whole fraction has 5,002 digits
    with pytest.raises(evaluator.EvaluationError) as caught:
        evaluator.load(third, limits=Limits(max_digits=6_000)).evaluate()
    digits = _digits(HUGE_VALUE)
    message = f"third is {digits[:30]}…{digits[-28:]}/3 (5002 digits), which has no exact decimal form"
    assert caught.value.diagnostics[0].message == message
    assert main(["evaluate", str(third), "--max-digits", "6000"]) == 2
    assert capsys.readouterr().err.splitlines()[0] == f"{EXACT / 'third.rules'}:41:6: error: {message}"
