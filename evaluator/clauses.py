"""The agreement's own words, by clause: the anchored text kept beside a contract.

The text is a copy of the signed agreement with anchor lines added before each
clause, `[§ SPA 5.2(1)]`; a clause runs to the next anchor, and the anchor
`[§ -]` ends a clause without starting another. Lines starting with `#` are
notes about the copy, not agreement text.
"""

from __future__ import annotations

import re
from pathlib import Path

from .datafile import read_text
from .errors import ContractFileError, Diagnostic
from .records import record

_ANCHOR = re.compile(r"^\[§ (.+)\]\s*$")


@record
class Clause:
    name: str
    text: str
    line: int  # of the anchor, in the agreement text file


@record
class AgreementText:
    path: str
    clauses: dict[str, Clause]

    def words(self, citation: str | None) -> str | None:
        clause = self.clauses.get(citation or "")
        return clause.text if clause else None


def load_text(path: Path) -> AgreementText:
    text = read_text(path, ContractFileError)
    clauses: dict[str, Clause] = {}
    current: tuple[str, int] | None = None
    body: list[str] = []

    def close() -> None:
        if current is not None:
            clauses[current[0]] = Clause(current[0], " ".join(" ".join(body).split()), current[1])

    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("#"):
            continue
        anchor = _ANCHOR.match(line)
        if anchor is None:
            body.append(line)
            continue
        close()
        name = anchor.group(1).strip()
        if name in clauses:
            raise ContractFileError(Diagnostic(f"clause '{name}' is anchored twice", str(path), number, 1,
                                               number, len(line) + 1))
        current, body = ((name, number) if name != "-" else None), []
    close()
    return AgreementText(str(path), clauses)
