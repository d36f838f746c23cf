"""The web page at `/` (evaluator/service/page*.py): the form made from a contract's inputs, typed figures and
an uploaded inputs file laid together as the CLI lays --set over --inputs, problems at their fields in the
CLI's words, the report with its download links; in headless Chromium over a real uvicorn process.

Expected figures are Kaixin's, worked out by hand in rules/kaixin/examples/02-a-miss-made-up.yaml (revenue Y1
RMB 600,000,000, Y2 800,000,000; targets Y1 665M, Y2 732M; tranche 3,000,000 shares):
    released Y1 = floor(3,000,000 x 600/665) = floor(2,706,766.917...) = 2,706,766
    spa: pool 50% x (800 - 732) = 34M; Y1 entitlement floor(3M x 634/665) = 2,860,150;
         restored 2,860,150 - 2,706,766 = 153,384; released Y2 = 3,153,384; deducted Y1 = 139,850
    escrow = 15,000,000 - (2,706,766 + 3,153,384) = 9,139,850
    press-release: 68M > 366M is false: no offset, released Y2 3,000,000, deducted Y1 293,234
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import urllib.parse
import zlib
from collections.abc import Iterator
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")

import evaluator  # noqa: E402
from evaluator.errors import InputError  # noqa: E402
from evaluator.service import page_form, page_inputs  # noqa: E402
from evaluator.service.page import _with_links  # noqa: E402
from tests.helpers import KAIXIN, ROOT  # noqa: E402
from tests.service_fixture import Service, running_service  # noqa: E402

EVENTS = ROOT / "contracts" / "examples" / "kaixin-events.yaml"


class Fields(HTMLParser):
    """The form's controls by name, and the problems shown at each field."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.controls: dict[str, dict[str, str | None]] = {}
        self.options: dict[str, list[tuple[str, bool]]] = {}
        self.problems: dict[str, str] = {}
        self._select: str | None = None
        self._problem: str | None = None
        self._text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("input", "select") and a.get("name"):
            self.controls[a["name"] or ""] = a
        if tag == "select":
            self._select = a.get("name")
        if tag == "option" and self._select:
            self.options.setdefault(self._select, []).append((a.get("value") or "", "selected" in a))
        if tag == "span" and a.get("data-field"):
            self._problem, self._text = a["data-field"], []

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        if tag == "span" and self._problem:
            self.problems[self._problem] = "".join(self._text)
            self._problem = None

    def handle_data(self, data: str) -> None:
        if self._problem:
            self._text.append(data)


@pytest.fixture(scope="module")
def kaixin() -> evaluator.Contract:
    return evaluator.load(KAIXIN)


def test_the_form_has_a_field_per_input_and_period(kaixin: evaluator.Contract) -> None:
    text = page_form.page({"kaixin-spa": kaixin}, {}, page_form.State("kaixin-spa"))
    form = Fields(text)
    # revenue is per year (Y1..Y5), escrow_issued one date, share_price by date (one value for every date)
    for period in ("Y1", "Y2", "Y3", "Y4", "Y5"):
        assert form.controls[f"v:revenue.{period}"]["inputmode"] == "decimal"
        assert form.controls[f"v:transfer_date.{period}"]["placeholder"] == "YYYY-MM-DD"
    assert "v:escrow_issued" in form.controls and "v:share_price" in form.controls
    assert "v:escrow_account" not in form.controls  # a ledger: its entries go in an inputs file
    assert "a ledger of what happened: give its entries in an inputs file" in text
    assert form.options["reading"] == [("spa", True), ("excess-year", False), ("press-release", False)]
    assert form.controls["inputs_file"]["type"] == "file"
    assert form.controls["as_of"]["type"] == "date"


def test_typed_figures_are_set_overrides_and_evaluate_as_the_cli(kaixin: evaluator.Contract) -> None:
    sets = page_inputs.typed({"v:revenue.Y1": " 600000000 ", "v:revenue.Y2": "800,000,000", "v:revenue.Y3": "",
                              "contract": "kaixin-spa"})
    assert sets == ["revenue.Y1=600000000", "revenue.Y2=800,000,000"]
    inputs = page_inputs.checked(kaixin, sets, None, "")
    assert inputs == {"revenue": {"Y1": "600000000", "Y2": "800000000"}}
    result = kaixin.evaluate(inputs, "spa")
    assert result.outputs["released_shares"] == {"Y1": 2706766, "Y2": 3153384, "Y3": None, "Y4": None, "Y5": None}
    assert result.outputs["escrow_shares"] == 9139850  # 15,000,000 - 2,706,766 - 3,153,384


