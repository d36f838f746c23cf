"""Shared test helpers: evaluate a rule text through a throw-away contract file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import evaluator
from evaluator.cli import main
from evaluator.result import result_schema

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
KAIXIN = ROOT / "contracts" / "kaixin-spa.yaml"
QUICK = False  # set by conftest.py while a property test runs its quick share of examples (the default run)


def quick_share(full: int) -> int:
    """The examples of a property test in the default run: a tenth of `full`, at least 5 (conftest.py)."""
    return min(full, max(5, full // 10))


def examples(full: int) -> int:
    """How many examples a property test drawing inside its body (a nested @given) tries: `full` in the
    slow run, a tenth (at least 5) in the default run. Such a test is marked @pytest.mark.examples."""
    return quick_share(full) if QUICK else full


CONTRACT = """\
contract: test
title: Test agreement
date: 2026-01-01
parties:
  - {id: A, name: Alpha}
rules:
  - rules.rules
"""


def contract_from(tmp_path: Path, rules: str) -> evaluator.Contract:
    (tmp_path / "rules.rules").write_text(rules, encoding="utf-8")
    (tmp_path / "contract.yaml").write_text(CONTRACT, encoding="utf-8")
    return evaluator.load(tmp_path / "contract.yaml")


def outputs(tmp_path: Path, rules: str, inputs: dict[str, Any] | None = None,
            interpretation: str | None = None) -> dict[str, Any]:
    return contract_from(tmp_path, rules).evaluate(inputs or {}, interpretation).outputs


def run_cli(capsys: pytest.CaptureFixture[str], *args: Any) -> tuple[int, str, str]:
    """Run the command in-process; any JSON it prints must validate against the published result schema."""
    argv = [str(a) for a in args]
    code = main(argv)
    out, err = capsys.readouterr()
    if code == 0 and "json" in argv:
        jsonschema.Draft202012Validator(result_schema()).validate(json.loads(out))
    return code, out, err
