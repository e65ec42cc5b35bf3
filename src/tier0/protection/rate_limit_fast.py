"""Compiled edge checks: one call per allowed request (issue #5).

After a request from a (tenant, endpoint class, IP, client) has been counted the ordinary way
(`RateLimiter.count_now` / `count`), its plan is compiled: what it counted in (embedded mode:
the live memory windows; shared counters: this process's live leases of the Redis windows),
their limits, and the `X-RateLimit-Limit`/`-Reset` header pairs each would show. The next
request from the same caller checks and counts those inline and gets its header pairs back,
without the plan lookup, the freshness call, a coroutine, the store or a `Decision`.

Inside a serving process every distinct function and object a request touches is a cache miss
(the side-by-side bench measured about ten times the tight-loop cost of the same code), so
what matters is how little the allowed path touches, not its arithmetic.

The compiled check counts exactly what the ordinary path counts, and only answers when every
window admits the request; anything else (a window at its limit, a window or the tenant's
policy due for renewal, a counter removed from the store) returns None before counting, and
the ordinary path decides. Validity:

* `until`: the earliest end of the windows and of the tenant policy's freshness
  (`fresh_until`), so a new window or a policy look always goes the ordinary way;
* `epoch`: `MemoryCounterStore.epoch` moves whenever a live window may have left the store
  (reset, erasure, eviction), so a compiled check never counts a detached window; a lease
  that leaves the `LeaseBook` (replaced by a new block, forgotten, swept) is emptied, so a
  compiled check holding it declines and the ordinary path asks Redis;
* a changed tenant table (`set_tenant_overrides`, a policy re-read) forgets the tenant's
  compiled checks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from math import ceil
from typing import Any

from tier0.cache.counters import WindowCount, WindowHit
from tier0.cache.leases import LeaseHolder
from tier0.cache.memory import MemoryCounterStore

Pair = tuple[bytes, bytes]
#: (endpoint class, IP, client id): the compiled checks of one tenant are keyed by these.
CheckKey = tuple[str, str | None, str | None]
_MAX_CHECKS = 10_000  # per tenant; a flood of new IPs only recycles them (oldest first)


_Pairs = tuple[Pair, Pair]  # a window's (limit, reset) header pairs
_NO_PAIRS: _Pairs = ((b"", b""), (b"", b""))


@dataclass(slots=True)
class _Compiled:
    slots: tuple[Any, ...]  # memory: the live `WindowCount`s; Redis: the live `Lease`s
    steps: tuple[tuple[Any, int, _Pairs], ...]  # per window: its slot, limit and pairs
    until: float
    epoch: int


class _Checks:
    """The compiled checks of one limiter, per tenant."""

    def __init__(self, time: Callable[[], float]) -> None:
        self._time = time
        self._tenants: dict[str, dict[CheckKey, _Compiled]] = {}

    def _epoch(self) -> int:
        return 0

    def _keep(
        self,
        tenant: str,
        key: CheckKey,
        limits: Sequence[int],
        slots: Sequence[Any],
        ends: Sequence[float],
        until: float,
    ) -> None:
        until = min([until, *ends])
        pairs = tuple(
            ((b"x-ratelimit-limit", b"%d" % limit), (b"x-ratelimit-reset", b"%d" % ceil(end)))
            for limit, end in zip(limits, ends, strict=True)
        )
        checks = self._tenants.setdefault(tenant, {})
        if len(checks) >= _MAX_CHECKS:
            del checks[next(iter(checks))]
        steps = tuple(zip(slots, limits, pairs, strict=True))
        checks[key] = _Compiled(tuple(slots), steps, until, self._epoch())

    def forget(self, tenant: str | None = None) -> None:
        """Drop a tenant's compiled checks (its table changed), or everyone's."""
        if tenant is None:
            self._tenants.clear()
        else:
            self._tenants.pop(tenant, None)


class CompiledChecks(_Checks):
    """Embedded mode: the checks hold the memory store's live windows."""

    def __init__(self, store: MemoryCounterStore, time: Callable[[], float]) -> None:
        super().__init__(time)
        self._store = store

    def _epoch(self) -> int:
        return self._store.epoch

    def count(self, tenant: str, key: CheckKey) -> list[Pair] | None:
        """Count one allowed request and return its `X-RateLimit-*` pairs, or None (nothing
        counted) when the ordinary path must decide."""
        checks = self._tenants.get(tenant)
        if checks is None:
            return None
        compiled = checks.get(key)
        if compiled is None or self._time() >= compiled.until:
            return None
        if compiled.epoch != self._store.epoch:
            return None
        best, best_left = _NO_PAIRS, -1
        for window, limit, pairs in compiled.steps:
            left = limit - window.count - 1  # what is left after this request
            if left < 0:
                return None  # this one would refuse: the ordinary path answers the 429
            if best_left < 0 or left < best_left:
                best, best_left = pairs, left
        if best_left < 0:
            return []  # no limit applies: no headers
        for window in compiled.slots:  # no await since the check: atomic under asyncio
            window.count += 1
        return [best[0], (b"x-ratelimit-remaining", b"%d" % best_left), best[1]]

    def compile(
        self,
        tenant: str,
        key: CheckKey,
        limits: Sequence[int],
        hits: Sequence[WindowHit],
        windows: Sequence[WindowCount],
        until: float,
    ) -> None:
        """Remember the windows a request just counted (all of its plan's, all allowed;
        none when no limit applies: the compiled check then only answers "no headers")."""
        ends = [window.ends_at for window in windows]
        self._keep(tenant, key, limits, windows, ends, until)


class CompiledLeases(_Checks):
    """Shared counters: the checks hold this process's live leases (tier0.cache.leases) and
    count by taking from them, as `RedisCounterStore.hit_windows` does, so only requests
    that need a round trip (a new block, an exact window) take the ordinary path."""

    def __init__(self, holder: LeaseHolder, time: Callable[[], float]) -> None:
        super().__init__(time)
        self._holder = holder

    def count(self, tenant: str, key: CheckKey) -> list[Pair] | None:
        """As `CompiledChecks.count`, from the leases: None when one is used up."""
        checks = self._tenants.get(tenant)
        if checks is None:
            return None
        compiled = checks.get(key)
        if compiled is None or self._time() >= compiled.until:
            return None
        best, best_left = _NO_PAIRS, -1
        for lease, limit, pairs in compiled.steps:
            if lease.left <= 0:
                return None  # used up, replaced or forgotten (emptied): ask Redis
            # The count `LeaseBook.reserve` reports: the grant's top less what is still held.
            left = limit - (lease.top - lease.left + 1)
            if left < 0:
                return None
            if best_left < 0 or left < best_left:
                best, best_left = pairs, left
        if best_left < 0:
            return []  # no limit applies: no headers
        for lease in compiled.slots:  # no await since the check: atomic under asyncio
            lease.left -= 1
        return [best[0], (b"x-ratelimit-remaining", b"%d" % best_left), best[1]]

    def compile(
        self,
        tenant: str,
        key: CheckKey,
        limits: Sequence[int],
        hits: Sequence[WindowHit],
        windows: Sequence[WindowCount],
        until: float,
    ) -> None:
        """Remember the leases now covering `hits`, if every window has one (an exact window,
        or one whose block is used up, keeps the request on the ordinary path)."""
        leases = self._holder.live_leases(hits, self._time()) if hits else []
        if leases is not None:
            self._keep(tenant, key, limits, leases, [lease.ends for lease in leases], until)
