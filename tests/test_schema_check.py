"""The quick schema check (evaluator/schema_check.py) and the libyaml reading of data files (datafile.py).

Both make evaluation start faster without changing a single message: the quick check answers only "valid"
or "not sure" (jsonschema then runs as before), and a text libyaml reads is read again by the pure-Python
reader whenever libyaml complains or could place a value elsewhere. Compared here with jsonschema and with
the pure reader on every data file in the repository, on documents and texts mutated from them (Hypothesis),
and on hand-made cases.
"""

from __future__ import annotations

import copy
import subprocess
import sys
import tempfile
from decimal import Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import evaluator
from evaluator import datafile, inputs, schema_check
from evaluator.errors import ContractError

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ("contract", "amendment", "example", "model", "result")
CONTRACTS = ("contracts/kaixin-spa.yaml", "contracts/examples/bion-convertible-note.yaml",
             "contracts/examples/celularity-sponsor-vesting.yaml", "contracts/examples/orchestra-biomed-earnout.yaml")


@cache
def data_files() -> tuple[Path, ...]:
    """Every YAML and JSON file of the repository's contracts, rules, schemas and tests (valid or not)."""
    found = []
    for folder in ("contracts", "rules", "evaluator/schemas", "tests/data", "tests/corpus"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix.lower() in datafile.DATA_SUFFIXES and path.is_file():
                found.append(path)
    return tuple(found)


@cache
def documents() -> tuple[tuple[str, Any], ...]:
    """The value of every data file that loads, by its path relative to the repository."""
    out = []
    for path in data_files():
        try:
            out.append((path.relative_to(ROOT).as_posix(), datafile.load(path, ContractError).value))
        except ContractError:
            continue
    return tuple(out)


@cache
def schemas() -> tuple[tuple[str, dict[str, Any]], ...]:
    """The shipped schemas, and the inputs schemas of the bundled contracts (made from their rules)."""
    out = [(name, datafile.schema(f"{name}.schema.json")) for name in SHIPPED]
    for contract in CONTRACTS:
        out.append((f"inputs of {contract}", evaluator.load(ROOT / contract).inputs_schema()))
    return tuple(out)


@cache
def validator(index: int) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schemas()[index][1])


def test_every_data_file_against_every_schema() -> None:
    # (file, schema) pairs where the two disagree: none. The quick check never says valid where jsonschema finds
    # an error, and it says valid wherever jsonschema does, so that the quick path is taken on every valid file.
    disagree = []
    for index, (name, schema) in enumerate(schemas()):
        for file, value in documents():
            fast, truth = schema_check.valid(schema, value), validator(index).is_valid(value)
            if fast != truth:
                disagree.append((file, name, fast, truth))
    assert disagree == []
    by_file = dict(documents())
    names = dict(schemas())
    # Kaixin's contract and example inputs are valid (the quick path), a corpus case with an unknown key is not
    assert schema_check.valid(names["contract"], by_file["contracts/kaixin-spa.yaml"]) is True
    assert schema_check.valid(names["inputs of contracts/kaixin-spa.yaml"],
                              by_file["contracts/examples/kaixin-inputs.yaml"]) is True
    assert schema_check.valid(names["contract"], by_file["tests/corpus/contract-unknown-key/contract.yaml"]) is False


def test_the_shipped_schemas_use_only_keywords_the_quick_check_knows() -> None:
    # a keyword added to a schema that the quick check does not know would silently send every file to jsonschema
    known = set(schema_check._KEYWORDS) | schema_check._IGNORED | {"$id"}
    seen: set[str] = set()

    def walk(node: Any, container: bool = False) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if not container:
                    seen.add(key)
                walk(value, key in ("properties", "patternProperties", "$defs"))
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for _, schema in schemas():
        walk(schema)
    assert seen - known == set()


def _agree(schema: dict[str, Any], instance: Any) -> bool:
    """The quick check's answer, after asserting it is jsonschema's where it says valid."""
    fast = schema_check.valid(schema, instance)
    if fast:
        assert jsonschema.Draft202012Validator(schema).is_valid(instance), (schema, instance)
    return fast


