"""Safe loading of YAML and JSON data files (contracts and inputs).

YAML is composed into nodes and converted here, so that nothing is ever
constructed from a tag, duplicate keys are refused, aliases cannot blow up,
floats stay exact (`Decimal`), and every value keeps its line and column for
error messages. JSON goes through the json module with the same guarantees
(without positions). YAML is read by libyaml where it is certain to give what the
pure-Python reader gives (`_fast_node`); anything else, and every error, is read
by the pure reader, whose messages and places are the ones reported.
"""

from __future__ import annotations

import json
import os
import re
import stat
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from . import parse_cache, schema_check
from .errors import ContractError, ContractFileError, Diagnostic
from .records import field, mutable_record, replace

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:  # PyYAML is imported to read a text, not for one the command kept read (parse_cache.py)
    from typing import Any

    import yaml

MAX_BYTES = 5_000_000
# What each kind of file a contract names is called: any other name is refused before it is read.
DATA_SUFFIXES = (".yaml", ".yml", ".json")  # contracts, amendments, narratives, inputs
RULE_SUFFIXES = (".rules",)
TEXT_SUFFIXES = (".txt", ".md")  # agreement texts, amendments' texts
MAX_NODES = 100_000
MAX_DEPTH = 64

_SCALARS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp",
}


@mutable_record
class Data:
    """A loaded file: its value and, for YAML, where each path starts."""

    file: str
    value: Any
    text: str
    places: dict[tuple[Any, ...], tuple[int, int]] = field(default_factory=dict)
    keys: dict[tuple[Any, ...], tuple[int, int]] = field(default_factory=dict)
    root: Path | None = None  # when set, every file this one names must lie inside this folder

    def file_at(self, key: tuple[Any, ...], what: str, suffixes: tuple[str, ...] = ()) -> Path:
        """The file named at `key`, relative to this one; ContractFileError if there is none.

        A name not ending in one of `suffixes` is refused before anything is read, so that no
        other kind of file is ever read (and quoted in a message) as this one. With a `root`,
        absolute names and names that lead outside the root (by '..' or through a link) are
        refused too.
        """
        rel: Any = self.value
        for k in key:
            rel = rel[k]
        here = Path(self.file).parent
        if suffixes and not str(rel).lower().endswith(suffixes):
            a = "an" if what[0] in "aeiou" else "a"
            raise ContractFileError(self.where(key, f"{rel} is not named as {a} {what}",
                                               f"{a} {what}'s name ends in {' or '.join(suffixes)}"))
        full = Path(os.path.normpath(here / rel))
        if self.root is not None:
            outside = confinement_problem(self.root, rel, full)
            if outside:
                raise ContractFileError(self.where(key, outside, "with a root folder, a contract names only files "
                                                                 "inside it, relative to the file naming them"))
        if not full.is_file():
            raise ContractFileError(self.where(key, f"no {what} at {rel}", f"files are named relative to {here}"))
        return full

    def where(self, path: tuple[Any, ...], message: str, hint: str | None = None, key: bool = False) -> Diagnostic:
        """A diagnostic at the value of `path` (at its key if `key`), or the nearest enclosing one known."""
        dotted = ".".join(str(p) for p in path) or None
        if key and path in self.keys:
            line, col = self.keys[path]
            return Diagnostic(message, self.file, line, col, line, col + len(str(path[-1])), hint, dotted)
        probe = path
        while probe and probe not in self.places:
            probe = probe[:-1]
        line, col = self.places.get(probe, (0, 0))
        return Diagnostic(message, self.file, line, col, line, col + 1, hint, dotted)


