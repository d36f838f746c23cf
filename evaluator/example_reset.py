"""`clausewise test --reset`: the expected figures of example files rewritten to the actual ones.

The rewrite is by place, not by reloading and dumping the YAML: each expected
value that differs is replaced where it is written (its start to its end in the
text), so the file's layout, its other values and its comments (the arithmetic)
stay as they are. A number keeps its writing: 2_706_766 stays grouped by
underscores, "2,706,766" by commas. The comment beside a reset figure shows the
old arithmetic: the editor is to correct it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

import yaml

from .errors import ContractFileError, Diagnostic
from .examples import Mismatch, show


def _node_at(root: yaml.Node, path: Sequence[Any]) -> yaml.Node | None:
    node: yaml.Node | None = root
    for key in path:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(key)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            return None
    return node


def written(actual: Any, old: str) -> str:
    """A figure as YAML, in the style of the value it replaces."""
    if actual is None:
        return "pending"
    if isinstance(actual, bool):
        return "true" if actual else "false"
    if isinstance(actual, date):
        return actual.isoformat()
    text = show(actual)
    if not re.fullmatch(r"-?[0-9][0-9,]*(\.[0-9]+)?", text):  # a fraction (1/3) or a word
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if "," in old:  # written with commas: kept so, quoted as it was
        return f'"{text}"' if old.startswith(('"', "'")) else text
    return text.replace(",", "_" if "_" in old else "")


def rewrite(text: str, file: str, mismatches: Sequence[Mismatch]) -> str:
    """`text` with the expected value of each resettable mismatch replaced by the actual figure."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        raise ContractFileError(Diagnostic("the file is no longer valid YAML; it was not reset", file)) from None
    edits: list[tuple[int, int, str]] = []
    for m in mismatches:
        if not m.resettable:
            continue
        node = _node_at(root, m.check.path) if root is not None else None
        if not isinstance(node, yaml.ScalarNode):
            continue
        start, end = node.start_mark.index, node.end_mark.index
        edits.append((start, end, written(m.actual, text[start:end])))
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text
