"""Parameters that are expressions, readings of parameters, `not stated`; folds over what may be none.

Issue 12, items 2 and 4. Every figure is worked out by hand in the comment beside it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import evaluator
from tests.helpers import contract_from, outputs

PRELUDE = """\
currency USD cites "A 1"
interpretation plain default cites "A 1"
interpretation broad cites "A 1"
periods year cites "A 1"
  Y1 from 2025-01-01 to 2025-12-31
  Y2 from 2026-01-01 to 2026-12-31
  Y3 from 2027-01-01 to 2027-12-31
"""

PARAMETERS = PRELUDE + """\
parameter exchange cites "A 2" = 7.00 / 2.25
parameter price_cap cites "A 2" = USD 12.00 per share
parameter ceiling cites "A 2" = price_cap * 2
parameter fee cites "A 2" = -USD 5
  under broad cites "A 3" = USD 3
parameter rate cites "A 2" = 12.5% * 2
rule converted cites "A 4" = USD 2.25 * exchange
rule worth cites "A 4" = ceiling * 1,000 shares + fee
rule rate_of cites "A 4" = USD 100 * rate
outputs converted, worth, rate_of, fee
"""


def test_a_parameter_is_an_exact_expression_of_numbers_and_other_parameters(tmp_path: Path) -> None:
    # 2.25 * (7.00 / 2.25) = 7 exactly (no binary float: 7/2.25 has no finite decimal form);
    # ceiling = USD 24 per share; 24 * 1,000 - 5 = 23,995; 12.5% * 2 = 25% of USD 100 = USD 25
    assert outputs(tmp_path, PARAMETERS) == {"converted": 7, "worth": 23995, "rate_of": 25, "fee": -5}


def test_a_parameter_has_readings_as_a_rule_has(tmp_path: Path) -> None:
    contract = contract_from(tmp_path, PARAMETERS)
    broad = contract.evaluate({}, "broad")
    assert broad.outputs == {"converted": 7, "worth": 24003, "rate_of": 25, "fee": 3}  # 24,000 + 3
    assert broad.to_dict()["citations"]["fee"] == "A 3"
    plain = contract.evaluate({}, "plain")
    assert plain.outputs["fee"] == -5 and plain.to_dict()["citations"]["fee"] == "A 2"


def test_both_engines_read_a_parameter_under_the_reading(tmp_path: Path) -> None:
    extra = 'input sales: USD cites "A 5"\nrule net cites "A 4" = sales + fee\noutputs net, converted'
    contract = contract_from(tmp_path, PARAMETERS.replace("outputs converted", extra))
    for reading, nets in (("plain", [95, None]), ("broad", [103, None])):  # 100 - 5; 100 + 3
        assert contract.evaluate_batch({"sales": [100, None]}, reading).values("net") == nets
        assert contract.evaluate({"sales": 100}, reading).outputs["net"] == nets[0]


@pytest.mark.parametrize(("value", "message"), [
    ("sales[Y1] * 2", "parameter 'cap' is fixed by the agreement: it cannot depend on input 'sales'"),
    ("doubled", "parameter 'cap' is fixed by the agreement: it cannot depend on rule 'doubled'"),
    ("as_of - 2025-01-01", "parameter 'cap' is fixed by the agreement: it cannot depend on the date of the "
                           "evaluation (as_of)"),
    ("USD 1 / 0", "in parameter cap: division by zero"),
])
def test_a_parameter_that_depends_on_an_evaluation_is_refused(tmp_path: Path, value: str, message: str) -> None:
    rules = PRELUDE + f"""\
input sales: USD by year cites "A 5"
rule doubled cites "A 4" = USD 2
parameter cap cites "A 2" = {value}
outputs doubled
"""
    with pytest.raises(evaluator.CheckError) as info:
        contract_from(tmp_path, rules)
    assert info.value.diagnostics[0].message == message


NOT_STATED = PRELUDE + """\
parameter target by year cites "SPA 4.1"
  Y1: USD 100
  Y2: USD 100 * 2
  Y3: not stated
parameter last_target cites "SPA 4.1" = target[Y3] * 2
input sales: USD by year cites "A 5"
rule met for each year y cites "A 6" = sales[y] >= target[y]
outputs target, met
"""


def test_an_entry_not_stated_is_pending_with_its_reason(tmp_path: Path) -> None:
    result = contract_from(tmp_path, NOT_STATED).evaluate({"sales": {"Y1": 50, "Y2": 300, "Y3": 500}})
    assert result.outputs == {"target": {"Y1": 100, "Y2": 200, "Y3": None}, "met": {"Y1": False, "Y2": True,
                                                                                  "Y3": None}}
    assert result.notes == {
        "target[Y3]": "target[Y3] is not stated in the agreement (SPA 4.1)",
        "met[Y3]": "target[Y3] is not stated in the agreement (SPA 4.1)",
    }
    batch = contract_from(tmp_path, NOT_STATED).evaluate_batch({"sales": {"Y1": [50], "Y2": [300], "Y3": [500]}})
    assert batch.values("target.Y3") == [None] and batch.values("met.Y3") == [None]
    assert batch.values("met.Y2") == [True]


AMENDMENT = """\
amendment: first
title: Amendment No. 1 (test data)
amends: contract.yaml
effective: 2027-03-01
consents:
  - {party: A, signed: 2027-02-20}
