"""Parsed rule files kept on disk between runs of the command line: as data (JSON), never code or a pickle.

A command starts anew at every run, and parsing a contract's rules costs it more than everything else
(Lark's import, its tables and the parse: ~100 ms for three rule files of 23,000 characters). So the
command keeps each tree it parses, and reads it back the next time it meets the same text:

- Where: the folder the environment variable CLAUSEWISE_CACHE names (`off` keeps nothing); else
  $XDG_CACHE_HOME/clausewise; else ~/.cache/clausewise.
- Who: only the command line turns it on, for its own run (`using`); the library keeps trees in memory
  only (parser.py), and writes nothing unless its caller asks.
- Only a folder that is the user's own is used: a real folder (not a link), owned by the user, that no
  one else may write to (it is made so: mode 0700). Otherwise nothing is read or written there.
- Each entry is a file named by the SHA-256 of this format's number, the parser's fingerprint (the
  grammar, the source of every module that builds the tree, lark's version file), the rule file's name
  and its text: a changed rule file, grammar or parser is a new name, never a stale tree. Beyond MOST
  entries the oldest go.
- Reading makes only nodes: each list names a class of nodes.py, with one value per field; numbers,
  dates, tuples and spans are spelled out. Anything else, or any error, is a miss: the text is parsed.
- Writing goes to a temporary file in the folder, renamed into place (two runs at once are safe); a
  folder that cannot be written is only slower.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

from . import nodes as n

FORMAT = 1
MOST = 512  # entries kept; the oldest beyond go
ENVIRONMENT = "CLAUSEWISE_CACHE"
# The modules whose code decides the tree a text parses to (tests/test_parse_cache.py checks that these are
# all the package's modules parse_tree imports), and the grammar.
PARSING = ("parse_tree.py", "nodes.py", "parser_tables.py", "syntax_hints.py", "calendar_math.py",
           "units.py", "rounding.py", "datafile.py", "errors.py", "limits.py")

_folder: ContextVar[Path | None] = ContextVar("clausewise_parse_cache", default=None)


def default_folder() -> Path | None:
    """The folder the command keeps trees in (see above), or None for none."""
    named = os.environ.get(ENVIRONMENT)
    if named is not None:
        return None if named.strip().lower() in ("", "off", "0", "no", "false") else Path(named)
    base = os.environ.get("XDG_CACHE_HOME")
    if not base or not os.path.isabs(base):
        try:
            base = str(Path.home() / ".cache")
        except (RuntimeError, KeyError):
            return None
    return Path(base) / "clausewise"


@contextlib.contextmanager
def using(folder: Path | None) -> Iterator[None]:
    """Keep trees in `folder` (if it is usable) for what runs inside, in this thread or task."""
    token = _folder.set(folder if folder is not None and _usable(folder) else None)
    try:
        yield
    finally:
        _folder.reset(token)


def folder() -> Path | None:
    """The folder trees are kept in now, or None."""
    return _folder.get()


def _usable(folder: Path) -> bool:
    """Whether `folder` is the user's own folder (made so if missing)."""
    try:
        try:
            found = os.lstat(folder)
        except FileNotFoundError:
            os.makedirs(folder, mode=0o700, exist_ok=True)
            found = os.lstat(folder)
    except OSError:
        return False
    mine = not hasattr(os, "getuid") or found.st_uid == os.getuid()
    return stat.S_ISDIR(found.st_mode) and mine and not found.st_mode & 0o022


@functools.cache
def fingerprint() -> str | None:
    """The SHA-256 of what decides a text's tree: the grammar, the parsing modules, lark's version file."""
    from importlib.util import find_spec

    from .parser_tables import GRAMMAR, _package_file

    digest = hashlib.sha256(f"clausewise parse cache {FORMAT}\0".encode())
    try:
        digest.update(_package_file(GRAMMAR))
        here = Path(__file__).parent
        for name in PARSING:
            digest.update(name.encode() + b"\0" + (here / name).read_bytes())
        lark = find_spec("lark")
        if lark is None or lark.origin is None:
            return None
        digest.update(Path(lark.origin).read_bytes())  # lark/__init__.py: its __version__
    except (OSError, ImportError, ValueError):
        return None
    return digest.hexdigest()


