"""One hand-off to a worker thread and back, at the least CPU the event loop allows.

``asyncio.shield(loop.run_in_executor(...))`` builds three futures per hand-off and chains
them with callbacks (the executor's, :func:`asyncio.wrap_future`'s, the shield's); a sign-in
flow makes five such hand-offs. Here the thread sets the one loop future directly through
``call_soon_threadsafe``: 36 → 19 µs of CPU per hand-off under uvloop (microbenchmark in
docs/benchmarks.md, "Session 5: sign-in", round 2). The semantics are the shielded ones:
if the awaiting task is cancelled, the work still runs to its end (the SQLite writer's
connection belongs to its thread; a password hash keeps its pool slot until it is done),
and the cancellation is raised only once it has.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

__all__ = ["hop"]


def _settle(future: asyncio.Future[T], result: T | None, error: BaseException | None) -> None:
    if future.done():  # cancelled meanwhile: the waiter has gone
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)  # type: ignore[arg-type]  # None only with an error


def _work(loop: asyncio.AbstractEventLoop, future: asyncio.Future[T], fn: Callable[[], T]) -> None:
    try:
        result = fn()
    except BaseException as exc:  # noqa: BLE001 - every outcome goes back to the waiter
        loop.call_soon_threadsafe(_settle, future, None, exc)
    else:
        loop.call_soon_threadsafe(_settle, future, result, None)


async def hop(thread: ThreadPoolExecutor, fn: Callable[[], T]) -> T:
    """``fn()`` on ``thread``; its result or exception here. Cancelling the caller waits for
    ``fn`` to finish before the cancellation propagates (as a shielded executor call)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()
    running = thread.submit(_work, loop, future, fn)
    try:
        return await future
    except asyncio.CancelledError:
        await asyncio.wait([asyncio.wrap_future(running)])
        raise
