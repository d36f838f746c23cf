"""The `clausewise` command: parses arguments, calls the library, prints.

Exit codes: 0 done; 2 bad usage or bad input of any kind (rules, contract,
inputs), with a positioned message and no traceback, or an output that cannot
be written (an --output refused or failing, standard output full or unable to
show the report's characters); 1 an internal error (a bug in clausewise: rerun
with --debug and report the traceback); 141 (128 + SIGPIPE, as the shell reports
a program stopped by a closed pipe) standard output closed by its reader, e.g.
`clausewise ... | head -1`: nothing more is printed. `fmt --check` exits 1 when
a file would change; `test`, when an example's figure differs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

# Only what every start needs: each command imports what it uses inside its function, so that
# `clausewise --help` and a plain evaluate start fast (benchmarks/startup.py; no parser, NumPy or schemas).
from .errors import ContractError, Diagnostic
from .limits import DEFAULT, Limits

if TYPE_CHECKING:
    from .compare import Comparison
    from .contract import Contract
    from .result import Explanation, Result
    from .schedule import Schedule

EXPLAIN_DEPTH = 3  # explain --depth by default: render_trace.SHORT (a test checks they agree)
SOLVE_SCAN = 32  # solve --scan by default: solve.SCAN (a test checks they agree)

EXIT_OK, EXIT_BUG, EXIT_BAD_INPUT, EXIT_CLOSED_PIPE = 0, 1, 2, 141
EXIT_WOULD_CHANGE = 1  # fmt --check: some files are not in their canonical layout
EXIT_EXAMPLES_FAIL = 1  # test: some example's figure differs
_CONTRACT_SUFFIXES = (".yaml", ".yml", ".json")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n   hint: run '{self.prog} --help'\n")



class _Version(argparse.Action):
    """`--version`: the distribution's version (provenance.tool_version), looked up only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        from .provenance import tool_version

        print(f"clausewise {tool_version()}")
        parser.exit()


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _depth(text: str) -> int | None:
    if text == "all":
        return None
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a depth: give a number of levels (0 or more) or 'all'")
    return int(text)


AS_OF_HELP = ("evaluate as of DATE: the amendments in force then, and only the inputs known by then (the rest "
              "pending, with why); the date rules see as as_of (default: every amendment and every input given)")


SET_HELP = ("NAME.PERIOD=VALUE: use VALUE for that input and period, over the inputs file (repeatable; "
            "NAME=VALUE for an input without periods, e.g. --set sales.FY3=850000)")


def _sets(p: argparse.ArgumentParser, help: str = SET_HELP) -> None:
    p.add_argument("--set", metavar="NAME.PERIOD=VALUE", action="append", default=[], help=help)


def _common(p: argparse.ArgumentParser, as_of: bool = True) -> None:
    p.add_argument("--inputs", metavar="FILE", help="inputs file (.yaml or .json); without it every input is pending")
    _sets(p)
    p.add_argument("--interpretation", metavar="NAME", help="reading to use (default: the contract's)")
    if as_of:
        p.add_argument("--as-of", metavar="DATE", type=_date, help=AS_OF_HELP)


def _count(text: str) -> int:
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not at least 1")
    return value


def _whole(text: str) -> int:
    """A whole number, 0 included (the library says why 0 paths cannot be drawn, at its place)."""
    try:
        return int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def _limits(p: argparse.ArgumentParser) -> None:
    p.add_argument("--max-cost", metavar="STEPS", type=_count, default=DEFAULT.max_cost,
                   help=f"refuse rules that could take more steps to evaluate (default: {DEFAULT.max_cost:,})")
    p.add_argument("--max-digits", metavar="N", type=_count, default=DEFAULT.max_digits,
                   help=f"stop at a number of more digits (default: {DEFAULT.max_digits:,})")


