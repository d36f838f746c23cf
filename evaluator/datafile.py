"""Safe loading of YAML and JSON data files (contracts and inputs).

YAML is composed into nodes and converted here, so that nothing is ever
constructed from a tag, duplicate keys are refused, aliases cannot blow up,
floats stay exact (`Decimal`), and every value keeps its line and column for
error messages. JSON goes through the json module with the same guarantees
(without positions).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .errors import ContractError, ContractFileError, Diagnostic

MAX_BYTES = 5_000_000
MAX_NODES = 100_000
MAX_DEPTH = 64

_SCALARS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp",
}


@dataclass
class Data:
    """A loaded file: its value and, for YAML, where each path starts."""

    file: str
    value: Any
    text: str
    places: dict[tuple[Any, ...], tuple[int, int]] = field(default_factory=dict)
    keys: dict[tuple[Any, ...], tuple[int, int]] = field(default_factory=dict)

    def file_at(self, key: tuple[Any, ...], what: str) -> Path:
        """The file named at `key`, relative to this one; ContractFileError if there is none."""
        rel: Any = self.value
        for k in key:
            rel = rel[k]
        here = Path(self.file).parent
        full = Path(os.path.normpath(here / rel))
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


def _fail(error: type[ContractError], file: str, message: str, mark: Any = None, hint: str | None = None) -> None:
    line = mark.line + 1 if mark is not None else 0
    col = mark.column + 1 if mark is not None else 0
    raise error(Diagnostic(message, file, line, col, line, col + 1, hint))


class _Converter:
    def __init__(self, file: str, error: type[ContractError]) -> None:
        self.file, self.error = file, error
        self.places: dict[tuple[Any, ...], tuple[int, int]] = {}
        self.keys: dict[tuple[Any, ...], tuple[int, int]] = {}
        self.count = 0
        self.scalar = yaml.constructor.SafeConstructor()

    def convert(self, node: yaml.Node, path: tuple[Any, ...]) -> Any:
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
        if node.tag not in _SCALARS:
            _fail(self.error, self.file, f"tag {node.tag} is not allowed", node.start_mark,
                  "write plain values; no YAML tags")
        if node.tag == "tag:yaml.org,2002:float":
            return self.number(node)
        if node.tag == "tag:yaml.org,2002:timestamp":
            return node.value  # dates stay text; the schema checks their form
        return self.scalar.construct_object(node)

    def number(self, node: yaml.ScalarNode) -> Decimal:
        text = node.value.replace("_", "")
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            _fail(self.error, self.file, f"{node.value} is not a number that can be used", node.start_mark,
                  "write a finite number such as 1234.56")
        return value


def _json_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number that can be used")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"key '{key}' appears twice")
        out[key] = value
    return out


def read_text(path: Path, error: type[ContractError]) -> str:
    file = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise error(Diagnostic(f"the file is {size} bytes; at most {MAX_BYTES} are read", file))
        raw = path.read_bytes()
    except FileNotFoundError:
        raise error(Diagnostic("no such file", file)) from None
    except IsADirectoryError:
        raise error(Diagnostic("this is a folder, not a file", file)) from None
    except OSError as exc:
        raise error(Diagnostic(f"cannot read the file: {exc.strerror}", file)) from None
    if b"\0" in raw:
        raise error(Diagnostic("this is a binary file, not text", file))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(Diagnostic(f"the file is not UTF-8 text (byte {exc.start})", file)) from None


def load(path: Path, error: type[ContractError]) -> Data:
    """Load a .yaml/.yml/.json file safely; raise `error` with a position."""
    file = str(path)
    text = read_text(path, error)
    if not text.strip():
        raise error(Diagnostic("the file is empty", file))
    if path.suffix.lower() == ".json":
        try:
            value = json.loads(text, parse_float=Decimal, parse_constant=_json_constant,
                               object_pairs_hook=_no_duplicates)
        except json.JSONDecodeError as exc:
            raise error(Diagnostic(f"not valid JSON: {exc.msg}", file, exc.lineno, exc.colno,
                                   exc.lineno, exc.colno + 1)) from None
        except (ValueError, RecursionError) as exc:
            raise error(Diagnostic(f"not valid JSON: {exc}", file)) from None
        return Data(file, value, text)
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
    """A JSON Schema shipped in evaluator/schemas."""
    text = resources.files("evaluator").joinpath(f"schemas/{name}").read_text(encoding="utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def validate_schema(data: Data, name: str, error: type[ContractError]) -> None:
    """Check loaded data against a shipped schema; raise `error` listing every problem at its place."""
    import jsonschema  # only when a data file is validated: the slowest import of the package

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
