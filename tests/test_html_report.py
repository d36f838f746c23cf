"""The HTML report: self-contained, every figure linked to its explanation, charts drawn.

Expected Kaixin figures come from the hand-computed example of
rules/kaixin/examples/02-a-miss-made-up.yaml (Y1 RMB 600M, Y2 RMB 800M, Y3-Y5 pending), never
from the code under test. The browser test renders the page in headless
Chromium and leaves a screenshot in test-artifacts/report.png.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import shutil
import signal
import struct
import subprocess
import tempfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

import evaluator
from evaluator.highlight import highlight, highlight_expression
from evaluator.render_html import report
from evaluator.result import Result
from tests.helpers import DATA, KAIXIN, ROOT, contract_from
from tests.test_kaixin_scenarios import MISS_MADE_UP, READINGS, YEARS

INPUTS = ROOT / "contracts" / "examples" / "kaixin-inputs.yaml"
KNOWN, PENDING = YEARS[:2], YEARS[2:]  # the example inputs give Y1 and Y2
SHARES = ("released_shares", "restored_shares", "deducted_shares")


class Page(HTMLParser):
    """What the tests look at: ids, links with their text, external references, chart pieces."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.links: dict[str, list[str]] = {}  # href -> texts of the links to it
        self.figures: dict[str, list[str]] = {}  # the same, for the figures of the tables
        self.references: list[tuple[str, str, str]] = []  # (tag, attribute, value) that could fetch something
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._open: list[tuple[str, list[str], bool]] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if a.get("id"):
            self.ids.append(a["id"] or "")
        for name in ("href", "src", "xlink:href", "action", "data", "poster", "srcset", "background"):
            if a.get(name) is not None:
                self.references.append((tag, name, a[name] or ""))
        if tag == "a" and a.get("href"):
            self._open.append((a["href"] or "", [], "fig" in (a.get("class") or "").split()))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open:
            href, text, is_figure = self._open.pop()
            self.links.setdefault(href, []).append("".join(text).strip())
            if is_figure:
                self.figures.setdefault(href, []).append("".join(text).strip())

    def handle_data(self, data: str) -> None:
        for _, text, _ in self._open:
            text.append(data)

    def count(self, tag: str, css: str | None = None) -> int:
        return sum(1 for t, a in self.tags if t == tag and (css is None or css in (a.get("class") or "").split()))


EPOCH = "1767225600"  # 2026-01-01T00:00:00Z: the time of generation the reports carry (SOURCE_DATE_EPOCH)


@pytest.fixture(scope="module", autouse=True)
def fixed_time() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        yield


@pytest.fixture(scope="module")
def contract() -> evaluator.Contract:
    return evaluator.load(KAIXIN)


@pytest.fixture(scope="module")
def result(contract: evaluator.Contract) -> Result:
    return contract.evaluate_file(INPUTS, trace=True)


@pytest.fixture(scope="module")
def page_html(contract: evaluator.Contract, result: Result) -> str:
    return report(result, contract)


@pytest.fixture(scope="module")
def page(page_html: str) -> Page:
    return Page(page_html)


def figure(page: Page, name: str, year: str | None = None) -> str:
    """The figure shown for `name` (at `year`) in the tables: the text of its link to its explanation."""
    anchor = f"#step-{name}-{year}" if year else f"#step-{name}"
    texts = page.figures.get(anchor)
    assert texts, f"no figure links to {anchor}"
    assert len(set(texts)) == 1, texts
    return texts[0]


def numeric_per_period(result: Result) -> dict[str, list[str]]:
    """unit -> per-period outputs with numbers, as the charts group them."""
    groups: dict[str, list[str]] = {}
    for name in result.periods:
        values = result.outputs[name]
        assert isinstance(values, dict)
        if any(isinstance(v, bool) for v in values.values()) or result.units[name] in ("true/false", "a date"):
            continue
        groups.setdefault(result.units[name], []).append(name)
    return groups


def bars(result: Result) -> tuple[int, int]:
    """(drawn, pending) bars of the charts of a result."""
    values = [v for names in numeric_per_period(result).values() for name in names
              for v in result.outputs[name].values()]  # type: ignore[union-attr]
    return sum(v is not None for v in values), sum(v is None for v in values)


