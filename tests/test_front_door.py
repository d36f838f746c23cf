"""The Python front door: `import clausewise` (one copy of every module, whatever the old name `evaluator`
reaches), `python -m clausewise`, `clausewise --version`, the library's task functions, paths as text,
dates as text, and a wheel that installs and imports (slow)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest

import evaluator
from evaluator import cli, library, render_trace, solve
from tests.helpers import KAIXIN, ROOT

INPUTS = ROOT / "contracts" / "examples" / "kaixin-inputs.yaml"
AMENDMENT = ROOT / "contracts" / "examples" / "kaixin-amendment-1.yaml"
EVENTS = ROOT / "contracts" / "examples" / "kaixin-events.yaml"

ONE_COPY = textwrap.dedent("""\
    import sys
    {first}
    import clausewise, clausewise.errors, evaluator, evaluator.errors, evaluator.contract
    assert evaluator is clausewise
    assert clausewise.Contract is evaluator.Contract is evaluator.contract.Contract
    assert clausewise.errors.ContractError is evaluator.errors.ContractError is evaluator.ContractError
    assert clausewise.__name__ == "clausewise" and clausewise.errors.__spec__.name == "clausewise.errors"
    loaded = {{k: v for k, v in sys.modules.items() if k.split(".")[0] in ("clausewise", "evaluator")}}
    twice = [k for k, v in loaded.items() if k.startswith("evaluator.")
             and loaded.get("clausewise" + k[len("evaluator"):]) is not v]
    assert not twice, twice
    print(len(loaded))
