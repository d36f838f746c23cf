"""A rolling window over a daily series: "at or above USD 12.00 on at least 20 trading days within any 30
consecutive trading days", checked at every trading day, for 750 trading days (three years).

    python benchmarks/windows.py                     # the window, 750 days, median of 5 runs
    python benchmarks/windows.py --days 1500 --repeat 3
    python benchmarks/windows.py --baseline 750      # also the nested-count workaround, over 750 days (slow)

The window (`among the last 30 through d`) costs its 30 entries at each day: linear in the series. The
workaround written before it existed counts, for every day d and every earlier day e of the last 60
calendar days, the trading days from e to d: cubic in the window, quadratic in the series. It is measured
once (`--baseline N`, N days) and its figure printed beside the window's, for the same prices.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import evaluator  # noqa: E402

CONTRACT = """\
contract: windows
title: Windows
date: 2026-01-01
parties:
  - {id: A, name: Alpha}
rules:
  - windows.rules
"""

HEAD = 'currency USD cites "x"\ninput vwap: USD per share by date cites "x"\n'

WINDOW = HEAD + """\
rule met cites "x" = any(count(vwap on e * 1 share >= USD 12.00 for each date e in vwap among the last 30 through d)
                         >= 20 for each date d in vwap)
outputs met
"""

NESTED = HEAD + """\
rule met cites "x" = any(count(vwap on e * 1 share >= USD 12.00 for each date e in vwap
                               where e <= d and d - e <= 60 days
                                 and count(true for each date f in vwap where e < f and f <= d) < 30)
                         >= 20 for each date d in vwap)
outputs met
"""


def prices(days: int) -> dict[str, str]:
    """`days` weekdays from 2 January 2023, the price crossing 12.00 in a slow wave: met late in the run."""
    out: dict[str, str] = {}
    d = date(2023, 1, 2)
    while len(out) < days:
        if d.weekday() < 5:
            i = len(out)
            up = i > days * 9 // 10 and i % 3 != 0  # 2 of every 3 days at 12.50 in the last tenth
            out[d.isoformat()] = "12.50" if up or i % 5 == 0 else "11.00"
        d += timedelta(days=1)
    return out


def measure(rules: str, inputs: dict[str, Any], repeat: int) -> tuple[float, Any]:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "windows.rules").write_text(rules, encoding="utf-8")
        (Path(folder) / "contract.yaml").write_text(CONTRACT, encoding="utf-8")
        contract = evaluator.load(Path(folder) / "contract.yaml", limits=evaluator.Limits(max_cost=10**18))
        times, value = [], None
        for _ in range(repeat):
            start = time.process_time()
            value = contract.evaluate(inputs, narrate=False).outputs["met"]
            times.append(time.process_time() - start)
    return statistics.median(times), value


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=int, default=750)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--baseline", type=int, default=0, metavar="N", help="also the nested count over N days")
    args = ap.parse_args()
    seconds, met = measure(WINDOW, {"vwap": prices(args.days)}, args.repeat)
    print(f"window, {args.days} trading days: {seconds:.3f} s CPU (median of {args.repeat}), met: {met}")
    if args.baseline:
        seconds, nested = measure(NESTED, {"vwap": prices(args.baseline)}, 1)
        print(f"nested count, {args.baseline} trading days: {seconds:.1f} s CPU (one run), met: {nested}")


if __name__ == "__main__":
    main()
