"""`clausewise evaluate --format pdf`: the HTML report printed by WeasyPrint, read back with pdftotext.

Figures are those of the hand-computed example (tests/test_kaixin_scenarios.py: Y1 RMB 600M, Y2 RMB 800M)
and of the events file (contracts/examples/kaixin-events.yaml), worked out in the comments.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from evaluator.cli import main
from tests.helpers import KAIXIN, ROOT

INPUTS = ROOT / "contracts" / "examples" / "kaixin-inputs.yaml"
EVENTS = ROOT / "contracts" / "examples" / "kaixin-events.yaml"
TITLE = "Kaixin Holdings — Securities Purchase Agreement and Escrow Agreement · reading spa"

pytestmark = pytest.mark.slow  # WeasyPrint takes seconds per report


def _poppler(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        pytest.skip(f"no {tool} (Debian's poppler-utils, as .ci/run installs)")
    return found


def _pdf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[Path, list[str]]:
    """Make the PDF through the CLI; its pages as text."""
    pytest.importorskip("weasyprint")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    out = tmp_path / "report.pdf"
    assert main(["evaluate", str(KAIXIN), *args, "--format", "pdf", "--output", str(out)]) == 0
    assert out.read_bytes()[:5] == b"%PDF-"
    text = subprocess.run([_poppler("pdftotext"), "-layout", str(out), "-"], capture_output=True, text=True,
                          check=True, timeout=60).stdout
    return out, text.split("\f")[:-1]  # a form feed ends each page


def _count(path: Path) -> int:
    info = subprocess.run([_poppler("pdfinfo"), str(path)], capture_output=True, text=True, check=True,
                          timeout=60).stdout
    return int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))


def test_the_default_report_prints_in_about_five_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, pages = _pdf(tmp_path, monkeypatch, "--inputs", str(INPUTS))
    # "about 5 printed pages" (issue 14): summary, reconciliation, obligations, the figures by period, the
    # charts, then provenance; with the explanations (--appendix explanations) it is over 50
    assert _count(path) == len(pages) and 5 <= len(pages) <= 6
    for number, page in enumerate(pages, start=1):  # every page: the contract, the as-of date, its number
        assert TITLE in page and "no as-of date" in page.split("\n")[0]
        assert f"Page {number} of {len(pages)}" in page
    first = pages[0]
    assert "Summary" in first and "HYPOTHETICAL FIGURES, for illustration only" in first
    assert "Generated      2026-01-01T00:00:00Z by clausewise" in first or "2026-01-01T00:00:00Z" in first
    # 2,706,766 + 3,153,384 = 5,860,150 released; 15,000,000 - 5,860,150 = 9,139,850 stay in escrow
    assert "5,860,150" in first and "9,139,850" in first
    everything = "\n".join(pages)
    for figure in ("2,706,766", "3,153,384", "153,384", "139,850", "665,000,000", "600,000,000"):
        assert figure in everything, figure
    assert "Provenance" in pages[-1]


def test_schedule_and_readings_in_the_pdf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, pages = _pdf(tmp_path, monkeypatch, "--inputs", str(EVENTS), "--as-of", "2029-03-01",
                       "--all-interpretations", "--appendix", "none")
    everything = "\n".join(pages)
    assert all("as of 2029-03-01" in page.split("\n")[0] for page in pages)
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1] and _count(path) == len(pages)
    # release of Y2 done 40 days late: 315.3384 x (16 x 2.50 + 24 x 3.00) = 35,317.9008 -> USD 35,317.90
    assert "Obligations" in everything and "USD 35,317.90" in everything and "done late" in everything
    assert "Readings side by side" in everything
    assert "3,153,384" in everything and "3,139,345" in everything  # released Y2: spa and excess-year
