"""The library's public API given wrong arguments: a ContractError subclass with a message, never a TypeError.

Also what a caller's values look like once read: a date key and the same date as text are
one date given twice; full-width digits are not ASCII digits; a caller's decimal context
trapping Rounded changes nothing.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

import evaluator
from evaluator.schedule import schedule
from tests.helpers import DATA, KAIXIN, ROOT

AMENDED = ROOT / "contracts" / "examples" / "kaixin-amendment-1.yaml"  # effective 2027-03-01


class _Datetime64:
    """Stands for numpy.datetime64 (not installed here): a date-like value that is not a datetime.date."""

    def __repr__(self) -> str:
        return "numpy.datetime64('2027-03-01')"


def _calls(contract: evaluator.Contract) -> dict[str, Callable[[Any], Any]]:
    return {
        "evaluate": lambda as_of: contract.evaluate({}, as_of=as_of),
        "explain": lambda as_of: contract.explain("escrow_shares", as_of=as_of),
        "run": lambda as_of: contract.run({}, as_of=as_of),
        "version": lambda as_of: contract.version(as_of),
        "schedule": lambda as_of: schedule(contract, {}, as_of),
    }


@pytest.mark.parametrize("call", ["evaluate", "explain", "run", "version", "schedule"])
@pytest.mark.parametrize(("as_of", "message", "hint"), [
    (datetime(2027, 3, 1, 12, 0), "as_of: 2027-03-01T12:00:00 is a date and time, not a date",
     "give the date it means: as_of=value.date() in the agreement's time zone"),
    ("2027-02-30", "as_of: 2027-02-30 is not a real calendar date", "write a date as YYYY-MM-DD, e.g. 2027-03-01"),
    ("1 March 2027", "as_of: '1 March 2027' is not a date",
     "give a datetime.date, or text YYYY-MM-DD such as 2027-03-01"),
    ("２０２７-03-01", "as_of: '２０２７-03-01' is not a date",
     "give a datetime.date, or text YYYY-MM-DD such as 2027-03-01"),
    (20270301, "as_of: 20270301 is not a date", "give a datetime.date, or text YYYY-MM-DD such as 2027-03-01"),
    (_Datetime64(), "as_of: numpy.datetime64('2027-03-01') is not a date",
     "give a datetime.date, or text YYYY-MM-DD such as 2027-03-01"),
])
def test_as_of_that_is_not_a_date_is_an_input_error(call: str, as_of: Any, message: str, hint: str) -> None:
    with pytest.raises(evaluator.InputError) as caught:
        _calls(evaluator.load(KAIXIN))[call](as_of)
    d = caught.value.diagnostics[0]
    assert (d.file, d.line, d.text(), d.hint) == ("", 0, message, hint)
    assert caught.value.render().startswith(f"clausewise: error: {message}\n")


def test_as_of_may_be_written_yyyy_mm_dd() -> None:
    contract = evaluator.load(AMENDED)
    assert contract.evaluate({}, as_of="2027-03-01").amendments == contract.evaluate({}, as_of=date(2027, 3, 1)
                                                                                     ).amendments != []
    assert contract.version("2027-02-28") is contract.original
    assert schedule(contract, {}, "2027-03-01").as_of == date(2027, 3, 1)


@pytest.mark.parametrize(("call", "message"), [
    (lambda c: c.explain(None), "name: None is not text"),
    (lambda c: c.explain("released_shares", 1), "period: 1 is not text"),
    (lambda c: c.evaluate({}, interpretation=["spa"]), "interpretation: ['spa'] is not text"),
])
def test_names_that_are_not_text_are_input_errors(call: Callable[[evaluator.Contract], Any], message: str) -> None:
    with pytest.raises(evaluator.InputError) as caught:
        call(evaluator.load(KAIXIN))
    assert caught.value.diagnostics[0].text() == message


@pytest.mark.parametrize(("call", "message"), [
    (lambda: evaluator.load(None), "None is not the name of a contract file"),  # type: ignore[arg-type]
    (lambda: evaluator.load(3), "3 is not the name of a contract file"),  # type: ignore[arg-type]
    (lambda: evaluator.load(""), "'' is not the name of a contract file"),
    (lambda: evaluator.load_rules(None), "None is not a list of rule files"),  # type: ignore[arg-type]
    (lambda: evaluator.load_rules([None]), "None is not the name of a rule file"),  # type: ignore[list-item]
])
def test_a_file_argument_that_is_not_a_path_is_a_contract_file_error(call: Callable[[], Any], message: str) -> None:
    with pytest.raises(evaluator.ContractFileError) as caught:
        call()
    assert caught.value.diagnostics[0].message == message


def test_one_rule_file_may_be_given_alone() -> None:
    program = evaluator.load_rules(str(ROOT / "rules" / "kaixin" / "spa.rules"))
    assert "released_shares" in program.outputs


@pytest.mark.parametrize(("inputs", "path", "message"), [
    ({1: 5, "revenue": {"Y1": 600_000_000}}, "1", "1 is not a name, a period or a date"),
    ({"revenue": {"Y1": 600_000_000, 2: 1}}, "revenue.2", "2 is not a name, a period or a date"),
    ({("revenue",): 1}, "('revenue',)", "('revenue',) is not a name, a period or a date"),
])
def test_keys_that_are_not_text_are_input_errors(inputs: dict[Any, Any], path: str, message: str) -> None:
    with pytest.raises(evaluator.InputError) as caught:
        evaluator.load(KAIXIN).evaluate(inputs)
    d = caught.value.diagnostics[0]
    assert (d.path, d.message) == (path, message)


def test_a_date_and_the_same_date_as_text_are_one_date_given_twice() -> None:
    with pytest.raises(evaluator.InputError) as caught:
        evaluator.load(KAIXIN).evaluate({"share_price": {date(2026, 1, 5): 2, "2026-01-05": 3}})
    d = caught.value.diagnostics[0]
    assert (d.path, d.message, d.hint) == ("share_price.2026-01-05", "2026-01-05 is given twice, as a date and as text",
                                           "give each date once")


@pytest.mark.parametrize("key", ["20260105", "2026-1-5", "２０２６-01-05"])
def test_a_date_key_is_written_yyyy_mm_dd(key: str) -> None:
    with pytest.raises(evaluator.InputError) as caught:
        evaluator.load(KAIXIN).evaluate({"share_price": {key: 2}})
    assert caught.value.diagnostics[0].message == f"{key} is not a date"


@pytest.mark.parametrize("value", ["６００", "600０", "٦٠٠"])
def test_digits_other_than_ascii_are_not_an_amount(value: str) -> None:
    with pytest.raises(evaluator.InputError) as caught:
        evaluator.load(KAIXIN).evaluate({"revenue": {"Y1": value}})
    d = caught.value.diagnostics[0]
    assert (d.path, d.message, d.hint) == ("revenue.Y1", f"'{value}' is not an amount",
                                           "write the digits as 0-9 (not full-width or other digits)")


def test_digits_other_than_ascii_are_not_an_amount_by_date() -> None:
    with pytest.raises(evaluator.InputError) as caught:
        evaluator.load(KAIXIN).evaluate({"share_price": {"2026-01-05": "２.５"}})
    assert caught.value.diagnostics[0].message == "'２.５' is not an amount"


def test_digits_other_than_ascii_in_an_inputs_file(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs.yaml"
    inputs.write_text("revenue:\n  Y1: ６００\n", encoding="utf-8")
    with pytest.raises(evaluator.InputError) as caught:
        evaluator.load(KAIXIN).evaluate(inputs)
    d = caught.value.diagnostics[0]
    assert (d.line, d.column, d.message) == (2, 7, "'６００' is not an amount")


def test_a_callers_context_trapping_rounded_changes_nothing() -> None:
    contract = evaluator.load(DATA / "exact" / "growth.yaml")  # USD 2,653,297.70514... to 40 digits
    expected = contract.evaluate({"principal": 1_000_000}).to_json()
    with decimal.localcontext(decimal.Context(prec=3, traps=[decimal.Rounded, decimal.Inexact])):
        assert contract.evaluate({"principal": "1,000,000.00"}).to_json() == expected
