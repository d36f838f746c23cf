"""`clausewise fmt`: the canonical layout of a rule file (evaluator/fmt.py) and its command (fmt_files.py).

What must hold: every bundled rule file is already formatted; formatting keeps the
meaning (the syntax tree, which compares without positions, is the same before
and after) and is idempotent, over every bundled file and the grammar fuzzer's
generated files; comments and blank-line groups are kept; a file is never lost.
"""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluator.errors import ContractError, RuleSyntaxError
from evaluator.fmt import format_text
from evaluator.parser import lark_parser, parse
from tests.helpers import ROOT, run_cli
from tests.test_fuzz import GRAMMAR, grammar_text, seeded_rule_files

BUNDLED = sorted({*ROOT.glob("rules/**/*.rules"), *ROOT.glob("tests/data/**/*.rules"),
                  *ROOT.glob("contracts/examples/*.rules")})
MADE_NOT_TO_PARSE = ROOT / "tests" / "data" / "rules" / "bad"
SPA = ROOT / "rules" / "kaixin" / "spa.rules"


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_the_bundled_files_are_found() -> None:
    names = [_name(p) for p in BUNDLED]
    assert {"rules/kaixin/spa.rules", "rules/kaixin/ledger.rules", "rules/kaixin/obligations.rules",
            "contracts/examples/kaixin-amendment-1.rules"} <= set(names)
    assert len(names) > 20


@pytest.mark.parametrize("path", BUNDLED, ids=_name)
def test_every_bundled_rule_file_is_already_formatted(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    try:
        parse(text, str(path))
    except RuleSyntaxError:  # only the files made not to parse may fail to
        assert MADE_NOT_TO_PARSE in path.parents
        with pytest.raises(RuleSyntaxError):
            format_text(text, str(path))
        return
    assert format_text(text, str(path)) == text


MESSY = """\


# the head comment


currency RMB cites "x # not a comment"   periods year cites "p"
\tY1 from 2025-12-01 to 2026-11-30   # aligned
  Y2 from 2026-12-01 to 2027-11-30 # close
rule x for each year y :  RMB cites "a" = f( 1 ,2 )
# about the next line

      + revenue [ y ] * - 3 %  + e . count
  under press-release
      = 5
parameter p by year
 cites "q"
   Y1 : RMB 5  million


outputs x ,
        p



# the tail comment\t


"""

CANONICAL = """\
# the head comment

currency RMB cites "x # not a comment"
periods year cites "p"
  Y1 from 2025-12-01 to 2026-11-30   # aligned
  Y2 from 2026-12-01 to 2027-11-30 # close
rule x for each year y : RMB cites "a" = f(1, 2)
      # about the next line

      + revenue[y] * -3% + e.count
  under press-release
  = 5
parameter p by year
  cites "q"
  Y1: RMB 5 million

outputs x,
        p

# the tail comment
"""


def test_the_canonical_layout() -> None:
    assert format_text(MESSY) == CANONICAL
    assert format_text(CANONICAL) == CANONICAL
    assert parse(CANONICAL) == parse(MESSY)


def test_line_ends_tabs_and_a_missing_last_line_break() -> None:
    assert format_text('currency RMB\r\n\tcites "x"') == 'currency RMB\n  cites "x"\n'
    assert format_text("") == ""
    assert format_text("# only a comment\n\n\n") == "# only a comment\n"


def test_a_continuation_line_keeps_its_indentation_but_never_less_than_four_spaces() -> None:
    text = 'rule x cites "a"\n  = 1\n + 2\n          + 3\n'
    assert format_text(text) == 'rule x cites "a"\n  = 1\n    + 2\n          + 3\n'


def test_a_file_that_does_not_parse_raises_the_usual_error() -> None:
    with pytest.raises(RuleSyntaxError) as caught:
        format_text("rule x cites \"a\" = (\n", "f.rules")
    assert caught.value.diagnostics[0].message == "the file ends in the middle of a declaration"
    assert (caught.value.diagnostics[0].line, caught.value.diagnostics[0].column) == (1, 21)


def _respaced(text: str, rng: random.Random) -> str:
    """`text` with the spaces between tokens on a line changed at random (never joining two tokens)."""
    out, at = [], 0
    for token in lark_parser().parse_interactive(text).iter_parse():
        gap = text[at:token.start_pos]
        if gap and "\n" not in gap and "#" not in gap:
            gap = rng.choice([" ", "  ", "\t", "   "])
        elif not gap and at:
            gap = rng.choice(["", " "])
        out.append(gap + str(token))
        at = int(token.end_pos or 0)
    return "".join(out) + text[at:]


@pytest.mark.parametrize("seed", range(3))
def test_the_kaixin_rules_respaced_format_back_to_themselves(seed: int) -> None:
    text = SPA.read_text(encoding="utf-8")
    respaced = _respaced(text, random.Random(seed))
    assert respaced != text
    assert format_text(respaced) == text


PROPERTY = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.data_too_large])


