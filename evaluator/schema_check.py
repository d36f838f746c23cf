"""A quick check that a document is valid under a JSON Schema, without importing jsonschema.

`valid(schema, instance)` answers True only when the document is certainly valid under the schema
as `jsonschema.Draft202012Validator(schema)` (no format checker) judges it; otherwise False, which
means "not sure": the caller then runs jsonschema, whose messages are the ones reported. It knows
the keywords the package's schemas and the inputs schemas use, with jsonschema's own Python
semantics (a bool is neither an integer nor a number, an integral float is an integer, a Decimal
or a Fraction is a number, `pattern` is `re.search`, `format` is only an annotation); a schema
with any other keyword, a reference it cannot follow, or a document nested too deep, is "not sure".

Inside, each check answers True (valid), False (certainly invalid: `not` and `oneOf` depend on it)
or None (not sure).
"""

from __future__ import annotations

import numbers
import re

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:
    from typing import Any

MAX_DEPTH = 200  # documents nested deeper (or a caller's mapping that holds itself) are left to jsonschema

# Keywords that never make a document invalid (annotations; format without a format checker).
_IGNORED = frozenset({"$schema", "$comment", "$defs", "title", "description", "default", "examples",
                      "format", "deprecated", "readOnly", "writeOnly"})


def valid(schema: Any, instance: Any) -> bool:
    """Whether `instance` is certainly valid under `schema` (draft 2020-12); False when not sure."""
    if not isinstance(schema, dict | bool):
        return False
    return _Check(schema).check(schema, instance, 0) is True


class _Check:
    def __init__(self, root: Any) -> None:
        self.root = root

    def check(self, schema: Any, instance: Any, depth: int) -> bool | None:
        if schema is True:
            return True
        if schema is False:
            return False
        if not isinstance(schema, dict) or depth > MAX_DEPTH:
            return None
        verdict: bool | None = True
        for key, value in schema.items():
            if key in _IGNORED:
                continue
            if key == "$id" and schema is not self.root:
                return None  # a nested base for references: not followed here
            method = _KEYWORDS.get(key)
            if method is None:
                if key == "$id":
                    continue
                return None
            answer = method(self, value, instance, schema, depth)
            if answer is False:
                return False
            if answer is None:
                verdict = None
        return verdict

    # one method per keyword: (self, keyword's value, instance, the schema holding it, depth)

    def type_(self, types: Any, instance: Any, schema: Any, depth: int) -> bool | None:
        names = types if isinstance(types, list) else [types]
        answers = [_is_type(name, instance) for name in names]
        if True in answers:
            return True
        return None if None in answers else False

    def properties(self, properties: Any, instance: Any, schema: Any, depth: int) -> bool | None:
        if not isinstance(instance, dict):
            return True
        if not isinstance(properties, dict):
            return None
        return _all(self.check(sub, instance[key], depth + 1) for key, sub in properties.items() if key in instance)

    def pattern_properties(self, patterns: Any, instance: Any, schema: Any, depth: int) -> bool | None:
        if not isinstance(instance, dict):
            return True
        if not isinstance(patterns, dict) or not all(isinstance(k, str) for k in instance):
            return None
        return _all(self.check(sub, value, depth + 1) for pattern, sub in patterns.items()
                    for key, value in instance.items() if re.search(pattern, key))

    def additional_properties(self, extra: Any, instance: Any, schema: Any, depth: int) -> bool | None:
        if not isinstance(instance, dict):
            return True
        known = schema.get("properties", {})
        patterns = "|".join(schema.get("patternProperties", {}))
        if not isinstance(known, dict) or not all(isinstance(k, str) for k in instance):
            return None
        extras = [key for key in instance if key not in known and not (patterns and re.search(patterns, key))]
        if isinstance(extra, dict):
            return _all(self.check(extra, instance[key], depth + 1) for key in extras)
        if extra is True or extra is False:
            return extra or not extras
        return None

    def required(self, required: Any, instance: Any, schema: Any, depth: int) -> bool | None:
        if not isinstance(instance, dict):
            return True
        if not isinstance(required, list):
            return None
        return all(key in instance for key in required)

    def min_properties(self, least: Any, instance: Any, schema: Any, depth: int) -> bool | None:
        if not isinstance(instance, dict):
            return True
        return len(instance) >= least if _is_count(least) else None

    def items(self, items: Any, instance: Any, schema: Any, depth: int) -> bool | None:
        if not isinstance(instance, list):
            return True
        if "prefixItems" in schema:
            return None
        return _all(self.check(items, item, depth + 1) for item in instance)

    def min_items(self, least: Any, instance: Any, schema: Any, depth: int) -> bool | None:
        if not isinstance(instance, list):
            return True
        return len(instance) >= least if _is_count(least) else None

    def min_length(self, least: Any, instance: Any, schema: Any, depth: int) -> bool | None:
        if not isinstance(instance, str):
            return True
        return len(instance) >= least if _is_count(least) else None

    def pattern(self, pattern: Any, instance: Any, schema: Any, depth: int) -> bool | None:
        if not isinstance(instance, str):
            return True
        if not isinstance(pattern, str):
            return None
        return re.search(pattern, instance) is not None

    def enum(self, values: Any, instance: Any, schema: Any, depth: int) -> bool | None:
        if not isinstance(values, list):
            return None
        return _among(instance, values)

    def const(self, value: Any, instance: Any, schema: Any, depth: int) -> bool | None:
        return _among(instance, [value])

    def any_of(self, schemas: Any, instance: Any, schema: Any, depth: int) -> bool | None:
        if not isinstance(schemas, list) or not schemas:
            return None
        answers = []
        for sub in schemas:
            answer = self.check(sub, instance, depth + 1)
            if answer is True:
                return True
            answers.append(answer)
        return None if None in answers else False

    def one_of(self, schemas: Any, instance: Any, schema: Any, depth: int) -> bool | None:
        if not isinstance(schemas, list) or not schemas:
            return None
        answers = [self.check(sub, instance, depth + 1) for sub in schemas]
        matches = answers.count(True)
        if matches > 1:
            return False
        if None in answers:
            return None
        return matches == 1

    def ref(self, ref: Any, instance: Any, schema: Any, depth: int) -> bool | None:
        target = self.resolve(ref)
        return None if target is None else self.check(target, instance, depth + 1)

    def resolve(self, ref: Any) -> Any:
        """The part of the root schema a local reference ('#', '#/$defs/name/...') names; None otherwise."""
        if not isinstance(ref, str) or not ref.startswith("#") or "%" in ref or "~" in ref:
            return None
        if ref == "#":
            return self.root
        if not ref.startswith("#/"):
            return None  # an anchor
        node = self.root
        for part in ref[2:].split("/"):
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and part.isascii() and int(part) < len(node):
                node = node[int(part)]
            else:
                return None
        return node


