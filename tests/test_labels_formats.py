"""Labels and the one formatting convention (evaluator/formatting.py), in every text report."""

from __future__ import annotations

import csv
import io
import os
from datetime import date
from decimal import Decimal, localcontext
from pathlib import Path

import pytest

import evaluator
from evaluator import formatting
from evaluator.cli import main
from tests.helpers import KAIXIN, ROOT

INPUTS = ROOT / "contracts" / "examples" / "kaixin-inputs.yaml"
FMT = formatting.Formatter({"fee": "USD", "price": "USD per share", "rate": "ratio", "n": "shares", "ok": "true/false",
                            "day": "a date", "yen": "JPY", "dinar": "KWD", "rmb": "RMB"},
                           {"fee": "Fee payable"}, {"USD": 2, "JPY": 0, "KWD": 3, "RMB": 0})


def test_money_to_its_minor_unit_and_never_rounded() -> None:
    assert FMT.number("fee", Decimal("35317.9")) == "35,317.90"
    assert FMT.amount("fee", Decimal("35317.9")) == "USD 35,317.90"
    assert FMT.amount("fee", Decimal("0.125")) == "USD 0.125"  # more places than the cent: all shown
    assert FMT.amount("yen", 1_234_567) == "JPY 1,234,567"
    assert FMT.amount("dinar", Decimal("1.5")) == "KWD 1.500"
    assert FMT.amount("rmb", 665_000_000) == "RMB 665,000,000"  # declared `minor unit 0`
    assert FMT.amount("price", Decimal("12.5")) == "USD 12.50 per share"


def test_negatives_in_parentheses() -> None:
    assert FMT.number("fee", -1234) == "(1,234.00)"
    assert FMT.amount("fee", -1234) == "USD (1,234.00)"
    assert FMT.amount("n", -5) == "(5) shares"
    assert FMT.amount("rate", Decimal("-0.125")) == "(12.5%)"


def test_ratios_as_exact_percentages_and_the_rest() -> None:
    assert [FMT.amount("rate", v) for v in (Decimal("0.8"), Decimal("0.125"), Decimal("0.000125"), 1)] == \
        ["80%", "12.5%", "0.0125%", "100%"]
    assert FMT.amount("n", 1_234) == "1,234 shares" and FMT.amount("n", 1) == "1 share"
    assert FMT.amount("n", Decimal("2.5")) == "2.5 shares"
    assert (FMT.amount("ok", True), FMT.amount("ok", False), FMT.amount("day", date(2027, 3, 1))) == \
        ("yes", "no", "2027-03-01")
    assert FMT.amount("fee", None) == "pending" and FMT.number("n", None) == "pending"
    assert FMT.label("fee") == "Fee payable" and FMT.label("n") == "n"
    assert (FMT.column("fee"), FMT.column("rate")) == ("Fee payable (USD)", "rate")


def test_excel_formats_show_what_number_shows() -> None:
    fmt = formatting.Formatter({"fee": "USD", "rate": "ratio", "n": "shares"}, {}, {"USD": 2},
                               {"fee": {"FY1": Decimal("1.125")}, "rate": Decimal("0.125"), "n": 3})
    assert fmt.excel("fee") == "#,##0.000;(#,##0.000)"  # 1.125 needs three places: none hidden
    assert fmt.excel("rate") == "0.0%;(0.0%)"
    assert fmt.excel("n") == "#,##0;(#,##0)"
    assert fmt.unit_excel("true/false") == '"yes";"yes";"no"' and fmt.unit_excel("a date") == "yyyy-mm-dd"


def test_formatting_ignores_the_callers_decimal_context() -> None:
    with localcontext() as ctx:
        ctx.prec = 3
        assert FMT.amount("fee", Decimal("123456789.125")) == "USD 123,456,789.125"
        assert FMT.amount("rate", Decimal("0.33333")) == "33.333%"


def test_minor_units_from_the_rules_and_from_iso() -> None:
    assert (formatting.minor_unit("JPY"), formatting.minor_unit("KWD"), formatting.minor_unit("USD"),
            formatting.minor_unit("XYZ"), formatting.minor_unit("JPY", 2)) == (0, 3, 2, 2, 2)
    assert evaluator.load(KAIXIN).evaluate({}).currencies == {"RMB": 0, "USD": 2}


