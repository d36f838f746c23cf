"""The batch past one machine: a Dask DataFrame evaluated partition by partition on a local cluster of two
worker processes gives exactly what one process gives (evaluator/dask_batch.py)."""

from __future__ import annotations

import numpy as np
import pytest

import evaluator
from tests.helpers import KAIXIN


@pytest.mark.slow  # starts a local cluster: several seconds
def test_a_local_cluster_of_two_workers_gives_what_one_process_gives() -> None:
    # imported here, not when the tests are collected: Dask takes a second and a half to import
    dd = pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    pd = pytest.importorskip("pandas")
    from evaluator.dask_batch import evaluate_partitions

    rng = np.random.default_rng(11)
    columns = {f"revenue.Y{k}": [int(v) for v in rng.integers(-10_000_000, 2_000_000_000, 2_000)] for k in range(1, 6)}
    columns["revenue.Y3"][17] = None  # Y3 pending but Y4 and Y5 given: that row fails, as in one process
    columns["revenue.Y1"][4] = "12.5"  # an exact decimal, as text
    frame = pd.DataFrame({name: pd.Series(values, dtype=object) for name, values in columns.items()})
    contract = evaluator.load(KAIXIN)
    expected = contract.evaluate_batch(frame, "excess-year")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) \
            as cluster, distributed.Client(cluster):
        results = evaluate_partitions(dd.from_pandas(frame, npartitions=4), KAIXIN, "excess-year").compute()
    assert list(results.index) == list(range(2_000))
    for key in expected.columns:
        assert list(results[key]) == expected.values(key), key
    assert results["error"][17] == "revenue.Y4: revenue for Y4 is given but not for Y3"
    assert [i for i, e in enumerate(results["error"]) if e is not None] == sorted(expected.errors) == [17]
    assert results["released_shares.Y1"][4] == 0  # 3,000,000 x 12.5 / 665,000,000 = 0.056... -> 0 shares
