"""Lets the `limits` library's strategies run on our `CounterStore`.

`limits` reads `time.time()` inside its own storages; this adapter gives its strategies our
counters instead, so windows follow the injected `Clock` (tests move a `FrozenClock`) and the
same Redis/memory/failover store serves every limiter.
"""

from __future__ import annotations

from limits.aio.storage import Storage

from tier0.cache.counters import CounterStore
from tier0.clock import Clock


class CounterStoreStorage(Storage):
    """A `limits.aio` storage backed by a `CounterStore` (fixed-window strategy only)."""

    def __init__(self, counters: CounterStore, clock: Clock) -> None:
        super().__init__()
        self._counters = counters
        self._clock = clock

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return ()  # the counter store maps its own failures (see FailoverCounterStore)

    async def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return await self._counters.incr(key, window_s=int(expiry), amount=amount)

    async def get(self, key: str) -> int:
        return await self._counters.get(key)

    async def get_expiry(self, key: str) -> float:
        ends = await self._counters.expires_at(key)
        return (ends or self._clock.now()).timestamp()

    async def check(self) -> bool:
        await self._counters.get("health")
        return True

    async def reset(self) -> int | None:
        return None  # a bulk wipe of every limit is deliberately not offered

    async def clear(self, key: str) -> None:
        await self._counters.reset(key)
