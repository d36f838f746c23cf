"""Where a result came from: the provenance block every report carries (`Result.provenance`).

What it promises:

- `tool_version()`: the version of clausewise (version.py: the one place it is written). Never raises.
- `generated_at()`: the time of generation, UTC, ISO 8601 to the second ("2026-01-01T00:00:00Z"). When
  the environment variable SOURCE_DATE_EPOCH is set (the reproducible-builds convention: whole seconds
  since 1970-01-01 UTC) it is that time, so that the same result gives byte-identical reports; a value
  that is not a whole number of seconds is an InputError (never a silent "now").
- `block(...)`, as `Result.provenance` holds it and JSON writes it under "provenance":

      {"tool": "clausewise", "version": "0.1.0", "contract": "<contract id>",
       "files": [{"role": "contract" | "rules" | "text" | "narrative" | "amendment" | "amendment rules"
                  | "amendment text", "path": "<relative to the contract file's folder, / separated>",
                  "sha256": "<hex>"}, ...],
       "inputs": {"source": "file" | "library call" | "none", "file": "<name>" | null,
                  "sha256": "<hex>" | null, "header": ["<label line>", ...], "overrides": ["NAME.P=V", ...]},
       "interpretation": "<reading>" | null, "as_of": "YYYY-MM-DD" | null, "generated_at": "<UTC ISO 8601>"}

  `files` lists only the files of the version that produced the result: the contract file, its rule
  files, its text and narrative, and of each amendment in force on the as-of date its file, rule files
  and text (an amendment not yet in force is not listed). Each file is hashed as it is on disk when
  the block is first asked for (a Result makes it once, on demand: evaluations that are never reported
  hash nothing).
- `header`: the labels the inputs file's leading comment gives: a comment line whose first word is written
  in capitals of two letters or more starts one, and it runs to the end of its sentence, over the next
  comment lines if it must ("HYPOTHETICAL FIGURES, for illustration only: not the company's reported revenue."),
  without the `#`.

Nothing here changes process-wide state; hashes are kept per file path, size and modification time
behind a lock, so the module is thread-safe.
"""

from __future__ import annotations

import os
import re
import time
from _thread import allocate_lock
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from . import sha256 as sha
from .errors import Diagnostic, InputError

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)
if TYPE_CHECKING:
    from typing import Any

    from .contract import Contract, Version
    from .result import Result

TOOL = "clausewise"
_LABEL_LINE = re.compile(r"#\s*([A-Z][A-Z0-9]+\b.*?)\s*$")
_SENTENCE_END = re.compile(r"\.(?:\s|$)")
_lock = allocate_lock()  # threading.Lock, without importing threading (a start's cost)
_hashes: dict[tuple[str, int, int], str] = {}


def tool_version() -> str:
    """The version of clausewise (version.py, which pyproject.toml reads too)."""
    from .version import VERSION

    return VERSION


def generated_at() -> str:
    """Now, or SOURCE_DATE_EPOCH when set, as UTC ISO 8601 to the second."""
    fixed = os.environ.get("SOURCE_DATE_EPOCH")
    if fixed is None:
        seconds = int(time.time())
    elif re.fullmatch(r"[0-9]{1,12}", fixed.strip()):
        seconds = int(fixed.strip())
    else:
        raise InputError(Diagnostic(f"SOURCE_DATE_EPOCH is {fixed[:40]!r}, not a whole number of seconds", "",
                                    hint="give the seconds since 1970-01-01 UTC, e.g. SOURCE_DATE_EPOCH=1767225600, "
                                         "or unset it"))
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, hex; kept per path, size and modification time."""
    info = os.stat(path)
    key = (str(path.resolve()), info.st_size, info.st_mtime_ns)
    with _lock:
        found = _hashes.get(key)
    if found is None:
        digest = sha.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        found = digest.hexdigest()
        with _lock:
            _hashes[key] = found
    return found


def _relative(path: Path, folder: Path) -> str:
    """`path` relative to `folder` (with .. where it lies beside it), / separated: no checkout path in it."""
    return Path(os.path.relpath(path.resolve(), folder.resolve())).as_posix()


def files(contract: Contract, version: Version) -> list[tuple[str, Path]]:
    """The files behind a version, each with its role: the contract's own, then the amendments in force."""
    out: list[tuple[str, Path]] = [("contract", contract.path)]
    out += [("rules", Path(f.path)) for f in contract.base]
    if contract.text is not None:
        out.append(("text", Path(contract.text.path)))
    known = {p.resolve() for _, p in out}
    for a in contract.amendments:  # every amendment's files are accounted for, in force or not
        known |= {Path(a.path).resolve(), *(Path(f.path).resolve() for f in a.files)}
        if a.text is not None:
            known.add(Path(a.text.path).resolve())
    out += [("narrative", p) for p in contract.files_read if p.resolve() not in known]
    for a in version.amendments:
        out.append(("amendment", Path(a.path)))
        out += [("amendment rules", Path(f.path)) for f in a.files]
        if a.text is not None:
            out.append(("amendment text", Path(a.text.path)))
    seen: set[Path] = set()
    unique = []
    for role, path in out:
        if path.resolve() not in seen:
            seen.add(path.resolve())
            unique.append((role, path))
    return unique