def _arguments() -> argparse.ArgumentParser:
    p = _Parser(prog="clausewise", description="Evaluate the numeric terms of an agreement written as rule files.")
    p.add_argument("--debug", action="store_true", help="show the internal traceback of an unexpected error")
    p.add_argument("--version", action=_Version, help="print the version of clausewise and exit")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    ev = sub.add_parser("evaluate", help="evaluate a contract's outputs for given inputs")
    ev.add_argument("contract", help="contract file (.yaml), or an amendment file")
    _common(ev)
    ev.add_argument("--format", choices=("table", "json", "csv", "markdown", "html", "xlsx", "pdf"), default="table",
                    help="output format (default: table; pdf needs --output)")
    ev.add_argument("--appendix", choices=("none", "explanations", "all"), default="none",
                    help="html and pdf: after the report, how each figure was computed and the clauses cited "
                         "(explanations), and the rule files too (all); default: none")
    ev.add_argument("--trace", action="store_true",
                    help="include every figure's derivation (--format json; html and xlsx always have them)")
    ev.add_argument("--all-interpretations", action="store_true",
                    help="every reading side by side (table or json; xlsx: a sheet per reading)")
    ev.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")

    ex = sub.add_parser("explain", help="show how one figure is derived, down to inputs and parameters")
    ex.add_argument("contract", help="contract file (.yaml)")
    ex.add_argument("figure", metavar="OUTPUT", help="the figure to explain, e.g. deducted_shares (any output or rule)")
    ex.add_argument("period", nargs="?", help="its period, e.g. Y1 (two periods as Y2,Y1)")
    _common(ex)
    ex.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    ex.add_argument("--depth", metavar="N", type=_depth, default=EXPLAIN_DEPTH,
                    help=f"levels of values shown below the figure, or 'all' (default: {EXPLAIN_DEPTH}; "
                         "--format json has every step)")

    df = sub.add_parser("diff", help="every output that differs between two contracts, dates or readings")
    df.add_argument("contract", help="contract file A")
    df.add_argument("other", nargs="?", metavar="CONTRACT_B", help="contract file B (default: A again)")
    _common(df)
    df.add_argument("--against", metavar="NAME", help="reading for B (default: the same as A's)")
    df.add_argument("--against-as-of", metavar="DATE", type=_date, help="amendments for B as of DATE")
    df.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")

    hi = sub.add_parser("history", help="each output as signed and after each amendment in turn")
    hi.add_argument("contract", help="contract file (.yaml)")
    _common(hi, as_of=False)
    hi.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")

    sd = sub.add_parser("schedule", help="every obligation with its clause, due date, status and penalty")
    sd.add_argument("contract", help="contract file (.yaml)")
    sd.add_argument("--inputs", metavar="FILE", help="inputs file (.yaml or .json) with the events so far")
    _sets(sd)
    sd.add_argument("--interpretation", metavar="NAME", help="reading to use (default: the contract's)")
    sd.add_argument("--as-of", metavar="DATE", type=_date, help="the date of the statuses (default: today)")
    sd.add_argument("--format", choices=("table", "json", "ics"), default="table", help="output format")
    sd.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")

    sc = sub.add_parser("schema", help="print a published JSON Schema")
    sc.add_argument("which", choices=("result", "contract", "amendment", "inputs", "model", "example"),
                    help="result: documents printed with --format json; contract, amendment, model, example: "
                         "those files; inputs: the inputs files of the contract given")
    sc.add_argument("contract", nargs="?", help="with 'inputs': the contract file")

    bt = sub.add_parser("batch", help="evaluate many scenarios at once (a CSV, JSON or Parquet file of inputs)")
    bt.add_argument("contract", help="contract file (.yaml), or an amendment file")
    bt.add_argument("--scenarios", metavar="FILE", required=True,
                    help="one scenario per row, a column per input and period (sales.Y1, ...): .csv, .json, .parquet")
    readings = bt.add_mutually_exclusive_group()
    readings.add_argument("--interpretation", metavar="NAME", help="reading to use (default: the contract's)")
    readings.add_argument("--all-interpretations", action="store_true", help="every reading, side by side")
    bt.add_argument("--as-of", metavar="DATE", type=_date, help=AS_OF_HELP)
    _sets(bt, "NAME.PERIOD=VALUE: that input and period in every scenario, over the file's column (repeatable)")
    bt.add_argument("--output", metavar="FILE",
                    help="write the results to FILE (.csv, .json or .parquet; default: CSV on standard output)")
    bt.add_argument("--summary", action="store_true",
                    help="print each output's distribution (count, pending, min, percentiles, max, mean)")
    bt.add_argument("--strict", action="store_true", help="stop at the first scenario that fails")

    sv = sub.add_parser("solve", help="goal seek: the least (or greatest) value of an input at which a condition holds")
    sv.add_argument("contract", help="contract file (.yaml), or an amendment file")
    sv.add_argument("--inputs", metavar="FILE", help="inputs file (.yaml or .json): the other inputs")
    _sets(sv)
    sv.add_argument("--vary", metavar="NAME.PERIOD", required=True, help="the input to vary, e.g. sales.FY3")
    sv.add_argument("--until", metavar="CONDITION", required=True,
                    help="OUTPUT.PERIOD OP VALUE with its unit, e.g. 'payment.FY3 = USD 0' "
                         "(OP: = != < <= > >=)")
    sv.add_argument("--between", metavar=("LO", "HI"), nargs=2,
                    help="the range searched, in the input's unit (800000 or 'USD 800 thousand'; "
                         "default: 0 to 10^12 steps)")
    sv.add_argument("--greatest", action="store_true", help="the greatest value instead of the least")
    sv.add_argument("--unit", metavar="STEP", help="the step of the answer, in the input's unit (default: 1, "
                                                   "e.g. USD 1; 0.01 for cents)")
    sv.add_argument("--scan", metavar="N", type=_count, default=SOLVE_SCAN,
                    help=f"intervals first checked across the range (default: {SOLVE_SCAN}, so {SOLVE_SCAN + 1} "
                         "values); more find narrower intervals where the condition holds, at more evaluations")
    sv_readings = sv.add_mutually_exclusive_group()
    sv_readings.add_argument("--interpretation", metavar="NAME", help="reading to use (default: the contract's)")
    sv_readings.add_argument("--all-interpretations", action="store_true", help="every reading, one after another")
    sv.add_argument("--as-of", metavar="DATE", type=_date, help=AS_OF_HELP)
    sv.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    _limits(sv)

    sm = sub.add_parser("simulate", help="Monte Carlo valuation: inputs not known yet drawn from a model, exactly")
    sm.add_argument("contract", help="contract file (.yaml), or an amendment file")
    sm.add_argument("--model", metavar="FILE", required=True,
                    help="model file (.yaml or .json): a distribution per input (clausewise schema model)")
    sm.add_argument("--paths", metavar="N", type=_whole, default=10_000, help="paths drawn (default: 10,000)")
    sm.add_argument("--seed", metavar="N", type=_whole, default=0, help="seed of the generator (default: 0)")
    sm.add_argument("--as-of", metavar="DATE", type=_date,
                    help="inputs known by DATE are fixed (only later periods are drawn); the amendments in force")
    sm.add_argument("--inputs", metavar="FILE", help="inputs file (.yaml or .json) with the figures known")
    _sets(sm, SET_HELP + "; a figure set is known, not drawn")
    sm.add_argument("--all-interpretations", action="store_true", help="every reading (default: the contract's)")
    sm.add_argument("--price", metavar="USD_PER_SHARE", help="price per share, for a present value of the shares "
                                                              "released (with --discount-rate)")
    sm.add_argument("--discount-rate", metavar="R", help="yearly discount rate, a decimal (0.1 for 10%%)")
    sm.add_argument("--format", choices=("table", "json", "csv", "html"), default="table",
                    help="output format (default: table)")
    sm.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")
    _limits(sm)

    sw = sub.add_parser("sweep", help="chosen outputs over a grid of one or two inputs, every reading side by side")
    sw.add_argument("contract", help="contract file (.yaml), or an amendment file")
    sw.add_argument("--inputs", metavar="FILE", help="inputs file (.yaml or .json): the inputs not varied")
    _sets(sw)
    sw.add_argument("--vary", metavar="NAME.PERIOD=FROM..TO", action="append", default=[],
                    help="an input to vary over a range, e.g. sales.FY3=800000..1000000 (at most twice)")
    sw.add_argument("--step", metavar="STEP", action="append", default=[],
                    help="the step of the grid, in the input's unit (days for a date); once, or once per --vary")
    sw.add_argument("--outputs", metavar="A,B", action="append",
                    help="the outputs shown, as NAME or NAME.PERIOD (default: those that change over the grid)")
    sw_readings = sw.add_mutually_exclusive_group()
    sw_readings.add_argument("--interpretation", metavar="NAME", help="reading to use (default: the contract's)")
    sw_readings.add_argument("--all-interpretations", action="store_true", help="every reading, side by side")
    sw.add_argument("--format", choices=("table", "csv", "json", "xlsx", "html"),
                    help="output format (default: table, or as --output is named: .csv .json .xlsx .html)")
    sw.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output (xlsx: required)")
    _limits(sw)

    ck = sub.add_parser("check", help="check contract and rule files without evaluating them")
    ck.add_argument("files", nargs="+", metavar="CONTRACT_OR_RULE_FILE",
                    help="contract files (.yaml) are checked one by one; rule files together, as one set")
    fm = sub.add_parser("fmt", help="put rule files in their canonical layout (comments and blank lines kept)")
    fm.add_argument("files", nargs="+", metavar="RULE_FILE", help="rule files, rewritten in place")
    fm.add_argument("--check", action="store_true",
                    help="change nothing: list the files that would change and exit 1 if there are any")
    ls = sub.add_parser("lsp", help="the language server for editors, over standard input and output "
                        "(needs: pip install 'clausewise[lsp]')")
    _limits(ls)  # the limits its checks use
    se = sub.add_parser("serve", help="serve the contracts of a folder over HTTP, JSON in and out "
                        "(needs: pip install 'clausewise[serve]')")
    se.add_argument("--contracts", metavar="DIR", help="folder of contract files (default: the bundled contracts)")
    se.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    se.add_argument("--port", type=_whole, default=8000, help="port to listen on (default: 8000; 0: any free one)")
    se.add_argument("--workers", metavar="N", type=_count, default=1, help="worker processes (default: 1)")
    _limits(se)  # those of the contracts served
    ts = sub.add_parser("test", help="run the worked examples kept beside the rules (YAML example files)")
    ts.add_argument("paths", nargs="*", metavar="PATH",
                    help="example files, or folders to search for them (default: the current folder)")
    ts.add_argument("--reset", action="store_true",
                    help="write the actual figures in place of the expected ones that differ, after a confirmation")
    ts.add_argument("--yes", action="store_true", help="with --reset: do not ask (needed when not on a terminal)")
    _limits(fm)  # accepted as by every command; formatting evaluates nothing
    _limits(ts)
    for command in (ev, ex, df, hi, sd, sc, bt, ck):
        _limits(command)
    return p


