"""`clausewise fmt`: rule files put in their canonical layout (fmt.py), on disk, without ever losing one.

A file is read once; its new text is written through a temporary file in the
same folder renamed over it (output_file.write: a symbolic link is followed,
the permission bits are kept, a write-protected file is refused). Just before
the write the file is read again: if it changed meanwhile (an editor saved it),
it is left alone and reported. A file that does not parse is reported with the
usual positioned errors and never written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import output_file
from .datafile import RULE_SUFFIXES, read_text
from .errors import ContractError, Diagnostic, RuleSyntaxError
from .fmt import format_text


@dataclass
class Outcome:
    changed: list[str] = field(default_factory=list)  # files reformatted (or, with check, that would be)
    problems: list[Diagnostic] = field(default_factory=list)


def format_files(paths: Sequence[str], check: bool = False) -> Outcome:
    """Format each file in place (with `check`: only find those that would change)."""
    outcome = Outcome()
    for name in paths:
        try:
            if not name.lower().endswith(RULE_SUFFIXES):  # never read (nor rewrite) another kind of file
                raise ContractError(Diagnostic("this is not named as a rule file", name,
                                               hint="a rule file's name ends in .rules"))
            text = read_text(Path(name), RuleSyntaxError)
            new = format_text(text, name)
            if new == text:
                continue
            if not check:
                if read_text(Path(name), RuleSyntaxError) != text:
                    raise ContractError(Diagnostic(
                        "the file changed while it was being formatted; it was not written", name,
                        hint="run clausewise fmt again once it is saved"))
                output_file.write(name, new)
            outcome.changed.append(name)
        except ContractError as exc:
            outcome.problems.extend(exc.diagnostics)
    return outcome


def report(outcome: Outcome, check: bool) -> str:
    verb = "would reformat" if check else "reformatted"
    return "".join(f"{verb} {name}\n" for name in outcome.changed)
