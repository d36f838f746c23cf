"""Rule text -> typed syntax tree (`nodes.RuleFile`): the way in to parsing.

`parse` gives the tree of a text; Lark (parse_tree.py) is imported and run only for a text not seen
before. The same text of the same file parses to the same immutable tree (frozen nodes, tuples), so:

- the last 64 trees of texts up to CACHED_TEXT characters are kept in memory and given again (a service,
  an editor or a test suite loading a contract again does not parse it again);
- when the command line asks for it (parse_cache.py: `clausewise` does, the library does not), trees are
  also kept on disk between runs, as data, in the user's own cache folder.

A text that does not parse is kept nowhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from . import nodes as n
from . import parse_cache
from .datafile import read_text
from .errors import Diagnostic, RuleSyntaxError

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:
    from lark import Lark

CACHED_TEXT = 256 * 1024  # rule texts up to this many characters are parsed once per process (below)


def lark_parser() -> Lark:
    """The rule language's LALR parser (parse_tree.py), for the tools that read tokens: fmt, highlighting."""
    from .parse_tree import lark_parser as loaded

    return loaded()


def parse(text: str, file: str = "<rules>", currencies: Sequence[str] = ()) -> n.RuleFile:
    """Parse rule text; raise RuleSyntaxError listing the syntax errors found.

    After an error, parsing starts again at the next declaration (a line that
    begins with a declaration keyword), so one run reports the errors of many
    declarations, each at its own place. `currencies`: those other files declare (for hints).
    """
    if len(text) <= CACHED_TEXT:
        return _parsed(text, file, tuple(currencies))
    return _parse(text, file, currencies)


@lru_cache(maxsize=64)
def _parsed(text: str, file: str, currencies: tuple[str, ...]) -> n.RuleFile:
    return _parse(text, file, currencies)


def _parse(text: str, file: str, currencies: Sequence[str]) -> n.RuleFile:
    folder = parse_cache.folder()
    if folder is not None:
        kept = parse_cache.get(folder, text, file)
        if kept is not None:
            return kept
    from .parse_tree import parse_text

    tree = parse_text(text, file, currencies)
    if folder is not None:
        parse_cache.put(folder, text, file, tree)
    return tree


def parse_file(path: Path, currencies: Sequence[str] = ()) -> n.RuleFile:
    """Read and parse a rule file; raise RuleSyntaxError if it cannot be read or parsed, or holds nothing."""
    text = read_text(path, RuleSyntaxError)
    if not text.strip():
        raise RuleSyntaxError(Diagnostic("the file is empty", str(path)))
    parsed = parse(text, str(path), currencies)
    if not parsed.declarations and not parsed.outputs and not parsed.amending:
        raise RuleSyntaxError(Diagnostic("the file holds no declarations, only comments", str(path),
                                         hint="a rule file declares currencies, periods, parameters, rules..."))
    return parsed


def parse_files(paths: Sequence[Path]) -> list[n.RuleFile]:
    """Parse several rule files; raise one RuleSyntaxError with the errors of all of them."""
    files: list[n.RuleFile] = []
    problems: list[Diagnostic] = []
    for path in paths:
        currencies = [d.name for f in files for d in f.declarations if isinstance(d, n.CurrencyDecl)]
        try:
            files.append(parse_file(path, currencies))
        except RuleSyntaxError as exc:
            problems.extend(exc.diagnostics)
    if problems:
        raise RuleSyntaxError(problems)
    return files
