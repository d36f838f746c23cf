"""The provenance block (evaluator/provenance.py): in JSON, the table, Markdown and CSV; fixed by SOURCE_DATE_EPOCH."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

import evaluator
from evaluator import provenance
from evaluator.cli import main
from tests.helpers import KAIXIN, ROOT

INPUTS = ROOT / "contracts" / "examples" / "kaixin-inputs.yaml"
AMENDED = ROOT / "contracts" / "examples" / "kaixin-amendment-1.yaml"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_json_block(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(KAIXIN), "--inputs", str(INPUTS), "--format", "json"]) == 0
    block = json.loads(capsys.readouterr().out)["provenance"]
    assert (block["tool"], block["contract"], block["interpretation"], block["as_of"]) == \
        ("clausewise", "kaixin-spa", "spa", None)
    assert block["version"] == provenance.tool_version() and re.fullmatch(r"\d+\.\d+\.\d+.*", block["version"])
    assert block["generated_at"] == "2026-01-01T00:00:00Z"  # SOURCE_DATE_EPOCH=1767225600 (tests/conftest.py)
    assert [(f["role"], f["path"]) for f in block["files"]] == [
        ("contract", "kaixin-spa.yaml"), ("rules", "../rules/kaixin/spa.rules"),
        ("rules", "../rules/kaixin/obligations.rules"), ("rules", "../rules/kaixin/ledger.rules"),
        ("text", "kaixin-spa-agreement.txt"), ("narrative", "../rules/kaixin/narrative.yaml")]
    assert block["files"][1]["sha256"] == _sha(ROOT / "rules" / "kaixin" / "spa.rules")
    header = ["HYPOTHETICAL FIGURES, for illustration only: not Kaixin's reported revenue."]  # its first line
    assert block["inputs"] == {"source": "file", "file": "kaixin-inputs.yaml", "sha256": _sha(INPUTS),
                               "header": header, "overrides": []}


def test_the_same_result_twice_is_byte_identical(capsys: pytest.CaptureFixture[str]) -> None:
    outs = []
    for _ in range(2):
        assert main(["evaluate", str(KAIXIN), "--inputs", str(INPUTS), "--format", "markdown"]) == 0
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1] and "- Generated 2026-01-01T00:00:00Z by clausewise" in outs[0]


def test_overrides_and_library_calls() -> None:
    contract = evaluator.load(KAIXIN)
    assert contract.evaluate({"revenue": {"Y1": 1}}).provenance["inputs"]["source"] == "library call"
    assert contract.evaluate().provenance["inputs"]["source"] == "none"


def test_set_overrides_are_listed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(KAIXIN), "--inputs", str(INPUTS), "--set", "revenue.Y3=900000000",
                 "--format", "json"]) == 0
    inputs = json.loads(capsys.readouterr().out)["provenance"]["inputs"]
    assert (inputs["file"], inputs["overrides"]) == ("kaixin-inputs.yaml", ["revenue.Y3=900000000"])


def test_an_amendment_not_in_force_is_not_listed() -> None:
    # Amendment 1 (kaixin-amendment-1.yaml) is effective 2027-03-01, its last consent signed 2027-02-22:
    # evaluated as of 2027-01-15 the files are the agreement's own; as of 2027-06-30, the amendment's too
    contract = evaluator.load(AMENDED)
    before = contract.evaluate({}, as_of="2027-01-15").provenance
    after = contract.evaluate({}, as_of="2027-06-30").provenance
    assert [f["role"] for f in before["files"]] == ["contract", "rules", "rules", "rules", "text", "narrative"]
    assert [f["path"] for f in after["files"] if f["role"].startswith("amendment")] == \
        ["examples/kaixin-amendment-1.yaml", "examples/kaixin-amendment-1.rules", "examples/kaixin-amendment-1.txt"]
    assert after["as_of"] == "2027-06-30"


def test_the_clock_and_a_bad_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", provenance.generated_at())
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert provenance.generated_at() == "1970-01-01T00:00:00Z"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(evaluator.InputError) as caught:
        provenance.generated_at()
    assert caught.value.diagnostics[0].message == "SOURCE_DATE_EPOCH is 'yesterday', not a whole number of seconds"


def test_the_table_ends_with_the_block(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(KAIXIN), "--inputs", str(INPUTS)]) == 0
    tail = capsys.readouterr().out.split("\nProvenance:\n")[1].splitlines()
    assert tail[3] == "  Inputs say: HYPOTHETICAL FIGURES, for illustration only: not Kaixin's reported revenue."
    assert tail[5] == f"  {_sha(KAIXIN)}  kaixin-spa.yaml (contract)"


@pytest.mark.parametrize("command", [["explain", str(KAIXIN), "deducted_shares", "Y1"],
                                     ["schedule", str(KAIXIN), "--as-of", "2027-06-01"],
                                     ["evaluate", str(KAIXIN), "--all-interpretations"]])
def test_explanations_schedules_and_comparisons_carry_the_block(command: list[str],
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*command, "--inputs", str(INPUTS), "--set", "revenue.Y3=850000000", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    blocks = [side["provenance"] for side in doc["sides"]] if "sides" in doc else [doc["provenance"]]
    for block in blocks:  # the file the figures came from, with the override laid over it
        assert block["inputs"] == {"source": "file", "file": "kaixin-inputs.yaml", "sha256": _sha(INPUTS),
                                   "header": ["HYPOTHETICAL FIGURES, for illustration only: not Kaixin's reported "
                                              "revenue."], "overrides": ["revenue.Y3=850000000"]}
        assert block["files"][1] == {"role": "rules", "path": "../rules/kaixin/spa.rules",
                                     "sha256": _sha(ROOT / "rules" / "kaixin" / "spa.rules")}
    # a comparison of the three readings: one block per reading
    assert [b["interpretation"] for b in blocks] in (["spa"], ["spa", "excess-year", "press-release"])


def test_the_sha256_used_is_sha256() -> None:
    # FIPS 180-2's first example: SHA-256("abc")
    from evaluator.sha256 import sha256

    assert sha256(b"abc").hexdigest() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert sha256(b"a" * 1_000_000).hexdigest() == hashlib.sha256(b"a" * 1_000_000).hexdigest()
