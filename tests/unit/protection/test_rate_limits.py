"""AV-01 / BF-02 / AV-05: per-endpoint-class limits per IP, client, tenant and user."""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from structlog.testing import capture_logs

from tests.conftest import REDIS_URL, skip_or_fail
from tier0.cache.counters import CounterStore
from tier0.cache.failover import FailoverCounterStore
from tier0.cache.memory import MemoryCounterStore
from tier0.cache.redis import RedisCounterStore
from tier0.clock import FrozenClock
from tier0.protection import rate_limit_output
from tier0.protection.keys import KeyHasher
from tier0.protection.rate_limit_output import rate_limit_headers, raw_rate_limit_headers
from tier0.protection.rate_limits import (
    DEFAULT_LIMITS,
    Decision,
    EndpointClass,
    RateLimiter,
    RateLimitKeys,
    Scope,
)

E = EndpointClass


async def test_av01_over_the_limit_refused_with_retry_after_and_headers(
    store: CounterStore, clock: FrozenClock, hasher: KeyHasher
) -> None:
    limiter = RateLimiter(store, clock, hasher, defaults={E.TOKEN: {Scope.IP: "3/minute"}})
    keys = RateLimitKeys(tenant="acme", ip="198.51.100.1")
    first = await limiter.hit(E.TOKEN, keys)
    assert (first.allowed, first.limit, first.remaining) == (True, 3, 2)
    assert rate_limit_headers(first) == {
        "X-RateLimit-Limit": "3",
        "X-RateLimit-Remaining": "2",
        "X-RateLimit-Reset": str(int((clock.now() + timedelta(minutes=1)).timestamp())),
    }
    await limiter.hit(E.TOKEN, keys)
    await limiter.hit(E.TOKEN, keys)
    clock.advance(20)
    refused = await limiter.hit(E.TOKEN, keys)
    assert not refused.allowed
    assert refused.scope is Scope.IP
    assert refused.retry_after == 40
    headers = rate_limit_headers(refused)
    assert headers["Retry-After"] == "40"
    assert headers["X-RateLimit-Remaining"] == "0"
    clock.advance(40)
    assert (await limiter.hit(E.TOKEN, keys)).allowed  # the window ended by the clock


async def test_av01_one_tenant_cannot_starve_another(
    store: CounterStore, clock: FrozenClock, hasher: KeyHasher
) -> None:
    limiter = RateLimiter(store, clock, hasher, defaults={E.TOKEN: {Scope.TENANT: "50/minute"}})
    flood = [
        await limiter.hit(E.TOKEN, RateLimitKeys(tenant="a", ip=f"198.51.100.{i % 200}"))
        for i in range(80)
    ]
    assert sum(d.allowed for d in flood) == 50
    assert flood[-1].scope is Scope.TENANT
    for i in range(50):
        decision = await limiter.hit(E.TOKEN, RateLimitKeys(tenant="b", ip="203.0.113.9"))
        assert decision.allowed, i


async def test_av01_a_refused_ip_does_not_drain_its_tenant_budget(
    store: CounterStore, clock: FrozenClock, hasher: KeyHasher
) -> None:
    table = {E.LOGIN: {Scope.IP: "5/minute", Scope.TENANT: "10/minute"}}
    limiter = RateLimiter(store, clock, hasher, defaults=table)
    noisy = RateLimitKeys(tenant="a", ip="198.51.100.1")
    results = [(await limiter.hit(E.LOGIN, noisy)).allowed for _ in range(100)]
    assert results.count(True) == 5
    others = [
        await limiter.hit(E.LOGIN, RateLimitKeys(tenant="a", ip=f"203.0.113.{i}")) for i in range(5)
    ]
    assert all(d.allowed for d in others)  # 5 of the tenant's 10 are still there


async def test_bf02_one_ip_across_500_users_gets_429_while_other_ips_are_served(
    store: CounterStore, clock: FrozenClock, hasher: KeyHasher
) -> None:
    limiter = RateLimiter(store, clock, hasher)  # the default table
    attacker = [
        await limiter.hit(E.LOGIN, RateLimitKeys("a", ip="198.51.100.66", user=f"u{i}@x.test"))
        for i in range(500)
    ]
    assert not attacker[-1].allowed
    assert attacker[-1].scope is Scope.IP
    assert sum(d.allowed for d in attacker) == 60  # the login per-IP default
    for i in range(20):
        legit = RateLimitKeys("a", ip=f"203.0.113.{i}", user=f"v{i}@x.test")
        assert (await limiter.hit(E.LOGIN, legit)).allowed