# ------------------------------------------------------------------ self-contained


def test_the_page_fetches_nothing(page_html: str, page: Page) -> None:
    assert page_html.startswith("<!DOCTYPE html>")
    for tag, attribute, value in page.references:
        assert value.startswith("#"), (tag, attribute, value)  # only links within the page
        assert not re.match(r"\s*(https?:)?//", value, re.I), (tag, attribute, value)
    assert page.count("link") == 0  # no stylesheet, icon or preload
    for tag in ("img", "iframe", "object", "embed", "audio", "video", "source", "base"):
        assert page.count(tag) == 0, tag
    scripts = [a for t, a in page.tags if t == "script"]
    assert len(scripts) == 1 and "src" not in scripts[0]
    assert "@import" not in page_html and "url(" not in page_html
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page_html, re.I)
    csp = next(a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert csp is not None and "default-src 'none'" in csp


def test_ids_are_unique_and_every_link_lands(page: Page) -> None:
    assert len(page.ids) == len(set(page.ids))
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9._-]*", i) for i in page.ids)
    targets = set(page.ids)
    assert page.links
    for href in page.links:
        assert href.startswith("#") and href[1:] in targets, href


def test_same_result_same_bytes(contract: evaluator.Contract, result: Result, page_html: str) -> None:
    assert report(result, contract) == page_html
    assert report(contract.evaluate_file(INPUTS, trace=True), contract) == page_html


# ------------------------------------------------------------------ figures


def test_summary(contract: evaluator.Contract, page_html: str) -> None:
    assert html.escape(contract.title) in page_html
    assert contract.date.isoformat() in page_html
    for party in contract.parties:
        assert html.escape(party.name) in page_html
    assert "<strong>spa</strong>" in page_html
    # The summary sentence of the narrative, in words.
    assert "In all, on the figures given, 5,860,150 shares are releasable" in page_html


@pytest.mark.parametrize("reading", READINGS)
def test_kaixin_figures_link_to_their_explanations(contract: evaluator.Contract, reading: str) -> None:
    expected = MISS_MADE_UP[reading]
    page = Page(report(contract.evaluate_file(INPUTS, reading, trace=True), contract))
    for name, key in (("released_shares", "released"), ("restored_shares", "restored"),
                      ("deducted_shares", "deducted")):
        for year, value in zip(KNOWN, expected[key], strict=True):  # type: ignore[call-overload]
            assert figure(page, name, year) == f"{value:,}", (name, year)
    assert figure(page, "total_released_shares") == f"{expected['total']:,}"
    assert figure(page, "cancelled_shares") == f"{expected['cancelled']:,}"
    assert figure(page, "escrow_shares") == f"{expected['escrow']:,}"
    # RMB to its minor unit (formatting.py): Kaixin's rules declare whole yuan (spa.rules: `minor unit 0`),
    # so no ".00"; the EUR of test_two_period_sets_... shows the default two places
    assert figure(page, "revenue", "Y1") == "600,000,000"
    assert figure(page, "target", "Y1") == "665,000,000"
    assert figure(page, "target", "Y5") == "974,000,000"


def test_spa_figures_of_the_brief(page: Page) -> None:
    assert figure(page, "released_shares", "Y1") == "2,706,766"
    assert figure(page, "released_shares", "Y2") == "3,153,384"
    assert figure(page, "restored_shares", "Y1") == "153,384"
    assert figure(page, "deducted_shares", "Y1") == "139,850"


def test_pending_years_say_pending_never_zero(page: Page) -> None:
    for year in PENDING:
        for name in ("revenue", "target_met", *SHARES):
            assert figure(page, name, year) == "pending", (name, year)


