"""`evaluate --format xlsx`: the workbook read back with openpyxl, cell by cell, against the JSON result and
against figures worked out by hand from the agreement (rules/kaixin/examples/*.yaml has the worked scenarios).
"""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

import evaluator
from evaluator import formatting, render_xlsx
from evaluator.result import Invariant, number_text
from evaluator.schedule import schedule
from evaluator.xlsx_cells import DATE_NOTE, TEXT_NOTE, Formats, as_double, new_book, write
from tests.helpers import KAIXIN, ROOT, contract_from, run_cli

openpyxl = pytest.importorskip("openpyxl")
pytest.importorskip("xlsxwriter")

EVENTS = ROOT / "contracts" / "examples" / "kaixin-events.yaml"
INPUTS = ROOT / "contracts" / "examples" / "kaixin-inputs.yaml"
EPOCH = "1767225600"  # 2026-01-01T00:00:00Z


@pytest.fixture(scope="module")
def kaixin() -> evaluator.Contract:
    return evaluator.load(KAIXIN)


@pytest.fixture(scope="module")
def events_book(kaixin: evaluator.Contract) -> tuple[evaluator.Result, Any]:
    """Kaixin on the events example as of 2029-03-01 (spa), with its schedule, as a workbook read back."""
    result = kaixin.evaluate(EVENTS, trace=True, narrate=False, as_of="2029-03-01")
    s = schedule(kaixin, EVENTS, "2029-03-01")
    data = render_xlsx.workbook([result], kaixin.title, [s])
    return result, openpyxl.load_workbook(io.BytesIO(data))


def _rows(sheet: Any) -> list[tuple[Any, ...]]:
    return list(sheet.iter_rows(values_only=True))


def _expected_cell(value: Any) -> tuple[Any, str | None]:
    """What a JSON value (to_dict()) must read back as, and the note on the cell: the spec, written apart from
    the renderer: a number where it has at most 15 significant digits (what Excel keeps), else exact text."""
    if value is None:
        return "pending", None
    if isinstance(value, bool):
        return value, None
    if isinstance(value, str):  # a date, ISO
        return datetime.fromisoformat(value), None
    digits = number_text(value).lstrip("-").replace(".", "").strip("0")
    if len(digits) <= 15 and (Fraction(value) * 10**20).denominator == 1:
        return value, None
    text = number_text(value)
    return text, TEXT_NOTE.format(text=text)


def test_every_cell_of_the_outputs_sheet_is_the_json_result(events_book: tuple[evaluator.Result, Any]) -> None:
    result, book = events_book
    data = result.to_dict()
    sheet = book["Outputs"]
    rows = _rows(sheet)
    periods = ["Y1", "Y2", "Y3", "Y4", "Y5"]
    assert rows[0] == ("label", "output", "unit", *periods, "value", "note")
    assert [r[1] for r in rows[1:]] == list(data["outputs"])  # one row per output, in the rules' order
    for k, (name, value) in enumerate(data["outputs"].items(), start=2):
        row = [sheet.cell(k, c + 1) for c in range(len(rows[0]))]
        assert [c.value for c in row[:3]] == [data["labels"].get(name, name), name, data["units"][name]]
        cells = value if isinstance(value, dict) else {None: value}
        notes = []
        for period in [*periods, None]:
            c = row[3 + periods.index(period)] if period else row[3 + len(periods)]
            if period not in cells:
                assert c.value is None, (name, period)
                continue
            expected, note = _expected_cell(cells[period])
            # a number read back is the double nearest to it; its shortest form is the same digits
            got = Decimal(repr(c.value)) if isinstance(c.value, float) else c.value
            assert got == expected, (name, period)
            assert type(c.value) is type(expected) or isinstance(expected, int | Decimal), (name, period)
            assert (c.comment.text if c.comment else None) == note, (name, period)
            where = f"{name}[{period}]" if period else name
            if cells[period] is None and where in data["notes"]:
                notes.append(f"{period}: {data['notes'][where]}" if period else data["notes"][where])
            if note:
                notes.append(f"{period}: {note}" if period else note)
        assert row[-1].value == (" | ".join(notes) or None), name
    assert len(rows) == 1 + len(data["outputs"])
    assert sheet.freeze_panes == "B2"  # the header row and the label column stay in view


