"""Errors as RFC 9457 problem details (application/problem+json).

A problem has `type` (a URI naming its kind), `title` (the kind in words), `status`, `detail` (this case, in
words: the CLI's rendering, with the line quoted and a caret where there is a place) and `errors`: the CLI's
diagnostics one by one (message, file, line, column, path of the value, hint). Files are named relative to the
contracts folder, never by an absolute path of the server's.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import ContractError, Diagnostic, InputError, SourceLines, render

MEDIA_TYPE = "application/problem+json"
TYPES = "https://clausewise.dev/problems/"

TITLES = {
    "malformed-body": "The request body is not valid JSON or CSV",
    "invalid-request": "The request does not fit what the endpoint takes",
    "invalid-inputs": "The inputs do not fit the contract",
    "unsupported-media-type": "The request body has a content type this endpoint does not take",
    "body-too-large": "The request body is larger than the service accepts",
    "too-many-rows": "The batch has more rows than the service accepts",
    "unknown-contract": "No contract is served under this id",
    "not-found": "Nothing is served at this address",
    "method-not-allowed": "This address does not take this method",
    "unauthorized": "A valid bearer token is needed",
    "time-limit": "The evaluation took longer than the service allows",
    "busy": "Every evaluation thread is busy",
    "internal": "Internal error",
}


class Problem(Exception):
    """A response of an error, raised anywhere in a request and answered as problem+json."""

    def __init__(self, status: int, kind: str, detail: str, errors: Sequence[Mapping[str, Any]] = (),
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.kind, self.detail = status, kind, detail
        self.errors = [dict(e) for e in errors]
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": TYPES + self.kind, "title": TITLES[self.kind], "status": self.status,
                               "detail": self.detail}
        if self.errors:
            out["errors"] = self.errors
        return out

    def text(self) -> bytes:
        return (json.dumps(self.body(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def shown(file: str, base: Path | None) -> str:
    """A file as a problem names it: relative to `base` (the contracts folder); names like <request> as they are."""
    if not file or base is None or not os.path.isabs(file):
        return file
    return Path(os.path.relpath(file, base)).as_posix()


def diagnostic(d: Diagnostic, base: Path | None, lines: SourceLines) -> dict[str, Any]:
    where = shown(d.file, base)
    text = render(d, lines)
    if d.file and where != d.file:
        text = text.replace(d.location(), Diagnostic(d.message, where, d.line, d.column).location(), 1)
    return {"message": d.message, "file": where or None, "line": d.line or None, "column": d.column or None,
            "end_line": d.end_line or None, "end_column": d.end_column or None, "path": d.path, "hint": d.hint,
            "text": text}


def from_error(exc: ContractError, base: Path | None, status: int = 422, kind: str | None = None) -> Problem:
    """A ContractError as a problem: every diagnostic, each rendered as the CLI renders it."""
    lines = SourceLines(exc.sources)
    errors = [diagnostic(d, base, lines) for d in exc.diagnostics[:50]]
    detail = "\n".join(e["text"] for e in errors)
    more = len(exc.diagnostics) - len(errors)
    if more > 0:
        detail += f"\n... and {more} more problem{'s' if more > 1 else ''}"
    return Problem(status, kind or ("invalid-inputs" if isinstance(exc, InputError) else "invalid-request"),
                   detail, errors)


def invalid(message: str, path: str | None = None, hint: str | None = None, status: int = 422,
            kind: str = "invalid-request", line: int = 0, column: int = 0) -> Problem:
    """A problem of one diagnostic in the request itself (its body is called <request>)."""
    d = Diagnostic(message, "<request>", line, column, line, column + 1 if line else 0, hint, path)
    return from_error(ContractError(d), None, status, kind)
