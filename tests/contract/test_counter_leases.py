"""AV-01 on shared counters: leased windows and coalesced round trips (tier0.cache.leases,
tier0.cache.coalesce), on a real Redis with two stores standing for two nodes."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from tests.conftest import REDIS_URL, skip_or_fail
from tier0.cache.counters import WindowHit
from tier0.cache.redis import RedisCounterStore
from tier0.clock import FrozenClock
from tier0.protection.keys import KeyHasher
from tier0.protection.rate_limits import (
    EndpointClass,
    RateLimiter,
    RateLimitKeys,
    Scope,
    _lease,
)

pytestmark = pytest.mark.redis

WIDE = WindowHit("wide", 60, 100, lease=6)


@pytest.fixture
async def nodes(clock: FrozenClock) -> AsyncIterator[tuple[RedisCounterStore, RedisCounterStore]]:
    """Two stores on one Redis namespace: two nodes of one deployment."""
    if not REDIS_URL:
        skip_or_fail("TIER0_TEST_REDIS_URL is not set")
    assert REDIS_URL is not None
    prefix = f"tier0test:{secrets.token_hex(8)}:"
    a = RedisCounterStore.from_url(REDIS_URL, clock, prefix=prefix, timeout_s=5)
    b = RedisCounterStore.from_url(REDIS_URL, clock, prefix=prefix, timeout_s=5)
    yield a, b
    cleaner = aioredis.Redis.from_url(REDIS_URL)
    async for key in cleaner.scan_iter(match=prefix + "*"):
        await cleaner.delete(key)
    await cleaner.aclose()
    await a.aclose()
    await b.aclose()


async def allowed(store: RedisCounterStore, hits: list[WindowHit]) -> bool:
    counts = await store.hit_windows(hits)
    return len(counts) == len(hits) and all(
        c.count <= h.limit for c, h in zip(counts, hits, strict=True)
    )


async def test_av01_leases_never_let_two_nodes_exceed_the_limit(
    nodes: tuple[RedisCounterStore, RedisCounterStore],
) -> None:
    a, b = nodes
    # Concurrent requests on both nodes, three times the limit in all.
    results = await asyncio.gather(*(allowed((a, b)[i % 2], [WIDE]) for i in range(300)))
    assert sum(results) <= WIDE.limit
    # Refusing early is bounded by what the nodes still hold: one lease each at most.
    assert sum(results) >= WIDE.limit - 2 * WIDE.lease


async def test_av01_alternating_nodes_with_a_narrow_exact_window_stay_within_both(
    nodes: tuple[RedisCounterStore, RedisCounterStore],
) -> None:
    a, b = nodes
    narrow = WindowHit("narrow", 60, 40)  # exact: counted in Redis every time
    results = [await allowed((a, b)[i % 2], [narrow, WIDE]) for i in range(120)]
    assert sum(results) == narrow.limit
    results += [await allowed((a, b)[i % 2], [WIDE]) for i in range(120)]
    assert sum(results) <= WIDE.limit


async def test_av01_a_lease_refuses_early_by_what_another_node_holds_then_adds_up(
    nodes: tuple[RedisCounterStore, RedisCounterStore],
) -> None:
    a, b = nodes
    assert await allowed(a, [WIDE])  # node a now holds unused counts
    b_allowed = 0
    while await allowed(b, [WIDE]):
        b_allowed += 1
    assert b_allowed < WIDE.limit - 1  # b refused while a held counts (the trade-off) ...
    a_allowed = 1
    while await allowed(a, [WIDE]):
        a_allowed += 1
    assert a_allowed + b_allowed == WIDE.limit  # ... and the two add up to the limit exactly


async def test_av01_one_node_with_leases_is_exact(
    nodes: tuple[RedisCounterStore, RedisCounterStore],
) -> None:
    a, _ = nodes
    results = [await allowed(a, [WIDE]) for _ in range(150)]
    assert results == [True] * WIDE.limit + [False] * 50
    counts = [(await a.hit_windows([WindowHit("other", 60, 100, lease=6)]))[0].count]
    counts += [(await a.hit_windows([WindowHit("other", 60, 100, lease=6)]))[0].count]
    assert counts == [1, 2]  # a lease reports the request's own position, not the block's end


async def test_av01_leased_counts_lapse_with_their_window(
    nodes: tuple[RedisCounterStore, RedisCounterStore], clock: FrozenClock
) -> None:
    a, b = nodes
    assert await allowed(a, [WIDE])
    clock.advance(60)
    exact = WindowHit(WIDE.key, WIDE.window_s, WIDE.limit)
    assert [c.count for c in await b.hit_windows([exact])] == [1]  # a new window in Redis
    assert [c.count for c in await a.hit_windows([WIDE])] == [2]  # a's old lease is gone
    assert await a.get("wide") == 1 + WIDE.lease  # a took a new block in the new window


async def test_av01_a_refused_narrow_window_does_not_spend_a_leased_wide_one(
    nodes: tuple[RedisCounterStore, RedisCounterStore],
) -> None:
    a, _ = nodes
    narrow = WindowHit("narrow", 60, 2)
    assert [await allowed(a, [narrow, WIDE]) for _ in range(3)] == [True, True, False]
    # The third request reserved a count of the wide lease, then gave it back.
    assert [c.count for c in await a.hit_windows([WIDE])] == [3]


async def test_av01_concurrent_checks_share_round_trips_and_stay_exact(
    nodes: tuple[RedisCounterStore, RedisCounterStore],
) -> None:
    a, b = nodes
    hits = [WindowHit("x", 60, 1000), WindowHit("y", 60, 1000)]  # no lease: every hit exact
    results = await asyncio.gather(*((a, b)[i % 2].hit_windows(hits) for i in range(80)))
    assert sorted(r[1].count for r in results) == list(range(1, 81))
    assert sorted(r[0].count for r in results) == list(range(1, 81))
    sends = a.coalescer.sends + b.coalescer.sends
    assert sends < 80 // 4  # 40 requests per node went out in a few round trips each
    assert a.coalescer.items + b.coalescer.items == 80


# -- narrow windows: `30/second` per client (the token endpoint's default) ------------------

CLIENT_30 = WindowHit("client30", 1, 30, lease=_lease(Scope.CLIENT, 30))


def test_narrow_limits_lease_small_blocks_and_the_user_scope_never_leases() -> None:
    assert CLIENT_30.lease == 7  # a quarter of the limit, at most 8
    assert _lease(Scope.CLIENT, 2) == 0  # `2/second` (management API): exact
    assert _lease(Scope.IP, 20) == 5  # `20/second` (JWKS)
    assert _lease(Scope.IP, 600) == 37  # wide windows keep 1/16 of the limit
    assert _lease(Scope.TENANT, 6000) == 256
    assert _lease(Scope.USER, 1000) == 0  # sign-in, reset, MFA identifiers: always exact


async def test_av01_a_narrow_leased_window_is_never_exceeded_by_two_nodes(
    nodes: tuple[RedisCounterStore, RedisCounterStore],
) -> None:
    a, b = nodes
    results = await asyncio.gather(*(allowed((a, b)[i % 2], [CLIENT_30]) for i in range(100)))
    assert sum(results) <= CLIENT_30.limit
    assert sum(results) >= CLIENT_30.limit - 2 * CLIENT_30.lease


async def test_av01_one_node_with_a_narrow_lease_is_exact_in_a_fraction_of_the_round_trips(
    nodes: tuple[RedisCounterStore, RedisCounterStore], clock: FrozenClock
) -> None:
    a, _ = nodes
    results = [await allowed(a, [CLIENT_30]) for _ in range(40)]
    assert results == [True] * 30 + [False] * 10
    clock.advance(1)  # the next window: a client well under its limit
    sends = a.coalescer.sends
    assert all([await allowed(a, [CLIENT_30]) for _ in range(10)])
    assert a.coalescer.sends - sends == 2  # blocks of 7 then 5, instead of 10 round trips


async def test_av01_default_token_limits_on_redis_cost_a_round_trip_per_few_requests(
    nodes: tuple[RedisCounterStore, RedisCounterStore], clock: FrozenClock, hasher: KeyHasher
) -> None:
    """The token endpoint's defaults (600/minute per IP, 30/second per client, 6000/minute
    per tenant) on shared counters: every window leases, the per-client one included."""
    a, _ = nodes
    limiter = RateLimiter(a, clock, hasher)
    keys = RateLimitKeys(f"t{secrets.token_hex(4)}", ip="198.51.100.5", client_id="m2m")
    sends = a.coalescer.sends
    decisions = [await limiter.hit(EndpointClass.TOKEN, keys) for _ in range(15)]
    # Half the client's limit in three round trips (blocks of 7, 5 and 4), where each
    # request used to make one; the last counts of a window still go one by one.
    assert a.coalescer.sends - sends == 3
    decisions += [await limiter.hit(EndpointClass.TOKEN, keys) for _ in range(15)]
    assert all(d.allowed for d in decisions)
    refused = await limiter.hit(EndpointClass.TOKEN, keys)  # the 31st in one second
    assert (refused.allowed, refused.scope) == (False, Scope.CLIENT)


async def test_av01_the_per_user_scope_is_counted_in_redis_every_time(
    nodes: tuple[RedisCounterStore, RedisCounterStore], clock: FrozenClock, hasher: KeyHasher
) -> None:
    a, b = nodes
    limiter_a, limiter_b = RateLimiter(a, clock, hasher), RateLimiter(b, clock, hasher)
    keys = RateLimitKeys(f"t{secrets.token_hex(4)}", user="bob@example.com")
    only = {Scope.USER}
    sends = a.coalescer.sends + b.coalescer.sends
    results = [
        (await (limiter_a, limiter_b)[i % 2].hit(EndpointClass.LOGIN, keys, only=only)).allowed
        for i in range(24)
    ]
    assert results == [True] * 20 + [False] * 4  # exact across nodes: 20/minute
    assert a.coalescer.sends + b.coalescer.sends - sends == 24
