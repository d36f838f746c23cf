"""`clausewise schedule` on the Kaixin agreements: what is due when, its status as of a
date, what a late release costs (SPA 8.2), the escrow fee (Escrow 4.4) and the
dividends on shares in escrow (SPA 3.2, Escrow 1.3), each with its clause; in
table, JSON and iCalendar form.

The inputs are hypothetical events under tests/data/schedule/ (and the bundled
contracts/examples/kaixin-events.yaml). Every date and amount expected below is
worked out by hand, the arithmetic in the comments. The shares released, from
the SPA rules (spa.rules), are:
  Y1: revenue RMB 600m of a RMB 665m target: floor(3,000,000 x 600/665) = 2,706,766 shares.
  Y2: RMB 800m beats RMB 732m; half the excess, RMB 34m, offsets Y1: Y1's entitlement rises to
      floor(3,000,000 x 634/665) = 2,860,150, so 153,384 shares are restored and released with Y2:
      3,000,000 + 153,384 = 3,153,384 shares.
  Y3: RMB 900m beats RMB 805m; half the excess, RMB 47.5m, covers the RMB 31m left of Y1's
      shortfall: Y1 reaches its whole 3,000,000, restoring 139,850 more: 3,139,850 shares.

Deadlines (obligations.rules):
  escrow_issuance (Escrow 1.1): 15 PRC business days after the Escrow Agreement took effect on Tue
      2 Dec 2025 (Escrow 7.1). December 2025 has no PRC holiday or make-up working day (the State
      Council's 2025 arrangement ends with National Day, its 2026 one starts on 1 Jan 2026), so:
      Wed 3 - Fri 5 Dec (3), 8-12 (8), 15-19 (13), Mon 22 (14), Tue 23 Dec 2025 (15).
  release (SPA 5.1): sixty days after the Assessment Year ends on 30 Nov: 31 days of December and
      29 of January make 60, so 29 January of the next year, for every year: Y1 2027-01-29,
      Y2 2028-01-29, Y3 2029-01-29, Y4 2030-01-29, Y5 2031-01-29.
  escrow_transfer (Escrow 3.2): 10 PRC business days after the Escrow Agent holds both documents of
      Escrow 3.1. Documents held on Tue 15 Dec 2026 (no holiday in December 2026 either):
      Wed 16 - Fri 18 (3), 21-25 (8), Mon 28 (9), Tue 29 Dec 2026 (10).

Late-release penalty (SPA 8.2, as the rules read it): for each day from the day after the deadline
through the transfer (or the as-of date), 0.01% x the shares released for the year x that day's
market price, days of an open dispute (Escrow 3.3) left out; at most 5% x shares x the price of the
last day counted; rounded half up to the cent.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import icalendar
import jsonschema
import pytest

import evaluator
from evaluator.cli import main
from evaluator.result import result_schema
from evaluator.schedule import schedule
from tests.helpers import DATA, KAIXIN, ROOT, contract_from

SCHEDULE = DATA / "schedule"
EXAMPLE = ROOT / "contracts" / "examples" / "kaixin-inputs.yaml"
EVENTS = ROOT / "contracts" / "examples" / "kaixin-events.yaml"
STATUSES = {"not yet due", "due", "overdue", "suspended", "done on time", "done late", "done", "unknown"}
NO_DATA = "the PRC working calendar (chinesecalendar {version}) has no data for {year}"


def inputs_file(name: str) -> Path:
    return EVENTS if name == "kaixin-events" else EXAMPLE if name == "kaixin-inputs" else SCHEDULE / f"{name}.yaml"


def cli(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def schedule_json(capsys: pytest.CaptureFixture[str], inputs: str, as_of: str) -> dict[str, Any]:
    """`clausewise schedule --format json`, checked against the published result schema."""
    code, out, err = cli(capsys, "schedule", KAIXIN, "--inputs", inputs_file(inputs), "--as-of", as_of,
                         "--format", "json")
    assert (code, err) == (0, "")
    doc: dict[str, Any] = json.loads(out, parse_float=Decimal)
    jsonschema.Draft202012Validator(result_schema()).validate(json.loads(out))
    return doc


def entry(doc: dict[str, Any], obligation: str, period: str | None = None) -> dict[str, Any]:
    found: list[dict[str, Any]] = [e for e in doc["obligations"]
                                   if e["obligation"] == obligation and e["period"] == period]
    assert len(found) == 1, found
    return found[0]


@pytest.fixture(scope="module")
def kaixin() -> evaluator.Contract:
    return evaluator.load(KAIXIN)


def figures(kaixin: evaluator.Contract, inputs: str, as_of: str) -> dict[str, Any]:
    return kaixin.evaluate(inputs_file(inputs), as_of=date.fromisoformat(as_of), narrate=False).outputs


# ---- the deadlines as of 2026-11-21 --------------------------------------------------------


def test_kaixin_deadlines_as_of_2026_11_21(capsys: pytest.CaptureFixture[str]) -> None:
    # kaixin-inputs.yaml (Y1, Y2 revenue) plus the shares issued on 2025-12-19.
    doc = schedule_json(capsys, "issued", "2026-11-21")
    assert (doc["schema"], doc["contract"], doc["as_of"]) == ("clausewise/schedule/3", "kaixin-spa", "2026-11-21")
    issuance = entry(doc, "escrow_issuance")
    assert (issuance["arises"], issuance["due"], issuance["done"]) == ("2025-12-02", "2025-12-23", "2025-12-19")
    assert (issuance["clause"], issuance["by"], issuance["status"]) == ("Escrow 1.1", "Party A", "done on time")
    for year, ends, due in [("Y1", "2026-11-30", "2027-01-29"), ("Y2", "2027-11-30", "2028-01-29"),
                            ("Y3", "2028-11-30", "2029-01-29"), ("Y4", "2029-11-30", "2030-01-29"),
                            ("Y5", "2030-11-30", "2031-01-29")]:
        release = entry(doc, "release", year)
        assert (release["clause"], release["arises"], release["due"]) == ("SPA 5.1", ends, due)
        assert release["status"] == "not yet due"
        transfer = entry(doc, "escrow_transfer", year)
        # no documents yet: the Escrow 3.2 deadline cannot be set
        assert (transfer["clause"], transfer["due"], transfer["status"]) == ("Escrow 3.2", None, "not yet due")
    # in due-date order, the undated ones last
    dues = [e["due"] for e in doc["obligations"]]
    assert dues == sorted(d for d in dues if d) + [None] * dues.count(None)


def test_the_table_shows_each_deadline_with_its_clause(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "schedule", KAIXIN, "--inputs", SCHEDULE / "issued.yaml", "--as-of", "2026-11-21")
    assert code == 0
    rows = [line.split() for line in out.splitlines()]
    assert "obligations as of 2026-11-21" in out
    assert ["2025-12-23", "escrow_issuance", "Escrow", "1.1", "done", "on", "time"] in rows
    assert ["2027-01-29", "release", "Y1", "SPA", "5.1", "not", "yet", "due"] in rows
    assert ["2031-01-29", "release", "Y5", "SPA", "5.1", "not", "yet", "due"] in rows
    assert ["-", "escrow_transfer", "Y1", "Escrow", "3.2", "not", "yet", "due"] in rows


# ---- statuses, days late and penalties, scenario by scenario ---------------------------------

# (inputs, as of, obligation, period, due, status, days late, penalty in USD)
SCENARIOS = [
    # Escrow 1.1, shares not issued yet (kaixin-inputs.yaml has no escrow_issued):
    ("kaixin-inputs", "2025-12-01", "escrow_issuance", None, "2025-12-23", "not yet due", None, None),  # before 2 Dec
    ("kaixin-inputs", "2025-12-02", "escrow_issuance", None, "2025-12-23", "due", None, None),
    ("kaixin-inputs", "2025-12-23", "escrow_issuance", None, "2025-12-23", "due", None, None),  # the last day
    ("kaixin-inputs", "2025-12-30", "escrow_issuance", None, "2025-12-23", "overdue", 7, None),  # 24..30 Dec
    # issued on 26 Dec 2025: on 25 Dec that is still ahead (overdue 24, 25 Dec), then 3 days late (24..26 Dec)
    ("issued-late", "2025-12-25", "escrow_issuance", None, "2025-12-23", "overdue", 2, None),
    ("issued-late", "2026-11-21", "escrow_issuance", None, "2025-12-23", "done late", 3, None),
    # on time: documents held 15 Dec 2026, transfer due 29 Dec 2026, transferred 28 Dec 2026
    ("on-time", "2026-12-20", "escrow_transfer", "Y1", "2026-12-29", "due", None, None),
    ("on-time", "2026-12-20", "release", "Y1", "2027-01-29", "due", None, None),  # arose 30 Nov 2026
    ("on-time", "2027-03-01", "escrow_transfer", "Y1", "2026-12-29", "done on time", None, None),
    ("on-time", "2027-03-01", "release", "Y1", "2027-01-29", "done on time", None, None),
    # transferred 5 Jan 2027: 7 days late under Escrow 3.2 (30, 31 Dec, 1..5 Jan), on time under SPA 5.1
    ("transfer-late", "2027-03-01", "escrow_transfer", "Y1", "2026-12-29", "done late", 7, None),
    ("transfer-late", "2027-03-01", "release", "Y1", "2027-01-29", "done on time", None, None),
    # Y1 never transferred, one price of USD 2.50 for every day:
    ("overdue", "2027-01-29", "release", "Y1", "2027-01-29", "due", None, None),
    # one day late (30 Jan): 0.0001 x 2,706,766 x 2.50 = 676.6915 -> 676.69
    ("overdue", "2027-01-30", "release", "Y1", "2027-01-29", "overdue", 1, "676.69"),
    # 31 days late (30, 31 Jan, 1..28 Feb, 1 Mar): 0.0001 x 2,706,766 x 2.50 x 31 = 20,977.4365 -> 20,977.44
    ("overdue", "2027-03-01", "release", "Y1", "2027-01-29", "overdue", 31, "20977.44"),
    # kaixin-events.yaml as of 2029-03-01:
    ("kaixin-events", "2029-03-01", "release", "Y1", "2027-01-29", "done on time", None, None),  # 25 Jan 2027
    # Y2 transferred 9 Mar 2028, 40 days after 29 Jan 2028 (2028 is a leap year): 30 Jan..14 Feb at 2.50
    # (16 days), 15 Feb..9 Mar at 3.00 (15 days of February, 9 of March: 24 days):
    # 0.0001 x 3,153,384 x (16 x 2.50 + 24 x 3.00) = 0.0001 x 3,153,384 x 112 = 35,317.9008 -> 35,317.90
    ("kaixin-events", "2029-03-01", "release", "Y2", "2028-01-29", "done late", 40, "35317.90"),
    ("kaixin-events", "2029-03-01", "release", "Y3", "2029-01-29", "suspended", None, None),  # dispute since 20 Jan
    ("kaixin-events", "2029-03-01", "release", "Y4", "2030-01-29", "not yet due", None, None),
    # capped.yaml: Y2 transferred 1 Jul 2029, 519 days after 29 Jan 2028: 16 days at 2.50 (30 Jan..14 Feb 2028),
    # 472 at 3.00 (15 Feb 2028..31 May 2029), 31 at 2.00 (1 Jun..1 Jul 2029):
    # 0.0001 x 3,153,384 x (40 + 1,416 + 62) = 0.0001 x 3,153,384 x 1,518 = 478,683.6912;
    # the cap, at the price of the last day counted: 5% x 3,153,384 x 2.00 = 315,338.40, lower: it applies.
    ("capped", "2029-08-01", "release", "Y2", "2028-01-29", "done late", 519, "315338.40"),
    # a dispute about Y1's quantity open since 20 Jan 2027: suspended, before and after the deadline
    ("dispute-open", "2027-01-25", "release", "Y1", "2027-01-29", "suspended", None, None),
    ("dispute-open", "2027-03-01", "release", "Y1", "2027-01-29", "suspended", None, None),
    # a dispute open 1..4 Feb 2027 (settled 5 Feb), transfer 20 Feb: 22 days after the deadline (30 Jan..20 Feb)
    # less 4 days of dispute = 18 days; 0.0001 x 2,706,766 x 2.50 x 18 = 12,180.447 -> 12,180.45
    ("dispute-inside", "2027-02-03", "release", "Y1", "2027-01-29", "suspended", None, None),
    ("dispute-inside", "2027-03-01", "release", "Y1", "2027-01-29", "done late", 18, "12180.45"),
]


@pytest.mark.parametrize(("inputs", "as_of", "obligation", "period", "due", "status", "late", "penalty"), SCENARIOS,
                         ids=[f"{s[0]}@{s[1]}:{s[2]}{'-' + s[3] if s[3] else ''}" for s in SCENARIOS])
def test_status_days_late_and_penalty(capsys: pytest.CaptureFixture[str], inputs: str, as_of: str,
                                      obligation: str, period: str | None, due: str, status: str,
                                      late: int | None, penalty: str | None) -> None:
    e = entry(schedule_json(capsys, inputs, as_of), obligation, period)
    assert (e["due"], e["status"], e["days_late"]) == (due, status, late)
    assert e["penalty"] == (Decimal(penalty) if penalty else None)
    assert e["penalty_unit"] == ("USD" if penalty else None)


def test_penalties_add_up_in_the_outputs(kaixin: evaluator.Contract) -> None:
    assert figures(kaixin, "kaixin-events", "2029-03-01")["late_release_penalties"] == Decimal("35317.90")
    assert figures(kaixin, "capped", "2029-08-01")["late_release_penalties"] == Decimal("315338.40")
    assert figures(kaixin, "overdue", "2027-03-01")["late_release_penalties"] == Decimal("20977.44")
    assert figures(kaixin, "on-time", "2027-03-01")["late_release_penalties"] == 0
    # while the dispute is open no day counts: USD 0
    assert figures(kaixin, "dispute-open", "2027-03-01")["late_release_penalties"] == 0


def test_the_table_shows_days_late_and_the_penalty(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "schedule", KAIXIN, "--inputs", EVENTS, "--as-of", "2029-03-01")
    assert code == 0
    rows = [line.split() for line in out.splitlines()]
    assert ["2028-01-29", "release", "Y2", "SPA", "5.1", "done", "late", "40", "USD", "35,317.90"] in rows
    assert ["2029-01-29", "release", "Y3", "SPA", "5.1", "suspended"] in rows


def test_a_settled_dispute_leaves_its_days_out_of_the_penalty(capsys: pytest.CaptureFixture[str]) -> None:
    # dispute-settled.yaml: dispute open from 20 Jan 2027 (before the 29 Jan deadline), settled 10 Feb,
    # transfer 20 Feb. Days after the deadline: 30 Jan..20 Feb = 22; of them the dispute was open on
    # 30 Jan..9 Feb = 11 (the day of the settlement counts as delay); 11 days of delay:
    # 0.0001 x 2,706,766 x 2.50 x 11 = 7,443.6065 -> 7,443.61
    e = entry(schedule_json(capsys, "dispute-settled", "2027-03-01"), "release", "Y1")
    assert e["status"] == "done late"
    assert e["suspended"] == {"from": "2027-01-20", "until": "2027-02-10"}
    assert e["penalty"] == Decimal("7443.61")


def test_the_days_late_of_a_settled_dispute_agree_with_the_penalty(capsys: pytest.CaptureFixture[str]) -> None:
    e = entry(schedule_json(capsys, "dispute-settled", "2027-03-01"), "release", "Y1")
    assert e["days_late"] == 11


def test_an_open_dispute_shows_when_it_began(capsys: pytest.CaptureFixture[str]) -> None:
    e = entry(schedule_json(capsys, "dispute-open", "2027-03-01"), "release", "Y1")
    assert e["suspended"] == {"from": "2027-01-20", "until": None}
    assert (e["days_late"], e["penalty"]) == (None, None)


def test_a_transfer_dated_after_the_as_of_date_is_not_done_yet(capsys: pytest.CaptureFixture[str]) -> None:
    # kaixin-events.yaml records Y2's transfer on 9 Mar 2028; as of 20 Feb 2028 it has not happened:
    # overdue 30 Jan..20 Feb = 22 days, and the transfer date is not shown (it is known when it happens).
    e = entry(schedule_json(capsys, "kaixin-events", "2028-02-20"), "release", "Y2")
    assert (e["status"], e["days_late"], e["done"]) == ("overdue", 22, None)


def test_the_penalty_as_of_a_date_counts_the_days_up_to_it(capsys: pytest.CaptureFixture[str]) -> None:
    # 22 days: 30 Jan..14 Feb 2028 at 2.50 (16), 15..20 Feb at 3.00 (6):
    # 0.0001 x 3,153,384 x (40 + 18) = 18,289.6272 -> 18,289.63
    e = entry(schedule_json(capsys, "kaixin-events", "2028-02-20"), "release", "Y2")
    assert e["penalty"] == Decimal("18289.63")


def test_a_transfer_deadline_unknowable_on_the_calendar_is_done_with_a_note(
        capsys: pytest.CaptureFixture[str]) -> None:
    # kaixin-events.yaml: both documents of Escrow 3.1 are held on 15 Jan 2027 for Y1 (report 10 Jan,
    # instruction 15 Jan) and on 20 Jan 2028 for Y2. chinesecalendar has no data for 2027 or 2028, so
    # the Escrow 3.2 deadline cannot be known (never guessed): the transfer is 'done', neither on time
    # nor late, and the note says why.
    import chinese_calendar

    doc = schedule_json(capsys, "kaixin-events", "2029-03-01")
    for year, held, done, calendar_year in [("Y1", "2027-01-15", "2027-01-25", 2027),
                                            ("Y2", "2028-01-20", "2028-03-09", 2028)]:
        e = entry(doc, "escrow_transfer", year)
        assert (e["arises"], e["due"], e["done"], e["status"]) == (held, None, done, "done")
        assert e["note"] == NO_DATA.format(version=chinese_calendar.__version__, year=calendar_year)
    code, out, _ = cli(capsys, "schedule", KAIXIN, "--inputs", EVENTS, "--as-of", "2029-03-01")
    assert "no data for 2027" in out


# ---- escrow fee and dividends -----------------------------------------------------------------

# Escrow 4.4: USD 5,000 per year of the escrow period (Escrow 2), a year begun counting in full.
# kaixin-events.yaml: issued 10 Dec 2025, the last tranche not transferred, so the period runs to the
# as-of date. Years begun: from 10 Dec 2025, 2026, 2027, 2028, ...
FEES = [
    ("2026-12-09", 5000),    # day 364: still the first year
    ("2026-12-11", 10000),   # the second year has begun
    ("2028-12-09", 15000),   # 10 Dec 2025, 2026, 2027: three years (1,095 days, 29 Feb 2028 included)
    ("2028-12-10", 20000),   # the fourth year begins
    ("2029-03-01", 20000),   # four years begun (10 Dec 2025, 2026, 2027, 2028): 4 x 5,000
]


@pytest.mark.parametrize(("as_of", "fee"), FEES)
def test_escrow_fee(kaixin: evaluator.Contract, as_of: str, fee: int) -> None:
    assert figures(kaixin, "kaixin-events", as_of)["escrow_fee"] == fee


def test_escrow_fee_in_the_first_year(kaixin: evaluator.Contract) -> None:
    assert figures(kaixin, "issued", "2026-11-21")["escrow_fee"] == 5000  # issued 19 Dec 2025


@pytest.mark.parametrize(("as_of", "fee"), [("2025-12-10", 5000), ("2026-12-10", 10000)])
def test_escrow_fee_on_the_first_day_of_a_year(kaixin: evaluator.Contract, as_of: str, fee: int) -> None:
    assert figures(kaixin, "kaixin-events", as_of)["escrow_fee"] == fee


def test_no_escrow_fee_before_the_escrow_period(kaixin: evaluator.Contract) -> None:
    assert figures(kaixin, "kaixin-events", "2024-12-01")["escrow_fee"] == 0


def test_escrow_dividends(kaixin: evaluator.Contract) -> None:
    # SPA 3.2, Escrow 1.3: each dividend x the shares in escrow on its record date.
    # kaixin-events.yaml: 0.05 on 30 Jun 2026, nothing transferred yet: 0.05 x 15,000,000 = 750,000;
    # 0.04 on 30 Jun 2028, Y1 (2,706,766) and Y2 (3,153,384) transferred: 0.04 x 9,139,850 = 365,594.
    assert figures(kaixin, "kaixin-events", "2029-03-01")["escrow_dividends"] == 750000 + 365594
    # dividends.yaml (issued 10 Dec 2025, Y1's 2,706,766 shares transferred 25 Jan 2027):
    #   0.10 on 5 Dec 2025: before the shares were issued: not counted;
    #   0.05 on 30 Jun 2026 x 15,000,000 = 750,000;
    #   0.02 on 25 Jan 2027, Y1 out that day: 0.02 x 12,293,234 = 245,864.68;
    #   0.03 on 30 Jun 2027 x 12,293,234 = 368,797.02;  total 1,364,661.70
    assert figures(kaixin, "dividends", "2027-12-01")["escrow_dividends"] == Decimal("1364661.70")


# ---- explained with their clauses -------------------------------------------------------------

SPA_8_2 = ("for each day of delay, they shall pay a penalty to Party C calculated at 0.01% of the market value "
           "of the shares not released. The total penalty shall not exceed 5% of the total market value of the "
           "shares not released.")


def test_explain_the_late_release_penalty_quotes_spa_8_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "explain", KAIXIN, "late_release_penalty", "Y2", "--inputs", EVENTS,
                         "--as-of", "2029-03-01")
    assert (code, err) == (0, "")
    assert out.splitlines()[1] == "late_release_penalty[Y2] = USD 35,317.90"
    assert "rules/kaixin/obligations.rules:" in out
    assert re.sub(r"\s*│?\s+", " ", out).count(SPA_8_2) >= 1
    assert "delay_end[Y2] = 2028-03-09" in out and "release_due[Y2] = 2028-01-29" in out
    assert "released_shares[Y2] = 3,153,384 shares" in out


def test_explain_json_names_the_clause(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "explain", KAIXIN, "late_release_penalty", "Y2", "--inputs", EVENTS,
                       "--as-of", "2029-03-01", "--format", "json")
    assert code == 0
    doc = json.loads(out, parse_float=Decimal)
    jsonschema.Draft202012Validator(result_schema()).validate(json.loads(out))
    root = next(s for s in doc["steps"] if s["id"] == doc["root"])
    assert (root["id"], root["value"], root["unit"], root["citation"]) == (
        "late_release_penalty[Y2]", Decimal("35317.90"), "USD", "SPA 8.2")
    assert SPA_8_2 in root["clause"]


def test_every_entry_carries_its_clause(capsys: pytest.CaptureFixture[str]) -> None:
    doc = schedule_json(capsys, "kaixin-events", "2029-03-01")
    clauses = {e["obligation"]: e["clause"] for e in doc["obligations"]}
    assert clauses == {"escrow_issuance": "Escrow 1.1", "release": "SPA 5.1", "escrow_transfer": "Escrow 3.2"}
    assert all(e["meaning"] for e in doc["obligations"])


# ---- JSON ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("inputs", "as_of"), [("issued", "2026-11-21"), ("kaixin-events", "2029-03-01"),
                                               ("capped", "2029-08-01"), ("dispute-open", "2027-03-01")])
def test_json_validates_and_lists_obligations(capsys: pytest.CaptureFixture[str], inputs: str, as_of: str) -> None:
    doc = schedule_json(capsys, inputs, as_of)   # validated against result_schema() there
    assert doc["interpretation"] == "spa" and doc["amendments"] == []
    # one escrow issuance, a release and an escrow transfer for each of the five years
    assert len(doc["obligations"]) == 11
    for e in doc["obligations"]:
        assert e["clause"] and e["status"] in STATUSES
        if e["due"] is not None:
            assert date.fromisoformat(e["due"]).isoformat() == e["due"]


def test_json_is_the_same_for_the_same_inputs(capsys: pytest.CaptureFixture[str]) -> None:
    args = ("schedule", KAIXIN, "--inputs", EVENTS, "--as-of", "2029-03-01", "--format", "json")
    assert cli(capsys, *args) == cli(capsys, *args)


# ---- iCalendar ----------------------------------------------------------------------------------


def ics_bytes(tmp_path: Path, capsys: pytest.CaptureFixture[str], inputs: str, as_of: str,
              name: str = "schedule.ics") -> bytes:
    target = tmp_path / name
    code, _, err = cli(capsys, "schedule", KAIXIN, "--inputs", inputs_file(inputs), "--as-of", as_of,
                       "--format", "ics", "--output", target)
    assert (code, err) == (0, f"wrote {target}\n")
    return target.read_bytes()


def events(data: bytes) -> list[Any]:
    return list(icalendar.Calendar.from_ical(data).walk("VEVENT"))


@pytest.mark.parametrize(("inputs", "as_of"), [("kaixin-events", "2029-03-01"), ("on-time", "2027-03-01")])
def test_ics_one_all_day_event_per_dated_obligation(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    inputs: str, as_of: str) -> None:
    data = ics_bytes(tmp_path, capsys, inputs, as_of)
    dated = [e for e in schedule_json(capsys, inputs, as_of)["obligations"] if e["due"]]
    found = events(data)
    assert len(found) == len(dated)
    for ob, ev in zip(dated, found, strict=True):
        start, end = ev.decoded("DTSTART"), ev.decoded("DTEND")
        assert type(start) is date and type(end) is date      # all-day: dates, not date-times
        assert start.isoformat() == ob["due"]
        assert end == start + timedelta(days=1)
        summary = str(ev["SUMMARY"])
        assert summary.startswith(f"{ob['clause']}: ")
        if ob["period"]:
            assert summary.endswith(f"({ob['period']})")
        assert f"Status as of {as_of}: {ob['status']}" in str(ev["DESCRIPTION"])
    uids = [str(ev["UID"]) for ev in found]
    assert len(set(uids)) == len(uids)


def test_ics_carries_the_kaixin_deadlines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    found = {str(ev["UID"]): ev for ev in events(ics_bytes(tmp_path, capsys, "on-time", "2027-03-01"))}
    issuance = found["kaixin-spa-escrow_issuance-once@clausewise"]
    assert issuance.decoded("DTSTART") == date(2025, 12, 23)
    assert str(issuance["SUMMARY"]).startswith("Escrow 1.1: ")
    transfer = found["kaixin-spa-escrow_transfer-Y1@clausewise"]
    assert transfer.decoded("DTSTART") == date(2026, 12, 29)
    release = found["kaixin-spa-release-Y1@clausewise"]
    assert release.decoded("DTSTART") == date(2027, 1, 29)
    assert str(release["SUMMARY"]) == "SPA 5.1: the year's shares are released to Party C (Y1)"


def test_ics_late_release_tells_days_and_penalty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    found = {str(ev["UID"]): ev for ev in events(ics_bytes(tmp_path, capsys, "kaixin-events", "2029-03-01"))}
    description = str(found["kaixin-spa-release-Y2@clausewise"]["DESCRIPTION"])
    assert "Days late: 40" in description
    assert "Penalty accrued: USD 35,317.90" in description


def test_ics_uids_are_stable_across_dates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = events(ics_bytes(tmp_path, capsys, "kaixin-events", "2028-02-20", "a.ics"))
    after = events(ics_bytes(tmp_path, capsys, "kaixin-events", "2029-03-01", "b.ics"))
    assert [str(e["UID"]) for e in before] == [str(e["UID"]) for e in after]
    assert "kaixin-spa-release-Y2@clausewise" in [str(e["UID"]) for e in after]


def test_ics_is_byte_identical_for_the_same_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = ics_bytes(tmp_path, capsys, "kaixin-events", "2029-03-01", "a.ics")
    second = ics_bytes(tmp_path, capsys, "kaixin-events", "2029-03-01", "b.ics")
    assert first == second
    # standard output holds the same bytes as --output
    shown = subprocess.run([sys.executable, "-m", "evaluator", "schedule", str(KAIXIN), "--inputs", str(EVENTS),
                            "--as-of", "2029-03-01", "--format", "ics"], capture_output=True, check=True).stdout
    assert shown == first


def test_ics_is_rfc_5545_shaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = ics_bytes(tmp_path, capsys, "kaixin-events", "2029-03-01")
    # RFC 5545 3.1: content lines end in CRLF, none longer than 75 octets; a folded line goes on with a space.
    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"") and b"\r" not in data.replace(b"\r\n", b"")
    physical = data[:-2].split(b"\r\n")
    assert all(len(raw) <= 75 for raw in physical)
    lines: list[str] = []                                      # unfold
    for raw in physical:
        text = raw.decode("utf-8")                             # folding never splits a character
        if text[:1] in (" ", "\t"):
            lines[-1] += text[1:]
        else:
            lines.append(text)
    # 3.4, 3.6: one VCALENDAR with VERSION:2.0 and a PRODID before its components
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    header = lines[:lines.index("BEGIN:VEVENT")]
    assert "VERSION:2.0" in header
    assert any(line.startswith("PRODID:") for line in header)
    # every component closed; each VEVENT with one UID, one DTSTAMP in UTC, an all-day DTSTART
    stack: list[str] = []
    event: list[str] = []
    for line in lines:
        if line.startswith("BEGIN:"):
            stack.append(line[6:])
            event = []
        elif line.startswith("END:"):
            assert stack.pop() == line[4:]
            if line == "END:VEVENT":
                names = [re.split("[;:]", item, maxsplit=1)[0] for item in event]
                assert names.count("UID") == 1 and names.count("DTSTAMP") == 1 and names.count("DTSTART") == 1
                assert any(re.fullmatch(r"DTSTAMP:\d{8}T\d{6}Z", item) for item in event)
                assert any(re.fullmatch(r"DTSTART;VALUE=DATE:\d{8}", item) for item in event)
        else:
            event.append(line)
            assert re.match(r"[A-Z][A-Z0-9-]*[;:]", line), line
    assert stack == []


# ---- obligations on a calendar with no data, in rules of one's own ------------------------------

GAP_RULES = """\
calendar prc cites "T" source "chinesecalendar"
input start: date cites "T"
rule deadline cites "T" = start + 3 business days
obligation first_one cites "T" means "the first" by "Party A"
  arises start
  due deadline
