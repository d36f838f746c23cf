"""Every figure explained: derivations with clauses quoted, narratives, and the report formats."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import jsonschema
import pytest

import evaluator
from evaluator import render_html, render_trace
from evaluator.cli import main
from evaluator.result import result_schema
from tests.helpers import KAIXIN, ROOT, contract_from

EXAMPLE = ROOT / "contracts" / "examples" / "kaixin-inputs.yaml"
AGREEMENT = (ROOT / "contracts" / "kaixin-spa-agreement.txt").read_text(encoding="utf-8")

# The clause each Kaixin output comes from, and the first words of that clause in the signed text.
CLAUSE_OF = {
    "target": ("SPA 4.1", "4.1 Party C irrevocably commits and guarantees"),
    "revenue": ("SPA 4.2", "4.2 The aforementioned Performance Targets must be confirmed"),
    "target_met": ("SPA 5.1", "5.1 Phased Release Mechanism:"),
    "released_shares": ("SPA 5.1", "5.1 Phased Release Mechanism:"),
    "restored_shares": ("SPA 5.2(2)", "(2) If the actual Operating Revenue of the Target Company in any Assessment "
                                      "Year exceeds the specified target, 50% of the excess amount"),
    "deducted_shares": ("SPA 5.2(1)", "(1) If the actual Operating Revenue of the Target Company in any Assessment "
                                      "Year fails to meet the specified target"),
    "total_released_shares": ("SPA 5.1", "5.1 Phased Release Mechanism:"),
    "cancelled_shares": ("SPA 5.2(1)", "(1) If the actual Operating Revenue"),
    "escrow_shares": ("Escrow 2", "The escrow period under this Agreement shall commence"),
}

# Y1 misses (600M of 665M), Y2 beats its target (800M of 732M), Y3 misses with nothing after it yet.
INPUTS = {"revenue": {"Y1": 600000000, "Y2": 800000000, "Y3": 700000000}}


@pytest.fixture(scope="module")
def kaixin() -> evaluator.Contract:
    return evaluator.load(KAIXIN)


def validate(document: object) -> None:
    jsonschema.Draft202012Validator(result_schema()).validate(document)


@pytest.mark.parametrize("reading", ["spa", "excess-year", "press-release"])
@pytest.mark.parametrize("output", list(CLAUSE_OF))
def test_every_output_is_explained_with_its_clause_quoted(kaixin: evaluator.Contract, output: str,
                                                          reading: str) -> None:
    citation, opening = CLAUSE_OF[output]
    periods = ["Y1", "Y2", "Y3", "Y4", "Y5"] if kaixin.program.symbols[output].params else [None]
    for period in periods:
        expl = kaixin.explain(output, period, INPUTS, reading)
        root = expl.steps[expl.root]
        assert root.citation == citation
        assert root.clause is not None and root.clause.startswith(opening)
        # the quoted words are the agreement's own: every word stands in the anchored text, in order
        assert " ".join(root.clause.split()) in " ".join(AGREEMENT.split())
        validate(expl.to_dict())
        # every step down to the inputs and parameters is there, and each cites a clause
        for step in expl.steps.values():
            assert step.citation, step.id
            assert all(i in expl.steps for i in step.inputs)
            if step.kind in ("input", "parameter"):
                assert step.inputs == ()


def test_a_derivation_reaches_inputs_and_parameters(kaixin: evaluator.Contract) -> None:
    expl = kaixin.explain("deducted_shares", "Y1", INPUTS)
    steps = expl.steps
    assert expl.root == "deducted_shares[Y1]"
    # 3,000,000 - 2,706,766 own - 153,384 restored by Y2 = 139,850
    assert steps["deducted_shares[Y1]"].value == 139850
    assert steps["deducted_shares[Y1]"].inputs == ("tranche[Y1]", "own_shares[Y1]", "restored_shares[Y1]")
    assert steps["deducted_shares[Y1]"].formula == "tranche[y] - own_shares[y] - restored_shares[y]"
    assert "rules/kaixin/spa.rules:" in steps["deducted_shares[Y1]"].location
    assert steps["revenue[Y1]"].kind == "input" and steps["revenue[Y1]"].value == 600000000
    assert steps["target[Y1]"].kind == "parameter" and steps["target[Y1]"].value == 665000000
    assert steps["consideration_shares"].value == 15000000
    # Y2's pool: 50% of (800M - 732M) = 34M, all of it to Y1's 65M shortfall
    assert steps["credit[Y2, Y1]"].value == 34000000


def test_a_reading_shows_its_own_formula_and_clause(kaixin: evaluator.Contract) -> None:
    # Y2 at 1,200M beats 732M by 468M > 50% x 732M = 366M: under press-release the whole excess is the pool.
    expl = kaixin.explain("restored_shares", "Y1", {"revenue": {"Y1": 300000000, "Y2": 1200000000}},
                          "press-release")
    pool = expl.steps["offset_pool[Y2]"]
    assert (pool.reading, pool.citation, pool.value) == ("press-release", "Form 6-K", 468000000)
    assert pool.clause is not None and "by more than 50%" in pool.clause
    assert pool.formula is not None and pool.formula.startswith("if excess[y] > press_release_margin")


def test_explain_asks_for_a_known_name_and_its_periods(kaixin: evaluator.Contract) -> None:
    with pytest.raises(evaluator.ContractError, match="no value named 'deducted_share'") as info:
        kaixin.explain("deducted_share", "Y1")
    assert "did you mean 'deducted_shares'?" in (info.value.diagnostics[0].hint or "")
    with pytest.raises(evaluator.ContractError, match="has a value for each year"):
        kaixin.explain("deducted_shares")
    with pytest.raises(evaluator.ContractError, match="Y9 is not a year"):
        kaixin.explain("deducted_shares", "Y9")
    assert kaixin.explain("credit", "Y2,Y1", INPUTS).steps["credit[Y2, Y1]"].value == 34000000


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def test_explain_command_prints_the_tree(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # The README's example, run as written from the top of the checkout (wherever that is): files are shown
    # as the user named them, so the text is the same on every clone.
    monkeypatch.chdir(ROOT)
    argv = ["explain", "contracts/kaixin-spa.yaml", "--inputs", "contracts/examples/kaixin-inputs.yaml"]
    assert main([*argv, "deducted_shares", "Y1"]) == 0
    out = capsys.readouterr().out
    line = _line_of(ROOT / "rules" / "kaixin" / "spa.rules", "= tranche[y] - own_shares[y] - restored_shares[y]")
    assert out.splitlines()[:6] == [
        "kaixin-spa, reading: spa",
        "deducted_shares[Y1] = 139,850 shares",
        "│   shares of the year's tranche not earned after all offsets so far",
        f"│   = tranche[y] - own_shares[y] - restored_shares[y]  [rules/kaixin/spa.rules:{line}]",
        '│   SPA 5.2(1): "(1) If the actual Operating Revenue of the Target Company in any Assessment Year',
        "│     fails to meet the specified target, the number of shares releasable in that year shall be",
    ]
    assert "├── own_shares[Y1] = 2,706,766 shares" in out
    assert "revenue[Y1] = RMB 600,000,000" in out
    assert "(see above)" in out and "(quoted above)" in out
    assert max(len(line) for line in out.splitlines()) <= render_trace.WIDTH


def test_a_location_is_never_split_however_long_its_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A checkout at a long path with spaces and hyphens (/home/alice/My Documents/...): every file:line stays
    # whole on one line, and the words around it still wrap at the width.
    root = tmp_path / "a checkout at a long-winded path" / ("deeper-and-deeper folder " * 3).strip() / "clausewise"
    for part in ("contracts", "rules"):
        shutil.copytree(ROOT / part, root / part)
    contract = root / "contracts" / "kaixin-spa.yaml"
    inputs = root / "contracts" / "examples" / "kaixin-inputs.yaml"
    assert main(["explain", str(contract), "--inputs", str(inputs), "deducted_shares", "Y1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    spa = root / "rules" / "kaixin" / "spa.rules"
    located = [line for line in lines if "spa.rules" in line]
    assert located and all(re.search(rf"\[{re.escape(str(spa))}:\d+\]$", line) for line in located)
    formula = _line_of(spa, "= tranche[y] - own_shares[y] - restored_shares[y]")
    assert lines[3:5] == ["│   = tranche[y] - own_shares[y] - restored_shares[y]", f"│     [{spa}:{formula}]"]
    assert all(len(line) <= render_trace.WIDTH for line in lines if str(spa) not in line)


def test_explain_json_validates(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(KAIXIN), "--inputs", str(EXAMPLE), "escrow_shares", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    validate(doc)
    assert doc["root"] == "escrow_shares" and doc["steps"][0]["value"] == 9139850


def sentences(result: evaluator.Result, period: str | None) -> list[str]:
    return [s.text for s in result.narrative if s.period == period]


def test_narrative_for_met_missed_made_up_and_pending_years(kaixin: evaluator.Contract) -> None:
    result = kaixin.evaluate(INPUTS)
    # Y1: 665M - 600M = 65M short; 65/665 = 9.774..% -> 9.77%; own 2,706,766, deducted 3,000,000 - 2,706,766
    # = 293,234 before Y2's 34M credit restores 153,384 (2,860,150 - 2,706,766), leaving 139,850.
    assert sentences(result, "Y1") == [
        "Y1: revenue of RMB 600,000,000 missed the target of RMB 665,000,000 by RMB 65,000,000 (9.77%). "
        "Of the tranche of 3,000,000 shares, 2,706,766 shares are releasable and 293,234 shares deducted "
        "(SPA 5.2(1)).",
        "Later excess revenue made up RMB 34,000,000 of the shortfall and restored 153,384 shares (SPA 5.2(2)); "
        "139,850 shares remain deducted.",
    ]
    assert sentences(result, "Y2") == [
        "Y2: revenue of RMB 800,000,000 met the target of RMB 732,000,000, so the whole tranche of "
        "3,000,000 shares is releasable at its release event (SPA 5.1).",
        "Its excess of RMB 68,000,000 offset earlier shortfalls (SPA 5.2(2)): 153,384 shares restored to "
        "earlier years are releasable with it, 3,153,384 shares in all.",
    ]
    # Y3: 805M - 700M = 105M; 105/805 = 13.043..% -> 13.04%; own floor(3,000,000 x 700/805) = 2,608,695
    assert sentences(result, "Y3") == [
        "Y3: revenue of RMB 700,000,000 missed the target of RMB 805,000,000 by RMB 105,000,000 (13.04%). "
        "Of the tranche of 3,000,000 shares, 2,608,695 shares are releasable and 391,305 shares deducted "
        "(SPA 5.2(1)).",
        "No later year has made up the shortfall so far; 391,305 shares remain deducted.",
    ]
    assert sentences(result, "Y4") == [
        "Y4 (2028-12-01 to 2029-11-30) is pending: its audited revenue is not known yet. "
        "Its target is RMB 885,000,000, and its tranche of 3,000,000 shares stays in escrow.",
    ]
    # 2,706,766 + 3,153,384 + 2,608,695 = 8,468,845 releasable; 15,000,000 - 8,468,845 = 6,531,155 in escrow
    assert sentences(result, None) == [
        "In all, on the figures given, 8,468,845 shares are releasable, 0 shares to be cancelled and "
        "6,531,155 shares to remain in escrow, out of 15,000,000 shares.",
    ]


def test_narrative_for_a_shortfall_made_up_in_full(kaixin: evaluator.Contract) -> None:
    # Y1 600M (65M short); Y2 900M: excess 168M, pool 84M >= 65M, so Y1 gets 65M and is whole again.
    result = kaixin.evaluate({"revenue": {"Y1": 600000000, "Y2": 900000000}})
    assert sentences(result, "Y1")[1] == ("Later excess revenue made up the whole shortfall: 293,234 shares were "
                                          "restored (SPA 5.2(2)) and nothing remains deducted.")


@pytest.mark.parametrize("fmt", ["json", "csv", "markdown", "table", "html"])
def test_every_format_of_evaluate(fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["evaluate", str(KAIXIN), "--inputs", str(EXAMPLE), "--format", fmt]
    assert main(args) == 0
    out = capsys.readouterr().out
    if fmt == "json":
        validate(json.loads(out))
    if fmt == "csv":
        rows = list(csv.DictReader(line for line in io.StringIO(out) if not line.startswith("#")))  # checks, provenance
        # 9 outputs x 5 years (6 entitlements, 3 from the escrow ledger) + 14 single values (3 share totals,
        # penalties, fee, dividends; 8 from the ledger) = 59 rows
        assert len(rows) == 59
        y1 = next(r for r in rows if r["output"] == "deducted_shares" and r["period"] == "Y1")
        assert (y1["value"], y1["unit"], y1["status"], y1["citation"]) == ("139850", "shares", "known", "SPA 5.2(1)")
        y3 = next(r for r in rows if r["output"] == "released_shares" and r["period"] == "Y3")
        assert (y3["value"], y3["status"]) == ("", "pending")
    if fmt == "markdown":
        assert "| Shares released (shares) | 2,706,766 | 3,153,384 | pending [1] | pending [1,2] | pending [1,2,3] |" \
            in out
        assert "## In words" in out
    if fmt == "html":
        # charts by unit and scale: RMB; released shares; restored and deducted (under a tenth of released)
        assert out.startswith("<!DOCTYPE html>") and out.count("<svg") == 3 and ">139,850<" in out
        # the CLI's default is --appendix none (a report that prints short): no explanations; asked, they are there
        assert 'id="step-' not in out
        assert main([*args, "--appendix", "explanations"]) == 0
        assert 'id="step-deducted_shares-Y1"' in capsys.readouterr().out
    assert main([*args, "--output", str(tmp_path / f"out.{fmt}")]) == 0
    assert (tmp_path / f"out.{fmt}").read_text(encoding="utf-8") == out


@pytest.mark.parametrize(("extra", "message", "hint"), [
    ([], "--trace works with --format json or html, not table",
     "add --format json, or run 'clausewise explain CONTRACT OUTPUT [PERIOD]'"),
    (["--format", "csv"], "--trace works with --format json or html, not csv",
     "add --format json, or run 'clausewise explain CONTRACT OUTPUT [PERIOD]'"),
    (["--format", "markdown"], "--trace works with --format json or html, not markdown",
     "add --format json, or run 'clausewise explain CONTRACT OUTPUT [PERIOD]'"),
    (["--format", "json", "--all-interpretations"], "--trace works with one reading, not with --all-interpretations",
     "give --interpretation NAME instead"),
])
def test_trace_where_it_cannot_be_shown_is_a_usage_error(extra: list[str], message: str, hint: str,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    # It was silently ignored: a user asking for the derivations got a table without them.
    assert main(["evaluate", str(KAIXIN), "--trace", *extra]) == 2
    out, err = capsys.readouterr()
    assert (out, err) == ("", f"clausewise: error: {message}\n   hint: {hint}\n")


def test_trace_json_validates_and_holds_every_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(KAIXIN), "--inputs", str(EXAMPLE), "--format", "json", "--trace"]) == 0
    doc = json.loads(capsys.readouterr().out)
    validate(doc)
    ids = {step["id"] for step in doc["trace"]}
    assert {"deducted_shares[Y1]", "escrow_shares", "released_shares[Y5]"} <= ids
    assert doc["schema"] == "clausewise/result/3"


def test_schema_command_prints_the_published_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "result"]) == 0
    assert json.loads(capsys.readouterr().out) == result_schema()
    assert main(["schema", "contract"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "clausewise contract file"
    # the inputs schema of a contract: the example inputs file validates, a misspelt input does not
    assert main(["schema", "inputs", str(KAIXIN)]) == 0
    inputs_schema = json.loads(capsys.readouterr().out)
    import yaml

    example = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(inputs_schema).validate(example)
    assert not jsonschema.Draft202012Validator(inputs_schema).is_valid({"revenu": {"Y1": 1}})
    assert main(["schema", "inputs"]) == 2
    assert "needs a contract file" in capsys.readouterr().err


def test_a_citation_missing_from_the_agreement_text_is_refused(tmp_path: Path) -> None:
    rules = (ROOT / "rules" / "kaixin" / "spa.rules").read_text(encoding="utf-8")
    (tmp_path / "spa.rules").write_text(rules.replace('cites "SPA 4.2"', 'cites "SPA 4.7"'), encoding="utf-8")
    (tmp_path / "agreement.txt").write_text(AGREEMENT, encoding="utf-8")
    contract = (ROOT / "contracts" / "kaixin-spa.yaml").read_text(encoding="utf-8")
    contract = contract.replace("../rules/kaixin/spa.rules", "spa.rules").replace("kaixin-spa-agreement.txt",
                                                                                  "agreement.txt")
    for other in ("obligations", "ledger"):
        contract = contract.replace(f"../rules/kaixin/{other}.rules", str(ROOT / f"rules/kaixin/{other}.rules"))
    contract = contract.replace("narrative: ../rules/kaixin/narrative.yaml\n", "")
    (tmp_path / "c.yaml").write_text(contract, encoding="utf-8")
    with pytest.raises(evaluator.ContractFileError, match="'SPA 4.7' is not a clause of agreement.txt") as info:
        evaluator.load(tmp_path / "c.yaml")
    d = info.value.diagnostics[0]
    assert d.file.endswith("spa.rules") and d.line > 0
    assert d.hint == "did you mean 'SPA 4.2'?"


def _chain(periods: int) -> str:
    """A running total over `periods` days: each day's total is computed from the day before."""
    rules = 'currency USD cites "x"\nperiods day cites "x"\n'
    rules += "".join(f"  D{i} from {date(2026, 1, 1) + timedelta(days=i)} to "
                     f"{date(2026, 1, 1) + timedelta(days=i)}\n" for i in range(periods))
    return rules + """input amount: USD by day cites "x"
rule running for each day q cites "x"
  = if q = first(day) then amount[q] else amount[q] + running[previous(q)]
rule total cites "x" = running[last(day)]
outputs running, total
"""


