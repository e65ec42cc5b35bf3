"""Redis `CounterStore` for scale-out mode: every node and worker shares the counters.

Each operation is one Lua script or one read, so it is atomic on the server. "Now" comes from
the injected `Clock` and is passed to the script: windows end when the application's clock says
so (nodes are expected to run NTP), and Redis TTLs are set only as garbage collection, a
little after the logical expiry. Network failures surface as `CounterStoreUnavailable` so
callers can fall back instead of failing open (AV-05).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import redis.asyncio as aioredis
import redis.exceptions as redis_errors

from tier0.cache.coalesce import Coalescer
from tier0.cache.counters import (
    BucketState,
    CounterStoreUnavailable,
    GuessPeek,
    WindowCount,
    WindowHit,
)
from tier0.cache.leases import Lease, LeaseBook
from tier0.clock import Clock

_T = TypeVar("_T")
_Group = tuple[Sequence[WindowHit], list[int]]  # one request's windows and counts wanted
_Counted = tuple[int, float, int]  # count, window end, counts granted

# Fixed window stored as a hash {c: count, e: window end (epoch s)}.
_INCR = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local amount = tonumber(ARGV[3])
local ends = tonumber(redis.call('HGET', KEYS[1], 'e'))
if ends == nil or ends <= now then
  redis.call('HSET', KEYS[1], 'c', amount, 'e', tostring(now + window))
  redis.call('EXPIRE', KEYS[1], window + 1)
  return amount
end
return redis.call('HINCRBY', KEYS[1], 'c', amount)
"""

# Fixed windows of several requests at once (tier0.cache.coalesce), each request's windows in
# order, stopping after the first over its limit. ARGV[1] holds every number, space-separated
# (one argument to pack and one reply to parse instead of dozens: on a busy node the client's
# per-element cost is what counts): now, G (number of requests), the G request sizes, then
# window, limit, want for every key. A key's grant is `want` counts (a lease,
# tier0.cache.leases) but at most a quarter of what is left, at least one while anything is;
# a key with nothing left is counted once more (over its limit) and refuses. The reply, also
# one string: per request, how many keys were counted, then count, end, grant for each.
_HIT_BATCH = """
local a = {}
for x in string.gmatch(ARGV[1], '%S+') do a[#a + 1] = tonumber(x) end
local now = a[1]
local groups = a[2]
local out = {}
local k = 0
for g = 1, groups do
  local size = a[2 + g]
  local slot = #out + 1
  out[slot] = '0'
  for i = 1, size do
    local key = KEYS[k + i]
    local base = 2 + groups + 3 * (k + i - 1)
    local window, limit, want = a[base + 1], a[base + 2], a[base + 3]
    local raw = redis.call('HMGET', key, 'c', 'e')
    local count = tonumber(raw[1]) or 0
    local ends = tonumber(raw[2])
    local fresh = ends == nil or ends <= now
    if fresh then
      count = 0
      ends = now + window
    end
    local grant = 0
    if count < limit then
      grant = math.min(want, math.max(1, math.floor((limit - count) / 4)))
      count = count + grant
    else
      count = count + 1
    end
    if fresh then
      redis.call('HSET', key, 'c', count, 'e', tostring(ends))
      redis.call('EXPIRE', key, window + 1)
    else
      redis.call('HSET', key, 'c', count)
    end
    out[#out + 1] = tostring(count)
    out[#out + 1] = tostring(ends)
    out[#out + 1] = tostring(grant)
    out[slot] = tostring(i)
    if grant == 0 then break end
  end
  k = k + size
end
return table.concat(out, ' ')
"""

# Token bucket as GCRA over one number; mirrors tier0.cache.counters.bucket_math.
_TAKE = """
local now = tonumber(ARGV[1])
local cap = tonumber(ARGV[2])
local refill = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
local base = math.max(tat, now)
local tau = cap * refill
local available = math.floor((tau - (base - now) + 0.001) / refill)
local need = math.max(cost, 1)
if available < need then
  return {0, math.max(available, 0), tostring(math.max(0, base + need * refill - tau - now))}
end
local new_tat = base + cost * refill
if cost > 0 then
  redis.call('SET', KEYS[1], tostring(new_tat), 'EX', math.ceil(new_tat - now) + 1)
end
local left = available - cost
local retry = 0
if left < 1 then retry = math.max(0, new_tat + refill - tau - now) end
return {1, left, tostring(retry)}
"""