def test_kaixin_outputs_have_labels_json_keeps_names() -> None:
    result = evaluator.load(KAIXIN).evaluate(INPUTS)
    assert len(result.labels) == len(result.outputs) == 23
    assert result.labels["released_shares"] == "Shares released"
    assert result.labels["total_released_shares"] == "Total shares released"
    assert "released_shares" in result.to_dict()["outputs"]


def test_the_table_shows_labels_and_the_convention(capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    assert main(["evaluate", str(KAIXIN), "--inputs", str(INPUTS)]) == 0
    out = capsys.readouterr().out
    # Y1: 3,000,000 x 600/665 -> 2,706,766 own + 0 restored at Y1's event; Y2: 3,000,000 + 153,384 restored to Y1
    assert "Shares released (shares)                 2,706,766    3,153,384    pending [1]" in out
    assert "Revenue target (RMB)                   665,000,000  732,000,000" in out  # RMB: minor unit 0
    assert "Dividends due on escrowed shares (USD)              0.00" in out  # USD: cents
    assert "  ✓ Released + cancelled + in escrow = consideration shares (Escrow 2)" in out
    assert "Tranche = released + restored + deducted (SPA 5.2(2)): Y1 ✓, Y2 ✓, Y3 pending" in out


def test_the_table_wraps_to_the_terminal(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    widths = {}
    for columns in ("60", "160"):
        monkeypatch.setenv("COLUMNS", columns)
        assert main(["evaluate", str(KAIXIN), "--inputs", str(INPUTS)]) == 0
        words = capsys.readouterr().out.split("In words:")[1].split("What each figure is")[0]
        widths[columns] = max(len(line) for line in words.splitlines())
    assert widths["60"] <= 60 < widths["160"] <= 160


def test_markdown_shows_labels_and_checks(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(KAIXIN), "--inputs", str(INPUTS), "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "| Shares released (shares) | 2,706,766 | 3,153,384 | pending [1] | pending [1,2] | pending [1,2,3] |" in out
    assert "- ✓ Released + cancelled + in escrow = consideration shares (Escrow 2)" in out
    assert "## Provenance" in out


def test_csv_reads_back_with_its_comment_lines_skipped(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(KAIXIN), "--inputs", str(INPUTS), "--format", "csv"]) == 0
    text = capsys.readouterr().out
    rows = list(csv.DictReader(line for line in io.StringIO(text) if not line.startswith("#")))
    assert len(rows) == 59  # 9 outputs x 5 years + 14 single values
    y1 = next(r for r in rows if r["output"] == "deducted_shares" and r["period"] == "Y1")
    assert (y1["value"], y1["label"]) == ("139850", "Shares deducted")
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert comments[0] == "# check: ✓ tranche_reconciles[Y1]: Tranche = released + restored + deducted (SPA 5.2(2))"
    assert f"# Generated 2026-01-01T00:00:00Z by clausewise {evaluator.provenance.tool_version()}" in comments
    assert os.environ["SOURCE_DATE_EPOCH"] == "1767225600"  # tests/conftest.py


def test_history_of_a_contract_without_amendments_has_no_change_column(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", str(KAIXIN), "--inputs", str(INPUTS)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["output", "period", "as", "signed"]


def test_differing_readings_are_marked_and_the_mark_explained(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(KAIXIN), "--inputs", str(INPUTS), "--all-interpretations"]) == 0
    out = capsys.readouterr().out
    table, footer = out.split("\n\nProvenance (spa):\n")
    assert table.rstrip().endswith("\n\n* the figures differ between spa and excess-year and press-release")
    assert "Shares released (shares)" in table  # labels, not names
    # the footer: the first reading's provenance in full, then what differs for the others (the reading)
    assert footer.endswith("and for press-release:\n  Contract: kaixin-spa; reading: press-release; as of: no date "
                           "(every amendment in force)\n")


def test_a_label_in_the_rules(tmp_path: Path) -> None:
    (tmp_path / "r.rules").write_text('currency USD\n  cites "A 1"\n  minor unit 0\n\ninput fee: USD\n  cites "A 2"\n'
                                      '  label "Fee payable"\n  means "the fee"\n\noutputs fee\n', encoding="utf-8")
    program = evaluator.load_rules([tmp_path / "r.rules"])
    about = program.symbols["fee"].decl.about
    assert (about.label, about.meaning, program.currencies["USD"].minor_unit) == ("Fee payable", "the fee", 0)
