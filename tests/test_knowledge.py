"""Knowledge in time (evaluator/knowledge.py): as of a date, what is not known by then is set aside, with why.

Kaixin's rules say `input revenue: RMB by year, reported in order, known when reported` (a year's audited
revenue is a fact only after the year ends, and from the date it was reported if the inputs give one), and
the Escrow Agent's documents and transfers are `known when it happens`. Years: Y1 2025-12-01..2026-11-30,
Y2 2026-12-01..2027-11-30, Y3 2027-12-01..2028-11-30.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

import evaluator
from evaluator.schedule import schedule
from tests.helpers import KAIXIN, ROOT, run_cli

EVENTS = ROOT / "contracts" / "examples" / "kaixin-events.yaml"
RESTATED = ROOT / "contracts" / "examples" / "kaixin-restated.yaml"
M = 1_000_000
Y1_UNKNOWN = "revenue[Y1] is not known before 2026-12-01: Y1 ends on 2026-11-30"


@pytest.fixture(scope="module")
def kaixin() -> evaluator.Contract:
    return evaluator.load(KAIXIN)


def test_before_y1_has_ended_nothing_is_releasable(kaixin: evaluator.Contract) -> None:
    # kaixin-events.yaml gives Y1-Y3 revenue; on 2026-03-01 Y1 has not ended: none of it is a fact yet.
    # Before: total_released_shares 9,000,000 (2,706,766 + 3,153,384 + 3,139,850) as if all three were known.
    result = kaixin.evaluate(EVENTS, as_of="2026-03-01")
    assert result.outputs["released_shares"] == {"Y1": None, "Y2": None, "Y3": None, "Y4": None, "Y5": None}
    assert result.outputs["total_released_shares"] == 0
    assert result.outputs["escrow_shares"] == 15_000_000
    assert result.notes["revenue[Y1]"] == Y1_UNKNOWN
    assert result.notes["released_shares[Y1]"] == Y1_UNKNOWN
    assert result.notes["revenue[Y4]"] == "revenue[Y4] is not given"
    # the words say what the figure is: an entitlement on the figures given, not a transfer
    assert result.narrative[-1].text.startswith("In all, on the figures given, 0 shares are releasable")


def test_each_year_counts_once_it_has_ended(kaixin: evaluator.Contract) -> None:
    # As of 2026-12-01 Y1 is known: own floor(3,000,000 x 600/665) = 2,706,766; no later excess yet, so
    # 3,000,000 - 2,706,766 = 293,234 deducted. Y2 is not known until 2027-12-01.
    result = kaixin.evaluate(EVENTS, as_of="2026-12-01")
    assert result.outputs["released_shares"] == {"Y1": 2_706_766, "Y2": None, "Y3": None, "Y4": None, "Y5": None}
    assert result.outputs["deducted_shares"]["Y1"] == 293_234  # type: ignore[index]
    assert "revenue[Y1]" not in result.notes
    assert result.notes["revenue[Y2]"] == "revenue[Y2] is not known before 2027-12-01: Y2 ends on 2027-11-30"
    # the day before, Y1 is still set aside
    assert kaixin.evaluate(EVENTS, as_of="2026-11-30").outputs["released_shares"]["Y1"] is None  # type: ignore[index]


def test_without_as_of_every_figure_given_counts(kaixin: evaluator.Contract) -> None:
    # 2,706,766 + 3,153,384 + 3,139,850 = 9,000,000 releasable on the figures given: nothing set aside
    result = kaixin.evaluate(EVENTS)
    assert result.outputs["total_released_shares"] == 9_000_000
    assert not any(reason.startswith("revenue[Y1]") for reason in result.notes.values())


def test_an_event_is_not_known_before_it_happens(kaixin: evaluator.Contract) -> None:
    # Y2's shares were transferred on 2028-03-09 (kaixin-events.yaml); as of 2028-02-20 that date is set aside.
    _, run = kaixin.run(EVENTS, as_of="2028-02-20")
    assert run.inputs["transfer_date"][1] is None
    assert run.notes[("transfer_date", (1,))] == ("transfer_date[Y2] is 2028-03-09, after the as-of date 2028-02-20: "
                                                  "it has not happened by then")
    # ... and on 2028-03-09 it is there
    _, run = kaixin.run(EVENTS, as_of="2028-03-09")
    assert run.inputs["transfer_date"][1] == date(2028, 3, 9)


# ---- restatements ----------------------------------------------------------------------------------------
# kaixin-restated.yaml: Y1 600,000,000 reported 2027-01-10; Y2 800,000,000 reported 2028-01-15, restated to
# 760,000,000 on 2028-09-01.


def test_before_the_report_a_year_is_set_aside_with_the_date_it_was_reported(kaixin: evaluator.Contract) -> None:
    result = kaixin.evaluate(RESTATED, as_of="2027-01-09")
    assert result.outputs["revenue"]["Y1"] is None  # type: ignore[index]
    assert result.notes["revenue[Y1]"] == "revenue[Y1] was reported on 2027-01-10, after the as-of date 2027-01-09"
    assert kaixin.evaluate(RESTATED, as_of="2027-01-10").outputs["revenue"]["Y1"] == 600 * M  # type: ignore[index]


def test_the_version_known_on_the_date_counts(kaixin: evaluator.Contract) -> None:
    # As of 2028-03-01, Y2 is 800,000,000: excess 68,000,000, pool 34,000,000 -> Y1 (short 65,000,000):
    #   Y1 entitled floor(3,000,000 x 634/665) = floor(2,860,150.37) = 2,860,150, restored 153,384;
    #   Y2 released 3,000,000 + 153,384 = 3,153,384; Y1 deducted 3,000,000 - 2,860,150 = 139,850.
    before = kaixin.evaluate(RESTATED, as_of="2028-03-01").outputs
    assert before["revenue"]["Y2"] == 800 * M  # type: ignore[index]
    assert (before["released_shares"]["Y2"], before["deducted_shares"]["Y1"]) == (3_153_384, 139_850)  # type: ignore[index]
    # As of 2028-10-01, restated to 760,000,000: excess 28,000,000, pool 14,000,000 -> Y1:
    #   Y1 entitled floor(3,000,000 x 614/665) = floor(2,769,924.81) = 2,769,924, restored 63,158;
    #   Y2 released 3,063,158; Y1 deducted 3,000,000 - 2,769,924 = 230,076.
    after = kaixin.evaluate(RESTATED, as_of="2028-10-01").outputs
    assert after["revenue"]["Y2"] == 760 * M  # type: ignore[index]
    assert (after["released_shares"]["Y2"], after["deducted_shares"]["Y1"]) == (3_063_158, 230_076)  # type: ignore[index]
    # without an as-of date, the latest version
    assert kaixin.evaluate(RESTATED).outputs["revenue"]["Y2"] == 760 * M  # type: ignore[index]


def test_diff_shows_what_the_restatement_changes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "diff", KAIXIN, "--inputs", RESTATED, "--as-of", "2028-03-01",
                           "--against-as-of", "2028-10-01", "--format", "json")
    assert code == 0
    rows = {(r["output"], r["period"]): r["values"] for r in json.loads(out)["rows"] if r["differs"]}
    # 800,000,000 -> 760,000,000; Y2's release 3,153,384 -> 3,063,158 (-90,226), Y1's deduction +90,226
    assert rows[("revenue", "Y2")] == [800 * M, 760 * M]
    assert rows[("released_shares", "Y2")] == [3_153_384, 3_063_158]
    assert rows[("deducted_shares", "Y1")] == [139_850, 230_076]
    assert rows[("total_released_shares", None)] == [5_860_150, 5_769_924]


def test_versions_from_python_with_dates(kaixin: evaluator.Contract) -> None:
    inputs = {"revenue": {"Y1": [{"value": 700 * M, "reported": date(2027, 2, 15)},
                                 {"value": 650 * M, "reported": date(2027, 9, 1)}]}}
    # 700,000,000 meets the target (3,000,000 released); restated 650,000,000: floor(3,000,000 x 650/665) = 2,932,330
    assert kaixin.evaluate(inputs, as_of="2027-03-01").outputs["released_shares"]["Y1"] == 3_000_000  # type: ignore[index]
    assert kaixin.evaluate(inputs, as_of="2027-09-01").outputs["released_shares"]["Y1"] == 2_932_330  # type: ignore[index]


def test_the_batch_sets_aside_what_the_single_evaluation_does(kaixin: evaluator.Contract) -> None:
    revenue = {"Y1": np.array([600 * M, 700 * M]), "Y2": np.array([800 * M, 700 * M])}
    batch = kaixin.evaluate_batch({"revenue": revenue}, as_of="2027-03-01")
    assert batch.values("released_shares.Y1") == [2_706_766, 3_000_000]
    assert batch.values("released_shares.Y2") == [None, None]
    for i in range(2):
        one = kaixin.evaluate({"revenue": {k: int(v[i]) for k, v in revenue.items()}}, as_of="2027-03-01")
        assert batch.values("deducted_shares.Y1")[i] == one.outputs["deducted_shares"]["Y1"]  # type: ignore[index]


def test_the_example_file_is_hypothetical() -> None:
    assert "HYPOTHETICAL" in Path(RESTATED).read_text(encoding="utf-8").splitlines()[0]


# ---- a history, date by date -----------------------------------------------------------------------------
# tests/data/knowledge/history.yaml: Y1 600,000,000 reported 2027-01-10, restated to 580,000,000 on 2028-03-20
# (after Y2's release); Y2 800,000,000 reported 2028-01-12; Y3 900,000,000 reported 2029-01-08; transfers
# Y1 2027-01-25 (on time), Y2 2028-03-09 (late); a dispute about Y3 from 2029-01-20. On each date evaluate and
# schedule tell one story.
HISTORY = Path(__file__).parent / "data" / "knowledge" / "history.yaml"


def _story(kaixin: evaluator.Contract, day: str) -> tuple[dict[str, object], dict[str, tuple[object, object]]]:
    outputs = kaixin.evaluate(HISTORY, as_of=day).outputs
    releases = {e.period: (e.status, e.days_late) for e in schedule(kaixin, HISTORY, day).entries
                if e.obligation == "release" and e.period in ("Y1", "Y2", "Y3")}
    return outputs, releases


def test_a_history_date_by_date(kaixin: evaluator.Contract) -> None:
    # 2026-06-30: Y1 has not ended: nothing is releasable, nothing is due.
    o, s = _story(kaixin, "2026-06-30")
    assert (o["total_released_shares"], o["escrow_shares"]) == (0, 15_000_000)
    assert s["Y1"] == ("not yet due", None)
    # 2027-01-20: Y1 reported (2027-01-10): floor(3,000,000 x 600/665) = 2,706,766 releasable, 293,234
    # deducted so far; its release is due (by 2027-01-29), not yet done (the transfer is on 2027-01-25).
    o, s = _story(kaixin, "2027-01-20")
    assert (o["released_shares"]["Y1"], o["deducted_shares"]["Y1"]) == (2_706_766, 293_234)  # type: ignore[index]
    assert s["Y1"] == ("due", None)
    # 2027-02-01: transferred on 2027-01-25: done on time.
    assert _story(kaixin, "2027-02-01")[1]["Y1"] == ("done on time", None)
    # 2028-02-20: Y2 reported (2028-01-12): 3,000,000 + 153,384 restored to Y1 (34,000,000 of Y2's excess:
    # floor(3,000,000 x 634/665) = 2,860,150 - 2,706,766); the transfer not made: overdue 30 Jan..20 Feb = 22
    # days; penalty 0.01% x 3,153,384 x (16 days x USD 2.50 + 6 x USD 3.00) = 18,289.6272 -> 18,289.63.
    o, s = _story(kaixin, "2028-02-20")
    assert o["released_shares"]["Y2"] == 3_153_384  # type: ignore[index]
    assert s["Y2"] == ("overdue", 22)
    assert o["late_release_penalties"] == Decimal("18289.63")
    # 2028-03-10: transferred on 2028-03-09, 40 days late: 0.01% x 3,153,384 x (16 x 2.50 + 24 x 3.00)
    # = 35,317.9008 -> 35,317.90.
    o, s = _story(kaixin, "2028-03-10")
    assert s["Y2"] == ("done late", 40)
    assert o["late_release_penalties"] == Decimal("35317.90")
    # 2028-04-01: Y1 restated to 580,000,000 (2028-03-20). Own floor(3,000,000 x 580/665) = 2,616,541; Y2's
    # 34,000,000 credit: floor(3,000,000 x 614/665) = 2,769,924, restored 153,383; Y2 3,153,383; Y1 deducted
    # 3,000,000 - 2,769,924 = 230,076; penalty on 3,153,383: 35,317.8896 -> 35,317.89. At Y1's release event
    # 2,706,766 were releasable on the figures then: 90,225 more than the restated figures support (the
    # agreement is silent on restatement after release: the figures show the difference, nobody is ordered).
    o, _ = _story(kaixin, "2028-04-01")
    assert (o["released_shares"]["Y1"], o["released_shares"]["Y2"]) == (2_616_541, 3_153_383)  # type: ignore[index]
    assert o["deducted_shares"]["Y1"] == 230_076  # type: ignore[index]
    assert o["late_release_penalties"] == Decimal("35317.89")
    # 2029-03-01: Y3 reported: excess 95,000,000, pool 47,500,000 to Y1's outstanding 85,000,000 - 34,000,000
    # = 51,000,000: floor(3,000,000 x 661.5/665) = 2,984,210, restored 214,286; Y3 releasable 3,214,286, its
    # release suspended by the dispute; Y1 deducted 15,790; 2,616,541 + 3,153,383 + 3,214,286 = 8,984,210.
    o, s = _story(kaixin, "2029-03-01")
    assert o["released_shares"]["Y3"] == 3_214_286  # type: ignore[index]
    assert s["Y3"] == ("suspended", None)
    assert (o["deducted_shares"]["Y1"], o["total_released_shares"], o["escrow_shares"]) == (  # type: ignore[index]
        15_790, 8_984_210, 6_015_790)


def test_diff_across_the_restatement(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "diff", KAIXIN, "--inputs", HISTORY, "--as-of", "2028-03-10",
                           "--against-as-of", "2028-04-01", "--format", "json")
    assert code == 0
    rows = {(r["output"], r["period"]): r["change"] for r in json.loads(out)["rows"] if r["differs"]}
    # Y1 600,000,000 -> 580,000,000; Y1 released 2,706,766 -> 2,616,541 (-90,225); Y2 3,153,384 -> 3,153,383
    assert rows[("revenue", "Y1")] == -20 * M
    assert rows[("released_shares", "Y1")] == -90_225
    assert rows[("released_shares", "Y2")] == -1
