"""Goal seek on Kaixin: the least Y3 revenue that clears Y1's deduction (RMB 867,000,000 on the example
inputs), over a range of 10^9 steps, as `Contract.solve` finds it (a scan of 33 values, then a bisection of
every change, each round one batch on the columnar engine), beside a plain bisection on the scalar
engine, one `Contract.evaluate` per step, measured in the same run.

    python benchmarks/solve.py              # median of 5 runs
    python benchmarks/solve.py --repeat 9

Printed: evaluations (batch evaluations for solve; scalar evaluations for the bisection), values of the
input evaluated, and the median time of each, with the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import evaluator  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
KAIXIN = ROOT / "contracts" / "kaixin-spa.yaml"
INPUTS = {"revenue": {"Y1": 600_000_000, "Y2": 800_000_000}}
LOW, HIGH = 500_000_000, 1_500_000_000  # 10^9 steps of RMB 1


def bisection(contract: evaluator.Contract) -> tuple[int, int]:
    """The least Y3 with deducted_shares[Y1] = 0, one scalar evaluation per step; (answer, evaluations)."""
    lo, hi, count = LOW, HIGH, 0  # the condition fails at lo and holds at hi (checked below)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        count += 1
        result = contract.evaluate({"revenue": {**INPUTS["revenue"], "Y3": mid}}, narrate=False)
        if result.outputs["deducted_shares"]["Y1"] == 0:  # type: ignore[index]
            hi = mid
        else:
            lo = mid
    return hi, count


def timed(fn: Any, repeat: int) -> tuple[Any, float]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return out, statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    contract = evaluator.load(KAIXIN)
    until = "deducted_shares.Y1 = 0 shares"
    solved, t_solve = timed(lambda: contract.solve(INPUTS, "revenue.Y3", until, between=(LOW, HIGH)), args.repeat)
    (answer, count), t_bisect = timed(lambda: bisection(contract), args.repeat)
    assert solved.value == answer == 867_000_000, (solved.value, answer)
    assert solved.candidates <= 60, solved.candidates  # the target: <= 60 evaluations of a value
    print(f"range {HIGH - LOW:,} steps of RMB 1; answer RMB {answer:,}")
    print(f"solve (columnar, scan 32 + bisection):     {solved.evaluations} evaluations, "
          f"{solved.candidates:,} values, {t_solve * 1000:.0f} ms (with the 2 checks on the scalar engine)")
    print(f"bisection (scalar, 1 value per round):     {count} evaluations, {count} values, "
          f"{t_bisect * 1000:.0f} ms ({t_bisect / t_solve:.1f}x solve's time)")


if __name__ == "__main__":
    main()
