"""How explanations grow with the number of periods: they must stay proportional to what they show.

    python benchmarks/trace_scale.py                      # a running total over 250, 500, 1,000, 2,000 periods
    python benchmarks/trace_scale.py --shape pool         # a pool per period with a claim from each period before
    python benchmarks/trace_scale.py --sizes 100,200 --repeat 5

For each size and stage it prints the median time over --repeat runs, the peak memory (tracemalloc, in a run
of its own), the size of what is produced, and the time and memory per step of the trace. Proportional means
that the figures per step stay flat as the size doubles; the last column is the growth of the time from the
size before, against that of the steps (2.0 against 2.0 when both double).

Stages: `evaluate` without a trace (the baseline), `trace` (evaluate with trace=True: the derivation of every
output), `json` (its JSON document, as `--format json --trace` prints it), `html` (the report, as
`--format html` writes it) and `explain` (the text tree of the last output, as `clausewise explain` prints it;
this one evaluates again).

The chain: `running[q] = amount[q] + running[previous(q)]`, one step per period and input (2n + 1 steps).
The pool: `allocation credit for each slot y, pool amount[y], claims amount[k] for each slot k before y`:
n(n+1)/2 shares, so its sizes are smaller.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import evaluator  # noqa: E402
from evaluator import render, render_html, render_trace  # noqa: E402

CONTRACT = """\
contract: scale
title: Scale
date: 2026-01-01
parties:
  - {id: A, name: Alpha}
rules:
  - scale.rules
"""


def rules(shape: str, periods: int) -> str:
    text = 'currency USD cites "x"\nperiods slot cites "x"\n'
    for i in range(periods):
        day = date(2026, 1, 1) + timedelta(days=i)
        text += f"  D{i} from {day} to {day}\n"
    text += 'input amount: USD by slot cites "x"\n'
    if shape == "chain":
        return text + """rule running for each slot q cites "x"
  = if q = first(slot) then amount[q] else amount[q] + running[previous(q)]
rule total cites "x" = running[last(slot)]
outputs running, total
"""
    return text + """allocation credit for each slot y cites "x"
  pool amount[y]
  claims amount[k] for each slot k before y
  earliest first
rule got for each slot k cites "x" = sum(credit[y, k] for each slot y after k)
rule total cites "x" = sum(got[k] for each slot k)
outputs got, total
"""


def stages(contract: evaluator.Contract, inputs: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    traced = contract.evaluate(inputs, trace=True)
    return {
        "evaluate": lambda: contract.evaluate(inputs),
        "trace": lambda: contract.evaluate(inputs, trace=True),
        "json": lambda: render.json_text(traced),
        "html": lambda: render_html.report(traced, contract),
        "explain": lambda: render_trace.explanation(contract.explain("total", None, inputs)),
    }


def measure(work: Callable[[], Any], repeat: int) -> tuple[float, float, int]:
    """Median seconds, peak MB (traced separately) and the length of what `work` returns (0 if not text)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = work()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    work()
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return statistics.median(times), peak, len(out) if isinstance(out, str) else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shape", choices=("chain", "pool"), default="chain")
    parser.add_argument("--sizes", help="periods, comma-separated (default: 250,500,1000,2000; pool: 50,100,200,400)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the median is shown (default 3)")
    args = parser.parse_args()
    sizes = [int(s) for s in (args.sizes or ("250,500,1000,2000" if args.shape == "chain" else "50,100,200,400"))
             .split(",")]
    print(f"shape: {args.shape}; median of {args.repeat} runs; peak memory by tracemalloc")
    print(f"{'periods':>8} {'steps':>8} {'stage':>9} {'seconds':>9} {'peak MB':>9} {'out MB':>8} "
          f"{'µs/step':>9} {'KB/step':>8} {'growth':>14}")
    before: dict[str, tuple[float, int]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for periods in sizes:
            (Path(folder) / "scale.rules").write_text(rules(args.shape, periods), encoding="utf-8")
            (Path(folder) / "contract.yaml").write_text(CONTRACT, encoding="utf-8")
            contract = evaluator.load(Path(folder) / "contract.yaml")
            inputs = {"amount": {f"D{i}": i % 7 + 1 for i in range(periods)}}
            work = stages(contract, inputs)
            steps = len(contract.evaluate(inputs, trace=True).trace or {})
            for stage, run in work.items():
                seconds, peak, size = measure(run, args.repeat)
                growth = ""
                if stage in before:
                    was_seconds, was_steps = before[stage]
                    growth = f"{seconds / was_seconds:.2f} vs {steps / was_steps:.2f}"
                before[stage] = (seconds, steps)
                print(f"{periods:>8,} {steps:>8,} {stage:>9} {seconds:>9.3f} {peak:>9.1f} {size / 1e6:>8.2f} "
                      f"{seconds / steps * 1e6:>9.1f} {peak * 1e3 / steps:>8.2f} {growth:>14}", flush=True)


if __name__ == "__main__":
    main()