# `take` at cost 0 on KEYS[1], the live members of the set KEYS[2] and whether the counter
# KEYS[3] or that set holds anything: a guessable secret's check in one round trip (BF-04).
_PEEK_GUESS = """
local now = tonumber(ARGV[1])
local cap = tonumber(ARGV[2])
local refill = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
local base = math.max(tat, now)
local tau = cap * refill
local available = math.floor((tau - (base - now) + 0.001) / refill)
local allowed, left, retry = 1, math.max(available, 0), 0
if available < 1 then
  allowed, retry = 0, math.max(0, base + refill - tau - now)
end
local live = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. ARGV[1], '+inf', 'WITHSCORES')
local held = redis.call('EXISTS', KEYS[3])
return {allowed, left, tostring(retry), held, live}
"""

# Expiring set as a sorted set scored by expiry; the key lives as long as its last member.
_ADD = """
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], tostring(now + tonumber(ARGV[3])), ARGV[2])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(last[2]) - now) + 1)
return 1
"""

_UNAVAILABLE = (redis_errors.ConnectionError, redis_errors.TimeoutError, OSError)


class RedisCounterStore:
    """`CounterStore` on redis-py asyncio. All keys get `prefix` (one namespace per tenant0
    deployment, or per test run)."""

    def __init__(self, client: aioredis.Redis, clock: Clock, *, prefix: str = "tier0:") -> None:
        self._client = client
        self._clock = clock
        self._prefix = prefix
        self._incr = client.register_script(_INCR)
        self._hit_batch = client.register_script(_HIT_BATCH)
        self._leases = LeaseBook()
        self.coalescer: Coalescer[_Group, list[_Counted]] = Coalescer(self._send_groups)
        self._take = client.register_script(_TAKE)
        self._add = client.register_script(_ADD)
        self._peek_guess = client.register_script(_PEEK_GUESS)

    @classmethod
    def from_url(
        cls, url: str, clock: Clock, *, prefix: str = "tier0:", timeout_s: float = 0.5
    ) -> RedisCounterStore:
        """Connect lazily; short timeouts so an outage degrades fast instead of hanging."""
        client = aioredis.Redis.from_url(
            url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s
        )
        return cls(client, clock, prefix=prefix)

    async def aclose(self) -> None:
        await self._client.aclose()

    def _key(self, key: str) -> str:
        return self._prefix + key

    def _now(self) -> float:
        return self._clock.now().timestamp()

    async def _call(self, op: Callable[[], Awaitable[_T]]) -> _T:
        try:
            return await op()
        except _UNAVAILABLE as exc:
            # The message names the failure class only: never key contents.
            raise CounterStoreUnavailable(f"redis unavailable: {type(exc).__name__}") from exc

    async def incr(self, key: str, *, window_s: int, amount: int = 1) -> int:
        args: list[str | int] = [repr(self._now()), window_s, amount]
        return int(await self._call(lambda: self._incr(keys=[self._key(key)], args=args)))

    async def hit_windows(self, hits: Sequence[WindowHit]) -> list[WindowCount]:
        """Windows with a live lease count in process; the others go to Redis in one script
        run, shared with the requests in flight at the same time (tier0.cache.coalesce)."""
        now = self._now()
        book = self._leases
        local: list[tuple[Lease, WindowCount] | None] = []
        for hit in hits:
            local.append(book.reserve(hit, now))
            if local[-1] is None:
                local += [book.reserve(later, now) for later in hits[len(local) :]]
                break
        else:  # every window leased: no round trip
            return [held[1] for held in local if held is not None]
        remote = [hit for hit, held in zip(hits, local, strict=True) if held is None]
        wants = [book.want(hit) for hit in remote]
        try:
            counted = iter(await self.coalescer.submit((remote, wants)))
        except BaseException:
            self._release(hits, local, 0)
            raise
        finally:
            # Blocks asked for and not recorded below (an error, an earlier refusal) are no
            # longer being asked for; `record` ends the asking for the ones granted.
            book.settle([hit for hit, want in zip(remote, wants, strict=True) if want > 1])
        counts: list[WindowCount] = []
        for i, (hit, held) in enumerate(zip(hits, local, strict=True)):
            if held is not None:
                counts.append(held[1])
                continue
            result = next(counted, None)
            if result is None:  # Redis stopped at an earlier refusal
                self._release(hits, local, i)
                break
            count, ends, grant = result
            counts.append(book.record(hit, count, ends, grant, now))
            if grant == 0:  # refused: the wider windows are not spent
                self._release(hits, local, i + 1)
                break
        return counts

    def live_leases(self, hits: Sequence[WindowHit], now: float) -> list[Lease] | None:
        """The live leases covering every one of `hits`, or None (`LeaseBook.live`)."""
        return self._leases.live(hits, now)

    def _release(
        self, hits: Sequence[WindowHit], local: list[tuple[Lease, WindowCount] | None], start: int
    ) -> None:
        for hit, held in zip(hits[start:], local[start:], strict=True):
            if held is not None:
                self._leases.release(hit, held[0])

    async def _send_groups(self, groups: list[_Group]) -> list[list[_Counted]]:
        keys: list[str] = []
        numbers: list[str] = [repr(self._now()), str(len(groups))]
        numbers += [str(len(hits)) for hits, _ in groups]
        for hits, wants in groups:
            for hit, want in zip(hits, wants, strict=True):
                keys.append(self._prefix + hit.key)
                numbers.append(f"{hit.window_s} {hit.limit} {want}")
        args = [" ".join(numbers)]
        reply = (await self._call(lambda: self._hit_batch(keys=keys, args=args))).split()
        results: list[list[_Counted]] = []
        at = 0
        for _ in groups:
            size = int(reply[at])
            results.append(
                [
                    (int(reply[i]), float(reply[i + 1]), int(reply[i + 2]))
                    for i in range(at + 1, at + 1 + 3 * size, 3)
                ]
            )
            at += 1 + 3 * size
        return results

    async def _window(self, key: str) -> tuple[int, float] | None:
        raw: list[Any] = await self._call(lambda: self._client.hmget(self._key(key), ["c", "e"]))
        count, ends = raw
        if count is None or ends is None or float(ends) <= self._now():
            return None
        return int(count), float(ends)

    async def get(self, key: str) -> int:
        window = await self._window(key)
        return window[0] if window else 0

    async def expires_at(self, key: str) -> datetime | None:
        window = await self._window(key)
        return datetime.fromtimestamp(window[1], UTC) if window else None

    async def reset(self, *keys: str) -> None:
        if not keys:
            return
        self._leases.forget(list(keys))
        await self._call(lambda: self._client.delete(*(self._key(key) for key in keys)))

    async def take(self, key: str, *, capacity: int, refill_s: float, cost: int = 1) -> BucketState:
        if capacity < 1 or refill_s <= 0 or cost < 0:
            raise ValueError("capacity >= 1, refill_s > 0 and cost >= 0 are required")
        args: list[str | int] = [repr(self._now()), capacity, repr(refill_s), cost]
        allowed, remaining, retry = await self._call(
            lambda: self._take(keys=[self._key(key)], args=args)
        )
        return BucketState(bool(allowed), int(remaining), float(retry))

    async def peek_guess(
        self, bucket: str, *, capacity: int, refill_s: float, members: str, counter: str
    ) -> GuessPeek:
        if capacity < 1 or refill_s <= 0:
            raise ValueError("capacity >= 1 and refill_s > 0 are required")
        keys = [self._key(bucket), self._key(members), self._key(counter)]
        args: list[str | int] = [repr(self._now()), capacity, repr(refill_s)]
        allowed, left, retry, held, live = await self._call(
            lambda: self._peek_guess(keys=keys, args=args)
        )
        pairs = {_text(live[i]): float(live[i + 1]) for i in range(0, len(live), 2)}
        state = BucketState(bool(allowed), int(left), float(retry))
        return GuessPeek(state, pairs, bool(held) or bool(pairs))

    async def add_member(self, key: str, member: str, *, ttl_s: int) -> None:
        args: list[str | int] = [repr(self._now()), member, ttl_s]
        await self._call(lambda: self._add(keys=[self._key(key)], args=args))

    async def members(self, key: str) -> Mapping[str, datetime]:
        now = self._now()
        rows = await self._call(
            lambda: self._client.zrangebyscore(self._key(key), f"({now!r}", "+inf", withscores=True)
        )
        return {_text(row[0]): datetime.fromtimestamp(float(row[1]), UTC) for row in rows}

    async def remove_member(self, key: str, member: str | None = None) -> None:
        if member is None:
            await self._call(lambda: self._client.delete(self._key(key)))
        else:
            await self._call(lambda: self._client.zrem(self._key(key), member))

    async def forget_containing(self, tokens: Collection[str]) -> int:
        """SCAN this store's namespace (never KEYS, which blocks Redis) and unlink matches."""
        wanted = [t for t in tokens if t]
        if not wanted:
            return 0
        self._leases.forget(containing=wanted)

        async def scan_and_unlink() -> int:
            doomed: list[str] = []
            async for raw in self._client.scan_iter(match=self._prefix + "*", count=1000):
                key = _text(raw)
                if any(t in key[len(self._prefix) :] for t in wanted):
                    doomed.append(key)
            for start in range(0, len(doomed), 500):
                await self._client.unlink(*doomed[start : start + 500])
            return len(doomed)

        return await self._call(scan_and_unlink)


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