def _load(args: argparse.Namespace, path: str) -> Contract:
    """Load a contract, noting the files read (which --output may not name)."""
    from .contract_file import load

    contract = load(path, limits=_limits_of(args))
    args.files_read.extend(contract.files_read)
    return contract


def _limits_of(args: argparse.Namespace) -> Limits:
    return Limits(max_cost=args.max_cost, max_digits=args.max_digits)


def _schedule(args: argparse.Namespace) -> str:
    from . import schedule as schedule_
    from .result import dumps

    contract = _load(args, args.contract)
    s = _stamped(args, schedule_.schedule(contract, _inputs(args, contract), args.as_of, args.interpretation))
    if args.format == "json":
        return dumps(s.to_dict()) + "\n"
    if args.format == "ics":
        return schedule_.ics(s)
    return schedule_.table(s)


def _inputs(args: argparse.Namespace, contract: Contract | None = None) -> Path | Mapping[str, Any] | None:
    """The inputs file, with the --set overrides laid over it (checked against the contract's inputs)."""
    path = Path(args.inputs) if args.inputs else None
    if not getattr(args, "set", None) or contract is None:
        return path
    from . import overrides

    return overrides.merged(contract.program, path, args.set, [p.id for p in contract.parties])


_Stamped = TypeVar("_Stamped", "Result", "Explanation", "Schedule")


