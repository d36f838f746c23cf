"""Every pending figure says why (issue 11, item 4): its root causes, in JSON notes, the table and markdown
(footnotes), csv (the `note` column), the HTML report, and first in `explain`, with a short tree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import evaluator
from evaluator import reasons
from evaluator.evaluate import Run
from tests.helpers import KAIXIN, ROOT, contract_from, run_cli

EVENTS = ROOT / "contracts" / "examples" / "kaixin-events.yaml"
INPUTS = ROOT / "contracts" / "examples" / "kaixin-inputs.yaml"  # Y1 and Y2 only

# kaixin-events.yaml without --as-of: Y3 has no transfer date, so the delay of Y3 runs to the as-of date, and
# the escrow period to the last transfer (Y5, not given) or the as-of date: both depend on a date not given.
NO_DATE_PENALTY = "no --as-of date: delay_end[Y3] depends on the date"
NO_DATE_FEE = "no --as-of date: escrow_period_end depends on the date"


@pytest.fixture(scope="module")
def kaixin() -> evaluator.Contract:
    return evaluator.load(KAIXIN)


def test_every_pending_output_of_the_events_says_why(kaixin: evaluator.Contract) -> None:
    result = kaixin.evaluate(EVENTS)
    assert result.outputs["escrow_fee"] is None and result.outputs["late_release_penalties"] is None
    assert result.notes == {
        "revenue[Y4]": "revenue[Y4] is not given",
        "revenue[Y5]": "revenue[Y5] is not given",
        "target_met[Y4]": "revenue[Y4] is not given",
        "target_met[Y5]": "revenue[Y5] is not given",
        "released_shares[Y4]": "revenue[Y4] is not given",
        # Y5's release restores shares to earlier years out of Y5's excess, counted after Y4's: both are needed
        "released_shares[Y5]": "revenue[Y5] is not given; revenue[Y4] is not given",
        "restored_shares[Y4]": "revenue[Y4] is not given",  # `if revenue[y] is known ... else pending`
        "restored_shares[Y5]": "revenue[Y5] is not given",
        "deducted_shares[Y4]": "revenue[Y4] is not given",
        "deducted_shares[Y5]": "revenue[Y5] is not given",
        # the ledger records Y1's and Y2's transfers; what Y4 and Y5 make releasable is not known yet
        "over_released[Y4]": "revenue[Y4] is not given",
        "over_released[Y5]": "revenue[Y5] is not given; revenue[Y4] is not given",
        "under_released[Y4]": "revenue[Y4] is not given",
        "under_released[Y5]": "revenue[Y5] is not given; revenue[Y4] is not given",
        # not "released_shares[Y4] is pending": it is read only to ask `is known`
        "late_release_penalties": NO_DATE_PENALTY,
        "escrow_fee": NO_DATE_FEE,
    }
    assert result.reasons["released_shares[Y5]"] == ("revenue[Y5] is not given", "revenue[Y4] is not given")


def test_with_an_as_of_date_the_date_is_no_longer_a_reason(kaixin: evaluator.Contract) -> None:
    result = kaixin.evaluate(EVENTS, as_of="2031-01-01")
    assert "escrow_fee" not in result.notes and "late_release_penalties" not in result.notes


def test_a_missing_year_is_the_reason_of_every_figure_that_needs_it(kaixin: evaluator.Contract) -> None:
    result = kaixin.evaluate(INPUTS)
    assert result.notes["released_shares[Y3]"] == "revenue[Y3] is not given"
    assert result.notes["released_shares[Y5]"] == \
        "revenue[Y5] is not given; revenue[Y3] is not given; revenue[Y4] is not given"  # in the order read
    # escrow_years compares the period's end (as_of, not given) with the issue date (not given either)
    assert result.notes["escrow_fee"] == f"{NO_DATE_FEE}; escrow_issued is not given"
    # one reason names every value that depends on the date
    assert result.notes["late_release_penalties"] == \
        "no --as-of date: delay_end[Y1], delay_end[Y2] depend on the date"


def test_the_json_notes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "evaluate", KAIXIN, "--inputs", EVENTS, "--format", "json")
    assert (code, err) == (0, "")
    notes = json.loads(out)["notes"]
    assert (notes["late_release_penalties"], notes["escrow_fee"]) == (NO_DATE_PENALTY, NO_DATE_FEE)
    assert notes["target_met[Y5]"] == "revenue[Y5] is not given"


def test_the_table_marks_pending_figures_and_gives_the_reasons_below(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "evaluate", KAIXIN, "--inputs", EVENTS)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    # rows by their labels in the rules (released_shares is "Shares released"); the columns as wide as the
    # longest label, "Shares transferred in excess (shares)", and as the longest single value
    assert "Shares released (shares)                 2,706,766    3,153,384    3,139,850  pending [1]  pending [1,2]" \
        in lines
    assert "Late-release penalties (USD)                pending [3]" in lines
    assert "Escrow fee (USD)                            pending [4]" in lines
    at = lines.index("Pending because:")
    assert lines[at:at + 6] == [
        "Pending because:",
        "  [1] revenue[Y4] is not given",
        "  [2] revenue[Y5] is not given",
        f"  [3] {NO_DATE_PENALTY}",
        f"  [4] {NO_DATE_FEE}",
        "",
    ]


def test_markdown_csv_and_html_give_the_reasons(capsys: pytest.CaptureFixture[str]) -> None:
    common = ("evaluate", KAIXIN, "--inputs", EVENTS, "--format")
    markdown = run_cli(capsys, *common, "markdown")[1]
    assert "| Late-release penalties (USD) | pending [3] |" in markdown  # late_release_penalties' label
    assert f"Pending because:\n\n- [1] revenue[Y4] is not given\n- [2] revenue[Y5] is not given\n" \
           f"- [3] {NO_DATE_PENALTY}\n- [4] {NO_DATE_FEE}\n" in markdown
    csv = run_cli(capsys, *common, "csv")[1].splitlines()
    assert csv[0].endswith(",status,citation,note,label")  # the label last: columns before it keep their places
    assert f"kaixin-spa,spa,escrow_fee,,,USD,pending,Escrow 4.4,{NO_DATE_FEE},Escrow fee" in csv
    assert "kaixin-spa,spa,released_shares,Y5,,shares,pending,SPA 5.1,revenue[Y5] is not given; " \
           "revenue[Y4] is not given,Shares released" in csv
    assert "kaixin-spa,spa,escrow_dividends,,1115594,USD,known,Escrow 1.3,,Dividends due on escrowed shares" in csv
    # the HTML marks each pending figure with its notes' numbers, linked to the reasons listed once below the
    # table: escrow_fee (a key figure of the summary) note 4; released_shares[Y5] notes 1 and 2 (Y4 and Y5)
    html = run_cli(capsys, *common, "html")[1]
    assert ('<p class="note">Pending because:</p><ol class="notes"><li id="note-1">revenue[Y4] is not given</li>'
            '<li id="note-2">revenue[Y5] is not given</li>'
            f'<li id="note-3">{NO_DATE_PENALTY}</li><li id="note-4">{NO_DATE_FEE}</li></ol>') in html
    assert ('>Escrow fee</span></th><td class="num"><span class="fig pending">pending</span>'
            '<sup class="n"><a href="#note-4">4</a></sup></td>') in html
    released = html.split(">Shares released</span>")[1].split("</tr>")[0]
    assert released.endswith('<td class="num"><span class="fig pending">pending</span>'
                             '<sup class="n"><a href="#note-1">1</a>,<a href="#note-2">2</a></sup></td>')


def test_explain_of_a_pending_figure_leads_with_why_and_stays_short(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "explain", KAIXIN, "late_release_penalties", "--inputs", EVENTS)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[:6] == [
        "late_release_penalties is pending:",
        f"  - {NO_DATE_PENALTY}",
        "To make it known:",
        "  - run with --as-of DATE",
        "Only the steps that lead to these reasons are shown (--format json has every step).",
        "",
    ]
    # the tree: the output, the year that is pending, and the value that depends on the date; 862 lines before
    heads = [line for line in lines if " = " in line and not line.lstrip("│ ").startswith("=")]
    assert [h.lstrip("│├└─ ") for h in heads] == [
        "late_release_penalties = pending", "late_release_penalty[Y3] = pending", "delay_end[Y3] = pending"]
    assert len(lines) < 40  # measured: 33
    assert "│   (7 other values it read not shown)" in lines


def test_explain_of_a_missing_year_says_what_to_give(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "explain", KAIXIN, "released_shares", "Y3", "--inputs", INPUTS)
    assert (code, err) == (0, "")
    assert out.splitlines()[:4] == ["released_shares[Y3] is pending:", "  - revenue[Y3] is not given",
                                    "To make it known:", "  - give revenue for Y3 in the inputs"]
    assert "revenue[Y3] = pending" in out and "not given in the inputs" in out
    doc = json.loads(run_cli(capsys, "explain", KAIXIN, "released_shares", "Y3", "--inputs", INPUTS,
                             "--format", "json")[1])
    assert doc["reasons"] == [{"reason": "revenue[Y3] is not given", "fix": "give revenue for Y3 in the inputs"}]


def test_explain_of_a_known_figure_is_unchanged(kaixin: evaluator.Contract) -> None:
    explanation = kaixin.explain("released_shares", "Y1", EVENTS)
    assert explanation.why is None and "reasons" not in explanation.to_dict()


def test_a_note_made_before_the_evaluation_is_the_reason_ahead_of_not_given(kaixin: evaluator.Contract) -> None:
    # the interface of item 1: a value set aside as not known on the as-of date is a pending input cell whose
    # reason is in run.notes before the evaluation
    version = kaixin.version()
    run = Run(version.plan, {"revenue": [600, None, None, None, None]}, "spa")
    run.notes[("revenue", (1,))] = "revenue[Y2] is not known before 2027-12-01"
    run.prepare([("released_shares", (1,)), ("released_shares", (2,))])
    assert reasons.notes(run, [("released_shares", (1,)), ("released_shares", (2,))]) == {
        "released_shares[Y2]": ("revenue[Y2] is not known before 2027-12-01",),
        "released_shares[Y3]": ("revenue[Y3] is not given", "revenue[Y2] is not known before 2027-12-01"),
    }


RULES = """\
input amount: USD by year cites "T"
input price: USD by date cites "T"
periods year cites "T"
  Y1 from 2020-01-01 to 2020-12-31
  Y2 from 2021-01-01 to 2021-12-31
  Y3 from 2022-01-01 to 2022-12-31
  Y4 from 2023-01-01 to 2023-12-31
  Y5 from 2024-01-01 to 2024-12-31
  Y6 from 2025-01-01 to 2025-12-31
  Y7 from 2026-01-01 to 2026-12-31