def test_with_no_inputs_everything_but_the_terms_is_pending(contract: evaluator.Contract) -> None:
    result = contract.evaluate({}, trace=True)
    page = Page(report(result, contract))
    for year in YEARS:
        assert figure(page, "target", year) != "pending"
        for name in ("revenue", *SHARES):
            assert figure(page, name, year) == "pending", (name, year)
    drawn, pending = bars(result)
    # only the targets are known: 5 drawn; revenue and 6 outputs in shares (3 entitlements, 3 from the ledger)
    # pending for 5 years each: 35
    assert (drawn, pending) == (5, 35)
    assert page.count("rect", "bar") == drawn
    # pending is said once, not per bar: the RMB chart has no year with both target and revenue pending,
    # so no band; the shares, pending in every year, are no chart at all but one line naming them (by their
    # labels in the rules: released_shares is "Shares released", over_released "Shares transferred in excess", ...)
    assert page.count("g", "pending") == 0
    assert page.count("svg") == 1
    assert ("shares by year: pending in every period (Shares released, Shares restored, Shares deducted, "
            "Shares transferred, Shares transferred in excess, Shares not yet transferred), nothing to draw.") \
        in html.unescape(report(result, contract))


def test_periods_are_one_wide_table_with_notes_and_sentences(page_html: str, page: Page) -> None:
    for year in YEARS:
        assert f"period-{year}" in page.ids
    section = page_html.split('<section id="periods">')[1].split("</section>")[0]
    header = section.split("</thead>")[0]
    assert [m for m in re.findall(r'id="period-(Y\d)"', header)] == list(YEARS)  # periods across
    assert '<th scope="col" class="num" id="period-Y1">Y1<span class="dates">2025-12-01 to 2026-11-30</span>' \
        in header
    # revenue[Y3] is pending because it is not given: note 1, the first reason of the result
    assert '<li id="note-1">revenue[Y3] is not given</li>' in section
    row = section.split("<tr>")[3]  # the header's, the first output's (target), then revenue's
    assert ">Audited revenue<" in row  # revenue's label
    assert ">600,000,000<" in row and '<sup class="n"><a href="#note-1">1</a></sup>' in row
    assert "revenue of RMB 600,000,000 missed the target of RMB 665,000,000" in section
    assert "Y3 (2027-12-01 to 2028-11-30) is pending" in section


def test_without_a_trace_figures_are_shown_without_links(contract: evaluator.Contract) -> None:
    text = report(contract.evaluate_file(INPUTS), contract)
    page = Page(text)
    assert not any(href.startswith("#step-") for href in page.links)
    assert 'id="explanations"' not in text
    assert ">2,706,766<" in text and ">139,850<" in text


# ------------------------------------------------------------------ explanations, clauses, rules


def test_every_step_has_an_explanation(result: Result, page_html: str, page: Page) -> None:
    assert result.trace is not None
    steps = [i for i in page.ids if i.startswith("step-")]
    assert len(steps) == len(result.trace)
    entry = page_html.split('id="step-deducted_shares-Y1"')[1].split("</article>")[0]
    assert "139,850 shares" in entry
    assert html.escape(result.trace["deducted_shares[Y1]"].meaning or "") in entry
    assert 'href="#clause-SPA-5.2-1"' in entry
    line = result.trace["deducted_shares[Y1]"].location.rsplit(":", 1)[1]
    assert f'href="#rule-1-L{line}"' in entry
    for source in result.trace["deducted_shares[Y1]"].inputs:
        assert f'href="#step-{re.sub(r"[^A-Za-z0-9._]+", "-", source).strip("-")}"' in entry
    assert 'class="hl-name">tranche</span>' in entry  # the formula, coloured


def test_cited_clauses_are_quoted(contract: evaluator.Contract, result: Result, page_html: str) -> None:
    assert contract.text is not None
    for citation in set(result.citations.values()):
        clause = contract.text.clauses[citation]
        anchor = "clause-" + re.sub(r"[^A-Za-z0-9._]+", "-", citation).strip("-")
        quoted = page_html.split(f'id="{anchor}"')[1].split("</article>")[0]
        assert html.escape(clause.text) in quoted


def test_rules_are_shown_with_line_anchors(contract: evaluator.Contract, page: Page) -> None:
    text = contract.program.files[0].text
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    assert f"rule-1-L{lines}" in page.ids and f"rule-1-L{lines + 1}" not in page.ids
    assert page.count("span", "hl-kw") > 50 and page.count("span", "hl-comment") > 5


