"""Sweeps on Kaixin: the grid on the columnar engine against the same points evaluated one by one.

    python benchmarks/sweep.py [--rounds N]

(a) `Contract.sweep` over revenue.Y3 from RMB 0 to 2,000,000,000 by 200,000 (10,001 points), every reading,
    every output: the median time, and per point and reading.
(b) the same points through `Contract.evaluate(narrate=False)` one by one (the first 1,000 of them, every
    reading), measured in the same run: the time per point and reading, and the ratio; both must give the
    same figures.
(c) a two-input grid, revenue.Y2 by revenue.Y3, 100 x 100 points, every reading.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import evaluator  # noqa: E402
from benchmarks.engine import median_time  # noqa: E402  (the same timing as the engine's benchmark)

CONTRACT = ROOT / "contracts" / "kaixin-spa.yaml"
INPUTS = {"revenue": {"Y1": 600_000_000, "Y2": 800_000_000}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    contract = evaluator.load(CONTRACT)
    readings = list(contract.interpretations)
    vary, step = ["revenue.Y3=0..2000000000"], 200_000
    sweep = contract.sweep(vary, step, INPUTS, interpretations=readings)
    points = len(sweep.points)
    batch = median_time(lambda: contract.sweep(vary, step, INPUTS, interpretations=readings), args.rounds)
    print(f"(a) sweep, {points:,} points x {len(readings)} readings: {batch:.3f} s, "
          f"{batch / points / len(readings) * 1e6:.1f} µs per point and reading")

    some = [p[0] for p in sweep.points[:1000]]

    def one_by_one() -> None:
        for r in readings:
            for y3 in some:
                contract.evaluate({"revenue": {**INPUTS["revenue"], "Y3": y3}}, r, narrate=False)

    scalar = median_time(one_by_one, args.rounds)
    per_scalar = scalar / len(some) / len(readings)
    per_batch = batch / points / len(readings)
    print(f"(b) one by one, {len(some):,} points x {len(readings)} readings: {per_scalar * 1e6:.1f} µs per point "
          f"and reading; the sweep is {per_scalar / per_batch:.1f}x faster per point")
    for r in readings:
        for k, y3 in enumerate(some[:200]):
            got = contract.evaluate({"revenue": {**INPUTS["revenue"], "Y3": y3}}, r, narrate=False).outputs
            for o in sweep.outputs:
                name, _, period = o.partition(".")
                value = got[name][period] if period else got[name]  # type: ignore[index]
                assert value == sweep.values[r][o][k], (r, o, y3)

    two = ["revenue.Y2=700000000..799000000", "revenue.Y3=800000000..899000000"]
    grid = median_time(lambda: contract.sweep(two, 1_000_000, INPUTS, interpretations=readings), args.rounds)
    print(f"(c) sweep, 100 x 100 points x {len(readings)} readings: {grid:.3f} s")


if __name__ == "__main__":
    main()