def _key(text: str, file: str) -> str | None:
    print_ = fingerprint()
    if print_ is None:
        return None
    digest = hashlib.sha256(f"{print_}\0{file}\0".encode("utf-8", "surrogatepass"))
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def get(folder: Path, text: str, file: str) -> n.RuleFile | None:
    """The tree kept for this text of this file, or None."""
    key = _key(text, file)
    if key is None:
        return None
    try:
        with open(folder / f"{key}.json", "rb") as f:
            document = json.loads(f.read())
        if document["format"] != FORMAT or document["key"] != key:
            return None
        tree = _Decoder(file, text).value(document["tree"])
    except Exception:  # missing, unreadable, damaged or not made here: parse the text instead
        return None
    return tree if isinstance(tree, n.RuleFile) else None


def put(folder: Path, text: str, file: str, tree: n.RuleFile) -> None:
    """Keep the tree of this text of this file (nothing if it cannot be written)."""
    key = _key(text, file)
    if key is None:
        return
    try:
        body = json.dumps({"format": FORMAT, "key": key, "tree": _encode(tree, file)}, separators=(",", ":"))
    except (TypeError, ValueError):  # a value not spelled out here (or an integer too long for text)
        return
    try:
        handle, temporary = tempfile.mkstemp(prefix=".", suffix=".part", dir=folder)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as f:
                f.write(body)
            os.replace(temporary, folder / f"{key}.json")
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        _prune(folder)
    except OSError:
        pass


def _prune(folder: Path) -> None:
    with os.scandir(folder) as found:
        entries = [e for e in found if e.name.endswith(".json") and e.is_file(follow_symlinks=False)]
    if len(entries) > MOST:
        entries.sort(key=lambda e: e.stat(follow_symlinks=False).st_mtime_ns)
        for entry in entries[:len(entries) - MOST]:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


# ---- the tree as JSON: a node is [class name, value of each field...]; other values are tagged lists
_SPAN, _SPAN_ELSEWHERE, _TUPLE, _FRACTION, _DATE = "@", "@@", "(", "/", "d"


@functools.cache
def _classes() -> dict[str, type]:
    """The node classes that may be made: those of nodes.py, each with every field set by its __init__."""
    found = {}
    for name, value in vars(n).items():
        if isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == n.__name__:
            if all(f.init for f in dataclasses.fields(value)):
                found[name] = value
    return found


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def _encode(value: Any, file: str) -> Any:
    if value is None or type(value) in (str, bool, int):
        return value
    if type(value) is n.Span:
        where = [value.line, value.column, value.end_line, value.end_column, value.start, value.end]
        return [_SPAN, *where] if value.file == file else [_SPAN_ELSEWHERE, value.file, *where]
    if type(value) is tuple:
        return [_TUPLE, *(_encode(v, file) for v in value)]
    if type(value) is Fraction:
        return [_FRACTION, str(value.numerator), str(value.denominator)]
    if type(value) is date:
        return [_DATE, value.isoformat()]
    cls = type(value)
    if _classes().get(cls.__name__) is not cls:
        raise TypeError(f"{cls.__name__} is not kept")
    if cls is n.RuleFile:  # its text is the text asked for: not kept twice
        value = dataclasses.replace(value, text="")
    return [cls.__name__, *(_encode(getattr(value, name), file) for name in _field_names(cls))]


class _Decoder:
    def __init__(self, file: str, text: str) -> None:
        self.file, self.text = file, text
        self.classes = _classes()

    def value(self, data: Any) -> Any:
        if not isinstance(data, list):
            if data is None or type(data) in (str, bool, int):
                return data
            raise ValueError("not a value of a tree")
        tag = data[0]
        if tag == _SPAN:
            return n.Span(self.file, *(self._int(x) for x in data[1:7]))
        if tag == _SPAN_ELSEWHERE:
            if not isinstance(data[1], str):
                raise ValueError("a span's file is text")
            return n.Span(data[1], *(self._int(x) for x in data[2:8]))
        if tag == _TUPLE:
            return tuple(self.value(x) for x in data[1:])
        if tag == _FRACTION:
            return Fraction(int(data[1]), int(data[2]))
        if tag == _DATE:
            return date.fromisoformat(data[1])
        cls = self.classes[tag]
        names = _field_names(cls)
        if len(data) != len(names) + 1:
            raise ValueError(f"{tag} has {len(names)} fields")
        values = [self.value(x) for x in data[1:]]
        if cls is n.RuleFile:
            values[names.index("text")] = self.text
        return cls(*values)

    @staticmethod
    def _int(x: Any) -> int:
        if type(x) is not int:
            raise ValueError("a span's place is a whole number")
        return x
