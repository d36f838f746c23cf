"""Writing a report to the file named by --output, without ever destroying anything.

- A file read for this run (the contract, its rules, texts, amendments, narrative,
  the inputs) is never the output: naming one is refused, however it is named
  (another spelling, a symbolic or a hard link).
- A folder is refused; so is a regular file without write permission (judged by its
  mode bits, so that it holds for root too: clausewise does not replace a file the
  user protected).
- A device, a named pipe, and /dev/stdout or /dev/fd/N whatever they lead to: written
  to directly (at the end of a regular file, as with the shell's '>>'), never replaced.
- A regular file (or a new one) is written whole or not at all: through a temporary
  file in the same folder, renamed over the target once complete and removed on any
  failure. A symbolic link is followed: its target is replaced and the link kept. A
  replaced file keeps its permission bits (and, where allowed, its owner).

Every refusal and failure raises `ContractError` naming the output file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from .errors import ContractError, Diagnostic

_NEW_FILE_MODE = 0o666  # as any program creates a file: the user's umask applies


def write(target: str | Path, text: str | bytes, read: Iterable[str | Path] = ()) -> None:
    """Write `text` (as UTF-8; or bytes as they are) to the file `target`; refuse if it is one of the files
    `read`."""
    name = str(target)
    data = text.encode("utf-8") if isinstance(text, str) else text
    if name.endswith(("/", os.sep)) or os.path.isdir(name):
        raise _error(name, "this is a folder", "name a file, e.g. --output report.html")
    for path in read:
        if _same_file(name, str(path)):
            also = f" (as {path})" if str(path) != name else ""
            raise _error(name, f"this file is read for this report{also}",
                         "write the report to another file: clausewise never replaces a file it reads")
    if _names_a_descriptor(name):
        _write_directly(name, data, os.O_APPEND)
        return
    try:
        info: os.stat_result | None = os.stat(name)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise _error(name, f"cannot write the file: {exc.strerror}") from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        _write_directly(name, data)
        return
    if info is not None and _write_protected(name, info):
        raise _error(name, "the file is write-protected", "make it writable (chmod u+w) or choose another name")
    _replace(name, os.path.realpath(name), data, info)


def _error(name: str, message: str, hint: str | None = None) -> ContractError:
    return ContractError(Diagnostic(message, name, hint=hint))


def _same_file(a: str, b: str) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)  # a hard link, or a path through a mount
    except OSError:
        return False


def _names_a_descriptor(name: str) -> bool:
    """Whether `name` leads through /proc: /dev/stdout, /dev/fd/1... name a file this process has open."""
    path = os.path.abspath(name)
    for _ in range(40):  # as many links as the system follows
        folder = os.path.realpath(os.path.dirname(path))
        if folder == "/proc" or folder.startswith("/proc/"):
            return True
        full = os.path.join(folder, os.path.basename(path))
        if not os.path.islink(full):
            return False
        path = os.path.join(folder, os.readlink(full))
    return False


def _write_protected(name: str, info: os.stat_result) -> bool:
    """No write permission: none in the mode bits (which root's access check ignores), or none for this user."""
    return info.st_mode & 0o222 == 0 or not os.access(name, os.W_OK)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _write_directly(name: str, data: bytes, flags: int = 0) -> None:
    """A device or a pipe: written to as it is (a named pipe waits for its reader, as with the shell's '>')."""
    try:
        fd = os.open(name, os.O_WRONLY | flags | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _error(name, f"cannot write to it: {exc.strerror}") from None
    try:
        _write_all(fd, data)
    except OSError as exc:
        raise _error(name, f"cannot write to it: {exc.strerror}") from None
    finally:
        os.close(fd)


def _temporary(folder: str, base: str) -> tuple[int, str]:
    """A new file in `folder`, created for this write only (never an existing one, never through a link)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    while True:
        path = os.path.join(folder, f".{base}.{os.urandom(4).hex()}.tmp")
        try:
            return os.open(path, flags, _NEW_FILE_MODE), path
        except FileExistsError:
            continue


def _replace(name: str, real: str, data: bytes, old: os.stat_result | None) -> None:
    """Write `data` to a temporary file beside `real`, then rename it over `real`; remove it on any failure."""
    folder, base = os.path.split(real)
    try:
        fd, temporary = _temporary(folder or ".", base)
    except FileNotFoundError:
        raise _error(name, "no such folder", "create the folder first, or name a file in an existing one") from None
    except OSError as exc:
        raise _error(name, f"cannot write the file: {exc.strerror}") from None
    try:
        try:
            if old is not None:
                os.fchmod(fd, stat.S_IMODE(old.st_mode) & 0o777)
                if (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
                    try:
                        os.fchown(fd, old.st_uid, old.st_gid)
                    except OSError:
                        pass  # only root may give a file away: it stays the writer's
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, real)
    except BaseException as exc:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise _error(name, f"cannot write the file: {exc.strerror}") from None
        raise
