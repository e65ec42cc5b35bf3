"""BF-02: suspicious-IP throttling (Auth0 pre-login / pre-user-registration buckets) and the
credential-stuffing signal."""

from __future__ import annotations

from tier0.cache.counters import CounterStore
from tier0.clock import FrozenClock
from tier0.protection.keys import KeyHasher
from tier0.protection.suspicious_ip import (
    Stage,
    StageName,
    StuffingRule,
    StuffingSignal,
    SuspiciousIpPolicy,
    SuspiciousIpThrottle,
)

T, BAD_IP, GOOD_IP = "acme", "198.51.100.66", "203.0.113.5"


async def test_bf02_ip_failing_across_accounts_is_throttled_while_others_are_served(
    store: CounterStore, clock: FrozenClock, hasher: KeyHasher
) -> None:
    bucket_only = SuspiciousIpPolicy(stuffing=StuffingRule(throttle_s=0))
    sip = SuspiciousIpThrottle(store, clock, hasher, default_policy=bucket_only)
    for i in range(99):
        outcome = await sip.record_login_failure(T, BAD_IP, f"user{i}@example.com")
        assert not outcome.throttle.throttled, i
    last = await sip.record_login_failure(T, BAD_IP, "user99@example.com")
    assert last.throttle.throttled
    assert last.throttle.retry_after == 864  # one attempt back every 864,000 ms
    assert (await sip.check_login(T, BAD_IP)).throttled
    assert not (await sip.check_login(T, GOOD_IP)).throttled
    assert not (await sip.check_login("other-tenant", BAD_IP)).throttled
    clock.advance(864)
    regained = await sip.check_login(T, BAD_IP)
    assert not regained.throttled
    assert regained.remaining == 1
    await sip.record_login_failure(T, BAD_IP, "again@example.com")
    assert (await sip.check_login(T, BAD_IP)).throttled


async def test_bf02_check_login_consumes_nothing(
    store: CounterStore, clock: FrozenClock, hasher: KeyHasher
) -> None:
    sip = SuspiciousIpThrottle(store, clock, hasher)
    for _ in range(500):
        assert not (await sip.check_login(T, BAD_IP)).throttled
        await sip.record_login_success(T, BAD_IP)


async def test_bf02_signups_per_ip_are_throttled_at_50(
    store: CounterStore, clock: FrozenClock, hasher: KeyHasher
) -> None:
    sip = SuspiciousIpThrottle(store, clock, hasher)
    results = [await sip.hit_signup(T, BAD_IP) for _ in range(51)]
    assert not any(r.throttled for r in results[:50])
    assert results[50].throttled
    assert results[50].retry_after == 2  # 1,200 ms, rounded up to whole seconds
    assert not (await sip.hit_signup(T, GOOD_IP)).throttled
    assert not (await sip.check_login(T, BAD_IP)).throttled  # stages are counted apart
    assert await sip.is_throttled(T, BAD_IP)
    clock.advance(1.2)
    assert not (await sip.hit_signup(T, BAD_IP)).throttled


async def test_bf02_allowlist_and_admin_unblock(
    store: CounterStore, clock: FrozenClock, hasher: KeyHasher
) -> None:
    policy = SuspiciousIpPolicy(pre_login=Stage(2, 60_000), allowlist=("198.51.100.0/24",))
    sip = SuspiciousIpThrottle(store, clock, hasher, default_policy=policy)
    for i in range(10):
        assert not (await sip.record_login_failure(T, BAD_IP, f"u{i}")).throttle.throttled
    for i in range(2):
        await sip.record_login_failure(T, GOOD_IP, f"u{i}")
    assert await sip.is_throttled(T, GOOD_IP)
    await sip.unblock(T, GOOD_IP)  # DELETE /anomaly/blocks/ips/{ip}
    assert not await sip.is_throttled(T, GOOD_IP)


async def test_bf02_a_throttle_is_reported_once_per_stage_until_it_ends_or_is_lifted(
    store: CounterStore, clock: FrozenClock, hasher: KeyHasher
) -> None:
    sip = SuspiciousIpThrottle(store, clock, hasher)
    login, signup = StageName.PRE_LOGIN, StageName.PRE_USER_REGISTRATION
    assert await sip.first_refusal(T, BAD_IP, 60, login)
    assert not await sip.first_refusal(T, BAD_IP, 60, login)
    assert await sip.first_refusal(T, BAD_IP, 60, signup)  # stages are reported apart
    assert await sip.first_refusal(T, GOOD_IP, 60, login)
    clock.advance(61)
    assert await sip.first_refusal(T, BAD_IP, 60, login)  # a new throttle
    await sip.unblock(T, BAD_IP)
    assert await sip.first_refusal(T, BAD_IP, 60, login)
    assert await sip.first_refusal(T, BAD_IP, 60, signup)


async def test_bf02_credential_stuffing_signal_once_per_window(
    store: CounterStore, clock: FrozenClock, hasher: KeyHasher
) -> None:
    sip = SuspiciousIpThrottle(store, clock, hasher)
    signals: list[StuffingSignal] = []
    for i in range(40):
        outcome = await sip.record_login_failure(T, BAD_IP, f"victim{i}@example.com", "spa")
        signals.extend(outcome.stuffing)
    assert sorted((s.kind, s.source) for s in signals) == [("client", "spa"), ("ip", BAD_IP)]
    ip_signal = next(s for s in signals if s.kind == "ip")
    assert (ip_signal.distinct_identifiers, ip_signal.failures, ip_signal.attempts) == (20, 20, 20)
    clock.advance(3600)
    later = [await sip.record_login_failure(T, BAD_IP, f"next{i}@example.com") for i in range(20)]
    assert [len(o.stuffing) for o in later].count(1) == 1  # a new window may signal again


async def test_bf02_no_stuffing_signal_for_one_account_or_mostly_successes(
    store: CounterStore, clock: FrozenClock, hasher: KeyHasher
) -> None:
    policy = SuspiciousIpPolicy(pre_login=Stage(1000, 1000), stuffing=StuffingRule())
    sip = SuspiciousIpThrottle(store, clock, hasher, default_policy=policy)
    same = [await sip.record_login_failure(T, BAD_IP, "alice@example.com") for _ in range(50)]
    assert not any(o.stuffing for o in same)  # one account guessed: brute force, not stuffing
    for _ in range(200):
        await sip.record_login_success(T, GOOD_IP)  # a busy office NAT
    busy = [await sip.record_login_failure(T, GOOD_IP, f"typo{i}") for i in range(30)]
    assert not any(o.stuffing for o in busy)
