"""Scenario files for `clausewise batch`: read as columns, and the results written back, exactly.

A scenario file holds one scenario per row, one column per input (per period:
`sales.Y1`, by date: `price.2027-01-29`):

- CSV: a header row of column names, then values as plain decimals, dates or
  true/false; an empty cell is pending;
- JSON: `{"columns": {"sales.Y1": [...], ...}}`, or a list of rows each shaped
  like an inputs file (`{"sales": {"Y1": 1000000}}`); numbers are read exactly;
- Parquet (with `pip install 'clausewise[parquet]'`): integer, decimal, string,
  date and boolean columns; floating-point columns are refused, not rounded.

Results go to CSV, JSON or Parquet: a `row` column (from 1), then one column per
output (with `--all-interpretations`, `READING:output`), exact decimals as text,
pending empty, and an `error` column naming why a row could not be evaluated.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from .batch import BatchResult
from .datafile import MAX_BYTES, read_text
from .errors import ContractFileError, Diagnostic, InputError
from .result import number_text

MAX_SCENARIO_BYTES = 200 * MAX_BYTES  # 1 GB of scenarios; a larger run is split into files (or run with Dask)
SUFFIXES = (".csv", ".json", ".parquet")
_INTEGER = re.compile(r"-?[0-9]{1,18}\Z")


def read(path: Path) -> dict[str, Any]:
    """The columns of a scenario file (column name -> values), checked for shape; values stay as given."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(Diagnostic("scenarios are a .csv, .json or .parquet file", str(path),
                                    hint="name the file for its format"))
    if suffix == ".parquet":
        return _parquet(path)
    text = read_text(path, InputError, MAX_SCENARIO_BYTES)
    return _csv(text, str(path)) if suffix == ".csv" else _json(text, str(path))


def _csv(text: str, file: str) -> dict[str, Any]:
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if not header or not any(h.strip() for h in header):
        raise InputError(Diagnostic("the file has no header row of column names", file, 1, 1, 1, 2,
                                    hint="e.g. sales.Y1,sales.Y2"))
    names = [h.strip() for h in header]
    for i, name in enumerate(names):
        if not name or name in names[:i]:
            raise InputError(Diagnostic(f"column {i + 1} {'has no name' if not name else f'{name!r} is twice'}",
                                        file, 1, 1, 1, 2))
    values: list[list[str]] = [[] for _ in names]
    for line, row in enumerate(rows, start=2):
        if not row:
            continue
        if len(row) != len(names):
            raise InputError(Diagnostic(f"row {line - 1} has {len(row)} cells, the header {len(names)}", file,
                                        line, 1, line, 2))
        for column, cell in zip(values, row, strict=True):
            column.append(cell.strip())
    return {name: _typed(column) for name, column in zip(names, values, strict=True)}


def _typed(cells: list[str]) -> Any:
    """Whole numbers that fit in 64 bits as an int64 array (fast); anything else as text, read exactly later."""
    if cells and all(_INTEGER.match(c) for c in cells):
        return np.array([int(c) for c in cells], dtype=np.int64)
    return cells


def _json(text: str, file: str) -> dict[str, Any]:
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InputError(Diagnostic(f"not valid JSON: {exc.msg}", file, exc.lineno, exc.colno,
                                    exc.lineno, exc.colno + 1)) from None
    except ValueError as exc:
        raise InputError(Diagnostic(f"not valid JSON: {exc}", file)) from None
    if isinstance(data, dict) and set(data) == {"columns"} and isinstance(data["columns"], dict):
        return dict(data["columns"])
    if isinstance(data, list) and all(isinstance(row, dict) for row in data):
        columns: dict[str, list[Any]] = {}
        for i, row in enumerate(data):
            for key, value in _flat(row):
                columns.setdefault(key, [None] * i).append(value)
            for column in columns.values():
                if len(column) < i + 1:
                    column.append(None)
        return columns
    raise InputError(Diagnostic("scenarios in JSON are {\"columns\": {name: [values]}} or a list of rows",
                                file, hint='e.g. [{"sales": {"Y1": 1000000}}, ...]'))


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number that can be used")


