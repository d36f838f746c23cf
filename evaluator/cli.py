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
import os
import sys
from collections.abc import Sequence

TYPE_CHECKING = False  # typing.TYPE_CHECKING, which mypy knows by its name: typing is not imported for --help
if TYPE_CHECKING:
    from datetime import date
    from typing import Any

# Only what every start needs: the commands (commands.py) are imported once the arguments are read, and each
# imports what it uses inside its function, so that `clausewise --help` and a plain evaluate start fast
# (benchmarks/startup.py: no parser, NumPy, schemas or dataclasses for --help).

EXPLAIN_DEPTH = 3  # explain --depth by default: render_trace.SHORT (a test checks they agree)
SOLVE_SCAN = 32  # solve --scan by default: solve.SCAN (a test checks they agree)

EXIT_OK, EXIT_BUG, EXIT_BAD_INPUT, EXIT_CLOSED_PIPE = 0, 1, 2, 141
EXIT_WOULD_CHANGE = 1  # fmt --check: some files are not in their canonical layout
EXIT_EXAMPLES_FAIL = 1  # test: some example's figure differs
MAX_COST, MAX_DIGITS = 20_000_000, 1_000  # --max-cost, --max-digits by default: limits.DEFAULT's (a test checks)


class _Parser(argparse.ArgumentParser):
    """The command's parser."""

    def _get_formatter(self) -> argparse.HelpFormatter:
        from .terminal import columns

        return self.formatter_class(prog=self.prog, width=columns(80) - 2)  # type: ignore[call-arg]  # argparse's width, without shutil

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n   hint: run '{self.prog} --help'\n")


class _Commands(argparse._SubParsersAction):  # type: ignore[type-arg]
    """The subcommands: all of them with their arguments (`every`), or only the one the command line runs
    (`run`; None: it names none, e.g. `clausewise --help`), the others idle."""

    every: bool = True
    run: str | None = None

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        if self.every or name == self.run:
            made: argparse.ArgumentParser = super().add_parser(name, **kwargs)
            return made
        # named among the choices, its help listed, but no parser made: making the fourteen other parsers, with
        # the headings argparse translates for each, took 3.2 of the 3.8 ms it takes to read the arguments
        if "help" in kwargs:
            self._choices_actions.append(self._ChoicesPseudoAction(name, (), kwargs["help"]))
        idle = self._name_parser_map[name] = _Idle()
        return idle  # type: ignore[return-value]  # it takes what _arguments() gives a parser


class _Idle:
    """Stands for the parser of a subcommand that is not run: it takes the arguments it is given and keeps none."""

    def add_argument(self, *args: Any, **kwargs: Any) -> None:
        return None

    def add_mutually_exclusive_group(self, **kwargs: Any) -> _Idle:
        return self


def _command_named(argv: Sequence[str]) -> str | None:
    """The subcommand the command line names: its first word that is not an option (none of the command's
    own options takes a value), or None."""
    return next((word for word in argv if not word.startswith("-")), None)



class _Version(argparse.Action):
    """`--version`: the version of clausewise (version.py, by provenance.tool_version), looked up only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        from .provenance import tool_version

        print(f"clausewise {tool_version()}")
        parser.exit()


def _date(text: str) -> date:
    from datetime import date  # only for an --as-of given

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
    p.add_argument("--max-cost", metavar="STEPS", type=_count, default=MAX_COST,
                   help=f"refuse rules that could take more steps to evaluate (default: {MAX_COST:,})")
    p.add_argument("--max-digits", metavar="N", type=_count, default=MAX_DIGITS,
                   help=f"stop at a number of more digits (default: {MAX_DIGITS:,})")


def _arguments(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The command's parser: with `argv`, only the subcommand it names gets its arguments."""
    p = _Parser(prog="clausewise", description="Evaluate the numeric terms of an agreement written as rule files.")
    p.add_argument("--debug", action="store_true", help="show the internal traceback of an unexpected error")
    p.add_argument("--version", action=_Version, help="print the version of clausewise and exit")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser, action=_Commands)
    assert isinstance(sub, _Commands)
    if argv is not None:
        sub.every, sub.run = False, _command_named(argv)

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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command `argv` (else the process's own arguments) and return its exit code.

    Run as the process's own command (no `argv`), it looks for reference cycles less often (`_collect_less`),
    and ends the process itself once the report is written, when nothing is left to do: no thread was ever
    started and nothing asked to run at exit. The interpreter's own tidying up (freeing every object of every
    module) costs a tenth of a plain evaluation's time, and there is nothing in it to keep; mypy ends the same
    way. Called from Python, it changes nothing of the process and returns as any function."""
    if argv is None:
        _collect_less()
    try:
        code = _main(argv)
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
    if argv is None:
        _end_now_if_done(code)
    return code


GC_YOUNG = 20_000  # objects made (less those freed) before the collector looks for cycles; Python's default: 700


def _collect_less() -> None:
    """The command's own process: the cycle collector looks after 20,000 new objects, not 700. What a command
    makes (modules, classes, syntax trees, cells) lives until it ends or is freed by reference counting, so the
    collector's passes find nothing: 39 passes, about 5 ms of the 70 a plain evaluation of a contract of three
    rule files takes. (mypy's command raises it to 200,000.) Only in a process the command owns."""
    import gc

    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG, older, oldest)


def _end_now_if_done(code: int) -> None:
    """End the process with `code` at once if nothing is left to do at exit (see main)."""
    import atexit

    count = getattr(atexit, "_ncallbacks", None)  # CPython's: how many functions wait to run at exit
    if "threading" in sys.modules or count is None or count() != 0:
        return  # a thread may run, or something waits to run at exit: the interpreter ends it all
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            return  # the interpreter says what it says about a stream it cannot flush
    os._exit(code)


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _arguments(argv).parse_args(argv)
    args.files_read = []
    from . import commands, parse_cache
    from .errors import ContractError

    try:
        out: str | bytes
        with parse_cache.using(parse_cache.default_folder()):  # the command keeps parsed rule files (not the library)
            if args.command == "batch":
                out, failed = commands.batch(args)
                if failed:  # the results are written all the same; the exit code says some rows failed
                    args.exit_code = EXIT_BAD_INPUT
            else:
                out = commands.RUN[args.command](args)
    except ContractError as exc:
        if args.debug:
            import traceback

            traceback.print_exc()
        print(exc.render(), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except Exception:  # a bug in clausewise, not in the user's files
        if args.debug:
            import traceback

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
    printed = print_report(out if isinstance(out, str) else out.decode("utf-8"))
    return getattr(args, "exit_code", EXIT_OK) if printed == EXIT_OK else printed


def print_report(out: str) -> int:
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