@PROPERTY
@given(text=st.one_of(st.deferred(lambda: grammar_text(GRAMMAR)), seeded_rule_files()))
def test_formatting_generated_files_keeps_their_meaning_and_is_idempotent(text: str) -> None:
    try:
        before = parse(text)
    except ContractError:
        return
    once = format_text(text)
    assert parse(once) == before
    assert format_text(once) == once
    # only what lies between tokens changes
    assert re.sub(r"\s|#[^\n]*", "", once) == re.sub(r"\s|#[^\n]*", "", text.replace("\r", ""))


# ------------------------------------------------------------------ the command


UNFORMATTED = 'currency RMB   cites "x"\nparameter p\n    cites "y"  = RMB 5\n'
FORMATTED = 'currency RMB cites "x"\nparameter p\n  cites "y" = RMB 5\n'


def test_fmt_rewrites_a_file_in_place(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "a.rules"
    path.write_text(UNFORMATTED, encoding="utf-8")
    path.chmod(0o640)
    assert run_cli(capsys, "fmt", path) == (0, f"reformatted {path}\n", "")
    assert path.read_text(encoding="utf-8") == FORMATTED
    assert path.stat().st_mode & 0o777 == 0o640
    assert sorted(os.listdir(tmp_path)) == ["a.rules"]  # no temporary file left behind
    assert run_cli(capsys, "fmt", path) == (0, "", "")


def test_fmt_check_lists_the_files_that_would_change(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    messy, tidy = tmp_path / "messy.rules", tmp_path / "tidy.rules"
    messy.write_text(UNFORMATTED, encoding="utf-8")
    tidy.write_text(FORMATTED, encoding="utf-8")
    assert run_cli(capsys, "fmt", "--check", tidy, messy) == (1, f"would reformat {messy}\n", "")
    assert messy.read_text(encoding="utf-8") == UNFORMATTED
    assert run_cli(capsys, "fmt", "--check", tidy) == (0, "", "")


def test_fmt_of_a_file_that_does_not_parse_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad, messy = tmp_path / "bad.rules", tmp_path / "messy.rules"
    bad.write_text('rule x cites "a" = (\n', encoding="utf-8")
    messy.write_text(UNFORMATTED, encoding="utf-8")
    code, out, err = run_cli(capsys, "fmt", bad, messy)
    assert (code, out) == (2, f"reformatted {messy}\n")
    assert err == (f"{bad}:1:21: error: the file ends in the middle of a declaration\n"
                   "    1 | rule x cites \"a\" = (\n"
                   "      |                     ^\n"
                   "   hint: expected '(', '-', a date (YYYY-MM-DD), a name, a number, 'as_of', 'false', 'if', ...\n")
    assert bad.read_text(encoding="utf-8") == 'rule x cites "a" = (\n'
    code, out, err = run_cli(capsys, "fmt", "--check", tmp_path / "missing.rules")
    assert (code, out, err) == (2, "", f"{tmp_path / 'missing.rules'}: error: no such file\n")
    contract = tmp_path / "contract.yaml"
    contract.write_text("contract: x\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "fmt", contract)
    assert (code, out, err) == (2, "", f"{contract}: error: this is not named as a rule file\n"
                                       "   hint: a rule file's name ends in .rules\n")
    assert contract.read_text(encoding="utf-8") == "contract: x\n"


def test_fmt_never_overwrites_a_file_changed_while_it_worked(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from evaluator import fmt_files

    path = tmp_path / "a.rules"
    path.write_text(UNFORMATTED, encoding="utf-8")

    def format_while_an_editor_saves(text: str, file: str) -> str:
        path.write_text(UNFORMATTED + "# saved meanwhile\n", encoding="utf-8")
        return format_text(text, file)

    monkeypatch.setattr(fmt_files, "format_text", format_while_an_editor_saves)
    code, out, err = run_cli(capsys, "fmt", path)
    assert (code, out) == (2, "")
    assert err == (f"{path}: error: the file changed while it was being formatted; it was not written\n"
                   "   hint: run clausewise fmt again once it is saved\n")
    assert path.read_text(encoding="utf-8") == UNFORMATTED + "# saved meanwhile\n"


def test_fmt_follows_a_symbolic_link_and_keeps_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target, link = tmp_path / "real.rules", tmp_path / "link.rules"
    target.write_text(UNFORMATTED, encoding="utf-8")
    link.symlink_to(target)
    assert run_cli(capsys, "fmt", link)[0] == 0
    assert link.is_symlink()
    assert target.read_text(encoding="utf-8") == FORMATTED