def test_hand_computed_figures_in_the_outputs_sheet(events_book: tuple[evaluator.Result, Any]) -> None:
    _, book = events_book
    by_name = {r[1]: r for r in _rows(book["Outputs"])[1:]}
    # Y1 600M, Y2 800M, Y3 900M (rules/kaixin/examples/02, 03): Y1 own 3M x 600/665 = 2,706,766.9 -> 2,706,766;
    # Y2 excess 68M, Y3 excess 900 - 805 = 95M: the pool 50% x (68 + 95) = 81.5M > Y1's 65M shortfall, so Y1 is
    # made whole: restored 3,000,000 - 2,706,766 = 293,234, released at Y2 3,000,000 + 153,384 (spa: 34M of
    # Y2's pool) = 3,153,384, at Y3 3,000,000 + (293,234 - 153,384) = 3,139,850.
    assert by_name["released_shares"][3:8] == (2_706_766, 3_153_384, 3_139_850, "pending", "pending")
    assert by_name["restored_shares"][3:6] == (293_234, 0, 0)
    # 2,706,766 + 3,153,384 + 3,139,850 = 9,000,000 released; 15,000,000 - 9,000,000 = 6,000,000 in escrow
    assert by_name["total_released_shares"][8] == 9_000_000
    assert by_name["escrow_shares"][8] == 6_000_000
    assert by_name["target_met"][3:6] == (False, True, True)  # 600 < 665; 800 >= 732; 900 >= 805
    # SPA 8.2: Y2 due 2028-01-29, transferred 2028-03-09: 40 days late (Jan 30-31, Feb 1-29 of a leap year,
    # Mar 1-9); 16 days at USD 2.50 (to Feb 14) and 24 at USD 3.00: 0.01% x 3,153,384 x (16 x 2.50 + 24 x 3.00)
    # = 315.3384 x 112 = 35,317.9008 -> USD 35,317.90 (cap 5% x 3,153,384 x 3.00 = 473,007.60 not reached).
    # 35,317.9 has 6 significant digits: a number, which Excel shows (to its 15 digits) as exactly 35,317.90.
    penalty = by_name["late_release_penalties"]
    assert penalty[8] == 35317.9 and penalty[9] is None
    assert as_double(Decimal("35317.90")) == 35317.9


def test_number_formats_per_unit(events_book: tuple[evaluator.Result, Any]) -> None:
    result, book = events_book
    sheet = book["Outputs"]
    names = [sheet.cell(r, 2).value for r in range(2, sheet.max_row + 1)]
    fmt = formatting.for_result(result)
    released = sheet.cell(2 + names.index("released_shares"), 4)
    assert released.value == 2_706_766 and released.number_format == "#,##0;(#,##0)"  # whole shares
    fee = sheet.cell(2 + names.index("escrow_fee"), 9)
    assert fee.value == 20_000 and fee.number_format == fmt.excel("escrow_fee")
    revenue = sheet.cell(2 + names.index("revenue"), 4)
    assert revenue.value == 600_000_000 and revenue.number_format == fmt.excel("revenue")


def test_schedule_sheet(events_book: tuple[evaluator.Result, Any]) -> None:
    _, book = events_book
    sheet = book["Schedule"]
    rows = _rows(sheet)
    assert rows[0] == ("due", "obligation", "period", "clause", "by", "arises", "done", "status", "days late",
                       "penalty", "penalty unit", "note")
    y2 = next(r for r in rows if r[1] == "release" and r[2] == "Y2")
    # SPA 5.1: due 2028-01-29, done 2028-03-09: 40 days late, USD 35,317.90 (see above)
    assert y2[0] == datetime(2028, 1, 29) and y2[6] == datetime(2028, 3, 9)
    assert y2[7:11] == ("done late", 40, 35317.9, "USD")
    row = rows.index(y2) + 1
    assert sheet.cell(row, 1).number_format == "yyyy-mm-dd"
    assert sheet.cell(row, 10).comment is None
    y1 = next(r for r in rows if r[1] == "release" and r[2] == "Y1")
    assert y1[7:10] == ("done on time", None, None)  # transferred 2027-01-25, before 2027-01-29
    assert sheet.freeze_panes == "A2"


