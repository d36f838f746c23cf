"""Room for long chains of references (a running total over 1,500 days, say).

Checking and evaluation follow references recursively. Most rule sets stay far
below Python's recursion limit; when one does not, the same work is run again
in a thread with a large stack and a high limit, so a long but finite chain
is computed, not refused. Only a chain beyond even that is an error.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TypeVar

from .errors import ContractError

T = TypeVar("T")

STACK_BYTES = 512 * 1024 * 1024
DEEP_LIMIT = 200_000


def with_deep_stack(work: Callable[[], T], too_deep: Callable[[], ContractError]) -> T:
    """`work()`; if it recurses too deep, again with a deep stack; else raise `too_deep()`."""
    try:
        return work()
    except RecursionError:
        pass
    outcome: dict[str, object] = {}

    def run() -> None:
        saved = sys.getrecursionlimit()
        sys.setrecursionlimit(DEEP_LIMIT)
        try:
            outcome["value"] = work()
        except BaseException as exc:  # handed back to the caller's thread below
            outcome["error"] = exc
        finally:
            sys.setrecursionlimit(saved)

    saved_size = threading.stack_size(STACK_BYTES)
    try:
        worker = threading.Thread(target=run, name="clausewise-deep")
        worker.start()
        worker.join()
    finally:
        threading.stack_size(saved_size)
    error = outcome.get("error")
    if isinstance(error, RecursionError):
        raise too_deep() from None
    if isinstance(error, BaseException):
        raise error
    return outcome["value"]  # type: ignore[return-value]
