"""Evaluations off the event loop, in a bounded pool of threads, each request with a deadline.

Why threads, and bounded: the evaluator has no cooperative cancellation, and a thread cannot be killed. A
request whose evaluation passes the time limit gets 503 at once; its thread runs on to the end and only then
frees its slot. The pool has as many threads as slots, so an overrun holds one slot, never the server: a
request finding every slot taken waits for one within its own time limit, then gets 503 too. Every
evaluation does end: contracts are loaded with a bound on their cost (`Limits.max_cost`: steps) and on the
size of their numbers, checked before any evaluation. A process pool could kill an overrun, at the price of
copying each result back and of a contract loaded in every process; `clausewise serve --workers N` gives
processes where more CPU is wanted.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from .problems import Problem

T = TypeVar("T")


class Runner:
    def __init__(self, threads: int, time_limit: Decimal) -> None:
        self.threads = threads
        self.time_limit = float(time_limit)  # a deadline of the event loop's clock, not a figure
        self.pool = concurrent.futures.ThreadPoolExecutor(threads, thread_name_prefix="clausewise-evaluate")
        self._slots: asyncio.Semaphore | None = None

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """fn(*args) in a thread of the pool; Problem 503 past the time limit (the thread goes on)."""
        loop = asyncio.get_running_loop()
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.threads)
        slots = self._slots
        deadline = loop.time() + self.time_limit
        try:
            await asyncio.wait_for(slots.acquire(), self.time_limit)
        except TimeoutError:
            raise _late("busy", self.time_limit) from None
        try:
            future = loop.run_in_executor(self.pool, fn, *args)
        except BaseException:
            slots.release()
            raise

        def done(f: asyncio.Future[T]) -> None:
            slots.release()
            if not f.cancelled():
                f.exception()  # retrieved: an evaluation past its deadline may fail unheard

        future.add_done_callback(done)
        try:
            return await asyncio.wait_for(asyncio.shield(future), max(deadline - loop.time(), 0))
        except TimeoutError:
            raise _late("time-limit", self.time_limit) from None

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


def _late(kind: str, limit: float) -> Problem:
    shown = f"{limit:g}"
    if kind == "busy":
        detail = f"every evaluation thread stayed busy for the time limit ({shown} s); try again shortly"
    else:
        detail = f"the evaluation did not finish within the time limit ({shown} s)"
    return Problem(503, kind, detail, headers={"Retry-After": "1"})
