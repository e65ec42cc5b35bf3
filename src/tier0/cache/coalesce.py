"""One round trip for the counter checks of concurrent requests.

A round trip to Redis costs far more CPU in redis-py's asyncio client (packing, the event
loop's socket wake-ups, the connection pool) than the script it runs. While one call is in
flight, later callers queue; when it returns, the first of them sends everything that queued
in one call. An idle store therefore adds no wait (the first caller sends at once), and a
busy one sends one call per round trip instead of one per request. Each caller's item is
still processed on its own and in arrival order by the one script run, so counts stay exact.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

_I = TypeVar("_I")
_R = TypeVar("_R")


class _Signal:
    """What a queued caller can be told instead of its result."""

    def __init__(self, name: str) -> None:
        self.name = name


_LEAD = _Signal("lead")  # you send the next batch
_RETRY = _Signal("retry")  # the batch you were in was abandoned: submit again


@dataclass(slots=True)
class _Waiter(Generic[_I]):
    item: _I
    future: asyncio.Future[object] | None  # None for a caller that found the store idle


class Coalescer(Generic[_I, _R]):
    """Runs `send(items)` once for the items of callers that arrive while a call is in
    flight; `send` must return one result per item, in order."""

    def __init__(self, send: Callable[[list[_I]], Awaitable[list[_R]]]) -> None:
        self._send = send
        self._busy = False
        self._queue: list[_Waiter[_I]] = []
        self.sends = 0  # round trips made (tests and benchmarks read it)
        self.items = 0  # items sent

    async def submit(self, item: _I) -> _R:
        if not self._busy:
            self._busy = True
            return await self._lead([_Waiter(item, None)])
        future: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        waiter = _Waiter(item, future)
        self._queue.append(waiter)
        try:
            outcome = await future
        except asyncio.CancelledError:
            self._abandon(waiter)
            raise
        if outcome is _RETRY:
            return await self.submit(item)
        if outcome is _LEAD:
            batch, self._queue = self._queue, []  # this waiter is first in it
            return await self._lead(batch)
        return outcome  # type: ignore[return-value]  # a result set by a leader

    async def _lead(self, batch: list[_Waiter[_I]]) -> _R:
        """Send `batch` (this caller's item first), hand the results out, pass the lead on."""
        try:
            self.sends += 1
            self.items += len(batch)
            results = await self._send([waiter.item for waiter in batch])
        except asyncio.CancelledError:
            # Whether the call reached the server is unknown. The others submit again: at
            # worst their requests are counted twice, which refuses early, never late.
            self._settle(batch, _RETRY)
            raise
        except BaseException as exc:
            self._settle(batch, exc)
            raise
        finally:
            self._hand_over()
        for waiter, result in zip(batch[1:], results[1:], strict=True):
            if waiter.future is not None and not waiter.future.done():
                waiter.future.set_result(result)
        return results[0]

    @staticmethod
    def _settle(batch: list[_Waiter[_I]], outcome: object) -> None:
        for waiter in batch[1:]:
            if waiter.future is None or waiter.future.done():
                continue
            if isinstance(outcome, BaseException):
                waiter.future.set_exception(outcome)
            else:
                waiter.future.set_result(outcome)

    def _hand_over(self) -> None:
        """Make the first live queued caller the next leader, or go idle."""
        while self._queue:
            first = self._queue[0]
            if first.future is not None and not first.future.done():
                first.future.set_result(_LEAD)
                return
            self._queue.pop(0)
        self._busy = False

    def _abandon(self, waiter: _Waiter[_I]) -> None:
        """A queued caller was cancelled: drop its item, and pass the lead on if it had
        just been given it (a leader that never runs would stall everyone behind it)."""
        if waiter in self._queue:
            self._queue.remove(waiter)
        future = waiter.future
        led = future is not None and future.done() and not future.cancelled()
        if led and future is not None and future.result() is _LEAD:
            self._hand_over()