currency USD cites "T"
rule total cites "T" = sum(amount[y] for each year y)
rule early cites "T" = price on 2020-06-30
rule later cites "T" = price on 2021-06-30
rule undecided cites "T" = if 1 > 2 then USD 1 else pending
outputs total, early, later, undecided
"""


def test_reasons_are_capped_a_series_without_an_entry_and_a_rule_that_says_pending(tmp_path: Path) -> None:
    contract = contract_from(tmp_path, RULES)
    result = contract.evaluate({"amount": {"Y1": 1}, "price": {"2021-01-01": "2.50"}})
    assert result.outputs["later"] == 2.5 and result.outputs["early"] is None
    assert result.notes == {
        "total": "amount[Y2] is not given; amount[Y3] is not given; amount[Y4] is not given; "
                 "amount[Y5] is not given; amount[Y6] is not given; and 1 more",
        "early": "price has no value on or before 2020-06-30",
        "undecided": "the rule for undecided leaves undecided pending",
    }


def test_all_known_outputs_have_no_notes(kaixin: evaluator.Contract) -> None:
    full = {"revenue": {f"Y{i}": 900_000_000 + i for i in range(1, 6)}}
    result = kaixin.evaluate({**full}, as_of="2031-01-01")
    pending = [k for k, v in result.outputs.items() if v is None or (isinstance(v, dict) and None in v.values())]
    assert result.notes == {label: "; ".join(r) for label, r in result.reasons.items()}
    assert set(pending) == {k.split("[")[0] for k in result.notes}
