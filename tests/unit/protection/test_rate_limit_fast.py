"""AV-01: the compiled edge checks count what the ordinary path counts (memory windows, and
leases of shared Redis windows)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from tests.conftest import REDIS_URL, skip_or_fail
from tier0.audit.changes import ChangedBy
from tier0.cache.memory import MemoryCounterStore
from tier0.cache.redis import RedisCounterStore
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.protection.documents import RateLimitsUpdate
from tier0.protection.keys import KeyHasher
from tier0.protection.rate_limit_fast import CompiledChecks, CompiledLeases
from tier0.protection.rate_limit_output import raw_rate_limit_headers
from tier0.protection.rate_limits import EDGE_SCOPES, EndpointClass, RateLimiter, Scope

E = EndpointClass
IP, CLIENT = "198.51.100.4", "m2m-client"
KEY = (E.TOKEN, IP, CLIENT)
TABLE = {E.TOKEN: {Scope.IP: "5/minute", Scope.CLIENT: "4/second", Scope.TENANT: "9/minute"}}


def _limiter(clock: FrozenClock, hasher: KeyHasher) -> tuple[RateLimiter, CompiledChecks]:
    limiter = RateLimiter(MemoryCounterStore(clock), clock, hasher, defaults=TABLE)
    assert isinstance(limiter.compiled, CompiledChecks)
    return limiter, limiter.compiled


def _edge(
    limiter: RateLimiter, compiled: CompiledChecks | CompiledLeases
) -> list[tuple[bytes, bytes]] | None:
    """What the middleware does: the compiled check, else the ordinary count (None: 429)."""
    headers = compiled.count("acme", KEY)
    if headers is not None:
        return headers
    decision = limiter.count_now(E.TOKEN, "acme", IP, CLIENT, EDGE_SCOPES)
    assert decision is not None
    return raw_rate_limit_headers(decision) if decision.allowed else None


async def test_av01_compiled_checks_answer_as_the_ordinary_path(
    clock: FrozenClock, hasher: KeyHasher
) -> None:
    """Same headers and the same refusal at the same request, through window roll-overs,
    and the same counts left in the store: a refused request is counted once (by the
    ordinary path), never by a compiled check as well."""
    fast_store, slow_store = MemoryCounterStore(clock), MemoryCounterStore(clock)
    fast = RateLimiter(fast_store, clock, hasher, defaults=TABLE)
    slow = RateLimiter(slow_store, clock, hasher, defaults=TABLE)
    slow.compiled = None  # the ordinary path only
    assert fast.compiled is not None
    answers = []
    for step in range(8):
        decision = slow.count_now(E.TOKEN, "acme", IP, CLIENT, EDGE_SCOPES)
        assert decision is not None
        expected = raw_rate_limit_headers(decision) if decision.allowed else None
        answers.append(expected)
        assert _edge(fast, fast.compiled) == expected, step
        clock.advance(0.3)  # the per-client window (1 s) rolls over; the others do not
    assert answers[4] is not None and answers[5] is None  # IP 5/minute: the sixth is refused
    assert _counts(fast_store) == _counts(slow_store)


def _counts(store: MemoryCounterStore) -> dict[str, tuple[int, float]]:
    return {key: (w.count, w.ends_at) for key, w in store._entries.items()}  # type: ignore[union-attr]


async def test_av01_compiled_checks_end_with_their_windows_and_the_policy(
    clock: FrozenClock, hasher: KeyHasher
) -> None:
    limiter, compiled = _limiter(clock, hasher)
    until = {"acme": clock.now().timestamp() + 0.5}

    async def refresher(tenant: str) -> None:
        return None

    limiter.refresher = refresher
    limiter.fresh = lambda tenant, now: now < until[tenant]
    limiter.fresh_until = lambda tenant: until[tenant]
    assert _edge(limiter, compiled) is not None
    assert compiled.count("acme", KEY) is not None
    clock.advance(0.5)  # the policy is due a look: the compiled check declines
    assert compiled.count("acme", KEY) is None
    until["acme"] += 60
    assert _edge(limiter, compiled) is not None  # compiled again, until the client window
    assert compiled.count("acme", KEY) is not None
    clock.advance(0.5)  # the per-client window (1 s from the first request) ended
    assert compiled.count("acme", KEY) is None


async def test_av01_a_reset_or_replaced_table_is_never_counted_by_an_old_check(
    clock: FrozenClock, hasher: KeyHasher
) -> None:
    """An unblock or erasure removes counters: a compiled check holding the old windows
    must not keep counting them; a new tenant table forgets the tenant's checks."""
    store = MemoryCounterStore(clock)
    limiter = RateLimiter(store, clock, hasher, defaults=TABLE)
    compiled = limiter.compiled
    assert compiled is not None
    assert _edge(limiter, compiled) is not None
    await store.reset("unrelated-key")  # nothing removed: the checks stay
    assert compiled.count("acme", KEY) is not None
    assert await store.forget_containing(["rl/"]) > 0  # the rate-limit windows go
    assert compiled.count("acme", KEY) is None
    headers = _edge(limiter, compiled)
    assert headers is not None and (b"x-ratelimit-remaining", b"3") in headers  # counted anew
    limiter.set_tenant_overrides("acme", {E.TOKEN: {Scope.IP: "50/minute"}})
    assert compiled.count("acme", KEY) is None


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_av01_a_policy_change_reaches_the_next_request_past_compiled_checks(
    container: Container,
) -> None:
    tenant = await container.tenants.create("fastpath", by=ChangedBy.cli())
    limiter = container.protection.rate_limiter
    args = (E.TOKEN, tenant.name, IP, CLIENT)
    assert (await limiter.count(*args, None, EDGE_SCOPES)).limit == 30  # refreshes the policy
    assert limiter.count_now(*args, EDGE_SCOPES) is not None  # compiles
    assert limiter.compiled is not None
    assert limiter.compiled.count(tenant.name, KEY) is not None
    change = RateLimitsUpdate(limits={E.TOKEN: {Scope.CLIENT: "2/minute"}})
    await container.protection_policies.update(tenant, "rate-limits", change, by=ChangedBy.cli())
    assert limiter.compiled.count(tenant.name, KEY) is None
    assert (await limiter.count(*args, None, EDGE_SCOPES)).limit == 2


