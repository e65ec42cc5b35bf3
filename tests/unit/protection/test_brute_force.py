"""BF-01: per-(identifier, IP) blocks with Auth0 semantics and a progressive account throttle."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tier0.cache.counters import CounterStore
from tier0.clock import FrozenClock
from tier0.protection.brute_force import (
    BruteForceMode,
    BruteForcePolicy,
    BruteForceProtection,
    VerdictStatus,
)
from tier0.protection.keys import KeyHasher
from tier0.protection.progressive import ProgressivePolicy

T, USER, IP, OTHER_IP = "acme", "alice@example.com", "198.51.100.7", "203.0.113.8"
# Account throttle far away, so the IP-block tests see only the block.
NO_THROTTLE = BruteForcePolicy(account=ProgressivePolicy(free_failures=99))


def protection(
    store: CounterStore, clock: FrozenClock, hasher: KeyHasher, policy: BruteForcePolicy
) -> BruteForceProtection:
    return BruteForceProtection(store, clock, hasher, default_policy=policy)


async def test_bf01_ip_blocked_for_identifier_after_max_attempts(
    store: CounterStore, clock: FrozenClock, hasher: KeyHasher
) -> None:
    bf = protection(store, clock, hasher, NO_THROTTLE)
    verdicts = [await bf.record_failure(T, USER, IP) for _ in range(10)]
    assert all(v.allowed for v in verdicts[:9])
    assert verdicts[9].status is VerdictStatus.BLOCKED
    assert verdicts[9].newly_blocked
    assert verdicts[9].block is not None
    assert verdicts[9].block.expires_at == clock.now() + timedelta(days=30)
    assert (await bf.check(T, USER, IP)).status is VerdictStatus.BLOCKED
    assert (await bf.check(T, USER, OTHER_IP)).allowed  # only that IP, for that identifier
    assert (await bf.check(T, "bob@example.com", IP)).allowed
    assert (await bf.check("other-tenant", USER, IP)).allowed
    again = await bf.record_failure(T, USER, IP)
    assert again.status is VerdictStatus.BLOCKED
    assert not again.newly_blocked  # the notification goes out once


async def test_bf01_block_ends_30_days_after_the_last_failure(
    store: CounterStore, clock: FrozenClock, hasher: KeyHasher
) -> None:
    bf = protection(store, clock, hasher, NO_THROTTLE)
    for _ in range(10):
        await bf.record_failure(T, USER, IP)
    clock.advance(timedelta(days=29))
    assert (await bf.check(T, USER, IP)).retry_after == 86_400
    clock.advance(timedelta(days=1))
    assert (await bf.check(T, USER, IP)).allowed


async def test_bf01_success_resets_the_count(
    store: CounterStore, clock: FrozenClock, hasher: KeyHasher
) -> None:
    bf = protection(store, clock, hasher, NO_THROTTLE)
    for _ in range(9):
        await bf.record_failure(T, USER, IP)
    await bf.record_success(T, USER, IP)
    for _ in range(9):
        assert (await bf.record_failure(T, USER, IP)).allowed
    assert not (await bf.record_failure(T, USER, IP)).allowed


async def test_bf01_identifier_is_case_folded(
    store: CounterStore, clock: FrozenClock, hasher: KeyHasher
) -> None:
    bf = protection(
        store,
        clock,
        hasher,
        BruteForcePolicy(max_attempts=2, account=ProgressivePolicy(free_failures=99)),
    )
    await bf.record_failure(T, "Alice@Example.com", IP)
    await bf.record_failure(T, " alice@example.COM", IP)
    assert (await bf.check(T, USER, IP)).status is VerdictStatus.BLOCKED


async def test_bf01_unblock_and_blocks_for(
    store: CounterStore, clock: FrozenClock, hasher: KeyHasher
) -> None:
    bf = protection(
        store,
        clock,
        hasher,
        BruteForcePolicy(max_attempts=3, account=ProgressivePolicy(free_failures=99)),
    )
    for ip in (IP, OTHER_IP, "::ffff:192.0.2.1"):
        for _ in range(3):
            await bf.record_failure(T, USER, ip)
    blocks = await bf.blocks_for(T, USER)
    assert [b.ip for b in blocks] == ["192.0.2.1", IP, OTHER_IP]
    lifted = await bf.unblock(T, USER, IP)
    assert [b.ip for b in lifted] == [IP]
    assert (await bf.check(T, USER, IP)).allowed
    assert not (await bf.check(T, USER, OTHER_IP)).allowed
    # After an unblock the count starts over: it takes max_attempts again.
    assert (await bf.record_failure(T, USER, IP)).allowed
    lifted_all = await bf.unblock(T, USER)  # admin DELETE /user-blocks, or a password reset
    assert {b.ip for b in lifted_all} == {OTHER_IP, "192.0.2.1"}
    assert await bf.blocks_for(T, USER) == []


async def test_bf01_allowlisted_ip_is_never_blocked(
    store: CounterStore, clock: FrozenClock, hasher: KeyHasher
) -> None:
    policy = BruteForcePolicy(
        max_attempts=2,
        account=ProgressivePolicy(free_failures=99),
        allowlist=("198.51.100.0/24",),
    )
    bf = protection(store, clock, hasher, policy)
    for _ in range(10):
        assert (await bf.record_failure(T, USER, IP)).allowed
    assert await bf.blocks_for(T, USER) == []


async def test_bf01_count_per_identifier_mode_blocks_every_ip(
    store: CounterStore, clock: FrozenClock, hasher: KeyHasher
) -> None:
    policy = BruteForcePolicy(
        max_attempts=3,
        account=ProgressivePolicy(free_failures=99),
        mode=BruteForceMode.COUNT_PER_IDENTIFIER,
    )
    bf = protection(store, clock, hasher, policy)
    for i in range(3):
        verdict = await bf.record_failure(T, USER, f"198.51.100.{i}")
    assert verdict.newly_blocked
    assert (await bf.check(T, USER, "192.0.2.200")).status is VerdictStatus.BLOCKED
    assert [b.ip for b in await bf.blocks_for(T, USER)] == ["*"]
    assert [b.ip for b in await bf.unblock(T, USER, "192.0.2.200")] == ["*"]
    assert (await bf.check(T, USER, IP)).allowed


async def test_bf01_correct_password_throttled_after_failures_then_works_after_the_wait(
    store: CounterStore, clock: FrozenClock, hasher: KeyHasher
) -> None:
    bf = protection(
        store, clock, hasher, BruteForcePolicy(account=ProgressivePolicy(free_failures=5))
    )
    for i in range(6):  # spread over IPs: this is the account throttle, not the IP block
        await bf.record_failure(T, USER, f"198.51.100.{i}")
    verdict = await bf.check(T, USER, OTHER_IP)
    assert verdict.status is VerdictStatus.THROTTLED
    assert verdict.retry_after == 2
    clock.advance(2)
    assert (await bf.check(T, USER, OTHER_IP)).allowed
    await bf.record_success(T, USER, OTHER_IP)
    assert (await bf.record_failure(T, USER, OTHER_IP)).allowed  # success reset the count


async def test_bf01_throttle_grows_and_is_capped(
    store: CounterStore, clock: FrozenClock, hasher: KeyHasher
) -> None:
    policy = BruteForcePolicy(account=ProgressivePolicy(free_failures=2, max_delay_s=60))
    bf = protection(store, clock, hasher, policy)
    delays = []
    for i in range(12):
        verdict = await bf.record_failure(T, USER, f"198.51.100.{i}")
        delays.append(verdict.retry_after)
        clock.advance(verdict.retry_after)
    assert delays == [0, 1, 2, 4, 8, 16, 32, 60, 60, 60, 60, 60]


async def test_bf01_at_most_100_consecutive_failures_and_never_permanent(
    store: CounterStore, clock: FrozenClock, hasher: KeyHasher
) -> None:
    """NIST SP 800-63B: no more than 100 consecutive failed attempts on one account."""
    policy = BruteForcePolicy(max_attempts=100, account=ProgressivePolicy(max_delay_s=1))
    bf = protection(store, clock, hasher, policy)
    start, failures = clock.now(), 0
    while (clock.now() - start) < timedelta(hours=23):
        ip = f"10.{failures // 250}.{failures % 250}.1"
        verdict = await bf.check(T, USER, ip)
        if not verdict.allowed:
            clock.advance(verdict.retry_after)
            if verdict.retry_after > 3600:
                break
            continue
        await bf.record_failure(T, USER, ip)
        failures += 1
    assert failures == 100
    assert verdict.status is VerdictStatus.THROTTLED  # waits out the failure window...
    assert (await bf.check(T, USER, "192.0.2.1")).allowed  # ...and then signs in again


def test_bf01_policy_ranges_are_enforced() -> None:
    for bad in (
        {"max_attempts": 0},
        {"max_attempts": 101},
        {"block_days": 0},
        {"allowlist": ("not-a-cidr",)},
    ):
        with pytest.raises(ValueError):
            BruteForcePolicy(**bad)


async def test_bf01_disabled_policy_and_per_tenant_policies(
    store: CounterStore, clock: FrozenClock, hasher: KeyHasher
) -> None:
    bf = protection(store, clock, hasher, NO_THROTTLE)
    bf.set_policy("lax", BruteForcePolicy(enabled=False))
    for _ in range(20):
        assert (await bf.record_failure("lax", USER, IP)).allowed
    assert (await bf.check("lax", USER, IP)).allowed
    assert bf.policy("other").max_attempts == 10


def test_bf01_progressive_policy_ranges_are_enforced() -> None:
    for bad in (
        {"max_consecutive_failures": 101},
        {"free_failures": 100},
        {"base_delay_s": 0},
        {"max_delay_s": 0},
    ):
        with pytest.raises(ValueError):
            ProgressivePolicy(**bad)