def inside(root: Path, path: Path) -> bool:
    """Whether `path`, with every link followed, lies inside the folder `root`."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    return os.path.commonpath([real_root, real]) == real_root


def confinement_problem(root: Path, rel: Any, full: Path) -> str | None:
    """Why the file named `rel` (found at `full`) may not be read with this root folder, or None."""
    if os.path.isabs(str(rel)):
        return f"{rel} is an absolute path"
    if os.path.commonpath([os.path.abspath(root), os.path.abspath(full)]) != os.path.abspath(root):
        return f"{rel} leads outside the root folder"
    if not inside(root, full):
        return f"{rel} is a link to a file outside the root folder"
    return None


def _fail(error: type[ContractError], file: str, message: str, mark: Any = None, hint: str | None = None) -> None:
    line = mark.line + 1 if mark is not None else 0
    col = mark.column + 1 if mark is not None else 0
    raise error(Diagnostic(message, file, line, col, line, col + 1, hint))


class _Converter:
    def __init__(self, file: str, error: type[ContractError], json: bool = False) -> None:
        self.file, self.error = file, error
        self.json = json  # reading JSON for places only: check what JSON would refuse, at its place
        self.places: dict[tuple[Any, ...], tuple[int, int]] = {}
        self.keys: dict[tuple[Any, ...], tuple[int, int]] = {}
        self.count = 0
        import yaml

        self.scalar = yaml.constructor.SafeConstructor()

    def convert(self, node: yaml.Node, path: tuple[Any, ...]) -> Any:
        import yaml

        self.count += 1
        if self.count > MAX_NODES:
            _fail(self.error, self.file, f"the file has more than {MAX_NODES} values", node.start_mark,
                  "aliases (*name) that repeat large parts are refused")
        if len(path) > MAX_DEPTH:
            _fail(self.error, self.file, f"the file nests deeper than {MAX_DEPTH} levels", node.start_mark)
        self.places.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            if node.tag != "tag:yaml.org,2002:map":
                _fail(self.error, self.file, f"tag {node.tag} is not allowed", node.start_mark)
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    _fail(self.error, self.file, "a key must be a plain name", key_node.start_mark)
                key = str(key_node.value)  # keys are names: 2025 or true stay as written
                self.keys[(*path, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                if key in out:
                    _fail(self.error, self.file, f"key '{key}' appears twice", key_node.start_mark,
                          "each key may appear once in a mapping")
                out[key] = self.convert(value_node, (*path, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                _fail(self.error, self.file, f"tag {node.tag} is not allowed", node.start_mark)
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        if self.json:
            if not node.style and node.value in ("NaN", "Infinity", "-Infinity"):  # plain: None, or '' (libyaml)
                _fail(self.error, self.file, f"{node.value} is not a number that can be used", node.start_mark,
                      "write a finite number such as 1234.56")
            if not node.style and (problem := number_problem(node.value)):
                _fail(self.error, self.file, problem, node.start_mark, "write a plain decimal number of sensible size")
            return None
        if node.tag not in _SCALARS:
            _fail(self.error, self.file, f"tag {node.tag} is not allowed", node.start_mark,
                  "write plain values; no YAML tags")
        if node.tag in ("tag:yaml.org,2002:float", "tag:yaml.org,2002:int"):
            return self.number(node)
        if node.tag == "tag:yaml.org,2002:timestamp":
            return node.value  # dates stay text; the schema checks their form
        return self.scalar.construct_object(node)

    def number(self, node: yaml.ScalarNode) -> int | Decimal:
        """A plain decimal number, exactly. YAML 1.1's other forms are refused, not misread:
        0600 would be octal, 1:30 base 60, 0x1F hexadecimal."""
        text = node.value.replace("_", "")
        if not _PLAIN_NUMBER.match(text):
            what = "a number YAML would not read as written (octal, base 60, hexadecimal…)"
            if text.lower().lstrip("+-") in (".nan", ".inf"):
                what = "not a number that can be used"
            _fail(self.error, self.file, f"{node.value} is {what}", node.start_mark,
                  "write a plain decimal number such as 1250000 or 1234.56")
        problem = number_problem(text)
        if problem:
            _fail(self.error, self.file, problem, node.start_mark, "write a plain decimal number of sensible size")
        value = Decimal(text)
        return int(value) if node.tag == "tag:yaml.org,2002:int" else value


_PLAIN_NUMBER = re.compile(r"^[-+]?(0|[1-9][0-9]*)(\.[0-9]*)?([eE][-+]?[0-9]+)?$|^[-+]?\.[0-9]+([eE][-+]?[0-9]+)?$")
MAX_DIGITS = 60  # more digits than any amount in an agreement: beyond, a number is refused
MAX_EXPONENT = 60


def number_problem(text: str) -> str | None:
    """Why a decimal text cannot be used as an amount (too many digits, too far from 1), or None."""
    try:
        d = Decimal(text)
    except InvalidOperation:
        return None
    if not d.is_finite():
        return f"{_short(text)} is not a number that can be used"
    sign, digits, exponent = d.as_tuple()
    assert isinstance(exponent, int)
    if len(digits) > MAX_DIGITS or abs(exponent) > MAX_EXPONENT or len(digits) + exponent > MAX_DIGITS:
        return f"{_short(text)} has more digits than an amount can have (at most {MAX_DIGITS})"
    return None


def _short(text: str) -> str:
    return text if len(text) <= 24 else text[:10] + "…" + text[-10:]


def _json_number(text: str) -> int | Decimal:
    problem = number_problem(text)
    if problem:
        raise ValueError(problem)
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() and "." not in text and "e" not in text.lower() else value


def _json_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number that can be used")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"key '{key}' appears twice")
        out[key] = value
    return out


_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a device"),
          (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


def _not_regular(mode: int) -> str | None:
    """What a file that is not a regular file is ('a folder', 'a device'...), or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((what for test, what in _KINDS if test(mode)), "not a regular file")