obligation second_one cites "T" means "the second" by "Party A"
  arises start
  due deadline
outputs deadline
"""


def test_a_due_date_in_a_year_without_data_is_unknown(tmp_path: Path) -> None:
    # 30 Dec 2026 + 3 business days runs into 2027, which chinesecalendar has no data for.
    contract = contract_from(tmp_path, GAP_RULES)
    s = schedule(contract, {"start": "2026-12-30"}, date(2026, 12, 31))
    first = next(e for e in s.entries if e.obligation == "first_one")
    assert (first.due, first.status) == (None, "unknown")
    assert first.note is not None and "no data for 2027" in first.note
    # within 2026 it is known: Thu 24 Dec (1), Fri 25 (2), Mon 28 Dec (3)
    s = schedule(contract, {"start": "2026-12-23"}, date(2026, 12, 31))
    assert [(e.obligation, e.due, e.status, e.days_late) for e in s.entries] == [
        ("first_one", date(2026, 12, 28), "overdue", 3), ("second_one", date(2026, 12, 28), "overdue", 3)]


def test_every_obligation_on_an_unknowable_date_says_why(tmp_path: Path) -> None:
    s = schedule(contract_from(tmp_path, GAP_RULES), {"start": "2026-12-30"}, date(2026, 12, 31))
    assert [(e.obligation, e.status, e.note is not None) for e in s.entries] == [
        ("first_one", "unknown", True), ("second_one", "unknown", True)]


def test_a_condition_on_an_unknowable_date_is_not_an_internal_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    contract_from(tmp_path, """\
calendar prc cites "T" source "chinesecalendar"
input start: date cites "T"
rule one cites "T" = 1
obligation pay cites "T" means "pay" by "Party A"
  arises start
  due start + 1 business day
  applies when start + 2 business days > 2026-01-01
outputs one
""")
    (tmp_path / "inputs.yaml").write_text("start: 2026-12-30\n", encoding="utf-8")
    code, _, err = cli(capsys, "schedule", tmp_path / "contract.yaml", "--inputs", tmp_path / "inputs.yaml",
                       "--as-of", "2027-03-01")
    assert code == 0, err
