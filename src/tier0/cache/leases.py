"""Counts a process reserved ahead in shared fixed windows ("leases").

A rate-limit window shared by every node costs one Redis round trip per request. For wide
windows (`WindowHit.lease` > 1: a tenant's or a client's budget) a node may instead take a
block of counts in one round trip and hand them out in process. The shared counter is raised
by the whole block when it is granted, so the counts every node holds plus the ones already
used never exceed the limit: a lease can only make a node refuse early (counts reserved by
another node that it has not used yet), never let a request through over the limit. Unused
counts lapse with their window. Redis grants at most a quarter of what is left in the window,
so leases shrink as a window fills and the last counts go one by one.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from tier0.cache.counters import WindowCount, WindowHit


@runtime_checkable
class LeaseHolder(Protocol):
    """A counter store that leases blocks of shared windows (`RedisCounterStore`)."""

    def live_leases(self, hits: Sequence[WindowHit], now: float) -> list[Lease] | None: ...


@dataclass(slots=True)
class Lease:
    ends: float  # the window's end (epoch seconds)
    left: int  # counts not handed out yet
    top: int  # the shared count right after the grant, this node's whole block included


class LeaseBook:
    """This process's unused leases, by counter key. Bounded: forgetting a lease only
    forfeits its counts (refusing early), so a flood of keys cannot make it unsafe."""

    def __init__(self, *, max_keys: int = 10_000) -> None:
        self._leases: dict[str, Lease] = {}
        self._asking: set[str] = set()  # keys with a block asked for and not yet granted
        self._max_keys = max_keys

    def __len__(self) -> int:
        return len(self._leases)

    def reserve(self, hit: WindowHit, now: float) -> tuple[Lease, WindowCount] | None:
        """Take one count of `hit` from its live lease (None when there is none); give it
        back with `release` if the request stops before this window (a narrower one
        refused). No await: atomic under asyncio."""
        lease = self._leases.get(hit.key)
        if lease is None or lease.left <= 0 or lease.ends <= now:
            return None
        lease.left -= 1
        return lease, WindowCount(lease.top - lease.left, lease.ends)

    def release(self, hit: WindowHit, lease: Lease) -> None:
        if self._leases.get(hit.key) is lease:
            lease.left += 1

    def live(self, hits: Sequence[WindowHit], now: float) -> list[Lease] | None:
        """The live leases of all of `hits` (each with counts left), or None. A caller may
        hold them and count by taking `left` down; a lease that leaves the book (replaced,
        forgotten, swept) is emptied first, so a holder never counts a lapsed one."""
        leases = []
        for hit in hits:
            lease = self._leases.get(hit.key)
            if lease is None or lease.left <= 0 or lease.ends <= now:
                return None
            leases.append(lease)
        return leases

    def want(self, hit: WindowHit) -> int:
        """How many counts to ask Redis for when no live lease covers `hit`: a block, unless
        one is already being asked for (a burst of concurrent requests would otherwise take
        a block each); `settle` ends the asking."""
        if hit.lease < 2 or hit.key in self._asking:
            return 1
        self._asking.add(hit.key)
        return hit.lease

    def settle(self, hits: Collection[WindowHit]) -> None:
        """The answer to the blocks asked for `hits` is in (or never will be)."""
        for hit in hits:
            self._asking.discard(hit.key)

    def record(
        self, hit: WindowHit, count: int, ends: float, grant: int, now: float
    ) -> WindowCount:
        """Keep what Redis granted beyond this request's own count; return its count."""
        if grant <= 1:
            return WindowCount(count, ends)
        held = self._leases.pop(hit.key, None)  # re-insert: insertion order tracks age
        left = grant - 1
        if held is not None:
            if held.ends == ends:
                left += held.left  # never drop counts already reserved in this window
            held.left = 0  # moved to the new lease: whoever holds the old one looks again
        self._leases[hit.key] = Lease(ends, left, count)
        if len(self._leases) > self._max_keys:
            self._shrink(now)
        return WindowCount(count - (grant - 1), ends)

    def forget(self, keys: Collection[str] = (), *, containing: Collection[str] = ()) -> None:
        """Drop leases by key, or whose key contains one of `containing`."""
        for key in keys:
            self._drop(key)
        if containing:
            for key in [k for k in self._leases if any(t in k for t in containing)]:
                self._drop(key)

    def _shrink(self, now: float) -> None:
        for key in [k for k, lease in self._leases.items() if lease.ends <= now]:
            self._drop(key)
        excess = len(self._leases) - self._max_keys * 9 // 10
        for key in list(self._leases)[: max(0, excess)]:
            self._drop(key)

    def _drop(self, key: str) -> None:
        lease = self._leases.pop(key, None)
        if lease is not None:
            lease.left = 0  # its holders (`live`) must not count it any more