# ------------------------------------------------------------------ charts


def test_charts_by_unit_and_scale(result: Result, page_html: str, page: Page) -> None:
    groups = numeric_per_period(result)
    assert set(groups) == {"RMB", "shares"}
    svgs = [a for t, a in page.tags if t == "svg"]
    # RMB; and shares in two scales: released (up to 3,153,384) and, more than ten times smaller, restored
    # and deducted (up to 153,384: 153,384 x 10 < 3,153,384), so that they are not slivers
    assert len(svgs) == 3
    for svg in svgs:
        assert svg.get("role") == "img" and svg.get("aria-label")
    text = html.unescape(page_html)
    # charts name outputs by their labels (target "Revenue target", revenue "Audited revenue", ...)
    assert "<figcaption>Revenue target, Audited revenue (RMB by year)</figcaption>" in text
    assert "<figcaption>Shares released (shares by year)</figcaption>" in text
    assert "<figcaption>Shares restored, Shares deducted (shares by year)</figcaption>" in text
    drawn, pending = bars(result)
    assert (drawn, pending) == (13, 27)  # + 3 ledger outputs x 5 years, pending: no ledger is given
    assert page.count("rect", "bar") == drawn
    # pending said once per run of pending years, never per bar: Y3-Y5 in each shares chart
    assert page.count("g", "pending") == 2
    assert "Pending: Y3, Y4, Y5." in text
    assert "Also pending: Audited revenue Y3, Audited revenue Y4, Audited revenue Y5." in text
    assert ("Pending in every period, so not drawn: Shares transferred, Shares transferred in excess, "
            "Shares not yet transferred.") in text
    assert "<title>Shares released Y1: 2,706,766 shares</title>" in text
    # data labels: whole millions short and exact (665M), other figures as the tables show them
    for label in ("665M", "600M", "732M", "800M", "2,706,766", "3,153,384", "153,384", "139,850"):
        assert re.search(rf'class="data"[^>]*>{label}</text>', page_html), label
    assert page.count("rect", "swatch") == 5  # a legend entry per output drawn
    # Bars link to their explanations too.
    assert page.links.get("#step-released_shares-Y1") is not None


def test_another_contract_needs_no_change(tmp_path: Path) -> None:
    contract = evaluator.load(DATA / "evaluator" / "earnout.yaml")
    result = contract.evaluate({"ebitda": {"FY2026": 90}}, trace=True)
    text = report(result, contract)
    page = Page(text)
    shown = text.split('<section id="rules">')[0]  # (the earn-out's rule file names Kaixin in a comment)
    assert "Kaixin" not in shown and "RMB" not in shown
    assert [a.get("aria-label", "") for t, a in page.tags if t == "svg"][0].startswith(  # type: ignore[union-attr]
        "Bar chart of payment (USD by fiscal_year), over FY2026, FY2027, FY2028. Pending: FY2027, FY2028.")
    assert figure(page, "payment", "FY2027") == "pending"
    assert 'id="clauses"' not in text  # no agreement text with this contract
    for href in page.links:
        assert href[1:] in set(page.ids)


GENERIC_RULES = """\
currency EUR cites "A 1"
periods year cites "A 2"
  Y1 from 2026-01-01 to 2026-12-31
  Y2 from 2027-01-01 to 2027-12-31
periods half cites "A 2"
  H1 from 2026-01-01 to 2026-06-30
  H2 from 2026-07-01 to 2026-12-31
input profit: EUR by year cites "A 3"
input sales: EUR by half cites "A 3"
rule loss for each year y cites "A 4" = EUR 0 - profit[y]
rule margin for each year y cites "A 4" = 12.5%
rule due for each year y cites "A 5" = end(y)
rule positive for each year y cites "A 5" = profit[y] > EUR 0
outputs profit, loss, due, positive, sales, margin
"""


