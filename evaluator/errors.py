"""The one exception family the library raises for bad input, and its rendering.

Every stage collects `Diagnostic`s and raises one `ContractError` subclass that
carries them all; `render` prints them in the single style of the CLI:

    rules/x.rules:42:17: error: cannot add RMB to shares
       42 |   = credit + tranche
          |     ^^^^^^^^^^^^^^^^
       hint: ...
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from .records import record

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:  # only its attributes are read: the command's start need not load the syntax tree
    from .nodes import Span

MAX_SHOWN = 50  # problems rendered in full; past them, "... and N more problems"
MAX_QUOTED_BYTES = 5_000_000  # a file larger than this (the most any stage reads) is not quoted


@record
class Diagnostic:
    message: str
    file: str
    line: int = 0  # 0: the whole file, or a place that has no line (a JSON path)
    column: int = 0
    end_line: int = 0
    end_column: int = 0
    hint: str | None = None
    path: str | None = None  # for data files: the path of the value, e.g. revenue.Y3

    @classmethod
    def at(cls, span: Span, message: str, hint: str | None = None) -> Diagnostic:
        return cls(message, span.file, span.line, span.column, span.end_line, span.end_column, hint)

    def location(self) -> str:
        where = self.file or "clausewise"
        if self.line:
            where += f":{self.line}:{self.column}"
        return where

    def text(self) -> str:
        """The message, led by the data path where there is one (revenue.Y3: ...)."""
        return f"{self.path}: {self.message}" if self.path else self.message


class ContractError(Exception):
    """Root of every error the library raises for bad rules, contracts or inputs.

    `diagnostics` lists every problem found (at least one); `file`, `line` and
    `column` are those of the first; `str(e)` is the first with its hint:
    "rules/x.rules:11:5: unknown name 'targett'; hint: did you mean 'target'?".
    """

    kind = "error"

    def __init__(self, diagnostics: Iterable[Diagnostic] | Diagnostic | str, file: str = "",
                 sources: Mapping[str, str] | None = None) -> None:
        if isinstance(diagnostics, str):
            diagnostics = [Diagnostic(diagnostics, file)]
        elif isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics: list[Diagnostic] = sorted(
            diagnostics, key=lambda d: (d.file, d.line, d.column, d.message)
        )
        if not self.diagnostics:
            raise ValueError("a ContractError needs at least one diagnostic")
        first = self.diagnostics[0]
        self.file, self.line, self.column = first.file, first.line, first.column
        self.sources = dict(sources or {})  # the text of files a stage had in hand, to quote without reading again
        # str(e) is the first problem and its hint, on one line (`render` shows the hint on a line of its own)
        super().__init__(f"{first.location()}: {first.text()}" + (f"; hint: {first.hint}" if first.hint else ""))

    def render(self, sources: Mapping[str, str] | None = None) -> str:
        """Every problem in the style of the CLI, the first MAX_SHOWN in full, then how many more."""
        lines = SourceLines({**self.sources, **(sources or {})})
        out = [render(d, lines) for d in self.diagnostics[:MAX_SHOWN]]
        more = len(self.diagnostics) - MAX_SHOWN
        if more > 0:
            out.append(f"... and {more} more problem{'s' if more > 1 else ''}")
        return "\n".join(out)


class RuleSyntaxError(ContractError):
    """A rule file that does not parse."""


class CheckError(ContractError):
    """A rule file that parses but is wrong: unknown names, units, cycles..."""


class ContractFileError(ContractError):
    """A contract file that cannot be read or does not follow its schema."""


class InputError(ContractError):
    """An inputs file or mapping that does not fit the contract's inputs."""


class EvaluationError(ContractError):
    """A rule that cannot be evaluated for these inputs (division by zero...)."""


class SourceLines:
    """The lines of the files quoted in one rendering, each file read (or split) once, on first use."""

    def __init__(self, sources: Mapping[str, str] | None = None) -> None:
        self.sources = dict(sources or {})
        self.lines: dict[str, list[str] | None] = {}

    def line(self, file: str, line: int) -> str | None:
        if file not in self.lines:
            text = self.sources.get(file)
            if text is None:
                text = _read(file)
            self.lines[file] = text.split("\n") if text is not None else None
        lines = self.lines[file]
        if lines is None or not 0 < line <= len(lines):  # lines as the parsers count them: at \n only
            return None
        return lines[line - 1].rstrip("\r")


def _read(file: str) -> str | None:
    """A file's text to quote from, if it is a regular file of sensible size (never a pipe or a device)."""
    try:
        path = Path(file)
        if not path.is_file() or path.stat().st_size > MAX_QUOTED_BYTES:
            return None
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def render(d: Diagnostic, sources: Mapping[str, str] | SourceLines | None = None) -> str:
    out = [f"{d.location()}: error: {d.text()}"]
    lines = sources if isinstance(sources, SourceLines) else SourceLines(sources)
    source = lines.line(d.file, d.line) if d.line else None
    if source is not None:
        gutter = f"{d.line:>5} | "
        end = d.end_column if d.end_line == d.line and d.end_column > d.column else d.column + 1
        if d.end_line > d.line:
            end = len(source) + 1
        out.append(gutter + source)
        width = max(1, end - d.column)
        out.append(" " * (len(gutter) - 2) + "| " + " " * (d.column - 1) + "^" * width)
    if d.hint:
        out.append(f"   hint: {d.hint}")
    return "\n".join(out)


def close_matches(word: str, candidates: Iterable[str], n: int = 1, cutoff: float = 0.6) -> list[str]:
    """The candidates most like `word`, for a hint's "did you mean" (difflib, imported only when asked)."""
    import difflib

    return difflib.get_close_matches(word, list(candidates), n=n, cutoff=cutoff)
