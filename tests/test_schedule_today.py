"""`schedule` without an as-of date: today where the agreement is, never where the machine is.

The rule: the date in the contract's `timezone` (an IANA name) if it declares one, else in
UTC. The clock is injected: at 20:00 UTC on 1 March 2027 it is already 2 March in Shanghai
(UTC+8) and on Kiritimati (UTC+14), and still 1 March in UTC and in Los Angeles (UTC-8).
The machine's time zone (TZ) is set to the one that would give the other date.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

import evaluator
from evaluator import schedule as schedule_
from evaluator.cli import main
from tests.helpers import DATA, KAIXIN, run_cli

SHANGHAI = DATA / "today" / "shanghai.yaml"
EVENTS = DATA.parent.parent / "contracts" / "examples" / "kaixin-events.yaml"
INSTANT = datetime(2027, 3, 1, 20, 0, tzinfo=UTC)


@pytest.fixture
def machine_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The machine's time zone, set for one test and put back."""
    yield
    monkeypatch.undo()
    time.tzset()


def _machine_in(monkeypatch: pytest.MonkeyPatch, zone: str) -> None:
    monkeypatch.setenv("TZ", zone)
    time.tzset()


def test_without_a_time_zone_today_is_the_date_in_utc(monkeypatch: pytest.MonkeyPatch, machine_zone: None) -> None:
    _machine_in(monkeypatch, "Pacific/Kiritimati")  # 2 March there
    s = schedule_.schedule(evaluator.load(KAIXIN), EVENTS, now=lambda: INSTANT)
    assert (s.as_of, s.today_in) == (date(2027, 3, 1), "UTC")
    assert schedule_.table(s).splitlines()[0].endswith(" - obligations as of 2027-03-01 (today in UTC)")
    assert s.to_dict()["as_of"] == "2027-03-01" and s.to_dict()["today_in"] == "UTC"


def test_with_a_time_zone_today_is_the_date_there(monkeypatch: pytest.MonkeyPatch, machine_zone: None) -> None:
    _machine_in(monkeypatch, "America/Los_Angeles")  # 1 March there
    s = schedule_.schedule(evaluator.load(SHANGHAI), EVENTS, now=lambda: INSTANT)
    assert (s.as_of, s.today_in) == (date(2027, 3, 2), "Asia/Shanghai")
    assert schedule_.table(s).splitlines()[0].endswith(" - obligations as of 2027-03-02 (today in Asia/Shanghai)")


def test_a_naive_clock_is_read_as_utc() -> None:
    assert schedule_.today(evaluator.load(SHANGHAI), lambda: datetime(2027, 3, 1, 16, 0)) == (date(2027, 3, 2),
                                                                                           "Asia/Shanghai")


def test_an_as_of_date_given_is_used_as_it_is(monkeypatch: pytest.MonkeyPatch, machine_zone: None) -> None:
    _machine_in(monkeypatch, "Pacific/Kiritimati")
    s = schedule_.schedule(evaluator.load(SHANGHAI), EVENTS, date(2027, 1, 30), now=lambda: INSTANT)
    assert (s.as_of, s.today_in) == (date(2027, 1, 30), None)
    assert schedule_.table(s).splitlines()[0].endswith(" - obligations as of 2027-01-30")
    assert s.to_dict()["today_in"] is None


@pytest.mark.parametrize(("contract", "today", "zone"), [(KAIXIN, "2027-03-01", "UTC"),
                                                          (SHANGHAI, "2027-03-02", "Asia/Shanghai")])
def test_the_command_prints_the_date_it_used(monkeypatch: pytest.MonkeyPatch, machine_zone: None,
                                             capsys: pytest.CaptureFixture[str], contract: object, today: str,
                                             zone: str) -> None:
    _machine_in(monkeypatch, "Pacific/Kiritimati" if zone == "UTC" else "America/Los_Angeles")
    monkeypatch.setattr(schedule_, "_clock", lambda: INSTANT)
    assert main(["schedule", str(contract), "--inputs", str(EVENTS)]) == 0
    assert f"obligations as of {today} (today in {zone})\n" in capsys.readouterr().out
    code, out, _ = run_cli(capsys, "schedule", contract, "--inputs", EVENTS, "--format", "json")  # schema-checked
    doc = json.loads(out)
    assert code == 0
    assert (doc["as_of"], doc["today_in"]) == (today, zone)