@pytest.mark.parametrize(("schema", "instance", "expected", "truth"), [
    # a bool is not an integer nor a number in JSON Schema, though Python's bool is an int
    ({"type": "integer"}, True, False, False),
    ({"type": "number"}, False, False, False),
    # an integral float is an integer (draft 6 on); jsonschema's Decimal is a number but never an integer
    ({"type": "integer"}, 1.0, True, True),
    ({"type": "integer"}, Decimal("1"), False, False),
    ({"type": "number"}, Decimal("1.5"), True, True),
    ({"type": "number"}, Fraction(1, 3), True, True),
    # `pattern` is unanchored, as jsonschema's re.search; "\d" is Python's, which takes full-width digits too
    ({"type": "string", "pattern": "b"}, "abc", True, True),
    ({"pattern": "^[0-9]{4}$"}, "２０２６", False, False),
    ({"pattern": "^\\d{4}$"}, "２０２６", True, True),
    ({"pattern": "^[0-9]{4}$"}, "2026\n", True, True),  # Python's $ matches before a final newline
    # format is an annotation: jsonschema is built without a format checker
    ({"type": "string", "format": "date"}, "not a date", True, True),
    # a keyword the quick check does not know: not sure, whatever the document
    ({"maximum": 3}, 2, False, True),
    # oneOf: exactly one; "1" matches both of these
    ({"oneOf": [{"type": "string"}, {"minLength": 1}]}, "1", False, False),
    ({"oneOf": [{"type": "string"}, {"type": "integer"}]}, 1, True, True),
    # anyOf, with an integer that is also a number
    ({"anyOf": [{"type": "number"}, {"type": "integer"}]}, 7, True, True),
    # enum and const compare text, null and booleans exactly; True is not 1; numbers are left to jsonschema
    ({"enum": ["a", None]}, None, True, True),
    ({"enum": [1, "a"]}, True, False, False),
    ({"const": 1}, 1, False, True),
    # local references are followed; a reference to another document is not
    ({"$defs": {"n": {"type": "integer"}}, "items": {"$ref": "#/$defs/n"}}, [1, 2], True, True),
    ({"$defs": {"n": {"type": "integer"}}, "items": {"$ref": "#/$defs/n"}}, [1, "2"], False, False),
    ({"$ref": "https://example.com/other.json"}, 1, False, None),
    # additionalProperties beside properties and patternProperties
    ({"properties": {"a": {}}, "patternProperties": {"^x": {"type": "integer"}}, "additionalProperties": False},
     {"a": 1, "x1": 2}, True, True),
    ({"properties": {"a": {}}, "patternProperties": {"^x": {"type": "integer"}}, "additionalProperties": False},
     {"a": 1, "y": 2}, False, False),
    ({"required": ["a"], "minProperties": 2}, {"a": 1}, False, False),
    ({"minItems": 1, "items": {"minLength": 2}}, ["ab"], True, True),
])
def test_the_quick_check_by_hand(schema: dict[str, Any], instance: Any, expected: bool, truth: bool | None) -> None:
    assert _agree(schema, instance) is expected
    if truth is not None:
        assert jsonschema.Draft202012Validator(schema).is_valid(instance) is truth


def test_a_mapping_that_holds_itself_is_left_to_jsonschema() -> None:
    loop: dict[str, Any] = {}
    loop["a"] = loop
    assert schema_check.valid({"additionalProperties": {"$ref": "#"}}, loop) is False


