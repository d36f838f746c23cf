"""The HTML report (render_html.py) as a PDF, laid out by WeasyPrint (the `pdf` extra).

The PDF is the same document as the HTML, printed: its print style sheet, A4 pages,
and the `@page` margin boxes of render_html_style.py, which put the contract's
title, the as-of date and "Page N of M" on every page. WeasyPrint fetches nothing:
the report is self-contained, and any URL it would fetch is refused.

WeasyPrint needs Pango (a system library: Debian's libpango-1.0-0 and
libpangoft2-1.0-0). Without the package, or without Pango, `pdf` raises a
ContractError saying what to install; nothing here changes logging or any other
process-wide state.
"""

from __future__ import annotations

from typing import Any

from .errors import ContractError, Diagnostic


def _refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"the report fetches nothing (asked for {url[:80]})")


def pdf(page: str) -> bytes:
    """The HTML document `page` as PDF bytes."""
    try:
        import weasyprint  # only this format needs it (and Pango)
    except ImportError as exc:  # not installed, or Pango missing (WeasyPrint raises OSError as ImportError's
        raise ContractError(Diagnostic(  # cause on some versions)
            f"--format pdf needs WeasyPrint, which could not be loaded ({str(exc)[:160]})", "clausewise",
            hint="pip install 'clausewise[pdf]' (and on Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0)",
        )) from None
    except OSError as exc:  # Pango or its fonts cannot be loaded
        raise ContractError(Diagnostic(
            f"--format pdf needs the Pango library, which could not be loaded ({str(exc)[:160]})", "clausewise",
            hint="on Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0",
        )) from None
    data: bytes = weasyprint.HTML(string=page, url_fetcher=_refuse).write_pdf()
    return data