async def test_bf02_same_user_limit_across_ips(
    store: CounterStore, clock: FrozenClock, hasher: KeyHasher
) -> None:
    limiter = RateLimiter(store, clock, hasher)
    decisions = [
        await limiter.hit(E.LOGIN, RateLimitKeys("a", ip=f"198.51.100.{i}", user="Bob@x.test"))
        for i in range(25)
    ]
    assert sum(d.allowed for d in decisions) == 20
    assert decisions[-1].scope is Scope.USER
    # The user key is case-folded: a change of case is not a fresh budget.
    again = await limiter.hit(E.LOGIN, RateLimitKeys("a", ip="203.0.113.1", user="bob@X.test"))
    assert not again.allowed


async def test_av01_tenant_overrides_replace_and_disable_cells(
    store: CounterStore, clock: FrozenClock, hasher: KeyHasher
) -> None:
    overrides = {"big": {E.JWKS: {Scope.IP: "2/second", Scope.TENANT: None}}}
    limiter = RateLimiter(store, clock, hasher, overrides=overrides)
    assert limiter.limits_for("big", E.JWKS) == {Scope.IP: ["2 per 1 second"]}
    assert limiter.limits_for("small", E.JWKS)[Scope.IP] == ["20 per 1 second"]
    assert limiter.limits_for("big", E.TOKEN) == limiter.limits_for("small", E.TOKEN)
    keys = RateLimitKeys("big", ip="198.51.100.1")
    assert [(await limiter.hit(E.JWKS, keys)).allowed for _ in range(3)] == [True, True, False]


async def test_av01_several_limits_in_one_cell_and_client_scope(
    store: CounterStore, clock: FrozenClock, hasher: KeyHasher
) -> None:
    limiter = RateLimiter(store, clock, hasher)  # management: client 2/second;120/minute
    keys = RateLimitKeys("a", client_id="m2m-app")
    assert [(await limiter.hit(E.MANAGEMENT, keys)).allowed for _ in range(3)] == [
        True,
        True,
        False,
    ]
    clock.advance(1)
    assert (await limiter.hit(E.MANAGEMENT, keys)).allowed


def test_av01_bad_limit_strings_are_refused_at_start_up(
    clock: FrozenClock, hasher: KeyHasher
) -> None:
    with pytest.raises(ValueError, match="token/ip"):
        RateLimiter(MemoryCounterStore(clock), clock, hasher, defaults={E.TOKEN: {Scope.IP: "x"}})


def test_av01_every_endpoint_class_has_a_tenant_default() -> None:
    assert set(DEFAULT_LIMITS) == set(EndpointClass)
    assert all(Scope.TENANT in cells and Scope.IP in cells for cells in DEFAULT_LIMITS.values())


async def test_av05_redis_down_falls_back_to_process_limits_and_reports_degraded(
    clock: FrozenClock, hasher: KeyHasher, dead_redis_url: str
) -> None:
    redis_store = RedisCounterStore.from_url(dead_redis_url, clock)
    store = FailoverCounterStore(redis_store, MemoryCounterStore(clock), clock)
    limiter = RateLimiter(store, clock, hasher, defaults={E.TOKEN: {Scope.IP: "2/minute"}})
    keys = RateLimitKeys("a", ip="198.51.100.1")
    with capture_logs() as logs:
        decisions = [await limiter.hit(E.TOKEN, keys) for _ in range(3)]
    await redis_store.aclose()
    assert [d.allowed for d in decisions] == [True, True, False]  # never fails open
    assert all(d.degraded for d in decisions)
    degraded = [e for e in logs if e["event"] == "counter_store.degraded"]
    assert len(degraded) == 1  # logged once per outage, not per request
    assert degraded[0]["log_level"] == "error"