def _stamped(args: argparse.Namespace, made: _Stamped) -> _Stamped:
    """`made` (a result, explanation or schedule), whose provenance names the inputs file and the --set
    overrides: with --set the evaluation saw only the merged mapping (_inputs)."""
    if not getattr(args, "set", None):
        return made
    import dataclasses

    from . import provenance

    file = Path(args.inputs) if args.inputs else None
    if hasattr(made, "make_provenance"):  # a result: its block is made when first asked
        return provenance.restamped(made, file, args.set)  # type: ignore[arg-type,return-value]
    return dataclasses.replace(made, provenance=provenance.with_inputs(made.provenance, file,  # type: ignore[call-arg]
                                                                      args.set))


def _evaluate(args: argparse.Namespace) -> str | bytes:
    if args.format == "xlsx":  # every reading asked, each with its explanations: no --trace needed
        return _evaluate_xlsx(args)
    if args.format in ("html", "pdf"):
        return _evaluate_report(args)
    if args.appendix != "none":
        raise ContractError(Diagnostic(f"--appendix works with --format html or pdf, not {args.format}", "",
                                       hint="add --format html"))
    if args.trace and args.all_interpretations:
        raise ContractError(Diagnostic("--trace works with one reading, not with --all-interpretations", "",
                                       hint="give --interpretation NAME instead"))
    if args.trace and args.format not in ("json", "html"):
        raise ContractError(Diagnostic(f"--trace works with --format json or html, not {args.format}", "",
                                       hint="add --format json, or run 'clausewise explain CONTRACT OUTPUT [PERIOD]'"))
    from . import render
    from .compare import compare

    contract = _load(args, args.contract)
    if args.all_interpretations:
        readings: list[str | None] = list(contract.interpretations) or [None]
        inputs = _inputs(args, contract)
        results = [_stamped(args, contract.evaluate(inputs, r, narrate=False, as_of=args.as_of)) for r in readings]
        labels = [r or "rules" for r in readings]
        return _comparison(compare("interpretations", labels, results, only_differences=False), args.format)
    trace = (args.trace and args.format == "json") or args.format == "html"
    result = _stamped(args, contract.evaluate(_inputs(args, contract), args.interpretation, trace=trace,
                                              as_of=args.as_of))
    if args.format == "json":
        return render.json_text(result)
    if args.format == "csv":
        return render.csv_text(result)
    if args.format == "markdown":
        return render.markdown(result, contract.title)
    if args.format == "html":
        from . import render_html  # only this format needs it

        return render_html.report(result, contract)
    return render.table(result, contract.title)


