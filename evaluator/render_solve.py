"""A goal seek's result as text (`clausewise solve`) and as a JSON document."""

from __future__ import annotations

from collections.abc import Sequence

from .result import dumps
from .solve import ERROR, FAILS, HOLDS, PENDING, SolveResult
from .solve_terms import amount_text

_SAID = {HOLDS: "holds", FAILS: "does not hold", PENDING: "pending", ERROR: "cannot be evaluated"}


def text(results: Sequence[SolveResult], title: str) -> str:
    return "\n".join(_one(r, title) for r in results)


def _one(r: SolveResult, title: str) -> str:
    v, c = r.vary, r.condition
    at = amount_text
    seek = "greatest" if r.greatest else "least"
    lines = [f"{title}" + (f", reading {r.interpretation}" if r.interpretation else "")
             + (f", as of {r.as_of.isoformat()}" if r.as_of else ""),
             f"the {seek} {v.label} at which {c.text}: searched from {at(r.low, v.type)} to {at(r.high, v.type)} "
             f"in steps of {at(r.step, v.type)}", ""]
    if r.value is None:
        lines.append(f"unreachable: {c.text} holds at no value of {v.label} in the range")
    else:
        lines.append(f"answer: {v.label} = {at(r.value, v.type)}")
    if r.at_bound:
        beyond = "above" if r.greatest else "below"
        lines.append(f"  it holds at the {'high' if r.greatest else 'low'} end of the range already: the "
                     f"{seek} value may lie {beyond} it (widen --between)")
    if r.checks:
        lines += ["", "checked on the scalar engine:"]
        for check in r.checks:
            holds = {True: "holds", False: "does not hold", None: "pending"}[check.holds]
            lines.append(f"  {v.label} = {at(check.value, v.type)}: {c.label} = {at(check.output, c.type)} ({holds})")
    lines += ["", "outcome across the range:"]
    width = max(len(f"{at(p.low, v.type)} to {at(p.high, v.type)}") for p in r.pieces)
    for p in r.pieces:
        span = f"{at(p.low, v.type)} to {at(p.high, v.type)}"
        lines.append(f"  {span:<{width}}  {_SAID[p.outcome]}" + (f": {p.note}" if p.note else ""))
    if r.value is not None:
        held = len(r.holds)
        lines.append("monotone in the range: the outcome changes at most once" if r.monotone else
                     f"not monotone in the range: it holds on {held} separate intervals" if held > 1 else
                     "not monotone in the range: it holds on one interval that reaches neither end")
    engines = f"the {r.engine} engine{'s' if ' and ' in r.engine else ''}"
    lines += ["", f"method: {r.evaluations} evaluation{'s' if r.evaluations != 1 else ''} of {r.candidates:,} values "
              f"on {engines}, each change of outcome found exactly, to the step; neighbouring values "
              f"checked with the same outcome are at most {at(r.gap, v.type)} apart, and an interval narrower "
              "than that between two of them could be missed (--scan N checks more values)", ""]
    return "\n".join(lines)


def json_text(results: Sequence[SolveResult]) -> str:
    return dumps({"schema": "clausewise/solve/1", "results": [r.to_dict() for r in results]}) + "\n"
