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