def test_two_period_sets_negative_amounts_dates_and_ratios(tmp_path: Path) -> None:
    contract = contract_from(tmp_path, GENERIC_RULES)
    result = contract.evaluate({"profit": {"Y1": 1500, "Y2": "-250.5"}, "sales": {"H1": 10}}, trace=True)
    text = report(result, contract)
    page = Page(text)
    labels = [a.get("aria-label") or "" for t, a in page.tags if t == "svg"]
    assert [label.split(", over")[0] for label in labels] == [
        "Bar chart of profit, loss (EUR by year)", "Bar chart of sales (EUR by half)",
        "Bar chart of margin (ratio by year)"]
    assert page.count("rect", "bar") == 7 and page.count("g", "pending") == 1  # sales H2
    for anchor in ("period-year-Y1", "period-year-Y2", "period-half-H1", "period-half-H2"):
        assert anchor in page.ids
    # negatives in parentheses, EUR to two places, ratios as percentages (formatting.py)
    assert figure(page, "loss", "Y1") == "(1,500.00)"  # 0 - 1,500
    assert figure(page, "profit", "Y2") == "(250.50)"
    assert figure(page, "due", "Y2") == "2027-12-31"
    assert figure(page, "positive", "Y2") == "no"
    assert figure(page, "margin", "Y1") == "12.5%"
    assert figure(page, "sales", "H2") == "pending"
    assert "a date" not in text
    assert len(page.ids) == len(set(page.ids)) and all(h[1:] in set(page.ids) for h in page.links)


# ------------------------------------------------------------------ an auditor's report


EVENTS = ROOT / "contracts" / "examples" / "kaixin-events.yaml"
AMENDED = ROOT / "contracts" / "examples" / "kaixin-amendment-1.yaml"


def _sections(text: str) -> list[str]:
    return re.findall(r'<section id="([a-z]+)"', text)


def test_appendix_none_explanations_all(contract: evaluator.Contract, result: Result) -> None:
    none, explanations, every = (report(result, contract, appendix) for appendix in ("none", "explanations", "all"))
    assert _sections(none) == ["summary", "periods", "charts", "provenance"]
    assert _sections(explanations) == ["summary", "periods", "charts", "explanations", "clauses", "provenance"]
    assert _sections(every) == ["summary", "periods", "charts", "explanations", "clauses", "rules", "provenance"]
    assert "#step-" not in none and 'href="#rule-' not in explanations and 'href="#rule-' in every
    for text in (none, explanations, every):
        page = Page(text)
        assert all(href[1:] in set(page.ids) for href in page.links)
    with pytest.raises(evaluator.ContractError, match="appendix 'some' is not one of none, explanations, all"):
        report(result, contract, "some")


def test_summary_first_with_provenance_and_key_figures(contract: evaluator.Contract, result: Result) -> None:
    text = report(result, contract, "none")
    summary = html.unescape(text.split('<section id="summary">')[1].split("</section>")[0])
    assert "HYPOTHETICAL FIGURES, for illustration only: not Kaixin's reported revenue." in summary  # its header
    assert "<dt>As of</dt><dd>no as-of date</dd>" in summary
    assert "<dt>Basis</dt><dd>Entitlements on the figures given (no as-of date)" in summary
    assert "2026-01-01T00:00:00Z by clausewise" in summary  # SOURCE_DATE_EPOCH 1767225600
    digest = hashlib.sha256(INPUTS.read_bytes()).hexdigest()
    assert f"kaixin-inputs.yaml</code> <span class=\"hash\">sha256 {digest}</span>" in summary
    # key figures: 2,706,766 + 3,153,384 = 5,860,150 released; 15,000,000 - 5,860,150 = 9,139,850 in escrow
    assert re.search(r">Total shares released<.*?>5,860,150<", summary)  # total_released_shares' label
    assert ">9,139,850<" in summary
    # escrow_dividends by its label: the inputs declare no dividend, so USD 0.00 (USD to two places)
    assert re.search(r">Dividends due on escrowed shares<.*?>0\.00<.*?<td>USD</td>", summary)
    prov = text.split('<section id="provenance">')[1]
    assert "spa.rules" in prov and hashlib.sha256((KAIXIN.parent / "../rules/kaixin/spa.rules").read_bytes(
    )).hexdigest() in prov
    # printed, every page says whose report, as of when, and which page
    assert '@top-left { content: "Kaixin Holdings — Securities Purchase Agreement and Escrow Agreement · reading ' \
        'spa"' in text
    assert '@top-right { content: "no as-of date"' in text
    assert '@bottom-center { content: "Page " counter(page) " of " counter(pages)' in text