def test_explanations_sheet(events_book: tuple[evaluator.Result, Any]) -> None:
    result, book = events_book
    rows = _rows(book["Explanations"])
    assert rows[0] == ("step", "label", "kind", "value", "unit", "formula", "written at", "clause", "reading used",
                       "computed from", "note")
    assert result.trace is not None and len(rows) == 1 + len(result.trace)
    target = next(r for r in rows if r[0] == "target[Y1]")
    # SPA 4.1: the first year's target, RMB 665 million
    assert target[2:6] == ("parameter", 665_000_000, "RMB", "Y1: RMB 665 million")
    assert re.search(r"rules/kaixin/spa\.rules:[0-9]+$", target[6]) and target[7] == "SPA 4.1"
    met = next(r for r in rows if r[0] == "target_met[Y1]")
    assert met[3] is False and met[9] == "revenue[Y1], target[Y1]"  # 600M < 665M


def test_values_a_double_does_not_hold_are_text_with_a_note(kaixin: evaluator.Contract) -> None:
    # 2^53 = 9,007,199,254,740,992 is a double exactly, but has 16 digits: a spreadsheet would show
    # 9,007,199,254,740,990. Text, with its note.
    result = kaixin.evaluate({"revenue": {"Y1": 2**53}}, narrate=False)
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx.workbook([result], kaixin.title)))
    sheet = book["Outputs"]
    names = [sheet.cell(r, 2).value for r in range(2, sheet.max_row + 1)]
    cell = sheet.cell(2 + names.index("revenue"), 4)
    assert cell.value == "9007199254740992"
    assert cell.comment.text == TEXT_NOTE.format(text="9007199254740992")
    assert "Explanations" not in book.sheetnames  # evaluated without trace: no derivations to show
    assert "Schedule" not in book.sheetnames


@pytest.mark.parametrize(("value", "double"), [
    (10**15 - 1, 999_999_999_999_999.0),  # 15 digits
    (10**15, None),  # 16 digits
    (Decimal("35317.5"), 35317.5),  # 0.5 = 1/2: a double exactly
    (Decimal("1.50"), 1.5),  # trailing zeros are not significant
    (Decimal("0.1"), 0.1),  # 1 significant digit: Excel shows 0.1 (the double is 0.1000000000000000055...)
    (Decimal("123456789012345.5"), None),  # a double exactly (2^-1), but 16 significant digits
    (Decimal("-0.25"), -0.25),
    (Fraction(1, 3), None),
    (Fraction(3, 8), 0.375),
    (Decimal("1E+15"), None),
])
def test_as_double(value: int | Decimal | Fraction, double: float | None) -> None:
    assert as_double(value) == double


def test_a_sheet_per_reading(kaixin: evaluator.Contract) -> None:
    results = [kaixin.evaluate(INPUTS, r, narrate=False) for r in kaixin.interpretations]
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx.workbook(results, kaixin.title)))
    assert book.sheetnames == ["Summary", "Outputs spa", "Outputs excess-year", "Outputs press-release",
                               "Provenance"]
    # rules/kaixin/examples/02-a-miss-made-up.yaml, Y1 600M and Y2 800M:
    #   spa:           released Y2 3,000,000 + 153,384 = 3,153,384; total 5,860,150
    #   excess-year:   3,000,000 + 139,345 = 3,139,345; total 5,846,111
    #   press-release: 68M is not above 50% x 732M: 3,000,000; total 5,706,766
    for sheet, y2 in (("Outputs spa", 3_153_384), ("Outputs excess-year", 3_139_345),
                      ("Outputs press-release", 3_000_000)):
        released = next(r for r in _rows(book[sheet]) if r[1] == "released_shares")
        assert released[3:5] == (2_706_766, y2)
    summary = _rows(book["Summary"])
    head = next(i for i, r in enumerate(summary) if r[0] == "figure")
    assert summary[head][:6] == ("figure", "unit", "spa", "excess-year", "press-release", "readings differ")
    total = next(r for r in summary[head:] if r[0] in ("total_released_shares",
                                                      results[0].labels.get("total_released_shares")))
    assert total[1:6] == ("shares", 5_860_150, 5_846_111, 5_706_766, "yes")
    # 15,000,000 - 5,860,150 = 9,139,850 (spa); - 5,846,111 = 9,153,889; - 5,706,766 = 9,293,234
    escrow = next(r for r in summary[head:] if r[0] in ("escrow_shares", results[0].labels.get("escrow_shares")))
    assert escrow[2:6] == (9_139_850, 9_153_889, 9_293_234, "yes")
    cancelled = next(r for r in summary[head:] if r[0] in ("cancelled_shares",
                                                          results[0].labels.get("cancelled_shares")))
    assert cancelled[2:6] == (0, 0, 0, "no")  # Y5 pending: nothing cancelled in any reading