@pytest.mark.redis
async def test_av05_primary_is_retried_and_recovery_is_logged(
    clock: FrozenClock, dead_redis_url: str
) -> None:
    """The outage is real: Redis is reached through a loopback relay that is down, then up."""
    if not REDIS_URL:
        skip_or_fail("TIER0_TEST_REDIS_URL is not set")
    assert REDIS_URL is not None
    target = urlsplit(REDIS_URL)
    port = urlsplit(dead_redis_url).port
    assert port is not None
    prefix = f"tier0test:{secrets.token_hex(8)}:"
    url = f"redis://127.0.0.1:{port}{target.path}"
    primary = RedisCounterStore.from_url(url, clock, prefix=prefix)
    store = FailoverCounterStore(primary, MemoryCounterStore(clock), clock, retry_s=5)
    await store.incr("k", window_s=60)
    assert store.degraded
    relay = await start_relay(port, target.hostname or "127.0.0.1", target.port or 6379)
    try:
        assert await store.incr("k", window_s=60) == 2  # on the fallback until the retry
        clock.advance(5)
        with capture_logs() as logs:
            assert await store.incr("k", window_s=60) == 1  # Redis again, its own count
        assert not store.degraded
        assert [e["event"] for e in logs] == ["counter_store.recovered"]
        await store.reset("k")
    finally:
        await primary.aclose()
        relay.close()
        await relay.wait_closed()


async def start_relay(port: int, host: str, target_port: int) -> asyncio.Server:
    """A TCP relay on `port` to the real Redis: stands in for the network coming back."""

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(host, target_port)
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    return await asyncio.start_server(handle, "127.0.0.1", port)


async def test_av01_only_counts_the_named_scopes(
    store: CounterStore, clock: FrozenClock, hasher: KeyHasher
) -> None:
    table = {E.LOGIN: {Scope.USER: "2/minute", Scope.TENANT: "3/minute"}}
    limiter = RateLimiter(store, clock, hasher, defaults=table)
    keys = RateLimitKeys("a", ip="198.51.100.1", user="carol")
    for _ in range(2):
        assert (await limiter.hit(E.LOGIN, keys, only={Scope.USER})).allowed
    refused = await limiter.hit(E.LOGIN, keys, only={Scope.USER})
    assert (refused.allowed, refused.scope) == (False, Scope.USER)
    # The tenant bucket was not touched by the user-only checks.
    for _ in range(3):
        assert (await limiter.hit(E.LOGIN, RateLimitKeys("a"), only={Scope.TENANT})).allowed


async def test_av01_a_changed_tenant_table_applies_to_the_next_request(
    clock: FrozenClock, hasher: KeyHasher
) -> None:
    """Request plans are remembered; replacing the tenant's table must not serve old ones."""
    limiter = RateLimiter(MemoryCounterStore(clock), clock, hasher)
    keys = RateLimitKeys(tenant="acme", ip="198.51.100.1")
    assert (await limiter.hit(E.JWKS, keys)).limit == 20
    limiter.set_tenant_overrides("acme", {E.JWKS: {Scope.IP: "1/minute"}})
    decision = await limiter.hit(E.JWKS, keys)
    assert decision.limit == 1 and decision.allowed
    assert not (await limiter.hit(E.JWKS, keys)).allowed
    limiter.clear_tenant_overrides("acme")
    assert (await limiter.hit(E.JWKS, keys)).limit == 20


async def test_av01_memory_counting_follows_the_limiters_clock_read(
    clock: FrozenClock, hasher: KeyHasher
) -> None:
    """Embedded mode counts at the request's one clock read (`hit_windows_now`): windows
    still open and end when the injected clock says, as through `hit_windows`."""
    store = MemoryCounterStore(clock)
    limiter = RateLimiter(store, clock, hasher)
    limiter.set_tenant_overrides("acme", {E.TOKEN: {Scope.CLIENT: "2/second"}})
    keys = RateLimitKeys(tenant="acme", client_id="c1")
    first = await limiter.hit(E.TOKEN, keys, only={Scope.CLIENT})
    assert first.ends_at == clock.now().timestamp() + 1
    assert (await limiter.hit(E.TOKEN, keys, only={Scope.CLIENT})).remaining == 0
    refused = await limiter.hit(E.TOKEN, keys, only={Scope.CLIENT})
    assert not refused.allowed and refused.retry_after == 1
    assert first.remaining == 1  # decisions are values: later counting leaves them alone
    clock.advance(1)
    assert (await limiter.hit(E.TOKEN, keys, only={Scope.CLIENT})).remaining == 1