def _flat(row: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out += _flat(value, name + ".")
        else:
            out.append((name, value))
    return out


def _parquet(path: Path) -> dict[str, Any]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(Diagnostic("reading Parquet needs pyarrow", str(path),
                                    hint="pip install 'clausewise[parquet]', or give the scenarios as CSV")) from None
    try:
        info = os.stat(path)
    except OSError:
        raise InputError(Diagnostic("no such file", str(path))) from None
    if not stat.S_ISREG(info.st_mode):  # a pipe or a device could block or never end
        raise InputError(Diagnostic("this is not a regular file", str(path)))
    if info.st_size > MAX_SCENARIO_BYTES:
        raise InputError(Diagnostic(f"the file is over {MAX_SCENARIO_BYTES} bytes", str(path)))
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow's errors for a file that is not Parquet
        raise InputError(Diagnostic(f"not a Parquet file: {exc}", str(path))) from None
    columns: dict[str, Any] = {}
    for name in table.column_names:
        col = table.column(name)
        kind = str(col.type)
        if kind.startswith(("double", "float", "halffloat")):
            raise InputError(Diagnostic(f"column '{name}' is binary floating point ({kind})", str(path),
                                        path=name, hint="store amounts as integers, decimals or text"))
        if kind.startswith(("int", "uint")) and col.null_count == 0:
            columns[name] = col.to_numpy().astype(np.int64)
        else:
            columns[name] = col.to_pylist()
    return columns


# ---- results ------------------------------------------------------------------------------------------


def table(results: list[tuple[str | None, BatchResult]]) -> tuple[list[str], list[list[Any]]]:
    """The header and the columns of the results (several readings side by side, prefixed)."""
    header: list[str] = ["row"]
    columns: list[list[Any]] = [list(range(1, results[0][1].rows + 1))]
    for reading, result in results:
        prefix = f"{reading}:" if len(results) > 1 else ""
        for key in result.columns:
            header.append(prefix + key)
            columns.append(result.values(key))
    errors: list[Any] = [None] * results[0][1].rows
    for reading, result in results:
        for i, error in result.errors.items():
            d = error.diagnostics[0]
            said = f"{d.path}: {d.message}" if d.path else d.message
            errors[i] = errors[i] or (f"{reading}: {said}" if len(results) > 1 and reading else said)
    header.append("error")
    columns.append(errors)
    return header, columns


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return number_text(value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def write(results: list[tuple[str | None, BatchResult]], fmt: str) -> bytes:
    """The results as a file of format csv, json or parquet."""
    header, columns = table(results)
    if fmt == "parquet":
        return _parquet_bytes(header, columns)
    if fmt == "json":
        from .result import dumps

        doc = {"schema": "clausewise/batch/1", "contract": results[0][1].contract,
               "interpretations": [r for r, _ in results], "as_of": _cell(results[0][1].as_of) or None,
               "rows": results[0][1].rows,
               "columns": {name: [_json_cell(v) for v in column] for name, column in zip(header, columns, strict=True)}}
        return (dumps(doc, None) + "\n").encode("utf-8")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in zip(*columns, strict=True):
        writer.writerow([_cell(v) for v in row])
    return out.getvalue().encode("utf-8")


def _json_cell(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _parquet_bytes(header: list[str], columns: list[list[Any]]) -> bytes:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ContractFileError(Diagnostic("writing Parquet needs pyarrow", "<output>",
                                           hint="pip install 'clausewise[parquet]', or write CSV")) from None
    arrays = []
    for column in columns:
        present = [v for v in column if v is not None]
        if all(isinstance(v, int) and not isinstance(v, bool) and abs(v) < 2**63 for v in present):
            arrays.append(pa.array(column, type=pa.int64()))
        elif all(isinstance(v, bool) for v in present):
            arrays.append(pa.array(column, type=pa.bool_()))
        else:  # exact decimals (and anything else) as text: never binary floating point
            arrays.append(pa.array([None if v is None else _cell(v) for v in column], type=pa.string()))
    sink = io.BytesIO()
    pq.write_table(pa.table(arrays, names=header), sink)
    return sink.getvalue()