# Mutations of valid documents, for Hypothesis: values of every type the loaders produce and a few more.
ODD_VALUES = [None, True, False, 0, 1, -1, 1.0, 1.5, Decimal("1.0"), Decimal("2.5"), Fraction(1, 3), "", "x",
              "2026-01-01", "２０２６-01-01", "2026-01-01\n", "1,000.5", "Y1", "deposit", [], {}, [1], {"a": 1},
              {"value": 1, "reported": "2028-01-01"}, [{"value": 1, "reported": "2028-01-01"}]]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            out.extend(_paths(item, (*path, key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out.extend(_paths(item, (*path, i)))
    return out


def _names(schema: Any) -> list[str]:
    """Every property name a schema mentions: keys a mutation may add."""
    out: list[str] = []
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "properties" and isinstance(value, dict):
                out.extend(value)
            out.extend(_names(value))
    elif isinstance(schema, list):
        for item in schema:
            out.extend(_names(item))
    return out


@cache
def valid_pairs() -> tuple[tuple[int, str], ...]:
    return tuple((index, file) for index in range(len(schemas())) for file, value in documents()
                 if validator(index).is_valid(value))


@st.composite
def mutated(draw: st.DrawFn) -> tuple[int, Any]:
    index, file = draw(st.sampled_from(valid_pairs()))
    doc = copy.deepcopy(dict(documents())[file])
    names = sorted(set(_names(schemas()[index][1]))) or ["x"]
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(doc)))
        parent: Any = doc
        for key in path[:-1]:
            parent = parent[key]
        node = parent[path[-1]] if path else doc
        op = draw(st.sampled_from(["replace", "drop", "add", "break-text", "empty"]))
        if op == "drop" and path:
            del parent[path[-1]]
        elif op == "add" and isinstance(node, dict):
            node[draw(st.sampled_from([*names, "zz_unknown"]))] = copy.deepcopy(draw(st.sampled_from(ODD_VALUES)))
        elif op == "add" and isinstance(node, list):
            node.append(copy.deepcopy(draw(st.sampled_from(node or ODD_VALUES))))
        elif op == "break-text" and isinstance(node, str) and path:
            parent[path[-1]] = draw(st.sampled_from(["x" + node, node + "\n", node + "!", node.upper(), ""]))
        elif op == "empty" and isinstance(node, dict | list) and path:
            parent[path[-1]] = type(node)()
        elif path:
            parent[path[-1]] = copy.deepcopy(draw(st.sampled_from(ODD_VALUES)))
        else:
            doc = copy.deepcopy(draw(st.sampled_from(ODD_VALUES)))
    return index, doc


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_documents(case: tuple[int, Any]) -> None:
    # the quick check says valid exactly where jsonschema does (never where jsonschema finds an error)
    index, doc = case
    assert schema_check.valid(schemas()[index][1], doc) == validator(index).is_valid(doc)


def test_evaluating_kaixin_does_not_import_jsonschema() -> None:
    # the whole point: a valid contract and valid inputs are checked without jsonschema's ~100 ms import
    code = ("import sys, evaluator; c = evaluator.load('contracts/kaixin-spa.yaml'); "
            "c.evaluate('contracts/examples/kaixin-inputs.yaml'); print('jsonschema' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout == "False\n"


def test_invalid_inputs_still_get_jsonschemas_messages(tmp_path: Path) -> None:
    # not sure -> jsonschema, whose errors are worded as before: an unknown input, and a text that is no amount
    contract = evaluator.load(ROOT / "contracts/kaixin-spa.yaml")
    with pytest.raises(evaluator.InputError) as raised:
        contract.evaluate({"revenu": {"Y1": 1}})
    assert [(d.message, d.hint) for d in raised.value.diagnostics] == [("unknown input 'revenu'",
                                                                        "did you mean 'revenue'?")]


# ---- YAML through libyaml ------------------------------------------------------------------------------------


def _outcome(path: Path) -> tuple[Any, ...]:
    try:
        data = datafile.load(path, ContractError)
    except ContractError as exc:
        return ("error", [(d.message, d.line, d.column, d.end_line, d.end_column, d.hint) for d in exc.diagnostics])
    return ("ok", repr(data.value), data.places, data.keys)


def _pure_outcome(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, ...]:
    with monkeypatch.context() as patch:
        patch.setattr(datafile, "_fast_node", lambda text: None)
        return _outcome(path)


def test_every_data_file_loads_alike_through_libyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    # values, the places of values and keys, or the error and its place: the same with and without libyaml
    differ = [path for path in data_files() if _outcome(path) != _pure_outcome(path, monkeypatch)]
    assert differ == []
    # and libyaml reads the bundled contract and inputs (they hold no tab, "!" or "?"...)
    for name in ("contracts/kaixin-spa.yaml", "contracts/examples/kaixin-inputs.yaml"):
        assert datafile._fast_node((ROOT / name).read_text(encoding="utf-8")) is not None


def _marks(node: yaml.Node) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    stack = [node]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if id(item) in seen:  # an alias: its node once (a file of aliases repeating aliases stays small)
            out.append(("again", item.start_mark.line, item.start_mark.column))
            continue
        seen.add(id(item))
        out.append((type(item).__name__, item.tag, item.start_mark.line, item.start_mark.column,
                    item.value if isinstance(item, yaml.ScalarNode) else None,
                    (item.style or None) if isinstance(item, yaml.ScalarNode) else None))
        if isinstance(item, yaml.SequenceNode):
            stack.extend(reversed(item.value))
        elif isinstance(item, yaml.MappingNode):
            stack.extend(x for pair in reversed(item.value) for x in reversed(pair))
    return out


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML without libyaml")
def test_libyaml_marks_are_the_pure_readers_on_every_yaml_file() -> None:
    # line and column (0-based) of every node, its tag, text and style: the same from both readers
    compared = 0
    for path in data_files():
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
        fast = datafile._fast_node(text)
        if fast is not None:
            pure = yaml.compose(text, Loader=yaml.SafeLoader)
            assert pure is not None
            assert _marks(fast) == _marks(pure), path
            compared += 1
    assert compared > 0


def _load_text(text: str, suffix: str = ".yaml") -> tuple[Any, ...]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"data{suffix}"
        path.write_text(text, encoding="utf-8")
        fast = _outcome(path)
        saved = datafile._fast_node
        datafile._fast_node = lambda text: None
        try:
            pure = _outcome(path)
        finally:
            datafile._fast_node = saved
    assert fast == pure, text
    return fast


PIECES = ["\t", " ", "\n", "-", ":", "?", "#", "&a ", "*a", "!", "!!str ", "%YAML 1.1\n", "---", "...", '"', "'",
          "|", ">", "[", "]", "{", "}", ",", "\r", "\r\n", "\x85", "\u2028", "\ufeff", "x", "0", "@", "`", "\\",
          "%", "\xa0", "- ", ": ", "  ", "\x7f", "\U0001f600", "\n  ", "\n- ", "- - ", "a: b: c", "'\\x41'",
          '"\\/"', '"\\u00e9"', "{a: , b: 1}", "[a, ]", "<<: *a", "~", "null", "1e3", "0o17", "1:30", ".inf"]


@st.composite
def mutated_text(draw: st.DrawFn) -> str:
    yaml_files = [p for p in data_files() if p.stat().st_size < 20_000]
    text = draw(st.sampled_from(yaml_files)).read_bytes().decode("utf-8-sig", errors="replace")
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(st.sampled_from(PIECES))
        if op == "insert":
            text = text[:at] + piece + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 6)):]
        else:
            text = text[:at] + piece + text[at + 1:]
    return text


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_text(), st.sampled_from([".yaml", ".json"]))
def test_mutated_texts_load_alike_through_libyaml(text: str, suffix: str) -> None:
    _load_text(text, suffix)