def test_cli_writes_the_workbook_byte_identical_under_source_date_epoch(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    made = []
    for name in ("a.xlsx", "b.xlsx"):
        target = tmp_path / name
        code, out, err = run_cli(capsys, "evaluate", KAIXIN, "--inputs", EVENTS, "--as-of", "2029-03-01",
                                 "--format", "xlsx", "--output", target, "--all-interpretations")
        assert (code, out, err) == (0, "", f"wrote {target}\n")
        made.append(target.read_bytes())
    assert made[0] == made[1]
    with zipfile.ZipFile(io.BytesIO(made[0])) as z:
        core = z.read("docProps/core.xml").decode("utf-8")
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    # 1767225600 s = 20,454 days x 86,400 s: 1970-01-01 + 20,454 days = 2026-01-01
    assert '<dcterms:created xsi:type="dcterms:W3CDTF">2026-01-01T00:00:00Z</dcterms:created>' in core
    book = openpyxl.load_workbook(io.BytesIO(made[0]))
    assert book.sheetnames == ["Summary", "Outputs spa", "Outputs excess-year", "Outputs press-release",
                               "Schedule", "Explanations", "Provenance"]
    facts = {r[0]: r[1] for r in _rows(book["Summary"]) if r[0]}
    assert facts["As of"] == datetime(2029, 3, 1)
    assert facts["Generated"].startswith("2026-01-01T00:00:00Z by clausewise ")
    assert facts["Inputs"].startswith("kaixin-events.yaml (sha256 ")
    assert facts["Inputs say"].startswith("HYPOTHETICAL FIGURES, DATES AND MOVEMENTS, for illustration only")


def test_cli_refuses_xlsx_without_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "evaluate", KAIXIN, "--inputs", INPUTS, "--format", "xlsx")
    assert (code, out) == (2, "")
    assert err == "clausewise: error: --format xlsx writes a workbook: name its file\n   hint: add --output FILE.xlsx\n"


def test_the_output_is_never_an_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = tmp_path / "inputs.yaml"
    inputs.write_text(INPUTS.read_text(encoding="utf-8"), encoding="utf-8")
    before = inputs.read_bytes()
    code, out, err = run_cli(capsys, "evaluate", KAIXIN, "--inputs", inputs, "--format", "xlsx", "--output", inputs)
    assert (code, out) == (2, "")
    assert err == (f"{inputs}: error: this file is read for this report\n"
                   "   hint: write the report to another file: clausewise never replaces a file it reads\n")
    assert inputs.read_bytes() == before


def test_a_date_a_spreadsheet_cannot_show_right_is_text() -> None:
    # a spreadsheet counts 1900 as a leap year: its serial numbers before 1900-03-01 are off by a day
    data = io.BytesIO()
    book = new_book(data, datetime(2026, 1, 1), "t")
    sheet = book.add_worksheet("s")
    assert write(sheet, 0, 0, date(1900, 2, 28), Formats(book)) == DATE_NOTE.format(text="1900-02-28")
    assert write(sheet, 1, 0, date(1900, 3, 1), Formats(book)) is None
    book.close()
    read = openpyxl.load_workbook(io.BytesIO(data.getvalue()))["s"]
    assert read["A1"].value == "1900-02-28" and read["A1"].comment.text == (
        "date 1900-02-28, written as text: a spreadsheet's dates are reliable from 1900-03-01 only")
    assert read["A2"].value == datetime(1900, 3, 1) and read["A2"].number_format == "yyyy-mm-dd"