def _evaluate_report(args: argparse.Namespace) -> str | bytes:
    """`evaluate --format html|pdf`: the report (render_html.py), its appendix as --appendix says, the
    obligations as of --as-of (else as of the day of generation: SOURCE_DATE_EPOCH's when set), every reading
    side by side with --all-interpretations; pdf (render_pdf.py) only into the file --output names."""
    from datetime import datetime

    from . import render_html
    from . import schedule as schedule_
    from .compare import compare

    if args.format == "pdf" and not args.output:
        raise ContractError(Diagnostic("--format pdf writes a PDF file, never to a terminal: name its file",
                                       "clausewise", hint="add --output FILE.pdf"))
    contract = _load(args, args.contract)
    inputs = _inputs(args, contract)
    trace = args.trace or args.appendix != "none"
    result = contract.evaluate(inputs, args.interpretation, trace=trace, as_of=args.as_of)
    readings = None
    if args.all_interpretations:
        names: list[str | None] = list(contract.interpretations) or [None]
        results = [result if r == result.interpretation else
                   contract.evaluate(inputs, r, narrate=False, as_of=args.as_of) for r in names]
        readings = compare("interpretations", [r or "rules" for r in names], results, only_differences=False)
    obligations = None
    if contract.version(args.as_of).plan.obligations:
        generated = result.provenance.get("generated_at")
        now = datetime.fromisoformat(generated.replace("Z", "+00:00")) if generated else None
        obligations = schedule_.schedule(contract, inputs, args.as_of, result.interpretation,
                                         now=None if now is None else (lambda: now))
    page = render_html.report(result, contract, args.appendix, obligations, readings)
    if args.format == "html":
        return page
    from . import render_pdf

    return render_pdf.pdf(page)


def _evaluate_xlsx(args: argparse.Namespace) -> bytes:
    """`evaluate --format xlsx --output FILE`: the workbook (render_xlsx.py); a sheet per reading with
    --all-interpretations; the schedule of obligations as of --as-of (else today, or SOURCE_DATE_EPOCH's day)."""
    from . import render_xlsx
    from . import schedule as schedule_

    if not args.output:
        raise ContractError(Diagnostic("--format xlsx writes a workbook: name its file", "clausewise",
                                       hint="add --output FILE.xlsx"))
    contract = _load(args, args.contract)
    inputs = _inputs(args, contract)
    readings: list[str | None] = (list(contract.interpretations) or [None]) if args.all_interpretations \
        else [args.interpretation]
    results = [_stamped(args, contract.evaluate(inputs, r, trace=True, narrate=False, as_of=args.as_of))
               for r in readings]
    schedules: list[Any] = []
    if contract.version(args.as_of).plan.obligations:
        created = render_xlsx.created_at(results[0])
        schedules = [schedule_.schedule(contract, inputs, args.as_of, r.interpretation,
                                        now=None if created is None else (lambda: created)) for r in results]
    return render_xlsx.workbook(results, contract.title, schedules)


def _batch(args: argparse.Namespace) -> tuple[str | bytes, bool]:
    """`clausewise batch`: the results (or the summary) and whether any scenario failed."""
    from . import scenarios, summary

    contract = _load(args, args.contract)
    path = Path(args.scenarios)
    args.files_read.append(path)
    columns = scenarios.read(path)
    if args.set:
        from . import overrides

        columns = overrides.into_columns(contract.program, columns, args.set)
    readings: list[str | None] = (list(contract.interpretations) or [None]) if args.all_interpretations \
        else [args.interpretation]
    rows = len(next(iter(_flat_lengths(columns)), [])) if columns else None
    results = []
    with _progress(rows, len(readings)) as advance:
        for reading in readings:
            result = contract.evaluate_batch(columns, reading, as_of=args.as_of, progress=advance)
            if args.strict and result.errors:
                row = min(result.errors)
                error = result.errors[row]
                d = error.diagnostics[0]
                raise ContractError(Diagnostic(f"scenario {row + 1}: {d.text()}", str(path), hint=d.hint))
            results.append((result.interpretation if args.all_interpretations else result.interpretation, result))
    failed = any(r.errors for _, r in results)
    _report_failures(results, path)
    if args.summary and not args.output:
        return summary.text(results), failed
    if args.summary:
        print(summary.text(results), end="", file=sys.stderr)
    fmt = Path(args.output).suffix.lower().lstrip(".") if args.output else "csv"
    if fmt not in ("csv", "json", "parquet"):
        raise ContractError(Diagnostic(f"--output {args.output}: results are written as .csv, .json or .parquet",
                                       "clausewise"))
    data = scenarios.write(results, fmt)
    return (data if fmt == "parquet" else data.decode("utf-8")), failed


