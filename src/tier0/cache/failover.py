"""A `CounterStore` that falls back to an in-process store when the shared one is down (AV-05).

ASVS 16.5.2-16.5.3: when a dependency fails the application must fail securely, not open.
Limits keep being enforced per process (weaker than shared counters: N workers may each allow
the limit) and the degraded mode is logged and exposed through `degraded`, never hidden. The
primary is retried after `retry_s` seconds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from datetime import datetime
from typing import TypeVar

import structlog

from tier0.cache.counters import (
    BucketState,
    CounterStore,
    CounterStoreUnavailable,
    GuessPeek,
    WindowCount,
    WindowHit,
)
from tier0.cache.leases import Lease, LeaseHolder
from tier0.clock import Clock

_T = TypeVar("_T")
_log = structlog.get_logger(__name__)


class FailoverCounterStore:
    """Use `primary`; on `CounterStoreUnavailable` use `fallback` until the next retry."""

    def __init__(
        self, primary: CounterStore, fallback: CounterStore, clock: Clock, *, retry_s: float = 5.0
    ) -> None:
        self._primary = primary
        self._fallback = fallback
        self._clock = clock
        self._retry_s = retry_s
        self._down_until: float | None = None
        self._holder = primary if isinstance(primary, LeaseHolder) else None

    @property
    def degraded(self) -> bool:
        """True while the last attempt at the primary failed."""
        return self._down_until is not None

    async def _run(self, op: Callable[[CounterStore], Awaitable[_T]]) -> _T:
        # The clock is read only when degraded or failing: the healthy path runs per request.
        if self._down_until is None or self._clock.now().timestamp() >= self._down_until:
            try:
                result = await op(self._primary)
            except CounterStoreUnavailable as exc:
                if self._down_until is None:
                    _log.error("counter_store.degraded", reason=str(exc), fallback="process")
                self._down_until = self._clock.now().timestamp() + self._retry_s
            else:
                if self._down_until is not None:
                    _log.warning("counter_store.recovered")
                    self._down_until = None
                return result
        return await op(self._fallback)

    async def incr(self, key: str, *, window_s: int, amount: int = 1) -> int:
        return await self._run(lambda s: s.incr(key, window_s=window_s, amount=amount))

    async def hit_windows(self, hits: Sequence[WindowHit]) -> list[WindowCount]:
        if self._down_until is None:  # the per-request path: no closure, no clock
            try:
                return await self._primary.hit_windows(hits)
            except CounterStoreUnavailable as exc:
                _log.error("counter_store.degraded", reason=str(exc), fallback="process")
                self._down_until = self._clock.now().timestamp() + self._retry_s
                return await self._fallback.hit_windows(hits)
        return await self._run(lambda s: s.hit_windows(hits))

    def live_leases(self, hits: Sequence[WindowHit], now: float) -> list[Lease] | None:
        """The primary's live leases (`RedisCounterStore.live_leases`); None while degraded,
        or when the primary keeps none."""
        if self._down_until is not None or self._holder is None:
            return None
        return self._holder.live_leases(hits, now)

    async def get(self, key: str) -> int:
        return await self._run(lambda s: s.get(key))

    async def expires_at(self, key: str) -> datetime | None:
        return await self._run(lambda s: s.expires_at(key))

    async def reset(self, *keys: str) -> None:
        await self._run(lambda s: s.reset(*keys))

    async def take(self, key: str, *, capacity: int, refill_s: float, cost: int = 1) -> BucketState:
        return await self._run(
            lambda s: s.take(key, capacity=capacity, refill_s=refill_s, cost=cost)
        )

    async def peek_guess(
        self, bucket: str, *, capacity: int, refill_s: float, members: str, counter: str
    ) -> GuessPeek:
        return await self._run(
            lambda s: s.peek_guess(
                bucket, capacity=capacity, refill_s=refill_s, members=members, counter=counter
            )
        )

    async def add_member(self, key: str, member: str, *, ttl_s: int) -> None:
        await self._run(lambda s: s.add_member(key, member, ttl_s=ttl_s))

    async def members(self, key: str) -> Mapping[str, datetime]:
        return await self._run(lambda s: s.members(key))

    async def remove_member(self, key: str, member: str | None = None) -> None:
        await self._run(lambda s: s.remove_member(key, member))

    async def forget_containing(self, tokens: Collection[str]) -> int:
        """Forget in the shared store and in the fallback, which may still hold counters
        from a degraded period."""
        forgotten = await self._fallback.forget_containing(tokens)
        # Not through _run: a primary that is down must be reported, not silently skipped.
        try:
            return forgotten + await self._primary.forget_containing(tokens)
        except CounterStoreUnavailable:
            self._down_until = self._clock.now().timestamp() + self._retry_s
            raise