def test_a_trace_of_1000_periods_stays_proportional(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 1,000 running totals, each computed from the day before: 2,001 steps of at most two sources each.
    contract = contract_from(tmp_path, _chain(1000))
    inputs = {"amount": {f"D{i}": 1 for i in range(1000)}}
    result = contract.evaluate(inputs, trace=True)
    assert result.trace is not None and len(result.trace) == 2001  # running and amount for each day, and total
    assert max(len(step.inputs) for step in result.trace.values()) == 2
    location = len(str(tmp_path / "rules.rules"))
    assert len(result.to_json()) < 2001 * (500 + location)  # each step a few hundred characters, whatever n
    # The HTML report colours each formula once, not once per step (1,001 parses of the same formula).
    coloured: list[str] = []
    colour = render_html.highlight_expression
    monkeypatch.setattr(render_html, "highlight_expression", lambda text: coloured.append(text) or colour(text))
    page = render_html.report(result, contract)
    assert sorted(coloured) == ["if q = first(day) then amount[q] else amount[q] + running[previous(q)]",
                                "running[last(day)]"]
    assert len(page) < 2001 * (2000 + location)
    # The tree of the last day's total is 1,000 levels deep: it continues on its own every DEPTH levels, so
    # no line is indented more than DEPTH levels (it was 1,000, and 305 MB of text).
    expl = contract.explain("total", None, inputs)
    lines = render_trace.explanation(expl, depth=None).splitlines()  # every level (the default is short)
    indent = 4 * (render_trace.DEPTH + 2)
    assert max(len(line) - len(line.lstrip("│├└─ ")) for line in lines) <= indent
    assert all(len(line) <= max(render_trace.WIDTH, indent + location + 6) for line in lines)
    assert len(lines) < 6 * len(expl.steps)
    assert sum("(continued below)" in line for line in lines) == 1000 // render_trace.DEPTH
    assert lines[0] == "total = USD 1,000"
    assert lines[-1].strip().startswith("x")  # the last step's citation: every step is shown, down to D0
    assert "running[D0] = USD 1" in "\n".join(lines)


def test_a_share_of_a_pool_comes_from_its_claim_and_the_share_before_it(tmp_path: Path) -> None:
    # Each day's amount is a pool for the claims of the days before it, earliest first. A share's sources are
    # the pool (for the first share) or the share before it (what it left), and its own claim: not every
    # claim on the pool, which made a trace of n periods grow as n cubed.
    rules = 'currency USD cites "x"\nperiods slot cites "x"\n'
    rules += "".join(f"  D{i} from 2026-01-{i + 1:02d} to 2026-01-{i + 1:02d}\n" for i in range(30))
    rules += """input amount: USD by slot cites "x"
allocation credit for each slot y cites "x"
  pool amount[y]
  claims amount[k] for each slot k before y
  earliest first
rule got for each slot k cites "x" = sum(credit[y, k] for each slot y after k)
outputs got
"""
    contract = contract_from(tmp_path, rules)
    result = contract.evaluate({"amount": {f"D{i}": i + 1 for i in range(30)}}, trace=True)
    trace = result.trace
    assert trace is not None
    # D5's pool of 6 pays D0 (1), D1 (2), D2 (3) in full; nothing is left for D3 (4).
    assert (trace["credit[D5, D0]"].value, trace["credit[D5, D0]"].inputs) == (1, ("amount[D5]", "amount[D0]"))
    assert (trace["credit[D5, D3]"].value, trace["credit[D5, D3]"].inputs) == (0, ("credit[D5, D2]", "amount[D3]"))
    assert trace["credit[D5, D2]"].inputs == ("credit[D5, D1]", "amount[D2]")
    assert all(len(step.inputs) <= 30 for step in trace.values())  # got[k] sums its 29 - k credits
    assert sum(len(step.inputs) for step in trace.values()) < 3 * len(trace)
