"""In-process `CounterStore` for embedded mode and tests (DESIGN.md §6).

Bounded: when more than `max_keys` entries exist, expired ones are swept; if that is not
enough, the oldest-created entries are evicted (counted in `evictions`). Eviction forgets
counts, which favours the attacker, so the bound is generous and the event is logged; it only
keeps a flood of distinct keys from exhausting memory. Every method completes without an
`await` between read and write, which is what makes it atomic under asyncio.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog

from tier0.cache.counters import BucketState, GuessPeek, WindowCount, WindowHit, bucket_math
from tier0.clock import Clock

_log = structlog.get_logger(__name__)


#: A fixed window is stored as the `WindowCount` callers read (count, end as epoch
#: seconds), so the rate limiter's synchronous path (`hit_windows_now`) needs no copy.
_Window = WindowCount


@dataclass(slots=True)
class _Bucket:
    tat: float


@dataclass(slots=True)
class _Set:
    expiries: dict[str, float] = field(default_factory=dict)


_Entry = _Window | _Bucket | _Set


class MemoryCounterStore:
    """Dictionary-backed counters, buckets and expiring sets, with a size bound."""

    def __init__(self, clock: Clock, *, max_keys: int = 1_000_000) -> None:
        if max_keys < 1:
            raise ValueError("max_keys must be positive")
        self._clock = clock
        self._max_keys = max_keys
        self._entries: dict[str, _Entry] = {}
        self.evictions = 0
        #: Moves whenever a live entry may have left the store (reset, erasure, eviction):
        #: holders of live windows (tier0.protection.rate_limit_fast) then look again.
        self.epoch = 0

    def __len__(self) -> int:
        return len(self._entries)

    def _now(self) -> float:
        return self._clock.now().timestamp()

    def _insert(self, key: str, entry: _Entry) -> None:
        self._entries[key] = entry
        if len(self._entries) > self._max_keys:
            self._shrink()

    def _shrink(self) -> None:
        """Sweep expired entries, then evict the oldest down to 90 % of the bound.

        Going below the bound keeps the O(n) sweep amortised over many inserts."""
        self.epoch += 1  # live windows may be evicted below
        now = self._now()
        for key in [k for k, e in self._entries.items() if _expired(e, now)]:
            del self._entries[key]
        target = self._max_keys * 9 // 10
        excess = len(self._entries) - target
        if excess > 0:
            for key in list(self._entries)[:excess]:  # dicts keep insertion order
                del self._entries[key]
            self.evictions += excess
            _log.warning("counter_store.evicted", count=excess, max_keys=self._max_keys)

    async def incr(self, key: str, *, window_s: int, amount: int = 1) -> int:
        return self._incr(key, window_s, amount, self._now()).count

    def _incr(self, key: str, window_s: int, amount: int, now: float) -> _Window:
        entry = self._entries.get(key)
        if isinstance(entry, _Window) and entry.ends_at > now:
            entry.count += amount
            return entry
        self._entries.pop(key, None)  # re-insert so insertion order tracks age
        window = _Window(amount, now + window_s)
        self._insert(key, window)
        return window

    async def hit_windows(self, hits: Sequence[WindowHit]) -> list[WindowCount]:
        return [WindowCount(w.count, w.ends_at) for w in self.hit_windows_now(hits, self._now())]

    def hit_windows_now(self, hits: Sequence[WindowHit], now: float) -> list[WindowCount]:
        """`hit_windows` at a time the caller read, without a coroutine: the rate limiter
        reads the clock once per request and counts in embedded mode through this. Returns
        the stored windows themselves, not copies: read them before the next `await`.

        A fixed window per key, swept lazily (`_shrink`): this is all the `limits` library's
        fixed-window strategy keeps too, without its generic storage calls."""
        counts: list[WindowCount] = []
        entries = self._entries
        for hit in hits:  # no await inside: atomic under asyncio
            window = entries.get(hit.key)
            if isinstance(window, WindowCount) and window.ends_at > now:
                window.count += 1
            else:
                window = self._incr(hit.key, hit.window_s, 1, now)
            counts.append(window)
            if window.count > hit.limit:
                break
        return counts

    def _window(self, key: str) -> _Window | None:
        entry = self._entries.get(key)
        if isinstance(entry, _Window) and entry.ends_at > self._now():
            return entry
        return None

    async def get(self, key: str) -> int:
        window = self._window(key)
        return window.count if window else 0

    async def expires_at(self, key: str) -> datetime | None:
        window = self._window(key)
        return datetime.fromtimestamp(window.ends_at, UTC) if window else None

    async def reset(self, *keys: str) -> None:
        for key in keys:
            if isinstance(self._entries.pop(key, None), _Window):
                self.epoch += 1

    async def take(self, key: str, *, capacity: int, refill_s: float, cost: int = 1) -> BucketState:
        now = self._now()
        entry = self._entries.get(key)
        tat = entry.tat if isinstance(entry, _Bucket) else now
        state, new_tat = bucket_math(tat, now, capacity=capacity, refill_s=refill_s, cost=cost)
        if isinstance(entry, _Bucket):
            entry.tat = new_tat
        elif new_tat > now:
            self._entries.pop(key, None)
            self._insert(key, _Bucket(new_tat))
        return state

    async def peek_guess(
        self, bucket: str, *, capacity: int, refill_s: float, members: str, counter: str
    ) -> GuessPeek:
        state = await self.take(bucket, capacity=capacity, refill_s=refill_s, cost=0)
        live = {m: e.timestamp() for m, e in (await self.members(members)).items()}
        return GuessPeek(state, live, bool(live) or self._window(counter) is not None)

    async def add_member(self, key: str, member: str, *, ttl_s: int) -> None:
        entry = self._entries.get(key)
        if not isinstance(entry, _Set):
            entry = _Set()
            self._entries.pop(key, None)
            self._insert(key, entry)
        entry.expiries[member] = self._now() + ttl_s

    async def members(self, key: str) -> Mapping[str, datetime]:
        entry = self._entries.get(key)
        if not isinstance(entry, _Set):
            return {}
        now = self._now()
        live = {m: e for m, e in entry.expiries.items() if e > now}
        entry.expiries = live
        return {m: datetime.fromtimestamp(e, UTC) for m, e in live.items()}

    async def remove_member(self, key: str, member: str | None = None) -> None:
        entry = self._entries.get(key)
        if not isinstance(entry, _Set):
            return
        if member is None:
            del self._entries[key]
        else:
            entry.expiries.pop(member, None)

    async def forget_containing(self, tokens: Collection[str]) -> int:
        wanted = [t for t in tokens if t]
        doomed = [k for k in self._entries if any(t in k for t in wanted)]
        if doomed:
            self.epoch += 1
        for key in doomed:
            del self._entries[key]
        return len(doomed)


def _expired(entry: _Entry, now: float) -> bool:
    if isinstance(entry, _Window):
        return entry.ends_at <= now
    if isinstance(entry, _Bucket):
        return entry.tat <= now  # a bucket at or past its full time holds no state
    return all(e <= now for e in entry.expiries.values())
