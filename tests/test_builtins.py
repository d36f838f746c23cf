"""The construct table (evaluator/builtins.py): one place for every built-in, read by every stage.

Each entry is checked on sample values worked out by hand (tests/data/builtins/samples.yaml); an entry
without a sample fails here, so a built-in cannot be added to the table untested. Since the checker and
the planner both look built-ins up in the table, a built-in the checker accepts always has its own
implementation (a name missing from the table is an unknown function everywhere, never a silent fallback).
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from math import lcm
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import evaluator
from evaluator import builtins, reference_doc
from evaluator import nodes as n
from evaluator.builtins import Site
from evaluator.columns import Col, Unvectorised
from evaluator.evaluate import Run
from evaluator.units import Type
from tests.helpers import DATA, ROOT, contract_from

SAMPLES = yaml.safe_load((DATA / "builtins" / "samples.yaml").read_text(encoding="utf-8"))


def test_every_entry_of_the_table_has_a_sample() -> None:
    used = {tuple(u.split(" ", 1)) for s in SAMPLES["samples"] for u in s["uses"]}
    assert set(builtins.TABLE) - used == set()
    assert used - set(builtins.TABLE) == set()


def test_every_entry_is_complete() -> None:
    for (kind, name), b in builtins.TABLE.items():
        assert (b.kind, b.name) == (kind, name)
        assert b.doc and b.signature and callable(b.type_rule) and callable(b.scalar) and callable(b.column)
        assert b.least >= 1 and (b.most is None or b.most >= b.least)


# ---- the scalar and column implementations agree ---------------------------------------------------------

AGREE: dict[str, dict[str, Any]] = SAMPLES["agree"]


def _entry(use: str) -> tuple[str, str]:
    """'binary + (date and days)' -> ('binary', '+')."""
    kind, name = use.split(" (")[0].split(" ", 1)
    return kind, name


def test_every_entry_is_compared_on_sample_rows() -> None:
    assert {_entry(use) for use in AGREE} == set(builtins.TABLE)


def _site(tmp_path: Path, use: str, formula: str) -> tuple[builtins.Builtin, Site, Run]:
    """The entry, its first use in `formula` (a rule over the prelude) and a run of that contract."""
    contract = contract_from(tmp_path, SAMPLES["prelude"] + f'rule value cites "x" = {formula}\noutputs value\n')
    program = contract.program
    kind, name = _entry(use)
    entry = builtins.TABLE[(kind, name)]  # type: ignore[index]
    decl = program.symbols["value"].decl
    assert isinstance(decl, n.RuleDecl) and decl.body is not None
    for e in n.walk(decl.body):
        types: tuple[Type, ...]
        match e:
            case n.Call(function=f, args=args) if kind == "function" and f == name:
                types = () if entry.raw_args else tuple(program.type_of(a) for a in args)
            case n.Aggregate(function=f, body=body) if kind == "fold" and f == name:
                types = (program.type_of(body),)
            case n.Binary(op=op, left=left, right=right) if kind == "binary" and op == name:
                types = (program.type_of(left), program.type_of(right))
            case n.Not(operand=x) | n.Negate(operand=x) if kind == "unary" and \
                    (name == "not") == isinstance(e, n.Not):
                types = (program.type_of(x),)
            case _:
                continue
        return entry, Site(e, types, program), Run(contract.plan, {}, None)
    raise AssertionError(f"{formula} does not use {use}")


def _value(t: Type, raw: Any, program: Any) -> Any:
    """A sample argument as the scalar implementation takes it."""
    if raw is None:
        return None
    if t.kind == "period":
        return [m.name for m in program.period_sets[t.period_set].members].index(raw)
    if isinstance(raw, bool | date):  # YAML reads them so (`pending` has no type of its own to go by)
        return raw
    return Fraction(str(raw))


def _column(t: Type, values: list[Any]) -> Col:
    """A column of one argument's values, as the batch engine holds them (arrays, pending as a mask)."""
    pending = np.array([v is None for v in values]) if any(v is None for v in values) else None
    if t.kind == "bool" or any(isinstance(v, bool) for v in values):
        return Col("bool", np.array([bool(v) for v in values]), 1, pending)
    if t.kind == "date":
        days = [v.toordinal() if v is not None else 1 for v in values]
        return Col("date", np.array(days, dtype=np.int64), 1, pending, None, max(days))
    amounts = [Fraction(v) if v is not None else Fraction(0) for v in values]
    d = lcm(*(a.denominator for a in amounts))
    ns = [int(a * d) for a in amounts]
    wide = max(map(abs, ns)) >= 2**62
    return Col("num", np.array(ns, dtype=object if wide else np.int64), d, pending, None, max(map(abs, ns)) or 1, d)


