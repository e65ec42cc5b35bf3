"""AV-01: the compiled edge checks (embedded mode) count what the ordinary path counts."""

from __future__ import annotations

import pytest

from tier0.audit.changes import ChangedBy
from tier0.cache.memory import MemoryCounterStore
from tier0.clock import FrozenClock
from tier0.container import Container
from tier0.protection.documents import RateLimitsUpdate
from tier0.protection.keys import KeyHasher
from tier0.protection.rate_limit_fast import CompiledChecks
from tier0.protection.rate_limit_output import raw_rate_limit_headers
from tier0.protection.rate_limits import EDGE_SCOPES, EndpointClass, RateLimiter, Scope

E = EndpointClass
IP, CLIENT = "198.51.100.4", "m2m-client"
KEY = (E.TOKEN, IP, CLIENT)
TABLE = {E.TOKEN: {Scope.IP: "5/minute", Scope.CLIENT: "4/second", Scope.TENANT: "9/minute"}}


def _limiter(clock: FrozenClock, hasher: KeyHasher) -> tuple[RateLimiter, CompiledChecks]:
    limiter = RateLimiter(MemoryCounterStore(clock), clock, hasher, defaults=TABLE)
    assert limiter.compiled is not None
    return limiter, limiter.compiled


def _edge(limiter: RateLimiter, compiled: CompiledChecks) -> list[tuple[bytes, bytes]] | None:
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
