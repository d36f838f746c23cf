"""What each command of `clausewise` does, once cli.py has read its arguments: load, call the library, return
the report (cli.py prints it or writes it to --output). Each command imports what it uses inside its function:
a plain evaluate loads no NumPy, schema library or parser it does not need."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from .cli import EXIT_BAD_INPUT, EXIT_EXAMPLES_FAIL, EXIT_OK, EXIT_WOULD_CHANGE, print_report
from .errors import ContractError, Diagnostic
from .limits import Limits

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:
    from typing import Any, TypeVar

    from .compare import Comparison
    from .contract import Contract
    from .result import Explanation, Result
    from .schedule import Schedule

_CONTRACT_SUFFIXES = (".yaml", ".yml", ".json")


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


if TYPE_CHECKING:
    _Stamped = TypeVar("_Stamped", Result, Explanation, Schedule)


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

    contract = _load(args, args.contract)
    if args.all_interpretations:
        from .compare import compare

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
        if print_report(out) == EXIT_OK:
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
    """Serve an editor over standard input and output until it says exit (lsp.py). Nothing is kept on disk:
    the server parses a text at every keystroke, and keeps what it needs in memory."""
    from . import parse_cache

    with parse_cache.using(None):
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
        if print_report(out) == EXIT_OK:
            raise ContractError(done.problems)
        return ""
    if done.failed:
        args.exit_code = EXIT_EXAMPLES_FAIL
    return out


RUN: dict[str, Callable[[argparse.Namespace], str | bytes]] = {
    "evaluate": _evaluate, "explain": _explain, "diff": _diff, "history": _history, "schedule": _schedule,
    "schema": _schema, "check": _check, "simulate": _simulate, "solve": _solve, "sweep": _sweep, "fmt": _fmt,
    "test": _test, "lsp": _lsp, "serve": _serve}
batch = _batch  # returns whether some rows failed too
