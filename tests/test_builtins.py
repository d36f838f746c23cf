"""The construct table (evaluator/builtins.py): one place for every built-in, read by every stage.

Each entry is checked on sample values worked out by hand (tests/data/builtins/samples.yaml); an entry
without a sample fails here, so a built-in cannot be added to the table untested. Since the checker and
the planner both look built-ins up in the table, a built-in the checker accepts always has its own
implementation (a name missing from the table is an unknown function everywhere, never a silent fallback).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import evaluator
from evaluator import builtins
from tests.helpers import DATA, contract_from

SAMPLES = yaml.safe_load((DATA / "builtins" / "samples.yaml").read_text(encoding="utf-8"))


def test_every_entry_of_the_table_has_a_sample() -> None:
    used = {tuple(u.split(" ", 1)) for s in SAMPLES["samples"] for u in s["uses"]}
    assert set(builtins.TABLE) - used == set()
    assert used - set(builtins.TABLE) == set()


def test_every_entry_is_complete() -> None:
    for (kind, name), b in builtins.TABLE.items():
        assert (b.kind, b.name) == (kind, name)
        assert b.doc and b.signature and callable(b.type_rule) and callable(b.scalar)
        assert b.least >= 1 and (b.most is None or b.most >= b.least)


@pytest.mark.parametrize("sample", SAMPLES["samples"], ids=lambda s: s["formula"])
def test_a_sample(tmp_path: Path, sample: dict[str, Any]) -> None:
    rules = SAMPLES["prelude"] + f'rule value cites "x" = {sample["formula"]}\noutputs value\n'
    value = contract_from(tmp_path, rules).evaluate({}).to_dict()["outputs"]["value"]
    expected = sample["value"]
    assert (value if value is None or isinstance(value, str) else str(value).lower()) == expected


def test_an_unknown_function_is_refused_with_the_tables_names(tmp_path: Path) -> None:
    # 'median' is not in the table: refused by check, never evaluated as something else.
    with pytest.raises(evaluator.CheckError, match="unknown function 'median'") as info:
        contract_from(tmp_path, 'rule m cites "x" = median(1, 2, 10)\noutputs m\n')
    assert info.value.diagnostics[0].hint == "did you mean 'min'?"


def test_the_function_reference_lists_every_entry() -> None:
    text = builtins.reference()
    for b in builtins.TABLE.values():
        assert f"- `{b.signature}`: {b.doc}" in text
