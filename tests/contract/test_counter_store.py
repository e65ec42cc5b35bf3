"""One contract for every CounterStore backend (STYLE.md rule 5): memory, Redis, and the
failover store with its Redis down (AV-05: it must keep the same semantics in process)."""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta

import pytest

from tier0.cache.counters import CounterStore, CounterStoreUnavailable, WindowHit
from tier0.cache.failover import FailoverCounterStore
from tier0.clock import FrozenClock


async def test_incr_counts_within_a_window(store: CounterStore, clock: FrozenClock) -> None:
    assert await store.get("k") == 0
    assert await store.incr("k", window_s=60) == 1
    assert await store.incr("k", window_s=60) == 2
    assert await store.incr("k", window_s=60, amount=3) == 5
    assert await store.get("k") == 5
    assert await store.expires_at("k") == clock.now() + timedelta(seconds=60)


async def test_window_ends_by_the_clock_and_is_not_extended(
    store: CounterStore, clock: FrozenClock
) -> None:
    await store.incr("k", window_s=60)
    clock.advance(59)
    assert await store.incr("k", window_s=60) == 2  # later hits do not extend the window
    clock.advance(1)
    assert await store.get("k") == 0
    assert await store.expires_at("k") is None
    assert await store.incr("k", window_s=60) == 1


async def test_reset_forgets_a_counter(store: CounterStore) -> None:
    await store.incr("k", window_s=60)
    await store.incr("other", window_s=60)
    await store.reset("k")
    assert await store.get("k") == 0
    assert await store.get("other") == 1


async def test_reset_forgets_several_counters_and_sets_at_once(store: CounterStore) -> None:
    await store.incr("count", window_s=60)
    await store.add_member("set", "until", ttl_s=60)
    await store.take("bucket", capacity=3, refill_s=60)
    await store.incr("kept", window_s=60)
    await store.reset("count", "set", "bucket")
    assert await store.get("count") == 0
    assert await store.members("set") == {}
    assert (await store.take("bucket", capacity=3, refill_s=60, cost=0)).remaining == 3
    assert await store.get("kept") == 1
    await store.reset()  # nothing to forget is not an error


async def test_incr_is_atomic_under_concurrency(store: CounterStore) -> None:
    results = await asyncio.gather(*(store.incr("k", window_s=60) for _ in range(50)))
    assert sorted(results) == list(range(1, 51))


async def test_bucket_empties_then_refills_one_token_at_a_time(
    store: CounterStore, clock: FrozenClock
) -> None:
    states = [await store.take("b", capacity=3, refill_s=10) for _ in range(3)]
    assert [s.remaining for s in states] == [2, 1, 0]
    assert all(s.allowed for s in states)
    assert states[-1].retry_after_s == pytest.approx(10)
    refused = await store.take("b", capacity=3, refill_s=10)
    assert not refused.allowed
    assert refused.retry_after_s == pytest.approx(10)
    clock.advance(4)
    assert (await store.take("b", capacity=3, refill_s=10)).retry_after_s == pytest.approx(6)
    clock.advance(6)
    regained = await store.take("b", capacity=3, refill_s=10)
    assert regained.allowed
    assert regained.remaining == 0


async def test_bucket_peek_with_cost_zero_takes_nothing(
    store: CounterStore, clock: FrozenClock
) -> None:
    for _ in range(5):
        assert (await store.take("b", capacity=1, refill_s=60, cost=0)).allowed
    assert (await store.take("b", capacity=1, refill_s=60)).allowed
    peek = await store.take("b", capacity=1, refill_s=60, cost=0)
    assert not peek.allowed
    assert peek.retry_after_s == pytest.approx(60)


async def test_bucket_refuses_a_cost_above_what_is_left(store: CounterStore) -> None:
    assert (await store.take("b", capacity=5, refill_s=1, cost=4)).remaining == 1
    refused = await store.take("b", capacity=5, refill_s=1, cost=2)
    assert not refused.allowed
    assert refused.remaining == 1
    assert (await store.take("b", capacity=5, refill_s=1, cost=1)).allowed


async def test_bucket_is_atomic_under_concurrency(store: CounterStore) -> None:
    states = await asyncio.gather(*(store.take("b", capacity=10, refill_s=60) for _ in range(30)))
    assert sum(s.allowed for s in states) == 10


async def test_members_expire_individually(store: CounterStore, clock: FrozenClock) -> None:
    await store.add_member("s", "a", ttl_s=100)
    clock.advance(50)
    await store.add_member("s", "b", ttl_s=100)
    live = await store.members("s")
    assert set(live) == {"a", "b"}
    assert live["b"] == clock.now() + timedelta(seconds=100)
    clock.advance(50)
    assert set(await store.members("s")) == {"b"}
    await store.add_member("s", "b", ttl_s=10)  # refreshing sets a new expiry
    assert (await store.members("s"))["b"] == clock.now() + timedelta(seconds=10)