def _read(col: Col, rows: int, kind: str) -> list[Any]:
    """The rows of a result column: 'error' where bad, None where pending, else the value."""
    out: list[Any] = []
    for i in range(rows):
        if col.bad is not None and col.bad[i]:
            out.append("error")
            continue
        if col.pending is not None and col.pending[i]:
            out.append(None)
            continue
        v = col.n[i] if isinstance(col.n, np.ndarray) else col.n
        d = col.d[i] if isinstance(col.d, np.ndarray) else col.d
        out.append(bool(v) if kind == "bool" else date.fromordinal(int(v)) if kind == "date"
                   else Fraction(int(v), int(d)))
    return out


def _scalar(entry: builtins.Builtin, site: Site, run: Run, args: list[Any]) -> Any:
    """What a single evaluation makes of one row: pending if an argument is (but `and`/`or` see it), an
    'error' if the implementation fails."""
    impl = entry.scalar(site)
    try:
        if entry.kleene:  # all/any see pending values (none here has a `where`)
            return impl(run, args, [])
        if entry.kind == "fold":
            return None if None in args else impl(run, args)
        if entry.short_circuit:
            return impl(run, args[0], lambda: args[1])
        if None in args:
            return None
        return impl(run, *args)
    except evaluator.EvaluationError:
        return "error"


@pytest.mark.parametrize("use", list(AGREE))
def test_the_scalar_and_column_implementations_agree(tmp_path: Path, use: str) -> None:
    sample = AGREE[use]
    entry, site, run = _site(tmp_path, use, sample["at"])
    program = site.program
    if "column" in sample:  # declined: the batch engine hands such uses to the scalar engine
        with pytest.raises(Unvectorised):
            entry.column(site)
        return
    rows = len(sample["rows"])
    if entry.kleene:
        body = site.types[0]
        values = [[_value(body, v, program) for v in row] for row in sample["rows"]]
        items = []
        for j in range(max(map(len, values), default=0)):  # item j: kept by the rows that have one
            keep = np.array([len(row) > j for row in values])
            item = _column(body, [row[j] if len(row) > j else False for row in values])
            items.append((None if keep.all() else Col("bool", keep), item))
        out = entry.column(site)(rows, items)
    elif entry.kind == "fold":
        body = site.types[0]
        values = [[_value(body, v, program) for v in row] for row in sample["rows"]]
        pending = np.array([None in row for row in values])
        kept = []
        for j in range(max(map(len, values), default=0)):  # item j: kept by the rows that have one
            keep = np.array([len(row) > j for row in values])
            item = _column(body, [row[j] if len(row) > j and row[j] is not None else
                                  (False if body.kind == "bool" else 0) for row in values])
            kept.append((None if keep.all() else keep, item))
        out = entry.column(site)(rows, kept, pending if pending.any() else None)
        if pending.any():
            out = Col(out.kind, out.n, out.d, pending, out.bad, out.bound, out.dbound)
    else:
        values = [[_value(t, v, program) for t, v in zip(site.types, row, strict=True)] for row in sample["rows"]]
        columns = [_column(t, [row[i] for row in values]) for i, t in enumerate(site.types)]
        out = entry.column(site)(rows, *columns)
    result = program.type_of(site.node)
    kind = "num" if result.kind in ("quantity", "period") else result.kind
    scalar = [_scalar(entry, site, run, row) for row in values]
    scalar = [Fraction(v) if kind == "num" and v not in (None, "error") else v for v in scalar]
    assert _read(out, rows, kind) == scalar


