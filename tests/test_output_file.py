"""Issue 9, data loss and output streams: --output never destroys a file, and standard output that is
closed, full or unable to show the report ends the command cleanly.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from evaluator import output_file
from evaluator.cli import main
from tests.helpers import ROOT

TIMEOUT = 30
HINT_READ = "   hint: write the report to another file: clausewise never replaces a file it reads\n"


@pytest.fixture()
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the Kaixin contract and all its files, as the working folder."""
    shutil.copytree(ROOT / "contracts", tmp_path / "contracts")
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _evaluate(capsys: pytest.CaptureFixture[str], output: str | Path, *more: str) -> tuple[int, str, str]:
    code = main(["evaluate", "contracts/examples/kaixin-amendment-1.yaml", "--inputs",
                 "contracts/examples/kaixin-inputs.yaml", *more, "--output", str(output)])
    out, err = capsys.readouterr()
    return code, out, err


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _report(capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["evaluate", "contracts/examples/kaixin-amendment-1.yaml", "--inputs",
                 "contracts/examples/kaixin-inputs.yaml"]) == 0
    return capsys.readouterr().out


# ---- 3. Never a file read for this report ------------------------------------------------------------

READ = ["contracts/examples/kaixin-inputs.yaml", "contracts/examples/kaixin-amendment-1.yaml",
        "contracts/kaixin-spa.yaml", "rules/kaixin/spa.rules", "rules/kaixin/obligations.rules",
        "rules/kaixin/ledger.rules",
        "rules/kaixin/narrative.yaml", "contracts/kaixin-spa-agreement.txt",
        "contracts/examples/kaixin-amendment-1.rules", "contracts/examples/kaixin-amendment-1.txt"]


