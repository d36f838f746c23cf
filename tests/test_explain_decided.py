"""Explanations a reviewer can read: what decided each value (branch, rounding, operand, entries, claims),
alike steps collapsed, and --depth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import evaluator
from evaluator import render_trace
from evaluator.cli import main
from tests.helpers import CONTRACT, DATA, KAIXIN, ROOT

INPUTS = """\
ebitda: {Y1: 2300, Y2: 900, Y3: 1200, Y4: 0, Y5: 0}
price:
  2026-03-02: 12.50
  2026-03-05: 11.00
  2026-03-10: 12.00
"""


@pytest.fixture
def earnout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The small earn-out of tests/data/explain, in a folder of its own that is the current one."""
    (tmp_path / "rules.rules").write_text((DATA / "explain" / "earnout.rules").read_text(encoding="utf-8"),
                                          encoding="utf-8")
    (tmp_path / "contract.yaml").write_text(CONTRACT, encoding="utf-8")
    (tmp_path / "inputs.yaml").write_text(INPUTS, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def explain(capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    assert main(["explain", "contract.yaml", "--inputs", "inputs.yaml", *args]) == 0
    return capsys.readouterr().out.splitlines()


def test_the_branch_the_rounding_and_the_operand_that_decided(earnout: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    # Y1: 2,300 > 1,000, so the slope: (2,300 - 1,000) / 3 = 433.33.. rounded down to 433, under the cap of 500.
    assert explain(capsys, "payment", "Y1")[:6] == [
        "payment[Y1] = USD 433",
        "│   = if ebitda[y] > threshold then min(cap, round (ebitda[y] - threshold) / 3 down to USD 1) else",
        "│     USD 0  [rules.rules:16]",
        "│   → branch taken: then, as ebitda[y] > threshold is true (USD 2,300 > USD 1,000)",
        "│   → round down to USD 1: USD 433.333333… (exactly 1,300/3) rounded to USD 433",
        "│   → min: round (ebitda[y] - threshold) / 3 down… (USD 433) decided; the other: cap (USD 500)",
    ]
    # Y2: 900 is not above 1,000: the else branch, and nothing inside the untaken one is described.
    lines = explain(capsys, "payment", "Y2")
    assert lines[3] == "│   → branch taken: else, as ebitda[y] > threshold is false (USD 900 > USD 1,000)"
    assert not any("min:" in line or "round" in line for line in lines[4:])
    # 2,300 is above the ceiling of 2,000: the ceiling decided
    clamp = "│   → clamp: the ceiling USD 2000 decided, not ebitda[Y1] (USD 2,300)"
    assert explain(capsys, "counted", "Y1")[2] == clamp


def test_the_days_a_count_counted_in_short_form(earnout: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # 2 to 15 March less the 9th: 13 days. The price is 12.50 from the 2nd, 11.00 from the 5th, 12.00 from the
    # 10th: at or above 12 on the 2nd to 4th (3) and the 10th to 15th (6), 9 days.
    assert explain(capsys, "days_up")[3:6] == [
        "    → count: 9 of 13 days counted: 2026-03-02 to 2026-03-04, 2026-03-10 to 2026-03-15; 1 day set",
        "      aside by its where: 2026-03-09",
        "    1",
    ]


def test_alike_steps_are_one_line(earnout: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # credit is USD 7 in the last year only: Y1 shown, Y2 to Y4 (all 0) as one line. 7 + 7 = 14.
    assert explain(capsys, "credits") == [
        "credits = USD 14",
        "│   = sum(credit[y] for each year y) + sum(credit[y] for each year y)  [rules.rules:30]",
        "│   → sum: 1 of 5 years not 0: Y5 (USD 7)",
        "│   1",
        "├── credit[Y1] = USD 0",
        "│       = if y = last(year) then USD 7 else USD 0  [rules.rules:29]",
        "│       → branch taken: else, as y = last(year) is false (Y1 = Y5)",
        "│       1",
        "├── 3 more, all USD 0: credit[Y2], credit[Y3], credit[Y4]",
        "└── credit[Y5] = USD 7",
        "        = if y = last(year) then USD 7 else USD 0  [rules.rules:29]",
        "        → branch taken: then, as y = last(year) is true (Y5 = Y5)",
        "        1",
    ]


def test_an_allocation_is_its_pool_and_its_claims_in_order(earnout: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    # The pool of 500 pays Y1's 433 in full, Y2's 0, and Y3's 66 (500 - 433 = 67 left, so all of it).
    assert explain(capsys, "paid", "Y3", "--depth", "1") == [
        "paid[Y3] = USD 66",
        "│   = share[first(year), y]  [rules.rules:37]",
        "│   1",
        "└── share[Y1, Y3] = USD 66",
        "        = pool cap; claims payment[k] for each year k, earliest first  [rules.rules:33]",
        "        → pool cap (USD 500); claims in the order applied (earliest first): Y1 claimed payment[Y1]",
        "          (USD 433), received USD 433; Y2 claimed payment[Y2] (USD 0), received USD 0; Y3 claimed",
        "          payment[Y3] (USD 66), received USD 66; Y4 claimed payment[Y4] (USD 0), received USD 0; 1",
        "          more received USD 0 in all",
        "        1",
        "        (read share[Y1, Y2], payment[Y3]: deeper than --depth 1)",
    ]
    # a share of the same pool met again refers to it
    assert "    │   │   → pool cap (USD 500): its claims as above" in explain(capsys, "paid", "Y3")


def test_depth_limits_the_tree_and_all_shows_every_level(earnout: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert explain(capsys, "paid", "Y3", "--depth", "0")[-1] == "    (read share[Y1, Y3]: deeper than --depth 0)"
    short = explain(capsys, "paid", "Y3")
    assert len(short) == len(explain(capsys, "paid", "Y3", "--depth", str(render_trace.SHORT)))
    every = explain(capsys, "paid", "Y3", "--depth", "all")
    assert len(every) > len(short) and not any("deeper than" in line for line in every)
    with pytest.raises(SystemExit) as info:
        main(["explain", "contract.yaml", "paid", "Y3", "--depth", "-1"])
    assert info.value.code == 2
    assert capsys.readouterr().err.splitlines()[-2:] == [
        "clausewise explain: error: argument --depth: '-1' is not a depth: give a number of levels (0 or more) "
        "or 'all'", "   hint: run 'clausewise explain --help'"]


def test_the_library_and_json_carry_what_decided(earnout: Path, capsys: pytest.CaptureFixture[str]) -> None:
    contract = evaluator.load(earnout / "contract.yaml")
    expl = contract.explain("payment", "Y3", earnout / "inputs.yaml")
    # (1,200 - 1,000) / 3 = 66.66.. down to 66
    assert expl.steps["payment[Y3]"].decided[1] == ("round down to USD 1: USD 66.666666… (exactly 200/3) "
                                                    "rounded to USD 66")
    assert main(["explain", "contract.yaml", "--inputs", "inputs.yaml", "payment", "Y3", "--format", "json"]) == 0
    steps = json.loads(capsys.readouterr().out)["steps"]
    assert steps[0]["decided"][0] == "branch taken: then, as ebitda[y] > threshold is true (USD 1,200 > USD 1,000)"
    assert "decided" not in steps[1]  # an input: nothing to say


def test_kaixin_deducted_shares_says_what_decided(capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    argv = ["explain", "contracts/kaixin-spa.yaml", "--inputs", "contracts/examples/kaixin-inputs.yaml"]
    assert main([*argv, "deducted_shares", "Y1"]) == 0
    out = capsys.readouterr().out
    # own: 3,000,000 x 600M / 665M = 2,706,766.917.. (360,000,000/133) rounded down
    assert ("│   │   → round down to 1 share: 2,706,766.917293… shares (exactly 360,000,000/133) rounded to\n"
            "│   │     2,706,766 shares\n") in out
    # Y1's 600M lies between 0 and its target of 665M
    assert ("│   │   │   → clamp: revenue[Y1] (RMB 600,000,000) lies within its bounds, RMB 0 and target[Y1] (RMB\n"
            "│   │   │     665,000,000)\n") in out
    # restored: Y2's pool of 50% x (800M - 732M) = 34M, all to Y1: 3,000,000 x 634M / 665M = 2,860,150.37..
    # down to 2,860,150, under the tranche of 3,000,000; 2,860,150 - 2,706,766 = 153,384
    assert "        │   → branch taken: then, as y > k is true (Y2 > Y1)\n" in out
    # restored_shares[Y1] sums the later years whose revenue is known: Y2 only
    assert "    │   → branch taken: then, as revenue[Y1] is known\n" in out
    assert "    │   → sum: 1 of 1 year not 0: Y2 (153,384 shares); 3 years set aside by its where: Y3 to Y5\n" in out
    assert "(read tranche[Y1], counted_revenue[Y1], credited[Y1, Y2], target[Y1]: deeper than --depth 3)" \
        in " ".join(line.strip("│ ") for line in out.splitlines())
    every = evaluator.load(KAIXIN).explain("restored_shares", "Y1",
                                           ROOT / "contracts" / "examples" / "kaixin-inputs.yaml")
    assert every.steps["credit[Y2, Y1]"].decided == (
        "pool offset_pool[Y2] (RMB 34,000,000); claims in the order applied (earliest first): Y1 claimed "
        "outstanding[Y1, Y2] (RMB 65,000,000), received RMB 34,000,000",)
    assert every.steps["credit[Y2, Y1]"].formula == ("pool offset_pool[y]; claims outstanding[k, y] for each "
                                                     "year k before y, earliest first")
    assert every.steps["excess[Y2]"].decided == ("max: revenue[y] - target[y] (RMB 68,000,000) decided; "
                                                 "the other: RMB 0",)


def test_a_window_shows_the_entries_that_decided_it() -> None:
    # tests/test_windows.py's prices: 5, 6, 7, 10 and 11 March 2025 at 12.00, 11.00, 11.50, 12.50, 12.20: the 5
    # dates through 11 March hold three at or above USD 12.00 (the 5th, 10th and 11th); no earlier 5 do
    from tests.test_windows import INPUTS, WINDOWS

    contract = evaluator.load(WINDOWS)
    text = " ".join(render_trace.explanation(contract.explain("price_met", inputs=INPUTS)).split())
    assert "→ any: true, first at 2025-03-11, of 8 dates of vwap; there, count: 3 of 5 dates of vwap counted: " \
           "2025-03-05, 2025-03-10, 2025-03-11" in text
