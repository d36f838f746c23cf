"""Rule-language source -> HTML with its words coloured, by the language's own lexer.

Tokens come from the lark parser of `parser.py` (loaded from the shipped
tables), driven by the parser itself (`parse_interactive().iter_parse()`), so
each word gets the type the parser gave it: `first` in `first(year)` is a
name, in `earliest first` a keyword. Where the text stops being a rule file (a
fragment, or a file with an error) the rest is lexed without the parser
(`Lark.lex`); where even that fails, the rest is shown as plain text. What
lies between tokens (spaces, line breaks and `#` comments, which the grammar
ignores) is kept exactly as written.

Every `<span>` opens and closes on one line (no token or comment spans a line
break), so the result can be split into lines at "\\n".
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from lark.exceptions import LarkError

from .parser import lark_parser

# CSS classes of the token types of the grammar (grammar/clausewise.lark).
KEYWORD = "hl-kw"
NAME = "hl-name"
NUMBER = "hl-num"
DATE = "hl-date"
STRING = "hl-str"
OPERATOR = "hl-op"
COMMENT = "hl-comment"

_NAMED = {
    "NAME": NAME,
    "HYPHENATED": NAME,  # a reading's name, e.g. press-release
    "NUMBER": NUMBER,
    "DATE": DATE,
    "STRING": STRING,
    "CMP_OP": OPERATOR,
    "ADD_OP": OPERATOR,
    "MUL_OP": OPERATOR,
}
_WORD = re.compile(r"[A-Za-z][A-Za-z_]*")
_COMMENT = re.compile(r"#[^\n]*")
# Put before an expression so that the parser lexes it in the place of a rule's formula.
_EXPRESSION_PREFIX = "rule _ = "


def _css_class(token_type: str) -> str:
    """The class of a token type: named terminals by name; the grammar's quoted strings by their text."""
    if token_type in _NAMED:
        return _NAMED[token_type]
    try:
        pattern = lark_parser().get_terminal(token_type).pattern
    except KeyError:
        return OPERATOR
    if type(pattern).__name__ == "PatternStr" and _WORD.fullmatch(pattern.value):
        return KEYWORD  # an anonymous terminal written as a word in the grammar: "rule", "cites", "for"...
    return OPERATOR


def _parsed_tokens(text: str) -> tuple[list[Any], int | None]:
    """Tokens as the parser lexes them, and where it stopped (None: at the end)."""
    tokens: list[Any] = []
    try:
        for token in lark_parser().parse_interactive(text).iter_parse():
            tokens.append(token)
    except LarkError as exc:  # where the text stops being a rule file
        where: int | None = getattr(exc, "pos_in_stream", None)
        bad = getattr(exc, "token", None)
        if bad is not None and getattr(bad, "start_pos", None) is not None:
            where = bad.start_pos
        kept = [t for t in tokens if where is None or where < 0 or t.end_pos <= where]
        return kept, kept[-1].end_pos if kept else 0
    return tokens, None


def _tokens(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, class) of each token in order; after the last one, the text is plain."""
    tokens, stop = _parsed_tokens(text)
    for t in tokens:
        yield int(t.start_pos), int(t.end_pos), _css_class(t.type)
    if stop is None:
        return
    try:
        for t in lark_parser().lex(text[stop:]):
            yield stop + int(t.start_pos or 0), stop + int(t.end_pos or 0), _css_class(t.type)
    except LarkError:  # a character no token starts with: the rest stays plain
        return


def _between(text: str) -> str:
    """Text the lexer skips: whitespace as is, comments in their class."""
    out, at = [], 0
    for m in _COMMENT.finditer(text):
        out.append(html.escape(text[at:m.start()], quote=False))
        out.append(f'<span class="{COMMENT}">{html.escape(m.group(), quote=False)}</span>')
        at = m.end()
    out.append(html.escape(text[at:], quote=False))
    return "".join(out)


def _render(text: str, skip: int = 0) -> str:
    out: list[str] = []
    at = 0
    for start, end, css in _tokens(text):
        if end <= skip:
            at = end
            continue
        if start < at:  # cannot happen with a sane lexer; never repeat text
            continue
        out.append(_between(text[max(at, skip):start]))
        out.append(f'<span class="{css}">{html.escape(text[start:end], quote=False)}</span>')
        at = end
    rest = text[max(at, skip):]
    # Whatever follows the last token is plain: trailing space and comments, or text that would not lex.
    out.append(_between(rest) if _only_skipped(rest) else html.escape(rest, quote=False))
    return "".join(out)


def _only_skipped(text: str) -> bool:
    return not _COMMENT.sub("", text).strip()


def highlight(text: str) -> str:
    """Rule-file source as the inner HTML of a <pre>: tokens in <span class="hl-...">, all text escaped."""
    return _render(text)


@lru_cache(maxsize=4096)
def highlight_expression(text: str) -> str:
    """A formula (an expression, as written after '=') coloured as it would be inside a rule."""
    return _render(_EXPRESSION_PREFIX + text, skip=len(_EXPRESSION_PREFIX))