""")


def _python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120, check=False)


@pytest.mark.parametrize("first", ["import evaluator.cli", "import clausewise.cli", "pass"])
@pytest.mark.parametrize("where", ["elsewhere", "checkout"])
def test_one_copy_of_every_module_under_both_names(where: str, first: str, tmp_path: Path) -> None:
    # From the checkout's top, the evaluator/ folder itself is importable as a plain package; from elsewhere
    # the installed alias package answers. Either way `evaluator.X` is the module object `clausewise.X`.
    done = _python(ONE_COPY.format(first=first), ROOT if where == "checkout" else tmp_path)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) >= 4  # clausewise, .errors, .contract and their aliases at least


def test_the_old_name_is_this_package_in_the_test_process() -> None:
    import clausewise
    import clausewise.errors

    assert evaluator is clausewise
    assert evaluator.ContractError is clausewise.errors.ContractError


def test_python_dash_m_clausewise_and_the_old_name_and_version(tmp_path: Path) -> None:
    for module in ("clausewise", "evaluator"):
        done = subprocess.run([sys.executable, "-m", module, "--version"], cwd=tmp_path, capture_output=True,
                              text=True, timeout=120, check=False)
        assert (done.returncode, done.stdout, done.stderr) == (0, "clausewise 0.1.0\n", "")  # version.py's
    done = subprocess.run([sys.executable, "-m", "clausewise", "check", str(KAIXIN)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and done.stdout.startswith(f"{KAIXIN}: ok ("), done.stderr


def test_the_installed_distribution_has_the_version_of_version_py() -> None:
    """pyproject.toml reads the version from version.py (dynamic): one place to write it."""
    from importlib import metadata

    from clausewise.version import VERSION

    assert metadata.version("clausewise") == VERSION == "0.1.0"


def test_version_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == "clausewise 0.1.0\n"


def test_the_commands_defaults_are_those_of_their_modules() -> None:
    # cli.py names them without importing the modules (a fast start).
    assert (cli.EXPLAIN_DEPTH, cli.SOLVE_SCAN) == (render_trace.SHORT, solve.SCAN) == (3, 32)


def test_the_default_limits_of_the_command_are_the_librarys() -> None:
    # cli.py names them without importing limits.py (--help imports no dataclasses).
    assert (cli.MAX_COST, cli.MAX_DIGITS) == (evaluator.Limits().max_cost, evaluator.Limits().max_digits)


def test_the_command_collects_cycles_less_often_only_in_its_own_process() -> None:
    import gc

    before = gc.get_threshold()
    assert cli.main(["schema", "result"]) == 0  # called from Python: the caller's collector is left alone
    assert gc.get_threshold() == before
    # run as the process's command (no argv); a function waiting at exit keeps the process to its end
    code = ("import atexit, gc, sys\nfrom clausewise import cli\nsys.argv = ['clausewise', 'schema', 'result']\n"
            "atexit.register(lambda: print('threshold', gc.get_threshold()[0]))\nsys.exit(cli.main())\n")
    done = _python(code, ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == f"threshold {cli.GC_YOUNG}" == "threshold 20000"


def test_help_loads_no_parser_numpy_or_schema_library() -> None:
    code = ("import sys\nfrom clausewise import cli\ntry:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('lark', 'numpy', 'jsonschema', 'yaml', 'dataclasses', 'clausewise.nodes',"
            " 'clausewise.parser', 'clausewise.commands', 'typing')"
            " if m in sys.modules))")
    done = _python(code, ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"


def test_an_evaluate_loads_no_module_it_does_not_use(tmp_path: Path) -> None:
    # The first run parses (Lark itself loads dataclasses, typing and inspect); the second reads the parsed
    # files from the cache, and needs no parser, YAML library, dataclasses (records.py), typing (only the type
    # checker imports it), inspect, difflib ("did you mean", for a problem only), csv, the compiler of a plan
    # (from its second evaluation) or what explains a derivation.
    env = {**os.environ, "CLAUSEWISE_CACHE": str(tmp_path / "cache")}
    code = ("import sys\nfrom clausewise import cli\n"
            f"code = cli.main(['evaluate', {str(KAIXIN)!r}, '--inputs', {str(INPUTS)!r}])\n"
            "print(code, sorted(m for m in ('lark', 'yaml', 'dataclasses', 'typing', 'inspect', 'difflib', 'csv',"
            " 'numpy', 'jsonschema', 'clausewise.parse_tree', 'clausewise.compiled', 'clausewise.decided')"
            " if m in sys.modules))\n")
    runs = [subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                           timeout=120, check=False) for _ in range(2)]
    first, second = (r.stdout.splitlines()[-1] for r in runs)
    assert first.startswith("0 [") and "'lark'" in first and "'yaml'" in first, runs[0].stderr
    assert second == "0 []", runs[1].stderr


def test_inputs_and_dates_given_as_text() -> None:
    contract = evaluator.load(str(KAIXIN))
    by_path = contract.evaluate(INPUTS, as_of=date(2029, 3, 1))
    by_text = contract.evaluate(str(INPUTS), as_of="2029-03-01")
    assert by_text.to_json() == by_path.to_json()
    # Y1: revenue 600,000,000 of a 665,000,000 target; the tranche of 3,000,000 shares less the deduction
    # 139,850 (README) less 153,384 restored later: 2,706,766 released at Y1's release event.
    assert by_text.outputs["released_shares"]["Y1"] == 2_706_766  # type: ignore[index]
    assert contract.explain("released_shares", "Y1", str(INPUTS)).to_dict() == \
        contract.explain("released_shares", "Y1", INPUTS).to_dict()


def test_the_task_functions_match_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    contract = evaluator.load(KAIXIN)
    # diff: what amendment 1 changes (target[Y2] RMB 732 million -> 700 million), as `clausewise diff` prints it
    assert cli.main(["diff", str(KAIXIN), str(AMENDMENT), "--inputs", str(INPUTS)]) == 0
    assert contract.render(contract.diff(str(AMENDMENT), str(INPUTS))) == capsys.readouterr().out
    changed = {(r.output, r.period): r.change for r in library.diff(KAIXIN, AMENDMENT, INPUTS).rows}
    assert changed[("target", "Y2")] == -32_000_000  # 700,000,000 - 732,000,000
    # history, as `clausewise history --format json`
    assert cli.main(["history", str(KAIXIN), "--inputs", str(INPUTS), "--format", "json"]) == 0
    assert contract.render(contract.history(INPUTS), "json") == capsys.readouterr().out
    # schedule as of a date given as text, as `clausewise schedule --as-of`
    assert cli.main(["schedule", str(KAIXIN), "--inputs", str(EVENTS), "--as-of", "2029-03-01"]) == 0
    assert contract.render(contract.schedule(str(EVENTS), "2029-03-01")) == capsys.readouterr().out
    # evaluate and render, as `clausewise evaluate --format markdown`
    assert cli.main(["evaluate", str(KAIXIN), "--inputs", str(INPUTS), "--format", "markdown"]) == 0
    assert library.render(library.evaluate(str(KAIXIN), str(INPUTS)), "markdown", contract) == \
        capsys.readouterr().out


def test_render_refuses_a_format_the_object_has_not() -> None:
    contract = evaluator.load(KAIXIN)
    with pytest.raises(evaluator.ContractError) as caught:
        contract.render(contract.history(), "csv")
    assert str(caught.value) == ("clausewise: format 'csv' is not one of a Comparison's: table, json; "
                                 "hint: give one of table, json")


def test_every_public_name_is_documented() -> None:
    for name in [*evaluator.__all__, *(f"library.{n}" for n in library.__all__ if n != "Inputs")]:
        obj = getattr(library, name.split(".")[1]) if name.startswith("library.") else getattr(evaluator, name)
        assert obj.__doc__, name
    for method in ("evaluate", "explain", "schedule", "diff", "history", "render", "solve", "sweep", "simulate"):
        assert getattr(evaluator.Contract, method).__doc__, method


@pytest.mark.slow
def test_a_wheel_installs_and_imports_under_both_names(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(wheels), str(ROOT)], check=True, timeout=600, capture_output=True)
    (wheel,) = wheels.glob("clausewise-*.whl")
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True, timeout=600, capture_output=True)
    # run from elsewhere, the wheel's packages first on the path (ahead of the checkout's editable install,
    # whose finder comes after the path's); its dependencies are this environment's
    code = ONE_COPY.format(first="import clausewise.cli") + textwrap.dedent(f"""\
        assert clausewise.__file__.startswith({str(site)!r}), clausewise.__file__
        c = clausewise.load({str(KAIXIN)!r})
        assert c.evaluate({str(INPUTS)!r}).outputs["released_shares"]["Y1"] == 2706766
    """)
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(site)}, check=False)
    assert done.returncode == 0, done.stderr


def test_the_readme_library_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Library\n", 1)[1].split("\n## ", 1)[0]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert code.startswith("import clausewise\n")
    monkeypatch.chdir(ROOT)  # as the README says: from the top of this repository
    scope: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), scope)  # its asserts hold the figures (arithmetic in its comments)
    assert str(scope["report"]).startswith("# Kaixin Holdings")
    assert str(scope["calendar"]).startswith("BEGIN:VCALENDAR")


def test_the_command_that_ends_its_process_itself_writes_everything_first(tmp_path: Path) -> None:
    # Run as the program, with everything it parses kept from the run before (no Lark, no thread, nothing
    # waiting at exit), `clausewise` ends the process itself (cli.main): its whole report is out, and its
    # exit code is the command's. The first run (parsing, Lark loaded) ends the ordinary way: the same bytes.
    env = {**os.environ, "CLAUSEWISE_CACHE": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "clausewise", "evaluate", str(KAIXIN), "--inputs", str(INPUTS), "--format", "json"]
    runs = [subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
            for _ in range(2)]
    assert [(r.returncode, r.stderr) for r in runs] == [(0, ""), (0, "")]
    assert runs[0].stdout == runs[1].stdout == evaluator.load(KAIXIN).evaluate(INPUTS).to_json() + "\n"
    bad = subprocess.run([*command[:-2], "--as-of", "2027-02-30"], env=env, capture_output=True, text=True,
                         timeout=120, check=False)
    assert (bad.returncode, bad.stdout) == (2, "")
    assert bad.stderr.endswith("error: argument --as-of: '2027-02-30' is not a date (YYYY-MM-DD)\n"
                               "   hint: run 'clausewise evaluate --help'\n")
    missing = subprocess.run([*command[:4], str(tmp_path / "none.yaml")], env=env, capture_output=True,
                             text=True, timeout=120, check=False)
    assert (missing.returncode, missing.stdout) == (2, "")
    assert missing.stderr == f"{tmp_path / 'none.yaml'}: error: no such file\n"