def test_schedule_of_obligations(contract: evaluator.Contract) -> None:
    from evaluator.schedule import schedule

    result = contract.evaluate_file(EVENTS, as_of="2029-03-01")
    text = report(result, contract, "none", schedule(contract, EVENTS, "2029-03-01"))
    assert _sections(text)[:2] == ["summary", "schedule"]
    section = text.split('<section id="schedule">')[1].split("</section>")[0]
    assert "with its status as of 2029-03-01." in section
    row = next(r for r in section.split("<tr>") if r.startswith("<td>2028-01-29</td>"))
    # released_shares[Y2] = 3,153,384 transferred on 2028-03-09, 40 days after the 2028-01-29 deadline:
    # 0.01% a day of their value, 16 days at USD 2.50 (2028-01-30 to 02-14) and 24 at USD 3.00 (02-15 to
    # 03-09, a leap year): 315.3384 x (16 x 2.50 + 24 x 3.00) = 315.3384 x 112 = 35,317.9008 -> USD 35,317.90
    assert ">done late<" in row and '<td class="num">40</td>' in row and ">USD 35,317.90<" in row
    assert '<td>2029-01-29</td><th scope="row"><span' in section and ">suspended<" in section  # Y3: a dispute


def test_readings_side_by_side(contract: evaluator.Contract, result: Result) -> None:
    from evaluator.compare import compare

    results = [contract.evaluate_file(INPUTS, r) for r in READINGS]
    text = report(result, contract, "none", None, compare("interpretations", list(READINGS), results, False))
    section = text.split('<section id="readings">')[1].split("</section>")[0]
    row = next(r for r in section.split("<tr") if ">Shares released<" in r and "<td>Y2</td>" in r)
    expected = [MISS_MADE_UP[r]["released"][1] for r in READINGS]  # type: ignore[index]
    assert expected == [3_153_384, 3_139_345, 3_000_000]
    assert re.findall(r'<td class="num differs">([^<]*)</td>', row) == [f"{v:,}" for v in expected]
    assert 'class="marker"' in row and row.startswith(' class="differs"')
    same = next(r for r in section.split("<tr") if ">Shares released<" in r and "<td>Y1</td>" in r)
    assert 'class="marker"' not in same and same.count('<td class="num">2,706,766</td>') == 3
    assert "pending under every reading left out" in section  # Y3-Y5 and the ledger, pending in each


def test_rendered_from_the_results_own_version_of_the_rules() -> None:
    """Before the amendment is in force (effective 2027-03-01), its rule file is neither shown nor listed."""
    contract = evaluator.load(AMENDED)
    before = report(contract.evaluate({}, as_of="2027-01-01", trace=True), contract)
    after = report(contract.evaluate({}, as_of="2027-06-30", trace=True), contract)
    assert "kaixin-amendment-1.rules" not in before
    assert "<dt>Amendments in force</dt><dd>none</dd>" in before
    assert "kaixin-amendment-1.rules" in after
    assert before.count('<h3 id="rule-') == 3 and after.count('<h3 id="rule-') == 4  # spa, obligations, ledger


def test_cli_pdf_needs_a_file_and_appendix_needs_a_report(capsys: pytest.CaptureFixture[str]) -> None:
    from evaluator.cli import main

    assert main(["evaluate", str(KAIXIN), "--format", "pdf"]) == 2
    err = capsys.readouterr().err
    assert "--format pdf writes a PDF file, never to a terminal: name its file" in err
    assert "hint: add --output FILE.pdf" in err
    assert main(["evaluate", str(KAIXIN), "--appendix", "all"]) == 2
    assert "--appendix works with --format html or pdf, not table" in capsys.readouterr().err


# ------------------------------------------------------------------ highlighting


