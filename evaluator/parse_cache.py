"""Parsed files kept on disk between runs of the command line: as data (JSON), never code or a pickle.

A command starts anew at every run, and reading a contract costs it more than evaluating it: Lark's
import, tables and parse for the rule files (~100 ms for three files of 23,000 characters), PyYAML's
import and reading for the data files (~20 ms). So the command keeps the tree of each rule file it parses,
and the value and places of each data file (contract, narrative, amendments, inputs) it reads, and takes
them back the next time it meets the same text:

- Where: the folder the environment variable CLAUSEWISE_CACHE names (`off` keeps nothing); else
  $XDG_CACHE_HOME/clausewise; else ~/.cache/clausewise.
- Who: only the command line turns it on, for its own run (`using`); the library keeps trees in memory
  only (parser.py), and writes nothing unless its caller asks.
- Only a folder that is the user's own is used: a real folder (not a link), owned by the user, that no
  one else may write to (it is made so: mode 0700). Otherwise nothing is read or written there.
- Each entry is a file named by the SHA-256 of this format's number, a fingerprint of the code that reads
  the text (rule files: the grammar, every module that builds the tree, lark's version file; data files:
  datafile.py and PyYAML's version file), the file's name and its text: a changed file, grammar or reader
  is a new name, never a stale entry. Beyond MOST entries the oldest go. Only what was read without error
  is kept; a data file is checked against its schema (and the inputs against the rules) at every run.
- Reading makes only nodes (each list names a class of nodes.py, with one value per field; numbers,
  dates, tuples and spans spelled out) or plain data (mappings, lists, text, whole numbers, Decimals,
  true/false/null, places). Anything else, or any error, is a miss: the text is read again.
- Writing goes to a temporary file in the folder, renamed into place (two runs at once are safe); a
  folder that cannot be written is only slower.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import stat
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from . import nodes as n
from . import records
from .sha256 import sha256

FORMAT = 1
MOST = 512  # entries kept; the oldest beyond go
ENVIRONMENT = "CLAUSEWISE_CACHE"
READING = ("datafile.py",)  # the module whose code decides a data file's value and places (with PyYAML)
# The modules whose code decides the tree a text parses to (with the grammar and Lark; tests/test_parse_cache.py
# checks that these are all the package's modules parse_tree imports).
PARSING = ("parse_tree.py", "nodes.py", "records.py", "parser_tables.py", "syntax_hints.py", "calendar_math.py",
           "units.py", "rounding.py", "datafile.py", "schema_check.py", "errors.py", "limits.py")

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:
    from typing import Any

    Places = dict[tuple[Any, ...], tuple[int, int]]  # datafile.Data's places and keys: path -> line, column
_folder: ContextVar[Path | None] = ContextVar("clausewise_parse_cache", default=None)


def default_folder() -> Path | None:
    """The folder the command keeps parsed files in (see above), or None for none."""
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
    """Keep parsed files in `folder` (if it is usable; None: nowhere) for what runs inside, in this thread or
    task."""
    token = _folder.set(folder if folder is not None and _usable(folder) else None)
    try:
        yield
    finally:
        _folder.reset(token)


def folder() -> Path | None:
    """The folder parsed files are kept in now, or None."""
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
    from .parser_tables import GRAMMAR, _package_file

    try:
        return _fingerprint("rules", PARSING, "lark", _package_file(GRAMMAR))
    except (OSError, ImportError, ValueError):
        return None


@functools.cache
def data_fingerprint() -> str | None:
    """The SHA-256 of what decides a data file's value and places: datafile.py, PyYAML's version file."""
    try:
        return _fingerprint("data", READING, "yaml", b"")
    except (OSError, ImportError, ValueError):
        return None


def _fingerprint(kind: str, modules: tuple[str, ...], library: str, more: bytes) -> str | None:
    from importlib.util import find_spec

    digest = sha256(f"clausewise parse cache {FORMAT} {kind}\0".encode() + more)
    here = Path(__file__).parent
    for name in modules:
        digest.update(name.encode() + b"\0" + (here / name).read_bytes())
    found = find_spec(library)
    if found is None or found.origin is None:
        return None
    digest.update(Path(found.origin).read_bytes())  # the library's __init__.py: its __version__
    return digest.hexdigest()


def _key(print_: str | None, text: str, file: str) -> str | None:
    if print_ is None:
        return None
    digest = sha256(f"{print_}\0{file}\0".encode("utf-8", "surrogatepass"))
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def get(folder: Path, text: str, file: str) -> n.RuleFile | None:
    """The tree kept for this text of this file, or None."""
    key = _key(fingerprint(), text, file)
    try:
        tree = None if key is None else _Decoder(file, text).value(_read(folder, key))
    except Exception:  # missing, unreadable, damaged or not made here: parse the text instead
        return None
    return tree if isinstance(tree, n.RuleFile) else None


def put(folder: Path, text: str, file: str, tree: n.RuleFile) -> None:
    """Keep the tree of this text of this file (nothing if it cannot be written)."""
    key = _key(fingerprint(), text, file)
    if key is not None:
        with contextlib.suppress(TypeError, ValueError):  # a value not spelled out here, an integer too long
            _write(folder, key, _encode(tree, file))


def get_data(folder: Path, text: str, file: str) -> tuple[Any, Places, Places] | None:
    """A data file's value, and the places of its values and keys (datafile.Data), kept for this text, or None."""
    key = _key(data_fingerprint(), text, file)
    try:
        return None if key is None else _data_from(_read(folder, key))
    except Exception:  # missing, unreadable, damaged or not made here: read the text instead
        return None