async def test_remove_member_and_whole_set(store: CounterStore) -> None:
    for member in ("a", "b", "c"):
        await store.add_member("s", member, ttl_s=100)
    await store.remove_member("s", "b")
    assert set(await store.members("s")) == {"a", "c"}
    await store.remove_member("s")
    assert await store.members("s") == {}
    assert await store.members("never") == {}


async def test_hit_windows_counts_in_order_and_stops_after_the_first_refusal(
    store: CounterStore, clock: FrozenClock
) -> None:
    hits = [WindowHit("narrow", 60, 2), WindowHit("wide", 3600, 100)]
    first = await store.hit_windows(hits)
    assert [c.count for c in first] == [1, 1]
    assert first[0].ends == clock.now() + timedelta(seconds=60)
    assert first[1].ends == clock.now() + timedelta(seconds=3600)
    await store.hit_windows(hits)
    refused = await store.hit_windows(hits)
    assert [c.count for c in refused] == [3]  # the wide window was not spent
    assert await store.get("wide") == 2
    clock.advance(60)
    assert [c.count for c in await store.hit_windows(hits)] == [1, 3]
    assert await store.hit_windows([]) == []


async def test_hit_windows_is_atomic_under_concurrency(store: CounterStore) -> None:
    hits = [WindowHit("a", 60, 1000), WindowHit("b", 60, 1000)]
    results = await asyncio.gather(*(store.hit_windows(hits) for _ in range(40)))
    assert sorted(r[1].count for r in results) == list(range(1, 41))


async def test_dp05_forget_containing_deletes_only_the_matching_keys(store: CounterStore) -> None:
    token, other = secrets.token_hex(16), secrets.token_hex(16)
    await store.incr(f"bf:count:t:{token}:203.0.113.9", window_s=60)
    await store.add_member(f"bf:block:t:{token}", "203.0.113.9", ttl_s=60)
    await store.take(f"guess:totp:t:{token}", capacity=5, refill_s=1.0)
    await store.incr(f"bf:count:t:{other}:203.0.113.9", window_s=60)
    if isinstance(store, FailoverCounterStore):  # the shared store is down: say so ...
        with pytest.raises(CounterStoreUnavailable):
            await store.forget_containing([token])
    else:
        assert await store.forget_containing([token, ""]) == 3
    # ... but the process's own counters are gone either way
    assert await store.get(f"bf:count:t:{token}:203.0.113.9") == 0
    assert await store.members(f"bf:block:t:{token}") == {}
    assert (
        await store.take(f"guess:totp:t:{token}", capacity=5, refill_s=1.0, cost=0)
    ).remaining == 5
    assert await store.get(f"bf:count:t:{other}:203.0.113.9") == 1


async def test_hit_windows_returns_values_that_later_hits_do_not_change(
    store: CounterStore,
) -> None:
    """The memory store keeps windows as the `WindowCount` it reads (its rate-limiter path
    returns them live); `hit_windows` itself must still hand out values, not its storage."""
    key = f"snapshot-{secrets.token_hex(8)}"
    first = await store.hit_windows([WindowHit(key, 60, 10)])
    await store.hit_windows([WindowHit(key, 60, 10)])
    assert first[0].count == 1


async def test_peek_guess_reads_bucket_set_and_counter_and_changes_nothing(
    store: CounterStore, clock: FrozenClock
) -> None:
    """BF-04's one-round-trip check: the same answers as `take(cost=0)` and `members`."""
    empty = await store.peek_guess("b", capacity=2, refill_s=60, members="s", counter="c")
    assert (empty.bucket.allowed, empty.bucket.remaining, empty.held) == (True, 2, False)
    assert dict(empty.members) == {}
    await store.incr("c", window_s=60)
    assert (await store.peek_guess("b", capacity=2, refill_s=60, members="s", counter="c")).held
    await store.reset("c")
    await store.add_member("s", "until", ttl_s=30)
    for _ in range(2):
        await store.take("b", capacity=2, refill_s=60)
    peek = await store.peek_guess("b", capacity=2, refill_s=60, members="s", counter="c")
    assert (peek.bucket.allowed, peek.bucket.remaining, peek.held) == (False, 0, True)
    assert peek.bucket.retry_after_s == pytest.approx(60)
    assert peek.members["until"] == pytest.approx(clock.now().timestamp() + 30)
    same = await store.take("b", capacity=2, refill_s=60, cost=0)
    assert (same.allowed, same.remaining) == (peek.bucket.allowed, peek.bucket.remaining)
    clock.advance(31)  # the set's member expired, and one token came back
    later = await store.peek_guess("b", capacity=2, refill_s=60, members="s", counter="c")
    assert (later.bucket.allowed, later.held, dict(later.members)) == (False, False, {})
    clock.advance(30)
    assert (
        await store.peek_guess("b", capacity=2, refill_s=60, members="s", counter="c")
    ).bucket.allowed