_KEYWORDS = {
    "type": _Check.type_, "properties": _Check.properties, "patternProperties": _Check.pattern_properties,
    "additionalProperties": _Check.additional_properties, "required": _Check.required,
    "minProperties": _Check.min_properties, "items": _Check.items, "minItems": _Check.min_items,
    "minLength": _Check.min_length, "pattern": _Check.pattern, "enum": _Check.enum, "const": _Check.const,
    "anyOf": _Check.any_of, "oneOf": _Check.one_of, "$ref": _Check.ref,
}


def _all(answers: Any) -> bool | None:
    """True if every answer is True, False if one is False, else None."""
    verdict: bool | None = True
    for answer in answers:
        if answer is False:
            return False
        if answer is None:
            verdict = None
    return verdict


def _is_count(value: Any) -> bool:
    return type(value) is int and value >= 0


def _is_type(name: Any, instance: Any) -> bool | None:
    """jsonschema's draft 2020-12 type checker, for the plain types only (None for anything else)."""
    if name == "object":
        return isinstance(instance, dict)
    if name == "array":
        return isinstance(instance, list)
    if name == "string":
        return isinstance(instance, str)
    if name == "null":
        return instance is None
    if name == "boolean":
        return isinstance(instance, bool)
    if name == "integer":
        if isinstance(instance, bool):
            return False
        return isinstance(instance, int) or (isinstance(instance, float) and instance.is_integer())
    if name == "number":
        return not isinstance(instance, bool) and isinstance(instance, numbers.Number)
    return None


_PLAIN = (str, type(None), bool)


def _among(instance: Any, values: list[Any]) -> bool | None:
    """Whether `instance` equals one of `values` as jsonschema compares them, for text, null and booleans
    exactly of those types (None when a number, a list, a mapping or a subclass is involved)."""
    if type(instance) not in _PLAIN or any(type(v) not in _PLAIN for v in values):
        return None
    return any(type(v) is type(instance) and v == instance for v in values)