async def test_av01_the_refresher_runs_whenever_the_policy_is_not_fresh(
    clock: FrozenClock, hasher: KeyHasher
) -> None:
    """The per-request freshness check skips the refresher's coroutine only while the
    policy owner says its copy is fresh; otherwise a changed policy must be fetched."""
    limiter = RateLimiter(MemoryCounterStore(clock), clock, hasher)
    asked: list[str] = []
    fresh_until = {"acme": clock.now().timestamp() + 1}

    async def refresher(tenant: str) -> None:
        asked.append(tenant)
        limiter.set_tenant_overrides(tenant, {E.JWKS: {Scope.IP: "5/minute"}})

    limiter.refresher = refresher
    limiter.fresh = lambda tenant, now: now < fresh_until.get(tenant, 0.0)
    keys = RateLimitKeys(tenant="acme", ip="198.51.100.7")
    assert (await limiter.hit(E.JWKS, keys)).limit == 20  # fresh: the table in memory
    assert asked == []
    clock.advance(1)
    assert (await limiter.hit(E.JWKS, keys)).limit == 5  # stale: refreshed first
    assert (await limiter.hit(E.JWKS, RateLimitKeys(tenant="other", ip="x"))).limit == 5
    assert asked == ["acme", "other"]
    limiter.fresh = None  # a refresher without a freshness check runs on every request
    await limiter.hit(E.JWKS, keys)
    assert asked == ["acme", "other", "acme"]
    # The edge's synchronous path declines whenever the refresher would have to run.
    assert limiter.count_now(E.JWKS, "acme", "198.51.100.7", None, None) is None
    limiter.fresh = lambda tenant, now: True
    decision = limiter.count_now(E.JWKS, "acme", "198.51.100.7", None, None)
    assert (
        decision is not None and decision.limit == 5 and decision.remaining == 2
    )  # the third at 5
    assert asked == ["acme", "other", "acme"]


async def test_av01_the_synchronous_edge_count_is_the_same_count(
    clock: FrozenClock, hasher: KeyHasher, store: CounterStore
) -> None:
    """`count_now` counts in the same windows as `count` (memory), refuses the same way,
    and declines (None) for shared counters, which need a round trip."""
    limiter = RateLimiter(store, clock, hasher)
    limiter.set_tenant_overrides("acme", {E.JWKS: {Scope.IP: "2/minute"}})
    ip = f"203.0.113.{secrets.randbelow(250)}"
    scopes = frozenset({Scope.IP, Scope.TENANT})
    now = limiter.count_now(E.JWKS, "acme", ip, None, scopes)
    if not isinstance(store, MemoryCounterStore):
        assert now is None
        return
    assert now is not None and now.remaining == 1
    assert (await limiter.count(E.JWKS, "acme", ip, None, None, scopes)).remaining == 0
    refused = limiter.count_now(E.JWKS, "acme", ip, None, scopes)
    assert refused is not None and not refused.allowed and refused.scope is Scope.IP
    assert refused.retry_after == 60


def test_av01_raw_headers_match_the_decision_and_their_memo_stays_bounded() -> None:
    """Limit and reset pairs are formatted once per window; the values must still be the
    decision's (reset rounded up to whole Unix seconds), and the memo must not grow."""
    first = Decision(True, 600, 599, 1_800_000_000.25, 0, Scope.IP)
    later = Decision(True, 600, 12, 1_800_000_000.25, 0, Scope.IP)
    refused = Decision(False, 30, 0, 1_800_000_001.0, 2, Scope.CLIENT)
    assert raw_rate_limit_headers(first) == [
        (b"x-ratelimit-limit", b"600"),
        (b"x-ratelimit-remaining", b"599"),
        (b"x-ratelimit-reset", b"1800000001"),
    ]
    assert raw_rate_limit_headers(later)[1] == (b"x-ratelimit-remaining", b"12")
    assert raw_rate_limit_headers(refused) == [
        (b"x-ratelimit-limit", b"30"),
        (b"x-ratelimit-remaining", b"0"),
        (b"x-ratelimit-reset", b"1800000001"),
        (b"retry-after", b"2"),
    ]
    assert raw_rate_limit_headers(Decision(True)) == []
    for i in range(rate_limit_output._MAX_FIXED_PAIRS + 10):
        raw_rate_limit_headers(Decision(True, 10, 1, 1_800_000_000.0 + i))
    assert len(rate_limit_output._FIXED_PAIRS) <= rate_limit_output._MAX_FIXED_PAIRS
