"""The one exception family the library raises for bad input, and its rendering.

Every stage collects `Diagnostic`s and raises one `ContractError` subclass that
carries them all; `render` prints them in the single style of the CLI:

    rules/x.rules:42:17: error: cannot add RMB to shares
       42 |   = credit + tranche
          |     ^^^^^^^^^^^^^^^^
       hint: ...
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .nodes import Span


@dataclass(frozen=True)
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
    `column` are those of the first.
    """

    kind = "error"

    def __init__(self, diagnostics: Iterable[Diagnostic] | Diagnostic | str, file: str = "") -> None:
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
        super().__init__(f"{first.location()}: {first.text()}")

    def render(self, sources: dict[str, str] | None = None) -> str:
        return "\n".join(render(d, sources) for d in self.diagnostics)


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


def _source_line(file: str, line: int, sources: dict[str, str] | None) -> str | None:
    text = (sources or {}).get(file)
    if text is None:
        try:
            text = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
    lines = text.split("\n")  # lines as the parsers count them: at \n only
    return lines[line - 1].rstrip("\r") if 0 < line <= len(lines) else None


def render(d: Diagnostic, sources: dict[str, str] | None = None) -> str:
    out = [f"{d.location()}: error: {d.text()}"]
    source = _source_line(d.file, d.line, sources) if d.line else None
    if source is not None:
        gutter = f"{d.line:>5} | "
        out.append(gutter + source)
        end = d.end_column if d.end_line == d.line and d.end_column > d.column else d.column + 1
        if d.end_line > d.line:
            end = len(source) + 1
        width = max(1, end - d.column)
        out.append(" " * (len(gutter) - 2) + "| " + " " * (d.column - 1) + "^" * width)
    if d.hint:
        out.append(f"   hint: {d.hint}")
    return "\n".join(out)