rules:
  - amendment.rules
"""


def test_an_amendment_replaces_an_entry_with_not_stated_and_a_parameter_with_an_expression(tmp_path: Path) -> None:
    rules = NOT_STATED.replace("outputs target, met", "parameter fee cites \"A 2\" = USD 5\n"
                                                      "outputs target, met, fee")
    contract_from(tmp_path, rules)
    (tmp_path / "amendment.rules").write_text(
        'replace target[Y2] cites "Am 1" = not stated\n'
        'replace target[Y3] cites "Am 2" = USD 150 * 2\n'
        'replace parameter fee cites "Am 3" = target[Y1] / 4\n', encoding="utf-8")
    (tmp_path / "amendment.yaml").write_text(AMENDMENT, encoding="utf-8")
    amended = evaluator.load(tmp_path / "amendment.yaml")
    result = amended.evaluate({"sales": {"Y1": 50, "Y2": 300, "Y3": 500}})
    # Y3: 150 * 2 = 300, met by 500; fee: 100 / 4 = 25
    assert result.outputs == {"target": {"Y1": 100, "Y2": None, "Y3": 300},
                              "met": {"Y1": False, "Y2": None, "Y3": True}, "fee": 25}
    assert result.notes["target[Y2]"] == "target[Y2] is not stated in the agreement (Am 1)"


# ---- none: folds over what may be empty ------------------------------------------------------------------

FOLDS = PRELUDE + """\
parameter target by year cites "A 4"
  Y1: USD 100
  Y2: USD 200
  Y3: USD 300