@pytest.mark.parametrize("sample", SAMPLES["samples"], ids=lambda s: s["formula"])
def test_a_sample(tmp_path: Path, sample: dict[str, Any]) -> None:
    rules = SAMPLES["prelude"] + f'rule value cites "x" = {sample["formula"]}\noutputs value\n'
    value = contract_from(tmp_path, rules).evaluate({}).to_dict()["outputs"]["value"]
    expected = sample["value"]
    assert (value if value is None or isinstance(value, str) else str(value).lower()) == expected


def test_an_unknown_function_is_refused_with_the_tables_names(tmp_path: Path) -> None:
    # 'median' is not in the table: refused by check, never evaluated as something else.
    with pytest.raises(evaluator.CheckError, match="unknown function 'median'") as info:
        contract_from(tmp_path, 'rule m cites "x" = median(1, 2, 10)\noutputs m\n')
    assert info.value.diagnostics[0].hint == "did you mean 'min'?"


def test_the_function_reference_lists_every_entry() -> None:
    text = builtins.reference()
    for b in builtins.TABLE.values():
        line = next(line for line in text.splitlines() if f"`{b.signature}`" in line)
        assert line.endswith(f": {b.doc}")


def test_the_reference_in_docs_is_the_tables() -> None:
    shown = (ROOT / "docs" / "functions.md").read_text(encoding="utf-8")
    assert shown == reference_doc.document(), "regenerate it: python -m evaluator.reference_doc > docs/functions.md"


# ---- all/any in Kleene's logic, as and/or ------------------------------------------------------------------

KLEENE_RULES = """currency USD cites "x"
periods year cites "x"
  Y1 from 2026-01-01 to 2026-12-31
  Y2 from 2027-01-01 to 2027-12-31
input c: bool by year cites "x"
input w: bool by year cites "x"
rule any_c cites "x" = any(c[y] for each year y)
rule or_c cites "x" = c[Y1] or c[Y2]
rule all_c cites "x" = all(c[y] for each year y)
rule and_c cites "x" = c[Y1] and c[Y2]
rule any_where cites "x" = any(c[y] for each year y where w[y])
rule or_where cites "x" = (w[Y1] and c[Y1]) or (w[Y2] and c[Y2])
rule all_where cites "x" = all(c[y] for each year y where w[y])
rule and_where cites "x" = (not w[Y1] or c[Y1]) and (not w[Y2] or c[Y2])
outputs any_c, or_c, all_c, and_c, any_where, or_where, all_where, and_where
"""


def test_all_and_any_agree_with_and_and_or_on_pending_in_both_engines(tmp_path: Path) -> None:
    # Every combination of true, false and pending for c and w in two years (3^4 = 81 rows): any(...) is the
    # `or` of its items, all(...) the `and`, with `where w` as `w and c` (any) and `not w or c` (all).
    import itertools

    contract = contract_from(tmp_path, KLEENE_RULES)
    values = (True, False, None)
    rows = list(itertools.product(values, repeat=4))
    columns = {"c": {"Y1": [r[0] for r in rows], "Y2": [r[1] for r in rows]},
               "w": {"Y1": [r[2] for r in rows], "Y2": [r[3] for r in rows]}}
    batch = contract.evaluate_batch(columns)
    assert batch.errors == {}
    for i, (c1, c2, w1, w2) in enumerate(rows):
        out = contract.evaluate({"c": {"Y1": c1, "Y2": c2}, "w": {"Y1": w1, "Y2": w2}}).outputs
        for fold, chain in (("any_c", "or_c"), ("all_c", "and_c"), ("any_where", "or_where"),
                            ("all_where", "and_where")):
            assert out[fold] == out[chain], (fold, c1, c2, w1, w2)
            assert batch.values(fold)[i] == out[chain], (fold, "batch", c1, c2, w1, w2)
    # by hand: any(true, pending) is true; all(false, pending) is false; any(false, pending) is pending
    one = contract.evaluate({"c": {"Y1": True}}).outputs
    assert (one["any_c"], one["all_c"]) == (True, None)
    one = contract.evaluate({"c": {"Y1": False}}).outputs
    assert (one["any_c"], one["all_c"]) == (None, False)
