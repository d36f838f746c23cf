"""The contracts a service serves: found in one folder, loaded, checked and planned once, at start.

Every contract or amendment file in the folder (and its subfolders, to a depth of 3; at most MAX_FILES
files looked at) is loaded as the CLI would load it; an amendment file serves its contract as amended. Its id
is the file's name without the suffix (sales-agreement.yaml -> sales-agreement): ids are made of letters, digits, '-',
'_' and '.', never '..', so a request names a contract only through this table, never through a path. A file
that fails to load is listed in `failed` with why (and not served); two files of one id are both refused.
Other YAML or JSON files (inputs, models, examples) are passed over. Nothing is ever written in the folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..contract import Contract
from ..contract_file import load
from ..datafile import load as load_data
from ..errors import ContractError, ContractFileError
from ..limits import DEFAULT, Limits
from .problems import from_error

SUFFIXES = (".yaml", ".yml", ".json")
ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
MAX_FILES = 1_000
MAX_DEPTH = 3


def valid_id(text: str) -> bool:
    return ID.fullmatch(text) is not None and ".." not in text


@dataclass
class Registry:
    folder: Path
    contracts: dict[str, Contract] = field(default_factory=dict)  # id -> contract, by id
    files: dict[str, Path] = field(default_factory=dict)  # id -> its file
    failed: dict[str, str] = field(default_factory=dict)  # id (or file) -> why it is not served

    def get(self, id: str) -> Contract | None:
        """The contract of an id, looked up in the table only (no file is touched)."""
        return self.contracts.get(id) if isinstance(id, str) else None


def candidates(folder: Path) -> list[Path]:
    """The data files in the folder, in a stable order, hidden ones and deep ones passed over."""
    found: list[Path] = []

    def walk(here: Path, depth: int) -> None:
        for entry in sorted(here.iterdir(), key=lambda p: p.name):
            if len(found) >= MAX_FILES or entry.name.startswith("."):
                continue
            if entry.is_dir() and not entry.is_symlink() and depth < MAX_DEPTH:
                walk(entry, depth + 1)
            elif entry.suffix.lower() in SUFFIXES and entry.is_file():
                found.append(entry)

    walk(folder, 1)
    return found


def kind_of(path: Path) -> str | None:
    """'contract' or 'amendment' for such files, None for other data files (or files that do not read)."""
    try:
        value = load_data(path, ContractFileError).value
    except ContractError:
        return None
    if isinstance(value, dict) and "amendment" in value:
        return "amendment"
    return "contract" if isinstance(value, dict) and "contract" in value and "rules" in value else None


def build(folder: Path, limits: Limits = DEFAULT) -> Registry:
    """Load every contract of the folder; raise ContractFileError if the folder cannot be read."""
    folder = folder.resolve()
    if not folder.is_dir():
        raise ContractFileError(f"no folder at {folder}", str(folder))
    registry = Registry(folder)
    seen: dict[str, list[Path]] = {}
    for path in candidates(folder):
        if kind_of(path) is not None:
            seen.setdefault(path.stem, []).append(path)
    for id, paths in sorted(seen.items()):
        where = ", ".join(p.relative_to(folder).as_posix() for p in paths)
        if len(paths) > 1:
            registry.failed[id] = f"{where}: two files of one id; rename one of them"
        elif not valid_id(id):
            registry.failed[id] = f"{where}: the id is not made of letters, digits, '-', '_' and '.'"
        else:
            try:
                contract = load(paths[0], limits=limits)
                contract.version().plan  # noqa: B018  (planned now, not at the first request)
            except ContractError as exc:
                registry.failed[id] = from_error(exc, folder).detail
                continue
            except Exception as exc:  # a bug in clausewise: the others are still served
                registry.failed[id] = f"{where}: internal error while loading ({type(exc).__name__})"
                continue
            registry.contracts[id] = contract
            registry.files[id] = paths[0]
    return registry
