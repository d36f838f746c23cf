"""The canonical layout of a rule file (`clausewise fmt`).

The formatter changes only what lies between tokens: every token is kept, in
order, as written, so the file means what it meant (a test compares the
syntax trees). Where the author broke lines is the author's choice and is kept
(a declaration that starts on the line where another ends is moved to a line
of its own); what is made canonical is

- indentation: a declaration starts in column 1; a line that starts a part of
  a declaration (`cites`, `means`, `= ...`, a table entry, a period, `under`,
  `pool`, ...) is indented by two spaces; a line that continues a formula keeps
  its own indentation, but never less than four spaces (so that formulas may be
  aligned); a line that continues a list of names (`outputs a,` / `b`) keeps
  its own, but never less than two;
- spacing within a line: one space between words, none inside brackets, before
  `,` `:` `%` `)` `]`, around `.`, after a leading minus or between a name
  and the `(` or `[` that follows it; one before the colon of a type note
  (`rule x : date`, as against `input x: date` and `Y1: 5`); the spaces before
  a comment after code are kept (comments may be aligned), at least one;
- blank lines: kept as groups (several blank lines become one), none at the
  start or end of the file; no trailing spaces; one line break at the end;
- comments: kept word for word; a comment on a line of its own is indented as
  the line that follows it.

The layout follows the grammar, not a list of constructs: a token starts a
declaration if it begins a child of the file's tree, and continues a formula if
it lies inside (not at the start of) a tree of a grammar rule reachable from
`expr`. Constructs added to the grammar later are laid out by the same rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from lark import Token, Tree
from lark.grammar import NonTerminal

from .parser import lark_parser, parse

BODY = 2  # the indentation of a declaration's parts
CONTINUATION = 4  # the least indentation of a line that continues a formula
_NO_SPACE_AFTER = {"LPAR", "LSQB", "MINUS", "DOT"}
_NO_SPACE_BEFORE = {"RPAR", "RSQB", "COMMA", "COLON", "PERCENT", "DOT"}
_GAP = re.compile(r"#[^\n]*|\n")


@lru_cache(maxsize=1)
def _expression_trees() -> frozenset[str]:
    """The names a parse tree can carry for the grammar rules reachable from `expr` (aliases included)."""
    rules = lark_parser().rules
    reaches: dict[str, set[str]] = {}
    for rule in rules:
        reaches.setdefault(rule.origin.name, set()).update(
            str(s.name) for s in rule.expansion if isinstance(s, NonTerminal))
    seen, todo = set(), ["expr"]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(reaches.get(name, ()))
    return frozenset(str(r.alias or r.origin.name) for r in rules if r.origin.name in seen)


@dataclass(frozen=True)
class _Layout:
    starts: frozenset[int]  # where declarations start (offsets in the text)
    formulas: tuple[tuple[int, int], ...]  # (start, end) of each outermost formula, in order
    firsts: frozenset[int]  # where a tree of the grammar starts
    listed: frozenset[int]  # where a name or value sits among a declaration's own words (`outputs a, b`)


def _layout(tree: Tree[Token]) -> _Layout:
    starts = {c.meta.start_pos for c in tree.children if isinstance(c, Tree) and not c.meta.empty}
    starts |= {c.start_pos for c in tree.children if isinstance(c, Token) and c.start_pos is not None}
    kinds = _expression_trees()
    formulas: list[tuple[int, int]] = []
    firsts: set[int] = set()
    listed: set[int] = set()
    stack: list[tuple[Tree[Token], bool]] = [(tree, False)]
    while stack:
        node, in_formula = stack.pop()
        for child in node.children:
            if isinstance(child, Token):
                if not in_formula and child.start_pos is not None:
                    listed.add(child.start_pos)
                continue
            if child.meta.empty:
                continue
            firsts.add(child.meta.start_pos)
            inner = in_formula or str(child.data) in kinds
            if inner and not in_formula:
                formulas.append((child.meta.start_pos, child.meta.end_pos))
            stack.append((child, inner))
    return _Layout(frozenset(starts), tuple(sorted(formulas)), frozenset(firsts), frozenset(listed - firsts))


def _tokens(text: str) -> tuple[list[Token], Tree[Token]]:
    interactive = lark_parser().parse_interactive(text)
    tokens = list(interactive.iter_parse())
    tree: Tree[Token] = interactive.feed_eof(tokens[-1] if tokens else None)  # type: ignore[no-untyped-call]
    return tokens, tree


def _space(before: Token, after: Token, layout: _Layout) -> str:
    if after.type == "COLON" and after.start_pos in layout.firsts:  # `rule x : date`, not `Y1: 5`
        return " "
    if before.type in _NO_SPACE_AFTER or after.type in _NO_SPACE_BEFORE:
        return ""
    if after.type in ("LPAR", "LSQB") and before.type == "NAME":
        return ""
    return " "


def _gap(text: str) -> list[str]:
    """The comments and line breaks ("\\n") of the text between two tokens, in order."""
    return [m.group() if m.group() == "\n" else m.group().rstrip() for m in _GAP.finditer(text)]


def _column(text: str, offset: int) -> int:
    line_start = text.rfind("\n", 0, offset) + 1
    return len(text[line_start:offset].expandtabs(8))


def format_text(text: str, file: str = "<rules>") -> str:
    """The canonical layout of rule text; raise RuleSyntaxError (as `parse` does) if it does not parse."""
    parse(text, file)  # the errors, reported as everywhere else
    tokens, tree = _tokens(text)
    layout = _layout(tree)
    formulas = iter(layout.formulas)
    formula = next(formulas, None)

    def indent(token: Token) -> int:
        nonlocal formula
        at = int(token.start_pos or 0)
        while formula is not None and formula[1] <= at:
            formula = next(formulas, None)
        if at in layout.starts:
            return 0
        if formula is not None and formula[0] < at < formula[1]:
            return max(CONTINUATION, _column(text, at))
        if at in layout.listed:
            return max(BODY, _column(text, at))
        return BODY

    lines: list[str] = []
    current = ""
    previous: Token | None = None
    at = 0
    for token in tokens + [None]:
        start = len(text) if token is None else int(token.start_pos or 0)
        items = _gap(text[at:start])
        if previous is not None and items and items[0] != "\n":  # a comment after code, on its line
            comment = text.index("#", at)
            current += " " * max(1, _column(text, comment) - _column(text, at)) + items.pop(0)
        if token is not None and previous is not None and not items and start not in layout.starts:
            current += _space(previous, token, layout) + str(token)
        else:
            if previous is not None:
                lines.append(current)
                if items and items[0] == "\n":
                    items.pop(0)  # the line break that ends it
            width = 0 if token is None else indent(token)
            breaks = 0
            for item in items:
                if item == "\n":
                    breaks += 1
                    continue
                _blank(lines, breaks)
                lines.append(" " * width + item)
                breaks = -1  # the next line break ends the comment's line
            if token is not None:
                _blank(lines, breaks)
                current = " " * width + str(token)
        previous = token
        at = start if token is None else int(token.end_pos or 0)
    return "".join(line.rstrip() + "\n" for line in lines)


def _blank(lines: list[str], breaks: int) -> None:
    """After `breaks` line breaks with nothing on them: one blank line (never at the start, never two)."""
    if breaks >= 1 and lines and lines[-1] != "":
        lines.append("")
