"""A Pygments lexer for rule files, made from the grammar's token table (token_table.py).

Registered through the `pygments.lexers` entry point (pyproject.toml), so that with Pygments installed
(`pip install 'clausewise[highlight]'`) `pygmentize -l clausewise spa.rules`, Sphinx and MkDocs colour
rule files (aliases `clausewise`, `cw`; file names `*.rules`).
"""

from __future__ import annotations

from typing import Any

from pygments.lexer import RegexLexer, bygroups
from pygments.token import (
    Comment,
    Error,
    Keyword,
    Literal,
    Name,
    Number,
    Operator,
    String,
    Whitespace,
    _TokenType,
)

from . import token_table as tt

TOKEN_TYPES: dict[str, _TokenType] = {
    tt.WHITESPACE: Whitespace,
    tt.COMMENT: Comment.Single,
    tt.STRING: String.Double,
    tt.DATE: Literal.Date,
    tt.NUMBER: Number,
    tt.DECLARATION: Keyword.Declaration,
    tt.KEYWORD: Keyword,
    tt.FUNCTION: Name.Function,
    tt.READING: Name.Label,
    tt.NAME: Name,
    tt.OPERATOR: Operator,
    tt.ERROR: Error,
}


def _root() -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for r in tt.rules():
        action: Any = TOKEN_TYPES[r.category] if not r.groups else \
            bygroups(*(TOKEN_TYPES[g] for g in r.groups))  # type: ignore[no-untyped-call]
        out.append((r.regex, action))
    return out


class ClausewiseLexer(RegexLexer):
    """The clausewise rule language: agreements' numeric terms as rule files."""

    name = "clausewise"
    aliases = ["clausewise", "cw"]
    filenames = ["*.rules"]
    mimetypes = ["text/x-clausewise"]
    tokens = {"root": _root()}