def test_bad_figures_come_back_at_their_fields_in_the_clis_words(kaixin: evaluator.Contract) -> None:
    values = {"v:revenue.Y1": "abc", "v:revenue.Y2": "800000000"}
    with pytest.raises(InputError) as caught:
        page_inputs.checked(kaixin, page_inputs.typed(values), None, "2027-02-30")
    shown = [(d.path, d.message, d.hint) for d in caught.value.diagnostics]
    assert ("revenue.Y1", "'abc' is not an amount", "write a plain number in RMB, e.g. 1250000") in shown
    assert ("as_of", "2027-02-30 is not a real calendar date", "write a date as YYYY-MM-DD, e.g. 2027-03-01") in shown
    state = page_form.State("kaixin-spa", values, "spa", "2027-02-30", error=caught.value)
    text = page_form.page({"kaixin-spa": kaixin}, {}, state)
    form = Fields(text)
    assert form.problems == {"revenue.Y1": "'abc' is not an amount" "hint: write a plain number in RMB, e.g. 1250000",
                             "as_of": "2027-02-30 is not a real calendar date"
                                      "hint: write a date as YYYY-MM-DD, e.g. 2027-03-01"}
    assert form.controls["v:revenue.Y1"]["value"] == "abc" and form.controls["v:revenue.Y1"]["aria-invalid"] == "true"
    assert form.controls["v:revenue.Y2"]["value"] == "800000000"  # what was typed is kept


def test_every_value_shown_is_escaped(kaixin: evaluator.Contract) -> None:
    values = {"v:revenue.Y1": '"><script>alert(1)</script>'}
    with pytest.raises(InputError) as caught:
        page_inputs.checked(kaixin, page_inputs.typed(values), None, "")
    text = page_form.page({"kaixin-spa": kaixin}, {}, page_form.State("kaixin-spa", values, error=caught.value))
    assert "<script>alert" not in text
    assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in text
    assert Fields(text).controls["v:revenue.Y1"]["value"] == '"><script>alert(1)</script>'


def test_an_upload_is_read_as_an_inputs_file_of_its_own_name(kaixin: evaluator.Contract) -> None:
    # a YAML slip on line 3, column 7 (the unclosed flow sequence runs to the end of the file, line 4)
    upload = page_inputs.Upload("C:\\work\\../my inputs.yaml", b"revenue:\n  Y1: 600000000\n  Y2: [1, 2\n")
    with pytest.raises(InputError) as caught:
        page_inputs.checked(kaixin, [], upload, "")
    d = caught.value.diagnostics[0]
    assert (d.file, d.line) == ("my_inputs.yaml", 4)
    assert d.message == "not valid YAML: expected ',' or ']', but got '<stream end>'"
    # typed figures are laid over the file's: Y2 typed, Y1 from the file
    upload = page_inputs.Upload("in.yaml", b"revenue:\n  Y1: 600000000\n  Y2: 1\n")
    inputs = page_inputs.checked(kaixin, ["revenue.Y2=800000000"], upload, "")
    deducted = kaixin.evaluate(inputs, "press-release").outputs["deducted_shares"]
    assert isinstance(deducted, dict) and deducted["Y1"] == 293234  # 3,000,000 - 2,706,766


def test_the_problems_of_an_upload_quote_the_upload_never_a_file_of_the_server(kaixin: evaluator.Contract) -> None:
    # named like a file in the server's working folder: the quoted line is the upload's own
    upload = page_inputs.Upload("pyproject.yaml", b"revenue:\n  Y1: abc\n")
    with pytest.raises(InputError) as caught:
        page_inputs.checked(kaixin, [], upload, "")
    text = page_form.page({"kaixin-spa": kaixin}, {}, page_form.State("kaixin-spa", error=caught.value))
    assert "pyproject.yaml:2:7: error: revenue.Y1: &#x27;abc&#x27; is not an amount" in text
    assert "    2 |   Y1: abc" in text


def test_links_carry_the_inputs_exactly_and_refuse_damaged_or_huge_ones() -> None:
    inputs = {"revenue": {"Y1": "600000000.50", "Y2": None}, "escrow_account": [{"count": 1}]}
    packed = page_inputs.pack(inputs)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", packed)
    assert page_inputs.unpack(packed) == inputs
    with pytest.raises(InputError, match="the link's inputs are damaged"):
        page_inputs.unpack(packed[:-5] + "!!!!!")
    bomb = base64.urlsafe_b64encode(zlib.compress(b"[" + b"0," * 3_000_000 + b"0]", 9)).decode().rstrip("=")
    with pytest.raises(InputError, match="the link's inputs are over 5,000,000 bytes"):
        page_inputs.unpack(bomb)
    floats = base64.urlsafe_b64encode(zlib.compress(b'{"revenue": {"Y1": 0.1}}')).decode()
    assert page_inputs.unpack(floats) == {"revenue": {"Y1": Decimal("0.1")}}  # exact, never a binary float


