"""The rule language's parser, shipped built: its LALR tables as plain JSON beside the grammar.

Nothing is unpickled and nothing is read from a shared folder: the tables are
package data (evaluator/grammar/clausewise.tables.json), generated from
grammar/clausewise.lark by

    python -m evaluator.build_parser          # rewrite the tables
    python -m evaluator.build_parser --check  # exit 1 if they were built from another grammar

and loaded with lark's own deserializer (`Lark._load_from_dict`), which builds
only the grammar's terminals and rules from the data. The file records the
SHA-256 of the grammar it was built from: when the grammar has changed since
(an edit not followed by a rebuild), or the tables cannot be loaded by the
installed lark, the parser is built from the grammar in memory instead (slower
to start, never wrong) and a test fails until the tables are rebuilt.

Lark numbers the LALR states in the order of its sets, so two builds of the
same grammar may differ byte for byte while parsing alike: whether the tables
are current is judged by the grammar's digest, not by comparing the files.
"""

from __future__ import annotations

import importlib
import json
import os

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:  # Lark is imported when a parser is loaded or built, not to read the grammar (parse_cache)
    from typing import Any

    from lark import Lark

GRAMMAR = "clausewise.lark"
TABLES = "clausewise.tables.json"
GRAMMAR_PACKAGE = __name__.rpartition(".")[0] + ".grammar"  # clausewise.grammar: the grammar/ folder, mapped
OPTIONS: dict[str, Any] = {"parser": "lalr", "propagate_positions": True, "maybe_placeholders": False}


def _package_file(name: str) -> bytes:
    """A file of the package clausewise.grammar: read from its folder (by importlib.resources, which is
    slower to start, only when the package is not in a folder, e.g. in a zip file)."""
    init = importlib.import_module(GRAMMAR_PACKAGE).__file__
    if init and os.path.isabs(init):
        try:
            with open(os.path.join(os.path.dirname(init), name), "rb") as f:
                return f.read()
        except OSError:
            pass
    from importlib import resources

    return resources.files(GRAMMAR_PACKAGE).joinpath(name).read_bytes()


def grammar_text() -> str:
    return _package_file(GRAMMAR).decode("utf-8")


def digest(grammar: str) -> str:
    import hashlib  # when tables are loaded or built, not to read the grammar (parse_cache)

    return hashlib.sha256(grammar.encode("utf-8")).hexdigest()


def build(grammar: str) -> Lark:
    """The parser built from the grammar text (never cached on disk)."""
    from lark import Lark

    return Lark(grammar, cache=False, **OPTIONS)


def shipped() -> dict[str, Any] | None:
    """The shipped tables as data, or None if there are none that can be read."""
    try:
        document = json.loads(_package_file(TABLES))
        table = document["data"]["parser"]["parser"]
        table["states"] = dict(table["states"])  # [[state, actions], ...] -> {state: actions}
        document["memo"] = dict(enumerate(document["memo"]))  # [item, ...] -> {number: item}
    except (OSError, ValueError, LookupError, TypeError):
        return None
    return document if isinstance(document, dict) else None


def fits(document: dict[str, Any] | None, grammar: str) -> bool:
    """Whether the tables were built from this grammar with these options."""
    return document is not None and document.get("grammar_sha256") == digest(grammar) \
        and document.get("options") == OPTIONS


def load() -> Lark:
    """The shipped parser; built from the grammar if the shipped tables do not fit it."""
    from lark import Lark

    grammar = grammar_text()
    document = shipped()
    if document is not None and fits(document, grammar):
        try:
            return Lark._load_from_dict(document["data"], document["memo"])  # type: ignore[no-untyped-call,no-any-return]
        except Exception:  # tables an incompatible lark cannot read: build from the grammar instead
            pass
    return build(grammar)


def tables(grammar: str) -> str:
    """The JSON text of the tables of `grammar`.

    Lark's own serialization (`Lark.memo_serialize`, what its cache pickles), with its three
    mappings keyed by numbers made JSON's way: the memo as a list, the states as a list of
    [state, actions] pairs, and each state's actions keyed by token name rather than by a
    token number (the token table then maps each name to itself). Loading undoes the first
    two with two `dict` calls: no code per value, so loading is about as fast as unpickling.
    """
    import lark
    from lark.grammar import Rule
    from lark.lexer import TerminalDef

    data, memo = build(grammar).memo_serialize([TerminalDef, Rule])
    table = data["parser"]["parser"]
    names = table["tokens"]  # {number: token name}
    table["tokens"] = {name: name for name in names.values()}
    table["states"] = [[state, {names[token]: list(action) for token, action in actions.items()}]
                       for state, actions in table["states"].items()]
    if sorted(memo) != list(range(len(memo))):
        raise ValueError("lark's memo is not numbered 0, 1, 2...: the tables cannot be written as a list")
    document = {"grammar_sha256": digest(grammar), "lark_version": lark.__version__, "options": OPTIONS,
                "data": data, "memo": [memo[i] for i in range(len(memo))]}
    _plain(document)
    return json.dumps(document, separators=(",", ":"), ensure_ascii=True) + "\n"


def _plain(x: Any, where: str = "") -> None:
    """Refuse anything JSON would not give back as it was (json.dumps turns a key 1 into "1")."""
    if isinstance(x, dict):
        for k, v in x.items():
            if not isinstance(k, str):
                raise TypeError(f"{where}: a key {k!r} that is not text")
            _plain(v, f"{where}/{k}")
    elif isinstance(x, list | tuple):
        for i, v in enumerate(x):
            _plain(v, f"{where}[{i}]")
    elif not (x is None or isinstance(x, str | int | float | bool)):
        raise TypeError(f"{where}: a {type(x).__name__}")
