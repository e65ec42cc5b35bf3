"""The in-process counter store cannot grow without bound."""

from __future__ import annotations

from structlog.testing import capture_logs

from tier0.cache.memory import MemoryCounterStore
from tier0.clock import FrozenClock


async def test_memory_store_stays_under_its_bound_under_a_key_flood() -> None:
    store = MemoryCounterStore(FrozenClock(), max_keys=100)
    with capture_logs() as logs:
        for i in range(1000):
            await store.incr(f"k{i}", window_s=60)
    assert len(store) <= 100
    assert store.evictions >= 900
    assert any(entry["event"] == "counter_store.evicted" for entry in logs)
    assert await store.get("k999") == 1  # the newest keys survive eviction


async def test_memory_store_sweeps_expired_entries_before_evicting() -> None:
    clock = FrozenClock()
    store = MemoryCounterStore(clock, max_keys=110)
    for i in range(100):
        await store.incr(f"old{i}", window_s=10)
        await store.add_member(f"set{i % 5}", str(i), ttl_s=10)
    clock.advance(11)
    for i in range(50):
        await store.incr(f"new{i}", window_s=10)
    assert store.evictions == 0
    assert len(store) == 50


async def test_buckets_that_refilled_are_swept_too() -> None:
    clock = FrozenClock()
    store = MemoryCounterStore(clock, max_keys=10)
    for i in range(10):
        await store.take(f"b{i}", capacity=5, refill_s=1)
    clock.advance(2)
    await store.take("fresh", capacity=5, refill_s=1)
    assert len(store) == 1
    assert store.evictions == 0
