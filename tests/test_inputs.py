"""Inputs and contract files: validated, loaded safely, every problem named with its place."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

import evaluator
from tests.helpers import KAIXIN, ROOT


@pytest.fixture(scope="module")
def kaixin() -> evaluator.Contract:
    return evaluator.load(KAIXIN)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def messages(exc: evaluator.ContractError) -> list[tuple[int, int, str | None, str]]:
    return [(d.line, d.column, d.path, d.message) for d in exc.diagnostics]


@pytest.mark.parametrize("value", [600000000, "600000000", "600,000,000", Decimal("600000000"),
                                   Fraction(600000000)])
def test_exact_amounts_in_every_form(kaixin: evaluator.Contract, value: object) -> None:
    out = kaixin.evaluate({"revenue": {"Y1": value}}).outputs
    assert out["revenue"]["Y1"] == 600000000  # type: ignore[index]


def test_binary_floats_are_refused(kaixin: evaluator.Contract) -> None:
    with pytest.raises(evaluator.InputError, match="binary floating-point") as info:
        kaixin.evaluate({"revenue": {"Y1": 600000000.5}})
    assert info.value.diagnostics[0].path == "revenue.Y1"


def test_every_problem_is_reported_at_once(kaixin: evaluator.Contract) -> None:
    with pytest.raises(evaluator.InputError) as info:
        kaixin.evaluate({"revenue": {"Y1": "a lot", "Y6": 1}, "costs": 3})
    found = {(d.path, d.message) for d in info.value.diagnostics}
    assert found == {
        ("revenue.Y1", "'a lot' is not an amount"),
        ("revenue.Y6", "unknown period 'Y6'"),
        ("costs", "unknown input 'costs'"),
    }


def test_revenue_is_reported_in_order(kaixin: evaluator.Contract) -> None:
    with pytest.raises(evaluator.InputError, match="revenue for Y3 is given but not for Y2"):
        kaixin.evaluate({"revenue": {"Y1": 1, "Y3": 1}})


def test_null_is_pending(kaixin: evaluator.Contract) -> None:
    out = kaixin.evaluate({"revenue": {"Y1": 665000000, "Y2": None}}).outputs
    assert out["released_shares"] == {"Y1": 3000000, "Y2": None, "Y3": None, "Y4": None, "Y5": None}


@pytest.mark.parametrize("text, line, column, needle", [
    ("revenue:\n  Y1: 1\n  Y1: 2\n", 3, 3, "key 'Y1' appears twice"),
    ("revenue: !!python/object:os.system {}\n", 1, 10, "tag tag:yaml.org,2002:python/object:os.system"),
    ("revenue:\n  Y1: .nan\n", 2, 7, "is not a number that can be used"),
    ("revenue:\n  Y1: .inf\n", 2, 7, "is not a number that can be used"),
    ("revenue: [1, 2\n", 2, 1, "not valid YAML"),
    ("a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
     "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
     "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
     0, 0, "more than 100000 values"),
    ("", 0, 0, "the file is empty"),
])
def test_unsafe_or_malformed_yaml_is_refused(tmp_path: Path, kaixin: evaluator.Contract, text: str, line: int,
                                             column: int, needle: str) -> None:
    with pytest.raises(evaluator.InputError) as info:
        kaixin.evaluate_file(write(tmp_path, "in.yaml", text))
    d = info.value.diagnostics[0]
    assert needle in d.message
    if line:
        assert (d.line, d.column) == (line, column)


def test_binary_file_is_refused(tmp_path: Path, kaixin: evaluator.Contract) -> None:
    path = tmp_path / "in.yaml"
    path.write_bytes(b"\x00\x01\x02revenue")
    with pytest.raises(evaluator.InputError, match="binary file"):
        kaixin.evaluate_file(path)


@pytest.mark.parametrize("text, needle", [
    ('{"revenue": {"Y1": NaN}}', "NaN is not a number that can be used"),
    ('{"revenue": {"Y1": 1, "Y1": 2}}', "key 'Y1' appears twice"),
    ('{"revenue": ', "not valid JSON"),
])
def test_malformed_json_is_refused(tmp_path: Path, kaixin: evaluator.Contract, text: str, needle: str) -> None:
    with pytest.raises(evaluator.InputError, match=needle):
        kaixin.evaluate_file(write(tmp_path, "in.json", text))


CONTRACT = (ROOT / "contracts" / "kaixin-spa.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("edit, line, needle", [
    (("contract: kaixin-spa", "contract: Kaixin SPA"), 3, "does not match"),
    (("date: 2025-12-02", "date: 2025-02-30"), 5, "2025-02-30 is not a date"),
    (("interpretation: spa", "interpretation: spaa"), 36, "unknown reading 'spaa'"),
    (("  - ../rules/kaixin/spa.rules", "  - ../rules/kaixin/nope.rules"), 27, "no rule file at"),
    (("title: Kaixin", "titel: Kaixin"), 3, "missing key 'title'"),
    (("title: Kaixin", "titel: Kaixin"), 4, "unknown key 'titel'"),
    (("text: kaixin-spa-agreement.txt", "text: nowhere.txt"), 34, "no agreement text at nowhere.txt"),
])
def test_contract_file_errors(tmp_path: Path, edit: tuple[str, str], line: int, needle: str) -> None:
    folder = tmp_path / "contracts"
    folder.mkdir()
    (tmp_path / "rules").symlink_to(ROOT / "rules")
    (folder / "kaixin-spa-agreement.txt").symlink_to(ROOT / "contracts" / "kaixin-spa-agreement.txt")
    path = write(folder, "c.yaml", CONTRACT.replace(*edit))
    with pytest.raises(evaluator.ContractFileError) as info:
        evaluator.load(path)
    assert any(needle in d.message and d.line == line for d in info.value.diagnostics), messages(info.value)
