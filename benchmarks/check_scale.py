"""How checking grows with the size of the rules: periods, rule lines, unknown names.

    python benchmarks/check_scale.py [--quick]

For each size, the median of a few runs of parse + check (in this process), and
the ratio to the size before: doubling the size should roughly double the time
(a ratio near 2), never square it (4). Issue 9 measured, before the fixes:
20,000 periods 53 s, 4,000 unknown names 74 s.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from evaluator.checker import check
from evaluator.errors import ContractError
from evaluator.parser import parse_files


def periods(size: int) -> str:
    """A per-day table, an input reported in order and a running total over `size` periods."""
    days = [date(1950, 1, 1) + timedelta(days=i) for i in range(size)]
    text = 'currency USD cites "x"\nperiods day cites "x"\n'
    text += "".join(f"  D{i} from {d} to {d}\n" for i, d in enumerate(days))
    text += 'parameter rate by day cites "x"\n' + "".join(f"  D{i}: {i % 7}%\n" for i in range(size))
    text += 'input amount: USD by day, reported in order cites "x"\n'
    text += ('rule running for each day q cites "x"\n'
             "  = if q = first(day) then amount[q] else amount[q] * rate[q] + running[previous(q)]\n")
    return text + 'rule total cites "x" = running[last(day)]\noutputs total\n'


def rule_lines(size: int) -> str:
    """A chain of `size` rules, each one line."""
    text = 'currency USD cites "x"\nrule r0 cites "x" = USD 1\n'
    text += "".join(f'rule r{i} cites "x" = r{i - 1} + USD 1\n' for i in range(1, size))
    return text + f"outputs r{size - 1}\n"


def unknown_names(size: int) -> str:
    """`size` rules, each referring to a name that is not defined (a did-you-mean for each)."""
    text = 'currency USD cites "x"\n'
    return text + "".join(f'rule known_{i} cites "x" = unknwn_{i} + USD 1\n' for i in range(size))


def seconds(make: Callable[[int], str], size: int, runs: int) -> float:
    folder = Path(tempfile.mkdtemp())
    (folder / "r.rules").write_text(make(size), encoding="utf-8")
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        try:
            check(parse_files([folder / "r.rules"]))
        except ContractError:
            pass  # unknown_names: the errors are the work measured
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    quick = "--quick" in sys.argv
    cases: list[tuple[str, Callable[[int], str], list[int]]] = [
        ("periods", periods, [2_500, 5_000, 10_000, 20_000]),
        ("rule lines", rule_lines, [2_500, 5_000, 10_000, 20_000]),
        ("unknown names", unknown_names, [500, 1_000, 2_000, 4_000]),
    ]
    print(f"{'case':<14} {'size':>7} {'parse+check':>12} {'x previous':>11}")
    for name, make, sizes in cases:
        previous = None
        for size in sizes[:2] if quick else sizes:
            t = seconds(make, size, 1 if quick else 3)
            ratio = f"{t / previous:.2f}" if previous else ""
            print(f"{name:<14} {size:>7,} {t:>11.2f}s {ratio:>11}")
            previous = t


if __name__ == "__main__":
    main()