input sales: USD by year cites "A 5"
rule met for each year y cites "A 6" = sales[y] >= target[y]
rule first_met cites "A 6" = min(end(y) for each year y where met[y]) otherwise pending
rule deadline cites "A 6" = min(end(y) for each year y where met[y]) otherwise 2099-12-31
rule best_before for each year y cites "A 6" = max(sales[k] for each year k before y) otherwise USD 0
rule any_met cites "A 6" = any(met[y] for each year y where sales[y] > USD 0) otherwise false
outputs first_met, deadline, best_before
"""


@pytest.mark.parametrize(("sales", "first_met", "deadline", "best_before"), [
    # no year met: none: first_met says pending, deadline the date written
    ((50, 30, 40), None, date(2099, 12, 31), {"Y1": 0, "Y2": 50, "Y3": 50}),
    # Y2 met: its end
    ((50, 300, 40), date(2026, 12, 31), date(2026, 12, 31), {"Y1": 0, "Y2": 50, "Y3": 300}),
    # Y2 not known yet: whether any year is met is not known: pending (not none), whatever otherwise says
    ((50, None, 40), None, None, {"Y1": 0, "Y2": 50, "Y3": None}),
])
def test_otherwise_gives_its_value_when_none_is_kept_and_pending_is_not_none(
        tmp_path: Path, sales: tuple[int | None, ...], first_met: date | None, deadline: date | None,
        best_before: dict[str, int | None]) -> None:
    inputs = {"sales": {y: v for y, v in zip(("Y1", "Y2", "Y3"), sales, strict=True) if v is not None}}
    assert outputs(tmp_path, FOLDS, inputs) == {"first_met": first_met, "deadline": deadline,
                                                "best_before": best_before}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(paths=st.lists(st.tuples(*[st.one_of(st.none(), st.integers(-50, 400))] * 3), min_size=1, max_size=8))
def test_both_engines_agree_on_otherwise_and_never_fail_for_want_of_a_value(
        tmp_path: Path, paths: list[tuple[int | None, ...]]) -> None:
    contract = contract_from(tmp_path, FOLDS.replace("outputs first_met, deadline, best_before",
                                                     "outputs first_met, deadline, best_before, any_met"))
    columns = {"sales": {y: [p[i] for p in paths] for i, y in enumerate(("Y1", "Y2", "Y3"))}}
    batch = contract.evaluate_batch(columns)
    assert batch.errors == {}
    for row, path in enumerate(paths):
        inputs = {"sales": {y: v for y, v in zip(("Y1", "Y2", "Y3"), path, strict=True) if v is not None}}
        single = contract.evaluate(inputs).to_dict()["outputs"]
        for column in ("first_met", "deadline", "best_before.Y1", "best_before.Y2", "best_before.Y3", "any_met"):
            name, _, period = column.partition(".")
            expected: Any = single[name][period] if period else single[name]
            got = batch.values(column)[row]
            got = got.isoformat() if isinstance(got, date) else got
            if isinstance(got, Decimal | int) and not isinstance(got, bool):
                got = Decimal(got)
                expected = Decimal(str(expected))
            assert got == expected, (column, path)


@pytest.mark.parametrize("formula", [
    "min(sales[k] for each year k where sales[k] > USD 0)",
    "max(sales[k] for each year k before y)",
    "max(sales[k] for each year k after Y3)",
    "min(d for each day d from 2026-01-01 through end(y))",  # none for Y1
])
def test_a_min_or_max_that_may_run_over_none_is_refused_with_the_fix(tmp_path: Path, formula: str) -> None:
    rules = PRELUDE + f'input sales: USD by year cites "A 5"\nrule r for each year y cites "A 6" = {formula}\n' \
                      "outputs r\n"
    with pytest.raises(evaluator.CheckError) as info:
        contract_from(tmp_path, rules)
    first = info.value.diagnostics[0]
    what = "day" if "day d" in formula else "year"
    assert first.message == f"{formula[:3]} may run over no {what}: say what it gives then"
    assert first.hint == f"write {formula} otherwise pending (not known yet), or otherwise a value, e.g. a date"


@pytest.mark.parametrize("formula", [
    "min(sales[k] for each year k)",  # every year: never none
    "max(sales[k] for each year k through y)",  # y itself is in it
    "min(sales[k] for each year k after Y1)",  # Y2, Y3
    "max(d for each day d from 2025-01-01 through 2025-01-31)",
])
def test_a_min_or_max_that_cannot_be_empty_needs_no_otherwise(tmp_path: Path, formula: str) -> None:
    rules = PRELUDE + f'input sales: USD by year cites "A 5"\nrule r for each year y cites "A 6" = {formula}\n' \
                      "outputs r\n"
    contract_from(tmp_path, rules)


def test_otherwise_in_another_unit_is_refused(tmp_path: Path) -> None:
    rules = PRELUDE + 'input sales: USD by year cites "A 5"\n' \
                      'rule r for each year y cites "A 6" = max(sales[k] for each year k before y) otherwise 0\n' \
                      "outputs r\n"
    with pytest.raises(evaluator.CheckError) as info:
        contract_from(tmp_path, rules)
    assert (info.value.diagnostics[0].message, info.value.diagnostics[0].hint) == \
        ("max(...) gives USD, but otherwise ratio", "what it gives when there is none is in USD too")


_FOLD = st.builds(
    lambda fn, body, rng, where, other: f"{fn}({body} for each year k{rng}{where}){other}",
    st.sampled_from(["min", "max"]),
    st.sampled_from(["sales[k]", "end(k)"]),
    st.sampled_from(["", " before y", " after y", " through y", " from y", " before Y1", " before Y2", " after Y3",
                     " after Y2", " through Y1"]),
    st.sampled_from(["", " where sales[k] > USD 100", " where k != y", " where sales[k] is known"]),
    st.sampled_from(["", " otherwise pending", " otherwise {zero}"]),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fold=_FOLD, sales=st.lists(st.one_of(st.none(), st.integers(-50, 400)), min_size=3, max_size=3))
def test_a_fold_that_passes_check_never_fails_for_want_of_a_value(
        tmp_path: Path, fold: str, sales: list[int | None]) -> None:
    zero = "2099-12-31" if "end(k)" in fold else "USD 0"
    rules = PRELUDE + 'input sales: USD by year cites "A 5"\n' \
                      f'rule r for each year y cites "A 6" = {fold.format(zero=zero)}\noutputs r\n'
    try:
        contract = contract_from(tmp_path, rules)
    except evaluator.CheckError as refused:
        assert "may run over no year" in refused.diagnostics[0].message  # refused only for that, with the fix
        assert " otherwise" not in fold
        return
    inputs = {"sales": {y: v for y, v in zip(("Y1", "Y2", "Y3"), sales, strict=True) if v is not None}}
    single = contract.evaluate(inputs).outputs["r"]  # never raises: every fold has a value, none or pending
    batch = contract.evaluate_batch({"sales": {y: [v] for y, v in zip(("Y1", "Y2", "Y3"), sales, strict=True)}})
    assert batch.errors == {}
    assert [batch.values(f"r.{y}")[0] for y in ("Y1", "Y2", "Y3")] == [single[y] for y in ("Y1", "Y2", "Y3")]