def _read_at_most(path: Path, limit: int) -> bytes:
    """At most `limit` bytes of a regular file; OSError if it cannot be read or is not a regular file.

    The file is opened without blocking (a named pipe put in its place after the check cannot
    make this wait) and checked again once open.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(0, "it is not a regular file")
        chunks, left = [], limit
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text(path: Path, error: type[ContractError], limit: int | None = None) -> str:
    """The text of a file, which must be a regular file of at most `limit` bytes (default MAX_BYTES) in UTF-8.

    Folders, devices, named pipes and sockets are refused before anything is read (reading
    /dev/zero would never end, a pipe could wait forever), and no more than limit + 1 bytes
    are ever read, even from a file that grows meanwhile.
    """
    file = str(path)
    if limit is None:
        limit = MAX_BYTES  # read at call time, so a caller (or a test) may lower it
    try:
        info = os.stat(path)
        kind = _not_regular(info.st_mode)
        if kind == "a folder":
            raise error(Diagnostic("this is a folder, not a file", file))
        if kind:
            raise error(Diagnostic(f"this is {kind}, not a regular file", file,
                                   hint="only regular files are read: save the data to a file first"))
        if info.st_size > limit:
            raise error(Diagnostic(f"the file is {info.st_size} bytes; at most {limit} are read", file))
        raw = _read_at_most(path, limit + 1)
    except (FileNotFoundError, NotADirectoryError):
        raise error(Diagnostic("no such file", file)) from None
    except OSError as exc:
        raise error(Diagnostic(f"cannot read the file: {exc.strerror}", file)) from None
    if len(raw) > limit:
        raise error(Diagnostic(f"the file is over {limit} bytes; at most {limit} are read", file))
    if b"\0" in raw:
        raise error(Diagnostic("this is a binary file, not text", file))
    try:
        return raw.decode("utf-8-sig")  # a byte order mark, which some editors write, is not text
    except UnicodeDecodeError as exc:
        raise error(Diagnostic(f"the file is not UTF-8 text (byte {exc.start})", file)) from None


SAFE_DEPTH = 500  # deeper than this, the YAML and JSON readers themselves would recurse too far


def _too_deep(text: str, file: str, error: type[ContractError]) -> None:
    """Refuse brackets nested past SAFE_DEPTH before any reader recurses into them; the error is placed
    where the nesting first went past MAX_DEPTH. (Shallower excess is placed by the converter.)"""
    depth, quote, line, col = 0, "", 1, 0
    first: tuple[int, int] | None = None
    escaped = False
    for ch in text:
        col += 1
        if ch == "\n":
            line, col = line + 1, 0
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\" and quote == '"':
                escaped = True
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH and first is None:
                first = (line, col)
            if depth > SAFE_DEPTH and first is not None:
                raise error(Diagnostic(f"the file nests deeper than {MAX_DEPTH} levels", file, *first,
                                       first[0], first[1] + 1))
        elif ch in "]}":
            depth -= 1


# Characters after which libyaml and the pure-Python reader may disagree (what they accept, or where a
# value starts): tabs, a byte order mark inside the text, YAML 1.1's other line breaks, tags (a lone "!"
# reads as text in one, null in the other), and "?" (complex keys; libyaml takes "1?" in a flow mapping).
_PURE_ONLY = ("\t", "\ufeff", "\x85", "\u2028", "\u2029", "!", "?")


def _fast_node(text: str) -> yaml.Node | None:
    """The node tree of a YAML text read by libyaml (ten times faster than the pure-Python reader) when it is
    certain to be the tree the pure-Python reader gives, with the same marks; None otherwise, and on any
    complaint from libyaml: the pure reader then reads the text, and its messages and places are the ones
    reported. (tests/test_schema_check.py compares the two readers on every data file and on mutations.)"""
    import yaml

    if not getattr(yaml, "__with_libyaml__", False) or any(c in text for c in _PURE_ONLY):
        return None
    try:
        node: yaml.Node | None = yaml.compose(text, Loader=yaml.CSafeLoader)
    except Exception:  # noqa: BLE001 - whatever libyaml refuses, the pure reader refuses in its own words
        return None
    return node if node is not None and _marks_agree(node) else None


def _marks_agree(root: yaml.Node) -> bool:
    """Whether no empty value sits where the two readers place it differently: in a flow collection
    ({a: , b: 1}) or as the whole document. (Aliases share nodes: each is looked at once.)"""
    import yaml

    stack: list[tuple[yaml.Node, bool]] = [(root, True)]
    seen: set[tuple[int, bool]] = set()
    while stack:
        node, flow = stack.pop()
        if (id(node), flow) in seen:
            continue
        seen.add((id(node), flow))
        if isinstance(node, yaml.ScalarNode):
            if flow and not node.style and node.value == "":
                return False
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, bool(node.flow_style)) for item in node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend((item, bool(node.flow_style)) for pair in node.value for item in pair)
    return True


def _json(text: str, file: str, error: type[ContractError]) -> Data:
    """JSON values exactly as json reads them; their places from a YAML reading of the same text."""
    import yaml

    places: dict[tuple[Any, ...], tuple[int, int]] = {}
    keys: dict[tuple[Any, ...], tuple[int, int]] = {}
    conv: _Converter | None = None
    fast = _fast_node(text)
    if fast is not None:
        try:
            conv = _Converter(file, error, json=True)
            conv.convert(fast, ())
        except Exception:  # noqa: BLE001 - read again by the pure reader below, which says what is wrong
            conv = None
    if conv is not None:
        places, keys = conv.places, conv.keys
    else:
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except (yaml.YAMLError, RecursionError):
            node = None  # not every JSON text is YAML: then errors go without a line
        if node is not None:
            conv = _Converter(file, error, json=True)
            conv.convert(node, ())
            places, keys = conv.places, conv.keys
    try:
        value = json.loads(text, parse_float=_json_number, parse_int=_json_number,
                           parse_constant=_json_constant, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise error(Diagnostic(f"not valid JSON: {exc.msg}", file, exc.lineno, exc.colno,
                               exc.lineno, exc.colno + 1)) from None
    except (ValueError, RecursionError) as exc:
        raise error(Diagnostic(f"not valid JSON: {exc}", file)) from None
    return Data(file, value, text, places, keys)


def load(path: Path, error: type[ContractError], root: Path | None = None) -> Data:
    """Load a .yaml/.yml/.json file safely; raise `error` with a position.

    A file with another name is refused before it is read: what is not named as a YAML or JSON
    file is never read as one (nor quoted in an error). `root` confines the files this one names
    (see `Data.file_at`).
    """
    file = str(path)
    if not file.lower().endswith(DATA_SUFFIXES):
        raise error(Diagnostic("this is not named as a YAML or JSON file", file,
                               hint=f"contracts, amendments, narratives and inputs are files named "
                                    f"*{', *'.join(DATA_SUFFIXES)}"))
    text = read_text(path, error)
    if not text.strip():
        raise error(Diagnostic("the file is empty", file))
    _too_deep(text, file, error)
    folder = parse_cache.folder()  # the command's: a text read before is not read again
    kept = parse_cache.get_data(folder, text, file) if folder is not None else None
    if kept is not None:
        value, places, keys = kept
        return Data(file, value, text, places, keys, root)
    data = _json(text, file, error) if path.suffix.lower() == ".json" else _yaml(text, file, error)
    if folder is not None:
        parse_cache.put_data(folder, text, file, data.value, data.places, data.keys)
    return replace(data, root=root)


def _yaml(text: str, file: str, error: type[ContractError]) -> Data:
    import yaml

    fast = _fast_node(text)
    if fast is not None:
        try:
            conv = _Converter(file, error)
            value = conv.convert(fast, ())
            return Data(file, value, text, conv.places, conv.keys)
        except Exception:  # noqa: BLE001 - read again by the pure reader below, which says what and where
            pass
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        _fail(error, file, f"not valid YAML: {exc.problem}", mark)
    except yaml.YAMLError as exc:
        raise error(Diagnostic(f"not valid YAML: {exc}", file)) from None
    except RecursionError:
        raise error(Diagnostic(f"the file nests deeper than {MAX_DEPTH} levels", file)) from None
    if node is None:
        raise error(Diagnostic("the file holds no data", file))
    conv = _Converter(file, error)
    value = conv.convert(node, ())
    return Data(file, value, text, conv.places, conv.keys)


@cache
def schema(name: str) -> dict[str, Any]:
    """A JSON Schema shipped in the package's schemas folder (evaluator/schemas in the repository): read from
    the folder (importlib.resources, slower to import, only when the package is not in one, e.g. a zip file)."""
    try:
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemas", name), encoding="utf-8") as f:
            text = f.read()
    except OSError:
        from importlib import resources

        text = resources.files(__name__.rpartition(".")[0]).joinpath(f"schemas/{name}").read_text(encoding="utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def validate_schema(data: Data, name: str, error: type[ContractError]) -> None:
    """Check loaded data against a shipped schema; raise `error` listing every problem at its place."""
    if schema_check.valid(schema(name), data.value):
        return  # certainly valid: jsonschema, the slowest import of the package, only for the messages
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema(name))
    problems = []
    for err in sorted(validator.iter_errors(data.value), key=lambda e: list(map(str, e.absolute_path))):
        path = tuple(err.absolute_path)
        if err.validator == "additionalProperties":
            known = err.schema.get("properties", {}) if isinstance(err.schema, dict) else {}
            for extra in sorted(set(err.instance) - set(known)):
                problems.append(data.where((*path, extra), f"unknown key '{extra}'",
                                           f"known keys: {', '.join(known)}", key=True))
            continue
        message = err.message
        if err.validator == "required":
            message = f"missing key {err.message.split(' is a required')[0]}"
        problems.append(data.where(path, message))
    if problems:
        raise error(problems)