def _sweep(args: argparse.Namespace) -> str | bytes:
    """`clausewise sweep`: the grid in the format asked (failed points on standard error, exit 2)."""
    from . import render_sweep
    from .sweep import point_value

    suffix = Path(args.output).suffix.lower().lstrip(".") if args.output else ""
    fmt = args.format or (suffix if suffix in ("csv", "json", "xlsx", "html") else "table")
    if fmt == "xlsx" and not args.output:
        raise ContractError(Diagnostic("--format xlsx writes a workbook: name its file", "clausewise",
                                       hint="add --output FILE.xlsx"))
    if not args.step:
        raise ContractError(Diagnostic("give the step of the grid: --step STEP", "clausewise",
                                       hint="e.g. --vary sales.FY3=800000..1000000 --step 10000"))
    contract = _load(args, args.contract)
    readings: list[str | None] = (list(contract.interpretations) or [None]) if args.all_interpretations \
        else [args.interpretation]
    result = contract.sweep(args.vary, args.step, _inputs(args), args.set, args.outputs, readings)
    shown = 0
    for reading, failed in result.errors.items():
        for i, error in sorted(failed.items()):
            if shown == 20:
                break
            at = ", ".join(f"{a.label} = {point_value(p)}" for a, p in zip(result.axes, result.points[i], strict=True))
            d = error.diagnostics[0]
            print(f"sweep: at {at} ({reading}): error: {d.text()}" + (f"\n   hint: {d.hint}" if d.hint else ""),
                  file=sys.stderr)
            shown += 1
    if result.errors:
        args.exit_code = EXIT_BAD_INPUT
    if fmt == "xlsx":
        return render_sweep.xlsx(result)
    return {"csv": render_sweep.csv_text, "json": render_sweep.json_text, "html": render_sweep.page,
            "table": render_sweep.table}[fmt](result)


def _flat_lengths(columns: Any) -> list[Any]:
    """The columns of a scenario file, nested ones (JSON rows) included, to count its rows."""
    out: list[Any] = []
    for value in columns.values():
        out += _flat_lengths(value) if isinstance(value, dict) else [value]
    return out


def _report_failures(results: list[tuple[str | None, Any]], path: Path) -> None:
    """Each failed scenario on standard error, with its row and column (at most 20, then how many more)."""
    shown = 0
    total = sum(len(r.errors) for _, r in results)
    for reading, result in results:
        for row, error in sorted(result.errors.items()):
            if shown == 20:
                print(f"... and {total - shown:,} more failed scenarios", file=sys.stderr)
                return
            d = error.diagnostics[0]
            where = f"{path}: scenario {row + 1}" + (f", column {d.path}" if d.path else "")
            where += f" ({reading})" if reading and len(results) > 1 else ""
            print(f"{where}: error: {d.message}" + (f"\n   hint: {d.hint}" if d.hint else ""), file=sys.stderr)
            shown += 1


@contextlib.contextmanager
def _progress(rows: int | None, passes: int) -> Iterator[Callable[[int], None]]:
    """A progress bar on standard error for work that takes more than about a second, if it is a terminal."""
    if not rows or not sys.stderr.isatty():
        yield lambda done: None
        return
    from tqdm import tqdm

    with tqdm(total=rows * passes, unit=" scenarios", delay=1.0, file=sys.stderr, leave=False) as bar:
        yield bar.update


def _comparison(c: Comparison, fmt: str) -> str:
    from . import compare as compare_
    from .result import dumps

    if fmt == "json":
        return dumps(c.to_dict()) + "\n"
    if fmt != "table":
        raise ContractError(f"--format {fmt} is not available for a comparison; use table or json")
    return compare_.table(c)


def _diff(args: argparse.Namespace) -> str:
    from . import compare as compare_
    from .compare import compare
    from .library import diff_labels

    a = _load(args, args.contract)
    b = _load(args, args.other) if args.other else a
    inputs = _inputs(args, a)
    against_as_of = args.against_as_of or args.as_of
    before = compare_.before_amendment(a, b, args.as_of)  # A as it stood just before amendment file B
    left = _stamped(args, (b if before else a).evaluate(inputs, args.interpretation, narrate=False,
                                                        as_of=args.as_of, version=before))
    right = _stamped(args, b.evaluate(inputs if b is a else _inputs(args, b), args.against or args.interpretation,
                                      narrate=False, as_of=against_as_of))
    labels = diff_labels((args.contract, args.other or args.contract), (a, b), (left, right), before is not None)
    return _comparison(compare("diff", labels, [left, right], only_differences=True), args.format)


