"""Ledgers (evaluator/ledger.py): what actually happened, reconciled with what the agreement entitles.

Kaixin's escrow account (rules/kaixin/ledger.rules) against its entitlements (spa.rules): Y1's revenue of
600,000,000 against 665,000,000 releases floor(3,000,000 x 600/665) = 2,706,766 shares; Y2's 800,000,000
(target 732,000,000) releases its 3,000,000 and restores floor(3,000,000 x 634/665) - 2,706,766 = 153,384
to Y1, 3,153,384 in all; Y3's 900,000,000 (target 805,000,000) restores the rest of Y1's shortfall,
3,000,000 - 2,860,150 = 139,850, releasing 3,139,850. Bad ledger input is in the corpus (inputs-ledger-*,
check-ledger-*).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import numpy as np
import pytest
import yaml

import evaluator
from tests.helpers import KAIXIN, ROOT, run_cli

DATA = ROOT / "tests" / "data"
EVENTS = ROOT / "contracts" / "examples" / "kaixin-events.yaml"
HISTORY = DATA / "knowledge" / "history.yaml"
EXPIRY = DATA / "ledger" / "expiry.yaml"
HOLDBACK = DATA / "ledger" / "account.yaml"

FUNDED = {"date": date(2026, 1, 5), "movement": "funding", "amount": Decimal("1000000.00"), "party": "buyer"}
Q1 = {"date": date(2026, 3, 31), "movement": "release", "amount": Decimal("250000.50"), "party": "seller",
      "quarter": "Q1"}
INTEREST = {"date": date(2026, 4, 15), "movement": "interest", "amount": Decimal("1234.56"), "party": "seller"}
Q2 = {"date": date(2026, 6, 30), "movement": "release", "amount": 300000, "party": "seller", "quarter": "Q2"}


@pytest.fixture(scope="module")
def kaixin() -> evaluator.Contract:
    return evaluator.load(KAIXIN)


@pytest.fixture(scope="module")
def holdback() -> evaluator.Contract:
    return evaluator.load(HOLDBACK)


# ---- the language, on a small cash holdback ---------------------------------------------------------


def test_folds_over_entries_give_the_hand_figures(holdback: evaluator.Contract) -> None:
    o = holdback.evaluate({"holdback": [FUNDED, Q1, INTEREST, Q2]}).outputs
    assert o["released"] == {"Q1": Decimal("250000.50"), "Q2": 300000}
    # 1,000,000.00 - 250,000.50 - 300,000 = 449,999.50; interest is paid out, not held: no change
    assert o["balance"] == Decimal("449999.50")
    assert o["balance_on_march_31"] == Decimal("749999.50")  # 1,000,000.00 - 250,000.50
    assert (o["interest_paid"], o["releases"], o["last_release"]) == (Decimal("1234.56"), 2, date(2026, 6, 30))


def test_as_of_a_date_the_later_movements_are_set_aside(holdback: evaluator.Contract) -> None:
    result = holdback.evaluate({"holdback": [FUNDED, Q1, INTEREST, Q2]}, as_of="2026-04-30")
    o = result.outputs
    assert o["released"] == {"Q1": Decimal("250000.50"), "Q2": 0}
    assert (o["balance"], o["releases"], o["last_release"]) == (Decimal("749999.50"), 1, date(2026, 3, 31))
    assert result.notes == {"holdback": "holdback: 1 movement dated after the as-of date 2026-04-30 (the first on "
                                        "2026-06-30) is set aside: not happened by then"}


def test_a_ledger_not_given_is_pending_and_says_so(holdback: evaluator.Contract) -> None:
    result = holdback.evaluate({})
    assert all(v is None for v in [result.outputs["balance"], *result.outputs["released"].values()])  # type: ignore
    assert result.notes["balance"] == "holdback is not given"


def test_an_empty_ledger_is_known_and_empty(holdback: evaluator.Contract) -> None:
    o = holdback.evaluate({"holdback": []}).outputs
    assert (o["balance"], o["releases"], o["released"]) == (0, 0, {"Q1": 0, "Q2": 0})
    assert o["last_release"] is None  # `max(...) otherwise pending`: no release yet


def test_entries_are_checked_from_python_too(holdback: evaluator.Contract) -> None:
    overdrawn = {**Q1, "amount": Decimal("1000000.01")}
    with pytest.raises(evaluator.InputError, match=r"holdback\.1\.amount: the release of USD 1,000,000.01 on "
                                                   r"2026-03-31 is more than the USD 1,000,000 holdback holds then"):
        holdback.evaluate({"holdback": [FUNDED, overdrawn]})
    with pytest.raises(evaluator.InputError, match="unknown party 'broker'"):
        holdback.evaluate({"holdback": [{**FUNDED, "party": "broker"}]})


def test_the_inputs_schema_documents_a_ledger(holdback: evaluator.Contract) -> None:
    schema = holdback.inputs_schema()["properties"]["holdback"]
    assert schema["type"] == ["array", "null"]
    assert schema["items"]["properties"]["movement"] == {"enum": ["funding", "release", "interest"]}
    assert schema["items"]["properties"]["quarter"] == {"enum": ["Q1", "Q2"]}


def test_a_ledger_is_not_a_scenario_column(holdback: evaluator.Contract) -> None:
    with pytest.raises(evaluator.InputError, match="'holdback' is a ledger of what happened, not a scenario column"):
        holdback.evaluate_batch({"holdback": [1, 2]})


def test_the_batch_leaves_what_reads_a_ledger_pending_as_a_single_evaluation_does(
        kaixin: evaluator.Contract) -> None:
    batch = kaixin.evaluate_batch({"revenue": {"Y1": np.array([600_000_000, 700_000_000])}})
    single = kaixin.evaluate({"revenue": {"Y1": 600_000_000}}).outputs
    for name in ("escrow_balance", "release_difference", "ledger_reconciles"):
        assert batch.values(name) == [None, None] and single[name] is None
    assert batch.values("transferred.Y1") == [None, None]
    assert batch.values("released_shares.Y1") == [2_706_766, 3_000_000]


# ---- Kaixin's escrow account ------------------------------------------------------------------------


def test_the_events_reconcile_year_by_year(kaixin: evaluator.Contract) -> None:
    o = kaixin.evaluate(EVENTS, as_of="2029-03-01").outputs
    # Y1's and Y2's transfers match what their release events made releasable; Y3's, under dispute, is owed
    assert o["transferred"] == {"Y1": 2_706_766, "Y2": 3_153_384, "Y3": 0, "Y4": 0, "Y5": 0}
    assert [o["over_released"][y] for y in ("Y1", "Y2", "Y3")] == [0, 0, 0]  # type: ignore[index]
    assert [o["under_released"][y] for y in ("Y1", "Y2", "Y3")] == [0, 0, 3_139_850]  # type: ignore[index]
    # 2,706,766 + 3,153,384 = 5,860,150 transferred; 15,000,000 - 5,860,150 = 9,139,850 still held, while the
    # entitlements so far (9,000,000 releasable) leave 6,000,000: 3,139,850 releasable not transferred
    assert (o["total_transferred"], o["escrow_balance"], o["escrow_shares"]) == (5_860_150, 9_139_850, 6_000_000)
    assert (o["release_difference"], o["return_difference"], o["ledger_reconciles"]) == (-3_139_850, 0, False)
    # dividends: USD 0.05 x 15,000,000 = 750,000 and USD 0.04 x 9,139,850 = 365,594, both passed on
    assert (o["dividends_paid"], o["dividends_unpaid"]) == (1_115_594, 0)


def test_after_y1_s_release_the_account_reconciles(kaixin: evaluator.Contract) -> None:
    o = kaixin.evaluate(EVENTS, as_of="2027-02-01").outputs
    # 15,000,000 deposited, 2,706,766 releasable and transferred: 12,293,234 held, as the entitlements say
    assert (o["escrow_balance"], o["escrow_shares"], o["ledger_reconciles"]) == (12_293_234, 12_293_234, True)


def test_a_dividend_declared_but_not_yet_paid_is_unpaid(kaixin: evaluator.Contract) -> None:
    result = kaixin.evaluate(EVENTS, as_of="2028-07-01")
    # recorded 2028-06-30 on 9,139,850 shares in escrow: USD 365,594, paid on 2028-07-15, after the as-of date
    assert (result.outputs["dividends_paid"], result.outputs["dividends_unpaid"]) == (750_000, 365_594)
    assert "escrow_account: 1 movement dated after the as-of date 2028-07-01 (the first on 2028-07-15)" in \
        result.notes["escrow_account"]


def test_a_restatement_after_release_shows_what_the_new_figures_no_longer_support(
        kaixin: evaluator.Contract) -> None:
    # Y1 restated from 600,000,000 to 580,000,000 on 2028-03-20, after Y2's transfer of 2028-03-09. Before:
    o = kaixin.evaluate(HISTORY, as_of="2028-03-10").outputs
    assert (o["release_difference"], o["ledger_reconciles"]) == (0, True)
    # After: Y1 own floor(3,000,000 x 580/665) = 2,616,541, Y2 3,153,383 (tests/test_knowledge.py), so
    # 2,706,766 - 2,616,541 = 90,225 transferred for Y1 and 3,153,384 - 3,153,383 = 1 for Y2 beyond what the
    # restated figures support: 90,226 in all. The agreement is silent: the figures say it, nobody is ordered.
    o = kaixin.evaluate(HISTORY, as_of="2028-04-01").outputs
    assert (o["over_released"]["Y1"], o["over_released"]["Y2"]) == (90_225, 1)  # type: ignore[index]
    assert (o["release_difference"], o["ledger_reconciles"]) == (90_226, False)
    # Y3 (reported 2029-01-08) restores 214,286 more to Y1 at its own release event, 3,214,286 in all, owed:
    # 5,860,150 transferred - 8,984,210 releasable = -3,124,060; Y1's over-release at its event stays 90,225.
    o = kaixin.evaluate(HISTORY, as_of="2029-03-01").outputs
    assert (o["under_released"]["Y3"], o["over_released"]["Y1"]) == (3_214_286, 90_225)  # type: ignore[index]
    assert o["release_difference"] == -3_124_060


def test_diff_across_the_restatement_shows_the_over_release(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "diff", KAIXIN, "--inputs", HISTORY, "--as-of", "2028-03-10",
                           "--against-as-of", "2028-04-01", "--format", "json")
    assert code == 0
    rows = {(r["output"], r["period"]): r["change"] for r in json.loads(out)["rows"] if r["differs"]}
    assert rows[("over_released", "Y1")] == 90_225
    assert rows[("release_difference", None)] == 90_226


def test_at_expiry_everything_reconciles(kaixin: evaluator.Contract) -> None:
    # Five years, Y3 to Y5 exactly at target: Y1 keeps 3,000,000 - 2,860,150 = 139,850 deducted (only Y2's
    # 34,000,000 offset it), cancelled at expiry. Released 2,706,766 + 3,153,384 + 3 x 3,000,000 = 14,860,150.
    before = kaixin.evaluate(EXPIRY, as_of="2031-02-01").outputs
    assert (before["cancelled_shares"], before["returned_shares"], before["return_difference"]) == (
        139_850, 0, -139_850)
    assert (before["escrow_balance"], before["ledger_reconciles"]) == (139_850, False)
    after = kaixin.evaluate(EXPIRY, as_of="2031-06-01").outputs
    # 15,000,000 = 14,860,150 transferred + 139,850 returned + 0 held, as the entitlements say
    assert (after["total_released_shares"], after["total_transferred"]) == (14_860_150, 14_860_150)
    assert (after["cancelled_shares"], after["returned_shares"]) == (139_850, 139_850)
    assert (after["escrow_balance"], after["escrow_shares"], after["ledger_reconciles"]) == (0, 0, True)
    assert all(v == 0 for v in [*after["over_released"].values(), *after["under_released"].values()])  # type: ignore


def test_the_history_with_its_restatement_reconciles_in_total_at_expiry(kaixin: evaluator.Contract) -> None:
    # The history of tests/test_knowledge.py to the end. Y4 at target; Y5 974,000,000, at target: Y1 keeps
    # 665,000,000 - 580,000,000 - 34,000,000 - 47,500,000 = 3,500,000 short: 3,000,000 - 2,984,210 = 15,790
    # deducted, returned for cancellation. Releasable: 2,616,541 + 3,153,383 + 3,214,286 + 3,000,000 +
    # 3,000,000 = 14,984,210. The Escrow Agent kept back from Y5's release the 90,226 that went out early
    # (2,909,774 transferred): each year shows its difference, and the totals reconcile.
    o = kaixin.evaluate(HISTORY, as_of="2031-06-01").outputs
    assert o["transferred"] == {"Y1": 2_706_766, "Y2": 3_153_384, "Y3": 3_214_286, "Y4": 3_000_000,
                                "Y5": 2_909_774}
    assert (o["over_released"]["Y1"], o["over_released"]["Y2"], o["under_released"]["Y5"]) == (  # type: ignore
        90_225, 1, 90_226)
    assert (o["total_released_shares"], o["total_transferred"], o["release_difference"]) == (
        14_984_210, 14_984_210, 0)
    assert (o["cancelled_shares"], o["returned_shares"], o["escrow_balance"], o["escrow_shares"]) == (
        15_790, 15_790, 0, 0)
    assert o["ledger_reconciles"] is True


def test_the_table_tells_the_basis_and_what_was_set_aside(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "evaluate", KAIXIN, "--inputs", EVENTS, "--as-of", "2028-07-01")
    assert code == 0
    lines = out.splitlines()
    assert lines[2] == "Entitlements on the figures known by 2028-07-01 (5 given but not known by then, set aside)"
    at = lines.index("Also set aside, not known by 2028-07-01:")
    assert "  escrow_account: 1 movement dated after the as-of date 2028-07-01 (the first on 2028-07-15) is set " \
           "aside: not happened by then" in lines[at:]


def test_the_table_says_what_each_figure_is(capsys: pytest.CaptureFixture[str]) -> None:
    # "released" is an entitlement at the release event, not a transfer: the table says so, in the rules' words
    code, out, _ = run_cli(capsys, "evaluate", KAIXIN, "--inputs", EVENTS)
    assert code == 0
    text = " ".join(out.split("What each figure is, and its clause:")[1].split())
    # each figure by its label, then its name in brackets (what JSON and `explain` call it)
    assert "Shares released [released_shares] (SPA 5.1): shares releasable at the year's release event (an " \
           "entitlement, not a record of a transfer)" in text
    assert "Shares transferred [transferred] (Escrow 3.2): shares the Escrow Agent actually transferred to Party C" \
        in text


def test_explain_names_the_entries_that_decided(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "explain", KAIXIN, "--inputs", EVENTS, "--as-of", "2029-03-01",
                           "transferred", "Y1")
    assert code == 0
    text = " ".join(out.split())
    # the transfer for Y1 is on line 35 of the events file; Y2's is left out by the where
    assert "→ sum: 1 of 1 transfer not 0: the transfer of 2027-01-25 (line 35) (2,706,766 shares); 1 transfer " \
           "set aside by its where: the transfer of 2028-03-09 (line 36)" in text


def test_the_example_ledger_matches_the_transfer_dates() -> None:
    # one story: each transfer in the ledger is on the transfer date the schedule uses
    doc = yaml.safe_load(EVENTS.read_text(encoding="utf-8"))
    transfers = {e["year"]: e["date"] for e in doc["escrow_account"] if e["movement"] == "transfer"}
    assert transfers == doc["transfer_date"]