def put_data(folder: Path, text: str, file: str, value: Any, places: Places, keys: Places) -> None:
    """Keep a data file's value and places."""
    key = _key(data_fingerprint(), text, file)
    if key is not None:
        with contextlib.suppress(TypeError, ValueError):
            _write(folder, key, [_data(value), _places(places), _places(keys)])


def _read(folder: Path, key: str) -> Any:
    with open(folder / f"{key}.json", "rb") as f:
        document = json.loads(f.read())
    if document["format"] != FORMAT or document["key"] != key:
        raise ValueError("another entry")
    return document["kept"]


def _write(folder: Path, key: str, kept: Any) -> None:
    body = json.dumps({"format": FORMAT, "key": key, "kept": kept}, separators=(",", ":"))
    import tempfile  # only to write

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
_PLAIN = frozenset((str, int, bool, type(None)))  # values JSON gives as they are


@functools.cache
def _classes() -> dict[str, type]:
    """The node classes that may be made: those of nodes.py whose __init__ only sets every field."""
    found = {}
    for name, value in vars(n).items():
        if isinstance(value, type) and records.is_record(value) and value.__module__ == n.__name__:
            if all(f.init for f in records.fields(value)) and not hasattr(value, "__post_init__"):
                found[name] = value
    return found


_FIELDS: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    found = _FIELDS.get(cls)
    if found is None:
        found = _FIELDS[cls] = tuple(f.name for f in records.fields(cls))
    return found


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
        value = records.replace(value, text="")
    return [cls.__name__, *(_encode(getattr(value, name), file) for name in _field_names(cls))]


class _Decoder:
    """JSON as `_encode` writes it -> the tree. Nodes are made as their __init__ would make them from every
    field's value (nodes.py's records have no __post_init__: `_classes` keeps only such), without the call."""

    def __init__(self, file: str, text: str) -> None:
        self.file, self.text = file, text
        self.classes = _classes()
        self.spans = _field_names(n.Span)

    def value(self, data: Any) -> Any:
        if type(data) is not list:
            if type(data) in _PLAIN:
                return data
            raise ValueError("not a value of a tree")
        tag = data[0]
        if tag == _SPAN:
            if len(data) != 7 or not all(type(x) is int for x in data[1:]):
                raise ValueError("a span is six whole numbers")
            return _made(n.Span, self.spans, (self.file, *data[1:]))
        if tag == _TUPLE:
            return tuple([x if type(x) in _PLAIN else self.value(x) for x in data[1:]])
        if tag == _SPAN_ELSEWHERE:
            if len(data) != 8 or type(data[1]) is not str or not all(type(x) is int for x in data[2:]):
                raise ValueError("a span is a file and six whole numbers")
            return _made(n.Span, self.spans, data[1:])
        if tag == _FRACTION:
            return Fraction(int(data[1]), int(data[2]))
        if tag == _DATE:
            return date.fromisoformat(data[1])
        cls = self.classes[tag]
        names = _field_names(cls)
        if len(data) != len(names) + 1:
            raise ValueError(f"{tag} has {len(names)} fields")
        values = [x if type(x) in _PLAIN else self.value(x) for x in data[1:]]
        if cls is n.RuleFile:
            values[names.index("text")] = self.text
        return _made(cls, names, values)


def _made(cls: type, names: tuple[str, ...], values: Sequence[Any]) -> Any:
    made: Any = object.__new__(cls)
    made.__dict__.update(zip(names, values, strict=True))
    return made


# ---- a data file as JSON: a mapping is ["{", key, value, ...], a list ["[", ...], a Decimal ["$", text]
_MAPPING, _LIST, _DECIMAL = "{", "[", "$"


def _data(value: Any) -> Any:
    if type(value) in _PLAIN:
        return value
    if type(value) is dict:
        return [_MAPPING, *(x for k, v in value.items() for x in (_text(k), _data(v)))]
    if type(value) is list:
        return [_LIST, *(_data(v) for v in value)]
    if type(value) is Decimal:
        return [_DECIMAL, str(value)]
    raise TypeError(f"{type(value).__name__} is not kept")


def _text(key: Any) -> str:
    if type(key) is not str:
        raise TypeError("a key is text")
    return key


def _data_from(kept: Any) -> tuple[Any, Places, Places]:
    value, places, keys = kept
    return _value(value), _places_from(places), _places_from(keys)


def _value(data: Any) -> Any:
    if type(data) in _PLAIN:
        return data
    tag = data[0]
    if tag == _MAPPING:
        if len(data) % 2 != 1 or not all(type(k) is str for k in data[1::2]):
            raise ValueError("a mapping is keys and values")
        return {k: _value(v) for k, v in zip(data[1::2], data[2::2], strict=True)}
    if tag == _LIST:
        return [_value(v) for v in data[1:]]
    if tag == _DECIMAL and len(data) == 2 and type(data[1]) is str:
        return Decimal(data[1])
    raise ValueError("not a value of a data file")


def _places(places: Places) -> list[Any]:
    out = []
    for path, (line, column) in places.items():
        if not all(type(p) in (str, int) for p in path):
            raise TypeError("a path is names and positions")
        out.append([list(path), line, column])
    return out


def _places_from(data: Any) -> Places:
    places: Places = {}
    for path, line, column in data:
        if not all(type(p) in (str, int) for p in path) or type(line) is not int or type(column) is not int:
            raise ValueError("a place is a path, a line and a column")
        places[tuple(path)] = (line, column)
    return places