@pytest.mark.parametrize("name", READ)
def test_output_naming_a_file_read_is_refused(work: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    before = _snapshot(work)
    assert _evaluate(capsys, name) == (2, "", f"{name}: error: this file is read for this report\n" + HINT_READ)
    assert _snapshot(work) == before


def test_output_naming_a_file_read_by_another_name_or_a_link_is_refused(work: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    (work / "hard.rules").hardlink_to(work / "rules" / "kaixin" / "spa.rules")
    (work / "soft.yaml").symlink_to(work / "contracts" / "examples" / "kaixin-inputs.yaml")
    before = _snapshot(work)
    for name, read in [("hard.rules", "rules/kaixin/spa.rules"), ("soft.yaml", "contracts/examples/kaixin-inputs.yaml"),
                       ("./rules/../contracts/kaixin-spa.yaml", "contracts/kaixin-spa.yaml"),
                       (str(work / "rules" / "kaixin" / "narrative.yaml"), "rules/kaixin/narrative.yaml")]:
        assert _evaluate(capsys, name) == (2, "", f"{name}: error: this file is read for this report (as {read})\n"
                                           + HINT_READ)
    assert _snapshot(work) == before
    assert (work / "soft.yaml").is_symlink()


def test_schedule_output_naming_its_inputs_is_refused(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = "contracts/examples/kaixin-events.yaml"
    before = _snapshot(work)
    code = main(["schedule", "contracts/kaixin-spa.yaml", "--inputs", events, "--as-of", "2026-06-30",
                 "--output", events])
    assert (code, capsys.readouterr().err) == (2, f"{events}: error: this file is read for this report\n" + HINT_READ)
    assert _snapshot(work) == before


# ---- 4. Devices, pipes and links: written to, not replaced; permissions kept ----------------------------


def test_output_to_a_device_writes_to_it_and_keeps_it(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (work / "null").symlink_to(os.devnull)
    assert _evaluate(capsys, "null") == (0, "", "wrote null\n")
    assert os.readlink(work / "null") == os.devnull and stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_output_to_a_full_device_is_an_error_and_leaves_nothing(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (work / "full").symlink_to("/dev/full")
    before = sorted(os.listdir(work))
    assert _evaluate(capsys, "full") == (2, "", "full: error: cannot write to it: No space left on device\n")
    assert sorted(os.listdir(work)) == before and os.readlink(work / "full") == "/dev/full"


def test_output_to_a_named_pipe_reaches_its_reader(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = _report(capsys)
    os.mkfifo(work / "pipe")
    reader = subprocess.Popen(["cat", "pipe"], stdout=subprocess.PIPE, text=True)
    try:
        assert _evaluate(capsys, "pipe") == (0, "", "wrote pipe\n")
        got, _ = reader.communicate(timeout=TIMEOUT)
    finally:
        reader.kill()
        reader.wait()
    assert got == report
    assert stat.S_ISFIFO(os.lstat(work / "pipe").st_mode)


def test_output_to_standard_output_by_name(work: Path) -> None:
    args = [sys.executable, "-m", "evaluator", "evaluate", "contracts/kaixin-spa.yaml", "--format", "csv"]
    expected = subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT, check=True).stdout
    (work / "out").symlink_to("/dev/stdout")
    for name in ("/dev/stdout", "out"):
        done = subprocess.run([*args, "--output", name], capture_output=True, text=True, timeout=TIMEOUT, check=False)
        assert (done.returncode, done.stdout, done.stderr) == (0, expected, f"wrote {name}\n")
    assert os.readlink(work / "out") == "/dev/stdout"
    with open(work / "log.txt", "w", encoding="utf-8") as log:  # '>>': what was there stays
        log.write("before\n")
    with open(work / "log.txt", "a", encoding="utf-8") as log:
        subprocess.run([*args, "--output", "/dev/stdout"], stdout=log, timeout=TIMEOUT, check=True)
    assert (work / "log.txt").read_text(encoding="utf-8") == "before\n" + expected


def test_output_through_a_link_replaces_its_target_and_keeps_the_link(work: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    (work / "reports").mkdir()
    target = work / "reports" / "report.txt"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o600)
    (work / "latest.txt").symlink_to("reports/report.txt")
    assert _evaluate(capsys, "latest.txt") == (0, "", "wrote latest.txt\n")
    assert os.readlink(work / "latest.txt") == "reports/report.txt"
    assert target.read_text(encoding="utf-8") == _report(capsys)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(os.listdir(work / "reports")) == ["report.txt"]


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o664])
def test_a_replaced_report_keeps_its_permissions(work: Path, capsys: pytest.CaptureFixture[str], mode: int) -> None:
    report = work / "report.txt"
    report.write_text("old\n", encoding="utf-8")
    report.chmod(mode)
    assert _evaluate(capsys, "report.txt") == (0, "", "wrote report.txt\n")
    assert stat.S_IMODE(report.stat().st_mode) == mode
    assert report.read_text(encoding="utf-8") != "old\n"


@pytest.fixture()
def umask() -> Iterator[None]:
    old = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(old)


def test_a_new_report_gets_the_permissions_of_the_umask(work: Path, capsys: pytest.CaptureFixture[str],
                                                        umask: None) -> None:
    assert _evaluate(capsys, "new.txt") == (0, "", "wrote new.txt\n")
    assert stat.S_IMODE((work / "new.txt").stat().st_mode) == 0o640


@pytest.mark.parametrize("mode", [0o444, 0o400, 0o000])
def test_a_write_protected_file_is_not_replaced(work: Path, capsys: pytest.CaptureFixture[str], mode: int) -> None:
    # Judged by the mode bits: root, for whom every file is writable, is refused too.
    report = work / "signed-off.txt"
    report.write_text("approved\n", encoding="utf-8")
    report.chmod(mode)
    assert _evaluate(capsys, "signed-off.txt") == (2, "", "signed-off.txt: error: the file is write-protected\n"
                                                   "   hint: make it writable (chmod u+w) or choose another name\n")
    report.chmod(0o600)
    assert report.read_text(encoding="utf-8") == "approved\n"
    assert sorted(p.name for p in work.iterdir()) == ["contracts", "rules", "signed-off.txt"]


# ---- 5. Whole or nothing: folders refused, no partial file left ------------------------------------------


@pytest.mark.parametrize("name", [".", "..", "/", "contracts", "contracts/", "missing/"])
def test_output_naming_a_folder_is_refused(work: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    before = sorted(os.listdir(work)), sorted(os.listdir(work.parent))
    assert _evaluate(capsys, name) == (2, "", f"{name}: error: this is a folder\n"
                                       "   hint: name a file, e.g. --output report.html\n")
    assert (sorted(os.listdir(work)), sorted(os.listdir(work.parent))) == before


def test_output_in_a_missing_folder_is_refused(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _evaluate(capsys, "missing/report.txt") == (
        2, "", "missing/report.txt: error: no such folder\n"
               "   hint: create the folder first, or name a file in an existing one\n")


def test_a_full_disk_leaves_no_partial_file_and_the_old_report_whole(work: Path, capsys: pytest.CaptureFixture[str],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    report = work / "report.txt"
    report.write_text("the old report\n", encoding="utf-8")
    real_write = os.write

    def full(fd: int, data: bytes) -> int:  # the first 100 bytes fit; then the disk is full
        if os.lseek(fd, 0, os.SEEK_CUR) >= 100:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, bytes(data[:100]))

    monkeypatch.setattr(output_file.os, "write", full)
    assert _evaluate(capsys, "report.txt") == (2, "", "report.txt: error: cannot write the file: "
                                               "No space left on device\n")
    assert _evaluate(capsys, "new.txt")[0] == 2
    assert report.read_text(encoding="utf-8") == "the old report\n"
    assert sorted(p.name for p in work.iterdir()) == ["contracts", "report.txt", "rules"]


def test_an_interrupted_write_leaves_no_partial_file(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(output_file.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        output_file.write("report.txt", "text")
    assert sorted(p.name for p in work.iterdir()) == ["contracts", "rules"]


def test_a_folder_that_cannot_be_written_leaves_nothing(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(src: str, dst: str) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(output_file.os, "replace", refused)
    with pytest.raises(output_file.ContractError) as caught:
        output_file.write("report.txt", "text")
    assert caught.value.render() == "report.txt: error: cannot write the file: Permission denied"
    assert sorted(p.name for p in work.iterdir()) == ["contracts", "rules"]


# ---- 16. Standard output: closed, unable to show the characters, full -----------------------------------

ARGS = ["evaluate", "contracts/kaixin-spa.yaml", "--inputs", "contracts/examples/kaixin-inputs.yaml"]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONIOENCODING"}
    return {**env, **extra}


@pytest.mark.parametrize("args", [ARGS, ["--help"], ["schema", "result"]])
def test_a_closed_pipe_ends_the_command_quietly(args: list[str]) -> None:
    child = subprocess.Popen([sys.executable, "-m", "evaluator", *args], cwd=ROOT, env=_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()  # as `| head -1` does once it has its line
    err = child.stderr.read()
    code = child.wait(timeout=TIMEOUT)
    child.stderr.close()
    assert (code, err) == ((0 if args == ["--help"] else 141), b"")


def test_standard_output_that_cannot_show_the_report(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "evaluator", *ARGS], cwd=ROOT, env=_env(PYTHONIOENCODING="ascii"),
                          capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == ("clausewise: error: standard output cannot show '\\u2014' (its encoding is ascii)\n"
                           "   hint: set PYTHONIOENCODING=utf-8, or write the report with --output FILE\n")


def test_standard_output_on_a_full_device() -> None:
    with open("/dev/full", "w", encoding="utf-8") as full:
        done = subprocess.run([sys.executable, "-m", "evaluator", *ARGS], cwd=ROOT, env=_env(), stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=TIMEOUT, check=False)
    assert (done.returncode, done.stderr) == (2, "clausewise: error: cannot write to standard output: "
                                                 "No space left on device\n")


def test_standard_output_closed_from_the_start() -> None:
    done = subprocess.run([sys.executable, "-m", "evaluator", *ARGS], cwd=ROOT, env=_env(), stderr=subprocess.PIPE,
                          text=True, timeout=TIMEOUT, check=False, preexec_fn=lambda: os.close(1))
    assert (done.returncode, done.stderr) == (2, "clausewise: error: cannot write to standard output: it is closed\n")