def header(path: Path) -> list[str]:
    """The label lines of the comment an inputs file starts with (see the module's docstring)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = [line for _, line in zip(range(200), f, strict=False)]
    except OSError:
        return []
    found: list[str] = []
    going: str | None = None  # a label whose sentence goes on to the next comment line
    for line in lines:
        text = line.strip()
        if not text.startswith("#"):
            if text:
                break
            going = None
            continue
        if going is not None:
            going = f"{going} {text.lstrip('#').strip()}".strip()
        else:
            match = _LABEL_LINE.fullmatch(text)
            going = match.group(1) if match else None
        if going is not None and (_SENTENCE_END.search(going) or not text.lstrip("#").strip()):
            found.append(_SENTENCE_END.split(going, maxsplit=1)[0].strip() + ("." if _SENTENCE_END.search(going)
                                                                               else ""))
            going = None
    if going:
        found.append(going)
    return found


def inputs_block(inputs: Path | Mapping[str, Any] | None, overrides: Sequence[str] = ()) -> dict[str, Any]:
    """The inputs' part of the block: a file's name, hash and label lines, or "library call"; --set overrides."""
    path = inputs if isinstance(inputs, Path) else None
    if path is not None:
        return {"source": "file", "file": path.name, "sha256": sha256(path), "header": header(path),
                "overrides": list(overrides)}
    return {"source": "none" if inputs is None else "library call", "file": None, "sha256": None, "header": [],
            "overrides": list(overrides)}


def block(contract: Contract, version: Version, inputs: Path | Mapping[str, Any] | None,
          reading: str | None, as_of: date | None) -> dict[str, Any]:
    """The provenance block of a result of `version` for `inputs` (see the module's docstring)."""
    folder = contract.path.parent
    return {
        "tool": TOOL,
        "version": tool_version(),
        "contract": contract.name,
        "files": [{"role": role, "path": _relative(p, folder), "sha256": sha256(p)}
                  for role, p in files(contract, version)],
        "inputs": inputs_block(inputs),
        "interpretation": reading,
        "as_of": as_of.isoformat() if as_of else None,
        "generated_at": generated_at(),
    }


def with_inputs(prov: dict[str, Any], file: Path | None, overrides: Sequence[str]) -> dict[str, Any]:
    """A block whose inputs were a file (or none) with --set overrides laid over it: the evaluation itself
    saw only the merged mapping."""
    return {**prov, "inputs": inputs_block(file, overrides)}


def footer_lines(prov: Mapping[str, Any]) -> list[str]:
    """The block as lines of text, for the table's and Markdown's footer and CSV's comment lines; the files
    as `sha256sum` writes them (hash, two spaces, path), so that `sha256sum -c` can check them from the
    contract file's folder once the role in brackets is cut off."""
    if not prov:
        return []
    inputs = prov["inputs"]
    given = f"{inputs['file']} (SHA-256 {inputs['sha256']})" if inputs["source"] == "file" else inputs["source"]
    lines = [f"Generated {prov['generated_at']} by {prov['tool']} {prov['version']}",
             f"Contract: {prov['contract']}; reading: {prov['interpretation'] or 'the only one'}; "
             f"as of: {prov['as_of'] or 'no date (every amendment in force)'}",
             f"Inputs: {given}"]
    if inputs["overrides"]:
        lines.append(f"Overrides (--set): {', '.join(inputs['overrides'])}")
    lines += [f"Inputs say: {line}" for line in inputs["header"]]
    lines.append("Files (SHA-256, path from the contract file's folder):")
    lines += [f"{f['sha256']}  {f['path']} ({f['role']})" for f in prov["files"]]
    return lines


def restamped(result: Result, file: Path | None, overrides: Sequence[str]) -> Result:
    """`result` whose block names the inputs file (or none) and the --set overrides laid over it: the
    evaluation itself saw only the merged mapping."""
    import dataclasses

    made = result.make_provenance
    if made is None:
        return result
    return dataclasses.replace(result, make_provenance=lambda: with_inputs(made(), file, overrides))