def test_highlight_colours_by_the_languages_own_tokens() -> None:
    out = highlight('rule bonus for each year y  cites "EO 4"\n  = first(year) + 1,000 * 5%  # a <note>\n')
    assert '<span class="hl-kw">rule</span>' in out
    assert '<span class="hl-kw">cites</span>' in out
    assert '<span class="hl-kw">for</span> <span class="hl-kw">each</span>' in out
    assert '<span class="hl-name">bonus</span>' in out
    assert '<span class="hl-name">first</span>' in out  # a function here, not the keyword of 'earliest first'
    assert '<span class="hl-num">1,000</span>' in out
    assert '<span class="hl-str">"EO 4"</span>' in out
    assert '<span class="hl-op">+</span>' in out
    assert '<span class="hl-comment"># a &lt;note&gt;</span>' in out
    assert highlight("periods year\n  Y1 from 2026-01-01 to 2026-12-31\n").count('class="hl-date"') == 2


def test_highlight_keeps_every_character(contract: evaluator.Contract) -> None:
    for f in contract.program.files:
        out = highlight(f.text)
        assert html.unescape(re.sub(r"<[^>]+>", "", out)) == f.text
        assert out.count("\n") == f.text.count("\n")
        for line in out.split("\n"):  # spans never cross a line, so the report can number lines
            assert line.count("<span") == line.count("</span>")


def test_highlight_falls_back_to_plain_text() -> None:
    out = highlight("rule x = 1 @ <y> # z")
    assert out.startswith('<span class="hl-kw">rule</span> <span class="hl-name">x</span>')
    assert out.endswith("@ &lt;y&gt; # z")  # lexing stopped at '@': the rest is as written
    assert highlight_expression("clamp(revenue[y], RMB 0, target[y])").startswith('<span class="hl-name">clamp')
    assert '<span class="hl-kw">million</span>' in highlight_expression("Y1: RMB 665 million")


# ------------------------------------------------------------------ in a browser


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


def _run_chromium(binary: str, profile: Path, *args: str) -> str:
    """Run headless Chromium with a fresh profile and no network; kill its whole process group after 60 s.
    The page's console may say nothing: no error, no warning, no refused style or script (CSP)."""
    command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--enable-logging=stderr", "--v=0", f"--user-data-dir={profile}", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"chromium did not finish in 60 s: {' '.join(command)}")
    assert process.returncode == 0, err[-2000:]
    console = [line for line in err.splitlines() if ":CONSOLE" in line]  # what the page's console received
    assert console == [], console
    return out


@pytest.mark.slow
def test_the_report_renders_in_chromium(contract: evaluator.Contract, result: Result, page_html: str,
                                        tmp_path: Path) -> None:
    binary = _chromium()
    if binary is None:
        pytest.skip("no chromium binary (install Debian's chromium, as .ci/run does, to run this test)")
    page_file = tmp_path / "report.html"
    page_file.write_text(page_html, encoding="utf-8")
    url = page_file.as_uri()

    dom = _run_chromium(binary, Path(tempfile.mkdtemp(dir=tmp_path)), "--dump-dom", url)
    body = re.search(r"<body([^>]*)>", dom)
    assert body, dom[:500]
    drawn, _ = bars(result)
    assert re.search(rf'data-bars-drawn="{drawn}"', body.group(1)), body.group(1)  # every bar has a height
    assert 'data-styled="yes"' in body.group(1)  # the inline style sheet was applied (not blocked)
    assert 'data-links-broken="0"' in body.group(1)  # every #id link lands on an element, in the browser
    rendered = Page(dom)
    assert figure(rendered, "released_shares", "Y1") == "2,706,766"
    assert figure(rendered, "deducted_shares", "Y1") == "139,850"
    assert figure(rendered, "released_shares", "Y3") == "pending"
    assert len([a for t, a in rendered.tags if t == "svg"]) == 3
    assert rendered.links and all(href[1:] in set(rendered.ids) for href in rendered.links)

    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    shot = artifacts / "report.png"
    shot.unlink(missing_ok=True)
    _run_chromium(binary, Path(tempfile.mkdtemp(dir=tmp_path)), f"--screenshot={shot}",
                  "--window-size=1280,2400", "--hide-scrollbars", url)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1280, 2400)