def test_reconciliation_ticks(kaixin: evaluator.Contract) -> None:
    result = kaixin.evaluate(INPUTS, narrate=False)
    # figures of rules/kaixin/examples/02 (spa): 5,860,150 released + 0 cancelled + 9,139,850 in escrow
    # = 15,000,000; the others made up to show each tick
    checks = [
        Invariant("shares_accounted", None, "Shares accounted for", True, "Escrow 2",
                  "total_released_shares + cancelled_shares + escrow_shares = consideration_shares",
                  {"total_released_shares": 5_860_150, "cancelled_shares": 0, "escrow_shares": 9_139_850}),
        Invariant("tranche_accounted", "Y1", "Tranche accounted for", False, "SPA 5.2",
                  "released + restored + deducted = tranche", {"released_shares[Y1]": 2_706_766}),
        Invariant("tranche_accounted", "Y3", "Tranche accounted for", None, "SPA 5.2",
                  "released + restored + deducted = tranche", {"released_shares[Y3]": None}),
    ]
    made = dataclasses.replace(result, checks=lambda: checks)
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx.workbook([made], kaixin.title)))
    summary = _rows(book["Summary"])
    head = next(i for i, r in enumerate(summary) if r[0] == "check")
    assert summary[head][:5] == ("check", "clause", "spa", "formula", "values read")
    assert summary[head + 1][:5] == (
        "Shares accounted for", "Escrow 2", "✓ holds",
        "total_released_shares + cancelled_shares + escrow_shares = consideration_shares",
        "total_released_shares = 5,860,150, cancelled_shares = 0, escrow_shares = 9,139,850")
    assert summary[head + 2][:3] == ("Tranche accounted for [Y1]", "SPA 5.2", "✗ fails")
    assert summary[head + 3][:3] == ("Tranche accounted for [Y3]", "SPA 5.2", "pending")
    assert summary[head + 3][4] == "released_shares[Y3] = pending"


def test_overrides_are_in_the_provenance(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    target = tmp_path / "set.xlsx"
    code, _, err = run_cli(capsys, "evaluate", KAIXIN, "--inputs", INPUTS, "--set", "revenue.Y3=850000000",
                           "--format", "xlsx", "--output", target)
    assert (code, err) == (0, f"wrote {target}\n")
    book = openpyxl.load_workbook(target)
    facts = {r[0]: r[1] for r in _rows(book["Summary"]) if r[0]}
    assert facts["Inputs"].startswith("kaixin-inputs.yaml (sha256 ")
    assert facts["Overrides"] == "revenue.Y3=850000000"
    items = {r[0]: r[1] for r in _rows(book["Provenance"]) if r[0]}
    assert items["inputs.overrides.1"] == "revenue.Y3=850000000" and items["inputs.file"] == "kaixin-inputs.yaml"
    released = next(r for r in _rows(book["Outputs"]) if r[1] == "released_shares")
    # Y3 850M >= 805M: met; the pool grows by 50% x 45M = 22.5M, so Y1's 65M shortfall is made up by
    # 34M + 22.5M = 56.5M: Y1 entitlement 3M x (600 + 56.5)/665 = 2,961,654.1 -> 2,961,654, restored at Y3
    # 2,961,654 - 2,860,150 = 101,504: released Y3 = 3,000,000 + 101,504 = 3,101,504
    assert released[3:6] == (2_706_766, 3_153_384, 3_101_504)


def test_a_ratio_with_no_finite_decimal_is_text_with_a_note_and_cents_a_number(tmp_path: Path) -> None:
    rules = ('currency USD cites "x"\ninput a: USD cites "x"\ninput b: USD cites "x"\n'
             'rule share cites "x" = a / b\nrule q cites "x" = round a * share down to USD 0.01\noutputs q\n')
    contract = contract_from(tmp_path, rules)
    result = contract.evaluate({"a": 1, "b": 3}, trace=True)
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx.workbook([result], contract.title)))
    # share = 1/3 (no finite decimal, binary or not); q = USD 1 x 1/3 = 0.333... down to 0.01 = 0.33, two
    # significant digits: a number
    assert _rows(book["Outputs"])[0] == ("label", "output", "unit", "value", "note")  # no periods
    q = book["Outputs"]["D2"]
    assert (book["Outputs"]["B2"].value, q.value, q.comment) == ("q", 0.33, None)
    share = next(r for r in _rows(book["Explanations"]) if r[0] == "share")
    assert share[3] == "1/3"
    assert share[-1] == "exact value 1/3, a fraction with no finite decimal form: written as text"


def test_kaixin_reconciliation_in_the_summary(events_book: tuple[evaluator.Result, Any]) -> None:
    result, book = events_book
    summary = _rows(book["Summary"])
    by_label = {r[0]: r for r in summary[next(i for i, r in enumerate(summary) if r[0] == "check"):]}
    shares = next(i for i in result.invariants if i.name == "shares_reconcile")
    # 9,000,000 released + 0 cancelled + 6,000,000 in escrow = 15,000,000 consideration shares: holds
    assert by_label[shares.label][1:3] == ("Escrow 2", "✓ holds")
    tranche = next(i for i in result.invariants if i.name == "tranche_reconciles" and i.period == "Y4")
    assert by_label[f"{tranche.label} [Y4]"][2] == "pending"  # revenue[Y4] is not given