def _history(args: argparse.Namespace) -> str:
    from .compare import compare

    contract = _load(args, args.contract)
    stages = contract.stages()
    inputs = _inputs(args, contract)
    results = [_stamped(args, contract.evaluate(inputs, args.interpretation, narrate=False, as_of=None, version=v))
               for _, v in stages]
    return _comparison(compare("history", [label for label, _ in stages], results, only_differences=False),
                       args.format)


def _explain(args: argparse.Namespace) -> str:
    from . import render_trace
    from .result import dumps

    contract = _load(args, args.contract)
    inputs = _inputs(args, contract)
    expl = _stamped(args, contract.explain(args.figure, args.period, inputs, args.interpretation, as_of=args.as_of))
    if args.format == "json":
        return dumps(expl.to_dict()) + "\n"
    return render_trace.explanation(expl, args.depth)


def _solve(args: argparse.Namespace) -> str:
    from . import render_solve

    contract = _load(args, args.contract)
    readings: list[str | None] = (list(contract.interpretations) or [None]) if args.all_interpretations \
        else [args.interpretation]
    inputs = _inputs(args, contract)
    results = [contract.solve(inputs, args.vary, args.until, tuple(args.between) if args.between else None,
                              args.greatest, reading, args.as_of, args.unit, args.scan) for reading in readings]
    if args.format == "json":
        return render_solve.json_text(results)
    return render_solve.text(results, contract.title)


def _schema(args: argparse.Namespace) -> str:
    from .datafile import schema as data_schema
    from .result import result_schema

    if args.which == "inputs":
        if not args.contract:
            raise ContractError("'schema inputs' needs a contract file: clausewise schema inputs CONTRACT")
        schema = _load(args, args.contract).inputs_schema()
    else:
        schema = result_schema() if args.which == "result" else data_schema(f"{args.which}.schema.json")
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def _simulate(args: argparse.Namespace) -> str:
    from . import render_simulation as rs

    contract = _load(args, args.contract)
    args.files_read.append(Path(args.model))
    readings: list[str | None] = (list(contract.interpretations) or [None]) if args.all_interpretations else [None]
    with _progress(args.paths if args.paths > 0 else None, len(readings)) as advance:
        result = contract.simulate(args.model, args.paths, args.seed, _inputs(args, contract), args.as_of, readings,
                                   args.price, args.discount_rate, advance)
    formats = {"json": rs.json_text, "csv": rs.csv_text, "html": rs.html_text, "table": rs.table}
    return formats[args.format](result)


def _check(args: argparse.Namespace) -> str:
    from .contract_file import load_rules
    from .cost import bound

    contracts = [f for f in args.files if Path(f).suffix.lower() in _CONTRACT_SUFFIXES]
    rule_files = [f for f in args.files if f not in contracts]
    problems: list[ContractError] = []
    lines = []
    for path in contracts:
        try:
            c = _load(args, path)
            readings = ", ".join(c.interpretations) or "one"
            lines.append(f"{path}: ok ({len(c.rule_files)} rule file(s), {len(c.outputs)} outputs, "
                         f"readings: {readings}; at most {bound(c.program).total:,} steps to evaluate)")
        except ContractError as exc:
            problems.append(exc)
    if rule_files:
        try:
            program = load_rules(rule_files, limits=_limits_of(args))
            lines.append(f"{', '.join(rule_files)}: ok ({len(program.symbols)} definitions, "
                         f"{len(program.outputs)} outputs; at most {bound(program).total:,} steps to evaluate)")
        except ContractError as exc:
            problems.append(exc)
    if problems:
        raise ContractError([d for exc in problems for d in exc.diagnostics])
    return "\n".join(lines) + "\n"


def _fmt(args: argparse.Namespace) -> str:
    from . import fmt_files

    outcome = fmt_files.format_files(args.files, args.check)
    out = fmt_files.report(outcome, args.check)
    if outcome.problems:  # the files done are listed all the same
        if _print(out) == EXIT_OK:
            raise ContractError(outcome.problems)
        return ""
    if args.check and outcome.changed:
        args.exit_code = EXIT_WOULD_CHANGE
    return out


def _extra(module: str, what: str, extra: str) -> Any:
    """`module` of this package, which needs the optional dependencies of `extra`: a clear error without them."""
    import importlib

    try:
        return importlib.import_module(f"{__package__}.{module}")
    except ImportError as exc:
        needed = (exc.name or extra).split(".")[0]
        raise ContractError(Diagnostic(f"{what} needs {needed}, which is not installed", "",
                                       hint=f"pip install 'clausewise[{extra}]'")) from None


def _lsp(args: argparse.Namespace) -> str:
    """Serve an editor over standard input and output until it says exit (lsp.py)."""
    _extra("lsp", "the language server", "lsp").main(_limits_of(args))
    return ""


