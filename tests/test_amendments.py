"""Amendments: the contract as signed and as amended, from the effective date, with every party's consent.

The figures are worked by hand below (and were checked with fractions.Fraction).
Shares are always rounded down to a whole share, once per year, on the year's
whole entitlement (own revenue plus the credits so far), as the rules say.

The example amendment (contracts/examples/kaixin-amendment-1.*, HYPOTHETICAL),
effective 2027-03-01: Y2's target RMB 732 million -> RMB 700 million, and the
release split 20/20/20/20/20% -> 20/15/20/20/25%.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import evaluator
from tests.helpers import DATA, KAIXIN, ROOT, run_cli

EXAMPLES = ROOT / "contracts" / "examples"
SIGNED = EXAMPLES / "kaixin-amendment-1.yaml"
UNSIGNED = EXAMPLES / "kaixin-amendment-unsigned.yaml"
INPUTS = EXAMPLES / "kaixin-inputs.yaml"  # Y1 600,000,000; Y2 800,000,000
AMENDMENTS = DATA / "amendments"

M = 1_000_000
TWO_YEARS = {"revenue": {"Y1": 600 * M, "Y2": 800 * M}}
BEFORE, FROM = date(2027, 2, 28), date(2027, 3, 1)
AMENDMENT_1 = {
    "amendment": "kaixin-amendment-1",
    "title": "Amendment No. 1 to the Securities Purchase Agreement (hypothetical)",
    "effective": "2027-03-01",
    "in_force": "2027-03-01",  # the last consent was signed on 2027-02-22, before it
}


# What Amendment No. 1 changes, on kaixin-inputs.yaml, as `diff` shows it: 732 -> 700 million; Y2 released
# 3,153,384 -> 2,475,564 (-677,820); Y1 restored 153,384 -> 225,564 (+72,180), deducted 139,850 -> 67,670.
AMENDMENT_1_DIFF = {
    ("Revenue target (RMB)", "Y2"): ["732,000,000", "700,000,000", "-32,000,000", "*"],
    ("Shares released (shares)", "Y2"): ["3,153,384", "2,475,564", "-677,820", "*"],
    ("Shares restored (shares)", "Y1"): ["153,384", "225,564", "+72,180", "*"],
    ("Shares deducted (shares)", "Y1"): ["139,850", "67,670", "-72,180", "*"],
    ("Total shares released (shares)", ""): ["5,860,150", "5,182,330", "-677,820", "*"],
    ("Shares in escrow (shares)", ""): ["9,139,850", "9,817,670", "+677,820", "*"],
}


run = run_cli



def per_year(result: evaluator.Result, name: str) -> list[Any]:
    value = result.outputs[name]
    assert isinstance(value, dict)
    return list(value.values())


def rows(table: str) -> dict[tuple[str, str], list[str]]:
    """A comparison table as {(output's label, period): [cells...]}; the header and rule lines, the legend of
    the * marks and the provenance footer are left out."""
    out = {}
    for line in table.splitlines()[2:]:
        if line.startswith("Provenance ("):  # the footer: where each side came from
            break
        if not line.strip() or line.startswith("* "):  # the legend of the * marks
            continue
        cells = line.split("  ")
        cells = [c.strip() for c in cells if c.strip()]
        name = cells[0]
        period = cells[1] if len(cells) > 1 and cells[1] in ("Y1", "Y2", "Y3", "Y4", "Y5") else ""
        out[(name, period)] = cells[2:] if period else cells[1:]
    return out


# ------------------------------------------------------------ the signed example


def in_force(contract: evaluator.Contract, day: date | None, inputs: dict[str, Any] = TWO_YEARS) -> evaluator.Result:
    """The agreement as in force on `day`, on every figure given: as of that date itself, Y2's revenue would not
    be known yet (Y2 ends on 2027-11-30; see test_as_of_sets_aside_what_is_not_known_yet)."""
    return contract.evaluate(inputs, version=contract.version(day))


def test_as_of_sets_aside_what_is_not_known_yet() -> None:
    # As of 2027-03-01, Y1 (ended 2026-11-30) is known; Y2's revenue is not (Y2 ends 2027-11-30): its figures are
    # pending, with the reason, while the amendment's target applies. Y1: own floor(3,000,000 x 600/665) =
    # 2,706,766, no offset yet: 3,000,000 - 2,706,766 = 293,234 deducted.
    result = evaluator.load(SIGNED).evaluate(TWO_YEARS, as_of=FROM)
    assert per_year(result, "target")[:2] == [665 * M, 700 * M]
    assert per_year(result, "revenue")[:2] == [600 * M, None]
    assert per_year(result, "released_shares")[:2] == [2_706_766, None]
    assert per_year(result, "deducted_shares")[0] == 293_234
    assert result.notes["revenue[Y2]"] == "revenue[Y2] is not known before 2027-12-01: Y2 ends on 2027-11-30"
    assert result.amendments == [AMENDMENT_1] and result.as_of == FROM


def test_before_the_effective_date_the_figures_are_those_of_the_spa_as_signed() -> None:
    contract = evaluator.load(SIGNED)
    result = in_force(contract, BEFORE)
    # Y1: own shares = floor(3,000,000 x 600/665) = floor(2,706,766.92) = 2,706,766.
    # Y2: excess 800 - 732 = 68,000,000; pool 50% = 34,000,000, all credited to Y1's shortfall of 65,000,000.
    #     Y1 entitlement = floor(3,000,000 x (600 + 34)/665) = floor(2,860,150.38) = 2,860,150;
    #     restored 2,860,150 - 2,706,766 = 153,384; Y2 released 3,000,000 + 153,384 = 3,153,384.
    # Y1 deducted = 3,000,000 - 2,706,766 - 153,384 = 139,850.
    assert per_year(result, "target")[:2] == [665 * M, 732 * M]
    assert per_year(result, "released_shares")[:2] == [2_706_766, 3_153_384]
    assert per_year(result, "restored_shares")[:2] == [153_384, 0]
    assert per_year(result, "deducted_shares")[:2] == [139_850, 0]
    assert result.amendments == []
    assert result.to_dict()["amendments"] == []
    # exactly the SPA as signed: the same outputs as the contract file without the amendment
    assert result.outputs == evaluator.load(KAIXIN).evaluate(TWO_YEARS).outputs


def test_from_the_effective_date_the_figures_are_as_the_amendment_says() -> None:
    contract = evaluator.load(SIGNED)
    result = in_force(contract, FROM)
    # Amendment 1, 1: Y2's target is 700,000,000.
    # Amendment 1, 2: Y2's tranche is 15% of 15,000,000 = 2,250,000; Y2 met its target, so it releases all of it.
    # Y2: excess 800 - 700 = 100,000,000; pool 50% = 50,000,000, credited to Y1's shortfall of
    #     665 - 600 = 65,000,000 (all 50,000,000 of it: the pool is smaller).
    #     Y1 entitlement = floor(3,000,000 x (600 + 50)/665) = floor(390,000,000/133 = 2,932,330.83) = 2,932,330;
    #     restored 2,932,330 - 2,706,766 = 225,564; Y2 released 2,250,000 + 225,564 = 2,475,564.
    # Y1 (tranche still 20% = 3,000,000): own shares unchanged at 2,706,766;
    #     deducted 3,000,000 - 2,706,766 - 225,564 = 67,670.
    # Total released 2,706,766 + 2,475,564 = 5,182,330; escrow 15,000,000 - 5,182,330 = 9,817,670.
    assert per_year(result, "target") == [665 * M, 700 * M, 805 * M, 885 * M, 974 * M]
    assert per_year(result, "released_shares")[:2] == [2_706_766, 2_475_564]
    assert per_year(result, "restored_shares")[:2] == [225_564, 0]
    assert per_year(result, "deducted_shares")[:2] == [67_670, 0]
    assert result.outputs["total_released_shares"] == 5_182_330
    assert result.outputs["cancelled_shares"] == 0
    assert result.outputs["escrow_shares"] == 9_817_670
    assert result.amendments == [AMENDMENT_1]


def test_the_amendment_changes_nothing_its_text_does_not() -> None:
    contract = evaluator.load(SIGNED)
    before = in_force(contract, BEFORE).outputs
    after = in_force(contract, FROM).outputs
    changed = set()
    for name, value in after.items():
        if isinstance(value, dict):
            old = before[name]
            assert isinstance(old, dict)
            changed |= {(name, p) for p in value if value[p] != old[p]}
        elif value != before[name]:
            changed.add((name, ""))
    # Y2's target, and what follows from it and from Y2's smaller tranche; Y1's own release is untouched.
    assert changed == {("target", "Y2"), ("released_shares", "Y2"), ("restored_shares", "Y1"),
                       ("deducted_shares", "Y1"), ("total_released_shares", ""), ("escrow_shares", "")}


@pytest.mark.parametrize(("year", "signed", "amended"), [
    # 15,000,000 x 20% = 3,000,000 as signed; as amended 20/15/20/20/25%:
    ("Y1", 3_000_000, 3_000_000), ("Y2", 3_000_000, 2_250_000), ("Y3", 3_000_000, 3_000_000),
    ("Y4", 3_000_000, 3_000_000), ("Y5", 3_000_000, 3_750_000),
])
def test_the_tranches_follow_the_amended_split_from_the_effective_date(year: str, signed: int, amended: int) -> None:
    contract = evaluator.load(SIGNED)
    before = contract.explain("tranche", year, as_of=BEFORE)
    after = contract.explain("tranche", year, as_of=FROM)
    assert before.steps[before.root].value == signed
    assert after.steps[after.root].value == amended
    assert before.amendments == [] and after.amendments == [AMENDMENT_1]


def test_an_amended_value_cites_the_amendment_and_quotes_its_text() -> None:
    explanation = evaluator.load(SIGNED).explain("target", "Y2", as_of=FROM)
    step = explanation.steps[explanation.root]
    assert (step.value, step.citation) == (700 * M, "Amendment 1, 1")
    assert step.clause is not None and "reduced from RMB 732 Million to RMB 700 Million" in step.clause
    assert step.location.endswith("kaixin-amendment-1.rules:3")
    share = evaluator.load(SIGNED).explain("release_share", "Y5", as_of=FROM)
    assert share.steps[share.root].citation == "Amendment 1, 2"


FIVE_YEARS = {"revenue": {"Y1": 600 * M, "Y2": 800 * M, "Y3": 780 * M, "Y4": 905 * M, "Y5": 1014 * M}}


def test_five_years_under_the_amended_split() -> None:
    result = evaluator.load(SIGNED).evaluate(FIVE_YEARS, as_of=date(2030, 12, 31))
    # Tranches 3,000,000 / 2,250,000 / 3,000,000 / 3,000,000 / 3,750,000 (20/15/20/20/25% of 15,000,000).
    # Targets 665 / 700 (amended) / 805 / 885 / 974 million.
    # Y1 600: short 65,000,000; own floor(3,000,000 x 600/665) = 2,706,766.
    # Y2 800: excess 100,000,000, pool 50,000,000 -> Y1 (outstanding 65,000,000) gets 50,000,000:
    #    Y1 entitled floor(3,000,000 x 650/665) = 2,932,330, restored 225,564; Y2 releases 2,250,000 + 225,564.
    # Y3 780: short 25,000,000; own floor(3,000,000 x 780/805) = floor(2,906,832.30) = 2,906,832. No excess.
    # Y4 905: excess 20,000,000, pool 10,000,000 -> Y1 (outstanding 15,000,000) gets all 10,000,000, Y3 nothing:
    #    Y1 entitled floor(3,000,000 x 660/665) = floor(2,977,443.61) = 2,977,443, restored 45,113;
    #    Y4 releases 3,000,000 + 45,113 = 3,045,113.
    # Y5 1,014: excess 40,000,000, pool 20,000,000 -> Y1 (outstanding 5,000,000) gets 5,000,000,
    #    then Y3 (outstanding 25,000,000) gets the other 15,000,000:
    #    Y1 entitled min(3,000,000, floor(3,000,000 x 665/665)) = 3,000,000, restored 22,557;
    #    Y3 entitled floor(3,000,000 x 795/805) = floor(2,962,732.92) = 2,962,732, restored 55,900;
    #    Y5 releases 3,750,000 + 22,557 + 55,900 = 3,828,457.
    # Y1 restored 225,564 + 45,113 + 22,557 = 293,234; deducted 3,000,000 - 2,706,766 - 293,234 = 0.
    # Y3 deducted 3,000,000 - 2,906,832 - 55,900 = 37,268 (cancelled at the end).
    assert per_year(result, "target") == [665 * M, 700 * M, 805 * M, 885 * M, 974 * M]
    assert per_year(result, "target_met") == [False, True, False, True, True]
    assert per_year(result, "released_shares") == [2_706_766, 2_475_564, 2_906_832, 3_045_113, 3_828_457]
    assert per_year(result, "restored_shares") == [293_234, 0, 55_900, 0, 0]
    assert per_year(result, "deducted_shares") == [0, 0, 37_268, 0, 0]
    # 2,706,766 + 2,475,564 + 2,906,832 + 3,045,113 + 3,828,457 = 14,962,732
    assert result.outputs["total_released_shares"] == 14_962_732
    assert result.outputs["cancelled_shares"] == 37_268
    assert result.outputs["escrow_shares"] == 0
    o = result.outputs
    assert o["total_released_shares"] + o["cancelled_shares"] + o["escrow_shares"] == 15_000_000  # type: ignore[operator]
    assert result.amendments == [AMENDMENT_1]


@pytest.mark.parametrize("as_of", [None, date(2025, 12, 2), BEFORE, FROM, date(2031, 1, 1)])
@pytest.mark.parametrize("years", [1, 2, 3, 4, 5])
def test_every_share_is_released_cancelled_or_in_escrow(as_of: date | None, years: int) -> None:
    revenue = dict(list(FIVE_YEARS["revenue"].items())[:years])
    o = evaluator.load(SIGNED).evaluate({"revenue": revenue}, as_of=as_of, narrate=False).outputs
    assert o["total_released_shares"] + o["cancelled_shares"] + o["escrow_shares"] == 15_000_000  # type: ignore[operator]


def test_without_as_of_every_amendment_is_applied_and_history_lists_the_stages() -> None:
    contract = evaluator.load(SIGNED)
    latest = contract.evaluate(TWO_YEARS)
    assert latest.as_of is None and latest.amendments == [AMENDMENT_1]
    assert latest.to_dict()["as_of"] is None
    assert latest.outputs == in_force(contract, FROM).outputs
    assert [label for label, _ in contract.stages()] == ["as signed", "+ kaixin-amendment-1"]
    assert [a.name for a in contract.amendments] == ["kaixin-amendment-1"]
    assert contract.version(BEFORE) is contract.original


def test_evaluate_json_lists_the_amendments_applied_and_the_date(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "evaluate", SIGNED, "--inputs", INPUTS, "--as-of", "2027-03-01", "--format", "json")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert doc["as_of"] == "2027-03-01"
    assert doc["amendments"] == [AMENDMENT_1]
    assert doc["outputs"]["target"]["Y2"] == 700 * M
    assert doc["outputs"]["released_shares"]["Y2"] is None  # Y2's revenue is not known before 2027-12-01
    code, out, _ = run(capsys, "evaluate", SIGNED, "--inputs", INPUTS, "--as-of", "2027-02-28", "--format", "json")
    doc = json.loads(out)
    assert (doc["as_of"], doc["amendments"]) == ("2027-02-28", [])
    assert doc["outputs"]["target"]["Y2"] == 732 * M
    code, out, _ = run(capsys, "evaluate", SIGNED, "--inputs", INPUTS, "--format", "json")
    doc = json.loads(out)
    assert (doc["as_of"], doc["amendments"]) == (None, [AMENDMENT_1])


def test_the_table_names_the_amendments_applied(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "evaluate", SIGNED, "--inputs", INPUTS, "--as-of", "2027-03-01")
    assert code == 0
    assert "kaixin-amendment-1" in out and "2027-03-01" in out
    target = next(line for line in out.splitlines() if line.startswith("Revenue target"))  # target's label
    assert target.split()[3:5] == ["665,000,000", "700,000,000"]


# --------------------------------------------------------------- consent (SPA 11.2)


def test_an_amendment_without_party_d_is_refused_at_its_consents() -> None:
    with pytest.raises(evaluator.ContractFileError) as caught:
        evaluator.load(UNSIGNED)
    [d] = caught.value.diagnostics
    assert "lacks the written consent of Party D (AUTOA2A, LTD.)" in d.message
    assert Path(d.file) == UNSIGNED
    lines = UNSIGNED.read_text(encoding="utf-8").splitlines()
    assert lines[d.line - 1][d.column - 1:].startswith("consents:")  # at the key
    assert d.hint is not None and "SPA 11.2" in d.hint and "Party D" in d.hint


@pytest.mark.parametrize(("as_of", "applied"), [
    (date(2027, 3, 1), False), (date(2098, 12, 31), False), (date(2099, 1, 1), True)])
def test_an_amendment_applies_only_once_every_consent_is_signed(as_of: date, applied: bool) -> None:
    # Effective 2027-03-01, but Party D's written consent (SPA 11.2) is dated 2099-01-01: no amendment before then.
    contract = evaluator.load(AMENDMENTS / "signed-2099.yaml")
    result = contract.evaluate(TWO_YEARS, as_of=as_of)
    assert per_year(result, "target")[1] == (700 if applied else 732) * M
    assert [a["in_force"] for a in result.amendments] == (["2099-01-01"] if applied else [])
    assert contract.amendments[0].in_force == date(2099, 1, 1)


def test_an_amendment_signed_after_its_effective_date_applies_from_the_last_signature(
        capsys: pytest.CaptureFixture[str]) -> None:
    contract = evaluator.load(AMENDMENTS / "signed-late.yaml")  # effective 2027-03-01, Party D signed 2027-04-15
    assert contract.evaluate(TWO_YEARS, as_of=date(2027, 4, 14)).amendments == []
    result = contract.evaluate(TWO_YEARS, as_of=date(2027, 4, 15))
    assert result.amendments == [{"amendment": "signed-late",
                                  "title": "Amendment No. 1, with Party D's consent signed on 2027-04-15 (test data)",
                                  "effective": "2027-03-01", "in_force": "2027-04-15"}]
    # then with the effect it states: Y2's target (Amendment 1, 1) is 700 million for the whole of Y2
    assert per_year(result, "target")[1] == 700 * M
    code, out, _ = run(capsys, "evaluate", AMENDMENTS / "signed-late.yaml", "--as-of", "2027-04-15")
    assert code == 0
    assert "Amendments applied as of 2027-04-15: signed-late (effective 2027-03-01, in force from 2027-04-15)\n" in out


def test_the_unsigned_amendment_exits_2_naming_party_d(capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["evaluate", UNSIGNED], ["check", UNSIGNED], ["history", UNSIGNED],
                    ["diff", KAIXIN, UNSIGNED]):
        code, out, err = run(capsys, *command)
        assert (code, out) == (2, ""), command
        assert "lacks the written consent of Party D (AUTOA2A, LTD.)" in err
        assert f"{UNSIGNED}:9:1: error: consents:" in err
        assert "SPA 11.2 requires the written consent of Party A, Party B, Party C, Party D" in err


# ------------------------------------------------------------------ refusals
# One amendment file (and its rule file) per case under tests/data/amendments/;
# each expected problem is (file, line, column, message, hint), found in the file.

Expected = tuple[str, int, int, str, str | None]

REFUSALS: dict[str, list[Expected]] = {
    "unknown-name": [
        ("unknown-name.rules", 2, 9, "amendment unknown-name replaces 'targte', which the agreement does not define",
         "did you mean 'target'?"),
        ("unknown-name.rules", 6, 14, "amendment unknown-name replaces 'tranch', which the agreement does not define",
         "did you mean 'tranche'?"),
    ],
    # The replacement value is in shares where the others are RMB: at the value.
    "unit-value": [("unit-value.rules", 3, 5, "Y2 is in shares, the others in RMB", None)],
    # A rule in shares replaced by one in RMB: at the replacement.
    "unit-rule": [("unit-rule.rules", 1, 1, "this replaces 'escrow_shares' in shares with one in RMB",
                   "an amendment may change a value, not its unit")],
    "not-per-period": [("not-per-period.rules", 1, 9, "'offset_share' has no value per period to replace",
                        "replace the whole definition: replace parameter offset_share ...")],
    "no-such-period": [("no-such-period.rules", 1, 16, "'target' has no value for Y6", None)],
    "not-a-party": [("not-a-party.yaml", 11, 13, "'E' is not a party", "the parties are A, B, C, D")],
    "bad-citation": [
        # one period's value and a whole definition alike: at the citation
        ("bad-citation.rules", 2, 9, "'Test amendment, 7' is not a clause", "did you mean 'Test amendment, 2'?"),
        # a replacement cites the amendment's own text, not the agreement's (SPA 5.2(2) is the clause replaced)
        ("bad-citation.rules", 6, 9,
         "'SPA 5.2(3)' is not a clause of amendment.txt, the text of amendment bad-citation",
         "a replacement cites the clause of the amendment that makes it, not the clause it replaces"),
    ],
    # A contract whose own rule files use 'replace'.
    "base-replace": [("base-replace.rules", 2, 1, "'replace' belongs in an amendment's rule files",
                      "write an amendment file that lists this rule file")],
}


def _check_problems(error: evaluator.ContractError, expected: list[Expected]) -> None:
    found = [(Path(d.file).resolve(), d.line, d.column, d.message, d.hint) for d in error.diagnostics]
    assert len(found) == len(expected), error.render()
    for (path, line, column, message, hint), (name, e_line, e_column, e_message, e_hint) in zip(
            found, expected, strict=True):
        assert (path, line, column) == ((AMENDMENTS / name).resolve(), e_line, e_column), error.render()
        assert e_message in message
        if e_hint is not None:
            assert hint == e_hint


@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_wrong_amendment_is_refused_where_it_is_wrong(case: str) -> None:
    with pytest.raises(evaluator.ContractError) as caught:
        evaluator.load(AMENDMENTS / f"{case}.yaml")
    _check_problems(caught.value, REFUSALS[case])


@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_wrong_amendment_exits_2_through_the_cli(case: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = AMENDMENTS / f"{case}.yaml"
    for command in ("evaluate", "check"):
        code, out, err = run(capsys, command, path)
        assert (code, out) == (2, "")
        for name, line, column, message, hint in REFUSALS[case]:
            assert f"{name}:{line}:{column}: error: " in err
            assert message in err
            if hint is not None:
                assert f"hint: {hint}" in err
        assert "Traceback" not in err and "internal error" not in err


def test_replace_in_a_rule_file_checked_on_its_own_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """`clausewise check RULES` must refuse 'replace' in an agreement's rules, as loading the contract does."""
    code, _, err = run(capsys, "check", ROOT / "rules" / "kaixin" / "spa.rules", AMENDMENTS / "base-replace.rules")
    assert code == 2 and "'replace' belongs in an amendment's rule files" in err


def test_a_unit_change_of_a_rule_other_rules_use_is_refused_at_the_replacement() -> None:
    with pytest.raises(evaluator.ContractError) as caught:
        evaluator.load(AMENDMENTS / "unit-rule-used.yaml")
    first = caught.value.diagnostics[0]
    assert Path(first.file).resolve() == (AMENDMENTS / "unit-rule-used.rules").resolve()
    assert "this replaces 'tranche' in shares with one in RMB" in first.message


# ------------------------------------------------- two amendments, in order

TWO = AMENDMENTS / "two-amendments.yaml"


@pytest.mark.parametrize(("as_of", "applied", "y2_target", "released", "deducted_y1"), [
    # As signed (see above): Y2 releases 3,153,384, Y1 keeps 139,850 deducted.
    (date(2027, 2, 28), [], 732 * M, [2_706_766, 3_153_384], 139_850),
    # Amendment No. 1 alone (see above).
    (date(2027, 3, 1), ["kaixin-amendment-1"], 700 * M, [2_706_766, 2_475_564], 67_670),
    (date(2027, 8, 31), ["kaixin-amendment-1"], 700 * M, [2_706_766, 2_475_564], 67_670),
    # Both: the second sets Y2's target to 720,000,000 (overriding 700,000,000); the split of No. 1 stays.
    # Y2 excess 80,000,000, pool 40,000,000 -> Y1: entitled floor(3,000,000 x 640/665) = floor(2,887,218.05)
    # = 2,887,218, restored 2,887,218 - 2,706,766 = 180,452; Y2 released 2,250,000 + 180,452 = 2,430,452;
    # Y1 deducted 3,000,000 - 2,706,766 - 180,452 = 112,782.
    (date(2027, 9, 1), ["kaixin-amendment-1", "second"], 720 * M, [2_706_766, 2_430_452], 112_782),
    (None, ["kaixin-amendment-1", "second"], 720 * M, [2_706_766, 2_430_452], 112_782),
])
def test_two_amendments_apply_in_order_as_of_each_date(as_of: date | None, applied: list[str], y2_target: int,
                                                       released: list[int], deducted_y1: int) -> None:
    result = in_force(evaluator.load(TWO), as_of)
    assert [a["amendment"] for a in result.amendments] == applied
    assert per_year(result, "target")[1] == y2_target
    assert per_year(result, "released_shares")[:2] == released
    assert per_year(result, "deducted_shares")[0] == deducted_y1
    o = result.outputs
    assert o["total_released_shares"] + o["cancelled_shares"] + o["escrow_shares"] == 15_000_000  # type: ignore[operator]


def test_the_later_amendment_is_cited_for_the_value_it_overrides() -> None:
    explanation = evaluator.load(TWO).explain("target", "Y2")
    step = explanation.steps[explanation.root]
    assert (step.value, step.citation) == (720 * M, "Test amendment 2, 1")
    assert step.location.endswith("second.rules:1")


def test_as_of_picks_each_amendment_through_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    # Y2's figures are not known before 2027-12-01 (pending); its target is the one in force
    expected = {"2027-02-28": ([], 732 * M), "2027-03-01": (["kaixin-amendment-1"], 700 * M),
                "2027-09-01": (["kaixin-amendment-1", "second"], 720 * M)}
    for as_of, (applied, y2) in expected.items():
        code, out, _ = run(capsys, "evaluate", TWO, "--inputs", INPUTS, "--as-of", as_of, "--format", "json")
        assert code == 0
        doc = json.loads(out)
        assert doc["as_of"] == as_of
        assert [a["amendment"] for a in doc["amendments"]] == applied
        assert doc["outputs"]["target"]["Y2"] == y2
        assert doc["outputs"]["released_shares"]["Y2"] is None


def test_history_of_two_amendments(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "history", TWO, "--inputs", INPUTS, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["kind"] == "history"
    assert [s["label"] for s in doc["sides"]] == ["as signed", "+ kaixin-amendment-1", "+ second"]
    assert [len(s["amendments"]) for s in doc["sides"]] == [0, 1, 2]
    row = next(r for r in doc["rows"] if (r["output"], r["period"]) == ("released_shares", "Y2"))
    # 3,153,384 as signed; 2,475,564 after No. 1; 2,430,452 after the second;
    # change from first to last: 2,430,452 - 3,153,384 = -722,932
    assert row["values"] == [3_153_384, 2_475_564, 2_430_452]
    assert (row["differs"], row["change"]) == (True, -722_932)
    code, table, _ = run(capsys, "history", TWO, "--inputs", INPUTS)
    assert rows(table)[("Revenue target (RMB)", "Y2")] == ["732,000,000", "700,000,000", "720,000,000", "-12,000,000",
                                                           "*"]


def test_an_amendment_its_contract_lists_can_still_be_loaded_on_its_own() -> None:
    contract = evaluator.load(AMENDMENTS / "second.yaml")
    assert [a.name for a in contract.amendments] == ["kaixin-amendment-1", "second"]


# ------------------------------------------------- comparisons through the CLI


def test_diff_two_contract_files(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "diff", KAIXIN, SIGNED, "--inputs", INPUTS)
    assert (code, err) == (0, "")
    table = rows(out)
    assert out.splitlines()[0].split() == ["output", "period", "kaixin-spa,", "spa", "kaixin-amendment-1,", "spa",
                                           "change"]
    # only what differs: 732 -> 700 million; 3,153,384 -> 2,475,564 (-677,820); 153,384 -> 225,564 (+72,180)
    assert table == AMENDMENT_1_DIFF
    code, out, _ = run(capsys, "diff", KAIXIN, SIGNED, "--inputs", INPUTS, "--format", "json")
    doc = json.loads(out)
    assert doc["kind"] == "diff"
    assert [s["amendments"] for s in doc["sides"]] == [[], [AMENDMENT_1]]
    assert all(r["differs"] for r in doc["rows"])
    assert {(r["output"], r["period"]): r["values"] for r in doc["rows"]}[("deducted_shares", "Y1")] == [139_850,
                                                                                                      67_670]


def test_diff_one_contract_at_two_dates(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "diff", SIGNED, "--inputs", INPUTS, "--as-of", "2027-02-28",
                       "--against-as-of", "2027-03-01")
    assert code == 0
    assert "as of 2027-02-28" in out.splitlines()[0] and "as of 2027-03-01" in out.splitlines()[0]
    # Y2's revenue is known on neither date: what differs is the target the amendment sets
    assert rows(out) == {("Revenue target (RMB)", "Y2"): ["732,000,000", "700,000,000", "-32,000,000", "*"]}
    code, out, _ = run(capsys, "diff", SIGNED, "--inputs", INPUTS, "--as-of", "2027-02-28",
                       "--against-as-of", "2027-03-01", "--format", "json")
    doc = json.loads(out)
    assert [(s["as_of"], len(s["amendments"])) for s in doc["sides"]] == [("2027-02-28", 0), ("2027-03-01", 1)]
    assert len(doc["rows"]) == 1
    # the same date on both sides: nothing differs
    code, out, _ = run(capsys, "diff", SIGNED, "--inputs", INPUTS, "--as-of", "2027-03-01")
    assert code == 0 and "no output differs" in out


def test_diff_two_readings(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "diff", KAIXIN, "--inputs", INPUTS, "--interpretation", "spa",
                       "--against", "press-release")
    assert code == 0
    # press-release: Y2's excess 68,000,000 is not more than 50% of 732,000,000 = 366,000,000, so nothing
    # offsets: Y1 keeps 3,000,000 - 2,706,766 = 293,234 deducted; Y2 releases its own 3,000,000.
    assert rows(out) == {
        ("Shares released (shares)", "Y2"): ["3,153,384", "3,000,000", "-153,384", "*"],
        ("Shares restored (shares)", "Y1"): ["153,384", "0", "-153,384", "*"],
        ("Shares deducted (shares)", "Y1"): ["139,850", "293,234", "+153,384", "*"],
        ("Total shares released (shares)", ""): ["5,860,150", "5,706,766", "-153,384", "*"],
        ("Shares in escrow (shares)", ""): ["9,139,850", "9,293,234", "+153,384", "*"],
    }
    code, out, _ = run(capsys, "diff", KAIXIN, "--inputs", INPUTS, "--interpretation", "spa",
                       "--against", "excess-year", "--format", "json")
    doc = json.loads(out)
    assert [s["interpretation"] for s in doc["sides"]] == ["spa", "excess-year"]
    values = {(r["output"], r["period"]): r["values"] for r in doc["rows"]}
    # excess-year: the 34,000,000 credit counts at Y2's target: floor(3,000,000 x 600/665 + 3,000,000 x 34/732)
    # = floor(2,706,766.92 + 139,344.26) = 2,846,111; restored 2,846,111 - 2,706,766 = 139,345;
    # Y2 released 3,139,345; Y1 deducted 3,000,000 - 2,706,766 - 139,345 = 153,889.
    assert values[("restored_shares", "Y1")] == [153_384, 139_345]
    assert values[("released_shares", "Y2")] == [3_153_384, 3_139_345]
    assert values[("deducted_shares", "Y1")] == [139_850, 153_889]


def test_evaluate_all_interpretations(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "evaluate", KAIXIN, "--inputs", INPUTS, "--all-interpretations")
    assert code == 0
    assert out.splitlines()[0].split() == ["output", "period", "spa", "excess-year", "press-release"]
    table = rows(out)
    assert table[("Shares released (shares)", "Y2")] == ["3,153,384", "3,139,345", "3,000,000", "*"]
    assert table[("Shares deducted (shares)", "Y1")] == ["139,850", "153,889", "293,234", "*"]
    assert table[("Total shares released (shares)", "")] == ["5,860,150", "5,846,111", "5,706,766", "*"]
    assert table[("Shares released (shares)", "Y1")] == ["2,706,766", "2,706,766", "2,706,766"]  # no '*'
    code, out, _ = run(capsys, "evaluate", KAIXIN, "--inputs", INPUTS, "--all-interpretations", "--format", "json")
    doc = json.loads(out)
    assert doc["kind"] == "interpretations"
    assert [s["interpretation"] for s in doc["sides"]] == ["spa", "excess-year", "press-release"]
    differing = {(r["output"], r["period"]) for r in doc["rows"] if r["differs"]}
    assert differing == {("released_shares", "Y2"), ("restored_shares", "Y1"), ("deducted_shares", "Y1"),
                         ("total_released_shares", None), ("escrow_shares", None)}


def test_evaluate_all_interpretations_as_amended(capsys: pytest.CaptureFixture[str]) -> None:
    # as of 2028-01-01: the amendment in force, and Y2 (ended 2027-11-30) known
    code, out, _ = run(capsys, "evaluate", SIGNED, "--inputs", INPUTS, "--as-of", "2028-01-01",
                       "--all-interpretations", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert all(s["as_of"] == "2028-01-01" and s["amendments"] == [AMENDMENT_1] for s in doc["sides"])
    values = {(r["output"], r["period"]): r["values"] for r in doc["rows"]}
    # spa: 2,250,000 + 225,564 (above).
    # excess-year: the 50,000,000 credit counts at Y2's amended target of 700,000,000:
    #   floor(3,000,000 x 600/665 + 3,000,000 x 50/700) = floor(2,706,766.92 + 214,285.71) = 2,921,052,
    #   restored 214,286; Y2 released 2,250,000 + 214,286 = 2,464,286.
    # press-release: the excess 100,000,000 is not more than 50% of 700,000,000: nothing offsets; 2,250,000.
    assert values[("released_shares", "Y2")] == [2_475_564, 2_464_286, 2_250_000]


def test_history_shows_each_output_as_signed_and_after_the_amendment(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "history", SIGNED, "--inputs", INPUTS)
    assert code == 0
    assert out.splitlines()[0].split() == ["output", "period", "as", "signed", "+", "kaixin-amendment-1", "change"]
    table = rows(out)
    assert len(table) == 59  # every output: 9 per-year outputs x 5 years + 14 single values
    assert table[("Revenue target (RMB)", "Y2")] == ["732,000,000", "700,000,000", "-32,000,000", "*"]
    assert table[("Revenue target (RMB)", "Y1")] == ["665,000,000", "665,000,000", "0"]
    assert table[("Shares released (shares)", "Y2")] == ["3,153,384", "2,475,564", "-677,820", "*"]
    assert table[("Shares deducted (shares)", "Y1")] == ["139,850", "67,670", "-72,180", "*"]
    assert table[("Audited revenue (RMB)", "Y3")] == ["pending", "pending"]
    code, out, _ = run(capsys, "history", SIGNED, "--inputs", INPUTS, "--format", "json")
    doc = json.loads(out)
    assert doc["kind"] == "history"
    assert [s["amendments"] for s in doc["sides"]] == [[], [AMENDMENT_1]]
    assert len(doc["rows"]) == 59
    assert sum(r["differs"] for r in doc["rows"]) == 6


# ------------------------------------- an amendment file is the contract as of that amendment

FIRST, SECOND, UNLISTED = AMENDMENTS / "first.yaml", AMENDMENTS / "second.yaml", AMENDMENTS / "unlisted.yaml"


@pytest.mark.parametrize("as_of", [None, date(2031, 1, 1)])
def test_an_amendment_file_its_contract_lists_stops_at_that_amendment(as_of: date | None) -> None:
    # two-amendments.yaml lists first.yaml (Y2 target 700,000,000) then second.yaml (720,000,000, from
    # 2027-09-01). first.yaml is the contract as of Amendment No. 1: the second never applies, whatever the date.
    contract = evaluator.load(FIRST)
    assert [a.name for a in contract.amendments] == ["kaixin-amendment-1"]
    result = contract.evaluate(TWO_YEARS, as_of=as_of)
    assert [a["amendment"] for a in result.amendments] == ["kaixin-amendment-1"]
    assert per_year(result, "target")[1] == 700 * M
    assert per_year(result, "released_shares")[:2] == [2_706_766, 2_475_564]  # Amendment No. 1 alone (above)
    assert [label for label, _ in contract.stages()] == ["as signed", "+ kaixin-amendment-1"]
    assert per_year(contract.evaluate(TWO_YEARS, as_of=date(2027, 9, 1)), "target")[1] == 700 * M  # not 720


def test_as_of_still_selects_among_the_amendments_up_to_the_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "evaluate", SECOND, "--inputs", INPUTS, "--as-of", "2027-06-01", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert [a["amendment"] for a in doc["amendments"]] == ["kaixin-amendment-1"]  # the second: from 2027-09-01
    assert doc["outputs"]["target"]["Y2"] == 700 * M
    code, out, _ = run(capsys, "evaluate", FIRST, "--inputs", INPUTS, "--format", "json")
    doc = json.loads(out)
    assert [a["amendment"] for a in doc["amendments"]] == ["kaixin-amendment-1"]
    assert doc["outputs"]["target"]["Y2"] == 700 * M
    code, out, _ = run(capsys, "history", FIRST, "--inputs", INPUTS, "--format", "json")
    assert [s["label"] for s in json.loads(out)["sides"]] == ["as signed", "+ kaixin-amendment-1"]


def test_an_amendment_its_contract_does_not_list_follows_those_in_force_by_its_day() -> None:
    # unlisted.yaml (interim, in force 2027-06-01: Y2 target 720,000,000) amends two-amendments.yaml, which
    # does not list it: it follows kaixin-amendment-1 (2027-03-01), and 'second' (2027-09-01) is left out.
    contract = evaluator.load(UNLISTED)
    assert [a.name for a in contract.amendments] == ["kaixin-amendment-1", "interim"]
    result = contract.evaluate(TWO_YEARS)
    assert per_year(result, "target")[1] == 720 * M
    # with the split of No. 1: Y2 releases 2,250,000 + 180,452 = 2,430,452 (worked above)
    assert per_year(result, "released_shares")[:2] == [2_706_766, 2_430_452]
    assert [a["amendment"] for a in contract.evaluate(TWO_YEARS, as_of=date(2027, 5, 31)).amendments] == [
        "kaixin-amendment-1"]


def test_diff_of_the_agreement_and_an_amendment_shows_only_that_amendment(
        capsys: pytest.CaptureFixture[str]) -> None:
    # The contract lists both amendments; the diff against first.yaml compares the agreement as signed with
    # Amendment No. 1 alone: Y2's target 732,000,000 -> 700,000,000 (-32,000,000), and what follows (above):
    # Y2 released 3,153,384 -> 2,475,564 (-677,820); Y1 restored 153,384 -> 225,564 (+72,180),
    # deducted 139,850 -> 67,670 (-72,180); in total 5,860,150 -> 5,182,330 released, escrow +677,820.
    code, out, err = run(capsys, "diff", TWO, FIRST, "--inputs", INPUTS)
    assert (code, err) == (0, "")
    assert out.splitlines()[0].split()[2:9] == ["two-amendments", "before", "kaixin-amendment-1,", "spa", "first,",
                                                "spa", "change"]
    assert rows(out) == AMENDMENT_1_DIFF
    # The second against the agreement as amended by the first: 700,000,000 -> 720,000,000. Y2's excess
    # 80,000,000, pool 40,000,000 -> Y1 entitled floor(3,000,000 x 640/665) = 2,887,218, restored 180,452
    # (was 225,564: -45,112); Y2 released 2,250,000 + 180,452 = 2,430,452 (was 2,475,564).
    code, out, _ = run(capsys, "diff", TWO, SECOND, "--inputs", INPUTS, "--format", "json")
    doc = json.loads(out)
    assert [[a["amendment"] for a in s["amendments"]] for s in doc["sides"]] == [
        ["kaixin-amendment-1"], ["kaixin-amendment-1", "second"]]
    assert {(r["output"], r["period"]): (r["values"], r["change"]) for r in doc["rows"]} == {
        ("target", "Y2"): ([700 * M, 720 * M], 20 * M),
        ("released_shares", "Y2"): ([2_475_564, 2_430_452], -45_112),
        ("restored_shares", "Y1"): ([225_564, 180_452], -45_112),
        ("deducted_shares", "Y1"): ([67_670, 112_782], 45_112),
        ("total_released_shares", None): ([5_182_330, 5_137_218], -45_112),
        ("escrow_shares", None): ([9_817_670, 9_862_782], 45_112),
    }
    # as of a day before the amendment is in force, it changes nothing
    code, out, _ = run(capsys, "diff", TWO, SECOND, "--inputs", INPUTS, "--as-of", "2027-06-01")
    assert code == 0 and "no output differs" in out


# ------------------------------------- an amended value cites the amendment's clause, naming the one it amends


def test_an_amended_value_names_the_clause_it_amends_in_json_and_explain(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "evaluate", SIGNED, "--inputs", INPUTS, "--format", "json")
    assert code == 0
    # target: SPA 4.1 for every year but Y2, which Amendment 1, 1 replaced
    assert json.loads(out)["citations"]["target"] == "SPA 4.1; Amendment 1, 1 (amends SPA 4.1) for Y2"
    code, out, _ = run(capsys, "evaluate", SIGNED, "--inputs", INPUTS, "--as-of", "2027-02-28", "--format", "json")
    assert json.loads(out)["citations"]["target"] == "SPA 4.1"  # not yet amended
    code, out, _ = run(capsys, "explain", SIGNED, "target", "Y2")
    assert 'Amendment 1, 1 (amends SPA 4.1): "1. In Article 4.1 of the Agreement' in out
    assert "Not less than RMB" not in out  # the signed text is never quoted next to the amended figure
    code, out, _ = run(capsys, "explain", SIGNED, "target", "Y2", "--format", "json")
    doc = json.loads(out)
    step = doc["steps"][doc["root"]] if isinstance(doc["steps"], dict) else doc["steps"][0]
    assert (step["value"], step["citation"], step["amends"]) == (700 * M, "Amendment 1, 1", "SPA 4.1")
    share = evaluator.load(SIGNED).explain("release_share", "Y5")
    assert (share.steps[share.root].citation, share.steps[share.root].amends) == ("Amendment 1, 2", "SPA 5.1")
    # a value not amended names no amended clause
    y1 = evaluator.load(SIGNED).explain("target", "Y1")
    assert (y1.steps[y1.root].citation, y1.steps[y1.root].amends) == ("SPA 4.1", None)
    # a value amended twice names the agreement's clause, the one first amended
    twice = evaluator.load(TWO).explain("target", "Y2")
    assert (twice.steps[twice.root].citation, twice.steps[twice.root].amends) == ("Test amendment 2, 1", "SPA 4.1")


def test_the_reports_name_the_clause_an_amended_value_amends(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "evaluate", SIGNED, "--inputs", INPUTS)
    assert "  Revenue target [target] (SPA 4.1; Amendment 1, 1 (amends SPA 4.1) for Y2): Operating Revenue the\n" \
        in out
    code, out, _ = run(capsys, "evaluate", SIGNED, "--inputs", INPUTS, "--format", "markdown")
    assert "- Revenue target [target] (SPA 4.1; Amendment 1, 1 (amends SPA 4.1) for Y2): Operating Revenue the " \
           "Target Company must " \
           "reach in the year\n" in out
    # the HTML's wide table gives each row's clauses by its label; target[Y2] is Amendment 1's RMB 700 million
    code, out, _ = run(capsys, "evaluate", SIGNED, "--inputs", INPUTS, "--format", "html")
    assert ('>Revenue target</span> <small class="cite">SPA 4.1; Amendment 1, 1 (amends SPA 4.1) for Y2</small>'
            '</th><td>RMB</td><td class="num"><span class="fig">665,000,000</span></td>'
            '<td class="num"><span class="fig">700,000,000</span></td>') in out
    # and target[Y2]'s explanation (an appendix: the CLI's default is --appendix none) cites both clauses
    assert 'id="step-' not in out
    code, out, _ = run(capsys, "evaluate", SIGNED, "--inputs", INPUTS, "--format", "html", "--appendix",
                       "explanations")
    entry = out.split('id="step-target-Y2"')[1].split("</article>")[0]
    assert ('<p class="cites">Cites <a href="#clause-Amendment-1-1">Amendment 1, 1</a> '
            '(amends <a href="#clause-SPA-4.1">SPA 4.1</a>)</p>') in entry
