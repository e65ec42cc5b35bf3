"""The `CounterStore` port: the one storage interface every limiter sits on.

Three small primitives, each atomic in every backend:

* fixed-window counters (`incr`/`get`/`expires_at`/`reset`): rate limits, failure counts;
* token buckets (`take`): Auth0's suspicious-IP throttling regains one attempt per
  `refill_s` instead of resetting a whole window at once;
* expiring sets (`add_member`/`members`/`remove_member`): brute-force blocks per identifier,
  listed for Auth0's `/user-blocks`.

Expiry is decided by the injected `Clock`, not by the backend's own wall clock, so tests move a
`FrozenClock` instead of sleeping and every backend agrees on when a window ends. Backends may
also expire data on their own (Redis TTLs, memory sweeps), but only as garbage collection.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol


class CounterStoreUnavailable(Exception):
    """The backend could not be reached (network, timeout). Never carries key contents."""


@dataclass(frozen=True, slots=True)
class BucketState:
    """Outcome of a token-bucket `take`.

    `remaining` counts whole tokens left after the call; `retry_after_s` is how long until one
    token is back (0 when at least one is left).
    """

    allowed: bool
    remaining: int
    retry_after_s: float


@dataclass(frozen=True, slots=True)
class GuessPeek:
    """Outcome of `peek_guess`: the bucket as `take(cost=0)` sees it, the live members of
    the set (expiries as epoch seconds), and whether the counter or the set holds anything."""

    bucket: BucketState
    members: Mapping[str, float]
    held: bool


@dataclass(frozen=True, slots=True)
class WindowHit:
    """One fixed-window counter to increment by one, refused above `limit`.

    `lease` > 1 lets a shared backend reserve up to that many counts for this process in
    one round trip and count later hits in process (tier0.cache.leases): never more than
    `limit` in all, but a node may refuse early while another holds unused counts. 0 (the
    default) keeps every hit exact."""

    key: str
    window_s: int
    limit: int
    lease: int = 0


@dataclass(slots=True)
class WindowCount:
    """A counter's value after `hit_windows` and when its window ends (epoch seconds:
    backends hold it as a number, and most requests never need it as a datetime).
    Read-only by convention: several are built per request, and a frozen dataclass costs
    about twice as much to build."""

    count: int
    ends_at: float

    @property
    def ends(self) -> datetime:
        return datetime.fromtimestamp(self.ends_at, UTC)


class CounterStore(Protocol):
    """Atomic counters, token buckets and expiring sets (DESIGN.md §1 ports)."""

    async def incr(self, key: str, *, window_s: int, amount: int = 1) -> int:
        """Add `amount` to the counter's current fixed window and return the new count.

        A window starts at the first increment after the previous one ended and lasts
        `window_s` seconds; later increments do not extend it.
        """
        ...

    async def hit_windows(self, hits: Sequence[WindowHit]) -> list[WindowCount]:
        """Increment several fixed windows atomically, in order, in one round trip; stop after
        the first whose count exceeds its limit. A result shorter than `hits`, or whose last
        count is above its limit, means that last hit was refused (rate limits check the
        narrowest scope first and a refusal must not spend the wider scopes' budgets)."""
        ...

    async def get(self, key: str) -> int:
        """The count in the current window (0 when none is open)."""
        ...

    async def expires_at(self, key: str) -> datetime | None:
        """When the current window ends, or None when none is open."""
        ...

    async def reset(self, *keys: str) -> None:
        """Forget the counters, buckets and sets at these keys, in one round trip (a
        success clears a failure count and its wait set together)."""
        ...

    async def take(self, key: str, *, capacity: int, refill_s: float, cost: int = 1) -> BucketState:
        """Take `cost` tokens from a bucket holding at most `capacity`, regaining one per
        `refill_s` seconds. Nothing is taken when fewer than `cost` are left. `cost=0` only
        looks (allowed when at least one token is left)."""
        ...

    async def peek_guess(
        self, bucket: str, *, capacity: int, refill_s: float, members: str, counter: str
    ) -> GuessPeek:
        """`take(bucket, cost=0)`, `members(members)` and whether `counter` or that set holds
        anything, at once: one round trip for a guessable secret's check (BF-04: the IP's
        bucket, the subject's wait set and failure count). Changes nothing."""
        ...

    async def add_member(self, key: str, member: str, *, ttl_s: int) -> None:
        """Add (or refresh) `member` in the set at `key`; it expires `ttl_s` seconds from now."""
        ...

    async def members(self, key: str) -> Mapping[str, datetime]:
        """Live members of the set at `key`, each with its expiry."""
        ...

    async def remove_member(self, key: str, member: str | None = None) -> None:
        """Remove one member, or the whole set when `member` is None."""
        ...

    async def forget_containing(self, tokens: Collection[str]) -> int:
        """Delete every counter, bucket and set whose key contains one of `tokens` (the keyed
        hashes of an erased user's identifiers, DP-05); return how many went. A full scan:
        for erasure, not for the request path."""
        ...


def is_degraded(store: object) -> bool:
    """True when `store` reports that it fell back from its shared backend (AV-05), as
    `FailoverCounterStore.degraded` does. A plain attribute read: this runs on every request,
    and an `isinstance` check against a runtime-checkable Protocol costs more than the
    counting itself."""
    return getattr(store, "degraded", False) is True


def bucket_math(
    tat: float, now: float, *, capacity: int, refill_s: float, cost: int
) -> tuple[BucketState, float]:
    """The token-bucket rule as GCRA (generic cell rate algorithm) over one stored number.

    `tat` is the "theoretical arrival time": the moment the bucket would be full again. The
    bucket holds `(capacity*refill_s - (tat - now)) / refill_s` tokens. Returns the state and
    the new `tat` to store (unchanged when refused or when only looking). Shared by the
    memory backend and mirrored line by line in the Redis Lua script.
    """
    if capacity < 1 or refill_s <= 0 or cost < 0:
        raise ValueError("capacity >= 1, refill_s > 0 and cost >= 0 are required")
    base = max(tat, now)
    tau = capacity * refill_s
    # Epoch seconds (~1.8e9) carry ~2e-7 s of float error per addition; a millisecond of
    # tolerance keeps that error from losing a token.
    available = math.floor((tau - (base - now) + 1e-3) / refill_s)
    need = max(cost, 1)
    if available < need:
        retry = max(0.0, base + need * refill_s - tau - now)
        return BucketState(False, max(available, 0), retry), tat
    new_tat = base + cost * refill_s
    left = available - cost
    retry = 0.0 if left >= 1 else max(0.0, new_tat + refill_s - tau - now)
    return BucketState(True, left, retry), new_tat