def _serve(args: argparse.Namespace) -> str:
    """Serve the contracts over HTTP until stopped (service/: FastAPI and uvicorn, imported only here)."""
    _extra("service.serve", "the service", "serve").run(args.contracts, args.host, args.port, args.workers,
                                                         _limits_of(args))
    return ""


def _test(args: argparse.Namespace) -> str:
    from . import example_runner as er

    if args.reset and not args.yes and not (sys.stdin is not None and sys.stdin.isatty()):
        raise ContractError(Diagnostic("--reset rewrites example files: not on a terminal, it needs --yes", "",
                                       hint="clausewise test --reset --yes PATH..."))
    done = er.run_paths(args.paths, _limits_of(args))
    out = er.report(done)
    if args.reset and done.failed:
        note, rewritten = er.reset(done, (lambda question: True) if args.yes else er.ask)
        out += note
        if rewritten:  # run again: what --reset could not fix still fails
            done = er.run_paths(args.paths, _limits_of(args))
            out += er.report(done)
    if done.problems:  # the examples run are reported all the same
        if _print(out) == EXIT_OK:
            raise ContractError(done.problems)
        return ""
    if done.failed:
        args.exit_code = EXIT_EXAMPLES_FAIL
    return out


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except SystemExit:  # argparse printed its help or a usage error: flush now, not at exit
        try:
            if sys.stdout is not None:
                sys.stdout.flush()
        except OSError:
            _stdout_to_null()
        raise
    except BrokenPipeError:  # the help, into a pipe closed already
        _stdout_to_null()
        return EXIT_CLOSED_PIPE


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _arguments().parse_args(argv)
    args.files_read = []
    try:
        commands: dict[str, Callable[[argparse.Namespace], str | bytes]] = {
            "evaluate": _evaluate, "explain": _explain, "diff": _diff, "history": _history, "schedule": _schedule,
            "schema": _schema, "check": _check, "simulate": _simulate}
        commands["solve"] = _solve
        commands["sweep"] = _sweep
        commands["fmt"] = _fmt
        commands["test"] = _test
        commands["lsp"] = _lsp
        commands["serve"] = _serve
        out: str | bytes
        from . import parse_cache  # the command keeps parsed rule files between runs (not the library)

        with parse_cache.using(parse_cache.default_folder()):
            if args.command == "batch":
                out, failed = _batch(args)
                if failed:  # the results are written all the same; the exit code says some rows failed
                    args.exit_code = EXIT_BAD_INPUT
            else:
                out = commands[args.command](args)
    except ContractError as exc:
        if args.debug:
            traceback.print_exc()
        print(exc.render(), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except Exception:  # a bug in clausewise, not in the user's files
        if args.debug:
            traceback.print_exc()
        else:
            print("clausewise: internal error (a bug in clausewise, not in your files); "
                  "rerun with --debug and report the traceback", file=sys.stderr)
        return EXIT_BUG
    target = getattr(args, "output", None)
    if target:
        from . import output_file  # only when writing a file

        read = [*args.files_read, *([args.inputs] if getattr(args, "inputs", None) else [])]
        try:
            output_file.write(target, out, read)
        except ContractError as exc:
            print(exc.render(), file=sys.stderr)
            return EXIT_BAD_INPUT
        print(f"wrote {target}", file=sys.stderr)
        return getattr(args, "exit_code", EXIT_OK)
    printed = _print(out if isinstance(out, str) else out.decode("utf-8"))
    return getattr(args, "exit_code", EXIT_OK) if printed == EXIT_OK else printed


def _print(out: str) -> int:
    """Write the report to standard output, which may be closed, full, or unable to show its characters."""
    if sys.stdout is None:  # started with standard output closed (>&-)
        print("clausewise: error: cannot write to standard output: it is closed", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        sys.stdout.write(out)
        sys.stdout.flush()
    except BrokenPipeError:  # the reader has gone (| head): stop quietly
        _stdout_to_null()
        return EXIT_CLOSED_PIPE
    except UnicodeEncodeError as exc:  # checked before anything is written: nothing half printed
        print(f"clausewise: error: standard output cannot show {exc.object[exc.start:exc.end]!r} "
              f"(its encoding is {exc.encoding})\n   hint: set PYTHONIOENCODING=utf-8, or write the report "
              "with --output FILE", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        _stdout_to_null()
        print(f"clausewise: error: cannot write to standard output: {exc.strerror}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT_OK


def _stdout_to_null() -> None:
    """Point standard output at the null device, so that the interpreter's last flush cannot fail again."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, sys.stdout.fileno())
        finally:
            os.close(null)
    except (OSError, ValueError):  # not a real file (a test's buffer): nothing to do
        pass


if __name__ == "__main__":
    sys.exit(main())
