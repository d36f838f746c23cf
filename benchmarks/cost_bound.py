"""The static cost bound that `check` works out, against the time evaluation really takes.

    python benchmarks/cost_bound.py [--quick]

For rule sets that use all of their bound (a running total over N periods, a
loop over N days, a chain of N rules), and growing N: the bound in steps, the
median time of an evaluation, and the rate in steps per second. A rate that
stays level as N grows says that time is proportional to the bound; the
slowest rate says how long an evaluation at the default limit
(limits.DEFAULT.max_cost steps) can take at most on this machine.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import evaluator
from evaluator.cost import bound
from evaluator.limits import DEFAULT

CONTRACT = "contract: t\ntitle: T\ndate: 2026-01-01\nparties:\n  - {id: A, name: Alpha}\nrules:\n  - r.rules\n"


def running_total(size: int) -> tuple[str, dict[str, Any]]:
    days = [date(1950, 1, 1) + timedelta(days=i) for i in range(size)]
    text = 'currency USD cites "x"\nperiods day cites "x"\n'
    text += "".join(f"  D{i} from {d} to {d}\n" for i, d in enumerate(days))
    text += ('input amount: USD by day cites "x"\nrule running for each day q cites "x"\n'
             "  = if q = first(day) then amount[q] else amount[q] + running[previous(q)]\n"
             'rule total cites "x" = running[last(day)]\noutputs total\n')
    return text, {"amount": {f"D{i}": i % 7 for i in range(size)}}


def day_loop(size: int) -> tuple[str, dict[str, Any]]:
    text = ('currency USD cites "x"\ninput price: USD by date cites "x"\n'
            'rule total cites "x" = sum(if (price on d) > USD 2 then (price on d) * 2 - USD 1 else USD 0 '
            f"for each day d from 1950-01-01 through 1950-01-01 + {size - 1} days)\noutputs total\n")
    return text, {"price": {"1950-01-01": 3}}


def chain(size: int) -> tuple[str, dict[str, Any]]:
    text = 'currency USD cites "x"\ninput start: USD cites "x"\nrule r0 cites "x" = start\n'
    text += "".join(f'rule r{i} cites "x" = r{i - 1} * 2 - r{i - 1} + USD 1\n' for i in range(1, size))
    return text + f"outputs r{size - 1}\n", {"start": 1}


def measure(make: Callable[[int], tuple[str, dict[str, Any]]], size: int, runs: int) -> tuple[int, float]:
    folder = Path(tempfile.mkdtemp())
    rules, inputs = make(size)
    (folder / "r.rules").write_text(rules, encoding="utf-8")
    (folder / "c.yaml").write_text(CONTRACT, encoding="utf-8")
    contract = evaluator.load(folder / "c.yaml")
    steps = bound(contract.program).total
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        contract.evaluate(inputs, narrate=False)
        times.append(time.perf_counter() - start)
    return steps, statistics.median(times)


def main() -> None:
    quick = "--quick" in sys.argv
    cases: list[tuple[str, Callable[[int], tuple[str, dict[str, Any]]], list[int]]] = [
        ("running total", running_total, [1_000, 2_000, 4_000, 8_000]),
        ("loop over days", day_loop, [10_000, 20_000, 40_000]),
        ("chain of rules", chain, [1_000, 2_000, 4_000]),
    ]
    slowest = float("inf")
    print(f"{'case':<15} {'N':>7} {'bound (steps)':>14} {'evaluate':>9} {'steps/s':>11}")
    for name, make, sizes in cases:
        for size in sizes[:2] if quick else sizes:
            steps, seconds = measure(make, size, 1 if quick else 5)
            rate = steps / seconds
            slowest = min(slowest, rate)
            print(f"{name:<15} {size:>7,} {steps:>14,} {seconds:>8.3f}s {rate:>11,.0f}")
    print(f"\nat the slowest rate, the default limit of {DEFAULT.max_cost:,} steps is "
          f"{DEFAULT.max_cost / slowest:.0f} s of evaluation at most")


if __name__ == "__main__":
    main()
