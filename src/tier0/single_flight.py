"""One load per key at a time: concurrent callers that miss the same cache entry share it.

When a cached entry expires under load, every request in flight misses it at the same
moment. Without this each one opened its own database session (16 connections: 16 loads,
most on new overflow connections): a CPU and latency spike once per lifetime of the entry.
Callers key a flight by everything the result depends on (for a generation-validated
cache, the generation they read), so a caller only ever receives what its own load would
have read.

The load runs in its own task: a caller that is cancelled (its client went away) does not
cancel the load the others are waiting for. A failed load fails every caller waiting for
it, and the next miss starts a new one. Finished flights are forgotten at once, so keys an
attacker chooses (unknown client ids) leave nothing behind.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["SingleFlight"]

_T = TypeVar("_T")


class SingleFlight(Generic[_T]):
    """Shares one in-flight ``load()`` among the callers asking for the same key."""

    __slots__ = ("_flights",)

    def __init__(self) -> None:
        self._flights: dict[Hashable, asyncio.Future[_T]] = {}

    def __len__(self) -> int:
        """Loads in flight."""
        return len(self._flights)

    async def run(self, key: Hashable, load: Callable[[], Awaitable[_T]]) -> _T:
        flight = self._flights.get(key)
        if flight is None:
            flight = asyncio.ensure_future(load())
            self._flights[key] = flight
            flight.add_done_callback(lambda done: self._landed(key, done))
        return await asyncio.shield(flight)

    def _landed(self, key: Hashable, flight: asyncio.Future[_T]) -> None:
        if self._flights.get(key) is flight:
            del self._flights[key]
        if not flight.cancelled():
            flight.exception()  # retrieved: every waiter may have gone away
