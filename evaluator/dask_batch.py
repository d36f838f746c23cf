"""Batches past one machine, with Dask: each partition of a Dask DataFrame evaluated by the columnar engine.

    pip install 'clausewise[dask]'

    import dask.dataframe as dd
    from distributed import Client, LocalCluster
    from evaluator.dask_batch import evaluate_partitions

    client = Client(LocalCluster(n_workers=2))
    scenarios = dd.read_csv("scenarios-*.csv", dtype=str)      # one column per input and period: sales.Y1, ...
    results = evaluate_partitions(scenarios, "contract.yaml", interpretation="base")
    results.to_csv("results-*.csv", index=False)              # or .compute() for a pandas DataFrame

Dask does the scheduling (`DataFrame.map_partitions`); each worker loads the
contract once and evaluates its partitions exactly as `Contract.evaluate_batch`
would. The result has one column per output and period (`payment.Y1`, ...) holding
exact Python values (int, Decimal, bool, date; None for pending) and an `error`
column naming why a row could not be evaluated. Read amounts as text
(`dtype=str`) or integers, never as floating point: the batch refuses floats.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from .contract import Contract
from .contract_file import load


@cache
def _contract(path: str, root: str | None) -> Contract:
    return load(path, root=root)


def evaluate_partition(frame: Any, contract: str, interpretation: str | None = None, as_of: date | None = None,
                       root: str | None = None) -> Any:
    """One pandas DataFrame of scenarios -> one pandas DataFrame of results (same index)."""
    import pandas as pd

    loaded = _contract(contract, root)
    result = loaded.evaluate_batch(frame, interpretation, as_of=as_of, rows=len(frame))
    columns = {key: pd.Series(result.values(key), index=frame.index, dtype=object) for key in result.columns}
    errors: list[str | None] = [None] * result.rows
    for i, error in result.errors.items():
        d = error.diagnostics[0]
        errors[i] = f"{d.path}: {d.message}" if d.path else d.message
    columns["error"] = pd.Series(errors, index=frame.index, dtype=object)
    return pd.DataFrame(columns, index=frame.index)


def evaluate_partitions(scenarios: Any, contract: str | Path, interpretation: str | None = None,
                        as_of: date | None = None, root: str | Path | None = None) -> Any:
    """A Dask DataFrame of scenarios -> a Dask DataFrame of results, partition by partition."""
    import pandas as pd

    path, top = str(contract), (str(root) if root is not None else None)
    loaded = _contract(path, top)
    version = loaded.version(as_of)
    reading = interpretation if interpretation is not None else loaded.default_interpretation
    names = [key if not periods else f"{key}.{p}" for key, _, periods in version.shape(reading).outputs
             for p in (periods or [None])]
    meta = pd.DataFrame({name: pd.Series(dtype=object) for name in [*names, "error"]})
    return scenarios.map_partitions(evaluate_partition, path, interpretation, as_of, top, meta=meta)