def test_the_download_links_go_under_the_reports_header() -> None:
    report = "<body><header><h1>T</h1></header><main>x</main></body>"
    out = _with_links(report, [("JSON", "/download?a=1&b=2")])
    assert out.startswith("<body><header><h1>T</h1></header>\n<nav id=\"downloads\"")
    assert '<a href="/download?a=1&amp;b=2" download>JSON</a>' in out


# ---- over HTTP, against a real uvicorn process, and in headless Chromium --------------------------------------

@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The bundled contracts served by a real uvicorn process (tests/service_fixture.py), bodies up to 200 kB."""
    with running_service(tmp_path_factory.mktemp("page"), ROOT / "contracts", {"CLAUSEWISE_MAX_BODY": "200000"}) as s:
        yield s


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = "clausewise-test-boundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts += [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"; filename="{name}"\r\n'
              f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n"
              for k, (name, data) in files.items()]
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _cli_json(*args: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "evaluator", "evaluate", str(KAIXIN), "--format", "json", *args],
                         capture_output=True, text=True, check=True, cwd=str(ROOT), timeout=120)
    return json.loads(out.stdout, parse_float=Decimal)  # type: ignore[no-any-return]


def _links(text: str) -> dict[str, str]:
    return {label: html_unescape(href) for href, label in re.findall(r'<a href="(/download\?[^"]+)" download>(\w+)</a>',
                                                                      text)}


def html_unescape(text: str) -> str:
    import html

    return html.unescape(text)


@pytest.mark.slow
def test_an_upload_and_an_as_of_date_give_the_report_and_its_downloads(server: Service) -> None:
    body, kind = _multipart({"contract": "kaixin-spa", "as_of": "2029-03-01", "reading": "spa"},
                            {"inputs_file": ("kaixin-events.yaml", EVENTS.read_bytes())})
    status, headers, text = server.request("POST", "/", body, {"Content-Type": kind})
    assert status == 200 and headers["content-type"].startswith("text/html")
    links = _links(text.decode())
    assert list(links) == ["JSON", "CSV", "XLSX"]
    status, headers, data = server.request("GET", links["JSON"])
    assert status == 200 and headers["content-disposition"] == 'attachment; filename="kaixin-spa-spa.json"'
    cli = _cli_json("--inputs", str(EVENTS), "--as-of", "2029-03-01", "--interpretation", "spa")
    got = json.loads(data, parse_float=Decimal)
    assert got["outputs"] == cli["outputs"] and got["notes"] == cli["notes"]
    assert got["outputs"]["released_shares"]["Y1"] == 2706766  # floor(3,000,000 x 600/665)
    status, headers, data = server.request("GET", links["CSV"])
    cli_csv = subprocess.run([sys.executable, "-m", "evaluator", "evaluate", str(KAIXIN), "--format", "csv",
                              "--inputs", str(EVENTS), "--as-of", "2029-03-01", "--interpretation", "spa"],
                             capture_output=True, check=True, cwd=str(ROOT), timeout=120).stdout
    rows = [line for line in data.decode().splitlines() if not line.startswith("#")]  # '#': provenance
    assert status == 200 and rows == [line for line in cli_csv.decode().splitlines() if not line.startswith("#")]
    assert "kaixin-spa,spa,released_shares,Y1,2706766," in data.decode()
    status, headers, data = server.request("GET", links["XLSX"])
    assert status == 200 and data[:2] == b"PK"  # a zip: the workbook


@pytest.mark.slow
def test_the_page_never_answers_500_for_bad_requests(server: Service) -> None:
    status, _, text = server.request("GET", "/?contract=../etc/passwd")
    assert status == 404 and "no contract &#x27;../etc/passwd&#x27; is served" in text.decode()
    form = urllib.parse.urlencode({"contract": "kaixin-spa", "v:revenue.Y1": "600000000.5.5"}).encode()
    status, _, text = server.request("POST", "/", form, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 422 and Fields(text.decode()).problems["revenue.Y1"] == \
        "'600000000.5.5' is not an amounthint: write a plain number in RMB, e.g. 1250000"
    status, _, text = server.request("POST", "/", b"x" * 300_000, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 413 and "larger than 200,000 bytes" in text.decode()
    status, _, text = server.request("GET", "/download?contract=kaixin-spa&format=json&inputs=AAAA")
    assert status == 400 and "the link&#x27;s inputs are damaged" in text.decode()
    status, _, text = server.request("GET", "/download?contract=kaixin-spa&format=pdf")
    assert status == 400 and "no download as &#x27;pdf&#x27;: one of json, csv, xlsx" in text.decode()


@pytest.mark.slow
def test_with_a_token_the_page_is_off(tmp_path: Path) -> None:
    with running_service(tmp_path, ROOT / "contracts", {"CLAUSEWISE_TOKEN": "a-token-of-at-least-16"}) as served:
        status, _, text = served.request("GET", "/")
        assert status == 403 and "This service needs a bearer token" in text.decode()
        status, _, _ = served.request("POST", "/", b"contract=kaixin-spa",
                                      {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 403


def _chromium() -> Any:
    playwright = pytest.importorskip("playwright.sync_api")
    if not os.access("/usr/bin/chromium", os.X_OK):
        pytest.skip("no /usr/bin/chromium (Debian's chromium; .ci/run installs it)")
    return playwright


@pytest.mark.slow
def test_in_chromium_typed_figures_give_the_clis_figures(server: Service, tmp_path: Path) -> None:
    sync = _chromium()
    cli = _cli_json("--inputs", str(ROOT / "contracts" / "examples" / "kaixin-inputs.yaml"),
                    "--interpretation", "press-release")
    with sync.sync_playwright() as p:
        # headless (playwright's default), a fresh profile, Debian's chromium: no browser is downloaded
        browser = p.chromium.launch_persistent_context(str(tmp_path / "profile"), executable_path="/usr/bin/chromium",
                                                       args=["--no-sandbox", "--disable-gpu", "--no-first-run",
                                                             "--disable-background-networking",
                                                             "--disable-component-update", "--disable-sync"])
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(server.url + "/")
            page.select_option("#pick", "kaixin-spa")  # the page's one script opens the contract's form
            page.wait_for_selector('input[name="v:revenue.Y1"]')
            page.fill('input[name="v:revenue.Y1"]', "abc")
            page.fill('input[name="v:revenue.Y2"]', "800,000,000")
            page.click("#submit")
            page.wait_for_selector('span[data-field="revenue.Y1"]')
            assert page.inner_text('span[data-field="revenue.Y1"]').splitlines() == [
                "'abc' is not an amount", "hint: write a plain number in RMB, e.g. 1250000"]
            assert page.input_value('input[name="v:revenue.Y2"]') == "800,000,000"
            assert errors == ["Failed to load resource: the server responded with a status of 422 "
                              "(Unprocessable Entity)"], errors  # the form again, with its problems: 422
            errors.clear()
            page.fill('input[name="v:revenue.Y1"]', "600000000")
            page.select_option('select[name="reading"]', "press-release")
            page.click("#submit")
            page.wait_for_selector("#downloads")
            # each figure of the report links to its step: #step-NAME-PERIOD, or #step-NAME for a total
            figures = page.eval_on_selector_all("table.figures a.fig", "els => els.map(e => [e.getAttribute('href'), "
                                                         "e.textContent.trim()])")
            assert errors == [], errors  # no script error, nothing the report's policy refused
        finally:
            browser.close()
    shown: dict[str, set[str]] = {}
    for href, text in figures:
        shown.setdefault(href.removeprefix("#step-"), set()).add(text)
    # press-release, by hand: no offset (68M is not more than 50% of 732M)
    assert shown["released_shares-Y1"] == {"2,706,766"}  # floor(3,000,000 x 600/665)
    assert shown["released_shares-Y2"] == {"3,000,000"}
    assert shown["released_shares-Y3"] == {"pending"}
    assert shown["deducted_shares-Y1"] == {"293,234"}  # 3,000,000 - 2,706,766
    assert shown["escrow_shares"] == {"9,293,234"}  # 15,000,000 - 2,706,766 - 3,000,000
    expected = {f"{name}-{p}" if p else name: _figure(v) for name, values in cli["outputs"].items()
                for p, v in (values.items() if isinstance(values, dict) else [("", values)])}
    read = {key: {_read(text) for text in shown.get(key, {"(not shown)"})} for key in expected}
    assert read == {key: {figure} for key, figure in expected.items()}


def _figure(value: Any) -> str | Decimal:
    """A JSON figure as compared with the page: a number exactly, else the words the report uses."""
    if value is None:
        return "pending"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return Decimal(value) if isinstance(value, int | Decimal) else str(value)


def _read(text: str) -> str | Decimal:
    """A figure read off the page: grouped digits (money with its cents) as an exact number."""
    plain = text.replace(",", "")
    return Decimal(plain) if re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", plain) else text