def test_a_tab_libyaml_takes_is_refused_as_before() -> None:
    # "b:<tab> 2": libyaml reads b = 2; the pure reader refuses the tab, line 2, column 3 (after "b:")
    assert yaml.compose("a: 1\nb:\t 2\n", Loader=yaml.CSafeLoader) is not None
    assert _load_text("a: 1\nb:\t 2\n") == ("error", [(
        "not valid YAML: found character '\\t' that cannot start any token", 2, 3, 2, 4, None)])


def test_an_empty_value_in_a_flow_mapping_keeps_its_place() -> None:
    # "a: {b: , c: 1}": libyaml places the empty b at the comma (column 8), the pure reader just after
    # "b:" (column 7: a=1, :=2, space=3, {=4, b=5, :=6, so 7): that one is kept
    outcome = _load_text("a: {b: , c: 1}\n")
    assert outcome[0] == "ok"
    assert outcome[2][("a", "b")] == (1, 7)
    assert datafile._fast_node("a: {b: , c: 1}\n") is None


def test_an_input_known_when_reported_takes_the_quick_path() -> None:
    # revenue is known when reported, by year: a year's figure with the date it was reported (after Y1 ended on
    # 2026-11-30), or its versions, oldest first, is valid; an entry without its date is not
    schema = inputs.schema(evaluator.load(ROOT / "contracts/kaixin-spa.yaml").program)
    one = {"value": 600000000, "reported": "2027-03-31"}
    assert schema_check.valid(schema, {"revenue": {"Y1": one}}) is True
    assert schema_check.valid(schema, {"revenue": {"Y1": [one, {"value": "600,000,001", "reported": "2027-06-30"}]}})
    assert schema_check.valid(schema, {"revenue": {"Y1": {"value": 600000000}}}) is False
    assert schema_check.valid(schema, {"revenue": {"Y1": []}}) is False  # minItems 1
    assert schema_check.valid(schema, {"revenue": {"Y9": 1}}) is False  # no such year