@pytest.fixture
async def redis_pair(clock: FrozenClock) -> AsyncIterator[tuple[RedisCounterStore, ...]]:
    """Two stores in separate namespaces, and a third sharing the first's (another node)."""
    if not REDIS_URL:
        skip_or_fail("TIER0_TEST_REDIS_URL is not set")
    assert REDIS_URL is not None
    prefixes = [f"tier0test:{secrets.token_hex(8)}:" for _ in range(2)]
    stores = tuple(
        RedisCounterStore.from_url(REDIS_URL, clock, prefix=prefix, timeout_s=5)
        for prefix in (*prefixes, prefixes[0])
    )
    yield stores
    cleaner = aioredis.Redis.from_url(REDIS_URL)
    for prefix in prefixes:
        async for key in cleaner.scan_iter(match=prefix + "*"):
            await cleaner.delete(key)
    await cleaner.aclose()
    for store in stores:
        await store.aclose()


async def _edge_async(limiter: RateLimiter, ip: str = IP) -> list[tuple[bytes, bytes]] | None:
    """The middleware's path with shared counters: compiled check, else `count`."""
    assert isinstance(limiter.compiled, CompiledLeases)
    headers = limiter.compiled.count("acme", (E.TOKEN, ip, CLIENT))
    if headers is not None:
        return headers
    decision = await limiter.count(E.TOKEN, "acme", ip, CLIENT, None, EDGE_SCOPES)
    return raw_rate_limit_headers(decision) if decision.allowed else None


LEASED = {E.TOKEN: {Scope.IP: "40/minute", Scope.CLIENT: "32/second", Scope.TENANT: "64/minute"}}


@pytest.mark.redis
async def test_av01_compiled_leases_answer_as_the_ordinary_path(
    redis_pair: tuple[RedisCounterStore, ...], clock: FrozenClock, hasher: KeyHasher
) -> None:
    """Counting from held leases gives the headers and the refusal `hit_windows` gives, and
    a lease replaced by a new block is never counted again (it is emptied)."""
    fast = RateLimiter(redis_pair[0], clock, hasher, defaults=LEASED)
    slow = RateLimiter(redis_pair[1], clock, hasher, defaults=LEASED)
    slow.compiled = None
    taken = 0
    for step in range(45):
        decision = await slow.count(E.TOKEN, "acme", IP, CLIENT, None, EDGE_SCOPES)
        expected = raw_rate_limit_headers(decision) if decision.allowed else None
        assert await _edge_async(fast) == expected, step
        taken += expected is not None
        clock.advance(0.05)
    assert taken == 40  # the IP limit, to the request
    wide = dict.fromkeys((Scope.IP, Scope.CLIENT, Scope.TENANT), "1000/minute")
    fast.set_tenant_overrides("acme", {E.TOKEN: wide})  # blocks of 62
    assert await _edge_async(fast) is not None  # new windows, new blocks, compiled again
    assert fast.compiled is not None and fast.compiled.count("acme", KEY) is not None
    await redis_pair[0].forget_containing(["rl/"])  # erasure: the held leases are emptied
    assert fast.compiled.count("acme", KEY) is None


@pytest.mark.redis
async def test_av01_compiled_leases_on_two_nodes_never_pass_the_shared_limit(
    redis_pair: tuple[RedisCounterStore, ...], clock: FrozenClock, hasher: KeyHasher
) -> None:
    nodes = [RateLimiter(redis_pair[i], clock, hasher, defaults=LEASED) for i in (0, 2)]
    allowed = 0
    for i in range(160):  # four IPs (40/minute each): the tenant's 64/minute binds
        allowed += await _edge_async(nodes[i % 2], ip=f"203.0.113.{i % 4}") is not None
        clock.advance(0.1)  # 10 a second: under the per-client 32/second
    assert 64 - 2 * 4 <= allowed <= 64  # at most one unused block (4) per node lapses


@pytest.mark.redis
async def test_av01_a_table_changed_during_the_round_trip_is_not_compiled_over(
    redis_pair: tuple[RedisCounterStore, ...], clock: FrozenClock, hasher: KeyHasher
) -> None:
    """The ordinary path awaits Redis; a new table installed meanwhile must not get a
    compiled check built from the plan of the old one."""
    limiter = RateLimiter(redis_pair[0], clock, hasher, defaults=LEASED)
    assert isinstance(limiter.compiled, CompiledLeases)
    counting = asyncio.create_task(limiter.count(E.TOKEN, "acme", IP, CLIENT, None, EDGE_SCOPES))
    await asyncio.sleep(0)  # the task is now waiting for Redis
    limiter.set_tenant_overrides("acme", {E.TOKEN: {Scope.IP: "2/minute"}})
    assert (await counting).limit == 32  # counted under the old table (client 32/second)
    assert limiter.compiled.count("acme", KEY) is None  # but not compiled from it
    decision = await limiter.count(E.TOKEN, "acme", IP, CLIENT, None, EDGE_SCOPES)
    assert decision.limit == 2
