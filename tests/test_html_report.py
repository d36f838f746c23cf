"""The HTML report: self-contained, every figure linked to its explanation, charts drawn.

Expected Kaixin figures come from the hand-computed example of
rules/kaixin/examples/02-a-miss-made-up.yaml (Y1 RMB 600M, Y2 RMB 800M, Y3-Y5 pending), never
from the code under test. The browser test renders the page in headless
Chromium and leaves a screenshot in test-artifacts/report.png.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import signal
import struct
import subprocess
import tempfile
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
    assert page.count("g", "pending") == pending


def test_periods_have_their_tables_and_sentences(page_html: str, page: Page) -> None:
    for year in YEARS:
        assert f"period-{year}" in page.ids
    y1 = page_html.split('id="period-Y1"')[1].split("</article>")[0]
    assert "revenue of RMB 600,000,000 missed the target of RMB 665,000,000" in y1
    y3 = page_html.split('id="period-Y3"')[1].split("</article>")[0]
    assert "Y3 (2027-12-01 to 2028-11-30) is pending" in y3


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


def test_one_chart_per_unit(result: Result, page_html: str, page: Page) -> None:
    groups = numeric_per_period(result)
    assert set(groups) == {"RMB", "shares"}
    svgs = [a for t, a in page.tags if t == "svg"]
    assert len(svgs) == len(groups)
    for svg in svgs:
        assert svg.get("role") == "img" and svg.get("aria-label")
    assert "RMB by year: target, revenue" in page_html
    assert "shares by year: released_shares, restored_shares, deducted_shares" in page_html
    drawn, pending = bars(result)
    assert (drawn, pending) == (13, 27)  # + 3 ledger outputs x 5 years, pending: no ledger is given
    assert page.count("rect", "bar") == drawn
    assert page.count("g", "pending") == pending
    assert "<title>released_shares Y1: 2,706,766 shares</title>" in page_html
    assert "<title>revenue Y3: pending</title>" in page_html
    assert page.count("rect", "swatch") == 8  # a legend entry per output charted
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
        "Grouped bar chart of USD by fiscal_year: payment")
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
    assert [label.split(":")[0] for label in labels] == [
        "Grouped bar chart of EUR by year", "Grouped bar chart of EUR by half", "Grouped bar chart of ratio by year"]
    assert page.count("rect", "bar") == 7 and page.count("g", "pending") == 1  # sales H2
    for anchor in ("period-year-Y1", "period-year-Y2", "period-half-H1", "period-half-H2"):
        assert anchor in page.ids
    assert figure(page, "loss", "Y1") == "-1,500"
    assert figure(page, "profit", "Y2") == "-250.5"
    assert figure(page, "due", "Y2") == "2027-12-31"
    assert figure(page, "positive", "Y2") == "no"
    assert figure(page, "margin", "Y1") == "0.125"
    assert figure(page, "sales", "H2") == "pending"
    assert "a date" not in text
    assert len(page.ids) == len(set(page.ids)) and all(h[1:] in set(page.ids) for h in page.links)


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
    """Run headless Chromium with a fresh profile and no network; kill its whole process group after 60 s."""
    command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={profile}", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"chromium did not finish in 60 s: {' '.join(command)}")
    assert process.returncode == 0, err[-2000:]
    return out


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
    rendered = Page(dom)
    assert figure(rendered, "released_shares", "Y1") == "2,706,766"
    assert figure(rendered, "deducted_shares", "Y1") == "139,850"
    assert figure(rendered, "released_shares", "Y3") == "pending"
    assert len([a for t, a in rendered.tags if t == "svg"]) == 2

    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    shot = artifacts / "report.png"
    shot.unlink(missing_ok=True)
    _run_chromium(binary, Path(tempfile.mkdtemp(dir=tmp_path)), f"--screenshot={shot}",
                  "--window-size=1280,2400", "--hide-scrollbars", url)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1280, 2400)
