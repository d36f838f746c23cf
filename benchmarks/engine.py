"""The two engines on Kaixin, against hand-written exact Python, and the batch at scale.

    python benchmarks/engine.py [--quick] [--check]

(a) scalar: `Contract.evaluate(narrate=False)` against benchmarks/kaixin_baseline.py (plain Python,
    Fractions and ints), on the same 2,000 random revenue paths, every reading, in this process; both
    must give the same figures. Median over rounds of the time per evaluation, and the ratio.
(b) batch: `Contract.evaluate_batch` at 10,000, 100,000 and 1,000,000 paths, every reading, all outputs:
    µs per path and reading (median of rounds), and the peak memory (resident set) of a process that
    runs the largest batch only, against one that only loads the contract.
(c) the CLI, end to end: `clausewise batch` on a CSV of 100,000 paths to a CSV of results (process start,
    reading, evaluating, writing), one reading and all readings.
(d) with --check: the batch against the scalar engine on 100,000 random paths x every reading, with the
    number of mismatches (it must be 0).

Revenue paths: each year from a loss of RMB 50 million to twice the year's target, uniformly, seeded:
misses, make-ups and offsets over several years all occur.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

import kaixin_baseline as baseline  # noqa: E402

import evaluator  # noqa: E402

CONTRACT = ROOT / "contracts" / "kaixin-spa.yaml"
READINGS = ("spa", "excess-year", "press-release")
OUTPUTS = ("released_shares", "restored_shares", "deducted_shares", "total_released_shares", "cancelled_shares")


def paths(count: int, seed: int) -> np.ndarray:
    """`count` five-year revenue paths, RMB, as int64 (count x 5)."""
    rng = np.random.default_rng(seed)
    return rng.integers(-50_000_000, 2 * np.array(baseline.TARGET), size=(count, 5), dtype=np.int64)


def columns(p: np.ndarray) -> dict[str, Any]:
    return {"revenue": {year: p[:, k] for k, year in enumerate(baseline.YEARS)}}


def median_time(f: Callable[[], Any], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def figures(outputs: dict[str, Any]) -> dict[str, Any]:
    """The compared outputs, as exact numbers."""
    out: dict[str, Any] = {}
    for name in OUTPUTS:
        v = outputs[name]
        out[name] = {k: Fraction(str(x)) for k, x in v.items()} if isinstance(v, dict) else Fraction(str(v))
    return out


def scalar(quick: bool) -> None:
    contract = evaluator.load(CONTRACT)
    rows = [[int(x) for x in row] for row in paths(200 if quick else 2_000, seed=1)]
    inputs = [{"revenue": dict(zip(baseline.YEARS, row, strict=True))} for row in rows]
    print(f"(a) scalar evaluate against hand-written exact Python, {len(rows):,} paths, this process")
    print("    reading          clausewise   baseline   ratio (median of 7 alternating rounds)   same figures")
    for reading in READINGS:
        ours = [contract.evaluate(i, reading, narrate=False).outputs for i in inputs]
        theirs = [baseline.evaluate(r, reading) for r in rows]
        same = sum(figures(a) == figures(b) for a, b in zip(ours, theirs, strict=True))
        t_ours, t_base, ratios = [], [], []
        for _ in range(7):  # rounds alternate, so that a slower moment of the machine slows both
            a = median_time(lambda r=reading: [contract.evaluate(i, r, narrate=False) for i in inputs], 1)
            b = median_time(lambda r=reading: [baseline.evaluate(x, r) for x in rows], 1)
            t_ours.append(a)
            t_base.append(b)
            ratios.append(a / b)
        us_ours = statistics.median(t_ours) / len(rows) * 1e6
        us_base = statistics.median(t_base) / len(rows) * 1e6
        print(f"    {reading:<16} {us_ours:7.0f} µs {us_base:7.0f} µs  {statistics.median(ratios):5.2f}x"
              f"{'':34}{same:,} of {len(rows):,}")


def batch_child(size: int) -> None:
    """In a process of its own: the batch at `size` paths, every reading; prints JSON."""
    contract = evaluator.load(CONTRACT)
    cols = columns(paths(size, seed=2))
    rounds = 1 if size >= 1_000_000 else 3
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = {}
    for reading in READINGS:
        result = contract.evaluate_batch(cols, reading)  # also warms the plan
        assert not result.errors, result.errors
        out[reading] = median_time(lambda r=reading: contract.evaluate_batch(cols, r), rounds) / size * 1e6
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["loaded_mb"] = base_rss / 1024
    print(json.dumps(out))


def batch(quick: bool) -> None:
    sizes = (10_000, 100_000) if quick else (10_000, 100_000, 1_000_000)
    print("(b) batch, every output, µs per path and reading (median), peak resident memory of the process")
    print("    paths        " + "".join(f"{r:>15}" for r in READINGS) + "   peak memory (contract and inputs)")
    for size in sizes:
        run = subprocess.run([sys.executable, __file__, "--child", str(size)], capture_output=True, text=True,
                             check=True)
        got = json.loads(run.stdout)
        print(f"    {size:>9,}    " + "".join(f"{got[r]:12.2f} µs" for r in READINGS) +
              f"   {got['peak_mb']:,.0f} MB ({got['loaded_mb']:,.0f} MB)")


def cli(quick: bool) -> None:
    size = 10_000 if quick else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        scenarios = Path(tmp) / "scenarios.csv"
        p = paths(size, seed=3)
        lines = ["revenue." + ",revenue.".join(baseline.YEARS)] + [",".join(map(str, row)) for row in p.tolist()]
        scenarios.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"(c) clausewise batch, a CSV of {size:,} paths to a CSV of results, end to end (median of 3)")
        for extra in ([], ["--all-interpretations"]):
            command = [sys.executable, "-m", "evaluator", "batch", str(CONTRACT), "--scenarios", str(scenarios),
                       "--output", str(Path(tmp) / "out.csv"), *extra]
            t = median_time(lambda c=command: subprocess.run(c, check=True, capture_output=True), 3)
            what = "every reading" if extra else "one reading"
            print(f"    {what:<14} {t:6.2f} s  ({t / size * 1e6:.1f} µs a path)")


def check(quick: bool) -> None:
    size = 10_000 if quick else 100_000
    contract = evaluator.load(CONTRACT)
    p = paths(size, seed=4)
    cols = columns(p)
    names = contract.outputs
    print(f"(d) the batch against the scalar engine, {size:,} paths x {len(READINGS)} readings")
    for reading in READINGS:
        result = contract.evaluate_batch(cols, reading)
        batch_values = {key: result.values(key) for key in result.columns}
        mismatches = 0
        for i, row in enumerate(p.tolist()):
            outputs = contract.evaluate({"revenue": dict(zip(baseline.YEARS, row, strict=True))}, reading,
                                        narrate=False).outputs
            for name in names:
                v = outputs[name]
                pairs = [(f"{name}.{k}", x) for k, x in v.items()] if isinstance(v, dict) else [(name, v)]
                mismatches += sum(batch_values[key][i] != x for key, x in pairs)
        print(f"    {reading:<16} {mismatches} mismatches over {size * len(batch_values):,} values")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a quick look")
    parser.add_argument("--check", action="store_true", help="also compare the engines on 100,000 paths")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        batch_child(args.child)
        return
    scalar(args.quick)
    batch(args.quick)
    cli(args.quick)
    if args.check:
        check(args.quick)


if __name__ == "__main__":
    main()
